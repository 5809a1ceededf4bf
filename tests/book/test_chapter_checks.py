"""The checks behind the chapters' statements, computed from the library with the chapters' own settings.

A chapter states a check's result in its prose ("the closed form agrees with Theorem 1",
"the exact reductions hold"); the check itself runs here, on the same quantity the
chapter computes, with the tolerance the statement needs. Closed forms are written out
here by hand, not taken from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib import illustrations

R2, C2, SIG2 = 1.0, 0.5, 0.25  # the chapters' r², c², σ²


# ----------------------------------------------------------------------------- theorem1
def test_corollary1_sanity_checks_p2_zero_and_one():
    """theorem1: p₂ = 0 is the clean ridgeless law, p₂ = 1 adds the teacher's error c² (c²/φ for φ > 1)."""
    phi = np.geomspace(0.05, 20, 801)
    phi = phi[np.abs(np.log(phi)) > 2e-3]
    under, over = phi < 1, phi > 1
    f = lambda p2: cl.theory.corollary1(phi, p2, r2=R2, c2=C2, sigma2=SIG2)
    np.testing.assert_allclose(f(0.0)[under], SIG2 * phi[under] / (1 - phi[under]))
    np.testing.assert_allclose(f(0.0)[over], R2 * (1 - 1 / phi[over]) + SIG2 / (phi[over] - 1))
    np.testing.assert_allclose(f(1.0)[under], C2 + SIG2 * phi[under] / (1 - phi[under]))
    np.testing.assert_allclose(f(1.0)[over], R2 * (1 - 1 / phi[over]) + C2 / phi[over] + SIG2 / (phi[over] - 1))
    assert np.isinf(cl.theory.corollary1(1.0, 0.3, r2=R2, c2=C2, sigma2=SIG2))


def test_corollary1_is_theorem1_nearly_ridgeless_on_the_chapters_grid():
    """theorem1: Theorem 1 at λ = 1e-8 (Σ = I, d = 1000) equals the closed form to 1e-4 on both sides of φ = 1."""
    p2s = np.array([0.0, 0.1, 0.5, 1.0])
    phi = np.geomspace(0.05, 20, 27)
    phi = phi[np.abs(np.log(phi)) > 0.15]
    st = cl.Setting.isotropic(1000, r2=R2, c2=C2, sigma2=SIG2)
    thm = cl.theory.classical(st, 1000 / phi[:, None], p2s, 1e-8).total
    cor = cl.theory.corollary1(phi[:, None], p2s, r2=R2, c2=C2, sigma2=SIG2)
    assert np.max(np.abs(thm / cor - 1)) < 1e-4


@pytest.mark.parametrize("d", [60, 100, 200])  # the chapter's d at the smoke, book and paper scales
def test_regrouped_zeta_is_theorem1_zeta(d):
    """theorem1, derivation sketch: ζ regrouped (learning the shift + mismatch as noise) is the theorem's ζ."""
    p2, lam = 0.3, 0.05
    st = cl.Setting.power_law(d, 1.0, r2=R2, c2=C2, sigma2=0.25, sigma2_synth=1.0)
    th = cl.theory.classical(st, np.geomspace(d / 10, 1e6, 50), p2, lam)
    k = th.kappa[:, None]
    s, dl = st.spectrum, st.delta
    regrouped = (
        p2**2 * ((s**3 / (s + k) ** 2) @ dl + th.u * th.kappa**2 * ((s / (s + k) ** 2) @ dl))
        + (1 - p2) * p2 * th.u * st.c2
    )
    np.testing.assert_allclose(regrouped, th.zeta, rtol=1e-10)


def test_interpolation_peak_numbers_carry_the_chapters_sentence():
    """theorem1: at n = 99 and 100 (Σ = I, d = 100, λ = 1e-6, p₂ = 0.1) B is under 1% of V: 'the peak is in V and ζ'."""
    th = cl.theory.classical(cl.Setting.isotropic(100, r2=R2, c2=C2, sigma2=SIG2), np.array([99, 100]), 0.1, 1e-6)
    assert th.bias.max() < 0.01 * th.variance.min()
    assert th.zeta.min() > 10 * th.bias.max()


