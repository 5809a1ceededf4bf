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
"""
from __future__ import annotations

import numpy as np
import torch

from .. import _validate as V
from ..device import resolve_device, resolve_dtype
from ._common import pseudo_inverse_filter, summarise, test_error, trial_generator


def _draw(setting, n1, n2, trials, seed, key, dev, dt):
    """Teachers, inputs and noise for a block of trials (trial t seeded by (seed, *key, t))."""
    d = setting.d
    n = n1 + n2
    sq = lambda a: torch.tensor(np.sqrt(np.asarray(a)), dtype=dt, device=dev)  # noqa: E731
    X = torch.empty((trials, n, d), dtype=dt, device=dev)
    W = torch.empty((trials, 2, d), dtype=dt, device=dev)
    for t in range(trials):
        g = trial_generator(seed, (*key, t), dev)
        torch.randn((n, d), generator=g, dtype=dt, device=dev, out=X[t])
        torch.randn((2, d), generator=g, dtype=dt, device=dev, out=W[t])
    X *= sq(setting.spectrum)
    w1 = W[:, 0] * sq(setting.gamma)
    w2 = w1 + W[:, 1] * sq(setting.delta)
    return X, w1, w2


def weighted_ridge(X1, X2, Y1, Y2, alphas, lam):
    """Weighted-mixing ridge for every α: X1 (T, n1, d), X2 (T, n2, d), Y1 (T, n1), Y2 (T, n2).

    Returns ŵ of shape (T, d, A). The per-source Gram matrices are formed once
    per trial; each α needs its own factorisation (eigh, so λ = 0 gives the
    min-norm solution when the weighted Gram matrix is singular).
    """
    n1, n2 = X1.shape[1], X2.shape[1]
    G1, G2 = X1.mT @ X1, X2.mT @ X2
    b1, b2 = (X1.mT @ Y1[..., None])[..., 0], (X2.mT @ Y2[..., None])[..., 0]
    out = []
    for a in alphas:
        a1 = a / n1 if n1 else 0.0
        a2 = (1 - a) / n2 if n2 else 0.0
        mu, Q = torch.linalg.eigh(a1 * G1 + a2 * G2)
        c = (Q.mT @ (a1 * b1 + a2 * b2)[..., None])[..., 0] * pseudo_inverse_filter(mu, lam)
        out.append((Q @ c[..., None])[..., 0])
    return torch.stack(out, dim=-1)


def weighted_mixing(setting, n1, n2, alpha, lam, trials: int = 20, seed: int = 0, device="cpu",
                    dtype="float64"):
    """Simulated test error of weighted-mixing ridge, broadcasting over ``alpha`` (figure 9).

    ``n1`` real and ``n2`` synthetic samples (scalars); ``alpha`` ∈ [0, 1]
    (α = n₁/(n₁+n₂) is pooling, α = 1 uses the real samples only); ``lam`` ≥ 0.
    All α share the same draws. Returns a :class:`SimulationResult` over ``alpha``.
    """
    n1 = int(V.positive_sizes("n1", n1)) if n1 != 0 else 0
    n2 = int(V.positive_sizes("n2", n2)) if n2 != 0 else 0
    if n1 + n2 == 0:
        raise ValueError("n1 + n2 must be positive")
    alpha = V.fraction("alpha", alpha)
    lam = V.nonnegative_scalar("lam", lam)
    trials = V.positive_int("trials", trials)
    seed = V.seed("seed", seed)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    shape = alpha.shape
    alphas = alpha.ravel()
    if (n1 == 0 and np.any(alphas > 0)) or (n2 == 0 and np.any(alphas < 1)):
        raise ValueError("alpha puts weight on a source with no samples (n1 = 0 needs alpha = 0, "
                         "n2 = 0 needs alpha = 1)")
    X, w1, w2 = _draw(setting, n1, n2, trials, seed, (n1, n2, 1), dev, dt)
    g = trial_generator(seed, (n1, n2, 2), dev)
    eps = torch.randn((trials, n1 + n2), generator=g, dtype=dt, device=dev)
    X1, X2 = X[:, :n1], X[:, n1:]
    Y1 = (X1 @ w1[..., None])[..., 0] + np.sqrt(setting.sigma2_real) * eps[:, :n1]
    Y2 = (X2 @ w2[..., None])[..., 0] + np.sqrt(setting.sigma2_synth) * eps[:, n1:]
    err = test_error(weighted_ridge(X1, X2, Y1, Y2, alphas, lam), w1, setting.spectrum)  # (T, A)
    return summarise(err.T.cpu().numpy(), shape, np.full(shape, n2 / (n1 + n2)), trials, seed, dev)


def iterative_mixing(setting, n1, n2, rounds: int, lam, relabel_noise: bool = True, trials: int = 20,
                     seed: int = 0, device="cpu", dtype="float64"):
    """Simulated test error after each round 0..rounds of iterative re-labelling (figure 10).

    Round 0: pooled ridge on real labels and synthetic labels X₂w₂* + σ₂ε.
    Round t ≥ 1: Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + σ₂ε (fresh ε each round if ``relabel_noise``,
    none otherwise); pooled ridge refitted on all n₁ + n₂ samples. Returns a
    :class:`SimulationResult` of shape (rounds + 1,).
    """
    n1 = int(V.positive_sizes("n1", n1))
    n2 = int(V.positive_sizes("n2", n2))
    rounds = int(V.positive_sizes("rounds", rounds)) if rounds != 0 else 0
    lam = V.nonnegative_scalar("lam", lam)
    trials = V.positive_int("trials", trials)
    seed = V.seed("seed", seed)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    n, d = n1 + n2, setting.d
    if lam == 0 and n == d:
        raise ValueError(f"lam=0 at n = d = {d}: use lam > 0")
    X, w1, w2 = _draw(setting, n1, n2, trials, seed, (n1, n2, 3), dev, dt)
    g = trial_generator(seed, (n1, n2, 4), dev)
    X1, X2 = X[:, :n1], X[:, n1:]
    sig1, sig2 = np.sqrt(setting.sigma2_real), np.sqrt(setting.sigma2_synth)
    Y1 = (X1 @ w1[..., None])[..., 0] + sig1 * torch.randn((trials, n1), generator=g, dtype=dt, device=dev)
    mu, Q = torch.linalg.eigh(X.mT @ X / n)
    inv = pseudo_inverse_filter(mu, lam)
    b1 = (X1.mT @ Y1[..., None])[..., 0] / n

    def fit(Y2):
        b = b1 + (X2.mT @ Y2[..., None])[..., 0] / n
        return (Q @ ((Q.mT @ b[..., None])[..., 0] * inv)[..., None])[..., 0]

    w_prev = w2
    errs = []
    for r in range(rounds + 1):
        noise = torch.randn((trials, n2), generator=g, dtype=dt, device=dev)
        scale = sig2 if (r == 0 or relabel_noise) else 0.0
        w_prev = fit((X2 @ w_prev[..., None])[..., 0] + scale * noise)
        errs.append(test_error(w_prev, w1, setting.spectrum))
    err = torch.stack(errs, dim=-1)  # (T, rounds+1)
    return summarise(err.T.cpu().numpy(), (rounds + 1,), np.full(rounds + 1, n2 / n), trials, seed, dev)
