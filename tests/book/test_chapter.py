"""The book helpers chapters import (collapse_lib.chapter)."""

import subprocess
import sys

import numpy as np
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


#: An IPython shell with the inline backend, as in a chapter's kernel: the size of the PNG IPython makes of a figure
#: the book draws, and of a plain figure of 5 x 3.6 in with a label past its right edge.
_INLINE_FIGURES = """
import base64, io
from IPython.core.interactiveshell import InteractiveShell
import matplotlib
from PIL import Image
shell = InteractiveShell.instance()
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt
import collapse_lib as cl
from collapse_lib.chapter import setup

def png_size(fig):
    data = shell.display_formatter.format(fig)[0]["image/png"]
    data = base64.b64decode(data) if isinstance(data, str) else data
    return Image.open(io.BytesIO(data)).size

setup(banner=False)
fig, _, (ax,) = cl.plotting.stacked(1)
ax.plot([1, 2], [3, 4])
plain, bx = plt.subplots()
bx.set_ylabel("a y label")
print(png_size(fig), png_size(plain))
"""


@pytest.mark.slow
def test_setup_has_a_kernel_show_figures_at_their_size():
    """After setup() the inline backend saves a figure as it is (500 x 360 px at the book's 5 x 3.6 in and
    100 dpi), not cropped to a tight box; a plain figure lays itself out (constrained layout) to keep its labels."""
    pytest.importorskip("matplotlib_inline")
    out = subprocess.run([sys.executable, "-c", _INLINE_FIGURES], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["(500,", "360)", "(500,", "360)"]


def test_format_numbers_one_notation_per_column():
    from collapse_lib.chapter import format_numbers, needs_scientific

    # decimal while every magnitude is in [1e-3, 1e5): the given significant digits, thousands separated
    assert format_numbers([0.0201, 0.5, 1234.5, -0.25]) == ["0.0201", "0.500", "1,234", "−0.250"]
    # one value outside: the whole column in scientific notation, zero as 0
    nb = "\u202f"  # narrow no-break space: "5.01 × 10⁻⁸" stays on one line
    assert format_numbers([5.01e-8, 0.0201, 0.0]) == [f"5.01{nb}×{nb}10⁻⁸", f"2.01{nb}×{nb}10⁻²", "0"]
    assert format_numbers([7.04e-10], 2) == [f"7.0{nb}×{nb}10⁻¹⁰"]
    assert format_numbers([0.5], scientific=True) == [f"5.00{nb}×{nb}10⁻¹"]
    assert needs_scientific([1e5]) and not needs_scientific([0.0, 1e-3, 99_999.0])
    # the text reads back as the number to the digits asked
    for v in np.random.default_rng(3).lognormal(0, 8, 200):
        (s,) = format_numbers([v], 4, scientific=True)
        mant, exp = s.split("\u202f×\u202f10")
        back = float(mant) * 10.0 ** int(exp.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
        assert back == pytest.approx(v, rel=5e-4)


def test_scientific_is_one_glued_number_in_the_books_notation():
    from collapse_lib.prose import scientific

    nb = "\u202f"
    assert scientific(0.004975, 4) == f"4.975{nb}×{nb}10⁻³"
    assert scientific(np.float64(1e6), 1) == f"1{nb}×{nb}10⁶"
    assert scientific(-2.5e-12, 2) == f"−2.5{nb}×{nb}10⁻¹²"
    assert "e" not in scientific(3.3e-300, 3)
    with pytest.raises(TypeError, match="bool"):
        scientific(True)


def test_number_picks_the_notation_by_size():
    from collapse_lib.prose import number

    nb = "\u202f"
    assert number(1.2449e5) == f"1.24{nb}×{nb}10⁵"
    assert number(0.98765) == "0.988"
    assert number(1234.5) == "1,234"
    assert number(2.5e-4, 2) == f"2.5{nb}×{nb}10⁻⁴"
