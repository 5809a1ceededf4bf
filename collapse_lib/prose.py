"""Numbers for the chapters' prose: MyST-NB's ``glue``, usable where MyST-NB is not installed, and the book's
number notation (decimal, or ``m × 10ᵏ`` for all numbers shown together; never ``5e-08``).

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

import math
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


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def needs_scientific(values) -> bool:
    """Whether numbers shown together need scientific notation: a nonzero magnitude outside [10⁻³, 10⁵)."""
    return any(v != 0 and not 1e-3 <= abs(v) < 1e5 for v in (float(x) for x in values) if math.isfinite(v))


def format_numbers(values, digits: int = 3, scientific: bool | None = None) -> list[str]:
    """Numbers of one table column (or of several columns shown together) in one notation.

    Decimal (``0.0201``, ``1,234``) unless :func:`needs_scientific`, then scientific for all of
    them (``5.01 × 10⁻⁸``, with narrow no-break spaces); ``digits`` significant digits (a decimal number ≥ 10^digits keeps its
    integer digits); 0 as ``0``. ``scientific`` forces the choice. Never a mix of ``5e-08`` and
    ``0.0201`` in one column.
    """
    vals = [float(v) for v in values]
    if scientific is None:
        scientific = needs_scientific(vals)
    out = []
    for v in vals:
        if v == 0 or not math.isfinite(v):
            out.append("0" if v == 0 else str(v))
        elif scientific:
            mant, exp = f"{v:.{digits - 1}e}".split("e")
            # narrow no-break spaces: a cell never breaks "5.01 × 10⁻⁸" over two lines
            out.append(f"{mant}\u202f×\u202f10{str(int(exp)).translate(_SUPERSCRIPT)}".replace("-", "−", 1))
        else:
            decimals = max(digits - 1 - math.floor(math.log10(abs(v))), 0)
            out.append(f"{v:,.{decimals}f}".replace("-", "−"))
    return out


def number(value, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits in the book's notation (:func:`format_numbers`): decimal in
    [10⁻³, 10⁵) (``"0.0201"``, ``"1,234"``), else ``m × 10ᵏ``, for a glued number of unknown size."""
    return format_numbers([plain(value)], digits)[0]


def scientific(value, digits: int = 3) -> str:
    """``value`` as ``m × 10ᵏ`` with ``digits`` significant digits (:func:`format_numbers`), for a glued number
    whose size calls for it: ``scientific(0.004975, 4)`` is ``"4.975 × 10⁻³"``, never ``4.975e-03``."""
    return format_numbers([plain(value)], digits, scientific=True)[0]


def glue(name: str, value) -> None:
    """Store ``value`` under ``name`` for the page's ``{glue:text}`name:format``` roles (not displayed).

    Writes the output MyST-NB's ``glue(name, value, display=False)`` writes (its ``repr`` under
    :data:`GLUE_PREFIX`, with ``scrapbook`` metadata) without importing MyST-NB's glue module, which imports
    nbformat and with it jsonschema's format checkers (1.5–2 s in every chapter's kernel).

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
    from IPython.display import display

    display(
        {GLUE_PREFIX + "text/plain": repr(value)},
        raw=True,
        metadata={"scrapbook": dict(name=name, mime_prefix=GLUE_PREFIX)},
    )


def glue_all(values: dict) -> None:
    """:func:`glue` every ``name: value`` of ``values``."""
    for name, value in values.items():
        glue(name, value)


__all__ = ["GLUE_PREFIX", "format_numbers", "glue", "glue_all", "needs_scientific", "number", "plain", "scientific"]
