"""Monte Carlo of the mixing strategies (paper figures 9 and 10).

Weighted single-step mixing (figure 9):

    ŵ(α) = argmin_w  α/n₁ ‖X₁w − Y₁‖² + (1−α)/n₂ ‖X₂w − Y₂‖² + λ‖w‖²,   α ∈ [0, 1],

i.e. (a₁X₁ᵀX₁ + a₂X₂ᵀX₂ + λI) ŵ = a₁X₁ᵀY₁ + a₂X₂ᵀY₂ with a₁ = α/n₁, a₂ = (1−α)/n₂.
α = n₁/n is plain pooling (ridge on all n samples); α = 1 is ridge on the n₁
real samples alone with the same λ.

Iterative mixing (figure 10, after Ferbach et al. 2024): round 0 fits pooled
ridge on real labels and synthetic labels from w₂*; round t relabels the same
synthetic inputs with the previous model, Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ (+ fresh noise σ₂ε if
``relabel_noise``), and refits pooled ridge on all n samples. The design never
changes, so one eigendecomposition per trial serves every round.

Both estimators see the data only through G_k = X_kᵀX_k and the noise sums
X_kᵀε (k = 1 real, 2 synthetic); given G_k, every X_kᵀε is N(0, G_k). So with
``method="moments"`` a trial draws a factor F_k with G_k = F_kF_kᵀ (Bartlett:
F_k = Σ^½A, A lower triangular, when n_k ≥ d; F_k = X_kᵀ otherwise) and each
noise sum as F_k z, z ~ N(0, I): exactly the law of the direct simulation, at a
cost independent of n (``"auto"`` uses it when n₁, n₂ ≥ 2d).

:func:`weighted_mixing_terms` and :func:`iterative_mixing_terms` average over the
design only: teachers and label noise are integrated out exactly, giving
low-variance estimates of each part of the error (contributions of w₁*, of
δ = w₂* − w₁*, of the real and of the synthetic label noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from .common import (
    SimulationResult,
    chunk_size,
    pseudo_inverse_filter,
    run_options,
    summarise,
    test_error,
    trial_generator,
)
from .ridge import ridge_solve_moments

_BUDGET = 256 * 2**20  # bytes of working memory per block of trials


def _method(method, n1, n2, d):
    if method not in ("auto", "direct", "moments"):
        raise ValueError(f"method must be 'auto', 'direct' or 'moments', got {method!r}")
    return method == "moments" or (method == "auto" and min(n1, n2) >= 2 * d)


def _factor(setting, L, g, rng, dev, dt, moments):
    """F (d, m) with F Fᵀ ~ Wishart_d(L, Σ): Bartlett (m = d) if ``moments`` and L ≥ d, else Xᵀ (m = L)."""
    d = setting.d
    sq = torch.tensor(np.sqrt(setting.spectrum), dtype=dt, device=dev)
    if not moments or L < d:
        return (torch.randn((L, d), generator=g, dtype=dt, device=dev) * sq).T
    A = torch.zeros((d, d), dtype=dt, device=dev)
    tril = torch.tril_indices(d, d, offset=-1, device=dev)
    A[tril[0], tril[1]] = torch.randn(tril.shape[1], generator=g, dtype=dt, device=dev)
    A.diagonal().copy_(torch.as_tensor(np.sqrt(rng.chisquare(L - np.arange(d))), dtype=dt, device=dev))
    return sq[:, None] * A


def _draw_factors(setting, n1, n2, trials, first, seed, key, dev, dt, moments, noise_rounds):
    """Per trial t (seeded by (seed, *key, t)): teachers, factors F₁, F₂ and standard-normal noise draws.

    Returns w1, w2 (T, d); F1 (T, d, m₁), F2 (T, d, m₂) with G_k = F_kF_kᵀ = X_kᵀX_k in law;
    z1 (T, m₁) and z2 (T, noise_rounds, m₂) so that X_kᵀε = F_k z is the noise sum.
    """
    d = setting.d
    W, F1, F2, Z1, Z2 = [], [], [], [], []
    for t in range(first, first + trials):
        g = trial_generator(seed, (*key, t), dev)
        rng = np.random.default_rng(np.random.SeedSequence([seed, *key, t, 1]))
        W.append(torch.randn((2, d), generator=g, dtype=dt, device=dev))
        F1.append(_factor(setting, n1, g, rng, dev, dt, moments) if n1 else torch.zeros((d, 0), dtype=dt, device=dev))
        F2.append(_factor(setting, n2, g, rng, dev, dt, moments) if n2 else torch.zeros((d, 0), dtype=dt, device=dev))
        Z1.append(torch.randn((F1[-1].shape[1],), generator=g, dtype=dt, device=dev))
        Z2.append(torch.randn((noise_rounds, F2[-1].shape[1]), generator=g, dtype=dt, device=dev))
    W = torch.stack(W)
    w1 = W[:, 0] * torch.tensor(np.sqrt(setting.gamma), dtype=dt, device=dev)
    w2 = w1 + W[:, 1] * torch.tensor(np.sqrt(setting.delta), dtype=dt, device=dev)
    return w1, w2, torch.stack(F1), torch.stack(F2), torch.stack(Z1), torch.stack(Z2)


def _mv(A, x):
    return (A @ x[..., None])[..., 0]


def weighted_ridge_from_moments(G1, G2, b1, b2, n1, n2, alphas, lam):
    """Weighted-mixing ridge from the per-source Gram matrices, for every α.

    Solves (a₁G₁ + a₂G₂ + λI) ŵ = a₁b₁ + a₂b₂ with a₁ = α/n₁, a₂ = (1−α)/n₂ (the normal
    equations of ŵ(α) = argmin α/n₁‖X₁w − Y₁‖² + (1−α)/n₂‖X₂w − Y₂‖² + λ‖w‖²); one
    factorisation per α (:func:`~collapse_lib.simulate.ridge.ridge_solve_moments`:
    Cholesky for λ > 0, else eigh, so λ = 0 gives the min-norm solution when the weighted
    Gram matrix is singular).

    Parameters
    ----------
    G1, G2 : torch.Tensor (T, d, d)
        G_k = X_kᵀX_k of the real (1) and synthetic (2) samples.
    b1, b2 : torch.Tensor (T, d)
        b_k = X_kᵀY_k.
    n1, n2 : int
        Sample counts (a source with 0 samples gets weight 0).
    alphas : sequence of float (A,)
        Weights α ∈ [0, 1].
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, d, A)
        ŵ(α) for every trial and α.
    """
    out = []
    for a in alphas:
        a1 = a / n1 if n1 else 0.0
        a2 = (1 - a) / n2 if n2 else 0.0
        out.append(ridge_solve_moments(a1 * G1 + a2 * G2, (a1 * b1 + a2 * b2)[..., None], [lam])[..., 0, 0])
    return torch.stack(out, dim=-1)


def weighted_ridge(X1, X2, Y1, Y2, alphas, lam):
    """Weighted-mixing ridge ŵ(α) = argmin α/n₁‖X₁w − Y₁‖² + (1−α)/n₂‖X₂w − Y₂‖² + λ‖w‖² for every α.

    The per-source Gram matrices are formed once per trial and passed to
    :func:`weighted_ridge_from_moments` (one factorisation per α).

    Parameters
    ----------
    X1, X2 : torch.Tensor (T, n₁, d), (T, n₂, d)
        Real and synthetic inputs.
    Y1, Y2 : torch.Tensor (T, n₁), (T, n₂)
        Their labels.
    alphas : sequence of float (A,)
        Weights α ∈ [0, 1].
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, d, A)
        ŵ(α) for every trial and α.
    """
    return weighted_ridge_from_moments(
        X1.mT @ X1, X2.mT @ X2, _mv(X1.mT, Y1), _mv(X2.mT, Y2), X1.shape[1], X2.shape[1], alphas, lam
    )


def _check_weighted(setting, n1, n2, alpha, lam, trials, seed, device, dtype):
    n1 = V.nonnegative_int("n1", n1)
    n2 = V.nonnegative_int("n2", n2)
    if n1 + n2 == 0:
        raise ValueError("n1 + n2 must be positive")
    alpha = V.fraction("alpha", alpha)
    lam = V.nonnegative_scalar("lam", lam)
    trials, seed, dev, dt = run_options(trials, seed, device, dtype)
    alphas = alpha.ravel()
    if (n1 == 0 and np.any(alphas > 0)) or (n2 == 0 and np.any(alphas < 1)):
        raise ValueError(
            "alpha puts weight on a source with no samples (n1 = 0 needs alpha = 0, n2 = 0 needs alpha = 1)"
        )
    return n1, n2, alpha, alphas, lam, trials, seed, dev, dt


def _blocks(setting, n1, n2, trials, moments, extra=1):
    d = setting.d
    m = (min(n1, d) + min(n2, d)) if moments else (n1 + n2)
    return chunk_size(8.0 * (d * m * (2 + extra) + 4 * d * d), trials, _BUDGET)


def weighted_mixing(
    setting: Setting,
    n1: ArrayLike,
    n2: ArrayLike,
    alpha: ArrayLike,
    lam: ArrayLike,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    method: str = "auto",
) -> SimulationResult:
    """Simulated test error of weighted-mixing ridge, over ``alpha`` (paper §5, Corollary 2, figure 9).

    Each trial draws w₁*, δ, n₁ real and n₂ synthetic samples and fits
    ŵ(α) = argmin α/n₁‖X₁w − Y₁‖² + (1−α)/n₂‖X₂w − Y₂‖² + λ‖w‖² for every α (same draws,
    common random numbers); the trial mean of (ŵ − w₁*)ᵀΣ(ŵ − w₁*) estimates the error of
    :func:`collapse_lib.theory.weighted_mixing`. α = n₁/(n₁+n₂) is pooling, α = 1 uses the
    real samples only.

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : int
        Real and synthetic sample counts (≥ 0, not both 0).
    alpha : float or array_like
        Weights α ∈ [0, 1] (n1 = 0 needs α = 0, n2 = 0 needs α = 1).
    lam : float
        Ridge penalty λ ≥ 0.
    trials : int
        Trials.
    seed : int
        Trial t is seeded by (seed, n₁, n₂, 1, t).
    device, dtype : str
        Torch device and "float64" or "float32".
    method : {"auto", "direct", "moments"}
        "direct" draws the inputs, "moments" draws G_k and the noise sums (same law, cost
        independent of n); "auto" uses moments when n₁, n₂ ≥ 2d.

    Returns
    -------
    SimulationResult
        ``mean``, ``stderr`` and ``values`` over ``alpha`` (its shape), ``p2_eff`` = n₂/n.
    """
    setting = V.setting("setting", setting)
    n1, n2, alpha, alphas, lam, trials, seed, dev, dt = _check_weighted(
        setting, n1, n2, alpha, lam, trials, seed, device, dtype
    )
    moments = _method(method, n1, n2, setting.d)
    s1, s2 = np.sqrt(setting.sigma2_real), np.sqrt(setting.sigma2_synth)
    errs = []
    bs = _blocks(setting, n1, n2, trials, moments)
    for t0 in range(0, trials, bs):
        tc = min(bs, trials - t0)
        w1, w2, F1, F2, z1, z2 = _draw_factors(setting, n1, n2, tc, t0, seed, (n1, n2, 1), dev, dt, moments, 1)
        G1, G2 = F1 @ F1.mT, F2 @ F2.mT
        b1 = _mv(G1, w1) + s1 * _mv(F1, z1)
        b2 = _mv(G2, w2) + s2 * _mv(F2, z2[:, 0])
        errs.append(test_error(weighted_ridge_from_moments(G1, G2, b1, b2, n1, n2, alphas, lam), w1, setting.spectrum))
    err = torch.cat(errs)  # (T, A)
    shape = alpha.shape
    return summarise(err.T.cpu().numpy(), shape, np.full(shape, n2 / (n1 + n2)), trials, seed, dev)


def _check_iterative(setting, n1, n2, rounds, lam, relabel_noise, trials, seed, device, dtype):
    n1 = V.positive_int("n1", n1)
    n2 = V.positive_int("n2", n2)
    rounds = V.nonnegative_int("rounds", rounds)
    lam = V.nonnegative_scalar("lam", lam)
    V.flag("relabel_noise", relabel_noise)
    trials, seed, dev, dt = run_options(trials, seed, device, dtype)
    if lam == 0 and n1 + n2 <= setting.d:
        raise ValueError(f"lam = 0 needs n1 + n2 > d = {setting.d} (got {n1 + n2}): X'X/n is singular; use lam > 0")
    return n1, n2, rounds, lam, trials, seed, dev, dt


def iterative_mixing(
    setting: Setting,
    n1: ArrayLike,
    n2: ArrayLike,
    rounds: int,
    lam: ArrayLike,
    relabel_noise: bool = True,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    method: str = "auto",
) -> SimulationResult:
    """Simulated test error after each round 0..rounds of iterative re-labelling (paper §5, Corollary 3, figure 10).

    Round 0: pooled ridge on real labels X₁w₁* + σ₁ε and synthetic labels X₂w₂* + σ₂ε.
    Round t ≥ 1: Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + σ₂ε_t (fresh ε_t each round if ``relabel_noise``, none
    otherwise) and pooled ridge ŵ⁽ᵗ⁾ = (XᵀX/n + λI)⁻¹Xᵀy/n refitted on all n₁ + n₂ samples
    (the design never changes: one eigendecomposition per trial serves every round). The
    trial means of (ŵ⁽ᵗ⁾ − w₁*)ᵀΣ(ŵ⁽ᵗ⁾ − w₁*) estimate
    :func:`collapse_lib.theory.iterative_mixing`. The same seed gives the same round 0
    whatever ``relabel_noise`` is.

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : int
        Real and synthetic sample counts (> 0).
    rounds : int
        Last round T ≥ 0.
    lam : float
        Ridge penalty λ ≥ 0; at λ = 0, n₁ + n₂ ≤ d raises ValueError (XᵀX singular).
    relabel_noise : bool
        Fresh label noise at every relabelling.
    trials : int
        Trials.
    seed : int
        Trial t is seeded by (seed, n₁, n₂, 3, t).
    device, dtype : str
        Torch device and "float64" or "float32".
    method : {"auto", "direct", "moments"}
        As in :func:`weighted_mixing` (the moments sampler draws each round's noise sum
        X₂ᵀε_t ~ N(0, X₂ᵀX₂) given the design).

    Returns
    -------
    SimulationResult
        ``mean``, ``stderr`` and ``values`` of shape (rounds + 1,), ``p2_eff`` = n₂/n.
    """
    setting = V.setting("setting", setting)
    n1, n2, rounds, lam, trials, seed, dev, dt = _check_iterative(
        setting, n1, n2, rounds, lam, relabel_noise, trials, seed, device, dtype
    )
    n = n1 + n2
    moments = _method(method, n1, n2, setting.d)
    s1, s2 = np.sqrt(setting.sigma2_real), np.sqrt(setting.sigma2_synth)
    out = []
    bs = _blocks(setting, n1, n2, trials, moments, extra=rounds + 1)
    for t0 in range(0, trials, bs):
        tc = min(bs, trials - t0)
        w1, w2, F1, F2, z1, z2 = _draw_factors(setting, n1, n2, tc, t0, seed, (n1, n2, 3), dev, dt, moments, rounds + 1)
        G2 = F2 @ F2.mT
        mu, Q = torch.linalg.eigh((F1 @ F1.mT + G2) / n)
        inv = pseudo_inverse_filter(mu, lam)
        b1 = (_mv(F1 @ F1.mT, w1) + s1 * _mv(F1, z1)) / n
        w_prev, errs = w2, []
        for r in range(rounds + 1):
            scale = s2 if (r == 0 or relabel_noise) else 0.0
            b = b1 + (_mv(G2, w_prev) + scale * _mv(F2, z2[:, r])) / n
            w_prev = _mv(Q, _mv(Q.mT, b) * inv)
            errs.append(test_error(w_prev, w1, setting.spectrum))
        out.append(torch.stack(errs, dim=-1))
    err = torch.cat(out)  # (T, rounds+1)
    return summarise(err.T.cpu().numpy(), (rounds + 1,), np.full(rounds + 1, n2 / n), trials, seed, dev)


# ----------------------------------------------------------------------------- conditional (terms) estimates
@dataclass(frozen=True)
class MixingTermsResult:
    """Design-only Monte Carlo of the parts of a mixing strategy's error (teachers, noise integrated out).

    Each field is an array over α (weighted) or rounds (iterative), with ``*_stderr``
    its standard error over the draws of the design; ``total`` is the sum and
    ``total_stderr`` its standard error (from the per-draw totals).
    """

    real_bias: np.ndarray
    synthetic_bias: np.ndarray
    real_noise: np.ndarray
    synthetic_noise: np.ndarray
    real_bias_stderr: np.ndarray
    synthetic_bias_stderr: np.ndarray
    real_noise_stderr: np.ndarray
    synthetic_noise_stderr: np.ndarray
    total: np.ndarray
    total_stderr: np.ndarray
    trials: int


_PARTS = ("real_bias", "synthetic_bias", "real_noise", "synthetic_noise")


def _terms_result(vals, trials):
    """vals: dict part → (T, K) tensor."""
    arr = {k: v.cpu().numpy() for k, v in vals.items()}
    arr["total"] = sum(arr[k] for k in _PARTS)
    mean = {k: a.mean(axis=0) for k, a in arr.items()}
    se = {
        f"{k}_stderr": (a.std(axis=0, ddof=1) / np.sqrt(trials) if trials > 1 else np.full(a.shape[1], np.nan))
        for k, a in arr.items()
    }
    return MixingTermsResult(
        **{k: mean[k] for k in _PARTS},
        **{f"{k}_stderr": se[f"{k}_stderr"] for k in _PARTS},
        total=mean["total"],
        total_stderr=se["total_stderr"],
        trials=trials,
    )


def _setting_tensors(setting, dev, dt):
    """Diagonals of Σ, Γ, Δ and the identity, as tensors on the run's device and dtype."""
    t = lambda a: torch.tensor(np.asarray(a), dtype=dt, device=dev)  # noqa: E731
    return t(setting.spectrum), t(setting.gamma), t(setting.delta), torch.eye(setting.d, dtype=dt, device=dev)


