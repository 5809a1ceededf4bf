"""Figure 1: the caption's message over the whole range of model sizes, and the ψ → ∞ limit.

The caption's message (high-quality synthetic data: the largest models are best; low
quality: an intermediate size is best) is checked here on ψ = m/n ∈ [10⁻², 10⁴] and in the
limit ψ → ∞, from the theory called directly on a grid of 3,001 sizes that has nothing to
do with the recipe's plotted grid, and the limit is checked three ways: against the theory
at ψ = 10⁶–10⁸, against Theorem 1 at λ → 0, and against the closed form of ridgeless
regression on isotropic data and a Monte Carlo of the minimum-norm interpolator.
"""

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import collapse_lib as cl  # noqa: E402

FIG1 = cl.figures.get("fig1")
C = FIG1.config("paper")
N = C["n"]
D = int(round(C["phi"] * N))
P2 = np.array(C["p2"])
FINE = np.geomspace(1e-2, 1e4, 3001)  # the extended range, independent of the recipe's grid


def _setting(c2, d=D):
    return cl.Setting.isotropic(d, r2=C["r2"], c2=c2, sigma2=C["sigma2"])


def _curve(c2):
    """E(ψ) on FINE (rows) for each p₂ (columns), and E(ψ → ∞) per p₂ from Theorem 1 at λ = 0."""
    s = _setting(c2)
    err = cl.theory.random_projections(s, n=N, m=FINE[:, None] * N, p2=P2[None, :], lam=C["lam"]).total
    inf = np.asarray(cl.theory.classical(s, n=N, p2=P2, lam=0.0).total)
    return err, inf


def test_figure1_setting_is_the_documented_choice():
    assert (C["n"], C["phi"], C["lam"], C["sigma2"], C["r2"]) == (500, 1.5, 1.0, 0.005, 1.0)
    assert C["c2"] == [0.0, 0.1, 0.5, 1.0] and C["p2"] == [0.2, 0.5, 0.8]
    assert C["psi"][0] <= 1e-2 and C["psi"][1] >= 1e4  # the plotted range reaches past 100


def test_very_high_quality_largest_models_best_on_the_whole_range():
    """c² = 0: the ψ → ∞ error is the lowest over [10⁻², 10⁴] and the limit (within 1%), at every p₂."""
    err, inf = _curve(0.0)
    best = np.minimum(err.min(axis=0), inf)
    assert np.all(inf <= 1.01 * best), inf / best
    assert np.all(err[-1] <= 1.01 * best)  # the largest size on the grid too
    assert np.all(np.diff(err, axis=0) <= 1e-12)  # here the error falls all the way (clean data: no p₂ effect)


def test_high_quality_largest_models_within_one_and_a_half_percent():
    """c² = 0.1 (the module docstring's claim): E(ψ → ∞) within 1.5% of the best, at every p₂."""
    err, inf = _curve(0.1)
    best = np.minimum(err.min(axis=0), inf)
    assert np.all(inf <= 1.015 * best), inf / best - 1


@pytest.mark.parametrize("c2, beyond", [(1.0, 0.2), (0.5, 0.08)])
def test_low_quality_best_size_is_intermediate_on_the_whole_range(c2, beyond):
    """c² ∈ {0.5, 1}: an interior minimum inside the plotted range, and the largest models clearly worse."""
    err, inf = _curve(c2)
    i = err.argmin(axis=0)
    best = err.min(axis=0)
    lo, hi = np.searchsorted(FINE, [0.3, 100.0])
    assert np.all((i > lo) & (i < hi)), FINE[i]  # 0.3 < ψ* < 100: far from both grid edges, and on the plot
    assert np.all(best < inf)  # the limit does not beat the interior optimum
    assert np.all(inf > (1 + beyond) * best), inf / best - 1
    assert np.all(err[-1] > (1 + beyond) * best)  # ψ = 10⁴ is as bad
    assert np.all(err[np.searchsorted(FINE, 100.0)] > 1.03 * best)  # and already visible at ψ = 100


def test_worse_quality_never_prefers_a_larger_model():
    best = np.array([FINE[_curve(c2)[0].argmin(axis=0)] for c2 in C["c2"]])  # (quality, p₂)
    assert np.all(np.diff(best, axis=0) <= 0), best


