"""What is known of the paper's own text, as data: the "the paper" column of the book's tables.

Dohmatob, Feng, Subramonian, Kempe, *Strong Model Collapse*, ICLR 2025 (arXiv:2410.04840).
The facts here come from its abstracts (arXiv v2 and ICLR 2025), its Figure 1 caption and
a section-by-section summary checked against the arXiv v2 PDF (and, for Figure 6 only, a press
summary); figure numbers follow the arXiv v1 order. Whatever is not recorded here (most figure parameters, the exact form of
Theorem 2, the proofs) is not known to this book and is written :data:`NOT_STATED`: the
book's own choices are never presented as the paper's. This module is the one place
where these facts are kept; :func:`collapse_lib.figures.compare.paper_vs_book` puts them
next to the recipes' configurations.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

#: What a table cell says when the paper's text known to us does not give the value.
NOT_STATED = "not stated"
#: The footnote that explains :data:`NOT_STATED` wherever it is shown.
NOT_STATED_NOTE = (
    f"*{NOT_STATED}*: not in the paper's text known to us (its abstracts, its Figure 1 caption and a "
    "section-by-section summary of the arXiv v2 PDF); figure numbers follow arXiv v1."
)

#: The start of a "what it shows" cell that the paper's known text does not give: the book's reading of the
#: figure from the result it illustrates, never quoted as the paper's.
INFERRED = "inferred by this book"
#: The start of the "source" cell of a figure whose content the known text does not describe.
_UNKNOWN_PLOT = "what the figure plots is not in the known text"

#: The abstract's wording of how little synthetic data suffices, by version.
ABSTRACT_FRACTION = MappingProxyType(
    {
        "arXiv v2": "as little as 1% of the total training dataset",
        "ICLR 2025": "as little as 1 per 1000",
    }
)


@dataclass(frozen=True)
class PaperFigure:
    """One figure of the paper as far as its text is known: where it is, what it shows, and its setup.

    Every field is the paper's (``source`` says where it comes from), :data:`NOT_STATED`, or, for a figure
    the known text does not describe, a ``shows`` cell that starts with :data:`INFERRED`.
    """

    figure: str  # the paper's figure number (arXiv v1 order)
    source: str  # where in the paper the facts below come from
    shows: str  # what the figure plots and its message
    sizes: str  # sample sizes, dimensions, widths, token counts
    runs: str  # repetitions behind each point
    models: str  # the learners
    data: str  # the data and the synthetic source


#: Runs averaged in the experiment curves of the paper's Figure 5.
FIG5_RUNS = 5

#: The rows of a comparison table, in order (field name, row label).
ASPECTS = (("shows", "what it shows"), ("sizes", "sizes"), ("runs", "runs"), ("models", "models"), ("data", "data"))

_S = NOT_STATED
FIGURES = MappingProxyType(
    {
        "fig1": PaperFigure(
            "Figure 1",
            "Figure 1 caption",
            "Pareto diagram: test error when training on the real/synthetic mix (y) against training on real data "
            "only (x), one point per model size. Message: for high-quality synthetic data bigger models are best; "
            "for low quality the best trade-off is at an intermediate size",
            f"total sample size fixed at n = 500; d, λ, σ², the model sizes and p₂: {_S}",
            _S,
            "random-projections model (the paper's Eq. 5)",
            "squares, diamonds, triangles, stars = very high, high, low, very low quality synthetic data "
            "(press coverage of the caption: c² = 0, 0.1, 0.5, 1)",
        ),
        "fig2": PaperFigure(
            "Figure 2",
            f"{_UNKNOWN_PLOT} (Theorem 1 / Corollary 1)",
            f"{INFERRED} from Theorem 1 / Corollary 1: test error against n for several p₂, p₂ = 0 following the "
            "scaling law and any p₂ > 0 flattening",
            _S,
            _S,
            _S,
            _S,
        ),
        "fig3": PaperFigure(
            "Figure 3",
            f"{_UNKNOWN_PLOT} (Theorem 1)",
            f"{INFERRED} from Theorem 1: the floor persists beyond the isotropic case (e.g. a power-law spectrum or "
            "other c²)",
            _S,
            _S,
            _S,
            _S,
        ),
        "fig4": PaperFigure(
            "Figure 4",
            f"{_UNKNOWN_PLOT} (Theorem 2)",
            f"{INFERRED} from Theorem 2: random-projections test error against the model size for several p₂ and "
            "c², collapse amplified up to the interpolation threshold and partly mitigated beyond it",
            _S,
            _S,
            _S,
            _S,
        ),
        "fig5": PaperFigure(
            "Figure 5",
            "Figure 5",
            "theory against experiment for the random-projections model, test error against the width m; "
            "experiment solid, theory dashed",
            _S,
            f"{FIG5_RUNS} (experiment = mean of {FIG5_RUNS} runs)",
            "random-projections model",
            f"Gaussian data model; spectrum, c², p₂: {_S}",
        ),
        "fig6": PaperFigure(
            "Figure 6",
            f"a press summary of the paper; {_UNKNOWN_PLOT}",
            "two-layer networks trained end to end: wider networks collapse more",
            _S,
            _S,
            "two-layer neural networks, fully trained",
            _S,
        ),
        "fig7": PaperFigure(
            "Figure 7",
            "§4.1, Figure 7",
            "MNIST: test error against n for several p₂; scaling slows and plateaus as p₂ grows",
            "random features of width 100,000; two-layer network of width 2,000; n and p₂ values: " + _S,
            _S,
            "random-features model (left), two-layer network trained end to end (right)",
            "MNIST, real labels mixed with synthetic labels from a weaker model",
        ),
        "fig8": PaperFigure(
            "Figure 8",
            "§4.2, Appendix A.3, Figure 8",
            "language models: real test loss against training amount for several synthetic fractions (even moderate "
            "amounts delay the scaling law; a plateau is expected, not shown); model size: at p₂ = 1 with a synthetic "
            "set 10× the original, 18-layer (166M) and 24-layer (204M) models have lower loss below about 10¹⁰ tokens, "
            "smaller models beyond 3×10¹⁰",
            "up to beyond 3×10¹⁰ training tokens; context 512",
            _S,
            "GPT-2 learners (embedding 768, 12 heads, learning rate 0.005, dropout 0.05, weight decay 0.1, 2,000 "
            "warm-up iterations), up to 24 layers; generator: GPT-2-small (124M) trained on BabiStories",
            "BabiStories (about 2.2M stories generated by Mixtral-8x7B, a reproduction of TinyStories) mixed with the "
            "generator's stories (temperature 1, top-p 1, filtered for poor quality); p₂ from 0 through 0.001 up to 1; "
            "evaluated on the TinyStories test set",
        ),
        "fig9": PaperFigure(
            "Figure 9",
            f"§5, Corollary 2; {_UNKNOWN_PLOT}",
            "weighted single-step mixing cannot avoid collapse for any fixed weight α ∈ (0, 1] (Corollary 2)",
            _S,
            _S,
            "weighted ridge regression",
            f"Gaussian data model; c², λ, (n₁, n₂): {_S}",
        ),
        "fig10": PaperFigure(
            "Figure 10",
            "§5, Corollary 3, Figure 10",
            "iterative mixing (after Ferbach et al., 2024) over about log(n/d) iterations recovers a scaling law "
            "proportional to the clean error, but does worse than training on the real half alone",
            f"n, d: {_S}",
            _S,
            "ridge regression, retrained each iteration on relabelled synthetic data",
            "p₁ = p₂ = 0.5",
        ),
    }
)


def figure(name: str) -> PaperFigure:
    """The paper's side of figure ``name`` (``"fig1"`` … ``"fig10"``).

    Raises
    ------
    ValueError
        If ``name`` is not a figure of the paper reproduced by the book.
    """
    if not isinstance(name, str) or name not in FIGURES:
        raise ValueError(f"name must be one of {', '.join(FIGURES)}; got {name!r}")
    return FIGURES[name]


__all__ = [
    "ABSTRACT_FRACTION",
    "ASPECTS",
    "FIG5_RUNS",
    "FIGURES",
    "INFERRED",
    "NOT_STATED",
    "NOT_STATED_NOTE",
    "PaperFigure",
    "figure",
]
