"""Deterministic equivalents of the mixing strategies (paper figures 9 and 10).

**Weighted mixing** (figure 9). With n₁ real and n₂ synthetic samples, n = n₁ + n₂,
p_k = n_k/n, the estimator

    ŵ(α) = argmin_w α/n₁ ‖X₁w − Y₁‖² + (1−α)/n₂ ‖X₂w − Y₂‖² + λ‖w‖²

is ridge with per-sample weights ω₁ = α/p₁ (real) and ω₂ = (1−α)/p₂ (synthetic):
ŵ = (Ĉ + λ)⁻¹ (1/n) Σᵢ ωᵢ xᵢ yᵢ with Ĉ = (1/n) Σᵢ ωᵢ xᵢ xᵢᵀ. Its deterministic
equivalent uses the scalar t > 0 solving

    t = (1/n) tr Σ(θΣ + λ)⁻¹,     θ = Σ_k θ_k,     θ_k = p_k ω_k / (1 + ω_k t),

(so (Ĉ + λ)⁻¹ ≍ (θΣ + λ)⁻¹ = θ⁻¹(Σ + κ)⁻¹ with κ = λ/θ), and

    q_k = p_k ω_k² / (1 + ω_k t)²,  q = q₁ + q₂,  v = (q/θ²) df₂(κ)/n / (1 − (q/θ²) df₂(κ)/n),
    ρ = θ₂/θ  (effective synthetic share of the mean),  π_k = q_k/q  (share of the fluctuations),

    E ≃ B + V + ζ,   B = (1 + v) κ² tr ΓΣ(Σ+κ)⁻²,   V = v (π₁σ₁² + π₂σ₂²),
                     ζ = ρ²(1 + π₁v) tr ΔΣ³(Σ+κ)⁻² + π₂ v tr ΔΣ((1−ρ)Σ + κ)²(Σ+κ)⁻².

This is Theorem 1 with p₂ replaced by ρ in the systematic part and by π₂ in the
fluctuation part; at α = p₁ (ω₁ = ω₂ = 1) it is Theorem 1 exactly (ρ = π₂ = p₂,
κ = λ(1 + t), v = u), and at α = 1 it is clean ridge on the n₁ real samples with
the same λ.

The formula comes from one rule (Gaussian equivalence of ridge, derived by
leave-one-out; a sketch, not a proof, checked against simulation in the tests): for two ridge estimators a, b fitted on the *same* inputs with
weights ω^a, ω^b, group teachers β_k and noise of cross-covariance σ_k^{ab},

    E⟨ŵ^a − v, ŵ^b − v⟩_Σ ≃ ⟨m^a − v, m^b − v⟩_Σ + D_ab τ_ab,
    m^a = (θ^aΣ + λ)⁻¹Σ Σ_k θ_k^a β_k,   D_ab = (1/n) tr Σ R̄_a Σ R̄_b,
    τ_ab = Σ_k q_k^{ab} (σ_k^{ab} + ⟨m^a − β_k, m^b − β_k⟩_Σ) / (1 − q^{ab} D_ab),
    q_k^{ab} = p_k ω_k^a ω_k^b / ((1 + ω_k^a t_a)(1 + ω_k^b t_b)).

**Iterative mixing** (figure 10). Round 0 is pooled ridge with synthetic labels from
w₂*; round t relabels the same synthetic inputs, Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + ε_t. With
M_k = X_kᵀX_k/n, R = (M₁ + M₂ + λ)⁻¹ and K = RM₂ the rounds obey
ŵ_t = K ŵ_{t−1} + R(M₁w₁ + X₁ᵀε₁/n) + RX₂ᵀε_t/n. Their generating function is a
weighted ridge: (1 − z) Σ_t z^t ŵ_t is ridge with weights (1, 1 − z) on (real,
synthetic), synthetic teacher w₂* and synthetic noise Σ_t z^t ε_t. So

    Σ_{t,s} z^t w^s E⟨ŵ_t − w₁, ŵ_s − w₁⟩_Σ = E⟨ŵ^{(z)} − w₁, ŵ^{(w)} − w₁⟩_Σ / ((1 − z)(1 − w)),

whose right side is given by the rule above at complex weights, and the error of
round t is the diagonal coefficient [z^t w^t], extracted by a two-dimensional
discrete Cauchy integral (FFT on a torus of radius r < 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ._newton import newton_log
from .ridge import _scalarise, classical, excess, ratios


# ----------------------------------------------------------------------------- first order
def _theta(t, p, om):
    """θ_k = p_k ω_k/(1 + ω_k t) stacked on the last axis (k = 1, 2), and θ'(t)."""
    f = om / (1.0 + om * t[..., None])  # ω/(1 + ωt), bounded by 1/t: θ'(t) = −Σ p f² never overflows
    th = p * f
    dth = -(p * f * f).sum(-1)
    return th, dth


