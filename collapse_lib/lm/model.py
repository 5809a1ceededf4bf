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
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        # with a cache, the T new queries sit at the end of the keys: causal mask offset by the past length
        past = k.shape[2] - T
        if past == 0:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               dropout_p=self.dropout if self.training else 0.0)
        else:
            mask = torch.ones(T, k.shape[2], dtype=torch.bool, device=x.device).tril(diagonal=past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


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


@torch.no_grad()
def generate(model: GPT, n_tokens: int, batch: int = 256, temperature: float = 1.0, seed: int = 0,
             eos_id: int = 0, max_doc_len: int | None = None, prompt=None,
             progress: bool = False) -> list[np.ndarray]:
    """Sample documents (stories) from ``model`` until they hold ≥ ``n_tokens`` tokens.

    ``batch`` streams run in parallel, each started from ``prompt`` (token ids
    ending with ``<eos>``, e.g. one real story; default just ``<eos>``) and
    continued indefinitely; a stream's output is cut at its ``<eos>`` tokens into
    documents (returned without the ``<eos>``, in order of their start). The
    documents kept are the first ones, by start, that hold ``n_tokens``; sampling
    goes on until all of them are finished, so which documents are kept does not
    depend on their own length. Sampling is ancestral at ``temperature`` (1 = the
    model's own distribution, as for the paper's synthetic stories) with a key/
    value cache; when a stream reaches the context length the cache is rebuilt
    from its last half-context of tokens (a sliding window). A document longer
    than ``max_doc_len`` (default: twice the context) is ended by force. The
    same seed gives the same documents on the same device.
    """
    n_tokens = _validate.positive_int("n_tokens", n_tokens)
    batch = _validate.positive_int("batch", batch)
    seed = _validate.seed("seed", seed)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    ctx = model.cfg.context
    max_doc_len = max_doc_len or 2 * ctx
    g = torch.Generator(device=dev)
    g.manual_seed(int(np.random.SeedSequence([seed, 7]).generate_state(1)[0]))
    prompt = [eos_id] if prompt is None else [int(t) for t in prompt]
    if not prompt or prompt[-1] != eos_id or len(prompt) > ctx // 2:
        raise ValueError(f"prompt must be 1 to {ctx // 2} token ids ending with eos_id={eos_id}")
    window = torch.tensor(prompt, dtype=torch.long, device=dev).repeat(batch, 1)
    caches = [[None, None] for _ in model.blocks]
    logits, _ = model(window, caches=caches)
    pos = window.shape[1]
    cur_len = torch.zeros(batch, dtype=torch.long, device=dev)  # tokens of each stream's unfinished document
    out: list[torch.Tensor] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_tokens, desc="sampling", unit="tok", leave=False)
    done, stop, steps = 0, None, 0
    # Run until the documents *started* by some step hold n_tokens, then max_doc_len more steps so that
    # every document started before that step is finished: keeping exactly those (in order of their
    # start) selects documents independently of their own length (no bias towards short ones).
    while stop is None or steps < stop + max_doc_len + 1:
        probs = torch.softmax(logits[:, -1, :].float() / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=g)  # (batch, 1)
        nxt[cur_len >= max_doc_len, 0] = eos_id  # end overlong documents
        cur_len = torch.where(nxt[:, 0] == eos_id, 0, cur_len + 1)
        out.append(nxt[:, 0])
        steps += 1
        window = torch.cat([window, nxt], dim=1)
        if pos >= ctx:  # slide: keep the last half context, rebuild the cache
            window = window[:, -(ctx // 2):]
            caches = [[None, None] for _ in model.blocks]
            logits, _ = model(window, caches=caches)
            pos = window.shape[1]
        else:
            logits, _ = model(nxt, caches=caches, pos0=pos)
            pos += 1
        if stop is None and steps % 32 == 0:  # tokens generated so far (a device sync, so not every step)
            new_done = steps * batch
            if bar is not None:
                bar.update(min(new_done, n_tokens) - min(done, n_tokens))
            done = new_done
            if done >= n_tokens:
                stop = steps
    if bar is not None:
        bar.close()
    tokens = torch.stack(out, dim=1).cpu().numpy().astype(np.int32)  # (batch, steps)
    found = []  # (step at which the document started, stream, document)
    for b, row in enumerate(tokens):
        ends = np.flatnonzero(row == eos_id)
        found.extend((a + 1, b, row[a + 1:e]) for a, e in zip(np.r_[-1, ends[:-1]], ends) if a + 1 < stop)
    found.sort(key=lambda t: (t[0], t[1]))
    docs, total = [], 0
    for _, _, d in found:
        if total >= n_tokens:
            break
        docs.append(d)
        total += len(d) + 1
    model.train(was_training)
    return docs


def build(cfg: GPTConfig, device="cpu", seed: int = 0) -> GPT:
    """A freshly initialised GPT on ``device``; the same seed gives the same weights."""
    dev = resolve_device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GPT(cfg)
    return model.to(dev)
