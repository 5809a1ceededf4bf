"""What every chapter of the book needs, in one import.

A chapter's first code cell is::

    import numpy as np
    import collapse_lib as cl
    from collapse_lib.chapter import mc_vs_theory, setup, show_table

    ch = setup(mc={"smoke": dict(trials=5), "book": dict(trials=30), "paper": dict(trials=100)})

:func:`setup` applies the book's plotting style, reads the scale
(:func:`collapse_lib.scale.current_scale`) and shows one line saying at which
scale the page was computed; ``ch.mc`` holds the chapter's own Monte Carlo sizes
at that scale. The other helpers format tables and theory-vs-simulation cells
the same way on every page. Needs IPython (imported on use, not by the rest of
the library).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from .plotting import RC
from .prose import format_numbers, needs_scientific
from .scale import SCALES, current_scale

#: Matplotlib style of every figure in the book (also applied by :func:`setup`): 100 dpi,
#: the font sizes and default size of :data:`collapse_lib.plotting.RC` (legible at the
#: site's column width, 1,400 and 400 px windows), light grid, no top/right spines, and
#: constrained layout, so that a reader's own figure keeps its labels inside it too (a
#: chapter shows figures at their size: :data:`INLINE_FIGURE_KWARGS`).
STYLE = MappingProxyType(
    {
        "figure.dpi": 100,
        "figure.constrained_layout.use": True,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        **RC,
    }
)


@dataclass(frozen=True)
class Chapter:
    """The scale a chapter runs at and its Monte Carlo sizes at that scale."""

    scale: str
    mc: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))


def setup(mc: dict | None = None, scale: str | None = None, banner: bool = True) -> Chapter:
    """Apply the book's plot style and return the chapter's :class:`Chapter`.

    Parameters
    ----------
    mc : dict, optional
        ``{"smoke": {...}, "book": {...}, "paper": {...}}``: the chapter's own
        Monte Carlo sizes per scale (all three scales must be given).
    scale : str, optional
        ``smoke``, ``book`` or ``paper``; default ``$COLLAPSE_SCALE`` or ``book``.
    banner : bool
        Show one line saying at which scale the page was computed.
    """
    import matplotlib.pyplot as plt

    scale = current_scale(scale)
    sizes = {}
    if mc is not None:
        if not isinstance(mc, dict) or set(mc) != set(SCALES):
            raise ValueError(f"mc must be a dict with one entry per scale {SCALES}, got {mc!r}")
        sizes = dict(mc[scale])
    plt.rcParams.update(STYLE)
    _inline_figures_at_their_size()
    if banner:
        show_markdown(
            f"<small>This page was computed at scale **{scale}** (set `COLLAPSE_SCALE` to smoke, "
            "book or paper to change it). A figure backed by a data file shows that file and says "
            "so.</small>"
        )
    return Chapter(scale=scale, mc=MappingProxyType(sizes))


#: How IPython's inline backend saves the book's figures: at their own size, not cropped to a tight bounding box.
INLINE_FIGURE_KWARGS = MappingProxyType({"bbox_inches": None})


def _inline_figures_at_their_size() -> None:
    """Have the inline backend (a chapter's kernel) save figures with :data:`INLINE_FIGURE_KWARGS`.

    Every figure of the book is a constrained-layout :class:`~collapse_lib.plotting.FittedFigure` that keeps its
    text inside itself (``tests/figures/test_figure_legibility.py`` checks it), so IPython's default
    ``bbox_inches="tight"`` would only measure every artist once more before drawing (about a third of a figure's
    time) to add white padding. Outside an IPython kernel with the inline backend nothing changes.
    """
    import matplotlib

    if matplotlib.rcParams["backend"] not in ("inline", "module://matplotlib_inline.backend_inline"):
        return
    # Importing the backend wires it into IPython, as pyplot would on the first figure; its settings object exists
    # from then on, and setting its print_figure_kwargs re-registers IPython's figure formatter with them.
    import matplotlib_inline.backend_inline  # noqa: F401
    from matplotlib_inline.config import InlineBackend

    InlineBackend.instance().print_figure_kwargs = dict(INLINE_FIGURE_KWARGS)


def md_table(header, rows, align: str | None = None) -> str:
    """A Markdown table from a header and rows of already formatted cells; ``align`` e.g. ``"lrr"`` (default right)."""
    header = [str(h) for h in header]
    align = align or "r" * len(header)
    if len(align) != len(header) or set(align) - {"l", "r", "c"}:
        raise ValueError(f"align must have one of l/r/c per column ({len(header)}), got {align!r}")
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
    for row in rows:
        row = [str(c) for c in row]
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells for {len(header)} columns: {row!r}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def show_markdown(text: str) -> None:
    """Display ``text`` as Markdown (parsed as MyST on the site: math, roles, tables)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_table(header, rows, align: str | None = None, caption: str | None = None) -> None:
    """Display :func:`md_table` (with an optional caption paragraph above it)."""
    show_markdown((f"{caption}\n\n" if caption else "") + md_table(header, rows, align))


def show_frame(frame, formats: dict | None = None, names: dict | None = None) -> None:
    """Display a DataFrame as an HTML table without its index, scrolling sideways if it is wide.

    ``formats`` maps a column to a format string (``"{:.3f}"``); ``names`` maps a
    column to the heading the reader sees (unlisted columns keep their name).
    """
    from IPython.display import HTML, display

    formatters = {c: f.format for c, f in (formats or {}).items() if c in frame.columns}
    html = frame.to_html(index=False, border=0, formatters=formatters, classes="collapse-table")
    if names:
        html = frame.rename(columns=names).to_html(
            index=False,
            border=0,
            classes="collapse-table",
            formatters={names.get(c, c): f for c, f in formatters.items()},
        )
    display(HTML(f'<div style="overflow-x:auto">{html}</div>'))


def mc_vs_theory(mc: float, se: float, theory: float) -> str:
    """One table cell: ``Monte Carlo ± s.e. vs **theory** (relative gap)``."""
    if theory > 0:
        return f"{mc:.4g} ± {se:.1g} vs **{theory:.4g}** ({mc / theory - 1:+.1%})"
    return f"{mc:.2g} ± {se:.1g} vs **{theory:.2g}**"


__all__ = [
    "Chapter",
    "STYLE",
    "format_numbers",
    "md_table",
    "needs_scientific",
    "mc_vs_theory",
    "setup",
    "show_frame",
    "show_markdown",
    "show_table",
]
