"""The chapters' own figures (not the paper's): computed results in, a Figure out.

A chapter computes what a figure shows with the theory and simulation functions, in a
cell the reader sees, and draws it with one function of this module; the paper's figures
are the recipes of :mod:`collapse_lib.figures`. Every figure is one column of panels
(:func:`collapse_lib.plotting.stacked`) with its legend below (:func:`legend_below`), like
the recipes', so the book's legibility rules hold for these too.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .plotting import ERROR_LABEL, colours, legend_below, stacked

# ----------------------------------------------------------------------------- Theorem 1 chapter


def theorem1_terms(n, terms, setting, p2: float, lam: float, spectrum: str):
    """Theorem 1 term by term against ``n``: E, B + V, B, V, ζ, the floor and ``n = d``.

    Parameters
    ----------
    n : array (k,)
        Sample sizes.
    terms : ClassicalResult
        ``cl.theory.classical(setting, n, p2, lam)`` (``total``, ``clean``, ``bias``,
        ``variance``, ``zeta``, ``floor``).
    setting : Setting
        For the title: its ``d``, ``c2`` and ``sigma2_real``.
    p2, lam : float
        The synthetic fraction and the ridge penalty, for the title.
    spectrum : str
        The spectrum in words, for the title (e.g. ``"power law $s_j\\propto j^{-1}$"``).

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    floor = float(np.ravel(terms.floor)[0])
    fig, (panel,), (ax,) = stacked(1, heights=[6.0])
    ax.plot(n, terms.total, "k", lw=2.4, label="$E = B + V + \\zeta$ (Theorem 1)")
    ax.plot(n, terms.clean, "k--", lw=1.3, label="$B + V$: clean ridge law")
    ax.plot(n, terms.bias, color="tab:blue", label="$B$: bias")
    ax.plot(n, terms.variance, color="tab:green", label="$V$: variance (label noise)")
    ax.plot(n, terms.zeta, color="tab:red", label="$\\zeta$: synthetic-data term")
    ax.axhline(
        floor,
        color="tab:red",
        ls=":",
        lw=1.2,
        label=f"floor $p_2^2\\,\\mathrm{{tr}}\\,\\Delta\\Sigma^3(\\Sigma+\\lambda)^{{-2}}$ = {floor:.2e}",
    )
    ax.axvline(setting.d, color="grey", lw=0.8, ls="-.", label=f"n = d = {setting.d}")
    ax.set(
        xscale="log",
        yscale="log",
        ylim=(1e-5, 30),
        xlabel="n (training samples)",
        ylabel="contribution to the test error",
        title=f"Theorem 1, term by term: {spectrum}, d = {setting.d},\n"
        f"$p_2$ = {p2:g}, c² = {setting.c2:g}, σ² = {setting.sigma2_real:g}, λ = {lam:g}",
    )
    legend_below(panel, ncol=2)
    return fig


