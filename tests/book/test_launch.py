"""Every launch route gets what it needs: package data, pins that agree, the chapters' install cell.

* The figure data files and the corpus ship inside the package (``pyproject.toml``
  package data), and ``data_dir()`` points there unless ``$COLLAPSE_DATA_DIR`` is set.
* ``requirements.txt`` (exact pins), ``pyproject.toml`` (ranges) and ``binder/``
  (Binder: the same packages, CPU build of torch) agree.
* Each chapter's first cell installs the library only when it is missing, keeping
  the installed torch (run here with the import machinery and pip replaced by fakes).

Building a wheel and running chapters from it outside the checkout is a CI step
(``.ci/run``, ``.ci/outside_checkout.py``): it needs a scratch environment.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import collapse_lib
from collapse_lib import datafiles, figures

jupytext = pytest.importorskip("jupytext")

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CHAPTERS = sorted(p for p in (REPO / "book").glob("*.md") if "format_name: myst" in p.read_text()[:600])


# -- package data ------------------------------------------------------------------------------


def _packaged(path: Path) -> bool:
    """Whether ``path`` (a file under collapse_lib/) matches a package-data glob of pyproject.toml."""
    for package, globs in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        root = REPO / package.replace(".", "/")
        if root in path.parents and any(fnmatch.fnmatch(path.relative_to(root).as_posix(), g) for g in globs):
            return True
    return False


def test_data_files_live_in_the_package_and_ship_with_it(monkeypatch):
    monkeypatch.delenv(datafiles.ENV_VAR, raising=False)
    results = Path(collapse_lib.__file__).parent / "results"
    assert datafiles.data_dir() == results
    shipped = sorted(p for p in results.rglob("*") if p.is_file())
    names = {p.relative_to(results).as_posix() for p in shipped}
    assert names >= {f"{name}.json" for name in figures.RECIPES} | {"bench_cpu.json"}
    assert names >= {f"explorables/{name}.npz" for name in ("mixing", "projections", "workflows")}
    assert [p.name for p in shipped if not _packaged(p)] == []
    corpus = sorted((REPO / "collapse_lib" / "lm" / "sample_corpus").iterdir())
    assert corpus and [p.name for p in corpus if not _packaged(p)] == []


def test_the_environment_variable_still_overrides_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(datafiles.ENV_VAR, str(tmp_path))
    assert datafiles.data_dir() == tmp_path


def test_chapters_read_no_repository_relative_path():
    for chapter in CHAPTERS:
        code = "\n".join(c.source for c in jupytext.read(chapter).cells if c.cell_type == "code")
        assert not re.search(r"""["'](\.\./|book/|tests/)|_data/""", code), chapter.name


# -- requirements.txt, pyproject.toml and binder/ ------------------------------------------------


def _requirements(path: Path) -> tuple[dict, list]:
    """``({name: Requirement}, [option lines])`` of a pip requirements file, following ``-r``."""
    reqs, options = {}, []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line in ("-e .", "."):
            continue
        if line.startswith("-r "):
            more, opts = _requirements(path.parent / line[3:].strip())
            for name, req in more.items():
                reqs.setdefault(name, req)
            options += opts
        elif line.startswith("-"):
            options.append(line)
        else:
            req = Requirement(line)
            reqs[canonicalize_name(req.name)] = req
    return reqs, options


ROOT, ROOT_OPTIONS = _requirements(REPO / "requirements.txt")
BINDER, BINDER_OPTIONS = _requirements(REPO / "binder" / "requirements.txt")
LIBRARY = {canonicalize_name(Requirement(d).name): Requirement(d) for d in PYPROJECT["project"]["dependencies"]}


def _exact(spec: SpecifierSet) -> Version | None:
    pins = [s for s in spec if s.operator == "=="]
    return Version(pins[0].version) if pins else None


def _lower(spec: SpecifierSet) -> Version | None:
    bounds = [Version(s.version) for s in spec if s.operator in (">=", "==")]
    return max(bounds) if bounds else None


def test_requirements_install_the_editable_library_and_jupyterlab():
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    assert "-e ." in lines
    assert {"jupyterlab", "jupytext", "ipykernel"} <= set(ROOT)


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_library_dependency_is_in_requirements_with_a_compatible_version(name):
    assert name in ROOT, f"{name} (pyproject.toml) is missing from requirements.txt"
    pinned, declared = ROOT[name].specifier, LIBRARY[name].specifier
    version = _exact(pinned) or _lower(pinned)
    assert version is not None, f"requirements.txt gives {name} no version"
    assert declared.contains(version, prereleases=True), f"{name}: requirements {pinned} outside pyproject {declared}"


def test_the_library_declares_ranges_not_pins():
    assert [str(r) for r in LIBRARY.values() if _exact(r.specifier)] == []
    assert all(_lower(r.specifier) for r in LIBRARY.values()), "every dependency has a lower bound"


