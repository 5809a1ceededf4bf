"""Batched Monte Carlo simulations (torch, CPU or CUDA) of the paper's models.

* :func:`classical` — ridge on a real/synthetic mixture (Theorem 1's experiment).
"""
from ._common import SimulationResult
from .ridge import classical

__all__ = ["SimulationResult", "classical"]
