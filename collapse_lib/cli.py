"""Command line: ``python -m collapse_lib reproduce fig2 --scale paper --device cuda``.

``python -m collapse_lib checksum [--stamp]`` checks every data file's schema and
checksum (and stamps files that have none).

``python -m collapse_lib explorables [names] [--force]`` computes the explorables' grids that
are shipped with the library (:mod:`.explorables.stored`); a current file is skipped.

Every user error (an unknown figure, a bad ``--seed``, an unknown ``$COLLAPSE_SCALE``,
an unwritable ``--out-dir``, an unavailable ``--device``, an unreadable data file)
ends in one line on stderr and exit code 2, never a traceback. The pieces that
make that so are in :mod:`.cmdline`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import datafiles, figures
from .cmdline import Parser, fail, nonnegative_int, run
from .fileio import writable_dir
from .scale import SCALES, current_scale


def _replace_verdict(name: str, scale: str, seed: int, out_dir, force: bool) -> tuple[str, str]:
    """What a run of ``name`` may do with ``<out_dir>/<name>.json`` (:func:`figures.replace_decision`):
    ``"write"``, ``"skip"`` (a current file or one to keep, unless ``force``) or ``"refuse"`` (a blocked file, or
    a broken one without ``force``), with the reason."""
    action, reason = figures.replace_decision(name, scale, seed, out_dir)
    if action == "blocked" or (not force and action == "broken"):
        return "refuse", reason
    if not force and action in ("current", "keep"):
        return "skip", reason
    return "write", reason


def _reproduce(args, parser) -> int:
    names = list(figures.RECIPES) if args.figures == ["all"] else args.figures
    for name in names:
        if name not in figures.RECIPES:
            parser.error(f"unknown figure {name!r}; available: {', '.join(figures.RECIPES)} or 'all'")
    scale = current_scale(args.scale)
    from .device import resolve_device  # torch (seconds), once the arguments before it are known to be good

    device = resolve_device(args.device)
    out_dir = writable_dir("--out-dir", args.out_dir if args.out_dir is not None else datafiles.data_dir())
    status = 0
    for name in names:
        verdict, reason = _replace_verdict(name, scale, args.seed, out_dir, args.force)
        if verdict == "skip":
            print(f"{name}: {reason}")
            continue
        if verdict == "refuse":
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
    if args.figures in ([], ["all"]):  # the benchmark results shown on the Performance page
        from .bench import schema as bench_schema

        for path in sorted(Path(data_dir).glob("bench_*.json")):
            try:
                result = bench_schema.stamp(path) if args.stamp else bench_schema.load(path) and "ok"
            except ValueError as exc:
                status = fail(parser.prog, exc)
                continue
            print(f"{path.stem}: " + {"already": "ok (already stamped)"}.get(result, result))
    return status


def _explorables(args, parser) -> int:
    from .explorables import stored

    names = list(stored.COMPUTE) if args.names in ([], ["all"]) else args.names
    for name in names:  # before any explorable's module (and altair) is imported
        if name not in stored.COMPUTE:
            parser.error(f"unknown explorable {name!r}; available: {', '.join(stored.COMPUTE)} or 'all'")
    status = 0
    for name in names:
        key, compute = stored.source(name)
        state = stored.status(name, key)
        if state == "current" and not args.force:
            print(f"{name}: {stored.path(name)} is current (--force recomputes it)")
            continue
        if state.startswith("unreadable") and not args.force:
            status = fail(parser.prog, f"{name}: {state.removeprefix('unreadable: ')}")
            continue
        t0 = time.perf_counter()
        path = stored.write(name, key, compute)
        print(f"{name}: wrote {path} ({state} before; {time.perf_counter() - t0:.0f} s)")
    return status


def _shard(text):
    """argparse type of ``--shard``: ``i/k`` with integers 0 <= i < k."""
    try:
        i, k = (int(x) for x in text.split("/"))
    except ValueError:
        i, k = -1, 0
    if not 0 <= i < k:
        raise argparse.ArgumentTypeError(f"must be i/k with integers 0 <= i < k, got {text!r}")
    return i, k


def fig8_command(args) -> int:
    """``python -m collapse_lib fig8``: Figure 8 in one process or under ``torchrun`` (rank 0 writes fig8.json).

    The same replacement rules as ``reproduce``. ``--shard i/k`` fills the cell cache with every
    k-th run from the i-th and writes nothing, so k processes can share the work; a run without
    it then assembles the table from the cache.
    """
    fig8 = figures.get("fig8")
    scale = current_scale(args.scale)
    import time

    import torch  # (seconds) once the scale is known to be good

    from .device import resolve_device
    from .lm import ddp

    resolve_device(args.device)  # a bad --device is reported before any process group starts
    out = writable_dir("--out-dir", args.out_dir if args.out_dir else datafiles.data_dir())
    # a shard writes no data file, so only a blocked file stops it
    verdict, reason = _replace_verdict("fig8", scale, args.seed, out, args.force or args.shard is not None)
    if verdict == "skip":
        print(f"fig8: {reason}")
        return 0
    if verdict == "refuse":
        raise ValueError(f"fig8: {reason}")
    torch.set_float32_matmul_precision("high")
    dev = ddp.setup(args.device)
    t0 = time.perf_counter()
    table = fig8.compute(scale=scale, device=dev, seed=args.seed, progress=ddp.rank() == 0,
                         checkpoint_dir=args.checkpoint_dir, shard=args.shard)  # fmt: skip
    if table is None:
        print(f"fig8: shard {args.shard[0]}/{args.shard[1]} done (cell cache)")
    elif ddp.rank() == 0:
        cfg = fig8.config(scale)
        prov = datafiles.provenance(
            "fig8", cfg, scale, args.seed, dev, cfg["dtype"], elapsed_s=time.perf_counter() - t0
        )
        prov["world_size"] = ddp.world_size()
        print(f"fig8: wrote {datafiles.save_table(out / 'fig8.json', table, prov)}")
    ddp.teardown()
    return 0


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
    chk.add_argument("figures", nargs="*", help="figure names or 'all' (default: all, and the bench_*.json files)")
    chk.add_argument("--data-dir", default=None, help=f"where the data files are; {datafiles.OUT_DIR_HELP}")
    chk.add_argument(
        "--stamp",
        action="store_true",
        help="write the checksum into each file that has none, after checking its schema. Only for files known "
        "to hold what their recipe wrote: the stamp vouches for the numbers as they are. A file whose checksum "
        "does not match is never stamped (regenerate it with reproduce --force)",
    )
    f8 = sub.add_parser("fig8", help="Figure 8 in one process or under torchrun (several GPUs); --shard i/k")
    f8.add_argument("--scale", choices=SCALES, default=None)
    f8.add_argument("--device", default="auto", help="cpu, cuda or auto (default auto)")
    f8.add_argument("--seed", type=nonnegative_int, default=0)
    f8.add_argument("--out-dir", default=None, help=datafiles.OUT_DIR_HELP)
    f8.add_argument("--checkpoint-dir", default=None,
                    help="default at paper scale: $COLLAPSE_CACHE_DIR/lm or ~/.cache/collapse_lib/lm")  # fmt: skip
    f8.add_argument(
        "--shard", type=_shard, default=None, help="i/k: compute every k-th run from the i-th into the cache"
    )
    f8.add_argument("--force", action="store_true", help="replace fig8.json whatever it holds (as reproduce --force)")
    ex = sub.add_parser(
        "explorables",
        help="compute the explorables' grids once into collapse_lib/results/explorables/ (the book reads them)",
    )
    ex.add_argument("names", nargs="*", help="mixing, projections, workflows or 'all' (default: all)")
    ex.add_argument("--force", action="store_true", help="recompute current files too, and replace unreadable ones")
    sub.add_parser("list", help="list figure recipes")
    args = parser.parse_args(argv)
    if args.command == "fig8":
        return run(parser.prog, lambda: fig8_command(args))
    if args.command == "list":
        for name in figures.RECIPES:
            print(f"{name}: {figures.get(name).TITLE}")
        return 0
    if args.command == "checksum":
        return run(parser.prog, lambda: _checksum(args, parser))
    if args.command == "explorables":
        return run(parser.prog, lambda: _explorables(args, parser))
    return run(parser.prog, lambda: _reproduce(args, parser))