def test_binder_installs_the_same_packages_with_the_cpu_build_of_torch():
    assert set(BINDER) == set(ROOT)
    assert f"--extra-index-url {CPU_INDEX}" in BINDER_OPTIONS
    root_torch, binder_torch = _exact(ROOT["torch"].specifier), _exact(BINDER["torch"].specifier)
    assert binder_torch.local == "cpu" and binder_torch.public == root_torch.public
    assert ROOT["torch"].specifier.contains(binder_torch)  # pip sees no conflict between the two lines
    for name in set(ROOT) - {"torch"}:
        assert BINDER[name].specifier == ROOT[name].specifier, name


def test_binder_python_is_one_the_library_supports():
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(runtime.removeprefix("python-"))


def test_binder_post_build_makes_chapters_open_as_notebooks():
    script = REPO / "binder" / "postBuild"
    assert script.stat().st_mode & 0o111, "postBuild must be executable"
    assert "jupytext-config set-default-viewer markdown myst" in script.read_text()


# -- the chapters' first cell ----------------------------------------------------------------


def _first_cells():
    return {chapter.name: jupytext.read(chapter).cells[0] for chapter in CHAPTERS}


def test_every_chapter_starts_with_the_hidden_install_cell_of_its_one_source():
    """Each chapter's first cell is exactly ``book/_install_cell.py`` (``scripts/install_cell.py`` copies it)."""
    cells = _first_cells()
    assert len(cells) >= 8
    source = (REPO / "book" / "_install_cell.py").read_text(encoding="utf-8").rstrip("\n")
    differ = sorted(name for name, c in cells.items() if c.source != source)
    assert differ == [], f"run python scripts/install_cell.py: the install cell differs in {differ}"
    assert all(c.cell_type == "code" and "remove-cell" in c.metadata.get("tags", []) for c in cells.values())


def test_install_cell_script_reports_and_rewrites_a_stale_copy(tmp_path):
    """The copying script finds a chapter whose cell differs, rewrites only that cell, and leaves the rest."""
    spec = importlib.util.spec_from_file_location("install_cell", REPO / "scripts" / "install_cell.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    chapter = CHAPTERS[0].read_text(encoding="utf-8")
    stale = chapter.replace("keeping the installed torch", "keeping torch", 1)
    assert stale != chapter
    (tmp_path / "a.md").write_text(stale, encoding="utf-8")
    (tmp_path / "b.md").write_text(chapter, encoding="utf-8")
    (tmp_path / "plain.md").write_text("# not a notebook\n", encoding="utf-8")
    assert script.main(["--check"], book=tmp_path) == 1
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == stale
    assert script.main([], book=tmp_path) == 0
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == chapter
    assert script.main(["--check"], book=tmp_path) == 0
    (tmp_path / "c.md").write_text(chapter.replace(":tags: [remove-cell]", ":tags: [hide-input]", 1), encoding="utf-8")
    assert script.main(["--check"], book=tmp_path) == 2


def _run_install_cell(monkeypatch, missing: bool, source: str | None):
    """Run the install cell with ``find_spec`` and ``subprocess.run`` faked; returns the pip calls."""
    real_find_spec, calls = importlib.util.find_spec, []
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if missing and name == "collapse_lib" else real_find_spec(name, *a),
    )
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if source is None:
        monkeypatch.delenv("COLLAPSE_LIB_SOURCE", raising=False)
    else:
        monkeypatch.setenv("COLLAPSE_LIB_SOURCE", source)
    exec(compile(next(iter(_first_cells().values())).source, "install-cell", "exec"), {})
    return calls


def test_install_cell_does_nothing_where_the_library_is_installed(monkeypatch):
    assert _run_install_cell(monkeypatch, missing=False, source="git+https://github.com/me/fork") == []


def test_install_cell_without_a_source_says_what_to_do(monkeypatch):
    with pytest.raises(ModuleNotFoundError, match="Set COLLAPSE_LIB_SOURCE to a pip source") as info:
        _run_install_cell(monkeypatch, missing=True, source=None)
    assert "%env COLLAPSE_LIB_SOURCE=" in str(info.value) and "your-org" not in str(info.value)


def test_install_cell_installs_from_the_source_and_keeps_torch(monkeypatch):
    calls = _run_install_cell(monkeypatch, missing=True, source="/tmp/collapse_lib-0.1.0-py3-none-any.whl")
    assert len(calls) == 1
    cmd, kwargs = calls[0]
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and kwargs.get("check") is True
    assert "/tmp/collapse_lib-0.1.0-py3-none-any.whl" in cmd
    torch_pins = [Requirement(a) for a in cmd if a.startswith("torch")]
    installed = Version(importlib.metadata.version("torch"))
    assert [str(r.specifier) for r in torch_pins] == [f"=={installed}"]  # pip may not replace it
