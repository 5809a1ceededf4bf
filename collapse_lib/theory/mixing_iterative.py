"""Iterative mixing (paper §5, Corollary 3, figure 10): the error after each round, its limit and leading order.

The rounds' generating function is a weighted ridge at complex weights (docstring of
:mod:`collapse_lib.theory.mixing`), evaluated by the shared rule of :mod:`._mixing_rule`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from ._mixing_rule import _pair_terms, _Side, _side, _solve_t_complex, _solve_t_real
from .ridge import _scalarise, classical


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


def iterative_mixing(
    setting: Setting, n1: ArrayLike, n2: ArrayLike, rounds: int, lam: ArrayLike, relabel_noise: bool = True
) -> IterativeMixingTheory:
    """Deterministic equivalent of the test error after each round 0..``rounds`` of iterative mixing.

    Round 0 is pooled ridge on n₁ real and n₂ synthetic samples (labels from w₂*);
    round t relabels the same synthetic inputs with the previous model,
    Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + σ₂ε_t (fresh ε_t each round if ``relabel_noise``, none
    otherwise), and refits pooled ridge with penalty λ (paper §5, Corollary 3, figure 10;
    after Ferbach et al. 2024). With M_k = X_kᵀX_k/n, R = (M₁ + M₂ + λ)⁻¹, K = RM₂ the
    rounds obey ŵ_t = Kŵ_{t−1} + R(M₁w₁* + X₁ᵀε₁/n) + RX₂ᵀε_t/n, and their generating
    function is a weighted ridge with weights (1, 1 − z):

        Σ_{t,s} z^t w^s E⟨ŵ_t − w₁*, ŵ_s − w₁*⟩_Σ = E⟨ŵ^{(z)} − w₁*, ŵ^{(w)} − w₁*⟩_Σ / ((1 − z)(1 − w)),

    whose right side is the weighted-ridge rule of the
    docstring of :mod:`collapse_lib.theory.mixing` at complex
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
    setting = V.setting("setting", setting)
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


def iterative_mixing_limit(
    setting: Setting, n1: ArrayLike, n2: ArrayLike, lam: ArrayLike, relabel_noise: bool = True, points: int = 256
) -> IterativeMixingLimit:
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
    setting = V.setting("setting", setting)
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
    setting: Setting, n1: ArrayLike, n2: ArrayLike, rounds: int, lam: ArrayLike, relabel_noise: bool = True
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
    setting = V.setting("setting", setting)
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
