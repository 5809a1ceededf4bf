"""One renderer for benchmark results: tables, sentences, the SUMMARY line and the scaling plot.

The command line prints :func:`report` (tables as Markdown) and ends with
:func:`summary_line`; the Performance page shows the same tables (as HTML) and
sentences, so the numbers are formatted in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..prose import number, scientific
from .schema import SIM_TARGET, THEORY_TARGET, BenchResult


@dataclass(frozen=True)
class Table:
    """A small table of formatted strings."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        cells = (" | ".join(c.replace("|", "\\|") for c in r) for r in self.rows)
        return "\n".join(lines + ["| " + c + " |" for c in cells])

    def frame(self):
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))

    def _repr_html_(self) -> str:  # shown as HTML by Jupyter's display()
        return self.frame().to_html(index=False)


def _met(ok) -> str:
    return "met" if ok else "not met"


def _x(ratio) -> str:
    return f"×{ratio:.3g}"


def _x_range(lo_hi) -> str:
    """A spread of ratios, ×lo–hi."""
    lo, hi = lo_hi
    return f"×{lo:.3g}–{hi:.3g}"


def _rate_range(lo_hi) -> str:
    lo, hi = lo_hi
    return f"{number(lo)}–{number(hi)}"


_PATH_NAMES = {"fast": "fast", "safe": "safe (overflow-free)"}


def _path(t) -> str:
    """The arithmetic of a theory row, marked when it is the one the default (path="auto") takes on its grid."""
    return _PATH_NAMES.get(t.path, t.path) + (" (default here)" if t.is_default else "")


# ---------------------------------------------------------------- tables
def theory_table(r: BenchResult) -> Table:
    """Theorems 1 and 2: library rates (median and range of the repetitions) in each arithmetic, brentq-reference
    rate, speed-up, agreement; one row per setting and arithmetic."""
    rows = tuple(
        (
            f"{t.theorem}",
            t.setting,
            _path(t),
            f"{t.points}",
            f"{t.fixed_points}",
            number(t.lib_rate),
            _rate_range(t.lib_rate_spread),
            number(t.baseline_rate),
            _x(t.ratio),
            scientific(t.max_rel_diff, 2),
        )
        for t in r.theory
    )
    reps = len(r.theory[0].lib_seconds) if r.theory else 0
    return Table(
        (
            "theorem",
            "setting",
            "arithmetic",
            "grid points",
            "fixed points solved",
            f"library (points/s, median of {reps})",
            "range (points/s)",
            "brentq reference (points/s)",
            "speed-up",
            "max rel. difference",
        ),
        rows,
    )


def simulation_table(r: BenchResult) -> Table:
    """Simulation wall times of the library (per method) and of the numpy loops, speed-ups and checks."""
    sm, rp = r.simulation, r.projections
    rows = [
        (
            "classical",
            f"library, method='{t.method}'",
            number(sm.seconds(t.method)),
            f"{_x(sm.ratio(t.method))} ({_x_range(sm.ratio_spread(t.method))})",
            _x(sm.ratio_vs_naive(t.method)),
            f"max |z| {t.max_abs_z:.2f} vs numpy means",
        )
        for t in sm.methods
    ]
    rows += [
        (
            "classical",
            "numpy loop (XᵀX once per trial)",
            number(sm.baseline_seconds),
            "×1",
            "",
            f"{sm.baseline_trials} trials run, time scaled to {sm.trials}",
        ),
        (
            "classical",
            "literal numpy loop (XᵀX per solve)",
            number(sm.naive_seconds),
            "",
            "×1",
            f"1 trial run, time scaled to {sm.trials}",
        ),
        (
            f"random projections, m = {rp.m}",
            "library",
            number(rp.lib_seconds),
            _x(rp.ratio),
            "",
            f"max |z| {rp.max_abs_z_vs_theory:.2f} vs Theorem 2",
        ),
        (
            f"random projections, m = {rp.m}",
            "numpy loop (ZᵀZ once per trial)",
            number(rp.baseline_seconds),
            "×1",
            "",
            f"{rp.baseline_trials} trial(s) run, time scaled to {rp.trials}",
        ),
    ]
    return Table(
        (
            "model",
            "code",
            f"seconds (median of {sm.repetitions})",
            "speed-up vs numpy loop (range)",
            "vs literal loop",
            "check",
        ),
        tuple(rows),
    )


def profile_table(r: BenchResult) -> Table:
    """Milliseconds per trial of each stage of the classical simulation, library and numpy loop."""
    pf = r.simulation.profile
    lib = {s.name: s.seconds_per_trial for s in pf.library}
    base = {s.name: s.seconds_per_trial for s in pf.baseline}
    names = list(lib) + [k for k in base if k not in lib]
    rows = [(k, f"{1e3 * lib[k]:.1f}" if k in lib else "", f"{1e3 * base[k]:.1f}" if k in base else "") for k in names]
    rows.append(("total", f"{1e3 * pf.library_total:.1f}", f"{1e3 * pf.baseline_total:.1f}"))
    return Table(("stage", "library (ms/trial)", "numpy loop (ms/trial)"), tuple(rows))


