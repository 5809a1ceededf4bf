"""What a reader sees, measured in Chromium at 1,400 px and 400 px windows.

Every page is loaded once at 1,400 px and then narrowed to 400 px (fixture ``sweep``, shared
with the page and weight tests: a narrowed page is measured as a page loaded at 400 px, which
``test_a_narrowed_page_measures_as_one_loaded_narrow`` checks) and a script (``sweep.MEASURE``)
collects, after MathJax has typeset it:

* the width of the content column (the first cell's output area, on pages with cells);
* for every display equation: its box, the width of its typeset content and
  whether the box scrolls sideways;
* for every inline formula outside tables: its box and the width of its typeset content;
* for every figure image in a cell output: its natural and rendered width.

The tests then check: no display equation is cut off (at 1,400 px it fits its
box; at 400 px it fits or scrolls), figures are not shrunk so much that their
smallest text (``MIN_FONT_PT``, the smallest the book's style allows) falls under
``MIN_TEXT_PX`` = 11 px, every formula is
typeset, and the column is at least as wide as ``collapse_lib.plotting.SITE_COLUMN_PX``
(which ``tests/figures/test_figure_legibility.py`` uses).
"""

import math

import pytest

from collapse_lib.chapter import STYLE
from collapse_lib.plotting import MIN_FONT_PT, MIN_TEXT_PX
from collapse_lib.plotting import SITE_COLUMN_PX as COLUMN_PX

from .harness import NARROW, open_page
from .sweep import MEASURE, SCROLL_BOXES

#: The page the narrowed and the loaded layouts are compared on: formulas in tables, whose cells take another
#: text size at 400 px, so that a narrowed page whose formulas kept their first scale measures otherwise.
SAME_AS_LOADED_PAGE = "book/data_distributions.html"


@pytest.fixture(scope="module")
def measured(sweep):
    """``{(page, window width): measurements}`` for every page of the site (``sweep.MEASURE``)."""
    return {(page, width): m[key] for page, m in sweep.items() for width, key in ((1400, "wide"), (400, "narrow"))}


def test_every_formula_is_typeset(measured):
    pages_with_math = [key for key, m in measured.items() if m["total_math"]]
    assert len(pages_with_math) >= 10, "math missing from the chapters?"
    raw = {f"{p} at {w} px": f"{m['raw_math']} of {m['total_math']}" for (p, w), m in measured.items() if m["raw_math"]}
    assert not raw, f"formulas shown as raw TeX: {raw}"


def test_no_display_equation_is_cut_off(measured):
    """1,400 px: every display equation fits its box. 400 px: it fits, or its box scrolls sideways."""
    problems = []
    for (page, width), m in measured.items():
        for eq in m["math"]:
            too_wide = eq["content"] > eq["box"] + 1
            if too_wide and (width == 1400 or not eq["scrolls"]):
                problems.append(
                    f"{page} at {width} px: {eq['id']} is {eq['content']} px wide in a {eq['box']} px box"
                    f"{'' if eq['scrolls'] else ' that does not scroll'}: {eq['tex']!r}"
                )
    assert not problems, "\n".join(problems)


def test_no_inline_formula_is_cut_off(measured):
    """An inline formula (``span.math``, which the theme clips at its box) is never wider than its box: at 400 px
    the column is about 368 px, so a long formula belongs in a display, broken over lines."""
    problems = [
        f"{page} at {width} px: {f['content']} px in a {f['box']} px box: {f['tex']!r}"
        for (page, width), m in measured.items()
        for f in m["inline"]
        if f["content"] > f["box"] + 1
    ]
    assert not problems, "\n".join(problems)
    assert sum(len(m["inline"]) for m in measured.values()) > 500  # the check sees the inline formulas


def test_equation_check_is_not_blind(measured):
    """The measurement sees equations and, at 400 px, at least one that is wider than its box (and scrolls)."""
    at_400 = [eq for (p, w), m in measured.items() if w == 400 for eq in m["math"]]
    assert len(at_400) > 50
    assert any(eq["content"] > eq["box"] + 1 and eq["scrolls"] for eq in at_400)


def test_column_is_as_wide_as_the_figure_test_assumes(measured):
    for width, assumed in COLUMN_PX.items():
        columns = {p: m["column"] for (p, w), m in measured.items() if w == width and m["column"] is not None}
        assert len(columns) >= 6, f"cell outputs found on {sorted(columns)} only"
        narrow = {p: c for p, c in columns.items() if c < assumed - 1}
        assert not narrow, f"at {width} px the content column is narrower than the {assumed} px assumed: {narrow}"


def test_figures_are_not_shrunk_below_legible(measured):
    """A figure PNG is drawn at ``figure.dpi``; its smallest text (``MIN_FONT_PT``) must stay >= 11 px on screen
    (``MIN_TEXT_PX``), at 400 px as at 1,400 px."""
    min_scale = MIN_TEXT_PX / (MIN_FONT_PT * STYLE["figure.dpi"] / 72)
    problems, seen = [], 0
    for (page, width), m in measured.items():
        for im in m["images"]:
            seen += 1
            scale = im["shown"] / im["natural"]
            if scale < min_scale - 0.005:
                problems.append(
                    f"{page} at {width} px, section {im['section']!r}: {im['natural']} px image shown at "
                    f"{im['shown']} px (x{scale:.2f} < x{min_scale:.2f})"
                )
    assert seen >= 20, f"only {seen} figures measured"
    assert not problems, "\n".join(problems)


def _differences(a, b, where="", tol=1.0) -> list[str]:
    """Where two measurements differ: numbers by more than ``tol`` px, anything else at all."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in _differences(a[k], b[k], f"{where}.{k}", tol)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{where}[{i}]", tol)]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    if (numbers and math.isclose(a, b, abs_tol=tol)) or (not numbers and a == b):
        return []
    return [f"{where}: narrowed {a!r}, loaded {b!r}"]


def test_a_narrowed_page_measures_as_one_loaded_narrow(sweep, browser, server):
    """The sweep measures the 400 px layout by narrowing the window of a page loaded at 1,400 px (one load a page
    instead of two): what it measures there is what a load at 400 px measures."""
    open_page(browser, server, SAME_AS_LOADED_PAGE, size=NARROW, settle_s=0.4)
    loaded = {"narrow": browser.execute_script(MEASURE), "boxes": browser.execute_script(SCROLL_BOXES)}
    narrowed = {k: sweep[SAME_AS_LOADED_PAGE][k] for k in loaded}
    assert loaded["narrow"]["total_math"] > 20 and any(b["kind"] == "table" for b in loaded["boxes"])
    differences = _differences(narrowed, loaded)
    assert not differences, "\n".join(differences)
