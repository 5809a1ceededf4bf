"""The book's Sphinx extension ``book/_ext/parallel_read.py``: chapters read (executed) in parallel."""

import importlib
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
import parallel_read  # noqa: E402


def test_processes_default_to_the_cores_and_obey_the_variable(monkeypatch):
    monkeypatch.delenv(parallel_read.ENV_VAR, raising=False)
    assert parallel_read.processes() == max(1, min(os.cpu_count() or 1, parallel_read.MAX_PROCESSES))
    monkeypatch.setenv(parallel_read.ENV_VAR, "1")
    assert parallel_read.processes() == 1
    for bad in ("0", "-2", "two", "1.5", ""):
        monkeypatch.setenv(parallel_read.ENV_VAR, bad)
        with pytest.raises(ValueError, match=r"\$COLLAPSE_BUILD_PROCESSES must be a whole number"):
            parallel_read.processes()


@pytest.mark.parametrize("name", sorted(parallel_read.DECLARED_SAFE))
def test_what_it_declares_safe_is_installed_and_declares_nothing_itself(name):
    """If a new release declares parallel safety (or un-safety) itself, the declaration here is stale."""
    from unittest import mock

    from sphinx.environment.collectors.toctree import TocTreeCollector

    kept = TocTreeCollector.assign_section_numbers  # sphinx_multitoc_numbering's setup replaces it, process-wide
    try:
        meta = importlib.import_module(name).setup(mock.MagicMock())
    finally:
        TocTreeCollector.assign_section_numbers = kept
    assert meta is None or "parallel_read_safe" not in meta, meta
    assert parallel_read.DECLARED_SAFE[name]  # a reason is given


def test_the_proof_domain_keeps_no_data_of_its_own():
    """The no-op merge is right only while sphinx-proof's domain has no domain data (its theorems are merged by
    sphinx-proof through env-merge-info)."""
    from sphinx_proof.domain import ProofDomain

    assert ProofDomain.initial_data == {}
    import sphinx_proof

    assert "merge_proofs" in vars(sphinx_proof)


def test_the_book_loads_it():
    config = (Path(__file__).resolve().parents[2] / "_config.yml").read_text(encoding="utf-8")
    assert "parallel_read: book/_ext" in config


def test_the_execution_cache_exists_before_the_processes_read(tmp_path):
    """On a cold parallel build the main process creates jupyter-cache's database, so that no two reading
    processes create its tables at once; a serial build, or one without the cache, is left alone."""
    import sqlite3
    from types import SimpleNamespace

    def app(parallel, mode="cache", folder="cache"):
        config = SimpleNamespace(execution_mode=mode, execution_cache_path=str(tmp_path / folder))
        return SimpleNamespace(parallel=parallel, env=SimpleNamespace(mystnb_config=config))

    parallel_read._create_execution_cache(app(1, folder="serial"))
    parallel_read._create_execution_cache(app(2, mode="force", folder="force"))
    assert not (tmp_path / "serial").exists() and not (tmp_path / "force").exists()
    parallel_read._create_execution_cache(app(2))
    (db,) = (tmp_path / "cache").glob("*.db")
    tables = {row[0] for row in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")}
    assert {"settings", "nbcache", "nbproject"} <= tables, tables
