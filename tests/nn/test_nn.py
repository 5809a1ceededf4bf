"""Random features and trained two-layer networks (collapse_lib.nn) and the figure 6/7 recipes."""

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

import collapse_lib as cl  # noqa: E402
from collapse_lib.nn import RandomFeaturesRegressor, TrainSpec, fit_readout, train_two_layer  # noqa: E402
from collapse_lib.nn.experiments import gaussian_width_sweep, synthetic_mask  # noqa: E402
from collapse_lib.simulate.common import trial_generator  # noqa: E402


# ----------------------------------------------------------------- random features = random projections
@pytest.mark.parametrize("n,m,lam", [(50, 20, 1e-2), (30, 60, 1e-3), (30, 60, 0.0), (50, 20, 0.0)])
def test_linear_rf_is_ridge_on_projected_features(n, m, lam):
    """activation='linear': v̂ solves (ZᵀZ/n + λ)v = Zᵀy/n on z = Sᵀx (min-norm least squares at λ = 0)."""
    d = 40
    g = torch.Generator().manual_seed(1)
    X = torch.randn(n, d, dtype=torch.float64, generator=g)
    y = torch.randn(n, dtype=torch.float64, generator=g)
    rf = RandomFeaturesRegressor(d, m, activation="linear", generator=torch.Generator().manual_seed(2)).fit(X, y, lam)
    Z = (X @ rf.S).numpy()
    if lam > 0:
        v = np.linalg.solve(Z.T @ Z / n + lam * np.eye(m), Z.T @ y.numpy() / n)
    else:
        v = np.linalg.pinv(Z) @ y.numpy()
    np.testing.assert_allclose(rf.v.numpy(), v, rtol=1e-7, atol=1e-9)
    assert rf.S.shape == (d, m)
    np.testing.assert_allclose(rf.predict(X).numpy(), Z @ v, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("lam", [1e-3, 0.0])
def test_dual_readout_is_the_primal_ridge_predictor(lam):
    """Dual form (m > n): K_test (K/n + λI)⁻¹ Y/n equals the primal ridge on explicit features, for nested n.

    Reference: the readout of fit_readout on the explicit float64 feature matrix (λ = 0: the
    minimum-norm least-squares solution, computed by numpy's pinv independently of the library).
    """
    from collapse_lib.nn.experiments import _rf_dual

    g = torch.Generator().manual_seed(0)
    X, Xt = torch.randn(300, 20, generator=g), torch.randn(50, 20, generator=g)
    Y = torch.randn(300, 4, generator=g)
    S = torch.randn(20, 700, generator=g) / np.sqrt(20)
    ns = np.array([50, 120, 300])
    for n, pred in zip(ns, _rf_dual(X.numpy(), Xt, Y, S, ns, lam, "relu")):
        F = torch.relu(X[:n].double() @ S.double()).numpy()
        Ft = torch.relu(Xt.double() @ S.double()).numpy()
        if lam > 0:
            v = np.linalg.solve(F.T @ F / n + lam * np.eye(F.shape[1]), F.T @ Y[:n].double().numpy() / n)
        else:
            v = np.linalg.pinv(F) @ Y[:n].double().numpy()
        ref = Ft @ v
        assert np.abs(pred.numpy() - ref).max() < 1e-3 * np.abs(ref).max(), n


def test_feature_grams_sum_over_blocks_and_check_shapes():
    g = torch.Generator().manual_seed(1)
    X, Xt, S = torch.randn(30, 6, generator=g), torch.randn(7, 6, generator=g), torch.randn(6, 50, generator=g)
    K, Kt = cl.nn.feature_grams(X, Xt, S, block=16)  # 50 features in blocks of 16, 16, 16, 2
    F, Ft = torch.relu(X.double() @ S.double()), torch.relu(Xt.double() @ S.double())
    torch.testing.assert_close(K, F @ F.T, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(Kt, Ft @ F.T, rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="X and X_test"):
        cl.nn.feature_grams(X[:, :5], Xt, S)
    with pytest.raises(ValueError, match="block"):
        cl.nn.feature_grams(X, Xt, S, block=0)


def test_mnist_sweep_takes_the_dual_route_when_wider_than_n():
    """Above max(n) the sweep uses the Gram matrices (never an m × m matrix) and gives the same numbers."""
    import collapse_lib.nn.experiments as E

    split = E.mnist_split(0)
    teacher = E.WeakTeacher(split, 100)
    kw = dict(split=split, teacher=teacher, ns=[40, 90], p2s=[0.0, 0.5], lam=1e-3, trials=1, seed=3)
    wide = E.mnist_random_features(width=120, **kw)  # dual: 120 > 90
    calls = []
    real = E._rf_primal
    try:
        E._rf_primal = lambda *a, **k: calls.append(1) or real(*a, **k)
        E.mnist_random_features(width=120, **kw)
        assert not calls
        E.mnist_random_features(width=80, **kw)  # primal: 80 < 90
        assert calls
    finally:
        E._rf_primal = real
    # the same S and rows through the primal route (called directly) give the same test error
    g = E.trial_generator(3, (71, 0), "cpu")
    S = E.draw_projection(784, 120, g, "cpu", torch.float32)
    perm = np.random.default_rng(np.random.SeedSequence([3, 72, 0])).permutation(split.X_pool.shape[0])[:90]
    Y = torch.as_tensor(E._mixture_labels(split, teacher, perm, [0.0, 0.5])).permute(1, 0, 2).reshape(90, 20)
    Xte = torch.as_tensor(split.X_test)
    Yte = torch.as_tensor(np.eye(10, dtype=np.float32)[split.y_test])
    for i, pred in enumerate(E._rf_primal(split.X_pool[perm], Xte, Y, S, np.array([40, 90]), 1e-3, "relu")):
        err = ((pred.reshape(-1, 2, 10).permute(1, 0, 2) - Yte) ** 2).sum(-1).mean(-1).numpy()
        np.testing.assert_allclose(wide.error.to_numpy()[2 * i : 2 * i + 2], err, rtol=1e-3)


def test_projection_entries_have_variance_one_over_d():
    S = RandomFeaturesRegressor(400, 500, generator=torch.Generator().manual_seed(0)).S
    assert abs(S.var().item() * 400 - 1) < 0.02 and abs(S.mean().item()) < 0.01


def _rf_linear_errors(setting, n, m, p2, lam, trials, seed):
    """Monte Carlo of the RP experiment with RandomFeaturesRegressor(activation='linear')."""
    d, errs = setting.d, []
    n2 = int(round(p2 * n))
    for t in range(trials):
        g = trial_generator(seed, (t,), "cpu")
        X = torch.randn(n, d, dtype=torch.float64, generator=g) * torch.tensor(np.sqrt(setting.spectrum))
        w1 = torch.randn(d, dtype=torch.float64, generator=g) * torch.tensor(np.sqrt(setting.gamma))
        w2 = w1 + torch.randn(d, dtype=torch.float64, generator=g) * torch.tensor(np.sqrt(setting.delta))
        e = torch.randn(n, dtype=torch.float64, generator=g) * np.sqrt(setting.sigma2_real)
        y = torch.cat([X[: n - n2] @ w1, X[n - n2 :] @ w2]) + e
        rf = RandomFeaturesRegressor(d, m, activation="linear", generator=g).fit(X, y, lam)
        diff = (rf.effective_weights - w1).numpy()
        errs.append(float(diff @ (setting.spectrum * diff)))
    errs = np.array(errs)
    return errs.mean(), errs.std(ddof=1) / np.sqrt(trials)


@pytest.mark.parametrize("m", [20, 60])
def test_linear_rf_monte_carlo_matches_rp_simulation_and_theory(m):
    """Same law as simulate.random_projections (within Monte Carlo error) and close to Theorem 2."""
    from collapse_lib.simulate.projections import random_projections as sim_rp
    from collapse_lib.theory.projections import random_projections as th_rp

    s = cl.Setting.isotropic(40, r2=1.0, c2=0.5, sigma2=0.25)
    n, p2, lam, trials = 80, 0.25, 1e-2, 150
    mean, se = _rf_linear_errors(s, n, m, p2, lam, trials, seed=11)
    ref = sim_rp(s, n=n, m=m, p2=p2, lam=lam, trials=trials, seed=5)
    z = (mean - ref.mean) / np.hypot(se, ref.stderr)
    assert abs(z) < 4, (mean, se, ref.mean, ref.stderr)
    theory = float(th_rp(s, n=n, m=m, p2=p2, lam=lam).total)
    assert abs(mean - theory) < 4 * se + 0.1 * theory, (mean, se, theory)


def test_rf_errors_name_arguments():
    with pytest.raises(ValueError, match="activation"):
        RandomFeaturesRegressor(3, 4, activation="sigmoid")
    with pytest.raises(ValueError, match="width"):
        RandomFeaturesRegressor(3, 0)
    rf = RandomFeaturesRegressor(3, 4)
    with pytest.raises(RuntimeError, match="fit"):
        rf.predict(torch.zeros(2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="columns"):
        rf.fit(torch.zeros(5, 4, dtype=torch.float64), torch.zeros(5, dtype=torch.float64), 0.1)
    with pytest.raises(ValueError, match="lam"):
        fit_readout(torch.ones(5, 2), torch.ones(5), -1.0)
    with pytest.raises(ValueError, match="effective_weights"):
        RandomFeaturesRegressor(3, 4, activation="relu").fit(
            torch.ones(5, 3, dtype=torch.float64), torch.ones(5, dtype=torch.float64), 0.1
        ).effective_weights


# ----------------------------------------------------------------- two-layer networks
def _toy(B=3, n=64, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g)
    Y = torch.stack([X @ torch.randn(d, 2, generator=g) for _ in range(B)])
    return X, Y


def test_short_training_lowers_the_loss():
    X, Y = _toy()
    gens = [torch.Generator().manual_seed(i) for i in range(3)]
    res = train_two_layer(X, Y, TrainSpec(width=32, steps=200, lr=1e-2, eval_every=10), gens)
    assert np.all(res.train_loss[-1] < 0.2 * res.train_loss[0])
    assert res.train_loss.shape == (20, 3) and res.steps_run == 200


def test_same_seed_same_networks_on_cpu():
    X, Y = _toy()
    spec = TrainSpec(width=16, steps=50, lr=1e-2, batch_size=16)

    def run(s):
        gens = [torch.Generator().manual_seed(s + i) for i in range(3)]
        return train_two_layer(X, Y, spec, gens, batch_generator=torch.Generator().manual_seed(s)).nets.predict(X)

    assert torch.equal(run(0), run(0))
    assert not torch.allclose(run(0), run(1))


def test_batched_networks_train_independently():
    """Network b of a batch follows the same trajectory as when trained alone (sum of losses)."""
    X, Y = _toy(B=3)
    spec = TrainSpec(width=8, steps=30, lr=1e-2)
    together = train_two_layer(X, Y, spec, [torch.Generator().manual_seed(i) for i in range(3)]).nets.predict(X)
    alone = train_two_layer(X, Y[1:2], spec, [torch.Generator().manual_seed(1)]).nets.predict(X)
    torch.testing.assert_close(together[1], alone[0], rtol=1e-4, atol=1e-5)


def test_fused_adam_matches_the_textbook_update():
    """One full-batch Adam step from the initialisation: θ₁ = θ₀ − lr·sign-like step m̂/(√v̂ + ε) = θ₀ − lr·g/(|g| + ε)."""
    X, Y = _toy(B=1, n=32)
    spec = TrainSpec(width=8, steps=1, lr=1e-2)
    init = cl.nn.init_networks(X.shape[1], 8, Y.shape[-1], [torch.Generator().manual_seed(0)], X.device)
    params = [p.clone().requires_grad_(True) for p in init.params]
    loss = cl.nn.mse(cl.nn.TwoLayerNets(*params).predict(X), Y).sum()
    grads = torch.autograd.grad(loss, params)
    expected = [p.detach() - spec.lr * gr / (gr.abs() + 1e-8) for p, gr in zip(params, grads)]
    res = train_two_layer(X, Y, spec, [torch.Generator().manual_seed(0)])
    for got, exp in zip(res.nets.params, expected):
        torch.testing.assert_close(got.detach(), exp, rtol=1e-5, atol=1e-6)


def test_untracked_train_loss_is_nan_and_changes_nothing_else():
    X, Y = _toy(B=2)
    gens = lambda: [torch.Generator().manual_seed(i) for i in range(2)]  # noqa: E731
    a = train_two_layer(X, Y, TrainSpec(width=8, steps=40, lr=1e-2, eval_every=10), gens())
    b = train_two_layer(X, Y, TrainSpec(width=8, steps=40, lr=1e-2, eval_every=10, track_train_loss=False), gens())
    assert np.all(np.isnan(b.train_loss)) and np.all(np.isfinite(a.train_loss))
    assert torch.equal(a.nets.predict(X), b.nets.predict(X))
    with pytest.raises(TypeError, match="track_train_loss"):
        TrainSpec(width=4, track_train_loss="no")


def test_early_stopping_keeps_best_validation_checkpoint():
    X, Y = _toy(B=2, n=40)
    Xv, Yv = _toy(B=2, n=40, seed=1)
    gens = [torch.Generator().manual_seed(i) for i in range(2)]
    noisy = Y + 2 * torch.randn(Y.shape, generator=torch.Generator().manual_seed(3))  # invites overfitting
    res = train_two_layer(X, noisy, TrainSpec(width=64, steps=300, lr=1e-2, eval_every=10), gens, X_val=X, Y_val=Y)
    best = res.val_loss.min(axis=0)
    final_val = cl.nn.mse(res.nets.predict(X), Y).detach().numpy()
    np.testing.assert_allclose(final_val, best, rtol=1e-5)
    assert np.all(res.best_step == res.history_steps[res.val_loss.argmin(axis=0)])
    assert Xv.shape == X.shape


def test_patience_counts_only_improvements_above_min_improvement():
    """Slow learning (tiny lr): every check lowers the validation loss a little. Any decrease resets the
    patience count by default, so the run uses its whole budget; with a 5% threshold it stops after patience."""
    X, Y = _toy(B=2, n=40)
    gens = lambda: [torch.Generator().manual_seed(i) for i in range(2)]  # noqa: E731
    kw = dict(width=16, steps=200, lr=1e-5, eval_every=10, patience=3)
    plain = train_two_layer(X, Y, TrainSpec(**kw), gens(), X_val=X, Y_val=Y)
    assert plain.steps_run == 200 and np.all(np.diff(plain.val_loss, axis=0) < 0)
    strict = train_two_layer(X, Y, TrainSpec(**kw, min_improvement=0.05), gens(), X_val=X, Y_val=Y)
    assert strict.steps_run == 40  # the first check improves on +inf, the next three do not count
    assert np.all(strict.best_step == 40)  # the best parameters are still kept at every decrease
    with pytest.raises(ValueError, match="min_improvement"):
        TrainSpec(width=4, min_improvement=1.5)


def test_training_errors_name_arguments():
    X, Y = _toy(B=2)
    gens = [torch.Generator() for _ in range(2)]
    for kw, word in [
        (dict(width=0), "width"),
        (dict(width=4, lr=-1.0), "lr"),
        (dict(width=4, optimizer="lbfgs"), "optimizer"),
        (dict(width=4, batch_size=0), "batch_size"),
    ]:
        with pytest.raises((ValueError, TypeError), match=word):
            TrainSpec(**kw)
    with pytest.raises(ValueError, match="generators"):
        train_two_layer(X, Y, TrainSpec(width=4, steps=1), gens[:1])
    with pytest.raises(ValueError, match="patience"):
        train_two_layer(X, Y, TrainSpec(width=4, steps=1, patience=2), gens)
    with pytest.raises(ValueError, match="X_val"):
        train_two_layer(X, Y, TrainSpec(width=4, steps=1), gens, X_val=X)


# ----------------------------------------------------------------- experiments
@pytest.mark.parametrize("p2", [0.0, 0.013, 0.2, 0.5, 1.0])
def test_synthetic_mask_is_exact_and_nested(p2):
    mask = synthetic_mask(1000, p2)
    counts = np.cumsum(mask)
    k = np.arange(1, 1001)
    np.testing.assert_array_equal(counts, np.floor(k * p2 + 1e-9))


def test_gaussian_sweep_collapse_and_seeding():
    """Small nets on the Gaussian mixture: p₂ = 1 with a large c² costs about c²; same seed, same numbers."""
    s = cl.Setting.isotropic(8, r2=1.0, c2=2.0, sigma2=0.05)
    spec = TrainSpec(width=1, steps=300, lr=1e-2, out_scale=0.01)
    kw = dict(n=400, widths=[4], p2s=[0.0, 1.0], spec=spec, trials=2, n_test=2000)
    a = gaussian_width_sweep(s, seed=0, **kw)
    b = gaussian_width_sweep(s, seed=0, **kw)
    assert a.equals(b)
    e = a.groupby("p2").error.mean()
    # trained on the synthetic teacher only, the net learns w₁* + δ: extra error ≈ ‖δ‖² ≈ c² (2 trials, d = 8)
    assert 0.4 * s.c2 < e[1.0] - e[0.0] < 2.0 * s.c2
    assert e[0.0] < 0.3


def test_weak_teacher_quality_is_twice_its_error_rate_and_improves_with_samples():
    from collapse_lib.nn.experiments import WeakTeacher, mnist_split

    split = mnist_split(0)
    qs = []
    for k in (30, 1000):
        t = WeakTeacher(split, k)
        q = t.quality(split.X_test, split.y_test)
        assert q == pytest.approx(2 * (1 - t.accuracy(split.X_test, split.y_test)), abs=1e-6)
        qs.append(q)
    assert qs[1] < qs[0]
    with pytest.raises(ValueError, match="n_samples"):
        WeakTeacher(split, 10**6)


# ----------------------------------------------------------------- recipes
@pytest.fixture(scope="module")
def fig7_table():
    return cl.figures.get("fig7").compute(scale="smoke", seed=0)


def test_fig7_table_and_plot(fig7_table):
    fig7 = cl.figures.get("fig7")
    t = fig7_table
    assert set(t.model) == {"random features", "two-layer network"}
    assert np.all(np.isfinite(t.error)) and np.all((t.accuracy > 0) & (t.accuracy <= 1))
    # more real data helps the clean model; p2 = 0.5 of weak labels hurts at the largest n
    for _, m in t.groupby("model"):
        clean = m[m.p2 == 0].sort_values("n")
        assert clean.error.iloc[-1] < clean.error.iloc[0]
    fl = fig7.floors(t)
    assert np.all(fl.excess > 0) and np.all(fl.predicted > 0)
    fig = fig7.plot(t)
    assert fig.axes[0].get_xscale() == "log" and "error" in fig.axes[0].get_ylabel()
    matplotlib.pyplot.close(fig)


def test_fig6_recipe_smoke():
    fig6 = cl.figures.get("fig6")
    t = fig6.compute(scale="smoke", seed=0)
    assert set(t.kind) == {"experiment", "theory"}
    sm = fig6.summary(t)
    assert np.all(sm[sm.p2 == 0].gap == 0)
    assert np.all(sm[sm.p2 > 0].gap > 0)  # p2 = 0.5 of a c² = 0.5 teacher always costs something
    fig = fig6.plot(t)
    assert all(ax.get_xscale() == "log" for ax in fig.axes)
    matplotlib.pyplot.close(fig)
