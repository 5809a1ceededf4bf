"""Language-model data (Figure 8): story grammar, exact entropy, tokenizers, corpus loader, mixing."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collapse_lib as cl
from collapse_lib.lm import grammar as gr
from collapse_lib.lm.corpus import concat, load_corpus, mix, token_documents
from collapse_lib.lm.tokenizer import ByteTokenizer, WordTokenizer

DATA = cl.lm.sample_corpus("jsonl").parent  # the corpus shipped with the library
G = cl.lm.default_grammar()


@pytest.fixture(scope="module")
def sample():
    """4000 stories (word tokens) with the log-probabilities recorded while sampling them."""
    return cl.lm.sample_stories(4000, seed=11)


# ---------------------------------------------------------------- the generator
def test_stories_deterministic_per_seed():
    a, b, c = cl.lm.stories(20, seed=3), cl.lm.stories(20, seed=3), cl.lm.stories(20, seed=4)
    assert a == b and a != c
    assert cl.lm.stories(5, seed=3) == a[:5]  # a longer request extends a shorter one
    assert all(isinstance(s, str) and s.endswith(".") for s in a)


def test_vocabulary_size_and_story_length(sample):
    words, _ = sample
    vocab = G.vocabulary()
    assert 200 <= len(vocab) <= 3000
    assert set(itertools.chain.from_iterable(words)) <= set(vocab)
    lengths = np.array([len(w) for w in words])
    assert 30 < lengths.mean() < 200


def test_text_determines_derivation(sample):
    """The grammar is LL(1): parsing a story's text recovers the exact log-probability of its derivation."""
    words, lps = sample
    for w, lp in zip(words[:500], lps[:500]):
        text = gr.render(w)
        assert gr.split_words(text) == w
        assert G.log_prob(text) == pytest.approx(lp, abs=1e-9)
    assert np.all(lps < 0)


def test_exact_entropy_matches_monte_carlo(sample):
    """E[-log p(story)] and E[#tokens] by recursion agree with their Monte Carlo averages (4 s.e.)."""
    words, lps = sample
    nll = -lps
    n_tok = np.array([len(w) + 1 for w in words])  # + the end-of-story token
    se_h = nll.std(ddof=1) / math.sqrt(len(nll))
    se_l = n_tok.std(ddof=1) / math.sqrt(len(n_tok))
    assert abs(nll.mean() - G.entropy()) < 4 * se_h, (nll.mean(), G.entropy(), se_h)
    assert abs(n_tok.mean() - G.expected_tokens()) < 4 * se_l, (n_tok.mean(), G.expected_tokens(), se_l)
    # the ratio estimate of the per-token floor (delta method s.e.)
    ratio = nll.sum() / n_tok.sum()
    resid = nll - ratio * n_tok
    se_r = resid.std(ddof=1) / math.sqrt(len(nll)) / n_tok.mean()
    assert abs(ratio - G.entropy_per_token()) < 4 * se_r
    assert 0.1 < G.entropy_per_token() < math.log(len(G.vocabulary()))


def _enumerate(node, env):
    """All (words, probability, env) a node can produce from ``env`` (brute force, small grammars only)."""
    if isinstance(node, gr.Lit):
        yield node.words, 1.0, env
    elif isinstance(node, gr.Set):
        yield (), 1.0, {**env, node.name: node.words}
    elif isinstance(node, gr.Var):
        yield env[node.name], 1.0, env
    elif isinstance(node, gr.Bind):
        for w, p, e in _enumerate(node.item, env):
            yield w, p, {**e, node.name: w}
    elif isinstance(node, gr.Choice):
        for q, alt in zip(node.probs, node.alts):
            for w, p, e in _enumerate(alt, env):
                yield w, q * p, e
    elif isinstance(node, (gr.Seq, gr.Rep)):
        if isinstance(node, gr.Rep):
            for q, k in zip(node.probs, node.ks):
                for w, p, e in _enumerate(gr.Seq([node.item] * k), env):
                    yield w, q * p, e
            return
        if not node.items:
            yield (), 1.0, env
            return
        for w1, p1, e1 in _enumerate(node.items[0], env):
            for w2, p2, e2 in _enumerate(gr.Seq(node.items[1:]), e1):
                yield tuple(w1) + tuple(w2), p1 * p2, e2