def corollary1(phi, closed, phi_theorem, theorem, phi_sim, sim, p2s, setting):
    """Corollary 1 against φ = d/n: the closed form (lines), Theorem 1 (open circles), simulation (squares).

    Parameters
    ----------
    phi : array (k,)
        φ of the closed-form curves (without φ = 1, where the error is infinite).
    closed : array (k, len(p2s))
        ``cl.theory.corollary1(phi[:, None], p2s, ...)``.
    phi_theorem : array (m,)
        φ of the Theorem 1 points; ``theorem`` (m, len(p2s)) their errors.
    phi_sim : array (j,)
        φ of the simulated points; ``sim`` (``cl.simulate.classical``) has ``mean`` and
        ``stderr`` of shape (j, len(p2s)), drawn with ± 2 s.e.
    p2s : sequence of float
        The synthetic fractions, one colour each.
    setting : Setting
        The simulated setting (isotropic): its ``d``, ``r2``, ``c2``, ``sigma2_real`` label the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    phi = np.asarray(phi)
    under, over = phi < 1, phi > 1
    fig, (panel,), (ax,) = stacked(1, heights=[5.4])
    cols = colours(list(p2s), "viridis")
    for k, p2 in enumerate(p2s):
        for part in (under, over):
            ax.plot(
                phi[part], closed[part, k], color=cols[p2], lw=1.8, label=f"$p_2$ = {p2:g}" if part is under else None
            )
        ax.plot(phi_theorem, theorem[:, k], "o", mfc="none", mec=cols[p2], ms=7, mew=1.2)
        ax.errorbar(
            phi_sim,
            sim.mean[:, k],
            yerr=2 * sim.stderr[:, k],
            fmt="s",
            ms=4.5,
            color=cols[p2],
            mec="k",
            mew=0.5,
            capsize=2,
        )
    ax.axvline(1.0, color="grey", ls="-.", lw=0.8)
    h, lab = ax.get_legend_handles_labels()
    h += [
        plt.Line2D([], [], color="k"),
        plt.Line2D([], [], marker="o", mfc="none", mec="k", ls=""),
        plt.Line2D([], [], marker="s", color="k", ls=""),
    ]
    lab += [
        "Corollary 1 (closed form; φ > 1: our extension)",
        "Theorem 1, λ = 10⁻⁸",
        f"simulation, d = {setting.d} (± 2 s.e.)",
    ]
    legend_below(panel, h, lab, ncol=2)
    ax.set(
        xscale="log",
        yscale="log",
        ylim=(5e-3, 30),
        xlabel="φ = d / n (dimension / training samples)",
        ylabel=ERROR_LABEL,
        title=f"Corollary 1: Σ = I, ridgeless, r² = {setting.r2:g}, c² = {setting.c2:g}, σ² = {setting.sigma2_real:g}",
    )
    return fig


def crossover_n(setting, p2):
    """n* ≈ (σ² + p₁p₂c²) d/(p₂²c²): where the error of a fixed fraction p₂ meets its floor.

    The theorem1 chapter's equation ``eq-crossover`` (isotropic ridgeless, n ≫ d);
    σ² is the setting's ``sigma2_real``.
    """
    p2 = np.asarray(p2, dtype=float)
    c2 = setting.c2
    return (setting.sigma2_real + (1 - p2) * p2 * c2) * setting.d / (p2**2 * c2)


def fraction_vs_number(setting, n, theory, n_sim, sim, fractions, n2_fixed: int, trials: int):
    """A fixed fraction p₂ of synthetic samples against a fixed number n₂, error against n.

    Parameters
    ----------
    setting : Setting
        The isotropic setting (its ``d``, ``c2``, ``sigma2_real``).
    n : array (k,)
        Sample sizes of the theory curves; ``theory`` (k, len(fractions) + 1) their errors:
        one column per fixed fraction, then the fixed number ``n2_fixed`` (p₂ = n₂/n).
    n_sim : array (j,)
        Simulated sizes; ``sim`` (``cl.simulate.classical``) has ``mean``/``stderr`` (j, columns as ``theory``).
    fractions : sequence of float
        The fixed fractions; 0 is drawn black as the clean law. Each p₂ > 0 gets its floor
        p₂²c² (dotted) and its crossover :func:`crossover_n` (triangle).
    trials : int
        Simulation trials per point, for the legend.

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    palette = ["tab:red", "tab:orange", "tab:purple", "tab:brown"]
    cases, k_frac = [], 0
    for p2 in fractions:
        if p2 == 0:
            cases.append(("clean, $p_2$ = 0", "k", 0.0))
        else:
            cases.append((f"fixed fraction $p_2$ = {p2:g}", palette[k_frac % len(palette)], p2))
            k_frac += 1
    cases.append((f"fixed number $n_2$ = {n2_fixed} ($p_2 = n_2/n$)", "tab:blue", None))
    c2 = setting.c2
    fig, (panel,), (ax,) = stacked(1, heights=[5.6])
    for k, (label, col, p2) in enumerate(cases):
        ax.plot(n, theory[:, k], color=col, lw=1.8, label=label)
        ax.errorbar(
            n_sim, sim.mean[:, k], yerr=2 * sim.stderr[:, k], fmt="o", ms=4.5, color=col, mec="k", mew=0.5, capsize=2
        )
        if p2:
            ax.axhline(p2**2 * c2, color=col, ls=":", lw=1)
            ax.plot([crossover_n(setting, p2)], [p2**2 * c2], marker="v", color=col, ms=9, ls="")
    ax.plot([], [], "kv", ls="", label="crossover $n^\\ast = (\\sigma^2 + p_1p_2c^2)\\,d/(p_2^2c^2)$")
    ax.plot([], [], "ko", ls="", mec="k", label=f"simulation ({trials} trials, ± 2 s.e.)")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="n (training samples)",
        ylabel=ERROR_LABEL,
        title=f"Fixed fraction vs fixed number of synthetic samples\n(Σ = I, d = {setting.d}, ridgeless, c² = {c2:g})",
    )
    legend_below(panel, ncol=1)
    return fig