def test_best_ridge_penalty_is_inside_the_chapters_grid():
    """theorem1: on λ ∈ [1e-6, 1e2] (2001 points) the n → ∞ error has its minimum inside the grid, for Σ = I
    and for the power law of the term-by-term figure; the best λ is near p₂²c²/r² and removes less than
    p₂²c²/r² of the floor."""
    lam = np.geomspace(1e-6, 1e2, 2001)
    iso = cl.Setting.isotropic(100, r2=R2, c2=C2)
    lam_b, e_b = illustrations.grid_minimum(lam, cl.theory.classical_limit(iso, 0.1, lam).total)
    assert lam_b == pytest.approx(0.1**2 * C2 / R2, rel=0.01)
    assert 0 < 1 - e_b / (0.1**2 * C2) <= 0.1**2 * C2 / R2
    pl = cl.Setting.power_law(500, 1.0, r2=R2, c2=C2)
    _, e_pl = illustrations.grid_minimum(lam, cl.theory.classical_limit(pl, 0.1, lam).total)
    assert e_pl < 0.1**2 * pl.c2


def test_grid_minimum_refuses_an_edge():
    x = np.arange(5.0)
    assert illustrations.grid_minimum(x, (x - 2) ** 2) == (2.0, 0.0)
    with pytest.raises(ValueError, match="edge of the grid"):
        illustrations.grid_minimum(x, x)
    with pytest.raises(ValueError, match="edge of the grid"):
        illustrations.grid_minimum(x, -x)


def test_crossover_n_is_where_the_n_dependent_part_meets_the_floor():
    """theorem1, eq-crossover: (σ² + p₁p₂c²)d/n* = p₂²c², by hand."""
    st = cl.Setting.isotropic(50, r2=R2, c2=C2, sigma2=SIG2)
    for p2 in (0.01, 0.1, 0.5):
        n_star = illustrations.crossover_n(st, p2)
        assert (SIG2 + (1 - p2) * p2 * C2) * 50 / n_star == pytest.approx(p2**2 * C2, rel=1e-12)


# ----------------------------------------------------------------------------- mixing_strategies
@pytest.mark.parametrize("d", [20, 50, 100])  # the chapter's d at the smoke, book and paper scales
def test_weighted_mixing_reduces_to_theorem1_at_alpha_p1_one_and_zero(d):
    """mixing_strategies: α = p₁ is pooling (Theorem 1 term by term), α = 1 is Theorem 1 on the n₁ real samples,
    α = 0 is Theorem 1 with p₂ = 1 on the n₂ synthetic ones (power law, σ₁² ≠ σ₂², the chapter's sizes)."""
    from collapse_lib.theory.mixing import weighted_mixing

    st = cl.Setting.power_law(d, 1.0, r2=R2, c2=C2, sigma2=0.25, sigma2_synth=1.0)
    n1, n2, lam = 2 * d, 4 * d, 1e-2
    n = n1 + n2
    pooled, thm = weighted_mixing(st, n1, n2, n1 / n, lam), cl.theory.classical(st, n, n2 / n, lam)
    for name in ("bias", "variance", "zeta"):
        np.testing.assert_allclose(getattr(pooled, name), getattr(thm, name), rtol=1e-10)
    np.testing.assert_allclose(
        weighted_mixing(st, n1, n2, 1.0, lam).total, cl.theory.classical(st, n1, 0.0, lam).total, rtol=1e-10
    )
    np.testing.assert_allclose(
        weighted_mixing(st, n1, n2, 0.0, lam).total, cl.theory.classical(st, n2, 1.0, lam).total, rtol=1e-10
    )


