"""Figure recipes: ``compute(scale, device, seed) -> tidy table`` and ``plot(table) -> Figure``.

Each paper figure is a module here (``fig2``, ``fig3``, ...), and so is each named
recipe beyond the paper (:data:`NAMED`, e.g. ``workflows``). :func:`reproduce`
runs a recipe and writes ``<data dir>/<name>.json`` with provenance;
:func:`load_or_compute` is what a chapter calls: it shows the data file when
one exists at the requested scale or larger, and otherwise computes now.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .. import _validate as V
from .. import datafiles
from ..scale import current_scale, rank
from .compare import paper_vs_book, paper_vs_book_markdown, show_paper_vs_book
from .registry import NAMED, RECIPES, get
from .report import agreement, agreement_summary, describe_config, within_stderr


def schema(name: str) -> dict:
    """Column name → kind of recipe ``name``'s table, as :func:`collapse_lib.datafiles.load_table` checks it.

    Every column of the recipe's ``COLUMNS`` is a finite ``"number"`` unless its
    ``COLUMN_KINDS`` says ``"text"``, ``"bool"`` or ``"number or null"`` (a
    column that rows of another kind leave empty, e.g. the standard error of a
    theory row). A recipe without ``COLUMNS`` has the columns its ``COLUMN_KINDS`` names.
    """
    recipe = get(name)
    kinds = getattr(recipe, "COLUMN_KINDS", {})
    return {c: kinds.get(c, "number") for c in getattr(recipe, "COLUMNS", kinds)}


def _data_path(name: str, data_dir=None) -> Path:
    return (Path(data_dir) if data_dir is not None else datafiles.data_dir()) / f"{name}.json"


def replace_decision(name: str, scale=None, seed: int = 0, data_dir=None) -> tuple[str, str]:
    """What a run of recipe ``name`` at ``scale`` and ``seed`` may do with ``<data dir>/<name>.json``.

    Returns ``(action, reason)``:

    * ``"write"`` — no file, or one made at a smaller scale, or one at this scale
      and seed whose configuration is out of date: the run replaces it;
    * ``"current"`` — a current file at this scale and seed: nothing to do (a rerun resumes);
    * ``"keep"`` — a file made at a larger scale or with another seed: a run must not
      replace it (hours of computing may be in it) unless forced;
    * ``"broken"`` — a file that cannot be read or is not a valid data file: it is
      reported, and replaced only when forced;
    * ``"blocked"`` — the path is a folder (or another non-file): nothing can be written.

    ``reason`` is one line naming the file (empty for a missing file).
    """
    scale = current_scale(scale)
    seed = V.seed("seed", seed)
    path = _data_path(name, data_dir)
    if not path.exists():
        return "write", ""
    if not path.is_file():
        return "blocked", f"data file {path} exists but is not a file; remove it"
    try:
        _, _, prov, problem = current_file(name, scale, data_dir)
    except (ValueError, OSError) as exc:
        return "broken", f"{exc} (--force replaces it)"
    desc = f"{path} (scale {prov['scale']}, seed {prov['seed']})"
    if rank(prov["scale"]) > rank(scale):
        return "keep", f"kept {desc}: made at the larger scale '{prov['scale']}'; --force replaces it"
    if prov["seed"] != seed:
        return "keep", f"kept {desc}: made with seed {prov['seed']}, not {seed}; --force replaces it"
    if problem is None and prov["scale"] == scale:
        return "current", f"{desc} is current; skipped (--force to redo)"
    return "write", ""


def reproduce(
    name: str, scale=None, device="cpu", seed: int = 0, out_dir=None, progress: bool = True, force: bool = False
):
    """Run recipe ``name`` and save its table with provenance to ``<out dir>/<name>.json``; returns the path.

    Without ``force``, a file made at a larger scale or with another seed, or a
    file that cannot be read, is never replaced: ``FileExistsError`` says which
    (see :func:`replace_decision`); checked before the run starts. The write is
    atomic (:func:`collapse_lib.fileio.atomic_write`): a failed write leaves the
    old file as it was.
    """
    recipe = get(name)
    scale = current_scale(scale)
    seed = V.seed("seed", seed)
    force = V.flag("force", force)
    dev = _device(device)
    action, reason = replace_decision(name, scale, seed, out_dir)
    if action == "blocked" or (not force and action in ("keep", "broken")):
        raise FileExistsError(reason)
    t0 = time.perf_counter()
    table = recipe.compute(scale=scale, device=dev, seed=seed, progress=progress)
    cfg = recipe.config(scale)
    prov = datafiles.provenance(
        name, cfg, scale, seed, dev, cfg.get("dtype", "float64"), elapsed_s=time.perf_counter() - t0
    )
    return datafiles.save_table(_data_path(name, out_dir), table, prov, schema=schema(name))


def current_file(name: str, scale, data_dir=None):
    """``(path, table, provenance, problem)`` for ``<data dir>/<name>.json``.

    ``problem`` is ``None`` when the file exists and its configuration is the
    recipe's configuration at the file's scale; otherwise a short reason
    ("missing", "out of date", "smaller scale than ..."). ``table`` and
    ``provenance`` are ``None`` when the file is missing. A file that cannot be
    read, whose schema is not a data file of this recipe (provenance fields,
    the ``recipe`` field; with the recipe's configuration, also the recipe's
    columns and their kinds, :func:`schema`), or whose checksum is missing or
    does not match its content, raises
    :class:`~collapse_lib.datafiles.DataFileError` naming the file and the field.
    """
    recipe = get(name)
    scale = current_scale(scale)
    path = _data_path(name, data_dir)
    if not path.is_file():
        return path, None, None, "missing"
    doc = datafiles.read_document(path, recipe=name, verify=False)  # the schema of any data file
    file_scale = doc["provenance"]["scale"]
    current = doc["provenance"]["config"] == datafiles.as_stored(recipe.config(file_scale))
    if current:  # a file of another configuration (another version of the recipe) may have other columns
        datafiles.check_columns(path, doc, schema(name))
    datafiles.verify_checksum(path, doc)
    table, prov = datafiles.table_of(doc)
    if not current:
        return path, table, prov, "out of date (its configuration differs from the recipe's)"
    if rank(file_scale) < rank(scale):
        return path, table, prov, f"made at the smaller scale '{file_scale}'"
    return path, table, prov, None


def _device(device):
    """:func:`collapse_lib.device.resolve_device`, imported when a recipe runs: loading a data file needs no torch."""
    from ..device import resolve_device

    return resolve_device(device)


def load_or_compute(name: str, scale=None, device="cpu", seed: int = 0, data_dir=None, progress=False):
    """Return ``(table, note)`` for figure ``name``; ``table.attrs["config"]`` holds its parameters.

    If ``<data dir>/<name>.json`` exists, was made at ``scale`` or larger, and
    its configuration is still the recipe's configuration at that scale, it is
    loaded and ``note`` says where it came from (scale, device, seed, date,
    library version); otherwise the recipe runs now at ``scale`` and ``note``
    says so (and that the file is out of date or unreadable, if it is).

    A file that cannot be used is never shown, whatever is wrong with it: not
    JSON, a provenance field or column missing or of the wrong kind (a column
    of strings or of nulls where numbers belong), no checksum, or a checksum
    that does not match (a number or the provenance changed after the file was
    written). ``note`` names the file and the problem, and the table is
    computed now at ``scale``.
    """
    recipe = get(name)
    scale = current_scale(scale)
    try:
        path, table, prov, problem = current_file(name, scale, data_dir)
    except datafiles.DataFileError as exc:
        path, problem, unusable = exc.path, "unusable", exc
    if problem is None:
        table.attrs.update(provenance=prov, config=prov["config"])
        where = prov["device"]
        if prov.get("device_name") and prov["device_name"] != where:
            where += f" ({prov['device_name']})"
        note = (
            f"Loaded {path.name}: computed at scale '{prov['scale']}' on {where}, "
            f"seed {prov['seed']}, collapse_lib {prov['collapse_lib_version']}, {prov['date_utc']} "
            f"(regenerate with `python -m collapse_lib reproduce {name} --scale {prov['scale']}`)."
        )
        return table, note
    stale = ""
    if problem == "unusable":
        stale = (
            f"; {path.name} is unusable and was not shown: {unusable} "
            f"(`python -m collapse_lib reproduce {name} --force` rewrites it)."
        )
    elif problem.startswith("out of date"):
        stale = f"; {path.name} is {problem}; regenerate it."
    t0 = time.perf_counter()
    table = recipe.compute(scale=scale, device=device, seed=seed, progress=progress)
    table.attrs.update(provenance=None, config=recipe.config(scale))
    note = f"Computed now at scale '{scale}' on {_device(device)}, seed {seed} in {time.perf_counter() - t0:.1f} s" + (
        stale or f" (no data file {name}.json at this scale or larger)."
    )
    return table, note


def stamp(name: str, data_dir=None) -> str:
    """Give ``<data dir>/<name>.json`` its checksum if it has none; ``"stamped"``, ``"already"`` or ``"missing"``.

    Only for a file known to hold what the recipe wrote (the committed files,
    written before data files carried checksums): see
    :func:`collapse_lib.datafiles.stamp`. The file must pass the recipe's schema
    (:func:`schema`; its columns only if its configuration is the recipe's, as
    :func:`current_file` checks); a file whose checksum does not match is refused.
    """
    path = _data_path(name, data_dir)
    if not path.exists():
        return "missing"
    columns = schema(name)
    try:
        prov = json.loads(path.read_text(encoding="utf-8"))["provenance"]
        if prov["config"] != datafiles.as_stored(get(name).config(prov["scale"])):
            columns = None  # made by another version of the recipe: out of date, its columns may differ
    except (OSError, ValueError, KeyError, TypeError):
        pass  # datafiles.stamp names what is wrong with the file
    return datafiles.stamp(path, recipe=name, columns=columns)


def verify(name: str, data_dir=None) -> str:
    """Check ``<data dir>/<name>.json`` as :func:`current_file` does; ``"ok"``, ``"missing"`` or ``"ok, out of date ..."``.

    A file whose checksum matches but whose configuration is not the recipe's
    (made by another version of it) is ``"ok, out of date (...)"``: intact, and
    not shown. Raises :class:`~collapse_lib.datafiles.DataFileError` naming the
    file and the problem for a file that cannot be used.
    """
    path = _data_path(name, data_dir)
    if not path.exists():
        return "missing"
    _, _, _, problem = current_file(name, "smoke", data_dir)
    return "ok" if problem is None else f"ok, {problem}"


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

    from ..chapter import format_numbers, needs_scientific

    agree = agreement(table, group, x=x).copy()
    # the errors in one notation (decimal, or all of them as m × 10ᵏ), readable headings
    errors = [c for c in ("simulation", "theory", "floor", "clean") if c in agree]
    sci = needs_scientific(agree[errors].to_numpy().ravel())
    for c in errors:
        agree[c] = format_numbers(agree[c], 3, scientific=sci)
    agree["stderr"] = format_numbers(agree["stderr"], 2, scientific=sci)
    agree[group] = [f"{v:g}" for v in agree[group]]
    agree[x] = [f"{v:,}" for v in agree[x]]
    agree["p2_eff"] = [f"{v:.4g}" for v in agree["p2_eff"]]
    agree["z"] = [f"{v:+.2f}".replace("-", "−") for v in agree["z"]]
    names = {
        "p2": "p₂",
        "c2": "c²",
        "p2_eff": "realised p₂",
        "stderr": "± s.e.",
        "theory": theorem,
        "z": "z = gap / s.e.",
        "clean": "clean (p₂ = 0)",
    }
    display(Markdown(f"{title}{agreement_summary(table, x=x, theorem=theorem)}"))
    display(HTML(agree.rename(columns=names).to_html(index=False, border=0, classes="collapse-table")))


__all__ = [
    "NAMED",
    "RECIPES",
    "agreement",
    "agreement_summary",
    "current_file",
    "describe_config",
    "get",
    "load_or_compute",
    "paper_vs_book",
    "paper_vs_book_markdown",
    "replace_decision",
    "reproduce",
    "schema",
    "show",
    "show_agreement",
    "show_paper_vs_book",
    "stamp",
    "verify",
    "within_stderr",
]
