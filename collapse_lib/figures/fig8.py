"""Figure 8 — language models: a GPT trained on real stories mixed with a weaker GPT's stories.

The paper (§4.2, App. A.3) trains GPT-2 models on BabiStories mixed with stories
written by a GPT-2-small (124M) generator, filtered for quality, and evaluates on the
TinyStories test set. Everything below is our smaller stand-in (``figures.compare``
lists the differences). Here the real corpus is the story grammar of :mod:`collapse_lib.lm.grammar`
(exact entropy floor, drawn as a dashed line), the weak generator a small GPT
trained on a small slice of it, and the learners GPT-2-style decoders
(:mod:`collapse_lib.lm.model`) trained for one pass over a stream with exactly
round(p·N) synthetic tokens, quality-filtered as the paper's are (our filter:
:mod:`collapse_lib.lm.quality`). Left: real held-out loss vs tokens seen for
p ∈ {0, 0.001, 0.01, 0.1, 0.2, 0.5, 1} (log–log) at a fixed model, with unfiltered
runs at some p for comparison. Right: the paper's model-size panel — four depths at
fixed width, trained on synthetic stories only (p = ``p_depth`` = 1). Smoke and book
scales run on a CPU in seconds / minutes; paper scale (bigger model, ~100M tokens) is for a GPU:
``python -m collapse_lib reproduce fig8 --scale paper --device cuda`` or, on
several GPUs, ``torchrun --nproc_per_node=N -m collapse_lib.lm fig8 --scale paper``.
dtype: float32 (bfloat16 autocast on CUDA).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from .. import plotting
from ..scale import current_scale
from .report import format_value as fv

TITLE = "Figure 8: language models trained on real + synthetic stories"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind",
    "panel",
    "run",
    "p_syn",
    "depth",
    "step",
    "tokens",
    "loss",
    "train_loss",
    "source",
    "text",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# rows of different kinds (curves, floors, filter, samples, info) fill different columns
COLUMN_KINDS = {
    "kind": "text",
    "panel": "text",
    "run": "text",
    "source": "text",
    "text": "text",
    "p_syn": "number or null",
    "depth": "number or null",
    "step": "number or null",
    "tokens": "number or null",
    "loss": "number or null",
    "train_loss": "number or null",
}
FRACTIONS = (0.0, 0.001, 0.01, 0.1, 0.2, 0.5, 1.0)  # as the paper: from 0 through 0.001 up to 1
UNFILTERED = (0.1, 0.5, 1.0)  # fractions also run with the generator's stories as they come (no filter)
P_DEPTH = 1.0  # the paper's model-size panel: synthetic stories only

# Per scale: learner (context, width, heads, depth), depths of the right panel, global batch (windows),
# steps (one pass: tokens seen = steps · batch · context), weak generator, evaluation and sampling sizes,
# tokens of real stories whose trigrams are the filter's reference (about 20,000 stories above smoke).
SIZES = {
    "smoke": dict(
        context=32,
        width=32,
        heads=2,
        depth=2,
        depths=[1, 2, 3, 4],
        batch=8,
        steps=30,
        lr=3e-3,
        warmup=5,
        weak=dict(depth=1, width=16, heads=2, steps=15, slice_tokens=2_000),
        eval_tokens=2_048,
        n_eval=6,
        sample_batch=64,
        n_samples=2,
        replicates=1,
        filter_reference_tokens=100_000,
    ),
    "book": dict(
        context=128,
        width=64,
        heads=4,
        depth=2,
        depths=[1, 2, 4, 8],
        batch=16,
        steps=400,
        lr=3e-3,
        warmup=30,
        weak=dict(depth=1, width=64, heads=4, steps=150, slice_tokens=100_000),
        eval_tokens=16_384,
        n_eval=12,
        sample_batch=2_048,
        n_samples=3,
        replicates=1,
        filter_reference_tokens=1_750_000,
    ),
    "paper": dict(
        context=256,
        width=256,
        heads=8,
        depth=4,
        depths=[2, 4, 8, 16],
        batch=64,
        steps=6_000,
        lr=1e-3,
        warmup=200,
        weak=dict(depth=2, width=128, heads=4, steps=1_500, slice_tokens=2_000_000),
        eval_tokens=262_144,
        n_eval=16,
        sample_batch=2_048,
        n_samples=3,
        replicates=1,
        filter_reference_tokens=1_750_000,
    ),
}


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    from ..lm.story_content import default_grammar

    return dict(
        SIZES[scale],
        scale=scale,
        fractions=list(FRACTIONS),
        unfiltered_fractions=list(UNFILTERED),
        p_depth=P_DEPTH,
        quality_filter="trigram score >= median of the generator's stories",
        grammar=default_grammar().name,
        tokenizer="word",
        temperature=1.0,
        dtype="float32",
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    weak = c["weak"]
    n = c["steps"] * c["batch"] * c["context"]
    return dict(
        shows=f"real held-out loss against tokens seen for several synthetic fractions (left, filtered stories; "
        f"unfiltered at p ∈ {{{fv(c['unfiltered_fractions'])}}} for comparison) and several depths at "
        f"p = {fv(c['p_depth'])} (right), with the exact entropy floor",
        sizes=f"{n:,} tokens per run (context {c['context']}, batch {c['batch']}, {c['steps']:,} steps); "
        f"evaluation on {c['eval_tokens']:,} held-out real tokens",
        runs="one run per curve, plus one repeat of the clean run",
        models=f"GPT-2-style decoders of width {c['width']}, {c['heads']} heads, {c['depth']} layers (left), "
        f"depths {fv(c['depths'])} (right), learning rate {fv(c['lr'])}, {c['warmup']} warm-up steps; "
        f"generator: a {weak['depth']}-layer, width-{weak['width']} GPT trained on {weak['slice_tokens']:,} "
        "real tokens",
        data=f"stories of a probabilistic grammar ({c['grammar']}, exact entropy), {c['tokenizer']} tokens; "
        f"p ∈ {{{fv(c['fractions'])}}}; synthetic stories sampled at temperature {fv(c['temperature'])} and "
        "filtered (ours: keep a story whose share of real-story trigrams is at least the median of the "
        "generator's stories); evaluated on held-out real stories only",
        differs="a grammar corpus instead of BabiStories (its entropy floor is exact and it trains on a CPU); models "
        "and token budgets orders of magnitude smaller; our own quality filter (the paper's criterion is "
        "not known to us; the grammar parses none of our weak generator's stories, so its exact likelihood "
        f"cannot serve); the model-size panel at p = {fv(c['p_depth'])} as in the paper, whose synthetic set "
        f"is 10× its real set: ours is never read twice (one pass of {n:,} fresh synthetic tokens per run), so "
        "any synthetic set at least that large, 10× the real one included, gives the same runs",
    )


def compute(scale=None, device="cpu", seed=0, progress=False, checkpoint_dir=None):
    """Tidy table: learning curves (``kind="curve"``), weak generator, floor, sample stories.

    Checkpoints: at paper scale runs are checkpointed under
    :func:`collapse_lib.lm.train.default_checkpoint_dir` (resumable) unless
    ``checkpoint_dir`` says otherwise; smaller scales keep none.
    """
    from ..device import resolve_device
    from ..lm.experiment import run
    from ..lm.train import default_checkpoint_dir

    c = config(scale)
    if checkpoint_dir is None and c["scale"] == "paper":
        checkpoint_dir = default_checkpoint_dir() / f"fig8-paper-seed{seed}"
    return run(c, device=resolve_device(device), seed=seed, progress=progress, checkpoint_dir=checkpoint_dir)


def floor(table) -> float:
    return float(table.loc[table.kind == "floor", "loss"].iloc[0])


def weak_loss(table) -> float:
    """The weak generator's real test loss (its quality) at the end of its training."""
    w = table[table.kind == "weak"]
    return float(w.loc[w.step.idxmax(), "loss"])


