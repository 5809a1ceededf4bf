"""Torch device and dtype resolution with clear errors."""

from __future__ import annotations

import torch

_DTYPES = {"float64": torch.float64, "float32": torch.float32}


def resolve_device(device) -> torch.device:
    """Return a ``torch.device`` for ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"auto"`` ...

    ``"auto"`` picks CUDA when available, else CPU. Asking for CUDA on a machine
    without it, for a CUDA index the machine does not have, or for ``"cpu:N"``
    with N > 0 raises a ``ValueError`` naming the ``device`` argument
    (``"cpu:0"`` is ``"cpu"``).
    """
    if isinstance(device, torch.device):
        dev = device
    else:
        if not isinstance(device, str):
            raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {device!r}")
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            dev = torch.device(device)
        except RuntimeError:
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {device!r}") from None
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if dev.type == "cpu":
        if dev.index not in (None, 0):  # torch accepts 'cpu:7' and ignores the index: refuse, never record it
            raise ValueError(f"device must be 'cpu' (there is one CPU device), got {device!r}")
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available on this machine")
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise ValueError(
            f"device={device!r} was requested but this machine has {count} CUDA device(s) (cuda:0 … cuda:{count - 1})"
        )
    return dev


def resolve_dtype(dtype) -> torch.dtype:
    if isinstance(dtype, torch.dtype) and dtype in _DTYPES.values():
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
