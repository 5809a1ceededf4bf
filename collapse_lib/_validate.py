"""Argument validation shared by theory, simulation and figure recipes.

Every public entry point checks its arguments here so that bad input fails
with a message that names the argument, instead of a silent wrong number or a
traceback from deep inside numpy or torch.
"""
from __future__ import annotations

import numbers

import numpy as np


def _as_float_array(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return arr


def positive_int(name: str, value) -> int:
    """A single positive integer (e.g. ``d``, ``trials``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def nonnegative_int(name: str, value) -> int:
    """A single integer ≥ 0 (e.g. a number of generations)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def positive_sizes(name: str, value, integer: bool = True) -> np.ndarray:
    """Sample sizes (``n``, ``m``): positive, integer-valued when ``integer``."""
    arr = _as_float_array(name, value)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    if integer:
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integers, got {value!r}")
        return arr.astype(np.int64)
    return arr


def fraction(name: str, value) -> np.ndarray:
    """A proportion in [0, 1] (``p2``, ``alpha``)."""
    arr = _as_float_array(name, value)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return arr


def nonnegative(name: str, value) -> np.ndarray:
    """A non-negative number or array (``lam``, noise levels, c²)."""
    arr = _as_float_array(name, value)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return arr


def nonnegative_scalar(name: str, value) -> float:
    arr = nonnegative(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number, got shape {arr.shape}")
    return float(arr)


def seed(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def broadcast(**arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Broadcast named arrays together, naming them in the error if impossible."""
    try:
        return tuple(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"arguments do not broadcast together: {shapes}") from None
