"""A probabilistic grammar of children's stories with an exact entropy.

The "real" corpus of the language-model chapter (Figure 8) stands in for
BabiStories. Unlike a web corpus, its distribution is known, so the best
possible per-token loss is known too:

    H_tok = E[−log p(story)] / E[#tokens per story]      (nats per token)

where a story's tokens include its end-of-story marker. No model can have an
expected real loss below ``H_tok`` (the entropy rate of the stream of
independent stories); it is the floor drawn in Figure 8.

How the grammar makes this exact
--------------------------------
A grammar is a tree of nodes: literal words, weighted :class:`Choice`\\ s,
:class:`Seq`\\ uences, :class:`Rep` (a random number of repetitions) and
variables (:class:`Bind` records what a sub-tree emitted, :class:`Var` emits it
again later, :class:`Set` fixes a value such as a pronoun). The grammar is
LL(1): at every choice the alternatives start with different words, and after
a repetition the next word tells whether another one follows
(:meth:`Grammar.check_ll1` verifies this). So the text determines the
derivation, and

* ``log p(story)`` is the sum of the log-probabilities of the choices made
  (:meth:`Grammar.log_prob` recovers them by parsing the text);
* the entropy follows by recursion, ``H(Choice) = H(weights) + Σ wᵢ H(altᵢ)``,
  ``H(Seq) = Σ H(items)``, ``H(Rep) = H(K) + E[K] H(item)``, variables and
  literals contribute 0 (:meth:`Grammar.entropy`); the expected number of
  tokens follows from the same recursion (:meth:`Grammar.expected_tokens`).

Texts are rendered from tokens by one rule (no space before ``. , ! ? ”``, none
after ``“``), and :func:`split_words` inverts it, so tokens ↔ text is a bijection
on grammar output and the word-level tokenizer sees exactly the grammar's
terminals.

This module is the grammar engine; the story grammar itself (its words and
sentences), the default grammar and the story samplers are in :mod:`.story_content`.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field

import numpy as np

from .. import _validate

# ---------------------------------------------------------------------------- rendering

_NO_SPACE_BEFORE = {".", ",", "!", "?", "”"}
_NO_SPACE_AFTER = {"“"}
_WORD_RE = re.compile(r"[“”.,!?]|[^\s“”.,!?]+")


def render(tokens) -> str:
    """Join word tokens into text: no space before ``. , ! ? ”`` and none after ``“``."""
    out = []
    prev = None
    for t in tokens:
        if out and t not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER:
            out.append(" ")
        out.append(t)
        prev = t
    return "".join(out)


def split_words(text: str) -> list[str]:
    """Inverse of :func:`render` on grammar output: words and the marks ``“ ” . , ! ?``."""
    return _WORD_RE.findall(text)


# ---------------------------------------------------------------------------- nodes


class GrammarError(ValueError):
    """A story outside the grammar's language (or a malformed grammar).

    ``position``: for a parse, the index of the first word at which the text leaves the
    language (``len(words)`` when the story ends too early); ``None`` for grammar errors.
    """

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


def _expect(words, seq, pos) -> int:
    """Position after ``seq``, which must stand in ``words`` at ``pos``."""
    n = len(seq)
    if tuple(words[pos : pos + n]) != tuple(seq):
        got = " ".join(words[pos : pos + n]) or "end of story"
        bad = next((pos + j for j, w in enumerate(seq) if pos + j >= len(words) or words[pos + j] != w))
        raise GrammarError(f"expected {' '.join(seq)!r} at position {pos}, got {got!r}", bad)
    return pos + n


def _entropy(p) -> float:
    p = np.asarray(p, dtype=float)
    return float(-(p * np.log(p)).sum())


def _draw(cum, u) -> int:
    return min(bisect.bisect_right(cum, u), len(cum) - 1)


class Node:
    """Base class of grammar nodes.

    Each kind of node states its own part of every recursion: ``gen`` (sample,
    returning the log-probability of the choices made), ``parse`` (read the words
    back, same log-probability), ``entropy`` and ``expected_words`` (exact
    expectations; :class:`Grammar` caches them per node), ``first`` (the words
    its output can start with), ``nullable``, ``fixed_len`` (the number of words
    it always emits, or None) and ``check`` (its LL(1) conditions). ``g`` is the
    grammar, which knows each variable's binders.
    """

    def children(self) -> list:
        return []

    def emitted(self) -> tuple:
        """Words this node emits or stores by itself (for the vocabulary)."""
        return ()

    def nullable(self, g) -> bool:
        return False

    def fixed_len(self, g):
        return None

    def first(self, g) -> frozenset:
        return frozenset()

    def check(self, g) -> None:
        pass

    def entropy(self, g) -> float:
        return 0.0

    def expected_words(self, g) -> float:
        return 0.0


class _OneItem(Node):
    """A node around one ``item`` (:class:`Rep`, :class:`Bind`): by default it passes the item's properties on."""

    def children(self):
        return [self.item]

    def nullable(self, g):
        return self.item.nullable(g)

    def first(self, g):
        return g.first(self.item)

    def fixed_len(self, g):
        return self.item.fixed_len(g)

    def entropy(self, g):
        return g.H(self.item)

    def expected_words(self, g):
        return g.L(self.item)


