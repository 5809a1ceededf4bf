"""Theorem 1: deterministic equivalent of ridge on a real/synthetic mixture.

Notation (the paper's Theorem 1, in this book's symbols). Σ has eigenvalues s_j; for t ≥ 0

    df_m(t) = tr Σ^m (Σ + tI)^(−m) = Σ_j s_j^m / (s_j + t)^m.

κ = κ(λ, n) is the unique positive solution of κ − λ = κ df_1(κ)/n, u = df_2(κ)/(n − df_2(κ)) and

    B = κ² tr ΓΣ(Σ+κI)⁻² / (1 − df_2(κ)/n)
    V = σ² u,                  σ² = p₁σ₁² + p₂σ₂²
    ζ = p₂² (1 + p₁u) tr ΔΣ³(Σ+κI)⁻² + p₂ u tr ΔΣ(p₁Σ+κI)²(Σ+κI)⁻²

and the test error of ridge ŵ = (XᵀX/n + λI)⁻¹Xᵀy/n is E ≃ B + V + ζ.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ._newton import newton_log

def _scalarise(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def solve_kappa(setting, n, lam) -> np.ndarray:
    """κ(λ, n): the effective regularisation of ridge, vectorised over ``n`` and ``lam``.

    Solves F(κ) = 1 − df₁(κ)/n − λ/κ = 0, whose left side is strictly increasing
    in κ, so the root is unique. The root is bracketed by

        max(λ, s_min (d/n − 1)) ≤ κ ≤ λ + tr Σ / n

    (at the lower end df₁ ≥ n or κ = λ gives F ≤ 0; at the upper end
    κ df₁(κ) ≤ tr Σ gives F ≥ 0), and found by Newton's method in log κ
    safeguarded by bisection, which converges for every point of the grid.
    Ridgeless limit: for λ = 0 and d < n, κ = 0; for λ = 0 and d > n, κ solves
    df₁(κ) = n; for λ = 0 and d = n, κ = 0 and the error is infinite.
    """
    n = V.positive_sizes("n", n, integer=False)
    lam = V.nonnegative("lam", lam)
    n, lam = V.broadcast(n=n, lam=lam)
    shape = n.shape
    n = n.ravel().astype(float)
    lam = lam.ravel().astype(float)
    s, w, _, _ = setting._grouped
    d = w.sum()
    tr = float(np.dot(w, s))

    kappa = np.zeros_like(n)
    active = ~((lam == 0) & (d <= n))  # λ=0, d≤n: κ = 0 exactly
    if np.any(active):
        na, la = n[active], lam[active]
        lo = np.maximum(la, s.min() * np.maximum(d / na - 1.0, 0.0))
        hi = la + tr / na

        def fun(k, idx):
            q = s[None, :] / (s[None, :] + k[:, None])  # s/(s+κ)
            df1 = q @ w
            dq = (q * (1.0 - q)) @ w  # Σ w s κ/(s+κ)²
            nn, ll = na[idx], la[idx]
            return 1.0 - df1 / nn - ll / k, dq / nn + ll / k  # F and dF/dlogκ > 0

        kappa[active] = newton_log(fun, np.log(lo), np.log(hi))
    return kappa.reshape(shape)


@dataclass(frozen=True)
class ClassicalTheory:
    """Theorem 1 evaluated on a broadcast grid; all fields share one shape.

    total = bias + variance + zeta. ``clean`` = bias + variance is the classical
    scaling law of ridge on n clean samples (with noise σ²); ``floor`` is the
    n → ∞ limit of ζ, p₂² tr ΔΣ³(Σ+λI)⁻² (→ p₂²c² as λ → 0).
    """

    total: np.ndarray | float
    bias: np.ndarray | float
    variance: np.ndarray | float
    zeta: np.ndarray | float
    clean: np.ndarray | float
    floor: np.ndarray | float
    kappa: np.ndarray | float
    u: np.ndarray | float


def _traces(setting, kappa: np.ndarray):
    """κ-only traces used by Theorem 1, for a flat array of κ values."""
    s, w, g, dl = setting._grouped
    k = kappa[:, None]
    r = 1.0 / (s[None, :] + k) ** 2  # (Σ+κ)^-2
    df2 = (s**2 * r) @ w
    tg = (s * r) @ g  # tr ΓΣ(Σ+κ)^-2
    t3 = (s**3 * r) @ dl  # tr ΔΣ³(Σ+κ)^-2
    t2 = (s**2 * r) @ dl  # tr ΔΣ²(Σ+κ)^-2
    t1 = (s * r) @ dl  # tr ΔΣ(Σ+κ)^-2
    return df2, tg, t3, t2, t1


def classical(setting, n, p2, lam) -> ClassicalTheory:
    """Theorem 1 of the paper: E(ŵ) ≃ B + V + ζ for ridge on n samples, a fraction p2 synthetic.

    Broadcasts over ``n`` (> 0, may be non-integer here), ``p2`` ∈ [0, 1] and
    ``lam`` ≥ 0. κ is solved only once per distinct (n, λ) pair (p₂ does not
    enter κ), so grids over p₂ are nearly free. λ = 0 is the ridgeless limit;
    at λ = 0 and d = n the error is +inf (interpolation peak).

    Returns a :class:`ClassicalTheory` with floats for scalar input.
    """
    n = V.positive_sizes("n", n, integer=False)
    p2 = V.fraction("p2", p2)
    lam = V.nonnegative("lam", lam)
    n, p2, lam = V.broadcast(n=n, p2=p2, lam=lam)
    shape = n.shape
    n, p2, lam = n.ravel().astype(float), p2.ravel(), lam.ravel()

    pairs, inv = np.unique(np.stack([n, lam], axis=1), axis=0, return_inverse=True)
    inv = inv.ravel()
    kap_u = solve_kappa(setting, pairs[:, 0], pairs[:, 1])
    df2_u, tg_u, t3_u, t2_u, t1_u = _traces(setting, kap_u)
    # floor uses κ = λ (n → ∞)
    _, _, t3_lam, _, _ = _traces(setting, pairs[:, 1])

    kappa = kap_u[inv]
    df2, tg, t3, t2, t1, t3l = (a[inv] for a in (df2_u, tg_u, t3_u, t2_u, t1_u, t3_lam))
    p1 = 1.0 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = n - df2
        interp = gap <= 1e-12 * n  # only at λ = 0, d = n
        u = np.where(interp, np.inf, df2 / np.where(interp, 1.0, gap))
        bias = np.where(interp, 0.0, kappa**2 * tg / np.where(interp, 1.0, 1.0 - df2 / n))
        sigma2 = p1 * setting.sigma2_real + p2 * setting.sigma2_synth
        variance = np.where(interp & (sigma2 == 0), 0.0, sigma2 * u)
        mix = p1**2 * t3 + 2 * p1 * kappa * t2 + kappa**2 * t1  # tr ΔΣ(p₁Σ+κ)²(Σ+κ)⁻²
        zeta = np.where(p2 == 0, 0.0, p2**2 * (1 + p1 * u) * t3 + p2 * u * mix)
        # at λ = 0, d = n (κ = 0, u = ∞): B → 0, and ζ = p₂²t₃ + ∞·p₁p₂t₃ (no 0·∞ NaN)
        zi = p2**2 * t3 + np.where((p1 > 0) & (p2 > 0) & (t3 > 0), np.inf, 0.0)
        zeta = np.where(interp, zi, zeta)
    clean = bias + variance
    total = clean + zeta
    floor = p2**2 * t3l
    out = {k: _scalarise(v.reshape(shape)) for k, v in dict(
        total=total, bias=bias, variance=variance, zeta=zeta, clean=clean, floor=floor,
        kappa=kappa, u=u).items()}
    return ClassicalTheory(**out)


def corollary1(phi, p2, r2=1.0, c2=0.5, sigma2=0.25):
    """Corollary 1: isotropic ridgeless (λ → 0) closed form, φ = d/n, broadcasting.

    φ < 1:  E ≃ σ²φ/(1−φ) + p₂²c² + p₁p₂c²φ/(1−φ)        (the paper's Corollary 1)
    φ > 1:  E ≃ r²(1 − 1/φ) + σ²/(φ−1) + c²p₂(φ−p₂)/(φ(φ−1))   (our extension, from Theorem 1
            with κ = φ − 1; the paper states Corollary 1 for φ ∈ (0, 1) only)
    φ = 1:  +inf.
    """
    phi = V.positive_sizes("phi", phi, integer=False)
    p2 = V.fraction("p2", p2)
    r2 = V.nonnegative("r2", r2)
    c2 = V.nonnegative("c2", c2)
    sigma2 = V.nonnegative("sigma2", sigma2)
    phi, p2, r2, c2, sigma2 = V.broadcast(phi=phi, p2=p2, r2=r2, c2=c2, sigma2=sigma2)
    p1 = 1.0 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        under = sigma2 * phi / (1 - phi) + p2**2 * c2 + p1 * p2 * c2 * phi / (1 - phi)
        over = r2 * (1 - 1 / phi) + sigma2 / (phi - 1) + c2 * p2 * (phi - p2) / (phi * (phi - 1))
        out = np.where(phi < 1, under, np.where(phi > 1, over, np.inf))
    return _scalarise(out)
