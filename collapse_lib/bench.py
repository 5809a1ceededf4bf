"""Benchmark of theory and simulation against straightforward baselines (not a test).

    python -m collapse_lib.bench [--quick] [--tiny] [--device cpu|cuda] [--out results.json]

Measured in one run, each against a baseline written here:

1. theory: points/s of ``cl.theory.classical`` (Theorem 1) on an (n, p2, λ) grid, for an
   isotropic and a power-law setting, vs a per-point Python loop (κ by
   ``scipy.optimize.brentq`` on the raw spectrum, formulas in numpy) timed on a subset.
   The two are checked to agree to a relative difference < 1e-8.
2. simulation: ``cl.simulate.classical`` (method "direct", "auto" and "moments") vs a numpy
   loop: per trial, numpy-drawn data, G = XᵀX/n formed once per trial, then per p2
   Xᵀy/n and per λ one ``numpy.linalg.solve(G + λI, Xᵀy/n)``. The baseline runs fewer
   trials and its per-trial cost is extrapolated. Honesty checks: the ridge errors of
   both agree on one shared design, and the means agree within Monte Carlo error.
3. achieved GFLOP/s of the direct simulation (flop count printed) vs the measured peak
   of a large float64 torch matmul.
4. peak memory and growth of simulation time with d and n (log-log fitted exponents).

The last printed line is a one-line ``SUMMARY``.
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time

import numpy as np
import torch
from scipy.optimize import brentq

import collapse_lib as cl
from collapse_lib.device import resolve_device
from collapse_lib.simulate.ridge import draw_problem, ridge_errors

THEORY_TARGET = 1e5  # points / s
SIM_TARGET = 10.0  # speed-up over the numpy loop


# ---------------------------------------------------------------- helpers
def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _best_time(fn, repeats=3, dev=None):
    """Best wall time of ``repeats`` calls (after none: the first call is counted too)."""
    best, out = math.inf, None
    for _ in range(repeats):
        if dev is not None:
            _sync(dev)
        t0 = time.perf_counter()
        out = fn()
        if dev is not None:
            _sync(dev)
        best = min(best, time.perf_counter() - t0)
    return best, out


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


def _measure_memory(fn, dev):
    """Run fn once; return (result, peak extra memory in MiB, how it was measured)."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
        torch.cuda.reset_peak_memory_stats(dev)
        base = torch.cuda.memory_allocated(dev)
        out = fn()
        torch.cuda.synchronize(dev)
        return out, (torch.cuda.max_memory_allocated(dev) - base) / 2**20, "torch.cuda.max_memory_allocated"
    before = _rss_now_mib()
    how = "VmHWM after reset (peak RSS) minus RSS before" if _reset_peak_rss() else "ru_maxrss delta"
    if how == "ru_maxrss delta":
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = fn()
    return out, max(_peak_rss_mib() - before, 0.0), how


def _fit_exponent(x, t):
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(t, float)), 1)[0])


