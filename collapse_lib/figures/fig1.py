"""Figure 1 — the Pareto diagram of the random-projections model at n = 500.

What the paper's Figure 1 caption says: random-projections model (its Eq. 5); y = test
error when training on the real/synthetic mix, x = test error when training on real
data only; total sample size fixed at n = 500; squares = very high quality synthetic
data, then diamonds (high), triangles (low), stars (very low). Message: for high
quality bigger models are best, for low quality the best trade-off is at an
intermediate size. The values c² = 0, 0.1, 0.5, 1 of the four qualities come from press
coverage of the caption.

Our choices (the caption does not give d, λ, σ², the ψ range or the p₂ of the panels):
isotropic Σ, d = 750 (φ = d/n = 1.5), r² = 1, σ₁² = σ₂² = 0.005, λ = 1, ψ = m/n from
10⁻² to 10⁴ (121 log-spaced values) and the limit ψ → ∞, one panel per
p₂ ∈ {0.2, 0.5, 0.8}. Why: for m ≫ d the width-m model is ridge with penalty λd/m
(chapter ``random_projections``), so as ψ → ∞ it becomes ridgeless ridge at φ, which
the figure must include: a message read off a ψ range that stops early can reverse
beyond it. The ridgeless limit is the best clean model only when label noise is small
against the signal (σ² ≪ r²); a synthetic mismatch c² acts as extra label noise and
makes a finite penalty λd/m, hence a finite width, better. With φ > 1 (fewer samples
than dimensions) the bias r²(1 − 1/φ) that no width removes keeps the relative cost of
the small clean-data noise low, while the mismatch of low-quality data still costs
tens of percent. At this setting Theorem 2 (our deterministic equivalent) gives, at every
p₂ panel, on ψ ∈ [10⁻², 10⁴] and in the limit: for c² = 0 the error falls all the way
to ψ → ∞; for c² = 0.1 the largest models are within 1.5% of the best; for c² = 0.5
and 1 the best size is intermediate (ψ ≈ 5–20) and the largest models are 9–41%
worse. A sweep of the theory over (φ, λ, σ²) (:func:`sweep`, chapter
``random_projections``) picked these values; φ < 1 also satisfies the c² = 0 and c² = 1
message but gives the high quality (c² = 0.1) an intermediate optimum 5% below the
largest model.

Each Pareto point plots the error of the width-m model trained on the mixture (y)
against the error of the same model trained on the n real samples only (x); colour =
log₁₀ψ; black lines: the Pareto frontier of each quality (points no other size beats
on both axes); open black marker: ψ → ∞. Below them, the same errors against ψ, the
ψ → ∞ value dotted. Theory at n = 500 at every scale; hollow markers with ± 2 s.e.
bars: simulation at a few sizes in ψ ∈ [10⁻², 10²], at n = 50 (smoke) or 500 (book,
paper), d = φn, of the very-low quality (c² = 1) and, on the same draws, of the fit to
the n real samples only (the x-axis). The latter is also the very-high quality
simulated: with c² = 0 and σ₂ = σ₁ the synthetic samples have the real distribution, so
a mixture of n real and perfect synthetic samples is a sample of n real ones (the
plot shows those points on the c² = 0 curves). dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from .. import _validate as V
from .. import plotting
from ..scale import current_scale
from ..setting import Setting
from ..theory import ridge
from ._rp import pareto_front, psi_grid, rp_vs_m, widths
from .report import THEOREM2
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
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# the theory rows have no simulation statistics, the ψ → ∞ rows no finite m and ψ
COLUMN_KINDS = {
    "kind": "text",
    "m": "number or null",
    "psi": "number or null",
    "stderr": "number or null",
    "p2_eff": "number or null",
    "theory_at_p2_eff": "number or null",
    "clean_sim": "number or null",
    "clean_stderr": "number or null",
    "excess": "number or null",
    "excess_stderr": "number or null",
}
QUALITIES = {0.0: ("s", "very high"), 0.1: ("D", "high"), 0.5: ("^", "low"), 1.0: ("*", "very low")}
# one colour per quality in the panels against ψ (the Pareto panels colour by ψ)
QUALITY_COLOURS = {0.0: "#1f77b4", 0.1: "#2ca02c", 0.5: "#ff7f0e", 1.0: "#d62728"}
SIM = {
    "smoke": dict(n=50, sim_points=4, trials=3, psi=[0.01, 100.0]),
    "book": dict(n=500, sim_points=7, trials=10, psi=[0.01, 100.0]),
    "paper": dict(n=500, sim_points=10, trials=30, psi=[0.01, 100.0]),
}
# Our choice of the parameters the caption does not give (see the module docstring).
PHI, LAM, SIGMA2 = 1.5, 1.0, 0.005
# The message as the chapter states it (our thresholds): the largest models are "best" when the ψ → ∞ error is
# within LARGEST_WITHIN of the lowest error over the ψ range and the limit; an intermediate size is "best" when
# the lowest error is at an interior ψ and the ψ → ∞ error is more than INTERMEDIATE_BEYOND above it.
LARGEST_WITHIN, INTERMEDIATE_BEYOND = 0.01, 0.05


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
        psi=[0.01, 1e4],
        psi_points=121,
        sim=SIM[scale],
        sim_c2=[1.0],
        dtype="float64",
    )


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    n, sim = c["n"], c["sim"]
    return dict(
        shows=f"the same diagram: theory ({THEOREM2}; points, one per ψ, and the ψ → ∞ limit) and simulations "
        f"(hollow, ± 2 s.e.) at {sim['sim_points']} sizes for c² = {fv(c['sim_c2'])} and for real data only "
        "(= c² = 0); one panel per p₂; below, the same errors against ψ",
        sizes=f"theory n = {n}, simulation n = {sim['n']}; d = φn = {round(c['phi'] * n)} (φ = {fv(c['phi'])}); "
        f"ψ = m/n from {fv(c['psi'][0])} to {fv(c['psi'][1])} ({c['psi_points']} values) and ψ → ∞ "
        f"(simulated: {fv(sim['psi'][0])} to {fv(sim['psi'][1])}); λ = {fv(c['lam'])}, σ² = {fv(c['sigma2'])}, "
        f"r² = {fv(c['r2'])}; p₂ ∈ {{{fv(c['p2'])}}}",
        runs=f"{sim['trials']} trials per simulated size",
        models="random projections (S_ij ~ N(0, 1/d)) with ridge on the m features; theory: our deterministic "
        "equivalent of Theorem 2; ψ → ∞: ridgeless ridge at φ (Theorem 1, λ = 0)",
        data=f"isotropic Gaussian; c² ∈ {{{fv(c['c2'])}}} for the four markers",
        differs="n = 500 and the four qualities are the caption's. d, λ, σ², the ψ range and the p₂ panels are our "
        "choice, made with a sweep of our Theorem 2 equivalent so that the caption's message holds for every ψ "
        "from 10⁻² to 10⁴ and as ψ → ∞",
    )


def limit(setting: Setting, n, p2) -> dict:
    """The ψ → ∞ limit of the random-projections error: ridgeless ridge (Theorem 1, λ = 0) at φ = d/n.

    For m ≫ d the width-m model is ridge on the inputs with penalty λd/m (chapter
    *Theorem 2: model size and collapse*), so as m → ∞ at fixed n and d our Theorem 2
    equivalent tends to Theorem 1 with λ = 0 (:func:`collapse_lib.theory.classical`): no
    approximation error, and the split of ζ into a floor part p₂²T₃ with
    T₃ = tr ΔΣ³(Σ + κ)⁻² at Theorem 1's κ and a design part.

    Parameters
    ----------
    setting : Setting
        The data model.
    n : float
        Sample size.
    p2 : array_like
        Synthetic fractions.

    Returns
    -------
    dict of numpy.ndarray
        ``error`` (mixed data), ``clean`` (p₂ = 0), ``zeta_floor``, ``zeta_design``, ``approx``
        (zeros), one entry per p₂; ``error`` is +inf at the interpolation threshold d = n.
    """
    p2 = np.atleast_1d(np.asarray(p2, dtype=float))
    th = ridge.classical(setting, n=float(n), p2=p2, lam=0.0)
    kappa = ridge.solve_kappa(setting, np.array([float(n)]), np.array([0.0]))
    t3 = ridge.traces(setting, np.array([float(n)]), np.array([0.0]), kappa)["t3"][0]
    floor = p2**2 * t3
    return dict(
        error=np.asarray(th.total, dtype=float),
        clean=np.broadcast_to(np.asarray(th.clean, dtype=float), p2.shape).copy(),
        zeta_floor=floor,
        zeta_design=np.asarray(th.zeta, dtype=float) - floor,
        approx=np.zeros_like(p2),
    )


def _theory(c, phi, lam, sigma2) -> pd.DataFrame:
    """Theory rows at n = c["n"] for every quality and p₂ of config ``c``, at the given φ, λ, σ².

    ``kind == "theory"``: our Theorem 2 equivalent on the ψ grid of ``c``; ``kind == "limit"``:
    its ψ → ∞ limit (:func:`limit`), with ``m`` and ``psi`` = +inf (null in a data file).
    """
    n = c["n"]
    d = int(round(phi * n))
    m_th = psi_grid(c["psi_points"], *c["psi"]) * n
    parts = []
    for c2 in c["c2"]:
        s = Setting.isotropic(d, r2=c["r2"], c2=c2, sigma2=sigma2)
        parts.append(rp_vs_m(s, n, m_th, None, c["p2"], lam, 1, 0, "cpu"))
        lim = limit(s, n, c["p2"])
        parts.append(
            pd.DataFrame(
                dict(kind="limit", m=np.inf, p2=np.asarray(c["p2"], dtype=float), stderr=np.nan, **lim)
            ).assign(n=float(n), psi=np.inf, d=d, lam=float(lam), c2=s.c2)
        )
    return pd.concat(parts, ignore_index=True)


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Theory and its ψ → ∞ limit at n = 500 for every quality and p₂; simulation for ``sim_c2`` at a few ψ."""
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
            widths(ns, sim["sim_points"], *sim["psi"]),
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
    """Best model size per quality and p₂ (theory only, milliseconds) for other choices of φ, λ, σ².

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
    """The facts behind the chapter's sentences on Figure 1: the best model size per (p₂, c²), from the theory.

    Parameters
    ----------
    table : pandas.DataFrame
        A table of :func:`compute` (its ``kind == "theory"`` rows, and its ``kind == "limit"``
        rows when present).

    Returns
    -------
    pandas.DataFrame
        One row per (p₂, c²) with ``quality`` (the caption's word), ``best_psi`` =
        argmin over the ψ grid of the mixed-data error E(ψ) (the y-axis), ``best_error``,
        ``position``: ``"top"`` if ``best_psi`` is the largest ψ of the grid, ``"bottom"`` if
        it is the smallest, ``"interior"`` otherwise; ``psi_min``, ``psi_max`` (the grid);
        ``front_psi_min``, ``front_psi_max`` (the ψ range of the Pareto frontier in the
        (clean error, mixed error) plane); ``limit_error`` E(ψ → ∞) (NaN without limit rows),
        ``top_excess`` = E(ψ_max)/E_best − 1 and ``limit_excess`` = E(∞)/E_best − 1, where
        E_best is the lowest error over the grid and the limit; and ``verdict``:
        ``"largest"`` when the limit is within :data:`LARGEST_WITHIN` of E_best (the
        largest models are best), ``"intermediate"`` when the grid minimum is interior and
        the limit is more than :data:`INTERMEDIATE_BEYOND` above it, ``"neither"``
        otherwise (with no limit rows, the top of the grid stands in for the limit).
    """
    th = table[table.kind == "theory"]
    lim = table[table.kind == "limit"] if "kind" in table else table.iloc[:0]
    rows = []
    for (p2, c2), g in th.groupby(["p2", "c2"]):
        g = g.sort_values("psi").reset_index(drop=True)
        err = g.error.to_numpy()
        i = int(np.argmin(err))
        position = "top" if i == len(g) - 1 else "bottom" if i == 0 else "interior"
        front = pareto_front(g.clean, g.error)
        at = lim[(lim.p2 == p2) & np.isclose(lim.c2, c2)]
        e_lim = float(at.error.iloc[0]) if len(at) else np.nan
        e_far = e_lim if len(at) else float(err[-1])
        e_best = min(float(err[i]), e_far)
        top_excess, far_excess = float(err[-1]) / e_best - 1, e_far / e_best - 1
        if far_excess <= LARGEST_WITHIN:
            verdict = "largest"
        elif position == "interior" and far_excess > INTERMEDIATE_BEYOND:
            verdict = "intermediate"
        else:
            verdict = "neither"
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
                limit_error=e_lim,
                top_excess=top_excess,
                limit_excess=e_lim / e_best - 1 if len(at) else np.nan,
                verdict=verdict,
            )
        )
    return pd.DataFrame(rows)


def _simulated(table, p2, c2) -> pd.DataFrame:
    """Simulated points of quality ``c2`` in panel ``p2``: ψ, x (real data only) and y (mixture), with s.e.

    A simulated quality gives its own rows. The very-high quality (c² = 0), when not
    simulated itself, is the real-only fit of a simulated quality: at c² = 0 the mixture is
    a sample of n real points (module docstring), so its error is ``clean_sim`` on both axes.
    """
    sim = table[(table.kind == "simulation") & (table.p2 == p2)]
    own = sim[np.isclose(sim.c2, c2)]
    if len(own):
        x, xs, y, ys = own.clean_sim, own.clean_stderr, own.error, own.stderr
    elif c2 == 0 and len(sim):
        own = sim[np.isclose(sim.c2, sim.c2.min())]
        x, xs, y, ys = own.clean_sim, own.clean_stderr, own.clean_sim, own.clean_stderr
    else:
        return pd.DataFrame(columns=["psi", "x", "x_se", "y", "y_se"])
    out = pd.DataFrame(dict(psi=own.psi, x=x, x_se=np.nan_to_num(xs), y=y, y_se=np.nan_to_num(ys)))
    return out.sort_values("psi").reset_index(drop=True)


def _log_axes(ax):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)


def _plain_ticks(axis, lo, hi):
    """Ticks at 1, 2, 3, 4, 5, 6, 8 × 10ᵏ within [lo, hi], written plainly (an error axis spans under a decade)."""
    ticks = [m * 10.0**k for k in range(-8, 3) for m in (1, 2, 3, 4, 5, 6, 8) if lo <= m * 10.0**k <= hi]
    if len(ticks) > 6:  # keep the axis readable at 400 px
        ticks = [t for t in ticks if round(t / 10.0 ** np.floor(np.log10(t))) in (1, 2, 5)]
    axis.set_ticks(ticks, [f"{t:g}" for t in ticks])
    axis.set_minor_formatter(NullFormatter())


def _pareto_panel(panel, ax, table, p2, vmin, vmax):
    th_all = table[table.kind == "theory"]
    lim_all = table[table.kind == "limit"]
    sc = None
    for c2, (mk, name) in QUALITIES.items():
        th = th_all[(th_all.p2 == p2) & np.isclose(th_all.c2, c2)].sort_values("psi").reset_index(drop=True)
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
            s=30 if mk == "*" else 16,
            lw=0.3,
            edgecolors="k",
            zorder=3,
            label=f"c² = {c2:g} ({name})",
        )
        fr = pareto_front(th.clean, th.error)
        ax.plot(th.clean[fr], th.error[fr], color="k", lw=1.3, zorder=4)
        lim = lim_all[(lim_all.p2 == p2) & np.isclose(lim_all.c2, c2)]
        if len(lim):
            ax.plot(lim.clean, lim.error, mk, ms=11 if mk == "*" else 8, mfc="white", mec="k", mew=1.3, zorder=6)
        sm = _simulated(table, p2, c2)
        if len(sm):
            ax.errorbar(
                sm.x,
                sm.y,
                xerr=2 * sm.x_se,
                yerr=2 * sm.y_se,
                fmt=mk,
                mfc="none",
                mec="crimson",
                ecolor="crimson",
                ms=9 if mk == "*" else 7,
                elinewidth=0.9,
                capsize=1.5,
                zorder=5,
            )
    lo = min(th_all.clean.min(), th_all.error.min()) * 0.9
    hi = max(th_all.clean.max(), th_all.error.max()) * 1.1
    ax.plot([lo, hi], [lo, hi], color="0.6", lw=0.8, ls=":", zorder=1)
    _log_axes(ax)
    for axis, lims in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        _plain_ticks(axis, *lims)
    ax.set_xlabel("error, trained on the n real samples only")
    ax.set_ylabel("error, trained\non the mixture")
    ax.set_title(f"$p_2$ = {p2:g}: Pareto diagram")
    if sc is not None:
        cb = panel.colorbar(sc, ax=ax, shrink=0.9)
        cb.set_label(r"$\log_{10}\psi$ ($\psi = m/n$)")


def _psi_panel(ax, table, p2):
    th_all = table[table.kind == "theory"]
    lim_all = table[table.kind == "limit"]
    psi_max = th_all.psi.max()
    edge = psi_max * 3.0  # where the ψ → ∞ markers sit, right of the grid
    for c2, (mk, name) in QUALITIES.items():
        th = th_all[(th_all.p2 == p2) & np.isclose(th_all.c2, c2)].sort_values("psi").reset_index(drop=True)
        if not len(th):
            continue
        col = QUALITY_COLOURS[c2]
        ax.plot(th.psi, th.error, color=col, lw=1.6, label=f"c² = {c2:g} ({name})")
        i = int(np.argmin(th.error.to_numpy()))
        ax.plot(th.psi[i], th.error[i], mk, ms=9 if mk == "*" else 6, color=col, mec="k", mew=0.6, zorder=5)
        lim = lim_all[(lim_all.p2 == p2) & np.isclose(lim_all.c2, c2)]
        if len(lim):
            e = float(lim.error.iloc[0])
            ax.axhline(e, color=col, lw=0.9, ls=":", zorder=1)
            ax.plot([edge], [e], mk, ms=10 if mk == "*" else 7, mfc="white", mec=col, mew=1.5, clip_on=False, zorder=6)
        sm = _simulated(table, p2, c2)
        if len(sm):
            ax.errorbar(
                sm.psi,
                sm.y,
                yerr=2 * sm.y_se,
                fmt=mk,
                mfc="none",
                mec="crimson",
                ecolor="crimson",
                ms=8 if mk == "*" else 6,
                elinewidth=0.9,
                capsize=1.5,
                zorder=6,
            )
    ax.axvline(1.0, color="0.5", lw=0.8, ls="--", zorder=1)
    _log_axes(ax)
    ax.set_xlim(th_all.psi.min() / 1.5, edge * 1.8)
    ticks = [t for t in 10.0 ** np.arange(-6, 9) if th_all.psi.min() <= t <= psi_max]
    ax.set_xticks(ticks + [edge], [f"$10^{{{int(np.log10(t))}}}$" for t in ticks] + [r"$\infty$"])
    ax.xaxis.set_minor_formatter(NullFormatter())
    _plain_ticks(ax.yaxis, *ax.get_ylim())
    ax.set_xlabel(r"$\psi = m/n$ (model size / samples)")
    ax.set_ylabel("error, trained\non the mixture")
    ax.set_title(f"$p_2$ = {p2:g}: error against model size")


def plot(table):
    p2s = sorted(table.p2.unique())
    k = len(p2s)
    fig, panels, axes = plotting.stacked(2 * k, heights=[4.0] * (k - 1) + [5.0] + [3.6] * (k - 1) + [5.0])
    th_all = table[table.kind == "theory"]
    vmin, vmax = np.log10(th_all.psi.min()), np.log10(th_all.psi.max())
    for j, p2 in enumerate(p2s):
        _pareto_panel(panels[j], axes[j], table, p2, vmin, vmax)
        _psi_panel(axes[k + j], table, p2)
    open_inf = Line2D([], [], ls="none", marker="o", ms=7, mfc="white", mec="k", mew=1.3)
    sim = Line2D([], [], ls="none", marker="o", ms=6, mfc="none", mec="crimson")
    h, lab = axes[k - 1].get_legend_handles_labels()
    plotting.legend_below(panels[k - 1], h + [open_inf, sim], lab + ["ψ → ∞", "simulation ± 2 s.e."], ncol=2)
    h, lab = axes[-1].get_legend_handles_labels()
    dotted = Line2D([], [], color="0.3", lw=0.9, ls=":")
    best = Line2D([], [], ls="none", marker="o", ms=6, color="0.5", mec="k", mew=0.6)
    plotting.legend_below(
        panels[-1],
        h + [best, dotted, sim],
        lab + ["lowest error", "ψ → ∞ (open marker at ∞)", "simulation ± 2 s.e."],
        ncol=2,
    )
    n, d, lam = int(th_all.n.iloc[0]), int(th_all.d.iloc[0]), float(th_all.lam.iloc[0])
    fig.suptitle(
        f"Random projections, isotropic, n = {n}, d = {d}, λ = {lam:g}.\n"
        f"Points and lines: {THEOREM2};\n"
        "black: Pareto frontiers; dotted: y = x;\n"
        "dashed: ψ = 1 (m = n)"
    )
    return fig
