"""The figure recipes: their names, in figure order, and the module of each.

Each paper figure is a module ``figN.py`` of :mod:`collapse_lib.figures`; the recipes
beyond the paper are listed in :data:`NAMED`. Kept apart from the package's
``__init__`` so that the package's own modules (:mod:`.compare`) can look a recipe
up without importing the package they are part of.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

#: Recipes that are not figures of the paper (named, listed after the figures).
NAMED = ("workflows",)


def _discover() -> tuple:
    """Recipe modules: the ``figN.py`` files of this package in figure order, then :data:`NAMED`."""
    here = str(Path(__file__).resolve().parent)
    names = [m.name for m in pkgutil.iter_modules([here]) if re.fullmatch(r"fig\d+", m.name)]
    return tuple(sorted(names, key=lambda name: int(name[3:]))) + NAMED


#: Every recipe's name: the paper's figures in order, then :data:`NAMED`.
RECIPES = _discover()


def get(name: str):
    """The recipe module for figure ``name`` (e.g. ``"fig2"`` or ``"workflows"``).

    Parameters
    ----------
    name : str
        One of :data:`RECIPES`.

    Returns
    -------
    module
        ``collapse_lib.figures.<name>``, imported on first use.
    """
    if name not in RECIPES:
        raise ValueError(f"unknown figure {name!r}; available: {', '.join(RECIPES)}")
    return importlib.import_module(f"{__package__}.{name}")