def test_entropy_recursion_against_enumeration():
    """On a small grammar with variables and a repetition, the recursion equals -Σ p log p over all stories."""
    name = gr.Bind("N", gr.C("Ann", "Bob", "Cy", weights=[3, 2, 1]))
    item = gr.C(gr.S("x", gr.Var("N")), gr.S("y", gr.C("u", "v w", weights=[1, 4])), weights=[2, 1])
    g = gr.Grammar(gr.S(name, gr.R(item, {1: 0.5, 2: 0.3, 3: 0.2}), "end"))
    g.check_ll1()
    probs: dict[tuple, float] = {}
    for w, p, _ in _enumerate(g.start, {}):
        assert w not in probs  # distinct derivations give distinct texts
        probs[w] = p
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-12)
    h = -sum(p * math.log(p) for p in probs.values())
    length = sum(p * len(w) for w, p in probs.items())
    assert g.entropy() == pytest.approx(h, rel=1e-12)
    assert g.expected_words() == pytest.approx(length, rel=1e-12)
    for w, p in probs.items():
        assert g.log_prob(list(w)) == pytest.approx(math.log(p), abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(50):  # sampling reports the same log-probabilities
        w, lp = g.sample(rng)
        assert lp == pytest.approx(math.log(probs[tuple(w)]), abs=1e-12)


def _spec_sample(node, rng, env, out):
    """The sampling rule written out from the spec, node by node: each choice or repetition count takes the first
    option whose cumulative probability exceeds one uniform draw ``rng.random()``, in the order met."""

    def pick(probs):
        return min(int(np.searchsorted(np.cumsum(probs), rng.random(), side="right")), len(probs) - 1)

    if isinstance(node, gr.Lit):
        out += node.words
    elif isinstance(node, gr.Set):
        env[node.name] = node.words
    elif isinstance(node, gr.Var):
        out += env[node.name]
    elif isinstance(node, gr.Bind):
        start = len(out)
        _spec_sample(node.item, rng, env, out)
        env[node.name] = tuple(out[start:])
    elif isinstance(node, gr.Choice):
        _spec_sample(node.alts[pick(node.probs)], rng, env, out)
    elif isinstance(node, gr.Rep):
        for _ in range(node.ks[pick(node.probs)]):
            _spec_sample(node.item, rng, env, out)
    else:
        for item in node.items:
            _spec_sample(item, rng, env, out)


def _spec_moments(node, binders):
    """(entropy, expected words) of a node by the recursion of the module docstring, written out independently."""
    if isinstance(node, (gr.Lit, gr.Set)):
        return 0.0, float(len(node.words)) if isinstance(node, gr.Lit) else 0.0
    if isinstance(node, gr.Var):
        b = binders[node.name]
        return 0.0, _spec_moments(b.item, binders)[1] if isinstance(b, gr.Bind) else float(len(b.words))
    if isinstance(node, gr.Bind):
        return _spec_moments(node.item, binders)
    if isinstance(node, gr.Choice):
        parts = [_spec_moments(a, binders) for a in node.alts]
        h = -sum(p * math.log(p) for p in node.probs)
        return (
            h + sum(p * hl[0] for p, hl in zip(node.probs, parts)),
            sum(p * hl[1] for p, hl in zip(node.probs, parts)),
        )
    if isinstance(node, gr.Rep):
        h_item, l_item = _spec_moments(node.item, binders)
        mean_k = sum(p * k for p, k in zip(node.probs, node.ks))
        return -sum(p * math.log(p) for p in node.probs) + mean_k * h_item, mean_k * l_item
    parts = [_spec_moments(i, binders) for i in node.items]
    return sum(h for h, _ in parts), sum(ln for _, ln in parts)


def _first_binders(node, found):
    """Variable name -> its first binder (Bind or Set) in depth-first order."""
    if isinstance(node, (gr.Bind, gr.Set)):
        found.setdefault(node.name, node)
    kids = (
        node.items
        if isinstance(node, gr.Seq)
        else node.alts
        if isinstance(node, gr.Choice)
        else [node.item]
        if isinstance(node, (gr.Rep, gr.Bind))
        else []
    )
    for child in kids:
        _first_binders(child, found)
    return found


def test_story_grammar_samples_and_moments_follow_the_spec():
    """The story grammar's stories, log-probabilities, entropy and length equal an independent rendering of the
    sampling rule and of the recursion (regression guard for the engine: same seed, same stories)."""
    toks, lps = cl.lm.sample_stories(300, seed=21)
    rng = np.random.default_rng(21)
    for t, lp in zip(toks, lps):
        out = []
        _spec_sample(G.start, rng, {}, out)
        assert out == t
        assert G.log_prob(out) == pytest.approx(lp, abs=1e-9)
    h, length = _spec_moments(G.start, _first_binders(G.start, {}))
    assert G.entropy() == pytest.approx(h, rel=1e-13)
    assert G.expected_words() == pytest.approx(length, rel=1e-13)
    assert G.entropy_per_token() == pytest.approx(h / (length + 1), rel=1e-13)


def test_ambiguous_grammars_are_rejected():
    with pytest.raises(gr.GrammarError, match="both start with"):
        gr.Grammar(gr.C("a b", "a c")).check_ll1()
    with pytest.raises(gr.GrammarError, match="repetition is ambiguous"):
        gr.Grammar(gr.S(gr.R("a", {1: 0.5, 2: 0.5}), "a")).check_ll1()
    with pytest.raises(gr.GrammarError, match="never bound"):
        gr.Grammar(gr.S("a", gr.Var("X"))).check_ll1()
    with pytest.raises(ValueError, match="weights"):
        gr.C("a", "b", weights=[1, -1])


def test_log_prob_rejects_text_outside_the_language():
    story = cl.lm.stories(1, seed=0)[0]
    with pytest.raises(gr.GrammarError):
        G.log_prob(story + " Extra words")
    with pytest.raises(gr.GrammarError):
        G.log_prob(story.replace(".", "!", 1))


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="^n must"):
        cl.lm.stories(0)
    with pytest.raises(ValueError, match="^seed must"):  # a bad value (a non-integer seed is a TypeError)
        cl.lm.stories(3, seed=-1)
    with pytest.raises(TypeError, match="^seed must"):
        cl.lm.stories(3, seed=1.5)


