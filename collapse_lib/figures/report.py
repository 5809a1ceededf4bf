"""Tables that chapters show beside a figure: its parameters and theory-vs-simulation agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

#: The name figures and agreement sentences give the random-projections theory: this book's deterministic
#: equivalent of the paper's Theorem 2 (chapter *Theorem 2: model size and collapse*), not the paper's own
#: statement, whose equations are not reproduced. Defined once here, and once in that chapter's text.
THEOREM2 = "our Thm 2 equivalent"

# A reader's name for every configuration key that a recipe's ``config()`` uses
# (tests/figures/test_figures.py checks that none is missing). Keys inside a nested
# group are named by the group's prefix (see _GROUPS).
_DESCRIBE = {
    # data model (Definitions 1-4) and the ridge / random-projections estimators
    "d": "dimension d",
    "n": "training samples n",
    "r2": "signal r² = tr ΣΓ",
    "c2": "quality c² = tr ΣΔ",
    "sigma2": "label noise σ₁² = σ₂²",
    "lam": "ridge λ (0 = ridgeless)",
    "p2": "synthetic fractions p₂",
    "alpha": "power-law exponent α (sⱼ ∝ j^−α)",
    "phi": "φ = d/n",
    "psi": "ψ = m/n range",
    "psi_points": "theory points along ψ",
    "m": "width m",
    "m_over_n": "width range m/n",
    "trials": "simulation trials per point",
    "sim_points": "number of simulated widths",
    "sim_c2": "c² values simulated",
    "dtype": "floating point",
    "scale": "scale",
    # mixing (Figures 9, 10)
    "pairs": "(n₁, n₂) of panel (a)",
    "alpha_sim": "simulated α per pair",
    "p2_sweep": "p₂ of the n sweep",
    "fixed_alpha": "fixed α in panel (c)",
    "n_rounds": "n of panel (b)",
    "rounds_a": "rounds shown in panel (a)",
    "rounds_b": "rounds shown in panel (b)",
    # two-layer networks on Gaussian data (Figure 6)
    "widths": "network widths m",
    "steps": "training steps",
    "n_test": "test samples per trial",
    "optimizer": "optimizer",
    "lr": "learning rate",
    "batch_size": "minibatch size",
    "out_scale": "output-layer initial scale",
    "stopping": "stopping rule",
    "lam_rp": "ridge λ of the random-projections theory",
    # MNIST (Figure 7)
    "teacher_samples": "real images the weak teacher saw",
    "teacher_lam": "weak teacher's ridge λ",
    "hard_labels": "teacher gives hard (one-hot) labels",
    "rf_activation": "random features: activation",
    "rf_lam": "random features: ridge λ",
    "rf_n": "random features: training sizes n",
    "rf_trials": "random features: trials per point",
    "rf_width": "random features: width m",
    "nn_n": "network: training sizes n",
    "nn_trials": "network: trials per point",
    "nn_width": "network: width",
    "nn_steps": "network: training steps",
    "nn_lr": "network: learning rate",
    "nn_batch": "network: minibatch size",
    "nn_optimizer": "network: optimizer",
    "nn_stopping": "network: stopping rule",
    "nn_val": "network: held-out real images (early stopping)",
    "nn_patience": "network: checks without improvement before stopping",
    "nn_min_improvement": "network: relative decrease that counts as an improvement",
    "rf_form": "random features: readout computed in (primal: m × m moments; dual: n × n Gram matrices)",
    # language models (Figure 8)
    "context": "context length (tokens)",
    "width": "model width (embedding size)",
    "heads": "attention heads",
    "depth": "model depth (layers)",
    "depths": "depths compared",
    "batch": "batch size (sequences)",
    "warmup": "learning-rate warm-up steps",
    "slice_tokens": "real training tokens",
    "eval_tokens": "held-out tokens per evaluation",
    "n_eval": "evaluations per run",
    "sample_batch": "stories sampled per batch",
    "n_samples": "sample stories shown",
    "replicates": "runs per curve (other initial weights and story order)",
    "fractions": "synthetic fractions p",
    "p_depth": "synthetic fraction of the model-size panel's curves",
    "depth_fractions": "synthetic fractions of the model-size panel",
    "eta": "how far the probabilities move (η)",
    "kl_stories": "real stories for KL(P‖Mₚ) (Monte Carlo)",
    "seed": "seed of its random probabilities",
    "grammar": "story grammar",
    "tokenizer": "tokenizer",
    "temperature": "sampling temperature",
    "unfiltered_fractions": "fractions also run without the quality filter",
    "quality_filter": "quality filter of the synthetic stories",
    "filter_reference_tokens": "real tokens whose trigrams the filter accepts",
    # model-collapse workflows (beyond the paper)
    "n_a": "samples per generation in panel (a)",
    "generations_a": "generations in panel (a)",
    "generations_b": "generations before panel (b)'s scaling law",
}
# Nested groups of a configuration: a single letter is a panel of the figure.
_GROUPS = {"sim": "simulation", "weak": "GPT generator", "teacher": "teacher grammar"}
# Values that read better in words.
_NONE = {"batch_size": "full batch"}


def format_value(val) -> str:
    """A configuration value as the tables show it: lists joined by ", ", floats with ``:g``."""
    if isinstance(val, (list, tuple)):
        return ", ".join(format_value(v) for v in val)
    if isinstance(val, bool):
        return "yes" if val else "no"
    if isinstance(val, float):
        return f"{val:g}"
    if isinstance(val, int):
        return f"{val:,}"
    return str(val)


def describe_config(config: dict, prefix: str = "") -> pd.DataFrame:
    """A two-column table (``parameter``, ``value``) describing a recipe's ``config()`` in words.

    Every key has a reader's name (``_DESCRIBE``; an unknown key is shown as
    itself); a nested dict is a panel (``"a"`` -> "panel (a): ...") or a named
    group (``"weak"`` -> "GPT generator: ..."). Integers get thousands
    separators, booleans read yes/no. The table has a plain 0..k-1 index, which
    callers do not show (``to_html(index=False)``).
    """
    rows = []
    for key, val in config.items():
        if isinstance(val, dict):
            group = f"panel ({key})" if len(key) == 1 else _GROUPS.get(key, key)
            rows.append(describe_config(val, prefix=f"{prefix}{group}: "))
            continue
        if key == "n_sim":
            lo, hi, num = val
            text, name = f"{int(num)} values log-spaced from {lo:,} to {hi:,}", "simulated sizes n"
        elif key == "n_theory":
            lo, hi, num = val
            top = f"{hi:,.0f}" if hi < 1e5 else "10" + str(round(np.log10(hi))).translate(_SUPERSCRIPT)
            if hi >= 1e5 and 10.0 ** round(np.log10(hi)) != hi:
                top = f"{hi:.2e}"
            text, name = f"{int(num)} points log-spaced from {lo:g}·d to {top}", "theory curve n"
        else:
            text = _NONE.get(key, "none") if val is None else format_value(val)
            name = _DESCRIBE.get(key, key)
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
    cols = {
        group: sm[group].to_numpy(),
        x: sm[x].to_numpy().astype(int),
        "p2_eff": sm.p2_eff.to_numpy(),
        "simulation": sm.error.to_numpy(),
        "stderr": sm.stderr.to_numpy(),
        "theory": sm.theory_at_p2_eff.to_numpy(),
        "z": ((sm.error - sm.theory_at_p2_eff) / sm.stderr).to_numpy(),
    }
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
    return (
        f"Over all {z.size} simulated points: {np.mean(z < 2):.0%} within 2 s.e. and "
        f"{np.mean(z < 3):.0%} within 3 s.e. of {against}; largest relative gap {rel.max():.1%}."
    )
