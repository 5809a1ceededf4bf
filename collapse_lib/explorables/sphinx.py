"""Sphinx extension: serve the explorables' JavaScript from the built site (no other host).

Listed in ``_config.yml`` under ``sphinx: extra_extensions``. It

* writes ``_static/collapse-explorables.js`` when the HTML build finishes:
  Vega, Vega-Lite and vega-embed from ``vl_convert.javascript_bundle`` (one
  self-contained bundle shipped inside the ``vl-convert-python`` wheel), wrapped
  so that it runs as a classic script, followed by the book's own scripts
  ``static/calculator.js`` (the calculator) and ``static/explorables.js``
  (embedding; it sends the ready event, so it comes last); and
  ``_static/collapse-explorables.css``. vl_convert takes seconds to assemble
  the bundle, so where the chapters are read in parallel a process makes it
  while the last of them are read, from when the first reading process is done
  and a core is free (:func:`_start_bundle`);
* adds both to the pages that show an explorable (found by the marker the
  outputs of :class:`~.embed.Explorable` carry), and to no other page: the
  stylesheet in the page's head, the script (0.9 MB, most of a chapter's weight)
  through a few inline lines (:data:`LAZY_LOADER`) that fetch it once an
  explorable is within a screen's height of the window, so that a reader who
  never scrolls that far never downloads it.

It also draws an explorable's output, whose one figure mimetype is
``application/vnd.vegalite.v5+json`` (JupyterLab draws it natively), on the page:
:class:`VegaLiteMime` is a myst-nb mime-render plugin (``MimeRenderPlugin``
protocol) that renders that mimetype, first in the HTML builder's priority, as
the ``<div>`` and script of :func:`.embed.site_html`. It is registered where
myst-nb looks its plugins up.

A classic script rather than an ES module: browsers refuse module scripts on
pages opened as ``file://``, and the site must work offline from disk too.
Each output's mount script waits for the ``collapse-explorables-ready`` event
the helper sends when the bundle has run.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..fileio import atomic_write
from .embed import SITE_VEGALITE_VERSION, VEGALITE_MIME, site_html_parts, still_png

JS_NAME = "collapse-explorables.js"
CSS_NAME = "collapse-explorables.css"
MARKER = "collapseExplorables"
_STATIC = Path(__file__).with_name("static")


@functools.cache
def _vega_bundle(vl_version: str) -> str:
    """``vl_convert.javascript_bundle`` for ``vl_version``: the same text for the installed vl-convert each time it
    is asked, and seconds to make (vl-convert bundles the modules), so made once per process."""
    import vl_convert

    return vl_convert.javascript_bundle(vl_version=vl_version)


def javascript_bundle() -> str:
    """Vega + Vega-Lite + vega-embed (as a classic script) followed by the book's helper script."""
    vega = _vega_bundle(SITE_VEGALITE_VERSION)
    ours = "".join((_STATIC / name).read_text(encoding="utf-8") for name in ("calculator.js", "explorables.js"))
    return (
        "/* Vega, Vega-Lite and vega-embed: vl_convert.javascript_bundle(), BSD-3-Clause licences. */\n"
        "(function () {\n" + vega + "\n})();\n" + ours.replace("__VEGALITE__", SITE_VEGALITE_VERSION)
    )


#: Inline script of a page with explorables: loads the bundle (``__SRC__``) when the first explorable comes within
#: one window height of the view (at once where IntersectionObserver is missing).
LAZY_LOADER = """(function () {
  var src = "__SRC__", done = false;
  function load() {
    if (done) { return; }
    done = true;
    var script = document.createElement("script");
    script.src = src;
    document.head.appendChild(script);
  }
  function watch() {
    var boxes = document.querySelectorAll(".collapse-explorable");
    if (!boxes.length || !("IntersectionObserver" in window)) { load(); return; }
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); load(); }
    }, {rootMargin: "100% 0px"});
    boxes.forEach(function (box) { seen.observe(box); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", watch); } else { watch(); }
})();"""


def _add_assets(app, pagename, templatename, context, doctree):
    if MARKER in (context.get("body") or ""):
        pathto = context.get("pathto")
        src = pathto(f"_static/{JS_NAME}", 1) if pathto else f"_static/{JS_NAME}"
        app.add_js_file(None, body=LAZY_LOADER.replace("__SRC__", src))
        app.add_css_file(CSS_NAME)


#: The processes making the bundle, by build (``id(app)``): the process and the file it writes.
_BUNDLE_JOBS: dict[int, tuple[subprocess.Popen, Path]] = {}
_MAKE_BUNDLE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from collapse_lib.explorables.sphinx import javascript_bundle\n"
    "from collapse_lib.fileio import atomic_write\n"
    "atomic_write(Path(sys.argv[1]), javascript_bundle())\n"
)


