"""Figure 1 — the Pareto diagram of the random-projections model at n = 500.

What the paper's Figure 1 caption says: random-projections model (its Eq. 5); y = test
error when training on the real/synthetic mix, x = test error when training on real
data only; total sample size fixed at n = 500; squares = very high quality synthetic
data, then diamonds (high), triangles (low), stars (very low). Message: for high
quality bigger models are best, for low quality the best trade-off is at an
intermediate size. The values c² = 0, 0.1, 0.5, 1 of the four qualities come from press
coverage of the caption.

Our choices (the caption does not give d, λ, σ², the ψ range or the p₂ of the panels):
isotropic Σ, d = 550 (φ = d/n = 1.1), r² = 1, σ₁² = σ₂² = 0.02, λ = 1, ψ = m/n from
0.05 to 20 (60 log-spaced values), one panel per p₂ ∈ {0.2, 0.5, 0.8}. Why: with
φ = 1 and a small λ (our first choice) the widest models sit on the n = d
interpolation peak, so the clean curve is not best at the largest ψ and the figure
hides the message. For m ≫ d the width-m model is ridge with penalty λd/m, which
falls with the width; the largest model stays best for clean data only if λφ/ψ_max
stays above the ridge-optimal penalty (≈ σ²φ/r²), which asks for a large λ and a
small σ². A synthetic mismatch acts as extra label noise and raises that optimum, so
low-quality data then get an interior optimum. A sweep of the theory over
(φ, λ, σ²) (chapter ``random_projections``) picked the values above: the best ψ is at
the top of the grid for c² ≤ 0.1 and interior for c² ∈ {0.5, 1}, at every p₂.

Each point plots the error of the width-m model trained on the mixture (y) against the
error of the same model trained on the n real samples only (x); colour = log₁₀ψ.
Black lines: the Pareto frontier of each quality (points no other size beats on both
axes). Theory: Theorem 2 at n = 500 at every scale; hollow markers with ± 2 s.e. bars
in both directions: simulation (same draws for the mixed and the real-only fit) at a
few sizes, for the very-high and very-low qualities, at n = 50 (smoke) or 500 (book,
paper), d = φn. dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from .. import _validate as V
from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ._rp import pareto_front, psi_grid, rp_vs_m, widths
from .report import format_value as fv

TITLE = "Figure 1: the Pareto diagram — model size vs robustness to synthetic data"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind",
    "m",
    "p2",
    "error",
    "stderr",
    "clean",
    "zeta_floor",
    "zeta_design",
    "approx",
    "n",
    "psi",
    "d",
    "lam",
    "c2",
    "p2_eff",
    "theory_at_p2_eff",
    "clean_sim",
    "clean_stderr",
    "excess",
    "excess_stderr",
)
QUALITIES = {0.0: ("s", "very high"), 0.1: ("D", "high"), 0.5: ("^", "low"), 1.0: ("*", "very low")}
SIM = {
    "smoke": dict(n=50, sim_points=4, trials=3),
    "book": dict(n=500, sim_points=7, trials=10),
    "paper": dict(n=500, sim_points=10, trials=30),
}
# Our choice of the parameters the caption does not give (see the module docstring).
PHI, LAM, SIGMA2 = 1.1, 1.0, 0.02


def config(scale=None) -> dict:
    scale = current_scale(scale)
    return dict(
        scale=scale,
        n=500,
        phi=PHI,
        r2=1.0,
        sigma2=SIGMA2,
        lam=LAM,
        p2=[0.2, 0.5, 0.8],
        c2=list(QUALITIES),
        psi=[0.05, 20.0],
        psi_points=60,
        sim=SIM[scale],
        sim_c2=[0.0, 1.0],
        dtype="float64",
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    n, sim = c["n"], c["sim"]
    return dict(
        shows=f"the same diagram: Theorem 2 (points, one per ψ) and simulations (hollow, ± 2 s.e.) at "
        f"{sim['sim_points']} sizes for c² = {fv(c['sim_c2'])}; one panel per p₂",
        sizes=f"theory n = {n}, simulation n = {sim['n']}; d = φn = {round(c['phi'] * n)} (φ = {fv(c['phi'])}); "
        f"ψ = m/n from {fv(c['psi'][0])} to {fv(c['psi'][1])} ({c['psi_points']} values); λ = {fv(c['lam'])}, "
        f"σ² = {fv(c['sigma2'])}, r² = {fv(c['r2'])}; p₂ ∈ {{{fv(c['p2'])}}}",
        runs=f"{sim['trials']} trials per simulated size",
        models="random projections (S_ij ~ N(0, 1/d)) with ridge on the m features; theory: our deterministic "
        "equivalent of Theorem 2",
        data=f"isotropic Gaussian; c² ∈ {{{fv(c['c2'])}}} for the four markers",
        differs="n = 500 and the four qualities are the caption's. d, λ, σ², the ψ range and the p₂ panels are our "
        "choice, made with a sweep of Theorem 2 so that the figure shows the caption's message "
        "(φ = d/n = 1 with a small λ puts the widest models on the n = d peak and hides it)",
    )


def _theory(c, phi, lam, sigma2) -> pd.DataFrame:
    """Theorem 2 rows at n = c["n"] for every quality and p₂ of config ``c``, at the given φ, λ, σ²."""
    n = c["n"]
    m_th = psi_grid(c["psi_points"], *c["psi"]) * n
    parts = [
        rp_vs_m(
            Setting.isotropic(int(round(phi * n)), r2=c["r2"], c2=c2, sigma2=sigma2),
            n,
            m_th,
            None,
            c["p2"],
            lam,
            1,
            0,
            "cpu",
        )
        for c2 in c["c2"]
    ]
    return pd.concat(parts, ignore_index=True)


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Theory at n = 500 for every quality and p₂; simulation for ``sim_c2`` at a few ψ."""
    c = config(scale)
    parts = [_theory(c, c["phi"], c["lam"], c["sigma2"])]
    sim = c["sim"]
    ns = sim["n"]
    for c2 in c["sim_c2"]:
        s = Setting.isotropic(int(round(c["phi"] * ns)), r2=c["r2"], c2=c2, sigma2=c["sigma2"])
        t = rp_vs_m(
            s,
            ns,
            None,
            widths(ns, sim["sim_points"], *c["psi"]),
            c["p2"],
            c["lam"],
            sim["trials"],
            seed,
            device,
            progress,
        )
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def sweep(phi, lam, sigma2) -> pd.DataFrame:
    """Best model size per quality and p₂ (Theorem 2 only, milliseconds) for other choices of φ, λ, σ².

    Parameters
    ----------
    phi, lam, sigma2 : sequence of float
        The values of φ = d/n, ridge λ and label noise σ² to try; every combination is
        evaluated. The other parameters (n = 500, r², ψ grid, p₂ panels, qualities) are
        those of :func:`config`.

    Returns
    -------
    pandas.DataFrame
        :func:`best_sizes` of each combination, with columns ``phi``, ``lam``, ``sigma2``
        added. The recipe's own choice is one row group of this table when its values are
        included.
    """
    phi = np.atleast_1d(V.positive_sizes("phi", phi, integer=False))
    lam = np.atleast_1d(V.nonnegative("lam", lam))
    sigma2 = np.atleast_1d(V.nonnegative("sigma2", sigma2))
    if phi.ndim != 1 or lam.ndim != 1 or sigma2.ndim != 1:
        raise ValueError("phi, lam and sigma2 must be numbers or 1-d sequences of numbers")
    c = config("smoke")  # the theory is at n = 500 at every scale
    rows = []
    for ph in phi:
        for la in lam:
            for s2 in sigma2:
                b = best_sizes(_theory(c, float(ph), float(la), float(s2)))
                rows.append(b.assign(phi=float(ph), lam=float(la), sigma2=float(s2)))
    return pd.concat(rows, ignore_index=True)