def _quad(A, diag_left, s):
    """Σ_j c_j [Aᵀ Σ A]_jj for a batch A (T, d, d): tr diag(c) Aᵀ Σ A."""
    return torch.einsum("i,tij,tij,j->t", s, A, A, diag_left)


def weighted_mixing_terms(
    setting: Setting,
    n1: ArrayLike,
    n2: ArrayLike,
    alpha: ArrayLike,
    lam: ArrayLike,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    method: str = "auto",
) -> MixingTermsResult:
    """Parts of the weighted-mixing error averaged over the design only (figure 9), for every α.

    With R = (a₁G₁ + a₂G₂ + λ)⁻¹, a₁ = α/n₁, a₂ = (1−α)/n₂, G_k = X_kᵀX_k, the error given
    the design is exactly (teachers and label noise integrated out)

        λ² tr ΓRΣR  (real_bias)  +  tr Δ (a₂RG₂)ᵀΣ(a₂RG₂)  (synthetic_bias)
        + σ₁²a₁² tr RΣRG₁  (real_noise)  +  σ₂²a₂² tr RΣRG₂  (synthetic_noise),

    so the trial means are low-variance estimates of the parts of
    :func:`collapse_lib.theory.weighted_mixing`.

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : int
        Real and synthetic sample counts (≥ 0, not both 0).
    alpha : float or array_like
        Weights α ∈ [0, 1].
    lam : float
        Ridge penalty λ ≥ 0. R must exist: at λ = 0 every α must put positive weight on
        more than d samples, else ValueError.
    trials : int
        Draws of the design.
    seed : int
        Trial t is seeded by (seed, n₁, n₂, 5, t).
    device, dtype : str
        Torch device and "float64" or "float32".
    method : {"auto", "direct", "moments"}
        As in :func:`weighted_mixing`.

    Returns
    -------
    MixingTermsResult
        ``real_bias``, ``synthetic_bias``, ``real_noise``, ``synthetic_noise``, ``total`` and
        their standard errors, arrays over the flattened ``alpha``.
    """
    setting = V.setting("setting", setting)
    n1, n2, alpha, alphas, lam, trials, seed, dev, dt = _check_weighted(
        setting, n1, n2, alpha, lam, trials, seed, device, dtype
    )
    if lam == 0:
        n_eff = np.where(alphas > 0, n1, 0) + np.where(alphas < 1, n2, 0)  # samples with positive weight
        if np.any(n_eff <= setting.d):
            raise ValueError(
                f"lam = 0 needs more samples with positive weight than dimensions (d = {setting.d}; "
                f"got {int(n_eff.min())}): the weighted Gram matrix is singular; use lam > 0"
            )
    moments = _method(method, n1, n2, setting.d)
    s, gam, dl, eye = _setting_tensors(setting, dev, dt)
    vals = {k: [] for k in _PARTS}
    bs = _blocks(setting, n1, n2, trials, moments)
    for t0 in range(0, trials, bs):
        tc = min(bs, trials - t0)
        _, _, F1, F2, _, _ = _draw_factors(setting, n1, n2, tc, t0, seed, (n1, n2, 5), dev, dt, moments, 1)
        G1, G2 = F1 @ F1.mT, F2 @ F2.mT
        parts = {k: [] for k in _PARTS}
        for a in alphas:
            a1 = a / n1 if n1 else 0.0
            a2 = (1 - a) / n2 if n2 else 0.0
            try:
                R = torch.linalg.inv(a1 * G1 + a2 * G2 + lam * eye)
            except RuntimeError:
                raise ValueError("the weighted Gram matrix is singular: use lam > 0") from None
            RSR = R @ (s[:, None] * R)
            parts["real_bias"].append(lam**2 * torch.einsum("d,tdd->t", gam, RSR))
            parts["synthetic_bias"].append(_quad(a2 * R @ G2, dl, s))
            parts["real_noise"].append(setting.sigma2_real * a1**2 * (RSR * G1).sum(dim=(1, 2)))
            parts["synthetic_noise"].append(setting.sigma2_synth * a2**2 * (RSR * G2).sum(dim=(1, 2)))
        for k in _PARTS:
            vals[k].append(torch.stack(parts[k], dim=-1))
    return _terms_result({k: torch.cat(v) for k, v in vals.items()}, trials)