def test_limit_is_ridgeless_ridge_at_phi():
    """ψ → ∞: Theorem 2 at ψ = 10⁶, 10⁷, 10⁸ tends to Theorem 1 at λ = 0 (and at λ = 10⁻¹⁰), gap falling like 1/ψ."""
    for c2 in C["c2"]:
        s = _setting(c2)
        ridgeless = cl.theory.classical(s, n=N, p2=P2, lam=0.0)
        tiny = cl.theory.classical(s, n=N, p2=P2, lam=1e-10)
        np.testing.assert_allclose(tiny.total, ridgeless.total, rtol=1e-8)
        gaps = []
        for psi in (1e6, 1e7, 1e8):
            wide = cl.theory.random_projections(s, n=N, m=psi * N, p2=P2, lam=C["lam"])
            gaps.append(np.max(np.abs(wide.total / ridgeless.total - 1)))
            np.testing.assert_allclose(wide.clean, ridgeless.clean, rtol=1e-4)
            assert np.all(wide.approx == 0)
        assert gaps[0] < 1e-4 and gaps[2] < 1e-6 and gaps[1] < gaps[0] / 5, gaps


def test_limit_rows_match_the_theory_far_out_in_every_column():
    """The recipe's ψ → ∞ rows: E, clean, the split of ζ and A, against Theorem 2 at ψ = 10⁷."""
    lim = FIG1.compute(scale="smoke").query("kind == 'limit'")
    assert len(lim) == len(C["p2"]) * len(C["c2"]) and np.all(np.isinf(lim.psi)) and np.all(np.isinf(lim.m))
    for c2, g in lim.groupby("c2"):
        wide = cl.theory.random_projections(_setting(c2), n=N, m=1e7 * N, p2=g.p2.to_numpy(), lam=C["lam"])
        scale = wide.total
        for col, ref in (("error", wide.total), ("clean", wide.clean), ("approx", wide.approx)):
            np.testing.assert_allclose(g[col], ref, rtol=1e-5, atol=0, err_msg=col)
        for col, ref in (("zeta_floor", wide.zeta_floor), ("zeta_design", wide.zeta_design)):
            assert np.all(np.abs(g[col].to_numpy() - ref) <= 1e-5 * scale), (col, g[col].to_numpy(), ref)


def test_limit_clean_error_is_the_ridgeless_closed_form():
    """Isotropic minimum-norm regression with d > n (Hastie et al. 2022): E = r²(1 − 1/φ) + σ²/(φ − 1)."""
    phi = C["phi"]
    closed = C["r2"] * (1 - 1 / phi) + C["sigma2"] / (phi - 1)
    lim = FIG1.limit(_setting(0.0), N, P2)
    np.testing.assert_allclose(lim["clean"], closed, rtol=1e-9)
    np.testing.assert_allclose(lim["error"], closed, rtol=1e-9)  # c² = 0: the synthetic labels are real ones


@pytest.mark.slow
def test_limit_mixed_error_against_a_minimum_norm_monte_carlo():
    """c² = 1: the minimum-norm interpolator on the mixture (the m → ∞ model), simulated at n = 100, d = 150."""
    rng = np.random.default_rng(11)
    n, d, trials = 100, 150, 300
    s = _setting(1.0, d)
    p2s = np.array([0.2, 0.8])
    ref = FIG1.limit(s, n, p2s)["error"]
    W1, W2 = np.empty((trials, d)), np.empty((trials, d))
    X, noise = np.empty((trials, n, d)), np.empty((trials, n))
    for t in range(trials):
        W1[t] = rng.standard_normal(d) * np.sqrt(C["r2"] / d)
        W2[t] = W1[t] + rng.standard_normal(d) * np.sqrt(1.0 / d)  # c² = tr ΣΔ = 1
        X[t] = rng.standard_normal((n, d))
        noise[t] = rng.standard_normal(n) * np.sqrt(C["sigma2"])
    gram = X @ X.transpose(0, 2, 1)  # XXᵀ, invertible: d > n
    errs = np.empty((trials, p2s.size))
    for j, p2 in enumerate(p2s):
        n2 = int(round(p2 * n))
        real = (np.arange(n) < n - n2)[None, :, None]  # the first p₁n rows are real
        w_star = np.where(real, W1[:, None, :], W2[:, None, :])
        y = np.einsum("tnd,tnd->tn", X, w_star) + noise
        w = np.einsum("tnd,tn->td", X, np.linalg.solve(gram, y[..., None])[..., 0])  # minimum norm: Xᵀ(XXᵀ)⁻¹y
        errs[:, j] = np.sum((w - W1) ** 2, axis=-1)
    mean, se = errs.mean(axis=0), errs.std(axis=0, ddof=1) / np.sqrt(trials)
    assert np.all(np.abs(mean - ref) <= 3 * se + 0.03 * ref), (mean, se, ref)


