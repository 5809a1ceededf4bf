"""The explorables (collapse_lib.explorables): the page's formulas reproduce the library, the specs compile.

What the page does with the data is checked in tests/browser/test_explorables.py;
here, without a browser:

* each exact combination (basis from the library + one formula) equals the
  library's theory at random control values, at and between hard points;
* the Vega expression generated from that formula computes the same numbers
  (evaluated here by a tiny interpreter for the expression subset we emit);
* the calculator's sizes agree with closed forms of the isotropic ridgeless case;
* every spec compiles with the Vega-Lite versions JupyterLab and the site use;
* the Sphinx extension writes a self-contained script and adds it only where needed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from types import SimpleNamespace

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.explorables import calculator, distributions, embed, mixing, projections, sphinx, theorem1, workflows
from collapse_lib.explorables.embed import (
    NOTEBOOK_WIDTH,
    SITE_VEGALITE_VERSION,
    VEGALITE_MIME,
    VEGALITE_VERSIONS,
    Explorable,
    csv_values,
    dataset,
    site_html,
)
from collapse_lib.explorables.formula import Sym, at_least, fields, params, rounded
from collapse_lib.theory.workflow import KINDS

vl_convert = pytest.importorskip("vl_convert")

RNG = np.random.default_rng(20250214)


def _close(got, ref, scale, rtol=1e-9):
    """|got − ref| ≤ rtol·scale elementwise (scale: the total error, so a tiny term's rounding does not count)."""
    got, ref, scale = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (got, ref, scale)))
    assert np.all(np.abs(got - ref) <= rtol * np.abs(scale)), np.max(np.abs(got - ref) / np.abs(scale))


def _vega_eval(code: str, datum: dict, **signals) -> float:
    """Evaluate the Vega expression subset the formulas emit: + − * /, pow, round, ?:, >=, datum.x, names."""
    py = code
    while "?" in py:  # innermost "(a >= b ? x : y)" → "(x if a >= b else y)"
        py = re.sub(r"\(([^()?]+?) \? ([^():]+?) : ([^()]+?)\)", r"((\2) if (\1) else (\3))", py, count=1)
    env = dict(
        pow=lambda a, b: float(a) ** float(b),
        round=lambda a: float(np.floor(a + 0.5)),
        datum=SimpleNamespace(**datum),
        **signals,
    )
    return float(eval(py, {"__builtins__": {}}, env))  # noqa: S307 - our own generated expressions


# ----------------------------------------------------------------------------- formula
def test_formula_builds_the_expression_it_computes():
    x = {"a": 0.7, "b": 2.5}
    f = lambda v, p: v["a"] * (1 - p) ** 2 + v["b"] / (2 + p) - 3 * p  # noqa: E731
    code = str(f(fields("a", "b"), Sym("p")))
    for p in (0.0, 0.3, 1.0):
        assert _vega_eval(code, x, p=p) == pytest.approx(f(x, p), rel=1e-15)
    assert str(at_least(Sym("datum.i"), 5)) == "(datum.i >= 5 ? 1 : 0)"
    assert list(at_least(np.arange(4), 2)) == [0, 0, 1, 1]
    assert str(rounded(Sym("q"))) == "round(q)"
    with pytest.raises(TypeError, match="Sym or a real number"):
        Sym("a") + "b"
    with pytest.raises(ValueError, match="non-empty"):
        Sym("")


# ----------------------------------------------------------------------------- Theorem 1
@pytest.mark.parametrize("alpha", [0.0, 0.5, 2.0])
def test_theorem1_combination_is_classical(alpha):
    st1 = cl.Setting.power_law(theorem1.D, alpha, r2=1.0, c2=1.0, sigma2=1.0)
    n = np.array([5.0, 50, 99, 100, 101, 130, 1e3, 1e6, 1e9])[:, None]
    lam = np.array([1e-6, 3.16e-4, 1.0])
    x = theorem1.basis(st1, n, lam)
    for p2, c2, s2, r2 in [(0.0, 0.5, 0.25, 1.0), (1.0, 2.0, 0.25, 1.0), (1e-4, 0.05, 0.1, 2.0)] + [
        tuple(RNG.uniform([0, 0, 0, 0.1], [1, 2, 1, 2])) for _ in range(5)
    ]:
        ref = cl.theory.classical(cl.Setting.power_law(theorem1.D, alpha, r2=r2, c2=c2, sigma2=s2), n, p2, lam)
        got = theorem1.terms(x, p2, c2, s2, r2)
        for key in ("bias", "variance", "zeta", "clean", "total", "floor"):
            _close(got[key], getattr(ref, key), ref.total)


