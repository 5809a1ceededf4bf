"""Fully trained two-layer ReLU networks, many at once (batched over seeds and label sets).

A network of width m maps x ∈ R^d to R^K:

    f(x) = aᵀ relu(Wᵀx + b) + c,   W ∈ R^{d×m}, b ∈ R^m, a ∈ R^{m×K}, c ∈ R^K,

initialised W ~ N(0, 2/d) (He), b = 0, a ~ N(0, 1/m), c = 0, and trained end to end
(both layers: this is what the random-features model does not do) on the mean squared
error (1/n) Σ_i ‖f(x_i) − y_i‖² with Adam or SGD.

Batched training: B independent networks are stacked along a leading axis and the
loss minimised is the *sum* of their B losses, so each network's gradient is exactly
its own; Adam and SGD act entrywise, so the B networks follow exactly the trajectories
they would follow alone. Networks may share the inputs (X of shape (n, d)) and differ
in labels (Y of shape (B, n, K)): that is how one training run covers several p₂.

Budget and stopping: ``steps`` optimiser steps (full batch, or minibatches of
``batch_size`` rows drawn without replacement, reshuffled each epoch, the same rows for
every network). With a validation set (held-out *real* samples) the loss on it is
evaluated every ``eval_every`` steps and each network keeps the parameters of its best
evaluation (early stopping by checkpoint); ``patience`` stops the whole batch once no
network has improved for that many evaluations, an improvement being a decrease of its best
validation loss by more than the fraction ``min_improvement`` of it (default 0: any decrease;
each network still keeps its best parameters, however small the decrease). ``track_train_loss=False`` skips the loss on
the whole training set at each evaluation (``train_loss`` is then NaN): at large n it costs
more than the validation loss and only the history uses it.

Adam is PyTorch's fused implementation (one kernel per step; about 4× faster than the
per-parameter loop on a CPU at width 2,000, the same update up to rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import _validate as V


@dataclass(frozen=True)
class TrainSpec:
    """How to train: width, optimiser, budget, stopping rule (see the module docstring)."""

    width: int
    steps: int = 2000
    lr: float = 1e-3
    optimizer: str = "adam"
    batch_size: int | None = None  # None: full batch
    weight_decay: float = 0.0
    eval_every: int = 20
    out_scale: float = 1.0  # output layer initialised a ~ N(0, out_scale²/m)
    patience: int | None = None  # evaluations without improvement before stopping (needs validation data)
    min_improvement: float = 0.0  # relative decrease of a best validation loss that resets the patience count
    track_train_loss: bool = True  # record the loss on the whole training set at each evaluation

    def __post_init__(self):
        checked = dict(
            width=V.positive_int("width", self.width),
            steps=V.positive_int("steps", self.steps),
            eval_every=V.positive_int("eval_every", self.eval_every),
            lr=V.positive_scalar("lr", self.lr),
            weight_decay=V.nonnegative_scalar("weight_decay", self.weight_decay),
            out_scale=V.nonnegative_scalar("out_scale", self.out_scale),
        )
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        if self.batch_size is not None:
            checked["batch_size"] = V.positive_int("batch_size", self.batch_size)
        if self.patience is not None:
            checked["patience"] = V.positive_int("patience", self.patience)
        checked["track_train_loss"] = V.flag("track_train_loss", self.track_train_loss)
        checked["min_improvement"] = V.fraction_scalar("min_improvement", self.min_improvement)
        for name, value in checked.items():  # plain int / float from here on (never a numpy scalar or True)
            object.__setattr__(self, name, value)


@dataclass
class TwoLayerNets:
    """B two-layer ReLU networks: W (B, d, m), b (B, 1, m), a (B, m, K), c (B, 1, K)."""

    W: torch.Tensor
    b: torch.Tensor
    a: torch.Tensor
    c: torch.Tensor

    @property
    def params(self):
        return [self.W, self.b, self.a, self.c]

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs (B, n, K) for inputs X (n, d), shared by all networks, or (B, n, d).

        The biases are fused into the batched products (baddbmm) and the ReLU is applied
        in place: the same numbers as relu(XW + b)a + c with two fewer passes over the
        (B, n, m) hidden layer (measured 5–26% faster per training step on a CPU).
        """
        if X.ndim == 2:
            X = X.expand(self.W.shape[0], -1, -1)
        h = torch.relu_(torch.baddbmm(self.b, X, self.W))
        return torch.baddbmm(self.c, h, self.a)

    def copy(self) -> "TwoLayerNets":
        return TwoLayerNets(*(p.detach().clone() for p in self.params))


