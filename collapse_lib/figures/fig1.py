"""Figure 1 — the Pareto diagram of the random-projections model at n = 500.

For a sweep of model sizes ψ = m/n (0.05 to 20), each point plots the test error
of the width-m model trained on the real/synthetic mixture (y) against the error
of the same model trained on the n real samples only (x); colour = log₁₀ψ.
Markers by synthetic quality, as in the paper: square c² = 0 (very high), diamond
c² = 0.1 (high), triangle c² = 0.5 (low), star c² = 1 (very low). Black lines:
the Pareto frontier of each quality (points no other size beats on both axes).
One panel per p₂ ∈ {0.2, 0.5, 0.8}. Isotropic Σ, d = n = 500 (φ = 1), r² = 1,
σ² = 0.25, λ = 0.1 (at φ = 1 and small λ the widest models would sit on the
n = d interpolation peak). Theory: Theorem 2; hollow markers with ± 2 s.e. bars
in both directions: simulation (same draws for the mixed and the real-only
fit) at a few sizes, for the very-high and very-low qualities. At smaller scales
the sizes shrink (n = d = 50 smoke, 500 book and paper; the theory is at n = 500
at every scale). dtype: float64.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ._rp import pareto_front, psi_grid, rp_vs_m, widths

TITLE = "Figure 1: the Pareto diagram — model size vs robustness to synthetic data"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind", "m", "p2", "error", "stderr", "clean", "zeta_floor", "zeta_design", "approx", "n", "psi", "d",
    "lam", "c2", "p2_eff", "theory_at_p2_eff", "clean_sim", "clean_stderr", "excess", "excess_stderr"
)
QUALITIES = {0.0: ("s", "very high"), 0.1: ("D", "high"), 0.5: ("^", "low"), 1.0: ("*", "very low")}
SIM = {"smoke": dict(n=50, sim_points=4, trials=3), "book": dict(n=500, sim_points=7, trials=10),
       "paper": dict(n=500, sim_points=10, trials=30)}


def config(scale=None) -> dict:
    scale = current_scale(scale)
    return dict(scale=scale, n=500, phi=1.0, r2=1.0, sigma2=0.25, lam=0.1, p2=[0.2, 0.5, 0.8],
                c2=list(QUALITIES), psi=[0.05, 20.0], psi_points=60, sim=SIM[scale], sim_c2=[0.0, 1.0],
                dtype="float64")


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Theory at n = 500 for every quality and p₂; simulation for ``sim_c2`` at a few ψ."""
    c = config(scale)
    parts = []
    n = c["n"]
    m_th = psi_grid(c["psi_points"], *c["psi"]) * n
    for c2 in c["c2"]:
        s = Setting.isotropic(int(c["phi"] * n), r2=c["r2"], c2=c2, sigma2=c["sigma2"])
        parts.append(rp_vs_m(s, n, m_th, None, c["p2"], c["lam"], 1, seed, device))
    sim = c["sim"]
    ns = sim["n"]
    for c2 in c["sim_c2"]:
        s = Setting.isotropic(int(c["phi"] * ns), r2=c["r2"], c2=c2, sigma2=c["sigma2"])
        t = rp_vs_m(s, ns, None, widths(ns, sim["sim_points"], *c["psi"]), c["p2"], c["lam"], sim["trials"], seed,
                    device, progress)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def best_sizes(table) -> pd.DataFrame:
    """Per (p₂, c²): the ψ with the lowest mixed-data error, and the Pareto frontier's ψ range (theory)."""
    th = table[table.kind == "theory"]
    rows = []
    for (p2, c2), g in th.groupby(["p2", "c2"]):
        g = g.reset_index(drop=True)
        i = int(np.argmin(g.error.to_numpy()))
        front = pareto_front(g.clean, g.error)
        rows.append(dict(p2=p2, c2=c2, quality=QUALITIES.get(round(float(c2), 9), ("o", f"c²={c2:g}"))[1], best_psi=g.psi[i],
                         best_error=g.error[i], front_psi_min=g.psi[front].min(), front_psi_max=g.psi[front].max()))
    return pd.DataFrame(rows)


def plot(table):
    p2s = sorted(table.p2.unique())
    fig, axes = plt.subplots(1, len(p2s), figsize=(5.2 * len(p2s), 5.0), layout="constrained")
    th_all = table[table.kind == "theory"]
    vmin, vmax = np.log10(th_all.psi.min()), np.log10(th_all.psi.max())
    for ax, p2 in zip(np.atleast_1d(axes), p2s):
        for c2, (mk, name) in QUALITIES.items():
            th = th_all[(th_all.p2 == p2) & np.isclose(th_all.c2, c2)].reset_index(drop=True)
            if not len(th):
                continue
            sc = ax.scatter(th.clean, th.error, c=np.log10(th.psi), cmap="viridis", vmin=vmin, vmax=vmax, marker=mk,
                            s=40 if mk == "*" else 22, lw=0.3, edgecolors="k", zorder=3,
                            label=f"c² = {c2:g} ({name})")
            fr = pareto_front(th.clean, th.error)
            ax.plot(th.clean[fr], th.error[fr], color="k", lw=1.3, zorder=4)
            sm = table[(table.kind == "simulation") & (table.p2 == p2) & np.isclose(table.c2, c2)]
            if len(sm):
                ax.errorbar(sm.clean_sim, sm.error, xerr=2 * np.nan_to_num(sm.clean_stderr),
                            yerr=2 * np.nan_to_num(sm.stderr), fmt=mk, mfc="none", mec="crimson", ecolor="crimson",
                            ms=9 if mk == "*" else 7, elinewidth=0.9, capsize=1.5, zorder=5)
        lims = [th_all.clean.min() * 0.9, th_all.error.max() * 1.1]
        ax.plot(lims, lims, color="0.6", lw=0.8, ls=":", zorder=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("test error, trained on the n real samples only")
        ax.set_title(f"$p_2$ = {p2:g}", fontsize=11)
        ax.grid(True, which="major", alpha=0.3)
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("test error, trained on the real/synthetic mixture")
    first.legend(fontsize=8, loc="upper left")
    cb = fig.colorbar(sc, ax=axes, shrink=0.85)
    cb.set_label(r"$\log_{10}\psi$ (model size m/n)")
    n, d, lam = int(th_all.n.iloc[0]), int(th_all.d.iloc[0]), float(th_all.lam.iloc[0])
    fig.suptitle(f"Random projections, isotropic, n = {n}, d = {d}, λ = {lam:g}. Points: Theorem 2, one per ψ; "
                 "black: Pareto frontiers; red hollow: simulation ± 2 s.e.; dotted: y = x", fontsize=10.5)
    return fig