def test_recipe_table_states_the_message_and_reaches_past_100():
    table = FIG1.compute(scale="smoke")
    th = table[table.kind == "theory"]
    assert th.psi.min() <= 0.0101 and th.psi.max() >= 9999
    best = FIG1.best_sizes(table)
    assert len(best) == 12
    assert set(best[best.c2 == 0].verdict) == {"largest"} and set(best[best.c2 == 1].verdict) == {"intermediate"}
    assert set(best[best.c2 == 0.5].verdict) == {"intermediate"}
    assert np.all(best[best.c2 == 0.1].limit_excess <= 0.015)
    sim = table[table.kind == "simulation"]
    assert sim.psi.max() >= 99 and sim.psi.min() <= 0.02  # simulated up to ψ = 100


def _bowl_with_limit(psi0, grid, limit):
    """A theory-like table: a bowl in log ψ with its bottom at ψ0 (error 1 there), and a ψ → ∞ row."""
    err = 1.0 + (np.log(grid) - np.log(psi0)) ** 2 / 100
    rows = pd.DataFrame(dict(kind="theory", psi=grid, p2=0.5, c2=1.0, error=err, clean=err[::-1]))
    tail = pd.DataFrame(dict(kind="limit", psi=[np.inf], p2=[0.5], c2=[1.0], error=[limit], clean=[0.5]))
    return pd.concat([rows, tail], ignore_index=True)


@pytest.mark.parametrize(
    "psi0, limit, verdict",
    [
        (1.0, 1.2, "intermediate"),  # interior minimum, the limit 20% above
        (1.0, 1.03, "neither"),  # interior minimum, but the limit only 3% above
        (1.0, 1.005, "largest"),  # the limit within 1%
        (1e3, 0.9, "largest"),  # the limit below everything on the grid
        (1e-3, 1.5, "neither"),  # the minimum at the bottom edge: not an interior optimum
    ],
)
def test_best_sizes_verdicts(psi0, limit, verdict):
    grid = np.geomspace(0.01, 1e4, 61)
    b = FIG1.best_sizes(_bowl_with_limit(psi0, grid, limit)).iloc[0]
    e_grid = 1.0 + (np.log(grid) - np.log(psi0)) ** 2 / 100
    assert b.verdict == verdict
    assert b.limit_error == limit
    assert b.limit_excess == pytest.approx(limit / min(e_grid.min(), limit) - 1)
    assert b.best_psi == pytest.approx(grid[np.argmin(e_grid)])


def test_limit_rows_survive_the_data_file(tmp_path):
    """ψ → ∞ is stored as null (JSON has no infinity); the verdicts read back from the file are the same."""
    path = cl.figures.reproduce("fig1", scale="smoke", seed=0, out_dir=tmp_path, progress=False)
    table, note = cl.figures.load_or_compute("fig1", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Loaded"), note
    assert '"limit"' in path.read_text()
    fresh = FIG1.best_sizes(FIG1.compute(scale="smoke"))
    pd.testing.assert_frame_equal(FIG1.best_sizes(table)[fresh.columns], fresh, rtol=1e-6, atol=1e-6)  # 8 digits stored
    matplotlib.pyplot.close(FIG1.plot(table))


def test_chapter_defines_the_theorem2_label_once_and_uses_it():
    """Issue 23 item 10: the chapter defines the label once; its agreement sentences use it; Figure 4 is inferred."""
    from pathlib import Path

    from collapse_lib.figures.report import THEOREM2

    text = (Path(__file__).resolve().parents[2] / "book" / "random_projections.md").read_text()
    assert text.count(f"*{THEOREM2}*") == 1  # the definition, in the prose
    assert 'theorem="Theorem 2"' not in text and text.count("theorem=THEOREM2") >= 3
    fig4 = text[text.index("## Figure 4") : text.index("## Figure 5")]
    assert "not in the text known to us" in fig4 and "infer" in fig4