def best_ridge(lam, errors: dict, setting):
    """The n → ∞ error against λ, one curve per p₂, with the floor p₂²c² and the best λ (★) of each p₂ > 0.

    Parameters
    ----------
    lam : array (k,)
        Ridge penalties (a grid; the best λ is the grid's minimum, marked only if inside the grid).
    errors : dict
        ``{p2: E_∞(λ) over lam}`` (``cl.theory.classical_limit(setting, p2, lam).total``).
    setting : Setting
        Its ``r2`` and ``c2`` label the figure and set the floors.

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    c2 = setting.c2
    cols = colours(list(errors), "viridis")
    fig, (panel,), (ax,) = stacked(1, heights=[5.4])
    for p2, e in errors.items():
        ax.plot(lam, e, color=cols[p2], lw=1.8, label=f"$p_2$ = {p2:g}")
        if p2 > 0:
            k = int(np.argmin(e))
            ax.axhline(p2**2 * c2, color=cols[p2], ls=":", lw=1)
            if 0 < k < len(lam) - 1:
                ax.plot([lam[k]], [e[k]], "*", color=cols[p2], mec="k", ms=11)
    h, lab = ax.get_legend_handles_labels()
    h += [plt.Line2D([], [], color="k", ls=":"), plt.Line2D([], [], marker="*", color="k", ls="", ms=10)]
    lab += ["floor $p_2^2c^2$ (λ → 0)", "best λ"]
    legend_below(panel, h, lab, ncol=3)
    ax.set(
        xscale="log",
        yscale="log",
        ylim=(3e-4, 2),
        xlabel="ridge penalty λ",
        ylabel="test error as n → ∞",
        title=f"No ridge penalty removes the floor\n(n → ∞, Σ = I, r² = {setting.r2:g}, c² = {c2:g})",
    )
    return fig


def grid_minimum(grid, values):
    """``(x, value)`` at the minimum of ``values`` over ``grid``; ``ValueError`` if it is on the grid's edge.

    An optimum read off the edge of a grid is not an optimum: the grid must be widened.
    """
    values = np.asarray(values)
    k = int(np.argmin(values))
    if not 0 < k < values.size - 1:
        raise ValueError(f"the minimum is at the edge of the grid (index {k} of {values.size}): widen the grid")
    return float(np.asarray(grid)[k]), float(values[k])


# ----------------------------------------------------------------------------- data distributions chapter


def spectra(settings: dict):
    """The spectrum of Σ (log–log) and the cumulative share of tr Σ in the leading directions, one line per setting.

    Parameters
    ----------
    settings : dict
        ``{label: Setting}``, all of the same ``d``; a flat spectrum is drawn dashed. The
        legend gives each one's effective rank (tr Σ)²/tr Σ².

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    palette = ["k", "tab:blue", "tab:green", "tab:orange", "tab:red", "tab:purple"]
    d = next(iter(settings.values())).d
    fig, (panel1, _), (ax1, ax2) = stacked(2, heights=[5.4, 3.4])
    j = np.arange(1, d + 1)
    for (label, st), col in zip(settings.items(), palette):
        s = st.spectrum
        eff_rank = s.sum() ** 2 / np.sum(s**2)
        ls = "--" if np.ptp(s) == 0 else "-"
        ax1.loglog(j, s, ls, color=col, label=f"{label} (eff. rank {eff_rank:.0f})")
        ax2.semilogx(j, np.cumsum(s) / s.sum(), ls, color=col, label=label)
    ax1.set(
        xlabel="index j (dimensionless)",
        ylabel="eigenvalue $s_j$ of Σ (dimensionless)",
        title=f"Spectrum of Σ (d = {d}, tr Σ = d)",
    )
    legend_below(panel1, ncol=1)
    ax2.set(
        xlabel="number of leading directions j (dimensionless)",
        ylabel="share of tr Σ in the first j",
        title="Cumulative share of the variance (colours as above)",
        ylim=(0, 1.02),
    )
    return fig


