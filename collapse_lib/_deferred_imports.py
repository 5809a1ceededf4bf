"""A dependency's module that is imported eagerly and used rarely, loaded on first use instead.

jsonschema, which Altair imports to check its specs and nbformat to check notebooks, imports ``rfc3987_syntax``
whenever it is installed (jupyter-events, under JupyterLab, asks for it), to check the "iri" and "iri-reference"
string formats. Importing it builds three Earley parsers from its grammar: 1.5–3 s on the 2-core machine, in every
process that imports Altair or nbformat (each chapter's kernel, each test worker), for a check that nothing in the
book makes. :func:`defer_rfc3987_syntax` puts a stand-in under its name whose ``is_valid_syntax`` (the one name
jsonschema takes from it) imports the real module on its first call; looking up any other name does the same at
once. The checks give the same answers, and a process that never checks an IRI never builds the parsers.
Upstream: python-jsonschema/jsonschema#1428 (lazy loading, not released).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

NAME = "rfc3987_syntax"


class _StandIn(types.ModuleType):
    """Stands in for ``rfc3987_syntax`` until a name the stand-in does not define is looked up."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):  # the import system asking (``__path__``: a package?)
            raise AttributeError(name)
        return getattr(_real(), name)


def _real() -> types.ModuleType:
    """The real module, imported now if the stand-in still holds its place."""
    if isinstance(sys.modules.get(NAME), _StandIn):
        del sys.modules[NAME]
    return importlib.import_module(NAME)


def _is_valid_syntax(term: str, value: str) -> bool:
    return _real().is_valid_syntax(term, value)


def defer_rfc3987_syntax() -> bool:
    """Put the stand-in for ``rfc3987_syntax`` in place; True if it now stands in.

    Nothing is done if the module is not installed, is already imported (or stood in for), or if jsonschema has
    already looked for it.
    """
    if NAME in sys.modules or "jsonschema._format" in sys.modules or importlib.util.find_spec(NAME) is None:
        return False
    stand_in = _StandIn(NAME, __doc__)
    stand_in.is_valid_syntax = _is_valid_syntax
    sys.modules[NAME] = stand_in
    return True


def python_command(code: str) -> list[str]:
    """``[python, "-c", code]`` with the stand-in put in place first, for a Jupyter tool run as a child process.

    jupyter-book and JupyterLab import jsonschema (through nbformat and jupyter-events) before anything of the
    library, so a process started as ``jupyter-book build`` or ``python -m jupyterlab`` builds the parsers
    whatever it does; started through this command it builds them only if it checks an IRI.
    """
    return [sys.executable, "-c", f"import {__name__}\n{code}"]
