"""Numbers for the chapters' prose: MyST-NB's ``glue``, usable where MyST-NB is not installed.

A chapter writes its sentences in Markdown and puts the numbers computed by a code cell
into them with MyST-NB's roles, for example ``{glue:text}`floor:.3f``` (Jupyter Book 1,
"Insert code outputs into page content")::

    from collapse_lib.prose import glue

    glue("floor", th.floor[0])

On the site the role shows the value in the format given after the last colon (Python's
format mini-language). :func:`glue` is MyST-NB's own function when MyST-NB is installed,
and otherwise writes the same output (a display with MyST-NB's hidden MIME type), so a
chapter runs unchanged where only the library is installed (Colab); there the roles stay
as they are written.

MyST-NB reads a glued number back from its ``text/plain`` form with
:func:`ast.literal_eval`, which cannot read a NumPy scalar's form (``np.float64(0.5)``):
:func:`glue` therefore stores plain Python numbers.
"""

from __future__ import annotations

import numbers

import numpy as np

#: MIME prefix of a glued value that is not displayed (MyST-NB's ``GLUE_PREFIX``).
GLUE_PREFIX = "application/papermill.record/"


def plain(value):
    """``value`` as a Python ``int``, ``float`` or ``str``: what :func:`glue` stores.

    NumPy scalars and 0-d arrays become Python numbers; ``bool`` is refused (a glued
    ``True`` would read as ``1`` in a number format).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"value must be a number or a string, not a bool ({value!r})")
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"value must be a number or a string, got {type(value).__name__} ({value!r})")


def glue(name: str, value) -> None:
    """Store ``value`` under ``name`` for the page's ``{glue:text}`name:format``` roles (not displayed).

    Parameters
    ----------
    name : str
        The key the roles name; one per page.
    value : int, float, str or NumPy scalar
        Stored as :func:`plain` gives it.
    """
    if not isinstance(name, str) or not name or ":" in name:
        raise ValueError(f"name must be a non-empty string without ':', got {name!r}")
    value = plain(value)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        from IPython.display import display

        display(
            {GLUE_PREFIX + "text/plain": repr(value)},
            raw=True,
            metadata={"scrapbook": dict(name=name, mime_prefix=GLUE_PREFIX)},
        )
    else:
        myst_glue(name, value, display=False)


def glue_all(values: dict) -> None:
    """:func:`glue` every ``name: value`` of ``values``."""
    for name, value in values.items():
        glue(name, value)


__all__ = ["GLUE_PREFIX", "glue", "glue_all", "plain"]
