"""Command line of the benchmark: ``python -m collapse_lib.bench [--quick|--tiny] [--device D] [--out FILE]``.

Every user error (an unknown or unavailable device, an output path that cannot
be written, a bad number) ends in one line on stderr and exit code 2. Exit code
1 means the run finished but a library/baseline comparison disagreed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

import torch

from ..device import resolve_device
from ..fileio import atomic_write
from . import render
from .run import run

PROG = "python -m collapse_lib.bench"


class UsageError(Exception):
    """A user error: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _count(name, lo):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"{name} must be >= {lo}, got {value}")
        return value

    return parse


def _device(text: str) -> torch.device:
    try:
        dev = resolve_device(text)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--device: {exc}") from None
    if dev.type == "cpu" and dev.index not in (None, 0):
        raise UsageError(f"--device: {text!r} names CPU {dev.index}, but the CPU has no index; use 'cpu'")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise UsageError(f"--device: {text!r}, but this machine has {torch.cuda.device_count()} CUDA device(s)")
    return torch.device("cpu") if dev.type == "cpu" else dev


def _check_writable(out: Path) -> None:
    """Fail now, not after the run, if ``out`` cannot be written (tries a file in its nearest existing folder)."""
    if out.is_dir():
        raise UsageError(f"--out: {out} is a folder; give a file name")
    folder = out.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"--out: cannot write {out}: {folder} is not a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".bench-write-test.")
    except OSError as exc:
        raise UsageError(f"--out: cannot write in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def parse_args(argv):
    ap = _Parser(prog=PROG, description="Benchmark of theory and simulation against straightforward baselines.")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="reduced sizes (under a minute on 2 cores)")
    size.add_argument("--tiny", action="store_true", help="toy sizes, for the test suite only")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON to this file")
    ap.add_argument("--seed", type=_count("--seed", 0), default=0, help="seed of every random draw (default 0)")
    ap.add_argument(
        "--threads", type=_count("--threads", 1), default=None, help="torch CPU threads (default: torch's choice)"
    )
    args = ap.parse_args(argv)
    args.device = _device(args.device)
    if args.out is not None:
        _check_writable(args.out)
    args.mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    return args


def main(argv=None) -> int:
    """Run the benchmark from the command line; returns the exit code."""
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"collapse_lib benchmark: mode {args.mode}, device {args.device}, {torch.get_num_threads()} torch threads",
        flush=True,
    )
    result = run(args.mode, args.device, args.seed, echo=lambda line: print(line, flush=True))
    print("\n" + render.report(result) + "\n", flush=True)
    if args.out is not None:
        try:
            atomic_write(args.out, result.to_json() + "\n")
        except OSError as exc:
            print(
                f"{PROG}: error: --out: cannot write {args.out}: {exc.strerror or exc} (results printed above)",
                file=sys.stderr,
            )
            return 2
        print(f"wrote {args.out}")
    print(render.summary_line(result), flush=True)
    return 0 if result.agree else 1


if __name__ == "__main__":
    sys.exit(main())
