"""pytest plugin: nbval runs the MyST Markdown chapters (``book/*.md``) cell by cell; one thread per xdist worker.

nbval collects ``.ipynb`` files only. The chapters are MyST Markdown notebooks
(jupytext ``format_name: myst``); this hook hands each of them to nbval's own
collector, reading the file with jupytext instead of nbformat, so
``pytest --nbval-lax tests book`` reports every code cell of every chapter as a
test item (``book/theorem1.md::Cell 3``), with the kernel started in ``book/``.
Plain Markdown pages (no jupytext header) are not collected.

A run that also builds the site for the browser tests (``tests/browser``, without
``$COLLAPSE_SITE_DIR``) executes each chapter once, not twice: the chapters run first,
and each one whose every cell passed goes into the jupyter-cache the site is then built
with (:func:`site_cache`), which takes its outputs as the build's own execution would
(a chapter not found there is executed by the build).
"""

from __future__ import annotations

import copy
import gc
import os
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest

# Under pytest-xdist (``-n 2``) each worker, and each chapter kernel it starts, computes with one thread: two workers
# with torch's and BLAS's default of a thread per core would run four compute threads on two cores. Set before any
# test module imports torch; a variable the caller has set is kept.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

#: Whether this run builds the site from the chapters it executes (set at collection, :func:`builds_site`).
_BUILDS_SITE = pytest.StashKey[bool]()


def shared_dir(config) -> Path:
    """A folder shared by every process of this run: its base temporary folder, which holds the pytest-xdist
    workers' own. Read from the config: a collector, unlike a test, has no ``tmp_path_factory`` fixture."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def site_folder(config) -> Path:
    """Where this run builds the site for the browser tests (``jupyter-book build --path-output``)."""
    return shared_dir(config) / "site"


def site_cache(config) -> Path:
    """The jupyter-cache of that build (``_build/.jupyter_cache`` under its output folder): the executed chapters."""
    return site_folder(config) / "_build" / ".jupyter_cache"


@pytest.fixture(scope="session")
def shared_site(pytestconfig) -> Path:
    """:func:`site_folder` for the tests."""
    return site_folder(pytestconfig)


@pytest.fixture(scope="session")
def shared_site_cache(pytestconfig) -> Path:
    """:func:`site_cache` for the tests."""
    return site_cache(pytestconfig)


def builds_site(config) -> bool:
    """Whether the collected tests build the site (a test uses the ``site_dir`` fixture and ``$COLLAPSE_SITE_DIR``
    does not name a built one)."""
    return config.stash.get(_BUILDS_SITE, False)


def _is_chapter(item) -> bool:
    return item.path.suffix == ".md"


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Freeze what the process holds once pytest is done with it: the process exits next, and the interpreter's
    garbage collections at exit would go through everything the tests loaded (torch, matplotlib, the chapters'
    libraries), about 2 s in each process that ran tests (an xdist worker, or the one process without xdist),
    to free memory the exit frees anyway.
    Files are closed and flushed before this point (pytest's own, and the library's, written atomically)."""
    gc.freeze()


def pytest_collection_modifyitems(config, items):
    """The order files are handed to the workers in (pyproject's addopts turn xdist's own reordering off): the
    chapters first, so that their executed notebooks are cached before the site is built; the files whose tests
    need the built site last, just after the other Chromium tests (which keep a worker busy while another builds
    the site); the rest in between, files with more tests first (xdist's own order)."""
    builds = not os.environ.get("COLLAPSE_SITE_DIR")
    group, count = {}, Counter()
    for item in items:
        file = item.nodeid.split("::")[0]
        count[file] += 1
        fixtures = getattr(item, "fixturenames", ())
        rank = 0 if _is_chapter(item) else 3 if "site_dir" in fixtures else 2 if "browser" in fixtures else 1
        group[file] = max(group.get(file, rank), rank)
    config.stash[_BUILDS_SITE] = builds and 3 in group.values()

    def key(item):  # a stable sort: a file's tests keep their order
        file = item.nodeid.split("::")[0]
        return group[file], -count[file], file

    items.sort(key=key)


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


