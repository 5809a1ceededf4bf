"""The two arithmetics of the bounded ratios q = s/(s+κ), a = κ/(s+κ), and the rule that picks one.

Every trace of Theorems 1 and 2 is a sum over the distinct eigenvalues s_j of Σ of products of
q_j = s_j/(s_j+κ) and a_j = κ/(s_j+κ) (:func:`collapse_lib.theory.ridge.traces`). Two ways to
compute them:

* **safe**: q = 1/(1 + κ/s), a = 1/(1 + s/κ) (:func:`collapse_lib.theory.ridge.ratios`): four
  divisions per entry, and correct for any s > 0 and κ ≥ 0 a float can hold.
* **fast**: r = 1/(s+κ), q = s·r, a = κ·r, and in the equation of κ the derivative term
  Σ_j w_j q_j a_j = κ Σ_j (w_j s_j) r_j²: one division per entry.

The fast arithmetic is used only where every intermediate is a normal float64, which this module
proves from bounds on s and κ alone. Let E = ``FAST_EXPONENT`` = 300 and suppose every eigenvalue
s and the value of κ lie in [2^−E, 2^E], or κ = 0. Then

* s + κ ∈ [2^−E, 2^(E+1)]: no overflow, and r = 1/(s+κ) ∈ [2^−(E+1), 2^E];
* q = s·r and a = κ·r lie in [2^−(2E+1), 1] (or a = 0 exactly when κ = 0);
* r² ∈ [2^−(2E+2), 2^(2E)] and s·r² ∈ [2^−(3E+2), 2^E]; with the multiplicities w_j ≤ 2^53,
  w·s·r² ≤ 2^(E+53);

and 3E + 2 = 902 < 1022, 2E + 53 < 1023: every one of these is a normal number (float64 normals
span [2^−1022, 2^1024)), so each q, a and q·a of the fast arithmetic carries a relative error of a
few units in the last place (≤ 3·2⁻⁵³), like the safe one. Downstream of q and a both paths run
the same formulas, so they agree to rounding (checked in ``tests/theory/test_theory_paths.py``). Outside
this range (spectra or κ beyond ≈ 10^±90, e.g. λ up to 1e300 or a spectrum spanning 300 orders of
magnitude) r² or s·r² may leave the normal range, and the safe arithmetic is used.

The choice is made per value of κ (a row of the K × J array of ratios) from s_min, s_max and κ:
``path="auto"`` (the default of every theory function) takes the fast arithmetic wherever it is
proven valid and the safe one elsewhere; ``"fast"`` and ``"safe"`` force one (``"fast"`` raises a
``ValueError`` where it is not valid). The arrays are processed in blocks of rows of at most
``BLOCK_ELEMENTS`` entries, so that the temporaries stay in the processor's cache.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

PATHS = ("auto", "fast", "safe")
FAST_EXPONENT = 300
FAST_MIN = 2.0**-FAST_EXPONENT  # ≈ 4.9e-91
FAST_MAX = 2.0**FAST_EXPONENT  # ≈ 2.0e90
BLOCK_ELEMENTS = 1 << 15  # 32,768 float64 = 256 KiB per temporary


def check_path(path) -> str:
    """``path`` itself if it is one of ``PATHS``; else a ``ValueError`` naming the argument.

    Parameters
    ----------
    path : str
        ``"auto"``, ``"fast"`` or ``"safe"``.

    Returns
    -------
    str
        ``path``.
    """
    if not isinstance(path, str) or path not in PATHS:
        raise ValueError(f"path must be one of {', '.join(repr(p) for p in PATHS)}, got {path!r}")
    return path


def spectrum_ok(eigenvalues: np.ndarray) -> bool:
    """Whether every eigenvalue lies in [2^−300, 2^300], the fast arithmetic's range (module docstring).

    Parameters
    ----------
    eigenvalues : numpy.ndarray (J,)
        The distinct eigenvalues s_j > 0 of Σ.

    Returns
    -------
    bool
    """
    s = np.asarray(eigenvalues, dtype=float)
    return bool(s.size) and FAST_MIN <= s.min() and s.max() <= FAST_MAX


def fast_ok(eigenvalues: np.ndarray, kappa: np.ndarray) -> np.ndarray:
    """Where the fast arithmetic is proven valid: every s_j and κ in [2^−300, 2^300], or κ = 0.

    Parameters
    ----------
    eigenvalues : numpy.ndarray (J,)
        The distinct eigenvalues s_j > 0 of Σ (``setting.grouped.eigenvalues``, increasing).
    kappa : numpy.ndarray (K,)
        The values κ ≥ 0 at which the ratios are wanted.

    Returns
    -------
    numpy.ndarray of bool (K,)
        True where the fast arithmetic's intermediates are all normal floats (module docstring).
    """
    k = np.asarray(kappa, dtype=float)
    return spectrum_ok(eigenvalues) & ((k == 0) | ((FAST_MIN <= k) & (k <= FAST_MAX)))


def _refuse_fast(eigenvalues, kappa):
    s, k = np.asarray(eigenvalues, dtype=float), np.asarray(kappa, dtype=float)
    spans = f" and κ [{k.min():.3g}, {k.max():.3g}]" if k.size else ""
    raise ValueError(
        f"path='fast' needs every eigenvalue and every κ in [2^-{FAST_EXPONENT}, 2^{FAST_EXPONENT}] "
        f"(about 4.9e-91 to 2.0e90, or κ = 0); here s spans [{s.min():.3g}, {s.max():.3g}]{spans}: use path='auto'"
    )


def choose(eigenvalues: np.ndarray, kappa: np.ndarray, path: str) -> np.ndarray:
    """The arithmetic of each κ under ``path``: True = fast, False = safe.

    ``"auto"`` is :func:`fast_ok`; ``"safe"`` is False everywhere; ``"fast"`` is True everywhere
    and raises a ``ValueError`` if any κ (or the spectrum) is outside the proven range.

    Parameters
    ----------
    eigenvalues : numpy.ndarray (J,)
        The distinct eigenvalues s_j > 0 of Σ.
    kappa : numpy.ndarray (K,)
        The values κ ≥ 0.
    path : {"auto", "fast", "safe"}
        The rule.

    Returns
    -------
    numpy.ndarray of bool (K,)
        True where the fast arithmetic is used.
    """
    path = check_path(path)
    k = np.asarray(kappa, dtype=float)
    if path == "safe":
        return np.zeros(k.shape, dtype=bool)
    ok = fast_ok(eigenvalues, k)
    if path == "fast" and not (spectrum_ok(eigenvalues) and ok.all()):
        _refuse_fast(eigenvalues, k)
    return ok


def check_fast_bracket(eigenvalues: np.ndarray, log_lo: np.ndarray, log_hi: np.ndarray, path: str) -> None:
    """For ``path="fast"``: a ``ValueError`` unless every bracket [e^lo, e^hi] of a root in κ is in the fast range.

    The safeguarded Newton iteration (:func:`collapse_lib.theory._newton.newton_log`) only evaluates
    points e^t with t inside the brackets, so this check, made before iterating, covers every
    evaluation; the brackets must be inside by a margin of 1e-9 in log κ, which covers the rounding
    of e^t (below 1e-13 here).

    Parameters
    ----------
    eigenvalues : numpy.ndarray (J,)
        The distinct eigenvalues s_j > 0 of Σ.
    log_lo, log_hi : numpy.ndarray (K,)
        The brackets, in log κ.
    path : {"auto", "fast", "safe"}
        Only ``"fast"`` is checked.

    Returns
    -------
    None
        Raises ``ValueError`` where ``path="fast"`` is not valid.
    """
    if check_path(path) != "fast":
        return
    lo, hi = np.asarray(log_lo, dtype=float), np.asarray(log_hi, dtype=float)
    margin = 1e-9
    inside = not lo.size or (lo.min() >= np.log(FAST_MIN) + margin and hi.max() <= np.log(FAST_MAX) - margin)
    if not (spectrum_ok(eigenvalues) and inside):
        _refuse_fast(eigenvalues, np.exp(np.concatenate([lo, hi])))


def _blocks(rows: np.ndarray | range, width: int) -> Iterator[np.ndarray | slice]:
    """``rows`` cut into consecutive pieces of at most max(1, BLOCK_ELEMENTS // width) rows.

    An index array gives index arrays; a ``range`` (all rows) gives slices, which index without copies.
    """
    step = max(1, BLOCK_ELEMENTS // max(int(width), 1))
    for i in range(0, len(rows), step):
        yield slice(i, min(i + step, len(rows))) if isinstance(rows, range) else rows[i : i + step]


def _split_rows(fast: np.ndarray) -> Iterator[tuple[np.ndarray | range, bool]]:
    """The fast rows and the safe rows (each group only if not empty; ``range`` when it is all of them)."""
    if fast.all() or not fast.any():
        if fast.size:
            yield range(fast.size), bool(fast.all())
        return
    for flag in (True, False):
        yield np.flatnonzero(fast == flag), flag


def _safe_ratios(s: np.ndarray, kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """q = 1/(1 + κ/s), a = 1/(1 + s/κ), shape (K, J): valid for every s > 0, κ ≥ 0 (κ = 0: q = 1, a = 0)."""
    k = np.asarray(kappa, dtype=float)[:, None]
    with np.errstate(divide="ignore", over="ignore"):
        return 1.0 / (1.0 + k / s), 1.0 / (1.0 + s / k)


def _fast_ratios(s: np.ndarray, kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """q = s·r, a = κ·r with r = 1/(s+κ), shape (K, J): one division per entry (valid where :func:`fast_ok`)."""
    k = np.asarray(kappa, dtype=float)[:, None]
    r = np.add(s, k)
    np.divide(1.0, r, out=r)
    q = s * r
    r *= k
    return q, r


def ratio_blocks(s: np.ndarray, kappa: np.ndarray, path: str) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(rows, q, a)`` for blocks of rows of the (K, J) ratios, each block in the arithmetic ``path`` picks.

    Parameters
    ----------
    s : numpy.ndarray (J,)
        Distinct eigenvalues of Σ, increasing.
    kappa : numpy.ndarray (K,)
        Values κ ≥ 0.
    path : {"auto", "fast", "safe"}
        See :func:`choose`.

    Returns
    -------
    iterator of (rows, q, a)
        ``rows`` the block's rows of ``kappa`` (an index array or a slice); ``q``, ``a`` (B, J) the
        ratios s_j/(s_j + κ) and κ/(s_j + κ) for those κ.
    """
    kappa = np.asarray(kappa, dtype=float)
    for idx, fast in _split_rows(choose(s, kappa, path)):
        ratios = _fast_ratios if fast else _safe_ratios
        for rows in _blocks(idx, s.size):
            yield (rows, *ratios(s, kappa[rows]))


def df1_parts(s: np.ndarray, w: np.ndarray, kappa: np.ndarray, path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of x − df₁(κ) that make it exact for every x, and Σ_j w_j q_j a_j, for a flat array κ.

    With the directions split at κ (s_j > κ: "big", q_j > ½; s_j ≤ κ: "small"),

        x − df₁(κ) = (x − W) − S,   W = Σ_big w_j,   S = Σ_small w_j q_j − Σ_big w_j a_j,

    W is an exact integer (the multiplicities summed from the top of the sorted spectrum) and S a
    sum of terms below ½ in size, so no subtraction of nearly equal numbers is left except the last
    one, between x − W and S (the same split as :func:`collapse_lib.theory.ridge.excess`). D =
    Σ_j w_j q_j a_j = κ Σ_j w_j s_j/(s_j + κ)² is the derivative of df₁ in log κ (up to sign).

    Parameters
    ----------
    s, w : numpy.ndarray (J,)
        Distinct eigenvalues (increasing) and their multiplicities.
    kappa : numpy.ndarray (K,)
        Values κ > 0.
    path : {"auto", "fast", "safe"}
        See :func:`choose`; the fast arithmetic forms S and D from r = 1/(s+κ) without q and a.

    Returns
    -------
    W, S, D : numpy.ndarray (K,)
    """
    kappa = np.asarray(kappa, dtype=float)
    order = np.argsort(kappa, kind="stable")
    k_sorted = kappa[order]
    split = np.searchsorted(s, k_sorted, side="right")  # s_j > κ for j ≥ split: the big directions
    tail = np.concatenate([np.cumsum(w[::-1])[::-1], [0.0]])  # tail[i] = Σ_{j ≥ i} w_j, exact
    out = np.empty((3, kappa.size))
    out[0] = tail[split]
    ws = w * s
    fast = choose(s, k_sorted, path)
    # blocks of consecutive sorted κ: the columns below the block's smallest split are small for every row of
    # it, those from its largest split on big for every row, and only the band between needs a mask
    for idx, is_fast in _split_rows(fast):
        for rows in _blocks(idx, s.size):
            k = k_sorted[rows]
            lo, hi = split[rows][[0, -1]]
            kc = k[:, None]
            if is_fast:  # q = s·r, a = κ·r with r = 1/(s+κ)
                r = np.add(s, kc)
                np.divide(1.0, r, out=r)
                signed = r[:, :lo] @ ws[:lo] - k * (r[:, hi:] @ w[hi:])
                if hi > lo:
                    band = np.where(s[lo:hi] <= kc, s[lo:hi], -kc)
                    band *= r[:, lo:hi]
                    signed += band @ w[lo:hi]
                r *= r
                out[1, rows], out[2, rows] = signed, k * (r @ ws)
            else:
                q, a = _safe_ratios(s, k)
                signed = q[:, :lo] @ w[:lo] - a[:, hi:] @ w[hi:]
                if hi > lo:
                    signed += np.where(s[lo:hi] <= kc, q[:, lo:hi], -a[:, lo:hi]) @ w[lo:hi]
                q *= a
                out[1, rows], out[2, rows] = signed, q @ w
    W, S, D = np.empty_like(out)
    W[order], S[order], D[order] = out
    return W, S, D
