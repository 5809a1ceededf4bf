"""Sweeps shared by the random-projections figures (1, 4, 5): Theorem 2 and simulation vs ψ = m/n."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import simulate, theory

# Sizes of the RP sweeps per scale: samples n, dimension d = φ·n, simulated widths
# (count of log-spaced ψ values), trials per point.
RP_SIZES = {
    "smoke": dict(n=30, sim_points=6, trials=4),
    "book": dict(n=150, sim_points=12, trials=20),
    "paper": dict(n=500, sim_points=16, trials=20),
}
PSI_RANGE = (0.05, 20.0)


def psi_grid(num, lo=PSI_RANGE[0], hi=PSI_RANGE[1]) -> np.ndarray:
    return np.logspace(np.log10(lo), np.log10(hi), num)


def widths(n, num, lo=PSI_RANGE[0], hi=PSI_RANGE[1]) -> np.ndarray:
    """Integer widths m ≈ ψn for ``num`` log-spaced ψ in [lo, hi] (duplicates removed, m ≥ 1)."""
    return np.unique(np.maximum(1, np.rint(psi_grid(num, lo, hi) * n)).astype(np.int64))


def rp_vs_m(setting, n, m_theory, m_sim, p2s, lam, trials, seed, device, progress=False, **labels):
    """Tidy table of Theorem 2 (``kind="theory"``) and simulation (``kind="simulation"``) vs width m.

    One row per (kind, m, p2); columns psi = m/n, error, stderr, clean (p₂ = 0 at the
    same m), zeta_floor, zeta_design. Simulation rows also carry ``clean_sim`` (the
    p₂ = 0 error on the same draws, with ``clean_stderr``), ``excess`` = error − clean_sim
    with its paired standard error ``excess_stderr``, and ``theory_at_p2_eff``.
    """
    p2s = np.asarray(p2s, dtype=float)
    rows = []
    if m_theory is not None and len(m_theory):
        mt = np.asarray(m_theory, dtype=float)[:, None]
        th = theory.random_projections(setting, n=n, m=mt, p2=p2s[None, :], lam=lam)
        shape = th.total.shape
        b = lambda a: np.broadcast_to(a, shape).ravel()  # noqa: E731
        rows.append(
            pd.DataFrame(
                {
                    "kind": "theory",
                    "m": b(mt),
                    "p2": b(p2s),
                    "error": th.total.ravel(),
                    "stderr": np.nan,
                    "clean": th.clean.ravel(),
                    "zeta_floor": th.zeta_floor.ravel(),
                    "zeta_design": th.zeta_design.ravel(),
                    "approx": th.approx.ravel(),
                }
            )
        )
    if m_sim is not None and len(m_sim):
        ms = np.asarray(m_sim, dtype=np.int64)[:, None]
        p2_all = np.union1d(p2s, [0.0])
        sim = simulate.random_projections(
            setting, n=n, m=ms, p2=p2_all[None, :], lam=lam, trials=trials, seed=seed, device=device, progress=progress
        )
        keep = np.searchsorted(p2_all, p2s)
        mean, se, p2e = sim.mean[:, keep], sim.stderr[:, keep], sim.p2_eff[:, keep]
        th_eff = theory.random_projections(setting, n=n, m=ms.astype(float), p2=p2e, lam=lam)
        diff = sim.values[:, keep] - sim.values[:, [0]]  # paired: same draws, p₂ vs p₂ = 0
        ex_se = diff.std(axis=-1, ddof=1) / np.sqrt(trials) if trials > 1 else np.full(mean.shape, np.nan)
        sshape = mean.shape
        bs = lambda a: np.broadcast_to(a, sshape).ravel()  # noqa: E731
        rows.append(
            pd.DataFrame(
                {
                    "kind": "simulation",
                    "m": bs(ms).astype(float),
                    "p2": bs(p2s),
                    "error": mean.ravel(),
                    "stderr": se.ravel(),
                    "clean": bs(th_eff.clean),
                    "zeta_floor": th_eff.zeta_floor.ravel(),
                    "zeta_design": th_eff.zeta_design.ravel(),
                    "approx": bs(th_eff.approx),
                    "p2_eff": p2e.ravel(),
                    "theory_at_p2_eff": th_eff.total.ravel(),
                    "clean_sim": bs(sim.mean[:, [0]]),
                    "clean_stderr": bs(sim.stderr[:, [0]]),
                    "excess": diff.mean(axis=-1).ravel(),
                    "excess_stderr": ex_se.ravel(),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["n"] = float(n)
    out["psi"] = out["m"] / float(n)
    out["d"] = setting.d
    out["lam"] = float(lam)
    out["c2"] = setting.c2
    for k, v in labels.items():
        out[k] = v
    return out


def pareto_front(x, y) -> np.ndarray:
    """Indices of the points not dominated in (x, y) (both minimised), sorted by x."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    order = np.lexsort((y, x))
    front, best = [], np.inf
    for i in order:
        if y[i] < best:
            front.append(i)
            best = y[i]
    return np.array(front, dtype=int)
