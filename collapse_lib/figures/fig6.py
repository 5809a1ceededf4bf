"""Figure 6 — fully trained two-layer ReLU networks on the Gaussian mixture of the theory.

The paper's Figure 6, as a press summary describes it: two-layer networks trained end to
end, wider networks collapsing more. What it plots, its data, sizes and training recipe
are not in the paper's text known to us; everything below is our choice.

Isotropic Σ = I_d, r² = 1, σ₁² = σ₂² = 0.25, synthetic quality c² (Δ = (c²/d)I). n
training samples, a fraction p₂ of them labelled by the synthetic teacher w₁* + δ.
Two-layer ReLU networks f(x) = aᵀrelu(Wᵀx + b) + c of width m (hidden units) are
trained end to end, full batch, with Adam on the mean squared error for a *fixed budget*
of steps (no early stopping: the learner has no clean data to stop on), from W ~ N(0, 2/d)
and a small output layer a ~ N(0, 0.01²/m). Test error E = E_x (f(x) − xᵀw₁*)² on fresh
inputs (label noise excluded). Sweep: width m (log-spaced) × p₂ × c²; trials share data
across widths and initialisations across p₂ (common random numbers).

Reference curves (dashed): Theorem 2 for the random-projections (RP) model of the same
width m, n, d, p₂, c² (``theory.projections.random_projections``, small ridge λ); dotted:
the linear-theory floor p₂²c². dtype: float32 (training), float64 (theory).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting
from ..cache import resume_name
from ..nn.experiments import gaussian_width_sweep
from ..nn.two_layer import TrainSpec
from ..scale import current_scale
from ..setting import Setting
from . import report
from .report import format_value as fv

TITLE = "Figure 6: trained two-layer networks on the Gaussian mixture"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "width",
    "p2",
    "trial",
    "error",
    "p2_eff",
    "train_loss",
    "best_step",
    "kind",
    "c2",
    "floor",
    "n",
    "d",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# the theory rows have no training statistics, the experiment rows no floor
COLUMN_KINDS = {
    "kind": "text",
    "trial": "number or null",
    "p2_eff": "number or null",
    "train_loss": "number or null",
    "best_step": "number or null",
    "floor": "number or null",
}
THEORY_VS_SIMULATION = False  # an experiment with a reference curve, not a check of a formula

_SIZES = {
    "smoke": dict(d=10, n=100, widths=[2, 8, 32], p2=[0.0, 0.5], c2=[0.5], trials=2, steps=150, n_test=500),
    "book": dict(
        d=20,
        n=400,
        widths=[2, 4, 8, 16, 32, 64, 128, 256],
        p2=[0.0, 0.2, 0.5],
        c2=[0.5],
        trials=3,
        steps=1500,
        n_test=2000,
    ),
    "paper": dict(
        d=50,
        n=1000,
        widths=[2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
        p2=[0.0, 0.1, 0.2, 0.5],
        c2=[0.1, 0.5],
        trials=10,
        steps=5000,
        n_test=10000,
    ),
}


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    return dict(
        _SIZES[scale],
        scale=scale,
        r2=1.0,
        sigma2=0.25,
        optimizer="adam",
        lr=3e-3,
        batch_size=None,
        out_scale=0.01,
        stopping="fixed budget (all steps, last iterate)",
        lam_rp=1e-3,
        dtype="float32",
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    w = c["widths"]
    return dict(
        shows=f"test error against the width for several p₂ and c², with {report.THEOREM2} for random projections of the "
        "same width (dashed) and the floor p₂²c² (dotted) as references",
        sizes=f"d = {c['d']}, n = {c['n']:,}, widths {w[0]} to {w[-1]:,} ({len(w)} values), {c['n_test']:,} test "
        "inputs",
        runs=f"{c['trials']} trials per point (paired across p₂)",
        models=f"two-layer ReLU network, both layers trained, full-batch {c['optimizer']} (learning rate "
        f"{fv(c['lr'])}) for {c['steps']:,} steps, last iterate",
        data=f"isotropic Gaussian, r² = {fv(c['r2'])}, σ² = {fv(c['sigma2'])}; c² ∈ {{{fv(c['c2'])}}}, "
        f"p₂ ∈ {{{fv(c['p2'])}}}",
        differs="every size and the training recipe are our choice (the paper's are not known to us); a fixed "
        "step budget because the learner has no clean data to stop on",
    )


def compute(scale=None, device="cpu", seed=0, progress=False, resume=None) -> pd.DataFrame:
    """Tidy table: trained networks (kind="experiment", one row per trial) and RP theory (kind="theory").

    ``resume``: None keeps finished widths on disk at paper scale only (a killed run restarts where it
    stopped, :mod:`collapse_lib.cache`); True/False force it on/off.
    """
    c = config(scale)
    store = resume_name("fig6", resume, c["scale"], seed)
    spec = TrainSpec(
        width=1,
        steps=c["steps"],
        lr=c["lr"],
        optimizer=c["optimizer"],
        batch_size=c["batch_size"],
        out_scale=c["out_scale"],
        eval_every=max(1, c["steps"] // 10),
    )
    parts = []
    for c2 in c["c2"]:
        s = Setting.isotropic(c["d"], r2=c["r2"], c2=c2, sigma2=c["sigma2"])
        # the same seed for every c²: same inputs, teachers and noise, δ rescaled (common random numbers)
        exp = gaussian_width_sweep(
            s,
            c["n"],
            c["widths"],
            c["p2"],
            spec,
            trials=c["trials"],
            n_test=c["n_test"],
            seed=seed,
            device=device,
            dtype=c["dtype"],
            progress=progress,
            resume=None if store is None else f"{store}-c2-{c2:g}",
        )
        exp["kind"], exp["c2"] = "experiment", c2
        parts.append(exp)
        th = _rp_theory(s, c["n"], np.geomspace(min(c["widths"]), max(c["widths"]), 60), c["p2"], c["lam_rp"])
        if th is not None:
            th["c2"] = c2
            parts.append(th)
    out = pd.concat(parts, ignore_index=True)
    out["n"], out["d"] = c["n"], c["d"]
    return out


def _rp_theory(setting, n, widths, p2s, lam):
    """Theorem 2 (RP model) on a width grid, or None if the theory module is not available."""
    try:
        from ..theory.projections import random_projections
    except ImportError:  # pragma: no cover - the RP theory ships with the library
        return None
    w = np.asarray(widths, dtype=float)[:, None]
    p = np.asarray(p2s, dtype=float)[None, :]
    th = random_projections(setting, n=n, m=w, p2=p, lam=lam)
    total = np.broadcast_to(th.total, (w.size, p.size))
    return pd.DataFrame(
        {
            "kind": "theory",
            "width": np.broadcast_to(w, total.shape).ravel(),
            "p2": np.broadcast_to(p, total.shape).ravel(),
            "error": total.ravel(),
            "floor": (p**2 * setting.c2 + 0 * w).ravel(),
        }
    )


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (c², width, p₂): mean test error ± s.e. over trials, and the collapse gap E(p₂) − E(0).

    The gap is averaged per trial (same data and initialisation for every p₂), so its
    standard error is that of the paired differences.
    """
    ex = table[table.kind == "experiment"]
    base = ex[ex.p2 == 0][["c2", "width", "trial", "error"]].rename(columns={"error": "error0"})
    ex = ex.merge(base, on=["c2", "width", "trial"], how="left")
    ex["gap"] = ex.error - ex.error0
    g = ex.groupby(["c2", "width", "p2"])
    k = g.error.count()
    out = pd.DataFrame(
        {
            "error": g.error.mean(),
            "stderr": g.error.std(ddof=1) / np.sqrt(k),
            "gap": g.gap.mean(),
            "gap_stderr": g.gap.std(ddof=1) / np.sqrt(k),
            "train_loss": g.train_loss.mean(),
            "trials": k,
        }
    ).reset_index()
    out["floor"] = out.p2**2 * out.c2
    return out