def summary(table) -> pd.DataFrame:
    """Per synthetic fraction p, at the largest budget N (last evaluation):

    * ``alpha`` — fitted exponent of the reducible loss, loss − floor ∝ tokens^(−α)
      (:func:`collapse_lib.lm.experiment.fit_scaling`);
    * ``final_loss`` and ``gap_to_clean`` = final loss − final loss at p = 0;
    * ``dilution_loss`` — the clean run's loss after (1 − p)·N tokens (log–log
      interpolation): what the run would reach if its synthetic tokens were
      merely wasted;
    * ``limit_bound`` — floor − log(1 − p)/E[tokens per story]: an upper bound on
      the real loss of the best model of the *mixture* (N → ∞), for a model
      that sees whole stories (see the chapter);
    * ``seed_spread`` — max − min of the final loss over the clean run and its
      replicates (other initial weights and story order): the run-to-run noise.
    """
    from ..lm.experiment import fit_scaling

    h = floor(table)
    story_tokens = float(table.loc[table.kind == "floor", "tokens"].iloc[0])
    cur = table[(table.kind == "curve") & (table.panel == "fraction")]
    clean = cur[cur.p_syn == 0].sort_values("tokens")
    out = []
    for p, g in cur.groupby("p_syn"):
        g = g.sort_values("tokens")
        alpha, _ = fit_scaling(g.tokens, g.loss, h)  # over tokens >= FIT_MIN_FRACTION * N
        n_final = float(g.tokens.iloc[-1])
        dil = np.nan
        if len(clean) and (1 - p) * n_final >= clean.tokens.min():
            dil = float(np.exp(np.interp(np.log((1 - p) * n_final), np.log(clean.tokens), np.log(clean.loss))))
        bound = h - np.log1p(-p) / story_tokens if p < 1 else np.inf
        out.append(
            dict(
                p_syn=p,
                alpha=alpha,
                final_tokens=n_final,
                final_loss=g.loss.iloc[-1],
                dilution_loss=dil,
                limit_bound=bound,
            )
        )
    out = pd.DataFrame(out).sort_values("p_syn").reset_index(drop=True)
    spread = seed_spread(table)
    if np.isfinite(spread):
        out["seed_spread"] = spread
    base = out.loc[out.p_syn == 0, "final_loss"]
    out["gap_to_clean"] = out.final_loss - (float(base.iloc[0]) if len(base) else np.nan)
    out["excess_over_floor"] = out.final_loss - h
    return out


