"""Theorem 1: deterministic equivalent of ridge on a real/synthetic mixture.

Notation (Theorem 1 of the paper as the book reconstructs it, in the book's symbols: the paper's
exact expressions are not in its text known to the book; these are derived in the chapter
*Theorem 1 and strong model collapse* and checked against simulation). Σ has eigenvalues s_j; for t ≥ 0

    df_m(t) = tr Σ^m (Σ + tI)^(−m) = Σ_j s_j^m / (s_j + t)^m.

κ = κ(λ, n) is the unique positive solution of κ − λ = κ df_1(κ)/n, u = df_2(κ)/(n − df_2(κ)) and

    B = κ² tr ΓΣ(Σ+κI)⁻² / (1 − df_2(κ)/n)
    V = σ² u,                  σ² = p₁σ₁² + p₂σ₂²
    ζ = p₂² (1 + p₁u) tr ΔΣ³(Σ+κI)⁻² + p₂ u tr ΔΣ(p₁Σ+κI)²(Σ+κI)⁻²

and the test error of ridge ŵ = (XᵀX/n + λI)⁻¹Xᵀy/n is E ≃ B + V + ζ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from ._newton import newton_log
from .arithmetic import check_fast_bracket, check_path, df1_parts, ratio_blocks


def _scalarise(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _unique_rows(*columns: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct rows of the flat arrays ``columns`` read side by side, and the inverse index.

    Returns ``(uniq, inv)`` with ``uniq`` one array per column (rows in lexicographic order) and
    ``column[i] == uniq_column[inv[i]]``. Each column is reduced to integer codes first, so this is
    a few 1-D sorts (``numpy.unique(..., axis=0)`` sorts the rows as byte strings, much slower).
    """
    code, uniq = np.zeros(columns[0].shape, dtype=np.int64), ()
    for col in columns:
        u, c = np.unique(col, return_inverse=True)
        code_u, code = np.unique(code * u.size + c.ravel(), return_inverse=True)  # re-coded: 0 … rows − 1
        code = code.ravel()
        uniq = tuple(x[code_u // u.size] for x in uniq) + (u[code_u % u.size],)
    return uniq, code


def ratios(s: ArrayLike, kappa: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The bounded ratios q = s/(s+κ) and a = κ/(s+κ) = 1 − q of every eigenvalue and every κ.

    Both lie in [0, 1] and are computed as 1/(1 + κ/s) and 1/(1 + s/κ), so they
    neither overflow nor lose precision for any s > 0 and κ ≥ 0 a float can hold
    (κ = 0 gives q = 1, a = 0). Every trace of Theorems 1 and 2 is written with
    these ratios instead of s² and (s+κ)⁻², which overflow (or underflow to 0·∞)
    when the spectrum spans more than ~150 orders of magnitude or κ > 1e154.

    Parameters
    ----------
    s : array_like (J,)
        Eigenvalues s_j > 0 of Σ (usually the distinct ones, ``setting.grouped.eigenvalues``).
    kappa : array_like (K,)
        Values κ ≥ 0 (a flat array).

    Returns
    -------
    q, a : numpy.ndarray (K, J)
        q[k, j] = s_j/(s_j + κ_k) and a[k, j] = κ_k/(s_j + κ_k).
    """
    k = np.asarray(kappa, dtype=float)[:, None]
    s = np.asarray(s, dtype=float)[None, :]
    with np.errstate(divide="ignore", over="ignore"):
        return 1.0 / (1.0 + k / s), 1.0 / (1.0 + s / k)


def excess(x: ArrayLike, q: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x − df₁(κ) = x − Σ_j w_j q_j for a flat array x, without cancellation.

    Directions with q_j > 1/2 enter as 1 − a_j (a_j small and exact), the others as q_j,
    so x − df₁ = (x − Σ_{q>½} w) − Σ_{q≤½} w q + Σ_{q>½} w a: the one subtraction left is
    between the integer-like count x − Σ_{q>½} w and sums of small, exact terms. This keeps
    x − df₁ accurate to its own size when it is tiny (κ at λ = 0 with d > n, the
    interpolation threshold) whatever the spread of the spectrum. df₁(κ) = tr Σ(Σ+κI)⁻¹ is
    the degrees of freedom of the paper's Theorem 1.

    Parameters
    ----------
    x : array_like (K,)
        The counts to compare with df₁ (n, or m for Theorem 2).
    q, a : numpy.ndarray (K, J)
        The ratios of :func:`ratios` at the K values of κ.
    w : numpy.ndarray (J,)
        Multiplicity of each eigenvalue (``setting.grouped.multiplicity``).

    Returns
    -------
    numpy.ndarray (K,)
        x − Σ_j w_j q_j.
    """
    big = q > 0.5
    return (
        np.asarray(x, dtype=float)
        - np.where(big, w, 0.0).sum(-1)
        - np.where(big, 0.0, q) @ w
        + np.where(big, a, 0.0) @ w
    )


def log_bracket_low(lam: np.ndarray, smin: float, d: float, n: np.ndarray) -> np.ndarray:
    """log of the lower end max(λ, s_min(d/n − 1)) of the bracket of κ, without underflow.

    At κ = s_min(d/n − 1) (d > n), df₁(κ) = Σ_j s_j/(s_j + κ) ≥ d s_min/(s_min + κ) = n, so
    the equation of κ (:func:`solve_kappa`) has its root above; for d ≤ n only κ ≥ λ is
    known. The second term is used only where d > n.

    Parameters
    ----------
    lam : array_like (K,)
        Ridge penalties λ ≥ 0.
    smin : float
        Smallest eigenvalue of Σ.
    d : float
        Dimension (Σ_j multiplicities).
    n : array_like (K,)
        Sample sizes (or widths m, for the equation of μ of Theorem 2).

    Returns
    -------
    numpy.ndarray (K,)
        log max(λ, s_min(d/n − 1)); −inf where both are 0 (λ = 0 and d ≤ n).
    """
    with np.errstate(divide="ignore"):
        over = np.where(d > n, np.log(smin) + np.log(np.maximum(d / n - 1.0, 1e-300)), -np.inf)
        return np.maximum(np.log(lam), over)


def solve_kappa(setting: Setting, n: ArrayLike, lam: ArrayLike, *, path: str = "auto") -> np.ndarray:
    """κ(λ, n): the effective regularisation of ridge (paper, Theorem 1), vectorised over ``n`` and ``lam``.

    κ is the unique positive root of κ − λ = κ df₁(κ)/n, df₁(κ) = Σ_j s_j/(s_j + κ),
    written as F(κ) = 1 − df₁(κ)/n − λ/κ = 0, whose left side is strictly increasing
    in κ, so the root is unique. F is evaluated as

        F(κ) = (n − df₁(κ))/n − λ/κ

    with n − df₁ from :func:`excess` (no cancellation of 1 − (1 − ε): this keeps κ exact
    at the interpolation threshold d = n for λ as small as 1e-300, and for λ = 0, d > n
    whatever the spread of the spectrum). The root is bracketed by

        max(λ, s_min (d/n − 1)) ≤ κ ≤ λ + tr Σ / n

    (at the lower end df₁ ≥ n or κ = λ gives F ≤ 0; at the upper end
    κ df₁(κ) ≤ tr Σ gives F ≥ 0), and found by Newton's method in log κ
    safeguarded by bisection, which converges for every point of the grid. The ratios are
    computed in blocks of rows, each in the arithmetic ``path`` picks
    (:mod:`collapse_lib.theory.arithmetic`).

    Parameters
    ----------
    setting : Setting
        The data model; only the spectrum of Σ enters.
    n : float or array_like
        Sample sizes n > 0 (may be non-integer).
    lam : float or array_like
        Ridge penalties λ ≥ 0; broadcast against ``n``.
    path : {"auto", "fast", "safe"}
        Arithmetic of the ratios s/(s+κ), κ/(s+κ): ``"auto"`` takes the one-division form where
        every intermediate is proven to be a normal float (eigenvalues and κ within 2^±300) and
        the overflow-free form elsewhere; ``"fast"`` or ``"safe"`` forces one (``"fast"`` raises a
        ``ValueError`` outside its range). All give the same κ to rounding.

    Returns
    -------
    numpy.ndarray
        κ ≥ 0 on the broadcast shape of ``n`` and ``lam`` (a 0-d array for scalars).
        Ridgeless limit: for λ = 0 and d < n, κ = 0; for λ = 0 and d > n, κ solves
        df₁(κ) = n; for λ = 0 and d = n, κ = 0 (and the error is infinite).
    """
    setting = V.setting("setting", setting)
    n = V.positive_sizes("n", n, integer=False)
    lam = V.nonnegative("lam", lam)
    path = check_path(path)
    n, lam = V.broadcast(n=n, lam=lam)
    shape = n.shape
    n = n.ravel().astype(float)
    lam = lam.ravel().astype(float)
    s, w = setting.grouped.eigenvalues, setting.grouped.multiplicity
    d = w.sum()
    log_tr = float(np.log(np.dot(w, s)))

    kappa = np.zeros_like(n)
    active = ~((lam == 0) & (d <= n))  # λ=0, d≤n: κ = 0 exactly
    if np.any(active):
        na, la = n[active], lam[active]
        lo = log_bracket_low(la, s.min(), d, na)
        with np.errstate(divide="ignore"):
            hi = np.logaddexp(np.log(la), log_tr - np.log(na))
        check_fast_bracket(s, lo, hi, path)

        def fun(k, idx):
            big, signed, qa = df1_parts(s, w, k, path)  # n − df₁ = (n − big) − signed, exact
            nn, ll = na[idx], la[idx]
            return ((nn - big) - signed) / nn - ll / k, qa / nn + ll / k  # F and dF/dlogκ > 0

        # start below d < n at λ/(1 − d/n), the root's upper bound there (κ = λ/(1 − df₁(κ)/n), df₁ ≤ d): for
        # small λ the root is close to it, where the bracket's midpoint in log κ is hundreds of e-folds away
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(d < na, np.log(la) - np.log1p(-d / na), 0.5 * (lo + hi))
        kappa[active] = newton_log(fun, lo, hi, t0=t0)
    return kappa.reshape(shape)


@dataclass(frozen=True)
class ClassicalTheory:
    """Theorem 1 evaluated on a broadcast grid; all fields share one shape.

    total = bias + variance + zeta. ``clean`` = bias + variance is the classical
    scaling law of ridge on n clean samples (with noise σ²); ``floor`` is the
    n → ∞ limit of ζ, p₂² tr ΔΣ³(Σ+λI)⁻² (→ p₂²c² as λ → 0).
    """

    total: np.ndarray | float
    bias: np.ndarray | float
    variance: np.ndarray | float
    zeta: np.ndarray | float
    clean: np.ndarray | float
    floor: np.ndarray | float
    kappa: np.ndarray | float
    u: np.ndarray | float


def traces(
    setting: Setting, n: np.ndarray, lam: np.ndarray, kappa: np.ndarray, *, path: str = "auto"
) -> dict[str, np.ndarray]:
    """The traces of Theorem 1 at flat arrays n, λ, κ (one entry per distinct (n, λ)), overflow-free.

    :func:`classical` combines them into B, V and ζ; the Theorem 1 explorable
    (:mod:`collapse_lib.explorables.theorem1`) combines them with p₂, σ² and c² on the page.
    With q = s/(s+κ), a = κ/(s+κ) (:func:`ratios`) and the grouped sums Σ_j:

        df₂       = Σ q²
        gap       = n − df₂ = (n − df₁) + Σ q a,  n − df₁ = nλ/κ (λ > 0, from F(κ) = 0),
                                                       max(n − d, 0) (λ = 0)
        bias      = κ² tr ΓΣ(Σ+κ)⁻²/(1 − df₂/n) = Σ sγ a·(a n/gap)  (no a² underflow)
        t3        = tr ΔΣ³(Σ+κ)⁻² = Σ sδ q²
        mix(p₁)   = tr ΔΣ(p₁Σ+κ)²(Σ+κ)⁻² = Σ sδ (p₁q + a)²  (returned as its three parts)

    Every term is a sum of non-negative numbers, so no cancellation: gap is
    exact even at the interpolation threshold (d = n, λ → 0) and the λ → ∞ limit
    (a → 1) comes out as the null predictor's error r². The ratios are formed in blocks of
    rows, each in the arithmetic ``path`` picks (:mod:`collapse_lib.theory.arithmetic`).

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ; the noise levels do not enter).
    n : numpy.ndarray (K,)
        Sample sizes n > 0.
    lam : numpy.ndarray (K,)
        Ridge penalties λ ≥ 0.
    kappa : numpy.ndarray (K,)
        κ(λ, n) of :func:`solve_kappa` at each (n, λ) (κ = λ gives the n → ∞ limit).
    path : {"auto", "fast", "safe"}
        Arithmetic of the ratios, as in :func:`solve_kappa`.

    Returns
    -------
    dict of numpy.ndarray (K,)
        ``df2`` df₂(κ), ``gap`` n − df₂, ``bias`` B, ``t3`` tr ΔΣ³(Σ+κ)⁻², and the three parts
        ``t3``, ``t_qa`` = Σ sδ q a, ``t_aa`` = Σ sδ a² of tr ΔΣ(p₁Σ+κ)²(Σ+κ)⁻² = p₁² t3 + 2p₁ t_qa + t_aa.
    """
    path = check_path(path)
    sp = setting.grouped
    s, w, g, dl = sp.eigenvalues, sp.multiplicity, sp.gamma_sum, sp.delta_sum
    d = w.sum()
    n, lam, kappa = (np.asarray(x, dtype=float).ravel() for x in (n, lam, kappa))
    sg, sd = s * g, s * dl
    w_sd = np.stack([w, sd], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_minus_df1 = np.where(lam > 0, n * (lam / np.where(kappa > 0, kappa, 1.0)), np.maximum(n - d, 0.0))
    out = {key: np.empty(kappa.shape) for key in ("df2", "gap", "bias", "t3", "t_qa", "t_aa")}
    for rows, q, a in ratio_blocks(s, kappa, path):
        qa = (q * a) @ w_sd  # Σ w q a, Σ sδ q a
        q *= q
        out["df2"][rows], out["t3"][rows] = (q @ w_sd).T
        gap = n_minus_df1[rows] + qa[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            n_gap = np.where(gap > 0, n[rows] / np.where(gap > 0, gap, 1.0), 0.0)
        out["gap"][rows], out["t_qa"][rows] = gap, qa[:, 1]
        out["t_aa"][rows] = (a * a) @ sd
        a_n_gap = a * n_gap[:, None]
        a_n_gap *= a  # a·(a n/gap): no a² underflow
        out["bias"][rows] = a_n_gap @ sg
    return out


def classical(setting: Setting, n: ArrayLike, p2: ArrayLike, lam: ArrayLike, *, path: str = "auto") -> ClassicalTheory:
    """Theorem 1 (as the book states it): the test error E(ŵ) ≃ B + V + ζ of ridge on n samples, p₂n synthetic.

    ŵ = (XᵀX/n + λI)⁻¹Xᵀy/n on n₁ = p₁n real and n₂ = p₂n synthetic samples. With
    κ = :func:`solve_kappa`, df_m(κ) = tr Σ^m(Σ+κI)^(−m), u = df₂/(n − df₂) and
    σ² = p₁σ₁² + p₂σ₂²:

        B = κ² tr ΓΣ(Σ+κ)⁻² / (1 − df₂/n),   V = σ² u,
        ζ = p₂²(1 + p₁u) tr ΔΣ³(Σ+κ)⁻² + p₂u tr ΔΣ(p₁Σ+κ)²(Σ+κ)⁻²

    (the paper's Theorem 1, Section 3, as reconstructed and derived in the chapter *Theorem 1
    and strong model collapse* of the book). Every trace is computed from the bounded ratios
    s/(s+κ), κ/(s+κ) (:func:`traces`, :mod:`collapse_lib.theory.arithmetic`), so the
    result is finite for any spectrum, any λ ≥ 0 up to the largest float and any n,
    except at λ = 0, d = n where it is +inf (interpolation peak); λ → ∞ gives the null
    predictor's error r². κ is solved only once per distinct (n, λ) pair (p₂ does not
    enter κ), so grids over p₂ are nearly free.

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ, σ₁², σ₂²).
    n : float or array_like
        Total sample size n > 0 (may be non-integer).
    p2 : float or array_like
        Synthetic fraction p₂ = n₂/n ∈ [0, 1].
    lam : float or array_like
        Ridge penalty λ ≥ 0 (λ = 0 is the ridgeless limit). ``n``, ``p2`` and ``lam``
        broadcast against each other.
    path : {"auto", "fast", "safe"}
        Arithmetic of the ratios, as in :func:`solve_kappa` (the default picks, per value of κ,
        the faster one wherever it is proven exact; the results agree to rounding).

    Returns
    -------
    ClassicalTheory
        ``total`` = B + V + ζ, ``bias`` B, ``variance`` V, ``zeta`` ζ, ``clean`` = B + V
        (the scaling law of ridge on n clean samples), ``floor`` = p₂² tr ΔΣ³(Σ+λ)⁻² (the
        n → ∞ limit of ζ, → p₂²c² as λ → 0), ``kappa`` κ and ``u``; each on the
        broadcast shape, floats for scalar input.
    """
    setting = V.setting("setting", setting)
    n = V.positive_sizes("n", n, integer=False)
    p2 = V.fraction("p2", p2)
    lam = V.nonnegative("lam", lam)
    path = check_path(path)
    n, p2, lam = V.broadcast(n=n, p2=p2, lam=lam)
    shape = n.shape
    n, p2, lam = n.ravel().astype(float), p2.ravel(), lam.ravel()

    (n_u, lam_u), inv = _unique_rows(n, lam)
    kap_u = solve_kappa(setting, n_u, lam_u, path=path)
    T = traces(setting, n_u, lam_u, kap_u, path=path)
    # floor uses κ = λ (n → ∞): p₂² Σ sδ q(λ)², once per distinct λ
    sp = setting.grouped
    lams, inv_lam = np.unique(lam, return_inverse=True)
    t3_lam = np.empty(lams.shape)
    for rows, q, _ in ratio_blocks(sp.eigenvalues, lams, path):
        q *= q
        t3_lam[rows] = q @ (sp.eigenvalues * sp.delta_sum)

    kappa = kap_u[inv]
    T = {k: v[inv] for k, v in T.items()}
    p1 = 1.0 - p2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gap, t3 = T["gap"], T["t3"]
        interp = gap <= 0  # only at λ = 0, d = n
        u = np.where(interp, np.inf, T["df2"] / np.where(interp, 1.0, gap))
        bias = T["bias"]  # 0 at the peak (λ = 0, d = n: κ = 0)
        sigma2 = p1 * setting.sigma2_real + p2 * setting.sigma2_synth
        variance = np.where(interp & (sigma2 == 0), 0.0, sigma2 * u)
        mix = p1**2 * t3 + 2 * p1 * T["t_qa"] + T["t_aa"]  # Σ sδ (p₁q + a)²
        zeta = np.where(p2 == 0, 0.0, p2**2 * (1 + p1 * u) * t3 + p2 * u * mix)
        # at λ = 0, d = n (κ = 0, u = ∞): B → 0, and ζ = p₂²t₃ + ∞·p₁p₂t₃ (no 0·∞ NaN)
        zi = p2**2 * t3 + np.where((p1 > 0) & (p2 > 0) & (t3 > 0), np.inf, 0.0)
        zeta = np.where(interp, zi, zeta)
    clean = bias + variance
    total = clean + zeta
    floor = p2**2 * t3_lam[inv_lam.ravel()]
    out = {
        k: _scalarise(v.reshape(shape))
        for k, v in dict(
            total=total, bias=bias, variance=variance, zeta=zeta, clean=clean, floor=floor, kappa=kappa, u=u
        ).items()
    }
    return ClassicalTheory(**out)


@dataclass(frozen=True)
class ClassicalLimit:
    """Theorem 1 in the limit n → ∞ at fixed d, on a broadcast grid of (p₂, λ); all fields share one shape.

    total = bias + floor: the test error of ridge trained on unlimited data of the mixture.
    """

    total: np.ndarray | float
    bias: np.ndarray | float
    floor: np.ndarray | float


def classical_limit(setting: Setting, p2: ArrayLike, lam: ArrayLike) -> ClassicalLimit:
    """The n → ∞ limit of Theorem 1: the error of ridge on unlimited data of the mixture, at every λ.

    As n → ∞ at fixed d, κ → λ and u → 0, so V → 0 and (the chapter *Theorem 1 and strong
    model collapse*, proposition "Error floor"; the paper's Section 3)

        E_∞(p₂, λ) = λ² tr ΓΣ(Σ+λI)⁻²  +  p₂² tr ΔΣ³(Σ+λI)⁻²
                   =      bias        +        floor.

    This is ridge with penalty λ fitted to the population of the mixture, i.e. to the
    averaged teacher w₁* + p₂δ. For Σ = I, Γ = (r²/d)I, Δ = (c²/d)I it is
    (λ²r² + p₂²c²)/(1 + λ)², smallest at λ* = p₂²c²/r², where it equals
    p₂²c²/(1 + p₂²c²/r²): tuning λ lowers the floor p₂²c² by the factor 1/(1 + p₂²c²/r²)
    and no more. Computed from the bounded ratios of :func:`ratios`, finite for every λ ≥ 0
    (λ → ∞ gives the null predictor's error r²).

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ; the noise levels do not enter the limit).
    p2 : float or array_like
        Synthetic fraction p₂ = n₂/n ∈ [0, 1].
    lam : float or array_like
        Ridge penalty λ ≥ 0. ``p2`` and ``lam`` broadcast against each other.

    Returns
    -------
    ClassicalLimit
        ``total`` = E_∞, ``bias`` = λ² tr ΓΣ(Σ+λI)⁻² (the limit of B) and ``floor`` =
        p₂² tr ΔΣ³(Σ+λI)⁻² (the limit of ζ, equal to ``classical(...).floor``); each on the
        broadcast shape, floats for scalar input.
    """
    setting = V.setting("setting", setting)
    p2 = V.fraction("p2", p2)
    lam = V.nonnegative("lam", lam)
    p2, lam = V.broadcast(p2=p2, lam=lam)
    shape = p2.shape
    sp = setting.grouped
    s = sp.eigenvalues
    lams, inv = np.unique(lam.ravel().astype(float), return_inverse=True)
    q, a = ratios(s, lams)  # κ = λ in the limit
    bias = ((a * a) @ (s * sp.gamma_sum))[inv.ravel()]  # λ² s γ/(s+λ)² = a² s γ
    floor = p2.ravel() ** 2 * ((q * q) @ (s * sp.delta_sum))[inv.ravel()]  # s³δ/(s+λ)² = q² s δ
    out = dict(total=bias + floor, bias=bias, floor=floor)
    return ClassicalLimit(**{k: _scalarise(v.reshape(shape)) for k, v in out.items()})


def corollary1(
    phi: ArrayLike, p2: ArrayLike, r2: float = 1.0, c2: float = 0.5, sigma2: float = 0.25
) -> np.ndarray | float:
    """Corollary 1: the isotropic ridgeless (λ → 0) closed form of Theorem 1, in φ = d/n.

    With Σ = I, Γ = (r²/d)I, Δ = (c²/d)I and p₁ = 1 − p₂:

        φ < 1:  E ≃ σ²φ/(1−φ) + p₂²c² + p₁p₂c²φ/(1−φ)                  (the paper's Corollary 1)
        φ > 1:  E ≃ r²(1 − 1/φ) + σ²/(φ−1) + c²p₂(φ−p₂)/(φ(φ−1))        (our extension)
        φ = 1:  +inf.

    The φ > 1 branch is Theorem 1 with κ = φ − 1 (derived in the chapter *Theorem 1 and
    strong model collapse*); the paper states Corollary 1 for φ ∈ (0, 1) only.

    Parameters
    ----------
    phi : float or array_like
        φ = d/n > 0.
    p2 : float or array_like
        Synthetic fraction p₂ ∈ [0, 1].
    r2 : float or array_like
        Signal strength r² = tr ΣΓ ≥ 0 (enters only for φ > 1).
    c2 : float or array_like
        Synthetic-data quality c² = tr ΣΔ ≥ 0.
    sigma2 : float or array_like
        Label-noise variance σ² = p₁σ₁² + p₂σ₂² ≥ 0 (σ² itself when both sources have the same
        noise). All arguments broadcast.

    Returns
    -------
    float or numpy.ndarray
        The test error E on the broadcast shape (a float for scalar input).
    """
    phi = V.positive_sizes("phi", phi, integer=False)
    p2 = V.fraction("p2", p2)
    r2 = V.nonnegative("r2", r2)
    c2 = V.nonnegative("c2", c2)
    sigma2 = V.nonnegative("sigma2", sigma2)
    phi, p2, r2, c2, sigma2 = V.broadcast(phi=phi, p2=p2, r2=r2, c2=c2, sigma2=sigma2)
    p1 = 1.0 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        under = sigma2 * phi / (1 - phi) + p2**2 * c2 + p1 * p2 * c2 * phi / (1 - phi)
        over = r2 * (1 - 1 / phi) + sigma2 / (phi - 1) + c2 * p2 * (phi - p2) / (phi * (phi - 1))
        out = np.where(phi < 1, under, np.where(phi > 1, over, np.inf))
    return _scalarise(out)