def _start_bundle(app, *args):
    """Start a process that makes :func:`javascript_bundle` into a temporary file while the build goes on.

    Connected to ``env-merge-info``, which Sphinx emits in the main process each time a reading process has
    finished: the first time, that process's core is free. Reading serially, nothing starts the process, and the
    build's end makes the bundle itself.
    """
    if getattr(app.builder, "format", None) != "html" or id(app) in _BUNDLE_JOBS:
        return
    fd, name = tempfile.mkstemp(prefix="collapse-explorables-", suffix=".js")
    os.close(fd)
    proc = subprocess.Popen(
        [sys.executable, "-c", _MAKE_BUNDLE, name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _BUNDLE_JOBS[id(app)] = (proc, Path(name))


def _finish_bundle(app) -> str:
    """The bundle the process made (waiting for it), or, if there was none or it failed, one made here."""
    job = _BUNDLE_JOBS.pop(id(app), None)
    if job is not None:
        proc, path = job
        try:
            if proc.wait() == 0 and (text := path.read_text(encoding="utf-8")):
                return text
        finally:
            path.unlink(missing_ok=True)
    return javascript_bundle()  # made here: an error here is the real one


def _stop_bundle(app) -> None:
    """Stop the process of a build that failed, and remove its file."""
    job = _BUNDLE_JOBS.pop(id(app), None)
    if job is not None:
        proc, path = job
        proc.kill()
        proc.wait()
        path.unlink(missing_ok=True)


def _write_assets(app, exception):
    if getattr(app.builder, "format", None) != "html":
        return
    if exception is not None:
        _stop_bundle(app)
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    atomic_write(static / JS_NAME, _finish_bundle(app))
    atomic_write(static / CSS_NAME, (_STATIC / "explorables.css").read_text(encoding="utf-8"))
    for name in (JS_NAME, CSS_NAME):  # readable by a web server like the theme's files (atomic_write makes 0600)
        (static / name).chmod(0o644)


class VegaLiteMime:
    """myst-nb mime-render plugin: a Vega-Lite output becomes the explorable's ``<div>`` and script in HTML.

    Inside the ``<div>``, for readers without JavaScript, a ``<noscript>`` holds a PNG of the figure at its
    opening values (:func:`.embed.still_png`), written to myst-nb's output folder and added as an image node, so
    that Sphinx copies it to the site's ``_images`` like any figure (named by the spec's hash: an unchanged
    figure is not drawn again).
    """

    # first choice in HTML, ahead of text/plain; other builders (no scripts) skip it
    mime_priority_overrides = [("*", VEGALITE_MIME, None), ("html", VEGALITE_MIME, 5)]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if data.mime_type != VEGALITE_MIME or inline:
            return None
        from docutils import nodes

        where = f"vegalite-{getattr(data, 'cell_index', None) or 0}-{getattr(data, 'output_index', None) or 0}"
        head, tail = site_html_parts(data.content, fallback_name=where)
        classes = ["output", "collapse_explorable"]
        still = _still_image(renderer, data.content, where)
        if still is None:
            return [nodes.raw(text=head + tail, format="html", classes=classes)]
        # raw HTML without classes (a raw node with classes is wrapped in its own <div>, which would close the
        # figure's <div> before the image); the container carries them
        parts = [nodes.raw(text=head, format="html"), still, nodes.raw(text=tail, format="html")]
        return [nodes.container("", *parts, classes=classes)]


def _still_image(renderer, spec, fallback_name):
    """The image node of the figure's PNG (written by the renderer into myst-nb's output folder), or None
    without a renderer (outside a Sphinx build)."""
    if renderer is None or not hasattr(renderer, "write_file"):
        return None
    import hashlib
    import json

    from docutils import nodes

    if isinstance(spec, (str, bytes)):
        spec = json.loads(spec)
    name = spec.get("usermeta", {}).get("collapse", {}).get("name", fallback_name)
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]
    filename = f"explorable-{name}-{digest}.png"
    folder = getattr(renderer.config, "output_folder", None)
    done = bool(folder) and (Path(folder) / filename).is_file()
    uri = renderer.write_file([filename], b"" if done else still_png(spec), overwrite=False, exists_ok=True)
    return nodes.image(uri=uri, alt=f"the {name} figure at its opening values", classes=["collapse-explorable-still"])


def _register_mime_plugin():
    """Add :class:`VegaLiteMime` to the plugins myst-nb loads (its entry-point lookup, extended in place)."""
    from myst_nb.core import render

    found = render.load_mime_renders
    if getattr(found, "collapse_explorables", False):
        return

    def load_mime_renders():
        return [*found(), VegaLiteMime]

    load_mime_renders.collapse_explorables = True
    render.load_mime_renders = load_mime_renders


def setup(app):
    """Register the extension (Sphinx entry point)."""
    _register_mime_plugin()
    app.connect("env-merge-info", _start_bundle)
    app.connect("html-page-context", _add_assets)
    app.connect("build-finished", _write_assets)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
