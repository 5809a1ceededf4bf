"""A tidy table of the workflow theory on a grid, for figures and explorables.

:func:`workflow_table` evaluates :func:`collapse_lib.theory.workflow` for every
combination of kind, n, λ, σ² and (for ``"mix"``) p₂, and returns one row per
(combination, generation t), so that a plot or a slider panel only has to filter it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from .workflow import KINDS, check_kind, workflow

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("kind", "n", "lam", "sigma2", "p2", "t", "error", "bias", "real_noise", "synthetic_noise")


def _values(name, value, check):
    arr = np.atleast_1d(check(name, value)).astype(float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a number or a 1-D list of numbers, got shape {np.shape(value)}")
    return np.unique(arr)


def workflow_table(
    setting: Setting,
    n: ArrayLike,
    lam: ArrayLike,
    generations: int,
    kinds: Sequence[str] = KINDS,
    sigma2: ArrayLike | None = None,
    p2: ArrayLike = 0.5,
) -> pd.DataFrame:
    """E_t of the workflows on the grid kinds × n × λ × σ² × p₂ × t, as a tidy DataFrame.

    Parameters
    ----------
    setting : Setting
        Σ and Γ; its noise levels are replaced by ``sigma2`` when given.
    n, lam : number or 1-D list
        Samples per generation and ridge penalties (every combination is computed).
    generations : int
        T; rows for t = 0 … T.
    kinds : sequence of str
        Any of :data:`collapse_lib.theory.workflow.KINDS`.
    sigma2 : number or 1-D list, optional
        Label noise σ₁² = σ₂² = σ²; default: the setting's own (σ₁², σ₂²), reported as σ₂².
    p2 : number or 1-D list
        Synthetic fractions of ``"mix"`` (ignored by the other kinds, whose rows have p2 = NaN).

    Returns
    -------
    pandas.DataFrame
        Columns kind, n, lam, sigma2, p2, t, error (= E_t, the deterministic equivalent of
        :func:`~collapse_lib.theory.workflow`), bias, real_noise, synthetic_noise.

    Notes
    -----
    The error is linear in the noise levels: E_t = bias + σ₁²·a_t + σ₂²·b_t, where a_t, b_t
    do not depend on σ² (the formula's C is linear in its sources). So each (kind, p₂) is
    solved once with unit noise and every σ² is a rescaling, exact to rounding.
    """
    setting = V.setting("setting", setting)
    T = V.nonnegative_int("generations", generations)
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if not kinds:
        raise ValueError("kinds must name at least one workflow")
    for k in kinds:
        check_kind(k, 0.5 if k == "mix" else None)
    n_v = _values("n", n, lambda nm, v: V.positive_sizes(nm, v, integer=False))
    lam_v = _values("lam", lam, V.nonnegative)
    p2_v = _values("p2", p2, V.fraction)
    if sigma2 is None:
        noises = [(setting.sigma2_real, setting.sigma2_synth)]
    else:
        noises = [(s, s) for s in _values("sigma2", sigma2, V.nonnegative)]
    unit = setting.with_noise(1.0, 1.0)
    nn, ll = np.meshgrid(n_v, lam_v, indexing="ij")
    t = np.arange(T + 1)
    import pandas as pd  # here, not at the top: the rest of collapse_lib.theory loads without pandas

    frames = []
    for kind in kinds:
        for p in p2_v if kind == "mix" else [None]:
            th = workflow(unit, nn, T, kind, ll, p2=p)
            for s1, s2 in noises:
                real, synth = s1 * th.real_noise, s2 * th.synthetic_noise
                err = th.bias + real + synth
                grid = np.broadcast_to(nn[..., None], err.shape), np.broadcast_to(ll[..., None], err.shape)
                frames.append(
                    pd.DataFrame(
                        dict(
                            kind=kind,
                            n=grid[0].ravel(),
                            lam=grid[1].ravel(),
                            sigma2=s2,
                            p2=np.nan if p is None else float(p),
                            t=np.broadcast_to(t, err.shape).ravel(),
                            error=err.ravel(),
                            bias=th.bias.ravel(),
                            real_noise=real.ravel(),
                            synthetic_noise=synth.ravel(),
                        )
                    )
                )
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]
