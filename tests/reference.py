"""Reference values for the tests: the library's slow, independent per-point module.

:mod:`collapse_lib.theory.reference` evaluates Theorems 1 and 2 one point at a
time on the raw (ungrouped) spectrum with scipy's brentq, and imports nothing
from the vectorised theory (grouped spectrum, safeguarded Newton), so it shares
no code path with what the tests check. The benchmark times the vectorised code
against the same module. The names below are the ones the tests use.
"""
from __future__ import annotations

from dataclasses import asdict

from collapse_lib.theory import reference as _ref
from collapse_lib.theory.reference import df, setting_args  # noqa: F401

kappa_ref = _ref.kappa
floor_ref = _ref.floor
population_bias_ref = _ref.population_bias
mu_ref = _ref.mu


def theorem1_ref(spectrum, gamma, delta, sigma2_real, sigma2_synth, n, p2, lam) -> dict:
    """Theorem 1 at one point as a dict (total, bias, variance, zeta, kappa, u)."""
    return asdict(_ref.theorem1(spectrum, gamma, delta, sigma2_real, sigma2_synth, n, p2, lam))


def theorem2_ref(spectrum, gamma, delta, sigma2_real, sigma2_synth, n, m, p2, lam) -> dict:
    """Theorem 2 at one point as a dict (total, approx, bias, variance, zeta, mu)."""
    return asdict(_ref.theorem2(spectrum, gamma, delta, sigma2_real, sigma2_synth, n, m, p2, lam))
