"""prediction_error: the §2 test error against a Monte Carlo average over fresh inputs."""

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.sampling import prediction_error


def test_prediction_error_is_mean_squared_gap_on_fresh_inputs():
    st = cl.Setting.power_law(30, 1.0, c2=0.5)
    smp = cl.sample(st, 200_000, p2=0.0, seed=3)  # X ~ N(0, Σ) in Σ's eigenbasis
    gap = smp.X @ (smp.w2 - smp.w1)
    mc, se = np.mean(gap**2), np.std(gap**2) / np.sqrt(gap.size)
    assert abs(prediction_error(st, smp.w2, smp.w1) - mc) < 4 * se


def test_prediction_error_shapes():
    st = cl.Setting.isotropic(5)
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        prediction_error(st, np.zeros(4), np.zeros(5))
