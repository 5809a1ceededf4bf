"""Training loop: AdamW, warm-up + cosine decay, clipping, mixed precision, DDP, resumable checkpoints.

One call of :func:`train` is one run of Figure 8: a GPT trained for ``steps``
steps on consecutive windows of one token stream (global batch ``batch_size``
windows of ``context`` tokens; step s reads windows s·B … s·B + B − 1, wrapping
around if the stream is shorter, so the data a step sees depends only on s),
with the real held-out loss measured at chosen steps.

* Optimiser: AdamW (β = (0.9, 0.95), weight decay on matrices only).
* Learning rate: linear warm-up to ``lr`` over ``warmup`` steps, then cosine
  decay to ``min_lr_ratio · lr`` at the last step.
* Gradient clipping at global norm ``grad_clip``.
* Mixed precision on CUDA (``amp="auto"``: bfloat16 where supported, else
  float16 with a gradient scaler); float32 on CPU.
* Under ``torchrun`` (see :mod:`collapse_lib.lm.ddp`) the model is wrapped in
  DistributedDataParallel and every rank takes ``batch_size / world`` windows
  of each global batch; logged losses are averaged over ranks.
* Checkpoints (model, optimiser, scaler, step, history) are written to
  ``checkpoint_dir`` every ``checkpoint_every`` steps and at the end, under a
  name that fingerprints the configuration and the data; a later call with the
  same arguments resumes from the latest one (a finished run returns at once).
  On CPU the resumed run reproduces the uninterrupted one exactly.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import _validate
from ..fileio import atomic_open
from . import ddp
from .model import GPT, GPTConfig, build


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of one run (see the module docstring)."""

    steps: int
    batch_size: int = 32
    lr: float = 3e-3
    warmup: int = 20
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_steps: tuple = ()
    eval_batch: int = 64
    amp: str = "auto"

    def __post_init__(self):
        V = _validate
        checked = dict(
            steps=V.positive_int("steps", self.steps),
            batch_size=V.positive_int("batch_size", self.batch_size),
            eval_batch=V.positive_int("eval_batch", self.eval_batch),
            lr=V.positive_scalar("lr", self.lr),  # finite and > 0
            warmup=V.nonnegative_int("warmup", self.warmup),
            min_lr_ratio=V.fraction_scalar("min_lr_ratio", self.min_lr_ratio),
            weight_decay=V.nonnegative_scalar("weight_decay", self.weight_decay),  # finite, >= 0
            grad_clip=V.positive_scalar("grad_clip", self.grad_clip),
        )  # > 0: a negative norm ascends
        if self.amp not in ("auto", "bf16", "fp16", "off"):
            raise ValueError(f"amp must be 'auto', 'bf16', 'fp16' or 'off', got {self.amp!r}")
        if isinstance(self.eval_steps, (str, bytes)) or not hasattr(self.eval_steps, "__iter__"):
            raise TypeError(f"eval_steps must be a sequence of integers, got {self.eval_steps!r}")
        bad = [
            s
            for s in self.eval_steps
            if isinstance(s, (bool, np.bool_)) or not (isinstance(s, (int, np.integer)) and 1 <= s <= checked["steps"])
        ]
        if bad:
            raise ValueError(f"eval_steps must be integers in [1, steps={self.steps}], got {bad}")
        checked["eval_steps"] = tuple(sorted({int(s) for s in self.eval_steps}))
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["eval_steps"] = list(self.eval_steps)
        return d


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Learning rate at 0-based ``step``: linear warm-up, then cosine from ``lr`` to ``min_lr_ratio·lr``."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    span = max(1, cfg.steps - cfg.warmup)
    t = min(1.0, (step - cfg.warmup) / span)
    lo = cfg.lr * cfg.min_lr_ratio
    return lo + 0.5 * (cfg.lr - lo) * (1 + math.cos(math.pi * t))


def default_checkpoint_dir() -> Path:
    """``$COLLAPSE_CACHE_DIR/lm`` or ``~/.cache/collapse_lib/lm`` (never inside the repository)."""
    from ..cache import default_cache_dir

    return default_cache_dir() / "lm"


