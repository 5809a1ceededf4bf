"""Figure 8 — language models trained on real stories mixed with synthetic stories of known quality.

The paper (§4.2, App. A.3) trains GPT-2 models on BabiStories mixed with stories written by
a GPT-2-small (124M) generator, filtered for quality, and evaluates on the TinyStories test
set. Everything below is our smaller stand-in (``figures.compare`` lists the differences).
The real corpus is the story grammar of :mod:`collapse_lib.lm.grammar` (exact entropy floor
H); the learners are GPT-2-style decoders (:mod:`collapse_lib.lm.model`) trained for one pass
over a stream with exactly round(p·N) synthetic tokens, evaluated on held-out real stories.
Two synthetic sources, each of known quality KL(P‖Q) per token:

* a **GPT generator** trained on the real stories (quality: its real test loss − H), its stories
  quality-filtered as the paper's are (our filter: :mod:`collapse_lib.lm.quality`);
* a **teacher grammar** (:func:`collapse_lib.lm.teacher.teacher_grammar`): the real grammar's
  structure with its probabilities moved by η, KL(P‖Q) exact — high-quality synthetic data.

Panels: real loss against tokens seen for each fraction p with each source (mean over
replicates, band min–max); the model-size panel (depths at p = 1) and the final loss against
depth at p = 0, a small p and 1. Every curve is run ``replicates`` times (other initial weights
and story order); the analysis and the sentences the chapter shows are in
:mod:`collapse_lib.lm.analysis`. Smoke and book scales run on a CPU (book: a background job,
resumable through the cell cache); paper scale is for a GPU:
``python -m collapse_lib reproduce fig8 --scale paper --device cuda`` or, on several GPUs,
``torchrun --nproc_per_node=N -m collapse_lib fig8 --scale paper --device cuda``
(:func:`collapse_lib.cli.fig8_command`; ``--shard i/k`` spreads the runs over processes).
dtype: float32 (bfloat16 autocast on CUDA).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from .. import plotting
from ..lm import analysis
from ..scale import current_scale
from .report import format_value as fv

TITLE = "Figure 8: language models trained on real + synthetic stories"
COLUMNS = analysis.COLUMNS  # the table's columns (checked when a data file is loaded)
# the kind of each column that is not a finite number (checked when a data file is loaded); null: rows of
# one kind leave the columns of the others empty (a sample story has no loss, a curve point no text)
COLUMN_KINDS = {
    "kind": "text",
    "panel": "text",
    "run": "text",
    "source": "text",
    "text": "text",
    "p_syn": "number or null",
    "depth": "number or null",
    "replicate": "number or null",
    "step": "number or null",
    "tokens": "number or null",
    "loss": "number or null",
    "train_loss": "number or null",
}
FRACTIONS = (0.0, 0.001, 0.01, 0.1, 0.5, 1.0)  # the GPT generator's stories, as the paper: from 0 through 0.001 up to 1
TEACHER = dict(eta=0.45, seed=0, fractions=[0.1, 0.5, 1.0], kl_stories=20_000)  # KL(P‖Q) ≈ 0.03 nats/token
UNFILTERED = (1.0,)  # fractions also run with the generator's stories as they come (no filter)
DEPTH_FRACTIONS = (0.0, 0.1, 1.0)  # the model-size panel: without synthetic data, a small p, and the paper's p = 1

# Per scale: learner (context, width, heads, depth), depths of the model-size panel, global batch (windows),
# steps (one pass: tokens seen = steps · batch · context), GPT generator, evaluation and sampling sizes,
# tokens of real stories whose trigrams are the filter's reference, replicates of every curve. The book scale
# fits a 2-core CPU in about an hour (48 runs of 245,760 tokens): p = 0.001 of its budget would be three
# stories, so its fractions start at 0.01, and no fraction is run unfiltered.
SIZES = {
    "smoke": dict(context=32, width=32, heads=2, depth=2, depths=[1, 2], batch=8, steps=30, lr=3e-3, warmup=5,
                  weak=dict(depth=1, width=16, heads=2, steps=15, slice_tokens=2_000), eval_tokens=2_048, n_eval=6,
                  sample_batch=64, n_samples=2, replicates=2, filter_reference_tokens=100_000,
                  fractions=[0.0, 0.1, 1.0], teacher=dict(TEACHER, fractions=[1.0], kl_stories=200),
                  depth_fractions=[0.0, 1.0]),
    "book": dict(context=128, width=64, heads=4, depth=2, depths=[1, 2, 4, 8], batch=8, steps=240, lr=3e-3,
                 warmup=20, weak=dict(depth=2, width=64, heads=4, steps=240, slice_tokens=245_760),
                 eval_tokens=16_384, n_eval=10, sample_batch=1_024, n_samples=3, replicates=3,
                 filter_reference_tokens=1_750_000, fractions=[0.0, 0.01, 0.1, 0.5, 1.0],
                 teacher=dict(TEACHER, fractions=[0.1, 1.0]), unfiltered_fractions=[]),
    "paper": dict(context=256, width=256, heads=8, depth=4, depths=[2, 4, 8, 16], batch=64, steps=6_000, lr=1e-3,
                  warmup=200, weak=dict(depth=4, width=256, heads=8, steps=6_000, slice_tokens=98_304_000),
                  eval_tokens=262_144, n_eval=16, sample_batch=2_048, n_samples=3, replicates=3,
                  filter_reference_tokens=1_750_000),
}  # fmt: skip


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    from ..lm.story_content import default_grammar

    base = dict(
        fractions=list(FRACTIONS),
        teacher=dict(TEACHER),
        unfiltered_fractions=list(UNFILTERED),
        depth_fractions=list(DEPTH_FRACTIONS),
    )
    return dict(base, **SIZES[scale], scale=scale, p_depth=1.0,
                quality_filter="trigram score >= median of the generator's stories", grammar=default_grammar().name,
                tokenizer="word", temperature=1.0, dtype="float32")  # fmt: skip


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    weak = c["weak"]
    n = c["steps"] * c["batch"] * c["context"]
    t = c["teacher"]
    return dict(
        shows=f"real held-out loss against tokens seen for several synthetic fractions from two sources of known "
        f"quality: a GPT generator (filtered; unfiltered at p ∈ {{{fv(c['unfiltered_fractions'])}}} for comparison) "
        f"and a teacher grammar (η = {fv(t['eta'])}); several depths at p ∈ {{{fv(c['depth_fractions'])}}}; "
        "the exact entropy floor and, for the teacher grammar, the exact floor H + KL(P‖Q)",
        sizes=f"{n:,} tokens per run (context {c['context']}, batch {c['batch']}, {c['steps']:,} steps); "
        f"evaluation on {c['eval_tokens']:,} held-out real tokens",
        runs=f"{c['replicates']} runs per curve (other initial weights and story order); a claim needs a difference "
        "above twice the seed spread",
        models=f"GPT-2-style decoders of width {c['width']}, {c['heads']} heads, {c['depth']} layers (fractions), "
        f"depths {fv(c['depths'])} (model size), learning rate {fv(c['lr'])}, {c['warmup']} warm-up steps; "
        f"generator: a {weak['depth']}-layer, width-{weak['width']} GPT trained on {weak['slice_tokens']:,} "
        "real tokens",
        data=f"stories of a probabilistic grammar ({c['grammar']}, exact entropy), {c['tokenizer']} tokens; "
        f"p ∈ {{{fv(c['fractions'])}}} (GPT generator) and {{{fv(t['fractions'])}}} (teacher grammar); the "
        f"generator's stories sampled at temperature {fv(c['temperature'])} and filtered (ours: keep a story whose "
        "share of real-story trigrams is at least the median of the generator's stories); evaluated on held-out "
        "real stories only",
        differs="a grammar corpus instead of BabiStories (its entropy floor is exact and it trains on a CPU); models "
        "and token budgets orders of magnitude smaller; our own quality filter (the paper's criterion is not known "
        "to us); a second synthetic source of exactly known quality (ours); the model-size panel at p = 1 as in "
        "the paper, whose synthetic set is 10× its real set: ours is never read twice (one pass of "
        f"{n:,} fresh synthetic tokens per run), so any synthetic set at least that large gives the same runs",
    )


def compute(scale=None, device="cpu", seed=0, progress=False, checkpoint_dir=None, resume=None, shard=None):
    """Tidy table: learning curves (``kind="curve"``), generator, sources' quality, floor, sample stories.

    ``resume``: keep every finished run in the cell cache (:class:`collapse_lib.cache.CellStore`) so
    that an interrupted computation resumes; default: above smoke scale. ``shard``: ``(i, k)`` —
    compute only every k-th run from the i-th into the cache and return None (several processes).
    Checkpoints within a run: at paper scale under :func:`collapse_lib.lm.train.default_checkpoint_dir`
    unless ``checkpoint_dir`` says otherwise; smaller scales keep none.
    """
    from ..cache import CellStore
    from ..device import resolve_device
    from ..lm.experiment import run
    from ..lm.train import default_checkpoint_dir

    c = config(scale)
    dev = resolve_device(device)
    if checkpoint_dir is None and c["scale"] == "paper":
        checkpoint_dir = default_checkpoint_dir() / f"fig8-paper-seed{seed}"
    if resume is None:
        resume = c["scale"] != "smoke"
    key = dict(c, seed=seed, device=str(getattr(dev, "type", dev)))
    store = CellStore(f"fig8-{c['scale']}-seed{seed}" if resume else None, key=key)
    return run(c, device=dev, seed=seed, progress=progress, checkpoint_dir=checkpoint_dir, store=store, shard=shard)


def _band(ax, c, key, value, colour, label, marker="o"):
    g = c[c[key] == value].sort_values("tokens")
    ax.fill_between(g.tokens, g.lo, g.hi, color=colour, alpha=0.18, lw=0)
    ax.plot(g.tokens, g["mean"], marker + "-", ms=3.5, lw=1.6, color=colour, label=label)


def _minor_label(v, _pos) -> str:
    """Plain numbers (0.6, 2, 3, 4, 6) on a log axis' minor ticks, the others unlabelled."""
    if v <= 0:
        return ""
    mantissa = round(v / 10 ** np.floor(np.log10(v)), 6)
    return f"{v:g}" if mantissa in (2, 3, 4, 6) else ""


