"""The "the paper | this book" tables: the paper's facts in one place, the book's side built from the configuration."""

import copy
import pathlib

import pytest

import collapse_lib as cl
from collapse_lib import paper
from collapse_lib.figures import compare

SCALES = ("smoke", "book", "paper")
PAPER_FIGURES = [name for name in cl.figures.RECIPES if name not in cl.figures.NAMED]  # not the named extras


@pytest.mark.parametrize("name", PAPER_FIGURES)
@pytest.mark.parametrize("scale", SCALES)
def test_every_figure_has_both_sides_with_every_row(name, scale):
    table = compare.paper_vs_book(name, cl.figures.get(name).config(scale))
    assert list(table.columns) == ["aspect", "the paper", "this book"]
    assert list(table.aspect) == [label for _, label in paper.ASPECTS] + ["what differs and why"]
    assert table["this book"].str.len().min() > 10
    assert table["the paper"].str.len().min() > 5


def test_paper_facts_are_the_known_ones():
    """Spot checks against what is known of the paper's text (abstracts, Figure 1 caption, §4–5)."""
    f = paper.FIGURES
    assert set(f) == set(PAPER_FIGURES)
    assert "n = 500" in f["fig1"].sizes and "caption" in f["fig1"].source
    assert f["fig5"].runs.startswith("5")
    assert "100,000" in f["fig7"].sizes and "2,000" in f["fig7"].sizes and "§4.1" in f["fig7"].source
    assert "124M" in f["fig8"].models and "TinyStories" in f["fig8"].data and "§4.2" in f["fig8"].source
    assert "Corollary 2" in f["fig9"].source and "(0, 1]" in f["fig9"].shows
    assert "Corollary 3" in f["fig10"].source and "p₁ = p₂ = 0.5" in f["fig10"].data
    for name in ("fig2", "fig3", "fig4", "fig6"):  # nothing of their setup is known: no invented numbers
        assert f[name].sizes == paper.NOT_STATED and f[name].runs == paper.NOT_STATED
    assert "press summary" in f["fig6"].source


@pytest.mark.parametrize("name", ["fig2", "fig3", "fig4"])
def test_figures_the_known_text_does_not_describe_are_inferred(name):
    """What Figures 2-4 plot is not in the known text: their "shows" is the book's inference, labelled so,
    and no other cell credits the paper with a model or data set."""
    f = paper.figure(name)
    assert f.shows.startswith(paper.INFERRED) and "not in the known text" in f.source
    assert f.models == f.data == f.sizes == f.runs == paper.NOT_STATED
    table = compare.paper_vs_book(name, cl.figures.get(name).config("smoke")).set_index("aspect")["the paper"]
    assert table["what it shows"].startswith(paper.INFERRED)


def test_chapter_sentences_on_figures_2_and_3_say_inferred():
    """The theorem1 chapter's sentences on the paper's Figures 2 and 3 do not credit the paper with their content."""
    text = (pathlib.Path(__file__).resolve().parents[2] / "book" / "theorem1.md").read_text(encoding="utf-8")
    for fig in ("Figure 2", "Figure 3"):
        part = text.split(f"## {fig}:", 1)[1].split("```", 1)[0]
        assert "not in the paper's text known to us" in part and "infer" in part, fig
        assert f"The paper's {fig} plots" not in part and "by its message" not in part
    assert set(paper.ABSTRACT_FRACTION.values()) == {
        "as little as 1% of the total training dataset",
        "as little as 1 per 1000",
    }


def _changed(name, edit):
    cfg = copy.deepcopy(cl.figures.get(name).config("book"))
    edit(cfg)
    return compare.paper_vs_book(name, cfg).set_index("aspect")["this book"]


def test_book_side_follows_the_configuration():
    """Numbers in the book's column come from the configuration, so they cannot go stale."""
    assert "n = 777" in _changed("fig1", lambda c: c.update(n=777))["sizes"]
    assert "d = φn = 1554" in _changed("fig1", lambda c: c.update(n=777, phi=2.0))["sizes"]
    col = _changed("fig5", lambda c: c.update(trials=3))
    assert col["runs"] == "3 runs per width" and col["what differs and why"].startswith("fewer runs than the paper's 5")
    assert _changed("fig5", lambda c: c.update(trials=5))["what differs and why"].startswith("as many runs")
    assert "width 12,345" in _changed("fig7", lambda c: c.update(rf_width=12345))["sizes"]
    assert "1,000 tokens per run" in _changed("fig8", lambda c: c.update(steps=5, batch=2, context=100))["sizes"]
    assert "d = 77;" in _changed("fig9", lambda c: c.update(d=77))["sizes"]
    assert "λ = 0.123" in _changed("fig4", lambda c: c.update(lam=0.123))["models"]


def test_markdown_table_has_three_cells_per_row_and_the_footnote():
    md = compare.paper_vs_book_markdown("fig8", cl.figures.get("fig8").config("paper"))
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(paper.ASPECTS) + 1
    assert all(line.count("|") == 4 for line in rows)
    assert paper.NOT_STATED_NOTE in md and "scale `paper`" in md


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="name"):
        paper.figure("fig11")
    with pytest.raises(TypeError, match="config"):
        compare.paper_vs_book("fig1", config=[1, 2])
    with pytest.raises(ValueError, match="unknown figure"):
        compare.paper_vs_book("fig99")
