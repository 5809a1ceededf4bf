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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _validate
from . import ddp
from .analysis import COLUMNS
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


@dataclass(frozen=True)
class Run:
    """One learning curve of Figure 8: a panel, a synthetic source, a fraction, a depth and a replicate."""

    panel: str  # "fraction" (GPT generator, filtered), "teacher", "unfiltered" or "depth"
    source: str  # "gpt" or "teacher" ("" at p = 0: no synthetic tokens)
    p: float
    depth: int
    filtered: bool
    replicate: int

    @property
    def key(self) -> tuple:
        """What the numbers depend on: p = 0 runs of every panel and source are one and the same run."""
        if self.p == 0:
            return ("clean", 0.0, self.depth, True, self.replicate)
        return (self.source, self.p, self.depth, self.filtered, self.replicate)

    @property
    def cell(self) -> tuple:
        src, p, depth, filtered, r = self.key
        return ("run", src, f"{p:g}", depth, "f" if filtered else "u", r)

    @property
    def name(self) -> str:
        src = {"gpt": "GPT generator", "teacher": "teacher grammar", "clean": ""}[self.key[0]]
        out = f"p = {self.p:g}, depth {self.depth}" + (f", {src}" if self.p > 0 else "")
        return out + ("" if self.filtered or self.p == 0 else ", unfiltered") + f", replicate {self.replicate}"


def runs_of(cfg: dict) -> list[Run]:
    """Every learning curve of the configuration, ``replicates`` of each (see :func:`run`)."""
    reps = range(_validate.positive_int("replicates", cfg["replicates"]))
    out = []
    for r in reps:
        out += [Run("fraction", "gpt", float(p), cfg["depth"], True, r) for p in cfg["fractions"]]
        out += [Run("teacher", "teacher", float(p), cfg["depth"], True, r) for p in cfg["teacher"]["fractions"]]
        out += [Run("unfiltered", "gpt", float(p), cfg["depth"], False, r) for p in cfg["unfiltered_fractions"]]
        out += [Run("depth", "gpt", float(p), int(d), True, r) for p in cfg["depth_fractions"] for d in cfg["depths"]]
    return out


def replicate_seed(seed: int, r: int) -> int:
    """Seed of replicate ``r`` (initial weights and story order); replicate 0 uses ``seed`` itself."""
    return seed if r == 0 else seed + 1000 * r


def _pack_docs(docs) -> dict:
    return dict(ids=np.concatenate(docs).astype(np.int32), lengths=np.array([len(d) for d in docs]))


def _unpack_docs(ids, lengths) -> list[np.ndarray]:
    return np.split(np.asarray(ids), np.cumsum(lengths)[:-1])