@dataclass(eq=False)
class Lit(Node):
    """Literal words (a string split on spaces)."""

    words: tuple

    def emitted(self):
        return self.words

    def nullable(self, g):
        return len(self.words) == 0

    def first(self, g):
        return frozenset(self.words[:1])

    def fixed_len(self, g):
        return len(self.words)

    def gen(self, rng, env, out):
        out.extend(self.words)
        return 0.0

    def parse(self, g, words, pos, env):
        return 0.0, _expect(words, self.words, pos)

    def expected_words(self, g):
        return float(len(self.words))


@dataclass(eq=False)
class Seq(Node):
    items: list

    def children(self):
        return self.items

    def nullable(self, g):
        return all(i.nullable(g) for i in self.items)

    def first(self, g):
        acc = set()
        for item in self.items:
            acc |= g.first(item)
            if not item.nullable(g):
                break
        return frozenset(acc)

    def fixed_len(self, g):
        parts = [i.fixed_len(g) for i in self.items]
        return None if None in parts else sum(parts)

    def check(self, g):
        for i, item in enumerate(self.items):
            if isinstance(item, Rep):
                if i + 1 >= len(self.items):
                    raise GrammarError("a repetition must be followed by another item in its sequence")
                common = g.first(item.item) & g.first(self.items[i + 1])
                if common:
                    raise GrammarError(f"repetition is ambiguous: next item may start with {sorted(common)}")

    def gen(self, rng, env, out):
        lp = 0.0
        for item in self.items:
            lp += item.gen(rng, env, out)
        return lp

    def parse(self, g, words, pos, env):
        lp = 0.0
        for item in self.items:
            d, pos = item.parse(g, words, pos, env)
            lp += d
        return lp, pos

    def entropy(self, g):
        return sum(g.H(i) for i in self.items)

    def expected_words(self, g):
        return sum(g.L(i) for i in self.items)