def test_theorem1_page_expression_matches_python():
    x = {
        k: float(v)
        for k, v in theorem1.basis(cl.Setting.power_law(100, 1.0, r2=1, c2=1, sigma2=1), 300.0, 1e-3).items()
    }
    sym = theorem1.terms(fields(*theorem1.BASIS), **params("p2", "c2"), sigma2=0.25, r2=1.0)
    for p2, c2 in [(0.0, 0.5), (0.01, 1.3), (1.0, 2.0)]:
        num = theorem1.terms(x, p2, c2, 0.25, 1.0)
        for key in ("total", "clean", "zeta", "floor"):
            assert _vega_eval(str(sym[key]), x, p2=p2, c2=c2) == pytest.approx(num[key], rel=1e-13, abs=1e-300)


def test_theorem1_table_stores_the_basis_to_7_digits():
    table = theorem1.table()
    grid = len(theorem1.ALPHAS) * len(theorem1.LOG_LAMS) * theorem1.n_grid().size
    assert all(len(v) == grid for v in table.values())
    rows = list(csv.DictReader(io.StringIO(csv_values(table)["values"])))
    assert len(rows) == grid
    pick = [i for i, r in enumerate(rows) if float(r["a"]) == 1.5 and float(r["ll"]) == -2.5]
    st1 = cl.Setting.power_law(theorem1.D, 1.5, r2=1, c2=1, sigma2=1)
    n = np.array([float(rows[i]["n"]) for i in pick])
    np.testing.assert_array_equal(n, theorem1.n_grid())  # the grid is stored exactly
    ref = theorem1.basis(st1, n, 10**-2.5)
    for key in theorem1.BASIS:
        np.testing.assert_allclose([float(rows[i][key]) for i in pick], ref[key], rtol=5.01e-7)


def test_theorem1_basis_rejects_ridgeless():
    with pytest.raises(ValueError, match="lam"):
        theorem1.basis(cl.Setting.isotropic(10), 20.0, 0.0)


# ----------------------------------------------------------------------------- Theorem 2
@pytest.mark.parametrize("phi", [0.1, 1.0, 1.5, 5.0])
def test_projections_combination_is_random_projections(phi):
    d = projections.dimension(phi)
    st1 = cl.Setting.isotropic(d, r2=1.0, c2=1.0, sigma2=1.0)
    n = projections.N
    m = np.array([0.01, 0.05, 0.5, 0.99, 1.0, 1.01, 2.0, d / n, 20.0, 1e4])[:, None] * n
    lam = np.array([1e-6, 1e-2, 1.0])
    x = projections.basis(st1, n, m, lam)
    for p2, c2, s2, r2 in [(0.0, 0.5, 0.25, 1.0), (1.0, 2.0, 0.25, 1.0), (0.5, 1.0, 0.005, 1.0)] + [
        tuple(RNG.uniform([0, 0, 0, 0.1], [1, 2, 1, 2])) for _ in range(5)
    ]:
        ref = cl.theory.random_projections(cl.Setting.isotropic(d, r2=r2, c2=c2, sigma2=s2), n, m, p2, lam)
        got = projections.terms(x, p2, c2, s2, r2)
        for key in ("approx", "bias", "variance", "zeta", "zeta_floor", "clean", "total", "floor"):
            _close(got[key], getattr(ref, key), ref.total)


def test_projections_page_expression_matches_python():
    st1 = cl.Setting.isotropic(300, r2=1, c2=1, sigma2=1)
    x = {k: float(v) for k, v in projections.basis(st1, 500.0, 450.0, 1e-3).items()}
    sym = projections.terms(fields(*projections.BASIS), **params("p2", "c2", "sigma2"), r2=1.0)
    for p2, c2, s2 in [(0.0, 0.5, 0.25), (0.35, 1.3, 0.005), (1.0, 2.0, 0.0)]:
        num = projections.terms(x, p2, c2, s2, 1.0)
        for key in ("total", "clean", "approx", "zeta_floor", "zeta", "floor"):
            got = _vega_eval(str(sym[key]), x, p2=p2, c2=c2, sigma2=s2)
            assert got == pytest.approx(num[key], rel=1e-13, abs=1e-300)


def _controls(spec) -> dict:
    """name → (value, binding) of the spec's parameters bound to an input."""
    return {p["name"]: (p.get("value"), p["bind"]) for p in spec.get("params", []) if "bind" in p}


