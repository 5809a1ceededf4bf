"""The chapters' glue for numbers in prose (collapse_lib.prose) and their own figures (collapse_lib.illustrations)."""

from __future__ import annotations

import ast
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import collapse_lib as cl  # noqa: E402
from collapse_lib import illustrations  # noqa: E402
from collapse_lib.chapter import INLINE_FIGURE_KWARGS, STYLE  # noqa: E402
from collapse_lib.plotting import FIG_WIDTH, MIN_FONT_PT  # noqa: E402
from collapse_lib.prose import GLUE_PREFIX, glue, plain  # noqa: E402


# ----------------------------------------------------------------------------- glue
def _displayed(call):
    """The display outputs of ``call()`` in an IPython shell: ``[(data, metadata), ...]``."""
    IPython = pytest.importorskip("IPython")
    from IPython.utils.capture import capture_output

    IPython.core.interactiveshell.InteractiveShell.instance()
    with capture_output() as cap:
        call()
    return [(o.data, o.metadata) for o in cap.outputs]


@pytest.mark.parametrize("value", [np.float64(0.004975), np.int64(12_345), 0.5, "1.2 × 10⁻³"])
def test_glue_writes_what_myst_nb_writes(value):
    myst_glue = pytest.importorskip("myst_nb").glue
    ours = _displayed(lambda: glue("key", value))
    assert ours == _displayed(lambda: myst_glue("key", plain(value), display=False))
    (data, metadata), *rest = ours
    assert rest == [] and set(data) == {GLUE_PREFIX + "text/plain"}  # hidden: no plain text/plain output
    assert metadata["scrapbook"] == {"name": "key", "mime_prefix": GLUE_PREFIX}
    # MyST-NB reads the value back with literal_eval to apply a format such as :.3f
    assert ast.literal_eval(data[GLUE_PREFIX + "text/plain"]) == plain(value)


def test_plain_values_and_bad_input():
    assert type(plain(np.float64(2.5))) is float and type(plain(np.int32(3))) is int
    assert type(plain(np.array(1.5))) is float and plain("x") == "x"
    with pytest.raises(TypeError, match="bool"):
        plain(True)
    with pytest.raises(TypeError, match="number or a string"):
        plain([1.0])
    with pytest.raises(ValueError, match="name"):
        glue("a:b", 1.0)
    with pytest.raises(ValueError, match="name"):
        glue("", 1.0)


# ----------------------------------------------------------------------------- illustrations
def _check(fig, xlabel: str, ylabel: str):
    """One column of the book's width; labelled axes; no text under the book's smallest size; titles, axis labels
    and legends inside their panel (the book shows a figure at its size: past its edge, text is cut off)."""
    assert fig.get_size_inches()[0] == pytest.approx(FIG_WIDTH)
    axes = [ax for ax in fig.get_axes() if ax.has_data()]
    assert axes and xlabel in axes[-1].get_xlabel() and ylabel in axes[0].get_ylabel()
    fig.savefig(io.BytesIO(), format="png", **INLINE_FIGURE_KWARGS)  # drawn as a chapter shows it
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]
    assert min(sizes) >= MIN_FONT_PT
    renderer = fig.canvas.get_renderer()
    for ax in fig.get_axes():
        panel = ax.get_figure(root=False)
        texts = [ax.title, ax.xaxis.label, ax.yaxis.label, *(t for lg in panel.legends for t in lg.get_texts())]
        for t in texts:
            if t.get_visible() and t.get_text().strip():
                box, edge = t.get_window_extent(renderer), panel.bbox
                inside = (
                    box.x0 >= edge.x0 - 1 and box.y0 >= edge.y0 - 1 and box.x1 <= edge.x1 + 1 and box.y1 <= edge.y1 + 1
                )
                assert inside, f"{t.get_text()!r} at {box.extents.round()} outside its panel {edge.extents.round()}"
    plt.close(fig)


@pytest.fixture(autouse=True)
def _book_style():
    with matplotlib.rc_context(dict(STYLE)):
        yield


