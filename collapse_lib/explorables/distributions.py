"""Data-model explorable: the spectrum of Σ and one mixed training set, with c², α and p₂ as controls.

What is computed where, and why. The panel shows one draw of
:func:`collapse_lib.sample` (n = 300, d = 100, seed 7, r² = 1, σ₁² = σ₂² = 0.25,
power-law spectrum with exponent α). For a fixed seed the draw is built from the
same normal numbers whatever c² and p₂ are: w₁*, then δ = √c²·δ₁ (δ₁ the mismatch at
c² = 1), then X (which depends on α), then the noise ε. The last round(p₂n) rows
are synthetic. So row i has the label

    yᵢ = xᵢᵀw₁* + εᵢ + [i ≥ n − round(p₂n)]·√c²·xᵢᵀδ₁,

and the library computes xᵢᵀw₁*, xᵢᵀδ₁, εᵢ at build time for every α of the
slider (:func:`table`); the page applies the formula above (:func:`labels`), which
is :func:`collapse_lib.sample` exactly (the tests check it). The legend's
variances are the page's own statistics of the drawn points; the expected
values are σ² and σ² + δᵀΣδ = σ² + c²·δ₁ᵀΣδ₁.
"""

from __future__ import annotations

import altair as alt
import numpy as np

from ..sampling import prediction_error, sample
from ..setting import Setting
from . import parts
from .embed import Explorable, dataset, stack
from .formula import at_least, fields, params, rounded

D, N, SEED = 100, 300, 7
R2, SIGMA2 = 1.0, 0.25
ALPHAS = parts.grid_values(0.0, 3.0, 0.25)
WIDTH = 600  # of each panel in JupyterLab; the site fits it to the column (static/explorables.js)
REAL_C, SYNTH_C = "#1f77b4", "#ff7f0e"


def _draw(alpha: float, c2: float, p2: float):
    return sample(Setting.power_law(D, alpha, r2=R2, c2=c2, sigma2=SIGMA2), N, p2, seed=SEED)


def parts_of_draw(alpha: float) -> dict:
    """x_iᵀw₁*, x_iᵀδ₁ (δ at c² = 1), ε_i for the chapter's draw at spectrum exponent ``alpha``, and δ₁ᵀΣδ₁."""
    unit = _draw(alpha, 1.0, 1.0)  # every row synthetic: y = Xw₂* + ε
    setting = Setting.power_law(D, alpha, r2=R2, c2=1.0, sigma2=SIGMA2)
    real = unit.X @ unit.w1
    mismatch = unit.X @ (unit.w2 - unit.w1)
    noise = unit.y - unit.X @ unit.w2
    return dict(a=real, b=mismatch, e=noise, gap=prediction_error(setting, unit.w2, unit.w1))


def labels(x: dict, i, c2, p2, n: int = N) -> dict:
    """Training label y and source of row ``i`` (module docstring); numbers, arrays or Syms.

    ``synthetic`` is 1 for the last round(p₂n) rows. Vega's ``round`` rounds
    halves up and Python's to even, but p₂n is never a half here (p₂ moves in
    steps of 0.01 and n = 300).
    """
    synthetic = at_least(i, n - rounded(p2 * n))
    return dict(y=x["a"] + x["e"] + synthetic * c2**0.5 * x["b"], synthetic=synthetic)


def tables() -> dict:
    """The page's data: rows (al, i, a, b, e), spectra (al, j, s) and per-α δ₁ᵀΣδ₁ (al, gap)."""
    draws = {al: parts_of_draw(float(al)) for al in ALPHAS}
    return dict(
        rows=stack(dict(al=al, i=np.arange(N), a=x["a"], b=x["b"], e=x["e"]) for al, x in draws.items()),
        spectra=stack(dict(al=al, j=np.arange(1, D + 1), s=Setting.power_law(D, float(al)).spectrum) for al in ALPHAS),
        gaps=stack(dict(al=al, gap=x["gap"]) for al, x in draws.items()),
    )


