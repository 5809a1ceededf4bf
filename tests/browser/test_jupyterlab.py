"""JupyterLab opens the MyST Markdown chapters as notebooks (the local and Binder routes).

A JupyterLab server is started on 127.0.0.1 in the repository, with a scratch
Jupyter configuration folder to which ``binder/postBuild`` (what Binder runs) has
been applied. The contents API must serve a chapter as a notebook (jupytext's
contents manager), and a click-through URL, as Binder's launch button makes, must
show it in JupyterLab's notebook editor, not in the text editor. The explorables,
displayed in a notebook, must draw with JupyterLab's own Vega renderer and redraw
when a slider moves (no kernel, no script of the site).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from collapse_lib._deferred_imports import python_command

from .harness import _drain

pytest.importorskip("jupyterlab")
pytest.importorskip("jupytext")

REPO = Path(__file__).resolve().parents[2]
TOKEN = "collapse-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


EXPLORABLES = ("theorem1", "projections", "mixing", "distributions", "workflows", "calculator")


def _explorables_notebook(path: Path) -> None:
    """A notebook with one cell per explorable, its output as the library displays it."""
    import importlib

    import nbformat

    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    for name in EXPLORABLES:
        cell = nbformat.v4.new_code_cell(f"from collapse_lib.explorables import {name}\n{name}.explorable()")
        bundle = importlib.import_module(f"collapse_lib.explorables.{name}").explorable()._repr_mimebundle_()
        cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def lab_browser(browser):
    """The session's browser, for the tests that drive JupyterLab: they may leave it on the lab's page, which the
    next one reuses (:func:`_show`). After the last, leave that page (whose unload handler logs a console error
    when the next test navigates away) and forget its logs, so that the browser is clean for the tests that
    share it."""
    yield browser
    browser.get("about:blank")
    for kind in ("browser", "performance"):
        _drain(browser, kind)


def _show(browser, lab: str, path: str, fresh: bool = False) -> None:
    """Show the file ``path`` of the lab's root in JupyterLab: loaded by its URL (``fresh``, or when the browser is
    not on this lab's page), else opened by the running app's document manager, as a click in its file browser
    would (booting JupyterLab in the browser takes seconds)."""
    running = not fresh and browser.execute_script(
        "return !!window.jupyterapp && location.href.startsWith(arguments[0]);", lab
    )
    if running:
        browser.execute_script("window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0]});", path)
    else:
        browser.get(f"{lab}/lab/tree/{path}?token={TOKEN}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Base URL of a JupyterLab server, configured as Binder configures it, rooted at a scratch folder that holds
    a copy of the chapters (``book/*.md``) and ``explorables.ipynb`` (:func:`_explorables_notebook`)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run binder/postBuild")
    root = tmp_path_factory.mktemp("lab_root")
    (root / "book").mkdir()
    for chapter in (REPO / "book").glob("*.md"):
        shutil.copy(chapter, root / "book" / chapter.name)
    _explorables_notebook(root / "explorables.ipynb")
    config = tmp_path_factory.mktemp("jupyter_config")
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(config),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    subprocess.run(["bash", str(REPO / "binder" / "postBuild")], env=env, check=True, cwd=REPO)
    port = _free_port()
    cmd = [  # python -m jupyterlab, without building the IRI parsers jupyter-events' schemas never need
        *python_command("import sys\nfrom jupyterlab.labapp import main\nsys.exit(main())"),
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={config / 'workspaces'}",
        "--LabApp.news_url=",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the tests open files in the running app
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--FileCheckpoints.checkpoint_dir={config / 'checkpoints'}",
    ]
    log = config / "server.log"
    with open(log, "wb") as out:  # the server's own log, read only if it does not start
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(f"{base}/api/status")
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start:\n" + log.read_text()[-3000:])
        if proc.poll() is not None:
            pytest.fail("JupyterLab exited:\n" + log.read_text()[-3000:])
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_server_reads_a_chapter_as_a_notebook(lab):
    model = _get(f"{lab}/api/contents/book/theorem1.md?type=notebook&content=1")
    assert model["type"] == "notebook" and model["format"] == "json"
    cells = model["content"]["cells"]
    assert [c["cell_type"] for c in cells[:2]] == ["code", "markdown"]
    assert cells[1]["source"].startswith("# Theorem 1")
    assert "remove-cell" in cells[0]["metadata"]["tags"]  # tags survive: the install cell stays hidden on the site


def test_a_chapter_link_opens_in_the_notebook_editor(lab, lab_browser):
    browser = lab_browser
    _show(browser, lab, "book/theorem1.md", fresh=True)  # the link itself, as Binder's launch button makes it
    deadline = time.time() + 90
    while time.time() < deadline:
        notebook = browser.find_elements("css selector", ".jp-NotebookPanel .jp-Cell")
        editor = browser.find_elements("css selector", ".jp-FileEditor")
        if notebook or editor:
            break
        time.sleep(0.5)
    assert notebook and not editor, "theorem1.md did not open as a notebook"


VIEW_IMAGE = """
const embed = arguments[0], c = embed.querySelector('canvas'), g = embed.querySelector('svg.marks');
return c ? c.toDataURL() : (g ? g.outerHTML : null);
"""


def test_explorables_draw_in_jupyterlab_and_answer_their_sliders(lab, lab_browser):
    browser = lab_browser
    _show(browser, lab, "explorables.ipynb")
    deadline = time.time() + 90
    embeds = []
    while time.time() < deadline and len(embeds) < len(EXPLORABLES):
        time.sleep(0.5)
        embeds = [
            e
            for e in browser.find_elements("css selector", ".jp-NotebookPanel .jp-RenderedVegaLite .vega-embed")
            if browser.execute_script(VIEW_IMAGE, e)
        ]
    errors = [
        e.text
        for e in browser.find_elements("css selector", ".jp-NotebookPanel .jp-RenderedText, .jp-RenderedVegaError")
        if "error" in e.text.lower()
    ]
    assert len(embeds) == len(EXPLORABLES) and not errors, (len(embeds), errors)
    for name, embed in zip(EXPLORABLES, embeds):
        assert embed.size["width"] > 300 and embed.size["height"] > 250, (name, embed.size)
    sliders = embeds[0].find_elements("css selector", "input[type=range]")  # Theorem 1: p2, c2, lambda, ...
    assert len(sliders) >= 3
    before = browser.execute_script(VIEW_IMAGE, embeds[0])
    browser.execute_script(
        "arguments[0].scrollIntoView(); const s = arguments[1]; s.value = s.max;"
        "s.dispatchEvent(new Event('input', {bubbles: true}));",
        embeds[0],
        sliders[0],
    )
    deadline = time.time() + 20
    while time.time() < deadline and browser.execute_script(VIEW_IMAGE, embeds[0]) == before:
        time.sleep(0.25)
    assert browser.execute_script(VIEW_IMAGE, embeds[0]) != before, "moving a slider did not redraw the figure"