#: Standard errors of the paired differences over trials beyond which the collapse gap is said to grow to its
#: peak or to shrink after it: 3, not 2, because the peak is the largest of several noisy means.
GAP_Z = 3.0


def gap_profile(table: pd.DataFrame) -> pd.DataFrame:
    """Per (c², p₂ > 0): the collapse gap at the smallest width, at its peak and at the largest width.

    The gap E(p₂) − E(0) of each trial is compared between widths trial by trial (every width
    of a trial sees the same data), so ``rise`` = gap(peak) − gap(smallest width) and ``fall`` =
    gap(peak) − gap(largest width) have the standard errors of paired differences over the
    trials. ``grows`` / ``shrinks``: the peak lies inside the width range and the rise / fall
    exceeds :data:`GAP_Z` of those standard errors.
    """
    ex = table[table.kind == "experiment"]
    base = ex[ex.p2 == 0][["c2", "width", "trial", "error"]].rename(columns={"error": "error0"})
    ex = ex[ex.p2 > 0].merge(base, on=["c2", "width", "trial"], how="inner")
    ex = ex.assign(gap=ex.error - ex.error0)
    rows = []
    for (c2, p2), g in ex.groupby(["c2", "p2"]):
        per_trial = g.pivot_table(index="trial", columns="width", values="gap").dropna()
        widths, k = list(per_trial.columns), len(per_trial)
        mean = per_trial.mean()
        peak = mean.idxmax()
        rise, fall = per_trial[peak] - per_trial[widths[0]], per_trial[peak] - per_trial[widths[-1]]
        se = lambda v: float(v.std(ddof=1) / np.sqrt(k)) if k > 1 else np.nan  # noqa: E731
        inside = widths[0] < peak < widths[-1]
        rows.append(
            dict(
                c2=c2,
                p2=p2,
                trials=k,
                first_width=widths[0],
                peak_width=peak,
                last_width=widths[-1],
                gap_first=float(mean[widths[0]]),
                gap_peak=float(mean[peak]),
                gap_last=float(mean[widths[-1]]),
                rise=float(rise.mean()),
                rise_stderr=se(rise),
                fall=float(fall.mean()),
                fall_stderr=se(fall),
                grows=bool(inside and rise.mean() > GAP_Z * se(rise)),
                shrinks=bool(inside and fall.mean() > GAP_Z * se(fall)),
            )
        )
    return pd.DataFrame(rows)


