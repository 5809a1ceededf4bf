"""Figure 10 — iterative mixing recovers the rate of the clean law, not its level.

The paper's Corollary 3 / Figure 10 (§5): iterative mixing with p₁ = p₂ = 0.5 over about
log(n/d) iterations recovers a scaling law proportional to the clean error, but does
worse than training on the real half alone. p₂ = 0.5 follows it; d, λ, c², σ² and the
sizes below are ours.

Round 0 is pooled ridge on n₁ real and n₂ synthetic samples (labels from w₂*); round t
relabels the same synthetic inputs with the previous model plus fresh label noise,
Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + σ₂ε_t, and refits (after Ferbach et al., 2024). Isotropic Σ = I_d,
r² = 1, c² = 0.5, σ₁² = σ₂² = 0.25, λ = 10⁻⁴, n₂ = n₁ (p₂ = 1/2). Theory:
:func:`collapse_lib.theory.mixing.iterative_mixing` (exact in the proportionate limit).

Panel (a): error vs n (log–log) after rounds t ∈ {0, 1, 2, 4, 8}, the rounds → ∞ limit,
"Clean" (ridge on the n₁ real samples alone) and, for reference, the law for n real
samples. Each extra round pushes the departure from the clean rate to larger n (about
log(n/d) rounds are needed); the limit runs parallel to Clean, above it by the
stationary relabelling noise. Panel (b): error vs round for three n, divided by Clean,
with fresh relabelling noise (solid) and without (dashed): the synthetic bias decays
geometrically (≈ p₂^{2t}), while fresh noise accumulates, so the error is not
monotone in t; ▼ marks the round at which the first-order synthetic bias p₂^{2(t+1)}c²
falls to the clean error σ²d/n₁.

Simulation markers (± 2 s.e.): full Monte Carlo (teachers, inputs, every round's
noise); for n₁, n₂ ≥ 2d the moments sampler draws XᵀX and the noise sums directly.
dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting, simulate, theory
from ..scale import current_scale
from ..setting import Setting
from ..theory.mixing import iterative_mixing
from ._sweeps import describe_n_sweep, log_ints
from .report import format_value as fv

TITLE = "Figure 10: iterative mixing (re-labelling the synthetic inputs)"
COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "kind",
    "panel",
    "n",
    "n1",
    "n2",
    "stderr",
    "noise",
    "series",
    "round",
    "error",
    "theory",
    "clean",
    "limit",
    "ratio",
    "d",
    "c2",
    "lam",
    "sigma2",
    "p2",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# theory rows have no stderr; the rounds → ∞ limit is filled only where it is drawn
COLUMN_KINDS = {
    "kind": "text",
    "panel": "text",
    "series": "text",
    "noise": "bool",
    "stderr": "number or null",
    "limit": "number or null",
}

_SIZES = {
    "smoke": dict(d=20, trials=8, n_sim=(80, 8_000, 3), n_rounds=[80, 800], rounds_b=8, n_theory=(4.0, 1e6, 25)),
    "book": dict(
        d=50,
        trials=60,
        n_sim=(200, 2_000_000, 6),
        n_rounds=[200, 20_000, 2_000_000],
        rounds_b=25,
        n_theory=(4.0, 1e8, 60),
    ),
    "paper": dict(
        d=200,
        trials=100,
        n_sim=(800, 20_000_000, 9),
        n_rounds=[800, 80_000, 8_000_000],
        rounds_b=30,
        n_theory=(4.0, 1e9, 80),
    ),
}
ROUNDS_A = (0, 1, 2, 4, 8)


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    return dict(
        _SIZES[scale],
        scale=scale,
        r2=1.0,
        c2=0.5,
        sigma2=0.25,
        lam=1e-4,
        p2=0.5,
        rounds_a=list(ROUNDS_A),
        dtype="float64",
    )


def _split(n, p2):
    n2 = np.rint(p2 * np.asarray(n, dtype=float))
    return np.asarray(n, dtype=float) - n2, n2


def book_column(c: dict) -> dict:
    """This book's side of the "the paper | this book" table, from configuration ``c`` (see ``figures.compare``)."""
    return dict(
        shows=f"(a) error against n after rounds {fv(c['rounds_a'])} and in the limit, with Clean; (b) error "
        f"against the round for n ∈ {{{', '.join(f'{n:,}' for n in c['n_rounds'])}}}; theory (lines) and "
        "simulation (markers ± 2 s.e.)",
        **describe_n_sweep(c),
        models=f"ridge (λ = {fv(c['lam'])}) refitted each round on the real data and the relabelled synthetic "
        "inputs, with fresh relabelling noise (and without it, dashed)",
        data=f"isotropic Gaussian, r² = {fv(c['r2'])}, c² = {fv(c['c2'])}, σ² = {fv(c['sigma2'])}; p₂ = {fv(c['p2'])}",
        differs="p₁ = p₂ = 0.5 as in Corollary 3; d, λ, c², σ², the sizes and the rounds shown are our choice",
    )


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Tidy table: panel "a" (error vs n per round; series "t=k", "limit", "clean", "all_real") and
    panel "b" (error vs round per n and noise option; column ``ratio`` = error / Clean)."""
    c = config(scale)
    s = Setting.isotropic(c["d"], r2=c["r2"], c2=c["c2"], sigma2=c["sigma2"])
    lam, p2 = c["lam"], c["p2"]
    R = max(c["rounds_a"])
    rows = []
    lo, hi, num = c["n_theory"]
    n_th = np.geomspace(lo * c["d"], hi, num)
    n1, n2 = (1 - p2) * n_th, p2 * n_th
    th = iterative_mixing(s, n1, n2, R, lam)
    clean_th = theory.classical(s, n1, 0.0, lam).total
    base = dict(kind="theory", panel="a", n=n_th, n1=n1, n2=n2, stderr=np.nan, noise=True)
    for t in c["rounds_a"]:
        rows.append(
            pd.DataFrame(
                dict(base, series=f"t={t}", round=t, error=th.total[:, t], theory=th.total[:, t], clean=clean_th)
            )
        )
    rows.append(pd.DataFrame(dict(base, series="limit", round=-1, error=th.limit, theory=th.limit, clean=clean_th)))
    rows.append(pd.DataFrame(dict(base, series="clean", round=-1, error=clean_th, theory=clean_th, clean=clean_th)))
    all_real = theory.classical(s, n_th, 0.0, lam).total
    rows.append(pd.DataFrame(dict(base, series="all_real", round=-1, error=all_real, theory=all_real, clean=clean_th)))
    for n in log_ints(*c["n_sim"]):
        a1, a2 = (int(v) for v in _split(n, p2))
        sim = simulate.iterative_mixing(s, a1, a2, R, lam, trials=c["trials"], seed=seed, device=device)
        tt = iterative_mixing(s, a1, a2, R, lam)
        ts = list(c["rounds_a"])
        rows.append(
            pd.DataFrame(
                dict(
                    kind="simulation",
                    panel="a",
                    n=float(n),
                    n1=a1,
                    n2=a2,
                    noise=True,
                    series=[f"t={t}" for t in ts],
                    round=ts,
                    error=sim.mean[ts],
                    stderr=sim.stderr[ts],
                    theory=tt.total[ts],
                    clean=tt.clean,
                )
            )
        )
    # (b) error vs round
    Rb = c["rounds_b"]
    rr = np.arange(Rb + 1)
    for n in c["n_rounds"]:
        a1, a2 = (int(v) for v in _split(n, p2))
        for noise in (True, False):
            tt = iterative_mixing(s, a1, a2, Rb, lam, relabel_noise=noise)
            rows.append(
                pd.DataFrame(
                    dict(
                        kind="theory",
                        panel="b",
                        n=float(n),
                        n1=a1,
                        n2=a2,
                        noise=noise,
                        series=f"n={n}",
                        round=rr,
                        error=tt.total,
                        stderr=np.nan,
                        theory=tt.total,
                        clean=tt.clean,
                        limit=tt.limit,
                    )
                )
            )
            sim = simulate.iterative_mixing(
                s, a1, a2, Rb, lam, relabel_noise=noise, trials=c["trials"], seed=seed, device=device
            )
            rows.append(
                pd.DataFrame(
                    dict(
                        kind="simulation",
                        panel="b",
                        n=float(n),
                        n1=a1,
                        n2=a2,
                        noise=noise,
                        series=f"n={n}",
                        round=rr,
                        error=sim.mean,
                        stderr=sim.stderr,
                        theory=tt.total,
                        clean=tt.clean,
                        limit=tt.limit,
                    )
                )
            )
    out = pd.concat(rows, ignore_index=True)
    out["ratio"] = out.error / out.clean
    out["d"], out["c2"], out["lam"], out["sigma2"], out["p2"] = s.d, s.c2, lam, c["sigma2"], p2
    return out


def rounds_to_clean(c2, sigma2, d, n1, p2):
    """First-order rounds t* at which p₂^{2(t+1)}c² = σ²d/n₁: t* = ln(c²n₁/(σ²d)) / (2 ln(1/p₂)) − 1."""
    return np.log(c2 * np.asarray(n1) / (sigma2 * d)) / (2 * np.log(1 / p2)) - 1


def plot(table):
    """Two panels, one above the other: (a) error vs n per round, log–log; (b) error / Clean vs round."""
    fig, (pa, pb), (ax, bx) = plotting.stacked(2, heights=[5.6, 5.4])
    ta = table[table.panel == "a"]
    rounds = sorted(r for r in ta["round"].unique() if r >= 0)
    cols = plotting.colours(rounds, cmap="plasma")
    for t in rounds:
        th = ta[(ta.kind == "theory") & (ta["round"] == t)]
        ax.plot(th.n, th.error, color=cols[t], lw=1.8, label=f"round t = {t}" + (" (pooling)" if t == 0 else ""))
        sm = ta[(ta.kind == "simulation") & (ta["round"] == t)]
        ax.errorbar(
            sm.n,
            sm.error,
            yerr=2 * sm.stderr,
            fmt="o",
            ms=4.5,
            color=cols[t],
            mec="k",
            mew=0.5,
            capsize=2,
            elinewidth=1,
        )
    for name, label, style in (
        ("limit", "t → ∞ (fixed point)", dict(color="tab:green", lw=2.2)),
        ("clean", "Clean (n₁ real samples only)", dict(color="k", ls="--", lw=1.6)),
        ("all_real", "all n samples real (reference)", dict(color="0.55", ls=":", lw=1.4)),
    ):
        th = ta[(ta.kind == "theory") & (ta.series == name)]
        ax.plot(th.n, th.error, label=label, **style)
    d, c2 = int(table.d.iloc[0]), float(table.c2.iloc[0])
    plotting.finish_loglog(
        ax,
        "n = n₁ + n₂ (training samples, n₂ = n₁)",
        title=f"(a) iterative mixing vs n: isotropic d = {d},\nc² = {c2:g}, λ = {table.lam.iloc[0]:g}",
    )
    plotting.legend_below(pa, ncol=2)

    tb = table[table.panel == "b"]
    ns = sorted(tb.n.unique())
    colb = plotting.colours(ns, cmap="viridis")
    sig2, p2 = float(table.sigma2.iloc[0]), float(table.p2.iloc[0])
    for n in ns:
        for noise, ls, mk in ((True, "-", "o"), (False, "--", "s")):
            sel = tb[(tb.n == n) & (tb.noise == noise)]
            th, sm = sel[sel.kind == "theory"], sel[sel.kind == "simulation"]
            lab = f"n = {int(n):,}" if noise else None
            bx.plot(th["round"], th.ratio, color=colb[n], ls=ls, lw=1.6, label=lab)
            step = max(2, len(sm) // 9)
            sm = sm.iloc[0 if noise else 1 :: step]  # alternate rounds so the two marker sets do not overlap
            bx.errorbar(
                sm["round"],
                sm.ratio,
                yerr=2 * sm.stderr / sm.clean,
                fmt=mk,
                ms=4,
                color=colb[n],
                mec="k",
                mew=0.5,
                capsize=2,
                elinewidth=1,
                mfc=colb[n] if noise else "white",
            )
        n1 = float(tb[tb.n == n].n1.iloc[0])
        ts = rounds_to_clean(c2, sig2, d, n1, p2)
        if ts > 0:
            bx.plot([ts], [0.62], marker="v", ms=9, color=colb[n], mec="k", mew=0.5, clip_on=False)
    bx.axhline(1.0, color="k", ls="--", lw=1.2)
    bx.set_yscale("log")
    bx.set(
        xlabel="round t (number of re-labellings)",
        ylabel="error / Clean (ridge on n₁ real)",
        title="(b) error vs round: fresh relabelling noise (solid, ●)\nor none (dashed, □)",
    )
    bx.set_ylim(0.6, 4.0)  # early rounds at large n lie far above (off the top): see panel (a)
    bx.set_yticks([0.6, 0.8, 1.0, 4 / 3, 2.0, 3.0, 4.0], ["0.6", "0.8", "1", "4/3", "2", "3", "4"])
    bx.minorticks_off()
    bx.grid(True, which="major", alpha=0.3)
    from matplotlib.lines import Line2D

    h, lab = bx.get_legend_handles_labels()
    h += [Line2D([], [], color="k", ls="--", lw=1.2), Line2D([], [], color="k", marker="v", ls="", ms=8)]
    lab += ["Clean (= 1)", r"first-order $t^*$: $p_2^{2(t+1)}c^2 = \sigma^2 d/n_1$"]
    plotting.legend_below(pb, h, lab, ncol=2)
    return fig
