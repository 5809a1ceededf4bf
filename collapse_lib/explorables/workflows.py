"""Workflows explorable: Eₜ over generations and the error against n after T generations.

Controls: σ² (label noise of real and model-made labels, σ₁² = σ₂² = σ²), λ, n,
p₂ (mix only) and the number of generations T; isotropic Σ, d = 50, r² = 1 (the
static figures' setting).

What is computed where, and why. The deterministic equivalent of
:func:`collapse_lib.theory.workflow` (the chapter's eqs. wf-K and wf-C) is linear in
its sources: with σ₁² = σ₂² = σ²,

    E_t = b_t + σ²·v_t,

b_t the shrinkage of w₁* and v_t the label noise at unit variance (real plus
model-made), neither depending on σ². And E_t does not depend on the generations
after t (the equivalent is causal). So the library evaluates, at build time,
b_t and v_t for t = 0 … :data:`MAX_GENERATIONS`, for every workflow, every λ and p₂
of the controls and every n of :data:`SIZES` (:func:`table`, through
:func:`collapse_lib.theory.workflow_table` at unit noise); the page adds σ² times
the noise part (:func:`terms`: one formula, for the tests and for the page) and
keeps the generations up to T. σ² and T are therefore exact at any value; n, λ and
p₂ snap to their grids (the equivalent is not linear in them).

The table is stored wide, one row per (workflow, p₂, λ, n) with columns
b0 … bT, v0 … vT (half the bytes of one row per generation); the page unfolds it
with Vega-Lite's ``fold`` and ``pivot``.
"""

from __future__ import annotations

import altair as alt
import numpy as np

from ..setting import Setting
from ..theory.workflow import KINDS
from ..theory.workflow_table import workflow_table
from . import parts, stored
from .embed import Explorable, dataset
from .formula import fields, params

D, R2 = 50, 1.0
#: n per generation: 1-1.5-2-3-5-7 a decade, from d/5 to 10⁵ (d = 50 and the figures' n = 4d included).
SIZES = tuple(int(m * 10**e) for e in range(1, 5) for m in (1, 1.5, 2, 3, 5, 7)) + (100_000,)
LOG_LAMS = parts.grid_values(-4.0, 0.0, 1.0)
#: p₂ of mix: the chapter's values and the approach to p₂ = 1 (= replace), where the floor E_clean/(1 − p₂²) grows.
P2S = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
MAX_GENERATIONS = 20
MIX = KINDS.index("mix")
LABELS = {
    "replace": "replace",
    "accumulate": "accumulate",
    "accumulate-subsample": "accumulate-subsample",
    "mix": "mix (a fraction p₂ synthetic, the rest fresh real)",
}
CLEAN = "generation 0 (clean law)"
#: the static figures' colours (collapse_lib.figures.workflows.COLOURS: matplotlib's tab: palette)
COLOURS = {"replace": "#d62728", "accumulate": "#1f77b4", "accumulate-subsample": "#9467bd", "mix": "#2ca02c"}
#: top of panel (b): near n = d the error can grow geometrically over the generations (the chapter's
#: exceptions); those peaks run off the top, their values are in the hover read-out.
Y_MAX_N = 1e3
WIDTH = 600  # of each panel in JupyterLab; the site fits it to the column (static/explorables.js)


def terms(x: dict, sigma2) -> dict:
    """E_t from its unit-noise parts ``x`` (``b``, ``v``) and the label noise σ² (numbers, arrays or Syms).

    total = b + σ²v, bias = b, noise = σ²v (σ₁² = σ₂² = σ²; the linearity in the
    noise levels is the one :func:`collapse_lib.theory.workflow_table` uses).
    """
    noise = sigma2 * x["v"]
    return dict(total=x["b"] + noise, bias=x["b"], noise=noise)


def _unit_setting() -> Setting:
    return Setting.isotropic(D, r2=R2, sigma2=1.0)


