"""The benchmark's measurements, each against a baseline timed in the same run.

1. theory: points/s of ``cl.theory.classical`` (Theorem 1) and
   ``cl.theory.random_projections`` (Theorem 2) on grids, for an isotropic and a
   power-law spectrum, in each arithmetic of the ratios (``path="fast"`` and
   ``"safe"``, timed in turn; the median of the repetitions is reported), vs the
   per-point brentq reference (:mod:`collapse_lib.theory.reference`) on a random
   subset; the two must agree to a relative difference below ``THEORY_TOL``.
2. simulation: ``cl.simulate.classical`` (methods direct, auto, moments) vs a
   numpy loop (:mod:`.baselines`) run for fewer trials and scaled, in
   interleaved repetitions (every method, then the loop; again ...), with the
   time each library call spends in its solves; the ridge errors agree on a
   shared design, the means within Monte Carlo error; achieved GFLOP/s vs a
   measured float64 matmul peak; peak memory; a per-stage profile.
3. scaling of the simulation time with d and with n.
4. ``cl.simulate.random_projections`` vs a numpy loop, and its means vs Theorem 2.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from .. import _validate, simulate, theory
from ..datafiles import provenance
from ..device import resolve_device
from ..setting import Setting
from ..simulate import ridge as simulate_ridge
from ..simulate.ridge import draw_problem, ridge_solve_moments
from ..theory import arithmetic, reference
from . import baselines
from .measure import best_time, peak_gflops, peak_memory, rp_sim_flops, sim_flops, time_inside
from .schema import (
    BenchConfig,
    BenchResult,
    Memory,
    MethodTiming,
    Profile,
    ProjectionsBench,
    ScalingBench,
    ScalingRow,
    SimulationBench,
    Stage,
    TheoryBench,
    plain,
)

FULL = BenchConfig(
    th_d=1000,
    th_nmin=100,
    th_nmax=1e5,
    th_nn=40,
    th_np2=25,
    th_nlam=10,
    th_sub=200,
    repeats=5,
    sim_d=500,
    sim_n=2000,
    sim_np2=10,
    sim_nlam=5,
    sim_trials=50,
    sim_base_trials=5,
    sim_repeats=3,
    peak_N=4096,
    sc_trials=10,
    sc_d=(100, 200, 400),
    sc_n0=2000,
    sc_d0=200,
    sc_n=(1000, 2000, 4000),
    rp_th_d=1000,
    rp_th_nn=10,
    rp_th_nm=40,
    rp_th_np2=5,
    rp_th_nlam=5,
    rp_th_sub=100,
    rp_d=500,
    rp_n=2000,
    rp_m=1000,
    rp_trials=20,
    rp_base_trials=2,
)
QUICK = dataclasses.replace(
    FULL,
    th_sub=60,
    repeats=3,
    sim_d=250,
    sim_n=1000,
    sim_trials=20,
    sim_base_trials=2,
    peak_N=2048,
    sc_trials=4,
    sc_d=(50, 100, 200),
    sc_n0=1000,
    sc_d0=100,
    sc_n=(500, 1000, 2000),
    rp_th_sub=40,
    rp_d=250,
    rp_n=1000,
    rp_m=500,
    rp_trials=8,
    rp_base_trials=1,
)
TINY = BenchConfig(
    th_d=50,
    th_nmin=10,
    th_nmax=1e3,
    th_nn=6,
    th_np2=5,
    th_nlam=3,
    th_sub=10,
    repeats=1,
    sim_d=20,
    sim_n=80,
    sim_np2=3,
    sim_nlam=2,
    sim_trials=4,
    sim_base_trials=2,
    sim_repeats=3,
    peak_N=256,
    sc_trials=2,
    sc_d=(10, 20),
    sc_n0=80,
    sc_d0=10,
    sc_n=(40, 80),
    rp_th_d=50,
    rp_th_nn=3,
    rp_th_nm=4,
    rp_th_np2=2,
    rp_th_nlam=2,
    rp_th_sub=8,
    rp_d=20,
    rp_n=60,
    rp_m=40,
    rp_trials=3,
    rp_base_trials=1,
)
MODES = {"full": FULL, "quick": QUICK, "tiny": TINY}


def _grid(nsim_p2, nsim_lam):
    p2s = np.linspace(0.0, 0.9, nsim_p2)
    lams = np.geomspace(1e-3, 1.0, nsim_lam)
    return p2s, lams, np.meshgrid(p2s, lams, indexing="ij")


PATHS = ("fast", "safe")  # the arithmetics of the theory's ratios, one benchmark row each


def _auto_uses(call) -> str:
    """Which arithmetic ``path="auto"`` takes in ``call()``: "fast", "safe" or "both" (every choice recorded)."""
    original, chosen = arithmetic.fast_ok, []

    def recording(eigenvalues, kappa):
        ok = original(eigenvalues, kappa)
        chosen.append(np.asarray(ok).ravel())
        return ok

    arithmetic.fast_ok = recording
    try:
        call()
    finally:
        arithmetic.fast_ok = original
    ok = np.concatenate(chosen) if chosen else np.zeros(0, dtype=bool)
    return "fast" if ok.all() else "safe" if not ok.any() else "both"


def _theory_rows(theorem, st, grid, lib_fn, ref_fn, fixed_points, sub, repeats, rng) -> list[TheoryBench]:
    """One row per arithmetic: ``lib_fn(path, **grid)`` timed ``repeats`` times, the paths in turn; the brentq
    reference ``ref_fn`` on ``sub`` random grid points (timed once, shared by the rows); each path compared to it."""
    auto = _auto_uses(lambda: lib_fn("auto", **grid))  # also the warm-up
    for p in PATHS:
        lib_fn(p, **{k: v.flat[:4] for k, v in grid.items()})  # warm-up
    times, res = {p: [] for p in PATHS}, {}
    for _ in range(repeats):
        for p in PATHS:
            t0 = time.perf_counter()
            res[p] = lib_fn(p, **grid)
            times[p].append(time.perf_counter() - t0)
    size = next(iter(grid.values())).size
    idx = rng.choice(size, size=min(sub, size), replace=False)
    t0 = time.perf_counter()
    base = np.array(
        [ref_fn(*reference.setting_args(st), **{k: float(v.flat[i]) for k, v in grid.items()}).total for i in idx]
    )
    t_base = time.perf_counter() - t0
    rows = []
    for p in PATHS:
        lib = np.asarray(res[p].total).ravel()[idx]
        rows.append(
            TheoryBench(
                theorem=theorem,
                setting=st.name,
                path=p,
                auto_uses=auto,
                d=st.d,
                points=int(size),
                fixed_points=int(fixed_points),
                lib_seconds=tuple(times[p]),
                baseline_points=len(idx),
                baseline_seconds=t_base,
                max_rel_diff=float(np.max(np.abs(base - lib) / np.abs(lib))),
            )
        )
    return rows


def bench_theory(cfg: BenchConfig, rng) -> list[TheoryBench]:
    """Theorems 1 and 2 on grids, isotropic and power-law spectra, each arithmetic, vs the brentq reference."""
    out = []
    n = np.geomspace(cfg.th_nmin, cfg.th_nmax, cfg.th_nn)
    lam = np.geomspace(1e-4, 1.0, cfg.th_nlam)
    N, P2, LAM = np.meshgrid(n, np.linspace(0.0, 1.0, cfg.th_np2), lam, indexing="ij")
    for st in (Setting.isotropic(cfg.th_d), Setting.power_law(cfg.th_d, 1.5)):
        out += _theory_rows(
            1,
            st,
            dict(n=N, p2=P2, lam=LAM),
            lambda path, st=st, **g: theory.classical(st, path=path, **g),
            reference.theorem1,
            n.size * lam.size,
            cfg.th_sub,
            cfg.repeats,
            rng,
        )
    d = cfg.rp_th_d
    n = np.geomspace(d / 10, 10 * d, cfg.rp_th_nn)
    psi = np.geomspace(0.05, 20, cfg.rp_th_nm)
    lam = np.geomspace(1e-4, 1.0, cfg.rp_th_nlam)
    N, PSI, P2, LAM = np.meshgrid(n, psi, np.linspace(0.0, 1.0, cfg.rp_th_np2), lam, indexing="ij")
    for st in (Setting.isotropic(d), Setting.power_law(d, 1.5)):
        out += _theory_rows(
            2,
            st,
            dict(n=N, m=PSI * N, p2=P2, lam=LAM),
            lambda path, st=st, **g: theory.random_projections(st, path=path, **g),
            reference.theorem2,
            n.size * psi.size * lam.size,
            cfg.rp_th_sub,
            cfg.repeats,
            rng,
        )
    return out


def profile_simulation(cfg: BenchConfig, dev, seed: int) -> Profile:
    """Per-trial time of each stage, library and numpy loop, at the simulation benchmark's size.

    Library: draw (X, teachers, noise), Gram XᵀX/n, XᵀY/n, ridge solve for all
    p2 and λ (``ridge_solve_moments``). Numpy loop: draw, XᵀX/n, one
    ``numpy.linalg.solve`` per (p2, λ).
    """
    d, n = cfg.sim_d, cfg.sim_n
    T = max(2, min(10, cfg.sim_trials))
    st = Setting.isotropic(d)
    p2s, lams, _ = _grid(cfg.sim_np2, cfg.sim_nlam)
    n2 = np.rint(p2s * n).astype(int)
    mask = torch.arange(n, device=dev)[:, None] >= torch.as_tensor(n - n2, device=dev)[None, :]
    t_draw, (X, w1, y_r, y_s) = best_time(lambda: draw_problem(st, n, T, seed, n, 0, dev, torch.float64), 2, dev)
    Y = torch.where(mask[None], y_s[:, :, None], y_r[:, :, None])
    t_gram, G = best_time(lambda: X.mT @ X / n, 2, dev)
    t_xty, B = best_time(lambda: X.mT @ Y / n, 2, dev)
    t_solve, _ = best_time(lambda: ridge_solve_moments(G, B, lams), 2, dev)
    lib = (
        Stage("draw", t_draw / T),
        Stage("gram XtX", t_gram / T),
        Stage("XtY", t_xty / T),
        Stage(f"solve ({len(lams)} λ × {len(p2s)} p2)", t_solve / T),
    )
    rng = np.random.default_rng(seed)
    tb_draw, Xn = best_time(lambda: rng.standard_normal((n, d)), 3)
    tb_gram, Gn = best_time(lambda: Xn.T @ Xn / n, 3)
    b = Xn.T @ rng.standard_normal(n) / n
    tb_solve, _ = best_time(lambda: np.linalg.solve(Gn + 0.1 * np.eye(d), b), 5)
    base = (
        Stage("draw", tb_draw),
        Stage("gram XtX", tb_gram),
        Stage(f"solve × {len(lams) * len(p2s)}", tb_solve * len(lams) * len(p2s)),
    )
    return Profile(trials=T, library=lib, baseline=base)


def bench_simulation(cfg: BenchConfig, dev, seed: int) -> SimulationBench:
    """The classical simulation (methods direct, auto, moments) vs the numpy loop."""
    d, n, T, Tb = cfg.sim_d, cfg.sim_n, cfg.sim_trials, cfg.sim_base_trials
    st = Setting.isotropic(d)
    p2s, lams, (P2, LAM) = _grid(cfg.sim_np2, cfg.sim_nlam)
    kw = dict(n=n, p2=P2, lam=LAM, trials=T, seed=seed, device=dev)
    _, mem_base, how_b = peak_memory(lambda: baselines.numpy_loop(st, n, p2s, lams, 1, seed + 2), torch.device("cpu"))
    simulate.classical(st, n=n, p2=P2, lam=LAM, trials=1, seed=seed + 99, device=dev)  # warm-up
    baselines.numpy_loop(st, n, p2s[:1], lams[:1], 1, seed + 4)  # warm-up
    names = [m for m in ("direct", "auto", "moments") if not (m == "moments" and n <= d)]
    seconds, solves, results, t_base = {m: [] for m in names}, {m: [] for m in names}, {}, []
    for _ in range(cfg.sim_repeats):  # interleaved: every method, then the numpy loop; again ...
        for method in names:
            with time_inside(simulate_ridge, "ridge_solve_moments", dev) as spent:
                t, results[method] = best_time(
                    lambda method=method: simulate.classical(st, method=method, **kw), 1, dev
                )
            seconds[method].append(t)
            solves[method].append(spent[0])
        t0 = time.perf_counter()
        base = baselines.numpy_loop(st, n, p2s, lams, Tb, seed + 1)
        t_base.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    baselines.numpy_loop(st, n, p2s, lams, 1, seed + 3, hoist=False)
    t_naive = time.perf_counter() - t0
    bm = base.mean(-1)
    bse = base.std(-1, ddof=1) / np.sqrt(Tb) if Tb > 1 else np.full(bm.shape, np.nan)
    methods = tuple(
        MethodTiming(
            m,
            tuple(seconds[m]),
            tuple(solves[m]),
            float(np.max(np.abs(r.mean - bm) / np.sqrt(r.stderr**2 + bse**2))),
        )
        for m, r in results.items()
    )
    _, mem_direct, how = peak_memory(lambda: simulate.classical(st, method="direct", **kw), dev)
    _, mem_auto, _ = peak_memory(lambda: simulate.classical(st, method="auto", **kw), dev)
    P = np.unique(np.rint(p2s * n)).size
    return SimulationBench(
        d=d,
        n=n,
        n_p2=len(p2s),
        n_lam=len(lams),
        trials=T,
        baseline_trials=Tb,
        auto_uses="moments" if n >= (P + 1) * d else "direct",
        methods=methods,
        baseline_seconds_measured=tuple(t_base),
        naive_seconds_1_trial=t_naive,
        shared_design_max_rel_diff=baselines.shared_design_check(st, n, p2s, lams, dev),
        flops=sim_flops(n, d, len(p2s), len(lams), T),
        peak_gflops=peak_gflops(cfg.peak_N, dev),
        peak_matmul_N=cfg.peak_N,
        memory=Memory(mem_direct, mem_auto, mem_base, how, how_b),
        profile=profile_simulation(cfg, dev, seed),
    )


def bench_scaling(cfg: BenchConfig, dev, seed: int) -> ScalingBench:
    """Simulation time over the d sweep and the n sweep; each distinct (d, n) measured once, rows sorted."""
    _, _, (P2, LAM) = _grid(cfg.sim_np2, cfg.sim_nlam)
    points = sorted({(d, cfg.sc_n0) for d in cfg.sc_d} | {(cfg.sc_d0, n) for n in cfg.sc_n})
    rows = []
    for d, n in points:
        st = Setting.isotropic(d)
        P = np.unique(np.rint(P2[:, 0] * n)).size
        t = {
            m: best_time(
                lambda: simulate.classical(
                    st, n=n, p2=P2, lam=LAM, trials=cfg.sc_trials, seed=seed, device=dev, method=m
                ),
                1,
                dev,
            )[0]
            for m in ("direct", "auto")
        }
        rows.append(
            ScalingRow(
                d=d, n=n, direct=t["direct"], auto=t["auto"], auto_uses="moments" if n >= (P + 1) * d else "direct"
            )
        )
    return ScalingBench(trials=cfg.sc_trials, n_at_d_sweep=cfg.sc_n0, d_at_n_sweep=cfg.sc_d0, rows=tuple(rows))


def bench_projections(cfg: BenchConfig, dev, seed: int) -> ProjectionsBench:
    """The random-projections simulation vs its numpy loop; its means vs Theorem 2."""
    d, n, m, T, Tb = cfg.rp_d, cfg.rp_n, cfg.rp_m, cfg.rp_trials, cfg.rp_base_trials
    st = Setting.isotropic(d)
    p2s, lams, (P2, LAM) = _grid(cfg.sim_np2, cfg.sim_nlam)

    def lib():
        return simulate.random_projections(st, n=n, m=m, p2=P2, lam=LAM, trials=T, seed=seed, device=dev)

    simulate.random_projections(st, n=n, m=m, p2=P2, lam=LAM, trials=1, seed=seed + 99, device=dev)  # warm-up
    t_lib, r = best_time(lib, 1, dev)
    t0 = time.perf_counter()
    baselines.rp_numpy_loop(st, n, m, p2s, lams, Tb, seed + 1)
    t_base = time.perf_counter() - t0
    th = theory.random_projections(st, n=n, m=m, p2=r.p2_eff, lam=LAM)
    z = float(np.max(np.abs(r.mean - th.total) / r.stderr)) if T > 1 else float("nan")
    _, mem, how = peak_memory(lib, dev)
    return ProjectionsBench(
        d=d,
        n=n,
        m=m,
        n_p2=len(p2s),
        n_lam=len(lams),
        trials=T,
        baseline_trials=Tb,
        lib_seconds=t_lib,
        baseline_seconds_measured=t_base,
        max_abs_z_vs_theory=z,
        flops=rp_sim_flops(n, d, m, len(p2s), len(lams), T),
        memory_mib=mem,
        memory_how=how,
    )


def run(mode: str = "full", device="cpu", seed: int = 0, echo=None) -> BenchResult:
    """Run every measurement at the sizes of ``mode`` (``"full"``, ``"quick"`` or ``"tiny"``).

    Parameters
    ----------
    mode : str
        Sizes: ``FULL`` (about a minute on 2 quiet CPU cores), ``QUICK`` or ``TINY`` (tests only).
    device : str or torch.device
        Where the library runs (the baselines run on the CPU).
    seed : int
        Seeds the simulations, the baselines and the choice of reference points.
    echo : callable, optional
        Called with a progress line after each measurement.

    Returns
    -------
    BenchResult
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}, got {mode!r}")
    seed = _validate.seed("seed", seed)
    dev = resolve_device(device)
    cfg = MODES[mode]
    echo = echo or (lambda line: None)
    t_start = time.perf_counter()
    parts = {}
    for name, fn in (
        ("theory", lambda: tuple(bench_theory(cfg, np.random.default_rng(seed)))),
        ("simulation", lambda: bench_simulation(cfg, dev, seed)),
        ("scaling", lambda: bench_scaling(cfg, dev, seed)),
        ("projections", lambda: bench_projections(cfg, dev, seed)),
    ):
        t0 = time.perf_counter()
        parts[name] = fn()
        echo(f"{name}: measured in {time.perf_counter() - t0:.1f} s")
    elapsed = time.perf_counter() - t_start
    prov = plain(provenance("bench", dataclasses.asdict(cfg), mode, seed=seed, device=str(dev), elapsed_s=elapsed))
    return BenchResult(
        mode=mode,
        device=str(dev),
        torch_threads=torch.get_num_threads(),
        config=cfg,
        elapsed_s=elapsed,
        provenance=prov,
        **parts,
    )
