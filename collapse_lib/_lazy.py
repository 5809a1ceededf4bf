"""Public names of a package loaded from its submodules on first use (Scientific Python's SPEC 1).

A package whose submodules import torch (seconds) lists where each public name lives; nothing is imported until a
name is looked up, so a module that names the package costs nothing until it uses it. A public name wins over a
same-named submodule: importing the submodule ``simulate.workflow``, which Python binds on its package, leaves
``simulate.workflow`` the function.
"""

from __future__ import annotations

import importlib
import sys
import types


class _Package(types.ModuleType):
    """A package module whose lazily loaded public names are not replaced by their submodules."""

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and name in self.__dict__.get("_LAZY", ()):
            return
        super().__setattr__(name, value)


def attach(package: str, where: dict[str, str]):
    """Make ``where``'s names (``{name: submodule}``) attributes of ``package`` loaded on first use.

    Call it in the package's ``__init__`` as ``__getattr__, __dir__ = attach(__name__, {...})``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    where : dict of str to str
        Each public name and the submodule (relative to ``package``) that defines it.

    Returns
    -------
    (callable, callable)
        The module-level ``__getattr__`` and ``__dir__`` of PEP 562.
    """
    module = sys.modules[package]
    names = dict(where)

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
            types.ModuleType.__setattr__(module, name, value)  # later look-ups skip this
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(module)) | set(names))

    module._LAZY = names  # {name: submodule}, read by the import-graph test
    module.__class__ = _Package
    return __getattr__, __dir__
