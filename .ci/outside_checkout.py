"""Run chapters where a reader outside the repository would: an installed wheel, another folder.

    python outside_checkout.py WORK CHAPTER.md:fig2,fig3 [CHAPTER.md:fig8 ...]

Run it with the Python of a scratch environment that has the collapse_lib wheel
installed (``.ci/run`` makes one), from a folder outside the checkout, with
PYTHONPATH unset (or of one without the library and ``$COLLAPSE_LIB_SOURCE`` set: the
chapter's first cell then installs it, as on Colab). For each chapter it

1. converts the MyST Markdown chapter to ``WORK/<name>.ipynb`` (jupytext), so the
   notebook's folder holds nothing of the repository;
2. executes it with nbclient in ``WORK`` (the kernel is this environment's Python),
   with one cell appended that prints where ``collapse_lib`` was imported from;
3. checks that the library came from this environment (not the checkout), that the
   chapter shows each listed data file ("Loaded figN.json") and computed no figure
   ("Computed now" nowhere), and writes the executed notebook next to it.

Prints one line per chapter with its run time; exits 1 on the first failed check
(one line on stderr), 2 on bad arguments.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

MARK = "collapse_lib imported from: "


def _texts(nb) -> str:
    """All text a reader sees in the outputs: streams, plain text, Markdown, HTML."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", ""))
            data = o.get("data", {})
            out += [data.get(k, "") for k in ("text/plain", "text/markdown", "text/html")]
    return "\n".join(t if isinstance(t, str) else "".join(t) for t in out)


def run_chapter(chapter: Path, expected: list[str], work: Path) -> float:
    """Execute ``chapter`` in ``work``; return its run time in seconds or raise ``AssertionError``."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(chapter)
    nb.cells.append(nbformat.v4.new_code_cell(f"import collapse_lib\nprint({MARK!r} + collapse_lib.__file__)"))
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    elapsed = time.perf_counter() - t0
    importlib.invalidate_caches()  # the chapter's first cell may have just installed the library
    from collapse_lib.fileio import atomic_write

    atomic_write(work / f"{chapter.stem}.ipynb", nbformat.writes(nb))
    text = _texts(nb)
    where = text.split(MARK, 1)[1].split()[0] if MARK in text else "?"
    if not Path(where).resolve().is_relative_to(Path(sys.prefix).resolve()):
        raise AssertionError(f"{chapter.name}: collapse_lib came from {where}, not from {sys.prefix}")
    missing = [name for name in expected if f"Loaded {name}.json" not in text]
    if missing:
        raise AssertionError(f"{chapter.name}: no 'Loaded {missing[0]}.json' in the outputs")
    if "Computed now" in text:
        raise AssertionError(f"{chapter.name}: a figure was computed now instead of loaded from its data file")
    return elapsed


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not all(":" in a for a in argv[1:]):
        print("usage: outside_checkout.py WORK CHAPTER.md:figN[,figM] ...", file=sys.stderr)
        return 2
    work = Path(argv[0]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    for arg in argv[1:]:
        path, names = arg.rsplit(":", 1)
        try:
            elapsed = run_chapter(Path(path).resolve(), [n for n in names.split(",") if n], work)
        except AssertionError as exc:
            print(f"outside the checkout: {exc}", file=sys.stderr)
            return 1
        print(f"{Path(path).name}: ran outside the checkout in {elapsed:.1f} s, showed {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
