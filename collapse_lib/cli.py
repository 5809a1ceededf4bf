"""Command line: ``python -m collapse_lib reproduce fig2 --scale paper --device cuda``."""
from __future__ import annotations

import argparse
import sys

from . import figures
from .scale import SCALES, current_scale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collapse_lib",
                                     description="Strong Model Collapse companion: reproduce figure data.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run figure recipes and write data files with provenance")
    rep.add_argument("figures", nargs="+", help=f"figure names ({', '.join(figures.RECIPES)}) or 'all'")
    rep.add_argument("--scale", choices=SCALES, default=None,
                     help="smoke (seconds), book (the site's default) or paper (the book's largest configuration, "
                          "for a GPU; the paper's own sizes only where it states them: see each chapter's "
                          "'the paper | this book' table); default: $COLLAPSE_SCALE or 'book'")
    rep.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("--out-dir", default=None, help="default: $COLLAPSE_DATA_DIR or book/_data")
    rep.add_argument("--force", action="store_true",
                     help="recompute even if a current data file for this scale and seed exists "
                          "(without it, a rerun resumes: finished figures are skipped)")
    sub.add_parser("list", help="list figure recipes")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name in figures.RECIPES:
            print(f"{name}: {figures.get(name).TITLE}")
        return 0
    names = list(figures.RECIPES) if args.figures == ["all"] else args.figures
    for name in names:
        try:
            figures.get(name)
        except ValueError as exc:
            parser.error(str(exc))
    for name in names:
        path, _, prov, problem = figures.current_file(name, args.scale, args.out_dir)
        if (not args.force and problem is None and prov["scale"] == current_scale(args.scale)
                and prov["seed"] == args.seed):
            print(f"{name}: {path} is current (scale {prov['scale']}, seed {prov['seed']}); skipped (--force to redo)")
            continue
        try:
            path = figures.reproduce(name, scale=args.scale, device=args.device, seed=args.seed,
                                     out_dir=args.out_dir, progress=True)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{name}: wrote {path}")
    return 0
