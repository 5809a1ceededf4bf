"""Numbers and statements the chapters make in prose, checked against independent computations.

Each test recomputes a claim of a chapter from a closed form or a generic optimiser written
here (never from the output of the code under test), and where the chapter once said
something else, checks that its text no longer does.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from scipy import optimize

import collapse_lib as cl

BOOK = pathlib.Path(__file__).resolve().parents[1] / "book"


def _chapter(name: str) -> str:
    return (BOOK / f"{name}.md").read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------------------- theorem1
def _iso_kappa(phi: float, lam: float) -> float:
    """κ for Σ = I: the positive root of κ² + κ(1 − λ − φ) − λ = 0 (κ − λ = κφ/(1 + κ))."""
    b = 1.0 - lam - phi
    return (-b + np.sqrt(b * b + 4.0 * lam)) / 2.0


def _iso_bias_variance(d: int, n: int, lam: float, r2: float, sigma2: float) -> tuple[float, float]:
    """B and V of Theorem 1 for Σ = I, Γ = (r²/d)I, by hand."""
    k = _iso_kappa(d / n, lam)
    df2 = d / (1.0 + k) ** 2
    bias = k**2 * r2 / (1.0 + k) ** 2 / (1.0 - df2 / n)
    return bias, sigma2 * df2 / (n - df2)


def test_interpolation_peak_is_in_the_variance_not_the_bias():
    """theorem1: at n = d (Σ = I, d = 100, λ = 1e-6) B is small and V large; the chapter no longer says B blows up."""
    st = cl.Setting.isotropic(100, r2=1.0, c2=0.5, sigma2=0.25)
    expected = {99: (0.0100, 24.27), 100: (5.0e-4, 124.9)}  # the values quoted in the issue, to 3 digits
    for n, (b_ref, v_ref) in expected.items():
        b, v = _iso_bias_variance(100, n, 1e-6, 1.0, 0.25)
        assert b == pytest.approx(b_ref, rel=2e-3) and v == pytest.approx(v_ref, rel=2e-3)
        th = cl.theory.classical(st, n, 0.1, 1e-6)
        assert th.bias == pytest.approx(b, rel=1e-6) and th.variance == pytest.approx(v, rel=1e-6)
        assert b < 0.02 < 20 < v
    text = _flat(_chapter("theorem1"))
    assert "in $B$ makes both terms blow up" not in text
    assert "The bias does not blow up" in text


def test_theorem1_is_labelled_as_the_books_reconstruction():
    text = _flat(_chapter("theorem1"))
    assert "written with the notation of this book" not in text
    assert "as this book reconstructs it" in text and "not in its text known to us" in text


def test_crossover_uses_the_mismatch_noise_of_corollary_1():
    """theorem1: before the floor the error follows (σ² + p₁p₂c²)d/n; n* is where that part meets p₂²c²."""
    sigma2, c2, d = 0.25, 0.5, 100
    st = cl.Setting.isotropic(d, r2=1.0, c2=c2, sigma2=sigma2)
    # 32% above σ² at p₂ = 0.2, c² = 0.5 (the chapter's example)
    assert 0.8 * 0.2 * c2 / sigma2 == pytest.approx(0.32)
    for p2 in (0.01, 0.1, 0.2):
        n_star = (sigma2 + (1 - p2) * p2 * c2) * d / (p2**2 * c2)
        phi = d / n_star
        th = cl.theory.classical(st, n_star, p2, 0.0)
        n_part = th.total - p2**2 * c2  # the n-dependent part of Corollary 1: (σ² + p₁p₂c²) φ/(1 − φ)
        assert n_part == pytest.approx((sigma2 + (1 - p2) * p2 * c2) * phi / (1 - phi), rel=1e-9)
        assert n_part / (p2**2 * c2) == pytest.approx(1 / (1 - phi), rel=1e-9)  # meets the floor, up to 1/(1 − φ)
        old = sigma2 * d / (p2**2 * c2)  # σ²d/(p₂²c²) misses the mismatch noise
        old_part = cl.theory.classical(st, old, p2, 0.0).total - p2**2 * c2
        assert old_part / (p2**2 * c2) > 1 + 0.9 * (1 - p2) * p2 * c2 / sigma2
    text = _flat(_chapter("theorem1"))
    assert "n^\\ast \\;\\approx\\; \\frac{(\\sigma^2 + p_1p_2c^2)\\,d}{p_2^2\\,c^2}" in text
    assert "n^\\ast\\approx\\sigma^2d/(p_2^2c^2)" not in text


def test_best_ridge_penalty_does_not_remove_the_floor():
    """theorem1: Σ = I, p₂ = 0.1, c² = 0.5, n → ∞: the best λ gives 0.004975 < p₂²c² = 0.005, at λ* ≈ p₂²c²/r²."""
    r2, c2, p2 = 1.0, 0.5, 0.1

    def e_inf(lam):  # the n → ∞ error for Σ = I, by hand
        return (lam**2 * r2 + p2**2 * c2) / (1 + lam) ** 2

    res = optimize.minimize_scalar(lambda t: e_inf(np.exp(t)), bounds=(np.log(1e-8), np.log(1e2)), method="bounded")
    lam_star, e_star = float(np.exp(res.x)), float(res.fun)
    assert lam_star == pytest.approx(p2**2 * c2 / r2, rel=1e-3)
    assert e_star == pytest.approx(0.004975, abs=5e-7) and e_star < p2**2 * c2
    assert e_star == pytest.approx(p2**2 * c2 / (1 + p2**2 * c2 / r2), rel=1e-9)
    # the library's limit: the same curve, and Theorem 1 at very large n
    st = cl.Setting.isotropic(100, r2=r2, c2=c2, sigma2=0.25)
    lams = np.geomspace(1e-6, 1e2, 61)
    lim = cl.theory.classical_limit(st, p2, lams)
    np.testing.assert_allclose(lim.total, e_inf(lams), rtol=1e-12)
    np.testing.assert_allclose(lim.floor, cl.theory.classical(st, 1e6, p2, lams).floor, rtol=1e-12)
    np.testing.assert_allclose(lim.total, cl.theory.classical(st, 1e15, p2, lams).total, rtol=1e-6)
    assert cl.theory.classical_limit(st, p2, lam_star).total == pytest.approx(e_star, rel=1e-9)
    # beyond isotropy: a power-law spectrum, the best λ is still above (1 − p₂²c²/r²) p₂²c²
    pl = cl.Setting.power_law(200, 1.0, r2=r2, c2=c2)
    res = optimize.minimize_scalar(
        lambda t: cl.theory.classical_limit(pl, p2, np.exp(t)).total, bounds=(-20, 5), method="bounded"
    )
    assert (1 - p2**2 * c2 / r2) * p2**2 * c2 < res.fun < p2**2 * c2
    assert "cl.theory.classical_limit" in _chapter("theorem1")