@dataclass
class TrainResult:
    """Trained networks (best checkpoint if validated) and their history.

    history_steps (E,), train_loss (E, B) on the full training set, val_loss (E, B) or None,
    best_step (B,) the step of each network's kept parameters, steps_run.
    """

    nets: TwoLayerNets
    history_steps: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray | None
    best_step: np.ndarray
    steps_run: int
    spec: TrainSpec = field(repr=False)


def init_networks(
    d: int, width: int, out_dim: int, generators, device, dtype=torch.float32, out_scale: float = 1.0
) -> TwoLayerNets:
    """One network per generator (B = len(generators)): W ~ N(0, 2/d), a ~ N(0, out_scale²/m), biases 0."""
    d = V.positive_int("d", d)
    width = V.positive_int("width", width)
    out_dim = V.positive_int("out_dim", out_dim)
    B = len(generators)
    if B == 0:
        raise ValueError("generators must hold one torch.Generator per network, got none")
    W = torch.empty((B, d, width), dtype=dtype, device=device)
    a = torch.empty((B, width, out_dim), dtype=dtype, device=device)
    for i, g in enumerate(generators):
        torch.randn((d, width), generator=g, dtype=dtype, device=device, out=W[i])
        torch.randn((width, out_dim), generator=g, dtype=dtype, device=device, out=a[i])
    W *= np.sqrt(2.0 / d)
    a *= out_scale / np.sqrt(width)
    b = torch.zeros((B, 1, width), dtype=dtype, device=device)
    c = torch.zeros((B, 1, out_dim), dtype=dtype, device=device)
    return TwoLayerNets(W, b, a, c)


