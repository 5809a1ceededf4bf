"""Mixing explorable: weighted mixing against α and iterative mixing against the round.

Controls: n₁, n₂ (drop-downs), c², the number of rounds and fresh relabelling
noise (isotropic Σ, d = 50, r² = 1, σ² = 0.25, λ = 10⁻⁴: the chapter's setting).

What is computed where, and why. The mismatch δ = w₂* − w₁* enters the error only
through its own term, which is linear in Δ and so in c²
(:mod:`collapse_lib.theory.mixing`): weighted mixing has E = (B + V) + c²·ζ₁ and
iterative mixing Eₜ = (real bias + real noise + synthetic noise)_t + c²·(synthetic
bias at c² = 1)_t, while Clean and the t → ∞ limit do not depend on c². So the
library evaluates, at build time, those parts on the grid n₁ × n₂ (× α, × round,
× fresh noise) and the page adds c² times the δ part (:func:`weighted_terms`,
:func:`iterative_terms`: one formula, for the tests and for the page). The best
weight α* is a minimisation, not a linear combination: it is computed by
:func:`collapse_lib.theory.optimal_alpha` for every c² the slider can take
(0 to 2 in steps of 0.05).
"""

from __future__ import annotations

import altair as alt
import numpy as np

from ..setting import Setting
from ..theory.mixing import iterative_mixing, optimal_alpha, weighted_mixing
from . import parts, stored
from .embed import Explorable, dataset, stack
from .formula import fields, params

D, LAM, R2, SIGMA2 = 50, 1e-4, 1.0, 0.25
SIZES = (50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 100_000, 1_000_000)
N1_SIZES, N2_SIZES = SIZES[1:], SIZES
C2_GRID = parts.grid_values(0.0, 2.0, 0.05)
MAX_ROUNDS = 32  # the round-t theory is exact for every t; 32 rounds keep its FFT at 256² points
WIDTH = 600  # of each panel in JupyterLab; the site fits it to the column (static/explorables.js)


def alpha_grid() -> np.ndarray:
    """α on [0, 1]: 41 even steps plus points towards α = 1, where the best weight goes as n grows."""
    return np.unique(parts.significant(np.concatenate([np.linspace(0, 1, 41), 1 - np.geomspace(1e-4, 2e-2, 12)])))


#: Relative precision of the round-t theory's parts: it extracts them by FFT
#: (:func:`collapse_lib.theory.iterative_mixing`), which leaves ~10⁻¹⁶ of a part's largest value as noise in
#: every round (values of 10⁻²⁸, of either sign, once the true part has decayed below it).
PRECISION = 1e-12


def resolved(part: np.ndarray) -> np.ndarray:
    """``part`` (rounds on the last axis) with the values below :data:`PRECISION` times its largest magnitude
    over the rounds set to 0: not resolved by the computation (the page leaves them off its log axis)."""
    part = np.asarray(part, dtype=float)
    scale = np.max(np.abs(part), axis=-1, keepdims=True)
    return np.where(np.abs(part) >= PRECISION * scale, part, 0.0)


def weighted_terms(x: dict, c2) -> dict:
    """Weighted mixing: total = (B + V) + c²ζ₁ (``x``: columns ``base``, ``z``; numbers, arrays or Syms)."""
    return dict(total=x["base"] + c2 * x["z"])


def iterative_terms(x: dict, c2) -> dict:
    """Iterative mixing at round t: total = base + c²·sb, synthetic bias c²·sb, relabelling noise sn."""
    return dict(total=x["base"] + c2 * x["sb"], synthetic_bias=c2 * x["sb"], synthetic_noise=x["sn"])


def _setting(c2: float) -> Setting:
    return Setting.isotropic(D, r2=R2, c2=c2, sigma2=SIGMA2)