def _fixed_point(s, w, t, p, om, lam, n, n_live=None):
    """H(t) = t θ(t) − (1/n) Σ_j θ s_j/(θ s_j + λ) and t·H'(t), for batches (real or complex).

    With g_k = 1/(1 + ω_k t), f_k = ω_k g_k and Σ_k p_k = 1, t θ = 1 − Σ_k p_k g_k, so, with
    n' = n Σ_{ω_k ≠ 0} p_k the samples of non-zero weight (a group of weight 0 has g = 1),

        H(t) = (n' − d + Σ_j λ/(θs_j + λ))/n − Σ_{ω_k ≠ 0} p_k g_k,
        t·H'(t) = Σ_k p_k (ω_k t) g_k² + (1/n) Σ_j λ s_j/(θs_j+λ)² · Σ_k p_k t f_k².

    H is evaluated in whichever of its two forms has the smaller terms — t θ − Σ x/n
    while t θ ≤ Σ_{ω ≠ 0} p g, the form above beyond — so its rounding error is
    relative to the smaller of the two and t comes out to full precision both for t → 0
    (n ≫ d) and t → ∞ (the interpolation threshold n = d, λ → 0); t·H' has no
    tθ + t²θ' cancellation. ``n_live``: n' when known exactly (the count of samples of
    non-zero weight; n·Σp rounds).
    """
    g = 1.0 / (1.0 + om * t[:, None])
    f = om * g
    tf = t[:, None] * f  # ωt/(1 + ωt)
    tt = (p * f).sum(-1)  # θ
    a = tt[:, None] * s[None, :]
    li = lam[:, None]
    y = li / (a + li)  # λ/(θs + λ) = 1 − θs/(θs + λ)
    x = a / (a + li)  # θs/(θs + λ)
    live = om != 0
    if n_live is None:
        n_live = n * np.where(live, p, 0.0).sum(-1)
    pg = np.where(live, p * g, 0.0).sum(-1)
    small_t = np.abs(t * tt) <= np.abs(pg)
    if np.iscomplexobj(x):
        n_minus_sx = n_live - w.sum() + y @ w
    else:  # n' − Σ x with the terms x > 1/2 as 1 − y: no cancellation (ridge.excess)
        n_minus_sx = excess(n_live, x, y, w)
    h = np.where(small_t, t * tt - (x @ w) / n, n_minus_sx / n - pg)
    tdh = (p * tf * g).sum(-1) + ((y * (s[None, :] / (a + li))) @ w) * (p * tf * f).sum(-1) / n
    return h, tdh


def _solve_t_real(setting, n, p, om, lam, n_live=None):
    """The scalar t of the weighted resolvent, vectorised over a flat batch.

    ``n`` (P,), ``p`` (P, 2) sample fractions, ``om`` (P, 2) weights ≥ 0 with
    Σ_k p_k ω_k = 1, ``lam`` (P,). Solves

        H(t) = t θ(t) − (1/n) Σ_j θ s_j/(θ s_j + λ) = 0,

    which is strictly increasing in t (t θ(t) = Σ_k p_kω_k t/(1+ω_k t) increases,
    θ decreases), with H(0) = −df₁(λ)/n < 0. A bracket [t_lo, t_hi] is found by
    doubling / halving until H changes sign; the root is then found by the
    shared safeguarded Newton solver in log t (:func:`._newton.newton_log`).
    """
    s, w = setting.grouped.eigenvalues, setting.grouped.multiplicity

    def H(t, idx):
        """H and t·dH/dt at t for the batch entries ``idx``."""
        return _fixed_point(s, w, t, p[idx], om[idx], lam[idx], n[idx], None if n_live is None else n_live[idx])

    P = n.size
    n_eff = n * (p * (om > 0)).sum(-1)  # samples with positive weight
    if np.any((lam == 0) & (n_eff <= w.sum())):
        raise ValueError(
            "lam = 0 needs more samples with positive weight than dimensions "
            "(the weighted least-squares problem is under-determined); use lam > 0"
        )
    every = np.arange(P)
    with np.errstate(divide="ignore"):  # start at min(tr Σ/(nλ), 1e300), computed in logs (no overflow)
        log_hi = np.log(float(np.dot(w, s))) - np.log(n) - np.log(np.where(lam > 0, lam, 1.0))
    hi = np.where(lam > 0, np.exp(np.clip(log_hi, np.log(1e-300), np.log(1e300))), 1.0)
    for _ in range(2000):  # H(hi) ≥ 0
        if not np.all(np.isfinite(hi)):
            # t ≍ κ/λ beyond the largest float: λ is ~1e-308 of the effective ridge κ (d > n, λ → 0)
            bad = float(lam[~np.isfinite(hi)][0])
            raise ValueError(
                f"lam is too small for the weighted-mixing equivalent with this spectrum (lam = {bad!r}: "
                "κ/λ exceeds the float range); the λ → 0 limit is reached long before, use a larger lam"
            )
        grow = H(hi, every)[0] < 0
        if not np.any(grow):
            break
        with np.errstate(over="ignore"):
            hi = np.where(grow, 2.0 * hi, hi)
    lo = 1e-6 * hi  # the log-scale solver is indifferent to a wide bracket; a tight one costs evaluations
    for _ in range(200):  # H(lo) < 0 (exists: H(0⁺) < 0)
        shrink = ~(H(lo, every)[0] < 0)
        if not np.any(shrink):
            break
        lo = np.where(shrink, 1e-3 * lo, lo)

    return newton_log(H, np.log(lo), np.log(hi))  # H returns the derivative in log t


