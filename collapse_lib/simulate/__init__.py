"""Batched Monte Carlo simulations (torch, CPU or CUDA) of the paper's models.

* :func:`classical` — ridge on a real/synthetic mixture (Theorem 1's experiment).
* :func:`classical_terms` — B, V and ζ of Theorem 1 estimated separately.
"""
from ._common import SimulationResult
from .ridge import classical
from .terms import TermsResult, classical_terms

__all__ = ["SimulationResult", "TermsResult", "classical", "classical_terms"]
