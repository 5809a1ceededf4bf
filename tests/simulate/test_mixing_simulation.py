"""Simulations of the mixing strategies (figures 9-10): identities and agreement with Theorem 1."""

import numpy as np
import pytest
import torch

import collapse_lib as cl
from collapse_lib.simulate.mixing import weighted_ridge


def _ridge(X, y, lam, n):
    return np.linalg.solve(X.T @ X / n + lam * np.eye(X.shape[1]), X.T @ y / n)


def test_weighted_ridge_identities_against_numpy():
    rng = np.random.default_rng(0)
    n1, n2, d, lam = 30, 50, 12, 0.05
    X1, X2 = rng.standard_normal((n1, d)), rng.standard_normal((n2, d))
    y1, y2 = rng.standard_normal(n1), rng.standard_normal(n2)
    t = lambda a: torch.tensor(a)[None]  # noqa: E731
    alphas = [n1 / (n1 + n2), 1.0, 0.3]
    w = weighted_ridge(t(X1), t(X2), t(y1), t(y2), alphas, lam)[0].numpy()
    pooled = _ridge(np.vstack([X1, X2]), np.concatenate([y1, y2]), lam, n1 + n2)
    np.testing.assert_allclose(w[:, 0], pooled, rtol=1e-10, atol=1e-12)  # alpha = p1 is pooling
    np.testing.assert_allclose(w[:, 1], _ridge(X1, y1, lam, n1), rtol=1e-10, atol=1e-12)  # alpha = 1: real only
    a = 0.3
    A = a / n1 * X1.T @ X1 + (1 - a) / n2 * X2.T @ X2 + lam * np.eye(d)
    np.testing.assert_allclose(
        w[:, 2], np.linalg.solve(A, a / n1 * X1.T @ y1 + (1 - a) / n2 * X2.T @ y2), rtol=1e-10, atol=1e-12
    )


def test_weighted_mixing_matches_theorem1_at_pooling_and_real_only():
    s = cl.Setting.isotropic(60, c2=0.5)
    n1, n2, lam = 150, 90, 1e-3
    r = cl.simulate.weighted_mixing(s, n1, n2, [n1 / (n1 + n2), 1.0], lam, trials=80, seed=4)
    pooled = cl.theory.classical(s, n1 + n2, n2 / (n1 + n2), lam).total
    real_only = cl.theory.classical(s, n1, 0.0, lam).total
    for got, se, want in zip(r.mean, r.stderr, (pooled, real_only)):
        assert abs(got - want) <= 4 * se + 0.03 * want


def test_iterative_mixing_round0_is_pooling_and_noiseless_limit_is_real_only_ridge():
    s = cl.Setting.isotropic(40, c2=0.5)
    n1, n2, lam = 160, 160, 1e-2
    n = n1 + n2
    r = cl.simulate.iterative_mixing(s, n1, n2, rounds=60, lam=lam, relabel_noise=False, trials=80, seed=5)
    assert r.mean.shape == (61,)
    pooled = cl.theory.classical(s, n, n2 / n, lam).total
    assert abs(r.mean[0] - pooled) <= 4 * r.stderr[0] + 0.03 * pooled
    # fixed point: (X1ᵀX1/n + λ) w = X1ᵀY1/n, i.e. ridge on the n1 real samples with λ n/n1
    limit = cl.theory.classical(s, n1, 0.0, lam * n / n1).total
    assert abs(r.mean[-1] - limit) <= 4 * r.stderr[-1] + 0.03 * limit
    assert abs(r.mean[-1] - r.mean[-2]) < 1e-6  # converged


def test_iterative_mixing_with_fresh_noise_stays_above_noiseless():
    s = cl.Setting.isotropic(40, c2=0.5)
    kw = dict(n1=160, n2=160, rounds=30, lam=1e-2, trials=40, seed=6)
    noisy = cl.simulate.iterative_mixing(s, relabel_noise=True, **kw)
    clean = cl.simulate.iterative_mixing(s, relabel_noise=False, **kw)
    assert noisy.mean[0] == clean.mean[0]  # same round 0
    assert noisy.mean[-1] > clean.mean[-1]  # relabelling noise accumulates


