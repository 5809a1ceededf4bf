"""Small result files with provenance, written by ``reproduce`` and read by chapters.

A data file is one JSON document ``{"provenance": {...}, "columns": {...}}``:
the provenance records the recipe, its configuration, scale, seed, device,
dtype, library and torch versions, and the date; the columns hold a tidy table.

The provenance also holds ``sha256``, the :func:`checksum` of the file's content
(its columns and the rest of its provenance), written by :func:`save_table` and
checked by :func:`load_table`: a file whose numbers or provenance were changed
after it was written, or that has no checksum, is refused by name, like a file
that is not JSON. :func:`load_table` also checks each column against a schema
(name → kind: ``"number"``, ``"number or null"``, ``"text"``, ``"bool"``;
numbers finite), so a column of strings or of nulls where numbers belong is
refused even in a file whose checksum matches.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd

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
    import torch  # here, not at the top: reading a data file (what a chapter does) needs no torch

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


def _render(prov: dict, columns: dict) -> str:
    """The text of a data file: provenance pretty-printed (it is read by people), one compact line per column."""
    cols = ",\n  ".join(f"{json.dumps(str(c))}: {json.dumps(v, allow_nan=False)}" for c, v in columns.items())
    return f'{{"provenance": {json.dumps(prov, indent=1, allow_nan=False)},\n "columns": {{\n  {cols}\n }}\n}}\n'


#: The provenance field that holds a data file's :func:`checksum`.
CHECKSUM_FIELD = "sha256"


def checksum(prov: dict, columns: dict) -> str:
    """SHA-256 (hex) of a data file's content: its columns and its provenance other than ``sha256``.

    ``prov`` and ``columns`` are the file's JSON values as read back (numbers,
    strings, nulls, booleans). They are serialised canonically (keys sorted,
    no spaces, ASCII, floats in Python's shortest round-trip form) and hashed,
    so the digest depends on every value and name in the file but not on its
    layout or column order. A changed number, a nulled or retyped column, or an
    edited provenance field (scale, seed, date, configuration) changes it.
    """
    return content_sha256({"columns": columns, "provenance": {k: v for k, v in prov.items() if k != CHECKSUM_FIELD}})


def content_sha256(value) -> str:
    """SHA-256 (hex) of a JSON value serialised canonically (keys sorted, no spaces, ASCII, shortest floats)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _write(path: Path, prov: dict, columns: dict, schema=None) -> Path:
    """Write a data file with its checksum, after checking that what is written reads back valid."""
    plain = json.loads(json.dumps({"provenance": prov, "columns": columns}, allow_nan=False))
    plain["provenance"].pop(CHECKSUM_FIELD, None)
    plain["provenance"][CHECKSUM_FIELD] = checksum(plain["provenance"], plain["columns"])
    text = _render(plain["provenance"], plain["columns"])
    try:
        _check_schema(path, json.loads(text), None, schema)  # never write a file we could not read back
    except DataFileError as exc:
        raise DataFileError(path, f"not written: {exc.problem}") from None
    return atomic_write(path, text)


def save_table(path, table: pd.DataFrame, prov: dict, schema=None) -> Path:
    """Write ``table`` with its provenance to ``path``; returns the path.

    JSON, floats to 8 significant digits, missing values as null; the
    provenance gains ``sha256``, the :func:`checksum` of what is written.
    With ``schema`` (column name → kind, see :func:`load_table`), a table that
    does not fit it is not written: :class:`DataFileError` names the column
    and the old file, if any, is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = {str(c): _column(table[c].tolist()) for c in table.columns}
    return _write(path, _jsonable(dict(prov)), columns, schema)


class DataFileError(ValueError):
    """A data file that cannot be used: unreadable, not JSON, or not the schema of :func:`save_table`.

    The message names the file and, where there is one, the offending field.
    """

    def __init__(self, path, problem: str):
        self.path = Path(path)
        self.problem = problem
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


#: Kinds of column a schema may name (see :func:`load_table`).
KINDS = ("number", "number or null", "text", "bool")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_ACCEPTS = {
    "number": (_is_number, "a finite number"),
    "number or null": (lambda v: v is None or _is_number(v), "a finite number or null"),
    "text": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
}


#: The exact types of the values JSON gives a column, and those each kind accepts without looking at each value
#: (a value of another type, such as a NumPy scalar in a document built in memory, is checked one by one).
_JSON_TYPES = {int, float, str, bool, type(None)}
_KIND_TYPES = {"number": {int, float}, "number or null": {int, float, type(None)}, "text": {str}, "bool": {bool}}


def _all_finite(values) -> bool:
    """Whether every float of ``values`` (a list of JSON values) is finite."""
    return all(map(math.isfinite, (v for v in values if type(v) is float)))


def _schema(columns) -> dict:
    """``columns`` as name → kind (None: any kind); a sequence of names checks presence only."""
    if columns is None:
        return {}
    if not isinstance(columns, dict):
        return dict.fromkeys(columns)
    bad = {c: k for c, k in columns.items() if k not in KINDS}
    if bad:
        name, kind = next(iter(bad.items()))
        raise ValueError(f"columns: the kind of column {name!r} must be one of {', '.join(KINDS)}, got {kind!r}")
    return columns


def _check_schema(path, doc, recipe, columns, verify: bool = True) -> None:
    from .scale import SCALES

    columns = _schema(columns)
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
    types = {}  # column → the exact types of its values, for the kind checks below
    for name, values in cols.items():
        if not isinstance(values, list):
            raise DataFileError(path, f"column '{name}' must be a list, got {type(values).__name__}")
        types[name] = set(map(type, values))
        # the loops below name the first bad row; they run only where the column's types or values call for it
        if not types[name] <= _JSON_TYPES or (float in types[name] and not _all_finite(values)):
            for i, v in enumerate(values):
                if not (v is None or isinstance(v, (int, float, str))):
                    raise DataFileError(path, f"column '{name}' holds {v!r} (row {i}), not a number, string or null")
                if isinstance(v, float) and not math.isfinite(v):
                    raise DataFileError(path, f"column '{name}' holds {v!r} (row {i}), not a finite number")
        lengths.add(len(values))
    if len(lengths) > 1:
        raise DataFileError(path, f"columns have different lengths {sorted(lengths)}")
    missing = [c for c in columns if c not in cols]
    if missing:
        raise DataFileError(
            path,
            f"column '{missing[0]}' is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
        )
    for name, kind in columns.items():
        if kind is None:
            continue
        accepts, what = _ACCEPTS[kind]
        if types[name] <= _KIND_TYPES[kind]:
            continue
        for i, v in enumerate(cols[name]):
            if not accepts(v):
                raise DataFileError(path, f"column '{name}' holds {v!r} (row {i}), expected {what}")
    if verify:
        _check_checksum(path, prov, cols)


def _check_checksum(path, prov, cols) -> None:
    stored = prov.get(CHECKSUM_FIELD)
    if stored is None:
        raise DataFileError(
            path, f"has no checksum (provenance field '{CHECKSUM_FIELD}'), so its numbers cannot be verified"
        )
    if not (isinstance(stored, str) and len(stored) == 64 and all(ch in "0123456789abcdef" for ch in stored)):
        raise DataFileError(path, f"provenance field '{CHECKSUM_FIELD}' must be a SHA-256 hex digest, got {stored!r}")
    if stored != checksum(prov, cols):
        raise DataFileError(
            path,
            f"does not match its checksum (provenance field '{CHECKSUM_FIELD}'): "
            "its numbers or provenance were changed after it was written",
        )


def _read(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(
            f"data file not found: {path} (create it with `python -m collapse_lib reproduce <figure>`)"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"is not a valid collapse_lib data file: not JSON ({exc})") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def load_table(path, recipe: str | None = None, columns=None) -> tuple[pd.DataFrame, dict]:
    """Read a data file written by :func:`save_table` and check its schema and checksum.

    Checks that the file is readable UTF-8 JSON with a ``provenance`` object
    holding every field of ``PROVENANCE_FIELDS`` with the right type (``scale``
    a known scale, ``seed`` ≥ 0) and a ``columns`` object of equal-length lists
    of finite numbers, strings, booleans or nulls; with ``recipe``, that the
    file was made by that recipe; with ``columns``, that those columns are
    present and, when ``columns`` maps each name to a kind (:data:`KINDS`:
    ``"number"`` finite, ``"number or null"`` finite or null, ``"text"``,
    ``"bool"``), that every value is of that kind (a sequence of names checks
    presence only); last, that the provenance's ``sha256`` is
    the :func:`checksum` of the file's content. Raises ``FileNotFoundError``
    for a missing file and :class:`DataFileError` (a ``ValueError`` naming the
    file and the field, column or checksum) for anything else. Nulls are NaN in
    the returned table.
    """
    return table_of(read_document(path, recipe, columns))


def read_document(path, recipe: str | None = None, columns=None, verify: bool = True) -> dict:
    """The JSON document of a data file, after the checks of :func:`load_table` (same arguments and errors).

    ``verify=False`` leaves out the checksum (for a caller that checks more of
    the columns first, then calls :func:`verify_checksum`).
    """
    path = Path(path)
    doc = _read(path)
    _check_schema(path, doc, recipe, columns, verify=verify)
    return doc


def verify_checksum(path, doc: dict) -> None:
    """Check that ``doc``'s ``sha256`` is the :func:`checksum` of its content (DataFileError naming ``path``)."""
    _check_checksum(Path(path), doc["provenance"], doc["columns"])


def check_columns(path, doc: dict, columns) -> None:
    """Check the columns of ``doc`` (from :func:`read_document`) against ``columns`` (as in :func:`load_table`).

    Raises :class:`DataFileError` naming ``path`` and the first missing column or
    value of the wrong kind.
    """
    _check_schema(path, doc, None, columns, verify=False)


def table_of(doc: dict) -> tuple[pd.DataFrame, dict]:
    """``(table, provenance)`` of a checked document: its columns as a DataFrame, nulls as NaN."""
    return pd.DataFrame(doc["columns"]).fillna(np.nan), doc["provenance"]


def stamp(path, recipe: str | None = None, columns=None) -> str:
    """Give a data file that has no checksum its :func:`checksum`; returns ``"stamped"`` or ``"already"``.

    For files written before data files carried checksums, and only for files
    whose content is known to be what its recipe wrote: the stamp vouches for
    the numbers as they are. The file must pass every check of
    :func:`load_table` (with ``recipe`` and ``columns``) but the checksum; it is
    rewritten atomically with the same provenance and columns plus ``sha256``.
    A file whose checksum already matches is left as it is (``"already"``); a
    file whose checksum does not match is refused (:class:`DataFileError`): a
    stamp never covers numbers changed after they were written.
    """
    path = Path(path)
    doc = _read(path)
    _check_schema(path, doc, recipe, columns, verify=False)
    if CHECKSUM_FIELD in doc["provenance"]:
        _check_checksum(path, doc["provenance"], doc["columns"])
        return "already"
    _write(path, doc["provenance"], doc["columns"], columns)
    return "stamped"
