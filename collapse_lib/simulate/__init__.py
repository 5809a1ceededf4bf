"""Batched Monte Carlo simulations (torch, CPU or CUDA) of the paper's models.

* :func:`classical` — ridge on a real/synthetic mixture (Theorem 1's experiment).
* :func:`classical_terms` — B, V and ζ of Theorem 1 estimated separately.
* :func:`random_projections` — ridge on m random projections (Theorem 2's experiment).
* :func:`weighted_mixing`, :func:`iterative_mixing` — the mixing strategies (figures 9, 10).
* :func:`workflow` — model-collapse workflows over generations (replace, accumulate, subsample, mix).
"""

from .._lazy import attach

#: Where each public name lives. The submodules import torch (seconds), so they load on first use
#: (:mod:`collapse_lib._lazy`): a recipe module that names ``simulate`` costs nothing until a simulation runs, and a
#: chapter that only loads data files never imports torch.
_WHERE = {
    "SimulationResult": "common",
    "MixingTermsResult": "mixing",
    "iterative_mixing": "mixing",
    "iterative_mixing_terms": "mixing",
    "weighted_mixing": "mixing",
    "weighted_mixing_terms": "mixing",
    "random_projections": "projections",
    "classical": "ridge",
    "TermsResult": "terms",
    "classical_terms": "terms",
    "workflow": "workflow",
}

__getattr__, __dir__ = attach(__name__, _WHERE)

__all__ = list(_WHERE)
