"""Real data sets used by the companion, available offline (no download at run time).

* :func:`mnist` — the MNIST digits (60 000 train / 10 000 test), shipped with the
  library as xz-compressed IDX files with SHA-256 checks; also reads a user copy.
"""

from .mnist import FILES, SHA256, SHIPPED_DIR, SIZES, find_file, mnist, one_hot, parse_idx, read_idx

__all__ = ["FILES", "SHA256", "SHIPPED_DIR", "SIZES", "find_file", "mnist", "one_hot", "parse_idx", "read_idx"]