def test_theorem1_figures_draw_what_they_are_given():
    st = cl.Setting.power_law(100, 1.0, r2=1.0, c2=0.5, sigma2=0.25)
    n = np.geomspace(10, 1e6, 50)
    th = cl.theory.classical(st, n, 0.1, 1e-3)
    fig = illustrations.theorem1_terms(n, th, st, 0.1, 1e-3, spectrum="power law")
    (ax,) = fig.get_axes()
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), th.total)  # the first line is E
    assert "d = 100" in ax.get_title()
    _check(fig, "n", "test error")

    iso = cl.Setting.isotropic(20, r2=1.0, c2=0.5, sigma2=0.25)
    p2s = np.array([0.0, 0.5])
    phi = np.array([0.1, 0.5, 2.0, 5.0])
    closed = cl.theory.corollary1(phi[:, None], p2s, r2=1.0, c2=0.5, sigma2=0.25)
    n_sim = np.array([200, 40])
    sim = cl.simulate.classical(iso, n_sim[:, None], p2s, 0.0, trials=2, seed=0)
    _check(illustrations.corollary1(phi, closed, phi, closed, 20 / n_sim, sim, p2s, iso), "φ", "test error")

    fractions, n2, n = [0.0, 0.1], 20, np.geomspace(40, 1e6, 50)
    p2 = np.stack([np.full(n.shape, f) for f in fractions] + [n2 / n], axis=1)
    curve = cl.theory.classical(iso, n[:, None], p2, 0.0).total
    n_mc = np.array([100, 400])
    p2_mc = np.stack([np.full(n_mc.shape, f) for f in fractions] + [n2 / n_mc], axis=1)
    sim = cl.simulate.classical(iso, n_mc[:, None], p2_mc, 0.0, trials=2, seed=0)
    fig = illustrations.fraction_vs_number(iso, n, curve, n_mc, sim, fractions, n2, trials=2)
    (ax,) = fig.get_axes()
    assert [t for t in ax.get_legend_handles_labels()[1] if "fixed number" in t] == [
        "fixed number $n_2$ = 20 ($p_2 = n_2/n$)"
    ]
    _check(fig, "n", "test error")

    lam = np.geomspace(1e-6, 1e2, 101)
    errors = {p: cl.theory.classical_limit(iso, p, lam).total for p in (0.0, 0.1)}
    _check(illustrations.best_ridge(lam, errors, iso), "λ", "n → ∞")


def test_data_distribution_figures_draw_what_they_are_given():
    settings = {"isotropic": cl.Setting.isotropic(50), "power law, α = 1": cl.Setting.power_law(50, 1.0)}
    fig = illustrations.spectra(settings)
    top = fig.get_axes()[0]
    np.testing.assert_allclose(top.get_lines()[1].get_ydata(), settings["power law, α = 1"].spectrum)
    assert top.get_lines()[0].get_linestyle() == "--"  # the flat spectrum is dashed
    _check(fig, "j", "eigenvalue")

    draws = {c2: cl.sample(cl.Setting.isotropic(20, r2=1.0, c2=c2), 30, p2=0.0, seed=1) for c2 in (0.1, 1.0)}
    fig = illustrations.label_scatter(draws, cl.Setting.isotropic(20, r2=1.0))
    box = [t.get_text() for t in fig.get_axes()[1].texts][0]
    smp = draws[1.0]
    assert f"= {np.mean((smp.X @ (smp.w2 - smp.w1)) ** 2):.3f}" in box  # the mean squared gap of that draw
    assert "Same 30 inputs" in fig._suptitle.get_text() and "isotropic, d = 20" in fig._suptitle.get_text()
    _check(fig, "real label", "synthetic label")

    st = cl.Setting.isotropic(10, r2=1.0, c2=0.5, sigma2=0.25)
    ns = np.array([20, 40])
    sim = cl.simulate.classical(st, ns[:, None], np.array([0.0, 1.0]), 0.0, trials=2, seed=0)
    n = np.geomspace(20, 40, 5)
    theory = cl.theory.corollary1(10 / n[:, None], np.array([0.0, 1.0]), r2=1.0, c2=0.5, sigma2=0.25)
    errors = {"isotropic": np.array([0.4, 0.5, 0.6]), "power law α = 2": np.array([0.2, 0.5, 0.8])}
    fig = illustrations.teacher_error_and_least_squares(errors, 10, 0.5, n, theory, ns, sim, st, 2)
    assert "3 draws, d = 10" in fig.get_axes()[0].get_title()
    assert "isotropic: mean 0.500 ± 0.058" in fig.get_axes()[0].get_legend_handles_labels()[1]
    _check(fig, "training-set size", "density")


def test_training_run_figure_marks_each_kept_checkpoint():
    from types import SimpleNamespace

    steps = np.arange(0, 100, 10)
    run = SimpleNamespace(
        history_steps=steps,
        train_loss=np.stack([1 / (1 + steps), 2 / (1 + steps)], axis=1),
        val_loss=np.stack([1.5 / (1 + steps), 2.5 / (1 + steps)], axis=1),
        best_step=np.array([50, 70]),
    )
    fig = illustrations.training_run(run, [0.0, 0.5], 1000, 64)
    (ax,) = fig.get_axes()
    vertical = [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert vertical == [50, 70]
    assert "n = 1000, width 64" in ax.get_title()
    _check(fig, "optimizer step", "mean squared error")
