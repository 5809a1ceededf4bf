"""Theory of the mixing strategies (figures 9-10): exact reductions, limits, and agreement with simulation.

Tolerances against Monte Carlo: 4 standard errors plus 3% of the value for the
O(1/d) finite-size corrections of deterministic equivalents (d = 50 here; the
gap shrinks like 1/d, as for Theorem 1).
"""

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.simulate.mixing import iterative_mixing_terms, weighted_mixing_terms
from collapse_lib.theory.mixing import (
    iterative_mixing,
    iterative_mixing_leading_order,
    iterative_mixing_limit,
    optimal_alpha,
    weighted_mixing,
)

PL = cl.Setting.power_law(50, 1.0, r2=1.0, c2=0.8, sigma2=0.25, sigma2_synth=0.6)
ISO = cl.Setting.isotropic(50, r2=1.0, c2=0.5, sigma2=0.25)


def close(mc, se, want, rel=0.03):
    return np.abs(mc - want) <= 4 * se + rel * np.abs(want)


# ----------------------------------------------------------------------------- weighted mixing: exact reductions
@pytest.mark.parametrize("setting", [PL, ISO], ids=["power-law", "isotropic"])
@pytest.mark.parametrize("n1,n2,lam", [(150, 90, 1e-3), (30, 200, 0.05), (500, 100, 0.0), (40, 40, 0.1)])
def test_alpha_p1_is_theorem1_and_alpha_1_is_clean_ridge(setting, n1, n2, lam):
    n = n1 + n2
    w = weighted_mixing(setting, n1, n2, n1 / n, lam)
    c = cl.theory.classical(setting, n, n2 / n, lam)
    for name in ("total", "bias", "variance", "zeta", "kappa"):
        np.testing.assert_allclose(getattr(w, name), getattr(c, name), rtol=1e-9, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(w.v, c.u, rtol=1e-9)
    np.testing.assert_allclose([w.rho, w.pi2], [n2 / n, n2 / n], rtol=1e-12)
    # α = 1: ridge on the n1 real samples alone, same λ (a₁ = 1/n₁)
    if lam > 0 or n1 > setting.d:
        np.testing.assert_allclose(
            weighted_mixing(setting, n1, n2, 1.0, lam).total,
            cl.theory.classical(setting, n1, 0.0, lam).total,
            rtol=1e-9,
        )
    # α = 0: ridge on the n2 synthetic samples alone, an all-synthetic Theorem 1
    if lam > 0 or n2 > setting.d:
        np.testing.assert_allclose(
            weighted_mixing(setting, n1, n2, 0.0, lam).total,
            cl.theory.classical(setting, n2, 1.0, lam).total,
            rtol=1e-9,
        )


def test_weighted_theory_broadcasts_and_empty_groups():
    th = weighted_mixing(ISO, np.array([100, 400])[:, None], 200, np.linspace(0, 1, 5), 1e-2)
    assert th.total.shape == (2, 5)
    assert np.all(np.isfinite(th.total)) and np.all(th.total > 0)
    np.testing.assert_allclose(
        weighted_mixing(ISO, 100, 0, 1.0, 1e-2).total, cl.theory.classical(ISO, 100, 0.0, 1e-2).total, rtol=1e-10
    )
    # floor: (1-α)² tr ΔΣ³(Σ+λ)⁻² is the n → ∞ limit at fixed n2/n1
    big = weighted_mixing(ISO, 1e9, 1e9, 0.7, 1e-3)
    np.testing.assert_allclose(big.total, big.floor + big.bias, rtol=1e-4)
    np.testing.assert_allclose(big.floor, 0.09 * ISO.c2 / (1 + 1e-3) ** 2, rtol=1e-10)


# ----------------------------------------------------------------------------- weighted mixing vs simulation
@pytest.mark.parametrize(
    "setting,n1,n2,lam",
    [(ISO, 100, 100, 1e-2), (PL, 60, 240, 1e-2), (ISO, 200, 60, 1e-3)],
    ids=["iso-balanced", "pl-mostly-synthetic", "iso-n2<d"],
)
def test_weighted_theory_matches_design_only_monte_carlo_part_by_part(setting, n1, n2, lam):
    alphas = np.array([0.1, 0.4, 0.7, 0.95])
    r = weighted_mixing_terms(setting, n1, n2, alphas, lam, trials=40, seed=3)
    th = weighted_mixing(setting, n1, n2, alphas, lam)
    assert np.all(close(r.real_bias, r.real_bias_stderr, th.bias))
    assert np.all(close(r.synthetic_bias, r.synthetic_bias_stderr, th.zeta))
    var_se = np.hypot(r.real_noise_stderr, r.synthetic_noise_stderr)
    assert np.all(close(r.real_noise + r.synthetic_noise, var_se, th.variance))
    assert np.all(close(r.total, r.total_stderr, th.total))


def test_weighted_theory_matches_full_simulation():
    alphas = np.array([0.0, 0.3, 0.6, 0.9, 1.0])
    r = cl.simulate.weighted_mixing(PL, 100, 100, alphas, 1e-2, trials=150, seed=8)
    th = weighted_mixing(PL, 100, 100, alphas, 1e-2)
    assert np.all(close(r.mean, r.stderr, th.total)), (r.mean, r.stderr, th.total)


def test_optimal_alpha_is_a_minimum_and_tends_to_real_only():
    n1 = np.array([100.0, 1_000.0, 10_000.0, 100_000.0])
    opt = optimal_alpha(ISO, n1, n1, 1e-3)
    grid = weighted_mixing(ISO, n1[:, None], n1[:, None], np.linspace(0, 1, 401), 1e-3).total
    assert np.all(opt.error <= grid.min(axis=1) + 1e-12)
    np.testing.assert_allclose(weighted_mixing(ISO, n1, n1, opt.alpha, 1e-3).total, opt.error, rtol=1e-12)
    assert np.all(np.diff(opt.alpha) > 0) and opt.alpha[-1] > 0.99  # α* → 1: discard the synthetic data
    clean = cl.theory.classical(ISO, n1, 0.0, 1e-3).total  # α = 1
    pooled = cl.theory.classical(ISO, 2 * n1, 0.5, 1e-3).total  # α = p1
    all_real = cl.theory.classical(ISO, 2 * n1, 0.0, 1e-3).total
    assert np.all(opt.error <= np.minimum(clean, pooled))
    # at large n the best weighting is only marginally better than Clean, never the all-real law
    assert opt.error[-1] > 0.9 * clean[-1] and opt.error[-1] > 1.5 * all_real[-1]


# ----------------------------------------------------------------------------- iterative mixing: exact identities
@pytest.mark.parametrize(
    "setting,n1,n2,lam,rounds,rtol",
    [(ISO, 100, 100, 1e-2, 150, 1e-6), (PL, 40, 320, 0.1, 150, 1e-3), (PL, 500, 250, 0.0, 60, 1e-9)],
    ids=["iso", "pl-n1<d", "pl-ridgeless"],
)
def test_round0_is_pooling_and_rounds_converge_to_the_limit(setting, n1, n2, lam, rounds, rtol):
    n = n1 + n2
    for noise in (True, False):
        th = iterative_mixing(setting, n1, n2, rounds, lam, relabel_noise=noise)
        np.testing.assert_allclose(th.total[0], cl.theory.classical(setting, n, n2 / n, lam).total, rtol=1e-8)
        gap = np.abs(th.total / th.limit - 1)
        assert gap[-1] < rtol and gap[-1] < 0.05 * gap[rounds // 2] + 1e-12  # geometric convergence
        np.testing.assert_allclose(
            th.limit, iterative_mixing_limit(setting, n1, n2, lam, relabel_noise=noise).total, rtol=1e-12
        )
        assert np.all(th.total > 0)
    # noiseless relabelling: the limit is ridge on the n1 real samples with λ n/n1
    quiet = iterative_mixing_limit(setting, n1, n2, lam, relabel_noise=False)
    np.testing.assert_allclose(quiet.total, cl.theory.classical(setting, n1, 0.0, lam * n / n1).total, rtol=1e-12)
    assert quiet.relabelling_noise == 0 and quiet.fixed_point == quiet.total
    # fresh noise adds a stationary relabelling-noise term on top of the same fixed point
    fresh = iterative_mixing_limit(setting, n1, n2, lam)
    assert fresh.fixed_point == quiet.fixed_point and fresh.relabelling_noise > 0
    assert fresh.total == pytest.approx(fresh.fixed_point + fresh.relabelling_noise, rel=1e-15)


def test_coefficient_extraction_does_not_depend_on_the_contour():
    """Rounds 0..5 from a run of 5 rounds and of 60 rounds use different radii and grid sizes."""
    a = iterative_mixing(PL, 80, 120, 5, 1e-2)
    b = iterative_mixing(PL, 80, 120, 60, 1e-2)
    for name in ("total", "real_bias", "synthetic_bias", "real_noise", "synthetic_noise"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name)[:6], rtol=1e-8, err_msg=name)


def test_synthetic_noise_vanishes_without_noise_and_bias_without_mismatch():
    s = ISO.with_noise(sigma2_synth=0.0).with_quality(0.0)
    th = iterative_mixing(s, 100, 100, 8, 1e-2)
    np.testing.assert_allclose(th.synthetic_noise, 0.0, atol=1e-14)
    np.testing.assert_allclose(th.synthetic_bias, 0.0, atol=1e-14)


# ----------------------------------------------------------------------------- iterative mixing vs simulation
ITER_POINTS = [  # (setting, n1, n2, rounds, lam, relabel_noise)
    (ISO, 100, 100, 12, 1e-2, True),  # n/d = 4
    (ISO, 200, 200, 12, 1e-3, False),
    (PL, 40, 320, 10, 1e-2, True),  # n1 < d
    (PL, 400, 400, 10, 1e-3, True),
]


@pytest.mark.parametrize("setting,n1,n2,rounds,lam,noise", ITER_POINTS)
def test_iterative_theory_matches_design_only_monte_carlo_at_every_round(setting, n1, n2, rounds, lam, noise):
    r = iterative_mixing_terms(setting, n1, n2, rounds, lam, relabel_noise=noise, trials=30, seed=2)
    th = iterative_mixing(setting, n1, n2, rounds, lam, relabel_noise=noise)
    assert np.all(close(r.total, r.total_stderr, th.total)), (r.total, r.total_stderr, th.total)
    # Each part within 4 s.e. + 3% of the total error. Relative to the part itself the finite-d gap
    # can be larger for a geometrically vanishing tail: the late-round synthetic bias Σ k^{2t} is
    # sensitive to the edge of K's spectrum (e.g. +23% at round 12 for d = 50, n/d = 4, +6% at
    # d = 100), while being ~1% of the error by then.
    for part in ("real_bias", "synthetic_bias", "real_noise", "synthetic_noise"):
        mc, se, want = getattr(r, part), getattr(r, f"{part}_stderr"), getattr(th, part)
        assert np.all(np.abs(mc - want) <= 4 * se + 0.03 * th.total), (part, mc, se, want)


def test_iterative_theory_matches_full_simulation_at_every_round():
    r = cl.simulate.iterative_mixing(ISO, 100, 100, 10, 1e-2, trials=150, seed=4)
    th = iterative_mixing(ISO, 100, 100, 10, 1e-2)
    assert np.all(close(r.mean, r.stderr, th.total)), (r.mean - th.total) / r.stderr


def test_fresh_noise_makes_the_error_non_monotone_and_the_simulation_shows_it():
    """With c² small the synthetic bias is gone after a round or two, then relabelling noise accumulates."""
    s = ISO.with_quality(0.05)
    th = iterative_mixing(s, 2_000, 2_000, 15, 1e-3)
    k = int(np.argmin(th.total))
    assert 0 < k < 15 and th.total[-1] > 1.05 * th.total[k]
    r = iterative_mixing_terms(s, 2_000, 2_000, 15, 1e-3, trials=20, seed=1)  # design-only: ~0.1% s.e.
    assert r.total[-1] - r.total[k] > 4 * (r.total_stderr[-1] + r.total_stderr[k])
    assert np.argmin(r.total) in (k - 1, k, k + 1)
    assert np.all(close(r.total, r.total_stderr, th.total))


def test_leading_order_recursion_is_the_large_n_limit():
    for n, tol in ((400, 0.35), (40_000, 0.03), (4_000_000, 2e-3)):
        lo = iterative_mixing_leading_order(ISO, n / 2, n / 2, 8, 1e-4).total
        ex = iterative_mixing(ISO, n / 2, n / 2, 8, 1e-4).total
        assert np.max(np.abs(lo / ex - 1)) < tol, (n, lo / ex)
    # isotropic closed forms at λ → 0
    lo = iterative_mixing_leading_order(ISO, 1e6, 1e6, 4, 0.0)
    t = np.arange(5)
    np.testing.assert_allclose(lo.synthetic_bias, 0.5 ** (2 * (t + 1)) * ISO.c2, rtol=1e-12)
    np.testing.assert_allclose(lo.real_noise, (1 - 0.5 ** (t + 1)) ** 2 * 0.25 * 50 / 1e6, rtol=1e-12)


# ----------------------------------------------------------------------------- validation
def test_mixing_theory_validation():
    with pytest.raises(ValueError, match="alpha"):
        weighted_mixing(ISO, 10, 10, 1.2, 0.1)
    with pytest.raises(ValueError, match="n1"):
        weighted_mixing(ISO, -1, 10, 0.5, 0.1)
    with pytest.raises(ValueError, match="n2 = 0 needs alpha = 1"):
        weighted_mixing(ISO, 10, 0, 0.5, 0.1)
    with pytest.raises(ValueError, match="lam"):
        weighted_mixing(ISO, 10, 10, 0.5, 0.0)  # 20 samples < d = 50, ridgeless
    with pytest.raises(ValueError, match="grid"):
        optimal_alpha(ISO, 10, 10, 0.1, grid=2)
    with pytest.raises(ValueError, match="rounds"):
        iterative_mixing(ISO, 10, 10, -1, 0.1)
    with pytest.raises(ValueError, match="lam"):
        iterative_mixing(ISO, 40, 100, 3, 0.0)  # n1 < d, ridgeless: the iteration never forgets w2
    with pytest.raises(ValueError, match="n2"):
        iterative_mixing(ISO, 10, 0, 3, 0.1)
    with pytest.raises(TypeError, match="relabel_noise"):
        iterative_mixing(ISO, 10, 10, 3, 0.1, relabel_noise="yes")


# ----------------------------------------------------------------------------- figure recipes 9 and 10
@pytest.fixture(scope="module", params=["fig9", "fig10"])
def mixing_table(request):
    return request.param, cl.figures.get(request.param).compute(scale="smoke", seed=3)


def test_mixing_recipes_simulation_agrees_with_theory(mixing_table):
    name, table = mixing_table
    assert set(table.kind) == {"theory", "simulation"}
    sim = table[table.kind == "simulation"]
    assert np.all(np.isfinite(sim.error)) and np.all(sim.stderr > 0)
    # smoke scale (d = 20, 8 trials): noisy s.e. and O(1/d) finite-size gaps; precise checks are above
    gap = np.abs(sim.error - sim.theory)
    assert np.mean(gap <= 3 * sim.stderr + 0.10 * sim.theory) >= 0.85, name
    assert np.all(gap <= 4 * sim.stderr + 0.40 * sim.theory), sim[gap > 4 * sim.stderr + 0.40 * sim.theory]


def test_mixing_recipes_show_the_papers_messages(mixing_table):
    name, table = mixing_table
    th = table[table.kind == "theory"]
    if name == "fig9":
        c = th[th.panel == "c"]
        get = lambda s: c[c.series == s].sort_values("n")  # noqa: E731
        opt, clean, pooled = get("optimal"), get("clean"), get("pooled")
        assert np.all(opt.error.to_numpy() <= clean.error.to_numpy() + 1e-15)
        assert np.all(opt.error.to_numpy() <= pooled.error.to_numpy() + 1e-15)
        assert opt.alpha.iloc[-1] > 0.999 and abs(opt.error.iloc[-1] / clean.error.iloc[-1] - 1) < 1e-3
        assert pooled.error.iloc[-1] > 100 * clean.error.iloc[-1]  # the pooling floor
    else:
        a = th[th.panel == "a"]
        lim = a[a.series == "limit"].sort_values("n").error.to_numpy()
        clean = a[a.series == "clean"].sort_values("n").error.to_numpy()
        assert np.all(lim > clean)  # the fixed point with fresh noise stays above Clean
        slope = np.polyfit(np.log(a[a.series == "limit"].sort_values("n").n[-8:]), np.log(lim[-8:]), 1)[0]
        assert -1.1 < slope < -0.9  # ... with the clean rate


def test_mixing_recipes_plot_and_config(mixing_table):
    import matplotlib.pyplot as plt

    name, table = mixing_table
    fig = cl.figures.get(name).plot(table)
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)
    for scale in ("smoke", "book", "paper"):
        assert cl.figures.get(name).config(scale)["scale"] == scale