def _solve_t_complex(setting, n, p, om, lam, t0, steps=6, newton=25):
    """Continuation of t to complex weights ω(s) = ω_real + s (om − ω_real), s: 0 → 1.

    ``om`` (P, 2) complex weights, ``t0`` (P,) the real solution at the real
    weights ω_real = Re-free starting point (1, 1) of the iterative problem.
    Newton on F(t) = t θ(t) − (1/n) Σ_j θ s_j/(θ s_j + λ) at each step.
    """
    s, w = setting.grouped.eigenvalues, setting.grouped.multiplicity
    om0 = np.ones_like(om)
    t = t0.astype(complex)
    for k in range(1, steps + 1):
        omk = om0 + (k / steps) * (om - om0)
        for _ in range(newton):
            F, tdF = _fixed_point(s, w, t, p, omk, lam, n)
            step = F * t / tdF
            t = t - step
            if np.all(np.abs(step) <= 1e-14 * np.maximum(np.abs(t), 1e-300)):
                break
    F, tdF = _fixed_point(s, w, t, p, om, lam, n)
    if not np.all(np.abs(F) <= 1e-9 * np.abs(tdF)):  # the next Newton step in log t would be below 1e-9
        raise RuntimeError("complex fixed point did not converge (internal error); report the setting, n1, n2 and lam")
    return t


@dataclass
class _Side:
    """First-order quantities of one family of weighted resolvents (flat batch, possibly complex)."""

    t: np.ndarray  # (P,)
    f: np.ndarray  # (P, 2) ω_k/(1 + ω_k t)
    theta: np.ndarray  # (P,)
    r: np.ndarray  # (P, J) eigenvalues of R̄ = (θΣ + λ)⁻¹
    A: np.ndarray  # (P, J) coefficient of w₁ in m − w₁: −λ r
    B: np.ndarray  # (P, J) coefficient of δ in m − w₁: θ₂ s r
    g: np.ndarray | None = None  # (P, 2) 1/(1 + ω_k t)


def _side(setting, t, p, om, lam) -> _Side:
    s = setting.grouped.eigenvalues
    g = 1.0 / (1.0 + om * t[:, None])
    f = om * g
    th_k = p * f
    theta = th_k.sum(-1)
    r = 1.0 / (theta[:, None] * s[None, :] + lam[:, None])
    return _Side(t, f, theta, r, -lam[:, None] * r, th_k[:, 1:2] * s[None, :] * r, g)


