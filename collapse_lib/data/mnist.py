"""MNIST, offline: the 60 000 / 10 000 handwritten digits of LeCun, Cortes and Burges.

``mnist(split)`` returns ``(images, labels)``: float32 ``(N, 784)`` in [0, 1]
(pixel / 255, rows of the 28 × 28 image) and int64 ``(N,)`` in 0..9, N = 60 000
for ``"train"`` and 10 000 for ``"test"``.

Where the files come from
-------------------------
The four original IDX files ship with this library in ``collapse_lib/data/mnist_idx/``,
each compressed with xz (9.2 MB in all; see the README there for their provenance).
The loader checks the SHA-256 of the *decompressed* bytes against the digests of the
original files (:data:`SHA256`), so a truncated, corrupted or substituted file fails with
a clear error instead of giving wrong numbers. Nothing is downloaded.

A user copy of the standard files can be read instead: pass ``path=`` (or set
``$COLLAPSE_MNIST_DIR``) to a folder holding ``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``
(also accepted: ``.`` instead of the last ``-``, as in ``train-images.idx3-ubyte``,
and a ``.gz`` or ``.xz`` suffix). With ``verify=False`` any IDX files of that layout
(e.g. Fashion-MNIST) are read without the checksum test.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import lzma
import os
from pathlib import Path

import numpy as np

from .. import _validate as V

ENV_VAR = "COLLAPSE_MNIST_DIR"
SHIPPED_DIR = Path(__file__).resolve().parent / "mnist_idx"
SPLITS = ("train", "test")
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SIZES = {"train": 60_000, "test": 10_000}
# SHA-256 of the original, uncompressed IDX files.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# IDX type codes (third byte of the magic number) -> big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_SUFFIXES = ("", ".gz", ".xz")


def _candidates(folder: Path, name: str):
    dotted = name.replace("-idx", ".idx")  # train-images-idx3-ubyte -> train-images.idx3-ubyte
    for base in (name, dotted):
        for suffix in _SUFFIXES:
            yield folder / (base + suffix)


def find_file(name: str, folder) -> Path:
    """The file for standard IDX ``name`` in ``folder`` (any accepted spelling/suffix).

    Raises ``FileNotFoundError`` naming the folder and the spellings tried.
    """
    folder = Path(folder)
    for cand in _candidates(folder, name):
        if cand.is_file():
            return cand
    tried = ", ".join(sorted({c.name for c in _candidates(folder, name)}))
    raise FileNotFoundError(
        f"MNIST file {name!r} not found in {folder} (looked for: {tried}). The library ships the files in "
        f"{SHIPPED_DIR}; pass path= (or set ${ENV_VAR}) to a folder holding the four standard IDX files."
    )


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        if path.suffix == ".xz":
            with lzma.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, lzma.LZMAError) as exc:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"MNIST file {path} is corrupt: it cannot be decompressed ({exc})") from None


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode one IDX file (the MNIST container format) into a numpy array.

    Layout: two zero bytes, a type byte (0x08 = uint8, ... 0x0E = float64), the number of
    dimensions k, then k big-endian uint32 sizes, then the data in C order, big-endian.
    Raises ``ValueError`` naming ``source`` if the header or the length is wrong.
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise ValueError(f"{source} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{source} is truncated: its IDX header announces {ndim} dimensions")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{source} is corrupt: IDX shape {shape} needs {expected:,} bytes, the file has {len(raw):,}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path, expected_sha256: str | None = None) -> np.ndarray:
    """Read an IDX file (plain, ``.gz`` or ``.xz``); check its SHA-256 (of the decompressed bytes) if given."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = _read_bytes(path)
    if expected_sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != expected_sha256:
            raise ValueError(
                f"MNIST file {path} is corrupt or not the original MNIST: SHA-256 of its contents is {digest}, "
                f"expected {expected_sha256}. Restore the file (e.g. `git checkout` the shipped copy) or, for "
                "other IDX data, call mnist(..., verify=False)."
            )
    return parse_idx(raw, str(path))


@functools.lru_cache(maxsize=4)
def _load_uint8(images_path: str, labels_path: str, stamp: tuple, verify: bool, split: str):
    img_name, lab_name = FILES[split]
    images = read_idx(images_path, SHA256[img_name] if verify else None)
    labels = read_idx(labels_path, SHA256[lab_name] if verify else None)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path}: expected uint8 images of shape (N, rows, cols), got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(f"{labels_path}: expected {images.shape[0]} labels (one per image), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{labels_path}: labels must lie in 0..9, found {labels.min()}..{labels.max()}")
    if verify and images.shape[0] != SIZES[split]:  # cannot happen with a matching checksum; belt and braces
        raise ValueError(f"{images_path}: expected {SIZES[split]} images, got {images.shape[0]}")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def mnist(split: str, path=None, verify: bool = True):
    """MNIST ``split`` (``"train"``: 60 000 images, ``"test"``: 10 000) as ``(images, labels)``.

    ``images``: float32 ``(N, 784)``, pixel intensities / 255 in [0, 1], each row one
    28 × 28 image in row-major order. ``labels``: int64 ``(N,)`` in 0..9.

    ``path``: a folder with the four standard IDX files (default ``$COLLAPSE_MNIST_DIR``,
    else the copy shipped with the library). ``verify``: check the SHA-256 of each file
    against the original MNIST (set ``False`` to read other data in the same format).
    Errors: ``ValueError`` for an unknown split or a corrupt file, ``FileNotFoundError``
    (naming the folder and file) for a missing one. Decoded files are cached in memory;
    each call returns fresh arrays.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if path is None:
        path = os.environ.get(ENV_VAR) or SHIPPED_DIR
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"path={str(path)!r} is not a folder (it should hold the four MNIST IDX files)")
    img_name, lab_name = FILES[split]
    img_path, lab_path = find_file(img_name, folder), find_file(lab_name, folder)
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in (img_path, lab_path))
    images, labels = _load_uint8(str(img_path), str(lab_path), stamp, V.flag("verify", verify), split)
    x = images.reshape(images.shape[0], -1).astype(np.float32)
    x /= np.float32(255.0)
    return x, labels.astype(np.int64)


def one_hot(labels, num_classes: int = 10) -> np.ndarray:
    """float32 one-hot encoding ``(N, num_classes)`` of integer labels."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, found {labels.min()}..{labels.max()}")
    out = np.zeros((labels.size, num_classes), dtype=np.float32)
    out[np.arange(labels.size), labels.reshape(-1)] = 1.0
    return out
