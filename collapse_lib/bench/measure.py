"""Clocks, memory and flop counts for the benchmark."""

from __future__ import annotations

import contextlib
import math
import resource
import time

import torch


def _sync(dev):
    if dev is not None and dev.type == "cuda":
        torch.cuda.synchronize(dev)


def best_time(fn, repeats: int = 3, dev=None):
    """``(best wall time of `repeats` calls, last result)``; the first call counts (no warm-up here)."""
    best, out = math.inf, None
    for _ in range(repeats):
        _sync(dev)
        t0 = time.perf_counter()
        out = fn()
        _sync(dev)
        best = min(best, time.perf_counter() - t0)
    return best, out


@contextlib.contextmanager
def time_inside(module, name: str, dev=None):
    """Accumulate the wall time spent in ``module.name`` while the block runs; yields a list whose one entry is it.

    The function is replaced, for the block only, by a wrapper that times each call (synchronising
    a CUDA device before and after), so a call of the library reports how much of its own wall time
    went to that function, in the same run. Used for the ridge solves of the simulation
    (``simulate.ridge.ridge_solve_moments``, looked up by name at each call).
    """
    original = getattr(module, name)
    spent = [0.0]

    def timed(*args, **kwargs):
        _sync(dev)
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _sync(dev)
            spent[0] += time.perf_counter() - t0

    setattr(module, name, timed)
    try:
        yield spent
    finally:
        setattr(module, name, original)


def _rss_now_mib():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


def _reset_peak_rss():
    """Reset the process's peak RSS (Linux ≥ 4.0: write 5 to clear_refs); True on success."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_memory(fn, dev):
    """Run ``fn`` once; ``(result, peak extra memory in MiB, how it was measured)``."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        base = torch.cuda.memory_allocated(dev)
        out = fn()
        torch.cuda.synchronize(dev)
        return out, (torch.cuda.max_memory_allocated(dev) - base) / 2**20, "torch.cuda.max_memory_allocated"
    if _reset_peak_rss():
        before, how = _rss_now_mib(), "VmHWM after reset (peak RSS) minus RSS before"
    else:
        before, how = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "ru_maxrss delta"
    out = fn()
    return out, max(_peak_rss_mib() - before, 0.0), how


def peak_gflops(N: int, dev, repeats: int = 3) -> float:
    """GFLOP/s of the best of ``repeats`` float64 N × N matmuls (after one warm-up)."""
    a = torch.randn(N, N, dtype=torch.float64, device=dev)
    b = torch.randn(N, N, dtype=torch.float64, device=dev)
    a @ b
    t, _ = best_time(lambda: a @ b, repeats, dev)
    return 2 * N**3 / t / 1e9


def _solve_flops(d, P, L):
    """Flops of ridge_solve_moments: one Cholesky (d³/3) and two triangular solves (2d²P) per λ when there
    are few λ > 0 (the benchmark's case), else eigh (≈ 9d³) + QᵀB (2d²P) + Q·coef (2d²PL)."""
    from ..simulate.ridge import CHOLESKY_MAX_LAMS

    if L <= CHOLESKY_MAX_LAMS:
        return L * (d**3 / 3 + 2 * d * d * P)
    return 9 * d**3 + 2 * d * d * P + 2 * d * d * P * L


FLOP_COUNT = (
    "per trial: 4nd (labels) + 2nd² (XᵀX) + 2ndP (XᵀY) + L(d³/3 + 2d²P) (one Cholesky and two triangular solves per λ)"
)


def sim_flops(n, d, P, L, T) -> float:
    """Flop count of the direct classical simulation's matrix work (d ≤ n), along the library's route."""
    return T * (4 * n * d + 2 * n * d * d + 2 * n * d * P + _solve_flops(d, P, L))


def rp_sim_flops(n, d, m, P, L, T) -> float:
    """Flop count of one width of the random-projections simulation, along the library's route."""
    from ..simulate.projections import INPUT_SPACE_RATIO

    if m >= INPUT_SPACE_RATIO * d and n >= d:  # input space: XᵀX, XᵀY, SSᵀ, chol(SSᵀ), CᵀGC, CᵀB, solve, C·ŵ
        per = (
            2 * n * d * d
            + 2 * n * d * P
            + 2 * d * d * m
            + d**3 / 3
            + 4 * d**3
            + 2 * d * d * P
            + _solve_flops(d, P, L)
            + 2 * d * d * P * L
        )
    else:  # features Z = XS, Gram of the smaller side, solve, S·v̂
        k = min(m, n)
        per = 2 * n * d * m + 2 * max(m, n) * k * k + 2 * max(m, n) * k * P + _solve_flops(k, P, L) + 2 * d * m * P * L
    return T * per