def test_projections_opens_at_figure_1_and_its_controls_reach_it():
    """The opening values are Figure 1's φ, λ, σ² (and one of its p₂ panels and qualities); each control's
    grid holds them, the ψ grid spans Figure 1's range, and the page draws at that setting what the library does."""
    c = cl.figures.get("fig1").config("smoke")
    spec = projections.explorable().spec
    ctl = _controls(spec)
    assert ctl["phi"][0] == c["phi"] and c["phi"] in ctl["phi"][1]["options"]
    assert 10.0 ** ctl["llam"][0] == c["lam"]
    assert ctl["sigma2"][0] == c["sigma2"]
    assert ctl["p2"][0] in c["p2"] and ctl["c2"][0] in c["c2"]
    for name, want in (("llam", np.log10(c["lam"])), ("sigma2", c["sigma2"])):
        b = ctl[name][1]
        k = (want - b["min"]) / b["step"]
        assert b["min"] <= want <= b["max"] and abs(k - round(k)) < 1e-9, name  # the slider can return there
    psi = projections.psi_grid()
    assert psi[0] <= c["psi"][0] * 1.0001 and psi[-1] >= c["psi"][1] * 0.9999
    # the page's combination at the opening values is the library's Figure 1 curve
    d = projections.dimension(ctl["phi"][0])
    assert d == round(c["phi"] * c["n"])
    x = projections.basis(cl.Setting.isotropic(d, r2=1, c2=1, sigma2=1), c["n"], psi * c["n"], c["lam"])
    got = projections.terms(x, ctl["p2"][0], ctl["c2"][0], ctl["sigma2"][0], c["r2"])["total"]
    s = cl.Setting.isotropic(d, r2=c["r2"], c2=ctl["c2"][0], sigma2=c["sigma2"])
    ref = cl.theory.random_projections(s, c["n"], psi * c["n"], ctl["p2"][0], c["lam"]).total
    np.testing.assert_allclose(got, ref, rtol=1e-10)


# ----------------------------------------------------------------------------- mixing
@pytest.fixture(scope="module")
def small_mixing():
    n1s, n2s, c2s = (100, 1_000), (50, 10_000), (0.0, 0.35, 2.0)
    return n1s, n2s, c2s, mixing.tables(n1s, n2s, c2s)


def test_mixing_combination_is_the_theory(small_mixing):
    n1s, n2s, _, tb = small_mixing
    for c2 in (0.0, 0.35, RNG.uniform(0, 2)):
        st = cl.Setting.isotropic(mixing.D, r2=mixing.R2, c2=c2, sigma2=mixing.SIGMA2)
        w = tb["weighted"]
        ref = cl.theory.weighted_mixing(st, w["n1"], w["n2"], w["a"], mixing.LAM).total
        _close(mixing.weighted_terms(w, c2)["total"], ref, ref)
        it = tb["iterative"]
        for fresh in (0, 1):
            for n1 in n1s:
                for n2 in n2s:
                    sel = (it["n1"] == n1) & (it["n2"] == n2) & (it["fresh"] == fresh)
                    ref = cl.theory.iterative_mixing(
                        st, n1, n2, mixing.MAX_ROUNDS, mixing.LAM, relabel_noise=bool(fresh)
                    )
                    got = mixing.iterative_terms({k: v[sel] for k, v in it.items()}, c2)
                    _close(got["total"], ref.total, ref.total)
                    _close(got["synthetic_bias"], ref.synthetic_bias, ref.total)
                    _close(got["synthetic_noise"], ref.synthetic_noise, ref.total)


def test_mixing_scalars_and_best_weights(small_mixing):
    n1s, n2s, c2s, tb = small_mixing
    sc, best = tb["scalars"], tb["best"]
    for c2 in c2s:
        st = cl.Setting.isotropic(mixing.D, r2=mixing.R2, c2=c2, sigma2=mixing.SIGMA2)
        sel = best["c2"] == c2
        opt = cl.theory.optimal_alpha(st, best["n1"][sel], best["n2"][sel], mixing.LAM)
        np.testing.assert_allclose(best["alpha"][sel], opt.alpha, rtol=1e-12)
        for i in np.nonzero(sc["fresh"] == 1)[0]:
            n1, n2 = sc["n1"][i], sc["n2"][i]
            pooled = cl.theory.weighted_mixing(st, n1, n2, n1 / (n1 + n2), mixing.LAM).total
            assert mixing.weighted_terms({"base": sc["pool_base"][i], "z": sc["pool_z"][i]}, c2)[
                "total"
            ] == pytest.approx(pooled, rel=1e-10)
            # pooling is Theorem 1 (module docstring of theory.mixing), an independent route
            assert pooled == pytest.approx(cl.theory.classical(st, n1 + n2, n2 / (n1 + n2), mixing.LAM).total, rel=1e-8)
            assert sc["clean"][i] == pytest.approx(cl.theory.classical(st, n1, 0.0, mixing.LAM).total, rel=1e-12)


# ----------------------------------------------------------------------------- workflows
def _workflow_rows(tb, i):
    """Row ``i`` of the workflows table: (kind, p₂ or None, λ, n, b_t, v_t)."""
    kind = KINDS[int(tb["k"][i])]
    m = sum(1 for key in tb if key.startswith("b"))
    b = np.array([tb[f"b{t}"][i] for t in range(m)])
    v = np.array([tb[f"v{t}"][i] for t in range(m)])
    return kind, (float(tb["p"][i]) if kind == "mix" else None), 10.0 ** float(tb["ll"][i]), float(tb["n"][i]), b, v


@pytest.fixture(scope="module")
def small_workflows():
    # hard points: n < d, n = d (the interpolation threshold, where mix grows geometrically), n ≫ d; p₂ = 0 and 1
    return workflows.table(sizes=(10, 50, 70, 200, 100_000), log_lams=(-4.0, 0.0), p2s=(0.0, 0.75, 1.0), generations=6)


