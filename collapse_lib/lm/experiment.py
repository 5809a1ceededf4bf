"""The Figure 8 experiment: GPTs trained on real stories mixed with a weaker GPT's stories.

Pipeline (the paper's §4.2 / Figure 8, with the story grammar standing in for BabiStories):

1. **Real corpus.** Stories from :func:`collapse_lib.lm.grammar.stories`
   (word tokens, exact entropy floor ``H_tok`` nats/token). The *real test loss* of
   every model is measured on held-out real stories only (:func:`held_out_stream`:
   stories drawn with their own seed, never trained on, never used as a prompt).
2. **Weak generator.** A small GPT trained on a small slice of the real corpus (its
   real test loss is reported as its quality). It writes the synthetic stories by
   ancestral sampling at temperature 1, each stream primed with the tail of one
   *training* story.
3. **Quality filter.** The paper filters its synthetic stories for poor quality; we keep
   a story when its trigram score (:mod:`collapse_lib.lm.quality`: the share of its
   word trigrams found in a reference sample of real stories) is at least the median
   score of the generator's stories (:func:`synthetic_pools`). Runs use the kept
   stories; the ``unfiltered`` runs use the generator's stories as they come.
4. **Mixtures.** For each synthetic fraction p the training stream holds exactly
   round(p·N) synthetic tokens out of N (:func:`collapse_lib.lm.corpus.mix`); all runs
   share their real stories (a prefix of one list) and the initial weights.
5. **Runs.** One GPT per fraction (fixed depth/width), per unfiltered fraction, and per
   depth at the fraction ``p_depth`` (the paper's model-size panel: p₂ = 1), each trained
   for the same number of steps; the real test loss is recorded at log-spaced numbers of
   tokens seen. ``replicates`` extra clean runs (other initial weights and story order)
   measure the run-to-run noise.

:func:`run` returns a tidy table (one row per learning-curve point, plus rows for the
floor, the weak generator, the filter's statistics and sample stories); the recipe
:mod:`collapse_lib.figures.fig8` plots it.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .. import _validate
from . import ddp
from .corpus import concat, mix, token_documents
from .model import GPTConfig, generate
from .quality import median_threshold, reference_trigrams, trigram_scores
from .story_content import default_grammar, sample_stories
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


def held_out_stream(held_docs, n_tokens: int, offset: int) -> np.ndarray:
    """The evaluation stream: ``n_tokens + 1`` consecutive tokens of the held-out real stories from ``offset``.

    Starting inside the first story (as every window of a long stream does) changes
    nothing in expectation; the stream holds real held-out tokens only.
    """
    n_tokens = _validate.positive_int("n_tokens", n_tokens)
    offset = _validate.nonnegative_int("offset", offset)
    stream = concat(held_docs)
    if len(stream) < offset + n_tokens + 1:
        raise ValueError(f"held_docs: {len(stream)} tokens, fewer than offset + n_tokens + 1 = {offset + n_tokens + 1}")
    return stream[offset : offset + n_tokens + 1]


def synthetic_pools(
    model, n_raw: int, n_kept: int, reference, tok, batch: int, seed: int, prompt, progress: bool = False
):
    """The generator's stories as they come, and the stories kept by the quality filter.

    Block 0 holds ``max(n_raw, 2·n_kept)`` tokens of stories sampled at temperature 1
    (:func:`~collapse_lib.lm.model.generate`). The threshold τ is the median trigram score
    of its stories (:func:`~collapse_lib.lm.quality.median_threshold`); a story is kept when
    its score is ≥ τ, in the order sampled. While the kept stories hold fewer than
    ``n_kept`` tokens, further blocks (seeds derived from ``seed`` and the block number)
    are sampled and filtered with the same τ.

    Returns ``(raw, kept, scores, tau)``: token-id documents ending with ``<eos>`` (raw =
    block 0, holding at least ``n_raw`` tokens; kept holding at least ``n_kept``) and the
    scores of block 0.
    """
    eos = tok.eos_id
    with_eos = lambda docs: [np.append(d, eos).astype(np.int32) for d in docs]  # noqa: E731
    docs = generate(
        model,
        max(n_raw, 2 * n_kept, 1),
        batch=batch,
        temperature=1.0,
        seed=_seed(seed, 3, 0),
        eos_id=eos,
        prompt=prompt,
        progress=progress,
    )
    scores = trigram_scores(docs, reference, tok.vocab_size, eos)
    tau = median_threshold(scores)
    kept = [d for d, q in zip(docs, scores) if q >= tau]
    total, block = sum(len(d) + 1 for d in kept), 1
    while total < n_kept:
        more = generate(
            model,
            2 * (n_kept - total),
            batch=batch,
            temperature=1.0,
            seed=_seed(seed, 3, block),
            eos_id=eos,
            prompt=prompt,
            progress=progress,
        )
        q = trigram_scores(more, reference, tok.vocab_size, eos)
        add = [d for d, s in zip(more, q) if s >= tau]
        kept += add
        total += sum(len(d) + 1 for d in add)
        block += 1
    return with_eos(docs), with_eos(kept), scores, tau


def _pack(docs):
    return np.concatenate(docs), np.array([len(d) for d in docs])


def _unpack(packed):
    flat, lengths = packed
    return np.split(flat, np.cumsum(lengths)[:-1])


def _filter_stats(g, tok, raw, kept, scores, tau, held_docs, reference, n_parse: int = 2000) -> list[dict]:
    """Rows describing the filter: threshold, shares kept, mean scores (also of held-out real stories), and
    the share of stories, and of each story, that the grammar parses (first ``n_parse`` stories of each set)."""

    def grammatical(docs):
        words = [[tok.itos[i] for i in d[:-1]] for d in docs[:n_parse]]
        pre = np.array([g.grammatical_prefix(w) / (len(w) + 1) for w in words])
        return float(np.mean(pre == 1.0)), float(np.mean(pre))

    real_scores = trigram_scores([d[:-1] for d in held_docs], reference, tok.vocab_size, tok.eos_id)
    raw_parse, raw_prefix = grammatical(raw)
    kept_parse, kept_prefix = grammatical(kept)
    n_kept_0 = int(np.sum(scores >= tau))
    kept_tokens_0 = sum(len(d) for d, q in zip(raw, scores) if q >= tau)
    stats = dict(
        threshold=tau,
        kept_story_share=n_kept_0 / len(raw),
        kept_token_share=kept_tokens_0 / sum(len(d) for d in raw),
        score_raw=float(np.mean(scores)),
        score_kept=float(np.mean(scores[scores >= tau])),
        score_real=float(np.mean(real_scores)),
        parse_share_raw=raw_parse,
        parse_share_kept=kept_parse,
        grammatical_share_raw=raw_prefix,
        grammatical_share_kept=kept_prefix,
        tokens_per_story_raw=float(np.mean([len(d) for d in raw])),
        tokens_per_story_kept=float(np.mean([len(d) for d in kept])),
    )
    return [dict(kind="filter", run=k, loss=float(v)) for k, v in stats.items()]


def _train(label, model_cfg, stream, tcfg, eval_stream, device, seed, checkpoint_dir, progress):
    r = train(
        model_cfg,
        stream,
        tcfg,
        eval_stream,
        device=device,
        seed=seed,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=max(1, tcfg.steps // 10) if checkpoint_dir is not None else 0,
        progress=progress,
        label=label,
    )
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
    unfiltered = [float(p) for p in cfg["unfiltered_fractions"]]
    rows: list[dict] = []

    # 1. real corpus; the held-out real stories (own seed) are the only evaluation data
    real_docs = real_documents(n_train, _seed(seed, 1), tok, g)
    held_docs = real_documents(cfg["eval_tokens"] + T + 1, _seed(seed, 2), tok, g)
    eval_stream = held_out_stream(held_docs, cfg["eval_tokens"], T // 3)
    floor = g.entropy_per_token()
    rows.append(dict(kind="floor", loss=floor, tokens=g.expected_tokens()))  # nats/token; tokens per story

    # 2. weak generator on a small slice of the real corpus
    w = cfg["weak"]
    weak_model_cfg = GPTConfig(tok.vocab_size, T, w["depth"], w["width"], w["heads"])
    slice_stream = concat(real_docs, w["slice_tokens"])
    weak_tcfg = TrainConfig(
        steps=w["steps"], batch_size=B, lr=cfg["lr"], warmup=cfg["warmup"], eval_steps=tuple(eval_points(w["steps"], 6))
    )
    weak = _train("weak", weak_model_cfg, slice_stream, weak_tcfg, eval_stream, device, seed, checkpoint_dir, progress)
    for h in weak.history.itertuples():
        rows.append(
            dict(
                kind="weak",
                panel="weak",
                run="weak generator",
                depth=w["depth"],
                step=h.step,
                tokens=h.tokens,
                loss=h.eval_loss,
                train_loss=h.train_loss,
            )
        )

    # 3. synthetic stories, as they come and quality-filtered (sampled on rank 0, sent to the others)
    prompt = real_docs[0][-(T // 4) :]  # the tail of a training story (ends with <eos>)
    n_kept = int(round(max(fracs + [cfg["p_depth"]]) * n_train))
    n_raw = int(round(max(unfiltered, default=0.0) * n_train))
    reference_docs = real_documents(cfg["filter_reference_tokens"], _seed(seed, 5), tok, g)
    reference = reference_trigrams([d[:-1] for d in reference_docs], tok.vocab_size, tok.eos_id)
    packed = None
    if ddp.rank() == 0:
        raw, kept, scores, tau = synthetic_pools(
            weak.model, n_raw, n_kept, reference, tok, cfg["sample_batch"], seed, prompt, progress
        )
        packed = (_pack(raw), _pack(kept), scores, tau)
    raw_p, kept_p, scores, tau = ddp.broadcast_object(packed)
    raw_docs, synth_docs = _unpack(raw_p), _unpack(kept_p)
    rows += _filter_stats(g, tok, raw_docs, synth_docs, scores, tau, held_docs, reference)

    # 4-5. one run per fraction (main depth, filtered), per unfiltered fraction, per depth at p_depth (filtered)
    main_cfg = GPTConfig(tok.vocab_size, T, cfg["depth"], cfg["width"], cfg["heads"])
    tcfg = TrainConfig(
        steps=steps,
        batch_size=B,
        lr=cfg["lr"],
        warmup=cfg["warmup"],
        eval_steps=tuple(eval_points(steps, cfg["n_eval"])),
    )
    runs = [("fraction", p, cfg["depth"], True) for p in fracs]
    runs += [("unfiltered", p, cfg["depth"], False) for p in unfiltered]
    runs += [("depth", cfg["p_depth"], d, True) for d in cfg["depths"]]
    done: dict[tuple, pd.DataFrame] = {}
    models = {}
    for panel, p, depth, filtered in runs:
        key = (p, depth, filtered or p == 0)  # p = 0 has no synthetic stories: one clean run serves both
        if key not in done:
            stream, _ = mix(real_docs, synth_docs if filtered else raw_docs, n_train, p, seed)
            mcfg = (
                main_cfg if depth == cfg["depth"] else GPTConfig(tok.vocab_size, T, depth, cfg["width"], cfg["heads"])
            )
            label = f"p{p:g}-depth{depth}" + ("" if filtered else "-unfiltered")
            r = _train(label, mcfg, stream, tcfg, eval_stream, device, seed, checkpoint_dir, progress)
            done[key] = r.history
            models[key] = r.model
        name = f"p = {p:g}, depth {depth}" + ("" if filtered or p == 0 else ", unfiltered")
        for h in done[key].itertuples():
            rows.append(
                dict(
                    kind="curve",
                    panel=panel,
                    run=name,
                    p_syn=p,
                    depth=depth,
                    step=h.step,
                    tokens=h.tokens,
                    loss=h.eval_loss,
                    train_loss=h.train_loss,
                )
            )

    # replicates of the clean run (other initial weights, other order of the same stories): run-to-run noise
    for r in range(cfg.get("replicates", 0)):
        s2 = seed + 1000 * (r + 1)
        stream, _ = mix(real_docs, synth_docs, n_train, 0.0, s2)
        h = _train(
            f"p0-depth{cfg['depth']}-replicate{r + 1}",
            main_cfg,
            stream,
            tcfg,
            eval_stream,
            device,
            s2,
            checkpoint_dir,
            progress,
        ).history
        for row in h.itertuples():
            rows.append(
                dict(
                    kind="curve",
                    panel="replicate",
                    run=f"p = 0, depth {cfg['depth']}, seed {s2}",
                    p_syn=0.0,
                    depth=cfg["depth"],
                    step=row.step,
                    tokens=row.tokens,
                    loss=row.eval_loss,
                    train_loss=row.train_loss,
                )
            )

    # sample stories side by side: real (held out), weak generator (raw and kept), trained models
    k = cfg["n_samples"]
    for i in range(k):
        rows.append(dict(kind="sample", source="real corpus", text=_render(tok, held_docs[1 + i])))
    for i in range(k):
        rows.append(dict(kind="sample", source="weak generator", text=_render(tok, raw_docs[i])))
    for i in range(k):
        rows.append(dict(kind="sample", source="weak generator, kept by the filter", text=_render(tok, synth_docs[i])))
    if ddp.rank() == 0:
        samples = {}
        for p in (0.0, max(fracs)):
            m = models[(p, cfg["depth"], True)]
            docs = generate(m, 200 * k, batch=k, seed=_seed(seed, 4), eos_id=tok.eos_id, prompt=prompt)
            samples[p] = [_render(tok, d) for d in docs[:k]]
    else:
        samples = None
    samples = ddp.broadcast_object(samples)
    for p, texts in samples.items():
        for t in texts:
            rows.append(dict(kind="sample", source=f"trained GPT, p = {p:g}", text=t))
    rows.append(dict(kind="info", run="elapsed_s", loss=time.perf_counter() - t_start))
    table = pd.DataFrame(
        rows,
        columns=["kind", "panel", "run", "p_syn", "depth", "step", "tokens", "loss", "train_loss", "source", "text"],
    )
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
