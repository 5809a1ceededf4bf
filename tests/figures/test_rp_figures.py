"""Figure recipes of the random-projections chapter (figures 1, 4, 5) and the Pareto frontier."""

import matplotlib
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")

import collapse_lib as cl  # noqa: E402
from collapse_lib.figures._rp import pareto_front, widths  # noqa: E402
from collapse_lib.figures.report import THEOREM2  # noqa: E402

RP_FIGS = ("fig1", "fig4", "fig5")


@pytest.fixture(scope="module", params=RP_FIGS)
def rp_table(request):
    return request.param, cl.figures.get(request.param).compute(scale="smoke", seed=2)


def test_simulation_rows_agree_with_theory_at_smoke_scale(rp_table):
    """Smoke scale (n = 30–50, 3–4 trials): ≥ 80% of points within 3 s.e. + 15%, none beyond 5 s.e. + 40%."""
    name, table = rp_table
    sim = table[table.kind == "simulation"]
    assert len(sim) > 0 and np.all(np.isfinite(sim.error))
    gap = np.abs(sim.error - sim.theory_at_p2_eff)
    tol = 3 * sim.stderr + 0.15 * sim.theory_at_p2_eff
    assert np.mean(gap <= tol) >= 0.8, sim[gap > tol]
    assert np.all(gap <= 5 * sim.stderr + 0.4 * sim.theory_at_p2_eff)


def test_theory_rows_cover_psi_range_and_decompose(rp_table):
    name, table = rp_table
    th = table[table.kind == "theory"]
    assert th.psi.min() <= 0.051 and th.psi.max() >= 19.9
    assert np.all(th.error >= th.clean - 1e-12)  # synthetic data never helps here (c² ≥ 0, σ₂ = σ₁)
    assert np.all(th.zeta_floor >= 0) and np.all(th.zeta_design >= -1e-12)


def test_plots_have_labelled_log_axes(rp_table):
    name, table = rp_table
    fig = cl.figures.get(name).plot(table)
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel()
    assert any("error" in ax.get_ylabel() for ax in axes)
    matplotlib.pyplot.close(fig)


def test_plots_name_the_theory_as_this_books_equivalent(rp_table):
    """Legends and titles say whose Theorem 2 the curves are (report.THEOREM2), never a bare "Theorem 2"."""
    name, table = rp_table
    fig = cl.figures.get(name).plot(table)
    texts = " | ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    matplotlib.pyplot.close(fig)
    assert THEOREM2 in texts
    assert "Theorem 2" not in texts.replace(THEOREM2, ""), texts
    book = cl.figures.get(name).book_column(cl.figures.get(name).config("smoke"))
    assert THEOREM2 in book["shows"]


def test_fig4_peak_at_interpolation_threshold():
    table = cl.figures.get("fig4").compute(scale="smoke")
    th = table[(table.kind == "theory") & (table.panel == "a")]
    for _, g in th.groupby("p2"):
        assert abs(np.log(g.psi[g.error.idxmax()])) < np.log(1.1)  # the maximum sits at ψ ≈ 1


def test_fig1_message_bigger_models_for_better_quality():
    table = cl.figures.get("fig1").compute(scale="smoke")
    best = cl.figures.get("fig1").best_sizes(table)
    for _, g in best.groupby("p2"):
        g = g.sort_values("c2")
        assert np.all(np.diff(g.best_psi.to_numpy()) <= 1e-12)  # worse quality → smaller (or equal) best size
    assert set(best.quality) == {"very high", "high", "low", "very low"}


def test_fig1_clean_error_below_null_predictor_and_falling_with_size():
    """The clean x-axis: every size beats the null predictor (error r²), and the error falls down to ψ → ∞."""
    c = cl.figures.get("fig1").config("paper")
    s = cl.Setting.isotropic(int(round(c["phi"] * c["n"])), r2=c["r2"], c2=0.0, sigma2=c["sigma2"])
    psi = np.geomspace(c["psi"][0], c["psi"][1], 400)
    clean = cl.theory.random_projections(s, n=c["n"], m=psi * c["n"], p2=0.0, lam=c["lam"]).total
    limit = cl.theory.classical(s, n=c["n"], p2=0.0, lam=0.0).total
    assert np.all(clean < c["r2"]) and np.all(np.diff(clean) < 0) and clean[-1] > limit


def _bowl(psi0, grid):
    """A theory-like table whose error is a bowl in log ψ with its bottom at ψ0 (known argmin)."""
    err = 1.0 + (np.log(grid) - np.log(psi0)) ** 2
    return pd.DataFrame(dict(kind="theory", psi=grid, p2=0.5, c2=1.0, error=err, clean=err[::-1]))


@pytest.mark.parametrize(
    "psi0, position", [(1e-3, "bottom"), (0.05, "bottom"), (1.0, "interior"), (20.0, "top"), (1e3, "top")]
)
def test_fig1_best_sizes_reports_the_argmin_and_whether_it_is_at_the_grid_edge(psi0, position):
    grid = np.geomspace(0.05, 20, 31)
    best = cl.figures.get("fig1").best_sizes(_bowl(psi0, grid)).iloc[0]
    expected = grid[np.argmin(np.abs(np.log(grid) - np.log(psi0)))]
    assert best.best_psi == pytest.approx(expected)
    assert best.position == position
    assert (best.psi_min, best.psi_max) == (pytest.approx(0.05), pytest.approx(20.0))


def test_fig1_sweep_rows_per_choice_and_bad_input():
    fig1 = cl.figures.get("fig1")
    c = fig1.config()
    sw = fig1.sweep([c["phi"], 2.0], [c["lam"]], [c["sigma2"]])
    assert len(sw) == 2 * 12 and set(sw.phi) == {c["phi"], 2.0}
    ours = sw[sw.phi == c["phi"]].reset_index(drop=True)
    recipe = fig1.best_sizes(fig1.compute(scale="smoke"))
    np.testing.assert_allclose(ours.best_psi, recipe.best_psi)
    np.testing.assert_allclose(ours.limit_error, recipe.limit_error)
    assert list(ours.verdict) == list(recipe.verdict)
    with pytest.raises(ValueError, match="phi"):
        fig1.sweep([0.0], [1.0], [0.02])
    with pytest.raises(ValueError, match="lam"):
        fig1.sweep([1.0], [-1.0], [0.02])
    with pytest.raises(TypeError, match="sigma2"):
        fig1.sweep([1.0], [1.0], ["x"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.1, 10), st.floats(0.1, 10)), min_size=1, max_size=30))
def test_pareto_front_is_exactly_the_non_dominated_points(points):
    x, y = np.array(points).T
    front = set(pareto_front(x, y).tolist())
    for i in range(len(x)):
        dominated = np.any((x <= x[i]) & (y <= y[i]) & ((x < x[i]) | (y < y[i])))
        duplicate_earlier = any((x[j] == x[i]) and (y[j] == y[i]) for j in front if j != i)
        if dominated:
            assert i not in front
        elif not duplicate_earlier:
            assert i in front


def test_widths_are_integer_log_spaced_and_unique():
    m = widths(100, 12)
    assert m.dtype.kind == "i" and np.all(np.diff(m) > 0) and m[0] == 5 and m[-1] == 2000
