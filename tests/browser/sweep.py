"""One pass over every page of the built site, shared by the page, layout and weight tests.

Loading a page in Chromium (and waiting for MathJax) is what the browser tests spend
their time on, so every page is loaded once, whatever the number of checks:

* at 1,400 px with the browser cache off: what the page requested on load (files and
  sizes, hosts, failures, console errors), the layout measurements (:data:`MEASURE`),
  then, scrolled to its end, what reading it through adds (an explorable's script, and
  any failure or console error on the way);
* then in a window narrowed to 400 px, with MathJax's formulas measured and typeset
  again there (:data:`RETYPESET`): the layout measurements again and the boxes that may
  scroll sideways (:data:`SCROLL_BOXES`). What they measure is laid out by CSS (media
  queries, widths, overflow), by MathJax (which scales each formula to the text around it
  when it typesets) and by scripts that follow the window's size (the scroll cue, the
  explorables), so the narrowed page is the page loaded at 400 px
  (``test_layout.test_a_narrowed_page_measures_as_one_loaded_narrow`` holds the two
  together); the scripts that act once on load at a phone's width (the theme's menus) are
  ``test_reader``'s phone tests, which load pages at 400 px.

:func:`sweep_page` measures one page and returns plain JSON data, so that the processes
of a pytest-xdist run share the pass: each page is measured once, by the first worker to
claim it, and every worker reads all of them (``conftest.sweep``).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from .harness import DESKTOP, NARROW, PageReport, collect, open_page

#: Layout of the page as typeset: content column, display and inline formulas, figure images (``test_layout``).
MEASURE = r"""
const px = v => Math.round(v * 10) / 10;
const out = {column: null, math: [], raw_math: 0, total_math: 0, images: []};
const cell = document.querySelector('article.bd-article div.cell_output');
out.column = cell ? px(cell.clientWidth) : null;
const all = document.querySelectorAll('span.math, div.math');
out.total_math = all.length;
out.raw_math = Array.from(all).filter(e => !e.querySelector('mjx-container, .MathJax, svg, .katex')).length;
document.querySelectorAll('div.math').forEach(d => {
  const box = d.querySelector('mjx-container') || d;
  const inner = box.querySelector('mjx-math') || box;
  const cs = getComputedStyle(box);
  out.math.push({id: d.id || (d.closest('[id]') || {}).id || '?', tex: d.textContent.trim().slice(0, 50),
                 box: px(box.clientWidth), content: px(inner.getBoundingClientRect().width),
                 scrolls: ['auto', 'scroll'].includes(cs.overflowX) && box.scrollWidth > box.clientWidth});
});
out.inline = [];
document.querySelectorAll('article.bd-article span.math').forEach(sp => {
  if (!sp.offsetParent || sp.closest('table, div.math')) return;  // hidden, or in a table (which scrolls)
  const m = sp.querySelector('mjx-math');  // (scrollWidth would count the italic glyphs' overhang)
  if (!m) return;
  out.inline.push({tex: sp.textContent.trim().slice(0, 60), box: px(sp.getBoundingClientRect().width),
                   content: px(m.getBoundingClientRect().width)});
});
document.querySelectorAll('article.bd-article div.cell_output img').forEach(im => {
  if (!im.naturalWidth) return;
  out.images.push({section: (im.closest('section[id]') || {}).id || '', src: im.getAttribute('src').slice(-20),
                   natural: im.naturalWidth, shown: px(im.getBoundingClientRect().width)});
});
return out;
"""

#: Every box that may scroll sideways (wide formulas, tables) and its cue (``test_reader``).
SCROLL_BOXES = r"""
const boxes = document.querySelectorAll(
  "div.math mjx-container[display='true'], .pst-scrollable-table-container, div.cell_output div.output.text_html");
