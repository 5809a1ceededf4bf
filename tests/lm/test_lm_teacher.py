"""Teacher grammars (synthetic stories of exactly known quality) and their KL divergence from the real grammar."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_lm_data import _enumerate  # the brute-force enumerator of small grammars

import collapse_lib as cl
from collapse_lib.lm import grammar as gr
from collapse_lib.lm.teacher import _weighted_nodes

P = cl.lm.default_grammar()


def _tiny():
    name = gr.Bind("N", gr.C("Ann", "Bob", "Cy", weights=[3, 2, 1]))
    item = gr.C(gr.S("x", gr.Var("N")), gr.S("y", gr.C("u", "v w", weights=[1, 4])), weights=[2, 1])
    return gr.Grammar(gr.S(name, gr.R(item, {1: 0.5, 2: 0.3, 3: 0.2}), "end"), name="tiny")


def test_eta_zero_is_the_real_grammar_and_the_same_seed_the_same_teacher():
    Q = cl.lm.teacher_grammar(0.0, seed=3)
    for a, b in zip(_weighted_nodes(P.start), _weighted_nodes(Q.start)):
        assert np.array_equal(a.probs, b.probs)
    assert cl.lm.grammar_kl(P, Q) == 0.0
    Q1, Q2, Q3 = (cl.lm.teacher_grammar(0.3, seed=s) for s in (1, 1, 2))
    assert cl.lm.grammar_kl(Q1, Q2) == 0.0
    assert cl.lm.grammar_kl(Q1, Q3) > 0.0
    assert P.entropy_per_token() == cl.lm.default_grammar().entropy_per_token()  # P itself is untouched


def test_kl_against_enumeration_on_a_small_grammar():
    """Exact KL(P‖Q) from the list of every story of a small grammar, against the recursion."""
    Pt = _tiny()
    Qt = cl.lm.teacher_grammar(0.6, seed=5, grammar=Pt)
    kl = 0.0
    for w, p, _ in _enumerate(Pt.start, {}):
        kl += p * (math.log(p) - Qt.log_prob(list(w)))
    assert cl.lm.grammar_kl(Pt, Qt) * Pt.expected_tokens() == pytest.approx(kl, rel=1e-12)
    assert kl > 0.01  # the teacher really differs


def test_kl_against_monte_carlo_and_monotone_in_eta():
    Q = cl.lm.teacher_grammar(0.5, seed=0)
    exact = cl.lm.grammar_kl(P, Q)
    toks, lp = gr.sample_grammar(P, 3000, seed=9)
    x = lp - np.array([Q.log_prob(t) for t in toks])
    mc, se = x.mean() / P.expected_tokens(), x.std(ddof=1) / math.sqrt(len(x)) / P.expected_tokens()
    assert abs(mc - exact) < 4 * se
    kls = [cl.lm.grammar_kl(P, cl.lm.teacher_grammar(e, seed=0)) for e in (0.0, 0.1, 0.3, 0.5, 0.8)]
    assert np.all(np.diff(kls) > 0)  # convex in eta, zero at 0: increasing


def test_teacher_stories_parse_under_the_real_grammar():
    Q = cl.lm.teacher_grammar(0.5, seed=0)
    toks, lq = gr.sample_grammar(Q, 200, seed=1)
    for t, logq in zip(toks, lq):
        assert math.isfinite(P.log_prob(t))
        assert Q.log_prob(t) == pytest.approx(logq, abs=1e-9)


def test_mixture_kl_limits_and_bound():
    Q = cl.lm.teacher_grammar(0.5, seed=0)
    exact = cl.lm.grammar_kl(P, Q)
    one = cl.lm.mixture_kl(P, Q, 1.0, stories=2000, seed=4)
    assert abs(one.value - exact) < 4 * one.stderr
    assert cl.lm.mixture_kl(P, Q, 0.0, stories=50, seed=4).value == 0.0
    prev = 0.0
    for p in (0.1, 0.5, 0.9):
        m = cl.lm.mixture_kl(P, Q, p, stories=2000, seed=4)  # same stories: values ordered exactly
        assert 0.0 <= m.value <= m.bound
        assert m.bound == pytest.approx(-math.log1p(-p) / P.expected_tokens())
        assert m.value > prev
        prev = m.value
    assert prev < exact  # a mixture is closer to P than Q is (convexity of KL)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cl.lm.teacher_grammar(1.0), "eta"),
        (lambda: cl.lm.teacher_grammar(-0.1), "eta"),
        (lambda: cl.lm.teacher_grammar(True), "eta"),
        (lambda: cl.lm.teacher_grammar("0.1"), "eta"),
        (lambda: cl.lm.teacher_grammar(0.1, seed=-1), "seed"),
        (lambda: cl.lm.teacher_grammar(0.1, grammar="P"), "grammar"),
        (lambda: cl.lm.grammar_kl(P, None), "Q"),
        (lambda: cl.lm.grammar_kl(P, _tiny()), "structure"),
        (lambda: cl.lm.mixture_kl(P, P, 1.5), "p"),
        (lambda: cl.lm.mixture_kl(P, P, 0.5, stories=1), "stories"),
    ],
)
def test_bad_inputs_are_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()
