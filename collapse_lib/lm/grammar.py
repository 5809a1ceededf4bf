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


class Node:
    """Base class of grammar nodes."""


@dataclass(eq=False)
class Lit(Node):
    """Literal words (a string split on spaces)."""

    words: tuple


@dataclass(eq=False)
class Seq(Node):
    items: list


@dataclass(eq=False)
class Choice(Node):
    """Weighted alternatives (weights are normalised)."""

    alts: list
    probs: np.ndarray
    cum: list = field(default_factory=list)


@dataclass(eq=False)
class Rep(Node):
    """``item`` repeated K times, K drawn from ``{k: P(K = k)}`` (k ≥ 1)."""

    item: Node
    ks: list
    probs: np.ndarray
    cum: list = field(default_factory=list)


@dataclass(eq=False)
class Bind(Node):
    """Emit ``item`` and remember the emitted words as variable ``name``."""

    name: str
    item: Node


@dataclass(eq=False)
class Set(Node):
    """Emit nothing; set variable ``name`` to fixed words (e.g. a pronoun)."""

    name: str
    words: tuple

    def __post_init__(self):
        if isinstance(self.words, str):
            self.words = tuple(self.words.split())


@dataclass(eq=False)
class Var(Node):
    """Emit the current value of variable ``name``."""

    name: str


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


def _entropy(p) -> float:
    p = np.asarray(p, dtype=float)
    return float(-(p * np.log(p)).sum())


def _draw(cum, u) -> int:
    return min(bisect.bisect_right(cum, u), len(cum) - 1)


class GrammarError(ValueError):
    pass


