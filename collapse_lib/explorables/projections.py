"""Theorem 2 explorable: random projections against ψ = m/n, with p₂, c², σ², λ and φ = d/n as controls.

It opens at the setting of Figure 1 (:mod:`collapse_lib.figures.fig1`: n = 500, φ = 1.5,
λ = 1, σ² = 0.005, ψ from 10⁻² to 10⁴) at p₂ = 0.5 and the very-low quality c² = 1, and
every control can return there.

What is computed where, and why. μ (and so θ, u and every trace) does not depend
on p₂ or c² (:mod:`collapse_lib.theory.projections`), and with Γ = (r²/d)I,
Δ = (c²/d)I Theorem 2 is, with p₁ = 1 − p₂ and Δ̃ = Σ^½ΔΣ^½,

    A = r²·a,  B = r²·b,  V = (σ² + r²a + p₂c²·o)·u,
    ζ = c²·[p₂²T₃ + p₂u(p₁G₀ + p₂G₁)],   clean = r²(a + b) + (σ² + r²a)·u,   floor = c²p₂²F,

where the basis (computed for r² = c² = 1) is a = approximation error, b = bias,
u, T₃ = Σ δ̃(1 − 2a_j + b_j), o = Σ δ̃ o_j, G₀ = Σ δ̃(1 − o_j), G₁ = Σ δ̃(b_j − o_j)
and F = T₃ as n → ∞ (notation of the theory module). The ζ bracket is the
library's p₂²p₁uT₃ + p₂u(p₁²Σδ̃ + 2p₁p₂Σδ̃a + p₂²Σδ̃b − Σδ̃o) regrouped with p₁ + p₂ = 1
(the cubic terms in p₂ cancel), so the page adds no cancellation of its own.

The library evaluates the basis at build time on the grid λ × φ × ψ (n = 500,
isotropic Σ) and the page combines it with p₂, c² and σ² (all three enter linearly or
polynomially, so they are continuous controls) through :func:`terms`, one formula
evaluated in Python by the tests and as Vega expressions by the page.
"""

from __future__ import annotations

import altair as alt
import numpy as np

from ..setting import Setting
from ..theory.projections import random_projections, solve_mu, traces
from . import parts, stored
from .embed import Explorable, dataset, stack
from .formula import fields, params

N = 500
R2 = 1.0
LOG_LAMS = parts.grid_values(-6.0, 0.0, 1.0)
# φ = d/n offered (a drop-down): Figure 1's 1.5, Figures 4 and 5's 2, and both sides of the threshold φ = 1
PHIS = (0.1, 0.2, 0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 5.0, 10.0)
# The opening values: Figure 1's setting (figures.fig1.PHI, LAM, SIGMA2; a test checks they agree), p₂ = 0.5 (one
# of its panels) and its very-low quality c² = 1, where the best model size is intermediate
OPEN = dict(p2=0.5, c2=1.0, llam=0.0, phi=1.5, sigma2=0.005)
SIGMA2_MAX, SIGMA2_STEP = 0.5, 0.005
#: Tick labels of the Pareto diagram's log axes: two significant digits in decimal notation (20, 100, 0.05), never
#: "1e+2" beside "20".
PARETO_FORMAT = ".2~r"
WIDTH = 600  # of each panel in JupyterLab; the site fits it to the column (static/explorables.js)
BASIS = ("a", "b", "u", "t3", "o", "g0", "g1", "f")


def psi_grid() -> np.ndarray:
    """ψ from 10⁻² to 10⁴ (the range of Figure 1; at 10⁴ the curves have reached their ψ → ∞ limit to a
    fraction of a percent), 12 per decade, refined around the interpolation peak ψ = 1."""
    return np.unique(parts.significant(np.concatenate([np.geomspace(1e-2, 1e4, 73), np.geomspace(0.7, 1.4, 15)])))


def dimension(phi: float, n: int = N) -> int:
    """d = round(φn), at least 1 (the chapter's isotropic setting)."""
    return max(1, int(round(phi * n)))


def basis(setting: Setting, n, m, lam) -> dict:
    """Basis of Theorem 2 (module docstring) for ``setting`` with r² = c² = 1, broadcasting n, m, λ > 0."""
    n, m, lam = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (n, m, lam)))
    if np.any(lam <= 0):
        raise ValueError("lam must be > 0 for the explorable's basis")
    shape = n.shape
    n, m, lam = n.ravel(), m.ravel(), lam.ravel()
    T = traces(setting, n, m, lam, solve_mu(setting, n, m, lam))
    u = T["df2"] / T["gap"]  # gap = n − df₂ˢ without cancellation (theory.projections.traces)
    bias = np.maximum(T["bias_num"] * (n / T["gap"]), 0.0)
    floor = random_projections(setting, n, m, 1.0, lam).floor  # p₂ = 1, c² = 1: F itself
    out = dict(
        a=T["approx"],
        b=bias,
        u=u,
        t3=T["t3"],
        o=T["rho_delta"],
        g0=T["tdl"] - T["to"],
        g1=T["tb"] - T["to"],
        f=np.asarray(floor, dtype=float).ravel(),
    )
    return {k: v.reshape(shape) for k, v in out.items()}


