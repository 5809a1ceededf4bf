"""Sphinx extension: read the chapters — and so execute them — in parallel, one process per core.

Reading a chapter executes its notebook (MyST-NB, execution mode ``cache``), which is most of a cold
build's time, and each notebook is independent of the others. Sphinx reads documents in forked
processes when its ``parallel`` setting is above 1 (``sphinx-build -j``), but Jupyter Book 1's
``build`` command passes no ``-j``. This extension sets it to the number of cores (at most
:data:`MAX_PROCESSES`) unless ``$COLLAPSE_BUILD_PROCESSES`` says otherwise (``1``: one process),
gives each chapter's kernel one thread while several run (:data:`THREADS_PER_KERNEL`), creates the
execution cache before the processes start (they would race to create its database), and declares
safe what Jupyter Book loads without a declaration (:data:`DECLARED_SAFE`). On the 2-core machine a
cold build at the default scale takes about two thirds of the serial time.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

#: Extensions Jupyter Book loads that declare nothing about parallel reading (Sphinx then reads serially, with a
#: warning), and why each is safe: name → reason.
DECLARED_SAFE = {
    "sphinx_multitoc_numbering": "it only replaces TocTreeCollector.assign_section_numbers, which Sphinx runs in "
    "the main process once every chapter is read",
    "sphinx_jupyterbook_latex": "its transforms act only under the LaTeX builder and it keeps nothing in the build "
    "environment",
}
#: More processes than this only add memory: a chapter's kernel uses one to two cores itself.
MAX_PROCESSES = 4
ENV_VAR = "COLLAPSE_BUILD_PROCESSES"


def processes() -> int:
    """Processes to read with: ``$COLLAPSE_BUILD_PROCESSES`` if set, else the cores (at most MAX_PROCESSES)."""
    text = os.environ.get(ENV_VAR)
    if text is None:
        return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"${ENV_VAR} must be a whole number ≥ 1, got {text!r}")
    return value


def _declare_safe(app: Sphinx) -> None:
    for name in DECLARED_SAFE:
        ext = app.extensions.get(name)
        if ext is not None and ext.parallel_read_safe is None:
            ext.parallel_read_safe = True


def _merge_nothing(self, docnames, otherdata) -> None:
    """``merge_domaindata`` of a domain whose data holds nothing per document."""


def _proof_domain_merges(app: Sphinx) -> None:
    """sphinx-proof's domain keeps no data of its own (``initial_data`` is empty): its theorems live in
    ``env.proof_list``, which sphinx-proof merges from the reading processes itself (``env-merge-info``). Sphinx
    still asks the domain to merge and stops if it cannot (the base class raises), so it gets a merge of nothing."""
    domain = app.registry.domains.get("prf")
    if domain is not None and domain.initial_data == {} and "merge_domaindata" not in vars(domain):
        domain.merge_domaindata = _merge_nothing


def _create_execution_cache(app: Sphinx) -> None:
    """Create MyST-NB's execution cache (a folder and an SQLite database) before the reading processes start.

    jupyter-cache creates its database's tables when it first finds no database file. On a cold build several
    reading processes would find none at once and each create the tables; all but the first then stop with
    "table ... already exists". Created here, in the main process, the database exists before any of them looks.
    """
    config = getattr(app.env, "mystnb_config", None)
    if app.parallel <= 1 or config is None or config.execution_mode != "cache" or not config.execution_cache_path:
        return
    from jupyter_cache import get_cache

    get_cache(config.execution_cache_path).db  # noqa: B018 - the property creates the database


#: Thread settings of the chapters' kernels while several read at once: one thread each, so that the processes
#: share the cores instead of each kernel's BLAS and torch threads fighting over them. A variable the reader has set
#: is left as it is.
THREADS_PER_KERNEL = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def setup(app: Sphinx) -> dict:
    if app.parallel <= 1:  # an explicit sphinx-build -j wins
        app.parallel = processes()
    if app.parallel > 1:
        for name, value in THREADS_PER_KERNEL.items():
            os.environ.setdefault(name, value)  # inherited by the kernels this process starts
    app.connect("builder-inited", _declare_safe)
    app.connect("builder-inited", _proof_domain_merges)
    app.connect("builder-inited", _create_execution_cache, priority=900)  # after MyST-NB has set the cache's path
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
