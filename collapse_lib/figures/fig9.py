"""Figure 9 — weighted single-step mixing cannot undo strong collapse.

The paper's Corollary 2 (§5): weighted single-step mixing cannot avoid collapse for any
fixed weight α ∈ (0, 1]. Our α weighs the *real* samples (α = 1: real data only). The
interval (0, 1] fits a weight on the synthetic samples (0 discards them), i.e. 1 − our α,
so the statement reads "for any fixed α ∈ [0, 1)" here; the parameters below are ours.

ŵ(α) = argmin_w α/n₁‖X₁w − Y₁‖² + (1−α)/n₂‖X₂w − Y₂‖² + λ‖w‖². Isotropic Σ = I_d,
r² = 1, c² = 0.5, σ₁² = σ₂² = 0.25, λ = 10⁻⁴ (a tiny ridge; the theory is
:func:`collapse_lib.theory.mixing.weighted_mixing`).

Panel (a): error vs α for several (n₁, n₂), with α = p₁ (pooling) and α = 1 (real
only) marked. Panel (b): the optimal α* vs n at fixed n₂ = n₁ (p₂ = 1/2), plotted as
1 − α* (log–log): α* → 1. Panel (c): error vs n (log–log) at α*, at α = 1 ("Clean":
ridge on the n₁ real samples alone), at α = p₁ (pooling, floor p₂²c²), at a fixed
α = 0.9 (floor (1−α)²c²), and the law for n real samples. The best weighting tracks
Clean and stays above the all-real law: only α → 1 removes the floor, i.e. the
synthetic data are discarded.

Simulation markers (± 2 s.e.): full Monte Carlo (teachers, inputs, noise), all α
of one (n₁, n₂) on the same draws; for n₁, n₂ ≥ 2d the moments sampler draws
XᵀX and the noise sums directly. dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting, simulate, theory
from ..scale import current_scale
from ..setting import Setting
from ..theory.mixing import optimal_alpha, weighted_mixing
from ._sweeps import describe_n_sweep, log_ints
from .report import format_value as fv

TITLE = "Figure 9: weighted single-step mixing"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind",
    "panel",
    "series",
    "n1",
    "n2",
    "alpha",
    "error",
    "stderr",
    "theory",
    "n",
    "d",
    "c2",
    "lam",
    "sigma2",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# theory rows have no stderr; each panel fills either alpha or n
COLUMN_KINDS = {
    "kind": "text",
    "panel": "text",
    "series": "text",
    "alpha": "number or null",
    "stderr": "number or null",
    "n": "number or null",
}

_SIZES = {
    "smoke": dict(d=20, trials=8, pairs=[[40, 40], [40, 160], [160, 160]], alpha_sim=5, n_sim=(80, 8_000, 3)),
    "book": dict(
        d=50, trials=60, pairs=[[100, 100], [100, 400], [400, 100], [400, 400]], alpha_sim=11, n_sim=(200, 2_000_000, 6)
    ),
    "paper": dict(
        d=200,
        trials=100,
        pairs=[[400, 400], [400, 1600], [1600, 400], [1600, 1600]],
        alpha_sim=21,
        n_sim=(800, 20_000_000, 9),
    ),
}


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    return dict(
        _SIZES[scale],
        scale=scale,
        r2=1.0,
        c2=0.5,
        sigma2=0.25,
        lam=1e-4,
        p2_sweep=0.5,
        fixed_alpha=0.9,
        n_theory=(4.0, 1e8, 60),
        dtype="float64",
    )


def _setting(c):
    return Setting.isotropic(c["d"], r2=c["r2"], c2=c["c2"], sigma2=c["sigma2"])


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    pairs = "; ".join(f"({a:,}, {b:,})" for a, b in c["pairs"])
    return dict(
        shows="(a) error against α for several (n₁, n₂); (b) 1 − α* against n; (c) error against n at α*, "
        "α = 1 (Clean), pooling and a fixed α; theory (lines) and simulation (markers ± 2 s.e.)",
        **describe_n_sweep(c, f"; (n₁, n₂) of panel (a): {pairs}"),
        models=f"weighted ridge, λ = {fv(c['lam'])}; our α weighs the real samples (α = 1: real data only)",
        data=f"isotropic Gaussian, r² = {fv(c['r2'])}, c² = {fv(c['c2'])}, σ² = {fv(c['sigma2'])}; p₂ = "
        f"{fv(c['p2_sweep'])} in (b) and (c); fixed α = {fv(c['fixed_alpha'])} in (c)",
        differs="all parameters are our choice; the weight convention too (the chapter gives the correspondence "
        "with Corollary 2's α)",
    )


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Tidy table: panel "a" (error vs α) and panel "c" (error vs n; α* in column ``alpha``)."""
    c = config(scale)
    s, lam = _setting(c), c["lam"]
    rows = []
    # (a) error vs alpha
    a_th = np.linspace(0.0, 1.0, 201)
    a_sim = np.linspace(0.0, 1.0, c["alpha_sim"])
    for n1, n2 in c["pairs"]:
        th = weighted_mixing(s, n1, n2, a_th, lam)
        rows.append(
            pd.DataFrame(
                dict(
                    kind="theory",
                    panel="a",
                    series="weighted",
                    n1=n1,
                    n2=n2,
                    alpha=a_th,
                    error=th.total,
                    stderr=np.nan,
                    theory=th.total,
                )
            )
        )
        sim = simulate.weighted_mixing(s, n1, n2, a_sim, lam, trials=c["trials"], seed=seed, device=device)
        rows.append(
            pd.DataFrame(
                dict(
                    kind="simulation",
                    panel="a",
                    series="weighted",
                    n1=n1,
                    n2=n2,
                    alpha=a_sim,
                    error=sim.mean,
                    stderr=sim.stderr,
                    theory=weighted_mixing(s, n1, n2, a_sim, lam).total,
                )
            )
        )
    # (b, c) error vs n at p2 = 1/2
    p2 = c["p2_sweep"]
    lo, hi, num = c["n_theory"]
    n_th = np.geomspace(lo * c["d"], hi, num)
    n1_th, n2_th = (1 - p2) * n_th, p2 * n_th
    opt = optimal_alpha(s, n1_th, n2_th, lam)
    fa = c["fixed_alpha"]
    curves = dict(
        optimal=(opt.alpha, opt.error),
        clean=(np.ones_like(n_th), theory.classical(s, n1_th, 0.0, lam).total),
        pooled=(1 - p2 + 0 * n_th, theory.classical(s, n_th, p2, lam).total),
        fixed=(fa + 0 * n_th, weighted_mixing(s, n1_th, n2_th, fa, lam).total),
        all_real=(np.nan * n_th, theory.classical(s, n_th, 0.0, lam).total),
    )
    for name, (al, err) in curves.items():
        rows.append(
            pd.DataFrame(
                dict(
                    kind="theory",
                    panel="c",
                    series=name,
                    n=n_th,
                    n1=n1_th,
                    n2=n2_th,
                    alpha=al,
                    error=err,
                    stderr=np.nan,
                    theory=err,
                )
            )
        )
    n_sim = log_ints(*c["n_sim"])
    for n in n_sim:
        n2 = int(round(p2 * n))
        n1 = int(n - n2)
        a_star = float(optimal_alpha(s, n1, n2, lam).alpha)
        al = np.array([a_star, 1.0, n1 / n, fa])
        sim = simulate.weighted_mixing(s, n1, n2, al, lam, trials=c["trials"], seed=seed, device=device)
        th = weighted_mixing(s, n1, n2, al, lam).total
        rows.append(
            pd.DataFrame(
                dict(
                    kind="simulation",
                    panel="c",
                    series=["optimal", "clean", "pooled", "fixed"],
                    n=float(n),
                    n1=n1,
                    n2=n2,
                    alpha=al,
                    error=sim.mean,
                    stderr=sim.stderr,
                    theory=th,
                )
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["d"], out["c2"], out["lam"], out["sigma2"] = s.d, s.c2, lam, c["sigma2"]
    return out


_STYLE = {  # series → (label, colour, line style)
    "optimal": ("best weighting α*", "tab:red", "-"),
    "clean": ("Clean: α = 1 (n₁ real samples only)", "k", "--"),
    "pooled": ("pooling: α = p₁", "tab:blue", "-"),
    "fixed": ("fixed α = {fa:g}", "tab:purple", "-"),
    "all_real": ("all n samples real (reference)", "0.55", ":"),
}


def plot(table):
    """Three panels, one above the other: (a) error vs α; (b) 1 − α* vs n; (c) error vs n, log–log."""
    fig, panels, axes = plotting.stacked(3, heights=[5.0, 4.0, 5.6])
    ax = axes[0]
    ta = table[table.panel == "a"]
    pairs = list(dict.fromkeys(zip(ta.n1, ta.n2)))
    cols = plotting.colours(range(len(pairs)))
    for i, (n1, n2) in enumerate(pairs):
        sel = ta[(ta.n1 == n1) & (ta.n2 == n2)]
        th, sm = sel[sel.kind == "theory"], sel[sel.kind == "simulation"]
        ax.plot(th.alpha, th.error, color=cols[i], lw=1.8, label=f"n₁ = {int(n1)}, n₂ = {int(n2)}")
        ax.errorbar(
            sm.alpha,
            sm.error,
            yerr=2 * sm.stderr,
            fmt="o",
            ms=4,
            color=cols[i],
            mec="k",
            mew=0.5,
            capsize=2,
            elinewidth=1,
        )
        p1 = n1 / (n1 + n2)
        i_p1 = np.argmin(np.abs(th.alpha.to_numpy() - p1))
        ax.plot([p1], [th.error.iloc[i_p1]], marker="s", ms=7, mfc="none", color=cols[i], mew=1.5)
        i_min = int(np.argmin(th.error.to_numpy()))
        ax.plot([th.alpha.iloc[i_min]], [th.error.iloc[i_min]], marker="*", ms=11, color=cols[i], mec="k", mew=0.5)
    ax.set_yscale("log")
    ax.set(
        xlabel="weight α on the real data (α = 1: real only)",
        ylabel=plotting.ERROR_LABEL_WRAPPED,
        title="(a) error vs α  (□ pooling α = p₁, ★ best α)",
    )
    ax.grid(True, which="major", alpha=0.3)
    from matplotlib.lines import Line2D

    h, lab = ax.get_legend_handles_labels()
    h += [Line2D([], [], color="k", lw=1.8), Line2D([], [], color="k", marker="o", ls="", ms=4)]
    lab += ["theory", "simulation (± 2 s.e.)"]
    plotting.legend_below(panels[0], h, lab, ncol=2)

    tc = table[table.panel == "c"]
    th = tc[(tc.kind == "theory") & (tc.series == "optimal")]
    axes[1].plot(th.n, 1 - th.alpha, color="tab:red", lw=1.8, label="theory")
    sm = tc[(tc.kind == "simulation") & (tc.series == "optimal")]
    axes[1].plot(sm.n, 1 - sm.alpha, "o", color="tab:red", mec="k", mew=0.5, ms=4.5, label="α* used in the simulations")
    plotting.finish_loglog(
        axes[1],
        "n = n₁ + n₂ (training samples, n₂ = n₁)",
        "1 − α* (weight on synthetic)",
        title="(b) the best α tends to 1",
    )
    plotting.legend_below(panels[1], ncol=2)

    ax = axes[2]
    fa = float(tc[tc.series == "fixed"].alpha.iloc[0])
    for name, (label, colour, ls) in _STYLE.items():
        th = tc[(tc.kind == "theory") & (tc.series == name)]
        ax.plot(th.n, th.error, color=colour, ls=ls, lw=1.8 if name != "all_real" else 1.4, label=label.format(fa=fa))
        sm = tc[(tc.kind == "simulation") & (tc.series == name)]
        if len(sm):
            ax.errorbar(
                sm.n,
                sm.error,
                yerr=2 * sm.stderr,
                fmt="o",
                ms=4.5,
                color=colour,
                mec="k",
                mew=0.5,
                capsize=2,
                elinewidth=1,
            )
    d, c2 = int(table.d.iloc[0]), float(table.c2.iloc[0])
    plotting.finish_loglog(
        ax,
        "n = n₁ + n₂ (training samples, n₂ = n₁)",
        title=f"(c) error vs n: isotropic d = {d}, c² = {c2:g},\nλ = {table.lam.iloc[0]:g}",
    )
    plotting.legend_below(panels[2], ncol=1)
    return fig
