"""Resumable sweeps: each finished cell of a long experiment is kept on disk.

A paper-scale figure is a sweep over cells (a width, a (trial, n) pair, …) whose
random numbers depend only on the cell, never on the order cells run in. A
:class:`CellStore` saves every finished cell under

    $COLLAPSE_CACHE_DIR/cells/<name>-<hash of the key>/<cell>.npz
    (default root ~/.cache/collapse_lib; never inside the repository)

so a run that is killed (a time limit on a GPU machine, a pre-empted job) and
started again with the same arguments recomputes only the missing cells, and
gives the same numbers as an uninterrupted run on the same device. The key
holds everything the numbers depend on (configuration, seed, device, dtype,
library version); change any of it and a new directory is used. Delete the
directory to force a recomputation. Each cell stores a SHA-256 checksum of its
arrays; a cell that is damaged or altered is reported by name and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np

from ._version import __version__
from .fileio import atomic_open, atomic_write


def default_cache_dir() -> Path:
    """``$COLLAPSE_CACHE_DIR`` or ``~/.cache/collapse_lib``."""
    root = os.environ.get("COLLAPSE_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "collapse_lib"


def fingerprint(*arrays) -> str:
    """A short SHA-256 of the arrays' shapes, dtypes and bytes (for cache keys of data-dependent results)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


_CHECKSUM = "__sha256__"  # the array name under which a cell stores the checksum of its other arrays


def checksum(arrays: dict) -> str:
    """SHA-256 (hex) of named arrays: names, dtypes, shapes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _folder(path: Path, root: Path) -> Path:
    """Create the cache folder ``path`` under ``root``; a file in the way is a ValueError naming it.

    Checked here so that the error is one line naming the path, not an OSError
    from deep inside a write after the sweep has started.
    """
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                where = f"cache root {root}" + ("" if p == root else f": {p}")
                raise ValueError(
                    f"{where} is a file, not a folder; remove it or choose another cache folder ($COLLAPSE_CACHE_DIR)"
                )
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cache root {root}: cannot create {path} ({exc.strerror or exc})") from None
    return path


def _not_a_folder(path: Path, what: str = "cache cell") -> None:
    if path.exists() and not path.is_file():
        raise ValueError(f"{what} {path} is a folder, not a file; remove it")


def _key_json(key: dict) -> str:
    return json.dumps(dict(key, collapse_lib_version=__version__), sort_keys=True, default=str)


def resume_name(figure: str, resume, scale: str, seed: int) -> str | None:
    """Cell-store name of a figure run: kept by default at paper scale only (``resume`` None), or when True."""
    if resume is None:
        resume = scale == "paper"
    return f"{figure}-{scale}-seed{seed}" if resume else None


class CellStore:
    """Finished cells of one sweep, saved as ``.npz`` files of named numpy arrays.

    ``name`` None gives a disabled store (every cell is computed, nothing is
    written). ``key``: a JSON-serialisable description of everything the
    results depend on, or a function returning it (called only when the store
    is enabled, so an expensive fingerprint costs nothing otherwise). ``root``
    overrides :func:`default_cache_dir`.
    """

    def __init__(self, name: str | None, key=None, root: str | os.PathLike | None = None):
        self.enabled = name is not None
        self.path = None
        if self.enabled:
            if not isinstance(name, str) or not name or "/" in name:
                raise ValueError(f"name must be a non-empty string without '/', got {name!r}")
            text = _key_json((key() if callable(key) else key) or {})
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
            base = Path(root) if root is not None else default_cache_dir() / "cells"
            self.path = _folder(base / f"{name}-{digest}", base)
            _not_a_folder(self.path / "key.json", "cache key file")
            atomic_write(self.path / "key.json", text)

    def _file(self, cell) -> Path:
        parts = cell if isinstance(cell, tuple) else (cell,)
        return self.path / ("_".join(str(p) for p in parts) + ".npz")

    def get(self, cell) -> dict | None:
        """The saved arrays of ``cell``, or None if it has not finished (or the store is disabled).

        A cell that cannot be read (truncated, empty, not an ``.npz``) or whose
        checksum does not match its arrays (altered after it was written) is
        reported by name (a ``RuntimeWarning``) and treated as missing, so the
        caller recomputes it and :meth:`put` replaces it. A folder where the cell's
        file should be is a ``ValueError`` naming it (no write could replace it).
        """
        if not self.enabled:
            return None
        f = self._file(cell)
        if not f.exists():
            return None
        _not_a_folder(f)
        try:
            with np.load(f, allow_pickle=False) as z:
                value = {k: z[k] for k in z.files}
        except Exception as exc:  # noqa: BLE001 - numpy/zipfile raise many types for a damaged file
            return self._bad(f, f"cannot be read: {type(exc).__name__}: {exc}")
        stored = value.pop(_CHECKSUM, None)
        if stored is None:
            return self._bad(f, "has no checksum")
        if str(stored) != checksum(value):
            return self._bad(f, "does not match its checksum (altered after it was written)")
        return value

    @staticmethod
    def _bad(path: Path, reason: str) -> None:
        warnings.warn(f"cache cell {path} {reason}; recomputing it", RuntimeWarning, stacklevel=3)
        return None

    def put(self, cell, value: dict) -> None:
        """Save ``value`` (name → array-like) for ``cell`` atomically, with its :func:`checksum`.

        A killed write leaves no partial file (:func:`collapse_lib.fileio.atomic_open`).
        """
        if not self.enabled:
            return
        arrays = {k: np.asarray(v) for k, v in value.items()}
        if _CHECKSUM in arrays:
            raise ValueError(f"value: the name {_CHECKSUM!r} is reserved")
        _not_a_folder(self._file(cell))
        with atomic_open(self._file(cell), "wb") as fh:
            np.savez(fh, **arrays, **{_CHECKSUM: np.asarray(checksum(arrays))})

    def __call__(self, cell, compute) -> dict:
        """The saved value of ``cell``, or ``compute()`` (a dict of arrays), saved before it is returned."""
        value = self.get(cell)
        if value is not None:
            return value
        value = {k: np.asarray(v) for k, v in compute().items()}
        self.put(cell, value)
        return value
