"""Beyond the paper — the model-collapse workflows on one set of axes.

Generation 0 is ridge on n real samples; each later generation trains on data labelled by
the previous model (with fresh label noise): "replace" (the new n samples only),
"accumulate" (every sample so far), "accumulate-subsample" (n samples drawn from that
pool) and "mix" (n new samples, a fraction p₂ labelled by the previous model and the rest
fresh real samples). Theory: :func:`collapse_lib.theory.workflow` (our deterministic
equivalent); simulation: :func:`collapse_lib.simulate.workflow` (± 2 s.e. markers).

Panel (a): E_t against generation t at n = 4d. Panel (b): the error after T_b generations
against n (log–log), with the clean law (generation 0) and, for contrast, one round of the
paper's setting with a fixed synthetic teacher (Theorem 1 at the same p₂, quality c²), whose
floor p₂²c² the workflows do not have: their teacher improves with n.

Our choices: isotropic Σ = I_d, r² = 1, σ₁² = σ₂² = 0.25, λ = 10⁻³, p₂ = 0.75, c² = 0.5 for
the contrast curve; sizes per scale in ``config``. dtype: float64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plotting, simulate, theory
from ..scale import current_scale
from ..setting import Setting
from ..theory.workflow import KINDS
from ._sweeps import log_ints

TITLE = "Beyond the paper: replace, accumulate, accumulate-subsample and mix over generations"

_SIZES = {
    "smoke": dict(
        d=20, trials=8, n_a=80, generations_a=8, generations_b=4, n_sim=(40, 2_000, 3), n_theory=(1.5, 1e5, 25)
    ),
    "book": dict(
        d=50, trials=60, n_a=200, generations_a=20, generations_b=10, n_sim=(100, 10_000, 5), n_theory=(1.2, 1e7, 60)
    ),
    "paper": dict(
        d=200, trials=100, n_a=800, generations_a=30, generations_b=10, n_sim=(400, 8_000, 5), n_theory=(1.2, 1e8, 80)
    ),
}
LABELS = {
    "replace": "replace",
    "accumulate": "accumulate",
    "accumulate-subsample": "accumulate-subsample",
    "mix": "mix (a fraction p₂ synthetic, the rest fresh real)",
}
COLOURS = {"replace": "tab:red", "accumulate": "tab:blue", "accumulate-subsample": "tab:purple", "mix": "tab:green"}


def config(scale=None) -> dict:
    """Parameters of the figure at ``scale`` (default: ``$COLLAPSE_SCALE``)."""
    scale = current_scale(scale)
    return dict(_SIZES[scale], scale=scale, r2=1.0, c2=0.5, sigma2=0.25, lam=1e-3, p2=0.75, dtype="float64")


def _p2(kind, c):
    return c["p2"] if kind == "mix" else None


COLUMNS = (  # the table's columns (checked when a data file is loaded)
    "panel",
    "workflow",
    "n",
    "t",
    "theory",
    "clean",
    "kind",
    "error",
    "stderr",
    "d",
    "lam",
    "sigma2",
    "p2",
    "c2",
)
# the kind of each column that is not a finite number (checked when a data file is loaded); null:
# the theory rows have no simulation statistics
COLUMN_KINDS = {
    "panel": "text",
    "workflow": "text",
    "kind": "text",
    "stderr": "number or null",
}


def compute(scale=None, device="cpu", seed=0, progress=False):
    """Tidy table: panel "a" (error vs generation t at n = n_a) and "b" (error after T_b generations vs n).

    Columns: kind (theory / simulation), panel, workflow, n, t, error, stderr, theory (the theory
    at the simulated point), clean (generation 0); panel "b" also has the rows workflow = "clean"
    and "one round, fixed teacher" (theory only).
    """
    c = config(scale)
    s = Setting.isotropic(c["d"], r2=c["r2"], c2=c["c2"], sigma2=c["sigma2"])
    lam, rows = c["lam"], []
    Ta, Tb = c["generations_a"], c["generations_b"]
    ta = np.arange(Ta + 1)
    for kind in KINDS:
        th = theory.workflow(s, c["n_a"], Ta, kind, lam, p2=_p2(kind, c))
        sim = simulate.workflow(
            s, c["n_a"], Ta, kind, lam, p2=_p2(kind, c), trials=c["trials"], seed=seed, device=device, progress=progress
        )
        base = dict(panel="a", workflow=kind, n=float(c["n_a"]), t=ta, theory=th.total, clean=th.clean)
        rows.append(pd.DataFrame(dict(base, kind="theory", error=th.total, stderr=np.nan)))
        rows.append(pd.DataFrame(dict(base, kind="simulation", error=sim.mean, stderr=sim.stderr)))
    lo, hi, num = c["n_theory"]
    n_th = np.geomspace(lo * c["d"], hi, num)
    n_sim = log_ints(*c["n_sim"])
    for kind in KINDS:
        th = theory.workflow(s, n_th, Tb, kind, lam, p2=_p2(kind, c))
        rows.append(
            pd.DataFrame(
                dict(
                    kind="theory",
                    panel="b",
                    workflow=kind,
                    n=n_th,
                    t=Tb,
                    error=th.total[:, -1],
                    stderr=np.nan,
                    theory=th.total[:, -1],
                    clean=th.clean,
                )
            )
        )
        tt = theory.workflow(s, n_sim, Tb, kind, lam, p2=_p2(kind, c))
        sim = simulate.workflow(
            s, n_sim, Tb, kind, lam, p2=_p2(kind, c), trials=c["trials"], seed=seed, device=device, progress=progress
        )
        rows.append(
            pd.DataFrame(
                dict(
                    kind="simulation",
                    panel="b",
                    workflow=kind,
                    n=n_sim.astype(float),
                    t=Tb,
                    error=sim.mean[:, -1],
                    stderr=sim.stderr[:, -1],
                    theory=tt.total[:, -1],
                    clean=tt.clean,
                )
            )
        )
    clean = theory.classical(s, n_th, 0.0, lam).total
    one_round = theory.classical(s, n_th, c["p2"], lam).total
    for name, err in (("clean", clean), ("one round, fixed teacher", one_round)):
        rows.append(
            pd.DataFrame(
                dict(
                    kind="theory",
                    panel="b",
                    workflow=name,
                    n=n_th,
                    t=0,
                    error=err,
                    stderr=np.nan,
                    theory=err,
                    clean=clean,
                )
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["d"], out["lam"], out["sigma2"], out["p2"], out["c2"] = s.d, lam, c["sigma2"], c["p2"], s.c2
    return out


def plot(table):
    """Two stacked panels: (a) E_t vs generation t (linear axes); (b) error after T_b generations vs n (log–log)."""
    fig, (pa, pb), (ax, bx) = plotting.stacked(2, heights=[5.0, 5.2])
    d, p2, lam = int(table.d.iloc[0]), float(table.p2.iloc[0]), float(table.lam.iloc[0])
    ta = table[table.panel == "a"]
    for kind in KINDS:
        th = ta[(ta.kind == "theory") & (ta.workflow == kind)]
        sm = ta[(ta.kind == "simulation") & (ta.workflow == kind)]
        lab = LABELS[kind].replace("p₂", f"p₂ = {p2:g}")
        ax.plot(th.t, th.error, color=COLOURS[kind], lw=1.8, label=lab)
        ax.errorbar(
            sm.t,
            sm.error,
            yerr=2 * sm.stderr,
            fmt="o",
            ms=4,
            color=COLOURS[kind],
            mec="k",
            mew=0.5,
            capsize=2,
            elinewidth=1,
        )
    ax.axhline(float(ta.clean.iloc[0]), color="k", ls=":", lw=1.2, label="generation 0 (clean)")
    ax.set(
        xlabel="generation t",
        ylabel="test error $E_t$",
        title=f"(a) error over generations\nisotropic d = {d}, n = {int(ta.n.iloc[0])}, λ = {lam:g}",
    )
    ax.set_ylim(bottom=0)
    plotting.legend_below(pa, ncol=1)

    tb = table[table.panel == "b"]
    T = int(tb[tb.workflow == "replace"].t.iloc[0])
    for kind in KINDS:
        th = tb[(tb.kind == "theory") & (tb.workflow == kind)]
        sm = tb[(tb.kind == "simulation") & (tb.workflow == kind)]
        bx.plot(th.n, th.error, color=COLOURS[kind], lw=1.8, label=LABELS[kind].replace("p₂", f"p₂ = {p2:g}"))
        bx.errorbar(
            sm.n,
            sm.error,
            yerr=2 * sm.stderr,
            fmt="o",
            ms=4,
            color=COLOURS[kind],
            mec="k",
            mew=0.5,
            capsize=2,
            elinewidth=1,
        )
    c2 = float(table.c2.iloc[0])
    for name, style, lab in (
        ("clean", dict(color="k", ls=":", lw=1.4), "generation 0 (clean law)"),
        (
            "one round, fixed teacher",
            dict(color="0.45", ls="--", lw=1.4),
            f"one round, fixed teacher c² = {c2:g} (Theorem 1, p₂ = {p2:g})",
        ),
    ):
        th = tb[tb.workflow == name]
        bx.plot(th.n, th.error, label=lab, **style)
    plotting.finish_loglog(
        bx,
        "n (samples per generation)",
        ylabel=f"test error after generation {T}",
        title=f"(b) the scaling law each workflow leaves\nafter {T} generations",
    )
    plotting.legend_below(pb, ncol=1)
    return fig
