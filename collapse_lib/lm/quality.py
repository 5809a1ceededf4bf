"""A quality filter for synthetic stories: the share of a story's word trigrams that real stories contain.

The paper filters the stories of its GPT-2-small generator "for poor quality" before mixing
them in (§4.2, App. A.3); its criterion is not known to us. Ours is local grammaticality.
A story of L tokens, read as ``<eos> <eos> w₁ … w_L <eos>``, has L + 1 trigrams
(three consecutive tokens); its **trigram score** is

    q(s) = #{trigrams of s that occur in a reference sample of real stories} / (L + 1)  ∈ [0, 1].

Real stories score 1 up to the few valid trigrams the reference sample misses (with 20,000
reference stories, fresh real stories score 0.9998 on average). A story the weak generator
garbles scores lower the more often it strings words in an order no real story has.

Why not the grammar's exact likelihood (:meth:`~collapse_lib.lm.grammar.Grammar.log_prob`)?
It is −∞ for any story outside the grammar's language, and at the book's sizes none of the
weak generator's stories is inside it: the filter would keep nothing (the Figure 8 table
records the share that parse, and the share of each story that stays grammatical,
:meth:`~collapse_lib.lm.grammar.Grammar.grammatical_prefix`). The trigram score is the
graded, local version of the same test.

The rule of Figure 8: keep a story when its score is at least the median score of the
generator's stories (:func:`median_threshold`), i.e. drop the worse half. Stories are
token-id arrays *without* their end-of-story token, as :func:`collapse_lib.lm.generate`
returns them.
"""

from __future__ import annotations

import numpy as np

from .. import _validate


def _codes(doc, vocab_size: int, eos_id: int) -> np.ndarray:
    """Trigram codes a·V² + b·V + c of one story padded as ``<eos> <eos> story <eos>``."""
    ids = np.concatenate([[eos_id, eos_id], np.asarray(doc, dtype=np.int64), [eos_id]])
    return (ids[:-2] * vocab_size + ids[1:-1]) * vocab_size + ids[2:]


def _check(vocab_size, eos_id):
    vocab_size = _validate.positive_int("vocab_size", vocab_size)
    eos_id = _validate.nonnegative_int("eos_id", eos_id)
    if eos_id >= vocab_size:
        raise ValueError(f"eos_id must be a token id below vocab_size={vocab_size}, got {eos_id}")
    return vocab_size, eos_id


def reference_trigrams(docs, vocab_size: int, eos_id: int = 0) -> np.ndarray:
    """The sorted distinct trigram codes of real stories ``docs`` (token-id arrays without ``<eos>``)."""
    vocab_size, eos_id = _check(vocab_size, eos_id)
    docs = list(docs)
    if not docs:
        raise ValueError("docs: a reference needs at least one story")
    return np.unique(np.concatenate([_codes(d, vocab_size, eos_id) for d in docs]))


def trigram_scores(docs, reference: np.ndarray, vocab_size: int, eos_id: int = 0) -> np.ndarray:
    """Per story, the share of its L + 1 trigrams found in ``reference`` (:func:`reference_trigrams`)."""
    vocab_size, eos_id = _check(vocab_size, eos_id)
    reference = np.asarray(reference)
    if reference.ndim != 1:
        raise ValueError(f"reference must be a 1-d array of trigram codes, got shape {reference.shape}")
    docs = list(docs)
    if not docs:
        return np.zeros(0)
    codes = [_codes(d, vocab_size, eos_id) for d in docs]
    found = np.isin(np.concatenate(codes), reference)
    ends = np.cumsum([len(c) for c in codes])
    hits = np.add.reduceat(found.astype(np.int64), np.r_[0, ends[:-1]])
    return hits / np.array([len(c) for c in codes], dtype=float)


def median_threshold(scores) -> float:
    """The filter's threshold: the median score of the generator's stories (keep the better half)."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or scores.size == 0 or not np.all(np.isfinite(scores)):
        raise ValueError("scores must be a non-empty 1-d array of finite numbers")
    return float(np.median(scores))


__all__ = ["median_threshold", "reference_trigrams", "trigram_scores"]
