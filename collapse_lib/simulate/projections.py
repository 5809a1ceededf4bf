"""Monte Carlo simulation of the random-projections model (the experiment behind Theorem 2).

For each trial: draw w₁* ~ N(0, Γ), δ ~ N(0, Δ), n inputs x ~ N(0, Σ), label
noise, and the columns of a projection S with S_ij ~ N(0, 1/d), drawn in fixed
blocks of ``S_BLOCK`` columns from the trial's stream; the width-m model uses
the first m columns of S (so widths are nested within a trial, and column j of
S is the same whichever widths are requested). The first
n₁ = n − round(p₂n) rows get real labels, the rest synthetic ones; ridge is
fitted on the features Z = XS,

    v̂ = (ZᵀZ/n + λI)⁻¹ Zᵀy/n   (primal, m ≤ n)   or   v̂ = Zᵀ(ZZᵀ/n + λI)⁻¹ y/n   (dual, m > n),

and the exact test error (Sv̂ − w₁*)ᵀΣ(Sv̂ − w₁*) is recorded (label noise excluded).
λ = 0 gives the min-norm (pseudo-inverse) solution, also when the Gram matrix is
singular (m > d or n > d).

Batched: per trial, n and m one factorisation of the Gram matrix serves every
p₂ (only the labels change) and every λ (only the spectral filter changes);
trials are stacked within a memory budget. For wide models (m ≥ 1.5d, n ≥ d)
the fit is computed in input space from XᵀX/n and SSᵀ (d × d matrices,
:func:`rp_ridge_input_space`); SSᵀ is accumulated block by block over the nested
widths (always the same blocks in the same order, so the sum for width m does
not depend on the other widths), and a sweep over m costs little more than its
widest member.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from .. import _validate as V
from ..setting import Setting
from .common import (
    SimulationResult,
    chunk_size,
    for_each_trial,
    run_options,
    size_grid,
    summarise,
    test_error,
    trial_generator,
)
from .ridge import ridge_coefficients, ridge_solve_moments

_BUDGET = 512 * 2**20


rp_ridge = ridge_coefficients  # v̂ (T, m, P, L) on the features Z = XS: the generic ridge solver


def rp_ridge_input_space(G: torch.Tensor, B: torch.Tensor, K: torch.Tensor, lams) -> torch.Tensor | None:
    """The random-projections fit ŵ = S v̂ computed in input space, from d × d matrices only.

    With K = SSᵀ = CCᵀ (Cholesky; needs K full rank, i.e. m ≥ d) the push-through
    identity gives S(SᵀGS + λ)⁻¹Sᵀ = C(CᵀGC + λ)⁻¹Cᵀ (S = CU with UUᵀ = I), so

        ŵ = C (M + λI)⁻¹ Cᵀ B,   M = CᵀGC (d × d),

    also at λ = 0 (min-norm v̂, pseudo-inverse of M). For m > d this replaces the
    m × m (or n × n) factorisation and the n·d·m product Z = XS.

    Parameters
    ----------
    G : torch.Tensor (T, d, d)
        XᵀX/n.
    B : torch.Tensor (T, d, P)
        XᵀY/n for P label sets.
    K : torch.Tensor (T, d, d)
        SSᵀ.
    lams : array_like (L,)
        Ridge penalties λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, d, P, L) or None
        ŵ for every trial, label set and λ; None if K is numerically singular.
    """
    C, info = torch.linalg.cholesky_ex(K)
    if bool((info != 0).any()):
        return None
    M = C.mT @ G @ C
    M = 0.5 * (M + M.mT)
    return torch.einsum("tij,tjpl->tipl", C, ridge_solve_moments(M, C.mT @ B, lams))


INPUT_SPACE_RATIO = 1.5  # use the input-space form when m ≥ 1.5·d (K = SSᵀ well conditioned) and n ≥ d
S_BLOCK = 64  # columns of S drawn per call: column j never depends on how many columns are drawn


def _draw(setting, n, m_max, trials, seed, first_trial, dev, dt):
    """X (T, n, d), w1, y_real, y_synth (T, n) and Sᵀ (T, m_max, d) for a block of trials."""
    d = setting.d
    sq = lambda a: torch.tensor(np.sqrt(np.asarray(a)), dtype=dt, device=dev)  # noqa: E731
    X = torch.empty((trials, n, d), dtype=dt, device=dev)
    W = torch.empty((trials, 2, d), dtype=dt, device=dev)
    E = torch.empty((trials, 2, n), dtype=dt, device=dev)
    St = torch.empty((trials, m_max, d), dtype=dt, device=dev)

    def draw(i):
        g = trial_generator(seed, (n, first_trial + i), dev)
        torch.randn((n, d), generator=g, dtype=dt, device=dev, out=X[i])
        torch.randn((2, d), generator=g, dtype=dt, device=dev, out=W[i])
        torch.randn((2, n), generator=g, dtype=dt, device=dev, out=E[i])
        for b0 in range(0, m_max, S_BLOCK):  # rows = columns of S, in fixed blocks (a prefix of one stream)
            block = torch.randn((S_BLOCK, d), generator=g, dtype=dt, device=dev)
            St[i, b0 : b0 + S_BLOCK] = block[: m_max - b0]

    for_each_trial(draw, trials, dev)
    X *= sq(setting.spectrum)
    St /= np.sqrt(d)
    w1 = W[:, 0] * sq(setting.gamma)
    w2 = w1 + W[:, 1] * sq(setting.delta)
    y_r = (X @ w1[..., None])[..., 0] + np.sqrt(setting.sigma2_real) * E[:, 0]
    y_s = (X @ w2[..., None])[..., 0] + np.sqrt(setting.sigma2_synth) * E[:, 1]
    return X, w1, y_r, y_s, St


def random_projections(
    setting: Setting,
    n: ArrayLike,
    m: ArrayLike,
    p2: ArrayLike,
    lam: ArrayLike,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    progress: bool = False,
) -> SimulationResult:
    """Simulated test error of ridge on m random projections (the experiment of Theorem 2).

    Each trial draws w₁*, δ, n inputs x ~ N(0, Σ), label noise and S ∈ R^{d×m} with
    S_ij ~ N(0, 1/d); the first n − round(p₂n) rows get real labels, the others
    synthetic ones; v̂ = (ZᵀZ/n + λI)⁻¹Zᵀy/n on the features Z = XS, and the exact test
    error (Sv̂ − w₁*)ᵀΣ(Sv̂ − w₁*) is recorded. The trial mean estimates the error of the
    paper's Theorem 2 (:func:`collapse_lib.theory.random_projections`, figures 1, 4, 5).

    Trial t at sample size n uses the generator seeded by (seed, n, t), and S is drawn
    from it in fixed blocks of ``S_BLOCK`` columns: the same (setting, n, m, seed, device)
    give the same number whatever other widths, sizes, p₂ or λ are on the grid, and all
    m, p₂, λ at one n share the draws (common random numbers; width m uses the first m
    columns of S).

    Parameters
    ----------
    setting : Setting
        The data model.
    n, m : int or array_like of int
        Sample sizes and widths.
    p2 : float or array_like
        Synthetic fractions p₂ ∈ [0, 1].
    lam : float or array_like
        Ridge penalties λ ≥ 0 (λ = 0: min-norm solution). ``n``, ``m``, ``p2`` and ``lam``
        broadcast.
    trials : int
        Trials per grid point.
    seed : int
        Base seed.
    device, dtype : str
        Torch device and "float64" or "float32".
    progress : bool
        Show a progress bar.

    Returns
    -------
    SimulationResult
        ``mean`` and ``stderr`` on the broadcast shape, ``values``, ``p2_eff`` = round(p₂n)/n.
    """
    setting = V.setting("setting", setting)
    shape, n, m, p2, lam = size_grid(n, p2, lam, m=m)
    trials, seed, dev, dt = run_options(trials, seed, device, dtype)
    d = setting.d
    n2 = np.rint(p2 * n).astype(np.int64)
    errors = np.empty((n.size, trials))

    work = []
    for nv in np.unique(n):
        sel = np.nonzero(n == nv)[0]
        m_u = np.unique(m[sel])
        P, L = np.unique(n2[sel]).size, np.unique(lam[sel]).size
        mx = int(m_u.max())
        k = min(int(nv), mx)
        per_trial = 8 * (nv * d + mx * d + 2 * nv * mx + 2 * k * k + 4 * d * d + 3 * max(nv, mx) * P * L + 4 * nv)
        work.append((int(nv), sel, m_u, chunk_size(per_trial, trials, _BUDGET)))
    bar = tqdm(
        total=sum(-(-trials // c) * len(mu) for _, _, mu, c in work),
        desc="simulate.random_projections",
        disable=not progress,
        leave=False,
    )
    for nv, sel, m_u, csize in work:
        n2_u, n2_inv = np.unique(n2[sel], return_inverse=True)
        lam_u, lam_inv = np.unique(lam[sel], return_inverse=True)
        m_inv = np.searchsorted(m_u, m[sel])
        rows = torch.arange(nv, device=dev)
        synth = rows[:, None] >= torch.as_tensor(nv - n2_u, device=dev)[None, :]  # (n, P)
        for t0 in range(0, trials, csize):
            tc = min(csize, trials - t0)
            X, w1, y_r, y_s, St = _draw(setting, nv, int(m_u.max()), tc, seed, t0, dev, dt)
            Y = torch.where(synth[None], y_s[..., None], y_r[..., None])  # (T, n, P)
            err = torch.empty((len(m_u), tc, len(n2_u), len(lam_u)), dtype=dt, device=dev)
            G = B = K_full = None
            blocks = 0  # K_full = Σ s sᵀ over the columns s of S in its first `blocks` blocks (widths are nested)
            for j, mv in enumerate(m_u):
                Sm = St[:, :mv]  # (T, m, d)
                w_hat = None
                if mv >= INPUT_SPACE_RATIO * d and nv >= d:
                    if G is None:
                        G, B = X.mT @ X / nv, X.mT @ Y / nv
                        K_full = torch.zeros((tc, d, d), dtype=dt, device=dev)
                    while (blocks + 1) * S_BLOCK <= mv:
                        Sb = St[:, blocks * S_BLOCK : (blocks + 1) * S_BLOCK]
                        K_full += Sb.mT @ Sb
                        blocks += 1
                    rest = St[:, blocks * S_BLOCK : mv]
                    K = K_full + rest.mT @ rest  # SSᵀ of width m: the same sums whatever other widths there are
                    w_hat = rp_ridge_input_space(G, B, K, lam_u)
                if w_hat is None:
                    v = rp_ridge(X @ Sm.mT, Y, lam_u)  # (T, m, P, L)
                    w_hat = torch.einsum("tmd,tmpl->tdpl", Sm, v)
                err[j] = test_error(w_hat, w1, setting.spectrum)
                bar.update(1)
            e = err[m_inv, :, n2_inv.ravel(), lam_inv.ravel()]  # (len(sel), T)
            errors[sel, t0 : t0 + tc] = e.cpu().numpy()
    bar.close()
    return summarise(errors, shape, n2 / n, trials, seed, dev)