return Array.from(boxes).map(b => {
  const cs = getComputedStyle(b), first = b.querySelector('table tbody tr > :first-child');
  return {kind: b.matches('mjx-container') ? 'formula' : 'table', id: (b.closest('[id]') || {}).id || '?',
          hidden: b.scrollWidth - b.clientWidth, more: b.getAttribute('data-more'),
          mask: cs.webkitMaskImage || cs.maskImage || 'none',
          sticky: first ? getComputedStyle(first).position : null};
});
"""


def _local_file(site_dir: Path, url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        return None  # data: URLs are part of the file that holds them
    path = site_dir / unquote(parsed.path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


def _sizes(site_dir: Path, urls) -> dict:
    """``{file relative to the site: bytes}`` for the URLs that name a file of the site; each file once."""
    files = {}
    for url in urls:
        path = _local_file(site_dir, url)
        if path is not None and path.is_file():
            files[str(path.relative_to(site_dir))] = path.stat().st_size
    return files


#: Scroll to the end of the page a screen at a time, as a reader would, letting two frames pass at each screen (what
#: the page does when a part comes into view runs on the next frame: an explorable fetches its script); the end is
#: the page's height as it grows meanwhile.
READ_THROUGH = """
const done = arguments[arguments.length - 1], step = Math.max(window.innerHeight - 100, 200);
let y = 0;
const next = () => {
  window.scrollTo(0, y);
  if (y >= document.body.scrollHeight) { done(y); return; }
  y += step;
  requestAnimationFrame(() => requestAnimationFrame(next));
};
next();
"""


def _read_through(browser, report: PageReport, quiet_s: float = 0.5) -> PageReport:
    """Read the page through (:data:`READ_THROUGH`), then wait until it has requested nothing for ``quiet_s``;
    ``report`` holds what it requested and logged meanwhile (an explorable's script, fetched when its figure nears
    the view)."""
    browser.execute_async_script(READ_THROUGH)
    last, seen, t0 = time.time(), -1, time.time()
    while time.time() - last < quiet_s and time.time() - t0 < 10:
        collect(browser, report)
        if len(report.requested_urls) != seen:
            seen, last = len(report.requested_urls), time.time()
        time.sleep(0.1)
    return report


def _desktop(browser, server, site_dir: Path, page: str) -> dict:
    report = open_page(browser, server, page, size=DESKTOP, settle_s=0.2)
    measured = browser.execute_script(MEASURE)
    later = _read_through(browser, PageReport(report.url))
    loaded = _sizes(site_dir, report.requested_urls)
    return {
        "problems": report.problems + later.problems,
        "hosts": sorted(report.requested_hosts | later.requested_hosts),
        "load": loaded,
        "read": {**loaded, **_sizes(site_dir, later.requested_urls)},
        "wide": measured,
    }


#: Once the page has its new width (``arguments[0]``: the width it had before, as ``window.innerWidth``), measure
#: every formula's surroundings again and typeset it anew, as MathJax does on load: after the window has changed
#: size, the text around a formula may have another size (a table's cells, the theme's type scale).
RETYPESET = """
const before = arguments[0], done = arguments[arguments.length - 1], mj = window.MathJax, t0 = Date.now();
const retypeset = () => {
  if (window.innerWidth === before && Date.now() - t0 < 5000) { requestAnimationFrame(retypeset); return; }
  if (!(mj && mj.startup && mj.startup.promise)) { done(false); return; }
  mj.startup.promise.then(() => {
    mj.startup.document.rerender(mj._.core.MathItem.STATE.METRICS);
    done(true);
  }).catch(e => done('error: ' + e));
};
retypeset();
"""


def narrow(browser) -> None:
    """Narrow the window of the page loaded in ``browser`` to :data:`NARROW` and wait until the page has laid
    itself out there as a page loaded at that width (:data:`RETYPESET`, then the page's own redrawing)."""
    before = browser.execute_script("return window.innerWidth")
    browser.set_window_size(*NARROW)
    typeset = browser.execute_async_script(RETYPESET, before)
    assert typeset in (True, False), f"MathJax could not typeset the narrowed page again: {typeset}"
    _settle_layout(browser)


def _settle_layout(browser, quiet_s: float = 0.3, timeout_s: float = 5) -> None:
    """Wait until the page has laid itself out again after a resize: its height and content column unchanged for
    ``quiet_s`` (the scroll cue redraws 0.1 s after the last resize event; the explorables redraw at their new
    width)."""
    probe = "const c = document.querySelector('article.bd-article'); return [document.body.scrollHeight, c ? c.clientWidth : 0];"
    last, since, t0 = None, time.time(), time.time()
    while time.time() - t0 < timeout_s:
        now = browser.execute_script(probe)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= quiet_s:
            return
        time.sleep(0.05)


def sweep_page(browser, server, site_dir: Path, page: str) -> dict:
    """``{"problems", "hosts", "load", "read", "wide", "narrow", "boxes"}`` of one page of the site.

    ``load`` and ``read`` are ``{file: bytes}`` fetched by a first visit (cache off) before the reader scrolls
    and by the end of reading through; ``hosts`` every host asked for meanwhile; ``problems`` failed requests
    and console errors on load; ``wide`` :data:`MEASURE` at 1,400 px; ``narrow`` :data:`MEASURE` and ``boxes``
    :data:`SCROLL_BOXES` once the window is narrowed to 400 px.
    """
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        found = _desktop(browser, server, site_dir, page)
    finally:
        browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    narrow(browser)
    found["narrow"] = browser.execute_script(MEASURE)
    found["boxes"] = browser.execute_script(SCROLL_BOXES)
    return found
