"""Figure recipes: ``compute(scale, device, seed) -> tidy table`` and ``plot(table) -> Figure``.

Each paper figure is a module here (``fig2``, ``fig3``, ...), and so is each named
recipe beyond the paper (:data:`NAMED`, e.g. ``workflows``). :func:`reproduce`
runs a recipe and writes ``<data dir>/<name>.json`` with provenance;
:func:`load_or_compute` is what a chapter calls: it shows the data file when
one exists at the requested scale or larger, and otherwise computes now.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import re
import time
from pathlib import Path

from .. import datafiles
from ..device import resolve_device
from ..scale import current_scale, rank
from .compare import paper_vs_book, paper_vs_book_markdown, show_paper_vs_book
from .report import agreement, agreement_summary, describe_config, within_stderr



#: Recipes that are not figures of the paper (named, listed after the figures).
NAMED = ("workflows",)


def _discover() -> tuple:
    """Recipe modules: the ``figN.py`` files of this package in figure order, then :data:`NAMED`."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"fig\d+", m.name)]
    return tuple(sorted(names, key=lambda name: int(name[3:]))) + NAMED


RECIPES = _discover()


def get(name: str):
    """The recipe module for figure ``name`` (e.g. ``"fig2"`` or ``"workflows"``)."""
    if name not in RECIPES:
        raise ValueError(f"unknown figure {name!r}; available: {', '.join(RECIPES)}")
    return importlib.import_module(f"{__name__}.{name}")


def reproduce(name: str, scale=None, device="cpu", seed: int = 0, out_dir=None, progress: bool = True):
    """Run recipe ``name`` and save its table with provenance; returns the file path."""
    recipe = get(name)
    scale = current_scale(scale)
    dev = resolve_device(device)
    t0 = time.perf_counter()
    table = recipe.compute(scale=scale, device=dev, seed=seed, progress=progress)
    cfg = recipe.config(scale)
    prov = datafiles.provenance(name, cfg, scale, seed, dev, cfg.get("dtype", "float64"),
                                elapsed_s=time.perf_counter() - t0)
    out = datafiles.data_dir() if out_dir is None else Path(out_dir)
    return datafiles.save_table(out / f"{name}.json", table, prov)


def current_file(name: str, scale, data_dir=None):
    """``(path, table, provenance, problem)`` for ``<data dir>/<name>.json``.

    ``problem`` is ``None`` when the file exists and its configuration is the
    recipe's configuration at the file's scale; otherwise a short reason
    ("missing", "out of date", "smaller scale than ..."). ``table`` and
    ``provenance`` are ``None`` when the file is missing.
    """
    recipe = get(name)
    scale = current_scale(scale)
    path = (Path(data_dir) if data_dir is not None else datafiles.data_dir()) / f"{name}.json"
    if not path.is_file():
        return path, None, None, "missing"
    table, prov = datafiles.load_table(path)
    file_scale = prov.get("scale", "smoke")
    expected = json.loads(json.dumps(datafiles._jsonable(recipe.config(file_scale))))
    if prov.get("config") != expected:
        return path, table, prov, "out of date (its configuration differs from the recipe's)"
    if rank(file_scale) < rank(scale):
        return path, table, prov, f"made at the smaller scale '{file_scale}'"
    return path, table, prov, None


def load_or_compute(name: str, scale=None, device="cpu", seed: int = 0, data_dir=None, progress=False):
    """Return ``(table, note)`` for figure ``name``; ``table.attrs["config"]`` holds its parameters.

    If ``<data dir>/<name>.json`` exists, was made at ``scale`` or larger, and
    its configuration is still the recipe's configuration at that scale, it is
    loaded and ``note`` says where it came from (scale, device, seed, date,
    library version); otherwise the recipe runs now at ``scale`` and ``note``
    says so (and that the file is out of date, if it is).
    """
    recipe = get(name)
    scale = current_scale(scale)
    path, table, prov, problem = current_file(name, scale, data_dir)
    if problem is None:
        table.attrs.update(provenance=prov, config=prov["config"])
        where = prov["device"]
        if prov.get("device_name") and prov["device_name"] != where:
            where += f" ({prov['device_name']})"
        note = (f"Loaded {path.name}: computed at scale '{prov['scale']}' on {where}, "
                f"seed {prov['seed']}, collapse_lib {prov['collapse_lib_version']}, {prov['date_utc']} "
                f"(regenerate with `python -m collapse_lib reproduce {name} --scale {prov['scale']}`).")
        return table, note
    stale = f" {path.name} is {problem}; regenerate it." if problem.startswith("out of date") else ""
    t0 = time.perf_counter()
    table = recipe.compute(scale=scale, device=device, seed=seed, progress=progress)
    table.attrs.update(provenance=None, config=recipe.config(scale))
    note = (f"Computed now at scale '{scale}' on {resolve_device(device)}, seed {seed} "
            f"in {time.perf_counter() - t0:.1f} s" + (stale or f" (no data file {name}.json at this scale or larger)."))
    return table, note


def show(name: str, scale=None, device="cpu", seed: int = 0, progress: bool = False):
    """Chapter helper: load (or compute) figure ``name``, display its data note, parameters and plot.

    Returns the table. ``progress`` shows progress bars if the figure is computed
    now. Needs IPython (imported here, not by the rest of the library).
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown, display

    table, note = load_or_compute(name, scale=scale, device=device, seed=seed, progress=progress)
    display(Markdown(f"**Data.** {note}"))
    display(HTML(describe_config(table.attrs["config"]).to_html(index=False)))
    get(name).plot(table)
    plt.show()
    return table


def show_agreement(table, group: str, title: str = "", x: str = "n", theorem: str = "Theorem 1"):
    """Chapter helper: display the agreement sentence and the table at the largest simulated ``x``."""
    from IPython.display import HTML, Markdown, display

    agree = agreement(table, group, x=x)
    fmt = {group: "{:g}", x: "{:,}", "p2_eff": "{:.4g}", "simulation": "{:.3g}", "stderr": "{:.1g}",
           "theory": "{:.3g}", "z": "{:+.2f}", "floor": "{:.3g}", "clean": "{:.3g}"}
    display(Markdown(f"{title}{agreement_summary(table, x=x, theorem=theorem)}"))
    display(HTML(agree.to_html(index=False, formatters={k: v.format for k, v in fmt.items() if k in agree})))


__all__ = ["NAMED", "RECIPES", "agreement", "agreement_summary", "current_file", "describe_config", "get", "load_or_compute",
           "paper_vs_book", "paper_vs_book_markdown", "reproduce", "show", "show_agreement", "show_paper_vs_book",
           "within_stderr"]