def run(
    cfg: dict, device="cpu", seed: int = 0, progress: bool = False, checkpoint_dir=None, store=None, shard=None
) -> pd.DataFrame:
    """Run the whole experiment described by ``cfg`` (see :func:`collapse_lib.figures.fig8.config`).

    Every learning curve (:func:`runs_of`) is run ``cfg["replicates"]`` times, with other initial
    weights and another order of the same stories (:func:`replicate_seed`), so that every claim
    can be set against the run-to-run spread. Curves: the GPT generator's filtered stories at
    each fraction of ``fractions`` (panel ``fraction``), the teacher grammar's stories
    (:func:`collapse_lib.lm.teacher.teacher_grammar`, panel ``teacher``), the generator's
    unfiltered stories (``unfiltered``) and every depth of ``depths`` at each fraction of
    ``depth_fractions`` (``depth``). Runs at p = 0 are shared by every panel.

    ``store``: a :class:`collapse_lib.cache.CellStore` keeping the generator's stories and each
    finished run, so that an interrupted run resumes. ``shard``: ``(i, k)`` to compute only the
    runs whose index is ``i`` modulo ``k`` into ``store`` (several processes fill one store) and
    return None. Returns the tidy table described in the module docstring. Under ``torchrun``
    every rank must call this; every rank returns the same table.
    """
    from ..cache import CellStore
    from .teacher import grammar_kl, mixture_kl, teacher_grammar

    seed = _validate.seed("seed", seed)
    store = CellStore(None) if store is None else store
    t_start = time.perf_counter()
    g = default_grammar()
    tok = WordTokenizer.from_grammar(g)
    T, B, steps = cfg["context"], cfg["batch"], cfg["steps"]
    n_train = steps * B * T + 1
    runs = runs_of(cfg)
    rows: list[dict] = []

    # 1. real corpus; the held-out real stories (own seed) are the only evaluation data
    real_docs = real_documents(n_train, _seed(seed, 1), tok, g)
    held_docs = real_documents(cfg["eval_tokens"] + T + 1, _seed(seed, 2), tok, g)
    eval_stream = held_out_stream(held_docs, cfg["eval_tokens"], T // 3)
    floor = g.entropy_per_token()
    rows.append(dict(kind="floor", loss=floor, tokens=g.expected_tokens()))  # nats/token; tokens per story
    prompt = real_docs[0][-(T // 4) :]  # the tail of a training story (ends with <eos>)

    # 2-3. the GPT generator, trained on a slice of the real corpus, and its stories as they come and filtered
    w = cfg["weak"]
    gpt_ps = [r.p for r in runs if r.source == "gpt" and r.filtered] + [0.0]
    n_kept = int(round(max(gpt_ps) * n_train))
    n_raw = int(round(max([r.p for r in runs if not r.filtered], default=0.0) * n_train))

    def generator() -> dict:
        weak_model_cfg = GPTConfig(tok.vocab_size, T, w["depth"], w["width"], w["heads"])
        slice_stream = concat(real_docs, w["slice_tokens"])
        weak_tcfg = TrainConfig(
            steps=w["steps"],
            batch_size=B,
            lr=cfg["lr"],
            warmup=cfg["warmup"],
            eval_steps=tuple(eval_points(w["steps"], 6)),
        )
        weak = _train(
            "generator", weak_model_cfg, slice_stream, weak_tcfg, eval_stream, device, seed, checkpoint_dir, progress
        )
        reference_docs = real_documents(cfg["filter_reference_tokens"], _seed(seed, 5), tok, g)
        reference = reference_trigrams([d[:-1] for d in reference_docs], tok.vocab_size, tok.eos_id)
        packed = None
        if ddp.rank() == 0:
            raw, kept, scores, tau = synthetic_pools(
                weak.model, n_raw, n_kept, reference, tok, cfg["sample_batch"], seed, prompt, progress
            )
            stats = _filter_stats(g, tok, raw, kept, scores, tau, held_docs, reference)
            packed = (_pack_docs(raw), _pack_docs(kept), stats)
        raw_p, kept_p, stats = ddp.broadcast_object(packed)
        h = weak.history
        return dict(
            raw_ids=raw_p["ids"], raw_len=raw_p["lengths"], kept_ids=kept_p["ids"], kept_len=kept_p["lengths"],
            stat_names=np.array([s["run"] for s in stats]), stat_values=np.array([s["loss"] for s in stats]),
            step=h.step.to_numpy(), tokens=h.tokens.to_numpy(), loss=h.eval_loss.to_numpy(),
            train_loss=h.train_loss.to_numpy(),
        )  # fmt: skip

    memo: dict = {}

    def gen() -> dict:
        """The generator's cell, computed once; a shard other than the first waits for the first to make it."""
        if "gen" not in memo:
            while shard is not None and shard[0] > 0 and store.enabled and store.get(("generator",)) is None:
                time.sleep(30)
            memo["gen"] = g_ = store(("generator",), generator)
            memo[("gpt", False)] = _unpack_docs(g_["raw_ids"], g_["raw_len"])
            memo[("gpt", True)] = _unpack_docs(g_["kept_ids"], g_["kept_len"])
        return memo["gen"]

    # the teacher grammar: synthetic stories of exactly known quality KL(P‖Q)
    tc = cfg["teacher"]
    Q = teacher_grammar(tc["eta"], seed=tc["seed"], grammar=g)
    n_teacher = int(round(max([r.p for r in runs if r.source == "teacher"], default=0.0) * n_train))
    teacher_docs = real_documents(n_teacher, _seed(seed, 6), tok, Q) if n_teacher else []

    def docs_of(source: str, filtered: bool) -> list:
        if source == "teacher":
            return teacher_docs
        gen()
        return memo[(source, filtered)]

    # 4-5. the runs, each one a cell of the store
    main_cfg = GPTConfig(tok.vocab_size, T, cfg["depth"], cfg["width"], cfg["heads"])
    tcfg = TrainConfig(
        steps=steps,
        batch_size=B,
        lr=cfg["lr"],
        warmup=cfg["warmup"],
        eval_steps=tuple(eval_points(steps, cfg["n_eval"])),
    )
    k = cfg["n_samples"]
    sample_keys = {Run("fraction", "gpt", p, cfg["depth"], True, 0).key for p in (0.0, max(gpt_ps))}
    unique = list(dict.fromkeys(r.key for r in runs))
    first = {r.key: r for r in reversed(runs)}

    def train_one(r: Run) -> dict:
        s = replicate_seed(seed, r.replicate)
        stream, _ = mix(real_docs, docs_of(r.source, r.filtered) if r.p > 0 else [], n_train, r.p, s)
        mcfg = (
            main_cfg if r.depth == cfg["depth"] else GPTConfig(tok.vocab_size, T, r.depth, cfg["width"], cfg["heads"])
        )
        res = _train(r.name, mcfg, stream, tcfg, eval_stream, device, s, checkpoint_dir, progress)
        h = res.history
        out = dict(step=h.step.to_numpy(), tokens=h.tokens.to_numpy(), loss=h.eval_loss.to_numpy(),
                   train_loss=h.train_loss.to_numpy())  # fmt: skip
        if r.key in sample_keys:  # a few stories written by the trained model, for the chapter
            docs = None
            if ddp.rank() == 0:
                docs = generate(res.model, 200 * k, batch=k, seed=_seed(seed, 4), eos_id=tok.eos_id, prompt=prompt)
            docs = ddp.broadcast_object(docs)[:k]
            out.update(sample_ids=np.concatenate(docs).astype(np.int32), sample_len=np.array([len(d) for d in docs]))
        return out

    if shard is not None:  # runs dealt to the shards by estimated cost (depth + 2), largest first
        i, n = shard
        load = [0.0] * n
        mine = []
        for key in sorted(unique, key=lambda x: -(first[x].depth + 2)):
            j = int(np.argmin(load))
            load[j] += first[key].depth + 2
            if j == i:
                mine.append(key)
        for key in sorted(mine, key=lambda x: x[0] == "gpt"):  # runs without the generator's stories first
            store(first[key].cell, lambda: train_one(first[key]))
        return None
    done = {key: store(first[key].cell, lambda: train_one(first[key])) for key in unique}

    gen_cell = gen()
    raw_docs, synth_docs = memo[("gpt", False)], memo[("gpt", True)]
    rows.append(dict(kind="source", run="gpt", source="GPT generator", loss=float(gen_cell["loss"][-1]) - floor))
    rows.append(dict(kind="source", run="teacher", source=Q.name, loss=grammar_kl(g, Q)))
    for h in zip(gen_cell["step"], gen_cell["tokens"], gen_cell["loss"], gen_cell["train_loss"]):
        rows.append(dict(kind="weak", panel="weak", run="GPT generator", depth=w["depth"], step=h[0], tokens=h[1],
                         loss=h[2], train_loss=h[3]))  # fmt: skip
    rows += [
        dict(kind="filter", run=str(n), loss=float(v)) for n, v in zip(gen_cell["stat_names"], gen_cell["stat_values"])
    ]
    for p in sorted({r.p for r in runs if r.source == "teacher"}):
        m = mixture_kl(g, Q, p, stories=cfg["teacher"]["kl_stories"], seed=_seed(seed, 7))
        rows.append(dict(kind="mixture_kl", run="teacher", p_syn=p, loss=m.value, train_loss=m.stderr))
    for r in runs:
        h = done[r.key]
        for step, tokens, loss, train_loss in zip(h["step"], h["tokens"], h["loss"], h["train_loss"]):
            rows.append(dict(kind="curve", panel=r.panel, run=r.name, p_syn=r.p, depth=r.depth, step=step,
                             tokens=tokens, loss=loss, train_loss=train_loss, source=r.source if r.p > 0 else "",
                             replicate=r.replicate))  # fmt: skip

    # sample stories side by side: real (held out), generator (raw and kept), teacher grammar, trained models
    samples = [("real corpus", held_docs[1 : 1 + k]), ("GPT generator", raw_docs[:k]),
               ("GPT generator, kept by the filter", synth_docs[:k]), ("teacher grammar", teacher_docs[:k])]  # fmt: skip
    for key in sorted(sample_keys, key=lambda x: x[1]):
        h = done[key]
        samples.append((f"trained GPT, p = {key[1]:g}", _unpack_docs(h["sample_ids"], h["sample_len"])))
    for source, docs in samples:
        rows += [dict(kind="sample", source=source, text=_render(tok, d)) for d in docs]
    rows.append(dict(kind="info", run="warmup_tokens", loss=float(cfg["warmup"] * B * T)))
    rows.append(dict(kind="info", run="elapsed_s", loss=time.perf_counter() - t_start))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for c in ("panel", "run", "source", "text"):
        table[c] = table[c].fillna("")
    return table


def _render(tok, ids) -> str:
    ids = [int(i) for i in ids if int(i) != tok.eos_id]
    return tok.decode(ids)