def terms(x: dict, p2, c2, sigma2, r2) -> dict:
    """Theorem 2 from the basis ``x`` and the continuous controls (numbers, arrays or Syms); module docstring.

    Returns approx A, bias B, variance V, zeta ζ, zeta_floor p₂²c²T₃, clean (the
    total at p₂ = 0), total = A + B + V + ζ and floor (n → ∞ at fixed m).
    """
    p1 = 1 - p2
    approx, bias = r2 * x["a"], r2 * x["b"]
    variance = (sigma2 + approx + p2 * c2 * x["o"]) * x["u"]
    zeta_floor = c2 * p2**2 * x["t3"]
    zeta = zeta_floor + c2 * p2 * x["u"] * (p1 * x["g0"] + p2 * x["g1"])
    clean = approx + bias + (sigma2 + approx) * x["u"]
    return dict(
        approx=approx,
        bias=bias,
        variance=variance,
        zeta=zeta,
        zeta_floor=zeta_floor,
        clean=clean,
        total=approx + bias + variance + zeta,
        floor=c2 * p2**2 * x["f"],
    )


def table() -> dict:
    """The page's data: the basis on λ × φ × ψ (columns ll = log₁₀λ, phi, psi and the basis)."""
    psi = psi_grid()
    settings = {ph: Setting.isotropic(dimension(ph), r2=1.0, c2=1.0, sigma2=1.0) for ph in PHIS}
    return stack(
        dict(ll=ll, phi=ph, psi=psi, **basis(settings[ph], N, psi * N, 10.0**ll)) for ph in PHIS for ll in LOG_LAMS
    )


def stored_key() -> dict:
    """What :func:`table` computes from besides the theory: its grids and constants (:mod:`.stored`)."""
    return dict(N=N, R2=R2, LOG_LAMS=LOG_LAMS, PHIS=PHIS, psi=psi_grid(), d=[dimension(ph) for ph in PHIS])


def stored_table() -> dict:
    """:func:`table`, read from the shipped file when it is current (:mod:`.stored`)."""
    return stored.shipped("projections")


def explorable() -> Explorable:
    """Theorem 2 against ψ and the Pareto diagram (n = 500, isotropic Σ, r² = 1); live controls, opening at Figure 1."""
    from ..figures.report import THEOREM2  # the figures' name for this theory (imported here: it loads the figures)

    controls = [
        parts.slider("p2", "p₂ (synthetic fraction)", 0.0, 1.0, 0.05, OPEN["p2"]),
        parts.slider("c2", "c² (synthetic quality, 0 = perfect)", 0.0, 2.0, 0.05, OPEN["c2"]),
        parts.slider("sigma2", "σ² (label noise)", 0.0, SIGMA2_MAX, SIGMA2_STEP, OPEN["sigma2"]),
        parts.slider("llam", "log₁₀ λ (ridge penalty)", float(LOG_LAMS[0]), float(LOG_LAMS[-1]), 1.0, OPEN["llam"]),
        parts.select("phi", "φ = d/n", PHIS, OPEN["phi"], labels=[f"{p:g}" for p in PHIS]),
        parts.derived("d", f"max(1, round(phi * {N}))"),
    ]
    t = terms(fields(*BASIS), **params("p2", "c2", "sigma2"), r2=R2)
    shown = ("total", "clean", "approx", "zeta_floor", "zeta", "floor")
    base = (
        alt.Chart()
        .transform_filter(parts.snapped("ll", "llam") + " && " + parts.snapped("phi", "phi"))
        .transform_calculate(**{k: str(t[k]) for k in shown})
    )
    names = {
        "total": "E, real + synthetic",
        "clean": "E, real data only (p₂ = 0)",
        "approx": "approximation error A",
        "zeta_floor": "ζ floor part p₂²c²T₃",
    }
    colours = ["#d62728", "#111111", "#1f77b4", "#d62728"]
    dashes = [[1, 0], [6, 3], [1, 0], [2, 2]]
    x = alt.X(
        "psi:Q", scale=parts.log_scale(nice=False), axis=parts.axis_log("ψ = m/n (model size over sample size)", -2, 4)
    )
    y_axis = parts.axis_log("test error E (label noise excluded)", -8, 2)
    curves = (
        base.transform_fold(list(names), as_=["curve", "value"])
        .transform_calculate(label=_label_expr(names))
        .transform_filter("datum.value > 0")
        .mark_line(clip=True, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", scale=parts.log_scale(), axis=y_axis),
            color=alt.Color(
                "label:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=colours),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                "label:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=dashes),
            ),
        )
        .properties(name="psi_curves")
    )
    peak = alt.Chart(alt.Data(values=[{"psi": 1.0}])).mark_rule(color="grey", strokeDash=[4, 2, 1, 2]).encode(x="psi:Q")
    tip = [
        alt.Tooltip("psi:Q", format=".3~g", title="ψ"),
        alt.Tooltip("total:Q", format=".4~e", title="E mixed"),
        alt.Tooltip("clean:Q", format=".4~e", title="E real only"),
        alt.Tooltip("approx:Q", format=".4~e", title="A"),
        alt.Tooltip("zeta:Q", format=".4~e", title="ζ"),
    ]
    landscape = alt.layer(curves, parts.hover_rule(base, "psi", tip, name="hover_psi").encode(x=x), peak).properties(
        width=WIDTH,
        height=320,
        title=alt.TitleParams(
            text={
                "expr": f"['{THEOREM2}, n = {N}: d = ' + d + ', λ = ' + "
                f"{parts.power_text('llam')},"
                " 'p₂ = ' + format(p2, '.2f') + ', c² = ' + format(c2, '.2f') + ', σ² = ' + format(sigma2, '.3~f')]"
            }
        ),
    )
    pareto = _pareto(base)
    ref, store = dataset("basis", stored_table())
    chart = (
        alt.vconcat(landscape, pareto, data=alt.Data(**ref))
        .add_params(*controls)
        .resolve_scale(x="independent", y="independent", color="independent", strokeDash="independent")
        .properties(datasets=store)
    )
    return Explorable.from_spec("projections", parts.finish(chart))


