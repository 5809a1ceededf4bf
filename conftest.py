"""pytest plugin: nbval runs the MyST Markdown chapters (``book/*.md``) cell by cell; one thread per xdist worker.

nbval collects ``.ipynb`` files only. The chapters are MyST Markdown notebooks
(jupytext ``format_name: myst``); this hook hands each of them to nbval's own
collector, reading the file with jupytext instead of nbformat, so
``pytest --nbval-lax tests book`` reports every code cell of every chapter as a
test item (``book/theorem1.md::Cell 3``), with the kernel started in ``book/``.
Plain Markdown pages (no jupytext header) are not collected.
"""

from __future__ import annotations

import os
from unittest import mock

# Under pytest-xdist (``-n 2``) each worker, and each chapter kernel it starts, computes with one thread: two workers
# with torch's and BLAS's default of a thread per core would run four compute threads on two cores. Set before any
# test module imports torch; a variable the caller has set is kept.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")


def _is_myst_notebook(path) -> bool:
    if path.suffix != ".md":
        return False
    with open(path, encoding="utf-8") as fh:
        head = fh.read(600)
    return head.startswith("---") and "format_name: myst" in head and "kernelspec" in head


def pytest_collect_file(file_path, parent):
    opt = parent.config.option
    if not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)) or not _is_myst_notebook(file_path):
        return None
    return MystNotebook.from_parent(parent, path=file_path)


#: Run in each chapter's kernel before its cells (see ``MystNotebook``).
FIGURES_OFF = 'get_ipython().run_line_magic("config", "InlineBackend.figure_formats = set()")'

try:
    import jupytext
    from nbval import plugin as _nbval
except ImportError:  # pragma: no cover - nbval/jupytext missing: nothing to collect
    pass
else:

    class MystNotebook(_nbval.IPyNbFile):
        """nbval's notebook collector, reading a MyST Markdown notebook through jupytext.

        Its kernel draws no figure: matplotlib's inline backend gets no image format (``FIGURES_OFF``), so a
        cell that shows a figure builds it (the recipe's ``plot`` runs, with its checks) and prints its text
        form instead of rasterising it, which is most of a chapter's time. Drawing is tested where it is looked
        at: the book build (in ``.ci/run``, and the browser tests' own build in the README command), which
        stops at a cell that fails, and ``tests/figures/test_figure_legibility.py``, which draws every recipe.
        """

        def setup(self):
            super().setup()
            msg_id = self.kernel.kc.execute(FIGURES_OFF, stop_on_error=False)
            self.kernel.await_idle(msg_id, 60)

        def collect(self):
            def read(path, as_version=4):
                return jupytext.read(path, as_version=as_version, fmt="md:myst")

            with mock.patch.object(_nbval.nbformat, "read", read):
                for item in super().collect():
                    item.add_marker("slow")  # a chapter runs in a kernel: not in the quick tier
                    yield item