class Grammar:
    """A story grammar: sample stories with their exact log-probability, parse, entropy.

    ``start`` is the root node. All methods work on word tokens; :func:`render`
    turns them into text.
    """

    def __init__(self, start: Node, name: str = "grammar"):
        self.start = start
        self.name = name
        self._binders: dict[str, list[Node]] = {}
        self._collect(start, set())
        self._first_cache: dict[int, frozenset] = {}
        self._h: dict[int, float] = {}
        self._len: dict[int, float] = {}

    # ------------------------------------------------------------ structure
    def _collect(self, node, seen):
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, (Bind, Set)):
            self._binders.setdefault(node.name, []).append(node)
        for child in self._children(node):
            self._collect(child, seen)

    @staticmethod
    def _children(node):
        if isinstance(node, Seq):
            return node.items
        if isinstance(node, Choice):
            return node.alts
        if isinstance(node, (Rep, Bind)):
            return [node.item]
        return []

    def _nullable(self, node) -> bool:
        if isinstance(node, Set):
            return True
        if isinstance(node, Lit):
            return len(node.words) == 0
        if isinstance(node, Seq):
            return all(self._nullable(i) for i in node.items)
        if isinstance(node, Choice):
            return any(self._nullable(a) for a in node.alts)
        if isinstance(node, (Rep, Bind)):
            return self._nullable(node.item)
        if isinstance(node, Var):
            return any(self._nullable(b) if isinstance(b, Bind) else len(b.words) == 0
                       for b in self._binders.get(node.name, []))
        raise TypeError(node)

    def first(self, node) -> frozenset:
        """The words a node's output can start with (variables: what their binders can emit)."""
        key = id(node)
        if key in self._first_cache:
            return self._first_cache[key]
        if isinstance(node, Lit):
            out = frozenset(node.words[:1])
        elif isinstance(node, Set):
            out = frozenset()
        elif isinstance(node, Seq):
            acc = set()
            for item in node.items:
                acc |= self.first(item)
                if not self._nullable(item):
                    break
            out = frozenset(acc)
        elif isinstance(node, Choice):
            out = frozenset().union(*(self.first(a) for a in node.alts))
        elif isinstance(node, (Rep, Bind)):
            out = self.first(node.item)
        elif isinstance(node, Var):
            binders = self._binders.get(node.name)
            if not binders:
                raise GrammarError(f"variable {node.name!r} is used but never bound")
            out = frozenset().union(*(self.first(b.item) if isinstance(b, Bind) else frozenset(b.words[:1])
                                      for b in binders))
        else:
            raise TypeError(node)
        self._first_cache[key] = out
        return out

    def check_ll1(self) -> None:
        """Raise :class:`GrammarError` unless every decision is made by the next word.

        Checks: alternatives of each choice are non-empty and start with disjoint
        words; a repetition is never last in its sequence and its item's first
        words are disjoint from those of the item that follows it; each variable
        bound by a :class:`Bind` has exactly one binder (so expected lengths are exact).
        """
        seen = set()

        def walk(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            if isinstance(node, Choice):
                sets = [self.first(a) for a in node.alts]
                for i, a in enumerate(node.alts):
                    if self._nullable(a):
                        raise GrammarError(f"an alternative of a choice can be empty: {a!r:.80}")
                    for j in range(i):
                        common = sets[i] & sets[j]
                        if common:
                            raise GrammarError(f"choice alternatives {j} and {i} both start with {sorted(common)}")
            if isinstance(node, Seq):
                for i, item in enumerate(node.items):
                    if isinstance(item, Rep):
                        if i + 1 >= len(node.items):
                            raise GrammarError("a repetition must be followed by another item in its sequence")
                        common = self.first(item.item) & self.first(node.items[i + 1])
                        if common:
                            raise GrammarError(f"repetition is ambiguous: next item may start with {sorted(common)}")
            if isinstance(node, Var) and node.name not in self._binders:
                raise GrammarError(f"variable {node.name!r} is used but never bound")
            if isinstance(node, Rep) and self._nullable(node.item):
                raise GrammarError("a repeated item can be empty")
            for child in self._children(node):
                walk(child)

        walk(self.start)
        for name, binders in self._binders.items():
            kinds = {type(b) for b in binders}
            if len(binders) > 1:
                lengths = {self._fixed_len(b.item) if isinstance(b, Bind) else len(b.words) for b in binders}
                if len(lengths) > 1 or None in lengths:
                    raise GrammarError(f"variable {name!r} has {len(binders)} binders whose outputs do not all "
                                       f"have one and the same length")

    def _fixed_len(self, node):
        """The number of words ``node`` always emits, or None if it varies."""
        if isinstance(node, Lit):
            return len(node.words)
        if isinstance(node, Set):
            return 0
        if isinstance(node, Seq):
            parts = [self._fixed_len(i) for i in node.items]
            return None if None in parts else sum(parts)
        if isinstance(node, Choice):
            parts = {self._fixed_len(a) for a in node.alts}
            return parts.pop() if len(parts) == 1 else None
        if isinstance(node, Bind):
            return self._fixed_len(node.item)
        if isinstance(node, Var):
            b = self._binders[node.name][0]
            return self._fixed_len(b.item) if isinstance(b, Bind) else len(b.words)
        return None  # Rep

    # ------------------------------------------------------------ sampling
    def sample(self, rng: np.random.Generator) -> tuple[list[str], float]:
        """One story as (word tokens, exact log-probability in nats)."""
        out: list[str] = []
        env: dict[str, tuple] = {}
        lp = self._gen(self.start, rng, env, out)
        return out, lp

    def _gen(self, node, rng, env, out) -> float:
        if isinstance(node, Lit):
            out.extend(node.words)
            return 0.0
        if isinstance(node, Seq):
            lp = 0.0
            for item in node.items:
                lp += self._gen(item, rng, env, out)
            return lp
        if isinstance(node, Choice):
            i = _draw(node.cum, rng.random())
            return math.log(node.probs[i]) + self._gen(node.alts[i], rng, env, out)
        if isinstance(node, Rep):
            i = _draw(node.cum, rng.random())
            lp = math.log(node.probs[i])
            for _ in range(node.ks[i]):
                lp += self._gen(node.item, rng, env, out)
            return lp
        if isinstance(node, Bind):
            start = len(out)
            lp = self._gen(node.item, rng, env, out)
            env[node.name] = tuple(out[start:])
            return lp
        if isinstance(node, Set):
            env[node.name] = node.words
            return 0.0
        if isinstance(node, Var):
            if node.name not in env:
                raise GrammarError(f"variable {node.name!r} used before it was bound")
            out.extend(env[node.name])
            return 0.0
        raise TypeError(node)

    # ------------------------------------------------------------ parsing
    def log_prob(self, story) -> float:
        """Exact log-probability (nats) of a story given as text or as word tokens.

        Parses deterministically (LL(1)); raises :class:`GrammarError` if the
        story is not in the grammar's language (log-probability −∞).
        """
        words = split_words(story) if isinstance(story, str) else list(story)
        env: dict[str, tuple] = {}
        lp, pos = self._parse(self.start, words, 0, env)
        if pos != len(words):
            raise GrammarError(f"unexpected word {words[pos]!r} at position {pos}")
        return lp

    def _parse(self, node, words, pos, env):
        def expect(seq, pos):
            n = len(seq)
            if tuple(words[pos:pos + n]) != tuple(seq):
                got = " ".join(words[pos:pos + n]) or "end of story"
                raise GrammarError(f"expected {' '.join(seq)!r} at position {pos}, got {got!r}")
            return pos + n

        if isinstance(node, Lit):
            return 0.0, expect(node.words, pos)
        if isinstance(node, Seq):
            lp = 0.0
            for item in node.items:
                d, pos = self._parse(item, words, pos, env)
                lp += d
            return lp, pos
        nxt = words[pos] if pos < len(words) else None
        if isinstance(node, Choice):
            for i, a in enumerate(node.alts):
                if nxt in self.first(a):
                    d, pos = self._parse(a, words, pos, env)
                    return math.log(node.probs[i]) + d, pos
            raise GrammarError(f"no alternative starts with {nxt!r} at position {pos}")
        if isinstance(node, Rep):
            lp, k = 0.0, 0
            first = self.first(node.item)
            while pos < len(words) and words[pos] in first:
                d, pos = self._parse(node.item, words, pos, env)
                lp += d
                k += 1
            if k not in node.ks:
                raise GrammarError(f"{k} repetitions at position {pos}; allowed: {node.ks}")
            return lp + math.log(node.probs[node.ks.index(k)]), pos
        if isinstance(node, Bind):
            start = pos
            lp, pos = self._parse(node.item, words, pos, env)
            env[node.name] = tuple(words[start:pos])
            return lp, pos
        if isinstance(node, Set):
            env[node.name] = node.words
            return 0.0, pos
        if isinstance(node, Var):
            if node.name not in env:
                raise GrammarError(f"variable {node.name!r} used before it was bound")
            return 0.0, expect(env[node.name], pos)
        raise TypeError(node)

    # ------------------------------------------------------------ exact moments
    def entropy(self) -> float:
        """Exact entropy E[−log p(story)] in nats (words only; the end marker is deterministic)."""
        return self._H(self.start)

    def _H(self, node) -> float:
        key = id(node)
        if key not in self._h:
            if isinstance(node, (Lit, Set, Var)):
                h = 0.0
            elif isinstance(node, Seq):
                h = sum(self._H(i) for i in node.items)
            elif isinstance(node, Choice):
                h = _entropy(node.probs) + float(sum(p * self._H(a) for p, a in zip(node.probs, node.alts)))
            elif isinstance(node, Rep):
                h = _entropy(node.probs) + float(np.dot(node.probs, node.ks)) * self._H(node.item)
            elif isinstance(node, Bind):
                h = self._H(node.item)
            else:
                raise TypeError(node)
            self._h[key] = h
        return self._h[key]

    def expected_words(self) -> float:
        """Exact expected number of word tokens per story (end marker not included)."""
        return self._L(self.start)

    def _L(self, node) -> float:
        key = id(node)
        if key not in self._len:
            if isinstance(node, Lit):
                v = float(len(node.words))
            elif isinstance(node, Set):
                v = 0.0
            elif isinstance(node, Var):
                b = self._binders[node.name]
                v = self._L(b[0].item) if isinstance(b[0], Bind) else float(len(b[0].words))
            elif isinstance(node, Seq):
                v = sum(self._L(i) for i in node.items)
            elif isinstance(node, Choice):
                v = float(sum(p * self._L(a) for p, a in zip(node.probs, node.alts)))
            elif isinstance(node, Rep):
                v = float(np.dot(node.probs, node.ks)) * self._L(node.item)
            elif isinstance(node, Bind):
                v = self._L(node.item)
            else:
                raise TypeError(node)
            self._len[key] = v
        return self._len[key]

    def expected_tokens(self) -> float:
        """Expected tokens per story in a training stream: words + 1 end-of-story token."""
        return self.expected_words() + 1.0

    def entropy_per_token(self) -> float:
        """The floor H_tok = E[−log p(story)] / E[#tokens] (nats per token, end marker counted)."""
        return self.entropy() / self.expected_tokens()

    def vocabulary(self) -> list[str]:
        """Every word the grammar can emit, sorted."""
        words, seen = set(), set()

        def walk(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            if isinstance(node, (Lit, Set)):
                words.update(node.words)
            for c in self._children(node):
                walk(c)

        walk(self.start)
        return sorted(words)


# ---------------------------------------------------------------------------- the story grammar

GIRLS = "Lily Mia Emma Sara Lucy Anna Zoe Ella Ruby Rose Amy Kate Nora Ivy Grace Chloe"
BOYS = "Tom Ben Max Sam Leo Jack Tim Dan Finn Noah Luke Owen Jake Eli Ryan Adam"
PETS = "Spot Coco Buddy Daisy Pip Rex Bella Milo Luna Oscar Teddy Bubbles Sunny Pepper Ziggy Biscuit"
ANIMALS = "dog cat bird bunny frog duck fox bear mouse turtle owl puppy kitten pony squirrel hedgehog"
HERO_ADJ = "little kind brave happy shy curious small clever funny sweet young quiet"
PLACES = "park forest beach river garden farm lake hill zoo market pond library meadow cave castle playground"
THINGS = ("ball kite box shell stone flower leaf feather key book hat boat toy map coin drum "
          "cake apple cookie balloon").split()
THING_ADJ = "red big shiny small blue old green soft golden tiny yellow pretty".split()
FOODS = "apples cookies bread soup cake sandwiches berries pie carrots pancakes".split()
FEELINGS = "happy sad scared excited tired surprised proud sleepy".split()


def _thing():
    """A thing, bare or with an adjective: 'ball', 'red ball' (LL(1): adjectives and nouns are disjoint)."""
    return C(Z(*THINGS, s=0.8), S(Z(*THING_ADJ, s=0.8), Z(*THINGS, s=0.8)), weights=[0.55, 0.45])


def story_grammar() -> Grammar:
    """The default story grammar (a few hundred words; see the module docstring)."""
    girl = S("girl named", Bind("HERO", Z(*GIRLS.split(), s=0.6)), Set("P", "she"), Set("CP", "She"),
             Set("PP", "her"), Set("CPP", "Her"), Set("PO", "her"))
    boy = S("boy named", Bind("HERO", Z(*BOYS.split(), s=0.6)), Set("P", "he"), Set("CP", "He"),
            Set("PP", "his"), Set("CPP", "His"), Set("PO", "him"))
    hero = S(Z(*HERO_ADJ.split(), s=0.7), C(girl, boy))
    intro = C(
        S("Once upon a time , there was a", hero, "."),
        S("There was once a", hero, "."),
        S("Long ago , in a", Z("small", "quiet", "sunny", "busy", "faraway"), C("town", "village", "city"),
          ", there lived a", hero, "."),
        weights=[0.5, 0.3, 0.2])
    home = S(Var("CP"), "lived", C(S("in a", Z("small", "big", "yellow", "blue", "cozy"), C("house", "home", "hut")),
                                   S("near the", Z("sea", "woods", "mountains", "river"))),
             "with", Var("PP"), Z("mom", "dad", "family", "grandma", "grandpa"), ".")
    pet = S(C(S(Var("CP"), "had a"), S(Var("CPP"), "best friend was a")),
            Bind("ANIMAL", Z(*ANIMALS.split(), s=0.7)), "named", Bind("FRIEND", Z(*PETS.split(), s=0.6)), ".")
    speaker = C(Var("HERO"), Var("FRIEND"))
    utterance = C(
        S("Let us", Z("play", "go", "run", "dance", "sing", "swim", "hide", "explore"),
          Z("together", "outside", "now", "today", "again"), "!"),
        S("I", Z("like", "love", "see", "want"), "the", _thing(), "!"),
        S("Can we", Z("go", "stay", "play", "look"), Z("here", "home", "there", "again"), "?"),
        S("Look at", C("that", "this"), _thing(), "!"),
        S("Where is", C(S("my", _thing()), S("the", Bind("LOST", _thing()))), "?"),
        S("What a", Z("nice", "beautiful", "fun", "lovely", "strange"), C("day", "place", "surprise"), "!"),
        weights=[0.25, 0.2, 0.15, 0.15, 0.1, 0.15])
    dialogue = S("“", utterance, "”", Z("said", "asked", "shouted", "whispered"), speaker, ".")
    found = S("There", ",", C("they", S(Var("P"), "and", Var("FRIEND"))), Z("found", "saw", "got"), "a",
              Bind("THING", _thing()), ".",
              C(S(Var("CP"), Z("wanted", "tried", "liked"), "to", Z("keep", "share", "hold", "carry"),
                  "the", Var("THING"), "."),
                S("The", Var("THING"), "was", Z("very", "so", "really"), Z(*THING_ADJ[:8]), "."),
                S(Var("FRIEND"), Z("barked", "jumped", "laughed", "smiled", "danced"), "at the", Var("THING"), ".")))
    went = S("One day ,", Var("HERO"), "and", Var("FRIEND"), Z("went", "walked", "ran", "hopped"), "to the",
             Bind("PLACE", Z(*PLACES.split(), s=0.6)), ".",
             C(S("The", Var("PLACE"), "was", Z("big", "quiet", "busy", "pretty", "dark"), "."),
               S(Var("CP"), Z("saw", "met", "heard"), "a", Z(*ANIMALS.split(), s=0.7), "there ."),
               weights=[0.5, 0.5]))
    weather = S("Suddenly ,", C(S("it started to", Z("rain", "snow")), "a strong wind blew",
                                "the sky got dark", "they heard a loud noise"), ".",
                Var("HERO"), "felt", Z(*FEELINGS), ".")
    eat = S("Then", ",", C(S(Var("P"), "ate some", Z(*FOODS)),
                           S("they", Z("ate", "shared", "made"), "some", Z(*FOODS))),
            C(S("with", Var("PP"), Z("mom", "dad", "grandma", "friend")), "together", S("at the", Var("PLACE"))), ".")
    help_ = S("After that ,", Var("HERO"), "helped", Var("FRIEND"), Z("find", "fix", "build", "clean"), "a",
              _thing(), ".", Var("FRIEND"), "was", Z("happy", "glad", "thankful"), ".")
    # LL(1) at the event choice: events start with “ There One Suddenly Then After — none of them an ending word
    event = C(dialogue, found, went, weather, eat, help_, weights=[0.3, 0.2, 0.15, 0.1, 0.15, 0.1])
    # "Then" sentences use PLACE, so they may only follow a "One day" event: the event list is therefore
    # a first event that always binds PLACE, then 1-4 further events.
    ending = C(
        S("In the end ,", Var("HERO"), "and", Var("FRIEND"), "were", Z("happy", "tired", "best friends", "safe"), "."),
        S("From that day on ,", Var("P"), Z("always", "never", "often"), Z("smiled", "played outside", "shared")
          , "."),
        S("That night ,", Var("P"), "slept", Z("well", "happily", "with a smile"), "."),
        S("At last ,", Var("P"), "went home", "."),
        weights=[0.35, 0.25, 0.25, 0.15])
    start = S(intro, home, pet, went, R(event, {1: 0.2, 2: 0.3, 3: 0.3, 4: 0.2}), ending)
    g = Grammar(start, name="stories-v1")
    g.check_ll1()
    return g


_DEFAULT: Grammar | None = None


def default_grammar() -> Grammar:
    """The (cached) story grammar used by :func:`stories` and Figure 8."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = story_grammar()
    return _DEFAULT


def sample_stories(n: int, seed: int, grammar: Grammar | None = None) -> tuple[list[list[str]], np.ndarray]:
    """``n`` stories as word-token lists and their exact log-probabilities (nats).

    Story i depends only on ``seed`` and i's position: a longer request with the
    same seed extends a shorter one.
    """
    n = _validate.positive_int("n", n)
    seed = _validate.seed("seed", seed)
    g = grammar or default_grammar()
    rng = np.random.default_rng(seed)
    toks, lps = [], np.empty(n)
    for i in range(n):
        t, lp = g.sample(rng)
        toks.append(t)
        lps[i] = lp
    return toks, lps


def stories(n: int, seed: int = 0, grammar: Grammar | None = None) -> list[str]:
    """``n`` children's stories (strings) from the story grammar; the same seed gives the same stories."""
    toks, _ = sample_stories(n, seed, grammar)
    return [render(t) for t in toks]
