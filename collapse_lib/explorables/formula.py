"""One formula, two evaluations: numbers in Python, a Vega expression string for the page.

An explorable combines per-grid-point *basis* values computed by the library
(columns of the page's data, ``datum.u`` …) with the reader's continuous
controls (Vega parameters, ``p2`` …). The combination is written once, as a
Python function of its inputs, and evaluated twice:

* on numbers (numpy arrays), to check in the tests that it reproduces the
  library's theory exactly at any control values;
* on :class:`Sym` placeholders, to produce the Vega ``calculate`` expression
  the page evaluates.

>>> u, p2 = Sym("datum.u"), Sym("p2")
>>> str(p2**2 * (1 + u))
'(pow(p2, 2) * (1 + datum.u))'
"""

from __future__ import annotations

import numbers

import numpy as np


def _code(x) -> str:
    if isinstance(x, Sym):
        return x.code
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"a formula term must be a Sym or a real number, got {x!r}")
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


class Sym:
    """A symbolic term of a Vega expression; arithmetic on it builds a longer expression."""

    __slots__ = ("code",)

    def __init__(self, code: str):
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"code must be a non-empty string, got {code!r}")
        self.code = code

    def _bin(self, op, other, swap=False):
        a, b = (_code(other), self.code) if swap else (self.code, _code(other))
        return Sym(f"({a} {op} {b})")

    def __add__(self, o):
        return self._bin("+", o)

    def __radd__(self, o):
        return self._bin("+", o, swap=True)

    def __sub__(self, o):
        return self._bin("-", o)

    def __rsub__(self, o):
        return self._bin("-", o, swap=True)

    def __mul__(self, o):
        return self._bin("*", o)

    def __rmul__(self, o):
        return self._bin("*", o, swap=True)

    def __truediv__(self, o):
        return self._bin("/", o)

    def __rtruediv__(self, o):
        return self._bin("/", o, swap=True)

    def __pow__(self, o):
        return Sym(f"pow({self.code}, {_code(o)})")

    def __neg__(self):
        return Sym(f"(-{self.code})")

    def __str__(self):
        return self.code

    def __repr__(self):
        return f"Sym({self.code!r})"


def at_least(a, b):
    """1 where a ≥ b, else 0 (numbers, arrays or Syms)."""
    if isinstance(a, Sym) or isinstance(b, Sym):
        return Sym(f"({_code(a)} >= {_code(b)} ? 1 : 0)")
    return (np.asarray(a) >= np.asarray(b)).astype(float)


def rounded(a):
    """a rounded to the nearest integer. Vega rounds halves up, numpy to even: use it where no halves occur."""
    if isinstance(a, Sym):
        return Sym(f"round({a.code})")
    return np.round(a)


def fields(*names: str) -> dict[str, Sym]:
    """``{name: Sym("datum.name")}`` for data columns."""
    return {n: Sym(f"datum.{n}") for n in names}


def params(*names: str) -> dict[str, Sym]:
    """``{name: Sym(name)}`` for Vega parameters (the reader's controls)."""
    return {n: Sym(n) for n in names}


__all__ = ["Sym", "at_least", "fields", "params", "rounded"]
