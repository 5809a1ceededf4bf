"""Pieces shared by the Monte Carlo simulations (and by the networks of :mod:`collapse_lib.nn`): seeding, results, chunking."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from .. import _validate as V
from ..device import resolve_device, resolve_dtype


@dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo estimate of a test error on a broadcast grid.

    mean, stderr : the trial average and its standard error (std / √trials).
    values : every trial's error, shape ``mean.shape + (trials,)``.
    p2_eff : the synthetic fraction actually used, round(p₂n)/n (the theory is
        best compared at this value when p₂n is not an integer).
    """

    mean: np.ndarray | float
    stderr: np.ndarray | float
    values: np.ndarray
    p2_eff: np.ndarray | float
    trials: int
    seed: int
    device: str


def run_options(
    trials: int, seed: int, device: str | torch.device, dtype: str | torch.dtype
) -> tuple[int, int, torch.device, torch.dtype]:
    """The checked run options every simulation takes.

    Parameters
    ----------
    trials : int
        Number of independent trials (a positive integer).
    seed : int
        Base seed (a non-negative integer).
    device : str or torch.device
        "cpu", "cuda", "cuda:N" or "auto"; must be available.
    dtype : str or torch.dtype
        "float64" or "float32".

    Returns
    -------
    tuple
        (trials, seed, torch.device, torch.dtype). Errors name the argument.
    """
    return V.positive_int("trials", trials), V.seed("seed", seed), resolve_device(device), resolve_dtype(dtype)


def size_grid(n, p2, lam, m=None):
    """Check and broadcast the grid of a simulation.

    Parameters
    ----------
    n : int or array_like of int
        Sample sizes (positive integers).
    p2 : float or array_like
        Synthetic fractions p₂ ∈ [0, 1].
    lam : float or array_like
        Ridge penalties λ ≥ 0.
    m : int or array_like of int, optional
        Widths (positive integers), for the random-projections model.

    Returns
    -------
    tuple
        (shape, n, p2, lam) — or (shape, n, m, p2, lam) when ``m`` is given — with
        ``shape`` the broadcast shape and the arrays broadcast and flattened to one dimension.
    """
    arrays = dict(n=V.positive_sizes("n", n, integer=True))
    if m is not None:
        arrays["m"] = V.positive_sizes("m", m, integer=True)
    arrays.update(p2=V.fraction("p2", p2), lam=V.nonnegative("lam", lam))
    out = V.broadcast(**arrays)
    return (out[0].shape, *(a.ravel() for a in out))


def trial_generator(seed: int, key: tuple[int, ...], device: torch.device) -> torch.Generator:
    """A torch generator for one trial, seeded from (seed, *key) by numpy's SeedSequence.

    Seeding per trial makes the numbers independent of how trials are chunked
    and of which other grid points were requested.

    Parameters
    ----------
    seed : int
        The run's base seed.
    key : tuple of int
        What identifies the trial within the run (e.g. (n, trial index)).
    device : torch.device
        Device of the generator.

    Returns
    -------
    torch.Generator
        Seeded with the 64-bit state SeedSequence([seed, *key]).generate_state(2).
    """
    state = np.random.SeedSequence([int(seed), *map(int, key)]).generate_state(2, dtype=np.uint32)
    g = torch.Generator(device=device)
    g.manual_seed(int(state[0]) << 32 | int(state[1]))
    return g


_POOL: ThreadPoolExecutor | None = None
_POOL_WORKERS = 0


def for_each_trial(fn, count: int, device: torch.device) -> None:
    """Call ``fn(i)`` for i = 0 … count−1: the per-trial random draws of a block of trials.

    Each trial owns its generator, so the draws do not depend on the order the
    calls run in. On a CPU torch's normal sampler is single-threaded, so the
    trials are spread over ``torch.get_num_threads()`` Python threads (torch
    releases the GIL while sampling): the same numbers, drawn about that many
    times faster. On CUDA the calls only queue kernels and run in a plain loop.

    Parameters
    ----------
    fn : callable
        ``fn(i)`` draws trial i of the block (writing into preallocated tensors).
    count : int
        Number of trials in the block.
    device : torch.device
        The device the draws are made on.

    Returns
    -------
    None
        An exception raised by ``fn`` is re-raised.
    """
    global _POOL, _POOL_WORKERS
    workers = torch.get_num_threads()
    if device.type != "cpu" or workers < 2 or count < 2:
        for i in range(count):
            fn(i)
        return
    if _POOL is None or _POOL_WORKERS != workers:
        if _POOL is not None:
            _POOL.shutdown(wait=True)
        _POOL, _POOL_WORKERS = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collapse_lib-draw"), workers
    for f in [_POOL.submit(fn, i) for i in range(count)]:
        f.result()  # re-raises an exception of fn


