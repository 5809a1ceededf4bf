"""Corpora as token streams: user-supplied text files, and real/synthetic mixing.

A *document* is one story's token ids followed by ``<eos>``; a *stream* is
documents concatenated, the form in which a GPT sees its training data
(consecutive windows of the stream, one pass, no padding).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import _validate


def _story(obj, field: str, where: str) -> str:
    """The story string in one JSON value: a string, or an object with key ``field``."""
    if isinstance(obj, dict):
        if field not in obj:
            raise ValueError(f"field: {where} has no key {field!r} (keys: {sorted(obj)})")
        obj = obj[field]
    if not isinstance(obj, str):
        raise ValueError(f"path: {where} holds {type(obj).__name__}, not a story string")
    return obj.strip()


def _json_values(text: str, path: Path, fmt: str):
    """(where, value) for each story value of a JSON array (``fmt="json"``) or of JSON lines, parsed lazily."""
    if fmt == "json":
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"path: {path} is not valid JSON: {exc}") from None
        if not isinstance(items, list):
            raise ValueError(
                f"path: {path} holds a JSON {type(items).__name__}, not an array of stories "
                "(use fmt='jsonl' for one story per line)"
            )
        yield from ((f"item {i} of {path}", obj) for i, obj in enumerate(items))
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield f"line {lineno} of {path}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"path: line {lineno} of {path} is not valid JSON: {exc}") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"path: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def load_corpus(
    path, fmt: str = "auto", field: str = "text", separator: str | None = None, limit: int | None = None
) -> list[str]:
    """Stories from a user-supplied file (no download happens here).

    ``fmt``:
      * ``"jsonl"`` — one JSON value per line: an object with key ``field``
        (e.g. ``{"text": "..."}``, the TinyStories/BabiStories layout) or a string;
      * ``"json"`` — one JSON array of such values;
      * ``"text"`` — plain text; stories separated by ``separator`` lines
        (default: the line ``<|endoftext|>`` if present in the file, else blank lines);
      * ``"auto"`` — ``jsonl`` for ``*.jsonl``; for ``*.json``, ``json`` if the file
        starts with ``[`` and ``jsonl`` otherwise; else ``text``.
    The file must be UTF-8 (a decoding error names the file and the byte).
    Whitespace at both ends of each story is stripped and empty stories are
    dropped. ``limit`` keeps the first stories only.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: corpus file not found: {path}")
    if fmt not in ("auto", "jsonl", "json", "text"):
        raise ValueError(f"fmt must be 'auto', 'jsonl', 'json' or 'text', got {fmt!r}")
    if limit is not None:
        limit = _validate.positive_int("limit", limit)
    if not isinstance(field, str):
        raise TypeError(f"field must be a string, got {field!r}")
    text = _read_text(path)
    if fmt == "auto":
        suffix = path.suffix.lower()
        fmt = (
            "jsonl"
            if suffix == ".jsonl"
            else "text"
            if suffix != ".json"
            else ("json" if text.lstrip().startswith("[") else "jsonl")
        )
    out: list[str] = []
    if fmt in ("json", "jsonl"):
        for where, obj in _json_values(text, path, fmt):
            story = _story(obj, field, where)
            if story:
                out.append(story)
            if limit and len(out) >= limit:
                break
        return out
    if separator is None:
        separator = "<|endoftext|>" if "<|endoftext|>" in text else ""
    block: list[str] = []
    for line in text.splitlines() + [separator]:
        if line.strip() == separator.strip():
            story = "\n".join(block).strip()
            if story:
                out.append(story)
                if limit and len(out) >= limit:
                    break
            block = []
        else:
            block.append(line)
    return out


def encode_documents(texts, tokenizer) -> list[np.ndarray]:
    """Each text → int32 ids followed by ``<eos>``."""
    return [np.asarray(tokenizer.encode(t) + [tokenizer.eos_id], dtype=np.int32) for t in texts]


def token_documents(token_lists, tokenizer) -> list[np.ndarray]:
    """Grammar word-token lists → int32 ids followed by ``<eos>`` (faster than render + encode)."""
    stoi, eos = tokenizer.stoi, tokenizer.eos_id
    return [np.asarray([stoi[w] for w in t] + [eos], dtype=np.int32) for t in token_lists]


def concat(docs, n_tokens: int | None = None) -> np.ndarray:
    """Concatenate documents; with ``n_tokens``, exactly that many (the last one cut)."""
    stream = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
    if n_tokens is not None:
        n_tokens = _validate.positive_int("n_tokens", n_tokens)
        if len(stream) < n_tokens:
            raise ValueError(f"n_tokens: asked for {n_tokens} tokens but the documents hold {len(stream)}")
        stream = stream[:n_tokens]
    return stream


def _take(docs, n_tokens, source):
    """Leading documents holding exactly ``n_tokens`` tokens (the last one cut)."""
    out, total = [], 0
    for d in docs:
        if total >= n_tokens:
            break
        d = d[: n_tokens - total]
        out.append(d)
        total += len(d)
    if total < n_tokens:
        raise ValueError(f"{source}: needs {n_tokens} tokens but holds only {total}")
    return out


def mix(real_docs, synth_docs, n_tokens: int, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A training stream of exactly ``n_tokens`` tokens, ``round(p·n_tokens)`` of them synthetic.

    Takes the leading real documents holding ``n_tokens − round(p n)`` tokens and
    the leading synthetic ones holding ``round(p n)`` (the last of each cut to
    size), shuffles the order of the documents with ``seed`` and concatenates
    them. Returns ``(stream, is_synthetic)``. Runs that differ only in ``p``
    share their real documents (a prefix of the same list), so they differ by
    as little as possible. Paper, Figure 8: "mixing" = this stream.
    """
    n_tokens = _validate.positive_int("n_tokens", n_tokens)
    p = float(_validate.fraction("p", p))
    seed = _validate.seed("seed", seed)
    n_syn = int(round(p * n_tokens))
    real = _take(real_docs, n_tokens - n_syn, "real_docs") if n_tokens > n_syn else []
    syn = _take(synth_docs, n_syn, "synth_docs") if n_syn else []
    docs = [(d, False) for d in real] + [(d, True) for d in syn]
    order = np.random.default_rng(np.random.SeedSequence([seed, 8])).permutation(len(docs))
    stream = np.concatenate([docs[i][0] for i in order]).astype(np.int32)
    flag = np.concatenate([np.full(len(docs[i][0]), docs[i][1]) for i in order])
    return stream, flag


def select_documents(streams, eos_id: int, n_tokens: int, started_before: int) -> list[np.ndarray]:
    """Cut parallel token streams into documents and keep the first ones holding ``n_tokens``.

    Parameters
    ----------
    streams : array of int, shape (batch, steps)
        Sampled continuations, each stream starting a new document at step 0
        (its prompt ended with ``eos_id``); a document ends at its ``eos_id``.
    eos_id : int
        The end-of-document token.
    n_tokens : int
        Tokens wanted, counting one ``eos_id`` per document.
    started_before : int
        Only documents starting before this step are candidates; each of them
        must have ended within ``streams``.

    Returns
    -------
    list of numpy.ndarray
        The documents (without ``eos_id``) in order of their start step (ties:
        by stream), as many of the first ones as reach ``n_tokens``. Documents
        are chosen by where they start, never by their length, so the selection
        does not favour short documents (which would bias the synthetic corpus).
    """
    streams = np.asarray(streams)
    if streams.ndim != 2:
        raise ValueError(f"streams must be a 2-d array (batch, steps), got shape {streams.shape}")
    n_tokens = _validate.positive_int("n_tokens", n_tokens)
    found = []  # (start step, stream, document)
    for b, row in enumerate(streams):
        ends = np.flatnonzero(row == eos_id)
        starts = np.r_[0, ends[:-1] + 1]
        found.extend((a, b, row[a:e]) for a, e in zip(starts, ends) if a < started_before)
    found.sort(key=lambda t: (t[0], t[1]))
    docs, total = [], 0
    for _, _, doc in found:
        if total >= n_tokens:
            break
        docs.append(doc)
        total += len(doc) + 1
    if total < n_tokens:
        raise ValueError(
            f"streams: the documents started before step {started_before} hold {total} tokens, "
            f"fewer than n_tokens={n_tokens}"
        )
    return docs
