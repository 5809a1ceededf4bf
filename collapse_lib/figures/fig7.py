"""Figure 7 — MNIST: random features (left) and fully trained two-layer networks (right).

The paper's Figure 7 (§4.1): a random-features model of width 100,000 and a two-layer
network of width 2,000 on MNIST with synthetic labels from a weaker model; scaling slows
and plateaus as p₂ grows. Our paper scale runs at those widths (the random features in the
dual form, :mod:`collapse_lib.nn.random_features`) with an n grid, draws and a step budget
that fit a 2-core CPU; smaller scales are narrower (``_SIZES``). The weak teacher, the n grid
and the training settings below are our choice.

Regression of one-hot labels e_y ∈ R¹⁰ with the squared loss, as in the theory. Inputs:
MNIST pixels in [0, 1] minus the training mean image. A training set of n images from
the training pool (the 50 000 training images left after a teacher pool of 5 000
and 5 000 held-out validation images, ``nn.experiments.mnist_split``) holds ⌊p₂n⌋ synthetic samples whose label is the
one-hot *predicted class* of a weak teacher — linear ridge fitted on ``teacher_samples``
real images — and real samples with their true label. The teacher's quality
q = mean ‖f₂(x) − e_y‖² on the test set (= 2 × its error rate) is the analogue of c².

Left: random features φ(Sᵀx), ReLU, S ~ N(0, 1/784), width ``rf_width``, ridge readout
(λ = ``rf_lam``). Right: two-layer ReLU network of width ``nn_width``, Adam, minibatches,
at most ``nn_steps`` steps, early stopping on ``nn_val`` held-out *real* images (best
checkpoint; with ``nn_patience``, a run stops after that many checks without a relative
improvement above ``nn_min_improvement``). Test error: mean over the 10 000 test images of ‖f(x) − e_y‖²; accuracy of
argmax f(x). dtype: float32 (features and training), float64 (ridge solve).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting
from ..cache import resume_name
from ..nn.experiments import WeakTeacher, mnist_random_features, mnist_split, mnist_two_layer
from ..nn.two_layer import TrainSpec
from ..scale import current_scale
from .report import format_value as fv

TITLE = "Figure 7: MNIST with synthetic labels, random features and trained networks"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "model",
    "n",
    "p2",
    "p2_eff",
    "error",
    "stderr",
    "accuracy",
    "accuracy_stderr",
    "quality",
    "width",
    "best_step",
    "teacher_samples",
    "teacher_accuracy",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# random features are fitted in closed form: no training step
COLUMN_KINDS = {
    "model": "text",
    "best_step": "number or null",
}
THEORY_VS_SIMULATION = False  # an experiment on real data, no formula to check against

_SIZES = {
    "smoke": dict(
        p2=[0.0, 0.5],
        rf_width=200,
        rf_n=[100, 300, 1000],
        rf_trials=2,
        nn_width=32,
        nn_steps=60,
        nn_n=[100, 300],
        nn_trials=2,
        nn_val=500,
    ),
    "book": dict(
        p2=[0.0, 0.1, 0.2, 0.5, 0.8],
        rf_width=4000,
        rf_n=[100, 300, 1000, 3000, 10000, 30000, 50000],
        rf_trials=2,
        nn_width=256,
        nn_steps=1000,
        nn_n=[100, 300, 1000, 3000, 10000],
        nn_trials=2,
        nn_val=2000,
    ),
    # paper: the paper's widths (m = 100,000 random features, dual form; a width-2,000 network) with the n grid,
    # draws and step budget a 2-core CPU affords in under two hours (five draws: 75 min on a shared machine; the
    # chapter reads the run time from the provenance)
    "paper": dict(
        p2=[0.0, 0.01, 0.05, 0.1, 0.2, 0.5, 0.8],
        rf_width=100_000,
        rf_n=[100, 300, 1000, 3000, 10000],
        rf_trials=5,
        nn_width=2000,
        nn_steps=2000,
        nn_n=[100, 300, 1000, 3000, 10000],
        nn_trials=5,
        nn_val=5000,
        nn_patience=5,
        nn_min_improvement=0.005,
    ),
}
#: The paper's Figure 7 widths (§4.1): the paper scale runs at these.
PAPER_RF_WIDTH, PAPER_NN_WIDTH = 100_000, 2000

#: Fewest draws per point for which the figure and the tables show mean ± 2 s.e.: an interval from fewer
#: draws rests on too few degrees of freedom (one, from two draws). With fewer they show the draws themselves.
MIN_DRAWS_FOR_SE = 5
#: A curve "levels off" when its error falls by less than this fraction over the last decade of n.
LEVEL_OFF_FALL = 0.05
_TRIALS_KEY = {"random features": "rf_trials", "two-layer network": "nn_trials"}


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    c = dict(_SIZES[scale])
    patience = c.setdefault("nn_patience", None)
    c.setdefault("nn_min_improvement", 0.0)
    stop = "best held-out real loss (checked every 50 steps)"
    if patience:
        stop += (
            f"; a run stops after {patience} checks in which no network lowered its best by more than "
            f"{100 * c['nn_min_improvement']:g}%"
        )
    return dict(
        c,
        scale=scale,
        teacher_samples=200,
        teacher_lam=1e-2,
        hard_labels=True,
        rf_activation="relu",
        rf_lam=1e-3,
        rf_form="dual" if c["rf_width"] > max(c["rf_n"]) else "primal",
        nn_lr=1e-3,
        nn_batch=128,
        nn_optimizer="adam",
        nn_stopping=stop,
        dtype="float32",
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    rn, nn = c["rf_n"], c["nn_n"]
    return dict(
        shows="test error (and accuracy) against n for several p₂: random features (left), trained network (right)",
        sizes=f"random features of width {c['rf_width']:,}, n from {rn[0]:,} to {rn[-1]:,}; network of width "
        f"{c['nn_width']:,}, n from {nn[0]:,} to {nn[-1]:,}, at most {c['nn_steps']:,} steps",
        runs=f"{c['rf_trials']} (random features) and {c['nn_trials']} (network) draws per point",
        models=f"ReLU random features (S_ij ~ N(0, 1/784)) with a ridge readout (λ = {fv(c['rf_lam'])}); two-layer "
        f"ReLU network, {c['nn_optimizer']}, batch {c['nn_batch']}, early stopping on {c['nn_val']:,} "
        "held-out real images",
        data=f"MNIST, regression of one-hot labels; synthetic label = predicted class of linear ridge trained on "
        f"{c['teacher_samples']} real images; p₂ ∈ {{{fv(c['p2'])}}}",
        differs=_differs(c),
    )


def _differs(c: dict) -> str:
    """The "what differs and why" cell: the width gap (if any), then our own choices."""
    gaps = []
    if c["rf_width"] < PAPER_RF_WIDTH:
        gaps.append(f"random features of width {c['rf_width']:,} instead of {PAPER_RF_WIDTH:,}")
    if c["nn_width"] < PAPER_NN_WIDTH:
        gaps.append(f"a network of width {c['nn_width']:,} instead of {PAPER_NN_WIDTH:,}")
    widths = (
        (
            "the paper's widths"
            + (" (random features in the dual form, n × n Gram matrices)" if c["rf_form"] == "dual" else "")
        )
        if not gaps
        else "; ".join(gaps)
    )
    return (
        f"{widths}; to fit a 2-core CPU, n stops at {max(c['rf_n'] + c['nn_n']):,}, with {c['rf_trials']} "
        f"draws (random features) and {c['nn_trials']} (network) per point and at most {c['nn_steps']:,} "
        "training steps; the paper's n grid, draws and training are not stated; the weak teacher "
        "and every training setting are our choice"
    )


def compute(scale=None, device="cpu", seed=0, progress=False, teacher_samples=None, resume=None) -> pd.DataFrame:
    """Tidy table, one row per (model, n, p2): error ± s.e., accuracy ± s.e., teacher quality q.

    ``teacher_samples`` overrides the configuration (a better or worse teacher). ``resume``: None
    keeps finished cells on disk at paper scale only (a killed run restarts where it stopped,
    :mod:`collapse_lib.cache`); True/False force it on/off.
    """
    c = config(scale)
    store = resume_name("fig7", resume, c["scale"], seed)
    split = mnist_split(seed)
    k = c["teacher_samples"] if teacher_samples is None else teacher_samples
    teacher = WeakTeacher(split, k, lam=c["teacher_lam"], hard=c["hard_labels"])
    rf = mnist_random_features(
        split,
        teacher,
        c["rf_n"],
        c["p2"],
        c["rf_width"],
        c["rf_lam"],
        trials=c["rf_trials"],
        activation=c["rf_activation"],
        seed=seed,
        device=device,
        dtype=c["dtype"],
        progress=progress,
        resume=None if store is None else f"{store}-rf",
    )
    spec = TrainSpec(
        width=c["nn_width"],
        steps=c["nn_steps"],
        lr=c["nn_lr"],
        optimizer=c["nn_optimizer"],
        batch_size=c["nn_batch"],
        eval_every=min(50, c["nn_steps"]),
        patience=c["nn_patience"],
        min_improvement=c["nn_min_improvement"],
        track_train_loss=False,
    )
    nn = mnist_two_layer(
        split,
        teacher,
        c["nn_n"],
        c["p2"],
        spec,
        trials=c["nn_trials"],
        n_val=c["nn_val"],
        seed=seed,
        device=device,
        dtype=c["dtype"],
        progress=progress,
        resume=None if store is None else f"{store}-nn",
    )
    out = pd.concat([rf, nn], ignore_index=True)
    out["teacher_samples"] = k
    out["teacher_accuracy"] = teacher.accuracy(split.X_test, split.y_test)
    out.attrs["config"] = c  # the draws per point (spread) are read from it
    return out


def draws(table: pd.DataFrame) -> dict:
    """Draws per point of each model, from the configuration the table was made with (``table.attrs["config"]``)."""
    cfg = table.attrs.get("config")
    if not isinstance(cfg, dict):
        raise ValueError("table.attrs['config'] is missing: load the table with figures.load_or_compute or compute")
    return {model: int(cfg[_TRIALS_KEY[model]]) for model in dict.fromkeys(table.model)}


def spread_rule(k: int) -> str:
    """How the spread over ``k`` draws is shown: ``"2 s.e."`` (k ≥ :data:`MIN_DRAWS_FOR_SE`), ``"draws"`` (k = 2: the
    two draws are recovered exactly from the mean and the s.e.) or ``"mean only"`` (other k: the table keeps no draws).
    """
    if k >= MIN_DRAWS_FOR_SE:
        return "2 s.e."
    return "draws" if k == 2 else "mean only"


def spread(table: pd.DataFrame, value: str = "error", stderr: str = "stderr") -> pd.DataFrame:
    """Per row of ``table``: the rule of :func:`spread_rule`, the draws behind the mean and the extent shown.

    Columns ``draws`` (k), ``rule``, ``lo`` and ``hi`` (mean ∓ 2 s.e.; the smaller and larger draw; or the mean)
    and ``values`` (a tuple of the draws when they are known, else empty). With two draws a and b the mean is
    (a + b)/2 and the standard error |a − b|/2, so the draws are exactly mean ∓ s.e.
    """
    k = table.model.map(draws(table)).astype(int)
    mean, se = table[value].astype(float), table[stderr].astype(float).fillna(0.0)
    rule = k.map(spread_rule)
    half = np.where(rule == "2 s.e.", 2 * se, np.where(rule == "draws", se, 0.0))
    values = [(m - s, m + s) if r == "draws" else () for m, s, r in zip(mean, se, rule)]
    return pd.DataFrame(
        {"draws": k, "rule": rule, "lo": mean - half, "hi": mean + half, "values": values}, index=table.index
    )


def spread_text(mean: float, stderr: float, k: int, fmt: str = ".4f") -> str:
    """One cell of a table: ``"± s.e. (k draws)"``, ``"draws a, b"`` or ``"mean of k draws"`` (:func:`spread_rule`)."""
    rule = spread_rule(k)
    if rule == "2 s.e.":
        return f"± {stderr:{fmt}} (s.e., {k} draws)"
    if rule == "draws":
        return f"draws {mean - stderr:{fmt}}, {mean + stderr:{fmt}}"
    return f"mean of {k} draw{'s' if k != 1 else ''}"


def spread_sentence(table: pd.DataFrame) -> str:
    """What the error bars or markers of the figure are, from the draws per point (:func:`spread_rule`)."""
    by_k: dict[int, list[str]] = {}
    for model, k in draws(table).items():
        by_k.setdefault(k, []).append(model)
    parts = []
    for k, models in by_k.items():
        who = " and ".join(models)
        rule = spread_rule(k)
        if rule == "2 s.e.":
            parts.append(f"For {who}, the error bars are ± 2 standard errors over {k} independent draws per point.")
        elif rule == "draws":
            parts.append(
                f"For {who}, each point rests on {k} independent draws: each draw is an open marker and the line "
                f"joins their means. That is too few for an error bar, which this book draws from "
                f"{MIN_DRAWS_FOR_SE} draws per point."
            )
        else:
            parts.append(f"For {who}, each point is the mean of {k} draws (the table keeps no draws to show).")
    return " ".join(parts)


def flattening(table: pd.DataFrame) -> pd.DataFrame:
    """Per model and p₂: the relative fall of the error over the last decade of n, and whether it levels off.

    From the largest n to the largest n' ≤ n/10 on the grid: ``fall`` = 1 − E(n)/E(n');
    ``levels_off`` when the fall is below :data:`LEVEL_OFF_FALL`. Curves without such an n' are left out.
    """
    rows = []
    for (model, p2), t in table.groupby(["model", "p2"], sort=False):
        t = t[np.isfinite(t.error)].set_index("n").error.sort_index()
        n_hi = t.index.max()
        below = t.index[t.index <= n_hi / 10]
        if not len(below):
            continue
        n_lo = below.max()
        fall = 1.0 - t[n_hi] / t[n_lo]
        rows.append(
            dict(model=model, p2=p2, n_from=int(n_lo), n_to=int(n_hi), fall=fall, levels_off=fall < LEVEL_OFF_FALL)
        )
    return pd.DataFrame(rows)


def flattening_sentence(table: pd.DataFrame) -> str:
    """How much each curve still falls over the last decade of n, and which level off (:func:`flattening`)."""
    fl = flattening(table)
    if fl.empty:
        return "The n grid spans less than a decade: no curve can be said to level off."
    lines = []
    for model, g in fl.groupby("model", sort=False):
        g = g.sort_values("p2")
        falls = ", ".join(f"{100 * f:.0f}% at p₂ = {p:g}" for p, f in zip(g.p2, g.fall))
        flat = g[g.levels_off & (g.p2 > 0)]
        synth = g[g.p2 > 0]
        if len(flat):
            verdict = f"p₂ = {', '.join(f'{p:g}' for p in flat.p2)} level off (less than {100 * LEVEL_OFF_FALL:g}%)"
        elif len(synth):
            verdict = (
                f"the curves with synthetic labels bend away from the clean one, but none levels off (a fall below "
                f"{100 * LEVEL_OFF_FALL:g}% per decade)"
            )
        else:
            verdict = "only the clean curve is shown"
        lines.append(
            f"* **{model}**: from n = {int(g.n_from.iloc[0]):,} to {int(g.n_to.iloc[0]):,} the error falls by "
            f"{falls}; {verdict}."
        )
    return "\n".join(lines)


def floors(table: pd.DataFrame) -> pd.DataFrame:
    """Per model and p₂ at the largest n: measured excess E(p₂) − E(0) against p₂²q.

    ``draws`` is the number of draws behind E(p₂) and ``spread`` the cell that shows their spread
    (:func:`spread_text`: ± s.e. from :data:`MIN_DRAWS_FOR_SE` draws, else the draws themselves).
    """
    k_of = draws(table)
    rows = []
    for model, t in table.groupby("model", sort=False):
        last = t[t.n == t.n.max()].set_index("p2")
        e0 = float(last.loc[0.0, "error"]) if 0.0 in last.index else np.nan
        for p2, r in last.iterrows():
            if p2 == 0:
                continue
            rows.append(
                dict(
                    model=model,
                    n=int(r.n),
                    p2=p2,
                    error=r.error,
                    clean=e0,
                    excess=r.error - e0,
                    stderr=r.stderr,
                    draws=k_of[model],
                    spread=spread_text(r.error, r.stderr, k_of[model]),
                    predicted=p2**2 * r.quality,
                    ratio=(r.error - e0) / (p2**2 * r.quality),
                )
            )
    return pd.DataFrame(rows)


def _p2_set(values) -> str:
    return "{" + ", ".join(f"{x:g}" for x in values) + "}" if len(values) else "no p₂"


def excess_ratio_sentence(fl: pd.DataFrame) -> str:
    """One Markdown bullet per model: the measured excess over p₂²q at each p₂ (``fl`` from :func:`floors`)."""
    lines = []
    for model, g in fl.groupby("model"):
        g = g.sort_values("p2")
        lines.append(
            f"* **{model}** (n = {int(g.n.iloc[0]):,}): measured excess / p₂²q = "
            + ", ".join(f"{r:.2f} at p₂ = {p:g}" for p, r in zip(g.p2, g.ratio))
            + "."
        )
    return "\n".join(lines)


def below_above_sentence(fl: pd.DataFrame) -> str:
    """One Markdown bullet per model: the p₂ where the measured excess is below p₂²q and those where it is not."""
    return "\n".join(
        f"* **{model}**: the measured excess is below p₂²q at p₂ ∈ {_p2_set(g[g.ratio < 1].p2)} and above it at "
        f"p₂ ∈ {_p2_set(g[g.ratio >= 1].p2)}."
        for model, g in ((m, g.sort_values("p2")) for m, g in fl.groupby("model"))
    )


def _draw_points(ax, n, mean, sp: pd.DataFrame, scale: float, col, label: str) -> None:
    """One curve: mean ± 2 s.e. bars, or the mean as a line with each draw as an open marker (:func:`spread_rule`)."""
    rule = sp.rule.iloc[0]
    if rule == "2 s.e.":
        ax.errorbar(n, mean, yerr=scale * (sp.hi - sp.lo) / 2, fmt="o-", color=col, mec="k", mew=0.5, ms=4.5,
                    capsize=2, label=label)  # fmt: skip
        return
    ax.plot(n, mean, "-", color=col, lw=1.4, label=label)
    if rule == "draws":
        xs = np.repeat(np.asarray(n, dtype=float), [len(v) for v in sp["values"]])
        ys = scale * np.concatenate([np.asarray(v, dtype=float) for v in sp["values"]])
        ax.plot(xs, ys, "o", mfc="none", mec=col, mew=1.0, ms=4.5, ls="")


def _spread_legend(ax, sp: pd.DataFrame) -> None:
    """A legend entry saying what the markers are, for draws shown one by one."""
    if sp.rule.iloc[0] == "draws":
        ax.plot([], [], "o", mfc="none", mec="k", ls="", label=f"each of the {int(sp.draws.iloc[0])} draws")
        ax.plot([], [], "k-", lw=1.4, label="their mean")
    elif sp.rule.iloc[0] == "2 s.e.":
        ax.plot([], [], "o-", color="k", ms=4.5, label=f"mean ± 2 s.e. ({int(sp.draws.iloc[0])} draws)")


def plot(table):
    """Per model (random features first, then trained networks): test error (log–log), then accuracy, vs n;
    four panels one above the other."""
    models = list(dict.fromkeys(table.model))
    fig, flat_panels, flat = plotting.stacked(2 * len(models), heights=[4.4, 4.0] * len(models))
    axes = np.array(flat, dtype=object).reshape(len(models), 2).T  # axes[0, j]: error, axes[1, j]: accuracy
    panels = np.array(flat_panels, dtype=object).reshape(len(models), 2).T
    q = float(table.quality.iloc[0])
    cols = plotting.colours(sorted(table.p2.unique()))
    err_spread, acc_spread = spread(table), spread(table, "accuracy", "accuracy_stderr")
    for j, model in enumerate(models):
        t = table[table.model == model]
        width = int(t.width.iloc[0])
        for p2, col in cols.items():
            e = t[t.p2 == p2].sort_values("n")
            for ax, sp, scale, value in (
                (axes[0, j], err_spread.loc[e.index], 1, e.error),
                (axes[1, j], acc_spread.loc[e.index], 100, e.accuracy),
            ):
                _draw_points(ax, e.n, scale * value, sp, scale, col, f"$p_2$ = {p2:g}")
            if p2 > 0:
                axes[0, j].axhline(p2**2 * q, color=col, ls=":", lw=0.9)
        name = (
            f"random features (ReLU, m = {width:,}, ridge readout)"
            if model == "random features"
            else f"two-layer ReLU network (width {width:,}, trained)"
        )
        plotting.finish_loglog(
            axes[0, j], "n (training samples)", ylabel="test error $\\|f(x) - e_y\\|^2$\n(MNIST)", title=name
        )
        # the axis spans the measured errors: floors p2² q far below them (small p2) fall outside it
        sp = err_spread.loc[t.index]
        low = max(float(sp.lo.min()), float(t.error.min()) / 2)
        axes[0, j].set_ylim(0.5 * low, 1.5 * float(sp.hi.max()))
        axes[0, j].plot([], [], "k:", lw=0.9, label=f"$p_2^2 q$ (q = {q:.2f})")
        _spread_legend(axes[0, j], sp)
        _spread_legend(axes[1, j], acc_spread.loc[t.index])
        plotting.legend_below(panels[0, j], ax=axes[0, j], ncol=3)
        axes[1, j].set_xscale("log")
        axes[1, j].set_xlabel("n (training samples)")
        axes[1, j].set_ylabel("test accuracy (%)")
        axes[1, j].grid(True, alpha=0.3)
        acc_t = float(table.teacher_accuracy.iloc[0]) if "teacher_accuracy" in table else np.nan
        axes[1, j].axhline(100 * acc_t, color="grey", ls="--", lw=1, label=f"weak teacher ({100 * acc_t:.1f}%)")
        plotting.legend_below(panels[1, j], ax=axes[1, j], ncol=3)
    return fig
