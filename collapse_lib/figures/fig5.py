"""Figure 5 — Theorem 2 against experiment: test error vs network width m.

Power-law spectrum s_j ∝ j^(−1.5) (tr Σ = d; anisotropic, harder than figure 4),
d = 2n, r² = 1, σ₁² = σ₂² = 0.25, λ = 10⁻², p₂ ∈ {0, 0.2, 0.6}; one panel per
c² ∈ {0, 0.1, 0.5, 1}. Experiment (solid line, shaded band = mean ± 2 s.e.):
the mean over independent runs (20 at book scale, 10 at paper scale; the paper used 5), each run a
fresh draw of S, data and teachers, ridge fitted on the m features. Theory
(dashed): Theorem 2. dtype: float64.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ._rp import RP_SIZES, rp_vs_m, widths

TITLE = "Figure 5: random projections — theory vs experiment across widths"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind", "m", "p2", "error", "stderr", "clean", "zeta_floor", "zeta_design", "approx", "p2_eff",
    "theory_at_p2_eff", "clean_sim", "clean_stderr", "excess", "excess_stderr", "n", "psi", "d", "lam", "c2",
    "alpha"
)
RUNS = {"smoke": 3, "book": 20, "paper": 10}  # the paper averaged 5 runs; more runs tighten the bands
M_RANGE = (0.05, 20.0)  # as multiples of n


def config(scale=None) -> dict:
    scale = current_scale(scale)
    size = RP_SIZES[scale]
    return dict(scale=scale, n=size["n"], sim_points=size["sim_points"] + 4, trials=RUNS[scale], phi=2.0,
                alpha=1.5, r2=1.0, sigma2=0.25, lam=1e-2, p2=[0.0, 0.2, 0.6], c2=[0.0, 0.1, 0.5, 1.0],
                m_over_n=list(M_RANGE), dtype="float64")


def compute(scale=None, device="cpu", seed=0, progress=False):
    c = config(scale)
    n = c["n"]
    d = int(round(c["phi"] * n))
    lo, hi = c["m_over_n"]
    m_th = np.logspace(np.log10(lo * n), np.log10(hi * n), 300)
    m_sim = widths(n, c["sim_points"], lo, hi)
    parts = []
    for c2 in c["c2"]:
        s = Setting.power_law(d, c["alpha"], r2=c["r2"], c2=c2, sigma2=c["sigma2"])
        parts.append(rp_vs_m(s, n, m_th, m_sim, c["p2"], c["lam"], c["trials"], seed, device, progress,
                             alpha=c["alpha"]))
    return pd.concat(parts, ignore_index=True)


def plot(table):
    c2s = sorted(table.c2.unique())
    fig, axes = plt.subplots(1, len(c2s), figsize=(4.2 * len(c2s), 4.8), sharey=True, layout="constrained")
    cols = plotting.colours(sorted(table.p2.unique()))
    for ax, c2 in zip(np.atleast_1d(axes), c2s):
        t = table[table.c2 == c2]
        for p2 in sorted(t.p2.unique()):
            th = t[(t.kind == "theory") & (t.p2 == p2)].sort_values("m")
            sm = t[(t.kind == "simulation") & (t.p2 == p2)].sort_values("m")
            ax.plot(sm.m, sm.error, color=cols[p2], lw=1.8, label=f"$p_2$ = {p2:g}")
            band = 2 * np.nan_to_num(sm.stderr)
            ax.fill_between(sm.m, np.maximum(sm.error - band, 1e-12), sm.error + band, color=cols[p2], alpha=0.2, lw=0)
            ax.plot(th.m, th.error, color=cols[p2], lw=1.4, ls="--")
        n = float(t.n.iloc[0])
        ax.axvline(n, color="0.5", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("width m (random features)")
        ax.set_title(f"c² = {c2:g}", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    first = np.atleast_1d(axes)[0]
    first.set_ylabel(plotting.ERROR_LABEL)
    from matplotlib.lines import Line2D
    h, lab = first.get_legend_handles_labels()
    h += [Line2D([], [], color="k", lw=1.8), Line2D([], [], color="k", lw=1.4, ls="--")]
    lab += [f"experiment (mean of {int(table.attrs.get('config', {}).get('trials', 0)) or 'several'} runs ± 2 s.e.)",
            "theory (Theorem 2)"]
    fig.legend(h, lab, fontsize=8.5, loc="outside lower center", ncol=len(h))
    n, d, lam = int(table.n.iloc[0]), int(table.d.iloc[0]), float(table.lam.iloc[0])
    fig.suptitle(f"Power-law Σ (α = {table.alpha.iloc[0]:g}), n = {n}, d = {d}, λ = {lam:g}; dotted line: m = n "
                 "(interpolation threshold)", fontsize=11)
    return fig
