"""The same (setting, n, m, seed) gives the same number whatever else is on the grid; the moments route is O(d²).

* Random projections: the columns of S are drawn in fixed blocks from the trial's stream and
  SSᵀ is summed over whole blocks, so width m gives bit-identical numbers alone or next to any
  other widths (it does not depend on the widest width requested).
* The Wishart ("moments") route of the classical simulation never allocates anything of length n:
  n = 10¹³ runs (a length-n arange would take 80 TB), and the peak memory of a paper-scale
  Figure 2 call at n = 10⁹ stays within what its d × d moments need.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import collapse_lib as cl
from collapse_lib.simulate.ridge import draw_moments, ridge_errors_from_moments

ROOT = Path(__file__).resolve().parents[2]
S = cl.Setting.power_law(12, 1.0, c2=0.7)


def rp(m, n=30, **kw):
    args = dict(p2=0.2, lam=1e-3, trials=3, seed=4)
    args.update(kw)
    return cl.simulate.random_projections(S, n=n, m=m, **args).values


@pytest.mark.parametrize(
    "width,others",
    [
        (3, [5]),
        (3, [5, 64, 65, 200]),
        (20, [3, 70, 129]),  # feature route
        (64, [3, 200]),
        (65, [64, 128]),
        (129, [18, 64, 300]),
    ],
)  # input space
def test_rp_width_does_not_depend_on_the_other_widths(width, others):
    alone = rp([width])[0]
    grid = sorted(set(others) | {width})
    together = rp(grid)[grid.index(width)]
    np.testing.assert_array_equal(alone, together)  # bit for bit


def test_rp_point_does_not_depend_on_other_sizes_p2_or_lam():
    alone = rp([40])[0]
    np.testing.assert_array_equal(rp(np.array([40]), n=np.array([[30], [50]]))[0, 0], alone)  # other n
    with_p2 = cl.simulate.random_projections(S, n=30, m=40, p2=[0.2, 0.6], lam=1e-3, trials=3, seed=4).values[0]
    with_lam = cl.simulate.random_projections(S, n=30, m=40, p2=0.2, lam=[1e-3, 1e-1], trials=3, seed=4).values[0]
    # other label sets / penalties share the factorisation: equal up to the rounding of a batched solve
    np.testing.assert_allclose(with_p2, alone, rtol=1e-12)
    np.testing.assert_allclose(with_lam, alone, rtol=1e-12)


def test_rp_seed_changes_the_draws():
    assert not np.allclose(rp([10], seed=4), rp([10], seed=5))


def test_moments_route_is_its_documented_composition():
    """classical(method='moments') = draw_moments (Wishart/Bartlett) + ridge on the moments, the same draws."""
    n, p2, lam = 10**6, np.array([0.0, 0.25]), [1e-3]
    r = cl.simulate.classical(S, n=n, p2=p2, lam=lam[0], trials=3, seed=7, method="moments")
    n2 = np.rint(p2 * n).astype(np.int64)
    G, B, w1 = draw_moments(S, n, n - n2, 3, 7, n, 0, torch.device("cpu"), torch.float64)
    direct = ridge_errors_from_moments(G, B, w1, S.spectrum, lam)[:, :, 0].T.numpy()
    np.testing.assert_array_equal(r.values, direct)


def test_moments_route_needs_no_memory_in_n():
    r = cl.simulate.classical(
        cl.Setting.isotropic(5), n=10**13, p2=[0.0, 0.3], lam=0.0, trials=2, seed=0, method="moments"
    )
    assert np.all(np.isfinite(r.mean)) and np.all(r.mean >= 0)


def test_moments_peak_memory_at_paper_scale_n():
    """Figure 2's setting at n = 10⁹ (d = 200, 7 values of p₂): peak RSS grows by far less than one length-n array.

    Measured in a fresh process (ru_maxrss after the imports vs after the call). The moments need
    trials × (p₂ cuts + 1) × d² doubles (~13 MB here); a single length-n int64 array would be 8 GB.
    """
    code = """
import resource, numpy as np, collapse_lib as cl
s = cl.Setting.isotropic(200)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cl.simulate.classical(s, n=10**9, p2=[0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5], lam=0.0, trials=5, seed=0,
                      method="moments")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    grown_mib = int(p.stdout.split()[-1]) / 1024
    assert grown_mib < 300, f"peak memory grew by {grown_mib:.0f} MiB"
