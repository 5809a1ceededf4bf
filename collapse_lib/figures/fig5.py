"""Figure 5 — Theorem 2 against experiment: test error vs network width m.

The paper's Figure 5: experiment (solid, mean of 5 runs) against theory (dashed). The
spectrum, d, λ, p₂, the c² panels and our numbers of runs below are our choice.

Power-law spectrum s_j ∝ j^(−1.5) (tr Σ = d; anisotropic, harder than figure 4),
d = 2n, r² = 1, σ₁² = σ₂² = 0.25, λ = 10⁻², p₂ ∈ {0, 0.2, 0.6}; one panel per
c² ∈ {0, 0.1, 0.5, 1}. Experiment (solid line, shaded band = mean ± 2 s.e.):
the mean over independent runs (``RUNS``: 20 at book scale, 10 at paper scale, where the
paper shows 5), each run a
fresh draw of S, data and teachers, ridge fitted on the m features. Theory
(dashed): Theorem 2. dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import paper, plotting
from ..scale import current_scale
from ..setting import Setting
from ._rp import RP_SIZES, rp_vs_m, widths
from .report import THEOREM2
from .report import format_value as fv

TITLE = "Figure 5: random projections — theory vs experiment across widths"
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
    "p2_eff",
    "theory_at_p2_eff",
    "clean_sim",
    "clean_stderr",
    "excess",
    "excess_stderr",
    "n",
    "psi",
    "d",
    "lam",
    "c2",
    "alpha",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# the theory rows have no simulation statistics
COLUMN_KINDS = {
    "kind": "text",
    "stderr": "number or null",
    "p2_eff": "number or null",
    "theory_at_p2_eff": "number or null",
    "clean_sim": "number or null",
    "clean_stderr": "number or null",
    "excess": "number or null",
    "excess_stderr": "number or null",
}
RUNS = {"smoke": 3, "book": 20, "paper": 10}  # ours; the paper's Figure 5 shows a mean of 5 runs (paper.FIG5_RUNS)
M_RANGE = (0.05, 20.0)  # as multiples of n


def config(scale=None) -> dict:
    scale = current_scale(scale)
    size = RP_SIZES[scale]
    return dict(
        scale=scale,
        n=size["n"],
        sim_points=size["sim_points"] + 4,
        trials=RUNS[scale],
        phi=2.0,
        alpha=1.5,
        r2=1.0,
        sigma2=0.25,
        lam=1e-2,
        p2=[0.0, 0.2, 0.6],
        c2=[0.0, 0.1, 0.5, 1.0],
        m_over_n=list(M_RANGE),
        dtype="float64",
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    runs = c["trials"]
    more = "more" if runs > paper.FIG5_RUNS else "fewer" if runs < paper.FIG5_RUNS else "as many"
    return dict(
        shows=f"experiment (solid line; band = mean ± 2 s.e.) against {THEOREM2} (dashed), one panel per c²",
        sizes=f"n = {c['n']}, d = {round(c['phi'] * c['n'])} (φ = {fv(c['phi'])}); width m from "
        f"{fv(c['m_over_n'][0])}n to {fv(c['m_over_n'][1])}n, {c['sim_points']} widths",
        runs=f"{runs} runs per width",
        models=f"random projections with ridge, λ = {fv(c['lam'])}; theory: our deterministic equivalent of Theorem 2",
        data=f"power-law spectrum s_j ∝ j^−{fv(c['alpha'])}, r² = {fv(c['r2'])}, σ² = {fv(c['sigma2'])}; "
        f"p₂ ∈ {{{fv(c['p2'])}}}; c² ∈ {{{fv(c['c2'])}}}",
        differs=f"{more} runs than the paper's {paper.FIG5_RUNS} (more runs give a narrower band; the smoke scale "
        "runs fewer for speed); the spectrum (a power law, a harder test than Σ = I), d, λ, p₂ and c² are "
        "our choice",
    )


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
        parts.append(
            rp_vs_m(s, n, m_th, m_sim, c["p2"], c["lam"], c["trials"], seed, device, progress, alpha=c["alpha"])
        )
    return pd.concat(parts, ignore_index=True)


def plot(table):
    c2s = sorted(table.c2.unique())
    fig, panels, axes = plotting.stacked(len(c2s), heights=[3.3] * (len(c2s) - 1) + [4.1])
    cols = plotting.colours(sorted(table.p2.unique()))
    for ax, c2 in zip(axes, c2s):
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
        ax.set_ylabel("test error $E$")
        ax.set_title(f"c² = {c2:g}")
        ax.grid(True, which="major", alpha=0.3)
    lo = min(ax.get_ylim()[0] for ax in axes)
    hi = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:  # one y scale for all panels, as in the paper's row of panels
        ax.set_ylim(lo, hi)
    first = axes[0]
    from matplotlib.lines import Line2D

    h, lab = first.get_legend_handles_labels()
    h += [Line2D([], [], color="k", lw=1.8), Line2D([], [], color="k", lw=1.4, ls="--")]
    lab += [
        f"experiment (mean of {int(table.attrs.get('config', {}).get('trials', 0)) or 'several'} runs ± 2 s.e.)",
        f"theory ({THEOREM2})",
    ]
    plotting.legend_below(panels[-1], h, lab, ncol=2)
    n, d, lam = int(table.n.iloc[0]), int(table.d.iloc[0]), float(table.lam.iloc[0])
    fig.suptitle(
        f"Power-law Σ (α = {table.alpha.iloc[0]:g}), n = {n}, d = {d}, λ = {lam:g};\n"
        f"test error $E$ (label noise excluded);\ndotted line: m = n (interpolation threshold)"
    )
    return fig
