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

from . import __version__
from .fileio import atomic_write

ENV_VAR = "COLLAPSE_DATA_DIR"


def data_dir() -> Path:
    """Where data files live: ``$COLLAPSE_DATA_DIR`` or ``<repository>/book/_data``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "book" / "_data"


def provenance(recipe: str, config: dict, scale: str, seed: int, device, dtype: str = "float64",
               elapsed_s: float | None = None) -> dict:
    """The provenance block stored with every data file."""
    dev = str(device)
    name = torch.cuda.get_device_name(torch.device(dev)) if dev.startswith("cuda") else platform.processor() or "cpu"
    return {
        "recipe": recipe, "scale": scale, "seed": int(seed), "device": dev, "device_name": name,
        "dtype": dtype, "config": config, "collapse_lib_version": __version__,
        "torch_version": torch.__version__, "python": platform.python_version(),
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


SIGNIFICANT_DIGITS = 8  # data-file floats are stored to 8 significant digits (files stay small)


def _column(values) -> list:
    out = _jsonable(values)
    return [float(f"{v:.{SIGNIFICANT_DIGITS}g}") if isinstance(v, float) else v for v in out]


def save_table(path, table: pd.DataFrame, prov: dict) -> Path:
    """Write ``table`` with its provenance to ``path`` (JSON, floats to 8 significant digits). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # provenance pretty-printed (it is read by people), one compact line per column
    cols = ",\n  ".join(f"{json.dumps(str(c))}: {json.dumps(_column(table[c].tolist()), allow_nan=False)}"
                         for c in table.columns)
    text = (f'{{"provenance": {json.dumps(_jsonable(prov), indent=1, allow_nan=False)},\n'
            f' "columns": {{\n  {cols}\n }}\n}}\n')
    json.loads(text)  # never write a file we could not read back
    return atomic_write(path, text)


def load_table(path) -> tuple[pd.DataFrame, dict]:
    """Read a data file written by :func:`save_table`; clear errors if missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path} (create it with "
                                f"`python -m collapse_lib reproduce <figure>`)")
    try:
        doc = json.loads(path.read_text())
        table = pd.DataFrame(doc["columns"])
        prov = doc["provenance"]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"data file {path} is not a valid collapse_lib data file: {exc}") from None
    return table.fillna(np.nan), prov
