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
    # draws and step budget a 2-core CPU affords in well under an hour (measured: about 35 min, see the chapter)
    "paper": dict(
        p2=[0.0, 0.01, 0.05, 0.1, 0.2, 0.5, 0.8],
        rf_width=100_000,
        rf_n=[100, 300, 1000, 3000, 10000],
        rf_trials=2,
        nn_width=2000,
        nn_steps=2000,
        nn_n=[100, 300, 1000, 3000, 10000],
        nn_trials=2,
        nn_val=5000,
        nn_patience=5,
        nn_min_improvement=0.005,
    ),
}
#: The paper's Figure 7 widths (§4.1): the paper scale runs at these.
PAPER_RF_WIDTH, PAPER_NN_WIDTH = 100_000, 2000


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
    return out


def floors(table: pd.DataFrame) -> pd.DataFrame:
    """Per model and p₂ at the largest n: measured excess E(p₂) − E(0) against p₂²q."""
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
                    predicted=p2**2 * r.quality,
                    ratio=(r.error - e0) / (p2**2 * r.quality),
                )
            )
    return pd.DataFrame(rows)


def plot(table):
    """Per model (random features first, then trained networks): test error (log–log), then accuracy, vs n;
    four panels one above the other."""
    models = list(dict.fromkeys(table.model))
    fig, flat_panels, flat = plotting.stacked(2 * len(models), heights=[4.4, 4.0] * len(models))
    axes = np.array(flat, dtype=object).reshape(len(models), 2).T  # axes[0, j]: error, axes[1, j]: accuracy
    panels = np.array(flat_panels, dtype=object).reshape(len(models), 2).T
    q = float(table.quality.iloc[0])
    cols = plotting.colours(sorted(table.p2.unique()))
    for j, model in enumerate(models):
        t = table[table.model == model]
        width = int(t.width.iloc[0])
        for p2, col in cols.items():
            e = t[t.p2 == p2].sort_values("n")
            axes[0, j].errorbar(
                e.n,
                e.error,
                yerr=2 * np.nan_to_num(e.stderr),
                fmt="o-",
                color=col,
                mec="k",
                mew=0.5,
                ms=4.5,
                capsize=2,
                label=f"$p_2$ = {p2:g}",
            )
            axes[1, j].errorbar(
                e.n,
                100 * e.accuracy,
                yerr=200 * np.nan_to_num(e.accuracy_stderr),
                fmt="o-",
                color=col,
                mec="k",
                mew=0.5,
                ms=4.5,
                capsize=2,
                label=f"$p_2$ = {p2:g}",
            )
            if p2 > 0:
                axes[0, j].axhline(p2**2 * q, color=col, ls=":", lw=0.9)
        name = (
            f"random features (ReLU, m = {width:,}, ridge readout)"
            if model == "random features"
            else f"two-layer ReLU network (width {width:,}, trained)"
        )
        plotting.finish_loglog(
            axes[0, j], "n (training samples)", ylabel="test error $\\|f(x) - e_y\\|^2$ (MNIST)", title=name
        )
        # the axis spans the measured errors: floors p2² q far below them (small p2) fall outside it
        low = max(float((t.error - 2 * np.nan_to_num(t.stderr)).min()), float(t.error.min()) / 2)
        axes[0, j].set_ylim(0.5 * low, 1.5 * float(t.error.max()))
        axes[0, j].plot([], [], "k:", lw=0.9, label=f"$p_2^2 q$ (q = {q:.2f})")
        plotting.legend_below(panels[0, j], ax=axes[0, j], ncol=3)
        axes[1, j].set_xscale("log")
        axes[1, j].set_xlabel("n (training samples)")
        axes[1, j].set_ylabel("test accuracy (%)")
        axes[1, j].grid(True, alpha=0.3)
        acc_t = float(table.teacher_accuracy.iloc[0]) if "teacher_accuracy" in table else np.nan
        axes[1, j].axhline(100 * acc_t, color="grey", ls="--", lw=1, label=f"weak teacher ({100 * acc_t:.1f}%)")
        plotting.legend_below(panels[1, j], ax=axes[1, j], ncol=3)
    return fig