def depth_summary(table) -> pd.DataFrame:
    """Right panel: at each evaluation point, the real loss per depth and the best depth."""
    cur = table[(table.kind == "curve") & (table.panel == "depth")]
    wide = cur.pivot_table(index="tokens", columns="depth", values="loss").sort_index()
    wide.columns = [f"depth {int(d)}" for d in wide.columns]
    wide["best"] = wide.idxmin(axis=1)
    return wide.reset_index()


def _clean_and_repeats(table):
    """Learning curves (loss indexed by tokens) of the clean run and of its repeats with other seeds."""
    cur = table[table.kind == "curve"]
    clean = cur[(cur.panel == "fraction") & (cur.p_syn == 0)]
    rep = cur[cur.panel == "replicate"]
    if not len(rep) or not len(clean):
        return []
    return [clean.set_index("tokens").loss.sort_index()] + [
        g.set_index("tokens").loss.sort_index() for _, g in rep.groupby("run")
    ]


def seed_spread(table) -> float:
    """Run-to-run noise: max − min final real loss over the clean run and its repeats (other initial weights and
    story order); NaN without repeats."""
    curves = _clean_and_repeats(table)
    if not curves:
        return float("nan")
    finals = [c.iloc[-1] for c in curves]
    return float(np.max(finals) - np.min(finals))


