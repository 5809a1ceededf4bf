"""Small result files with provenance, written by ``reproduce`` and read by chapters.

A data file is one JSON document ``{"provenance": {...}, "columns": {...}}``:
the provenance records the recipe, its configuration, scale, seed, device,
dtype, library and torch versions, and the date; the columns hold a tidy table.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ._version import __version__
from .fileio import atomic_write

ENV_VAR = "COLLAPSE_DATA_DIR"

#: The data files that ship with the library (package data): ``collapse_lib/results/``.
PACKAGED_DIR = Path(__file__).resolve().parent / "results"

#: ``--out-dir`` help of the command-line tools that write data files.
OUT_DIR_HELP = f"default: ${ENV_VAR} or the library's own results folder (collapse_lib/results)"


def data_dir() -> Path:
    """Where data files live: ``$COLLAPSE_DATA_DIR`` if set, else :data:`PACKAGED_DIR`.

    The committed figure data files are package data, so a chapter run from an
    installed wheel, in any folder, finds the same files as the book's build.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return PACKAGED_DIR


def provenance(
    recipe: str, config: dict, scale: str, seed: int, device, dtype: str = "float64", elapsed_s: float | None = None
) -> dict:
    """The provenance block stored with every data file."""
    dev = str(device)
    name = torch.cuda.get_device_name(torch.device(dev)) if dev.startswith("cuda") else platform.processor() or "cpu"
    return {
        "recipe": recipe,
        "scale": scale,
        "seed": int(seed),
        "device": dev,
        "device_name": name,
        "dtype": dtype,
        "config": config,
        "collapse_lib_version": __version__,
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "date_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "elapsed_s": None if elapsed_s is None else round(float(elapsed_s), 2),
    }


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if np.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    return x


def as_stored(value):
    """``value`` as a data file stores it and reads it back: JSON types only.

    NumPy numbers become Python numbers, tuples and arrays lists, dict keys strings,
    and non-finite floats ``None``; a recipe's configuration compares equal to a data
    file's ``config`` field exactly when this of it does.

    Parameters
    ----------
    value : object
        A configuration or column: nested dicts, lists, tuples, NumPy arrays and scalars.

    Returns
    -------
    object
        The JSON value (dict, list, str, int, float, bool or None).
    """
    return json.loads(json.dumps(_jsonable(value), allow_nan=False))


SIGNIFICANT_DIGITS = 8  # data-file floats are stored to 8 significant digits (files stay small)


def _column(values) -> list:
    out = _jsonable(values)
    return [float(f"{v:.{SIGNIFICANT_DIGITS}g}") if isinstance(v, float) else v for v in out]


def save_table(path, table: pd.DataFrame, prov: dict) -> Path:
    """Write ``table`` with its provenance to ``path`` (JSON, floats to 8 significant digits). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # provenance pretty-printed (it is read by people), one compact line per column
    cols = ",\n  ".join(
        f"{json.dumps(str(c))}: {json.dumps(_column(table[c].tolist()), allow_nan=False)}" for c in table.columns
    )
    text = (
        f'{{"provenance": {json.dumps(_jsonable(prov), indent=1, allow_nan=False)},\n'
        f' "columns": {{\n  {cols}\n }}\n}}\n'
    )
    json.loads(text)  # never write a file we could not read back
    return atomic_write(path, text)


class DataFileError(ValueError):
    """A data file that cannot be used: unreadable, not JSON, or not the schema of :func:`save_table`.

    The message names the file and, where there is one, the offending field.
    """

    def __init__(self, path, problem: str):
        self.path = Path(path)
        super().__init__(f"data file {self.path}: {problem}")


# provenance fields every data file carries (name → accepted types); others (device_name, torch_version,
# python, elapsed_s, world_size) are informative and optional
PROVENANCE_FIELDS = {
    "recipe": str,
    "scale": str,
    "seed": int,
    "device": str,
    "dtype": str,
    "config": dict,
    "collapse_lib_version": str,
    "date_utc": str,
}


def _check_schema(path, doc, recipe, columns) -> None:
    from .scale import SCALES

    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("provenance"), dict)
        or not isinstance(doc.get("columns"), dict)
    ):
        raise DataFileError(path, "expected a JSON object with a 'provenance' object and a 'columns' object")
    prov, cols = doc["provenance"], doc["columns"]
    for key, kind in PROVENANCE_FIELDS.items():
        if key not in prov:
            raise DataFileError(path, f"provenance field '{key}' is missing")
        value = prov[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise DataFileError(path, f"provenance field '{key}' must be a {kind.__name__}, got {value!r}")
    if prov["scale"] not in SCALES:
        raise DataFileError(path, f"provenance field 'scale' must be one of {', '.join(SCALES)}, got {prov['scale']!r}")
    if prov["seed"] < 0:
        raise DataFileError(path, f"provenance field 'seed' must be >= 0, got {prov['seed']!r}")
    if recipe is not None and prov["recipe"] != recipe:
        raise DataFileError(path, f"provenance field 'recipe' is {prov['recipe']!r}, expected {recipe!r}")
    lengths = set()
    for name, values in cols.items():
        if not isinstance(values, list):
            raise DataFileError(path, f"column '{name}' must be a list, got {type(values).__name__}")
        bad = next((v for v in values if not (v is None or isinstance(v, (int, float, str)))), _OK)
        if bad is not _OK:
            raise DataFileError(path, f"column '{name}' holds {bad!r}, not a number, string or null")
        lengths.add(len(values))
    if len(lengths) > 1:
        raise DataFileError(path, f"columns have different lengths {sorted(lengths)}")
    if columns is not None:
        missing = [c for c in columns if c not in cols]
        if missing:
            raise DataFileError(
                path,
                f"column '{missing[0]}' is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            )


_OK = object()


def load_table(path, recipe: str | None = None, columns=None) -> tuple[pd.DataFrame, dict]:
    """Read a data file written by :func:`save_table` and check its schema.

    Checks that the file is readable UTF-8 JSON with a ``provenance`` object
    holding every field of ``PROVENANCE_FIELDS`` with the right type (``scale``
    a known scale, ``seed`` ≥ 0) and a ``columns`` object of equal-length lists
    of numbers, strings or nulls; with ``recipe``, that the file was made by
    that recipe; with ``columns``, that those columns are present. Raises
    ``FileNotFoundError`` for a missing file and :class:`DataFileError` (a
    ``ValueError`` naming the file and the field) for anything else.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"data file not found: {path} (create it with `python -m collapse_lib reproduce <figure>`)"
        )
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"is not a valid collapse_lib data file: not JSON ({exc})") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    _check_schema(path, doc, recipe, columns)
    table = pd.DataFrame(doc["columns"])
    return table.fillna(np.nan), doc["provenance"]
