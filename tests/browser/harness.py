"""Helpers of the browser tests: load a page and report what went wrong on it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DESKTOP, NARROW = (1400, 1000), (400, 900)  # window sizes the pages are checked at (CSS px)


@dataclass
class PageReport:
    """What happened while a page loaded: requests that failed and console errors."""

    url: str
    failed_requests: list = field(default_factory=list)  # (url, reason)
    console_errors: list = field(default_factory=list)  # console messages of level SEVERE
    console_warnings: list = field(default_factory=list)  # console messages of level WARNING (Vega's warnings)
    requested_hosts: set = field(default_factory=set)
    requested_urls: list = field(default_factory=list)  # every URL the page requested, in order

    @property
    def problems(self) -> list[str]:
        return [f"request failed: {u} ({why})" for u, why in self.failed_requests] + [
            f"console error: {m}" for m in self.console_errors
        ]


def _drain(driver, kind):
    try:
        return driver.get_log(kind)
    except Exception:  # noqa: BLE001 - a driver without that log
        return []


#: Resolves once the document is complete and MathJax, if the page loads it, has typeset it, or after 25 s (within
#: WebDriver's default 30 s for a script).
_READY = """
const done = arguments[arguments.length - 1];
const loaded = document.readyState === 'complete' ? Promise.resolve()
  : new Promise(r => window.addEventListener('load', r, {once: true}));
const typeset = () => {
  const mj = window.MathJax;
  return mj && mj.startup && mj.startup.promise
    ? mj.startup.promise.then(() => (mj.typesetPromise ? mj.typesetPromise() : 0)) : 0;
};
Promise.race([loaded.then(typeset), new Promise(r => setTimeout(r, 25000))]).then(() => done(true), () => done(true));
"""


def open_page(driver, server, page: str, size=DESKTOP, settle_s: float = 0.5) -> PageReport:
    """Load ``page`` (a path relative to the site root) at window ``size``; report failures.

    Waits for the document to be complete and for MathJax (if the page loads it) to
    finish typesetting, then collects the network and console logs of the load.
    """
    _drain(driver, "performance"), _drain(driver, "browser")  # forget the previous page's events
    driver.set_window_size(*size)
    url = server.base + page
    driver.get(url)
    driver.execute_async_script(_READY)
    time.sleep(settle_s)
    return collect(driver, PageReport(url))


def collect(driver, report: PageReport) -> PageReport:
    """Add to ``report`` the requests, failures and console messages logged since the logs were last read."""
    requests = {}
    for entry in _drain(driver, "performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg.get("params", {})
        if msg.get("method") == "Network.requestWillBeSent":
            req_url = params["request"]["url"]
            requests[params["requestId"]] = req_url
            report.requested_urls.append(req_url)
            host = urlparse(req_url).hostname
            if host:
                report.requested_hosts.add(host)
        elif msg.get("method") == "Network.loadingFailed" and not params.get("canceled"):
            report.failed_requests.append((requests.get(params["requestId"], "?"), params.get("errorText")))
        elif msg.get("method") == "Network.responseReceived" and params["response"]["status"] >= 400:
            report.failed_requests.append((params["response"]["url"], params["response"]["status"]))
    console = _drain(driver, "browser")
    report.console_errors += [e["message"] for e in console if e.get("level") == "SEVERE"]
    report.console_warnings += [e["message"] for e in console if e.get("level") == "WARNING"]
    return report


def site_pages(site_dir: Path) -> list[str]:
    """Every HTML page of the book (relative paths), search and index pages included."""
    skip = {"genindex.html"}
    return sorted(
        str(p.relative_to(site_dir))
        for p in site_dir.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(site_dir).parts) and p.name not in skip
    )