def table(sizes=SIZES, log_lams=LOG_LAMS, p2s=P2S, generations: int = MAX_GENERATIONS) -> dict:
    """The page's data, one row per (workflow, p₂, λ, n): columns k (index in
    :data:`~collapse_lib.theory.workflow.KINDS`), p (p₂; 0 for the workflows other
    than mix), ll (log₁₀ λ), n, then b0 … bT and v0 … vT (the bias and the unit-σ²
    noise of E_t, t = 0 … ``generations``)."""
    log_lams = np.asarray(log_lams, dtype=float)
    lams = 10.0**log_lams
    tab = workflow_table(_unit_setting(), np.asarray(sizes, float), lams, generations, sigma2=1.0, p2=list(p2s))
    tab = tab.assign(
        k=tab.kind.map(KINDS.index),
        p=tab.p2.fillna(0.0),
        v=tab.real_noise + tab.synthetic_noise,
        ll=tab.lam.map(dict(zip(lams, log_lams))),
    )
    wide = tab.pivot_table(index=["k", "p", "ll", "n"], columns="t", values=["bias", "v"], sort=True)
    keys = wide.index.to_frame(index=False)
    out = dict(k=keys.k.to_numpy(int), p=keys.p.to_numpy(float), ll=keys.ll.to_numpy(float), n=keys.n.to_numpy(int))
    for t in range(generations + 1):
        out[f"b{t}"] = wide[("bias", t)].to_numpy()
    for t in range(generations + 1):
        out[f"v{t}"] = wide[("v", t)].to_numpy()
    return out


def _unfolded(chart: alt.Chart, keep: str, generations: int) -> alt.Chart:
    """One row per (workflow, n, t) with b, v (``keep``: filter on t after the unfolding) and E_t at σ²."""
    cols = [f"{p}{t}" for p in "bv" for t in range(generations + 1)]
    e = terms(fields("b", "v"), params("s2")["s2"])
    label = " : ".join(f"datum.k == {i} ? '{LABELS[k]}'" for i, k in enumerate(KINDS)) + " : ''"
    return (
        chart.transform_fold(cols, as_=["key", "val"])
        .transform_calculate(part="substring(datum.key, 0, 1)", t="toNumber(substring(datum.key, 1))")
        .transform_filter(keep)
        .transform_pivot("part", value="val", groupby=["k", "n", "t"])
        .transform_calculate(**{k: str(v) for k, v in e.items()})
        .transform_calculate(label=label)
    )


def _legend_colour() -> alt.Color:
    domain = [LABELS[k] for k in KINDS] + [CLEAN]
    return alt.Color(
        "label:N",
        title=None,
        sort=domain,
        scale=alt.Scale(domain=domain, range=[COLOURS[k] for k in KINDS] + ["#111111"]),
        legend=alt.Legend(orient="bottom", direction="vertical", symbolType="stroke"),
    )


def _dash() -> alt.StrokeDash:
    domain = [LABELS[k] for k in KINDS] + [CLEAN]
    return alt.StrokeDash(
        "label:N", title=None, sort=domain, scale=alt.Scale(domain=domain, range=[[1, 0]] * len(KINDS) + [[2, 2]])
    )


def _by_workflow(base: alt.Chart, x: str, clean: bool) -> tuple[alt.Chart, list]:
    """Rows of ``base`` pivoted to one per ``x`` with a column per workflow (k0 … k3, and ``clean``): the hover data."""
    key = "datum.t == 0 ? 'clean' : 'k' + datum.k" if clean else "'k' + datum.k"
    wide = base.transform_calculate(key=key).transform_pivot("key", value="total", groupby=[x])
    tip = [alt.Tooltip(f"k{i}:Q", format=".4~e", title=kind) for i, kind in enumerate(KINDS)]
    if clean:
        tip.append(alt.Tooltip("clean:Q", format=".4~e", title="generation 0"))
    return wide, tip


def stored_key() -> dict:
    """What :func:`table` computes from besides the theory: its grids and constants (:mod:`.stored`)."""
    return dict(D=D, R2=R2, SIZES=SIZES, LOG_LAMS=LOG_LAMS, P2S=P2S, MAX_GENERATIONS=MAX_GENERATIONS, KINDS=KINDS)


def stored_table() -> dict:
    """:func:`table` on the default grids, read from the shipped file when it is current (:mod:`.stored`)."""
    return stored.shipped("workflows")


