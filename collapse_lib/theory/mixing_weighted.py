"""Weighted mixing (paper §5, Corollary 2, figure 9): :func:`weighted_mixing` and its best weight :func:`optimal_alpha`.

The estimator and its deterministic equivalent are in the docstring of
:mod:`collapse_lib.theory.mixing`; the shared rule is evaluated by :mod:`._mixing_rule`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from ._mixing_rule import _pair_terms, _side, _solve_t_real
from .ridge import _scalarise, ratios


@dataclass(frozen=True)
class WeightedMixingTheory:
    """Deterministic equivalent of weighted-mixing ridge (figure 9), on a broadcast grid.

    total = bias + variance + zeta. ``kappa`` = λ/θ is the effective ridge,
    ``rho`` = θ₂/θ the effective synthetic share of the mean (p₂ at pooling),
    ``pi2`` = q₂/q the synthetic share of the fluctuations, ``v`` the variance
    inflation (u of Theorem 1 at pooling). ``floor`` = (1−α)² tr ΔΣ³(Σ+λ)⁻² is the
    n → ∞ limit of ζ at fixed n₂/n₁ and α (→ (1−α)²c² as λ → 0).
    """

    total: np.ndarray | float
    bias: np.ndarray | float
    variance: np.ndarray | float
    zeta: np.ndarray | float
    floor: np.ndarray | float
    kappa: np.ndarray | float
    rho: np.ndarray | float
    pi2: np.ndarray | float
    v: np.ndarray | float


def _sizes(n1, n2):
    """Group sizes n₁, n₂ ≥ 0 (may be non-integer in the theory), not both zero."""
    n1 = V.nonnegative("n1", n1)
    n2 = V.nonnegative("n2", n2)
    if np.any(n1 + n2 <= 0):
        raise ValueError("n1 + n2 must be positive")
    return n1, n2


def _weights_from_alpha(n1, n2, alpha):
    """p (P, 2), ω (P, 2) for weighted mixing; ω_k = 0 where a group is empty."""
    n = n1 + n2
    p = np.stack([n1 / n, n2 / n], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        om1 = np.where(n1 > 0, alpha / np.where(n1 > 0, p[:, 0], 1.0), 0.0)
        om2 = np.where(n2 > 0, (1 - alpha) / np.where(n2 > 0, p[:, 1], 1.0), 0.0)
    return p, np.stack([om1, om2], axis=-1)


def _weighted_flat(setting, n1, n2, alpha, lam):
    n = n1 + n2
    p, om = _weights_from_alpha(n1, n2, alpha)
    n_live = np.where(om[:, 0] > 0, n1, 0.0) + np.where(om[:, 1] > 0, n2, 0.0)  # exact, unlike n·Σp
    t = _solve_t_real(setting, n, p, om, lam, n_live=n_live)
    side = _side(setting, t, p, om, lam)
    terms = _pair_terms(setting, side, side, n, p, setting.sigma2_real, setting.sigma2_synth, outer=False)
    return side, p, terms


def weighted_mixing(
    setting: Setting, n1: ArrayLike, n2: ArrayLike, alpha: ArrayLike, lam: ArrayLike
) -> WeightedMixingTheory:
    """Deterministic equivalent of the test error of weighted-mixing ridge (paper §5, Corollary 2, figure 9).

    The estimator, with n₁ real and n₂ synthetic samples, p_k = n_k/n,

        ŵ(α) = argmin_w α/n₁‖X₁w − Y₁‖² + (1−α)/n₂‖X₂w − Y₂‖² + λ‖w‖²,

    is ridge with sample weights ω₁ = α/p₁, ω₂ = (1−α)/p₂. With t > 0 the root of
    t = (1/n) tr Σ(θΣ + λ)⁻¹, θ_k = p_kω_k/(1 + ω_kt), θ = θ₁ + θ₂, κ = λ/θ,
    q_k = p_kω_k²/(1 + ω_kt)², q = q₁ + q₂, v = (q/θ²)(df₂(κ)/n)/(1 − (q/θ²)df₂(κ)/n),
    ρ = θ₂/θ and π_k = q_k/q (docstring of :mod:`collapse_lib.theory.mixing`):

        E ≃ B + V + ζ,   B = (1 + v) κ² tr ΓΣ(Σ+κ)⁻²,   V = v (π₁σ₁² + π₂σ₂²),
        ζ = ρ²(1 + π₁v) tr ΔΣ³(Σ+κ)⁻² + π₂ v tr ΔΣ((1−ρ)Σ + κ)²(Σ+κ)⁻²,

    Theorem 1 with p₂ replaced by ρ in the mean and by π₂ in the fluctuations. This
    deterministic equivalent is ours (derived by leave-one-out in the chapter *Mixing
    strategies: weighting and iterative re-labelling*; the paper states Corollary 2). At
    α = n₁/n it is :func:`~collapse_lib.theory.classical` (pooling) exactly; at α = 1 it is
    ridge on the n₁ real samples with the same λ.

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ, σ₁², σ₂²).
    n1, n2 : float or array_like
        Real and synthetic sample sizes ≥ 0 (may be non-integer), not both 0.
    alpha : float or array_like
        Weight α ∈ [0, 1] of the real loss (n1 = 0 needs α = 0, n2 = 0 needs α = 1).
    lam : float or array_like
        Ridge penalty λ ≥ 0; ``lam = 0`` needs more positively weighted samples than
        dimensions. All four arguments broadcast.

    Returns
    -------
    WeightedMixingTheory
        ``total``, ``bias`` B, ``variance`` V, ``zeta`` ζ, ``floor`` = (1−α)² tr ΔΣ³(Σ+λ)⁻²
        (the n → ∞ limit of ζ at fixed n₂/n₁, → (1−α)²c² as λ → 0), and the scalars
        ``kappa``, ``rho``, ``pi2``, ``v``; on the broadcast shape, floats for scalar input.
    """
    setting = V.setting("setting", setting)
    n1, n2 = _sizes(n1, n2)
    alpha = V.fraction("alpha", alpha)
    lam = V.nonnegative("lam", lam)
    n1, n2, alpha, lam = V.broadcast(n1=n1, n2=n2, alpha=alpha, lam=lam)
    shape = n1.shape
    n1, n2, alpha, lam = (a.ravel().astype(float) for a in (n1, n2, alpha, lam))
    if np.any((n1 == 0) & (alpha > 0)) or np.any((n2 == 0) & (alpha < 1)):
        raise ValueError(
            "alpha puts weight on a source with no samples (n1 = 0 needs alpha = 0, n2 = 0 needs alpha = 1)"
        )
    side, p, tm = _weighted_flat(setting, n1, n2, alpha, lam)
    sp = setting.grouped
    s, dl = sp.eigenvalues, sp.delta_sum
    kappa = lam / side.theta
    q = p[:, 0] * side.f[:, 0] ** 2 + p[:, 1] * side.f[:, 1] ** 2
    rho = p[:, 1] * side.f[:, 1] / side.theta
    pi2 = np.where(q > 0, p[:, 1] * side.f[:, 1] ** 2 / np.where(q > 0, q, 1.0), 0.0)
    v = tm["qD"] / tm["one_minus_qD"]
    bias = tm["real_bias"]
    variance = tm["real_noise"] + tm["synthetic_noise"]
    zeta = tm["synthetic_bias"]
    q_lam, _ = ratios(s, lam)
    floor = (1 - alpha) ** 2 * ((q_lam * q_lam) @ (s * dl))  # Σ sδ (s/(s+λ))²
    out = dict(
        total=bias + variance + zeta,
        bias=bias,
        variance=variance,
        zeta=zeta,
        floor=floor,
        kappa=kappa,
        rho=rho,
        pi2=pi2,
        v=v,
    )
    return WeightedMixingTheory(**{k: _scalarise(np.real(a).reshape(shape)) for k, a in out.items()})


@dataclass(frozen=True)
class OptimalAlpha:
    """The α ∈ [0, 1] minimising the weighted-mixing theory error, and that error."""

    alpha: np.ndarray | float
    error: np.ndarray | float


def optimal_alpha(
    setting: Setting, n1: ArrayLike, n2: ArrayLike, lam: ArrayLike, grid: int = 101, *, c2: ArrayLike | None = None
) -> OptimalAlpha:
    """The best weight α* = argmin_{α∈[0,1]} E(α) of weighted mixing, and its error (paper §5, figure 9).

    E(α) is the ``total`` of :func:`weighted_mixing`. A grid of ``grid`` values of α on
    [0, 1] locates the best cell; golden-section search on the two neighbouring cells
    refines it to ~1e-10 in α (all points at once); the grid's endpoints are candidates too
    (α* = 1, "real data only", is a common answer).

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : float or array_like
        Real and synthetic sample sizes > 0 (may be non-integer).
    lam : float or array_like
        Ridge penalty λ ≥ 0. ``n1``, ``n2`` and ``lam`` broadcast.
    grid : int
        Number of α values of the initial grid (at least 3).
    c2 : float or array_like, optional
        Qualities c² = tr ΣΔ to solve for at once (broadcast with ``n1``, ``n2``, ``lam``): Δ is
        ``setting``'s rescaled to each c² (:meth:`~collapse_lib.setting.Setting.with_quality`).
        E(α) is linear in Δ — only ζ depends on it, through Δ itself — so one solve covers
        every c² (E = B + V + (c²/c²_setting)·ζ). Default: the setting's own c².

    Returns
    -------
    OptimalAlpha
        ``alpha`` (α*) and ``error`` (E(α*)) on the broadcast shape, floats for scalar input.
    """
    setting = V.setting("setting", setting)
    n1 = V.positive_sizes("n1", n1, integer=False)
    n2 = V.positive_sizes("n2", n2, integer=False)
    lam = V.nonnegative("lam", lam)
    grid = V.positive_int("grid", grid)
    if grid < 3:
        raise ValueError(f"grid must be at least 3, got {grid}")
    if c2 is None:
        c2 = setting.c2
    else:
        c2 = V.nonnegative("c2", c2)
        if np.any(np.asarray(c2) > 0) and setting.c2 == 0:
            setting = setting.with_quality(1.0)  # Δ ∝ I, as with_quality makes it
    n1, n2, lam, c2 = V.broadcast(n1=n1, n2=n2, lam=lam, c2=c2)
    shape = n1.shape
    n1, n2, lam, c2 = (a.ravel().astype(float) for a in (n1, n2, lam, c2))
    zeta_scale = c2 / setting.c2 if setting.c2 > 0 else np.zeros_like(c2)
    P = n1.size
    ag = np.linspace(0.0, 1.0, grid)

    def err(a):  # a (P, m) → (P, m)
        m = a.shape[1]
        rep = lambda x: np.repeat(x, m)  # noqa: E731
        _, _, tm = _weighted_flat(setting, rep(n1), rep(n2), a.ravel(), rep(lam))
        tot = tm["real_bias"] + tm["real_noise"] + tm["synthetic_noise"] + rep(zeta_scale) * tm["synthetic_bias"]
        return np.real(tot).reshape(P, m)

    e = err(np.broadcast_to(ag, (P, grid)).copy())
    i = np.argmin(e, axis=1)
    lo = ag[np.maximum(i - 1, 0)]
    hi = ag[np.minimum(i + 1, grid - 1)]
    gr = (np.sqrt(5) - 1) / 2
    x1, x2 = hi - gr * (hi - lo), lo + gr * (hi - lo)
    f = err(np.stack([x1, x2], axis=1))
    f1, f2 = f[:, 0], f[:, 1]
    for _ in range(60):
        left = f1 < f2  # minimum in [lo, x2]
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        nx1, nx2 = hi - gr * (hi - lo), lo + gr * (hi - lo)
        new = np.where(left, nx1, nx2)
        fn = err(new[:, None])[:, 0]
        x1, x2, f1, f2 = (
            np.where(left, nx1, x2),
            np.where(left, x1, nx2),
            np.where(left, fn, f2),
            np.where(left, f1, fn),
        )
    best_a = np.where(f1 < f2, x1, x2)
    best_e = np.minimum(f1, f2)
    # the endpoints are candidates too (e.g. α* = 1 exactly)
    best_a = np.where(e[np.arange(P), i] < best_e, ag[i], best_a)
    best_e = np.minimum(best_e, e[np.arange(P), i])
    return OptimalAlpha(_scalarise(best_a.reshape(shape)), _scalarise(best_e.reshape(shape)))
