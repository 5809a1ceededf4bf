"""The builder every explorable goes through: a Vega-Lite spec in, a displayable figure out.

:class:`Explorable` holds one Vega-Lite v5 spec (as JSON text, so the object is
immutable) and displays it as one mimetype, ``application/vnd.vegalite.v5+json`` (its
``_repr_mimebundle_``, besides ``text/plain``):

* JupyterLab draws it natively (its Vega 5 renderer), sliders included. The
  bundle carries no ``application/javascript`` and no ``text/html``: JupyterLab
  ranks JavaScript first (rank 0) and would run that instead, where the site's
  scripts do not exist.
* On the site, :class:`~.sphinx.VegaLiteMime` (a myst-nb mime renderer) turns the
  same output into the HTML of :func:`site_html`: a ``<div>`` and a few lines
  that hand the spec to ``window.collapseExplorables.mount`` once the page's
  scripts are loaded; those scripts come from :mod:`.sphinx`, which serves Vega,
  Vega-Lite and vega-embed from the site (no other host).

The spec in the bundle names its figure in ``usermeta.collapse`` (``name`` and
``kind``), which Vega-Lite ignores and the site reads.

Data go inline, as CSV text (:func:`csv_values`): the page needs no file and no
network, also when opened as ``file://``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: Vega-Lite versions the specs must compile with: JupyterLab 4 renders Vega-Lite 5 (oldest and newest 5.x that
#: vl-convert carries), the site bundles the Vega-Lite that matches its Vega (6).
VEGALITE_VERSIONS = ("5.8", "5.21", "6.4")
SITE_VEGALITE_VERSION = "6.4"
#: Shared look: text no smaller than 11 px at any width, the book's sans-serif font.
CONFIG = {
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal"},
    "legend": {
        "labelFontSize": 12,
        "titleFontSize": 12,
        "labelLimit": 400,
        "symbolStrokeWidth": 2,
        "layout": {"bottom": {"anchor": "start", "direction": "vertical"}},
    },  # legends below, stacked
    "title": {"fontSize": 14, "subtitleFontSize": 12, "fontWeight": "normal"},
    "view": {"continuousWidth": 300, "continuousHeight": 300},
}
KINDS = ("chart", "calculator")
#: Width, px, of a container-wide explorable in a notebook (see :meth:`Explorable.bundle_spec`).
NOTEBOOK_WIDTH = 560
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def _finite_json(obj):
    """JSON text of ``obj``; rejects NaN and infinities (Vega would read them as strings)."""
    return json.dumps(obj, allow_nan=False, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Explorable:
    """A kernel-free interactive figure: a Vega-Lite v5 spec whose data the library computed.

    Parameters
    ----------
    name : str
        Identifier of the figure on its page (lower case letters, digits, ``-``,
        ``_``); the site registers its Vega view as
        ``window.collapseExplorables.views[name]`` (what the browser tests read).
    spec_json : str
        The Vega-Lite spec as JSON text (see :meth:`from_spec`).
    kind : str
        ``"chart"``: the spec is the whole figure. ``"calculator"``: on the site the
        spec is the chart of the collapse calculator, whose form and numbers
        ``static/calculator.js`` adds (:mod:`.calculator`).
    """

    name: str
    spec_json: str
    kind: str = "chart"

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(
                f"name must be lower-case letters, digits, '-' or '_', starting with a letter; got {self.name!r}"
            )
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.spec_json, str):
            raise TypeError(f"spec_json must be a str, got {type(self.spec_json).__name__}")
        spec = json.loads(self.spec_json)
        if not isinstance(spec, dict) or not spec.get("$schema", "").startswith(SCHEMA[:-8]):
            raise ValueError("spec_json must be a Vega-Lite v5 spec (a JSON object with its $schema)")

    @classmethod
    def from_spec(cls, name: str, spec: dict, kind: str = "chart") -> "Explorable":
        """An explorable from a spec dict (an Altair chart's ``to_dict()`` or a hand-written one).

        ``$schema`` is set to Vega-Lite v5; the spec must use only features that
        v5 has (the tests compile every explorable with Vega-Lite 5.8 and 5.21).
        """
        if not isinstance(spec, dict):
            raise TypeError(f"spec must be a dict, got {type(spec).__name__}")
        config = dict(CONFIG, **spec.get("config", {}))
        spec = dict(spec, **{"$schema": SCHEMA, "config": config})
        return cls(name, _finite_json(spec), kind)

    @property
    def spec(self) -> dict:
        """A fresh copy of the Vega-Lite spec."""
        return json.loads(self.spec_json)

    def bundle_spec(self) -> dict:
        """The spec as displayed: :attr:`spec` with ``usermeta.collapse`` = ``{"name", "kind"}``.

        A top-level ``width: "container"`` becomes :data:`NOTEBOOK_WIDTH` px (recorded
        as ``usermeta.collapse.width``, which :func:`site_html` puts back): in
        JupyterLab's output area a container-wide chart resizes itself without end and
        crashes the browser tab.
        """
        spec = self.spec
        meta = {"name": self.name, "kind": self.kind}
        if spec.get("width") == "container":
            spec["width"], meta["width"] = NOTEBOOK_WIDTH, "container"
        spec["usermeta"] = dict(spec.get("usermeta", {}), collapse=meta)
        return spec

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            VEGALITE_MIME: self.bundle_spec(),
            "text/plain": f"<interactive figure {self.name!r}: Vega-Lite, {len(self.spec_json) / 1e3:.0f} kB>",
        }

    def size_bytes(self) -> int:
        """Bytes the figure adds to its page (the spec with its inline data)."""
        return len(self.spec_json.encode())


def _mount_script(spec_json: str, name: str, kind: str) -> str:
    return (
        "(function () {\n"
        "  var box = document.currentScript.previousElementSibling;\n"
        "  box.textContent = 'Loading the interactive figure\u2026';\n"
        f"  var spec = {spec_json};\n"
        f"  var go = function () {{ window.collapseExplorables.mount(box, spec, '{name}', '{kind}'); }};\n"
        "  if (window.collapseExplorables) { go(); }\n"
        "  else { window.addEventListener('collapse-explorables-ready', go, {once: true}); }\n"
        "})();"
    )


#: What a reader without JavaScript reads in place of the figure (above the static image, where there is one).
NOSCRIPT = {
    "chart": "This figure is interactive and needs JavaScript; shown here as a picture at its opening values.",
    "calculator": "The calculator needs JavaScript; shown here is its chart at the default inputs.",
}


def site_html_parts(spec, fallback_name: str = "vegalite") -> tuple[str, str]:
    """:func:`site_html` in two halves, for a static image of the figure between them (inside ``<noscript>``).

    Returns ``(head, tail)``: ``head`` opens the figure's ``<div>`` and its ``<noscript>`` with the
    :data:`NOSCRIPT` note; ``tail`` closes both and holds the script that mounts the figure (it replaces the
    ``<div>``'s content, so a reader with JavaScript never loads the image).
    """
    if isinstance(spec, (str, bytes)):
        spec = json.loads(spec)
    if not isinstance(spec, dict):
        raise TypeError(f"spec must be a Vega-Lite spec (dict or JSON text), got {type(spec).__name__}")
    meta = dict(spec.get("usermeta", {}).get("collapse", {}))
    name, kind = meta.get("name", fallback_name), meta.get("kind", "chart")
    if not isinstance(name, str) or not _NAME.match(name) or kind not in KINDS:
        raise ValueError(f"usermeta.collapse must name a figure (name, kind in {KINDS}), got {meta!r}")
    if meta.get("width") == "container":  # the page's column, as the spec was written
        spec = dict(spec, width="container")
    script = _mount_script(_finite_json(spec), name, kind).replace("</", "<\\/")
    head = (
        f'<div class="collapse-explorable" id="explorable-{name}"><noscript>'
        f'<p class="collapse-explorable-noscript">{NOSCRIPT[kind]}</p>'
    )
    return head, f"</noscript></div><script>{script}</script>"


def site_html(spec, fallback_name: str = "vegalite") -> str:
    """The HTML that draws a displayed Vega-Lite output on the static site.

    ``spec``: the output's spec (a dict, or its JSON text), as :meth:`Explorable.bundle_spec`
    makes it; its ``usermeta.collapse`` gives the figure's name and kind. A spec
    without it (a plain Altair chart) is drawn as a chart named ``fallback_name``.
    Without JavaScript the ``<div>`` shows the :data:`NOSCRIPT` note (the site puts a
    static image of the figure under it: :mod:`.sphinx`).
    """
    head, tail = site_html_parts(spec, fallback_name)
    return head + tail


def still_png(spec, scale: float = 1.0) -> bytes:
    """A PNG of the displayed spec (:meth:`Explorable.bundle_spec`) at its opening values, drawn by vl-convert
    with the Vega-Lite the site uses: the picture a reader without JavaScript sees."""
    import vl_convert

    if isinstance(spec, (str, bytes)):
        spec = json.loads(spec)
    return vl_convert.vegalite_to_png(spec, scale=scale, vl_version=SITE_VEGALITE_VERSION)


def _fmt(x: float, digits: int) -> str:
    if not math.isfinite(x):
        raise ValueError(f"data values must be finite, got {x!r}")
    if x == 0:
        return "0"
    s = f"{x:.{digits}g}"
    if "e" in s:
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s


def csv_values(columns: dict, digits: int = 7) -> dict:
    """Inline Vega-Lite data from equal-length 1-D columns: CSV text with every column parsed as a number.

    Numbers keep ``digits`` significant digits (relative rounding ≤ 0.5·10^(1−digits));
    integers are written exactly. Raises ``ValueError`` on NaN/inf or ragged columns.
    """
    if not columns:
        raise ValueError("columns must name at least one column")
    arrays = {}
    for key, col in columns.items():
        if not isinstance(key, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            raise ValueError(f"column names must be identifiers, got {key!r}")
        arrays[key] = np.asarray(col).ravel()
    sizes = {a.size for a in arrays.values()}
    if len(sizes) != 1:
        raise ValueError(f"columns must have equal lengths, got {sorted(sizes)}")
    if not isinstance(digits, int) or not 3 <= digits <= 17:
        raise ValueError(f"digits must be an integer in 3..17, got {digits!r}")
    cols = []
    for a in arrays.values():
        if np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.bool_):
            cols.append([str(int(x)) for x in a])
        else:
            cols.append([_fmt(float(x), digits) for x in a])
    lines = [",".join(arrays)] + [",".join(row) for row in zip(*cols)]
    return {"values": "\n".join(lines), "format": {"type": "csv", "parse": {k: "number" for k in arrays}}}


def stack(blocks) -> dict:
    """One table from blocks of columns: each block a dict of 1-D arrays of one length and of scalars (repeated
    to that length); every block has the same keys. The columns are concatenated block after block."""
    out = None
    for block in blocks:
        arrays = {k: np.atleast_1d(np.asarray(v)) for k, v in block.items()}
        size = max(a.size for a in arrays.values())
        arrays = {k: np.broadcast_to(a, (size,)) if a.size == 1 else a for k, a in arrays.items()}
        if out is None:
            out = {k: [] for k in arrays}
        if set(arrays) != set(out):
            raise ValueError(f"every block must have the columns {sorted(out)}, got {sorted(arrays)}")
        for k, a in arrays.items():
            if a.shape != (size,):
                raise ValueError(f"column {k!r} has shape {a.shape} in a block of {size} rows")
            out[k].append(a)
    if out is None:
        raise ValueError("blocks must hold at least one block")
    return {k: np.concatenate(v) for k, v in out.items()}


def dataset(name: str, columns: dict, digits: int = 7) -> tuple[dict, dict]:
    """A named inline dataset: (the reference a chart's ``data`` takes, the entry for the top-level ``datasets``).

    Use it when several views read the same table (it is stored once) and to
    give the table a name the browser tests can read (``view.data(name)``).
    """
    if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_]*$", name):
        raise ValueError(f"name must be lower-case letters, digits or '_', starting with a letter; got {name!r}")
    inline = csv_values(columns, digits)
    return {"name": name, "format": inline["format"]}, {name: inline["values"]}


__all__ = [
    "Explorable",
    "SCHEMA",
    "SITE_VEGALITE_VERSION",
    "VEGALITE_MIME",
    "VEGALITE_VERSIONS",
    "csv_values",
    "dataset",
    "site_html",
    "site_html_parts",
    "stack",
    "still_png",
]
