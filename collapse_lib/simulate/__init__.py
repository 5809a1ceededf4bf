"""Batched Monte Carlo simulations (torch, CPU or CUDA) of the paper's models.

* :func:`classical` — ridge on a real/synthetic mixture (Theorem 1's experiment).
* :func:`classical_terms` — B, V and ζ of Theorem 1 estimated separately.
* :func:`weighted_mixing`, :func:`iterative_mixing` — the mixing strategies (figures 9, 10).
"""
from ._common import SimulationResult
from .ridge import classical
from .mixing import iterative_mixing, weighted_mixing
from .terms import TermsResult, classical_terms

__all__ = ["SimulationResult", "TermsResult", "classical", "classical_terms", "iterative_mixing",
           "weighted_mixing"]
