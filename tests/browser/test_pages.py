"""Every page of the built site loads offline: no failed request, nothing from another host; without a repository
address no page leads to one; each chapter offers its executed notebook, executed once in a run."""

import json
import re
from datetime import timezone
from pathlib import Path

import pytest

from .conftest import BUILD_STARTED, build_log
from .harness import site_pages


def test_site_has_every_chapter(site_dir):
    pages = site_pages(site_dir)
    for chapter in (
        "book/intro.html",
        "book/calculator.html",
        "book/theorem1.html",
        "book/random_projections.html",
        "book/mixing_strategies.html",
        "book/references.html",
    ):
        assert chapter in pages


#: A link a launch or repository button would make (the setup page may name mybinder.org itself in its prose).
LAUNCH_LINK = r"github\.com|mybinder\.org/v2|colab\.research\.google\.com/github"


def test_without_an_address_no_page_leads_to_a_repository(site_dir):
    """The site built without ``$COLLAPSE_REPO_URL`` (the tests' own build; CI's): no repository, issues, Binder,
    Colab or Thebe button or link on any page, and the setup page says the address is missing. A build with an
    address: ``tests/test_repository.py``."""
    setup = (site_dir / "book" / "setup.html").read_text()
    if "built without its address" not in setup:
        pytest.skip("this site was built with a repository address ($COLLAPSE_REPO_URL)")
    found = {}
    for page in site_pages(site_dir):
        text = (site_dir / page).read_text()
        links = [h for h in re.findall(r'href="([^"]+)"', text) if re.search(LAUNCH_LINK, h)]
        marks = [m for m in ("launch-buttons", "fa-github", "thebe") if m in text.lower()]
        if links or marks:
            found[page] = links + marks
    assert not found, found


def test_each_chapter_offers_its_executed_notebook(site_dir):
    chapters = [p for p in site_pages(site_dir) if (site_dir / "_sources" / p).with_suffix(".ipynb").is_file()]
    assert len(chapters) >= 8, chapters
    for page in chapters:
        source = f"_sources/{page[:-5]}.ipynb"
        assert source in (site_dir / page).read_text(), f"{page} has no download link to {source}"
        cells = json.loads((site_dir / source).read_text())["cells"]
        assert any(c.get("outputs") for c in cells if c["cell_type"] == "code"), f"{source} has no outputs"


def test_every_page_loads_from_the_local_server_only(sweep):
    """A first visit, cache off, read through to the end: no failed request, no console error, no other host."""
    assert len(sweep) >= 10
    problems = {}
    for page, m in sweep.items():
        others = set(m["hosts"]) - {"127.0.0.1"}
        found = m["problems"] + ([f"requested other hosts: {sorted(others)}"] if others else [])
        if found:
            problems[page] = found
    assert not problems, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in problems.items())


def test_a_chapter_this_run_has_executed_is_not_executed_again(site_dir, shared_site, shared_site_cache, request):
    """The site the tests build takes each chapter that nbval ran before the build began from the build's cache
    (the root ``conftest.py``): no chapter is executed twice in one run."""
    log = build_log(shared_site)
    if not log.is_file():
        pytest.skip("the site was not built by this run ($COLLAPSE_SITE_DIR)")
    from jupyter_cache import get_cache

    head, text = log.read_text(encoding="utf-8").split("\n", 1)
    started = float(head.removeprefix(BUILD_STARTED))
    cache = get_cache(str(shared_site_cache))  # (it keeps UTC times without their zone)
    by_nbval = {
        Path(r.uri).name
        for r in cache.list_cache_records()
        if r.data.get("executed_by") == "nbval" and r.created.replace(tzinfo=timezone.utc).timestamp() < started
    }
    executed = set(re.findall(r"/book/([\w-]+\.md): Executing notebook", text))
    taken = set(re.findall(r"/book/([\w-]+\.md): Using cached notebook", text))
    assert executed or taken, "the build log names no chapter: has its format changed?"
    if any(item.path.suffix == ".md" for item in request.session.items):  # chapters run first: some are stored
        assert by_nbval, "nbval ran chapters before the build but stored none in the build's cache"
    assert not executed & by_nbval, f"executed by nbval and again by the build: {sorted(executed & by_nbval)}"
    assert by_nbval <= taken, sorted(by_nbval - taken)
