"""collapse_lib — theory, simulation and figure recipes for *Strong Model Collapse*.

Dohmatob, Feng, Subramonian, Kempe, ICLR 2025 (arXiv:2410.04840).

>>> import collapse_lib as cl
>>> s = cl.Setting.isotropic(200, r2=1.0, c2=0.5, sigma2=0.25)
>>> r = cl.theory.classical(s, n=1000, p2=0.1, lam=1e-3)   # Theorem 1
"""

__version__ = "0.1.0"

from . import figures, paper, simulate, theory  # noqa: E402
from .sampling import Sample, sample  # noqa: E402
from .setting import GroupedSpectrum, Setting  # noqa: E402

_LAZY = ("data", "lm", "nn")  # heavier optional parts, imported on first use: cl.lm, cl.data, cl.nn


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["GroupedSpectrum", "Sample", "Setting", "figures", "paper", "sample", "simulate", "theory", "__version__"]
