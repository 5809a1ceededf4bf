"""The collapse calculator: Theorem 1 for a practitioner's numbers, and what the synthetic data are worth.

:func:`estimate` is the calculator in Python (and the reference of the page):
for n samples, a fraction p₂ of them synthetic with quality c², a spectrum
(isotropic or power law s_j ∝ j^(−α), d dimensions, tr Σ = d), ridge penalty λ and
label noise σ² (real and synthetic alike), all errors in units of the signal
r² = E(xᵀw₁*)² = 1, it returns Theorem 1's error and its parts
(:func:`collapse_lib.theory.classical`), and two sizes found by root finding on
Theorem 1:

* ``n_floor``: beyond it the floor p₂² tr ΔΣ³(Σ+λ)⁻² exceeds the clean error
  B + V, i.e. more data of the same mix cannot gain much more;
* ``n_equivalent``: the number of real samples alone whose error equals the
  error of the n mixed samples; ``worth`` = n_equivalent − n₁ is what the n₂
  synthetic samples are worth in real ones (negative: they hurt).

Both are the last crossing (:func:`last_crossing`): a scan of m = 10^(k/8),
k = 0…120, for the last grid point where the clean error is still at least the
target, then bisection in log m to full precision.

Why a JavaScript port on the page. The inputs are free numbers (n = 123,456, any
d ≤ 10,000, any λ ≥ 0), and the two sizes are roots of Theorem 1 in n, so a
precomputed grid could not give the library's numbers. The page therefore runs a
port of :func:`collapse_lib.theory.classical` (κ by the same safeguarded Newton
iteration in log κ, started from the κ of a neighbouring n) and of :func:`estimate`
(``static/calculator.js``); ``tests/explorables/test_calculator_js.py`` runs it in Node.js against
this module at a few hundred random points of :data:`RANGES`, edges included, to
10⁻⁹, and the browser tests check the page. Inputs outside :data:`RANGES` are
refused, here (``ValueError``) and on the page (the field is marked, with the range).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import altair as alt
import numpy as np

from .. import _validate as V
from ..setting import Setting
from ..theory.ridge import classical
from . import parts
from .embed import Explorable, dataset

#: Where the root searches look (n from 1 to 10¹⁵, 8 points a decade).
SEARCH = 10.0 ** (np.arange(121) / 8.0)
BISECTIONS = 60
#: Points a decade of the chart's n axis (:func:`curve_sizes`), twice those of :data:`SEARCH`.
CURVE_PER_DECADE = 16
MAX_D = 10_000
#: The inputs the calculator accepts, (lowest, highest) of each (the page refuses the rest, saying so): n from
#: one sample to the largest size searched; c² and σ² up to 10⁶ (units of r², far past any practical value;
#: Theorem 1 stays finite and exact there); λ up to 10³ (units of the mean eigenvalue: beyond, E is the null
#: predictor's r² at every n and the two sizes are fixed only by rounding); α up to 5 (s_d/s_1 = d⁻⁵).
RANGES = dict(
    n=(1.0, 1e15), p2=(0.0, 1.0), c2=(0.0, 1e6), sigma2=(0.0, 1e6), lam=(0.0, 1e3), d=(1, MAX_D), alpha=(0.0, 5.0)
)
#: Colours of the chart (and of the page's swatches, static/explorables.css): your mix and your n blue, the
#: clean error grey, the floor and where it dominates red, the real-sample equivalent green.
MARK_COLOURS = dict(total="#1f77b4", clean="#6b6b6b", floor="#d62728", equivalent="#2ca02c")
DEFAULTS = dict(n=10_000, p2=0.2, c2=0.1, sigma2=0.25, lam=1e-3, d=100, alpha=0.0)
WIDTH = 600


@dataclass(frozen=True)
class CollapseEstimate:
    """What :func:`estimate` returns (errors in units of r² = 1; sizes in samples).

    total = bias + variance + zeta (Theorem 1); clean = bias + variance, the error
    of n real samples; floor = p₂² tr ΔΣ³(Σ+λ)⁻², the n → ∞ limit of ζ, and
    floor_ridgeless = p₂²c², its λ → 0 value; n_floor, n_equivalent, worth as in
    the module docstring (inf: beyond 10¹⁵ or never; 0: below one sample).
    """

    total: float
    bias: float
    variance: float
    zeta: float
    clean: float
    floor: float
    floor_ridgeless: float
    n_real: float
    n_synthetic: float
    n_floor: float
    n_equivalent: float
    worth: float

    def as_dict(self) -> dict:
        return asdict(self)


def _in_range(name, value):
    lo, hi = RANGES[name]
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be from {lo:,g} to {hi:,g} (the calculator's range), got {value!r}")
    return value


def _inputs(n, p2, c2, sigma2, lam, d, alpha):
    for name, value in (("n", n), ("p2", p2), ("c2", c2), ("sigma2", sigma2), ("lam", lam), ("alpha", alpha)):
        if np.ndim(value) or isinstance(value, bool):
            raise TypeError(f"{name} must be a single number, got {value!r}")
    n = _in_range("n", float(V.positive_sizes("n", n, integer=False)))
    p2 = float(V.fraction("p2", p2))
    d = _in_range("d", V.positive_int("d", d))
    setting = Setting.power_law(
        d,
        _in_range("alpha", V.nonnegative_scalar("alpha", alpha)),
        r2=1.0,
        c2=_in_range("c2", V.nonnegative_scalar("c2", c2)),
        sigma2=_in_range("sigma2", V.nonnegative_scalar("sigma2", sigma2)),
    )
    return setting, n, p2, _in_range("lam", V.nonnegative_scalar("lam", lam))


def last_crossing(f, target: float) -> float:
    """The largest m in [1, 10¹⁵] with f(m) ≥ target just before f falls below it for good on the scan.

    Scans :data:`SEARCH`; returns inf if f ≥ target at its last point, 0 if f <
    target at every point, else bisects in log m between the last point with f ≥
    target and the next one (:data:`BISECTIONS` steps; ``f`` is called on arrays,
    three steps' midpoints at a time).
    """
    above = np.asarray(f(SEARCH), dtype=float) >= target
    if above[-1]:
        return float("inf")
    if not above.any():
        return 0.0
    k = int(np.nonzero(above)[0][-1])
    lo, hi = np.log(SEARCH[k]), np.log(SEARCH[k + 1])
    left = BISECTIONS
    while left:
        # the next steps' possible midpoints, computed as the steps compute them, in one call of f: the steps,
        # and so the result, are those of one bisection step per call, at a third of the calls
        depth = min(3, left)
        points = _midpoints(lo, hi, depth)
        at_or_above = dict(zip(points, np.asarray(f(np.exp(np.array(points))), dtype=float) >= target))
        for _ in range(depth):
            mid = 0.5 * (lo + hi)
            if at_or_above[mid]:
                lo = mid
            else:
                hi = mid
        left -= depth
    return float(np.exp(0.5 * (lo + hi)))


def _midpoints(lo: float, hi: float, depth: int) -> list[float]:
    """Every midpoint ``depth`` bisection steps from [lo, hi] may visit (2^depth − 1 of them)."""
    if depth == 0:
        return []
    mid = 0.5 * (lo + hi)
    return [mid, *_midpoints(lo, mid, depth - 1), *_midpoints(mid, hi, depth - 1)]


def estimate(
    n, p2, c2, sigma2=DEFAULTS["sigma2"], lam=DEFAULTS["lam"], d=DEFAULTS["d"], alpha=DEFAULTS["alpha"]
) -> CollapseEstimate:
    """Theorem 1 at the calculator's inputs, with the floor's onset and the clean-sample equivalent.

    Parameters
    ----------
    n : float
        Training samples in all, 1 ≤ n ≤ 10¹⁵.
    p2 : float
        Synthetic fraction in [0, 1]; n₁ = (1 − p₂)n real, n₂ = p₂n synthetic.
    c2 : float
        Quality c² = tr ΣΔ of the synthetic labels (0 = perfect), in units of r², 0 ≤ c² ≤ 10⁶.
    sigma2 : float
        Label-noise variance σ² of both sources, in units of r², 0 ≤ σ² ≤ 10⁶.
    lam : float
        Ridge penalty λ (0: ridgeless), 0 ≤ λ ≤ 1,000.
    d : int
        Dimension, 1 ≤ d ≤ 10,000.
    alpha : float
        Spectrum exponent α: sⱼ ∝ j^(−α), tr Σ = d (0: isotropic), 0 ≤ α ≤ 5.

    Raises
    ------
    ValueError
        For an input outside :data:`RANGES` (named in the message, with its range).

    Returns
    -------
    CollapseEstimate
        E = B + V + ζ of Theorem 1 (paper, section 3; :func:`collapse_lib.theory.classical`),
        the floor p₂² tr ΔΣ³(Σ+λ)⁻² of its Corollary, and ``n_floor``,
        ``n_equivalent``, ``worth`` (module docstring).
    """
    st, n, p2, lam = _inputs(n, p2, c2, sigma2, lam, d, alpha)
    th = classical(st, n, p2, lam)

    def clean(m):
        return classical(st, m, 0.0, lam).total

    floor = float(th.floor)
    n_floor = last_crossing(clean, floor) if floor > 0 else float("inf")
    n_eq = last_crossing(clean, float(th.total))
    n_real = (1.0 - p2) * n
    return CollapseEstimate(
        total=float(th.total),
        bias=float(th.bias),
        variance=float(th.variance),
        zeta=float(th.zeta),
        clean=float(th.clean),
        floor=floor,
        floor_ridgeless=p2**2 * st.c2,
        n_real=n_real,
        n_synthetic=p2 * n,
        n_floor=n_floor,
        n_equivalent=n_eq,
        worth=n_eq - n_real,
    )


def curve_sizes(n: float, n_floor: float) -> np.ndarray:
    """The n axis of the calculator's chart: m = 10^(k/16) from 1 to the first at or above max(10⁸, 100·n,
    100·n_floor) (capped at 10¹⁵). Every other point is one of :data:`SEARCH`, whose κ the page has solved
    already."""
    top = min(max(1e8, 100.0 * n, 100.0 * n_floor if np.isfinite(n_floor) else 0.0), 1e15)
    k = int(np.ceil(CURVE_PER_DECADE * np.log10(top) - 1e-9))
    return 10.0 ** (np.arange(k + 1) / CURVE_PER_DECADE)


def curve(n, p2, c2, sigma2=DEFAULTS["sigma2"], lam=DEFAULTS["lam"], d=DEFAULTS["d"], alpha=DEFAULTS["alpha"]):
    """Columns n, total, clean, floor of the chart at the inputs (same inputs as :func:`estimate`)."""
    st, n, p2, lam = _inputs(n, p2, c2, sigma2, lam, d, alpha)
    est = estimate(n, p2, c2, sigma2, lam, d, alpha)
    m = curve_sizes(n, est.n_floor)
    th = classical(st, m, p2, lam)
    return dict(n=m, total=th.total, clean=th.clean, floor=np.broadcast_to(th.floor, m.shape))


def explorable() -> Explorable:
    """The calculator: on the site a form and a live chart (static/calculator.js), in JupyterLab the chart at the
    default inputs."""
    cols = curve(**DEFAULTS)
    finite = {k: np.where(np.isfinite(v), v, 1e300) for k, v in cols.items()}
    ref, store = dataset("curve", finite)
    names = {
        "total": "E = B + V + ζ (your mix)",
        "clean": "clean error B + V (all real)",
        "floor": "floor p₂² tr ΔΣ³(Σ+λ)⁻²",
    }
    x = alt.X("n:Q", scale=parts.log_scale(nice=False), axis=parts.axis_log("n (training samples)", 0, 15))
    y = alt.Y("value:Q", scale=parts.log_scale(domainMax=10), axis=parts.axis_log("test error E (units of r²)", -12, 1))
    base = alt.Chart(alt.Data(**ref))
    lines = (
        base.transform_fold(list(names), as_=["curve", "value"])
        .transform_calculate(label=" + ".join(f"(datum.curve == '{k}' ? '{v}' : '')" for k, v in names.items()))
        .transform_filter("datum.value > 0 && datum.value < 1e300")
        .mark_line(clip=True, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "label:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=[MARK_COLOURS[k] for k in names]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.StrokeDash(
                "label:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=[[1, 0], [6, 3], [2, 2]]),
            ),
        )
        .properties(name="curve_lines")
    )
    tip = [
        alt.Tooltip("n:Q", format=",.4~g", title="n"),
        alt.Tooltip("total:Q", format=".4~e", title="E"),
        alt.Tooltip("clean:Q", format=".4~e", title="clean B + V"),
    ]
    hover = parts.hover_rule(base, "n", tip, name="hover_n").encode(x=x)
    ref_m, store_m = dataset("marks", marks(estimate(**DEFAULTS), DEFAULTS["n"]))
    kinds = "['your n', 'n where the floor dominates', 'real samples giving the same error'][datum.kind]"
    rules = (
        alt.Chart(alt.Data(**ref_m))
        .transform_calculate(what=kinds)
        .mark_rule(strokeWidth=1.5)
        .encode(
            x="n:Q",
            color=alt.Color(
                "what:N",
                scale=alt.Scale(
                    domain=["your n", "n where the floor dominates", "real samples giving the same error"],
                    range=[MARK_COLOURS[k] for k in ("total", "floor", "equivalent")],
                ),
                legend=alt.Legend(title=None, orient="bottom", direction="vertical"),
            ),
            strokeDash=alt.value([4, 3]),
            tooltip=[alt.Tooltip("what:N", title=""), alt.Tooltip("n:Q", format=",.4~g")],
        )
    )
    chart = (
        alt.layer(lines, hover, rules)
        .resolve_scale(color="independent", strokeDash="independent")
        .properties(
            width="container",
            height=360,
            datasets={**store, **store_m},
            usermeta={"calculator": page_config()},
            title=alt.TitleParams("Theorem 1 at your numbers", subtitle="dashed: your n and the two sizes below"),
        )
    )
    return Explorable.from_spec("calculator", parts.finish(chart), kind="calculator")


def marks(est: CollapseEstimate, n: float) -> dict:
    """Columns n, kind of the chart's vertical lines: your n (0), n_floor (1), n_equivalent (2), where finite and > 0."""
    sizes = [(float(n), 0), (est.n_floor, 1), (est.n_equivalent, 2)]
    keep = [(m, k) for m, k in sizes if np.isfinite(m) and m > 0]
    return dict(n=np.array([m for m, _ in keep]), kind=np.array([k for _, k in keep]))


def page_config() -> dict:
    """What the page's calculator starts from (in the spec's ``usermeta``): default inputs, :data:`RANGES`."""
    return dict(defaults=DEFAULTS, max_d=MAX_D, ranges={k: list(v) for k, v in RANGES.items()})


__all__ = [
    "BISECTIONS",
    "CollapseEstimate",
    "DEFAULTS",
    "MAX_D",
    "RANGES",
    "SEARCH",
    "curve",
    "curve_sizes",
    "estimate",
    "explorable",
    "last_crossing",
    "marks",
    "page_config",
]
