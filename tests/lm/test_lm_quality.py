"""The quality filter of the synthetic stories, the grammatical prefix, and the held-out evaluation stream."""

from __future__ import annotations

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.lm import grammar as gr
from collapse_lib.lm.corpus import concat, token_documents
from collapse_lib.lm.experiment import held_out_stream, synthetic_pools
from collapse_lib.lm.model import GPTConfig, build
from collapse_lib.lm.quality import median_threshold, reference_trigrams, trigram_scores
from collapse_lib.lm.tokenizer import WordTokenizer

G = cl.lm.default_grammar()
TOK = WordTokenizer.from_grammar(G)


def _ids(words):
    return np.array([TOK.stoi[w] for w in words], dtype=np.int32)


# ----------------------------------------------------------------- grammatical prefix
@pytest.fixture(scope="module")
def stories():
    return cl.lm.sample_stories(40, seed=7)[0]


def test_a_real_story_is_grammatical_to_its_end(stories):
    for words in stories:
        assert G.grammatical_prefix(words) == len(words) + 1
        assert G.grammatical_prefix(gr.render(words)) == len(words) + 1  # text or tokens


def test_prefix_stops_at_the_first_foreign_word(stories):
    """Replace word k of a real story by a word no story contains: the first k words still start a story."""
    rng = np.random.default_rng(0)
    for words in stories:
        k = int(rng.integers(0, len(words)))
        assert G.grammatical_prefix(words[:k] + ["<unk>"] + words[k + 1 :]) == k


def test_prefix_of_a_cut_story_is_its_length(stories):
    """A story cut after k < L words is a valid beginning whose end comes too early: k tokens stay grammatical."""
    rng = np.random.default_rng(1)
    for words in stories:
        k = int(rng.integers(1, len(words)))
        assert G.grammatical_prefix(words[:k]) == k


def test_prefix_stops_where_a_word_inside_a_phrase_goes_wrong():
    words = cl.lm.sample_stories(1, seed=3)[0][0]
    # "Once upon a time , there was a" / "There was once a" / "Long ago , in a": the second word is fixed
    # by the first, so swapping it for another grammar word breaks the phrase at position 1
    other = "there" if words[1] != "there" else "was"
    assert G.grammatical_prefix([words[0], other] + words[2:]) == 1


def test_one_repetition_too_many_is_caught_where_it_starts():
    """A toy grammar with 1 or 2 repetitions: a 3rd one leaves the language at its first word."""
    g = gr.Grammar(gr.S(gr.R("la", {1: 0.5, 2: 0.5}), "end"), name="toy")
    g.check_ll1()
    assert g.grammatical_prefix(["la", "la", "end"]) == 4
    assert g.grammatical_prefix(["la", "la", "la", "end"]) == 2
    assert g.grammatical_prefix(["end"]) == 0


# ----------------------------------------------------------------- trigram scores
def test_trigram_scores_count_by_hand():
    V = 6
    ref = reference_trigrams([[1, 2, 3]], V, eos_id=0)
    # trigrams of <eos> <eos> 1 2 3 <eos>: (0,0,1) (0,1,2) (1,2,3) (2,3,0)
    expected = sorted(((a * V + b) * V + c) for a, b, c in [(0, 0, 1), (0, 1, 2), (1, 2, 3), (2, 3, 0)])
    np.testing.assert_array_equal(ref, expected)
    scores = trigram_scores([[1, 2, 3], [1, 2, 4], [5], []], ref, V, eos_id=0)
    # [1,2,4]: (0,0,1) (0,1,2) in, (1,2,4) (2,4,0) out; [5]: (0,0,5) (0,5,0) out; []: (0,0,0) out
    np.testing.assert_allclose(scores, [1.0, 0.5, 0.0, 0.0])


def test_real_stories_score_near_one_and_shuffled_ones_low():
    ref_docs = token_documents(cl.lm.sample_stories(3000, seed=11)[0], TOK)
    ref = reference_trigrams([d[:-1] for d in ref_docs], TOK.vocab_size, TOK.eos_id)
    fresh = [d[:-1] for d in token_documents(cl.lm.sample_stories(300, seed=12)[0], TOK)]
    real = trigram_scores(fresh, ref, TOK.vocab_size, TOK.eos_id)
    rng = np.random.default_rng(0)
    shuffled = trigram_scores([rng.permutation(d) for d in fresh], ref, TOK.vocab_size, TOK.eos_id)
    assert real.mean() > 0.99 and real.min() > 0.9
    assert shuffled.mean() < 0.5
    assert np.all((shuffled >= 0) & (shuffled <= 1))


def test_quality_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="docs"):
        reference_trigrams([], 5)
    with pytest.raises(ValueError, match="eos_id"):
        reference_trigrams([[1]], 5, eos_id=5)
    with pytest.raises(ValueError, match="reference"):
        trigram_scores([[1]], np.zeros((2, 2)), 5)
    with pytest.raises(ValueError, match="scores"):
        median_threshold([])
    with pytest.raises(ValueError, match="scores"):
        median_threshold([0.5, np.nan])
    assert median_threshold([0.1, 0.9, 0.5]) == 0.5


# ----------------------------------------------------------------- the filter on a generator's stories
def test_synthetic_pools_keep_the_better_half_by_the_median():
    model = build(GPTConfig(TOK.vocab_size, context=32, depth=1, width=16, heads=2), "cpu", seed=0)
    ref_docs = token_documents(cl.lm.sample_stories(500, seed=13)[0], TOK)
    ref = reference_trigrams([d[:-1] for d in ref_docs], TOK.vocab_size, TOK.eos_id)
    prompt = ref_docs[0][-4:]
    raw, kept, scores, tau = synthetic_pools(model, 300, 500, ref, TOK, batch=16, seed=1, prompt=prompt)
    assert sum(len(d) for d in raw) >= 300 and sum(len(d) for d in kept) >= 500
    assert all(d[-1] == TOK.eos_id and TOK.eos_id not in d[:-1] for d in raw + kept)
    assert len(scores) == len(raw) and tau == pytest.approx(np.median(scores))
    kept_scores = trigram_scores([d[:-1] for d in kept], ref, TOK.vocab_size, TOK.eos_id)
    assert np.all(kept_scores >= tau)
    # block 0's kept stories are its stories scoring >= tau, in the order sampled
    first = [d for d, q in zip(raw, scores) if q >= tau]
    assert all(np.array_equal(a, b) for a, b in zip(first, kept))
    again = synthetic_pools(model, 300, 500, ref, TOK, batch=16, seed=1, prompt=prompt)
    assert all(np.array_equal(a, b) for a, b in zip(again[1], kept)) and again[3] == tau


# ----------------------------------------------------------------- evaluation stream
def test_held_out_stream_is_a_window_of_the_held_out_stories():
    held = token_documents(cl.lm.sample_stories(30, seed=21)[0], TOK)
    s = held_out_stream(held, 500, 7)
    np.testing.assert_array_equal(s, concat(held)[7:508])
    with pytest.raises(ValueError, match="held_docs"):
        held_out_stream(held, 10**6, 0)
    with pytest.raises((ValueError, TypeError), match="offset"):
        held_out_stream(held, 10, -1)
