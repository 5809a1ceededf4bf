"""Property-based: the theory over the whole legal range is finite, +inf exactly where the maths says so, and right.

Generated inputs: spectra spanning up to 300 orders of magnitude (s_j from 1e-150 to 1e150, and
power laws s_j ∝ j^−α with α up to 60), λ = 0 or λ from 1e-300 to 1e300, n from 0.01 to 1e15
(including n = d exactly), any p₂ ∈ [0, 1]. The references are independent of the library:

* Theorem 1 evaluated literally (s², (s+κ)⁻², κ by bisection) in 400-digit arithmetic (mpmath),
  where nothing overflows or cancels;
* closed forms: at λ = 0, n > d the error is σ²d/(n−d) + p₂²c² + p₁p₂c²d/(n−d) for any spectrum
  (least squares; Corollary 1 when Σ = I); at φ = d/n = 1 with Σ = I, κ = (λ + √(λ²+4λ))/2,
  u = 1/(κ(2+κ)), B = r²κ/(2+κ); as λ → ∞ the error tends to r² (the null predictor);
* Theorem 2's limits: for m ≥ d at λ = 0 (n > d) the features span the input, so it equals
  Theorem 1 at λ = 0; as m → ∞ it equals Theorem 1 with λd/m (module docstring of theory.projections);
* weighted mixing at α = n₁/n is pooled ridge (Theorem 1) and at α = 1 ridge on the n₁ real samples
  (mixing equivalents: λ ≥ 1e-280·max s, see the test).
"""

from __future__ import annotations

import math
import os

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, note, settings
from hypothesis import strategies as st

import collapse_lib as cl