# ---------------------------------------------------------------- tokenizers
def test_word_tokenizer_round_trip_on_grammar_text():
    tok = WordTokenizer.from_grammar(G)
    for s in cl.lm.stories(200, seed=5):
        ids = tok.encode(s)
        assert tok.unk_id not in ids and tok.eos_id not in ids
        assert tok.decode(ids) == s
    assert tok.vocab_size == len(G.vocabulary()) + 2


def test_word_tokenizer_fit_and_unknown_words():
    tok = WordTokenizer.fit(["the cat sat.", "the dog sat!"], max_words=4)
    assert tok.vocab_size == 6
    ids = tok.encode("the zebra sat.")
    assert ids[1] == tok.unk_id and tok.decode(ids) == "the <unk> sat."


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_byte_tokenizer_round_trips_any_text(text):
    tok = ByteTokenizer()
    ids = tok.encode(text)
    assert all(1 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == text


# ---------------------------------------------------------------- user corpora
def test_load_corpus_jsonl_and_text_agree_on_shipped_data():
    a = load_corpus(DATA / "stories.jsonl")
    b = load_corpus(DATA / "stories.txt")
    assert len(a) == 5 and a == b
    for s in a:  # the shipped stories are grammar output: the loader did not change a character
        assert np.isfinite(G.log_prob(s))
    assert load_corpus(DATA / "stories.jsonl", limit=2) == a[:2]


def test_load_corpus_blank_line_separated_text_and_strings(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("First story.\nSecond line.\n\n\nSecond story.\n")
    assert load_corpus(p) == ["First story.\nSecond line.", "Second story."]
    q = tmp_path / "c.jsonl"
    q.write_text(json.dumps("plain string story") + "\n\n" + json.dumps({"story": "keyed"}) + "\n")
    with pytest.raises(ValueError, match="^field: .*no key 'text'"):
        load_corpus(q)
    q.write_text(json.dumps("plain string story") + "\n" + json.dumps({"story": "keyed"}) + "\n")
    assert load_corpus(q, field="story") == ["plain string story", "keyed"]


def test_load_corpus_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="^path: "):
        load_corpus(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    with pytest.raises(ValueError, match="^path: line 1"):
        load_corpus(bad)
    with pytest.raises(ValueError, match="^fmt must"):
        load_corpus(DATA / "stories.txt", fmt="csv")


def test_user_corpus_through_byte_tokenizer():
    texts = load_corpus(DATA / "stories.jsonl")
    tok = ByteTokenizer()
    docs = cl.lm.encode_documents(texts, tok)
    assert all(d[-1] == tok.eos_id and tok.decode(d[:-1]) == t for d, t in zip(docs, texts))


# ---------------------------------------------------------------- mixing
@pytest.fixture(scope="module")
def docs():
    tok = WordTokenizer.from_grammar(G)
    real = token_documents(cl.lm.sample_stories(60, seed=1)[0], tok)
    synth = [d[::-1].copy() + 1000 for d in token_documents(cl.lm.sample_stories(60, seed=2)[0], tok)]  # marked ids
    return real, synth


@settings(max_examples=40, deadline=None)
@given(p=st.floats(0, 1), n=st.integers(1, 2500), seed=st.integers(0, 10))
def test_mix_puts_round_pn_synthetic_tokens_in_the_stream(docs, p, n, seed):
    real, synth = docs
    stream, flag = mix(real, synth, n, p, seed)
    assert len(stream) == len(flag) == n
    assert flag.sum() == round(p * n)
    assert np.all((stream >= 1000) == flag)  # the flag marks exactly the synthetic tokens
    # the real part is the leading real documents (cut to size), whatever the order
    assert sorted(stream[~flag].tolist()) == sorted(concat(real)[: n - round(p * n)].tolist())


def test_mix_shares_real_documents_across_fractions_and_is_seeded(docs):
    real, synth = docs
    a, fa = mix(real, synth, 2000, 0.1, seed=0)
    b, fb = mix(real, synth, 2000, 0.1, seed=0)
    c, _ = mix(real, synth, 2000, 0.1, seed=1)
    assert np.array_equal(a, b) and np.array_equal(fa, fb) and not np.array_equal(a, c)
    with pytest.raises(ValueError, match="^p must"):
        mix(real, synth, 100, 1.5, 0)
    with pytest.raises(ValueError, match="synth_docs: needs"):
        mix(real, synth[:1], 2000, 0.5, 0)
