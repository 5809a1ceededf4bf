"""Figure 4 — the Theorem 2 landscape: random-projections test error vs ψ = m/n.

What the paper's Figure 4 plots is not in its text known to us; inferred from Theorem 2:
the random-projections error against model size for several p₂ and c², collapse amplified
up to the interpolation threshold and partly mitigated beyond (``collapse_lib.paper``). The
figure and its parameters are ours, and the theory is our deterministic equivalent of
Theorem 2 (``theory.projections``).

Isotropic Σ = I_d with d = 2n (φ = 2, so a width-m feature space can interpolate the
n samples at ψ = 1 < d/n), r² = 1, σ₁² = σ₂² = 0.25, λ = 10⁻³ (near-ridgeless),
ψ from 0.05 to 20. Panel (a): c² = 0.5, p₂ ∈ {0, 0.1, 0.2, 0.5, 1}. Panel (b):
p₂ = 0.2, c² ∈ {0, 0.1, 0.5, 1}. Panel (c): the excess error due to synthetic data,
E − E(p₂ = 0), for panel (a)'s p₂: it is amplified as ψ → 1 (the design-dependent
part of ζ) and falls back towards the floor part beyond. Theory: Theorem 2
(``theory.random_projections``); simulation: ``simulate.random_projections``,
markers ± 2 s.e. (excess: paired s.e. on the same draws). dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ._rp import RP_SIZES, psi_grid, rp_vs_m, widths
from .report import THEOREM2
from .report import format_value as fv

TITLE = "Figure 4: random projections — test error vs model size ψ = m/n"
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
    "panel",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# the theory rows have no simulation statistics
COLUMN_KINDS = {
    "kind": "text",
    "panel": "text",
    "stderr": "number or null",
    "p2_eff": "number or null",
    "theory_at_p2_eff": "number or null",
    "clean_sim": "number or null",
    "clean_stderr": "number or null",
    "excess": "number or null",
    "excess_stderr": "number or null",
}
N_THEORY_PSI = 400


def config(scale=None) -> dict:
    scale = current_scale(scale)
    return dict(
        RP_SIZES[scale],
        scale=scale,
        phi=2.0,
        r2=1.0,
        sigma2=0.25,
        lam=1e-3,
        dtype="float64",
        psi=[0.05, 20.0],
        a=dict(c2=0.5, p2=[0.0, 0.1, 0.2, 0.5, 1.0]),
        b=dict(p2=0.2, c2=[0.0, 0.1, 0.5, 1.0]),
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    a, b = c["a"], c["b"]
    return dict(
        shows="(a) several p₂, (b) several c², (c) the excess error E − E(p₂ = 0) against ψ; "
        f"{THEOREM2} (lines) and simulation (markers ± 2 s.e.)",
        sizes=f"n = {c['n']}, d = {round(c['phi'] * c['n'])} (φ = {fv(c['phi'])}); ψ from {fv(c['psi'][0])} to "
        f"{fv(c['psi'][1])}, {c['sim_points']} simulated widths",
        runs=f"{c['trials']} trials per simulated width",
        models=f"random projections with ridge, λ = {fv(c['lam'])}; theory: our deterministic equivalent of Theorem 2",
        data=f"isotropic Gaussian, r² = {fv(c['r2'])}, σ² = {fv(c['sigma2'])}; (a) c² = {fv(a['c2'])}, p₂ ∈ "
        f"{{{fv(a['p2'])}}}; (b) p₂ = {fv(b['p2'])}, c² ∈ {{{fv(b['c2'])}}}",
        differs="all parameters are our choice; d > n so that the peak at ψ = 1 (the interpolation threshold of "
        "the m features) is apart from m = d",
    )


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Tidy table, column ``panel`` = "a" (p₂ sweep) or "b" (c² sweep)."""
    c = config(scale)
    n = c["n"]
    d = int(round(c["phi"] * n))
    m_th = psi_grid(N_THEORY_PSI, *c["psi"]) * n
    m_sim = widths(n, c["sim_points"], *c["psi"])
    parts = []
    s = Setting.isotropic(d, r2=c["r2"], c2=c["a"]["c2"], sigma2=c["sigma2"])
    parts.append(rp_vs_m(s, n, m_th, m_sim, c["a"]["p2"], c["lam"], c["trials"], seed, device, progress, panel="a"))
    for c2 in c["b"]["c2"]:
        s = Setting.isotropic(d, r2=c["r2"], c2=c2, sigma2=c["sigma2"])
        parts.append(
            rp_vs_m(s, n, m_th, m_sim, [c["b"]["p2"]], c["lam"], c["trials"], seed, device, progress, panel="b")
        )
    return pd.concat(parts, ignore_index=True)


def _psi_axis(ax, ylabel=plotting.ERROR_LABEL_WRAPPED, title=None):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel(r"$\psi = m/n$ (model size / samples)")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)


def plot(table):
    """Three panels, one above the other: error vs ψ for several p₂; for several c²; excess error vs ψ."""
    fig, panels, axes = plotting.stacked(3, heights=[4.4, 4.2, 4.4])
    a = table[table.panel == "a"]
    b = table[table.panel == "b"]
    n, d, lam = int(a.n.iloc[0]), int(a.d.iloc[0]), float(a.lam.iloc[0])
    plotting.theory_and_simulation(
        axes[0], a[a.kind == "theory"], a[a.kind == "simulation"], "psi", "p2", lambda p: f"$p_2$ = {p:g}"
    )
    _psi_axis(axes[0], title=f"(a) c² = {a.c2.iloc[0]:g}: several $p_2$")
    plotting.legend_below(panels[0], ncol=3)
    plotting.theory_and_simulation(
        axes[1], b[b.kind == "theory"], b[b.kind == "simulation"], "psi", "c2", lambda c: f"c² = {c:g}", colour_map=None
    )
    _psi_axis(axes[1], title=f"(b) $p_2$ = {b.p2.iloc[0]:g}: several c²")
    plotting.legend_below(panels[1], ncol=3)
    ax = axes[2]
    cols = plotting.colours(sorted(a.p2.unique()))
    for p2 in sorted(a.p2.unique()):
        if p2 == 0:
            continue
        th = a[(a.kind == "theory") & (a.p2 == p2)].sort_values("psi")
        ax.plot(th.psi, th.error - th.clean, color=cols[p2], lw=1.8, label=f"$p_2$ = {p2:g}")
        ax.plot(th.psi, th.zeta_floor, color=cols[p2], lw=0.9, ls=":")
        sm = a[(a.kind == "simulation") & (a.p2 == p2)].sort_values("psi")
        ok = sm.excess > 0
        ax.errorbar(
            sm.psi[ok],
            sm.excess[ok],
            yerr=2 * np.nan_to_num(sm.excess_stderr[ok]),
            fmt="o",
            ms=4.5,
            color=cols[p2],
            mec="k",
            mew=0.5,
            elinewidth=1,
            capsize=2,
        )
    _psi_axis(
        ax, ylabel=r"excess error $E - E(p_2{=}0)$", title="(c) cost of synthetic data; dotted: floor term $p_2^2T_3$"
    )
    plotting.legend_below(panels[2], ncol=3)
    fig.suptitle(
        f"Random projections, isotropic, n = {n}, d = {d} (φ = {d / n:g}), λ = {lam:g}.\n"
        f"Lines: {THEOREM2};\n"
        "markers: simulation ± 2 s.e."
    )
    return fig