def explorable() -> Explorable:
    """Spectrum of Σ and the labels of one mixed draw against the real labels; live c², α, p₂."""
    controls = [
        parts.slider("lc2", "log₁₀ c² (synthetic quality)", -2.0, 1.0, 0.05, -0.3),
        parts.slider("alpha", "α (spectrum decay, 0 = isotropic)", float(ALPHAS[0]), float(ALPHAS[-1]), 0.25, 1.0),
        parts.slider("p2", "p₂ (synthetic fraction)", 0.0, 1.0, 0.01, 0.3),
        parts.derived("c2", "pow(10, lc2)"),
        parts.derived("lim", f"ceil(3.5 * sqrt({R2} + {SIGMA2} + c2))"),  # axis range: 3.5 s.d. of the widest labels
    ]
    data, store = {}, {}
    for key, columns in tables().items():
        ref, entry = dataset(key, columns)
        data[key] = alt.Data(**ref)
        store.update(entry)
    lab = labels(fields("a", "b", "e"), fields("i")["i"], **params("c2", "p2"))
    snap = parts.snapped("al", "alpha")

    spec_line = (
        alt.Chart(data["spectra"])
        .transform_filter(snap)
        .mark_line(color="#9467bd", strokeWidth=2)
        .encode(
            x=alt.X("j:Q", scale=parts.log_scale(), axis=parts.axis_log("index j", 0, 2)),
            y=alt.Y(
                "s:Q", scale=parts.log_scale(domain=[1e-5, 2 * D]), axis=parts.axis_log("eigenvalue sⱼ of Σ", -5, 2)
            ),
            tooltip=[alt.Tooltip("j:Q", title="j"), alt.Tooltip("s:Q", format=".4~g", title="sⱼ")],
        )
    )
    iso = (
        alt.Chart(data["spectra"])
        .transform_filter("datum.al == 0")
        .mark_line(color="black", strokeDash=[5, 3], strokeWidth=1)
        .encode(x="j:Q", y="s:Q")
    )
    spectrum = alt.layer(iso, spec_line).properties(
        width=WIDTH,
        height=200,
        title=alt.TitleParams(text={"expr": "'Spectrum of Σ: α = ' + format(alpha, '.2f') + ' (dashed: isotropic)'"}),
    )

    rows = (
        alt.Chart(data["rows"])
        .transform_filter(snap)
        .transform_calculate(y=str(lab["y"]), synthetic=str(lab["synthetic"]))
        .transform_calculate(source="datum.synthetic == 1 ? 'synthetic' : 'real'", resid="datum.y - datum.a")
    )
    lim = alt.Scale(domainMin={"expr": "-lim"}, domainMax={"expr": "lim"}, nice=False)
    points = (
        rows.mark_circle(size=22, opacity=0.65, clip=True)
        .encode(
            x=alt.X("a:Q", scale=lim, axis=alt.Axis(title="real label xᵀw₁* (label units)")),
            y=alt.Y("y:Q", scale=lim, axis=alt.Axis(title="training label y (label units)")),
            color=alt.Color(
                "source:N", scale=alt.Scale(domain=["real", "synthetic"], range=[REAL_C, SYNTH_C]), legend=None
            ),
            tooltip=[
                alt.Tooltip("i:Q", title="row"),
                alt.Tooltip("source:N"),
                alt.Tooltip("a:Q", format=".3f", title="xᵀw₁*"),
                alt.Tooltip("y:Q", format=".3f", title="y"),
            ],
        )
        .properties(name="label_points")
    )
    diagonal = (
        alt.Chart(alt.Data(values=[{"a": -100, "y": -100}, {"a": 100, "y": 100}]))
        .mark_line(color="black", strokeDash=[5, 3], strokeWidth=1, clip=True)
        .encode(x="a:Q", y="y:Q")
    )
    stats = rows.transform_aggregate(count="count()", var="variancep(resid)", groupby=["source"])
    text = dict(align="left", baseline="top", fontSize=12, x=6)
    stat_lines = [
        stats.transform_filter(f"datum.source == '{src}'")
        .transform_calculate(line=f"'{src}: {nk} = ' + datum.count + ', variance ' + format(datum.var, '.3f')")
        .mark_text(y=6 + 18 * k, color=col, **text)
        .encode(text="line:N")
        .properties(name=f"stats_{src}")
        for k, (src, nk, col) in enumerate([("real", "n₁", REAL_C), ("synthetic", "n₂", SYNTH_C)])
    ]
    expected = (
        alt.Chart(data["gaps"])
        .transform_filter(snap)
        .transform_calculate(line=(f"'expected: {SIGMA2:g} and ' + format({SIGMA2} + c2 * datum.gap, '.3f')"))
        .mark_text(y=42, color="#444", **text)
        .encode(text="line:N")
    )
    title = alt.TitleParams(
        text={"expr": "'Training set: c² = ' + format(c2, '.3~g') + ', p₂ = ' + format(p2, '.2f')"},
        subtitle="variance of y − xᵀw₁*: blue real rows, orange synthetic",
    )
    scatter = alt.layer(points, diagonal, *stat_lines, expected).properties(
        width=WIDTH, height=WIDTH * 2 // 3, title=title
    )
    chart = (
        alt.vconcat(spectrum, scatter)
        .add_params(*controls)
        .resolve_scale(x="independent", y="independent", color="independent")
        .properties(datasets=store)
    )
    return Explorable.from_spec("distributions", parts.finish(chart))


__all__ = ["ALPHAS", "D", "N", "SEED", "explorable", "labels", "parts_of_draw", "tables"]
