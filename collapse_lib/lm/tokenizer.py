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

from .grammar import render, split_words

EOS = "<eos>"
UNK = "<unk>"


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
        return [self.stoi.get(w, self.unk_id) for w in split_words(text)]

    def decode(self, ids) -> str:
        return render(self.itos[int(i)] for i in ids)

    def to_dict(self) -> dict:
        return {"kind": "word", "words": self.itos[2:]}


class ByteTokenizer:
    """UTF-8 bytes → ids 1…256 (id = byte + 1); id 0 is ``<eos>``. Lossless on any text."""

    eos_id = 0
    vocab_size = 257

    def encode(self, text: str) -> list[int]:
        return (np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64) + 1).tolist()

    def decode(self, ids) -> str:
        b = bytes(int(i) - 1 for i in ids if int(i) != self.eos_id)
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
