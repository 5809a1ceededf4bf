"""Plotting helpers shared by the figure recipes: layout, colours, theory lines, simulation markers.

Legibility on the site. A figure is a PNG at ``figure.dpi`` = 100 shown at most
at the width of the site's content column: 784 px in a 1,400 px window and 368 px
in a 400 px one (sphinx-book-theme; ``tests/browser`` measures it). Text of
``s`` points in a figure ``W`` inches wide is drawn ``s / 72 * min(100 W, column) / W``
px high, so with :data:`FIG_WIDTH` = 5 in and no text under
:data:`MIN_FONT_PT` = 12 pt, every label is at least 11 px high at both window
widths (12/72 * 368/5 = 12.3 px; the PNG is the figure at its size,
:data:`collapse_lib.chapter.INLINE_FIGURE_KWARGS`; on a desktop the smallest text
is 16.7 px, the size of the body text). Hence every
figure is one column of panels (:func:`stacked`), legends go below their panel
(:func:`legend_below`), and :data:`RC` sets the font sizes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine, PlaceHolderLayoutEngine

ERROR_LABEL = "test error $E$ (label noise excluded)"
#: :data:`ERROR_LABEL` on two lines, for a panel whose axes are shorter than the label is long (matplotlib's layout
#: ignores a y label's length: one longer than its axes runs into the next panel or off the figure).
ERROR_LABEL_WRAPPED = "test error $E$\n(label noise excluded)"

#: Width (CSS px) of the site's content column in 1,400 px and 400 px windows
#: (sphinx-book-theme), which :data:`FIG_WIDTH` and :data:`MIN_FONT_PT` are chosen for;
#: ``tests/browser/test_layout.py`` checks the built site against it.
SITE_COLUMN_PX = {1400: 784, 400: 368}
#: Smallest height, px, of figure text on the site at those column widths.
MIN_TEXT_PX = 11.0
#: Width of every figure of the book, inches (one column of panels).
FIG_WIDTH = 5.0
#: Height of one panel, inches (axes, labels and title; a legend below adds to it).
PANEL_HEIGHT = 3.6
#: Smallest font size, points, of any text in a figure of the book.
MIN_FONT_PT = 12
#: Font sizes of the book's figures (part of :data:`collapse_lib.chapter.STYLE`).
RC = {
    "font.size": 13,
    "axes.titlesize": 13,
    "axes.labelsize": 13,
    "figure.titlesize": 13,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.figsize": (FIG_WIDTH, PANEL_HEIGHT),
}


def _split_words(text: str) -> list[str]:
    """``text`` split at spaces outside ``$…$`` (mathtext stays whole)."""
    words, cur, math = [], "", False
    for ch in text:
        if ch == "$":
            math = not math
        if ch == " " and not math:
            words.append(cur)
            cur = ""
        else:
            cur += ch
    return words + [cur]


def _wrap(t, width: float, renderer) -> None:
    """Break the text artist ``t`` into lines no wider than ``width`` display px (greedy, at spaces)."""
    original = t.get_text()
    lines = []
    for paragraph in original.split("\n"):
        line = ""
        for word in _split_words(paragraph):
            trial = f"{line} {word}" if line else word
            t.set_text(trial)
            if line and t.get_window_extent(renderer).width > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    t.set_text("\n".join(lines))


class FittedFigure(Figure):
    """A figure whose titles and x-axis labels are broken into lines that fit its width where its layout puts them.

    With the book's type sizes (:data:`RC`) a long title would run past the figure's edges, which the PNG
    (the figure at its size) would cut off; cropped to a tight bounding box instead, the PNG would widen and the
    site would shrink it, text and all. Under :class:`FittingLayout` (what :func:`stacked` gives) the texts are
    fitted as part of the layout, so the layout makes room for the lines they are drawn in; under another layout
    engine or none they are fitted each time the figure is drawn.
    """

    def fit_texts(self, renderer) -> bool:
        """Break titles and x labels into lines that fit where their axes are now; True if any text changed."""
        full = 0.96 * self.bbox.width
        texts = [(getattr(fig, "_suptitle", None), full) for fig in [self, *self.subfigs]]
        for ax in self.get_axes():
            # a centred title or label may use twice the room from the axes' centre to the nearer figure edge
            centre = ax.get_window_extent(renderer).x0 + ax.get_window_extent(renderer).width / 2
            room = 2 * min(centre - self.bbox.x0, self.bbox.x1 - centre) - 0.04 * self.bbox.width
            texts += [(ax.title, room), (ax.xaxis.label, room)]
            texts += [(getattr(ax, "_left_title", None), full), (getattr(ax, "_right_title", None), full)]
        originals = self.__dict__.setdefault("_unwrapped", {})
        changed = False
        for t, width in texts:
            if t is None or not t.get_visible() or not t.get_text():
                continue
            # from the text as written, each time: the axes may have moved since it was last broken
            written, wrapped = originals.get(id(t), (None, None))
            if t.get_text() != wrapped:
                written = t.get_text()
            before = t.get_text()
            t.set_text(written)
            if t.get_window_extent(renderer).width > width:
                _wrap(t, width, renderer)
            originals[id(t)] = (written, t.get_text())
            changed |= t.get_text() != before
        return changed

    def draw(self, renderer):
        # a FittingLayout fits them as it lays out; a suspended layout (the output pass of savefig, after its
        # layout pass) keeps them as laid out; without either, they are fitted now
        if not isinstance(self.get_layout_engine(), (FittingLayout, PlaceHolderLayoutEngine)):
            self.fit_texts(renderer)
        super().draw(renderer)


class FittingLayout(ConstrainedLayoutEngine):
    """Constrained layout for a :class:`FittedFigure`: its texts are fitted where the axes are, then laid out.

    Before the figure's first layout the axes are where matplotlib first puts them; if the layout moves one far
    enough to break a text differently, the texts are fitted again and laid out once more.
    """

    def execute(self, fig):
        if not isinstance(fig, FittedFigure):
            return super().execute(fig)
        renderer = fig._get_renderer()
        fig.fit_texts(renderer)
        info = super().execute(fig)
        if fig.fit_texts(renderer):
            info = super().execute(fig)
        return info


def stacked(n: int, heights=None, width: float = FIG_WIDTH):
    """A figure of ``n`` panels in one column: ``(fig, subfigures, axes)``.

    Each panel is a subfigure with one axes, so that :func:`legend_below` can put
    its legend under it; ``heights`` (inches, one per panel; default
    :data:`PANEL_HEIGHT` each) include that legend. Constrained layout that fits the texts
    (:class:`FittingLayout`).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    heights = [PANEL_HEIGHT] * n if heights is None else [float(h) for h in heights]
    if len(heights) != n:
        raise ValueError(f"heights must have one entry per panel ({n}), got {len(heights)}")
    fig = plt.figure(figsize=(width, sum(heights)), layout=FittingLayout(), FigureClass=FittedFigure)
    subs = list(np.atleast_1d(fig.subfigures(n, 1, height_ratios=heights))) if n > 1 else [fig]
    axes = [sub.subplots() for sub in subs]
    return fig, subs, axes


