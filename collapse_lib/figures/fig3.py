"""Figure 3 — beyond isotropy: the floor persists for power-law spectra and any c² > 0.

What the paper's Figure 3 plots is not in its text known to us; inferred from Theorem 1: the
floor persists beyond the isotropic case (``collapse_lib.paper``). The two panels and all
their parameters are our choice.

Panel (a): power-law spectrum s_j ∝ j^(−1.5) (tr Σ = d), λ = 10⁻⁴ (tiny ridge), c² = 0.5,
p₂ ∈ {0, 0.01, 0.05, 0.1, 0.2, 0.5}; the floor is p₂² tr ΔΣ³(Σ+λI)⁻² (slightly
below p₂²c² because λ > 0; with λ fixed, ridge keeps a bias floor λ² tr ΓΣ(Σ+λ)⁻² that is negligible here). Panel (b): isotropic, ridgeless, p₂ = 0.1,
c² ∈ {0, 0.1, 0.5, 1}: the floor p₂²c² scales with the quality gap, and c² = 0
(synthetic labels as good as real ones) shows no collapse. dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ._sweeps import N_SWEEP_SIZES, N_THEORY, classical_vs_n, describe_n_sweep, log_ints
from .report import format_value as fv

TITLE = "Figure 3: beyond isotropy — power-law spectra and the quality c²"
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
    "alpha",
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


def config(scale=None) -> dict:
    scale = current_scale(scale)
    return dict(
        N_SWEEP_SIZES[scale],
        scale=scale,
        r2=1.0,
        sigma2=0.25,
        dtype="float64",
        a=dict(alpha=1.5, c2=0.5, lam=1e-4, p2=[0.0, 0.01, 0.05, 0.1, 0.2, 0.5]),
        b=dict(c2=[0.0, 0.1, 0.5, 1.0], lam=0.0, p2=0.1),
        n_theory=N_THEORY,
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    a, b = c["a"], c["b"]
    return dict(
        shows="(a) a power-law spectrum at several p₂; (b) Σ = I at one p₂ and several c²; Theorem 1 (lines) and "
        "simulation (markers ± 2 s.e.)",
        **describe_n_sweep(c, f"; theory to n = {c['n_theory'][1]:.0e}"),
        models=f"ridge on the pooled data: λ = {fv(a['lam'])} in (a), {fv(b['lam'])} (ridgeless) in (b)",
        data=f"Gaussian, r² = {fv(c['r2'])}, σ² = {fv(c['sigma2'])}; (a) s_j ∝ j^−{fv(a['alpha'])}, c² = "
        f"{fv(a['c2'])}, p₂ ∈ {{{fv(a['p2'])}}}; (b) Σ = I, p₂ = {fv(b['p2'])}, c² ∈ {{{fv(b['c2'])}}}",
        differs="the two panels and all their parameters are our choice: the paper's Figure 3 is known to us "
        "only by its message",
    )


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Tidy table for both panels (column ``panel`` = "a" or "b")."""
    c = config(scale)
    d = c["d"]
    lo, hi, num = c["n_theory"]
    n_theory = np.logspace(np.log10(lo * d), np.log10(hi), num)
    n_sim = log_ints(*c["n_sim"])
    a = c["a"]
    s = Setting.power_law(d, a["alpha"], r2=c["r2"], c2=a["c2"], sigma2=c["sigma2"])
    parts = [
        classical_vs_n(
            s, n_theory, n_sim, a["p2"], a["lam"], c["trials"], seed, device, progress, panel="a", alpha=a["alpha"]
        )
    ]
    b = c["b"]
    iso = Setting.isotropic(d, r2=c["r2"], c2=0.0, sigma2=c["sigma2"])
    for c2 in b["c2"]:
        parts.append(
            classical_vs_n(
                iso.with_quality(c2),
                n_theory,
                n_sim,
                [b["p2"]],
                b["lam"],
                c["trials"],
                seed,
                device,
                progress,
                panel="b",
                alpha=0.0,
            )
        )
    return pd.concat(parts, ignore_index=True)


def plot(table):
    """Two log–log panels, one above the other: (a) power-law spectrum, several p₂; (b) isotropic, several c²."""
    fig, (pa, pb), (ax1, ax2) = plotting.stacked(2, heights=[5.0, 4.8])
    ta = table[table.panel == "a"]
    plotting.theory_and_simulation(
        ax1, ta[ta.kind == "theory"], ta[ta.kind == "simulation"], "n", "p2", lambda p: f"$p_2$ = {p:g}", floor="floor"
    )
    d = int(table.d.iloc[0])
    alpha = float(ta.alpha.iloc[0])
    plotting.finish_loglog(
        ax1,
        "n (training samples)",
        title=f"(a) power law $s_j \\propto j^{{-{alpha:g}}}$, d = {d}, c² = {ta.c2.iloc[0]:g}, λ = {ta.lam.iloc[0]:g}",
    )
    plotting.legend_note(pa)
    tb = table[table.panel == "b"]
    plotting.theory_and_simulation(
        ax2,
        tb[tb.kind == "theory"],
        tb[tb.kind == "simulation"],
        "n",
        "c2",
        lambda c: f"c² = {c:g}",
        floor="floor",
        colour_map=plotting.colours(sorted(tb.c2.unique()), "plasma"),
    )
    plotting.finish_loglog(
        ax2, "n (training samples)", title=f"(b) isotropic, d = {d}, $p_2$ = {tb.p2.iloc[0]:g}, λ = 0"
    )
    plotting.legend_note(pb)
    for ax in (ax1, ax2):
        err = table.error[(table.error > 0) & np.isfinite(table.error)]
        ax.set_ylim(bottom=max(1e-7, 0.3 * float(err.min())))
    return fig