def _pair_terms(setting, a: _Side, b: _Side, n, p, sig1, sig2, outer: bool):
    """The bilinear rule for estimator pairs (a, b), by source.

    ``outer=False``: a and b are aligned batches (P,) → terms of shape (P,).
    ``outer=True``: a has batch (Na,), b has (Nb,) sharing one (n, p) → (Na, Nb).
    ``sig2`` is the synthetic-noise cross-covariance σ₂^{ab} (broadcastable).
    Returns dict with real_bias (w₁), synthetic_bias (δ), real_noise, synthetic_noise.
    """
    sp = setting.grouped
    s, w, g, dl = sp.eigenvalues, sp.multiplicity, sp.gamma_sum, sp.delta_sum
    if outer:
        bil = lambda X, Y, c: (X * c[None, :]) @ Y.T  # noqa: E731
        fprod = lambda k: np.outer(a.f[:, k] / a.theta, b.f[:, k] / b.theta)  # noqa: E731
        n_, p1, p2 = n, p[0], p[1]
    else:
        bil = lambda X, Y, c: (X * Y) @ c  # noqa: E731
        fprod = lambda k: (a.f[:, k] / a.theta) * (b.f[:, k] / b.theta)  # noqa: E731
        n_, p1, p2 = n, p[:, 0], p[:, 1]
    # D = (1/n) Σ w s² r_a r_b and q_k = p_k f_k^a f_k^b enter only as products q_k D; they are carried
    # as (θ_aθ_b D)·(q_k/(θ_aθ_b)), whose factors are bounded (θ s r = θs/(θs+λ) ≤ 1, f/θ ≤ 1/p):
    # D alone overflows and q underflows when θ ≪ 1 (λ far below the spectrum)
    D = bil(a.theta[:, None] * s * a.r, b.theta[:, None] * s * b.r, w) / n_
    q1, q2 = p1 * fprod(0), p2 * fprod(1)
    qD = (q1 + q2) * D
    if a is b and not outer:
        # one estimator with itself at its real fixed point, (1/n)Σ w x = tθ with x = θs r, y = λr = 1 − x:
        # 1 − qD = Σ_k p_k f_k g_k/θ + (Σ_k p_k f_k²/θ²)(1/n)Σ_j w x y, a sum of non-negative terms
        # (1 − qD itself cancels to rounding at the threshold n = d, λ → 0, where v = qD/(1 − qD) → ∞)
        x = a.theta[:, None] * s * a.r
        X = ((x * -a.A) @ w) / n_
        fr = a.f / a.theta[:, None]  # f/θ ≤ 1/p: (Σ p f²)/θ² without underflow
        one_minus_qD = (p * fr * a.g).sum(-1) + (p * fr * fr).sum(-1) * X  # f g/θ as (f/θ) g: no underflow
    else:
        one_minus_qD = 1.0 - qD
    infl = D / one_minus_qD  # D/(1 − qD)
    AA = bil(a.A, b.A, s * g)  # ⟨A w₁, A w₁⟩
    BB = bil(a.B, b.B, s * dl)  # ⟨m−w₁, m−w₁⟩, δ part
    B1 = bil(a.B - 1.0, b.B - 1.0, s * dl)  # ⟨m−w₂, m−w₂⟩, δ part
    return dict(
        real_bias=AA * (1.0 + (q1 + q2) * infl),
        synthetic_bias=BB + infl * (q1 * BB + q2 * B1),
        real_noise=infl * q1 * sig1,
        synthetic_noise=infl * q2 * sig2,
        D=D,
        qD=qD,
        one_minus_qD=one_minus_qD,
    )


# ----------------------------------------------------------------------------- weighted mixing
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


def weighted_mixing(setting, n1, n2, alpha, lam) -> WeightedMixingTheory:
    """Deterministic equivalent of the test error of weighted-mixing ridge (paper §5, Corollary 2, figure 9).

    The estimator, with n₁ real and n₂ synthetic samples, p_k = n_k/n,

        ŵ(α) = argmin_w α/n₁‖X₁w − Y₁‖² + (1−α)/n₂‖X₂w − Y₂‖² + λ‖w‖²,

    is ridge with sample weights ω₁ = α/p₁, ω₂ = (1−α)/p₂. With t > 0 the root of
    t = (1/n) tr Σ(θΣ + λ)⁻¹, θ_k = p_kω_k/(1 + ω_kt), θ = θ₁ + θ₂, κ = λ/θ,
    q_k = p_kω_k²/(1 + ω_kt)², q = q₁ + q₂, v = (q/θ²)(df₂(κ)/n)/(1 − (q/θ²)df₂(κ)/n),
    ρ = θ₂/θ and π_k = q_k/q (module docstring):

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


def optimal_alpha(setting, n1, n2, lam, grid: int = 101) -> OptimalAlpha:
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

    Returns
    -------
    OptimalAlpha
        ``alpha`` (α*) and ``error`` (E(α*)) on the broadcast shape, floats for scalar input.
    """
    n1 = V.positive_sizes("n1", n1, integer=False)
    n2 = V.positive_sizes("n2", n2, integer=False)
    lam = V.nonnegative("lam", lam)
    grid = V.positive_int("grid", grid)
    if grid < 3:
        raise ValueError(f"grid must be at least 3, got {grid}")
    n1, n2, lam = V.broadcast(n1=n1, n2=n2, lam=lam)
    shape = n1.shape
    n1, n2, lam = (a.ravel().astype(float) for a in (n1, n2, lam))
    P = n1.size
    ag = np.linspace(0.0, 1.0, grid)

    def err(a):  # a (P, m) → (P, m)
        m = a.shape[1]
        rep = lambda x: np.repeat(x, m)  # noqa: E731
        _, _, tm = _weighted_flat(setting, rep(n1), rep(n2), a.ravel(), rep(lam))
        tot = tm["real_bias"] + tm["real_noise"] + tm["synthetic_noise"] + tm["synthetic_bias"]
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