@dataclass(eq=False)
class Choice(Node):
    """Weighted alternatives (weights are normalised)."""

    alts: list
    probs: np.ndarray
    cum: list = field(default_factory=list)

    def children(self):
        return self.alts

    def nullable(self, g):
        return any(a.nullable(g) for a in self.alts)

    def first(self, g):
        return frozenset().union(*(g.first(a) for a in self.alts))

    def fixed_len(self, g):
        parts = {a.fixed_len(g) for a in self.alts}
        return parts.pop() if len(parts) == 1 else None

    def check(self, g):
        sets = [g.first(a) for a in self.alts]
        for i, a in enumerate(self.alts):
            if a.nullable(g):
                raise GrammarError(f"an alternative of a choice can be empty: {a!r:.80}")
            for j in range(i):
                common = sets[i] & sets[j]
                if common:
                    raise GrammarError(f"choice alternatives {j} and {i} both start with {sorted(common)}")

    def gen(self, rng, env, out):
        i = _draw(self.cum, rng.random())
        return math.log(self.probs[i]) + self.alts[i].gen(rng, env, out)

    def parse(self, g, words, pos, env):
        nxt = words[pos] if pos < len(words) else None
        for i, a in enumerate(self.alts):
            if nxt in g.first(a):
                d, pos = a.parse(g, words, pos, env)
                return math.log(self.probs[i]) + d, pos
        raise GrammarError(f"no alternative starts with {nxt!r} at position {pos}", pos)

    def entropy(self, g):  # H(weights) + Σ wᵢ H(altᵢ)
        return _entropy(self.probs) + float(sum(p * g.H(a) for p, a in zip(self.probs, self.alts)))

    def expected_words(self, g):
        return float(sum(p * g.L(a) for p, a in zip(self.probs, self.alts)))


@dataclass(eq=False)
class Rep(_OneItem):
    """``item`` repeated K times, K drawn from ``{k: P(K = k)}`` (k ≥ 1)."""

    item: Node
    ks: list
    probs: np.ndarray
    cum: list = field(default_factory=list)

    def fixed_len(self, g):
        return None

    def check(self, g):
        if self.item.nullable(g):
            raise GrammarError("a repeated item can be empty")

    def gen(self, rng, env, out):
        i = _draw(self.cum, rng.random())
        lp = math.log(self.probs[i])
        for _ in range(self.ks[i]):
            lp += self.item.gen(rng, env, out)
        return lp

    def parse(self, g, words, pos, env):
        lp, k = 0.0, 0
        first = g.first(self.item)
        while pos < len(words) and words[pos] in first:
            if k == self.ks[-1]:  # one repetition too many: the text leaves the language where it starts
                raise GrammarError(f"more than {k} repetitions at position {pos}; allowed: {self.ks}", pos)
            d, pos = self.item.parse(g, words, pos, env)
            lp += d
            k += 1
        if k not in self.ks:
            raise GrammarError(f"{k} repetitions at position {pos}; allowed: {self.ks}", pos)
        return lp + math.log(self.probs[self.ks.index(k)]), pos

    def entropy(self, g):  # H(K) + E[K] H(item)
        return _entropy(self.probs) + float(np.dot(self.probs, self.ks)) * g.H(self.item)

    def expected_words(self, g):
        return float(np.dot(self.probs, self.ks)) * g.L(self.item)


@dataclass(eq=False)
class Bind(_OneItem):
    """Emit ``item`` and remember the emitted words as variable ``name``."""

    name: str
    item: Node

    @property
    def value(self) -> Node:
        """What a :class:`Var` bound here emits: the item's words."""
        return self.item

    def gen(self, rng, env, out):
        start = len(out)
        lp = self.item.gen(rng, env, out)
        env[self.name] = tuple(out[start:])
        return lp

    def parse(self, g, words, pos, env):
        start = pos
        lp, pos = self.item.parse(g, words, pos, env)
        env[self.name] = tuple(words[start:pos])
        return lp, pos


@dataclass(eq=False)
class Set(Node):
    """Emit nothing; set variable ``name`` to fixed words (e.g. a pronoun)."""

    name: str
    words: tuple

    def __post_init__(self):
        if isinstance(self.words, str):
            self.words = tuple(self.words.split())
        self.value = Lit(self.words)  # what a Var set here emits

    def emitted(self):
        return self.words

    def nullable(self, g):
        return True

    def fixed_len(self, g):
        return 0

    def gen(self, rng, env, out):
        env[self.name] = self.words
        return 0.0

    def parse(self, g, words, pos, env):
        env[self.name] = self.words
        return 0.0, pos


