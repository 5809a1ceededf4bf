"""Independent reference formulas for the tests (plain numpy/scipy, no collapse_lib internals).

Everything here is written from the paper's Theorem 1 (as stated in the chapter
*Theorem 1 and strong model collapse*), on the *ungrouped* spectrum, with a
scalar root finder (scipy's brentq) for κ, so that it shares
no code path with ``collapse_lib.theory`` (which groups equal eigenvalues and
uses a vectorised safeguarded Newton iteration).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq


def df(s, t, m):
    """df_m(t) = Σ_j s_j^m / (s_j + t)^m."""
    s = np.asarray(s, dtype=float)
    return float(np.sum((s / (s + t)) ** m))


def kappa_ref(s, n, lam):
    """Root of κ − λ = κ df₁(κ)/n, by brentq (ridgeless limits: κ = 0 for d ≤ n, df₁(κ) = n for d > n)."""
    s = np.asarray(s, dtype=float)
    d = s.size
    if lam == 0:
        if d < n:
            return 0.0
        if d == n:
            return 0.0
        # df₁(κ) = n, df₁ decreasing from d (κ=0) to 0 (κ=∞)
        f = lambda k: df(s, k, 1) - n  # noqa: E731
        hi = 1.0
        while f(hi) > 0:
            hi *= 2
        return brentq(f, 0.0, hi, xtol=1e-300, rtol=1e-15, maxiter=500)
    g = lambda k: k - lam - k * df(s, k, 1) / n  # noqa: E731
    # g(λ) ≤ 0, g(λ + tr Σ / n) ≥ 0
    return brentq(g, lam, lam + s.sum() / n, xtol=1e-300, rtol=1e-15, maxiter=500)


def theorem1_ref(spectrum, gamma, delta, sigma2_real, sigma2_synth, n, p2, lam):
    """Theorem 1 (B, V, ζ) straight from the theorem's formulas, for one scalar point."""
    s = np.asarray(spectrum, dtype=float)
    g = np.asarray(gamma, dtype=float)
    dl = np.asarray(delta, dtype=float)
    k = kappa_ref(s, n, lam)
    p1 = 1.0 - p2
    df2 = df(s, k, 2)
    u = df2 / (n - df2)
    B = k**2 * np.sum(g * s / (s + k) ** 2) / (1.0 - df2 / n)
    sigma2 = p1 * sigma2_real + p2 * sigma2_synth
    V = sigma2 * u
    t3 = np.sum(dl * s**3 / (s + k) ** 2)
    tmix = np.sum(dl * s * (p1 * s + k) ** 2 / (s + k) ** 2)
    Z = p2**2 * (1 + p1 * u) * t3 + p2 * u * tmix
    return dict(total=B + V + Z, bias=B, variance=V, zeta=Z, kappa=k, u=u)


def floor_ref(spectrum, delta, p2, lam):
    """p₂² tr ΔΣ³(Σ+λI)⁻², the n → ∞ limit of ζ."""
    s = np.asarray(spectrum, dtype=float)
    return p2**2 * float(np.sum(np.asarray(delta) * s**3 / (s + lam) ** 2))


def population_bias_ref(spectrum, gamma, lam):
    """λ² tr ΓΣ(Σ+λI)⁻²: the n → ∞ limit of the ridge bias B at fixed λ."""
    s = np.asarray(spectrum, dtype=float)
    return lam**2 * float(np.sum(np.asarray(gamma) * s / (s + lam) ** 2))


def setting_args(setting):
    return (setting.spectrum, setting.gamma, setting.delta, setting.sigma2_real, setting.sigma2_synth)


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
