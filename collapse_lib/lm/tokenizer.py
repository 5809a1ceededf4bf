"""Tokenizers: word-level for the story grammar, byte-level for any other corpus.

Why not a learned BPE (e.g. the ``tokenizers`` library)? For the grammar corpus
the natural tokens are the grammar's own words: the vocabulary is closed (a few
hundred words), every token is a terminal of the grammar, and text ↔ tokens is a
bijection, so the exact entropy of the grammar (nats per story) divided by the
expected number of tokens is exactly the per-token floor of the model's loss.
A BPE would split or merge words and only move that floor around. For a
user-supplied corpus (TinyStories, BabiStories) :class:`ByteTokenizer` is
lossless on any UTF-8 text, needs no training and adds no dependency; the
paper's effect (real loss vs synthetic fraction) does not depend on the
tokenizer. Both reserve id 0 for the end-of-story token ``<eos>`` that
separates stories in a training stream.
"""

from __future__ import annotations

import numpy as np

from .. import _validate
from .grammar import render, split_words

EOS = "<eos>"
UNK = "<unk>"
_RESERVED = (EOS, UNK)


def _check_ids(ids, vocab_size: int) -> list[int]:
    """Token ids as Python ints, each an integer in [0, vocab_size) (a negative id would wrap around)."""
    arr = np.asarray(ids.tolist() if hasattr(ids, "tolist") else list(ids))  # lists, arrays, tensors
    if arr.size == 0:
        return []
    if arr.dtype.kind not in "iu":
        raise TypeError(f"ids must be integers, got {arr.dtype} values")
    bad = arr[(arr < 0) | (arr >= vocab_size)]
    if bad.size:
        raise ValueError(f"ids must lie in [0, {vocab_size}), got {int(bad[0])}")
    return arr.ravel().tolist()


class WordTokenizer:
    """Words and the marks ``“ ” . , ! ?`` → ids; id 0 is ``<eos>``, id 1 ``<unk>``.

    ``decode(encode(text)) == text`` for any text rendered by
    :func:`collapse_lib.lm.grammar.render` from in-vocabulary words (all grammar
    output); words outside the vocabulary map to ``<unk>``.
    """

    def __init__(self, words):
        words = [w for w in dict.fromkeys(words) if w not in (EOS, UNK)]
        self.itos = [EOS, UNK] + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        self.eos_id, self.unk_id = 0, 1

    @classmethod
    def from_grammar(cls, grammar) -> "WordTokenizer":
        """The closed vocabulary of a :class:`~collapse_lib.lm.grammar.Grammar`."""
        return cls(grammar.vocabulary())

    @classmethod
    def fit(cls, texts, max_words: int = 5000) -> "WordTokenizer":
        """The ``max_words`` most frequent words of ``texts`` (ties broken alphabetically)."""
        max_words = _validate.positive_int("max_words", max_words)
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        counts: dict[str, int] = {}
        for t in texts:
            for w in split_words(t):
                counts[w] = counts.get(w, 0) + 1
        words = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
        return cls(sorted(words))

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """Word ids of ``text``; out-of-vocabulary words, and the literal words ``<eos>`` / ``<unk>``, map to ``<unk>``.

        (``<eos>`` in a text is a word like any other: it must never become the
        end-of-story id that separates stories in a stream.)
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        return [self.unk_id if w in _RESERVED else self.stoi.get(w, self.unk_id) for w in split_words(text)]

    def decode(self, ids) -> str:
        """Text of the ids (each an integer in [0, vocab_size))."""
        return render(self.itos[i] for i in _check_ids(ids, self.vocab_size))

    def to_dict(self) -> dict:
        return {"kind": "word", "words": self.itos[2:]}


class ByteTokenizer:
    """UTF-8 bytes → ids 1…256 (id = byte + 1); id 0 is ``<eos>``. Lossless on any text."""

    eos_id = 0
    vocab_size = 257

    def encode(self, text: str) -> list[int]:
        return (np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64) + 1).tolist()

    def decode(self, ids) -> str:
        """Text of the ids (each an integer in [0, 256]; ``<eos>`` ids are dropped), invalid UTF-8 replaced."""
        b = bytes(i - 1 for i in _check_ids(ids, self.vocab_size) if i != self.eos_id)
        return b.decode("utf-8", errors="replace")

    def to_dict(self) -> dict:
        return {"kind": "byte"}


def from_dict(d: dict):
    """Rebuild a tokenizer saved with ``to_dict`` (stored in checkpoints)."""
    if d.get("kind") == "word":
        return WordTokenizer(d["words"])
    if d.get("kind") == "byte":
        return ByteTokenizer()
    raise ValueError(f"unknown tokenizer description {d!r}")
