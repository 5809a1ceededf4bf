"""Monte Carlo simulation (simulate.classical), its ridge kernel, and cl.sample."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import collapse_lib as cl
import collapse_lib.simulate.ridge as sim_ridge
from collapse_lib.simulate.ridge import ridge_errors

S_ISO = cl.Setting.isotropic(40, r2=1.0, c2=0.5, sigma2=0.25)
S_PL = cl.Setting.power_law(30, 1.0, r2=1.0, c2=0.5, sigma2=0.25, sigma2_synth=0.5)


# ---------------------------------------------------------------- reproducibility
def test_same_seed_same_values():
    kw = dict(n=[20, 80], p2=[[0.0], [0.3]], lam=1e-2, trials=6, seed=7, device="cpu")
    a = cl.simulate.classical(S_PL, **kw)
    b = cl.simulate.classical(S_PL, **kw)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.mean, b.mean)
    assert a.seed == 7 and a.trials == 6 and a.device == "cpu"


def test_different_seed_different_values():
    a = cl.simulate.classical(S_PL, n=50, p2=0.2, lam=0.1, trials=5, seed=1)
    b = cl.simulate.classical(S_PL, n=50, p2=0.2, lam=0.1, trials=5, seed=2)
    assert np.all(a.values != b.values)


def test_trials_are_independent_draws():
    r = cl.simulate.classical(S_ISO, n=60, p2=0.1, lam=0.1, trials=8, seed=3)
    assert np.unique(r.values).size == 8


def test_result_at_one_point_does_not_depend_on_the_rest_of_the_grid():
    """Seeding per (seed, n, trial): other n, p2, λ on the grid change nothing (direct sampler)."""
    alone = cl.simulate.classical(S_PL, n=50, p2=0.2, lam=0.1, trials=5, seed=11, method="direct")
    grid = cl.simulate.classical(
        S_PL,
        n=np.array([20, 50, 90])[:, None, None],
        p2=np.array([0.0, 0.2, 1.0])[None, :, None],
        lam=np.array([0.0, 0.1, 2.0])[None, None, :],
        trials=5,
        seed=11,
        method="direct",
    )
    assert grid.values.shape == (3, 3, 3, 5)
    np.testing.assert_allclose(grid.values[1, 1, 1], alone.values, rtol=1e-12, atol=0)
    # and the n = 20 results do not move when n = 90 is dropped
    small = cl.simulate.classical(S_PL, n=[20, 50], p2=0.2, lam=0.1, trials=5, seed=11, method="direct")
    np.testing.assert_allclose(small.values[0], grid.values[0, 1, 1], rtol=1e-12, atol=0)
    np.testing.assert_allclose(small.values[1], alone.values, rtol=1e-12, atol=0)


def test_default_method_does_not_depend_on_other_n():
    """With the default method (which may use the moments sampler for n ≫ d), the
    numbers at one n do not depend on the other n of the grid, nor on λ."""
    kw = dict(p2=[0.0, 0.3], trials=4, seed=21)
    grid = cl.simulate.classical(S_PL, n=np.array([20, 50, 400])[:, None, None], lam=[[0.0], [0.5]], **kw)
    assert grid.values.shape == (3, 2, 2, 4)
    for i, nv in enumerate([20, 50, 400]):
        alone = cl.simulate.classical(S_PL, n=nv, lam=0.5, **kw)
        np.testing.assert_allclose(grid.values[i, 1], alone.values, rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", ["direct", "moments"])
def test_same_seed_same_values_per_method(method):
    kw = dict(n=[60, 200], p2=[[0.0], [0.3]], lam=1e-2, trials=4, seed=7, method=method)
    np.testing.assert_array_equal(cl.simulate.classical(S_PL, **kw).values, cl.simulate.classical(S_PL, **kw).values)


def test_result_does_not_depend_on_chunking(monkeypatch):
    """Force one trial per batch through the memory budget: same numbers (up to
    round-off of batched vs single matrix products, ~1e-16), for both samplers."""
    kw = dict(n=[25, 60, 200], p2=[[0.0], [0.5]], lam=0.05, trials=4, seed=5)  # n = 200: moments sampler
    batched = cl.simulate.classical(S_ISO, **kw)
    monkeypatch.setattr(sim_ridge, "_BUDGET", 1)
    single = cl.simulate.classical(S_ISO, **kw)
    np.testing.assert_allclose(single.values, batched.values, rtol=1e-12, atol=0)


def test_more_trials_extend_the_same_sequence():
    a = cl.simulate.classical(S_ISO, n=30, p2=0.1, lam=0.1, trials=3, seed=9)
    b = cl.simulate.classical(S_ISO, n=30, p2=0.1, lam=0.1, trials=6, seed=9)
    np.testing.assert_allclose(b.values[:3], a.values, rtol=1e-12, atol=0)


# ---------------------------------------------------------------- result object
def test_summary_statistics_and_shapes():
    r = cl.simulate.classical(S_ISO, n=np.array([[30], [70]]), p2=[0.0, 0.1, 1.0], lam=0.3, trials=7, seed=0)
    assert r.mean.shape == (2, 3) and r.stderr.shape == (2, 3) and r.p2_eff.shape == (2, 3)
    assert r.values.shape == (2, 3, 7)
    np.testing.assert_allclose(r.mean, r.values.mean(-1), rtol=1e-13)
    np.testing.assert_allclose(r.stderr, r.values.std(-1, ddof=1) / np.sqrt(7), rtol=1e-12)
    assert np.all(r.values > 0)
    s = cl.simulate.classical(S_ISO, n=30, p2=0.1, lam=0.3, trials=3, seed=0)
    assert isinstance(s.mean, float) and isinstance(s.stderr, float) and s.values.shape == (3,)


def test_p2_eff_is_rounded_fraction():
    n = np.array([7, 10, 33, 101, 1000])[:, None]
    p2 = np.array([0.0, 0.05, 0.1, 0.33, 0.5, 0.77, 1.0])[None, :]
    th_n2 = np.rint(p2 * n)  # round half to even, like numpy/Python round
    r = cl.simulate.classical(cl.Setting.isotropic(5), n=n, p2=p2, lam=0.1, trials=2, seed=0)
    np.testing.assert_allclose(r.p2_eff, th_n2 / n, rtol=0, atol=1e-15)
    assert r.p2_eff[0, 0] == 0.0 and np.all(r.p2_eff[:, -1] == 1.0)
    # cl.sample labels the same number of rows synthetic
    for nv in (7, 10, 33):
        for q in (0.05, 0.5, 0.77):
            assert cl.sample(cl.Setting.isotropic(5), nv, q, seed=0).synthetic.sum() == np.rint(q * nv)


def test_synthetic_rows_get_the_synthetic_teacher():
    """Noiseless, n > d, λ = 0 (least squares recovers the teacher exactly):
    p2 = 0 → error 0; p2 = 1 → ŵ = w₂*, error ‖δ‖²_Σ with mean c²; 0 < p2 < 1 in between."""
    s = cl.Setting.power_law(20, 1.0, r2=1.0, c2=0.5, sigma2=0.0)
    r = cl.simulate.classical(s, n=60, p2=[0.0, 0.5, 1.0], lam=0.0, trials=200, seed=4)
    assert np.all(r.values[0] < 1e-20)
    assert abs(r.mean[2] - s.c2) <= 4 * r.stderr[2]
    assert np.all(r.values[1] > 1e-12) and np.all(r.values[1] < r.values[2] * 1.5 + 1e-9)


def test_lambda_large_shrinks_to_zero_predictor():
    """λ → ∞: ŵ → 0, error → ‖w₁*‖²_Σ with mean r² (and independent of p2)."""
    s = cl.Setting.power_law(25, 0.5, r2=1.0, c2=2.0, sigma2=0.5)
    r = cl.simulate.classical(s, n=40, p2=[0.0, 1.0], lam=1e9, trials=200, seed=8)
    np.testing.assert_allclose(r.values[0], r.values[1], rtol=1e-6)
    assert abs(r.mean[0] - s.r2) <= 4 * r.stderr[0]


@pytest.mark.parametrize("method", ["direct", "moments"])
@pytest.mark.parametrize("n", [40, 150])
def test_least_squares_exact_finite_n_expectation(method, n):
    """λ = 0, n > d + 1, Gaussian design: E (XᵀX)⁻¹ = Σ⁻¹/(n − d − 1) (inverse Wishart), so
    exactly (not only asymptotically)
      p2 = 0: E error = σ₁² d/(n − d − 1);   p2 = 1: E error = c² + σ₂² d/(n − d − 1)
    (ŵ is unbiased for the teacher of its labels)."""
    s = cl.Setting.power_law(12, 1.0, r2=1.0, c2=0.5, sigma2=0.25, sigma2_synth=0.6)
    d = s.d
    r = cl.simulate.classical(s, n=n, p2=[0.0, 1.0], lam=0.0, trials=600, seed=13, method=method)
    expected = np.array([0.25 * d / (n - d - 1), s.c2 + 0.6 * d / (n - d - 1)])
    assert np.all(np.abs(r.mean - expected) <= 4 * r.stderr), (r.mean, r.stderr, expected)


def test_moments_sampler_has_the_law_of_the_direct_one():
    """Mixed p2 (segments both longer and shorter than d), ridge and ridgeless: the
    sufficient-statistics sampler and the direct sampler agree within Monte Carlo error."""
    s = cl.Setting.power_law(10, 1.0, r2=1.0, c2=1.0, sigma2=0.2, sigma2_synth=0.8)
    # n = 40, n_real = 36 and 20: segments of 20, 16 (Bartlett) and 4 (< d, row by row) rows
    kw = dict(n=40, p2=[0.1, 0.5], lam=np.array([0.0, 0.3])[:, None], trials=1500)
    a = cl.simulate.classical(s, method="direct", seed=1, **kw)
    b = cl.simulate.classical(s, method="moments", seed=2, **kw)
    z = (a.mean - b.mean) / np.sqrt(a.stderr**2 + b.stderr**2)
    assert np.all(np.abs(z) < 4), z


def test_moments_sampler_first_moments():
    """draw_moments: E[XᵀX/n] = Σ; noiseless, c² = 0: B = G w₁ exactly for every label set."""
    from collapse_lib.simulate.ridge import draw_moments

    s = cl.Setting(np.array([0.5, 1.0, 2.0]), np.full(3, 0.3), np.zeros(3), 0.0, 0.0)
    G, B, w1 = draw_moments(s, 12, np.array([12, 7, 1, 0]), 2000, 0, 12, 0, torch.device("cpu"), torch.float64)
    assert G.shape == (2000, 3, 3) and B.shape == (2000, 3, 4) and w1.shape == (2000, 3)
    Gm = G.mean(0).numpy()
    np.testing.assert_allclose(np.diag(Gm), s.spectrum, rtol=0.05)
    assert np.all(np.abs(Gm - np.diag(np.diag(Gm))) < 0.05)
    # Wishart: Var(G_ii) = 2 s_i² / n
    np.testing.assert_allclose(G.var(0).numpy().diagonal(), 2 * s.spectrum**2 / 12, rtol=0.15)
    GW = (G @ w1[:, :, None]).numpy()
    for p in range(4):
        np.testing.assert_allclose(B[:, :, p].numpy(), GW[:, :, 0], rtol=1e-10, atol=1e-12)


def test_ridge_errors_from_moments_match_numpy():
    from collapse_lib.simulate.ridge import ridge_errors_from_moments

    rng = np.random.default_rng(3)
    n, d = 30, 8
    s = rng.uniform(0.2, 2.0, d)
    X = rng.standard_normal((2, n, d)) * np.sqrt(s)
    Y = rng.standard_normal((2, n, 3))
    w1 = rng.standard_normal((2, d))
    G = np.einsum("tnd,tne->tde", X, X) / n
    Bm = np.einsum("tnd,tnp->tdp", X, Y) / n
    lams = [0.0, 0.01, 1.0]
    got = ridge_errors_from_moments(torch.tensor(G), torch.tensor(Bm), torch.tensor(w1), s, lams).numpy()
    for t in range(2):
        for p in range(3):
            for k, lam in enumerate(lams):
                ref = _numpy_ridge_error(X[t], Y[t, :, p], w1[t], s, lam)
                assert got[t, p, k] == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize(
    "lams",
    [[0.01, 1.0], [0.0, 0.01, 1.0], list(np.geomspace(1e-3, 1, 8))],
    ids=["cholesky", "eigh(lam=0)", "eigh(many lam)"],
)
def test_ridge_solve_moments_paths_agree_with_numpy(lams):
    """Cholesky (few λ > 0) and eigh (λ = 0 or many λ) give numpy's solve; same numbers either way."""
    from collapse_lib.simulate.ridge import ridge_solve_moments

    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 40, 12))
    G = np.einsum("tnd,tne->tde", X, X) / 40
    B = rng.standard_normal((3, 12, 2))
    got = ridge_solve_moments(torch.tensor(G), torch.tensor(B), lams).numpy()  # (T, d, P, L)
    for k, lam in enumerate(lams):
        ref = np.linalg.solve(G + lam * np.eye(12), B)
        np.testing.assert_allclose(got[..., k], ref, rtol=1e-9, atol=1e-12)


