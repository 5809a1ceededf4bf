"""The Figure 8 experiment: GPTs trained on real stories mixed with a weaker GPT's stories.

Pipeline (paper, Section 5 / Figure 8, with the story grammar standing in for BabiStories):

1. **Real corpus.** Stories from :func:`collapse_lib.lm.grammar.stories`
   (word tokens, exact entropy floor ``H_tok`` nats/token). A held-out real
   stream (other stories) measures the *real test loss*.
2. **Weak generator.** A small GPT trained on a small slice of the real
   corpus (its real test loss is reported as its quality). It writes the
   synthetic stories by ancestral sampling at temperature 1, each stream primed
   with the tail of one real story.
3. **Mixtures.** For each synthetic fraction p the training stream holds
   exactly round(p·N) synthetic tokens out of N (:func:`collapse_lib.lm.corpus.mix`);
   all runs share their real stories (a prefix of one list) and the initial weights.
4. **Runs.** One GPT per fraction (fixed depth/width) and one per depth (at
   the fraction ``p_depth``), each trained for the same number of steps; the
   real test loss is recorded at log-spaced numbers of tokens seen. ``replicates``
   extra clean runs (other initial weights and story order) measure the
   run-to-run noise.

:func:`run` returns a tidy table (one row per learning-curve point, plus
rows for the floor, the weak generator and sample stories); the recipe
:mod:`collapse_lib.figures.fig8` plots it.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .. import _validate
from . import ddp
from .corpus import concat, mix, token_documents
from .grammar import default_grammar, sample_stories
from .model import GPTConfig, generate
from .tokenizer import WordTokenizer
from .train import TrainConfig, train


def _seed(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence([seed, *key]).generate_state(1)[0])


def eval_points(steps: int, num: int) -> list[int]:
    """``num`` log-spaced step counts from about steps/64 to ``steps`` (distinct integers)."""
    steps, num = _validate.positive_int("steps", steps), _validate.positive_int("num", num)
    lo = max(1, steps // 64)
    return sorted({int(round(s)) for s in np.geomspace(lo, steps, num)})


def real_documents(n_tokens: int, seed: int, tokenizer, grammar=None, batch: int = 2000):
    """Real stories as token-id documents (each ending with ``<eos>``) holding at least ``n_tokens`` tokens.

    Stories are drawn in blocks of ``batch`` with seeds derived from ``seed``
    and the block number, so a larger request extends a smaller one.
    """
    g = grammar or default_grammar()
    docs, total, block = [], 0, 0
    while total < n_tokens:
        toks, _ = sample_stories(batch, _seed(seed, 11, block), g)
        d = token_documents(toks, tokenizer)
        docs += d
        total += sum(len(x) for x in d)
        block += 1
    return docs


def _train(label, model_cfg, stream, tcfg, eval_stream, device, seed, checkpoint_dir, progress):
    r = train(model_cfg, stream, tcfg, eval_stream, device=device, seed=seed, checkpoint_dir=checkpoint_dir,
              checkpoint_every=max(1, tcfg.steps // 10) if checkpoint_dir is not None else 0,
              progress=progress, label=label)
    return r


def run(cfg: dict, device="cpu", seed: int = 0, progress: bool = False, checkpoint_dir=None) -> pd.DataFrame:
    """Run the whole experiment described by ``cfg`` (see :func:`collapse_lib.figures.fig8.config`).

    Returns the tidy table described in the module docstring. Under
    ``torchrun`` every rank must call this; every rank returns the same table.
    """
    seed = _validate.seed("seed", seed)
    t_start = time.perf_counter()
    g = default_grammar()
    tok = WordTokenizer.from_grammar(g)
    T, B, steps = cfg["context"], cfg["batch"], cfg["steps"]
    n_train = steps * B * T + 1
    fracs = [float(p) for p in cfg["fractions"]]
    rows: list[dict] = []

    # 1. real corpus, held-out stream (starting mid-story, as every window of a long stream does)
    real_docs = real_documents(n_train, _seed(seed, 1), tok, g)
    held_docs = real_documents(cfg["eval_tokens"] + T + 1, _seed(seed, 2), tok, g)
    eval_stream = concat(held_docs)[T // 3: T // 3 + cfg["eval_tokens"] + 1]
    floor = g.entropy_per_token()
    rows.append(dict(kind="floor", loss=floor, tokens=g.expected_tokens()))  # nats/token; tokens per story

    # 2. weak generator on a small slice of the real corpus, then the synthetic pool
    w = cfg["weak"]
    weak_model_cfg = GPTConfig(tok.vocab_size, T, w["depth"], w["width"], w["heads"])
    slice_stream = concat(real_docs, w["slice_tokens"])
    weak_tcfg = TrainConfig(steps=w["steps"], batch_size=B, lr=cfg["lr"], warmup=cfg["warmup"],
                            eval_steps=tuple(eval_points(w["steps"], 6)))
    weak = _train("weak", weak_model_cfg, slice_stream, weak_tcfg, eval_stream, device, seed, checkpoint_dir,
                  progress)
    for h in weak.history.itertuples():
        rows.append(dict(kind="weak", panel="weak", run="weak generator", depth=w["depth"], step=h.step,
                         tokens=h.tokens, loss=h.eval_loss, train_loss=h.train_loss))
    n_syn = int(round(max(fracs + [cfg["p_depth"]]) * n_train))
    prompt = held_docs[0][-(T // 4):]
    packed = None
    if ddp.rank() == 0:  # sampled once, on rank 0, and sent to the other ranks as one array + lengths
        docs = generate(weak.model, n_syn, batch=cfg["sample_batch"], temperature=1.0, seed=_seed(seed, 3),
                        eos_id=tok.eos_id, prompt=prompt, progress=progress)
        docs = [np.append(d, tok.eos_id).astype(np.int32) for d in docs]
        packed = (np.concatenate(docs), np.array([len(d) for d in docs]))
    flat, lengths = ddp.broadcast_object(packed)
    synth_docs = np.split(flat, np.cumsum(lengths)[:-1])

    # 3-4. one run per fraction (main depth), one per extra depth at p_depth
    main_cfg = GPTConfig(tok.vocab_size, T, cfg["depth"], cfg["width"], cfg["heads"])
    tcfg = TrainConfig(steps=steps, batch_size=B, lr=cfg["lr"], warmup=cfg["warmup"],
                       eval_steps=tuple(eval_points(steps, cfg["n_eval"])))
    runs = [("fraction", p, cfg["depth"]) for p in fracs]
    runs += [("depth", cfg["p_depth"], d) for d in cfg["depths"]]
    done: dict[tuple, pd.DataFrame] = {}
    models = {}
    for panel, p, depth in runs:
        key = (p, depth)
        if key not in done:
            stream, flag = mix(real_docs, synth_docs, n_train, p, seed)
            mcfg = main_cfg if depth == cfg["depth"] else GPTConfig(tok.vocab_size, T, depth, cfg["width"],
                                                                    cfg["heads"])
            r = _train(f"p{p:g}-depth{depth}", mcfg, stream, tcfg, eval_stream, device, seed, checkpoint_dir,
                       progress)
            done[key] = r.history
            models[key] = r.model
        for h in done[key].itertuples():
            rows.append(dict(kind="curve", panel=panel, run=f"p = {p:g}, depth {depth}", p_syn=p, depth=depth,
                             step=h.step, tokens=h.tokens, loss=h.eval_loss, train_loss=h.train_loss))

    # replicates of the clean run (other initial weights, other order of the same stories): run-to-run noise
    for r in range(cfg.get("replicates", 0)):
        s2 = seed + 1000 * (r + 1)
        stream, _ = mix(real_docs, synth_docs, n_train, 0.0, s2)
        h = _train(f"p0-depth{cfg['depth']}-replicate{r + 1}", main_cfg, stream, tcfg, eval_stream, device, s2,
                   checkpoint_dir, progress).history
        for row in h.itertuples():
            rows.append(dict(kind="curve", panel="replicate", run=f"p = 0, depth {cfg['depth']}, seed {s2}",
                             p_syn=0.0, depth=cfg["depth"], step=row.step, tokens=row.tokens, loss=row.eval_loss,
                             train_loss=row.train_loss))

    # sample stories side by side: real, weak generator, trained models (clean and most synthetic)
    k = cfg["n_samples"]
    for i in range(k):
        rows.append(dict(kind="sample", source="real corpus", text=_render(tok, held_docs[1 + i])))
    for i in range(k):
        rows.append(dict(kind="sample", source="weak generator", text=_render(tok, synth_docs[i])))
    if ddp.rank() == 0:
        samples = {}
        for p in (0.0, max(fracs)):
            m = models[(p, cfg["depth"])]
            docs = generate(m, 200 * k, batch=k, seed=_seed(seed, 4), eos_id=tok.eos_id, prompt=prompt)
            samples[p] = [_render(tok, d) for d in docs[:k]]
    else:
        samples = None
    samples = ddp.broadcast_object(samples)
    for p, texts in samples.items():
        for t in texts:
            rows.append(dict(kind="sample", source=f"trained GPT, p = {p:g}", text=t))
    rows.append(dict(kind="info", run="elapsed_s", loss=time.perf_counter() - t_start))
    table = pd.DataFrame(rows, columns=["kind", "panel", "run", "p_syn", "depth", "step", "tokens", "loss",
                                        "train_loss", "source", "text"])
    for c in ("panel", "run", "source", "text"):
        table[c] = table[c].fillna("")
    return table


def _render(tok, ids) -> str:
    ids = [int(i) for i in ids if int(i) != tok.eos_id]
    return tok.decode(ids)


FIT_MIN_FRACTION = 1 / 8  # power-law fits use the evaluation points with tokens >= this fraction of the largest


def fit_scaling(tokens, loss, floor: float, min_fraction: float = FIT_MIN_FRACTION) -> tuple[float, float]:
    """Fit ``loss − floor ≈ A · tokens^(−α)`` by least squares in log–log; returns ``(α, A)``.

    Uses the points with ``tokens ≥ min_fraction · max(tokens)`` and
    ``loss > floor``. The exponent of the *reducible* loss: with the exact
    entropy floor known, no third parameter needs fitting.
    """
    floor = _validate.nonnegative_scalar("floor", floor)
    min_fraction = _validate.fraction_scalar("min_fraction", min_fraction)
    t = np.asarray(tokens, dtype=float)
    excess = np.asarray(loss, dtype=float) - floor
    keep = (t >= min_fraction * t.max()) & (excess > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log(t[keep]), np.log(excess[keep]), 1)
    return float(-slope), float(np.exp(intercept))
