"""The scalar root finder shared by the theory modules (vectorised over a grid)."""

from __future__ import annotations

import numpy as np

_MAX_ITER = 200
_TOL = 1e-14


def newton_log(fun, tlo, thi, t0=None):
    """Roots of increasing functions F_i(log x) on brackets [tlo_i, thi_i] (log scale), all at once.

    Newton steps in t = log x, t ← t − F/(dF/dt); a step that leaves the current bracket
    is replaced by bisection, and the bracket shrinks with the sign of F (F ≤ 0 or NaN
    moves the lower end), so every point converges. A point stops when its Newton step is
    below 1e-14·max(1, |t|), F = 0 exactly or its bracket is narrower than 1e-14 (at most
    200 iterations). Used for κ of Theorem 1, μ of Theorem 2 and t of the weighted mixing.

    Parameters
    ----------
    fun : callable
        ``fun(x, idx) -> (F, dF/dlog x)`` evaluates the still-active grid points ``idx``
        (indices into the flat grid) at x, returning two arrays shaped like ``idx``.
    tlo, thi : array_like (P,)
        Lower and upper ends of the brackets, in log x.
    t0 : array_like (P,), optional
        Starting points in log x (clipped to the brackets); default the bracket midpoints.

    Returns
    -------
    numpy.ndarray (P,)
        The roots x = exp(t).
    """
    tlo, thi = np.array(tlo, dtype=float), np.array(thi, dtype=float)
    t = 0.5 * (tlo + thi) if t0 is None else np.clip(np.array(t0, dtype=float), tlo, thi)
    todo = np.ones(t.shape, dtype=bool)
    for _ in range(_MAX_ITER):
        idx = np.nonzero(todo)[0]
        if idx.size == 0:
            break
        F, dF = fun(np.exp(t[idx]), idx)
        neg = ~(F > 0)
        tlo[idx] = np.where(neg, t[idx], tlo[idx])
        thi[idx] = np.where(neg, thi[idx], t[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -F / dF
        tn = t[idx] + step
        # converged: a Newton step below the tolerance (tested before the bracket check, since such a
        # step can round onto the bracket end that was just moved to t), an exact zero, or a tiny bracket
        small = np.abs(step) < _TOL * np.maximum(1.0, np.abs(t[idx]))
        done = small | (F == 0) | (thi[idx] - tlo[idx] < _TOL)
        outside = ~((tn > tlo[idx]) & (tn < thi[idx])) & ~small
        tn = np.where(outside, 0.5 * (tlo[idx] + thi[idx]), tn)
        tn = np.where(F == 0, t[idx], tn)
        t[idx] = tn
        todo[idx[done]] = False
    return np.exp(t)
