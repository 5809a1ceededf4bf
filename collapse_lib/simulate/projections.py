"""Monte Carlo simulation of the random-projections model (the experiment behind Theorem 2).

For each trial: draw w₁* ~ N(0, Γ), δ ~ N(0, Δ), n inputs x ~ N(0, Σ), label
noise, and a projection S ∈ R^{d×m_max} with S_ij ~ N(0, 1/d); the width-m model
uses the first m columns of S (so widths are nested within a trial). The first
n₁ = n − round(p₂n) rows get real labels, the rest synthetic ones; ridge is
fitted on the features Z = XS,

    v̂ = (ZᵀZ/n + λI)⁻¹ Zᵀy/n   (primal, m ≤ n)   or   v̂ = Zᵀ(ZZᵀ/n + λI)⁻¹ y/n   (dual, m > n),

and the exact test error (Sv̂ − w₁*)ᵀΣ(Sv̂ − w₁*) is recorded (label noise excluded).
λ = 0 gives the min-norm (pseudo-inverse) solution, also when the Gram matrix is
singular (m > d or n > d).

Batched: per trial, n and m one eigendecomposition of the Gram matrix serves
every p₂ (only the labels change) and every λ (only the spectral filter
changes); trials are stacked within a memory budget.
"""
from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import _validate as V
from ..device import resolve_device, resolve_dtype
from ._common import SimulationResult, chunk_size, summarise, test_error, trial_generator

_BUDGET = 512 * 2**20


def _filter(mu: torch.Tensor, lams: torch.Tensor) -> torch.Tensor:
    """1/(μ + λ) for every λ (last axis), 0 where μ + λ is numerically zero (min-norm at λ = 0)."""
    tot = mu.unsqueeze(-1) + lams  # (T, k, L)
    tol = mu.amax(dim=-1, keepdim=True).unsqueeze(-1) * mu.shape[-1] * torch.finfo(mu.dtype).eps
    return torch.where(tot > tol, 1.0 / tot, torch.zeros_like(tot))


def rp_ridge(Z: torch.Tensor, Y: torch.Tensor, lams) -> torch.Tensor:
    """Ridge coefficients v̂ on features Z (T, n, m) for labels Y (T, n, P) and every λ.

    One eigendecomposition per trial (of ZᵀZ/n if m ≤ n, else of ZZᵀ/n) serves all
    P label sets and L values of λ; with a single λ > 0 a Cholesky factorisation
    (several times cheaper) serves the P label sets instead. Returns v̂ of shape (T, m, P, L).
    """
    T, n, m = Z.shape
    lams = np.atleast_1d(np.asarray(lams, dtype=float))
    if lams.size == 1 and lams[0] > 0:
        k = min(m, n)
        eye = torch.eye(k, dtype=Z.dtype, device=Z.device)
        if m <= n:
            L = torch.linalg.cholesky(Z.mT @ Z / n + lams[0] * eye)
            return torch.cholesky_solve(Z.mT @ Y / n, L)[..., None]
        L = torch.linalg.cholesky(Z @ Z.mT / n + lams[0] * eye)
        return (Z.mT @ torch.cholesky_solve(Y / n, L))[..., None]
    lam = torch.as_tensor(lams, dtype=Z.dtype, device=Z.device)
    if m <= n:
        mu, Q = torch.linalg.eigh(Z.mT @ Z / n)
        c = Q.mT @ (Z.mT @ Y / n)  # (T, m, P)
        coef = c.unsqueeze(-1) * _filter(mu, lam).unsqueeze(-2)  # (T, m, P, L)
        return torch.einsum("tij,tjpl->tipl", Q, coef)
    mu, U = torch.linalg.eigh(Z @ Z.mT / n)
    c = U.mT @ Y / n  # (T, n, P)
    coef = c.unsqueeze(-1) * _filter(mu, lam).unsqueeze(-2)
    alpha = torch.einsum("tij,tjpl->tipl", U, coef)  # (T, n, P, L)
    return torch.einsum("tnm,tnpl->tmpl", Z, alpha)


