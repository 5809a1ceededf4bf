"""Figure 2 — strong collapse in the classical model (Theorem 1 / Corollary 1).

What the paper's Figure 2 plots is not in its text known to us; inferred from Theorem 1 /
Corollary 1: test error against n for several p₂, p₂ = 0 following the scaling law, any
p₂ > 0 flattening (``collapse_lib.paper``). The figure and its parameters below are ours.

Isotropic Σ = I_d, ridgeless (λ = 0), r² = 1, c² = 0.5, σ₁² = σ₂² = 0.25. Test
error vs n (log–log) for p₂ ∈ {0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5}: p₂ = 0
follows the clean law σ²φ/(1−φ) → 0 while any p₂ > 0 flattens at the floor
p₂²c². Theory lines run to n = 10¹⁰ so the smallest floors become visible;
simulation markers (± 2 s.e.) go to n = 10⁸ (book) or 10⁹ (paper): for n ≫ d the
simulation draws the sufficient statistics XᵀX, Xᵀy directly (Wishart), so its
cost does not grow with n.
dtype: float64.
"""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ._sweeps import N_SWEEP_SIZES, N_THEORY, classical_vs_n, describe_n_sweep, log_ints
from .report import format_value as fv

TITLE = "Figure 2: strong model collapse, isotropic ridgeless regression"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind",
    "n",
    "p2",
    "error",
    "stderr",
    "floor",
    "clean",
    "p2_eff",
    "theory_at_p2_eff",
    "panel",
    "lam",
    "c2",
    "d",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# the theory rows have no simulation statistics
COLUMN_KINDS = {
    "kind": "text",
    "panel": "text",
    "stderr": "number or null",
    "theory_at_p2_eff": "number or null",
}
P2S = (0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5)


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    c = dict(
        N_SWEEP_SIZES[scale],
        scale=scale,
        r2=1.0,
        c2=0.5,
        sigma2=0.25,
        lam=0.0,
        p2=list(P2S),
        n_theory=N_THEORY,
        dtype="float64",
    )
    return c


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    return dict(
        shows="Theorem 1 (lines) and simulation (markers ± 2 s.e.) against n, with the floors p₂²c² (dotted)",
        **describe_n_sweep(c, f"; theory to n = {c['n_theory'][1]:.0e}"),
        models=f"ridge on the pooled data, λ = {fv(c['lam'])} (ridgeless)",
        data=f"isotropic Gaussian, r² = {fv(c['r2'])}, c² = {fv(c['c2'])}, σ₁² = σ₂² = {fv(c['sigma2'])}; "
        f"p₂ ∈ {{{fv(c['p2'])}}}",
        differs="every parameter is our choice (the paper's are not known to us). n reaches 10⁹ because for n ≫ d "
        "the simulation draws XᵀX and Xᵀy directly (Wishart), so even the smallest floors show",
    )


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Tidy table: theory (Theorem 1 at λ = 0, i.e. Corollary 1) and simulation vs n."""
    c = config(scale)
    s = Setting.isotropic(c["d"], r2=c["r2"], c2=c["c2"], sigma2=c["sigma2"])
    lo, hi, num = c["n_theory"]
    n_theory = np.logspace(np.log10(lo * c["d"]), np.log10(hi), num)
    return classical_vs_n(
        s,
        n_theory,
        log_ints(*c["n_sim"]),
        c["p2"],
        c["lam"],
        c["trials"],
        seed,
        device,
        progress=progress,
        panel="isotropic",
    )


def plot(table):
    """Error vs n, log–log: theory lines, simulation markers, dotted floors p₂²c²."""
    fig, (panel,), (ax,) = plotting.stacked(1, heights=[5.0])
    th = table[table.kind == "theory"]
    sm = table[table.kind == "simulation"]
    plotting.theory_and_simulation(ax, th, sm, "n", "p2", lambda p: f"$p_2$ = {p:g}", floor="floor")
    d, c2 = int(table.d.iloc[0]), float(table.c2.iloc[0])
    plotting.finish_loglog(
        ax, "n (training samples)", title=f"Isotropic, d = {d}, c² = {c2:g}, σ² = 0.25, λ = 0 (ridgeless)"
    )
    ax.set_ylim(bottom=max(1e-7, 0.3 * float(th.error[th.error > 0].min())))
    plotting.legend_note(panel)
    return fig