def seed_spread_curve(table) -> pd.Series:
    """The run-to-run spread at every evaluation point (max − min over the clean run and its repeats);
    empty without repeats. Early in training, where the loss falls fast, it is larger than at the end."""
    curves = _clean_and_repeats(table)
    if not curves:
        return pd.Series(dtype=float)
    both = pd.concat(curves, axis=1)  # a point where some run was not evaluated has no spread
    return (both.max(axis=1, skipna=False) - both.min(axis=1, skipna=False)).dropna().rename("spread")


def depth_order(table, noise=None) -> dict:
    """Does the model-size order flip as in the paper (deeper models better early, shallower ones later)?

    From the right panel (:func:`depth_summary`). A *flip* is a pair of depths a < b such
    that the deeper b has the lower real loss at some evaluation point and the shallower a
    the lower loss at a later one, each time by more than the noise at that point. ``noise``:
    a number for every point, or None for the run-to-run spread at each point
    (:func:`seed_spread_curve`, interpolated in log tokens; 0 without repeats). Returns
    ``best_final`` (the best depth at the largest budget), ``final_tokens``, ``noise`` (per
    point), ``final_noise``, ``flipped`` and ``flips``: one dict per flipping pair with
    ``deep``, ``shallow``, ``deep_ahead_at`` (first point where the deep model leads),
    ``shallow_ahead_from`` (first later point where the shallow one leads), ``shallow_lead``
    and ``shallow_lead_at`` (its largest lead beyond the noise after that, and where), and
    ``final_gap`` = loss(deep) − loss(shallow) at the largest budget.
    """
    ds = depth_summary(table)
    cols = [c for c in ds.columns if c.startswith("depth ")]
    tokens = ds.tokens.to_numpy(dtype=float)
    if noise is None:
        sp = seed_spread_curve(table)
        noise = (
            np.interp(np.log(tokens), np.log(sp.index.to_numpy(dtype=float)), sp.to_numpy())
            if len(sp)
            else np.zeros(len(tokens))
        )
    noise = np.broadcast_to(np.nan_to_num(np.asarray(noise, dtype=float)), tokens.shape).copy()
    depths = sorted(int(c.split()[1]) for c in cols)
    flips = []
    for ia, a in enumerate(depths):
        for b in depths[ia + 1 :]:
            diff = (ds[f"depth {b}"] - ds[f"depth {a}"]).to_numpy()  # < 0: the deeper model is ahead
            ahead = np.flatnonzero(diff < -noise)
            if not len(ahead):
                continue
            later = np.flatnonzero((diff > noise) & (np.arange(len(diff)) > ahead[0]))
            if len(later):
                top = later[int(np.argmax(diff[later]))]
                flips.append(
                    dict(
                        deep=b,
                        shallow=a,
                        deep_ahead_at=tokens[ahead[0]],
                        shallow_ahead_from=tokens[later[0]],
                        shallow_lead=float(diff[top]),
                        shallow_lead_at=tokens[top],
                        final_gap=float(diff[-1]),
                    )
                )
    return dict(
        best_final=int(ds.best.iloc[-1].split()[1]),
        final_tokens=tokens[-1],
        noise=noise,
        final_noise=float(noise[-1]),
        flips=flips,
        flipped=bool(flips),
    )