def _draw(setting, n, m_max, trials, seed, first_trial, dev, dt):
    """X (T, n, d), w1, y_real, y_synth (T, n) and Sᵀ (T, m_max, d) for a block of trials."""
    d = setting.d
    sq = lambda a: torch.tensor(np.sqrt(np.asarray(a)), dtype=dt, device=dev)  # noqa: E731
    X = torch.empty((trials, n, d), dtype=dt, device=dev)
    W = torch.empty((trials, 2, d), dtype=dt, device=dev)
    E = torch.empty((trials, 2, n), dtype=dt, device=dev)
    St = torch.empty((trials, m_max, d), dtype=dt, device=dev)
    for i in range(trials):
        g = trial_generator(seed, (n, first_trial + i), dev)
        torch.randn((n, d), generator=g, dtype=dt, device=dev, out=X[i])
        torch.randn((2, d), generator=g, dtype=dt, device=dev, out=W[i])
        torch.randn((2, n), generator=g, dtype=dt, device=dev, out=E[i])
        torch.randn((m_max, d), generator=g, dtype=dt, device=dev, out=St[i])  # rows = columns of S
    X *= sq(setting.spectrum)
    St /= np.sqrt(d)
    w1 = W[:, 0] * sq(setting.gamma)
    w2 = w1 + W[:, 1] * sq(setting.delta)
    y_r = (X @ w1[..., None])[..., 0] + np.sqrt(setting.sigma2_real) * E[:, 0]
    y_s = (X @ w2[..., None])[..., 0] + np.sqrt(setting.sigma2_synth) * E[:, 1]
    return X, w1, y_r, y_s, St


def random_projections(setting, n, m, p2, lam, trials: int = 20, seed: int = 0, device="cpu",
                       dtype="float64", progress: bool = False) -> SimulationResult:
    """Simulate the test error of ridge on m random projections (Theorem 2's experiment).

    Broadcasts over ``n`` and ``m`` (positive integers), ``p2`` ∈ [0, 1] and
    ``lam`` ≥ 0. Trial t at sample size n uses the generator seeded by
    (seed, n, t): the same ``seed`` and ``device`` give the same numbers
    whatever else is on the grid, and all m, p₂, λ at one n share the draws
    (common random numbers; width m uses the first m columns of S).
    """
    n = V.positive_sizes("n", n, integer=True)
    m = V.positive_sizes("m", m, integer=True)
    p2 = V.fraction("p2", p2)
    lam = V.nonnegative("lam", lam)
    trials = V.positive_int("trials", trials)
    seed = V.seed("seed", seed)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    n, m, p2, lam = V.broadcast(n=n, m=m, p2=p2, lam=lam)
    shape = n.shape
    n, m, p2, lam = n.ravel(), m.ravel(), p2.ravel(), lam.ravel()
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
        per_trial = 8 * (nv * d + mx * d + 2 * nv * mx + 2 * k * k + 3 * max(nv, mx) * P * L + 4 * nv)
        work.append((int(nv), sel, m_u, chunk_size(per_trial, trials, _BUDGET)))
    bar = tqdm(total=sum(-(-trials // c) * len(mu) for _, _, mu, c in work), desc="simulate.random_projections",
               disable=not progress, leave=False)
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
            for j, mv in enumerate(m_u):
                Sm = St[:, :mv]  # (T, m, d)
                v = rp_ridge(X @ Sm.mT, Y, lam_u)  # (T, m, P, L)
                w_hat = torch.einsum("tmd,tmpl->tdpl", Sm, v)
                err[j] = test_error(w_hat, w1, setting.spectrum)
                bar.update(1)
            e = err[m_inv, :, n2_inv.ravel(), lam_inv.ravel()]  # (len(sel), T)
            errors[sel, t0:t0 + tc] = e.cpu().numpy()
    bar.close()
    return summarise(errors, shape, n2 / n, trials, seed, dev)
