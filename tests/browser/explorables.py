"""Helpers of the explorable tests: wait for a figure, read what it draws, move its controls.

All of them go through the page's own objects: ``window.collapseExplorables.views[name]``
(the Vega view of an explorable) and the HTML inputs Vega binds to its parameters
(``input[name=<parameter>]`` inside ``#explorable-<name>``).
"""

from __future__ import annotations

import time

_COLLECT = """
const view = window.collapseExplorables.views[arguments[0]], prefix = arguments[1], out = [];
function plain(d) {
  const o = {};
  for (const k in d) { const v = d[k]; if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') o[k] = v; }
  return o;
}
(function walk(node) {
  if (!node || !Array.isArray(node.items)) return;
  if (node.marktype !== undefined && (node.name || '').startsWith(prefix) && node.role === 'mark') {
    node.items.forEach(it => out.push(plain(it.datum || {})));
  }
  node.items.forEach(walk);
})(view.scenegraph().root);
return out;
"""


def wait_ready(browser, name: str, timeout: float = 60) -> None:
    """Bring the explorable ``name`` into view, as a reader scrolling to it (the page fetches the explorables'
    script only then), and wait until it is drawn (its view registered, its box marked ready)."""
    browser.execute_script(
        "const b = document.getElementById('explorable-' + arguments[0]); if (b) b.scrollIntoView({block: 'center'});",
        name,
    )
    t0 = time.time()
    while time.time() - t0 < timeout:
        if browser.execute_script(
            "const e = window.collapseExplorables; const b = document.getElementById('explorable-' + arguments[0]);"
            "return !!(e && e.views[arguments[0]] && b && b.getAttribute('data-ready') === '1');",
            name,
        ):
            return
        time.sleep(0.1)
    raise AssertionError(f"explorable {name!r} was not drawn within {timeout} s")


def drawn(browser, name: str, mark: str) -> list[dict]:
    """The data of every item drawn by the marks of explorable ``name`` whose Vega name starts with ``mark``."""
    return browser.execute_script(_COLLECT, name, mark)


def svg(browser, name: str) -> str:
    """The explorable's picture as SVG text (to tell whether a control changed what is drawn)."""
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.collapseExplorables.views[arguments[0]].toSVG().then(done, e => done('error: ' + e));",
        name,
    )


def move(browser, name: str, param: str, value) -> None:
    """Set the HTML control bound to ``param`` as a reader would (value + its input/change event); wait for the redraw."""
    found = browser.execute_async_script(
        """
        const [name, param, value, done] = arguments;
        const box = document.getElementById('explorable-' + name);
        const el = box.querySelector(`[name="${param}"]`);
        if (!el) { done(false); return; }
        if (el.type === 'checkbox') { if (el.checked !== value) el.click(); }
        else if (el.tagName === 'SELECT') { el.value = String(value); el.dispatchEvent(new Event('change', {bubbles: true})); }
        else { el.value = String(value); el.dispatchEvent(new Event('input', {bubbles: true}));
               el.dispatchEvent(new Event('change', {bubbles: true})); }
        window.collapseExplorables.views[name].runAsync().then(() => done(true));
        """,
        name,
        param,
        value,
    )
    assert found, f"explorable {name!r} has no control bound to {param!r}"


def signal(browser, name: str, param: str):
    """The current value of a parameter of the explorable's view."""
    return browser.execute_script(
        "return window.collapseExplorables.views[arguments[0]].signal(arguments[1]);", name, param
    )


def vega_warnings(browser) -> list[str]:
    """Console warnings and errors logged since the last call (Vega logs its warnings as WARN)."""
    try:
        logs = browser.get_log("browser")
    except Exception:  # noqa: BLE001 - a driver without that log
        return []
    return [e["message"] for e in logs if e.get("level") in ("WARNING", "SEVERE")]