def _p2_list(values) -> str:
    return ", ".join(f"{v:g}" for v in values)


def gap_profile_sentence(table: pd.DataFrame) -> str:
    """Where the collapse gap grows towards interpolation and shrinks after it beyond the noise, from the data.

    Names each c² (and its p₂) for which both the rise to the peak and the fall after it exceed
    :data:`GAP_Z` standard errors of the paired differences (:func:`gap_profile`), then the cases
    where only the rise does, then those where neither is beyond the noise.
    """
    prof = gap_profile(table)
    if prof.empty:
        return "No synthetic fraction to compare with the clean runs."
    k = int(prof.trials.min())
    noise = f"{GAP_Z:g} standard errors of the paired differences over {k} trials"
    both = prof[prof.grows & prof.shrinks]
    parts = []
    for c2, g in both.groupby("c2"):
        peaks = sorted(set(int(w) for w in g.peak_width))
        at = f"m = {peaks[0]:,}" if len(peaks) == 1 else "m = " + " to ".join(f"{w:,}" for w in (peaks[0], peaks[-1]))
        parts.append(
            f"At c² = {c2:g} (p₂ = {_p2_list(g.p2)}) the gap grows from m = {int(g.first_width.iloc[0]):,} to its "
            f"peak at {at} and shrinks again by m = {int(g.last_width.iloc[0]):,}, each change by more than {noise}."
        )
    cases = lambda rows: " and ".join(f"c² = {c2:g} (p₂ = {_p2_list(g.p2)})" for c2, g in rows.groupby("c2"))  # noqa: E731
    rise_only = prof[prof.grows & ~prof.shrinks]
    if len(rise_only):
        parts.append(f"At {cases(rise_only)} the gap grows to a peak, but its fall after it is within that noise.")
    neither = prof[~prof.grows]
    if len(neither):
        parts.append(f"At {cases(neither)} the gap's rise with the width is within that noise.")
    if both.empty:
        parts.insert(0, f"Nowhere does the gap both grow and shrink with the width by more than {noise}.")
    return " ".join(parts)