def test_ridge_solve_moments_falls_back_when_cholesky_fails():
    """A matrix that is not positive definite makes Cholesky fail: the eigh route is used, which treats
    directions with μ + λ ≤ 0 (numerically negative eigenvalues of a Gram matrix) as its null space."""
    from collapse_lib.simulate.ridge import ridge_solve_moments

    G = torch.diag(torch.tensor([2.0, 1.0, -0.5], dtype=torch.float64))[None]
    B = torch.ones((1, 3, 1), dtype=torch.float64)
    got = ridge_solve_moments(G, B, [0.1])[0, :, 0, 0].numpy()
    np.testing.assert_allclose(got, [1 / 2.1, 1 / 1.1, 0.0], rtol=1e-12)


def test_draws_do_not_depend_on_the_number_of_threads():
    """Trials are drawn in parallel threads on CPU; each owns its generator, so the numbers are the same."""
    kw = dict(n=[30, 80], p2=0.3, lam=0.1, trials=5, seed=11, method="direct")
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        a = cl.simulate.classical(S_ISO, **kw).values
        torch.set_num_threads(2)
        b = cl.simulate.classical(S_ISO, **kw).values
    finally:
        torch.set_num_threads(old)
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_for_each_trial_reraises():
    from collapse_lib.simulate.common import for_each_trial

    def boom(i):
        if i == 3:
            raise RuntimeError("trial 3 failed")

    old = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        with pytest.raises(RuntimeError, match="trial 3 failed"):
            for_each_trial(boom, 5, torch.device("cpu"))
    finally:
        torch.set_num_threads(old)


