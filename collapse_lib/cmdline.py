"""The pieces every command line of the library shares: one-line errors, exit code 2, argument types.

Every user error (a bad argument, an unknown ``$COLLAPSE_SCALE``, an unwritable folder, an
unavailable device, an unreadable data file) ends in one line on stderr and exit code 2,
never a traceback. Used by ``python -m collapse_lib`` (:mod:`.cli`), ``python -m collapse_lib.lm``,
``python -m collapse_lib.bench``.
"""

from __future__ import annotations

import argparse
import sys

from . import _validate as V

USER_ERRORS = (ValueError, TypeError, OSError)  # what bad input raises in collapse_lib (never an internal bug)


class Parser(argparse.ArgumentParser):
    """``argparse`` whose errors are one line, ``<prog>: error: <message> (see --help)``, with exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _arg_type(check, what):
    """An argparse type: ``int(text)`` checked by ``check``; a bad value is a one-line usage error."""

    def parse(text):
        try:
            return check("value", int(text))
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None

    parse.__name__ = what
    return parse


nonnegative_int = _arg_type(V.seed, "a non-negative integer")
positive_int = _arg_type(V.positive_int, "a positive integer")


def positive_float(text):
    """argparse type: a finite number > 0."""
    try:
        return V.positive_scalar("value", float(text))
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None


def fail(prog: str, message) -> int:
    """Print ``<prog>: error: <message>`` as one line on stderr; returns exit code 2."""
    text = " ".join(str(message).split())
    print(f"{prog}: error: {text}", file=sys.stderr)
    return 2


def run(prog: str, body) -> int:
    """``body()`` with every user error turned into :func:`fail`; Ctrl-C into one line and exit code 130."""
    try:
        return body()
    except USER_ERRORS as exc:
        return fail(prog, exc)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted (rerun the same command to resume)", file=sys.stderr)
        return 130
