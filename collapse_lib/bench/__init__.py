"""Benchmark of theory and simulation against straightforward baselines (not a test).

    python -m collapse_lib.bench [--quick] [--tiny] [--device cpu|cuda] [--out results.json]

Each measurement is a ratio against a baseline timed in the same run, and each
comes with a check that library and baseline compute the same numbers:

* :mod:`.run` — the measurements (theory vs the brentq reference of
  :mod:`collapse_lib.theory.reference`, simulations vs numpy loops, scaling);
* :mod:`.baselines` — the numpy loops; :mod:`.measure` — clocks, memory, flops;
* :mod:`.schema` — the result as frozen dataclasses, JSON in and out (:func:`load`);
* :mod:`.render` — tables, sentences and the SUMMARY line, shared by the
  command line and the Performance page.
"""

from .._lazy import attach
from . import render
from .schema import BenchResult, load

# The measurements import torch (seconds): they load on first use, and the Performance page, which only reads the
# committed runs, never imports it.
__getattr__, __dir__ = attach(__name__, {name: "run" for name in ("FULL", "QUICK", "TINY", "run")})


def committed() -> dict[str, BenchResult]:
    """The committed runs shown on the Performance page: ``{"cpu": ..., "cuda": ...}`` for the files that exist
    (``bench_cpu.json``, ``bench_cuda.json`` in :func:`collapse_lib.datafiles.data_dir`)."""
    from ..datafiles import data_dir

    paths = {dev: data_dir() / f"bench_{dev}.json" for dev in ("cpu", "cuda")}
    return {dev: load(p) for dev, p in paths.items() if p.exists()}


__all__ = ["FULL", "QUICK", "TINY", "BenchResult", "committed", "load", "render", "run"]