# ----------------------------------------------------------------------------- iterative mixing
@dataclass(frozen=True)
class IterativeMixingTheory:
    """Deterministic equivalent of iterative mixing after each round 0..rounds (figure 10).

    Arrays of shape ``grid_shape + (rounds + 1,)``; total = real_bias +
    synthetic_bias + real_noise + synthetic_noise (contributions of w₁*, of
    δ = w₂* − w₁*, of the real label noise and of all synthetic label noise).
    ``limit`` (grid_shape) is the rounds → ∞ value (``iterative_mixing_limit(...).total``),
    ``clean`` = ridge on the n₁ real samples alone with the same λ, ``pooled`` =
    Theorem 1 on all n samples (= round 0).
    """

    total: np.ndarray
    real_bias: np.ndarray
    synthetic_bias: np.ndarray
    real_noise: np.ndarray
    synthetic_noise: np.ndarray
    limit: np.ndarray | float
    clean: np.ndarray | float
    pooled: np.ndarray | float


@dataclass(frozen=True)
class IterativeMixingLimit:
    """Deterministic equivalent of iterative mixing after infinitely many rounds, on a broadcast grid.

    total = fixed_point + relabelling_noise. ``fixed_point`` is the error of the rounds' limit
    w_∞ = (M₁ + λ)⁻¹(M₁w₁* + X₁ᵀε₁/n), ridge on the n₁ real samples with penalty λn/n₁ (Theorem 1
    at p₂ = 0); ``relabelling_noise`` is the stationary error S added by fresh relabelling noise
    each round (0 when ``relabel_noise`` is False).
    """

    total: np.ndarray | float
    fixed_point: np.ndarray | float
    relabelling_noise: np.ndarray | float


@dataclass(frozen=True)
class IterativeMixingLeadingOrder:
    """First-order (n ≫ d) approximation of iterative mixing after each round 0..rounds.

    Arrays of shape ``grid_shape + (rounds + 1,)``; total = real_bias + synthetic_bias +
    real_noise + synthetic_noise, the same split as :class:`IterativeMixingTheory`.
    """

    total: np.ndarray
    real_bias: np.ndarray
    synthetic_bias: np.ndarray
    real_noise: np.ndarray
    synthetic_noise: np.ndarray


_COMPONENTS = ("real_bias", "synthetic_bias", "real_noise", "synthetic_noise")


def _rounds(rounds) -> int:
    """A number of rounds: a non-negative integer (error names ``rounds``)."""
    return V.nonnegative_int("rounds", rounds)


def _iter_sizes(setting, n1, n2, lam):
    n1 = V.positive_sizes("n1", n1, integer=False)
    n2 = V.positive_sizes("n2", n2, integer=False)
    lam = V.nonnegative("lam", lam)
    n1, n2, lam = V.broadcast(n1=n1, n2=n2, lam=lam)
    bad = (lam == 0) & (n1 <= setting.d)
    if np.any(bad):
        raise ValueError(
            f"lam = 0 needs n1 > d = {setting.d} (otherwise K = (M₁+M₂)⁻¹M₂ has the eigenvalue 1 "
            "and the rounds never forget w₂*); use lam > 0"
        )
    return n1, n2, lam


def _complex_sides(setting, n, p, lam, z):
    """Sides for weights (1, 1 − z) at the points ``z`` (N,), one (n, p, λ) point."""
    N = z.size
    om = np.stack([np.ones(N, dtype=complex), 1.0 - z], axis=-1)
    pp = np.broadcast_to(p, (N, 2))
    nn, ll = np.full(N, n), np.full(N, lam)
    t0 = _solve_t_real(setting, nn[:1], pp[:1].astype(float), np.ones((1, 2)), ll[:1])
    t = _solve_t_complex(setting, nn, pp, om, ll, np.full(N, t0[0]))
    return _side(setting, t, pp, om, ll)