def mse(pred: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Per-network mean over samples of the squared Euclidean error: (B, n, K) → (B,)."""
    return ((pred - Y) ** 2).sum(dim=-1).mean(dim=-1)


def _batched_loss(nets, X, Y, chunk=8192):
    with torch.no_grad():
        n = Y.shape[1]
        tot = torch.zeros(Y.shape[0], dtype=Y.dtype, device=Y.device)
        for i in range(0, n, chunk):
            Xi = X[..., i : i + chunk, :]
            tot += ((nets.predict(Xi) - Y[:, i : i + chunk]) ** 2).sum(dim=(-1, -2))
        return tot / n


def train_two_layer(
    X,
    Y,
    spec: TrainSpec,
    generators,
    X_val=None,
    Y_val=None,
    batch_generator=None,
    progress: bool = False,
    desc: str = "training",
) -> TrainResult:
    """Train B = len(generators) two-layer ReLU networks on (X, Y[b]) (see the module docstring).

    X: (n, d) shared inputs or (B, n, d); Y: (B, n, K). ``generators[b]`` seeds network b's
    initialisation (equal seeds give equal initial networks: common random numbers across
    label sets). ``batch_generator`` draws the minibatch order (CPU generator; default
    seeded 0). X_val (n_val, d) or (B, n_val, d), Y_val (B, n_val, K): held-out real data
    for early stopping. Returns a :class:`TrainResult`.
    """
    if not isinstance(spec, TrainSpec):
        raise TypeError(f"spec must be a TrainSpec, got {type(spec).__name__}")
    for name, value in (("X", X), ("Y", Y), ("X_val", X_val), ("Y_val", Y_val)):
        if value is None and name.endswith("_val"):
            continue
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if not bool(torch.isfinite(value).all()):
            raise ValueError(f"{name} must be finite: it holds NaN or ±inf (a network trained on it would be NaN)")
    if Y.ndim != 3:
        raise ValueError(f"Y must have shape (B, n, K), got {tuple(Y.shape)}")
    B, n, K = Y.shape
    if len(generators) != B:
        raise ValueError(f"generators has {len(generators)} entries but Y holds {B} label sets")
    if X.shape[-2] != n or X.ndim not in (2, 3) or (X.ndim == 3 and X.shape[0] != B):
        raise ValueError(f"X must have shape (n, d) or (B, n, d) with n = {n}, B = {B}; got {tuple(X.shape)}")
    validated = X_val is not None
    if validated != (Y_val is not None):
        raise ValueError("give both X_val and Y_val, or neither")
    if spec.patience is not None and not validated:
        raise ValueError("patience needs validation data (X_val, Y_val)")
    d = X.shape[-1]
    nets = init_networks(d, spec.width, K, generators, X.device, X.dtype, spec.out_scale)
    for p in nets.params:
        p.requires_grad_(True)
    if spec.optimizer == "adam":
        opt = torch.optim.Adam(nets.params, lr=spec.lr, weight_decay=spec.weight_decay, fused=True)
    else:
        opt = torch.optim.SGD(nets.params, lr=spec.lr, weight_decay=spec.weight_decay)
    bg = batch_generator if batch_generator is not None else torch.Generator().manual_seed(0)
    bs = n if spec.batch_size is None or spec.batch_size >= n else spec.batch_size
    best = nets.copy() if validated else None
    best_val = torch.full((B,), float("inf"), dtype=X.dtype, device=X.device)
    best_step = np.zeros(B, dtype=np.int64)
    hist_steps, hist_train, hist_val = [], [], []
    stale = 0
    order, pos = None, n
    bar = tqdm(total=spec.steps, desc=desc, disable=not progress, leave=False)
    step = 0
    for step in range(1, spec.steps + 1):
        if bs == n:
            Xb, Yb = X, Y
        else:
            if pos + bs > n:
                order, pos = torch.randperm(n, generator=bg).to(X.device), 0
            idx = order[pos : pos + bs]
            pos += bs
            Xb, Yb = X[..., idx, :], Y[:, idx]
        opt.zero_grad(set_to_none=True)
        loss = mse(nets.predict(Xb), Yb).sum()
        loss.backward()
        opt.step()
        bar.update(1)
        if step % spec.eval_every == 0 or step == spec.steps:
            hist_steps.append(step)
            hist_train.append(_batched_loss(nets, X, Y).cpu().numpy() if spec.track_train_loss else np.full(B, np.nan))
            if validated:
                vl = _batched_loss(nets, X_val, Y_val)
                hist_val.append(vl.cpu().numpy())
                improved = vl < best_val
                if bool((vl < best_val * (1 - spec.min_improvement)).any()):
                    stale = 0
                else:
                    stale += 1
                if bool(improved.any()):
                    best_val = torch.where(improved, vl, best_val)
                    best_step[improved.cpu().numpy()] = step
                    with torch.no_grad():
                        for pb, pc in zip(best.params, nets.params):
                            mask = improved.view((B,) + (1,) * (pc.ndim - 1))
                            pb.copy_(torch.where(mask, pc, pb))
                bar.set_postfix(val=f"{float(best_val.mean()):.3g}")
                if spec.patience is not None and stale >= spec.patience:
                    break
    bar.close()
    final = best if validated else nets.copy()
    if not validated:
        best_step[:] = step
    return TrainResult(
        final,
        np.asarray(hist_steps),
        np.asarray(hist_train),
        np.asarray(hist_val) if validated else None,
        best_step,
        step,
        spec,
    )
