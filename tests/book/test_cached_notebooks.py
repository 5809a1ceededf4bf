"""The book's Sphinx extension ``book/_ext/cached_notebooks.py``: a chapter from the execution cache keeps its outputs
in the notebook MyST-NB writes for download."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))

import cached_notebooks  # noqa: E402

pytest.importorskip("myst_nb")
from jupyter_cache import get_cache  # noqa: E402
from jupyter_cache.base import CacheBundleIn  # noqa: E402
from myst_nb.core.config import NbParserConfig  # noqa: E402
from myst_nb.core.execute.cache import NotebookClientCache  # noqa: E402

SOURCES = ["x = 6 * 7", "print(x)"]


def _notebook(outputs: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter")] + [nbformat.v4.new_code_cell(s) for s in SOURCES]
    if outputs:
        nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
        nb.cells[2].execution_count = 2
        nb.metadata["language_info"] = {"name": "python"}
    return nb


def _start(tmp_path, start_client) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """A cache holding the executed chapter; ``(parsed notebook, the client's notebook)`` after a cache hit."""
    cache_dir = tmp_path / "cache"
    get_cache(str(cache_dir)).cache_notebook_bundle(CacheBundleIn(_notebook(True), "chapter.md"), check_validity=False)
    parsed = _notebook(False)
    config = NbParserConfig(execution_mode="cache", execution_cache_path=str(cache_dir))
    client = NotebookClientCache(parsed, tmp_path / "chapter.md", config, logging.getLogger("test"))
    start_client(client)
    return parsed, client.notebook


def test_a_cache_hit_fills_the_parsed_notebook(tmp_path):
    cached_notebooks.setup(type("App", (), {})())  # wraps NotebookClientCache.start_client (once)
    cached_notebooks.setup(type("App", (), {})())
    assert NotebookClientCache.start_client.wraps_in_place
    assert not getattr(NotebookClientCache.start_client.__wrapped__, "wraps_in_place", False)  # not wrapped twice
    parsed, shown = _start(tmp_path, NotebookClientCache.start_client)
    assert shown is parsed  # MyST-NB writes the parsed object; the page is rendered from the client's
    assert parsed.cells[2].outputs[0]["text"] == "42\n"
    assert parsed.metadata["language_info"] == {"name": "python"}
    assert [c.source for c in parsed.cells if c.cell_type == "code"] == SOURCES
    assert parsed.cells[0].cell_type == "markdown"  # the merge keeps every cell, in order


def test_without_it_the_written_notebook_has_no_outputs(tmp_path):
    """What the extension mends: MyST-NB alone leaves the parsed notebook (the download) without outputs."""
    original = getattr(NotebookClientCache.start_client, "__wrapped__", NotebookClientCache.start_client)
    parsed, shown = _start(tmp_path, original)
    assert shown is not parsed and shown.cells[2].outputs
    assert not any(c.get("outputs") for c in parsed.cells)
