"""Monte Carlo simulation of ridge on a real/synthetic mixture (the experiment behind Theorem 1).

For each trial: draw w₁* ~ N(0, Γ), δ ~ N(0, Δ), n inputs x ~ N(0, Σ); the
first n₁ = n − round(p₂n) rows get real labels xᵀw₁* + σ₁ε, the others
synthetic labels xᵀ(w₁* + δ) + σ₂ε; fit ŵ = (XᵀX/n + λI)⁻¹Xᵀy/n and record
the exact test error (ŵ − w₁*)ᵀΣ(ŵ − w₁*) (label noise excluded).

Batched: per trial and per n, the design is factorised once (eigh of XᵀX/n
when d ≤ n, of XXᵀ/n when d > n) and that factorisation serves every p₂ (only
the labels change) and every λ (only the spectral filter changes). Trials are
stacked into batched tensor operations within a memory budget. For n ≫ d the
sufficient statistics XᵀX and Xᵀy are drawn directly (Wishart, Bartlett
decomposition; :func:`draw_moments`), so the cost does not grow with n.
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
    spectral_filter,
    summarise,
    test_error,
    trial_generator,
)

_BUDGET = 512 * 2**20  # bytes of working memory per batch of trials


def draw_problem(setting, n: int, n_trials: int, seed: int, n_key: int, first_trial: int, device, dtype):
    """Draw teachers, inputs and both label vectors for a block of trials (paper's data model).

    Per trial: w₁* ~ N(0, Γ), δ ~ N(0, Δ), w₂* = w₁* + δ, the rows of X ~ N(0, Σ),
    y_real = Xw₁* + σ₁ε₁ and y_synth = Xw₂* + σ₂ε₂ with ε_k ~ N(0, I_n) (every row gets
    both labels; the caller picks which rows are synthetic).

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ diagonal; σ₁², σ₂²).
    n : int
        Rows per trial.
    n_trials : int
        Trials in the block.
    seed, n_key, first_trial : int
        Trial t of the block uses the generator seeded by (seed, n_key, first_trial + t)
        (:func:`~collapse_lib.simulate.common.trial_generator`).
    device, dtype : torch.device, torch.dtype
        Where and in which precision to draw.

    Returns
    -------
    tuple of torch.Tensor
        X (T, n, d), w1 (T, d), y_real (T, n), y_synth (T, n).
    """
    d = setting.d
    sq_s = torch.tensor(np.sqrt(setting.spectrum), dtype=dtype, device=device)
    sq_g = torch.tensor(np.sqrt(setting.gamma), dtype=dtype, device=device)
    sq_d = torch.tensor(np.sqrt(setting.delta), dtype=dtype, device=device)
    X = torch.empty((n_trials, n, d), dtype=dtype, device=device)
    W = torch.empty((n_trials, 2, d), dtype=dtype, device=device)
    E = torch.empty((n_trials, 2, n), dtype=dtype, device=device)

    def draw(i):
        g = trial_generator(seed, (n_key, first_trial + i), device)
        torch.randn((n, d), generator=g, dtype=dtype, device=device, out=X[i])
        torch.randn((2, d), generator=g, dtype=dtype, device=device, out=W[i])
        torch.randn((2, n), generator=g, dtype=dtype, device=device, out=E[i])

    for_each_trial(draw, n_trials, torch.device(device))
    if not np.all(setting.spectrum == 1.0):  # one pass over X saved for Σ = I
        X *= sq_s
    w1 = W[:, 0] * sq_g
    w2 = w1 + W[:, 1] * sq_d
    Y = X @ torch.stack([w1, w2], dim=-1)  # (T, n, 2): both teachers in one product
    y_real = Y[..., 0] + np.sqrt(setting.sigma2_real) * E[:, 0]
    y_synth = Y[..., 1] + np.sqrt(setting.sigma2_synth) * E[:, 1]
    return X, w1, y_real, y_synth


CHOLESKY_MAX_LAMS = 6  # up to this many λ > 0, one Cholesky per λ beats one eigh (measured: d = 500, CPU)


def ridge_solve_moments(G, B, lams) -> torch.Tensor:
    """Ridge solutions ŵ = (G + λI)⁻¹b for G symmetric PSD, b every column of B, and every λ.

    One eigendecomposition G = Q diag(μ) Qᵀ per trial serves all P label sets and
    all λ: ŵ = Q diag(f(μ)) Qᵀ b with f = 1/(μ + λ), and f = 0 where μ + λ is
    numerically zero (so λ = 0 gives the min-norm solution). With few λ, all > 0
    (at most ``CHOLESKY_MAX_LAMS``), one Cholesky factorisation of G + λI per λ
    serves the P label sets instead (d³/3 flops per λ against ≈ 9d³ for eigh,
    which also runs at a lower rate); if a factorisation fails (G + λI
    numerically singular) the eigendecomposition is used.

    Parameters
    ----------
    G : torch.Tensor (T, d, d)
        Symmetric positive semi-definite matrices (e.g. XᵀX/n).
    B : torch.Tensor (T, d, P)
        Right-hand sides (e.g. XᵀY/n for P label sets).
    lams : array_like (L,)
        Ridge penalties λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, d, P, L)
        ŵ for every trial, label set and λ.
    """
    lam_np = np.atleast_1d(np.asarray(lams, dtype=float))
    if 0 < lam_np.size <= CHOLESKY_MAX_LAMS and np.all(lam_np > 0):
        A = torch.empty_like(G)
        W = []
        for lv in lam_np:
            A.copy_(G).diagonal(dim1=-2, dim2=-1).add_(float(lv))
            C, info = torch.linalg.cholesky_ex(A)
            if bool((info != 0).any()):
                break
            # two triangular solves (C Cᵀ ŵ = b); measured faster than cholesky_solve on CPU
            W.append(
                torch.linalg.solve_triangular(C.mT, torch.linalg.solve_triangular(C, B, upper=False), upper=True)
            )  # (T, d, P)
        else:
            return torch.stack(W, dim=-1)
    lam = torch.as_tensor(lam_np, dtype=G.dtype, device=G.device)
    mu, Q = torch.linalg.eigh(G)  # (T, d), (T, d, d)
    coef = (Q.mT @ B).unsqueeze(-1) * spectral_filter(mu, lam).unsqueeze(-2)  # (T, d, P, L)
    return torch.einsum("tij,tjpl->tipl", Q, coef)


def ridge_errors_from_moments(G, B, w1, spectrum, lams) -> torch.Tensor:
    """Ridge test errors (ŵ − w₁*)ᵀΣ(ŵ − w₁*) from the moments G = XᵀX/n and B = XᵀY/n.

    ŵ = (G + λI)⁻¹B by :func:`ridge_solve_moments` (one factorisation per trial serves
    every label set and λ).

    Parameters
    ----------
    G : torch.Tensor (T, d, d)
        XᵀX/n per trial.
    B : torch.Tensor (T, d, P)
        XᵀY/n per trial, for P label sets.
    w1 : torch.Tensor (T, d)
        The real teacher w₁* of each trial.
    spectrum : array_like (d,)
        Eigenvalues of Σ.
    lams : array_like (L,)
        Ridge penalties λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, P, L)
        The test errors.
    """
    return test_error(ridge_solve_moments(G, B, lams), w1, spectrum)


def ridge_coefficients(Z: torch.Tensor, Y: torch.Tensor, lams) -> torch.Tensor:
    """Ridge coefficients on features Z for many label sets and every λ, from one factorisation.

    Primal when k ≤ n, v̂ = (ZᵀZ/n + λ)⁻¹ZᵀY/n; dual when k > n, v̂ = Zᵀ(ZZᵀ/n + λ)⁻¹Y/n
    (the same estimator). One factorisation per trial serves all P label sets and
    L values of λ (:func:`ridge_solve_moments`: eigh, or one Cholesky per λ when
    there are few λ > 0). λ = 0 gives the least-squares / min-norm solution.

    Parameters
    ----------
    Z : torch.Tensor (T, n, k)
        Features (inputs X, or projected inputs XS).
    Y : torch.Tensor (T, n, P)
        Labels, P label sets.
    lams : array_like (L,)
        Ridge penalties λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, k, P, L)
        v̂ for every trial, label set and λ.
    """
    T, n, k = Z.shape
    if k <= n:
        return ridge_solve_moments(Z.mT @ Z / n, Z.mT @ Y / n, lams)
    alpha = ridge_solve_moments(Z @ Z.mT / n, Y / n, lams)  # (T, n, P, L)
    return torch.einsum("tnk,tnpl->tkpl", Z, alpha)


def ridge_errors(X, Y, w1, spectrum, lams) -> torch.Tensor:
    """Test errors (ŵ − w₁*)ᵀΣ(ŵ − w₁*) of ridge for many label vectors and many λ.

    ŵ = (XᵀX/n + λI)⁻¹XᵀY/n by :func:`ridge_coefficients` (primal when d ≤ n, dual when
    d > n), one factorisation per trial.

    Parameters
    ----------
    X : torch.Tensor (T, n, d)
        Inputs.
    Y : torch.Tensor (T, n, P)
        Labels, P label sets.
    w1 : torch.Tensor (T, d)
        The real teacher w₁* of each trial.
    spectrum : array_like (d,)
        Eigenvalues of Σ.
    lams : array_like (L,)
        Ridge penalties λ ≥ 0.

    Returns
    -------
    torch.Tensor (T, P, L)
        The test errors.
    """
    return test_error(ridge_coefficients(X, Y, lams), w1, spectrum)


def draw_moments(setting, n: int, n_real, n_trials: int, seed: int, n_key: int, first_trial: int, device, dtype):
    """Draw G = XᵀX/n and B = XᵀY/n directly, at a cost independent of n (for n ≫ d).

    The rows are cut at the points ``n_real`` into segments; each segment j of length
    L_j ≥ d contributes H_j = X_jᵀX_j ~ Wishart_d(L_j, Σ), drawn by the Bartlett
    decomposition H_j = Σ^½ A Aᵀ Σ^½ (A lower triangular, A_ii² ~ χ²(L_j − i + 1),
    A_ik ~ N(0, 1) below the diagonal), and its noise sums X_jᵀε ~ N(0, H_j) as Σ^½ A z.
    Shorter segments are drawn row by row. Since ridge depends on the data only through
    these moments, this has exactly the law of the direct simulation
    (:func:`draw_problem`), though not its numbers.

    Parameters
    ----------
    setting : Setting
        The data model.
    n : int
        Rows per trial.
    n_real : array_like of int (P,)
        Per label set, how many of the n rows are real (the first ones); the others are synthetic.
    n_trials : int
        Trials in the block.
    seed, n_key, first_trial : int
        Trial t is seeded by (seed, n_key, first_trial + t).
    device, dtype : torch.device, torch.dtype
        Where and in which precision to draw.

    Returns
    -------
    tuple of torch.Tensor
        G (T, d, d), B (T, d, P), w1 (T, d).
    """
    d = setting.d
    cuts = np.unique(np.concatenate([[0, n], np.clip(n_real, 0, n)]))
    seg_lo, seg_hi = cuts[:-1], cuts[1:]
    J = seg_lo.size
    real = torch.as_tensor(seg_hi[None, :] <= np.asarray(n_real)[:, None], device=device)  # (P, J)
    sq_s = torch.tensor(np.sqrt(setting.spectrum), dtype=dtype, device=device)
    sq_g = torch.tensor(np.sqrt(setting.gamma), dtype=dtype, device=device)
    sq_d = torch.tensor(np.sqrt(setting.delta), dtype=dtype, device=device)
    H = torch.empty((n_trials, J, d, d), dtype=dtype, device=device)
    R = torch.empty((n_trials, J, 2, d), dtype=dtype, device=device)  # X_jᵀε for real / synthetic noise
    W = torch.empty((n_trials, 2, d), dtype=dtype, device=device)
    tril = torch.tril_indices(d, d, offset=-1, device=device)
    for i in range(n_trials):  # serial: the matrix products here use torch's own threads
        g = trial_generator(seed, (n_key, first_trial + i), device)
        rng = np.random.default_rng(np.random.SeedSequence([seed, n_key, first_trial + i, 1]))
        torch.randn((2, d), generator=g, dtype=dtype, device=device, out=W[i])
        for j in range(J):
            L = int(seg_hi[j] - seg_lo[j])
            if L >= d:
                A = torch.zeros((d, d), dtype=dtype, device=device)
                A[tril[0], tril[1]] = torch.randn(tril.shape[1], generator=g, dtype=dtype, device=device)
                chi = np.sqrt(rng.chisquare(L - np.arange(d)))
                A.diagonal().copy_(torch.as_tensor(chi, dtype=dtype, device=device))
                SA = sq_s[:, None] * A
                H[i, j] = SA @ SA.T
                R[i, j] = (SA @ torch.randn((d, 2), generator=g, dtype=dtype, device=device)).T
            else:
                Xj = torch.randn((L, d), generator=g, dtype=dtype, device=device) * sq_s
                H[i, j] = Xj.T @ Xj
                R[i, j] = (Xj.T @ torch.randn((L, 2), generator=g, dtype=dtype, device=device)).T
    w1 = W[:, 0] * sq_g
    w2 = w1 + W[:, 1] * sq_d
    Hw1 = H @ w1[:, None, :, None]  # (T, J, d, 1)
    Hw2 = H @ w2[:, None, :, None]
    seg_real = Hw1[..., 0] + np.sqrt(setting.sigma2_real) * R[:, :, 0]  # (T, J, d)
    seg_synth = Hw2[..., 0] + np.sqrt(setting.sigma2_synth) * R[:, :, 1]
    realf = real.to(dtype)  # (P, J)
    B = (torch.einsum("pj,tjd->tdp", realf, seg_real) + torch.einsum("pj,tjd->tdp", 1 - realf, seg_synth)) / n
    G = H.sum(dim=1) / n
    return G, B, w1


def classical(
    setting: Setting,
    n: ArrayLike,
    p2: ArrayLike,
    lam: ArrayLike,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    progress: bool = False,
    method: str = "auto",
) -> SimulationResult:
    """Simulated test error of ridge on n samples of which round(p₂n) are synthetic (the experiment of Theorem 1).

    Each trial draws w₁* ~ N(0, Γ), δ ~ N(0, Δ) and n inputs x ~ N(0, Σ); the first
    n₁ = n − round(p₂n) rows get real labels xᵀw₁* + σ₁ε, the others synthetic labels
    xᵀ(w₁* + δ) + σ₂ε; ridge ŵ = (XᵀX/n + λI)⁻¹Xᵀy/n is fitted and the exact test error
    (ŵ − w₁*)ᵀΣ(ŵ − w₁*) recorded. The trial mean estimates E(ŵ) of the paper's Theorem 1
    (:func:`collapse_lib.theory.classical`) and figures 2–3.

    All p₂ and λ at one n share the same draws (common random numbers), and
    one factorisation of the design per trial. The same ``seed``, ``device``
    and ``method`` give the same numbers, whatever other n are on the grid (the
    moments sampler cuts the rows at the requested p₂, so its draws at one n
    also depend on which p₂ are requested there).

    Parameters
    ----------
    setting : Setting
        The data model.
    n : int or array_like of int
        Sample sizes.
    p2 : float or array_like
        Synthetic fractions p₂ ∈ [0, 1].
    lam : float or array_like
        Ridge penalties λ ≥ 0; λ = 0 is allowed where the estimator is defined (least
        squares for d < n, min-norm for d > n), not at d = n. ``n``, ``p2`` and ``lam`` broadcast.
    trials : int
        Trials per grid point.
    seed : int
        Trial t at size n is seeded by (seed, n, t).
    device, dtype : str
        Torch device ("cpu", "cuda", "auto") and "float64" or "float32".
    progress : bool
        Show a progress bar.
    method : {"auto", "direct", "moments"}
        "direct" draws the n × d design; "moments" draws XᵀX and Xᵀy directly
        (:func:`draw_moments`; same law, cost independent of n, needs n > d); "auto" uses
        moments when n ≥ (number of p₂ values + 1)·d.

    Returns
    -------
    SimulationResult
        ``mean`` and ``stderr`` (std/√trials) on the broadcast shape, ``values`` (every
        trial), ``p2_eff`` = round(p₂n)/n.
    """
    setting = V.setting("setting", setting)
    if method not in ("auto", "direct", "moments"):
        raise ValueError(f"method must be 'auto', 'direct' or 'moments', got {method!r}")
    shape, n, p2, lam = size_grid(n, p2, lam)
    trials, seed, dev, dt = run_options(trials, seed, device, dtype)
    d = setting.d
    bad = (lam == 0) & (n == d)
    if np.any(bad):
        raise ValueError(
            f"lam=0 at n = d = {d}: ridgeless regression at the interpolation threshold has "
            "infinite expected error; use lam > 0 or n != d"
        )

    n2 = np.rint(p2 * n).astype(np.int64)
    errors = np.empty((n.size, trials))
    uniq_n = np.unique(n)
    work = []
    for nv in uniq_n:
        sel = np.nonzero(n == nv)[0]
        k = min(int(nv), d)
        P = np.unique(n2[sel]).size
        L = np.unique(lam[sel]).size
        use_moments = method == "moments" or (method == "auto" and nv >= (P + 1) * d)
        if use_moments and nv <= d:
            raise ValueError(f"method='moments' needs n > d = {d}, got n = {nv}")
        if use_moments:
            per_trial = 8 * ((P + 2) * d * d + 3 * d * P * L)
        else:
            per_trial = 8 * (2 * nv * d + k * k * 2 + 3 * max(nv, d) * P * L + 4 * nv)
        work.append((int(nv), sel, chunk_size(per_trial, trials, _BUDGET), use_moments))
    total_steps = sum(-(-trials // c) for _, _, c, _ in work)
    bar = tqdm(total=total_steps, desc="simulate.classical", disable=not progress, leave=False)
    for nv, sel, csize, use_moments in work:
        n2_u, n2_inv = np.unique(n2[sel], return_inverse=True)
        lam_u, lam_inv = np.unique(lam[sel], return_inverse=True)
        if not use_moments:  # only the direct route needs a per-row mask; the moments route is O(d²) in memory
            rows = torch.arange(nv, device=dev)
            synth_mask = rows[:, None] >= torch.as_tensor(nv - n2_u, device=dev)[None, :]  # (n, P)
        for t0 in range(0, trials, csize):
            tc = min(csize, trials - t0)
            if use_moments:
                G, B, w1 = draw_moments(setting, nv, nv - n2_u, tc, seed, nv, t0, dev, dt)
                err = ridge_errors_from_moments(G, B, w1, setting.spectrum, lam_u)  # (T, P, L)
            else:
                X, w1, y_r, y_s = draw_problem(setting, nv, tc, seed, nv, t0, dev, dt)
                Y = torch.where(synth_mask[None], y_s[:, :, None], y_r[:, :, None])  # (T, n, P)
                err = ridge_errors(X, Y, w1, setting.spectrum, lam_u)  # (T, P, L)
            errors[sel, t0 : t0 + tc] = err[:, n2_inv.ravel(), lam_inv.ravel()].T.cpu().numpy()
            bar.update(1)
    bar.close()
    return summarise(errors, shape, n2 / n, trials, seed, dev)