def label_scatter(draws: dict, setting):
    """Real label xᵀw₁* against synthetic label xᵀw₂* of the same inputs, one panel per draw.

    Parameters
    ----------
    draws : dict
        ``{c2: Sample}`` (``cl.sample``), the same inputs and real teacher in each.
    setting : Setting
        Its Σ measures δᵀΣδ (the box of each panel, with the mean squared gap over the
        inputs); its ``d`` and ``r2`` are in the title.

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    from .sampling import prediction_error

    k = len(draws)
    fig, panels, axes = stacked(k, heights=[3.4] * (k - 1) + [4.2])
    lim = 1.1 * max(np.abs(smp.X @ smp.w2).max() for smp in draws.values())
    n = next(iter(draws.values())).X.shape[0]
    for ax, (c2, smp) in zip(axes, draws.items()):
        y1, y2 = smp.X @ smp.w1, smp.X @ smp.w2
        gap = y2 - y1
        ax.scatter(y1, y2, s=8, alpha=0.6, color="tab:orange", label="one input x")
        ax.plot([-lim, lim], [-lim, lim], "k--", lw=1, label="$y_2 = y_1$ (perfect teacher)")
        ax.set(
            title=f"$c^2$ = {c2:g}",
            xlabel="real label $x^\\top w_1^\\star$ (label units)",
            xlim=(-lim, lim),
            ylim=(-lim, lim),
            aspect="equal",
        )
        ax.text(
            0.03,
            0.97,
            f"mean $(x^\\top\\delta)^2$ = {np.mean(gap**2):.3f}\n"
            f"$\\delta^\\top\\Sigma\\delta$ = {prediction_error(setting, smp.w2, smp.w1):.3f}",
            transform=ax.transAxes,
            va="top",
            bbox=dict(boxstyle="round", fc="white", alpha=0.8),
        )
        ax.set_ylabel("synthetic label $x^\\top w_2^\\star$")
    legend_below(panels[-1], ax=axes[-1], ncol=2)
    kind = "isotropic" if np.ptp(setting.spectrum) == 0 else setting.name
    fig.suptitle(
        f"Same {n} inputs, same real teacher, growing mismatch\n({kind}, d = {setting.d}, $r^2$ = {setting.r2:g})"
    )
    return fig


def teacher_error_and_least_squares(
    teacher_errors: dict, d_teacher: int, c2: float, n, theory, n_sim, sim, setting, trials: int
):
    """Two panels: the spread of E(w₂*) = δᵀΣδ over teacher draws, and least squares on real or synthetic data only.

    Parameters
    ----------
    teacher_errors : dict
        ``{label: errors}``: E(w₂*) of independent teacher draws in a setting of dimension
        ``d_teacher`` and quality ``c2``; a histogram each (blue, red), its mean ± s.e. in the legend.
    c2 : float
        The quality c² (dashed in both panels).
    n : array (k,)
        Sample sizes of the theory curves; ``theory`` (k, 2) the error for p₂ = 0 and p₂ = 1.
    n_sim : array (j,)
        Simulated sizes; ``sim`` (``cl.simulate.classical``) has ``mean``/``stderr`` (j, 2), drawn ± 1 s.e.
    setting : Setting
        The least-squares setting (its ``d`` and ``sigma2_real`` are in the title); ``trials`` per point.

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    fig, (panel1, panel2), (ax1, ax2) = stacked(2, heights=[4.6, 5.0])
    draws = None
    for (name, errs), col in zip(teacher_errors.items(), ["tab:blue", "tab:red"]):
        errs = np.asarray(errs)
        draws = errs.size
        ax1.hist(
            errs,
            bins=40,
            density=True,
            alpha=0.5,
            color=col,
            label=f"{name}: mean {errs.mean():.3f} ± {errs.std(ddof=1) / np.sqrt(errs.size):.3f}",
        )
    ax1.axvline(c2, color="k", ls="--", label=f"$c^2$ = {c2:g}")
    ax1.set(
        xlabel="$E(w_2^\\star) = \\delta^\\top\\Sigma\\delta$ (squared label units)",
        ylabel="density",
        title=f"Test error of the synthetic teacher\n({draws} draws, d = {d_teacher})",
    )
    legend_below(panel1, ncol=1)
    for k, (col, lab) in enumerate([("tab:blue", "real only, $p_2 = 0$"), ("tab:orange", "synthetic only, $p_2 = 1$")]):
        ax2.plot(n, theory[:, k], color=col, label=f"{lab}: theory")
        ax2.errorbar(
            n_sim,
            sim.mean[:, k],
            yerr=sim.stderr[:, k],
            fmt="o",
            color=col,
            ms=4,
            capsize=2,
            label=f"{lab}: simulation",
        )
    ax2.axhline(c2, color="k", ls="--", lw=1, label=f"$c^2$ = {c2:g} (error of $w_2^\\star$)")
    ax2.set(
        xscale="log",
        yscale="log",
        xlabel="training-set size n (samples)",
        ylabel="test error $E(\\hat w)$ (squared label units)",
        title=f"Least squares, isotropic d = {setting.d}, $\\sigma^2$ = {setting.sigma2_real:g},\n{trials} trials",
    )
    legend_below(panel2, ncol=2)
    return fig


