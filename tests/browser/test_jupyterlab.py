"""JupyterLab opens the MyST Markdown chapters as notebooks (the local and Binder routes).

A JupyterLab server is started on 127.0.0.1 in the repository, with a scratch
Jupyter configuration folder to which ``binder/postBuild`` (what Binder runs) has
been applied. The contents API must serve a chapter as a notebook (jupytext's
contents manager), and a click-through URL, as Binder's launch button makes, must
show it in JupyterLab's notebook editor, not in the text editor.
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


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Base URL of a JupyterLab server rooted at the repository, configured as Binder configures it."""
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run binder/postBuild")
    config = tmp_path_factory.mktemp("jupyter_config")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), PATH=f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ.get('PATH', '')}")
    subprocess.run(["bash", str(REPO / "binder" / "postBuild")], env=env, check=True, cwd=REPO)
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={REPO}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           f"--FileCheckpoints.checkpoint_dir={config / 'checkpoints'}"]  # nothing written into the checkout
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


def test_a_chapter_link_opens_in_the_notebook_editor(lab, browser):
    browser.get(f"{lab}/lab/tree/book/theorem1.md?token={TOKEN}")
    deadline = time.time() + 90
    while time.time() < deadline:
        notebook = browser.find_elements("css selector", ".jp-NotebookPanel .jp-Cell")
        editor = browser.find_elements("css selector", ".jp-FileEditor")
        if notebook or editor:
            break
        time.sleep(0.5)
    assert notebook and not editor, "theorem1.md did not open as a notebook"
