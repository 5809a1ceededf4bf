"""Deterministic equivalents (theory) of the paper's models.

* :func:`classical` — Theorem 1 (ridge on a real/synthetic mixture).
* :func:`corollary1` — its isotropic ridgeless closed form.
* :func:`solve_kappa` — the effective regularisation κ(λ, n).
* :func:`random_projections` — Theorem 2 (ridge on m random projections), with :func:`solve_mu`.
"""
from .projections import ProjectionsTheory, random_projections, solve_mu
from .ridge import ClassicalTheory, classical, corollary1, solve_kappa

__all__ = ["ClassicalTheory", "ProjectionsTheory", "classical", "corollary1", "random_projections", "solve_kappa",
           "solve_mu"]