def test_workflows_combination_is_the_theory(small_workflows):
    tb = small_workflows
    assert len(tb["k"]) == (3 + 3) * 2 * 5
    rows = [_workflow_rows(tb, i) for i in range(len(tb["k"]))]
    groups = {}  # (kind, p₂) → its rows: the theory takes each group's sizes and λ at once
    for i, (kind, p2, *_) in enumerate(rows):
        groups.setdefault((kind, p2), []).append(i)
    for s2 in (0.0, 0.25, 1.0, RNG.uniform(0, 1)):
        st = cl.Setting.isotropic(workflows.D, r2=workflows.R2, sigma2=s2)
        for (kind, p2), idx in groups.items():
            n, lam = np.array([rows[i][3] for i in idx]), np.array([rows[i][2] for i in idx])
            ref = cl.theory.workflow(st, n, 6, kind, lam, p2=p2)
            # the generations control keeps t ≤ T of the longest run: E_t does not depend on later generations
            short = cl.theory.workflow(st, n, 2, kind, lam, p2=p2)
            for j, i in enumerate(idx):
                got = workflows.terms({"b": rows[i][4], "v": rows[i][5]}, s2)
                total = ref.total[j]
                _close(got["total"], total, total)
                _close(got["bias"], ref.bias[j], total)
                _close(got["noise"], ref.real_noise[j] + ref.synthetic_noise[j], total)
                _close(got["total"][:3], short.total[j], short.total[j])


def test_workflows_page_expression_matches_python():
    x = {"b": 0.0123, "v": 3.5}
    sym = workflows.terms(fields("b", "v"), params("s2")["s2"])
    for s2 in (0.0, 0.37, 1.0):
        num = workflows.terms(x, s2)
        for key in ("total", "bias", "noise"):
            assert _vega_eval(str(sym[key]), x, s2=s2) == pytest.approx(num[key], rel=1e-15, abs=1e-300)


@pytest.mark.slow
def test_workflows_page_stores_the_grid_and_7_digits(built):
    text = built["workflows"].spec["datasets"]["workflows"]
    rows = list(csv.DictReader(io.StringIO(text)))
    kinds_p2 = 3 + len(workflows.P2S)
    assert len(rows) == kinds_p2 * len(workflows.LOG_LAMS) * len(workflows.SIZES)
    assert sorted({int(r["n"]) for r in rows}) == sorted(workflows.SIZES)
    assert sorted({float(r["p"]) for r in rows if r["k"] == str(KINDS.index("mix"))}) == sorted(workflows.P2S)
    assert sorted({float(r["ll"]) for r in rows}) == list(workflows.LOG_LAMS)
    T = workflows.MAX_GENERATIONS
    st = cl.Setting.isotropic(workflows.D, r2=workflows.R2, sigma2=1.0)
    for i in RNG.choice(len(rows), 12, replace=False):
        r = rows[i]
        kind = KINDS[int(r["k"])]
        ref = cl.theory.workflow(
            st, float(r["n"]), T, kind, 10.0 ** float(r["ll"]), p2=float(r["p"]) if kind == "mix" else None
        )
        np.testing.assert_allclose([float(r[f"b{t}"]) for t in range(T + 1)], ref.bias, rtol=5.01e-7)
        np.testing.assert_allclose(
            [float(r[f"v{t}"]) for t in range(T + 1)], ref.real_noise + ref.synthetic_noise, rtol=5.01e-7
        )


# ----------------------------------------------------------------------------- data model
@pytest.mark.parametrize("alpha", [0.0, 1.25, 3.0])
def test_distributions_rebuild_the_library_draw(alpha):
    x = distributions.parts_of_draw(alpha)
    i = np.arange(distributions.N)
    for c2, p2 in [(0.5, 0.3), (10.0, 0.07), (0.01, 1.0), (0.2, 0.0), (1.0, 0.01)]:
        smp = cl.sample(
            cl.Setting.power_law(distributions.D, alpha, r2=1.0, c2=c2, sigma2=0.25),
            distributions.N,
            p2,
            seed=distributions.SEED,
        )
        lab = distributions.labels(x, i, c2, p2)
        np.testing.assert_allclose(lab["y"], smp.y, rtol=0, atol=1e-12)
        assert np.array_equal(lab["synthetic"] == 1, smp.synthetic)
        # the expected synthetic variance σ² + δᵀΣδ of this draw is σ² + c²·(δ₁ᵀΣδ₁)
        st = cl.Setting.power_law(distributions.D, alpha, r2=1.0, c2=c2, sigma2=0.25)
        assert cl.sampling.prediction_error(st, smp.w2, smp.w1) == pytest.approx(c2 * x["gap"], rel=1e-12)