def _fft_size(rounds):
    """Radius r and grid size N of the Cauchy integral for rounds 0..T.

    r^{2T} = 10⁻⁴ bounds the amplification of rounding errors (r^{−2T}); N is
    the smallest power of two with r^N ≤ 10⁻¹³ (aliasing of later rounds).
    """
    T = max(int(rounds), 4)
    r = 10.0 ** (-2.0 / T)
    N = 64
    while r**N > 1e-13:
        N *= 2
    return r, N


def _iterative_point(setting, n1, n2, rounds, lam, relabel_noise):
    """Per-round components at one (n₁, n₂, λ): dict of (rounds + 1,) arrays."""
    n = n1 + n2
    p = np.array([n1 / n, n2 / n])
    r, N = _fft_size(rounds)
    z = r * np.exp(2j * np.pi * np.arange(N) / N)
    side = _complex_sides(setting, n, p, lam, z)
    zz = np.multiply.outer(z, z)
    sig2 = setting.sigma2_synth / (1.0 - zz) if relabel_noise else setting.sigma2_synth
    tm = _pair_terms(setting, side, side, n, p, setting.sigma2_real, sig2, outer=True)
    pole = np.multiply.outer(1.0 - z, 1.0 - z)
    idx = np.arange(rounds + 1)
    out = {}
    for key in _COMPONENTS:
        C = np.fft.fft2(tm[key] / pole) / N**2
        out[key] = np.real(C[idx, idx]) / r ** (2 * idx)
    return out


def iterative_mixing(setting, n1, n2, rounds: int, lam, relabel_noise: bool = True) -> IterativeMixingTheory:
    """Deterministic equivalent of the test error after each round 0..``rounds`` of iterative mixing.

    Round 0 is pooled ridge on n₁ real and n₂ synthetic samples (labels from w₂*);
    round t relabels the same synthetic inputs with the previous model,
    Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + σ₂ε_t (fresh ε_t each round if ``relabel_noise``, none
    otherwise), and refits pooled ridge with penalty λ (paper §5, Corollary 3, figure 10;
    after Ferbach et al. 2024). With M_k = X_kᵀX_k/n, R = (M₁ + M₂ + λ)⁻¹, K = RM₂ the
    rounds obey ŵ_t = Kŵ_{t−1} + R(M₁w₁* + X₁ᵀε₁/n) + RX₂ᵀε_t/n, and their generating
    function is a weighted ridge with weights (1, 1 − z):

        Σ_{t,s} z^t w^s E⟨ŵ_t − w₁*, ŵ_s − w₁*⟩_Σ = E⟨ŵ^{(z)} − w₁*, ŵ^{(w)} − w₁*⟩_Σ / ((1 − z)(1 − w)),

    whose right side is the weighted-ridge rule of the module docstring at complex
    weights. E_t is the diagonal coefficient [z^t w^t], extracted with a 2-D FFT on the
    torus |z| = |w| = r (:func:`_fft_size`). This equivalent is ours (derived in the chapter
    *Mixing strategies: weighting and iterative re-labelling*): a proportionate-limit
    equivalent like Theorem 1, with no expansion in d/n (compare
    :func:`iterative_mixing_leading_order`). Cost: one 2-D FFT of size N² (N ≈ 7·rounds,
    at least 64) per grid point.

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ, σ₁², σ₂²).
    n1, n2 : float or array_like
        Real and synthetic sample sizes > 0 (may be non-integer).
    rounds : int
        Last round T ≥ 0.
    lam : float or array_like
        Ridge penalty λ ≥ 0 (λ = 0 needs n₁ > d). ``n1``, ``n2`` and ``lam`` broadcast to
        ``grid_shape``.
    relabel_noise : bool
        Fresh label noise σ₂ε_t at every relabelling (True) or none after round 0 (False).

    Returns
    -------
    IterativeMixingTheory
        ``total`` and its parts ``real_bias``, ``synthetic_bias``, ``real_noise``,
        ``synthetic_noise`` of shape ``grid_shape + (rounds + 1,)``; ``limit`` (the
        rounds → ∞ value, :func:`iterative_mixing_limit`), ``clean`` (ridge on the n₁ real
        samples, same λ) and ``pooled`` (Theorem 1 on all n samples, = round 0) of shape
        ``grid_shape``.
    """
    rounds = _rounds(rounds)
    relabel_noise = V.flag("relabel_noise", relabel_noise)
    n1, n2, lam = _iter_sizes(setting, n1, n2, lam)
    shape = n1.shape
    f1, f2, fl = (a.ravel().astype(float) for a in (n1, n2, lam))
    comps = {k: np.empty((f1.size, rounds + 1)) for k in _COMPONENTS}
    for i in range(f1.size):
        res = _iterative_point(setting, f1[i], f2[i], rounds, fl[i], bool(relabel_noise))
        for k in _COMPONENTS:
            comps[k][i] = res[k]
    total = sum(comps[k] for k in _COMPONENTS)
    lim = iterative_mixing_limit(setting, n1, n2, lam, relabel_noise=relabel_noise).total
    clean = classical(setting, n1, 0.0, lam).total
    pooled = classical(setting, n1 + n2, n2 / (n1 + n2), lam).total
    rs = lambda a: a.reshape(shape + (rounds + 1,))  # noqa: E731
    return IterativeMixingTheory(
        rs(total), *(rs(comps[k]) for k in _COMPONENTS), lim, _scalarise(clean), _scalarise(pooled)
    )


