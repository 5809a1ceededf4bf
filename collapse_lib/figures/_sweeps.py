"""Sweeps shared by the figure recipes: theory and simulation of Theorem 1 vs n."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import theory

# Sizes of the Theorem 1 sweeps over n (figures 2 and 3), per scale: dimension d,
# simulated n (lo, hi, count; log-spaced integers) and trials per point. For n ≫ d the
# simulation draws XᵀX and Xᵀy directly, so n up to 10⁹ costs no more than 10⁴.
N_SWEEP_SIZES = {
    "smoke": dict(d=20, n_sim=(40, 20_000, 5), trials=10),
    "book": dict(d=50, n_sim=(100, 100_000_000, 13), trials=50),
    "paper": dict(d=200, n_sim=(400, 1_000_000_000, 20), trials=50),
}
# Theory curves: n from 2·d to 10¹⁰, 120 log-spaced points (the smallest floors show).
N_THEORY = (2.0, 1e10, 120)


def describe_n_sweep(c: dict, more_sizes: str = "") -> dict:
    """The ``sizes`` and ``runs`` rows of an n-sweep figure's "the paper | this book" table, from its config ``c``."""
    lo, hi, num = c["n_sim"]
    return dict(
        sizes=f"d = {c['d']}; simulated n: {int(num)} values from {int(lo):,} to {int(hi):,}{more_sizes}",
        runs=f"{c['trials']} trials per simulated point",
    )


def log_ints(lo, hi, num) -> np.ndarray:
    """``num`` integers spread log-uniformly on [lo, hi] (duplicates removed)."""
    return np.unique(np.rint(np.logspace(np.log10(lo), np.log10(hi), num)).astype(np.int64))


def classical_vs_n(setting, n_theory, n_sim, p2s, lam, trials, seed, device, progress=False, **labels):
    """Tidy table of Theorem 1 (``kind="theory"``) and simulation (``kind="simulation"``) vs n.

    One row per (kind, n, p2). ``labels`` are added as constant columns
    (e.g. ``panel="a"``, ``c2=0.5``). The simulation compares with the theory at
    the realised fraction ``p2_eff = round(p2 n)/n``.
    """
    p2s = np.asarray(p2s, dtype=float)
    nt = np.asarray(n_theory, dtype=float)[:, None]
    th = theory.classical(setting, n=nt, p2=p2s[None, :], lam=lam)
    rows = [
        pd.DataFrame(
            {
                "kind": "theory",
                "n": np.broadcast_to(nt, th.total.shape).ravel(),
                "p2": np.broadcast_to(p2s, th.total.shape).ravel(),
                "error": th.total.ravel(),
                "stderr": np.nan,
                "floor": th.floor.ravel(),
                "clean": th.clean.ravel(),
                "p2_eff": np.broadcast_to(p2s, th.total.shape).ravel(),
            }
        )
    ]
    if n_sim is not None and len(n_sim):
        ns = np.asarray(n_sim, dtype=np.int64)[:, None]
        from .. import simulate  # torch, imported when a simulation runs (a chapter that loads a data file needs none)

        sim = simulate.classical(
            setting, n=ns, p2=p2s[None, :], lam=lam, trials=trials, seed=seed, device=device, progress=progress
        )
        th_eff = theory.classical(setting, n=ns, p2=sim.p2_eff, lam=lam)
        shape = sim.mean.shape
        rows.append(
            pd.DataFrame(
                {
                    "kind": "simulation",
                    "n": np.broadcast_to(ns, shape).ravel().astype(float),
                    "p2": np.broadcast_to(p2s, shape).ravel(),
                    "error": sim.mean.ravel(),
                    "stderr": sim.stderr.ravel(),
                    "floor": th_eff.floor.ravel(),
                    "clean": th_eff.clean.ravel(),
                    "p2_eff": sim.p2_eff.ravel(),
                    "theory_at_p2_eff": th_eff.total.ravel(),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    for k, v in labels.items():
        out[k] = v
    out["lam"] = float(lam)
    out["c2"] = setting.c2
    out["d"] = setting.d
    return out