# ----------------------------------------------------------------------------- neural networks chapter


def training_run(run, p2s, n: int, width: int):
    """Training and held-out losses of one training run per p₂ against the step, with the kept checkpoint.

    Parameters
    ----------
    run : TrainResult
        ``cl.nn.train_two_layer(...)`` with held-out data: ``history_steps``, ``train_loss`` and
        ``val_loss`` (steps, len(p2s)), ``best_step`` (len(p2s),), dotted.
    p2s : sequence of float
        The synthetic fraction of each run (column).
    n, width : int
        Training-set size and network width, for the title.

    Returns
    -------
    matplotlib.figure.Figure
        One column of panels (:func:`collapse_lib.plotting.stacked`).
    """
    fig, (panel,), (ax,) = stacked(1, heights=[5.0])
    for j, p in enumerate(p2s):
        ax.plot(run.history_steps, run.train_loss[:, j], color=f"C{j}", ls="--", label=f"training loss, $p_2$ = {p:g}")
        ax.plot(run.history_steps, run.val_loss[:, j], color=f"C{j}", label=f"held-out real loss, $p_2$ = {p:g}")
        ax.axvline(run.best_step[j], color=f"C{j}", lw=0.8, ls=":")
    ax.set(
        yscale="log",
        xlabel="optimizer step",
        ylabel="mean squared error $\\|f(x) - y\\|^2$",
        title=f"One training run, n = {n}, width {width}\n(dotted: kept checkpoint)",
    )
    legend_below(panel, ncol=1)
    return fig


__all__ = [
    "best_ridge",
    "corollary1",
    "crossover_n",
    "fraction_vs_number",
    "grid_minimum",
    "label_scatter",
    "spectra",
    "teacher_error_and_least_squares",
    "theorem1_terms",
    "training_run",
]