def _autocast_dtype(amp: str, dev: torch.device):
    if dev.type != "cuda" or amp == "off":
        return None
    if amp == "bf16" or (amp == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


def _windows(stream: torch.Tensor, T: int, idx: torch.Tensor):
    """Input/target windows number ``idx`` of length ``T`` from a 1-D stream (window w starts at w·T)."""
    offs = idx[:, None] * T + torch.arange(T + 1)[None, :]
    chunk = stream[offs]
    return chunk[:, :-1], chunk[:, 1:]


def fingerprint(*parts) -> str:
    """A short hash of JSON-able parts and numpy arrays (configuration + data identity)."""
    h = hashlib.sha1()
    for p in parts:
        if isinstance(p, np.ndarray):
            h.update(str((p.dtype, p.shape)).encode())
            h.update(np.ascontiguousarray(p).tobytes())
        else:
            h.update(json.dumps(p, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


@torch.no_grad()
def evaluate(model, stream, context: int, batch: int = 64, device=None, amp: str = "auto") -> float:
    """Mean next-token loss (nats) over the consecutive windows of ``stream``; sharded over DDP ranks."""
    net = model.module if hasattr(model, "module") else model
    dev = device or next(net.parameters()).device
    st = torch.as_tensor(np.asarray(stream), dtype=torch.long)
    n_win = (len(st) - 1) // context
    if n_win < 1:
        raise ValueError(f"stream: an evaluation stream needs more than context={context} tokens, got {len(st)}")
    was = net.training
    net.eval()
    idx = torch.arange(n_win)[ddp.rank() :: ddp.world_size()]
    total = torch.zeros(2, dtype=torch.float64, device=dev)
    dtype = _autocast_dtype(amp, dev)
    for i in range(0, len(idx), batch):
        x, y = _windows(st, context, idx[i : i + batch])
        x, y = x.to(dev), y.to(dev)
        with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
            _, loss = net(x, y)
        total[0] += loss.double() * y.numel()
        total[1] += y.numel()
    ddp.all_reduce_sum(total)
    net.train(was)
    return float(total[0] / total[1])


@dataclass
class TrainResult:
    """A trained model and its learning curve (``history``: step, tokens, eval_loss, train_loss, lr)."""

    model: GPT
    history: pd.DataFrame
    checkpoint: Path | None = None
    resumed_from: int = 0
    elapsed_s: float = 0.0
    extra: dict = field(default_factory=dict)


def train(
    model_cfg: GPTConfig,
    stream,
    cfg: TrainConfig,
    eval_stream=None,
    device="cpu",
    seed: int = 0,
    checkpoint_dir=None,
    checkpoint_every: int = 0,
    stop_after: int | None = None,
    progress: bool = False,
    label: str = "run",
) -> TrainResult:
    """Train a GPT on ``stream`` (1-D int array of token ids) and return it with its learning curve.

    ``eval_stream``: real held-out tokens; the loss on it is recorded at
    ``cfg.eval_steps`` (and always at the last step). ``seed`` sets the
    initial weights. ``checkpoint_dir``: where to save and resume (``None``:
    no checkpoints). ``stop_after``: stop (with a checkpoint) after that many
    steps, as if interrupted — used by the tests. Under ``torchrun`` call
    :func:`collapse_lib.lm.ddp.setup` first; ``device`` is then this rank's device.
    """
    if not isinstance(model_cfg, GPTConfig):
        raise TypeError(f"model_cfg must be a GPTConfig, got {type(model_cfg).__name__}")
    if not isinstance(cfg, TrainConfig):
        raise TypeError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
    seed = _validate.seed("seed", seed)
    stream = np.asarray(stream)
    if stream.ndim != 1 or not np.issubdtype(stream.dtype, np.integer):
        raise ValueError("stream must be a 1-D array of integer token ids")
    T = model_cfg.context
    n_win = (len(stream) - 1) // T
    if n_win < 1:
        raise ValueError(f"stream: needs more than context={T} tokens, got {len(stream)}")
    if stream.max(initial=0) >= model_cfg.vocab_size or stream.min(initial=0) < 0:
        raise ValueError(f"stream holds token ids outside [0, vocab_size={model_cfg.vocab_size})")
    world, rank = ddp.world_size(), ddp.rank()
    if cfg.batch_size % world:
        raise ValueError(f"batch_size ({cfg.batch_size}) must be a multiple of the number of processes ({world})")
    from ..device import resolve_device

    dev = resolve_device(device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    amp_dtype = _autocast_dtype(cfg.amp, dev)

    model = build(model_cfg, dev, seed)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.95),
        eps=1e-8,
        fused=dev.type == "cuda",
    )
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    history: list[dict] = []
    start = 0
    run_loss_state = None

    ckpt = None
    if checkpoint_dir is not None:
        fp = fingerprint(
            model_cfg.to_dict(),
            cfg.to_dict(),
            seed,
            world,
            stream,
            np.asarray(eval_stream) if eval_stream is not None else None,
        )
        ckpt = Path(checkpoint_dir) / f"{label}-{fp}.pt"
        if ckpt.is_file():
            state = torch.load(ckpt, map_location=dev, weights_only=False)
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["opt"])
            scaler.load_state_dict(state["scaler"])
            start, history = int(state["step"]), list(state["history"])
            run_loss_state = state["run_loss"]

    def save(step):
        if ckpt is None:
            return
        ddp.all_reduce_sum(run_loss)  # every rank keeps the mean of the running sums, so resumes agree
        run_loss.div_(world)
        if rank == 0:
            with atomic_open(ckpt, "wb") as fh:  # an interrupted save never leaves a broken checkpoint
                torch.save(
                    {
                        "model": model.state_dict(),
                        "opt": opt.state_dict(),
                        "scaler": scaler.state_dict(),
                        "step": step,
                        "history": history,
                        "run_loss": run_loss.cpu(),
                        "model_cfg": model_cfg.to_dict(),
                        "train_cfg": cfg.to_dict(),
                        "seed": seed,
                    },
                    fh,
                )
        ddp.barrier()

    net = model
    if ddp.is_distributed():
        from torch.nn.parallel import DistributedDataParallel as DDP

        net = DDP(model, device_ids=[dev.index] if dev.type == "cuda" else None)

    st = torch.as_tensor(stream, dtype=torch.long)
    local = cfg.batch_size // world
    eval_at = set(cfg.eval_steps) | {cfg.steps}
    end = cfg.steps if stop_after is None else min(cfg.steps, int(stop_after))
    t0 = time.perf_counter()
    bar = None
    if progress and rank == 0 and start < end:
        from tqdm.auto import tqdm

        bar = tqdm(total=end, initial=start, desc=label, unit="step", leave=False)
    run_loss = torch.zeros(2, dtype=torch.float64, device=dev)
    if run_loss_state is not None:
        run_loss.copy_(run_loss_state.to(dev))
    net.train()
    for step in range(start, end):
        lr = lr_at(step, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        first = step * cfg.batch_size + rank * local
        idx = torch.arange(first, first + local) % n_win
        x, y = _windows(st, T, idx)
        x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
        with torch.autocast(dev.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            _, loss = net(x, y)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        scaler.step(opt)
        scaler.update()
        run_loss[0] += loss.detach().double()
        run_loss[1] += 1
        done = step + 1
        if done in eval_at:
            ddp.all_reduce_sum(run_loss)
            train_loss = float(run_loss[0] / run_loss[1])  # mean over steps since the last eval and over ranks
            run_loss.zero_()
            ev = (
                evaluate(net, eval_stream, T, cfg.eval_batch, dev, cfg.amp) if eval_stream is not None else float("nan")
            )
            history.append(
                dict(step=done, tokens=done * cfg.batch_size * T, eval_loss=ev, train_loss=train_loss, lr=lr)
            )
            if bar is not None:
                bar.set_postfix(eval_loss=f"{ev:.3f}", train_loss=f"{train_loss:.3f}")
        if bar is not None:
            bar.update(1)
        if checkpoint_every and done % checkpoint_every == 0 and done < end:
            save(done)
    if bar is not None:
        bar.close()
    if start < end:
        save(end)
    model.eval()
    return TrainResult(
        model=model,
        history=pd.DataFrame(history, columns=["step", "tokens", "eval_loss", "train_loss", "lr"]),
        checkpoint=ckpt,
        resumed_from=start,
        elapsed_s=time.perf_counter() - t0,
    )
