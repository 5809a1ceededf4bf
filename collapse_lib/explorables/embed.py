"""The builder every explorable goes through: a Vega-Lite spec in, a displayable figure out.

:class:`Explorable` holds one Vega-Lite v5 spec (as JSON text, so the object is
immutable) and displays it two ways at once (its ``_repr_mimebundle_``):

* ``application/vnd.vegalite.v5+json``, which JupyterLab renders natively. Of
  the mimetypes given here it is the one JupyterLab picks: its Vega renderer has
  rank 57, ahead of JavaScript (110) and plain text (120); the bundle holds no
  ``text/html`` (rank 50), which JupyterLab would prefer and could not run.
* ``application/javascript``: a few lines that put a ``<div>`` where the output
  is and hand the spec to ``window.collapseExplorables.embed`` once the page's
  scripts are loaded. The book's HTML build prefers this mimetype (priority 10 in
  ``_config.yml``); the script itself comes from :mod:`.sphinx`, which serves
  Vega, Vega-Lite and vega-embed from the site (no other host).

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
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 400, "symbolStrokeWidth": 2,
               "layout": {"bottom": {"anchor": "start", "direction": "vertical"}}},  # legends below, stacked
    "title": {"fontSize": 14, "subtitleFontSize": 12, "fontWeight": "normal"},
    "view": {"continuousWidth": 300, "continuousHeight": 300},
}
KINDS = ("chart", "calculator")
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
            raise ValueError(f"name must be lower-case letters, digits, '-' or '_', starting with a letter; "
                             f"got {self.name!r}")
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

    def javascript(self) -> str:
        """The script the static site runs in place of this output (see the module docstring)."""
        return (
            "(function () {\n"
            "  var here = document.currentScript, box = document.createElement('div');\n"
            f"  box.className = 'collapse-explorable'; box.id = 'explorable-{self.name}';\n"
            "  box.textContent = 'Loading the interactive figure\\u2026';\n"
            "  here.parentNode.insertBefore(box, here);\n"
            f"  var spec = {self.spec_json};\n"
            f"  var go = function () {{ window.collapseExplorables.mount(box, spec, '{self.name}', '{self.kind}'); }};\n"
            "  if (window.collapseExplorables) { go(); }\n"
            "  else { window.addEventListener('collapse-explorables-ready', go, {once: true}); }\n"
            "})();"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            VEGALITE_MIME: self.spec,
            "application/javascript": self.javascript(),
            "text/plain": f"<interactive figure {self.name!r}: Vega-Lite, {len(self.spec_json) / 1e3:.0f} kB>",
        }

    def size_bytes(self) -> int:
        """Bytes the figure adds to its page (the spec with its inline data)."""
        return len(self.spec_json.encode())


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


__all__ = ["Explorable", "SCHEMA", "SITE_VEGALITE_VERSION", "VEGALITE_MIME", "VEGALITE_VERSIONS", "csv_values", "dataset", "stack"]