def test_method_argument():
    with pytest.raises(ValueError, match=r"^method must be"):
        cl.simulate.classical(S_ISO, n=100, p2=0.1, lam=0.1, trials=2, method="wishart")
    with pytest.raises(ValueError, match=r"method='moments' needs n > d"):
        cl.simulate.classical(S_ISO, n=30, p2=0.1, lam=0.1, trials=2, method="moments")


def test_float32_runs():
    # n = 200 ≥ 2d goes through the moments sampler
    r64 = cl.simulate.classical(S_PL, n=[20, 60, 200], p2=0.1, lam=[[1e-2], [1.0]], trials=40, seed=2)
    r32 = cl.simulate.classical(S_PL, n=[20, 60, 200], p2=0.1, lam=[[1e-2], [1.0]], trials=40, seed=2, dtype="float32")
    assert r32.values.shape == r64.values.shape
    assert np.all(np.isfinite(r32.values)) and np.all(r32.values > 0)
    # the draws differ between dtypes; the means agree within Monte Carlo error
    se = np.sqrt(r32.stderr**2 + r64.stderr**2)
    assert np.all(np.abs(r32.mean - r64.mean) <= 5 * se + 0.05 * r64.mean)


def test_lam0_at_interpolation_threshold_raises():
    with pytest.raises(ValueError, match="lam"):
        cl.simulate.classical(S_ISO, n=40, p2=0.1, lam=0.0, trials=2)
    with pytest.raises(ValueError, match="lam"):
        cl.simulate.classical(S_ISO, n=[20, 40], p2=0.1, lam=[0.0], trials=2)
    # λ > 0 at n = d, and λ = 0 away from it, are fine
    assert np.isfinite(cl.simulate.classical(S_ISO, n=40, p2=0.1, lam=1e-3, trials=2).mean)
    assert np.all(np.isfinite(cl.simulate.classical(S_ISO, n=[20, 80], p2=0.1, lam=0.0, trials=2).mean))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_cuda_matches_cpu_statistically():
    cpu = cl.simulate.classical(S_PL, n=[20, 60], p2=0.2, lam=0.1, trials=60, seed=3, device="cpu")
    gpu = cl.simulate.classical(S_PL, n=[20, 60], p2=0.2, lam=0.1, trials=60, seed=3, device="cuda")
    assert gpu.device.startswith("cuda")
    np.testing.assert_array_equal(
        gpu.values, cl.simulate.classical(S_PL, n=[20, 60], p2=0.2, lam=0.1, trials=60, seed=3, device="cuda").values
    )
    se = np.sqrt(cpu.stderr**2 + gpu.stderr**2)
    assert np.all(np.abs(cpu.mean - gpu.mean) <= 5 * se)


