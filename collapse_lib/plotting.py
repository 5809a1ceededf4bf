"""Plotting helpers shared by the figure recipes: layout, colours, theory lines, simulation markers.

Legibility on the site. A figure is a PNG at ``figure.dpi`` = 100 shown at most
at the width of the site's content column: 784 px in a 1,400 px window and 368 px
in a 400 px one (sphinx-book-theme; ``tests/browser`` measures it). Text of
``s`` points in a figure ``W`` inches wide is drawn ``s / 72 * min(100 W, column) / W``
px high, so with :data:`FIG_WIDTH` = 5.4 in and no text under
:data:`MIN_FONT_PT` = 10 pt, every label is at least 9 px high at both window
widths (10/72 * 368/5.6 = 9.1 px, allowing 0.1 in of padding either side). Hence
every figure is one column of panels (:func:`stacked`), legends go below their
panel (:func:`legend_below`), and :data:`RC` sets the font sizes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

ERROR_LABEL = "test error $E$ (label noise excluded)"

#: Width (CSS px) of the site's content column in 1,400 px and 400 px windows
#: (sphinx-book-theme), which :data:`FIG_WIDTH` and :data:`MIN_FONT_PT` are chosen for;
#: ``tests/browser/test_layout.py`` checks the built site against it.
SITE_COLUMN_PX = {1400: 784, 400: 368}
#: Smallest height, px, of figure text on the site at those column widths.
MIN_TEXT_PX = 9.0
#: Width of every figure of the book, inches (one column of panels).
FIG_WIDTH = 5.4
#: Height of one panel, inches (axes, labels and title; a legend below adds to it).
PANEL_HEIGHT = 3.6
#: Smallest font size, points, of any text in a figure of the book.
MIN_FONT_PT = 10
#: Font sizes of the book's figures (part of :data:`collapse_lib.chapter.STYLE`).
RC = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "figure.titlesize": 11,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.figsize": (FIG_WIDTH, PANEL_HEIGHT),
}


def stacked(n: int, heights=None, width: float = FIG_WIDTH):
    """A figure of ``n`` panels in one column: ``(fig, subfigures, axes)``.

    Each panel is a subfigure with one axes, so that :func:`legend_below` can put
    its legend under it; ``heights`` (inches, one per panel; default
    :data:`PANEL_HEIGHT` each) include that legend. Constrained layout.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    heights = [PANEL_HEIGHT] * n if heights is None else [float(h) for h in heights]
    if len(heights) != n:
        raise ValueError(f"heights must have one entry per panel ({n}), got {len(heights)}")
    fig = plt.figure(figsize=(width, sum(heights)), layout="constrained")
    subs = list(np.atleast_1d(fig.subfigures(n, 1, height_ratios=heights))) if n > 1 else [fig]
    axes = [sub.subplots() for sub in subs]
    return fig, subs, axes


def legend_below(panel, handles=None, labels=None, ncol: int = 2, ax=None, **kw):
    """The legend of one panel (a subfigure or figure from :func:`stacked`), below its axes.

    ``handles``/``labels`` default to those of ``ax`` (default: the panel's only axes).
    """
    if handles is None:
        ax = ax or panel.axes[0]
        handles, labels = ax.get_legend_handles_labels()
    return panel.legend(handles, labels, loc="outside lower center", ncol=ncol, **kw)


def colours(values, cmap="viridis"):
    """One colour per value, ordered, from a perceptually uniform map."""
    values = list(values)
    cm = plt.get_cmap(cmap)
    if len(values) == 1:
        return {values[0]: cm(0.2)}
    return {v: cm(0.9 * i / (len(values) - 1)) for i, v in enumerate(values)}


def theory_and_simulation(ax, theory, simulation, x, group, label_fmt, floor=None, colour_map=None, y="error"):
    """Draw theory lines and simulation markers (± 2 s.e.) for each value of ``group``.

    ``theory`` and ``simulation`` are tidy tables with columns ``x``, ``group``,
    ``y`` (and ``stderr`` for the simulation). ``floor`` (optional) is a column of
    ``theory`` drawn as a thin dashed horizontal line per group.
    """
    groups = sorted(theory[group].unique())
    cmap = colour_map or colours(groups)
    for g in groups:
        th = theory[theory[group] == g].sort_values(x)
        c = cmap[g]
        ax.plot(th[x], th[y], color=c, lw=1.8, label=label_fmt(g))
        if floor is not None:
            f = float(th[floor].iloc[0])
            if f > 0:
                ax.axhline(f, color=c, lw=0.9, ls=":", alpha=0.9)
        if simulation is not None and len(simulation):
            sm = simulation[simulation[group] == g].sort_values(x)
            yerr = 2 * np.nan_to_num(sm["stderr"].to_numpy())
            ax.errorbar(sm[x], sm[y], yerr=yerr, fmt="o", ms=4.5, color=c, mec="k", mew=0.5, elinewidth=1, capsize=2)
    return ax


def finish_loglog(ax, xlabel, ylabel=ERROR_LABEL, title=None):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def legend_note(panel, ax=None):
    """Legend below the panel plus a note on the encoding (lines = theory, markers = simulation, dotted = floor)."""
    from matplotlib.lines import Line2D

    ax = ax or panel.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="k", lw=1.8),
        Line2D([], [], color="k", marker="o", ls="", ms=4.5),
        Line2D([], [], color="k", ls=":", lw=0.9),
    ]
    labels += [
        "theory (Theorem 1)",
        "simulation (± 2 s.e.)",
        r"floor $p_2^2\,\mathrm{tr}\,\Delta\Sigma^3(\Sigma+\lambda)^{-2}$",
    ]
    return legend_below(panel, handles, labels, ncol=2)