# ----------------------------------------------------------------------------- data_distributions
def test_both_families_keep_tr_sigma_r2_and_c2_for_every_alpha():
    """data_distributions: tr Σ = d, r² = tr ΣΓ and c² = tr ΣΔ exactly, isotropic and power law (the spectra figure)."""
    for st in [cl.Setting.isotropic(1000)] + [cl.Setting.power_law(1000, a) for a in (0.5, 1.0, 1.5, 2.0)]:
        assert st.spectrum.sum() == pytest.approx(1000, rel=1e-12)
        assert st.c2 == pytest.approx(0.5, rel=1e-12) and st.r2 == pytest.approx(1.0, rel=1e-12)
        assert np.dot(st.spectrum, st.delta) == pytest.approx(st.c2, rel=1e-12)
        assert np.dot(st.spectrum, st.gamma) == pytest.approx(st.r2, rel=1e-12)


def test_a_seed_gives_the_same_inputs_and_real_teacher_for_every_quality():
    """data_distributions: cl.sample draws w₁*, then δ, then X, so only δ changes with c² (the scatter figure)."""
    draws = {c2: cl.sample(cl.Setting.isotropic(200, r2=1.0, c2=c2), 400, p2=0.0, seed=1) for c2 in (0.1, 0.5, 1.0)}
    ref = draws[0.1]
    for smp in draws.values():
        np.testing.assert_array_equal(smp.X, ref.X)
        np.testing.assert_array_equal(smp.w1, ref.w1)
    deltas = {c2: smp.w2 - smp.w1 for c2, smp in draws.items()}
    np.testing.assert_allclose(deltas[1.0], deltas[0.1] * np.sqrt(10), rtol=1e-12)  # the same direction, scaled by c


@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0])
@pytest.mark.parametrize("c2", [0.1, 0.5, 1.0])
def test_mean_squared_gap_of_the_two_teachers_is_c2(alpha, c2):
    """data_distributions, the convention table: E(xᵀw₂* − xᵀw₁*)² over teachers and inputs is c², within 4.5 s.e.
    (60 teacher pairs × 100 inputs, the chapter's smoke sizes; independent seeds)."""
    st = cl.Setting.isotropic(100, c2=c2) if alpha == 0 else cl.Setting.power_law(100, alpha, c2=c2)
    per_draw = np.empty(60)
    for t in range(60):
        smp = cl.sample(st, 100, p2=0.0, seed=7_000_000 + 1000 * int(10 * c2) + 100 * int(alpha) + t)
        per_draw[t] = np.mean((smp.X @ smp.w2 - smp.X @ smp.w1) ** 2)
    est, se = per_draw.mean(), per_draw.std(ddof=1) / np.sqrt(per_draw.size)
    assert abs(est - c2) < 4.5 * se, (est, se)


# ----------------------------------------------------------------------------- language_models
def test_parsing_the_chapters_stories_gives_back_the_log_probability_of_their_derivation():
    """language_models, "the text determines the derivation": Grammar.log_prob of a story's text is the
    log-probability recorded while sampling it (the chapter's seed 123, its first 200 stories at every scale)."""
    from collapse_lib.lm import grammar as gr

    G = cl.lm.default_grammar()
    words, lps = cl.lm.sample_stories(200, seed=123)
    for w, lp in zip(words, lps):
        assert G.log_prob(gr.render(w)) == pytest.approx(lp, abs=1e-9)


def test_the_chapters_tokenized_story_decodes_to_itself():
    """language_models, "Tokens": text and word tokens are in one-to-one correspondence, on the story the
    chapter tokenizes (seed 0), with no unknown-word or end-of-story token inside it."""
    G = cl.lm.default_grammar()
    tok = cl.lm.WordTokenizer.from_grammar(G)
    story = cl.lm.stories(1, seed=0)[0]
    ids = tok.encode(story)
    assert tok.unk_id not in ids and tok.eos_id not in ids
    assert tok.decode(ids) == story
