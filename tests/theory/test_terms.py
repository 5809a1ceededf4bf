"""simulate.classical_terms: B, V and ζ of Theorem 1 estimated separately."""

import numpy as np
import pytest

import collapse_lib as cl

POINTS = [  # (setting, n, p2, lam)
    (cl.Setting.power_law(100, 1.0, sigma2=0.25, sigma2_synth=1.0), 50, 0.3, 0.05),
    (cl.Setting.power_law(100, 1.0, sigma2=0.25, sigma2_synth=1.0), 800, 0.3, 0.05),
    (cl.Setting.isotropic(80, c2=1.0), 200, 0.5, 1e-3),
    (cl.Setting.isotropic(80, c2=1.0), 60, 1.0, 0.1),
]


@pytest.mark.parametrize("setting,n,p2,lam", POINTS)
def test_each_term_matches_theorem1(setting, n, p2, lam):
    r = cl.simulate.classical_terms(setting, n, p2, lam, trials=40, seed=11)
    th = cl.theory.classical(setting, n, r.p2_eff, lam)
    for name in ("bias", "variance", "zeta"):
        mc, se, want = getattr(r, name), getattr(r, f"{name}_stderr"), getattr(th, name)
        # 4 s.e. plus 3% for O(1/d) finite-size corrections (d = 80-100)
        assert abs(mc - want) <= 4 * se + 0.03 * want, (name, mc, se, want)


def test_sum_of_terms_agrees_with_full_simulation():
    """Two different estimators of the same expected error (X only vs X, teachers and noise)."""
    s = cl.Setting.power_law(60, 1.5, sigma2=0.3, sigma2_synth=0.6)
    r = cl.simulate.classical_terms(s, 150, 0.4, 0.01, trials=60, seed=2)
    sim = cl.simulate.classical(s, 150, 0.4, 0.01, trials=200, seed=3)
    se = np.sqrt(r.bias_stderr**2 + r.variance_stderr**2 + r.zeta_stderr**2 + sim.stderr**2)
    assert abs(r.total - sim.mean) <= 4 * se


def test_terms_vanish_exactly_when_their_source_does():
    s = cl.Setting.isotropic(30, c2=0.0, sigma2=0.0)
    r = cl.simulate.classical_terms(s, 100, 0.5, 0.0, trials=3, seed=0)
    assert r.bias == 0.0 and r.variance == 0.0 and r.zeta == 0.0
    r = cl.simulate.classical_terms(cl.Setting.isotropic(30), 100, 0.0, 0.1, trials=3, seed=0)
    assert r.zeta == 0.0 and r.bias > 0 and r.variance > 0


def test_same_seed_same_numbers_and_validation():
    s = cl.Setting.isotropic(20)
    a = cl.simulate.classical_terms(s, 50, 0.2, 0.1, trials=4, seed=5)
    b = cl.simulate.classical_terms(s, 50, 0.2, 0.1, trials=4, seed=5)
    assert a == b
    with pytest.raises(ValueError, match="lam=0"):
        cl.simulate.classical_terms(s, 20, 0.2, 0.0)
    with pytest.raises(ValueError, match="p2"):
        cl.simulate.classical_terms(s, 50, 1.2, 0.1)