# ----------------------------------------------------------------------------- calculator
def test_calculator_matches_theorem1_and_its_closed_forms():
    # isotropic ridgeless, n > d: clean error σ²d/(m − d) (Corollary 1 at p₂ = 0), floor p₂²c²
    d, s2, p2, c2, n = 50, 0.3, 0.2, 0.4, 5_000.0
    est = calculator.estimate(n=n, p2=p2, c2=c2, sigma2=s2, lam=0.0, d=d, alpha=0.0)
    e_ref = cl.theory.corollary1(d / n, p2, 1.0, c2, s2)
    assert est.total == pytest.approx(e_ref, rel=1e-12)
    assert est.floor == pytest.approx(p2**2 * c2, rel=1e-12)
    assert est.n_floor == pytest.approx(d + s2 * d / (p2**2 * c2), rel=1e-10)
    assert est.n_equivalent == pytest.approx(d + s2 * d / e_ref, rel=1e-10)
    assert est.worth == pytest.approx(est.n_equivalent - (1 - p2) * n, rel=1e-12)
    # no synthetic data: worth nothing, equivalent to itself, no floor
    est0 = calculator.estimate(n=n, p2=0.0, c2=c2, sigma2=s2, lam=0.0, d=d, alpha=0.0)
    assert est0.n_equivalent == pytest.approx(n, rel=1e-10) and est0.n_floor == np.inf


def test_calculator_sizes_are_last_crossings():
    kw = dict(sigma2=0.25, lam=1e-2, d=200, alpha=1.5)
    est = calculator.estimate(n=2e4, p2=0.1, c2=0.5, **kw)
    st = cl.Setting.power_law(200, 1.5, r2=1.0, c2=0.5, sigma2=0.25)
    clean = lambda m: cl.theory.classical(st, m, 0.0, 1e-2).total  # noqa: E731
    for size, target in ((est.n_floor, est.floor), (est.n_equivalent, est.total)):
        assert clean(size) == pytest.approx(target, rel=1e-8)
        beyond = np.geomspace(size * 1.001, 1e15, 200)
        assert np.all(clean(beyond) < target)
    # the penalty's own bias floor above the synthetic floor: never
    high = calculator.estimate(n=1e4, p2=0.01, c2=0.01, sigma2=0.25, lam=1.0, d=50, alpha=0.0)
    assert high.n_floor == np.inf


def test_last_crossing_edges():
    assert calculator.last_crossing(lambda m: np.ones_like(np.asarray(m, float)), 0.5) == np.inf
    assert calculator.last_crossing(lambda m: np.zeros_like(np.asarray(m, float)), 0.5) == 0.0
    assert calculator.last_crossing(lambda m: 1.0 / np.asarray(m, float), 1e-3) == pytest.approx(1e3, rel=1e-12)


@pytest.mark.parametrize(
    "kw, exc, name",
    [
        (dict(n=0), ValueError, "n"),
        (dict(p2=1.5), ValueError, "p2"),
        (dict(c2=-1), ValueError, "c2"),
        (dict(sigma2=np.nan), ValueError, "sigma2"),
        (dict(lam=-1e-3), ValueError, "lam"),
        (dict(d=0), ValueError, "d"),
        (dict(d=20_000), ValueError, "d"),
        (dict(d=2.5), TypeError, "d"),
        (dict(alpha=-1), ValueError, "alpha"),
        (dict(alpha=5.5), ValueError, "alpha"),
        (dict(n=0.5), ValueError, "n"),
        (dict(n=2e15), ValueError, "n"),
        (dict(lam=1e308), ValueError, "lam"),
        (dict(c2=1e308), ValueError, "c2"),
        (dict(sigma2=1e308), ValueError, "sigma2"),
        (dict(n=[1, 2]), TypeError, "n"),
        (dict(p2="a"), TypeError, "p2"),
    ],
)
def test_calculator_rejects_bad_input(kw, exc, name):
    args = dict(n=1000, p2=0.1, c2=0.1, sigma2=0.25, lam=1e-3, d=50, alpha=0.0)
    args.update(kw)
    with pytest.raises(exc, match=name):
        calculator.estimate(**args)


# ----------------------------------------------------------------------------- builder and specs
@pytest.fixture(scope="module")
def built():
    return {
        m.__name__.rsplit(".", 1)[1]: m.explorable()
        for m in (theorem1, projections, mixing, distributions, workflows, calculator)
    }


@pytest.mark.slow
def test_every_spec_compiles_and_draws(built):
    for name, e in built.items():
        for version in VEGALITE_VERSIONS:
            vega = vl_convert.vegalite_to_vega(e.spec, vl_version=version)
            assert vega["signals"], (name, version)
        svg = vl_convert.vegalite_to_svg(e.spec, vl_version="5.21")
        assert svg.count("<path") > 5, name


