"""The "the paper | this book" table of each figure: the paper's side from :mod:`collapse_lib.paper`,
the book's side built by the recipe's ``book_column(config)`` from the configuration it ran with."""

from __future__ import annotations

import pandas as pd

from .. import paper
from .registry import get

#: The rows every recipe's ``book_column`` must fill: the paper's aspects plus what differs and why.
BOOK_KEYS = tuple(key for key, _ in paper.ASPECTS) + ("differs",)


def book_column(name: str, config: dict) -> dict:
    """The book's side of figure ``name`` for ``config``, checked to have every row of :data:`BOOK_KEYS`."""
    if not isinstance(config, dict) or "scale" not in config:
        raise TypeError(f"config must be a recipe configuration (a dict with a 'scale'), got {config!r}")
    col = get(name).book_column(config)
    missing = [k for k in BOOK_KEYS if not col.get(k)]
    if missing:
        raise ValueError(f"{name}.book_column leaves rows empty: {', '.join(missing)}")
    return col


def paper_vs_book(name: str, config: dict | None = None) -> pd.DataFrame:
    """Figure ``name`` side by side: what the paper states and what this book runs.

    Parameters
    ----------
    name : str
        A figure recipe (``"fig1"`` … ``"fig10"``).
    config : dict, optional
        The configuration the book's figure was made with (``table.attrs["config"]``
        of :func:`collapse_lib.figures.load_or_compute`); default: the recipe's
        ``config()`` at the current scale.

    Returns
    -------
    pandas.DataFrame
        Columns ``aspect``, ``the paper``, ``this book``; one row per aspect of
        :data:`collapse_lib.paper.ASPECTS` and a last row "what differs and why" (the
        paper's cell names where its facts come from).
    """
    recipe = get(name)
    fig = paper.figure(name)
    cfg = recipe.config() if config is None else config
    ours = book_column(name, cfg)
    rows = [(label, getattr(fig, key), ours[key]) for key, label in paper.ASPECTS]
    rows.append(("what differs and why", f"source: {fig.source}", ours["differs"]))
    return pd.DataFrame(rows, columns=["aspect", "the paper", "this book"])


def paper_vs_book_markdown(name: str, config: dict | None = None) -> str:
    """:func:`paper_vs_book` as a Markdown table with a one-line heading and the "not stated" footnote."""
    from ..chapter import md_table

    cfg = get(name).config() if config is None else config
    table = paper_vs_book(name, cfg)
    esc = lambda s: str(s).replace("|", "/")  # noqa: E731  (a "|" would split a Markdown cell)
    head = f"**{paper.figure(name).figure}: the paper | this book** (scale `{cfg['scale']}`)"
    body = md_table(
        ["", "the paper", "this book"], [[esc(c) for c in r] for r in table.itertuples(index=False)], align="lll"
    )
    return f"{head}\n\n{body}\n\n<small>{paper.NOT_STATED_NOTE}</small>"


def show_paper_vs_book(name: str, config: dict | None = None) -> None:
    """Chapter helper: display :func:`paper_vs_book_markdown` (needs IPython)."""
    from ..chapter import show_markdown

    show_markdown(paper_vs_book_markdown(name, config))


__all__ = ["BOOK_KEYS", "book_column", "paper_vs_book", "paper_vs_book_markdown", "show_paper_vs_book"]