def test_error(w_hat: torch.Tensor, w1: torch.Tensor, spectrum) -> torch.Tensor:
    """Exact test error (ŵ − w₁*)ᵀΣ(ŵ − w₁*) = Σ_j s_j (ŵ_j − w₁*_j)² for Σ = diag(spectrum).

    The paper's test error of a linear predictor, label noise excluded.

    Parameters
    ----------
    w_hat : torch.Tensor (T, d, *K)
        Any number of estimates per trial.
    w1 : torch.Tensor (T, d)
        The real teacher w₁* of each trial.
    spectrum : array_like (d,)
        Eigenvalues s_j of Σ.

    Returns
    -------
    torch.Tensor (T, *K)
        One error per trial and estimate.
    """
    s = torch.tensor(np.asarray(spectrum), dtype=w_hat.dtype, device=w_hat.device)
    e = w_hat - w1.reshape(w1.shape + (1,) * (w_hat.ndim - 2))
    return torch.einsum("d,td...->t...", s, e * e)


def pseudo_inverse_filter(mu: torch.Tensor, lam: float) -> torch.Tensor:
    """1/(μ + λ) on the eigenvalues μ of a Gram matrix, 0 where μ + λ is numerically zero.

    The one-λ case of :func:`spectral_filter`: with λ = 0 it turns an
    eigendecomposition into the min-norm (pseudo-inverse) solution.

    Parameters
    ----------
    mu : torch.Tensor (…, k)
        Eigenvalues of a symmetric positive semi-definite matrix.
    lam : float
        Ridge penalty λ ≥ 0.

    Returns
    -------
    torch.Tensor (…, k)
        The filter values.
    """
    return spectral_filter(mu, torch.tensor([float(lam)], dtype=mu.dtype, device=mu.device))[..., 0]


def spectral_filter(mu: torch.Tensor, lams: torch.Tensor) -> torch.Tensor:
    """1/(μ + λ) for eigenvalues μ and every λ; 0 where μ + λ is numerically zero.

    Numerically zero means below k·eps·max μ, so λ = 0 gives the min-norm
    (pseudo-inverse) solution.

    Parameters
    ----------
    mu : torch.Tensor (…, k)
        Eigenvalues of symmetric positive semi-definite matrices.
    lams : torch.Tensor (L,)
        Ridge penalties λ ≥ 0.

    Returns
    -------
    torch.Tensor (…, k, L)
        The filter values.
    """
    tot = mu.unsqueeze(-1) + lams
    tol = mu.amax(dim=-1, keepdim=True).unsqueeze(-1) * mu.shape[-1] * torch.finfo(mu.dtype).eps
    return torch.where(tot > tol, 1.0 / tot, torch.zeros_like(tot))


def chunk_size(bytes_per_trial: float, trials: int, budget_bytes: float) -> int:
    """How many trials to process at once within a memory budget: max(1, min(trials, budget // bytes_per_trial)).

    Parameters
    ----------
    bytes_per_trial : float
        Working memory one trial needs.
    trials : int
        Number of trials in all.
    budget_bytes : float
        Memory budget of one block.

    Returns
    -------
    int
        Trials per block, at least one.
    """
    return int(max(1, min(trials, budget_bytes // max(bytes_per_trial, 1.0))))


def summarise(errors: np.ndarray, shape, p2_eff, trials, seed, device) -> SimulationResult:
    """Mean and standard error over the last axis of ``errors``: a :class:`SimulationResult`.

    The standard error is std/√trials with ddof = 1 (NaN for a single trial).

    Parameters
    ----------
    errors : numpy.ndarray (P, trials)
        Per-trial errors of the P grid points (or any shape whose leading axes reshape to ``shape``).
    shape : tuple
        Grid shape of the result.
    p2_eff : array_like
        The synthetic fraction actually used at each grid point.
    trials, seed : int
        Run options, recorded in the result.
    device : torch.device or str
        Device the run used, recorded in the result.

    Returns
    -------
    SimulationResult
        ``mean``, ``stderr`` and ``p2_eff`` of shape ``shape`` (floats for a scalar grid),
        ``values`` of shape ``shape + (trials,)``.
    """
    mean = errors.mean(axis=-1)
    stderr = errors.std(axis=-1, ddof=1) / np.sqrt(trials) if trials > 1 else np.full(mean.shape, np.nan)

    def sc(a):
        a = np.asarray(a, dtype=float).reshape(shape)
        return float(a) if a.ndim == 0 else a

    return SimulationResult(
        sc(mean), sc(stderr), errors.reshape(tuple(shape) + (trials,)), sc(p2_eff), trials, seed, str(device)
    )
