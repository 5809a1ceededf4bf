"""Deterministic equivalents (theory) of the paper's models.

* :func:`classical` — Theorem 1 (ridge on a real/synthetic mixture).
* :func:`corollary1` — its isotropic ridgeless closed form (the φ > 1 branch is our extension).
* :func:`classical_limit` — its limit n → ∞ at every λ (the floor that no ridge penalty removes).
* :func:`solve_kappa` — the effective regularisation κ(λ, n).
* :func:`weighted_mixing`, :func:`optimal_alpha`, :func:`iterative_mixing` — mixing strategies (figures 9, 10),
  with :func:`iterative_mixing_limit` (rounds → ∞) and :func:`iterative_mixing_leading_order` (the leading order of each part).
* :func:`random_projections` — Theorem 2 (ridge on m random projections; our deterministic equivalent), with
  :func:`solve_mu`.
* :func:`workflow`, :func:`workflow_ols_exact` — model-collapse workflows over generations (beyond the paper),
  and :func:`workflow_table`, a tidy table of them on a grid.

Every function but :func:`corollary1` takes a :class:`~collapse_lib.Setting` and evaluates its
formula on the distinct eigenvalues of Σ (``setting.grouped``, a :class:`~collapse_lib.GroupedSpectrum`);
the error formulas return frozen dataclasses (``...Theory``, ``IterativeMixingLimit``, ...).
"""

from .mixing import (
    IterativeMixingLeadingOrder,
    IterativeMixingLimit,
    IterativeMixingTheory,
    OptimalAlpha,
    WeightedMixingTheory,
    iterative_mixing,
    iterative_mixing_leading_order,
    iterative_mixing_limit,
    optimal_alpha,
    weighted_mixing,
)
from .projections import ProjectionsTheory, random_projections, solve_mu
from .ridge import ClassicalLimit, ClassicalTheory, classical, classical_limit, corollary1, solve_kappa
from .workflow import WorkflowTheory, workflow, workflow_ols_exact
from .workflow_table import workflow_table

__all__ = [
    "ClassicalLimit",
    "ClassicalTheory",
    "IterativeMixingLeadingOrder",
    "IterativeMixingLimit",
    "IterativeMixingTheory",
    "OptimalAlpha",
    "ProjectionsTheory",
    "WeightedMixingTheory",
    "WorkflowTheory",
    "classical",
    "classical_limit",
    "corollary1",
    "iterative_mixing",
    "iterative_mixing_leading_order",
    "iterative_mixing_limit",
    "optimal_alpha",
    "random_projections",
    "solve_kappa",
    "solve_mu",
    "weighted_mixing",
    "workflow",
    "workflow_ols_exact",
    "workflow_table",
]