def iterative_mixing_limit(setting, n1, n2, lam, relabel_noise: bool = True, points: int = 256) -> IterativeMixingLimit:
    """Rounds → ∞ limit of iterative mixing (its fixed point), broadcasting over n1, n2, lam.

    ŵ_t − w_∞ = K^{t+1}(w₂* − w_∞) + Σ_{i≤t} K^i R X₂ᵀε_{t−i}/n with K = (M₁+M₂+λ)⁻¹M₂
    (spectral radius < 1), so ŵ_t → w_∞ = (M₁ + λ)⁻¹(M₁w₁* + X₁ᵀε₁/n): ridge on the n₁
    real samples with penalty λn/n₁, whose error is Theorem 1 for that estimator,
    ``classical(setting, n1, 0, lam·n/n1)``. With fresh noise each round the error carries
    in addition the stationary relabelling noise

        S = (σ₂²/n) Σ_{i≥0} tr Σ K^i R M₂ R K^{iᵀ} = (1/2π) ∫₀^{2π} (σ₂²/n) tr Σ R_z M₂ R_{z̄} dφ,

    z = e^{iφ}, R_z = (M₁ + (1−z)M₂ + λ)⁻¹ (Parseval, since Σ_i z^i K^i R = R_z), whose
    deterministic equivalent is p₂ D/((1+ω₂t_z)(1+ω̄₂t_z̄)(1 − qD)) with ω₂ = 1 − z; the
    integral is a ``points``-point trapezoid rule (spectrally accurate). Our derivation, in
    the chapter *Mixing strategies: weighting and iterative re-labelling* (eqs. mix-fixed-point
    and mix-limit).

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : float or array_like
        Real and synthetic sample sizes > 0 (may be non-integer).
    lam : float or array_like
        Ridge penalty λ ≥ 0 (λ = 0 needs n₁ > d). ``n1``, ``n2`` and ``lam`` broadcast.
    relabel_noise : bool
        Fresh label noise at every relabelling (adds S) or none (S = 0).
    points : int
        Nodes of the trapezoid rule for S (an integer ≥ 4).

    Returns
    -------
    IterativeMixingLimit
        ``total`` = ``fixed_point`` + ``relabelling_noise``: E_∞, the error E(w_∞) of the
        fixed point and S; on the broadcast shape, floats for scalar input.
    """
    relabel_noise = V.flag("relabel_noise", relabel_noise)
    points = V.positive_int("points", points)
    if points < 4:
        raise ValueError(f"points must be at least 4 (nodes of the trapezoid rule), got {points}")
    n1, n2, lam = _iter_sizes(setting, n1, n2, lam)
    shape = n1.shape
    n = n1 + n2
    with np.errstate(over="ignore"):  # λn/n₁ beyond the largest float: the limit r² is reached long before
        lam_eff = np.minimum(lam * (n / n1), np.finfo(float).max)
    base = np.asarray(classical(setting, n1, 0.0, lam_eff).total, dtype=float)
    f1, f2, fl = (a.ravel().astype(float) for a in (n1, n2, lam))
    S = np.zeros(f1.size)
    phi = 2 * np.pi * np.arange(points) / points
    z = np.exp(1j * phi)
    s, w = setting.grouped.eigenvalues, setting.grouped.multiplicity
    for i in range(f1.size if relabel_noise else 0):
        nn = f1[i] + f2[i]
        p = np.array([f1[i] / nn, f2[i] / nn])
        a = _complex_sides(setting, nn, p, fl[i], z)
        b = _Side(np.conj(a.t), np.conj(a.f), np.conj(a.theta), np.conj(a.r), np.conj(a.A), np.conj(a.B))
        th2 = a.theta * b.theta  # D and q scaled by θ_aθ_b and 1/(θ_aθ_b) (see _pair_terms): no overflow
        D = ((a.theta[:, None] * s * a.r) * (b.theta[:, None] * s * b.r)) @ w / nn
        q = (p[0] * a.f[:, 0] * b.f[:, 0] + p[1] * a.f[:, 1] * b.f[:, 1]) / th2
        g2 = p[1] / ((1.0 + (1.0 - z) * a.t) * (1.0 + np.conj(1.0 - z) * b.t)) / th2
        S[i] = setting.sigma2_synth * float(np.mean(np.real(g2 * D / (1.0 - q * D))))
    S = S.reshape(shape)
    return IterativeMixingLimit(_scalarise(base + S), _scalarise(base), _scalarise(S))