def scaling_table(r: BenchResult) -> Table:
    """Simulation time at each measured (d, n), sorted."""
    rows = tuple((f"{w.d}", f"{w.n}", number(w.direct), number(w.auto), w.auto_uses) for w in r.scaling.rows)
    return Table(("d", "n", "direct (s)", "auto (s)", "auto uses"), rows)


# ---------------------------------------------------------------- sentences
def run_sentence(r: BenchResult) -> str:
    """Where and when the run was made (from its provenance)."""
    p = r.provenance
    name = p.get("device_name")
    where = r.device if not name or name == r.device else f"{r.device} ({name})"
    return (
        f"Mode '{r.mode}' on {where}, {r.torch_threads} torch threads, "
        f"collapse_lib {p.get('collapse_lib_version', '?')}, torch {p.get('torch_version', '?')}, "
        f"{p.get('date_utc', '?')}; the whole run took {r.elapsed_s:.0f} s."
    )


def _rates(rows) -> str:
    return " and ".join(f"{number(t.lib_rate, 2)} ({t.setting})" for t in rows)


def theory_sentences(r: BenchResult) -> list[str]:
    """Rates in each arithmetic (medians), the Theorem 1 target for the default arithmetic, agreement."""
    t1 = r.theorem(1, "default")
    reps = len(r.theory[0].lib_seconds)
    uses = sorted({t.auto_uses for t in r.theory})
    out = [
        f"On these grids the default arithmetic (path='auto') is the {' and the '.join(uses)} one"
        + (" for every setting." if len(uses) == 1 else ", depending on the setting.")
        + f" Theorem 1 evaluates {_rates(t1)} points per second there (median of {reps} repetitions): "
        f"our target of {THEORY_TARGET:,.0f} points/s on a CPU is {_met(all(t.target_met for t in t1))}."
    ]
    for path in ("fast", "safe"):
        t1p, t2p = r.theorem(1, path), r.theorem(2, path)
        if t1p:
            out.append(
                f"The {_PATH_NAMES[path]} arithmetic: Theorem 1 {_rates(t1p)}"
                + (f", Theorem 2 {_rates(t2p)}" if t2p else "")
                + " points per second."
            )
    worst = max(t.max_rel_diff for t in r.theory)
    out.append(
        f"Largest relative difference from the brentq reference: {scientific(worst, 2)} "
        f"({'within' if all(t.agree for t in r.theory) else 'OUTSIDE'} the tolerance)."
    )
    return out


def simulation_sentences(r: BenchResult) -> list[str]:
    """Sizes, throughput against the measured peak, memory and agreement."""
    sm, rp = r.simulation, r.projections
    mem = sm.memory
    return [
        f"Classical: d = {sm.d}, n = {sm.n}, {sm.n_p2} values of p₂ × {sm.n_lam} of λ × {sm.trials} trials "
        f"(auto uses {sm.auto_uses}); random projections: d = {rp.d}, n = {rp.n}, m = {rp.m}, "
        f"{rp.n_p2} × {rp.n_lam} × {rp.trials} trials.",
        f"The classical simulation runs at {number(sm.achieved_gflops)} GFLOP/s and the random-projections one at "
        f"{number(rp.achieved_gflops)} GFLOP/s, against a measured float64 matmul peak of {number(sm.peak_gflops)} GFLOP/s "
        f"(N = {sm.peak_matmul_N}): {100 * sm.fraction_of_peak:.0f}% and "
        f"{100 * rp.achieved_gflops / sm.peak_gflops:.0f}% of peak.",
        f"Peak extra memory: {mem.direct:.0f} MiB (direct), {mem.auto:.0f} MiB (auto), {rp.memory_mib:.0f} MiB "
        f"(random projections), {mem.numpy_loop_1_trial:.0f} MiB for one trial of the numpy loop ({mem.how}).",
        f"On a shared design, library and numpy ridge errors differ by at most {scientific(sm.shared_design_max_rel_diff, 2)} "
        f"(relative); simulated means differ from the numpy loop's by at most |z| = "
        f"{max(t.max_abs_z for t in sm.methods):.2f} and, for random projections, from Theorem 2 by |z| = "
        f"{rp.max_abs_z_vs_theory:.2f}.",
    ]


