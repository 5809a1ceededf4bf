"""Independent reference formulas for the tests (plain numpy/scipy, no collapse_lib internals).

Everything here is written from the brief (section 3), on the *ungrouped*
spectrum, with a scalar root finder (scipy's brentq) for κ, so that it shares
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
    """Root of κ − λ = κ df₁(κ)/n, by brentq (ridgeless limits handled as in the brief)."""
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
    """Theorem 1 (B, V, ζ) straight from the brief, for one scalar point."""
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
