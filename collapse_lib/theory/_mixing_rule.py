"""The rule both mixing strategies evaluate: ridge with per-sample weights on two sources.

The formulas are in the docstring of :mod:`collapse_lib.theory.mixing`. Here:
:func:`_solve_t_real` and :func:`_solve_t_complex` solve for the scalar t of the weighted
resolvent (real weights; complex weights by continuation), :func:`_side` gives the first-order
quantities of one family of estimators at t, and :func:`_pair_terms` is the bilinear rule
for a pair of estimators fitted on the same inputs, by source. :mod:`.mixing_weighted` calls it
at real weights, :mod:`.mixing_iterative` at the complex weights of its generating function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._newton import newton_log
from .ridge import excess


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