#: Run in a chapter's kernel before its cells where no site is built from them (see ``MystNotebook``).
FIGURES_OFF = 'get_ipython().run_line_magic("config", "InlineBackend.figure_formats = set()")'

try:
    import jupytext
    from nbval import plugin as _nbval
except ImportError:  # pragma: no cover - nbval/jupytext missing: nothing to collect
    pass
else:

    def _read(path, as_version=4):
        return jupytext.read(path, as_version=as_version, fmt="md:myst")

    class MystNotebook(_nbval.IPyNbFile):
        """nbval's notebook collector, reading a MyST Markdown notebook through jupytext.

        Where this run builds the site (:func:`builds_site`), the chapter's kernel draws its figures as the build's
        would, and a chapter whose every cell ran without error is stored, outputs and the kernel's
        ``language_info`` included, in the build's jupyter-cache (:func:`site_cache`), under the hash jupyter-book
        looks it up by (its code cells and kernelspec): the build shows these outputs instead of executing the
        chapter again. Elsewhere (``$COLLAPSE_SITE_DIR`` names a site built before, or no test needs the site) the
        kernel draws no figure: matplotlib's inline backend gets no image format (``FIGURES_OFF``), so a cell that
        shows a figure builds it (the recipe's ``plot`` runs, with its checks) and prints its text form instead of
        rasterising it, a quarter of a chapter's time; the figures are drawn by the book build (``.ci/run``) and
        ``tests/figures/test_figure_legibility.py``.
        """

        def setup(self):
            super().setup()
            self._started = time.perf_counter()
            self._language_info = None
            if builds_site(self.config):
                reply = self.kernel.kc.kernel_info(reply=True, timeout=60)
                self._language_info = reply["content"].get("language_info")
            else:
                msg_id = self.kernel.kc.execute(FIGURES_OFF, stop_on_error=False)
                self.kernel.await_idle(msg_id, 60)

        def collect(self):
            self._cells = []
            with mock.patch.object(_nbval.nbformat, "read", _read):
                for item in super().collect():
                    item.add_marker("slow")  # a chapter runs in a kernel: not in the quick tier
                    self._cells.append(item)
                    yield item

        def teardown(self):
            try:
                if getattr(self, "_language_info", None) is not None:  # (None also where setup failed)
                    self._cache_executed()
            finally:
                super().teardown()

        def _cache_executed(self) -> None:
            """Store the executed chapter in the site build's jupyter-cache, if each of its cells ran without error."""
            outputs = [getattr(cell, "test_outputs", None) for cell in self._cells]
            ran = outputs and all(o is not None for o in outputs) and not self.timed_out
            if not ran or any(o.get("output_type") == "error" for out in outputs for o in out):
                return
            import nbformat
            from filelock import FileLock
            from jupyter_cache import get_cache
            from jupyter_cache.base import CacheBundleIn

            nb = copy.deepcopy(self.nb)  # the chapter as nbval read it (``collect``)
            code = [cell for cell in nb.cells if cell.cell_type == "code"]
            if len(code) != len(outputs):
                return
            for count, (cell, out) in enumerate(zip(code, outputs), start=1):
                cell.outputs = [nbformat.from_dict(dict(o)) for o in out]
                cell.execution_count = count
            nb.metadata["language_info"] = self._language_info
            folder = site_cache(self.config)
            folder.parent.mkdir(parents=True, exist_ok=True)
            seconds = round(time.perf_counter() - self._started, 2)
            with FileLock(str(folder) + ".lock"):
                get_cache(str(folder)).cache_notebook_bundle(
                    CacheBundleIn(nb, str(self.path), data={"execution_seconds": seconds, "executed_by": "nbval"}),
                    check_validity=False,
                    overwrite=True,
                )
