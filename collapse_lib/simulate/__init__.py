"""Batched Monte Carlo simulations (torch, CPU or CUDA) of the paper's models.

* :func:`classical` — ridge on a real/synthetic mixture (Theorem 1's experiment).
* :func:`classical_terms` — B, V and ζ of Theorem 1 estimated separately.
* :func:`random_projections` — ridge on m random projections (Theorem 2's experiment).
* :func:`weighted_mixing`, :func:`iterative_mixing` — the mixing strategies (figures 9, 10).
* :func:`workflow` — model-collapse workflows over generations (replace, accumulate, subsample, mix).
"""

from .common import SimulationResult
from .mixing import MixingTermsResult, iterative_mixing, iterative_mixing_terms, weighted_mixing, weighted_mixing_terms
from .projections import random_projections
from .ridge import classical
from .terms import TermsResult, classical_terms
from .workflow import workflow

__all__ = [
    "MixingTermsResult",
    "iterative_mixing_terms",
    "weighted_mixing_terms",
    "SimulationResult",
    "TermsResult",
    "classical",
    "classical_terms",
    "iterative_mixing",
    "random_projections",
    "weighted_mixing",
    "workflow",
]
