"""Every figure recipe's plot is legible on the site: no text under 11 px at the column width.

The site shows a figure as the PNG that IPython's inline backend makes (the figure's dpi and
size, ``collapse_lib.chapter.INLINE_FIGURE_KWARGS``: not cropped to a tight bounding box),
scaled down to the content column when it is wider. Here each recipe's ``plot`` is drawn
under the book's style (``collapse_lib.chapter.STYLE``) and saved the same way; every string
the Agg renderer draws is recorded with its font size and its box, the size it will have on
the page is ``points * dpi / 72 * min(1, column / png_width)``, and its box must lie inside
the PNG (nothing is cut off at the figure's edge). The column widths are
those of sphinx-book-theme in 1,400 px and 400 px windows (``collapse_lib.plotting.SITE_COLUMN_PX``);
``tests/browser/test_layout.py`` measures them in Chromium and fails if the
site's columns get narrower than assumed here.

The table plotted is the one the book shows: ``collapse_lib/results/<name>.json`` when it is
current (the site at any scale shows it), else the recipe computed at the smoke
scale.
"""

import io

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from PIL import Image  # noqa: E402

import collapse_lib as cl  # noqa: E402
import collapse_lib.datafiles  # noqa: E402, F401 - cl.datafiles below, also where the package loads it lazily
import collapse_lib.figures  # noqa: E402, F401
from collapse_lib.chapter import INLINE_FIGURE_KWARGS, STYLE  # noqa: E402
from collapse_lib.plotting import MIN_TEXT_PX, SITE_COLUMN_PX  # noqa: E402

#: Content column width (CSS px) of the site at the window widths the book is checked at.
COLUMN_PX = SITE_COLUMN_PX
DATA_DIR = cl.datafiles.data_dir()


def drawn_text(fig) -> tuple[list[tuple[float, str]], int, float]:
    """``([(font size in points, text), ...], png width in px, dpi)`` of ``fig`` saved as the inline backend does.

    Fails if a string is drawn (more than a pixel) outside its panel (the subfigure or figure it belongs to): the
    book's figures are saved at their size (:data:`INLINE_FIGURE_KWARGS`), so text past the figure's edge would be
    cut off, and a y label longer than its panel (matplotlib's layout ignores a label's length) runs into the next.
    """
    drawn, boxes = [], []
    original = RendererAgg.draw_text

    def record(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if s.strip():
            drawn.append((prop.get_size_in_points(), s))
            if mtext is not None:
                boxes.append((s, mtext.get_window_extent(self), mtext.get_figure(root=False).bbox))
        return original(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    buf = io.BytesIO()
    RendererAgg.draw_text = record
    try:
        fig.savefig(buf, format="png", **INLINE_FIGURE_KWARGS)
    finally:
        RendererAgg.draw_text = original
    width, height = Image.open(io.BytesIO(buf.getvalue())).size
    outside = [
        (s, "text", [round(v) for v in box.extents], "panel", [round(v) for v in panel.extents])
        for s, box, panel in boxes
        if box.x0 < panel.x0 - 1 or box.y0 < panel.y0 - 1 or box.x1 > panel.x1 + 1 or box.y1 > panel.y1 + 1
    ]
    assert not outside, f"text drawn outside its panel of the {width} x {height} px figure: {outside[:4]}"
    return drawn, width, fig.dpi


def table_for(name):
    path, table, prov, problem = cl.figures.current_file(name, "smoke", data_dir=DATA_DIR)
    if problem is None:
        table.attrs.update(provenance=prov, config=prov["config"])
        return table
    table = cl.figures.get(name).compute(scale="smoke", progress=False)
    table.attrs.update(provenance=None, config=cl.figures.get(name).config("smoke"))
    return table


def test_drawn_text_sees_every_size():
    """The recorder is not blind: it reports a 4 pt label and the png width at the figure's dpi and size."""
    with plt.rc_context(dict(STYLE)):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.set_title("tiny", fontsize=4)
        drawn, width, dpi = drawn_text(fig)
        plt.close(fig)
    assert (4.0, "tiny") in drawn
    assert dpi == 100 and width == 300  # 3 in at 100 dpi


def test_drawn_text_sees_text_cut_off():
    """A label past the figure's edge (which a tight bounding box would have hidden by widening the PNG) fails."""
    with plt.rc_context(dict(STYLE)):
        fig, (panel,), (ax,) = cl.plotting.stacked(1)
        ax.text(1.3, 0.5, "past the right edge", transform=ax.transAxes)
        with pytest.raises(AssertionError, match="outside its panel of the 500 x 360 px figure.*past the right edge"):
            drawn_text(fig)
        plt.close(fig)


@pytest.mark.parametrize("name", cl.figures.RECIPES)
@pytest.mark.slow
def test_recipe_text_is_at_least_11px_at_the_column_width(name):
    table = table_for(name)
    with plt.rc_context(dict(STYLE)):
        fig = cl.figures.get(name).plot(table)
        drawn, width, dpi = drawn_text(fig)
        plt.close(fig)
    assert drawn, "no text drawn?"
    for window, column in COLUMN_PX.items():
        scale = min(1.0, column / width)
        small = sorted(
            {(round(pt * dpi / 72 * scale, 1), text) for pt, text in drawn if pt * dpi / 72 * scale < MIN_TEXT_PX}
        )
        assert not small, (
            f"{name} in a {window} px window (png {width} px shown at {scale:.2f}): "
            f"text under {MIN_TEXT_PX} px: {small[:6]}"
        )


def test_long_titles_and_wide_legends_fit_the_figure():
    """A title or legend wider than the figure would be cut off at its edge: stacked() figures break titles into
    lines, legend_below() uses fewer columns and, in one column, breaks an entry too long for the figure."""
    with plt.rc_context(dict(STYLE)):
        fig, (panel,), (ax,) = cl.plotting.stacked(1, heights=[6.0])
        for k in range(6):
            ax.plot([1, 2], [k, k + 1], label=f"a rather long legend entry number {k}")
        ax.plot([1, 2], [0, 0], label="an entry so long that even alone in its column it is wider than the figure")
        ax.set_title("a title far longer than the figure is wide, " * 3 + "$p_2^2\\,c^2$")
        ax.set_xlabel("an axis label that is also longer than the axes are wide, by quite a lot")
        legend = cl.plotting.legend_below(panel, ncol=3)
        drawn, width, dpi = drawn_text(fig)
        plt.close(fig)
    assert width == cl.plotting.FIG_WIDTH * dpi  # and drawn_text found every string inside it
    assert legend._ncols == 1
    assert [t.get_text().count("\n") for t in legend.get_texts()] == [0] * 6 + [1]
    title = [t for pt, t in drawn if t.startswith("a title")]
    assert "\n" in ax.title.get_text() and "$p_2^2\\,c^2$" in ax.title.get_text(), title  # mathtext kept whole
