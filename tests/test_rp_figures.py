"""Figure recipes of the random-projections chapter (figures 1, 4, 5) and the Pareto frontier."""
import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")

import collapse_lib as cl  # noqa: E402
from collapse_lib.figures._rp import pareto_front, widths  # noqa: E402

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
