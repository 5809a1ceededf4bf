"""A GPT-2-style decoder in torch, with a key/value cache for sampling.

Architecture (Radford et al. 2019, as in nanoGPT): token + learned position
embeddings; ``depth`` pre-LayerNorm blocks, each causal multi-head
self-attention then a 4×-wide GELU MLP, both residual; a final LayerNorm; the
output layer shares its weights with the token embedding. Weights are
initialised N(0, 0.02²), the residual output projections N(0, 0.02²/(2·depth)).
The loss is the mean next-token cross-entropy in nats.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import _validate
from ..device import resolve_device
from .corpus import select_documents


@dataclass(frozen=True)
class GPTConfig:
    """Shape of a GPT: vocabulary, context length, depth (layers), width, heads."""

    vocab_size: int
    context: int = 128
    depth: int = 2
    width: int = 64
    heads: int = 4
    dropout: float = 0.0

    def __post_init__(self):
        for name in ("vocab_size", "context", "depth", "width", "heads"):
            _validate.positive_int(name, getattr(self, name))
        if self.width % self.heads:
            raise ValueError(f"width ({self.width}) must be a multiple of heads ({self.heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class _Attention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.width, 3 * cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.width)
        self.dropout = cfg.dropout

    def forward(self, x, cache=None):
        B, T, C = x.shape  # batch, new positions, width; H heads of size C/H
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, C/H)
        if cache is not None:  # cache = [keys, values] of the earlier positions, each (B, H, past, C/H)
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)  # (B, H, past + T, C/H)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        # with a cache, the T new queries sit at the end of the keys: causal mask offset by the past length
        past = k.shape[2] - T
        if past == 0:
            y = F.scaled_dot_product_attention(
                q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0
            )
        else:
            mask = torch.ones(T, k.shape[2], dtype=torch.bool, device=x.device).tril(diagonal=past)  # (T, past + T)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, H, T, C/H)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))  # heads side by side again: (B, T, C)


class _Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.width)
        self.attn = _Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.width)
        self.fc = nn.Linear(cfg.width, 4 * cfg.width)
        self.out = nn.Linear(4 * cfg.width, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, cache=None):
        x = x + self.drop(self.attn(self.ln1(x), cache))
        return x + self.drop(self.out(F.gelu(self.fc(self.ln2(x)))))


class GPT(nn.Module):
    """GPT-2-style decoder; ``forward(idx, targets)`` returns ``(logits, loss)``."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Embedding(cfg.context, cfg.width)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList([_Block(cfg) for _ in range(cfg.depth)])
        self.ln_f = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, cfg.vocab_size, bias=False)
        self.head.weight = self.tok.weight  # weight tying
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * cfg.depth) if name.endswith(("attn.proj.weight", "out.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def num_params(self, embeddings: bool = False) -> int:
        """Parameter count (without the position and token embeddings unless ``embeddings``)."""
        n = sum(p.numel() for p in self.parameters())
        return n if embeddings else n - self.pos.weight.numel() - self.tok.weight.numel()

    def forward(self, idx, targets=None, caches=None, pos0: int = 0):
        B, T = idx.shape
        if pos0 + T > self.cfg.context:
            raise ValueError(f"idx: {pos0 + T} positions exceed the context length {self.cfg.context}")
        pos = torch.arange(pos0, pos0 + T, device=idx.device)
        x = self.drop(self.tok(idx) + self.pos(pos))
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss


def _next_token(logits, temperature, top_k, top_p, generator):
    """One draw per row from softmax(logits / temperature), truncated to the top k / the top-p nucleus."""
    logits = logits.float() / temperature  # (B, V)
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (B, 1): the k-th largest logit
        logits = logits.masked_fill(logits < kth, -math.inf)
    probs = torch.softmax(logits, dim=-1)
    if top_p is not None and top_p < 1.0:
        p_sorted, order = torch.sort(probs, dim=-1, descending=True)
        outside = p_sorted.cumsum(dim=-1) - p_sorted >= top_p  # the mass before this token already reaches top_p
        probs = torch.zeros_like(probs).scatter(-1, order, p_sorted.masked_fill(outside, 0.0))
    return torch.multinomial(probs, 1, generator=generator)  # (B, 1); multinomial renormalises


def _steps(steps, progress):
    if not progress:
        return range(steps)
    from tqdm.auto import trange

    return trange(steps, desc="sampling", unit="step", leave=False)


@torch.no_grad()
def sample(
    model: GPT,
    idx: torch.Tensor,
    steps: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    eos_id: int = 0,
    max_doc_len: int | None = None,
    progress: bool = False,
) -> torch.Tensor:
    """Continue each row of ``idx`` (B, T) by ``steps`` sampled tokens; returns them, shape (B, steps).

    Ancestral sampling: x_{t+1} ~ softmax(logits_t / temperature), restricted to
    the ``top_k`` most likely tokens and to the smallest set of tokens whose
    probability reaches ``top_p`` (nucleus) when given; both ``None`` and
    ``temperature = 1`` give the model's own distribution. Keys and values are
    cached; when the context is full it is cropped to its last half and the cache
    rebuilt (a sliding window). With ``max_doc_len``, ``eos_id`` is forced after
    that many consecutive non-``eos_id`` tokens. Call in eval mode; ``progress``
    shows a bar over the steps.
    """
    ctx = model.cfg.context
    B = idx.shape[0]
    caches = [[None, None] for _ in model.blocks]
    logits, _ = model(idx, caches=caches)  # (B, T, V)
    pos = idx.shape[1]
    run = torch.zeros(B, dtype=torch.long, device=idx.device)  # tokens since each row's last eos_id
    out = torch.empty(B, steps, dtype=torch.long, device=idx.device)
    for t in _steps(steps, progress):
        nxt = _next_token(logits[:, -1, :], temperature, top_k, top_p, generator)  # (B, 1)
        if max_doc_len is not None:
            nxt[run >= max_doc_len, 0] = eos_id
            run = torch.where(nxt[:, 0] == eos_id, 0, run + 1)
        out[:, t] = nxt[:, 0]
        idx = torch.cat([idx, nxt], dim=1)
        if pos >= ctx:  # context full: keep its last half, rebuild the cache
            idx = idx[:, -(ctx // 2) :]
            caches = [[None, None] for _ in model.blocks]
            logits, _ = model(idx, caches=caches)
            pos = idx.shape[1]
        else:
            logits, _ = model(nxt, caches=caches, pos0=pos)  # (B, 1, V)
            pos += 1
    return out


def generate(
    model: GPT,
    n_tokens: int,
    batch: int = 256,
    temperature: float = 1.0,
    seed: int = 0,
    eos_id: int = 0,
    max_doc_len: int | None = None,
    prompt=None,
    top_k: int | None = None,
    top_p: float | None = None,
    progress: bool = False,
) -> list[np.ndarray]:
    """Sample documents (stories) from ``model`` until they hold ≥ ``n_tokens`` tokens.

    Parameters
    ----------
    model : GPT
    n_tokens : int
        Tokens wanted, counting one ``<eos>`` per document.
    batch : int
        Streams sampled in parallel.
    temperature, top_k, top_p
        Sampling distribution (see :func:`sample`); the defaults (1, None, None)
        are the model's own distribution, as for the synthetic stories of the
        paper's Figure 8 (Section 4.2: temperature 1, top-p 1).
    seed : int
        The same seed gives the same documents on the same device.
    eos_id : int
        The end-of-document token.
    max_doc_len : int, optional
        A document longer than this (default: twice the context) is ended by force.
    prompt : sequence of int, optional
        Token ids ending with ``eos_id`` that start every stream (e.g. one real
        story; default just ``<eos>``), at most half the context.
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of numpy.ndarray
        Documents without their ``<eos>``, chosen by
        :func:`~collapse_lib.lm.corpus.select_documents`: the first ones by start
        that hold ``n_tokens``, independently of their own length.
    """
    n_tokens = _validate.positive_int("n_tokens", n_tokens)
    batch = _validate.positive_int("batch", batch)
    seed = _validate.seed("seed", seed)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < math.inf:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    if top_k is not None:
        top_k = _validate.positive_int("top_k", top_k)
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be a number in (0, 1], got {top_p!r}")
    ctx, vocab = model.cfg.context, model.cfg.vocab_size
    if isinstance(eos_id, bool) or not isinstance(eos_id, (int, np.integer)) or not 0 <= eos_id < vocab:
        raise ValueError(f"eos_id must be a token id in [0, {vocab}), got {eos_id!r}")
    max_doc_len = 2 * ctx if max_doc_len is None else _validate.positive_int("max_doc_len", max_doc_len)
    prompt = [eos_id] if prompt is None else [int(t) for t in prompt]
    if not prompt or prompt[-1] != eos_id or len(prompt) > ctx // 2 or not all(0 <= t < vocab for t in prompt):
        raise ValueError(f"prompt must be 1 to {ctx // 2} token ids in [0, {vocab}) ending with eos_id={eos_id}")
    dev = next(model.parameters()).device
    g = torch.Generator(device=dev)
    g.manual_seed(int(np.random.SeedSequence([seed, 7]).generate_state(1)[0]))
    # Documents started before step `stop` hold >= n_tokens (every token up to there belongs to one, or is the
    # eos ending one); max_doc_len more steps finish all of them, so the selection never waits on a document.
    stop = -(-n_tokens // batch)
    was_training = model.training
    model.eval()
    try:
        idx = torch.tensor(prompt, dtype=torch.long, device=dev).repeat(batch, 1)  # (batch, len(prompt))
        tokens = sample(model, idx, stop + max_doc_len, temperature, top_k, top_p, g, eos_id, max_doc_len, progress)
    finally:
        model.train(was_training)
    return select_documents(tokens.cpu().numpy().astype(np.int32), eos_id, n_tokens, stop)


def build(cfg: GPTConfig, device="cpu", seed: int = 0) -> GPT:
    """A freshly initialised GPT on ``device``; the same seed gives the same weights."""
    dev = resolve_device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GPT(cfg)
    return model.to(dev)