def best_sizes(table) -> pd.DataFrame:
    """The facts behind the chapter's sentence on Figure 1: the best model size per (p₂, c²), from Theorem 2.

    Parameters
    ----------
    table : pandas.DataFrame
        A table of :func:`compute` (only its ``kind == "theory"`` rows are used).

    Returns
    -------
    pandas.DataFrame
        One row per (p₂, c²) with ``quality`` (the caption's word), ``best_psi`` =
        argmin over the ψ grid of the mixed-data error E(ψ) (the y-axis), ``best_error``,
        ``position``: ``"top"`` if ``best_psi`` is the largest ψ of the grid (the largest
        model is best; the true optimum may lie beyond the grid), ``"bottom"`` if it is
        the smallest, ``"interior"`` otherwise (an intermediate size is best, the
        message of the paper's Figure 1 caption for low quality); ``psi_min``,
        ``psi_max`` (the grid), and ``front_psi_min``, ``front_psi_max`` (the ψ range of
        the Pareto frontier in the (clean error, mixed error) plane).
    """
    th = table[table.kind == "theory"]
    rows = []
    for (p2, c2), g in th.groupby(["p2", "c2"]):
        g = g.sort_values("psi").reset_index(drop=True)
        i = int(np.argmin(g.error.to_numpy()))
        position = "top" if i == len(g) - 1 else "bottom" if i == 0 else "interior"
        front = pareto_front(g.clean, g.error)
        c2 = round(float(c2), 9)  # tr ΣΔ of the setting, up to rounding
        rows.append(
            dict(
                p2=p2,
                c2=c2,
                quality=QUALITIES.get(c2, ("o", f"c²={c2:g}"))[1],
                best_psi=g.psi[i],
                best_error=g.error[i],
                position=position,
                psi_min=g.psi.iloc[0],
                psi_max=g.psi.iloc[-1],
                front_psi_min=g.psi[front].min(),
                front_psi_max=g.psi[front].max(),
            )
        )
    return pd.DataFrame(rows)