def explorable() -> Explorable:
    """E_t against the generation t at the chosen n, and the error after T generations against n; live σ², λ, n, p₂, T."""
    T = MAX_GENERATIONS
    controls = [
        parts.slider("s2", "σ² (label noise, real and model-made)", 0.0, 1.0, 0.01, 0.25),
        parts.slider("llam", "log₁₀ λ (ridge penalty)", float(LOG_LAMS[0]), float(LOG_LAMS[-1]), 1.0, -3.0),
        parts.select("n", "n (samples per generation)", SIZES, 4 * D),
        parts.select("p2", "p₂ (mix: synthetic fraction)", P2S, 0.75),
        parts.slider("gens", "generations T", 1, T, 1, T),
    ]
    ref, store = dataset("workflows", stored_table())
    data = alt.Data(**ref)
    pick = f"datum.ll == llam && (datum.k != {MIX} || {parts.snapped('p', 'p2')})"
    colour, dash = _legend_colour(), _dash()
    y_title = "test error E (label noise excluded)"
    y_axis = parts.axis_log(y_title, -8, 24)

    # --- top: E_t against t at the chosen n
    a_base = _unfolded(alt.Chart(data).transform_filter(pick + " && datum.n == n"), "datum.t <= gens", T)
    x_t = alt.X("t:Q", axis=parts.axis_integer("generation t", "gens"))
    a_lines = (
        a_base.mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2, clip=True)
        .encode(
            x=x_t, y=alt.Y("total:Q", scale=parts.log_scale(), axis=y_axis), color=colour, strokeDash=dash, order="t:Q"
        )
        .properties(name="curves_t")
    )
    a_clean = (
        a_base.transform_filter("datum.k == 0 && datum.t == 0")
        .transform_calculate(label=f"'{CLEAN}'")
        .mark_rule(strokeWidth=1.5)
        .encode(
            y="total:Q", color=colour, strokeDash=dash, tooltip=[alt.Tooltip("total:Q", format=".4~e", title=CLEAN)]
        )
        .properties(name="clean_t")
    )
    a_wide, a_tip = _by_workflow(a_base, "t", clean=False)
    a_hover = parts.hover_rule(a_wide, "t", [alt.Tooltip("t:Q", title="generation t")] + a_tip, name="hover_t").encode(
        x="t:Q"
    )
    top = alt.layer(a_lines, a_clean, a_hover).properties(
        width=WIDTH,
        height=300,
        title=alt.TitleParams(
            text={
                "expr": "['(a) Eₜ over generations, n = ' + format(n, ','), 'λ = ' + "
                f"{parts.power_text('llam')}"
                " + ', σ² = ' + format(s2, '.2f') + ', mix: p₂ = ' + p2]"
            }
        ),
    )

    # --- bottom: the error after T generations against n, with the clean law (t = 0)
    b_base = _unfolded(
        alt.Chart(data).transform_filter(pick), "datum.t == gens || (datum.t == 0 && datum.k == 0)", T
    ).transform_calculate(label=f"datum.t == 0 ? '{CLEAN}' : datum.label")
    x_n = alt.X("n:Q", scale=parts.log_scale(), axis=parts.axis_log("n (samples per generation)", 1, 5))
    b_lines = (
        b_base.mark_line(strokeWidth=2, clip=True)
        .encode(
            x=x_n,
            y=alt.Y("total:Q", scale=parts.log_scale(domainMax=Y_MAX_N), axis=y_axis),
            color=colour,
            strokeDash=dash,
            order="n:Q",
        )
        .properties(name="curves_n")
    )
    b_wide, b_tip = _by_workflow(b_base, "n", clean=True)
    b_hover = parts.hover_rule(
        b_wide, "n", [alt.Tooltip("n:Q", format=",d", title="n")] + b_tip, name="hover_n"
    ).encode(x=x_n)
    here = (
        alt.Chart(alt.Data(values=[{"z": 0}]))
        .transform_calculate(n="n")
        .mark_rule(color="grey", strokeDash=[4, 2], strokeWidth=1)
        .encode(x="n:Q", tooltip=[alt.Tooltip("n:Q", format=",d", title="n of panel (a)")])
    )
    peak = (
        alt.Chart(alt.Data(values=[{"n": D}]))
        .mark_rule(color="grey", strokeDash=[4, 2, 1, 2], opacity=0.6)
        .encode(x="n:Q", tooltip=[alt.Tooltip("n:Q", title="interpolation threshold n = d")])
    )
    bottom = alt.layer(b_lines, b_hover, here, peak).properties(
        width=WIDTH,
        height=300,
        title=alt.TitleParams(
            text={
                "expr": "['(b) error after T = ' + gens + (gens == 1 ? ' generation' : ' generations') + ' against n', "
                "'dashed: n of (a), dash-dot: n = d; cut at 10³']"
            }
        ),
    )

    chart = (
        alt.vconcat(top, bottom)
        .add_params(*controls)
        .resolve_scale(x="independent", y="independent")
        .properties(datasets=store)
    )
    return Explorable.from_spec("workflows", parts.finish(chart))


__all__ = [
    "CLEAN",
    "D",
    "KINDS",
    "LABELS",
    "LOG_LAMS",
    "MAX_GENERATIONS",
    "P2S",
    "R2",
    "SIZES",
    "explorable",
    "stored_key",
    "stored_table",
    "table",
    "terms",
]