def depth_order_sentence(order: dict) -> str:
    """One sentence, derived from :func:`depth_order`, saying whether the order flips at this scale.

    Of several flipping pairs it describes the one whose shallow model leads latest in training
    (the paper's flip is a large-budget effect), then the larger lead.
    """
    best, n, fn = order["best_final"], order["final_tokens"], order["final_noise"]
    if not order["flipped"]:
        return (
            f"The order does not flip at our scale: no deeper model that was ahead fell behind a shallower one "
            f"later by more than the run-to-run noise; at the largest budget ({n:,.0f} tokens) the {best}-layer "
            "model is best."
        )
    f = max(order["flips"], key=lambda d: (d["shallow_lead_at"], d["shallow_lead"]))
    d, sh = f["deep"], f["shallow"]
    end = (
        f"and at the largest budget ({n:,.0f} tokens) it is still ahead by {f['final_gap']:.3f}"
        if f["final_gap"] > fn
        else f"and by the largest budget ({n:,.0f} tokens) the two are within the noise ({fn:.4f} nats/token) of "
        "each other again"
    )
    return (
        f"The order flips at our scale in the paper's direction (leads counted beyond the run-to-run noise at "
        f"each point): the {d}-layer model was ahead of the {sh}-layer model at {f['deep_ahead_at']:,.0f} "
        f"tokens, the {sh}-layer model is ahead from {f['shallow_ahead_from']:,.0f} tokens, by up to "
        f"{f['shallow_lead']:.3f} nats/token (at {f['shallow_lead_at']:,.0f} tokens), {end}; the {best}-layer "
        "model has the lowest loss at the largest budget."
    )


def filter_summary(table) -> pd.DataFrame:
    """Per fraction run both ways: final real loss with the filtered and with the unfiltered stories.

    Columns ``p_syn``, ``filtered``, ``unfiltered``, ``difference`` (unfiltered − filtered:
    > 0 when the filter helps), ``alpha_filtered``, ``alpha_unfiltered`` (fitted exponents, as
    in :func:`summary`).
    """
    from ..lm.experiment import fit_scaling

    h = floor(table)
    cur = table[table.kind == "curve"]
    out = []
    for p, u in cur[cur.panel == "unfiltered"].groupby("p_syn"):
        f = cur[(cur.panel == "fraction") & (cur.p_syn == p)].sort_values("tokens")
        u = u.sort_values("tokens")
        if not len(f):
            continue
        out.append(
            dict(
                p_syn=p,
                filtered=float(f.loss.iloc[-1]),
                unfiltered=float(u.loss.iloc[-1]),
                difference=float(u.loss.iloc[-1] - f.loss.iloc[-1]),
                alpha_filtered=fit_scaling(f.tokens, f.loss, h)[0],
                alpha_unfiltered=fit_scaling(u.tokens, u.loss, h)[0],
            )
        )
    return pd.DataFrame(
        out, columns=["p_syn", "filtered", "unfiltered", "difference", "alpha_filtered", "alpha_unfiltered"]
    )


def filter_sentence(fs: pd.DataFrame, noise: float) -> str:
    """What the filter did to the final real loss, per fraction, from :func:`filter_summary` (derived, not typed).

    A difference (unfiltered − filtered) within ``noise`` (the run-to-run spread; NaN: unknown,
    taken as 0) is called unresolved; a positive one means the filter helped.
    """
    noise = 0.0 if not np.isfinite(noise) else float(noise)
    if not len(fs):
        return "No fraction was run without the filter."
    parts = []
    for r in fs.itertuples():
        d = r.difference
        if abs(d) <= noise:
            parts.append(f"at p = {r.p_syn:g} the two end {abs(d):.3f} nats/token apart, within the run-to-run noise")
        elif d > 0:
            parts.append(f"at p = {r.p_syn:g} the filtered stories end {d:.3f} nats/token lower")
        else:
            parts.append(f"at p = {r.p_syn:g} the filtered stories end {-d:.3f} nats/token higher")
    helped = int(np.sum(fs.difference > noise))
    lead = (
        f"The filter lowers the final real loss at {helped} of the {len(fs)} fractions run both ways"
        if helped
        else "The filter lowers the final real loss at none of the fractions run both ways"
    )
    return f"{lead} (noise: {noise:.4f} nats/token): " + "; ".join(parts) + "."


def filter_stats(table) -> dict:
    """The quality filter's statistics recorded by the run (threshold, shares kept, scores, parse shares)."""
    f = table[table.kind == "filter"]
    return {r.run: float(r.loss) for r in f.itertuples()}


