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
directory to force a recomputation.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from . import __version__
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
            self.path = Path(root) if root is not None else default_cache_dir() / "cells"
            self.path = self.path / f"{name}-{digest}"
            self.path.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path / "key.json", text)

    def _file(self, cell) -> Path:
        parts = cell if isinstance(cell, tuple) else (cell,)
        return self.path / ("_".join(str(p) for p in parts) + ".npz")

    def get(self, cell) -> dict | None:
        """The saved arrays of ``cell``, or None if it has not finished (or the store is disabled)."""
        if not self.enabled:
            return None
        f = self._file(cell)
        if not f.exists():
            return None
        with np.load(f, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    def put(self, cell, value: dict) -> None:
        """Save ``value`` (name → array-like) for ``cell`` atomically (a killed write leaves no partial file)."""
        if not self.enabled:
            return
        with atomic_open(self._file(cell), "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in value.items()})

    def __call__(self, cell, compute) -> dict:
        """The saved value of ``cell``, or ``compute()`` (a dict of arrays), saved before it is returned."""
        value = self.get(cell)
        if value is not None:
            return value
        value = {k: np.asarray(v) for k, v in compute().items()}
        self.put(cell, value)
        return value
