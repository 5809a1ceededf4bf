"""Sphinx extension: the built site needs no network.

* MathJax 3 is served from ``_build/html/_static/mathjax``, copied from the
  ``django-static-mathjax`` package (the official MathJax 3.2.2 distribution; it
  installs the plain data package ``mathjax`` and does not need Django). Copied
  are the file ``mathjax_path`` names, the loader's own components
  (``startup.js``, ``core.js``) and what components load on demand (TeX input and
  its extensions, CHTML output and fonts, menu, accessibility and speech maps),
  about 8 MB on disk. The book loads ``startup.js`` with the components listed in
  ``mathjax3_config.loader.load`` (``_config.yml``): TeX input, CommonHTML output
  and the hidden MathML that screen readers read, about 0.66 MB and the fonts a
  page uses, where the combined ``tex-mml-chtml.js`` (1.2 MB) adds MathML input and
  the right-click menu (0.43 MB, and a tab stop on every formula).
* Every page's scripts and stylesheets are checked: one that would be loaded
  from another host (``https://...``, ``//...``) is a build warning, so
  ``jupyter-book build -W`` fails instead of shipping a page that needs a CDN.
* Inline script bodies registered twice are written once. ``sphinx_thebe``
  registers its ``const THEBE_JS_URL = ...`` body in ``env-before-read-docs``;
  Sphinx then holds it both as a builder asset (file name ``None``) and as a
  registry asset (file name ``""``), which compare unequal, so every page
  declared the constant twice and logged a SyntaxError in the console.
* The site root ``index.html`` redirects to the book's first page and names the
  favicon (``sphinx_external_toc`` writes a bare ``<meta>`` redirect only when
  the file is missing, and a page without an icon link makes the browser request
  ``/favicon.ico``, a 404).

Configured in ``_config.yml`` (``sphinx.local_extensions``); it reads
``mathjax_path`` and refuses (build error) one that is not local.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

MATHJAX_ENTRY = "startup.js"  # what _config.yml's mathjax_path names (the loader, configured by mathjax3_config)
# Components loaded on demand, relative to MathJax's es5/ folder: files, and folders of files.
MATHJAX_FILES = ("startup.js", "core.js", "output/chtml.js")
MATHJAX_PARTS = ("input", "output/chtml", "a11y", "ui", "sre")


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed MathJax 3 distribution."""
    try:
        import mathjax  # django-static-mathjax's data package
    except ImportError as exc:  # pragma: no cover - requirements.txt installs it
        raise ConfigError(
            "offline_site: MathJax is served from the package django-static-mathjax; pip install -r requirements.txt"
        ) from exc
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / MATHJAX_ENTRY).is_file():
        raise ConfigError(f"offline_site: {es5 / MATHJAX_ENTRY} not found; reinstall django-static-mathjax")
    return es5


def _is_remote(url: str | None) -> bool:
    return bool(url) and ("://" in url or url.startswith("//"))


def _check_config(app: Sphinx, config) -> None:
    if _is_remote(config.mathjax_path):
        raise ConfigError(
            f"offline_site: mathjax_path = {config.mathjax_path!r} loads MathJax from the network; "
            f"set it to 'mathjax/{MATHJAX_ENTRY}' (served from _static)"
        )
    entry = mathjax_source() / _entry_name(config.mathjax_path)
    if not entry.is_file():
        raise ConfigError(f"offline_site: mathjax_path = {config.mathjax_path!r}: no {entry.name} in MathJax 3")


def _entry_name(mathjax_path: str) -> str:
    return Path(mathjax_path.split("?", 1)[0]).name


def _page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if scripts is not None:
        seen, kept = set(), []
        for js in scripts:
            body = js.attributes.get("body") if not js.filename else None
            key = ("body", body) if body else None
            if key and key in seen:
                continue
            if key:
                seen.add(key)
            kept.append(js)
        scripts[:] = kept
    for asset in list(scripts or []) + list(context.get("css_files") or []):
        url = getattr(asset, "filename", asset)
        if _is_remote(url):
            logger.warning(
                f"offline_site: page {pagename!r} would load {url} from the network; "
                "serve it from _static (the site must work offline)",
                type="offline_site",
            )


def _copy_mathjax(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    src, dest = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    dest.mkdir(parents=True, exist_ok=True)
    for name in {_entry_name(app.config.mathjax_path), *MATHJAX_FILES}:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / name, dest / name)
    for part in MATHJAX_PARTS:
        shutil.copytree(src / part, dest / part, dirs_exist_ok=True)


REDIRECT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta http-equiv="Refresh" content="0; url={target}" />
<title>{title}</title>
{icon}</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def _write_index(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.name != "html" or app.config.root_doc == "index":
        return
    from collapse_lib.fileio import atomic_write

    favicon = app.config.html_favicon
    icon = "" if not favicon else f'<link rel="icon" href="_static/{Path(favicon).name}" />\n'
    target = app.builder.get_target_uri(app.config.root_doc)
    title = app.config.html_title or app.config.project
    atomic_write(Path(app.outdir) / "index.html", REDIRECT.format(target=target, title=title, icon=icon))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _check_config)
    app.connect("html-page-context", _page_assets, priority=900)
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _write_index, priority=400)  # before sphinx_external_toc's bare redirect
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