@pytest.mark.parametrize("noise", [True, False])
def test_simulated_rounds_converge_to_the_theoretical_limit(noise):
    r = iterative_mixing_terms(ISO, 150, 150, 60, 1e-2, relabel_noise=noise, trials=30, seed=6)
    lim = iterative_mixing_limit(ISO, 150, 150, 1e-2, relabel_noise=noise).total
    assert abs(r.total[-1] - r.total[-2]) < 1e-4 * r.total[-1]  # converged
    assert close(r.total[-1], r.total_stderr[-1], lim)


def test_optimal_alpha_for_many_qualities_in_one_solve_is_each_quality_alone():
    """``c2=``: E(α) is linear in Δ, so one solve over (pairs × c²) gives each c²'s own α* and E(α*)."""
    st = cl.Setting.power_law(40, 1.0, r2=1.0, c2=0.7, sigma2=0.25)
    n1, n2 = np.array([60.0, 400.0, 5000.0]), np.array([30.0, 4000.0, 500.0])
    c2s = np.array([0.0, 0.05, 0.7, 3.0])
    many = cl.theory.optimal_alpha(st, n1[:, None], n2[:, None], 1e-3, c2=c2s[None, :])
    for j, c2 in enumerate(c2s):
        alone = cl.theory.optimal_alpha(st.with_quality(c2), n1, n2, 1e-3)
        np.testing.assert_allclose(many.error[:, j], alone.error, rtol=1e-12)
        # at a smooth minimum E changes by ~(δα)², so α* is fixed only to about √ε ≈ 1e-8 by the error it gives
        np.testing.assert_allclose(many.alpha[:, j], alone.alpha, rtol=0, atol=1e-7)
    # from a setting with c² = 0 (Δ = 0): Δ ∝ I, as Setting.with_quality makes it
    st0 = cl.Setting.isotropic(40, c2=0.0)
    got = cl.theory.optimal_alpha(st0, 400.0, 4000.0, 1e-3, c2=0.5)
    ref = cl.theory.optimal_alpha(st0.with_quality(0.5), 400.0, 4000.0, 1e-3)
    assert got.error == pytest.approx(ref.error, rel=1e-12)


@pytest.mark.parametrize("bad", [-0.1, True, "0.5", np.nan])
def test_optimal_alpha_names_a_bad_c2(bad):
    with pytest.raises((ValueError, TypeError), match="c2"):
        cl.theory.optimal_alpha(cl.Setting.isotropic(20), 100.0, 100.0, 1e-3, c2=bad)