def plot(table):
    """Figure 8, log–log. Top: real held-out loss vs tokens seen, per synthetic fraction (left) and per
    depth (right), with the entropy floor. Bottom: the reducible loss (loss − floor) with fitted power laws."""
    from ..lm.experiment import FIT_MIN_FRACTION, fit_scaling

    fig, flat_panels, flat = plotting.stacked(4, heights=[5.0, 4.6, 5.0, 4.6])
    axes = np.array(flat, dtype=object).reshape(2, 2).T  # column 0: synthetic fraction, column 1: depth
    subfigs = np.array(flat_panels, dtype=object).reshape(2, 2).T
    h = floor(table)
    wl = weak_loss(table)
    cur = table[table.kind == "curve"]
    left, right = cur[cur.panel == "fraction"], cur[cur.panel == "depth"]
    depth = int(left.depth.iloc[0])
    p_depth = float(right.p_syn.iloc[0]) if len(right) else np.nan
    panels = [
        (
            0,
            left,
            "p_syn",
            "plasma",
            "o",
            lambda v: f"p = {v:g}",
            f"Synthetic fraction p (depth {depth}; solid: filtered)",
        ),
        (
            1,
            right,
            "depth",
            "viridis",
            "s",
            lambda v: f"depth {int(v)}",
            f"Model depth, at synthetic fraction p = {p_depth:g}",
        ),
    ]
    for col, sub, key, cmap, marker, name, title in panels:
        values = sorted(sub[key].unique())
        cols = plotting.colours(values, cmap=cmap)
        top, bottom = axes[0, col], axes[1, col]
        for v in values:
            g = sub[sub[key] == v].sort_values("tokens")
            top.plot(g.tokens, g.loss, marker + "-", ms=3.5, lw=1.6, color=cols[v], label=name(v))
            excess = g.loss - h
            bottom.plot(g.tokens, excess, marker + "-", ms=3.5, lw=1.4, color=cols[v], alpha=0.9)
            alpha, a = fit_scaling(g.tokens, g.loss, h)
            if np.isfinite(alpha):
                t = g.tokens[g.tokens >= FIT_MIN_FRACTION * g.tokens.max()]
                bottom.plot(t, a * t ** (-alpha), "--", lw=1.1, color=cols[v], label=f"{name(v)}: fit α = {alpha:.2f}")
        if col == 0:
            for _, g in cur[cur.panel == "replicate"].groupby("run"):
                g = g.sort_values("tokens")
                top.plot(g.tokens, g.loss, ":", lw=1.2, color=cols[0.0], label="p = 0, another seed")
            for v, g in cur[cur.panel == "unfiltered"].groupby("p_syn"):
                g = g.sort_values("tokens")
                top.plot(g.tokens, g.loss, "--", lw=1.2, color=cols.get(v, "grey"), label=f"p = {v:g}, unfiltered")
        top.axhline(h, color="k", ls="--", lw=1.2, label=f"entropy floor ({h:.3f} nats/token)")
        top.axhline(wl, color="grey", ls="-.", lw=1.0, label=f"weak generator's real loss ({wl:.3f})")
        plotting.finish_loglog(
            top, "tokens seen (training tokens, one pass)", ylabel="real held-out loss (nats/token)", title=title
        )
        top.set_ylim(0.85 * h, None)
        plotting.legend_below(subfigs[0, col], ax=top, ncol=2)
        plotting.finish_loglog(
            bottom,
            "tokens seen (training tokens, one pass)",
            ylabel="real loss − entropy floor (nats/token)",
            title="Reducible loss; dashed: power law $A N^{-\\alpha}$\nfitted to the last points",
        )
        plotting.legend_below(subfigs[1, col], ax=bottom, ncol=2)
        for ax in (top, bottom):
            ax.xaxis.set_minor_formatter(NullFormatter())
    return fig
