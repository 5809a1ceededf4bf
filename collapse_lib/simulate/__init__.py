"""Batched Monte Carlo simulations (torch, CPU or CUDA) of the paper's models.

* :func:`classical` — ridge on a real/synthetic mixture (Theorem 1's experiment).
* :func:`classical_terms` — B, V and ζ of Theorem 1 estimated separately.
* :func:`random_projections` — ridge on m random projections (Theorem 2's experiment).
* :func:`weighted_mixing`, :func:`iterative_mixing` — the mixing strategies (figures 9, 10).
* :func:`workflow` — model-collapse workflows over generations (replace, accumulate, subsample, mix).
"""

import importlib
import sys
import types

#: Where each public name lives. The submodules import torch (seconds), so they load on first use (Scientific
#: Python's SPEC 1): a recipe module that names ``simulate`` costs nothing until a simulation runs, and a chapter
#: that only loads data files never imports torch.
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


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value  # later look-ups skip this
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


class _Package(types.ModuleType):
    """This package, whose public names win over its submodules': importing the submodule ``workflow`` (which
    Python binds on its package) leaves ``simulate.workflow`` the function."""

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and name in _WHERE:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