def bound_sentences(r: BenchResult) -> list[str]:
    """What bounds the speed-up (the solves' share of the same runs) and the verdicts on the ×10 target."""
    sm, rp, pf = r.simulation, r.projections, r.simulation.profile
    auto = sm.timing("auto")
    share = sum(auto.solve_seconds) / sum(auto.seconds)
    return [
        f"In the {sm.repetitions} runs of method auto, {100 * share:.0f}% of the library's time went to its solves; "
        f"the rest (drawing the data, forming XᵀX and Xᵀy, the test errors) would remain, so even a free solve could not "
        f"beat the loop that forms XᵀX once per trial by more than ×{number(sm.bound_if_solve_free, 2)} "
        f"({_x_range(sm.bound_spread)}; each repetition's bound is its loop time over its library time less its "
        f"solves, so it is never below that repetition's ratio) at n = {sm.n / sm.d:g}d on this machine. "
        f"The profile above (a separate run) puts drawing and XᵀX at {1e3 * pf.draw_and_gram:.0f} ms per trial.",
        f"Our ×{SIM_TARGET:g} target (method auto, median of {sm.repetitions} interleaved repetitions) is "
        f"{_met(sm.target_met_vs_literal)} against the literal loop ({_x(sm.ratio_vs_naive('auto'))}), "
        f"{_met(rp.target_met)} for random projections ({_x(rp.ratio)}) and {_met(sm.target_met)} against the loop "
        f"that forms XᵀX once per trial ({_x(sm.ratio('auto'))}, {_x_range(sm.ratio_spread('auto'))}).",
    ]


def scaling_sentences(r: BenchResult) -> list[str]:
    """The fitted exponents of time in d and n."""
    e = r.scaling.exponents
    return [
        f"Fitted exponents (log–log least squares, {len(r.scaling.d_sweep())} and {len(r.scaling.n_sweep())} "
        f"points, rough): time ∝ d^{e['d_direct']:.2f} (direct), d^{e['d_auto']:.2f} (auto); "
        f"∝ n^{e['n_direct']:.2f} (direct), n^{e['n_auto']:.2f} (auto)."
    ]


def summary_line(r: BenchResult) -> str:
    """One line: the headline numbers and verdicts (the last line the command prints)."""
    sm, rp = r.simulation, r.projections
    t1 = r.theorem(1, "default")

    def rates(k, path):
        return "/".join(f"{t.lib_rate:.2g}" for t in r.theorem(k, path))

    return (
        f"SUMMARY theory {'/'.join(f'{t.lib_rate:.2g}' for t in t1)} pts/s "
        f"({'/'.join(_x(t.ratio) for t in t1)} vs brentq reference, target {THEORY_TARGET:.0e} "
        f"{_met(all(t.target_met for t in t1))}; fast {rates(1, 'fast')}, safe {rates(1, 'safe')}); "
        f"Theorem 2 fast {rates(2, 'fast')}, safe {rates(2, 'safe')} pts/s; "
        f"simulation {_x(sm.ratio('auto'))} ({_x_range(sm.ratio_spread('auto'))}, median of {sm.repetitions}) vs "
        f"numpy loop, {_x(sm.ratio_vs_naive('auto'))} vs literal loop "
        f"(target ×{SIM_TARGET:g} {_met(sm.target_met)}/{_met(sm.target_met_vs_literal)}; bound if the solve "
        f"were free ×{sm.bound_if_solve_free:.2g}); {100 * sm.fraction_of_peak:.0f}% of peak GFLOP/s; "
        f"random projections {_x(rp.ratio)}; checks {'ok' if r.agree else 'FAILED'}; {r.elapsed_s:.0f} s"
    )


def report(r: BenchResult) -> str:
    """The whole result as Markdown: the command line's printout."""
    parts = [
        f"# Benchmark: {run_sentence(r)}",
        "## Theory vs the per-point brentq reference",
        theory_table(r).markdown(),
        " ".join(theory_sentences(r)),
        "## Simulation vs numpy loops",
        simulation_table(r).markdown(),
        " ".join(simulation_sentences(r)),
        f"## Where the classical simulation's time goes ({r.simulation.profile.trials} trials)",
        profile_table(r).markdown(),
        " ".join(bound_sentences(r)),
        f"## Scaling with d and n ({r.scaling.trials} trials)",
        scaling_table(r).markdown(),
        " ".join(scaling_sentences(r)),
    ]
    return "\n\n".join(parts)


def plot_scaling(r: BenchResult):
    """Simulation time against d and against n (each sweep sorted), both methods; returns the figure."""
    from ..plotting import legend_below, stacked

    sc = r.scaling
    fig, panels, axes = stacked(2)
    for panel, ax, rows, x, label in (
        (panels[0], axes[0], sc.d_sweep(), "d", f"dimension d (n = {sc.n_at_d_sweep})"),
        (panels[1], axes[1], sc.n_sweep(), "n", f"samples n (d = {sc.d_at_n_sweep})"),
    ):
        for method, marker in (("direct", "o"), ("auto", "s")):
            ax.loglog(
                [getattr(w, x) for w in rows],
                [getattr(w, method) for w in rows],
                marker=marker,
                label=f"method='{method}'",
            )
        ax.set_xlabel(label)
        ax.set_ylabel("wall time (s)")
        ax.grid(True, which="both", alpha=0.3)
        legend_below(panel)
    cfg = r.config
    fig.suptitle(f"Simulation time, {sc.trials} trials × {cfg.sim_np2} p₂ × {cfg.sim_nlam} λ")
    return fig
