"""Theorem 1 explorable: the test error against n, with p₂, c², λ and the spectrum exponent as controls.

What is computed where, and why. κ and u do not depend on p₂, c² or σ², and
with Γ = (r²/d)I, Δ = (c²/d)I Theorem 1 (the paper's Theorem 1, in the notation of
:mod:`collapse_lib.theory.ridge` and the chapter *Theorem 1 and strong model collapse*) is

    B = r²·b,   V = σ²·u,   ζ = c²·[p₂²(1 + p₁u)T₃ + p₂u(p₁²T₃ + 2p₁K₂ + K₁)],   floor = c²p₂²F

with the per-(n, λ) basis (computed for r² = c² = 1)

    b = κ² tr ΓΣ(Σ+κ)⁻² / (1 − df₂/n),   u = df₂/(n − df₂),
    T₃ = tr ΔΣ³(Σ+κ)⁻²,   K₂ = κ tr ΔΣ²(Σ+κ)⁻²,   K₁ = κ² tr ΔΣ(Σ+κ)⁻²,   F = T₃ at κ = λ.

So the library evaluates the basis at build time on a grid of the structural
controls (spectrum exponent α, λ) and of n, and the page combines it with the
continuous controls p₂ and c² through :func:`terms` (one formula, evaluated in
Python by the tests and turned into Vega expressions for the page): every
number on the page is Theorem 1 at the control values, to the 7 digits stored.
"""

from __future__ import annotations

import altair as alt
import numpy as np

from ..setting import Setting
from ..theory.ridge import solve_kappa, traces
from . import parts
from .embed import Explorable, dataset, stack
from .formula import fields, params

#: Controls and grids of the chapter's explorable.
D = 100
R2, SIGMA2 = 1.0, 0.25
ALPHAS = parts.grid_values(0.0, 2.0, 0.5)
LOG_LAMS = parts.grid_values(-6.0, 0.0, 0.5)
BASIS = ("b", "u", "t3", "k2", "k1", "f")


def n_grid(d: int = D) -> np.ndarray:
    """n from d/20 to 10⁹, 11 points a decade, refined around the interpolation peak n = d."""
    coarse = np.geomspace(d / 20, 1e9, 88)
    peak = np.geomspace(d / 2, 2 * d, 25)
    return np.unique(parts.significant(np.concatenate([coarse, peak])))


def basis(setting: Setting, n, lam) -> dict:
    """Per-(n, λ) basis of Theorem 1 (module docstring), broadcasting ``n`` > 0 and ``lam`` > 0.

    For ``setting`` with r² = c² = 1 (and any σ²), :func:`terms` with
    multipliers (r², c², σ²) gives Theorem 1 for Γ, Δ scaled by r², c² and both
    noise variances equal to σ². λ = 0 is excluded (its interpolation peak is
    infinite, which the page cannot draw).
    """
    n, lam = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(lam, dtype=float))
    if np.any(lam <= 0):
        raise ValueError("lam must be > 0 for the explorable's basis")
    shape = n.shape
    n, lam = n.ravel(), lam.ravel()
    kappa = solve_kappa(setting, n, lam)
    tr = traces(setting, n, lam, kappa)  # bounded ratios q = s/(s+κ), a = κ/(s+κ): see theory.ridge.traces
    floor = traces(setting, n, lam, lam)["t3"]  # tr ΔΣ³(Σ+λ)⁻²: the n → ∞ limit, κ → λ
    out = dict(b=tr["bias"], u=tr["df2"] / tr["gap"], t3=tr["t3"], k2=tr["t_qa"], k1=tr["t_aa"], f=floor)
    return {k: v.reshape(shape) for k, v in out.items()}


def terms(x: dict, p2, c2, sigma2, r2) -> dict:
    """Theorem 1 from the basis ``x`` and the continuous controls (numbers, arrays or :class:`~.formula.Sym`).

    B = r²b, V = σ²u, ζ = c²[p₂²(1 + p₁u)T₃ + p₂u(p₁²T₃ + 2p₁K₂ + K₁)],
    clean = B + V, total = clean + ζ, floor = c²p₂²F (paper Theorem 1 and the
    floor of its Corollary; :func:`collapse_lib.theory.classical`).
    """
    p1 = 1 - p2
    bias = r2 * x["b"]
    variance = sigma2 * x["u"]
    zeta = c2 * (p2**2 * (1 + p1 * x["u"]) * x["t3"] + p2 * x["u"] * (p1**2 * x["t3"] + 2 * p1 * x["k2"] + x["k1"]))
    clean = bias + variance
    return dict(bias=bias, variance=variance, zeta=zeta, clean=clean, total=clean + zeta, floor=c2 * p2**2 * x["f"])