def tables(n1_sizes=N1_SIZES, n2_sizes=N2_SIZES, c2_grid=C2_GRID) -> dict:
    """The page's data: weighted (n1, n2, a, base, z), iterative (n1, n2, fresh, t, base, sb, sn),
    scalars (n1, n2, fresh, clean, limit, pool_base, pool_z) and best weights (n1, n2, c2, alpha, err),
    for every pair of ``n1_sizes`` × ``n2_sizes`` (the menus) and every c² of ``c2_grid`` (the slider)."""
    unit_st = _setting(1.0)  # c² = 1: the δ part is the c² coefficient, the rest does not depend on c²
    n1, n2 = (g.ravel() for g in np.meshgrid(np.array(n1_sizes, float), np.array(n2_sizes, float), indexing="ij"))
    al = alpha_grid()
    w1 = weighted_mixing(unit_st, n1[:, None], n2[:, None], al, LAM)
    rep = lambda a, k: np.repeat(a, k)  # noqa: E731
    weighted = dict(
        n1=rep(n1, al.size).astype(int),
        n2=rep(n2, al.size).astype(int),
        a=np.tile(al, n1.size),
        base=(w1.bias + w1.variance).ravel(),
        z=w1.zeta.ravel(),
    )
    p1 = n1 / (n1 + n2)
    pool = weighted_mixing(unit_st, n1, n2, p1, LAM)
    t = np.arange(MAX_ROUNDS + 1)
    runs = {fresh: iterative_mixing(unit_st, n1, n2, MAX_ROUNDS, LAM, relabel_noise=bool(fresh)) for fresh in (1, 0)}
    iterative = stack(
        dict(
            n1=rep(n1, t.size).astype(int),
            n2=rep(n2, t.size).astype(int),
            fresh=fresh,
            t=np.tile(t, n1.size),
            base=(it.real_bias + it.real_noise + resolved(it.synthetic_noise)).ravel(),
            sb=resolved(it.synthetic_bias).ravel(),
            sn=resolved(it.synthetic_noise).ravel(),
        )
        for fresh, it in runs.items()
    )
    scalars = stack(
        dict(
            n1=n1.astype(int),
            n2=n2.astype(int),
            fresh=fresh,
            clean=np.ravel(it.clean),
            limit=np.ravel(it.limit),
            pool_base=pool.bias + pool.variance,
            pool_z=pool.zeta,
        )
        for fresh, it in runs.items()
    )
    c2s = np.repeat(np.asarray(c2_grid, float), n1.size)  # every pair at each c² of the slider, in one solve
    opt = optimal_alpha(unit_st, np.tile(n1, len(c2_grid)), np.tile(n2, len(c2_grid)), LAM, c2=c2s)
    best = dict(
        n1=np.tile(n1, len(c2_grid)).astype(int), n2=np.tile(n2, len(c2_grid)).astype(int), c2=c2s, alpha=opt.alpha
    )
    best["err"] = opt.error
    return dict(weighted=weighted, iterative=iterative, scalars=scalars, best=best)


def stored_key() -> dict:
    """What :func:`tables` computes from besides the theory: its grids and constants (:mod:`.stored`)."""
    return dict(
        D=D, LAM=LAM, R2=R2, SIGMA2=SIGMA2, N1_SIZES=N1_SIZES, N2_SIZES=N2_SIZES, C2_GRID=C2_GRID,
        MAX_ROUNDS=MAX_ROUNDS, alpha=alpha_grid(), PRECISION=PRECISION,
    )  # fmt: skip


def stored_tables() -> dict:
    """:func:`tables` on the default grids, read from the shipped file when it is current (:mod:`.stored`)."""
    return stored.shipped("mixing")