def legend_below(panel, handles=None, labels=None, ncol: int = 2, ax=None, **kw):
    """The legend of one panel (a subfigure or figure from :func:`stacked`), below its axes.

    ``handles``/``labels`` default to those of ``ax`` (default: the panel's only axes). A legend wider than its
    panel gets fewer columns, and in one column its long entries are broken into lines.
    """
    if handles is None:
        ax = ax or panel.axes[0]
        handles, labels = ax.get_legend_handles_labels()
    legend = panel.legend(handles, labels, loc="outside lower center", ncol=ncol, **kw)
    # fewer columns while the legend is wider than its panel (the PNG would widen and shrink on the page)
    renderer = panel.get_figure(root=True).canvas.get_renderer()
    while ncol > 1 and legend.get_window_extent(renderer).width > 0.98 * panel.bbox.width:
        legend.remove()
        ncol -= 1
        legend = panel.legend(handles, labels, loc="outside lower center", ncol=ncol, **kw)
    excess = legend.get_window_extent(renderer).width - 0.98 * panel.bbox.width
    if excess > 0:  # one column and still too wide: its widest entries lose the excess
        texts = legend.get_texts()
        room = max(t.get_window_extent(renderer).width for t in texts) - excess
        for t in texts:
            if t.get_window_extent(renderer).width > room:
                _wrap(t, room, renderer)
    return legend


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
