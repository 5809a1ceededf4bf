"""Browser tests of the built site: fixtures shared by every test in ``tests/browser``.

* ``site_dir`` — the built HTML: ``$COLLAPSE_SITE_DIR`` if set (CI builds the book
  first and points here), else the book is built now, at the smoke scale, into a
  temporary folder (about two minutes; once per run, also under pytest-xdist, where the
  first worker to need it builds it and the others wait for its lock). The chapters this
  run has executed already (nbval, run first) are not executed again: the build takes
  them from its jupyter-cache (the root ``conftest.py``).
* ``server`` — a static file server on 127.0.0.1 for ``site_dir``; it records
  every request and its status (``server.requests``).
* ``browser`` — headless Chromium driven by selenium, with every host other than
  127.0.0.1 unresolvable (``--host-resolver-rules``), so a page that needs the
  network fails visibly. ``open_page(browser, server, "book/theorem1.html")``
  (in ``harness.py``) loads a page and returns what went wrong on it.

The tests skip, saying why, when Chromium or chromedriver is not installed
(``apt-get install chromium chromium-driver``; ``.ci/run`` installs both).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from collapse_lib._deferred_imports import python_command
from collapse_lib.fileio import atomic_write
from collapse_lib.repository import ENV_VAR

from .harness import DESKTOP

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a ``browser`` test, and ``slow`` (it builds or serves the site to Chromium)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def _site_once(shared: Path) -> tuple[Path, str]:
    """Build the site into ``shared`` unless a process of this run already did: ``(html folder, error or "")``."""
    from filelock import FileLock

    with FileLock(str(shared) + ".lock"):
        html = shared / "_build" / "html"
        if (html / "index.html").is_file():
            return html, ""
        return html, _build_site(shared)


@pytest.fixture(scope="session")
def site_dir(shared_site) -> Path:
    env = os.environ.get("COLLAPSE_SITE_DIR")
    if env:
        path = Path(env).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"$COLLAPSE_SITE_DIR={env} holds no built site (index.html missing)")
        return path
    html, error = _site_once(shared_site)
    if error:
        pytest.fail(error)
    return html


BUILD_STARTED = "build started at "


def build_log(out: Path) -> Path:
    """The log of the build into ``out`` (jupyter-book's output, after a first line ``BUILD_STARTED<time.time()>``)."""
    return out.with_name("build.log")


def _build_site(out: Path) -> str:
    """Build the book at the smoke scale into ``out``; returns "" or what went wrong."""
    # jupyter-book 1 has no ``python -m jupyter_book``: call its click entry point with this interpreter
    cmd = [
        *python_command("from jupyter_book.cli.main import main; main()"),
        "build",
        str(REPO),
        "--path-output",
        str(out),
    ]
    # one reading process: the chapters come from the execution cache, so there is nothing to share out, and a second
    # process only adds its start and the pickling of the environment (about 6 CPU-seconds) while the run's other
    # worker has the other core (CI's site, which the browser tests check there, is built with its default processes)
    env = dict(os.environ, COLLAPSE_SCALE="smoke", PYTHONPATH=str(REPO), COLLAPSE_BUILD_PROCESSES="1")
    env.pop(ENV_VAR, None)  # built without a repository address, as CI builds it
    started = time.time()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    atomic_write(build_log(out), f"{BUILD_STARTED}{started}\n{done.stdout}")
    if done.returncode != 0:
        return f"book build failed ({' '.join(cmd)}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return ""


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean; requests are recorded instead
        pass

    def send_response(self, code, message=None):
        self.server.requests.append((self.path, code))
        super().send_response(code, message)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory):
        self.requests: list[tuple[str, int]] = []
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(directory)))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


@pytest.fixture(scope="session")
def server(site_dir):
    srv = _Server(site_dir)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()


def chromium(javascript: bool = True):
    """Headless Chromium driven by selenium, offline but for 127.0.0.1, at the desktop window size, recording its
    console and network logs; ``javascript=False`` turns scripts off (what a reader without JavaScript sees)."""
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        # every host but the local server is unresolvable: nothing may come from the network
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium and chromedriver are needed: apt-get install chromium chromium-driver")
    pytest.importorskip("selenium.webdriver")
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def sweep(site_dir, server, browser, shared_site) -> dict:
    """``{page: sweep.sweep_page(...)}`` for every page of this run's site, each page measured once per run.

    The pages are shared out between the processes that need them (a file per page beside the workers'
    folders): a process measures each page nobody has claimed yet, then waits for the others' (a page takes
    seconds), so that two workers reaching the sweep together each do half of it."""
    import json

    from .harness import site_pages
    from .sweep import sweep_page

    folder = shared_site.with_name("sweep")
    folder.mkdir(exist_ok=True)
    pages = site_pages(site_dir)
    files = {page: folder / (page.replace("/", "__") + ".json") for page in pages}
    for page, file in files.items():
        try:
            file.with_suffix(".claimed").open("x").close()  # created by one process only
        except FileExistsError:
            continue
        atomic_write(file, json.dumps(sweep_page(browser, server, site_dir, page)))
    deadline = time.time() + 600
    while not all(file.is_file() for file in files.values()):
        if time.time() > deadline:
            pytest.fail(f"pages claimed by another worker were not measured in 10 min: {sorted(folder.iterdir())}")
        time.sleep(0.2)
    return {page: json.loads(file.read_text(encoding="utf-8")) for page, file in files.items()}