def _label_expr(names: dict) -> str:
    return " + ".join(f"(datum.curve == '{k}' ? '{v}' : '')" for k, v in names.items())


def _pareto(base: alt.Chart) -> alt.LayerChart:
    """Error on real data only against error with synthetic data, one point per ψ; the Pareto frontier in black.

    A point is on the frontier when no smaller model-size choice has both errors
    lower: sorted by the clean error, its mixed error is the running minimum
    (as :func:`collapse_lib.figures._rp.pareto_front`, up to exact ties).
    """
    ranked = (
        base.transform_filter("datum.total > 0 && datum.clean > 0")
        .transform_window(runmin="min(total)", sort=[alt.SortField("clean"), alt.SortField("total")], frame=[None, 0])
        .transform_calculate(front="datum.total <= datum.runmin", lpsi="log(datum.psi) / LN10")
    )
    x = alt.X(
        "clean:Q",
        scale=parts.log_scale(nice=False, padding=8),
        axis=alt.Axis(title="error, real data only", format=PARETO_FORMAT, tickCount=5),
    )
    y = alt.Y(
        "total:Q",
        scale=parts.log_scale(nice=False, padding=8),
        axis=alt.Axis(title="error, real + synthetic", format=PARETO_FORMAT, tickCount=5),
    )
    tip = [
        alt.Tooltip("psi:Q", format=".3~g", title="ψ"),
        alt.Tooltip("clean:Q", format=".4~e", title="E real only"),
        alt.Tooltip("total:Q", format=".4~e", title="E mixed"),
    ]
    points = (
        ranked.mark_point(filled=True, size=40, stroke="black", strokeWidth=0.3)
        .encode(
            x=x,
            y=y,
            tooltip=tip,
            color=alt.Color(
                "lpsi:Q",
                scale=alt.Scale(scheme="viridis"),
                legend=alt.Legend(title="log₁₀ ψ", orient="bottom", gradientLength=200),
            ),
        )
        .properties(name="pareto_points")
    )
    front = (
        ranked.transform_filter("datum.front")
        .mark_line(color="black", strokeWidth=1.5)
        .encode(x=x, y=y, order="clean:Q")
        .properties(name="pareto_front")
    )
    best = (
        ranked.transform_window(rank="rank()", sort=[alt.SortField("total")])
        .transform_filter("datum.rank == 1")
        .transform_calculate(
            note="'lowest mixed error at ψ = ' + format(datum.psi, '.2~g') + "
            f"(datum.psi <= {psi_grid()[0]} || datum.psi >= {psi_grid()[-1]} ? ' (edge of the range shown)' : '')"
        )
    )
    star = best.mark_point(shape="diamond", size=160, color="#d62728", filled=True).encode(x=x, y=y)
    note = best.mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=12).encode(
        x=alt.value(0), y=alt.value(0), text="note:N"
    )
    return alt.layer(points, front, star, note).properties(
        width=WIDTH, height=300, title=alt.TitleParams("Pareto diagram (one point per ψ)")
    )


__all__ = [
    "BASIS",
    "LOG_LAMS",
    "N",
    "OPEN",
    "PHIS",
    "basis",
    "dimension",
    "explorable",
    "psi_grid",
    "stored_key",
    "stored_table",
    "table",
    "terms",
]