@pytest.mark.slow
def test_mimebundle_gives_jupyterlab_only_vegalite(built):
    bundle = built["theorem1"]._repr_mimebundle_()
    # JupyterLab 4 ranks JavaScript (0) and text/html (50) above its Vega renderer (57): the bundle has neither,
    # so JupyterLab draws the Vega-Lite spec (tests/browser/test_jupyterlab.py looks at it)
    assert set(bundle) == {VEGALITE_MIME, "text/plain"}
    spec = bundle[VEGALITE_MIME]
    assert spec["$schema"].endswith("/vega-lite/v5.json")
    # no container-wide chart in a notebook (JupyterLab's output area resizes it without end): a fixed width
    assert built["theorem1"].spec["width"] == "container" and spec["width"] == NOTEBOOK_WIDTH
    assert spec["usermeta"]["collapse"] == {"name": "theorem1", "kind": "chart", "width": "container"}
    assert {k: v for k, v in spec.items() if k not in ("usermeta", "width")} == {
        k: v for k, v in built["theorem1"].spec.items() if k not in ("usermeta", "width")
    }
    for e in built.values():
        assert e.bundle_spec().get("width") != "container", e.name
    calc = built["calculator"]._repr_mimebundle_()[VEGALITE_MIME]["usermeta"]
    assert calc["collapse"]["kind"] == "calculator" and "calculator" in calc  # the calculator's own usermeta kept


@pytest.mark.slow
def test_site_html_mounts_the_spec(built):
    spec = built["theorem1"].bundle_spec()
    html = site_html(spec)
    assert html.startswith('<div class="collapse-explorable" id="explorable-theorem1">')
    script = html[html.index("<script>") + 8 : html.rindex("</script>")]
    assert "</" not in script  # nothing in the inline data can close the script early
    assert "collapseExplorables.mount(box, spec, 'theorem1', 'chart')" in script
    shown = json.loads(script[script.index("var spec = ") + 11 : script.index(";\n  var go")].replace("<\\/", "</"))
    assert shown == dict(spec, width="container")  # the site's column width, as the spec was written
    assert site_html(json.dumps(spec)) == html
    plain = site_html({"$schema": "x", "mark": "point"}, fallback_name="vegalite-3-0")
    assert "'vegalite-3-0', 'chart'" in plain
    with pytest.raises(ValueError, match="usermeta.collapse"):
        site_html({"usermeta": {"collapse": {"name": "Bad Name"}}})
    with pytest.raises(TypeError, match="spec"):
        site_html([1])


@pytest.mark.slow
def test_page_weight_of_each_explorable(built):
    for name, e in built.items():
        assert e.size_bytes() < 1_000_000, (name, e.size_bytes())


def test_explorable_rejects_bad_input():
    with pytest.raises(ValueError, match="name"):
        Explorable.from_spec("Bad Name", {})
    with pytest.raises(TypeError, match="spec"):
        Explorable.from_spec("ok", [1])
    with pytest.raises(ValueError, match="kind"):
        Explorable.from_spec("ok", {}, kind="movie")
    with pytest.raises(ValueError, match="finite|Out of range"):
        Explorable.from_spec("ok", {"x": float("nan")})
    with pytest.raises(ValueError, match="equal lengths"):
        csv_values({"a": [1, 2], "b": [1]})
    with pytest.raises(ValueError, match="finite"):
        csv_values({"a": [1.0, np.inf]})
    with pytest.raises(ValueError, match="name"):
        dataset("Bad", {"a": [1]})


def test_csv_values_round_trip():
    a = RNG.lognormal(0, 5, 50) * RNG.choice([-1, 1], 50)
    text = csv_values({"a": a, "k": np.arange(50)}, digits=7)["values"]
    rows = list(csv.DictReader(io.StringIO(text)))
    np.testing.assert_allclose([float(r["a"]) for r in rows], a, rtol=5e-7)
    assert [int(r["k"]) for r in rows] == list(range(50))


# ----------------------------------------------------------------------------- Sphinx extension
def test_sphinx_bundle_is_a_classic_script():
    js = sphinx.javascript_bundle()
    assert "window.collapseExplorables" in js and "window.collapseCalculator" in js
    assert "__VEGALITE__" not in js
    # a classic script: no module syntax (it must run from file:// too)
    assert not re.search(r"^\s*(import|export)\s", js, flags=re.M)
    assert "http://" not in js.split("*/", 1)[0] and "cdn." not in js


