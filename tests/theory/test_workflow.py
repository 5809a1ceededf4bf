"""Model-collapse workflows (theory.workflow, simulate.workflow): closed forms, invariants, simulation.

Theory against Monte Carlo: |sim − theory| ≤ 4·stderr + 2 % · theory. The 4·stderr is the
Monte Carlo error of the trial mean (fixed seeds make the tests deterministic); the 2 % covers
the O(1/(n − d)) finite-size corrections of a deterministic equivalent at d = 100 (for least
squares the exact variance is σ²d/(n − d − 1) against the limit σ²d/(n − d): 1 % at n = 2d).
The largest |z| per workflow is printed by ``test_report_largest_gap`` (visible with ``-rA``).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from reference import accumulate_ols_limit_ref, replace_ols_limit_ref, workflow_chain_ref
from scipy.special import digamma

import collapse_lib as cl
from collapse_lib.theory.workflow import KINDS

ISO = cl.Setting.isotropic(40, r2=1.0, sigma2=0.25)
PL = cl.Setting.power_law(50, 1.2, r2=2.0, sigma2=0.1, sigma2_synth=0.7)
P2 = {"mix": 0.5}


def theory(setting, n, T, kind, lam, p2=0.5):
    return cl.theory.workflow(setting, n, T, kind, lam, p2=p2 if kind == "mix" else None)


# ----------------------------------------------------------------------------- invariants
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("setting", [ISO, PL], ids=["iso", "power-law"])
def test_generation_zero_is_theorem1_without_synthetic_data(setting, kind):
    n = np.array([20.0, 60.0, 75.5, 400.0])[:, None]
    lam = np.array([1e-3, 0.1, 1.0])[None, :]
    th = theory(setting, n, 4, kind, lam)
    want = cl.theory.classical(setting, n, 0.0, lam).total
    np.testing.assert_allclose(th.total[..., 0], want, rtol=1e-10)
    np.testing.assert_allclose(th.clean, want, rtol=1e-12)
    assert th.total.shape == (4, 3, 5) and th.kappa.shape == (4, 3, 5)
    np.testing.assert_allclose(th.total, th.bias + th.real_noise + th.synthetic_noise, rtol=1e-12)


@pytest.mark.parametrize("setting", [ISO, PL], ids=["iso", "power-law"])
def test_mix_without_synthetic_data_stays_clean_and_all_synthetic_is_replace(setting):
    n, lam = np.array([30.0, 80.0, 500.0])[:, None], np.array([0.0, 1e-2, 0.5])
    lam = np.where(n > setting.d, lam, np.maximum(lam, 1e-3))
    clean = cl.theory.classical(setting, n, 0.0, lam).total
    mix0 = cl.theory.workflow(setting, n, 8, "mix", lam, p2=0.0)
    np.testing.assert_allclose(mix0.total, np.broadcast_to(clean[..., None], mix0.total.shape), rtol=1e-10)
    assert np.all(mix0.synthetic_noise == 0)
    np.testing.assert_allclose(
        cl.theory.workflow(setting, n, 8, "mix", lam, p2=1.0).total,
        cl.theory.workflow(setting, n, 8, "replace", lam).total,
        rtol=1e-10,
    )


@pytest.mark.parametrize(
    "setting",
    [ISO, PL, cl.Setting.power_law(40, 0.5, sigma2=1.0), cl.Setting.isotropic(30, r2=5.0, sigma2=0.01)],
    ids=["iso", "power-law(sigma1!=sigma2)", "flat-power-law", "iso-low-noise"],
)
def test_accumulate_never_exceeds_replace_when_each_generation_has_more_samples_than_dimensions(setting):
    if setting.sigma2_real != setting.sigma2_synth:  # the invariant needs σ₁² = σ₂² (see the next test)
        setting = setting.with_noise(0.3, 0.3)
    n = np.array([1.05, 1.5, 2.0, 4.0, 30.0, 300.0])[:, None] * setting.d
    lam = np.array([0.0, 1e-4, 1e-2, 0.1, 1.0, 10.0])[None, :]
    rep = cl.theory.workflow(setting, n, 12, "replace", lam).total
    acc = cl.theory.workflow(setting, n, 12, "accumulate", lam).total
    assert np.all(acc <= rep * (1 + 1e-12))
    assert np.all(acc[..., 1:] < rep[..., 1:])  # strictly, once synthetic data enter


def test_accumulate_can_exceed_replace_and_simulation_agrees():
    """Two exceptions, found by the theory and confirmed by Monte Carlo (our own findings).

    (a) noisy real labels, clean synthetic ones, λ > 0: replace keeps re-fitting low-noise
    labels and shrinking, accumulate keeps the noisy generation-0 data; (b) n < d: the
    accumulated pool crosses the interpolation threshold (N_t = (t+1)n = d at t = 2).
    """
    cases = [
        (cl.Setting.power_law(40, 0.5, sigma2=1.0, sigma2_synth=0.05), 45, 0.01),
        (cl.Setting.isotropic(30, sigma2=0.25), 10, 1e-2),
    ]
    for setting, n, lam in cases:
        gap_th = theory(setting, n, 5, "accumulate", lam).total - theory(setting, n, 5, "replace", lam).total
        rep = cl.simulate.workflow(setting, n, 5, "replace", lam, trials=150, seed=7)
        acc = cl.simulate.workflow(setting, n, 5, "accumulate", lam, trials=150, seed=7)
        gap = acc.values - rep.values  # common random numbers: same draws for both kinds
        se = gap.std(axis=-1, ddof=1) / np.sqrt(gap.shape[-1])
        assert gap_th[-1] > 0 and gap.mean(-1)[-1] > 4 * se[-1]
        assert np.all(np.abs(gap.mean(-1) - gap_th) <= 4 * se + 0.03 * np.abs(gap_th))


# ----------------------------------------------------------------------------- closed forms (λ = 0)
@pytest.mark.parametrize("setting", [ISO, PL], ids=["iso", "power-law"])
@pytest.mark.parametrize("phi", [0.1, 0.5, 0.9])
def test_least_squares_limits_are_the_known_closed_forms(setting, phi):
    n, T = setting.d / phi, 15
    s1, s2 = setting.sigma2_real, setting.sigma2_synth
    np.testing.assert_allclose(
        cl.theory.workflow(setting, n, T, "replace", 0.0).total, replace_ols_limit_ref(phi, s1, s2, T), rtol=1e-10
    )
    acc = cl.theory.workflow(setting, n, T, "accumulate", 0.0).total
    np.testing.assert_allclose(acc, accumulate_ols_limit_ref(phi, s1, s2, T), rtol=1e-10)
    # bounded: below the t → ∞ value σ₁²φ/(1−φ) + σ₂²(ψ(1) − ψ(1−φ) − φ/(1−φ)) (Gerstgrasser et al. 2024)
    limit = s1 * phi / (1 - phi) + s2 * (digamma(1.0) - digamma(1.0 - phi) - phi / (1 - phi))
    assert np.all(acc < limit) and acc[-1] > limit - s2 * phi * 2 / (T + 1 - phi)  # tail Σ_{k>T+1} φ/(k(k−φ))


@pytest.mark.parametrize("setting", [ISO, PL], ids=["iso", "power-law"])
@pytest.mark.parametrize("p2", [0.2, 0.7])
def test_least_squares_mix_is_theorem1_with_the_previous_model_as_teacher(setting, p2):
    """λ = 0: generation t is Theorem 1 with synthetic teacher ŵ_{t−1}, quality c² = E_{t−1}."""
    n, T = 2.5 * setting.d, 10
    th = cl.theory.workflow(setting, n, T, "mix", 0.0, p2=p2).total
    e = [cl.theory.classical(setting, n, 0.0, 0.0).total]
    for _ in range(T):
        e.append(cl.theory.classical(setting.with_quality(e[-1]), n, p2, 0.0).total)
    np.testing.assert_allclose(th, e, rtol=1e-10)
    # fixed point σ̄²u / (1 − p₂(p₂ + p₁u)), u = φ/(1−φ): the floor that p₂²c² sets for its own teacher
    u, p1 = 0.4 / 0.6, 1 - p2
    sbar = p1 * setting.sigma2_real + p2 * setting.sigma2_synth
    far = cl.theory.workflow(setting, n, 60, "mix", 0.0, p2=p2).total[-1]
    np.testing.assert_allclose(far, sbar * u / (1 - p2 * (p2 + p1 * u)), rtol=1e-8)


@pytest.mark.parametrize(
    "setting",
    [ISO, PL, cl.Setting.power_law(60, 1.5, r2=2.0, sigma2=0.1, sigma2_synth=0.7)],
    ids=["iso", "power-law", "power-law-steep"],
)
@pytest.mark.parametrize("n,lam", [(100, 0.0), (80, 0.05), (25, 0.1), (300, 1.0), (30, 1e-3)])
def test_replace_and_mix_equal_an_independent_generation_by_generation_recursion(setting, n, lam):
    if lam == 0 and n <= setting.d:
        pytest.skip("least squares needs n > d")
    args = (setting.spectrum, setting.gamma, setting.sigma2_real, setting.sigma2_synth, n, lam, 7)
    np.testing.assert_allclose(
        cl.theory.workflow(setting, n, 7, "replace", lam).total, workflow_chain_ref(*args, 1.0), rtol=1e-9
    )
    np.testing.assert_allclose(
        cl.theory.workflow(setting, n, 7, "mix", lam, p2=0.3).total, workflow_chain_ref(*args, 0.3), rtol=1e-9
    )


@pytest.mark.parametrize("kind", ["replace", "accumulate"])
def test_exact_least_squares_forms_match_simulation_where_the_limit_does_not(kind):
    """n − d = 14: the finite-sample d/(n−d−1) and the limit d/(n−d) differ by 7 %."""
    setting = cl.Setting.power_law(30, 1.0, sigma2=0.25, sigma2_synth=0.5)
    exact = cl.theory.workflow_ols_exact(setting, 44, 6, kind)
    limit = cl.theory.workflow(setting, 44, 6, kind, 0.0).total
    sim = cl.simulate.workflow(setting, 44, 6, kind, 0.0, trials=1500, seed=11)
    assert np.all(np.abs(sim.mean - exact) <= 4 * sim.stderr)
    assert np.max((sim.mean - limit) / sim.stderr) > 4  # the simulation resolves the finite-size gap
    n = np.array([40, 100, 10_000])
    np.testing.assert_allclose(exact[0], 0.25 * 30 / 13)
    assert cl.theory.workflow_ols_exact(setting, n, 3, kind).shape == (3, 4)


# ----------------------------------------------------------------------------- theory vs simulation
GAPS: dict[str, list[tuple[float, str]]] = {k: [] for k in KINDS}
SIM_POINTS = [  # (label, setting, n, T, lams, trials)
    ("iso d=100 n=200", cl.Setting.isotropic(100, r2=1.0, sigma2=0.25), 200, 5, [0.0, 1e-4, 1e-2, 0.1], 150),
    (
        "power-law d=100 n=300 sigma2=(0.25, 0.5)",
        cl.Setting.power_law(100, 1.0, r2=1.0, sigma2=0.25, sigma2_synth=0.5),
        300,
        6,
        [0.0, 1e-3, 1e-2, 0.1],
        120,
    ),
    ("iso d=100 n=60 (n < d)", cl.Setting.isotropic(100, r2=1.0, sigma2=0.25), 60, 5, [1e-2, 0.1], 150),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("label,setting,n,T,lams,trials", SIM_POINTS, ids=[p[0] for p in SIM_POINTS])
def test_theory_matches_simulation(kind, label, setting, n, T, lams, trials):
    lam = np.array(lams)
    p2 = P2.get(kind)
    sim = cl.simulate.workflow(setting, n, T, kind, lam, p2=p2, trials=trials, seed=2024)
    th = cl.theory.workflow(setting, n, T, kind, lam, p2=p2)
    assert sim.mean.shape == th.total.shape == (lam.size, T + 1)
    z = (sim.mean - th.total) / sim.stderr
    i, t = np.unravel_index(np.argmax(np.abs(z)), z.shape)
    GAPS[kind].append((float(z[i, t]), f"{label}, lam={lam[i]:g}, t={t}"))
    bad = np.abs(sim.mean - th.total) > 4 * sim.stderr + 0.02 * th.total
    assert not np.any(bad), f"{label}: z = {np.round(z, 2)}"


def test_report_largest_gap():
    """Print the largest |z| per workflow over the points above (run with -rA to see it)."""
    if not all(GAPS.values()):
        pytest.skip("run together with test_theory_matches_simulation")
    for kind, gaps in GAPS.items():
        z, where = max(gaps, key=lambda g: abs(g[0]))
        print(f"\n{kind}: largest |z| = {abs(z):.2f} ({where}) over {len(gaps)} settings")


# ----------------------------------------------------------------------------- simulation mechanics
def test_simulation_is_reproducible_and_common_across_lambda_and_chunks(monkeypatch):
    a = cl.simulate.workflow(ISO, 60, 3, "accumulate-subsample", [1e-2, 0.1], trials=6, seed=5)
    b = cl.simulate.workflow(ISO, 60, 3, "accumulate-subsample", 0.1, trials=6, seed=5)
    np.testing.assert_allclose(a.values[1], b.values, rtol=1e-12)  # batched solves round by batch size
    module = importlib.import_module("collapse_lib.simulate.workflow")  # the package exports a function of that name
    monkeypatch.setattr(module, "_BUDGET", 1.0)  # one trial per block
    c = cl.simulate.workflow(ISO, 60, 3, "accumulate-subsample", 0.1, trials=6, seed=5)
    np.testing.assert_allclose(b.values, c.values, rtol=1e-12)
    d = cl.simulate.workflow(ISO, 60, 3, "accumulate-subsample", 0.1, trials=6, seed=6)
    assert not np.array_equal(b.values, d.values)


@pytest.mark.parametrize("kind", ["replace", "accumulate", "mix"])
def test_moments_sampler_has_the_law_of_the_direct_simulation(kind):
    kw = dict(trials=300, seed=1, p2=P2.get(kind))
    direct = cl.simulate.workflow(PL, 120, 3, kind, 0.05, method="direct", **kw)
    moments = cl.simulate.workflow(PL, 120, 3, kind, 0.05, method="moments", **kw)
    se = np.hypot(direct.stderr, moments.stderr)
    assert np.all(np.abs(direct.mean - moments.mean) <= 4 * se)


def test_simulation_generation_zero_and_synthetic_share():
    rep = cl.simulate.workflow(ISO, 80, 3, "replace", 0.1, trials=5, seed=3, method="direct")
    acc = cl.simulate.workflow(ISO, 80, 3, "accumulate", 0.1, trials=5, seed=3, method="direct")
    sub = cl.simulate.workflow(ISO, 80, 3, "accumulate-subsample", 0.1, trials=5, seed=3)
    np.testing.assert_allclose(rep.values[0], acc.values[0], rtol=1e-12)
    np.testing.assert_allclose(rep.values[0], sub.values[0], rtol=1e-12)
    np.testing.assert_allclose(rep.p2_eff, [0, 1, 1, 1])
    np.testing.assert_allclose(acc.p2_eff, [0, 1 / 2, 2 / 3, 3 / 4])
    mix = cl.simulate.workflow(ISO, 81, 2, "mix", 0.1, p2=0.25, trials=3, seed=3)
    np.testing.assert_allclose(mix.p2_eff, [0, 20 / 81, 20 / 81])


# ----------------------------------------------------------------------------- table and validation
def test_workflow_table_is_the_theory_on_a_grid_and_rescales_noise_exactly():
    tab = cl.theory.workflow_table(
        PL, [80, 200], [1e-3, 0.1], 4, kinds=["accumulate", "mix"], sigma2=[0.1, 1.0], p2=[0.3, 0.6]
    )
    assert list(tab.columns) == [
        "kind",
        "n",
        "lam",
        "sigma2",
        "p2",
        "t",
        "error",
        "bias",
        "real_noise",
        "synthetic_noise",
    ]
    assert len(tab) == (1 + 2) * 2 * 2 * 2 * 5  # (accumulate + mix at two p2) × n × lam × sigma2 × t
    assert tab[tab.kind == "accumulate"].p2.isna().all()
    row = tab[(tab.kind == "mix") & (tab.n == 200) & (tab.lam == 0.1) & (tab.sigma2 == 1.0) & (tab.p2 == 0.6)]
    want = cl.theory.workflow(PL.with_noise(1.0, 1.0), 200, 4, "mix", 0.1, p2=0.6).total
    np.testing.assert_allclose(row.sort_values("t").error, want, rtol=1e-12)
    row = tab[(tab.kind == "accumulate") & (tab.n == 80) & (tab.lam == 1e-3) & (tab.sigma2 == 0.1)]
    want = cl.theory.workflow(PL.with_noise(0.1, 0.1), 80, 4, "accumulate", 1e-3).total
    np.testing.assert_allclose(row.sort_values("t").error, want, rtol=1e-10)


def test_theory_broadcasts_like_a_loop():
    n, lam, p2 = np.array([50.0, 120.0])[:, None, None], np.array([1e-3, 0.2])[None, :, None], np.array([0.1, 0.9])
    grid = cl.theory.workflow(PL, n, 4, "mix", lam, p2=p2)
    assert grid.total.shape == (2, 2, 2, 5)
    for i, j, k in np.ndindex(2, 2, 2):
        one = cl.theory.workflow(PL, n[i, 0, 0], 4, "mix", lam[0, j, 0], p2=p2[k])
        np.testing.assert_allclose(grid.total[i, j, k], one.total, rtol=1e-12)


@pytest.mark.parametrize("fn", [cl.theory.workflow, cl.simulate.workflow], ids=["theory", "simulate"])
def test_bad_arguments_name_the_argument(fn):
    with pytest.raises(ValueError, match="kind"):
        fn(ISO, 100, 3, "collapse", 0.1)
    with pytest.raises(ValueError, match="p2"):
        fn(ISO, 100, 3, "mix", 0.1)
    with pytest.raises(ValueError, match="p2"):
        fn(ISO, 100, 3, "replace", 0.1, p2=0.5)
    with pytest.raises(ValueError, match="p2"):
        fn(ISO, 100, 3, "mix", 0.1, p2=1.5)
    with pytest.raises(ValueError, match="generations"):
        fn(ISO, 100, -1, "replace", 0.1)
    with pytest.raises(TypeError, match="generations"):  # not an integer: a type error (shared validator)
        fn(ISO, 100, 2.5, "replace", 0.1)
    with pytest.raises(ValueError, match="lam = 0 needs n > d"):
        fn(ISO, 40, 3, "accumulate", 0.0)
    with pytest.raises(ValueError, match="lam"):
        fn(ISO, 100, 3, "replace", -0.1)
    with pytest.raises(ValueError, match="n must"):
        fn(ISO, 0, 3, "replace", 0.1)
    with pytest.raises(TypeError, match="lam"):
        fn(ISO, 100, 3, "replace", "big")


def test_simulation_argument_checks():
    with pytest.raises(ValueError, match="n must hold integers"):
        cl.simulate.workflow(ISO, 100.5, 2, "replace", 0.1)
    with pytest.raises(ValueError, match="moments"):
        cl.simulate.workflow(ISO, 100, 2, "accumulate-subsample", 0.1, method="moments")
    with pytest.raises(ValueError, match="method"):
        cl.simulate.workflow(ISO, 100, 2, "replace", 0.1, method="fast")
    with pytest.raises(ValueError, match="trials"):
        cl.simulate.workflow(ISO, 100, 2, "replace", 0.1, trials=0)
    with pytest.raises(ValueError, match="kind must be 'replace' or 'accumulate'"):
        cl.theory.workflow_ols_exact(ISO, 100, 2, "mix")
    with pytest.raises(ValueError, match="d \\+ 1"):
        cl.theory.workflow_ols_exact(ISO, 41, 2, "replace")
    with pytest.raises(ValueError, match="kinds"):
        cl.theory.workflow_table(ISO, 100, 0.1, 2, kinds=[])
