"""Atomic file writes: the one way the project writes a file.

Every file collapse_lib writes (figure data, cache cells, checkpoints, benchmark
outputs) goes through :func:`atomic_write`: the content is written to a
temporary file in the destination's folder, flushed and fsync'ed, then renamed
over the destination (``os.replace``, atomic on POSIX). A write that fails for
any reason (disk full, a file-size limit, an exception in the writer, a kill)
leaves the previous file exactly as it was and no temporary file behind
(except after a hard kill, when a ``.<name>.*.tmp`` file may remain; it is never
read).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", encoding: str | None = None):
    """Open a temporary file next to ``path`` for writing; on success it replaces ``path``.

    Use as ``with atomic_open(p, "w") as fh: fh.write(...)``. If the body raises,
    the temporary file is removed and ``path`` is untouched.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write(path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` (text or bytes) to ``path`` atomically; returns the path."""
    if isinstance(data, str):
        with atomic_open(path, "w", encoding=encoding) as fh:
            fh.write(data)
    elif isinstance(data, (bytes, bytearray, memoryview)):
        with atomic_open(path, "wb") as fh:
            fh.write(data)
    else:
        raise TypeError(f"data must be str or bytes, got {type(data).__name__}")
    return Path(path)


def writable_dir(name: str, path) -> Path:
    """Create folder ``path`` if needed and check that files can be written there; returns it.

    Raises ``ValueError`` naming the argument ``name`` (e.g. ``--out-dir``) if the
    path is a file, cannot be created, or is not writable — checked before a long
    run starts rather than after it. A temporary file is created and removed.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{name}: cannot write to {path} ({exc.strerror or exc})") from None
    return path