def test_sphinx_adds_assets_only_to_pages_with_explorables(tmp_path):
    added = []
    app = SimpleNamespace(add_js_file=lambda f, **kw: added.append((f, kw)), add_css_file=lambda f: added.append(f))
    sphinx._add_assets(app, "book/intro", "page.html", {"body": "<p>no figure</p>"}, None)
    assert added == []
    context = {"body": "window.collapseExplorables.mount(box)", "pathto": lambda name, kind: "../" + name}
    sphinx._add_assets(app, "book/theorem1", "page.html", context, None)
    assert sphinx.CSS_NAME in added
    # the bundle is not a page asset: an inline loader fetches it when an explorable nears the view
    (loader,) = [kw["body"] for f, kw in (a for a in added if isinstance(a, tuple)) if f is None]
    assert f'var src = "../_static/{sphinx.JS_NAME}"' in loader and "IntersectionObserver" in loader
    assert not [a for a in added if isinstance(a, tuple) and a[0] == sphinx.JS_NAME]
    out = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    sphinx._write_assets(out, None)
    assert (tmp_path / "_static" / sphinx.JS_NAME).read_text().startswith("/* Vega")
    assert (tmp_path / "_static" / sphinx.JS_NAME).stat().st_mode & 0o777 == 0o644  # a web server can read it
    assert (tmp_path / "_static" / sphinx.CSS_NAME).is_file()
    sphinx._write_assets(
        SimpleNamespace(outdir=str(tmp_path / "x"), builder=SimpleNamespace(format="html")),
        RuntimeError("build failed"),
    )
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_the_bundle_made_in_a_process_while_the_build_runs_is_the_bundle(tmp_path, monkeypatch):
    """The process started with the build writes the same bundle; a failed build stops it and leaves no file."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the process writes the bundle
    app = SimpleNamespace(outdir=str(tmp_path / "site"), builder=SimpleNamespace(format="html"))
    sphinx._start_bundle(app)
    sphinx._write_assets(app, None)
    assert (tmp_path / "site" / "_static" / sphinx.JS_NAME).read_text(encoding="utf-8") == sphinx.javascript_bundle()
    failed = SimpleNamespace(outdir=str(tmp_path / "failed"), builder=SimpleNamespace(format="html"))
    sphinx._start_bundle(failed)
    sphinx._write_assets(failed, RuntimeError("build failed"))
    assert list(tmp_path.glob("collapse-explorables-*.js")) == []  # both temporary files removed
    assert not (tmp_path / "failed").exists() and sphinx._BUNDLE_JOBS == {}


@pytest.mark.slow
def test_myst_nb_draws_the_vegalite_output_on_the_site(built):
    sphinx._register_mime_plugin()
    sphinx._register_mime_plugin()  # idempotent
    from myst_nb.core import render

    plugins = render.load_mime_renders()
    assert plugins.count(sphinx.VegaLiteMime) == 1
    spec = built["mixing"].bundle_spec()
    data = SimpleNamespace(mime_type=VEGALITE_MIME, content=spec, cell_index=4, output_index=0)
    (node,) = sphinx.VegaLiteMime.handle_mime(None, data, False)
    assert node.astext() == site_html(spec) and node["format"] == "html"
    assert sphinx.MARKER in node.astext()  # so the page gets the scripts
    assert sphinx.VegaLiteMime.handle_mime(None, SimpleNamespace(mime_type="text/html"), False) is None
    assert sphinx.VegaLiteMime.handle_mime(None, data, True) is None
    # the page takes the Vega-Lite output first; a builder without scripts does not
    order = render.get_mime_priority("html", [("html", "application/javascript", 10)])
    assert order.index(VEGALITE_MIME) < min(
        order.index(m) for m in ("application/javascript", "text/html", "image/png", "text/plain")
    )
    assert VEGALITE_MIME not in render.get_mime_priority("latex", [])


def test_calculator_page_c2_estimate_recovers_c2():
    # the guidance of book/calculator.md: c² ≈ (mean (ỹ − y)² − σ₁² − σ₂²) / (mean y² − σ₁²), on inputs with both labels
    rng = np.random.default_rng(5)
    st = cl.Setting.power_law(40, 1.0, r2=2.0, c2=0.3, sigma2=0.2, sigma2_synth=0.5)
    n = 400_000
    X = rng.standard_normal((n, st.d)) * np.sqrt(st.spectrum)
    w1 = rng.standard_normal(st.d) * np.sqrt(st.gamma)
    w2 = w1 + rng.standard_normal(st.d) * np.sqrt(st.delta)
    y = X @ w1 + rng.standard_normal(n) * np.sqrt(st.sigma2_real)
    y_syn = X @ w2 + rng.standard_normal(n) * np.sqrt(st.sigma2_synth)
    est = (np.mean((y_syn - y) ** 2) - st.sigma2_real - st.sigma2_synth) / (np.mean(y**2) - st.sigma2_real)
    truth = cl.sampling.prediction_error(st, w2, w1) / cl.sampling.prediction_error(st, w1, 0 * w1)  # this draw
    assert est == pytest.approx(truth, rel=0.03)


# ----------------------------------------------------------------------------- what a reader reads on the charts
def _svg_texts(spec) -> list[str]:
    """Every text the chart draws (titles, axis labels, legends) at its opening values, as the site's Vega does."""
    svg = vl_convert.vegalite_to_svg(spec, vl_version=SITE_VEGALITE_VERSION)
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)]


@pytest.mark.slow
def test_chart_text_has_no_raw_names_or_e_notation(built):
    for name, e in built.items():
        texts = _svg_texts(e.bundle_spec())
        assert len(texts) > 10, name
        raw = [t for t in texts if "_" in t or re.search(r"\de[+-]\d", t)]
        assert not raw, (name, raw)  # sⱼ, Eₜ, 10⁻³ or 0.001, never s_j, E_t, 1e-3 or 1e+2


