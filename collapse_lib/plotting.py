"""Plotting helpers shared by the figure recipes: colours, theory lines, simulation markers."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

ERROR_LABEL = "test error $E$ (label noise excluded)"


def colours(values, cmap="viridis"):
    """One colour per value, ordered, from a perceptually uniform map."""
    values = list(values)
    cm = plt.get_cmap(cmap)
    if len(values) == 1:
        return {values[0]: cm(0.2)}
    return {v: cm(0.9 * i / (len(values) - 1)) for i, v in enumerate(values)}


def theory_and_simulation(ax, theory, simulation, x, group, label_fmt, floor=None, colour_map=None,
                          y="error"):
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
            ax.errorbar(sm[x], sm[y], yerr=yerr, fmt="o", ms=4.5, color=c, mec="k", mew=0.5,
                        elinewidth=1, capsize=2)
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


def legend_note(ax, loc="lower left"):
    """Legend plus a note on the encoding (lines = theory, markers = simulation, dotted = floor)."""
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="k", lw=1.8), Line2D([], [], color="k", marker="o", ls="", ms=4.5),
                Line2D([], [], color="k", ls=":", lw=0.9)]
    labels += ["theory (Theorem 1)", "simulation (± 2 s.e.)", r"floor $p_2^2\,\mathrm{tr}\,\Delta\Sigma^3(\Sigma+\lambda)^{-2}$"]
    ax.legend(handles, labels, loc=loc, fontsize=8, ncol=2, framealpha=0.9)
