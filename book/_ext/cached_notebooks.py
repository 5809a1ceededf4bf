"""Sphinx extension: a chapter taken from the execution cache is offered for download with its outputs.

MyST-NB (execution mode ``cache``) writes each chapter's executed notebook, the ``.ipynb`` the site's
download button serves, from the notebook object it parsed. Executing the chapter fills that object
with outputs; a chapter found in the jupyter-cache instead gets its outputs in a merged *copy*
(``NotebookClientCache.start_client``: ``merge_match_into_notebook``), which renders the page, while
the parsed object, without outputs, is what gets written. So a rebuild that reuses the cache (the
README's build run twice, or the test run's site built from the chapters nbval executed) offered
notebooks without a single output.

This extension wraps ``start_client`` so that on a cache hit the merged notebook's content is put into
the parsed object itself: the page and the download are the same executed notebook.
"""

from __future__ import annotations

import functools

from sphinx.application import Sphinx


def _in_place(start_client):
    @functools.wraps(start_client)
    def start(self):
        parsed = self.notebook
        start_client(self)
        merged = self.notebook
        if merged is not parsed:  # taken from the cache: copy the executed notebook into the parsed one
            parsed.clear()
            parsed.update(merged)
            self._notebook = parsed

    start.wraps_in_place = True
    return start


def setup(app: Sphinx) -> dict:
    from myst_nb.core.execute.cache import NotebookClientCache

    if not getattr(NotebookClientCache.start_client, "wraps_in_place", False):
        NotebookClientCache.start_client = _in_place(NotebookClientCache.start_client)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