@dataclass(eq=False)
class Var(Node):
    """Emit the current value of variable ``name``."""

    name: str

    def _binders(self, g):
        binders = g.binders.get(self.name)
        if not binders:
            raise GrammarError(f"variable {self.name!r} is used but never bound")
        return binders

    def nullable(self, g):
        return any(b.value.nullable(g) for b in g.binders.get(self.name, []))

    def first(self, g):
        return frozenset().union(*(g.first(b.value) for b in self._binders(g)))

    def fixed_len(self, g):
        return self._binders(g)[0].value.fixed_len(g)

    def check(self, g):
        self._binders(g)

    def gen(self, rng, env, out):
        if self.name not in env:
            raise GrammarError(f"variable {self.name!r} used before it was bound")
        out.extend(env[self.name])
        return 0.0

    def parse(self, g, words, pos, env):
        if self.name not in env:
            raise GrammarError(f"variable {self.name!r} used before it was bound")
        return 0.0, _expect(words, env[self.name], pos)

    def expected_words(self, g):
        return g.L(self._binders(g)[0].value)


def _node(x) -> Node:
    if isinstance(x, Node):
        return x
    if isinstance(x, str):
        return Lit(tuple(x.split()))
    if isinstance(x, (list, tuple)):
        return Seq([_node(i) for i in x])
    raise TypeError(f"grammar item must be a string, a list or a Node, got {x!r}")


def S(*items) -> Seq:
    """A sequence; strings are literal words."""
    return Seq([_node(i) for i in items])


def C(*alts, weights=None) -> Choice:
    """A choice between alternatives (uniform unless ``weights``); a string alternative is literal words."""
    nodes = [_node(a) for a in alts]
    w = np.ones(len(nodes)) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != len(nodes) or np.any(w <= 0):
        raise ValueError(f"weights must be {len(nodes)} positive numbers, got {weights!r}")
    p = w / w.sum()
    return Choice(nodes, p, list(np.cumsum(p)))


def Z(*words, s=1.0) -> Choice:
    """A choice of single words with Zipf weights 1/rank^s (the first word is the most likely)."""
    return C(*words, weights=[1.0 / (i + 1) ** s for i in range(len(words))])


def R(item, dist: dict) -> Rep:
    ks = sorted(dist)
    p = np.array([dist[k] for k in ks], dtype=float)
    if ks[0] < 1 or np.any(p <= 0):
        raise ValueError(f"dist must map counts >= 1 to positive probabilities, got {dist!r}")
    p = p / p.sum()
    return Rep(_node(item), ks, p, list(np.cumsum(p)))


