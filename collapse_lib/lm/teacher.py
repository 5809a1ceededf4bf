"""Synthetic stories of exactly known quality: teacher grammars and their KL divergence from the real one.

A *teacher grammar* Q has the structure of the real story grammar P (the same nodes,
the same parser, the same support), with every choice's and every repetition count's
probabilities moved from P's towards a random distribution:

    v = (1 − η) w + η r,      r ~ Dirichlet(1, …, 1)  (one draw per node, from ``seed``)

so η = 0 is P itself and η → 1 replaces P's weights by random ones. Because both grammars
are LL(1) with one structure, a story's derivation is the same under P and Q, and the
Kullback–Leibler divergence of the two story distributions follows by the same recursion
as the entropy (:mod:`.grammar`):

    KL(Choice) = Σᵢ wᵢ log(wᵢ/vᵢ) + Σᵢ wᵢ KL(altᵢ)
    KL(Seq)    = Σ KL(items)
    KL(Rep)    = Σ_k P(K=k) log(P(K=k)/Q(K=k)) + E_P[K] · KL(item)
    KL(Bind)   = KL(item);  literals, Set and Var contribute 0

:func:`grammar_kl` returns it per token of P's stream (divided by P's expected tokens
per story, end marker counted), the unit of the language models' loss.

Why it matters (ours, not the paper's): a model that can represent the training mixture
M_p = (1 − p) P + p Q and is trained on enough of it has real test loss
H_tok(P) + KL(P ‖ M_p) per token. At p = 1 this is a floor H + KL(P‖Q) that no amount of
data removes: strong model collapse with an exactly known floor. For p < 1,
KL(P‖M_p) ≤ −log(1 − p) per story, since M_p ≥ (1 − p) P; :func:`mixture_kl` computes it
by Monte Carlo over P's stories with exact log-likelihoods.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from .. import _validate
from .grammar import Bind, Choice, Grammar, Lit, Node, Rep, Seq, Set, Var, _walk, sample_grammar


def _weighted_nodes(node: Node) -> list[Node]:
    """The nodes with probabilities (choices and repetitions) in a fixed depth-first order."""
    return [x for x in _walk(node) if isinstance(x, (Choice, Rep))]


def teacher_grammar(eta: float, seed: int = 0, grammar: Grammar | None = None) -> Grammar:
    """A grammar with the real grammar's structure and probabilities moved towards random ones by ``eta``.

    Each choice's and repetition's probabilities become ``(1 − eta) · w + eta · r`` with ``r``
    drawn from a flat Dirichlet distribution (one draw per node, in a fixed node order, from
    ``seed``). The result parses exactly the stories of ``grammar`` (same support) and gives
    each its own exact log-probability.

    Parameters
    ----------
    eta : float in [0, 1)
        How far the probabilities move; 0 gives the real grammar's probabilities exactly.
    seed : int
        Seed of the random target distributions (the same seed gives the same grammar).
    grammar : Grammar, optional
        The real grammar P (default: :func:`~.story_content.default_grammar`).
    """
    eta = _validate.fraction_scalar("eta", eta)
    if eta == 1.0:
        raise ValueError(f"eta must be in [0, 1), got {eta!r}")
    seed = _validate.seed("seed", seed)
    if grammar is None:
        from .story_content import default_grammar

        grammar = default_grammar()
    if not isinstance(grammar, Grammar):
        raise TypeError(f"grammar must be a Grammar, got {type(grammar).__name__}")
    start = copy.deepcopy(grammar.start)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x7EAC]))
    for node in _weighted_nodes(start):
        w = np.asarray(node.probs, dtype=float)
        r = rng.dirichlet(np.ones(len(w)))
        if eta > 0.0:  # at eta = 0 the probabilities stay P's, bit for bit
            v = (1.0 - eta) * w + eta * r
            node.probs = v / v.sum()
        v = node.probs
        node.cum = list(np.cumsum(v))
    return Grammar(start, name=f"{grammar.name}, teacher eta={eta:g} seed={seed}")


def _check_grammars(P, Q) -> None:
    for name, g in (("P", P), ("Q", Q)):
        if not isinstance(g, Grammar):
            raise TypeError(f"{name} must be a Grammar, got {type(g).__name__}")


def _same_structure(P: Grammar, Q: Grammar) -> dict[int, Node]:
    """Map each node of P (by id) to the node of Q at the same place; ValueError if the structures differ."""
    a, b = list(_walk(P.start)), list(_walk(Q.start))
    if len(a) != len(b):
        raise ValueError("P and Q must have one and the same structure (different numbers of nodes)")
    out = {}
    for x, y in zip(a, b):
        if type(x) is not type(y) or len(x.children()) != len(y.children()):
            raise ValueError(f"P and Q must have one and the same structure ({type(x).__name__} vs {type(y).__name__})")
        if isinstance(x, (Choice, Rep)) and len(x.probs) != len(y.probs):
            raise ValueError("P and Q must have one and the same structure (a choice with other alternatives)")
        if isinstance(x, Rep) and list(x.ks) != list(y.ks):
            raise ValueError("P and Q must have one and the same structure (a repetition with other counts)")
        if isinstance(x, Lit) and x.words != y.words:
            raise ValueError(f"P and Q must have one and the same structure (words {x.words} vs {y.words})")
        out[id(x)] = y
    return out


def _kl_probs(w, v) -> float:
    w, v = np.asarray(w, dtype=float), np.asarray(v, dtype=float)
    keep = w > 0
    if np.any(v[keep] <= 0):
        return math.inf
    return float(np.sum(w[keep] * np.log(w[keep] / v[keep])))


def grammar_kl(P: Grammar, Q: Grammar) -> float:
    """Exact KL(P ‖ Q) of two grammars of one structure, in nats per token of P's stream.

    KL of the story distributions by the recursion of the module docstring, divided by
    ``P.expected_tokens()`` (words + end-of-story token per story). 0 when Q = P; +inf when Q
    gives probability 0 to a choice P can make.
    """
    _check_grammars(P, Q)
    twin = _same_structure(P, Q)
    memo: dict[int, float] = {}

    def kl(node: Node) -> float:
        key = id(node)
        if key in memo:
            return memo[key]
        q = twin[key]
        if isinstance(node, Choice):
            out = _kl_probs(node.probs, q.probs) + sum(p * kl(a) for p, a in zip(node.probs, node.alts))
        elif isinstance(node, Rep):
            out = _kl_probs(node.probs, q.probs) + float(np.dot(node.probs, node.ks)) * kl(node.item)
        elif isinstance(node, Seq):
            out = sum(kl(i) for i in node.items)
        elif isinstance(node, Bind):
            out = kl(node.item)
        elif isinstance(node, (Lit, Set, Var)):
            out = 0.0
        else:  # a node kind this recursion does not know
            raise TypeError(f"grammar_kl: unknown node kind {type(node).__name__}")
        memo[key] = float(out)
        return memo[key]

    return kl(P.start) / P.expected_tokens()


@dataclass(frozen=True)
class MixtureKL:
    """KL(P ‖ (1 − p) P + p Q) in nats per token of P's stream, by Monte Carlo over P's stories.

    ``value`` ± ``stderr`` (one standard error); ``p`` the synthetic fraction; ``stories`` the
    number of stories drawn; ``bound`` = −log(1 − p) / E_P[tokens per story], which ``value``
    never exceeds (+inf at p = 1).
    """

    value: float
    stderr: float
    p: float
    stories: int
    bound: float


def mixture_kl(P: Grammar, Q: Grammar, p: float, stories: int = 20_000, seed: int = 0) -> MixtureKL:
    """KL(P ‖ M_p), M_p = (1 − p) P + p Q, per token of P's stream, by Monte Carlo with exact likelihoods.

    Draws ``stories`` stories s from P (:func:`~.grammar.sample_grammar`, ``seed``), with
    their exact log-probabilities under P and Q, and averages

        log P(s) − log((1 − p) P(s) + p Q(s))      (≤ −log(1 − p) for every story)

    divided by ``P.expected_tokens()``. At p = 1 it estimates :func:`grammar_kl`; at p = 0 it
    is 0 exactly.
    """
    _check_grammars(P, Q)
    p = _validate.fraction_scalar("p", p)
    stories = _validate.positive_int("stories", stories)
    if stories < 2:
        raise ValueError(f"stories must be at least 2 (for a standard error), got {stories}")
    seed = _validate.seed("seed", seed)
    _same_structure(P, Q)
    toks, lp = sample_grammar(P, stories, seed)
    lq = np.array([Q.log_prob(t) for t in toks])
    if p == 0.0:
        x = np.zeros(stories)
    elif p == 1.0:
        x = lp - lq
    else:
        x = lp - np.logaddexp(math.log1p(-p) + lp, math.log(p) + lq)
    per = P.expected_tokens()
    bound = -math.log1p(-p) / per if p < 1 else math.inf
    return MixtureKL(
        value=float(x.mean() / per),
        stderr=float(x.std(ddof=1) / math.sqrt(stories) / per),
        p=p,
        stories=stories,
        bound=bound,
    )


__all__ = ["MixtureKL", "grammar_kl", "mixture_kl", "teacher_grammar"]
