"""Argument validation shared by theory, simulation, figure recipes and the command lines.

Every public entry point checks its arguments here so that bad input fails
with a message that starts with the argument's name, instead of a silent wrong
number or a traceback from deep inside numpy or torch.

The one rule for numbers: **a number is a real number** — a Python ``int`` or
``float``, a numpy integer or floating scalar, or an array / (nested) list of
those. A ``bool`` (``True`` would silently be 1), a string (``"0.2"`` would
silently be parsed), a complex number or any other object is rejected with a
``TypeError`` naming the argument. Bad *values* (negative, outside [0, 1],
NaN, ±inf, empty) raise ``ValueError``.
"""

from __future__ import annotations

import numbers
import reprlib

import numpy as np

_KIND = {
    "b": "a bool",
    "U": "a string",
    "S": "a string (bytes)",
    "c": "a complex number",
    "M": "a date",
    "m": "a time span",
    "V": "a raw record",
}


def _what(value) -> str | None:
    """Why ``value`` is not a real number, or None if it is one (scalars only)."""
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if isinstance(value, (str, bytes)):
        return "a string"
    if isinstance(value, numbers.Real):
        return None
    return f"of type {type(value).__name__}"


def _check_nested(name: str, value) -> None:
    """Reject bools and strings inside (nested) lists and tuples, which numpy would silently convert."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif not isinstance(item, np.ndarray):
            why = _what(item)
            if why is not None:
                raise TypeError(f"{name} must hold real numbers, not {why}: got {value!r}")


def real_array(name: str, value) -> np.ndarray:
    """``value`` as a finite, non-empty float array; the one rule for numbers (module docstring)."""
    if isinstance(value, (list, tuple)):
        _check_nested(name, value)
    elif not hasattr(value, "__array__"):  # a scalar (arrays and tensors are checked by dtype below)
        why = _what(value)
        if why is not None:
            raise TypeError(f"{name} must be a real number, not {why}: got {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if arr.dtype.kind in _KIND:
        raise TypeError(f"{name} must hold real numbers, not {_KIND[arr.dtype.kind]}: got {value!r}")
    if arr.dtype.kind == "O":
        for item in arr.ravel():
            why = _what(item)
            if why is not None:
                raise TypeError(f"{name} must hold real numbers, not {why}: got {value!r}")
    try:
        arr = arr.astype(float)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return arr


_as_float_array = real_array  # the name used by older modules


def _single(name: str, arr: np.ndarray) -> float:
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number, got shape {arr.shape}")
    return float(arr)


def _integer(name: str, value, what: str) -> int:
    """An integer scalar: Python/numpy integers, or a float with an integer value; never a bool or string."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if not float(value).is_integer():
            raise TypeError(f"{name} must be {what}, got {value!r}")
    return int(value)


def positive_int(name: str, value) -> int:
    """A single positive integer (e.g. ``d``, ``trials``)."""
    value = _integer(name, value, "a positive integer")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def nonnegative_int(name: str, value) -> int:
    """A single integer ≥ 0 (e.g. ``rounds``, ``n_val``)."""
    value = _integer(name, value, "a non-negative integer")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def positive_sizes(name: str, value, integer: bool = True) -> np.ndarray:
    """Sample sizes (``n``, ``m``): positive, integer-valued when ``integer``."""
    arr = real_array(name, value)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    if integer:
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integers, got {value!r}")
        return arr.astype(np.int64)
    return arr


def fraction(name: str, value) -> np.ndarray:
    """A proportion in [0, 1] (``p2``, ``alpha``)."""
    arr = real_array(name, value)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return arr


def fraction_scalar(name: str, value) -> float:
    """A single proportion in [0, 1]."""
    return _single(name, fraction(name, value))


def nonnegative(name: str, value) -> np.ndarray:
    """A non-negative number or array (``lam``, noise levels, c²)."""
    arr = real_array(name, value)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return arr


def nonnegative_scalar(name: str, value) -> float:
    """A single finite number ≥ 0."""
    return _single(name, nonnegative(name, value))


def positive_scalar(name: str, value) -> float:
    """A single finite number > 0 (a learning rate, a clipping norm)."""
    x = _single(name, real_array(name, value))
    if not x > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return x


def flag(name: str, value) -> bool:
    """A yes/no switch: ``True`` or ``False`` only (a string such as ``"no"`` would count as True)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def seed(name: str, value) -> int:
    """A random seed: an integer ≥ 0 (TypeError for a non-integer, ValueError for a negative one)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def setting(name: str, value):
    """A :class:`~collapse_lib.Setting` (the data model every theory and simulation function takes).

    Anything else (None, a dict, a spectrum array) is a ``TypeError`` naming the
    argument, raised before the value is used.
    """
    # The class is recognised by its qualified name in the MRO (subclasses included), so this module, which
    # setting.py imports, does not import setting.py back.
    if not any(c.__module__ == "collapse_lib.setting" and c.__qualname__ == "Setting" for c in type(value).__mro__):
        shown = reprlib.repr(value)
        raise TypeError(f"{name} must be a collapse_lib.Setting (e.g. Setting.isotropic(d=100)), got {shown}")
    return value


def broadcast(**arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Broadcast named arrays together, naming them in the error if impossible."""
    try:
        return tuple(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"arguments do not broadcast together: {shapes}") from None