def iterative_mixing_leading_order(
    setting, n1, n2, rounds: int, lam, relabel_noise: bool = True
) -> IterativeMixingLeadingOrder:
    """Leading order of each part of iterative mixing (n ≫ d): a scalar recursion per eigen-direction.

    Replacing M_k by p_kΣ and R by (Σ+λ)⁻¹ (the leading order of each part) makes K = p₂Σ(Σ+λ)⁻¹,
    i.e. k_j = p₂s_j/(s_j+λ) per direction, and

        real bias        Σ_j s_jγ_j λ²(1 − k_j^{t+1})²/(p₁s_j+λ)²
        synthetic bias   Σ_j s_jδ_j k_j^{2(t+1)}                              (b_t = k² b_{t−1})
        real noise       (σ₁²/n) Σ_j (1 − k_j^{t+1})² p₁s_j²/(p₁s_j+λ)²
        synthetic noise  (σ₂²/n) Σ_j p₂s_j²/(s_j+λ)² · S_{j,t},   S_{j,t} = k_j² S_{j,t−1} + 1[fresh noise]

    (S_{j,0} = 1). Isotropic and λ → 0: synthetic bias p₂^{2(t+1)}c², real noise
    (1 − p₂^{t+1})²σ₁²d/n₁, synthetic noise σ₂²p₂(d/n)Σ_{i≤t}p₂^{2i}. This is the recursion
    of the chapter *Mixing strategies: weighting and iterative re-labelling* (eq.
    mix-first-order, ours). It is not the whole first order in d/n: it omits the O(d/n)
    inflation factors of the exact :func:`iterative_mixing` and the mismatch acting as label
    noise (at t = 0 it gives σ²d/n + p₂²c², Corollary 1 without its p₁p₂c²d/n).

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : float or array_like
        Real and synthetic sample sizes > 0 (may be non-integer).
    rounds : int
        Last round T ≥ 0.
    lam : float or array_like
        Ridge penalty λ ≥ 0 (λ = 0 needs n₁ > d). ``n1``, ``n2`` and ``lam`` broadcast to
        ``grid_shape``.
    relabel_noise : bool
        Fresh label noise at every relabelling (True) or none after round 0 (False).

    Returns
    -------
    IterativeMixingLeadingOrder
        ``total``, ``real_bias``, ``synthetic_bias``, ``real_noise``, ``synthetic_noise``,
        arrays of shape ``grid_shape + (rounds + 1,)``.
    """
    rounds = _rounds(rounds)
    relabel_noise = V.flag("relabel_noise", relabel_noise)
    n1, n2, lam = _iter_sizes(setting, n1, n2, lam)
    sp = setting.grouped
    s, w, g, dl = sp.eigenvalues, sp.multiplicity, sp.gamma_sum, sp.delta_sum
    n = (n1 + n2)[..., None, None]
    p1, p2 = n1[..., None, None] / n, n2[..., None, None] / n
    la = lam[..., None, None]
    t = np.arange(rounds + 1)[:, None]
    k = p2 * s / (s + la)
    kt = k ** (t + 1)
    if relabel_noise:
        S = (1 - k ** (2 * (t + 1))) / np.where(k < 1, 1 - k**2, 1.0)
    else:
        S = k ** (2 * t)
    out = dict(
        real_bias=(s * g * (la / (p1 * s + la)) ** 2 * (1 - kt) ** 2).sum(-1),
        synthetic_bias=(s * dl * kt**2).sum(-1),
        real_noise=setting.sigma2_real / n[..., 0] * (w * (1 - kt) ** 2 * p1 * (s / (p1 * s + la)) ** 2).sum(-1),
        synthetic_noise=setting.sigma2_synth / n[..., 0] * (w * p2 * (s / (s + la)) ** 2 * S).sum(-1),
    )
    out["total"] = sum(out[c] for c in _COMPONENTS)
    return IterativeMixingLeadingOrder(**{key: np.asarray(v) for key, v in out.items()})