def plot(table):
    """Per c²: test error vs width (networks ± 2 s.e., RP theory dashed) and the collapse gap vs width."""
    sm = summary(table)
    th = table[table.kind == "theory"]
    c2s = sorted(sm.c2.unique())
    fig, panels, flat = plotting.stacked(2 * len(c2s), heights=[5.0] * (2 * len(c2s)))
    axes = [flat[2 * i : 2 * i + 2] for i in range(len(c2s))]
    rows_panels = [panels[2 * i : 2 * i + 2] for i in range(len(c2s))]
    n, d = int(table.n.iloc[0]), int(table.d.iloc[0])
    for row, c2 in zip(axes, c2s):
        s = sm[sm.c2 == c2]
        cols = plotting.colours(sorted(s.p2.unique()))
        for p2, col in cols.items():
            e = s[s.p2 == p2].sort_values("width")
            row[0].errorbar(
                e.width,
                e.error,
                yerr=2 * np.nan_to_num(e.stderr),
                fmt="o-",
                color=col,
                mec="k",
                mew=0.5,
                ms=5,
                capsize=2,
                label=f"$p_2$ = {p2:g} (network)",
            )
            t = th[(th.c2 == c2) & (th.p2 == p2)].sort_values("width")
            if len(t):
                row[0].plot(t.width, t.error, "--", color=col, lw=1.3)
            if p2 > 0:
                row[0].axhline(p2**2 * c2, color=col, ls=":", lw=0.9)
                row[1].errorbar(
                    e.width,
                    e.gap,
                    yerr=2 * np.nan_to_num(e.gap_stderr),
                    fmt="o-",
                    color=col,
                    mec="k",
                    mew=0.5,
                    ms=5,
                    capsize=2,
                    label=f"$p_2$ = {p2:g} (network)",
                )
                if len(t):
                    t0 = th[(th.c2 == c2) & (th.p2 == 0)].sort_values("width")
                    row[1].plot(t.width, t.error.to_numpy() - t0.error.to_numpy(), "--", color=col, lw=1.3)
                row[1].axhline(p2**2 * c2, color=col, ls=":", lw=0.9)
        plotting.finish_loglog(
            row[0],
            "width m (hidden units)",
            ylabel=plotting.ERROR_LABEL_WRAPPED,
            title=f"Test error, n = {n}, d = {d}, c² = {c2:g}",
        )
        row[1].set_xscale("log")
        row[1].set_yscale("log")
        row[1].set_xlabel("width m (hidden units)")
        row[1].set_ylabel(r"collapse gap $E(p_2) - E(0)$")
        row[1].set_title(f"Extra error due to synthetic data, c² = {c2:g}")
        row[1].grid(True, which="major", alpha=0.3)
        for ax, panel in zip(row, rows_panels[axes.index(row)]):
            from matplotlib.lines import Line2D

            h, lab = ax.get_legend_handles_labels()
            h += [Line2D([], [], color="k", ls="--"), Line2D([], [], color="k", ls=":")]
            lab += [f"RP theory ({report.THEOREM2})", r"floor $p_2^2c^2$ (linear)"]
            plotting.legend_below(panel, h, lab, ncol=2)
    return fig
