"""Every page of the built site loads offline: no failed request, nothing from another host."""

import pytest

from .harness import open_page, site_pages


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


@pytest.mark.parametrize("page", ["book/theorem1.html"])
def test_math_is_typeset(server, browser, page):
    open_page(browser, server, page)
    raw = browser.execute_script(
        "return Array.from(document.querySelectorAll('span.math, div.math'))"
        ".filter(e => !e.querySelector('mjx-container, .MathJax, svg, .katex')).length"
    )
    total = browser.execute_script("return document.querySelectorAll('span.math, div.math').length")
    assert total > 0, "no math on the page?"
    assert raw == 0, f"{raw} of {total} formulas on {page} are not typeset (raw TeX shown)"
