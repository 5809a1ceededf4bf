"""Reference values for the tests: the library's slow, independent per-point module.

:mod:`collapse_lib.theory.reference` evaluates Theorems 1 and 2 one point at a
time on the raw (ungrouped) spectrum with scipy's brentq, and imports nothing
from the vectorised theory (grouped spectrum, safeguarded Newton), so it shares
no code path with what the tests check. The benchmark times the vectorised code
against the same module. The names below are the ones the tests use.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

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


# ----------------------------------------------------------------------------- model-collapse workflows
def workflow_chain_ref(spectrum, gamma, sigma2_real, sigma2_synth, n, lam, generations, p2_synth):
    """Replace (p2_synth = 1) and mix (0 ≤ p2_synth ≤ 1) generation by generation, per eigen-direction.

    Independent of the library's joint "pencil" solution: each generation is ONE ridge fit on
    n fresh inputs, so the single-fit rule of the mixing chapter applies with the previous
    model as synthetic teacher β = w₁ + e (independent of the fresh inputs but correlated with
    w₁). Per direction j track a_j = E e_j², b_j = E e_jw₁_j (γ_j = E w₁_j²). With κ = κ(λ, n),
    h_j = s_j/(s_j+κ): the mean of the new error is −(1−h_j)w₁_j + p₂h_j e_j, its fluctuation
    has variance s_j τ/(n(s_j+κ)²), and
    τ = [p₁(σ₁² + ‖m − w₁‖²_Σ) + p₂(σ₂² + ‖m − β‖²_Σ)] / (1 − df₂(κ)/n).
    Generation 0 is the clean fit (p₂ = 0). Returns E_0 … E_T.
    """
    s = np.asarray(spectrum, dtype=float)
    g = np.asarray(gamma, dtype=float)
    k = kappa_ref(s, n, lam)
    h = s / (s + k)
    df2 = df(s, k, 2)
    a = np.zeros_like(s)
    b = np.zeros_like(s)
    out = []
    for t in range(generations + 1):
        p2 = 0.0 if t == 0 else p2_synth
        p1 = 1.0 - p2
        cw, ce = -(1 - h), p2 * h  # m − w₁ = cw·w₁ + ce·e
        mw = cw**2 * g + 2 * cw * ce * b + ce**2 * a
        de = ce - 1.0  # m − β = cw·w₁ + (ce − 1)·e
        mb = cw**2 * g + 2 * cw * de * b + de**2 * a
        tau = (p1 * (sigma2_real + np.sum(s * mw)) + p2 * (sigma2_synth + np.sum(s * mb))) / (1 - df2 / n)
        a, b = mw + s / (s + k) ** 2 * tau / n, cw * g + ce * b
        out.append(float(np.sum(s * a)))
    return np.array(out)


def replace_ols_limit_ref(phi, sigma2_real, sigma2_synth, generations):
    """Replace, least squares, proportionate limit: E_t = (σ₁² + tσ₂²) φ/(1−φ)."""
    t = np.arange(generations + 1)
    return (sigma2_real + t * sigma2_synth) * phi / (1 - phi)


def accumulate_ols_limit_ref(phi, sigma2_real, sigma2_synth, generations):
    """Accumulate, least squares, proportionate limit: σ₁²φ/(1−φ) + σ₂² Σ_{k=2}^{t+1} φ/(k(k−φ))."""
    out, acc = [], sigma2_real * phi / (1 - phi)
    for t in range(generations + 1):
        if t:
            k = t + 1
            acc += sigma2_synth * phi / (k * (k - phi))
        out.append(acc)
    return np.array(out)
