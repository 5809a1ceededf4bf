"""The one scale knob of the companion: ``COLLAPSE_SCALE=smoke|book|paper``.

* ``smoke`` — tiny sizes, seconds; used by tests and CI (nbval, book build).
* ``book``  — the default; what the static site shows when no data file exists.
* ``paper`` — this book's largest configuration; meant for a GPU via
  ``python -m collapse_lib reproduce``. Despite the name it is the paper's size only where
  the paper states one and the hardware allows it (Figure 1: n = 500); elsewhere the
  paper's sizes are not known (Figures 2–6, 9, 10) or larger than ours (Figures 7, 8).
  ``collapse_lib.figures.paper_vs_book(name)`` gives both sides for each figure.
"""

from __future__ import annotations

import os

SCALES = ("smoke", "book", "paper")
ENV_VAR = "COLLAPSE_SCALE"
DEFAULT = "book"


def current_scale(scale: str | None = None) -> str:
    """Return ``scale`` if given, else ``$COLLAPSE_SCALE``, else ``"book"``; validated."""
    value = scale if scale is not None else os.environ.get(ENV_VAR, DEFAULT)
    value = value.strip().lower() if isinstance(value, str) else value
    if value not in SCALES:
        source = "scale" if scale is not None else f"${ENV_VAR}"
        raise ValueError(f"{source} must be one of {', '.join(SCALES)}; got {value!r}")
    return value


def rank(scale: str) -> int:
    """Order of scales: smoke < book < paper."""
    return SCALES.index(current_scale(scale))