def _finish(ax, panel, h, wt, first, title, ylabel="real held-out loss (nats/token)"):
    lo = first / 1.3
    ax.axvspan(lo, wt, color="0.85", alpha=0.5, lw=0, label="learning-rate warm-up (no claim)")
    plotting.finish_loglog(ax, "tokens seen (training tokens, one pass)", ylabel=ylabel, title=title)
    ax.set_xlim(lo, None)
    ax.set_ylim(0.9 * h, None)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(_minor_label))
    plotting.legend_below(panel, ax=ax, ncol=2)


def plot(table):
    """Figure 8, four panels: real loss vs tokens for each fraction with the GPT generator's and with the teacher
    grammar's stories; real loss vs tokens per depth at p = 1; final real loss against depth at each fraction of the
    model-size panel. Lines: means over replicates; bands and bars: min–max over replicates."""
    fig, panels, axes = plotting.stacked(4, heights=[5.0, 5.0, 5.0, 4.4])
    h = analysis.floor(table)
    wt = analysis.warmup_tokens(table)
    kl = analysis.source_kl(table)
    n_rep = int(table[table.kind == "curve"].replicate.max()) + 1
    for ax, panel, source in ((axes[0], panels[0], "fraction"), (axes[1], panels[1], "teacher")):
        c = analysis.curves(table, source)
        values = sorted(c.p_syn.unique())
        cols = plotting.colours(values, cmap="plasma")
        for v in values:
            _band(ax, c, "p_syn", v, cols[v], f"p = {v:g}")
        ax.axhline(h, color="k", ls="--", lw=1.2, label=f"entropy floor H = {h:.3f}")
        if source == "fraction":
            gl = analysis.generator_loss(table)
            ax.axhline(gl, color="grey", ls="-.", lw=1.0, label=f"the generator's own real loss ({gl:.3f})")
            title = f"GPT generator's stories, filtered (KL = {kl.get('gpt', np.nan):.2f} nats/token)"
        else:
            ax.axhline(h + kl["teacher"], color="crimson", ls=":", lw=1.4,
                       label=f"floor at p = 1: H + KL(P‖Q) = {h + kl['teacher']:.3f}")  # fmt: skip
            title = f"Teacher grammar's stories (exact KL = {kl['teacher']:.3f} nats/token)"
        _finish(ax, panel, h, wt, c.tokens.min(), title + f"\nmean of {n_rep} runs; band: min–max")
    c = analysis.curves(table, "depth")
    depths = sorted(int(d) for d in c.depth.unique())
    cols = plotting.colours(depths, cmap="viridis")
    p_top = float(c.p_syn.max())
    top = c[c.p_syn == p_top]
    for d in depths:
        _band(axes[2], top, "depth", d, cols[d], f"depth {d}", marker="s")
    axes[2].axhline(h, color="k", ls="--", lw=1.2, label=f"entropy floor H = {h:.3f}")
    _finish(axes[2], panels[2], h, wt, top.tokens.min(), f"Model size at p = {p_top:g} (GPT generator's stories)")
    ax = axes[3]
    fin = c[c.tokens == c.tokens.max()]
    fr = sorted(fin.p_syn.unique())
    pc = plotting.colours(fr, cmap="plasma")
    for i, p in enumerate(fr):
        g = fin[fin.p_syn == p].sort_values("depth")
        x = g.depth.to_numpy(float) * (1 + 0.04 * (i - (len(fr) - 1) / 2))  # a small offset keeps bars apart
        ax.errorbar(x, g["mean"], yerr=[g["mean"] - g.lo, g.hi - g["mean"]], fmt="o-", ms=4, lw=1.4, capsize=3,
                    color=pc[p], label=f"p = {p:g}")  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks(depths, [str(d) for d in depths])
    ax.set_xlabel("depth (layers)")
    ax.set_ylabel("final real loss (nats/token)")
    ax.set_title(f"Final real loss by depth after {fin.tokens.max():,.0f} tokens\nmean of {n_rep} runs; bars: min–max")
    ax.grid(True, alpha=0.3)
    plotting.legend_below(panels[3], ax=ax, ncol=3)
    return fig
