"""Deterministic equivalents (theory) of the paper's models.

* :func:`classical` — Theorem 1 (ridge on a real/synthetic mixture).
* :func:`corollary1` — its isotropic ridgeless closed form.
* :func:`solve_kappa` — the effective regularisation κ(λ, n).
"""
from .ridge import ClassicalTheory, classical, corollary1, solve_kappa

__all__ = ["ClassicalTheory", "classical", "corollary1", "solve_kappa"]
