"""Shared pieces of the Monte Carlo simulations: seeding, results, chunking."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


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


def trial_generator(seed: int, key: tuple[int, ...], device: torch.device) -> torch.Generator:
    """A torch generator for one trial, seeded from (seed, *key) by numpy's SeedSequence.

    Seeding per trial makes the numbers independent of how trials are chunked
    and of which other grid points were requested.
    """
    state = np.random.SeedSequence([int(seed), *map(int, key)]).generate_state(2, dtype=np.uint32)
    g = torch.Generator(device=device)
    g.manual_seed(int(state[0]) << 32 | int(state[1]))
    return g


def chunk_size(bytes_per_trial: float, trials: int, budget_bytes: float) -> int:
    """How many trials to process at once within a memory budget (at least one)."""
    return int(max(1, min(trials, budget_bytes // max(bytes_per_trial, 1.0))))


def summarise(errors: np.ndarray, shape, p2_eff, trials, seed, device) -> SimulationResult:
    """Mean and standard error over the last axis of ``errors``."""
    mean = errors.mean(axis=-1)
    stderr = errors.std(axis=-1, ddof=1) / np.sqrt(trials) if trials > 1 else np.full(mean.shape, np.nan)

    def sc(a):
        a = np.asarray(a, dtype=float).reshape(shape)
        return float(a) if a.ndim == 0 else a

    return SimulationResult(sc(mean), sc(stderr), errors.reshape(tuple(shape) + (trials,)), sc(p2_eff),
                            trials, seed, str(device))
