"""The repository URL (``collapse_lib.repository``): one setting, every button, never a placeholder.

The build tests run ``jupyter-book build`` on a two-page book (an introduction that
uses the substitutions and one MyST notebook, not executed) whose configuration is the real
``_config.yml``'s ``repository``, ``launch_buttons``, ``html`` and ``parse``
sections, with ``$COLLAPSE_REPO_URL`` set, then read the HTML. The site without an address (no
button leads to a repository) and the executed notebooks offered for download are checked on the
real site, built by the browser tests (``tests/browser/test_pages.py``).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from collapse_lib._deferred_imports import python_command
from collapse_lib.repository import ENV_VAR, SUBSTITUTIONS, repository_url, substitutions

yaml = pytest.importorskip("yaml")
pytest.importorskip("jupyter_book")

REPO = Path(__file__).resolve().parents[1]
FORK = "https://github.com/me/fork"

CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Chapter

```{code-cell}
print(6 * 7)
```
"""

INTRO = """# Intro

Clone {{ repository }}. {{ binder_route }} Install from {{ install_source }}.
"""


# -- the URL itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", ""),
        ("  ", ""),
        (None, ""),
        ("https://github.com/me/fork", FORK),
        ("https://github.com/me/fork/", FORK),
        ("https://github.com/me/fork.git", FORK),
        ("https://github.com/Org-1/my.repo_x", "https://github.com/Org-1/my.repo_x"),
    ],
)
def test_configured_url_is_normalised(value, expected):
    assert repository_url(value, environ={}) == expected


def test_environment_variable_overrides_the_configuration():
    assert repository_url("https://github.com/a/b", environ={ENV_VAR: FORK}) == FORK
    assert repository_url(FORK, environ={ENV_VAR: ""}) == FORK  # an empty variable is no override


@pytest.mark.parametrize(
    "value",
    [
        "github.com/me/fork",
        "http://github.com/me/fork",
        "https://gitlab.com/me/fork",
        "https://github.com/me",
        "https://github.com/me/fork/tree/main",
        "your-org",
    ],
)
def test_other_urls_are_refused_naming_their_source(value):
    with pytest.raises(ValueError, match=re.escape(f"${ENV_VAR}")):
        repository_url("", environ={ENV_VAR: value})
    with pytest.raises(ValueError, match="repository.url"):
        repository_url(value, environ={})


def test_substitutions_name_the_url_only_when_there_is_one():
    with_url, without = substitutions(FORK, "dev"), substitutions("")
    assert set(with_url) == set(without) == set(SUBSTITUTIONS)
    assert FORK in with_url["repository"] and "mybinder.org/v2/gh/me/fork/dev?" in with_url["binder_route"]
    assert not any("github.com/" in v and "<owner>" not in v for v in without.values())


def test_the_real_configuration_has_no_placeholder_and_loads_the_extension():
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    assert config["repository"]["url"] == ""
    assert "collapse_lib.repository" in config["sphinx"]["extra_extensions"]
    assert not {"colab_url", "thebe"} & set(config["launch_buttons"])
    assert "your-org" not in (REPO / "_config.yml").read_text() + (REPO / "book" / "intro.md").read_text()


# -- built sites ------------------------------------------------------------------------------


def _mini_book(root: Path) -> Path:
    real = yaml.safe_load((REPO / "_config.yml").read_text())
    html = {k: v for k, v in real["html"].items() if k != "favicon"}
    config = {
        "title": "t",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},  # the buttons do not depend on outputs
        "repository": real["repository"],
        "launch_buttons": real["launch_buttons"],
        "html": html,
        "parse": real["parse"],
        "sphinx": {"extra_extensions": ["collapse_lib.repository"]},
    }
    root.mkdir()
    (root / "_config.yml").write_text(yaml.safe_dump(config))
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: chapter\n")
    (root / "intro.md").write_text(INTRO)
    (root / "chapter.md").write_text(CHAPTER)
    return root


def _start_build(root: Path, url: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if url is not None:
        env[ENV_VAR] = url
    cmd = [*python_command("from jupyter_book.cli.main import main; main()"), "build", str(root), "-W"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def fork_site(tmp_path_factory) -> Path:
    """The mini book built with ``$COLLAPSE_REPO_URL`` = :data:`FORK`: its HTML folder."""
    root = _mini_book(tmp_path_factory.mktemp("repo_site") / "fork")
    proc = _start_build(root, FORK)
    log = proc.communicate(timeout=600)[0]
    assert proc.returncode == 0, log[-3000:]
    return root / "_build" / "html"


def _hrefs(page: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', page.read_text())


@pytest.mark.slow
def test_with_the_variable_every_button_uses_it(fork_site):
    html = fork_site
    hrefs = _hrefs(html / "chapter.html")
    assert FORK in hrefs  # repository button
    assert any(h.startswith(f"{FORK}/issues") for h in hrefs)  # issues button
    assert "https://mybinder.org/v2/gh/me/fork/main?urlpath=lab/tree/chapter.md" in hrefs
    text = (html / "chapter.html").read_text().lower()
    assert "colab" not in text and "thebe" not in text
    assert not [h for h in hrefs if "github.com" in h and not h.startswith(FORK)]
    intro = (html / "intro.html").read_text()
    assert f'href="{FORK}"' in intro and "mybinder.org/v2/gh/me/fork/main?urlpath=lab/tree/book" in intro


@pytest.mark.slow
def test_a_bad_url_stops_the_build_in_one_line(tmp_path):
    proc = _start_build(_mini_book(tmp_path / "bad"), "https://example.org/x")
    log = proc.communicate(timeout=300)[0]
    assert proc.returncode != 0
    assert f"${ENV_VAR} must be https://github.com/<owner>/<name>" in log