def _walk(node, seen=None):
    """Every node reachable from ``node``, once each, depth first (parents before children)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child in node.children():
        yield from _walk(child, seen)


# ---------------------------------------------------------------------------- the grammar


class Grammar:
    """A story grammar: sample stories with their exact log-probability, parse, entropy.

    ``start`` is the root node. All methods work on word tokens; :func:`render`
    turns them into text.
    """

    def __init__(self, start: Node, name: str = "grammar"):
        self.start = start
        self.name = name
        self.nodes = list(_walk(start))
        self.binders: dict[str, list[Node]] = {}
        for node in self.nodes:
            if isinstance(node, (Bind, Set)):
                self.binders.setdefault(node.name, []).append(node)
        self._first: dict[int, frozenset] = {}
        self._h: dict[int, float] = {}
        self._len: dict[int, float] = {}

    @staticmethod
    def _cached(cache, node, compute):
        key = id(node)
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def first(self, node) -> frozenset:
        """The words a node's output can start with (variables: what their binders can emit)."""
        return self._cached(self._first, node, lambda: node.first(self))

    def H(self, node) -> float:
        """Exact entropy (nats) of the choices made inside ``node``."""
        return self._cached(self._h, node, lambda: node.entropy(self))

    def L(self, node) -> float:
        """Exact expected number of words ``node`` emits."""
        return self._cached(self._len, node, lambda: node.expected_words(self))

    def check_ll1(self) -> None:
        """Raise :class:`GrammarError` unless every decision is made by the next word.

        Checks: alternatives of each choice are non-empty and start with disjoint
        words; a repetition is never last in its sequence and its item's first
        words are disjoint from those of the item that follows it; each variable
        bound by a :class:`Bind` has exactly one binder (so expected lengths are exact).
        """
        for node in self.nodes:
            node.check(self)
        for name, binders in self.binders.items():
            if len(binders) > 1:
                lengths = {b.value.fixed_len(self) for b in binders}
                if len(lengths) > 1 or None in lengths:
                    raise GrammarError(
                        f"variable {name!r} has {len(binders)} binders whose outputs do not all "
                        f"have one and the same length"
                    )

    def sample(self, rng: np.random.Generator) -> tuple[list[str], float]:
        """One story as (word tokens, exact log-probability in nats)."""
        out: list[str] = []
        lp = self.start.gen(rng, {}, out)
        return out, lp

    def log_prob(self, story) -> float:
        """Exact log-probability (nats) of a story given as text or as word tokens.

        Parses deterministically (LL(1)); raises :class:`GrammarError` if the
        story is not in the grammar's language (log-probability −∞).
        """
        words = split_words(story) if isinstance(story, str) else list(story)
        lp, pos = self.start.parse(self, words, 0, {})
        if pos != len(words):
            raise GrammarError(f"unexpected word {words[pos]!r} at position {pos}", pos)
        return lp

    def grammatical_prefix(self, story) -> int:
        """Number of leading tokens of a story (text or word tokens) that stay in the grammar's language.

        The story is read as its words followed by the end-of-story token. Returns
        ``len(words) + 1`` when the whole story is in the language (:meth:`log_prob` is
        finite); otherwise the position of the first word at which the deterministic (LL(1))
        parse fails, i.e. the length of the longest prefix that starts some story of the
        grammar (``len(words)`` when only the end comes too early). Used as a quality score
        of synthetic stories (:func:`collapse_lib.lm.quality.grammatical_fraction`).
        """
        words = split_words(story) if isinstance(story, str) else list(story)
        try:
            self.log_prob(words)
        except GrammarError as exc:
            if exc.position is None:
                raise
            return int(exc.position)
        return len(words) + 1

    def entropy(self) -> float:
        """Exact entropy E[−log p(story)] in nats (words only; the end marker is deterministic)."""
        return self.H(self.start)

    def expected_words(self) -> float:
        """Exact expected number of word tokens per story (end marker not included)."""
        return self.L(self.start)

    def expected_tokens(self) -> float:
        """Expected tokens per story in a training stream: words + 1 end-of-story token."""
        return self.expected_words() + 1.0

    def entropy_per_token(self) -> float:
        """The floor H_tok = E[−log p(story)] / E[#tokens] (nats per token, end marker counted)."""
        return self.entropy() / self.expected_tokens()

    def vocabulary(self) -> list[str]:
        """Every word the grammar can emit, sorted."""
        return sorted({w for node in self.nodes for w in node.emitted()})


def sample_grammar(grammar: Grammar, n: int, seed: int) -> tuple[list[list[str]], np.ndarray]:
    """``n`` stories of ``grammar`` as word-token lists and their exact log-probabilities (nats).

    Story i depends only on ``seed`` and i's position: a longer request with the
    same seed extends a shorter one.
    """
    if not isinstance(grammar, Grammar):
        raise TypeError(f"grammar must be a Grammar, got {type(grammar).__name__}")
    n = _validate.positive_int("n", n)
    seed = _validate.seed("seed", seed)
    rng = np.random.default_rng(seed)
    toks, lps = [], np.empty(n)
    for i in range(n):
        t, lp = grammar.sample(rng)
        toks.append(t)
        lps[i] = lp
    return toks, lps