def test_mixing_validation():
    s = cl.Setting.isotropic(10)
    with pytest.raises(ValueError, match="alpha"):
        cl.simulate.weighted_mixing(s, 20, 20, 1.5, 0.1)
    with pytest.raises(ValueError, match="n2 = 0 needs alpha = 1"):
        cl.simulate.weighted_mixing(s, 20, 0, 0.5, 0.1)
    with pytest.raises(ValueError, match="n1"):
        cl.simulate.weighted_mixing(s, -3, 20, 0.5, 0.1)
    with pytest.raises(ValueError, match="rounds"):
        cl.simulate.iterative_mixing(s, 20, 20, -1, 0.1)
    with pytest.raises(ValueError, match="lam"):
        cl.simulate.iterative_mixing(s, 20, 20, 2, -0.1)


def test_moments_sampler_has_the_law_of_the_direct_simulation():
    """Same estimators from XᵀX and the noise sums (Wishart/Bartlett) as from the inputs: equal means."""
    from collapse_lib.simulate.mixing import iterative_mixing_terms

    s = cl.Setting.power_law(20, 1.0, c2=0.5)
    kw = dict(n1=60, n2=80, rounds=4, lam=1e-2, trials=150)
    a = cl.simulate.iterative_mixing(s, method="direct", seed=1, **kw)
    b = cl.simulate.iterative_mixing(s, method="moments", seed=2, **kw)
    assert np.all(np.abs(a.mean - b.mean) <= 4 * np.hypot(a.stderr, b.stderr))
    t1 = iterative_mixing_terms(s, method="direct", seed=1, **kw)
    t2 = iterative_mixing_terms(s, method="moments", seed=2, **kw)
    assert np.all(np.abs(t1.total - t2.total) <= 4 * np.hypot(t1.total_stderr, t2.total_stderr))
    al = [0.2, 0.7]
    w1 = cl.simulate.weighted_mixing(s, 60, 80, al, 1e-2, trials=150, seed=1, method="direct")
    w2 = cl.simulate.weighted_mixing(s, 60, 80, al, 1e-2, trials=150, seed=2, method="moments")
    assert np.all(np.abs(w1.mean - w2.mean) <= 4 * np.hypot(w1.stderr, w2.stderr))


def test_design_only_terms_agree_with_full_simulation():
    """Two estimators of the same expected error: average over X only vs over X, teachers and noise."""
    from collapse_lib.simulate.mixing import iterative_mixing_terms, weighted_mixing_terms

    s = cl.Setting.isotropic(20, c2=0.5)
    t = iterative_mixing_terms(s, 50, 50, 5, 1e-2, trials=60, seed=1)
    f = cl.simulate.iterative_mixing(s, 50, 50, 5, 1e-2, trials=300, seed=2)
    assert np.all(np.abs(t.total - f.mean) <= 4 * np.hypot(t.total_stderr, f.stderr))
    al = [0.0, 0.5, 1.0]
    t = weighted_mixing_terms(s, 50, 50, al, 1e-2, trials=60, seed=1)
    f = cl.simulate.weighted_mixing(s, 50, 50, al, 1e-2, trials=300, seed=2)
    assert np.all(np.abs(t.total - f.mean) <= 4 * np.hypot(t.total_stderr, f.stderr))


def test_seeded_and_chunk_independent():
    s = cl.Setting.isotropic(10)
    a = cl.simulate.iterative_mixing(s, 30, 30, 3, 0.1, trials=6, seed=9)
    b = cl.simulate.iterative_mixing(s, 30, 30, 3, 0.1, trials=6, seed=9)
    np.testing.assert_array_equal(a.values, b.values)
    c = cl.simulate.iterative_mixing(s, 30, 30, 3, 0.1, trials=3, seed=9)
    np.testing.assert_allclose(c.values, a.values[:, :3], rtol=1e-12)  # trial t depends on (seed, t) only
    with pytest.raises(ValueError, match="method"):
        cl.simulate.weighted_mixing(s, 30, 30, 0.5, 0.1, method="fast")
