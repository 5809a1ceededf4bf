"""Explorable data computed once and shipped with the library, so that building the book does not pay for it.

An explorable's page holds the library's numbers on a grid of its controls (:mod:`.embed`). For three of them
that grid costs seconds to a minute of theory on a 2-core machine — weighted and iterative mixing for every
(n₁, n₂) of the menus and every c² of the slider (:mod:`.mixing`), Theorem 2 on λ × φ × ψ
(:mod:`.projections`), the four workflows over the generations (:mod:`.workflows`) — and every build of the book
would pay it again. So ``python -m collapse_lib explorables`` computes them once into

    collapse_lib/results/explorables/<name>.npz

and the chapters read them (:func:`load`). A file is used only when it was made from the grid the module asks
for today: it stores the module's *key* (its grid and constants, :func:`key_text`) and :func:`load` compares it;
a module whose grid changed gets its tables computed on the spot (correct, only slower) until the file is
written again. The arrays are stored exactly (``.npz``, float64) with a SHA-256 of their content
(:func:`collapse_lib.cache.checksum`); a damaged or altered file is a ``ValueError`` naming it. The tests
recompute a sample of every stored grid with the library and compare (``tests/explorables/test_explorables_stored.py``), so a change
in the theory cannot leave a stale file behind.
"""

from __future__ import annotations

import importlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._version import __version__
from ..cache import checksum
from ..fileio import atomic_open

#: The explorables whose grids are shipped: name (also its module in :mod:`collapse_lib.explorables`) → the
#: module's function that computes the tables; each module also has ``stored_key()``, the grid it asks for.
COMPUTE = {"mixing": "tables", "projections": "table", "workflows": "table"}

#: Where the files live (shipped as package data).
DIR = Path(__file__).resolve().parents[1] / "results" / "explorables"
_KEY, _META, _SUM = "__key__", "__meta__", "__sha256__"


def source(name: str) -> tuple[dict, object]:
    """``(key, compute)`` of the shipped explorable ``name`` (one of :data:`COMPUTE`), importing its module."""
    module = importlib.import_module(f"{__package__}.{name}")
    return module.stored_key(), getattr(module, COMPUTE[name])


def _plain(value):
    """``value`` with NumPy arrays and scalars and tuples as JSON lists and numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def key_text(key: dict) -> str:
    """The key as stored: JSON with sorted names, numbers written exactly (``repr`` of each float)."""
    if not isinstance(key, dict) or not key:
        raise ValueError(f"key must be a non-empty dict, got {key!r}")
    return json.dumps(_plain(key), sort_keys=True, allow_nan=False)


def path(name: str, folder: Path | None = None) -> Path:
    """The file of explorable ``name`` (lower-case letters and digits) in ``folder`` (default :data:`DIR`)."""
    if not isinstance(name, str) or not name.isalnum() or not name.islower():
        raise ValueError(f"name must be lower-case letters and digits, got {name!r}")
    return (DIR if folder is None else Path(folder)) / f"{name}.npz"


def _flatten(tables: dict) -> dict[str, np.ndarray]:
    """``{column: array}`` or ``{table: {column: array}}`` as ``{"column" or "table.column": array}``."""
    out = {}
    for name, value in tables.items():
        if isinstance(value, dict):
            for col, arr in value.items():
                out[f"{name}.{col}"] = np.asarray(arr)
        else:
            out[name] = np.asarray(value)
    return out


def _unflatten(arrays: dict) -> dict:
    out: dict = {}
    for name, arr in arrays.items():
        if "." in name:
            table, col = name.split(".", 1)
            out.setdefault(table, {})[col] = arr
        else:
            out[name] = arr
    return out


def read(file: Path) -> tuple[str, dict]:
    """``(key text, tables)`` of a stored file; ``ValueError`` naming the file if it is damaged or altered."""
    try:
        with np.load(file, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 - numpy and zipfile raise many types for a damaged file
        raise ValueError(
            f"explorable data file {file} cannot be read ({type(exc).__name__}: {exc}); "
            "write it again with `python -m collapse_lib explorables --force`"
        ) from None
    missing = [k for k in (_KEY, _META, _SUM) if k not in arrays]
    if missing:
        raise ValueError(f"explorable data file {file} lacks {', '.join(missing)}: not written by this library")
    key, stored_sum = str(arrays.pop(_KEY)), str(arrays.pop(_SUM))
    arrays.pop(_META)
    if checksum(dict(arrays, **{_KEY: np.asarray(key)})) != stored_sum:
        raise ValueError(
            f"explorable data file {file} does not match its checksum (altered after it was written); "
            "write it again with `python -m collapse_lib explorables --force`"
        )
    return key, _unflatten(arrays)


def load(name: str, key: dict, compute, folder: Path | None = None) -> dict:
    """The tables of explorable ``name``: from its stored file when that file was made from ``key``, else
    ``compute()`` (the module's own function, same result; the file is then out of date or missing).

    Parameters
    ----------
    name : str
        The explorable (its module's name: ``"mixing"``, ``"projections"``, ``"workflows"``).
    key : dict
        Everything the tables depend on besides the library's theory: the grids and constants.
    compute : callable
        Returns the tables (``{column: array}`` or ``{table: {column: array}}``).
    folder : path, optional
        Where the file is (default :data:`DIR`).
    """
    file = path(name, folder)
    if file.is_file():
        stored_key, tables = read(file)
        if stored_key == key_text(key):
            return tables
    return compute()


def shipped(name: str, folder: Path | None = None) -> dict:
    """The tables of the shipped explorable ``name`` (one of :data:`COMPUTE`): :func:`load` with its module's
    key and compute."""
    return load(name, *source(name), folder=folder)


def status(name: str, key: dict, folder: Path | None = None) -> str:
    """``"current"``, ``"missing"``, ``"out of date"`` (made from another key) or ``"unreadable: <why>"``."""
    file = path(name, folder)
    if not file.exists():
        return "missing"
    try:
        stored_key, _ = read(file)
    except ValueError as exc:
        return f"unreadable: {exc}"
    return "current" if stored_key == key_text(key) else "out of date"


def write(name: str, key: dict, compute, folder: Path | None = None) -> Path:
    """Compute the tables and write them with ``key`` to :func:`path` atomically; returns the path."""
    file = path(name, folder)
    text = key_text(key)
    t0 = time.perf_counter()
    arrays = _flatten(compute())
    meta = dict(
        collapse_lib_version=__version__,
        date_utc=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        elapsed_s=round(time.perf_counter() - t0, 2),
    )
    for k, a in arrays.items():
        if a.dtype.kind not in "biuf" or (a.dtype.kind == "f" and not np.all(np.isfinite(a))):
            raise ValueError(f"explorable {name}: column {k!r} must be finite numbers, got dtype {a.dtype}")
    total = checksum(dict(arrays, **{_KEY: np.asarray(text)}))
    file.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(file, "wb") as fh:
        np.savez_compressed(
            fh, **arrays, **{_KEY: np.asarray(text), _META: np.asarray(json.dumps(meta)), _SUM: np.asarray(total)}
        )
    file.chmod(0o644)
    return file


__all__ = ["COMPUTE", "DIR", "key_text", "load", "path", "read", "shipped", "source", "status", "write"]