# ---------------------------------------------------------------- 1. theory
def theory_point_loop(setting, n, p2, lam):
    """Baseline: Theorem 1 at one point, κ by brentq on the raw (ungrouped) spectrum."""
    s, g, dl = setting.spectrum, setting.gamma, setting.delta
    d = s.size

    def F(k):
        return 1.0 - np.sum(s / (s + k)) / n - lam / k

    lo = max(lam, s.min() * max(d / n - 1.0, 0.0))
    hi = lam + s.sum() / n
    flo = F(lo)
    k = lo if flo >= 0 else brentq(F, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    r = 1.0 / (s + k) ** 2
    df2 = np.sum(s**2 * r)
    u = df2 / (n - df2)
    bias = k**2 * np.sum(g * s * r) / (1.0 - df2 / n)
    p1 = 1.0 - p2
    variance = (p1 * setting.sigma2_real + p2 * setting.sigma2_synth) * u
    t3 = np.sum(dl * s**3 * r)
    mix = np.sum(dl * s * (p1 * s + k) ** 2 * r)
    zeta = p2**2 * (1 + p1 * u) * t3 + p2 * u * mix
    return bias + variance + zeta


def bench_theory(cfg, rng):
    n = np.geomspace(cfg["th_nmin"], cfg["th_nmax"], cfg["th_nn"])
    p2 = np.linspace(0.0, 1.0, cfg["th_np2"])
    lam = np.geomspace(1e-4, 1.0, cfg["th_nlam"])
    N, P2, LAM = np.meshgrid(n, p2, lam, indexing="ij")
    npts = N.size
    settings = [cl.Setting.isotropic(cfg["th_d"]), cl.Setting.power_law(cfg["th_d"], 1.5)]
    out = []
    for st in settings:
        cl.theory.classical(st, n=N[:2, :2, :2], p2=P2[:2, :2, :2], lam=LAM[:2, :2, :2])  # warm-up
        t_lib, res = _best_time(lambda: cl.theory.classical(st, n=N, p2=P2, lam=LAM), cfg["repeats"])
        idx = rng.choice(npts, size=min(cfg["th_sub"], npts), replace=False)
        pts = [(N.flat[i], P2.flat[i], LAM.flat[i]) for i in idx]
        t0 = time.perf_counter()
        base = np.array([theory_point_loop(st, *pt) for pt in pts])
        t_base = time.perf_counter() - t0
        lib = np.asarray(res.total).ravel()[idx]
        rel = float(np.max(np.abs(base - lib) / np.abs(lib)))
        out.append(dict(setting=st.name, d=st.d, points=int(npts), unique_n_lam=int(n.size * lam.size),
                        lib_seconds=t_lib, lib_pts_per_s=npts / t_lib,
                        baseline_points=len(pts), baseline_seconds=t_base,
                        baseline_pts_per_s=len(pts) / t_base,
                        ratio=(npts / t_lib) / (len(pts) / t_base),
                        max_rel_diff=rel, agree=bool(rel < 1e-8),
                        target_met=bool(npts / t_lib >= THEORY_TARGET)))
    return out


# ---------------------------------------------------------------- 2. simulation
def numpy_loop(setting, n, p2s, lams, trials, seed, hoist=True):
    """Baseline: numpy-drawn data, one numpy.linalg.solve per trial, p2 and λ.

    G = XᵀX/n is formed once per trial (not once per solve), Xᵀy/n once per p2.
    Returns errors (len(p2s), len(lams), trials).
    """
    rng = np.random.default_rng(seed)
    s = setting.spectrum
    sq_s, sq_g, sq_d = np.sqrt(s), np.sqrt(setting.gamma), np.sqrt(setting.delta)
    d = s.size
    eye = np.eye(d)
    errs = np.empty((len(p2s), len(lams), trials))
    for t in range(trials):
        X = rng.standard_normal((n, d)) * sq_s
        w1 = rng.standard_normal(d) * sq_g
        w2 = w1 + rng.standard_normal(d) * sq_d
        e = rng.standard_normal((2, n))
        y_r = X @ w1 + np.sqrt(setting.sigma2_real) * e[0]
        y_s = X @ w2 + np.sqrt(setting.sigma2_synth) * e[1]
        errs[:, :, t] = _numpy_solve_errors(X, y_r, y_s, w1, s, p2s, lams, eye, hoist)
    return errs


def _numpy_solve_errors(X, y_r, y_s, w1, s, p2s, lams, eye, hoist=True):
    n = X.shape[0]
    G = X.T @ X / n if hoist else None
    out = np.empty((len(p2s), len(lams)))
    for i, p2 in enumerate(p2s):
        n1 = n - int(np.rint(p2 * n))
        y = np.concatenate([y_r[:n1], y_s[n1:]])
        b = X.T @ y / n
        for j, lam in enumerate(lams):
            A = G + lam * eye if hoist else X.T @ X / n + lam * eye
            w = np.linalg.solve(A, b)
            out[i, j] = np.sum(s * (w - w1) ** 2)
    return out


def shared_design_check(setting, n, p2s, lams, dev):
    """Ridge errors of library kernel and numpy solve on one shared draw; max rel diff."""
    X, w1, y_r, y_s = draw_problem(setting, n, 1, 123, n, 0, dev, torch.float64)
    n2 = np.rint(np.asarray(p2s) * n).astype(int)
    rows = torch.arange(n, device=dev)[:, None]
    mask = rows >= torch.as_tensor(n - n2, device=dev)[None, :]
    Y = torch.where(mask[None], y_s[:, :, None], y_r[:, :, None])
    lib = ridge_errors(X, Y, w1, setting.spectrum, np.asarray(lams))[0].cpu().numpy()
    base = _numpy_solve_errors(X[0].cpu().numpy(), y_r[0].cpu().numpy(), y_s[0].cpu().numpy(),
                               w1[0].cpu().numpy(), setting.spectrum, p2s, lams, np.eye(setting.d))
    return float(np.max(np.abs(lib - base) / np.abs(base)))


def _solve_flops(d, P, L):
    """Flops of ridge_solve_moments: one Cholesky (d³/3) and two triangular solves (2d²P) per λ when there
    are few λ > 0 (the benchmark's case), else eigh (≈ 9d³) + QᵀB (2d²P) + Q·coef (2d²PL)."""
    from collapse_lib.simulate.ridge import _CHOLESKY_MAX_LAMS

    if L <= _CHOLESKY_MAX_LAMS:
        return L * (d**3 / 3 + 2 * d * d * P)
    return 9 * d**3 + 2 * d * d * P + 2 * d * d * P * L


def sim_flops(n, d, P, L, T):
    """Flop count of the direct simulation's matrix work (d ≤ n), per the route the library takes."""
    return T * (4 * n * d + 2 * n * d * d + 2 * n * d * P + _solve_flops(d, P, L))


FLOP_COUNT = ("per trial: 4nd (labels) + 2nd^2 (X^T X) + 2ndP (X^T Y) + L(d^3/3 + 2d^2 P) (one Cholesky and two "
              "triangular solves per lam)")


def rp_sim_flops(n, d, m, P, L, T):
    """Flop count of one width of the RP simulation, per the route the library takes."""
    from collapse_lib.simulate.projections import _INPUT_SPACE_RATIO

    if m >= _INPUT_SPACE_RATIO * d and n >= d:  # input space: XᵀX, XᵀY, SSᵀ, chol(SSᵀ), CᵀGC, CᵀB, solve, C·ŵ
        per = 2 * n * d * d + 2 * n * d * P + 2 * d * d * m + d**3 / 3 + 4 * d**3 + 2 * d * d * P \
            + _solve_flops(d, P, L) + 2 * d * d * P * L
    else:  # features Z = XS, Gram of the smaller side, solve, S·v̂
        k = min(m, n)
        per = 2 * n * d * m + 2 * max(m, n) * k * k + 2 * max(m, n) * k * P + _solve_flops(k, P, L) \
            + 2 * d * m * P * L
    return T * per


def peak_gflops(N, dev, repeats=3):
    a = torch.randn(N, N, dtype=torch.float64, device=dev)
    b = torch.randn(N, N, dtype=torch.float64, device=dev)
    a @ b
    t, _ = _best_time(lambda: a @ b, repeats, dev)
    return 2 * N**3 / t / 1e9, t


def bench_simulation(cfg, dev):
    d, n, T, Tb = cfg["sim_d"], cfg["sim_n"], cfg["sim_trials"], cfg["sim_base_trials"]
    st = cl.Setting.isotropic(d)
    p2s = np.linspace(0.0, 0.9, cfg["sim_np2"])
    lams = np.geomspace(1e-3, 1.0, cfg["sim_nlam"])
    P2, LAM = np.meshgrid(p2s, lams, indexing="ij")
    kw = dict(n=n, p2=P2, lam=LAM, trials=T, seed=0, device=dev)
    _, mem_base, how_b = _measure_memory(lambda: numpy_loop(st, n, p2s, lams, 1, seed=2), torch.device("cpu"))
    cl.simulate.classical(st, n=n, p2=P2, lam=LAM, trials=1, seed=99, device=dev)  # warm-up
    res = {}
    for method in ("direct", "auto", "moments"):
        if method == "moments" and n <= d:
            continue
        t, r = _best_time(lambda: cl.simulate.classical(st, method=method, **kw), 1, dev)
        res[method] = dict(seconds=t, mean=r.mean, stderr=r.stderr)
    P = np.unique(np.rint(p2s * n)).size
    auto_uses = "moments" if n >= (P + 1) * d else "direct"
    t0 = time.perf_counter()
    base = numpy_loop(st, n, p2s, lams, Tb, seed=1)
    t_base_raw = time.perf_counter() - t0
    t_base = t_base_raw / Tb * T
    t0 = time.perf_counter()
    numpy_loop(st, n, p2s, lams, 1, seed=3, hoist=False)
    t_naive = (time.perf_counter() - t0) * T
    bm = base.mean(-1)
    bse = base.std(-1, ddof=1) / np.sqrt(Tb) if Tb > 1 else np.full(bm.shape, np.nan)
    z = {}
    for m, v in res.items():
        z[m] = float(np.max(np.abs(v["mean"] - bm) / np.sqrt(v["stderr"] ** 2 + bse**2)))
    shared = shared_design_check(st, n, p2s, lams, dev)
    # memory: library (direct, auto) and baseline
    _, mem_direct, how = _measure_memory(lambda: cl.simulate.classical(st, method="direct", **kw), dev)
    _, mem_auto, _ = _measure_memory(lambda: cl.simulate.classical(st, method="auto", **kw), dev)
    fl = sim_flops(n, d, len(p2s), len(lams), T)
    pk, _ = peak_gflops(cfg["peak_N"], dev)
    ach = fl / res["direct"]["seconds"] / 1e9
    return dict(
        d=d, n=n, n_p2=len(p2s), n_lam=len(lams), trials=T, baseline_trials=Tb,
        baseline_note=f"numpy loop run for {Tb} trials ({t_base_raw:.3g} s), extrapolated x{T / Tb:g} to {T}",
        auto_uses=auto_uses,
        lib_seconds={m: v["seconds"] for m, v in res.items()},
        baseline_seconds=t_base, baseline_seconds_measured=t_base_raw,
        naive_baseline_seconds=t_naive, naive_note="numpy loop re-forming X^T X per solve, 1 trial, extrapolated",
        ratio_vs_naive={m: t_naive / v["seconds"] for m, v in res.items()},
        ratio={m: t_base / v["seconds"] for m, v in res.items()},
        target_met=bool(t_base / res["auto"]["seconds"] >= SIM_TARGET),  # against the loop that hoists XᵀX
        target_met_vs_literal=bool(t_naive / res["auto"]["seconds"] >= SIM_TARGET),
        shared_design_max_rel_diff=shared, mean_max_abs_z=z,
        agree=bool(shared < 1e-8 and all(v < 5 for v in z.values())),
        flops=fl, flop_count=FLOP_COUNT, achieved_gflops=ach, peak_gflops=pk, peak_matmul_N=cfg["peak_N"],
        fraction_of_peak=ach / pk, torch_threads=torch.get_num_threads(),
        memory_mib=dict(direct=mem_direct, auto=mem_auto, numpy_loop_1_trial=mem_base, how=how, how_baseline=how_b),
    )


def profile_simulation(cfg, dev, trials=None):
    """Per-trial time of each stage, library and numpy baseline, at the simulation benchmark's size.

    Library: draw (X, teachers, noise; threads on CPU), Gram XᵀX/n, XᵀY/n, ridge
    solve for all p2 and λ (:func:`ridge_solve_moments`). Baseline: numpy draw,
    XᵀX/n (numpy uses a symmetric rank-k update), one numpy.linalg.solve per
    (p2, λ). ``bound`` is the ratio the library would reach if its solve were
    free: baseline per trial / (library draw + Gram).
    """
    from collapse_lib.simulate.ridge import ridge_solve_moments

    d, n = cfg["sim_d"], cfg["sim_n"]
    T = trials or max(2, min(10, cfg["sim_trials"]))
    st = cl.Setting.isotropic(d)
    p2s = np.linspace(0.0, 0.9, cfg["sim_np2"])
    lams = np.geomspace(1e-3, 1.0, cfg["sim_nlam"])
    n2 = np.rint(p2s * n).astype(int)
    mask = torch.arange(n, device=dev)[:, None] >= torch.as_tensor(n - n2, device=dev)[None, :]
    lib = {}
    t, (X, w1, y_r, y_s) = _best_time(lambda: draw_problem(st, n, T, 0, n, 0, dev, torch.float64), 2, dev)
    lib["draw"] = t / T
    Y = torch.where(mask[None], y_s[:, :, None], y_r[:, :, None])
    t, G = _best_time(lambda: X.mT @ X / n, 2, dev)
    lib["gram XtX"] = t / T
    t, B = _best_time(lambda: X.mT @ Y / n, 2, dev)
    lib["XtY"] = t / T
    t, _ = _best_time(lambda: ridge_solve_moments(G, B, lams), 2, dev)
    lib[f"solve ({len(lams)} lam x {len(p2s)} p2)"] = t / T
    rng = np.random.default_rng(0)
    base = {}
    t, Xn = _best_time(lambda: rng.standard_normal((n, d)), 3)
    base["draw"] = t
    t, Gn = _best_time(lambda: Xn.T @ Xn / n, 3)
    base["gram XtX"] = t
    b = Xn.T @ rng.standard_normal(n) / n
    eye = np.eye(d)
    t, _ = _best_time(lambda: np.linalg.solve(Gn + 0.1 * eye, b), 5)
    base[f"solve x{len(lams) * len(p2s)}"] = t * len(lams) * len(p2s)
    lib_total, base_total = sum(lib.values()), sum(base.values())
    return dict(trials=T, library_s_per_trial=lib, baseline_s_per_trial=base, library_total=lib_total,
                baseline_total=base_total, stage_ratio=base_total / lib_total,
                bound_if_solve_free=base_total / (lib["draw"] + lib["gram XtX"]))


def bench_scaling(cfg, dev):
    T = cfg["sc_trials"]
    p2s = np.linspace(0.0, 0.9, cfg["sim_np2"])
    lams = np.geomspace(1e-3, 1.0, cfg["sim_nlam"])
    P2, LAM = np.meshgrid(p2s, lams, indexing="ij")

    def run(d, n):
        st = cl.Setting.isotropic(d)
        P = np.unique(np.rint(p2s * n)).size
        row = dict(d=d, n=n, auto_uses="moments" if n >= (P + 1) * d else "direct")
        for m in ("direct", "auto"):
            t, _ = _best_time(lambda: cl.simulate.classical(st, n=n, p2=P2, lam=LAM, trials=T, seed=0,
                                                           device=dev, method=m), 1, dev)
            row[m] = t
        return row

    n0, d0 = cfg["sc_n0"], cfg["sc_d0"]
    by_d = [run(d, n0) for d in cfg["sc_d"]]
    by_n = [run(d0, n) for n in cfg["sc_n"]]
    rows = by_d + by_n
    exps = {}
    for m in ("direct", "auto"):
        exps[f"d_{m}"] = _fit_exponent([r["d"] for r in by_d], [r[m] for r in by_d])
        exps[f"n_{m}"] = _fit_exponent([r["n"] for r in by_n], [r[m] for r in by_n])
    return dict(trials=T, n_at_d_sweep=n0, d_at_n_sweep=d0, rows=rows, exponents=exps)


# ---------------------------------------------------------------- driver
FULL = dict(th_d=1000, th_nmin=100, th_nmax=1e5, th_nn=40, th_np2=25, th_nlam=10, th_sub=200, repeats=3,
            sim_d=500, sim_n=2000, sim_np2=10, sim_nlam=5, sim_trials=50, sim_base_trials=5, peak_N=4096,
            sc_trials=10, sc_d=(100, 200, 400), sc_n0=2000, sc_d0=200, sc_n=(1000, 2000, 4000),
            rp_th_d=1000, rp_th_nn=10, rp_th_nm=40, rp_th_np2=5, rp_th_nlam=5, rp_th_sub=100,
            rp_d=500, rp_n=2000, rp_m=1000, rp_trials=20, rp_base_trials=2)
QUICK = dict(FULL, th_nn=40, th_sub=60, repeats=2, sim_d=250, sim_n=1000, sim_trials=20, sim_base_trials=2,
             peak_N=2048, sc_trials=4, sc_d=(50, 100, 200), sc_n0=1000, sc_d0=100, sc_n=(500, 1000, 2000),
             rp_th_sub=40, rp_d=250, rp_n=1000, rp_m=500, rp_trials=8, rp_base_trials=1)
TINY = dict(th_d=50, th_nmin=10, th_nmax=1e3, th_nn=6, th_np2=5, th_nlam=3, th_sub=10, repeats=1,
            sim_d=20, sim_n=80, sim_np2=3, sim_nlam=2, sim_trials=4, sim_base_trials=2, peak_N=256,
            sc_trials=2, sc_d=(10, 20), sc_n0=80, sc_d0=10, sc_n=(40, 80),
            rp_th_d=50, rp_th_nn=3, rp_th_nm=4, rp_th_np2=2, rp_th_nlam=2, rp_th_sub=8,
            rp_d=20, rp_n=60, rp_m=40, rp_trials=3, rp_base_trials=1)


# ---------------------------------------------------------------- 5. random projections (Theorem 2)
def rp_theory_point_loop(setting, n, m, p2, lam):
    """Baseline: Theorem 2 at one point, μ by brentq on the raw spectrum (written out from the chapter)."""
    s, g, dl = setting.spectrum, setting.gamma, setting.delta
    d = s.size
    df = lambda mu: np.sum(s / (s + mu))  # noqa: E731
    k = min(m, n)
    c = lam * d / m

    def F(mu):
        return mu * (1 - df(mu) / m) * (1 - df(mu) / n) - c

    lo = s.min() * (d / k - 1.0) if k < d else 0.0
    if k < d:
        lo = brentq(lambda mu: df(mu) - k, 1e-300, s.sum() / k * 2 + 1, xtol=1e-300, rtol=1e-15)
    mu = lo if lam == 0 else brentq(F, lo, c + s.sum() / m + s.sum() / n + 1e-300, xtol=1e-300, rtol=1e-15)
    theta = (m - df(mu)) / d
    D = np.sum(s / (s + mu) ** 2)
    eps = D / (m - df(mu) + mu * D) if m - df(mu) + mu * D > 0 else 0.0
    a = mu / (s + mu)
    b = a**2 * (1 + eps * s)
    if m < d:
        mu_m = brentq(lambda x: df(x) - m, 1e-300, s.sum() / m * 2 + 1, xtol=1e-300, rtol=1e-15)
        o = mu_m / (s + mu_m)
    else:
        o = np.zeros_like(s)
    gt, dt = s * g, s * dl
    df2 = np.sum(1 - 2 * a + b)
    u = df2 / (n - df2)
    A = np.sum(gt * o)
    B = max(np.sum(gt * (b - o)) / (1 - df2 / n), 0.0)
    p1 = 1 - p2
    V = (p1 * setting.sigma2_real + p2 * setting.sigma2_synth + A + p2 * np.sum(dt * o)) * u
    t3 = np.sum(dt * (1 - 2 * a + b))
    zeta = p2**2 * (1 + p1 * u) * t3 + p2 * u * np.sum(dt * (p1**2 + 2 * p1 * p2 * a + p2**2 * b - o))
    del theta
    return A + B + V + zeta


def bench_rp_theory(cfg, rng):
    d = cfg["rp_th_d"]
    n = np.geomspace(d / 10, 10 * d, cfg["rp_th_nn"])
    psi = np.geomspace(0.05, 20, cfg["rp_th_nm"])
    p2 = np.linspace(0.0, 1.0, cfg["rp_th_np2"])
    lam = np.geomspace(1e-4, 1.0, cfg["rp_th_nlam"])
    N, PSI, P2, LAM = np.meshgrid(n, psi, p2, lam, indexing="ij")
    M = PSI * N
    out = []
    for st in (cl.Setting.isotropic(d), cl.Setting.power_law(d, 1.5)):
        cl.theory.random_projections(st, n=N[:1, :1], m=M[:1, :1], p2=P2[:1, :1], lam=LAM[:1, :1])
        t_lib, res = _best_time(lambda: cl.theory.random_projections(st, n=N, m=M, p2=P2, lam=LAM), cfg["repeats"])
        idx = rng.choice(N.size, size=min(cfg["rp_th_sub"], N.size), replace=False)
        t0 = time.perf_counter()
        base = np.array([rp_theory_point_loop(st, N.flat[i], M.flat[i], P2.flat[i], LAM.flat[i]) for i in idx])
        t_base = time.perf_counter() - t0
        lib = np.asarray(res.total).ravel()[idx]
        rel = float(np.max(np.abs(base - lib) / np.abs(lib)))
        out.append(dict(setting=st.name, d=d, points=int(N.size), unique_n_m_lam=int(n.size * psi.size * lam.size),
                        lib_seconds=t_lib, lib_pts_per_s=N.size / t_lib, baseline_points=len(idx),
                        baseline_seconds=t_base, baseline_pts_per_s=len(idx) / t_base,
                        ratio=(N.size / t_lib) / (len(idx) / t_base), max_rel_diff=rel, agree=bool(rel < 1e-6)))
    return out


def rp_numpy_loop(setting, n, m, p2s, lams, trials, seed):
    """Baseline: per trial draw S, X; Z = XS and ZᵀZ/n once; one numpy.linalg.solve per (p2, λ)."""
    rng = np.random.default_rng(seed)
    s = setting.spectrum
    d = s.size
    errs = np.empty((len(p2s), len(lams), trials))
    for t in range(trials):
        X = rng.standard_normal((n, d)) * np.sqrt(s)
        w1 = rng.standard_normal(d) * np.sqrt(setting.gamma)
        w2 = w1 + rng.standard_normal(d) * np.sqrt(setting.delta)
        e = rng.standard_normal((2, n))
        S = rng.standard_normal((d, m)) / np.sqrt(d)
        y_r = X @ w1 + np.sqrt(setting.sigma2_real) * e[0]
        y_s = X @ w2 + np.sqrt(setting.sigma2_synth) * e[1]
        Z = X @ S
        G = Z.T @ Z / n
        for i, p2 in enumerate(p2s):
            n1 = n - int(np.rint(p2 * n))
            b = Z.T @ np.concatenate([y_r[:n1], y_s[n1:]]) / n
            for j, lam in enumerate(lams):
                w = S @ np.linalg.solve(G + lam * np.eye(m), b)
                errs[i, j, t] = np.sum(s * (w - w1) ** 2)
    return errs


def bench_rp_simulation(cfg, dev):
    d, n, m, T, Tb = cfg["rp_d"], cfg["rp_n"], cfg["rp_m"], cfg["rp_trials"], cfg["rp_base_trials"]
    st = cl.Setting.isotropic(d)
    p2s = np.linspace(0.0, 0.9, cfg["sim_np2"])
    lams = np.geomspace(1e-3, 1.0, cfg["sim_nlam"])
    P2, LAM = np.meshgrid(p2s, lams, indexing="ij")
    cl.simulate.random_projections(st, n=n, m=m, p2=P2, lam=LAM, trials=1, seed=99, device=dev)  # warm-up
    t_lib, r = _best_time(lambda: cl.simulate.random_projections(st, n=n, m=m, p2=P2, lam=LAM, trials=T, seed=0,
                                                                 device=dev), 1, dev)
    t0 = time.perf_counter()
    base = rp_numpy_loop(st, n, m, p2s, lams, Tb, seed=1)
    t_base_raw = time.perf_counter() - t0
    t_base = t_base_raw / Tb * T
    th = cl.theory.random_projections(st, n=n, m=m, p2=r.p2_eff, lam=LAM)
    z = float(np.max(np.abs(r.mean - th.total) / r.stderr)) if T > 1 else float("nan")
    fl = rp_sim_flops(n, d, m, len(p2s), len(lams), T)
    _, mem, how = _measure_memory(lambda: cl.simulate.random_projections(st, n=n, m=m, p2=P2, lam=LAM, trials=T,
                                                                         seed=0, device=dev), dev)
    return dict(d=d, n=n, m=m, n_p2=len(p2s), n_lam=len(lams), trials=T, lib_seconds=t_lib,
                baseline_seconds=t_base, baseline_seconds_measured=t_base_raw,
                baseline_note=f"numpy loop (Z and ZᵀZ once per trial, one solve per p2 and λ) run for {Tb} trial(s), "
                              f"extrapolated to {T}",
                ratio=t_base / t_lib, target_met=bool(t_base / t_lib >= SIM_TARGET), max_abs_z_vs_theory=z,
                flops=fl, achieved_gflops=fl / t_lib / 1e9, memory_mib=mem, memory_how=how)


def _markdown(r):
    th, sm, sc = r["theory"], r["simulation"], r["scaling"]
    L = ["| benchmark | library | baseline | ratio | check |", "|---|---|---|---|---|"]
    for t in th:
        L.append(f"| theory {t['setting']} ({t['points']} pts) | {t['lib_pts_per_s']:.3g} pts/s | "
                 f"{t['baseline_pts_per_s']:.3g} pts/s (brentq loop, {t['baseline_points']} pts) | "
                 f"x{t['ratio']:.3g} | max rel diff {t['max_rel_diff']:.1e} |")
    for m, s in sm["lib_seconds"].items():
        L.append(f"| simulation d={sm['d']} n={sm['n']} {sm['n_p2']}x{sm['n_lam']}x{sm['trials']} "
                 f"method={m} | {s:.3g} s | {sm['baseline_seconds']:.3g} s (numpy, extrapolated) | "
                 f"x{sm['ratio'][m]:.3g} | max z {sm['mean_max_abs_z'][m]:.2f} |")
    L.append(f"| GFLOP/s (direct) | {sm['achieved_gflops']:.3g} | peak {sm['peak_gflops']:.3g} "
             f"(matmul N={sm['peak_matmul_N']}) | {100 * sm['fraction_of_peak']:.0f}% | |")
    mem = sm["memory_mib"]
    L.append(f"| peak memory (MiB) | direct {mem['direct']:.0f}, auto {mem['auto']:.0f} | "
             f"numpy 1 trial {mem['numpy_loop_1_trial']:.0f} | | {mem['how']} |")
    L += ["", f"simulation time, {sm['n_p2']} p2 x {sm['n_lam']} lam x {sc['trials']} trials:", "",
          "| d | n | direct (s) | auto (s) | auto uses |", "|---|---|---|---|---|"]
    for row in sc["rows"]:
        L.append(f"| {row['d']} | {row['n']} | {row['direct']:.3g} | {row['auto']:.3g} | {row['auto_uses']} |")
    e = sc["exponents"]
    L.append(f"\nfitted exponents: time ~ d^{e['d_direct']:.2f} (direct), d^{e['d_auto']:.2f} (auto); "
             f"~ n^{e['n_direct']:.2f} (direct), n^{e['n_auto']:.2f} (auto)")
    if "rp_theory" in r:
        L += ["", "random projections (Theorem 2):", "", "| benchmark | library | baseline | ratio | check |",
              "|---|---|---|---|---|"]
        for t in r["rp_theory"]:
            L.append(f"| theory {t['setting']} ({t['points']} pts) | {t['lib_pts_per_s']:.3g} pts/s | "
                     f"{t['baseline_pts_per_s']:.3g} pts/s (brentq loop, {t['baseline_points']} pts) | "
                     f"x{t['ratio']:.3g} | max rel diff {t['max_rel_diff']:.1e} |")
        q = r["rp_simulation"]
        L.append(f"| simulation d={q['d']} n={q['n']} m={q['m']} {q['n_p2']}x{q['n_lam']}x{q['trials']} | "
                 f"{q['lib_seconds']:.3g} s ({q['achieved_gflops']:.3g} GFLOP/s) | {q['baseline_seconds']:.3g} s "
                 f"(numpy, extrapolated) | x{q['ratio']:.3g} | max z vs theory {q['max_abs_z_vs_theory']:.2f} |")
    return "\n".join(L)


def _print_theory(rows, distinct_key, distinct_name):
    for t in rows:
        target = (f"; target >= {THEORY_TARGET:.0e} pts/s {'met' if t['target_met'] else 'NOT met'}"
                  if "target_met" in t else "")
        print(f"{t['setting']}: {t['points']} points ({t[distinct_key]} distinct {distinct_name}) in "
              f"{t['lib_seconds']:.3g} s = {t['lib_pts_per_s']:.3g} pts/s; loop {t['baseline_points']} points in "
              f"{t['baseline_seconds']:.3g} s = {t['baseline_pts_per_s']:.3g} pts/s; ratio x{t['ratio']:.3g}; "
              f"max rel diff {t['max_rel_diff']:.1e} ({'ok' if t['agree'] else 'MISMATCH'}){target}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m collapse_lib.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="reduced sizes (under a minute on 2 cores)")
    ap.add_argument("--tiny", action="store_true", help="toy sizes, for the test-suite only")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    ap.add_argument("--out", default=None, help="write the results as JSON to this path")
    a = ap.parse_args(argv)
    dev = resolve_device(a.device)
    cfg = TINY if a.tiny else QUICK if a.quick else FULL
    rng = np.random.default_rng(0)
    t_start = time.perf_counter()
    print(f"collapse_lib {cl.__version__} benchmark: device={dev}, torch threads={torch.get_num_threads()}, "
          f"mode={'tiny' if a.tiny else 'quick' if a.quick else 'full'}", flush=True)

    print("\n## 1. theory (Theorem 1) vs per-point brentq loop", flush=True)
    th = bench_theory(cfg, rng)
    _print_theory(th, "unique_n_lam", "(n, lam)")

    print("\n## 2-3. simulation vs numpy solve loop; GFLOP/s", flush=True)
    sm = bench_simulation(cfg, dev)
    print(f"d={sm['d']} n={sm['n']}, {sm['n_p2']} p2 x {sm['n_lam']} lam x {sm['trials']} trials "
          f"(auto uses {sm['auto_uses']})")
    for m, s in sm["lib_seconds"].items():
        print(f"  library method={m}: {s:.3g} s  -> x{sm['ratio'][m]:.3g} vs numpy loop "
              f"(max |z| of means {sm['mean_max_abs_z'][m]:.2f})")
    print(f"  numpy loop: {sm['baseline_seconds']:.3g} s ({sm['baseline_note']}; X^T X formed once per trial)")
    print(f"  literal numpy loop (X^T X re-formed per solve, 1 trial extrapolated): {sm['naive_baseline_seconds']:.3g} s"
          f" -> library auto x{sm['ratio_vs_naive']['auto']:.3g}, direct x{sm['ratio_vs_naive']['direct']:.3g}")
    print(f"  shared design: max rel diff of ridge errors library vs numpy.linalg.solve "
          f"{sm['shared_design_max_rel_diff']:.1e} ({'ok' if sm['agree'] else 'MISMATCH'})")
    print(f"  target x{SIM_TARGET:g} (auto): {'met' if sm['target_met_vs_literal'] else 'NOT met'} against the "
          f"literal loop, {'met' if sm['target_met'] else 'NOT met'} against the loop that hoists X^T X")
    print(f"  flops counted ({sm['flop_count']}): {sm['flops']:.3g}")
    print(f"  achieved {sm['achieved_gflops']:.3g} GFLOP/s (direct) vs peak {sm['peak_gflops']:.3g} GFLOP/s "
          f"(float64 matmul N={sm['peak_matmul_N']}) = {100 * sm['fraction_of_peak']:.0f}%", flush=True)
    mem = sm["memory_mib"]
    print(f"  peak memory: direct {mem['direct']:.0f} MiB, auto {mem['auto']:.0f} MiB, numpy loop (1 trial) "
          f"{mem['numpy_loop_1_trial']:.0f} MiB [{mem['how']}]", flush=True)

    prof = profile_simulation(cfg, dev)
    print(f"  profile per trial ({prof['trials']} trials; ms): library "
          + ", ".join(f"{k} {1e3 * v:.1f}" for k, v in prof["library_s_per_trial"].items())
          + f" = {1e3 * prof['library_total']:.1f}; numpy loop "
          + ", ".join(f"{k} {1e3 * v:.1f}" for k, v in prof["baseline_s_per_trial"].items())
          + f" = {1e3 * prof['baseline_total']:.1f}; ratio of stage sums x{prof['stage_ratio']:.3g}; "
          f"bound if the library's solve were free x{prof['bound_if_solve_free']:.3g}", flush=True)
    sm["profile"] = prof

    print("\n## 4. scaling of simulation time with d and n", flush=True)
    sc = bench_scaling(cfg, dev)
    e = sc["exponents"]
    for row in sc["rows"]:
        print(f"  d={row['d']} n={row['n']}: direct {row['direct']:.3g} s, auto {row['auto']:.3g} s "
              f"(auto uses {row['auto_uses']})")
    print(f"  fitted exponents: time ~ d^{e['d_direct']:.2f} (direct), d^{e['d_auto']:.2f} (auto); "
          f"~ n^{e['n_direct']:.2f} (direct), n^{e['n_auto']:.2f} (auto)", flush=True)

    print("\n## 5. random projections (Theorem 2): theory vs brentq loop; simulation vs numpy loop", flush=True)
    rth = bench_rp_theory(cfg, rng)
    _print_theory(rth, "unique_n_m_lam", "(n, m, lam)")
    rsm = bench_rp_simulation(cfg, dev)
    rsm["fraction_of_peak"] = rsm["achieved_gflops"] / sm["peak_gflops"]
    print(f"simulation d={rsm['d']} n={rsm['n']} m={rsm['m']}, {rsm['n_p2']} p2 x {rsm['n_lam']} lam x "
          f"{rsm['trials']} trials: {rsm['lib_seconds']:.3g} s vs numpy loop {rsm['baseline_seconds']:.3g} s "
          f"-> x{rsm['ratio']:.3g} (target x{SIM_TARGET:g} {'met' if rsm['target_met'] else 'NOT met'}); "
          f"{rsm['achieved_gflops']:.3g} GFLOP/s ({100 * rsm['fraction_of_peak']:.0f}% of peak); max |z| vs Theorem 2 {rsm['max_abs_z_vs_theory']:.2f}", flush=True)
    res = dict(config=dict(mode="tiny" if a.tiny else "quick" if a.quick else "full", device=str(dev),
                           torch_threads=torch.get_num_threads(), **{k: v for k, v in cfg.items()}),
               theory=th, simulation=sm, scaling=sc, rp_theory=rth, rp_simulation=rsm)
    print("\n## all results (Markdown)\n")
    print(_markdown(res))
    iso, pl = th[0], th[1]
    summary = (f"SUMMARY theory {iso['lib_pts_per_s']:.2g}/{pl['lib_pts_per_s']:.2g} pts/s isotropic/power-law "
               f"(x{iso['ratio']:.3g}/x{pl['ratio']:.3g} vs brentq loop, "
               f"target 1e5 {'met' if iso['target_met'] and pl['target_met'] else 'NOT met'}); "
               f"simulation x{sm['ratio']['auto']:.3g} vs hoisted numpy loop (direct x{sm['ratio']['direct']:.3g}"
               + (f", moments x{sm['ratio']['moments']:.3g}" if "moments" in sm["ratio"] else "")
               + f"; x{sm['ratio_vs_naive']['auto']:.3g} vs literal loop re-forming XtX; target x10 "
               f"{'met' if sm['target_met_vs_literal'] else 'NOT met'} vs literal loop, "
               f"{'met' if sm['target_met'] else 'NOT met'} vs hoisted loop, whose bound is "
               f"x{sm['profile']['bound_if_solve_free']:.2g} if the solve were free); "
               f"{100 * sm['fraction_of_peak']:.0f}% of peak GFLOP/s; "
               f"RP theory {rth[0]['lib_pts_per_s']:.2g}/{rth[1]['lib_pts_per_s']:.2g} pts/s "
               f"(x{rth[0]['ratio']:.3g}/x{rth[1]['ratio']:.3g}), RP simulation x{rsm['ratio']:.3g}; "
               f"checks {'ok' if all(t['agree'] for t in th + rth) and sm['agree'] else 'FAILED'}; "
               f"{time.perf_counter() - t_start:.0f} s")
    res["summary"] = summary
    from .datafiles import provenance
    from .fileio import atomic_write

    res["provenance"] = provenance("bench", res["config"], res["config"]["mode"], seed=0,
                                   device=res["config"]["device"], elapsed_s=time.perf_counter() - t_start)
    if a.out:
        atomic_write(a.out, json.dumps(res, indent=2, default=float))
        print(f"\nwrote {a.out}")
    print(summary, flush=True)
    return res


if __name__ == "__main__":
    main()
    sys.exit(0)