# ---------------------------------------------------------------- the ridge kernel vs numpy
def _numpy_ridge_error(X, y, w1, s, lam):
    n, d = X.shape
    if lam > 0:
        w = np.linalg.solve(X.T @ X / n + lam * np.eye(d), X.T @ y / n)
    else:
        w = np.linalg.pinv(X) @ y  # least squares (d < n) / minimum-norm interpolator (d > n)
    e = w - w1
    return float(e @ (s * e))


@pytest.mark.parametrize("n,d", [(50, 20), (20, 50), (30, 30)])
def test_ridge_errors_match_numpy(n, d):
    rng = np.random.default_rng(n * 100 + d)
    T, P = 3, 2
    s = rng.uniform(0.2, 2.0, d)
    X = rng.standard_normal((T, n, d)) * np.sqrt(s)
    Y = rng.standard_normal((T, n, P))
    w1 = rng.standard_normal((T, d))
    lams = [1e-3, 0.1, 10.0] + ([0.0] if n != d else [])
    got = ridge_errors(torch.tensor(X), torch.tensor(Y), torch.tensor(w1), s, lams).numpy()
    assert got.shape == (T, P, len(lams))
    for t in range(T):
        for p in range(P):
            for k, lam in enumerate(lams):
                ref = _numpy_ridge_error(X[t], Y[t, :, p], w1[t], s, lam)
                assert got[t, p, k] == pytest.approx(ref, rel=1e-8), (t, p, lam)


