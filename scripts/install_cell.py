"""Copy ``book/_install_cell.py`` into the first code cell of every chapter.

Every chapter (a MyST Markdown notebook in ``book/``) starts with the same hidden cell
that installs ``collapse_lib`` where it is missing. The cell has to be *in* each
chapter, not imported or loaded from a file: a chapter's notebook opened outside the
repository (Colab, a downloaded ``.ipynb``, jupytext in JupyterLab) has neither the
library nor ``book/`` next to it. So the text lives once in ``book/_install_cell.py``
(linted and formatted like the rest) and this script writes it into the chapters;
``tests/book/test_launch.py`` checks that each chapter holds exactly that text.

Usage::

    python scripts/install_cell.py          # rewrite the chapters whose cell differs
    python scripts/install_cell.py --check  # exit 1, naming them, if any differs

The first code cell must already be the ``remove-cell`` install cell: a chapter
without one is reported, not edited (where to put it is the author's choice).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
SOURCE = BOOK / "_install_cell.py"

#: The first code cell after the front matter: the fence, its tag line, a blank line, the code.
_FIRST_CELL = re.compile(r"\A(---\n.*?\n---\n+```\{code-cell\}[^\n]*\n:tags: \[remove-cell\]\n\n)(.*?)(\n```\n)", re.S)


def chapters(book: Path = BOOK) -> list[Path]:
    """The MyST Markdown notebooks of ``book`` (a jupytext front matter with ``format_name: myst``)."""
    return sorted(p for p in book.glob("*.md") if "format_name: myst" in p.read_text(encoding="utf-8")[:600])


def with_cell(text: str, code: str, name: str) -> str:
    """``text`` (a chapter) with the code of its first, ``remove-cell`` cell replaced by ``code``."""
    match = _FIRST_CELL.match(text)
    if match is None:
        raise ValueError(f"{name}: the first code cell after the front matter is not a remove-cell install cell")
    return text[: match.start(2)] + code.rstrip("\n") + text[match.end(2) :]


def main(argv=None, book: Path = BOOK) -> int:
    """The command line; ``book`` is the folder of the chapters."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report the chapters whose cell differs")
    args = parser.parse_args(argv)
    code = SOURCE.read_text(encoding="utf-8")
    stale = []
    for path in chapters(book):
        text = path.read_text(encoding="utf-8")
        try:
            new = with_cell(text, code, path.name)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        if new != text:
            stale.append(path.name)
            if not args.check:
                from collapse_lib.fileio import atomic_write

                atomic_write(path, new)
    if args.check and stale:
        print(f"install cell differs from {SOURCE.relative_to(REPO)} in: {', '.join(stale)}", file=sys.stderr)
        return 1
    print(("rewrote: " + ", ".join(stale)) if stale and not args.check else "every chapter holds the install cell")
    return 0


if __name__ == "__main__":
    sys.exit(main())