def plot(table):
    p2s = sorted(table.p2.unique())
    fig, panels, axes = plotting.stacked(len(p2s), heights=[4.2] * (len(p2s) - 1) + [5.0])
    th_all = table[table.kind == "theory"]
    vmin, vmax = np.log10(th_all.psi.min()), np.log10(th_all.psi.max())
    for ax, p2 in zip(axes, p2s):
        for c2, (mk, name) in QUALITIES.items():
            th = th_all[(th_all.p2 == p2) & np.isclose(th_all.c2, c2)].reset_index(drop=True)
            if not len(th):
                continue
            sc = ax.scatter(
                th.clean,
                th.error,
                c=np.log10(th.psi),
                cmap="viridis",
                vmin=vmin,
                vmax=vmax,
                marker=mk,
                s=40 if mk == "*" else 22,
                lw=0.3,
                edgecolors="k",
                zorder=3,
                label=f"c² = {c2:g} ({name})",
            )
            fr = pareto_front(th.clean, th.error)
            ax.plot(th.clean[fr], th.error[fr], color="k", lw=1.3, zorder=4)
            sm = table[(table.kind == "simulation") & (table.p2 == p2) & np.isclose(table.c2, c2)]
            if len(sm):
                ax.errorbar(
                    sm.clean_sim,
                    sm.error,
                    xerr=2 * np.nan_to_num(sm.clean_stderr),
                    yerr=2 * np.nan_to_num(sm.stderr),
                    fmt=mk,
                    mfc="none",
                    mec="crimson",
                    ecolor="crimson",
                    ms=9 if mk == "*" else 7,
                    elinewidth=0.9,
                    capsize=1.5,
                    zorder=5,
                )
        lims = [th_all.clean.min() * 0.9, th_all.error.max() * 1.1]
        ax.plot(lims, lims, color="0.6", lw=0.8, ls=":", zorder=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("error, trained on the n real samples only")
        ax.set_ylabel("error, trained on the mixture")
        ax.set_title(f"$p_2$ = {p2:g}")
        ax.grid(True, which="major", alpha=0.3)
        cb = panels[list(axes).index(ax)].colorbar(sc, ax=ax, shrink=0.9)
        cb.set_label(r"$\log_{10}\psi$ ($\psi = m/n$)")
    plotting.legend_below(panels[-1], *axes[-1].get_legend_handles_labels(), ncol=2)
    n, d, lam = int(th_all.n.iloc[0]), int(th_all.d.iloc[0]), float(th_all.lam.iloc[0])
    fig.suptitle(
        f"Random projections, isotropic, n = {n}, d = {d}, λ = {lam:g}.\n"
        "Points: Theorem 2, one per ψ; black: Pareto frontiers;\n"
        "red hollow: simulation ± 2 s.e.; dotted: y = x"
    )
    return fig
