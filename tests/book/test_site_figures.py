"""The site's figures in 256 colours (``book/_ext/site_theme.py``, :func:`shrink_png`): smaller, and drawn the same."""

import io
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sphinx")
PIL = pytest.importorskip("PIL.Image")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "book" / "_ext"))
from site_theme import shrink_png  # noqa: E402


def _figure_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=100)
    x = np.geomspace(1, 1e4, 200)
    for k, c in enumerate(("#440154", "#31688e", "#35b779", "#fde725", "#d62728")):
        ax.loglog(x, (1 + k) / x + 0.01 * k, color=c, label=f"$p_2$ = {k / 4:g}")
        ax.errorbar(x[::40], (1 + k) / x[::40] + 0.01 * k, yerr=0.1 / x[::40], fmt="o", color=c, mec="k")
    ax.set_xlabel("n (training samples)")
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _rgba(data: bytes) -> np.ndarray:
    with PIL.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=float)


def test_a_figure_gets_a_palette_at_a_fraction_of_the_bytes_and_the_same_pixels():
    raw = _figure_png()
    small = shrink_png(raw)
    assert small is not None and len(small) < 0.6 * len(raw), (len(raw), small and len(small))
    with PIL.open(io.BytesIO(small)) as im:
        assert im.mode == "P" and len(im.getcolors(256)) <= 256
    a, b = _rgba(raw), _rgba(small)
    assert a.shape == b.shape
    diff = np.abs(a - b).max(axis=-1)  # on a 0–255 scale
    assert np.mean(diff == 0) > 0.9  # the ground, the lines and the text exact
    assert np.mean(diff) < 0.5
    assert np.mean(diff > 24) < 0.002  # at most 0.2% of the pixels visibly off (antialiased edges)
    white = (a[..., :3] == 255).all(axis=-1)
    assert np.array_equal(b[white], a[white])


def test_a_palette_png_is_left_as_it_is():
    small = shrink_png(_figure_png())
    assert shrink_png(small) is None


def test_a_png_with_few_colours_that_would_not_shrink_is_left_as_it_is():
    buf = io.BytesIO()
    PIL.new("RGB", (4, 4), "white").save(buf, format="PNG")
    out = shrink_png(buf.getvalue())
    assert out is None or len(out) < len(buf.getvalue())


def test_a_transparent_figure_keeps_its_transparency():
    im = PIL.new("RGBA", (200, 100), (0, 0, 0, 0))
    for x in range(200):
        im.putpixel((x, 50), (214, 39, 40, 255))
        im.putpixel((x, 20 + x // 10), (49, 104, 142, 128))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    out = shrink_png(buf.getvalue())
    if out is not None:
        a, b = _rgba(buf.getvalue()), _rgba(out)
        assert np.array_equal(b[..., 3] == 0, a[..., 3] == 0)
        assert np.abs(a[a[..., 3] > 0] - b[a[..., 3] > 0]).max() <= 8
