"""Theorem 1 (theory.classical), Corollary 1 and κ: limits, closed forms, shapes, invariances.

Expected values come from tests/theory/reference.py (Theorem 1's formulas on the raw,
ungrouped spectrum, κ by scipy's brentq) or from closed forms derived by hand,
never from collapse_lib itself.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from reference import df, floor_ref, kappa_ref, population_bias_ref, setting_args, theorem1_ref

import collapse_lib as cl


def _settings():
    rng = np.random.default_rng(0)
    d = 60
    spectrum = rng.uniform(0.1, 3.0, d)
    return {
        "iso": cl.Setting.isotropic(100, r2=1.0, c2=0.5, sigma2=0.25),
        "powerlaw": cl.Setting.power_law(120, 1.2, r2=2.0, c2=0.3, sigma2=0.1),
        # generic: distinct eigenvalues, non-uniform Γ, Δ, different noise levels
        "generic": cl.Setting(
            spectrum, rng.uniform(0, 0.05, d), rng.uniform(0, 0.02, d), sigma2_real=0.3, sigma2_synth=0.7
        ),
    }


SETTINGS = _settings()


# ---------------------------------------------------------------- reference agreement
@pytest.mark.parametrize("name", list(SETTINGS))
@pytest.mark.parametrize("ratio", [0.3, 0.8, 1.25, 3.0])
@pytest.mark.parametrize("lam", [0.0, 1e-3, 1.0])
def test_matches_independent_reference(name, ratio, lam):
    s = SETTINGS[name]
    n = s.d / ratio
    for p2 in (0.0, 0.1, 0.6, 1.0):
        r = cl.theory.classical(s, n=n, p2=p2, lam=lam)
        ref = theorem1_ref(*setting_args(s), n=n, p2=p2, lam=lam)
        for key in ("total", "bias", "variance", "zeta", "kappa", "u"):
            np.testing.assert_allclose(
                getattr(r, key),
                ref[key],
                rtol=1e-7,
                atol=1e-13,
                err_msg=f"{key} at {name}, d/n={ratio}, lam={lam}, p2={p2}",
            )
        assert r.total == pytest.approx(r.bias + r.variance + r.zeta, rel=1e-12)
        assert r.clean == pytest.approx(r.bias + r.variance, rel=1e-12)


# ---------------------------------------------------------------- p2 = 0: the clean law
@pytest.mark.parametrize("name", list(SETTINGS))
@pytest.mark.parametrize("lam", [0.0, 0.01, 1.0])
def test_p2_zero_is_clean_law(name, lam):
    s = SETTINGS[name].with_noise(sigma2_real=0.3, sigma2_synth=5.0)  # σ₂² must not enter
    for n in (0.5 * s.d, 2.0 * s.d, 10.0 * s.d):
        r = cl.theory.classical(s, n=n, p2=0.0, lam=lam)
        assert r.zeta == 0.0
        assert r.total == r.clean
        assert r.total == pytest.approx(r.bias + r.variance, rel=1e-14)
        k = kappa_ref(s.spectrum, n, lam)
        sp = s.spectrum
        df2 = df(sp, k, 2)
        bias = k**2 * np.sum(s.gamma * sp / (sp + k) ** 2) / (1 - df2 / n)
        var = 0.3 * df2 / (n - df2)  # σ² = σ₁² at p2 = 0
        assert r.bias == pytest.approx(bias, rel=1e-7, abs=1e-14)
        assert r.variance == pytest.approx(var, rel=1e-7)


# ---------------------------------------------------------------- n → ∞
BIG_N = 1e12


def _finite_n_slack(s, n):
    """Generous bound on the O(d/n) terms left at finite n (u ≈ df₂/n ≤ d/n multiplies
    σ², r²-, c²-sized traces)."""
    return 2 * s.d / n * (s.r2 + s.c2 + s.sigma2_real + s.sigma2_synth + 1.0)


@pytest.mark.parametrize("name", list(SETTINGS))
@pytest.mark.parametrize("lam", [1e-3, 0.1, 1.0])
@pytest.mark.parametrize("p2", [0.0, 0.001, 0.1, 0.5, 1.0])
def test_large_n_limit(name, lam, p2):
    """n → ∞: κ → λ, u → 0, V → 0, ζ → floor = p2² tr ΔΣ³(Σ+λ)⁻², B → λ² tr ΓΣ(Σ+λ)⁻².

    (So the *total* tends to floor + the population ridge bias; it equals the
    floor alone only as λ → 0, see the next test.)"""
    s = SETTINGS[name]
    slack = _finite_n_slack(s, BIG_N)
    r = cl.theory.classical(s, n=BIG_N, p2=p2, lam=lam)
    floor = floor_ref(s.spectrum, s.delta, p2, lam)
    pbias = population_bias_ref(s.spectrum, s.gamma, lam)
    assert r.floor == pytest.approx(floor, rel=1e-12, abs=1e-300)
    assert r.kappa == pytest.approx(lam, rel=1e-6)
    assert 0 <= r.u < s.d / BIG_N * 1.01
    assert 0 <= r.variance < slack
    assert r.zeta == pytest.approx(floor, rel=1e-6, abs=slack)
    assert r.bias == pytest.approx(pbias, rel=1e-6)
    assert r.total == pytest.approx(floor + pbias, rel=1e-6, abs=slack)
    if p2 > 0:  # the check is not swamped by the slack
        assert floor > 100 * slack


@pytest.mark.parametrize("name", list(SETTINGS))
@pytest.mark.parametrize("p2", [0.001, 0.1, 0.5, 1.0])
def test_floor_is_p2_squared_c2_for_small_lambda(name, p2):
    s = SETTINGS[name]
    c2 = float(np.sum(s.spectrum * s.delta))  # c² = tr ΣΔ, computed here
    slack = _finite_n_slack(s, BIG_N)
    assert p2**2 * c2 > 100 * slack
    for lam in (0.0, 1e-10):
        r = cl.theory.classical(s, n=BIG_N, p2=p2, lam=lam)
        assert r.floor == pytest.approx(p2**2 * c2, rel=1e-8)
        assert r.total == pytest.approx(p2**2 * c2, rel=1e-6, abs=slack)
    # the floor does not depend on n
    fl = cl.theory.classical(s, n=[10.0, 1e3, 1e6], p2=p2, lam=0.0).floor
    np.testing.assert_allclose(fl, p2**2 * c2, rtol=1e-12)


def test_floor_reached_from_above_and_scaling_law_without_synthetic():
    """p2 = 0 error → 0 like the scaling law; p2 > 0 flattens at p2² c²."""
    s = cl.Setting.isotropic(100, r2=1.0, c2=0.5, sigma2=0.25)
    n = np.logspace(3, 8, 11)
    clean = cl.theory.classical(s, n=n, p2=0.0, lam=0.0).total
    mixed = cl.theory.classical(s, n=n, p2=0.1, lam=0.0).total
    # ridgeless φ < 1, clean: σ² φ/(1 − φ), exactly
    phi = 100 / n
    np.testing.assert_allclose(clean, 0.25 * phi / (1 - phi), rtol=1e-10)
    assert np.all(mixed >= 0.1**2 * 0.5)
    assert mixed[-1] == pytest.approx(0.1**2 * 0.5, rel=1e-4)
    assert np.all(np.diff(mixed) < 0)


# ---------------------------------------------------------------- Corollary 1
def _cor1_by_hand(phi, p2, r2, c2, sigma2):
    p1 = 1 - p2
    if phi < 1:
        return sigma2 * phi / (1 - phi) + p2**2 * c2 + p1 * p2 * c2 * phi / (1 - phi)
    return r2 * (1 - 1 / phi) + sigma2 / (phi - 1) + c2 * p2 * (phi - p2) / (phi * (phi - 1))


@pytest.mark.parametrize("phi", [0.1, 0.5, 0.8, 1.25, 2.0, 5.0])
@pytest.mark.parametrize("lam", [0.0, 1e-10])
def test_corollary1_equals_theorem1_isotropic_ridgeless(phi, lam):
    d = 200
    r2, c2, sigma2 = 1.3, 0.4, 0.2
    s = cl.Setting.isotropic(d, r2=r2, c2=c2, sigma2=sigma2)
    p2 = np.array([0.0, 0.01, 0.1, 0.5, 0.9, 1.0])
    th = cl.theory.classical(s, n=d / phi, p2=p2, lam=lam).total
    cor = cl.theory.corollary1(phi, p2, r2=r2, c2=c2, sigma2=sigma2)
    np.testing.assert_allclose(cor, th, rtol=1e-7)
    np.testing.assert_allclose(cor, [_cor1_by_hand(phi, q, r2, c2, sigma2) for q in p2], rtol=1e-12)


@pytest.mark.parametrize("phi", [0.2, 0.7, 1.5, 4.0])
def test_corollary1_stated_checks(phi):
    r2, c2, sigma2 = 0.9, 0.6, 0.3
    # p2 = 1: pure-synthetic error
    pure = cl.theory.corollary1(phi, 1.0, r2=r2, c2=c2, sigma2=sigma2)
    if phi < 1:
        assert pure == pytest.approx(c2 + sigma2 * phi / (1 - phi), rel=1e-12)
    else:
        assert pure == pytest.approx(r2 * (1 - 1 / phi) + c2 / phi + sigma2 / (phi - 1), rel=1e-12)
    # p2 = 0: the clean law (c² drops out)
    clean = cl.theory.corollary1(phi, 0.0, r2=r2, c2=c2, sigma2=sigma2)
    if phi < 1:
        assert clean == pytest.approx(sigma2 * phi / (1 - phi), rel=1e-12)
    else:
        assert clean == pytest.approx(r2 * (1 - 1 / phi) + sigma2 / (phi - 1), rel=1e-12)
    assert clean == cl.theory.corollary1(phi, 0.0, r2=r2, c2=5 * c2, sigma2=sigma2)


def test_corollary1_threshold_and_broadcast():
    assert cl.theory.corollary1(1.0, 0.3) == np.inf
    out = cl.theory.corollary1(np.array([[0.5], [2.0]]), np.array([0.0, 0.5, 1.0]), c2=[0.1, 0.2, 0.3])
    assert out.shape == (2, 3)
    for i, phi in enumerate([0.5, 2.0]):
        for j, (p2, c2) in enumerate(zip([0.0, 0.5, 1.0], [0.1, 0.2, 0.3])):
            assert out[i, j] == pytest.approx(_cor1_by_hand(phi, p2, 1.0, c2, 0.25), rel=1e-12)


# ---------------------------------------------------------------- κ
def _residual(s, n, lam, k):
    return k - lam - k * df(s, k, 1) / n


@pytest.mark.parametrize("name", list(SETTINGS))
def test_kappa_solves_its_equation(name):
    s = SETTINGS[name]
    sp = s.spectrum
    ns = np.array([0.1, 0.5, 0.9, 1.1, 2.0, 50.0]) * s.d
    lams = np.array([1e-8, 1e-3, 0.1, 1.0, 100.0])
    K = cl.theory.solve_kappa(s, ns[:, None], lams[None, :])
    assert K.shape == (ns.size, lams.size)
    for (i, n), (j, lam) in itertools.product(enumerate(ns), enumerate(lams)):
        k = K[i, j]
        assert k >= lam
        assert k <= lam + sp.sum() / n * (1 + 1e-12)
        # the solver iterates to 1e-14 in log κ; allow 1e-12
        assert abs(_residual(sp, n, lam, k)) <= 1e-12 * k, (n, lam)
        assert k == pytest.approx(kappa_ref(sp, n, lam), rel=1e-11)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_solve_kappa_on_a_grid_matches_reference(name):
    """κ on a typical figure grid (60 n's × 16 λ's, λ = 0 included) against brentq, to 1e-10 relative."""
    s = SETTINGS[name]
    ns = np.unique(np.round(np.logspace(0.5, 4, 60)))
    lams = np.concatenate([[0.0], np.logspace(-6, 1, 15)])
    K = cl.theory.solve_kappa(s, ns[:, None], lams[None, :])
    worst = (0.0, None)
    for (i, n), (j, lam) in itertools.product(enumerate(ns), enumerate(lams)):
        if lam == 0 and n >= s.d:
            assert K[i, j] == 0.0
            continue
        kr = kappa_ref(s.spectrum, n, lam)
        err = abs(K[i, j] - kr) / kr
        worst = max(worst, (err, (n, lam)), key=lambda x: x[0])
    assert worst[0] < 1e-10, f"worst relative error of κ {worst[0]:.3g} at (n, lam) = {worst[1]}"


def test_solve_kappa_exact_zero_residual():
    """A Newton iterate that lands exactly on the root (F(κ) == 0) is returned as the root.

    Power-law Σ (d = 120, α = 1.2), n = 110, λ = 0 (ridgeless, φ = 1.09): κ solves
    df₁(κ) = n, κ ≈ 0.02147 (brentq). The solver's bracket is half-open there: a
    point with F == 0 closes the bracket at itself, and returning the bracket's
    midpoint instead would be off by up to half the bracket width in log κ.
    Theorem 1 at p2 = 0.1 is checked against the reference at the same point.
    """
    s = cl.Setting.power_law(120, 1.2, r2=2.0, c2=0.3, sigma2=0.1)
    kr = kappa_ref(s.spectrum, 110, 0.0)
    assert df(s.spectrum, kr, 1) == pytest.approx(110, rel=1e-12)
    k = float(cl.theory.solve_kappa(s, 110, 0.0))
    assert df(s.spectrum, k, 1) == pytest.approx(110, rel=1e-10)
    assert k == pytest.approx(kr, rel=1e-10)
    ref = theorem1_ref(*setting_args(s), n=110, p2=0.1, lam=0.0)["total"]
    assert cl.theory.classical(s, n=110, p2=0.1, lam=0.0).total == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_kappa_ridgeless(name):
    s = SETTINGS[name]
    sp = s.spectrum
    # λ = 0, d > n: df₁(κ) = n with κ > 0
    for n in (0.2 * s.d, 0.5 * s.d, 0.95 * s.d):
        k = cl.theory.solve_kappa(s, n, 0.0)
        assert k > 0
        assert df(sp, k, 1) == pytest.approx(n, rel=1e-10)
        # continuity: the λ → 0 root tends to the ridgeless one
        assert cl.theory.solve_kappa(s, n, 1e-12) == pytest.approx(k, rel=1e-6)
    # λ = 0, d ≤ n: κ = 0
    for n in (1.05 * s.d, 3.0 * s.d, float(s.d)):
        assert cl.theory.solve_kappa(s, n, 0.0) == 0.0


def test_kappa_isotropic_closed_form():
    """Isotropic Σ = I: κ − λ = κ φ/(1+κ) ⇒ κ² + (1 − φ − λ)κ − λ = 0 (positive root)."""
    d = 100
    s = cl.Setting.isotropic(d)
    for phi, lam in itertools.product([0.3, 1.0, 2.5], [1e-4, 0.5, 3.0]):
        b = 1 - phi - lam
        k = (-b + np.sqrt(b * b + 4 * lam)) / 2
        assert cl.theory.solve_kappa(s, d / phi, lam) == pytest.approx(k, rel=1e-10)


# ---------------------------------------------------------------- interpolation threshold
@pytest.mark.parametrize("c2", [0.5, 0.0])
@pytest.mark.parametrize("p2", [0.0, 0.1, 0.5, 1.0])
def test_ridgeless_at_threshold_is_infinite(p2, c2):
    """λ = 0, d = n, σ² > 0: the variance σ²·u blows up (u = ∞), so the error is +inf
    for every p2 and every c² (documented in classical's docstring). ζ has 0·∞ products
    there (at p2 = 1: p1·u and u·tr ΔΣ(p1Σ+κ)²(Σ+κ)⁻² with p1 = κ = 0; at c² = 0:
    u·tr ΔΣ³ with tr ΔΣ³ = 0), which must not come out NaN."""
    s = cl.Setting.isotropic(100, r2=1.0, c2=c2, sigma2=0.25)
    r = cl.theory.classical(s, n=100, p2=p2, lam=0.0)
    assert r.total == np.inf
    assert r.variance == np.inf
    assert not np.isnan(r.zeta)


def test_ridgeless_threshold_bias_is_the_lambda_to_zero_limit():
    """At d = n, as λ → 0: κ ≈ √(λ n / tr Σ⁻¹) → 0 and 1 − df₂/n ≈ 2κ tr Σ⁻¹/n, so
    B = κ² tr ΓΣ(Σ+κ)⁻²/(1 − df₂/n) ≈ κ tr ΓΣ⁻¹/(2 tr Σ⁻¹/n) → 0 (isotropic: B = κr²/(2+κ)).
    Consistently, with no noise and c² = 0 the ridgeless interpolator at d = n is
    X⁻¹y = w₁* exactly: error 0, and classical(..., lam=0) at d = n must say so (bias 0, not +inf)."""
    s = cl.Setting.isotropic(100, r2=1.0, c2=0.0, sigma2=0.0)
    near = cl.theory.classical(s, n=100, p2=0.0, lam=1e-12)
    assert near.bias < 1e-5  # the theory itself tends to 0
    r = cl.theory.classical(s, n=100, p2=0.0, lam=0.0)
    assert r.bias == pytest.approx(0.0, abs=1e-5)
    assert r.total == pytest.approx(0.0, abs=1e-5)


def test_threshold_peak_is_approached_continuously():
    s = cl.Setting.isotropic(100, r2=1.0, c2=0.5, sigma2=0.25)
    tot = cl.theory.classical(s, n=100, p2=0.1, lam=[1e-2, 1e-4, 1e-6, 1e-8]).total
    assert np.all(np.isfinite(tot)) and np.all(np.diff(tot) > 0) and tot[-1] > 1e2


# ---------------------------------------------------------------- broadcasting & vectorisation
def test_broadcasting_matches_pointwise():
    s = SETTINGS["powerlaw"]
    n = np.array([60.0, 100.0, 400.0])[:, None]  # column (d = 120: no point at n = d)
    p2 = np.array([0.0, 0.1, 0.5, 1.0])[None, :]  # row
    lam = np.array([0.0, 1e-3, 1.0]).reshape(3, 1, 1)  # 3-D
    r = cl.theory.classical(s, n=n, p2=p2, lam=lam)
    for key in ("total", "bias", "variance", "zeta", "clean", "floor", "kappa", "u"):
        assert np.shape(getattr(r, key)) == (3, 3, 4), key
    for a, i, j in itertools.product(range(3), range(3), range(4)):
        pt = cl.theory.classical(s, n=float(n[i, 0]), p2=float(p2[0, j]), lam=float(lam[a, 0, 0]))
        assert isinstance(pt.total, float)
        for key in ("total", "bias", "variance", "zeta", "floor", "kappa", "u"):
            assert getattr(r, key)[a, i, j] == pytest.approx(getattr(pt, key), rel=1e-10, abs=1e-300), key


def test_solve_kappa_broadcasting():
    s = SETTINGS["generic"]
    K = cl.theory.solve_kappa(s, np.array([[30.0], [90.0]]), np.array([0.0, 0.1, 1.0]))
    assert K.shape == (2, 3)
    for i, n in enumerate([30.0, 90.0]):
        for j, lam in enumerate([0.0, 0.1, 1.0]):
            assert K[i, j] == pytest.approx(float(cl.theory.solve_kappa(s, n, lam)), rel=1e-10, abs=0)


def test_vectorised_grid_is_finite():
    s = cl.Setting.power_law(200, 1.5)
    n = np.logspace(1, 6, 100)[:, None, None]
    p2 = np.linspace(0, 1, 10)[None, :, None]
    lam = np.logspace(-6, 1, 10)[None, None, :]
    r = cl.theory.classical(s, n=n, p2=p2, lam=lam)
    assert r.total.shape == (100, 10, 10)
    for key in ("total", "bias", "variance", "zeta", "kappa", "u", "floor"):
        assert np.all(np.isfinite(getattr(r, key))), key
    assert np.all(r.total > 0)
    # spot-check a few entries against the reference
    for i, j, k in [(0, 0, 0), (37, 3, 9), (99, 9, 4), (60, 5, 2)]:
        ref = theorem1_ref(*setting_args(s), n=float(n[i, 0, 0]), p2=float(p2[0, j, 0]), lam=float(lam[0, 0, k]))
        assert r.total[i, j, k] == pytest.approx(ref["total"], rel=1e-8)


# ---------------------------------------------------------------- invariances
@pytest.mark.parametrize("lam", [0.0, 1e-2, 1.0])
def test_permutation_invariance(lam):
    s = SETTINGS["generic"]
    perm = np.random.default_rng(1).permutation(s.d)
    sp = cl.Setting(s.spectrum[perm], s.gamma[perm], s.delta[perm], s.sigma2_real, s.sigma2_synth)
    n = np.array([20.0, 59.0, 61.0, 300.0])[:, None]
    p2 = np.array([0.0, 0.3, 1.0])
    a = cl.theory.classical(s, n=n, p2=p2, lam=lam)
    b = cl.theory.classical(sp, n=n, p2=p2, lam=lam)
    for key in ("total", "bias", "variance", "zeta", "floor", "kappa"):
        np.testing.assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-12, err_msg=key)


@pytest.mark.parametrize("lam", [0.0, 1e-3, 1.0])
def test_equal_eigenvalues_only_group_sums_matter(lam):
    """Σ = I with non-uniform Γ, Δ of the same traces = the isotropic setting."""
    d = 80
    rng = np.random.default_rng(2)
    g = rng.uniform(0, 1, d)
    g *= 1.0 / g.sum()
    dl = rng.uniform(0, 1, d)
    dl *= 0.5 / dl.sum()
    split = cl.Setting(np.ones(d), g, dl, 0.25, 0.25)
    iso = cl.Setting.isotropic(d, r2=1.0, c2=0.5, sigma2=0.25)
    n = np.array([40.0, 79.0, 81.0, 400.0])[:, None]
    p2 = np.array([0.0, 0.2, 1.0])
    a = cl.theory.classical(split, n=n, p2=p2, lam=lam)
    b = cl.theory.classical(iso, n=n, p2=p2, lam=lam)
    np.testing.assert_allclose(a.total, b.total, rtol=1e-12)


@pytest.mark.parametrize("lam", [0.0, 1e-3, 1.0])
def test_nearly_equal_eigenvalues_match_isotropic(lam):
    """Eigenvalues 1 + j·1e-13 are all distinct (no grouping), but the theory must
    agree with the grouped isotropic computation to ~1e-10."""
    d = 80
    sp = 1.0 + 1e-13 * np.arange(d)
    assert np.unique(sp).size == d
    near = cl.Setting(sp, np.full(d, 1.0 / d), np.full(d, 0.5 / d), 0.25, 0.25)
    iso = cl.Setting.isotropic(d, r2=1.0, c2=0.5, sigma2=0.25)
    n = np.array([40.0, 70.0, 90.0, 400.0])[:, None]
    p2 = np.array([0.0, 0.2, 1.0])
    a = cl.theory.classical(near, n=n, p2=p2, lam=lam)
    b = cl.theory.classical(iso, n=n, p2=p2, lam=lam)
    np.testing.assert_allclose(a.total, b.total, rtol=1e-9)
    np.testing.assert_allclose(a.kappa, b.kappa, rtol=1e-9, atol=1e-15)