def test_ridge_errors_min_norm_interpolates():
    """d > n, λ = 0: the dual solution interpolates the labels and is orthogonal to ker X."""
    rng = np.random.default_rng(0)
    n, d = 15, 40
    s = np.ones(d)
    X = rng.standard_normal((1, n, d))
    y = rng.standard_normal((1, n, 1))
    w1 = np.zeros((1, d))
    err = ridge_errors(torch.tensor(X), torch.tensor(y), torch.tensor(w1), s, [0.0]).numpy()
    w = np.linalg.lstsq(X[0], y[0, :, 0], rcond=None)[0]  # numpy's lstsq is the min-norm solution
    assert err[0, 0, 0] == pytest.approx(float(w @ w), rel=1e-8)


def test_simulation_on_sample_draw_matches_direct_fit():
    """A direct numpy ridge fit on cl.sample draws, averaged, agrees with Theorem 1 loosely
    (this checks cl.sample's data model end to end, independently of simulate)."""
    s = cl.Setting.power_law(60, 1.0, r2=1.0, c2=0.5, sigma2=0.25)
    n, p2, lam = 120, 0.25, 0.05
    errs = []
    for seed in range(60):
        smp = cl.sample(s, n, p2, seed=seed)
        w = np.linalg.solve(smp.X.T @ smp.X / n + lam * np.eye(s.d), smp.X.T @ smp.y / n)
        e = w - smp.w1
        errs.append(float(e @ (s.spectrum * e)))
    errs = np.array(errs)
    th = cl.theory.classical(s, n=n, p2=p2, lam=lam).total
    assert abs(errs.mean() - th) <= 4 * errs.std(ddof=1) / np.sqrt(errs.size) + 0.05 * th