# 40 examples per property keeps this file at ~10 s; COLLAPSE_HYPOTHESIS_EXAMPLES=5000 (and derandomize off with
# COLLAPSE_HYPOTHESIS_RANDOM=1) searches much harder
EXAMPLES = int(os.environ.get("COLLAPSE_HYPOTHESIS_EXAMPLES", "40"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("COLLAPSE_HYPOTHESIS_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# ------------------------------------------------------------------ generated inputs over the whole range
@st.composite
def extreme_settings(draw, max_d=8):
    d = draw(st.integers(1, max_d))
    kind = draw(st.sampled_from(["wide", "power", "isotropic"]))
    if kind == "wide":
        s = 10.0 ** np.array(draw(st.lists(st.floats(-150, 150), min_size=d, max_size=d)))
    elif kind == "power":
        s = cl.Setting.power_law(d, draw(st.floats(0, 60))).spectrum
    else:
        s = np.full(d, 10.0 ** draw(st.floats(-150, 150)))
    # teacher and mismatch variances scaled so that r² = tr ΣΓ and c² = tr ΣΔ stay O(1)
    cg = np.array(draw(st.lists(st.floats(0, 1), min_size=d, max_size=d)))
    cd = np.array(draw(st.lists(st.floats(0, 1), min_size=d, max_size=d)))
    s1, s2 = draw(st.floats(0, 1)), draw(st.floats(0, 1))
    return cl.Setting(s, cg / (d * s), cd / (d * s), s1, s2)


lams = st.one_of(st.just(0.0), st.floats(-300, 300).map(lambda e: 10.0**e))
p2s = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1))


def sizes(d):
    return st.one_of(st.just(float(d)), st.floats(-2, 15).map(lambda e: 10.0**e), st.integers(1, 10**15).map(float))


def sigma2(s, p2):
    return (1 - p2) * s.sigma2_real + p2 * s.sigma2_synth


# ------------------------------------------------------------------ the 400-digit reference of Theorem 1
def theorem1_mp(setting, n, p2, lam):
    """Theorem 1 literally (paper; collapse_lib.theory.ridge module docstring), in 400-digit arithmetic."""
    with mp.workdps(400):
        s = [mp.mpf(float(x)) for x in setting.spectrum]
        g = [mp.mpf(float(x)) for x in setting.gamma]
        dl = [mp.mpf(float(x)) for x in setting.delta]
        n, lam, p2 = mp.mpf(n), mp.mpf(lam), mp.mpf(p2)
        p1, d = 1 - p2, len(s)
        if lam == 0 and d <= n:
            kappa = mp.mpf(0)
        else:  # F(κ) = 1 − Σ s/(s+κ)/n − λ/κ is increasing: bisection in log κ
            lo, hi = mp.log(mp.mpf("1e-700")), mp.log(lam + sum(s) / n + 1)
            for _ in range(200):
                mid = (lo + hi) / 2
                k = mp.exp(mid)
                if 1 - sum(x / (x + k) for x in s) / n - lam / k > 0:
                    hi = mid
                else:
                    lo = mid
            kappa = mp.exp((lo + hi) / 2)
        r2 = [1 / (x + kappa) ** 2 for x in s]
        df2 = sum(x**2 * r for x, r in zip(s, r2))
        if n - df2 <= 0:
            return None
        u = df2 / (n - df2)
        bias = kappa**2 * sum(gi * x * r for gi, x, r in zip(g, s, r2)) / (1 - df2 / n)
        var = (p1 * setting.sigma2_real + p2 * setting.sigma2_synth) * u
        t3 = sum(di * x**3 * r for di, x, r in zip(dl, s, r2))
        mix = sum(di * x * (p1 * x + kappa) ** 2 * r for di, x, r in zip(dl, s, r2))
        zeta = p2**2 * (1 + p1 * u) * t3 + p2 * u * mix
        return float(bias + var + zeta), float(bias), float(var), float(zeta)


@SETTINGS
@given(data=st.data())
def test_theorem1_matches_400_digit_reference_over_the_whole_range(data):
    s = data.draw(extreme_settings())
    n, p2, lam = data.draw(sizes(s.d)), data.draw(p2s), data.draw(lams)
    r = cl.theory.classical(s, n, p2, lam)
    if lam == 0 and n == s.d:  # the interpolation peak: the only infinite point
        assert r.u == math.inf and r.bias == 0.0
        assert r.total == math.inf or (sigma2(s, p2) == 0 and r.zeta < math.inf)
        return
    fields = (r.total, r.bias, r.variance, r.zeta, r.clean, r.floor, r.kappa, r.u)
    assert all(math.isfinite(x) and x >= 0 for x in fields), r
    ref = theorem1_mp(s, n, p2, lam)
    tot, bias, var, zeta = ref
    assert r.total == pytest.approx(tot, rel=1e-9)
    for got, want in ((r.bias, bias), (r.variance, var), (r.zeta, zeta)):
        assert got == pytest.approx(want, rel=1e-8, abs=1e-12 * tot)


@SETTINGS
@given(data=st.data())
@example(data=None)  # the spectrum: power_law(1000, 55) at λ = 0 spans 165 orders of magnitude
def test_ridgeless_least_squares_closed_form_for_any_spectrum(data):
    if data is None:
        s, p2, n = cl.Setting.power_law(1000, 55), 0.3, 5000.0
    else:
        s = data.draw(extreme_settings(max_d=40))
        p2, n = data.draw(p2s), s.d + data.draw(st.floats(-2, 15).map(lambda e: 10.0**e))
    h = s.d / (n - s.d)  # u = df₂/(n − df₂) with df₂ = d at κ = 0
    want = sigma2(s, p2) * h + p2**2 * s.c2 + (1 - p2) * p2 * s.c2 * h
    assert cl.theory.classical(s, n, p2, 0.0).total == pytest.approx(want, rel=1e-10)


@SETTINGS
@given(lam=st.floats(-300, -1).map(lambda e: 10.0**e), d=st.integers(1, 500), r2=st.floats(0, 2), p2=st.floats(0, 1))
def test_interpolation_threshold_is_finite_for_every_positive_lambda(lam, d, r2, p2):
    """φ = 1 (n = d), Σ = I: exact closed form, finite for every λ > 0 down to 1e-300 (κ ≈ √λ)."""
    s = cl.Setting.isotropic(d, r2=r2, c2=0.5, sigma2=0.25)
    with mp.workdps(400):
        L = mp.mpf(lam)
        k = (L + mp.sqrt(L**2 + 4 * L)) / 2
        u, bias = 1 / (k * (2 + k)), r2 * k / (2 + k)
    r = cl.theory.classical(s, d, p2, lam)
    assert math.isfinite(r.total)
    assert r.kappa == pytest.approx(float(k), rel=1e-10)
    assert r.u == pytest.approx(float(u), rel=1e-9)
    assert r.bias == pytest.approx(float(bias), rel=1e-9, abs=1e-300)
    assert cl.theory.classical(s, d, p2, 0.0).u == math.inf


@SETTINGS
@given(data=st.data())
def test_huge_lambda_gives_the_null_predictor(data):
    """λ → ∞: ŵ → 0 and the error → r² = tr ΣΓ (Theorems 1 and 2), for λ up to 1e300 (λ² overflows from 1e155)."""
    s = data.draw(extreme_settings())
    n, p2, m = data.draw(sizes(s.d)), data.draw(p2s), data.draw(sizes(s.d))
    # far beyond the spectrum, also for Theorem 2 whose effective penalty is λd/m
    floor = 1e10 * (s.spectrum.max() + s.spectrum.sum() / min(n, m, 1.0)) * max(1.0, m / s.d)
    if floor >= 1e300:
        return
    lam = 10.0 ** data.draw(st.floats(math.log10(floor), 300))
    scale = s.r2 + s.c2 + s.sigma2_real + s.sigma2_synth
    for r in (cl.theory.classical(s, n, p2, lam), cl.theory.random_projections(s, n, m, p2, lam)):
        assert abs(r.total - s.r2) <= 1e-6 * scale


@SETTINGS
@given(data=st.data())
def test_theorem2_is_finite_over_the_whole_range_except_its_peaks(data):
    s = data.draw(extreme_settings())
    n, m, p2, lam = data.draw(sizes(s.d)), data.draw(sizes(s.d)), data.draw(p2s), data.draw(lams)
    r = cl.theory.random_projections(s, n, m, p2, lam)
    fields = (
        r.total,
        r.approx,
        r.bias,
        r.variance,
        r.zeta,
        r.zeta_floor,
        r.zeta_design,
        r.clean,
        r.floor,
        r.mu,
        r.theta,
        r.u,
    )
    assert not any(math.isnan(x) for x in fields), r
    assert all(x >= 0 for x in fields), r
    # ridgeless peaks: m = n ≤ d (the m × n feature matrix is square), or min(m, n) ≥ d = n
    peak = lam == 0 and ((m == n and n <= s.d) or (n == s.d and m >= s.d))
    if not peak:
        assert all(math.isfinite(x) for x in fields), r
    else:
        assert r.u == math.inf


@SETTINGS
@given(data=st.data())
def test_theorem2_limits(data):
    s = data.draw(extreme_settings())
    p2 = data.draw(p2s)
    # m ≥ d, λ = 0, n > d: the features span the input, least squares on x
    n = s.d + data.draw(st.floats(-2, 15).map(lambda e: 10.0**e))
    m = s.d * 10.0 ** data.draw(st.floats(0, 14))
    assert cl.theory.random_projections(s, n, m, p2, 0.0).total == pytest.approx(
        cl.theory.classical(s, n, p2, 0.0).total, rel=1e-9
    )
    # m → ∞ at any n, λ: Theorem 1 with λ·d/m (kept above 1e-290: no subnormal penalty)
    n, lam = data.draw(sizes(s.d)), data.draw(lams.filter(lambda x: x > 0))
    m = 1e13 * max(s.d, n)
    if lam * s.d / m < 1e-290:
        return
    assert cl.theory.random_projections(s, n, m, p2, lam).total == pytest.approx(
        cl.theory.classical(s, n, p2, lam * s.d / m).total, rel=1e-8
    )


@SETTINGS
@given(data=st.data())
def test_weighted_mixing_reduces_to_theorem1_over_the_whole_range(data):
    s = data.draw(extreme_settings())
    n1 = data.draw(st.one_of(st.floats(0, 14).map(lambda e: 10.0**e), st.just(float(s.d))))
    n2 = data.draw(st.one_of(st.floats(0, 14).map(lambda e: 10.0**e), st.just(float(s.d))))
    lam = data.draw(lams)
    if lam == 0 and n1 + n2 <= s.d:
        lam = 1e-3
    # the weighted equivalents are solved in t ≍ 1/θ = κ/λ: kept to λ ≥ 1e-280·s_max (relative to the
    # spectrum, λ below that is smaller than any float relative to it; Theorems 1 and 2 above have no limit)
    assume(lam == 0 or lam >= 1e-280 * s.spectrum.max())
    n = n1 + n2
    note(f"n1={n1!r}, n2={n2!r}, lam={lam!r}")
    cases = [(n1 / n, cl.theory.classical(s, n, n2 / n, lam))]
    if lam > 0 or n1 > s.d:
        cases.append((1.0, cl.theory.classical(s, n1, 0.0, lam)))
    for alpha, ref in cases:
        if lam > 0 and ref.kappa / lam > 1e300:  # t ≍ κ/λ is not representable: a clear refusal is allowed
            with pytest.raises(ValueError, match="^lam is too small"):
                cl.theory.weighted_mixing(s, n1, n2, alpha, lam)
            continue
        assert cl.theory.weighted_mixing(s, n1, n2, alpha, lam).total == pytest.approx(ref.total, rel=1e-8)


@settings(
    max_examples=max(4, EXAMPLES // 5),
    deadline=None,
    derandomize=SETTINGS.derandomize,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_iterative_mixing_is_finite_over_the_range(data):
    s = data.draw(extreme_settings(max_d=4))
    n1 = s.d + 10.0 ** data.draw(st.floats(0, 12))
    n2 = 10.0 ** data.draw(st.floats(0, 12))
    lam = data.draw(lams.filter(lambda x: x < 1e250))
    assume(lam == 0 or lam >= 1e-280 * s.spectrum.max())
    note(f"n1={n1!r}, n2={n2!r}, lam={lam!r}")
    r = cl.theory.iterative_mixing(s, n1, n2, 3, lam)
    assert np.all(np.isfinite(r.total)) and math.isfinite(r.limit), r
    # round 0 is pooled ridge on all n samples (Theorem 1)
    assert r.total[0] == pytest.approx(r.pooled, rel=1e-6, abs=1e-12 * (s.r2 + s.c2 + 1))
