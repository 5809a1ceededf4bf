"""collapse_lib — theory, simulation and figure recipes for *Strong Model Collapse*.

Dohmatob, Feng, Subramonian, Kempe, ICLR 2025 (arXiv:2410.04840).

>>> import collapse_lib as cl
>>> s = cl.Setting.isotropic(200, r2=1.0, c2=0.5, sigma2=0.25)
>>> r = cl.theory.classical(s, n=1000, p2=0.1, lam=1e-3)   # Theorem 1
"""

import importlib

from ._deferred_imports import defer_rfc3987_syntax

# Before anything imports Altair or nbformat: their jsonschema would build an IRI parser nothing here uses (seconds).
defer_rfc3987_syntax()

from . import paper, theory  # noqa: E402
from ._version import __version__  # noqa: E402
from .sampling import Sample, sample  # noqa: E402
from .setting import GroupedSpectrum, Setting  # noqa: E402

#: Subpackages loaded on first use (``cl.simulate``, ``cl.figures``, ...), as Scientific Python's SPEC 1
#: describes: they import torch (seconds), which the theory, the settings and the explorables do not need.
_LAZY_SUBMODULES = ("data", "figures", "lm", "nn", "simulate")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")  # also binds it here: later look-ups skip this
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))


__all__ = ["GroupedSpectrum", "Sample", "Setting", "figures", "paper", "sample", "simulate", "theory", "__version__"]
