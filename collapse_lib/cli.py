"""Command line: ``python -m collapse_lib reproduce fig2 --scale paper --device cuda``.

``python -m collapse_lib checksum [--stamp]`` checks every data file's schema and
checksum (and stamps files that have none).

Every user error (an unknown figure, a bad ``--seed``, an unknown ``$COLLAPSE_SCALE``,
an unwritable ``--out-dir``, an unavailable ``--device``, an unreadable data file)
ends in one line on stderr and exit code 2, never a traceback. The pieces that
make that so (:class:`Parser`, :func:`run`, the argument types) are shared with
``python -m collapse_lib.lm``.
"""

from __future__ import annotations

import argparse
import sys

from . import _validate as V
from . import datafiles, figures
from .device import resolve_device
from .fileio import writable_dir
from .scale import SCALES, current_scale

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


def _reproduce(args, parser) -> int:
    names = list(figures.RECIPES) if args.figures == ["all"] else args.figures
    for name in names:
        if name not in figures.RECIPES:
            parser.error(f"unknown figure {name!r}; available: {', '.join(figures.RECIPES)} or 'all'")
    scale = current_scale(args.scale)
    device = resolve_device(args.device)
    out_dir = writable_dir("--out-dir", args.out_dir if args.out_dir is not None else datafiles.data_dir())
    status = 0
    for name in names:
        action, reason = figures.replace_decision(name, scale, args.seed, out_dir)
        if not args.force and action in ("current", "keep"):
            print(f"{name}: {reason}")
            continue
        if action == "blocked" or (not args.force and action == "broken"):
            status = fail(parser.prog, f"{name}: {reason}")
            continue
        path = figures.reproduce(
            name, scale=scale, device=device, seed=args.seed, out_dir=out_dir, progress=True, force=True
        )
        print(f"{name}: wrote {path}")
    return status


def _checksum(args, parser) -> int:
    names = list(figures.RECIPES) if args.figures in ([], ["all"]) else args.figures
    for name in names:
        if name not in figures.RECIPES:
            parser.error(f"unknown figure {name!r}; available: {', '.join(figures.RECIPES)} or 'all'")
    data_dir = datafiles.data_dir() if args.data_dir is None else args.data_dir
    status = 0
    for name in names:
        try:
            result = figures.stamp(name, data_dir) if args.stamp else figures.verify(name, data_dir)
        except datafiles.DataFileError as exc:
            status = fail(parser.prog, f"{name}: {exc}")
            continue
        print(f"{name}: " + {"missing": "no data file", "already": "ok (already stamped)"}.get(result, result))
    return status


def main(argv=None) -> int:
    parser = Parser(
        prog="python -m collapse_lib", description="Strong Model Collapse companion: reproduce figure data."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run figure recipes and write data files with provenance")
    rep.add_argument("figures", nargs="+", help=f"figure names ({', '.join(figures.RECIPES)}) or 'all'")
    rep.add_argument(
        "--scale",
        choices=SCALES,
        default=None,
        help="smoke (seconds), book (the site's default) or paper (the book's largest configuration, "
        "for a GPU; the paper's own sizes only where it states them: see each chapter's "
        "'the paper | this book' table); default: $COLLAPSE_SCALE or 'book'",
    )
    rep.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    rep.add_argument("--seed", type=nonnegative_int, default=0)
    rep.add_argument("--out-dir", default=None, help=datafiles.OUT_DIR_HELP)
    rep.add_argument(
        "--force",
        action="store_true",
        help="replace the data file whatever it holds. Without it a current file (same scale and "
        "seed) is skipped, so a rerun resumes; a file made at a larger scale or with another "
        "seed is kept; an unreadable file is reported (exit code 2)",
    )
    chk = sub.add_parser(
        "checksum",
        help="check the data files' schema and checksums (exit code 2 if one fails); --stamp adds missing checksums",
    )
    chk.add_argument("figures", nargs="*", help="figure names or 'all' (default: all)")
    chk.add_argument("--data-dir", default=None, help=f"where the data files are; {datafiles.OUT_DIR_HELP}")
    chk.add_argument(
        "--stamp",
        action="store_true",
        help="write the checksum into each file that has none, after checking its schema. Only for files known "
        "to hold what their recipe wrote: the stamp vouches for the numbers as they are. A file whose checksum "
        "does not match is never stamped (regenerate it with reproduce --force)",
    )
    sub.add_parser("list", help="list figure recipes")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name in figures.RECIPES:
            print(f"{name}: {figures.get(name).TITLE}")
        return 0
    if args.command == "checksum":
        return run(parser.prog, lambda: _checksum(args, parser))
    return run(parser.prog, lambda: _reproduce(args, parser))
