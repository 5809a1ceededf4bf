"""Tables that chapters show beside a figure: its parameters and theory-vs-simulation agreement."""
from __future__ import annotations

import numpy as np
import pandas as pd

_DESCRIBE = {
    "d": "dimension d", "trials": "simulation trials per point", "r2": "signal r² = tr ΣΓ",
    "c2": "quality c² = tr ΣΔ", "sigma2": "label noise σ₁² = σ₂²", "lam": "ridge λ (0 = ridgeless)",
    "p2": "synthetic fractions p₂", "alpha": "power-law exponent α (s_j ∝ j^−α)", "dtype": "floating point",
    "scale": "scale", "pairs": "(n₁, n₂) of panel (a)", "alpha_sim": "simulated α per pair",
    "p2_sweep": "p₂ of the n sweep", "fixed_alpha": "fixed α in panel (c)", "n_rounds": "n of panel (b)",
    "rounds_a": "rounds shown in panel (a)", "rounds_b": "rounds shown in panel (b)",
    "n": "training samples n", "m": "width m", "phi": "φ = d/n", "psi": "ψ = m/n range",
}


def format_value(val) -> str:
    """A configuration value as the tables show it: lists joined by ", ", floats with ``:g``."""
    if isinstance(val, (list, tuple)):
        return ", ".join(format_value(v) for v in val)
    if isinstance(val, float):
        return f"{val:g}"
    return str(val)



def describe_config(config: dict, prefix: str = "") -> pd.DataFrame:
    """A two-column table (parameter, value) describing a recipe's ``config()`` in words."""
    rows = []
    for key, val in config.items():
        if isinstance(val, dict):
            rows.append(describe_config(val, prefix=f"{prefix}panel ({key}): "))
            continue
        if key == "n_sim":
            lo, hi, num = val
            text, name = f"{int(num)} values log-spaced from {lo:,} to {hi:,}", "simulated sizes n"
        elif key == "n_theory":
            lo, hi, num = val
            text, name = f"{int(num)} points log-spaced from {lo:g}·d to {hi:.0e}", "theory curve n"
        else:
            text, name = format_value(val), _DESCRIBE.get(key, key)
        rows.append(pd.DataFrame({"parameter": [prefix + name], "value": [text]}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["parameter", "value"])


def agreement(table: pd.DataFrame, group: str, at: str = "largest", x: str = "n") -> pd.DataFrame:
    """Simulation vs theory at the realised p₂, per value of ``group``.

    ``at="largest"``: only the largest simulated ``x`` (n, or the width m for the
    random-projections figures); ``at="all"``: every simulated point. Columns:
    group, x, p2_eff, simulation, stderr, theory, z = (sim − theory)/s.e., and
    floor, clean when the table has them.
    """
    sm = table[table.kind == "simulation"]
    if at == "largest":
        sm = sm[sm[x] == sm[x].max()]
    elif at != "all":
        raise ValueError(f"at must be 'largest' or 'all', got {at!r}")
    cols = {group: sm[group].to_numpy(), x: sm[x].to_numpy().astype(int), "p2_eff": sm.p2_eff.to_numpy(),
            "simulation": sm.error.to_numpy(), "stderr": sm.stderr.to_numpy(),
            "theory": sm.theory_at_p2_eff.to_numpy(),
            "z": ((sm.error - sm.theory_at_p2_eff) / sm.stderr).to_numpy()}
    for extra in ("floor", "clean"):
        if extra in sm:
            cols[extra] = sm[extra].to_numpy()
    out = pd.DataFrame(cols)
    return out.sort_values([group, x], ignore_index=True)


def agreement_summary(table: pd.DataFrame, x: str = "n", theorem: str = "Theorem 1") -> str:
    """One sentence: the share of simulated points within 2 and 3 standard errors of the theory."""
    ag = agreement(table, "p2", at="all", x=x)
    return within_stderr(ag.simulation, ag.stderr, ag.theory, f"{theorem} (at the realised p₂)")


def within_stderr(simulation, stderr, theory, against: str = "the theory") -> str:
    """One sentence: how many simulated points lie within 2 and 3 standard errors of ``theory``.

    ``simulation``, ``stderr`` and ``theory`` are arrays over the simulated points;
    the sentence also gives the largest relative gap |simulation/theory − 1|.
    """
    simulation, stderr, theory = (np.asarray(a, dtype=float) for a in (simulation, stderr, theory))
    z = np.abs((simulation - theory) / stderr)
    rel = np.abs(simulation / theory - 1)
    return (f"Over all {z.size} simulated points: {np.mean(z < 2):.0%} within 2 s.e. and "
            f"{np.mean(z < 3):.0%} within 3 s.e. of {against}; largest relative gap {rel.max():.1%}.")
