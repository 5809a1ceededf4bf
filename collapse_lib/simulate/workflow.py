"""Monte Carlo of the model-collapse workflows (replace, accumulate, accumulate-subsample, mix).

The experiment behind :func:`collapse_lib.theory.workflow`: per trial, draw w₁* ~ N(0, Γ);
generation 0 fits ridge on n real samples; generation t ≥ 1 draws n fresh inputs,
labels them with the previous model (y = xᵀŵ_{t−1} + σ₂ε; for ``"mix"`` only
round(p₂n) of them, the others get fresh real labels xᵀw₁* + σ₁ε) and fits ridge on

* ``"replace"``: the n new samples;
* ``"accumulate"``: every sample so far, (t+1)n (running sums of XᵀX and Xᵀy);
* ``"accumulate-subsample"``: n samples drawn uniformly without replacement from that pool;
* ``"mix"``: the n new samples (real and synthetic).

Ridge is ŵ = (XᵀX/N + λI)⁻¹Xᵀy/N and the recorded error is (ŵ_t − w₁*)ᵀΣ(ŵ_t − w₁*).

Batched on torch: trials are stacked and every λ is solved in one batched call per
generation (each λ runs its own chain on the same draws: common random numbers). Every
fit sees the inputs of a block only through XᵀX and the noise sum Xᵀε, which given XᵀX is
N(0, XᵀX); so for ``method="moments"`` a block is drawn as a
factor F with FFᵀ ~ Wishart(L, Σ) (Bartlett) and its noise sums as Fz, z ~ N(0, I): exactly
the law of the direct simulation, at a cost independent of n. The subsampled workflow needs
the individual rows and is always simulated directly.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from ..setting import Setting
from ..theory.workflow import check_arguments
from .common import SimulationResult, chunk_size, for_each_trial, run_options, summarise, test_error, trial_generator
from .mixing import _factor

_BUDGET = 256 * 2**20  # bytes of working memory per block of trials


def _ridge_all_lams(G, b, lams) -> torch.Tensor:
    """ŵ_l = (G + λ_l I)⁻¹ b_l for G (B, d, d) and b (B, d, L): one batched LU solve for all λ.

    G + λI is positive definite here (λ > 0, or least squares with n > d, checked at the boundary).
    (LU rather than one eigendecomposition for all λ: batched eigh is many times slower on CPU.)
    """
    eye = torch.eye(G.shape[-1], dtype=G.dtype, device=G.device)
    A = G[:, None] + lams[None, :, None, None] * eye  # (B, L, d, d)
    return torch.linalg.solve(A, b.mT[..., None])[..., 0].mT


class _Trials:
    """The random streams of a block of trials: trial i is seeded by (seed, n, n₂, first + i)."""

    def __init__(self, setting, n, n2, first, count, seed, dev, dt, moments):
        self.setting, self.dev, self.dt, self.moments = setting, dev, dt, moments
        self.gens = [trial_generator(seed, (n, n2, first + i), dev) for i in range(count)]
        self.rngs = [np.random.default_rng(np.random.SeedSequence([seed, n, n2, first + i, 1])) for i in range(count)]
        d = setting.d
        W = torch.stack([torch.randn(d, generator=g, dtype=dt, device=dev) for g in self.gens])
        self.w1 = W * torch.tensor(np.sqrt(setting.gamma), dtype=dt, device=dev)

    def _draw(self, L):
        """Per trial a factor F (d, k) with FFᵀ = XᵀX in law (F = Xᵀ, k = L; Bartlett: k = d) and z ~ N(0, I_k)."""
        F, Z = [None] * len(self.gens), [None] * len(self.gens)

        def draw(i):
            F[i] = _factor(self.setting, L, self.gens[i], self.rngs[i], self.dev, self.dt, self.moments)
            Z[i] = torch.randn(F[i].shape[1], generator=self.gens[i], dtype=self.dt, device=self.dev)

        for_each_trial(draw, len(self.gens), self.dev)
        return torch.stack(F), torch.stack(Z)

    def block(self, L):
        """A block of L samples as (F (B, d, k), noise sum Xᵀε = Fz (B, d)); empty blocks give zeros."""
        if L == 0:
            F = torch.zeros((len(self.gens), self.setting.d, 0), dtype=self.dt, device=self.dev)
            return F, F.sum(-1)
        F, Z = self._draw(L)
        return F, (F @ Z[..., None])[..., 0]

    def rows(self, L):
        """A block of L samples as rows X (B, L, d) and their noise ε (B, L) (the same numbers as :meth:`block`)."""
        F, Z = self._draw(L)
        return F.mT, Z


def _chain(kind, tr: _Trials, n, n2, T, lams, sig1, sig2):
    """Errors (B, T + 1, L) of one block of trials along the generations, every λ at once."""
    B, L = len(tr.gens), lams.numel()
    w1 = tr.w1
    errs = []
    w_prev = None
    S = bsum = None
    for t in range(T + 1):
        if t == 0 or kind != "mix":
            F, e = tr.block(n)
            G = F @ F.mT
            teacher = w1[..., None].expand(B, -1, L) if t == 0 else w_prev
            b = G @ teacher + (sig1 if t == 0 else sig2) * e[..., None]
        else:
            Fr, er = tr.block(n - n2)
            Fs, es = tr.block(n2)
            Gr, Gs = Fr @ Fr.mT, Fs @ Fs.mT
            G = Gr + Gs
            b = Gr @ w1[..., None] + sig1 * er[..., None] + Gs @ w_prev + sig2 * es[..., None]
        if kind == "accumulate":
            S = G if S is None else S + G
            bsum = b if bsum is None else bsum + b
            N = (t + 1) * n
            w_prev = _ridge_all_lams(S / N, bsum / N, lams)
        else:
            w_prev = _ridge_all_lams(G / n, b / n, lams)
        errs.append(test_error(w_prev, w1, tr.setting.spectrum))
    return torch.stack(errs, dim=1)


def _chain_subsample(tr: _Trials, n, T, lams, sig1, sig2):
    """Errors (B, T + 1, L) for accumulate-subsample: the pool keeps every row and its label (per λ)."""
    B, L, d = len(tr.gens), lams.numel(), tr.setting.d
    w1 = tr.w1
    X = torch.empty((B, (T + 1) * n, d), dtype=tr.dt, device=tr.dev)
    Y = torch.empty((B, (T + 1) * n, L), dtype=tr.dt, device=tr.dev)
    errs, w_prev = [], None
    for t in range(T + 1):
        rows = slice(t * n, (t + 1) * n)
        X[:, rows], eps = tr.rows(n)
        teacher = w1[..., None].expand(B, -1, L) if t == 0 else w_prev
        Y[:, rows] = X[:, rows] @ teacher + (sig1 if t == 0 else sig2) * eps[..., None]
        idx = torch.as_tensor(np.stack([rng.choice((t + 1) * n, n, replace=False) for rng in tr.rngs]), device=tr.dev)
        Xs = torch.gather(X, 1, idx[..., None].expand(B, n, d))
        Ys = torch.gather(Y, 1, idx[..., None].expand(B, n, L))
        w_prev = _ridge_all_lams(Xs.mT @ Xs / n, Xs.mT @ Ys / n, lams)
        errs.append(test_error(w_prev, w1, tr.setting.spectrum))
    return torch.stack(errs, dim=1)


def _use_moments(method, kind, n, d):
    if method not in ("auto", "direct", "moments"):
        raise ValueError(f"method must be 'auto', 'direct' or 'moments', got {method!r}")
    if kind == "accumulate-subsample":
        if method == "moments":
            raise ValueError(
                "method='moments' cannot simulate 'accumulate-subsample' (it needs the rows); use 'auto' or 'direct'"
            )
        return False
    return method == "moments" or (method == "auto" and n >= 2 * d)


def _synthetic_share(kind, n, n2, m):
    t = np.arange(m, dtype=float)
    if kind == "replace":
        return (t > 0).astype(float)
    if kind == "mix":
        return np.where(t > 0, n2 / n, 0.0)
    return t / (t + 1)


def workflow(
    setting: Setting,
    n: ArrayLike,
    generations: int,
    kind: str,
    lam: ArrayLike,
    p2: ArrayLike | None = None,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
    method: str = "auto",
    progress: bool = False,
) -> SimulationResult:
    """Simulated test error E_0 … E_T of a model-collapse workflow (module docstring).

    The experiment behind :func:`collapse_lib.theory.workflow` (our extension of the
    paper's set-up, Dohmatob et al. 2025, section 2, to many generations): each trial
    draws w₁*, runs generations 0 … T and records (ŵ_t − w₁*)ᵀΣ(ŵ_t − w₁*).

    Parameters
    ----------
    setting, generations, kind, lam, p2
        As in :func:`collapse_lib.theory.workflow`; ``"mix"`` generations use
        round(p₂n) synthetic samples.
    n : int or array of int
        Samples per generation (λ = 0 needs n > d).
    trials : int
        Independent repetitions per grid point.
    seed : int
        Trial i is seeded by (seed, n, round(p₂n), i), so "replace" and "accumulate"
        see the same draws (common random numbers), as does the subsampled workflow
        when the others are simulated directly. All λ at one (n, p₂) share the draws.
    device, dtype
        Torch device ("cpu", "cuda", "auto") and "float64" or "float32".
    method : {"auto", "direct", "moments"}
        "direct" draws the inputs, "moments" the Gram matrices and noise sums (same
        law, cost independent of n); "auto" uses moments when n ≥ 2d, never for
        ``"accumulate-subsample"`` (which needs the rows).
    progress : bool
        Show a progress bar.

    Returns
    -------
    SimulationResult
        ``mean``, ``stderr`` and ``p2_eff`` have shape ``grid_shape + (T + 1,)``;
        ``p2_eff`` is the synthetic share of generation t's training set (0 at t = 0;
        t/(t+1) for the accumulating kinds, in expectation when subsampled).
    """
    T, shape, n_f, lam_f, p2_f, _ = check_arguments(setting, n, generations, kind, lam, p2, integer=True)
    n2_f = np.rint(p2_f * n_f).astype(np.int64)
    trials, seed, dev, dt = run_options(trials, seed, device, dtype)
    m, d = T + 1, setting.d
    sig1, sig2 = float(np.sqrt(setting.sigma2_real)), float(np.sqrt(setting.sigma2_synth))
    errors = np.empty((n_f.size, m, trials))
    share = np.empty((n_f.size, m))
    pairs = np.unique(np.stack([n_f, n2_f], axis=1), axis=0)
    work = []
    for nv, n2v in pairs:
        sel = np.nonzero((n_f == nv) & (n2_f == n2v))[0]
        moments = _use_moments(method, kind, int(nv), d)
        lams = np.unique(lam_f[sel])
        rows = (T + 1) * nv if kind == "accumulate-subsample" else (d if moments else nv)
        per_trial = 8.0 * (
            2 * d * rows + 4 * d * d + 3 * d * lams.size + (rows * lams.size if kind == "accumulate-subsample" else 0)
        )
        work.append((int(nv), int(n2v), sel, lams, moments, chunk_size(per_trial, trials, _BUDGET)))
    bar = tqdm(
        total=sum(-(-trials // w[-1]) for w in work),
        desc=f"simulate.workflow ({kind})",
        disable=not progress,
        leave=False,
    )
    for nv, n2v, sel, lams, moments, csize in work:
        lam_t = torch.as_tensor(lams, dtype=dt, device=dev)
        col = np.searchsorted(lams, lam_f[sel])
        for t0 in range(0, trials, csize):
            tc = min(csize, trials - t0)
            tr = _Trials(setting, nv, n2v, t0, tc, seed, dev, dt, moments)
            if kind == "accumulate-subsample":
                err = _chain_subsample(tr, nv, T, lam_t, sig1, sig2)
            else:
                err = _chain(kind, tr, nv, n2v, T, lam_t, sig1, sig2)
            errors[sel, :, t0 : t0 + tc] = err[:, :, col].permute(2, 1, 0).cpu().numpy()
            bar.update(1)
        share[sel] = _synthetic_share(kind, nv, n2v, m)
    bar.close()
    return summarise(errors, shape + (m,), share, trials, seed, dev)
