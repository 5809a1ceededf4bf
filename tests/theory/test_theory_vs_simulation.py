"""Theorem 1 (theory.classical) against Monte Carlo (simulate.classical).

Tolerance: |sim − theory| ≤ 4·stderr + 3 % · theory.

* 4·stderr: Monte Carlo error of the trial mean (a fixed seed makes the test
  deterministic; 4σ leaves room for the rough stderr estimate at 40–60 trials).
* 3 % relative: Theorem 1 is a proportionate-limit deterministic equivalent;
  at d ≈ 100–200 its finite-size corrections are O(1/d), and O(1/|n − d|)
  near the interpolation threshold (e.g. for isotropic least squares the exact
  variance is σ²d/(n − d − 1) against the limit σ²d/(n − d): 2.5 % at
  n − d = 40). 3 % covers these at the points below.

The largest relative gap and the largest |z| = |sim − theory|/stderr are
collected and printed by ``test_report_largest_gap`` (visible with ``-rA``).
"""

from __future__ import annotations

import numpy as np
import pytest

import collapse_lib as cl

SEED = 12345
REL_ALLOWANCE = 0.03
N_SIGMA = 4.0

# (label, spectrum kind, d, n, p2, lam, trials)
POINTS = [
    ("iso phi=0.5 p2=0.1 lam=1e-3", "iso", 200, 400, 0.1, 1e-3, 50),
    ("iso phi=1.25 p2=0.1 lam=1e-3 (near threshold)", "iso", 200, 160, 0.1, 1e-3, 60),
    ("iso phi=0.8 p2=1 lam=0 (near threshold, least squares)", "iso", 160, 200, 1.0, 0.0, 60),
    ("iso phi=2 p2=0.1 lam=0 (min-norm)", "iso", 200, 100, 0.1, 0.0, 50),
    ("iso phi=0.1 p2=0.1 lam=0 (near the floor)", "iso", 100, 1000, 0.1, 0.0, 40),
    ("iso phi=0.5 p2=1 lam=1", "iso", 150, 300, 1.0, 1.0, 40),
    ("power-law phi=2 p2=0.1 lam=1", "pl", 200, 100, 0.1, 1.0, 50),
    ("power-law phi=0.5 p2=0 lam=1", "pl", 200, 400, 0.0, 1.0, 40),
    ("power-law phi=1.25 p2=1 lam=1e-3 (near threshold)", "pl", 150, 120, 1.0, 1e-3, 60),
    ("power-law phi=0.8 p2=0 lam=1e-3 (near threshold)", "pl", 120, 150, 0.0, 1e-3, 60),
    # non-uniform Γ, Δ on a random spectrum, σ₁² ≠ σ₂² (tests σ² = p₁σ₁² + p₂σ₂²)
    ("generic phi=1.5 p2=0.5 lam=0.1 (sigma1^2=0.1, sigma2^2=1)", "generic", 150, 100, 0.5, 0.1, 50),
]

GAPS: list[tuple[float, float, str]] = []  # (relative gap, z, label)


def _setting(kind, d):
    if kind == "generic":
        rng = np.random.default_rng(42)
        return cl.Setting(
            rng.uniform(0.2, 3.0, d),
            rng.uniform(0, 2, d) / d,
            rng.uniform(0, 1, d) / d,
            sigma2_real=0.1,
            sigma2_synth=1.0,
        )
    if kind == "iso":
        return cl.Setting.isotropic(d, r2=1.0, c2=0.5, sigma2=0.25)
    return cl.Setting.power_law(d, 1.0, r2=1.0, c2=0.5, sigma2=0.25)


@pytest.mark.parametrize("label,kind,d,n,p2,lam,trials", POINTS, ids=[p[0] for p in POINTS])
def test_theory_matches_simulation(label, kind, d, n, p2, lam, trials):
    s = _setting(kind, d)
    sim = cl.simulate.classical(s, n=n, p2=p2, lam=lam, trials=trials, seed=SEED, device="cpu")
    th = cl.theory.classical(s, n=n, p2=sim.p2_eff, lam=lam)
    assert np.isfinite(sim.mean) and np.isfinite(sim.stderr) and sim.stderr > 0
    assert np.isfinite(th.total) and th.total > 0
    gap = abs(sim.mean - th.total)
    GAPS.append((gap / th.total, (sim.mean - th.total) / sim.stderr, label))
    tol = N_SIGMA * sim.stderr + REL_ALLOWANCE * th.total
    assert gap <= tol, (
        f"{label}: simulation {sim.mean:.5g} ± {sim.stderr:.2g} vs theory {th.total:.5g} "
        f"(gap {gap:.3g} > tolerance {tol:.3g})"
    )


def test_simulation_resolves_the_synthetic_term():
    """The agreement above is not vacuous: near the floor (φ = 0.05) the synthetic term ζ
    is several tolerances large, the simulation sees it, and the clean law alone
    (what the error would be without the synthetic mismatch) is rejected."""
    s = _setting("iso", 100)
    sim = cl.simulate.classical(s, n=2000, p2=[0.0, 0.2], lam=0.0, trials=40, seed=SEED)
    th = cl.theory.classical(s, n=2000, p2=sim.p2_eff, lam=0.0)
    tol = N_SIGMA * sim.stderr + REL_ALLOWANCE * th.total
    assert th.zeta[0] == 0 and th.zeta[1] > 4 * tol[1]
    assert np.all(np.abs(sim.mean - th.total) <= tol)
    assert abs(sim.mean[1] - th.clean[1]) > 3 * tol[1]
    # the floor p2² c² is reached to within the O(φ) excess
    assert sim.mean[1] > 0.2**2 * s.c2


def test_power_law_ridgeless_just_above_threshold():
    """Power-law Σ (d = 120, α = 1.2), n = 110, λ = 0, p2 = 0.1: a point where the κ
    solver's Newton iterate lands exactly on the root (test_theory_limits.py::
    test_solve_kappa_exact_zero_residual), checked here against simulation,
    independently of any reference code.

    Close to the threshold (n − d = −10) the finite-size correction is large
    (≈ 10 %), hence the loose 25 % allowance here."""
    s = cl.Setting.power_law(120, 1.2, r2=2.0, c2=0.3, sigma2=0.1)
    sim = cl.simulate.classical(s, n=110, p2=0.1, lam=0.0, trials=60, seed=SEED)
    th = cl.theory.classical(s, n=110, p2=sim.p2_eff, lam=0.0)
    assert abs(sim.mean - th.total) <= N_SIGMA * sim.stderr + 0.25 * th.total, (sim.mean, sim.stderr, th.total)


def test_report_largest_gap():
    """Print the largest relative theory-vs-simulation gap of this module (run with -rA)."""
    if not GAPS:
        pytest.skip("no theory-vs-simulation point ran")
    rel, z, label = max(GAPS)
    zmax = max(abs(g[1]) for g in GAPS)
    print(
        f"\nlargest relative theory-vs-simulation gap: {rel:.2%} at [{label}] (z = {z:+.2f}); "
        f"largest |z| over {len(GAPS)} points: {zmax:.2f}"
    )
    for r, zz, lab in sorted(GAPS, reverse=True):
        print(f"  {r:7.2%}  z={zz:+.2f}  {lab}")
    assert rel < 0.15  # a sanity bound far looser than the per-point tolerance