def table() -> dict:
    """The page's data: the basis on the grid α × λ × n, as columns (plus the grid columns a, ll, n)."""
    n = n_grid()
    settings = {a: Setting.power_law(D, float(a), r2=1.0, c2=1.0, sigma2=1.0) for a in ALPHAS}
    return stack(dict(a=a, ll=ll, n=n, **basis(settings[a], n, 10.0**ll)) for a in ALPHAS for ll in LOG_LAMS)


def explorable() -> Explorable:
    """Theorem 1 against n (d = 100, r² = 1, σ₁² = σ₂² = 0.25): total, clean law, floor; live controls."""
    controls = [
        parts.slider("lp2", "log₁₀ p₂ (synthetic fraction)", -4.0, 0.0, 0.05, -2.0),
        parts.checkbox("clean", "p₂ = 0 (clean data only)"),
        parts.slider("c2", "c² (synthetic quality, 0 = perfect)", 0.0, 2.0, 0.05, 0.5),
        parts.slider("llam", "log₁₀ λ (ridge penalty)", float(LOG_LAMS[0]), float(LOG_LAMS[-1]), 0.5, -6.0),
        parts.slider("alpha", "α (spectrum decay, 0 = isotropic)", float(ALPHAS[0]), float(ALPHAS[-1]), 0.5, 0.0),
        parts.derived("p2", "clean ? 0 : pow(10, lp2)"),
    ]
    t = terms(fields(*BASIS), **params("p2", "c2"), sigma2=SIGMA2, r2=R2)
    base = (
        alt.Chart()
        .transform_filter(parts.snapped("a", "alpha") + " && " + parts.snapped("ll", "llam"))
        .transform_calculate(**{k: str(t[k]) for k in ("total", "clean", "zeta", "floor")})
    )
    names = {
        "total": "E = B + V + ζ (mixed data)",
        "clean": "clean law B + V (p₂ = 0)",
        "floor": "floor p₂² tr ΔΣ³(Σ+λ)⁻²",
    }
    x = alt.X("n:Q", scale=parts.log_scale(), axis=parts.axis_log("n (training samples)", 0, 9))
    curves = (
        base.transform_fold(list(names), as_=["curve", "value"])
        .transform_calculate(label=" + ".join(f"(datum.curve == '{k}' ? '{v}' : '')" for k, v in names.items()))
        .transform_filter("datum.value > 0")
        .mark_line(clip=True, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q",
                scale=parts.log_scale(domainMax=10),
                axis=parts.axis_log("test error E (label noise excluded)", -12, 1),
            ),
            color=alt.Color(
                "label:N",
                sort=list(names.values()),
                title=None,
                scale=alt.Scale(domain=list(names.values()), range=["#d62728", "#111111", "#d62728"]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                "label:N",
                sort=list(names.values()),
                title=None,
                scale=alt.Scale(domain=list(names.values()), range=[[1, 0], [6, 3], [2, 2]]),
            ),
        )
        .properties(name="curves")
    )
    peak = alt.Chart(alt.Data(values=[{"n": D}])).mark_rule(color="grey", strokeDash=[4, 2, 1, 2]).encode(x="n:Q")
    tip = [
        alt.Tooltip("n:Q", format=",.4~g", title="n"),
        alt.Tooltip("total:Q", format=".4~e", title="E (mixed)"),
        alt.Tooltip("clean:Q", format=".4~e", title="clean B + V"),
        alt.Tooltip("zeta:Q", format=".4~e", title="ζ"),
        alt.Tooltip("floor:Q", format=".4~e", title="floor"),
    ]
    hover = parts.hover_rule(base, "n", tip).encode(x=x)
    title = alt.TitleParams(
        text={
            "expr": f"['Theorem 1, d = {D}: α = ' + alpha + ', λ = ' + {parts.power_text('llam')},"
            " 'p₂ = ' + format(p2, '.3~g') + ', c² = ' + format(c2, '.2f')]"
        }
    )
    ref, store = dataset("basis", table())
    chart = (
        alt.layer(curves, hover, peak, data=alt.Data(**ref))
        .add_params(*controls)
        .properties(width="container", height=380, title=title, datasets=store)
    )
    return Explorable.from_spec("theorem1", parts.finish(chart))


__all__ = ["ALPHAS", "BASIS", "D", "LOG_LAMS", "basis", "explorable", "n_grid", "table", "terms"]