# ---------------------------------------------------------------- cl.sample
def test_sample_structure_and_labels():
    s = cl.Setting.power_law(10, 1.0, r2=1.0, c2=0.5, sigma2=0.0)
    smp = cl.sample(s, 50, 0.3, seed=1)
    assert smp.X.shape == (50, 10) and smp.y.shape == (50,) and smp.synthetic.shape == (50,)
    assert smp.synthetic.sum() == 15 and np.all(smp.synthetic[-15:]) and not np.any(smp.synthetic[:-15])
    # noiseless: labels are exactly X w₁* (real rows) and X w₂* (synthetic rows)
    np.testing.assert_allclose(smp.y[~smp.synthetic], smp.X[~smp.synthetic] @ smp.w1, rtol=1e-12)
    np.testing.assert_allclose(smp.y[smp.synthetic], smp.X[smp.synthetic] @ smp.w2, rtol=1e-12)
    assert not np.allclose(smp.w1, smp.w2)
    again = cl.sample(s, 50, 0.3, seed=1)
    np.testing.assert_array_equal(again.X, smp.X)
    assert not np.array_equal(cl.sample(s, 50, 0.3, seed=2).X, smp.X)


def test_sample_covariances():
    """Empirical covariances of inputs, teachers and noise match Σ, Γ, Δ, σ²."""
    d = 4
    s = cl.Setting(
        np.array([0.5, 1.0, 2.0, 4.0]), np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.0, 0.2, 0.1]), 0.3, 0.6
    )
    X = cl.sample(s, 20000, 0.5, seed=0).X
    np.testing.assert_allclose(np.var(X, axis=0), s.spectrum, rtol=0.05)
    W1, D, N1, N2 = [], [], [], []
    for seed in range(2000):
        smp = cl.sample(s, 4, 0.5, seed=seed)
        W1.append(smp.w1)
        D.append(smp.w2 - smp.w1)
        r = smp.y - np.where(smp.synthetic[:, None], smp.X @ smp.w2[:, None], smp.X @ smp.w1[:, None])[:, 0]
        N1.extend(r[~smp.synthetic])
        N2.extend(r[smp.synthetic])
    np.testing.assert_allclose(np.var(W1, axis=0), s.gamma, rtol=0.12)
    np.testing.assert_allclose(np.var(D, axis=0), s.delta, rtol=0.12, atol=1e-12)
    assert np.var(N1) == pytest.approx(0.3, rel=0.08)
    assert np.var(N2) == pytest.approx(0.6, rel=0.08)
    assert d == s.d
