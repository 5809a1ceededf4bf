"""Slow, independent per-point reference for Theorems 1 and 2.

This module evaluates the deterministic equivalents one scalar point at a time,
straight from their statements: on the raw (ungrouped) spectrum, with each fixed
point found by ``scipy.optimize.brentq`` and every trace written out as a sum.
It shares no code with the vectorised theory (:mod:`.ridge`, :mod:`.projections`,
which group equal eigenvalues and solve all points at once by safeguarded Newton
steps), so agreement between the two is evidence for both. The tests use it as
their reference values and the benchmark (``python -m collapse_lib.bench``) as
the baseline the vectorised code is timed against. It is slow by design: use
:func:`collapse_lib.theory.classical` and
:func:`collapse_lib.theory.random_projections` for real work.

Conventions: Σ has eigenvalues ``spectrum`` (s_j); ``gamma`` and ``delta`` are
the diagonals of Γ (real teacher covariance) and Δ (teacher mismatch) in Σ's
eigenbasis; a fraction p₂ of the n samples is synthetic, p₁ = 1 − p₂.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .. import _validate

_RTOL = 1e-15


def _point(n=None, p2=None, lam=None, m=None) -> tuple:
    """Validate scalar arguments by name (n, m > 0; p2 in [0, 1]; lam >= 0); returned in the order n, m, p2, lam."""
    out = []
    for name, value, check in (
        ("n", n, lambda a, v: _validate.positive_sizes(a, v, integer=False)),
        ("m", m, lambda a, v: _validate.positive_sizes(a, v, integer=False)),
        ("p2", p2, _validate.fraction),
        ("lam", lam, _validate.nonnegative),
    ):
        if value is None:
            continue
        arr = check(name, value)
        if arr.ndim != 0:
            raise ValueError(f"{name} must be a single number, got shape {arr.shape}")
        out.append(float(arr))
    return tuple(out)


def setting_args(setting) -> tuple:
    """The arguments this module takes for a setting, unpacked from a :class:`~collapse_lib.Setting`.

    Parameters
    ----------
    setting : Setting
        The data model (Σ's eigenvalues, the diagonals of Γ and Δ, the noise levels).

    Returns
    -------
    tuple
        ``(spectrum, gamma, delta, sigma2_real, sigma2_synth)``, ungrouped.
    """
    return (setting.spectrum, setting.gamma, setting.delta, setting.sigma2_real, setting.sigma2_synth)


def df(spectrum, t: float, m: int = 1) -> float:
    """Degrees of freedom df_m(t) = tr Σᵐ(Σ + tI)⁻ᵐ = Σ_j (s_j / (s_j + t))ᵐ.

    Parameters
    ----------
    spectrum : array_like
        Eigenvalues s_j of Σ (positive).
    t : float
        Shift, t ≥ 0.
    m : int
        Power (1 or 2 in Theorem 1).

    Returns
    -------
    float
    """
    s = np.asarray(spectrum, dtype=float)
    return float(np.sum((s / (s + t)) ** m))


def kappa(spectrum, n: float, lam: float) -> float:
    """The scalar κ of Theorem 1 (book chapter *Theorem 1*, eq-kappa), by brentq.

    κ is the root of κ − λ = κ df₁(κ)/n on [λ, λ + tr Σ/n]. In the ridgeless
    limit λ = 0: κ = 0 if d ≤ n, else the root of df₁(κ) = n.

    Parameters
    ----------
    spectrum : array_like
        Eigenvalues of Σ.
    n : float
        Sample size, n > 0.
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    float
    """
    n, lam = _point(n=n, lam=lam)
    s = np.asarray(spectrum, dtype=float)
    if lam == 0:
        if s.size <= n:
            return 0.0
        hi = 1.0
        while df(s, hi) > n:  # df₁ falls from d (κ = 0) to 0 (κ = ∞)
            hi *= 2
        return brentq(lambda k: df(s, k) - n, 0.0, hi, xtol=1e-300, rtol=_RTOL, maxiter=500)
    return brentq(lambda k: k - lam - k * df(s, k) / n, lam, lam + s.sum() / n, xtol=1e-300, rtol=_RTOL, maxiter=500)


@dataclass(frozen=True)
class Theorem1Point:
    """Theorem 1 at one point: total = bias + variance + zeta; ``kappa`` and ``u`` are its scalars."""

    total: float
    bias: float
    variance: float
    zeta: float
    kappa: float
    u: float


def theorem1(
    spectrum, gamma, delta, sigma2_real: float, sigma2_synth: float, n: float, p2: float, lam: float
) -> Theorem1Point:
    """Theorem 1 (Section 3 of the paper, as the book states it) at one point: E ≃ B + V + ζ.

    With κ from :func:`kappa` and u = df₂(κ)/(n − df₂(κ)):

    * B = κ² tr ΓΣ(Σ + κI)⁻² / (1 − df₂(κ)/n),
    * V = σ² u, σ² = p₁σ₁² + p₂σ₂²,
    * ζ = p₂²(1 + p₁u) tr ΔΣ³(Σ + κI)⁻² + p₂u tr ΔΣ(p₁Σ + κI)²(Σ + κI)⁻².

    Parameters
    ----------
    spectrum, gamma, delta : array_like
        Eigenvalues of Σ and the diagonals of Γ and Δ in Σ's eigenbasis.
    sigma2_real, sigma2_synth : float
        Label-noise variances σ₁², σ₂² of the real and synthetic sources.
    n : float
        Sample size.
    p2 : float
        Synthetic fraction in [0, 1].
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    Theorem1Point
    """
    n, p2, lam = _point(n=n, p2=p2, lam=lam)
    s = np.asarray(spectrum, dtype=float)
    g = np.asarray(gamma, dtype=float)
    dl = np.asarray(delta, dtype=float)
    k = kappa(s, n, lam)
    p1 = 1.0 - p2
    df2 = df(s, k, 2)
    u = df2 / (n - df2)
    B = k**2 * np.sum(g * s / (s + k) ** 2) / (1.0 - df2 / n)
    V = (p1 * sigma2_real + p2 * sigma2_synth) * u
    t3 = np.sum(dl * s**3 / (s + k) ** 2)
    tmix = np.sum(dl * s * (p1 * s + k) ** 2 / (s + k) ** 2)
    Z = p2**2 * (1 + p1 * u) * t3 + p2 * u * tmix
    return Theorem1Point(
        total=float(B + V + Z), bias=float(B), variance=float(V), zeta=float(Z), kappa=float(k), u=float(u)
    )


def floor(spectrum, delta, p2: float, lam: float) -> float:
    """The n → ∞ limit of ζ in Theorem 1 (κ → λ, u → 0): p₂² tr ΔΣ³(Σ + λI)⁻².

    Parameters
    ----------
    spectrum, delta : array_like
        Eigenvalues of Σ and the diagonal of Δ.
    p2, lam : float
        Synthetic fraction and ridge penalty.

    Returns
    -------
    float
    """
    p2, lam = _point(p2=p2, lam=lam)
    s = np.asarray(spectrum, dtype=float)
    return p2**2 * float(np.sum(np.asarray(delta, dtype=float) * s**3 / (s + lam) ** 2))


def population_bias(spectrum, gamma, lam: float) -> float:
    """The n → ∞ limit of the bias B of Theorem 1 at fixed λ: λ² tr ΓΣ(Σ + λI)⁻².

    Parameters
    ----------
    spectrum, gamma : array_like
        Eigenvalues of Σ and the diagonal of Γ.
    lam : float
        Ridge penalty.

    Returns
    -------
    float
    """
    (lam,) = _point(lam=lam)
    s = np.asarray(spectrum, dtype=float)
    return lam**2 * float(np.sum(np.asarray(gamma, dtype=float) * s / (s + lam) ** 2))


def _df_root(s, k: float) -> float:
    """μ > 0 with df₁(μ) = k, for 0 < k < d (df₁ falls from d to 0)."""
    return brentq(lambda x: df(s, x) - k, 1e-300, 2 * s.sum() / k + 1, xtol=1e-300, rtol=_RTOL)


def mu(spectrum, n: float, m: float, lam: float) -> float:
    """The scalar μ of Theorem 2 (book chapter *Random projections*, eq-thm2-mu), by brentq.

    μ is the root of μ(1 − df₁(μ)/m)(1 − df₁(μ)/n) = λd/m above μ₀, where μ₀ = 0
    if min(m, n) ≥ d and df₁(μ₀) = min(m, n) otherwise; at λ = 0, μ = μ₀.

    Parameters
    ----------
    spectrum : array_like
        Eigenvalues of Σ.
    n, m : float
        Sample size and number of random features (> 0).
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    float
    """
    n, m, lam = _point(n=n, m=m, lam=lam)
    s = np.asarray(spectrum, dtype=float)
    k = min(m, n)
    c = lam * s.size / m
    mu0 = _df_root(s, k) if k < s.size else 0.0
    if lam == 0:
        return mu0
    return brentq(
        lambda x: x * (1 - df(s, x) / m) * (1 - df(s, x) / n) - c,
        mu0,
        c + s.sum() / m + s.sum() / n + 1e-300,
        xtol=1e-300,
        rtol=_RTOL,
    )


@dataclass(frozen=True)
class Theorem2Point:
    """Theorem 2 at one point: total = approx + bias + variance + zeta; ``mu`` is its fixed point."""

    total: float
    approx: float
    bias: float
    variance: float
    zeta: float
    mu: float


def theorem2(
    spectrum, gamma, delta, sigma2_real: float, sigma2_synth: float, n: float, m: float, p2: float, lam: float
) -> Theorem2Point:
    """Theorem 2 (random projections of width m; book chapter *Random projections*, eq-thm2) at one point.

    The paper states Theorem 2 as a system of fixed-point equations; this is the
    companion's own deterministic equivalent. With μ from :func:`mu`,
    a_j = μ/(s_j + μ), D = Σ_j s_j/(s_j + μ)², ε = D/(m − df₁(μ) + μD),
    b_j = a_j²(1 + εs_j), o_j = μ_m/(s_j + μ_m) with df₁(μ_m) = m if m < d
    (else o = 0), df₂ˢ = Σ_j (1 − 2a_j + b_j) and u = df₂ˢ/(n − df₂ˢ):

    * A = Σ_j s_jγ_j o_j (approximation error),
    * B = Σ_j s_jγ_j (b_j − o_j) / (1 − df₂ˢ/n),
    * V = (σ² + A + p₂ Σ_j s_jδ_j o_j) u,
    * ζ = p₂²(1 + p₁u) T₃ + p₂u Σ_j s_jδ_j (p₁² + 2p₁p₂a_j + p₂²b_j − o_j),
      T₃ = Σ_j s_jδ_j (1 − 2a_j + b_j).

    Parameters
    ----------
    spectrum, gamma, delta : array_like
        Eigenvalues of Σ and the diagonals of Γ and Δ in Σ's eigenbasis.
    sigma2_real, sigma2_synth : float
        Label-noise variances of the real and synthetic sources.
    n, m : float
        Sample size and width (> 0).
    p2 : float
        Synthetic fraction in [0, 1].
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    Theorem2Point
        At the ridgeless interpolation peak (df₂ˢ = n) the total is +inf (the
        reference leaves the noiseless 0·∞ cases there unresolved).
    """
    n, m, p2, lam = _point(n=n, m=m, p2=p2, lam=lam)
    s = np.asarray(spectrum, dtype=float)
    g = np.asarray(gamma, dtype=float)
    dl = np.asarray(delta, dtype=float)
    d = s.size
    x = mu(s, n, m, lam)
    df1 = df(s, x)
    D = np.sum(s / (s + x) ** 2)
    eps = D / (m - df1 + x * D) if m - df1 + x * D > 0 else 0.0
    a = x / (s + x)
    b = a**2 * (1 + eps * s)
    if m < d:
        mu_m = _df_root(s, m)
        o = mu_m / (s + mu_m)
    else:
        o = np.zeros_like(s)
    gt, dt = s * g, s * dl
    df2 = np.sum(1 - 2 * a + b)
    if n - df2 <= 1e-9 * n:
        return Theorem2Point(
            total=np.inf, approx=float(np.sum(gt * o)), bias=0.0, variance=np.inf, zeta=np.inf, mu=float(x)
        )
    u = df2 / (n - df2)
    p1 = 1 - p2
    A = np.sum(gt * o)
    B = max(np.sum(gt * (b - o)) / (1 - df2 / n), 0.0)  # b − o cancels to rounding in the thin ridgeless case
    V = (p1 * sigma2_real + p2 * sigma2_synth + A + p2 * np.sum(dt * o)) * u
    t3 = np.sum(dt * (1 - 2 * a + b))
    Z = p2**2 * (1 + p1 * u) * t3 + p2 * u * np.sum(dt * (p1**2 + 2 * p1 * p2 * a + p2**2 * b - o))
    return Theorem2Point(
        total=float(A + B + V + Z), approx=float(A), bias=float(B), variance=float(V), zeta=float(Z), mu=float(x)
    )
