"""The two arithmetics of the theory's ratios (collapse_lib.theory.arithmetic) and the rule that picks one.

* Where the fast arithmetic is proven valid (eigenvalues and κ in [2^−300, 2^300]), Theorems 1
  and 2 computed with ``path="fast"`` and ``path="safe"`` agree to 1e-12 (relative) in every field,
  on a grid of spectra (isotropic, power laws, random spectra over 120 orders of magnitude), n on
  both sides of d and at d, λ from 0 to 1e4, and on generated inputs. One exception: Theorem 2's
  bias Σ γ̃(b − o) is a difference that cancels to rounding in the thin ridgeless regime (m < d,
  λ → 0; theory.projections clips it at 0), so it is compared to 1e-12 of the total error.
* Outside that range the fast formulas do go wrong, so the boundary is not vacuous: with κ ≈ 1e308
  the sum s + κ overflows and 1/(s+κ) is 0 (Theorem 1 would lose its bias, the null predictor's
  error r²); with κ = 1e200 the derivative term κ Σ s/(s+κ)² of the equation of κ underflows to 0.
  There ``path="auto"`` takes the safe arithmetic (checked on :func:`choose`), its result is the
  right one (closed forms), and ``path="fast"`` is refused with a ValueError.
* The distinct rows found by the theory (``ridge._unique_rows``) are numpy's.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_theory_range import theorem1_mp  # Theorem 1 literally, in 400-digit arithmetic

import collapse_lib as cl
from collapse_lib.theory import arithmetic, ridge

T1_FIELDS = ("total", "bias", "variance", "zeta", "clean", "floor", "kappa", "u")
T2_FIELDS = ("total", "approx", "bias", "variance", "zeta", "zeta_floor", "zeta_design", "clean", "mu", "floor")
REL = 1e-12


def _wide(d, lo, hi, seed):
    rng = np.random.default_rng(seed)
    s = 10.0 ** rng.uniform(lo, hi, d)
    return cl.Setting(s, rng.uniform(0, 1, d) / (d * s), rng.uniform(0, 1, d) / (d * s), 0.3, 0.2)


SETTINGS = [
    cl.Setting.isotropic(50),
    cl.Setting.power_law(200, 0.5),
    cl.Setting.power_law(300, 1.5, c2=0.3, sigma2=0.1),
    cl.Setting.power_law(100, 4.0),
    _wide(60, -60, 60, 1),
]


def _agree(a, b, fields, of_total=()):
    """Every field to REL relative; the fields ``of_total`` to REL times the total error."""
    for f in fields:
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        if f in of_total:
            np.testing.assert_array_equal(np.isfinite(x), np.isfinite(y), err_msg=f)
            ok = np.isfinite(y)
            assert np.all(np.abs(x - y)[ok] <= REL * np.abs(np.asarray(b.total))[ok]), f
        else:
            np.testing.assert_allclose(x, y, rtol=REL, atol=0, err_msg=f)


@pytest.mark.parametrize("s", SETTINGS, ids=[s.name for s in SETTINGS])
def test_theorem1_fast_and_safe_agree_where_both_are_valid(s):
    d = s.d
    n = np.array([d / 10, d / 2, d - 1, d, d + 1, 1.5 * d, 10 * d, 1e4 * d])
    lam = np.array([0.0, 1e-12, 1e-4, 1e-1, 1.0, 1e4])
    N, P2, LAM = np.meshgrid(n, [0.0, 0.3, 1.0], lam, indexing="ij")
    fast = cl.theory.classical(s, N, P2, LAM, path="fast")  # raises if any κ left the fast range
    safe = cl.theory.classical(s, N, P2, LAM, path="safe")
    _agree(fast, safe, T1_FIELDS)
    np.testing.assert_array_equal(np.isinf(fast.total), (LAM == 0) & (N == d))  # only the interpolation peak
    _agree(cl.theory.classical(s, N, P2, LAM), fast, T1_FIELDS)  # auto takes the fast path here


@pytest.mark.parametrize("s", SETTINGS[:4], ids=[s.name for s in SETTINGS[:4]])
def test_theorem2_fast_and_safe_agree_where_both_are_valid(s):
    d = s.d
    n = np.array([d / 4, float(d), 4.0 * d])[:, None, None]
    m = np.array([d / 10, d / 4, d / 2, float(d), 3.0 * d])[None, :, None]
    lam = np.array([0.0, 1e-6, 1e-2, 1.0])[None, None, :]
    fast = cl.theory.random_projections(s, n, m, 0.4, lam, path="fast")
    safe = cl.theory.random_projections(s, n, m, 0.4, lam, path="safe")
    _agree(fast, safe, T2_FIELDS, of_total=("bias",))
    _agree(cl.theory.random_projections(s, n, m, 0.4, lam), fast, T2_FIELDS, of_total=("bias",))


@settings(max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    d=st.integers(1, 40),
    span=st.floats(0, 80),
    center=st.floats(-5, 5),
    seed=st.integers(0, 2**16),
    logn=st.floats(-1, 6),
    lam=st.one_of(st.just(0.0), st.floats(-20, 20).map(lambda e: 10.0**e)),
    p2=st.floats(0, 1),
)
def test_paths_agree_on_generated_inputs_in_the_fast_range(d, span, center, seed, logn, lam, p2):
    s = _wide(d, center - span / 2, center + span / 2, seed)
    n = 10.0**logn
    kappa = cl.theory.solve_kappa(s, n, lam, path="safe")
    if not arithmetic.fast_ok(s.grouped.eigenvalues, np.atleast_1d(kappa)).all():
        return  # κ itself left the fast range (λ = 0 with n just below d, say): auto goes safe, tested below
    try:
        fast = cl.theory.classical(s, n, p2, lam, path="fast")
    except ValueError:  # a bracket of the root reached outside the range (the root did not)
        return
    safe = cl.theory.classical(s, n, p2, lam, path="safe")
    _agree(fast, safe, T1_FIELDS)


# ------------------------------------------------------------------ outside the range: the dispatcher
def test_the_fast_range_is_the_documented_one():
    s = np.array([1e-3, 1.0, 1e3])
    k = np.array([0.0, 2.0**-300, 2.0**-301, 1.0, 2.0**300, 2.0**301, 1e300])
    np.testing.assert_array_equal(arithmetic.fast_ok(s, k), [True, True, False, True, True, False, False])
    assert not arithmetic.fast_ok(np.array([1e-100, 1.0]), np.array([1.0])).any()  # spectrum below 2^-300
    assert not arithmetic.fast_ok(np.array([1.0, 1e100]), np.array([1.0])).any()  # spectrum above 2^300
    assert not arithmetic.choose(s, np.array([1.0]), "safe").any()


def test_near_the_largest_float_fast_would_overflow_and_auto_takes_the_safe_path(monkeypatch):
    """λ = 1e308 with an eigenvalue 1e308: s + κ overflows, so r = 1/(s+κ) = 0 and q = a = 0.

    The reference is Theorem 1 evaluated literally in 400-digit arithmetic (tests/theory/test_theory_range.py).
    """
    spectrum = np.array([1.0, 1e308])
    gamma = np.array([0.5, 0.5 / 1e308])  # r² = 1
    s = cl.Setting(spectrum, gamma, np.array([0.1, 0.1 / 1e308]), 0.25, 0.25)
    lam = 1e308
    kappa = cl.theory.solve_kappa(s, 10.0, lam)
    assert not arithmetic.choose(s.grouped.eigenvalues, np.atleast_1d(kappa), "auto").any()
    auto = cl.theory.classical(s, 10.0, 0.3, lam)
    total, bias, _, _ = theorem1_mp(s, 10.0, 0.3, lam)
    assert auto.total == pytest.approx(total, rel=1e-9) and auto.bias == pytest.approx(bias, rel=1e-9)
    assert bias > 0.1
    assert cl.theory.classical(s, 10.0, 0.3, lam, path="safe") == auto
    with pytest.raises(ValueError, match="path='fast'"):
        cl.theory.classical(s, 10.0, 0.3, lam, path="fast")
    # the fast formulas forced on this point (the rule bypassed) are wrong: the bias vanishes
    with np.errstate(over="ignore"):
        q, a = arithmetic._fast_ratios(s.grouped.eigenvalues, np.atleast_1d(kappa))
    assert a[0, 1] == 0.0 and q[0, 1] == 0.0  # should be a ≈ 1/2 + ...: κ/(s+κ) with κ ≈ s
    monkeypatch.setattr(arithmetic, "fast_ok", lambda e, k: np.ones(np.shape(k), dtype=bool))
    with np.errstate(all="ignore"):
        forced = cl.theory.classical(s, 10.0, 0.3, lam)
    assert not forced.bias == pytest.approx(bias, rel=1e-3)


def test_where_the_derivative_underflows_auto_takes_the_safe_path():
    """κ = 1e200 against s ~ 1: the fast derivative term κ Σ w s r² has r² = 1e-400 → 0; the safe one is ≈ Σ s/κ."""
    s = np.array([0.5, 1.0, 2.0])
    w = np.array([1.0, 2.0, 1.0])
    kappa = np.array([1e200])
    assert not arithmetic.choose(s, kappa, "auto").any()
    big, signed, qa = arithmetic.df1_parts(s, w, kappa, "auto")
    with mp.workdps(50):
        want = float(sum(mp.mpf(wj) * sj * mp.mpf(1e200) / (sj + mp.mpf(1e200)) ** 2 for sj, wj in zip(s, w)))
    assert qa[0] == pytest.approx(want, rel=1e-14) and want > 0
    r = 1.0 / (s + kappa[0])
    assert kappa[0] * ((r * r) @ (w * s)) == 0.0  # the fast recipe, outside its range
    with pytest.raises(ValueError, match="path='fast'"):
        arithmetic.df1_parts(s, w, kappa, "fast")


def test_a_spectrum_spanning_400_orders_goes_safe_and_matches_the_least_squares_closed_form():
    """λ = 0, n > d: E = σ²d/(n−d) + p₂²c² + p₁p₂c²d/(n−d) for any spectrum (tests/theory/test_theory_range.py)."""
    s = _wide(30, -200, 200, 7)
    assert not arithmetic.spectrum_ok(s.grouped.eigenvalues)
    n, p2 = 45.0, 0.3
    h = s.d / (n - s.d)
    sigma2 = (1 - p2) * s.sigma2_real + p2 * s.sigma2_synth
    want = sigma2 * h + p2**2 * s.c2 + (1 - p2) * p2 * s.c2 * h
    assert cl.theory.classical(s, n, p2, 0.0).total == pytest.approx(want, rel=1e-10)
    with pytest.raises(ValueError, match="path='fast'"):
        cl.theory.classical(s, n, p2, 0.0, path="fast")


@pytest.mark.parametrize("bad", ["quick", "", None, 1, True])
def test_an_unknown_path_is_refused_naming_the_argument(bad):
    s = cl.Setting.isotropic(5)
    for call in (
        lambda: cl.theory.classical(s, 10, 0.1, 0.1, path=bad),
        lambda: cl.theory.random_projections(s, 10, 5, 0.1, 0.1, path=bad),
        lambda: cl.theory.solve_kappa(s, 10, 0.1, path=bad),
    ):
        with pytest.raises(ValueError, match="^path must be one of"):
            call()


def test_unique_rows_are_numpys():
    rng = np.random.default_rng(0)
    cols = [rng.choice([0.0, 1e-300, 0.5, 3.0, 1e300], 500), rng.choice([7.0, 2.0, 2.5], 500), rng.random(500) < 0.5]
    cols[2] = cols[2].astype(float)
    uniq, inv = ridge._unique_rows(*cols)
    want, want_inv = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.stack(uniq, axis=1), want)
    np.testing.assert_array_equal(inv, want_inv.ravel())
