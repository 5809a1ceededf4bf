"""The book helpers chapters import (collapse_lib.chapter)."""

import pytest

from collapse_lib.chapter import mc_vs_theory, md_table, setup


def test_md_table_layout_and_alignment():
    text = md_table(["a", "b"], [[1, "x"], [2.5, "y"]], align="lr")
    assert text.splitlines() == ["| a | b |", "|:--|--:|", "| 1 | x |", "| 2.5 | y |"]


def test_md_table_rejects_ragged_rows_and_bad_align():
    with pytest.raises(ValueError, match="row has 1 cells for 2 columns"):
        md_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="align"):
        md_table(["a", "b"], [[1, 2]], align="lx")


def test_mc_vs_theory_gap():
    assert mc_vs_theory(1.1, 0.02, 1.0) == "1.1 ± 0.02 vs **1** (+10.0%)"


def test_setup_picks_the_scale_sizes(monkeypatch):
    pytest.importorskip("IPython")
    monkeypatch.setenv("COLLAPSE_SCALE", "paper")
    ch = setup(mc={"smoke": {"t": 1}, "book": {"t": 2}, "paper": {"t": 3}}, banner=False)
    assert (ch.scale, dict(ch.mc)) == ("paper", {"t": 3})
    with pytest.raises(ValueError, match="one entry per scale"):
        setup(mc={"smoke": {}, "book": {}}, banner=False)
    monkeypatch.setenv("COLLAPSE_SCALE", "huge")
    with pytest.raises(ValueError, match="COLLAPSE_SCALE"):
        setup(banner=False)