def iterative_mixing_terms(
    setting: Setting,
    n1: ArrayLike,
    n2: ArrayLike,
    rounds: int,
    lam: ArrayLike,
    relabel_noise: bool = True,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    method: str = "auto",
) -> MixingTermsResult:
    """Parts of the iterative-mixing error after each round, averaged over the design only (figure 10).

    With M_k = X_kᵀX_k/n, R = (M₁ + M₂ + λ)⁻¹, K = RM₂, the rounds are linear in the sources:
    ŵ_t − w₁* = (a_t − I)w₁* + K^{t+1}δ + c_t X₁ᵀε₁/n + Σ_{i≤t} K^i R X₂ᵀε_{t−i}/n, with
    a_t = RM₁ + K a_{t−1} (a₋₁ = I), c_t = R + K c_{t−1} (c₋₁ = 0), and the synthetic-noise
    covariance Q_t = K Q_{t−1} Kᵀ + s_t σ₂² R M₂ R/n (s_0 = 1; s_t = 1 with fresh noise,
    else 0). The parts given the design are tr Γ(a_t−I)ᵀΣ(a_t−I) (real_bias),
    tr Δ K^{t+1ᵀ}ΣK^{t+1} (synthetic_bias), (σ₁²/n) tr c_t M₁ c_tᵀ Σ (real_noise) and
    tr Q_t Σ (synthetic_noise); their trial means estimate the parts of
    :func:`collapse_lib.theory.iterative_mixing`.

    Parameters
    ----------
    setting : Setting
        The data model.
    n1, n2 : int
        Real and synthetic sample counts (> 0).
    rounds : int
        Last round T ≥ 0.
    lam : float
        Ridge penalty λ ≥ 0; at λ = 0, n₁ + n₂ ≤ d raises ValueError (M₁ + M₂ singular).
    relabel_noise : bool
        Fresh label noise at every relabelling.
    trials : int
        Draws of the design.
    seed : int
        Trial t is seeded by (seed, n₁, n₂, 6, t).
    device, dtype : str
        Torch device and "float64" or "float32".
    method : {"auto", "direct", "moments"}
        As in :func:`weighted_mixing`.

    Returns
    -------
    MixingTermsResult
        The four parts, ``total`` and their standard errors, arrays of shape (rounds + 1,).
    """
    setting = V.setting("setting", setting)
    n1, n2, rounds, lam, trials, seed, dev, dt = _check_iterative(
        setting, n1, n2, rounds, lam, relabel_noise, trials, seed, device, dtype
    )
    n = n1 + n2
    if lam == 0 and n <= setting.d:
        raise ValueError(f"lam = 0 needs n1 + n2 > d = {setting.d} (got {n}): X'X/n is singular; use lam > 0")
    moments = _method(method, n1, n2, setting.d)
    s, gam, dl, eye = _setting_tensors(setting, dev, dt)
    vals = {k: [] for k in _PARTS}
    bs = _blocks(setting, n1, n2, trials, moments, extra=4)
    for t0 in range(0, trials, bs):
        tc = min(bs, trials - t0)
        _, _, F1, F2, _, _ = _draw_factors(setting, n1, n2, tc, t0, seed, (n1, n2, 6), dev, dt, moments, 1)
        M1, M2 = F1 @ F1.mT / n, F2 @ F2.mT / n
        try:
            R = torch.linalg.inv(M1 + M2 + lam * eye)
        except RuntimeError:
            raise ValueError("X'X/n + lam I is singular: use lam > 0") from None
        K = R @ M2
        RM1 = R @ M1
        C = setting.sigma2_synth * R @ M2 @ R / n
        a = eye.expand_as(R).clone()
        B = eye.expand_as(R).clone()
        c = torch.zeros_like(R)
        Q = torch.zeros_like(R)
        parts = {k: [] for k in _PARTS}
        for r in range(rounds + 1):
            a = RM1 + K @ a
            B = K @ B
            c = R + K @ c
            Q = K @ Q @ K.mT + (C if (r == 0 or relabel_noise) else 0.0)
            parts["real_bias"].append(_quad(a - eye, gam, s))
            parts["synthetic_bias"].append(_quad(B, dl, s))
            parts["real_noise"].append(setting.sigma2_real / n * torch.einsum("tij,tij,i->t", c @ M1, c, s))
            parts["synthetic_noise"].append(torch.einsum("tii,i->t", Q, s).clone())
        for k in _PARTS:
            vals[k].append(torch.stack(parts[k], dim=-1))
    return _terms_result({k: torch.cat(v) for k, v in vals.items()}, trials)