def explorable() -> Explorable:
    """Weighted mixing against α and iterative mixing against the round, for the chosen n₁, n₂, c², rounds."""
    controls = [
        parts.select("n1", "n₁ (real samples)", N1_SIZES, 200),
        parts.select("n2", "n₂ (synthetic samples)", N2_SIZES, 1_000),
        parts.slider("c2", "c² (synthetic quality, 0 = perfect)", 0.0, 2.0, 0.05, 0.5),
        parts.slider("rounds", "rounds of iterative mixing", 1, MAX_ROUNDS, 1, 20),
        parts.checkbox("fresh", "fresh relabelling noise each round", True),
        parts.derived("p1", "n1 / (n1 + n2)"),
    ]
    data, store = {}, {}
    for key, columns in stored_tables().items():
        ref, entry = dataset(key, columns)
        data[key] = alt.Data(**ref)
        store.update(entry)
    pick = "datum.n1 == n1 && datum.n2 == n2"
    pick_fresh = pick + " && datum.fresh == (fresh ? 1 : 0)"
    c2 = params("c2")["c2"]
    wt = weighted_terms(fields("base", "z"), c2)
    it = iterative_terms(fields("base", "sb", "sn"), c2)
    pool = weighted_terms({"base": fields("pool_base")["pool_base"], "z": fields("pool_z")["pool_z"]}, c2)
    y_err = alt.Y(
        "value:Q", scale=parts.log_scale(), axis=parts.axis_log("test error E (label noise excluded)", -24, 2)
    )

    # --- left/top: weighted mixing against α
    w_base = alt.Chart(data["weighted"]).transform_filter(pick).transform_calculate(value=str(wt["total"]))
    w_line = (
        w_base.mark_line(color="#d62728", strokeWidth=2)
        .encode(
            x=alt.X("a:Q", axis=alt.Axis(title="weight α on the real data"), scale=alt.Scale(domain=[0, 1])), y=y_err
        )
        .properties(name="weighted_curve")
    )
    w_tip = [alt.Tooltip("a:Q", format=".4~f", title="α"), alt.Tooltip("value:Q", format=".4~e", title="E")]
    w_hover = parts.hover_rule(w_base, "a", w_tip, name="hover_alpha").encode(x="a:Q")
    scal = alt.Chart(data["scalars"]).transform_filter(pick_fresh)
    clean_rule = (
        scal.transform_calculate(value="datum.clean")
        .mark_rule(color="black", strokeDash=[6, 3])
        .encode(y="value:Q", tooltip=[alt.Tooltip("value:Q", format=".4~e", title="Clean (α = 1)")])
    )
    pool_pt = (
        scal.transform_calculate(value=str(pool["total"]), a="p1")
        .mark_point(shape="square", size=120, stroke="#1f77b4", strokeWidth=2.5, filled=False)
        .encode(
            x="a:Q",
            y="value:Q",
            tooltip=[
                alt.Tooltip("a:Q", format=".3f", title="pooling α = p₁"),
                alt.Tooltip("value:Q", format=".4~e", title="E"),
            ],
        )
        .properties(name="pooling")
    )
    best_pt = (
        alt.Chart(data["best"])
        .transform_filter(pick + " && " + parts.snapped("c2", "c2"))
        .transform_calculate(value="datum.err", a="datum.alpha")
        .mark_point(shape="diamond", size=200, filled=True, color="#d62728", stroke="black", strokeWidth=0.8)
        .encode(
            x="a:Q",
            y="value:Q",
            tooltip=[
                alt.Tooltip("a:Q", format=".4f", title="best α*"),
                alt.Tooltip("value:Q", format=".4~e", title="E at α*"),
            ],
        )
        .properties(name="best")
    )
    weighted = alt.layer(w_line, w_hover, clean_rule, pool_pt, best_pt).properties(
        width=WIDTH,
        height=300,
        title=alt.TitleParams(
            text={
                "expr": "['Weighted mixing: n₁ = ' + format(n1, ',') + ', n₂ = ' + format(n2, ',')"
                " + ', c² = ' + format(c2, '.2f'), 'best α* ◆, pooling α = p₁ □, Clean (α = 1) dashed']"
            }
        ),
    )

    # --- right/bottom: iterative mixing against the round
    i_base = (
        alt.Chart(data["iterative"])
        .transform_filter(pick_fresh + " && datum.t <= rounds")
        .transform_calculate(**{k: str(v) for k, v in it.items()})
    )
    names = {
        "total": "iterative mixing Eₜ",
        "synthetic_bias": "… its synthetic bias",
        "synthetic_noise": "… its relabelling noise",
    }
    x_t = alt.X("t:Q", axis=parts.axis_integer("round t", "rounds"))
    i_lines = (
        i_base.transform_fold(list(names), as_=["part", "value"])
        .transform_calculate(label=" + ".join(f"(datum.part == '{k}' ? '{v}' : '')" for k, v in names.items()))
        .transform_filter("datum.value > 0")
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.8)
        .encode(
            x=x_t,
            y=y_err,
            color=alt.Color(
                "label:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=["#9467bd", "#ff7f0e", "#2ca02c"]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
        )
        .properties(name="iterative_curves")
    )
    i_tip = [
        alt.Tooltip("t:Q", title="round"),
        alt.Tooltip("total:Q", format=".4~e", title="Eₜ"),
        alt.Tooltip("synthetic_bias:Q", format=".4~e", title="synthetic bias"),
        alt.Tooltip("synthetic_noise:Q", format=".4~e", title="relabelling noise"),
    ]
    i_hover = parts.hover_rule(i_base, "t", i_tip, name="hover_round").encode(x="t:Q")
    limit_rule = (
        scal.transform_calculate(value="datum.limit")
        .mark_rule(color="#9467bd", strokeDash=[2, 2], strokeWidth=1.5)
        .encode(y="value:Q", tooltip=[alt.Tooltip("value:Q", format=".4~e", title="limit t → ∞")])
    )
    iterative = alt.layer(i_lines, i_hover, clean_rule, limit_rule).properties(
        width=WIDTH,
        height=300,
        title=alt.TitleParams(
            text={
                "expr": (
                    "['Iterative mixing' + (fresh ? ' (fresh relabelling noise)' : ' (no relabelling noise)'), "
                    "'Clean dashed, limit t → ∞ dotted']"
                )
            }
        ),
    )
    chart = (
        alt.vconcat(weighted, iterative)
        .add_params(*controls)
        .resolve_scale(y="independent", x="independent")
        .properties(datasets=store)
    )
    return Explorable.from_spec("mixing", parts.finish(chart))


__all__ = [
    "C2_GRID",
    "D",
    "LAM",
    "MAX_ROUNDS",
    "N1_SIZES",
    "N2_SIZES",
    "PRECISION",
    "alpha_grid",
    "explorable",
    "iterative_terms",
    "resolved",
    "stored_key",
    "stored_tables",
    "tables",
    "weighted_terms",
]