@pytest.mark.slow
def test_generation_and_round_axes_count_in_whole_numbers(built):
    for name, param, title in (("workflows", "gens", "generation t"), ("mixing", "rounds", "round t")):
        spec = built[name].bundle_spec()
        for top, ticks in ((1, ["0", "1"]), (3, ["0", "1", "2", "3"]), (20, [str(k) for k in range(0, 21, 2)])):
            for p in spec["params"]:
                if p["name"] == param:
                    p["value"] = top
            texts = _svg_texts(spec)
            axis = texts[texts.index(title) - len(ticks) : texts.index(title)]
            assert axis == ticks, (name, top, axis)
        if name == "workflows":
            assert any(
                "after T = 1 generation against n" in t
                for t in _svg_texts(
                    dict(spec, params=[dict(p, value=1) if p["name"] == "gens" else p for p in spec["params"]])
                )
            )


def test_mixing_parts_below_the_precision_are_left_out():
    # n₁ = 100,000, n₂ = 50: the synthetic bias falls by ~10⁻⁶ a round, under the FFT's round-off after 3 rounds
    tab = mixing.tables(n1_sizes=(100_000,), n2_sizes=(50,), c2_grid=(0.5,))["iterative"]
    st = cl.Setting.isotropic(mixing.D, r2=1.0, c2=1.0, sigma2=mixing.SIGMA2)
    for fresh in (1, 0):
        rows = tab["fresh"] == fresh
        it = cl.theory.iterative_mixing(st, 100_000, 50, mixing.MAX_ROUNDS, mixing.LAM, relabel_noise=bool(fresh))
        for col, part in (("sb", it.synthetic_bias), ("sn", it.synthetic_noise)):
            got, ref = tab[col][rows], np.ravel(part)
            kept = got != 0
            # what is kept is the library's value, what is left out is below 1e-12 of the part's largest value
            np.testing.assert_array_equal(got[kept], ref[kept])
            assert np.all(np.abs(ref[~kept]) < mixing.PRECISION * np.abs(ref).max()), (col, fresh)
            assert np.all(got >= 0), (col, fresh)  # round-off of either sign never reaches the log axis
        assert tab["sb"][rows][:3].all() and not tab["sb"][rows][4:].any()  # rounds 0-2 resolved, later ones not


def test_mixing_resolved_keeps_each_series_own_scale():
    part = np.array([[1.0, 1e-6, 1e-13, -1e-14], [1e-20, 1e-26, 1e-33, 0.0]])
    np.testing.assert_array_equal(mixing.resolved(part), [[1.0, 1e-6, 0.0, 0.0], [1e-20, 1e-26, 0.0, 0.0]])


def test_site_html_without_javascript_shows_a_still(built, tmp_path, monkeypatch):
    spec = built["calculator"].bundle_spec()
    html = site_html(spec)
    box = html[: html.index("<script>")]
    # without scripts: the note inside the figure's box (and no "Loading …" that never ends)
    assert "<noscript>" in box and embed.NOSCRIPT["calculator"] in box and "Loading" not in box
    assert "box.textContent = 'Loading the interactive figure\u2026'" in html  # the script says it instead
    # on the site: the PNG of the figure at its opening values, written once by myst-nb's renderer
    written = {}

    def write_file(path, content, overwrite=False, exists_ok=False):
        written.setdefault(path[0], content)
        (tmp_path / path[0]).write_bytes(content) if content else None
        return "/" + path[0]

    renderer = SimpleNamespace(write_file=write_file, config=SimpleNamespace(output_folder=str(tmp_path)))
    data = SimpleNamespace(mime_type=VEGALITE_MIME, content=spec, cell_index=1, output_index=0)
    (box,) = sphinx.VegaLiteMime.handle_mime(renderer, data, False)
    head, image, tail = box.children
    assert head.astext() + tail.astext() == html and not head["classes"] and not tail["classes"]
    assert box["classes"] == ["output", "collapse_explorable"]
    # as HTML: the image inside the figure's <noscript>, inside its <div>, the script right after that <div>
    from docutils.core import publish_from_doctree
    from docutils.utils import new_document

    doc = new_document("page")
    doc += box
    page = publish_from_doctree(doc, writer_name="html5").decode()
    div = page.index('<div class="collapse-explorable" id="explorable-calculator">')
    order = [page.index(x, div) for x in ("<noscript>", "<img ", "</noscript>", "</div>", "<script>")]
    assert order == sorted(order) and page.count("</div>", div, order[-1]) == 1, page[div : div + 600]
    (name,) = written
    assert image["uri"] == "/" + name and name.startswith("explorable-calculator-")
    assert written[name][:8] == b"\x89PNG\r\n\x1a\n" and len(written[name]) > 10_000
    monkeypatch.setattr(sphinx, "still_png", lambda spec: pytest.fail("an unchanged figure is drawn again"))
    assert sphinx.VegaLiteMime.handle_mime(renderer, data, False)[0].children[1]["uri"] == image["uri"]
