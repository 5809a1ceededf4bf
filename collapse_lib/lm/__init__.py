"""Language models on real and synthetic stories (Figure 8 of *Strong Model Collapse*).

* :func:`stories` — children's stories from a probabilistic grammar whose
  entropy per token (the loss floor) is known exactly (:mod:`.grammar`);
* :func:`load_corpus` — a user-supplied corpus (plain text or JSONL);
* tokenizers (:mod:`.tokenizer`), a GPT-2-style model with sampling
  (:mod:`.model`), a resumable AdamW/cosine training loop that runs alone or
  under ``torchrun`` (:mod:`.train`, :mod:`.ddp`), real/synthetic mixing
  (:func:`mix`) and the Figure 8 pipeline (:mod:`.experiment`).
"""

from pathlib import Path

from .._lazy import attach
from .corpus import concat, encode_documents, load_corpus, mix, select_documents, token_documents
from .grammar import Grammar, GrammarError, render, sample_grammar, split_words
from .story_content import default_grammar, sample_stories, stories
from .teacher import MixtureKL, grammar_kl, mixture_kl, teacher_grammar
from .tokenizer import ByteTokenizer, WordTokenizer

# The model and its training import torch (seconds): they load on first use, and the grammar, tokenizers, mixing
# and the Figure 8 table's analysis run without it.
__getattr__, __dir__ = attach(
    __name__,
    {
        **dict.fromkeys(("GPT", "GPTConfig", "build", "generate"), "model"),
        **dict.fromkeys(
            ("TrainConfig", "TrainResult", "default_checkpoint_dir", "evaluate", "lr_at", "train"), "train"
        ),
    },
)


def sample_corpus(layout: str = "jsonl") -> Path:
    """Path of the small corpus shipped with the library (five grammar stories, see its README).

    ``layout``: ``"jsonl"`` (one JSON object with a ``text`` field per line, the
    TinyStories/BabiStories layout) or ``"txt"`` (plain text, stories separated by
    ``<|endoftext|>`` lines). Read it with :func:`load_corpus`.
    """
    if layout not in ("jsonl", "txt"):
        raise ValueError(f"layout must be 'jsonl' or 'txt', got {layout!r}")
    return Path(__file__).resolve().parent / "sample_corpus" / f"stories.{layout}"


__all__ = [
    "GPT",
    "ByteTokenizer",
    "GPTConfig",
    "Grammar",
    "GrammarError",
    "MixtureKL",
    "TrainConfig",
    "TrainResult",
    "WordTokenizer",
    "build",
    "concat",
    "default_checkpoint_dir",
    "default_grammar",
    "encode_documents",
    "evaluate",
    "generate",
    "grammar_kl",
    "load_corpus",
    "lr_at",
    "mix",
    "mixture_kl",
    "render",
    "sample_corpus",
    "sample_grammar",
    "sample_stories",
    "select_documents",
    "split_words",
    "stories",
    "teacher_grammar",
    "token_documents",
    "train",
]
