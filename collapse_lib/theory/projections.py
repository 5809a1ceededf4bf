"""Theorem 2: our deterministic equivalent of the random-projections (RP) model.

The paper states its Theorem 2 as a system of fixed-point equations (not reproduced
here). This module evaluates a deterministic equivalent derived independently by the
route below (conditioning on S, then a Marchenko–Pastur step); it carries the same
message: a floor term and a design-dependent term of ζ. Our split puts the part
p₂u Σ_j s_jδ_j o_j in V, not in ζ (``zeta_design`` subtracts it).

Model (the paper's random-projections model). Features z = Sᵀx with S ∈ R^{d×m}, S_ij ~ N(0, 1/d)
fixed; ridge on the m features,

    v̂ = argmin_v (1/n) Σ_i (vᵀSᵀx_i − y_i)² + λ‖v‖²,   f(x) = xᵀS v̂,

on n samples of which a fraction p₂ is synthetic. ψ = m/n, φ = d/n.

Route (ours). Conditional on S, z ~ N(0, Σ_S) with Σ_S = SᵀΣS and
xᵀw = zᵀβ + r, β = Σ_S⁺SᵀΣw, r independent of z. So the RP model is Theorem 1
in dimension m with covariance Σ_S, signal AΓAᵀ, mismatch AΔAᵀ (A = Σ_S⁺SᵀΣ),
per-source noise σ_k² + (residual variance of that source), plus the
approximation error tr Γ̃(I − P) of the real teacher (Γ̃ = Σ^½ΓΣ^½, P the
projector on the range of Q = Σ^½SSᵀΣ^½). Every trace of that conditional
formula is a trace of a function of the d × d matrix Q against Γ̃, Δ̃ or I.
Q is (m/d) times a sample covariance of m draws of N(0, Σ), whose resolvent has
the deterministic equivalent (Q + κ)⁻¹ ≍ θ⁻¹(Σ + μ)⁻¹ with

    θ = (m − df₁(μ))/d,   κ = μθ.

Combining with Theorem 1's equation for κ gives one scalar equation for μ:

    μ (1 − df₁(μ)/m)(1 − df₁(μ)/n) = λ d/m,                    (eq-thm2-mu)

whose root is unique on μ > μ₀ (μ₀: df₁(μ₀) = min(m, n) if that is < d, else 0).
With q_j = s_j/(s_j + μ), a_j = μ/(s_j + μ) (≍ κ[(Q+κ)⁻¹]_jj),
ε = D/(m − df₁ + μD), D = Σ_j s_j/(s_j+μ)², b_j = a_j²(1 + ε s_j)
(≍ κ²[(Q+κ)⁻²]_jj) and, for m < d, o_j = μ_m/(s_j + μ_m) with df₁(μ_m) = m
(≍ [I − P]_jj; o = 0 for m ≥ d):

    df₂ˢ = Σ_j (1 − 2a_j + b_j),   u = df₂ˢ/(n − df₂ˢ)
    A  = Σ_j s_jγ_j o_j                         (approximation error)
    B  = Σ_j s_jγ_j (b_j − o_j) / (1 − df₂ˢ/n)
    V  = (σ² + A + p₂ Σ_j s_jδ_j o_j) u,          σ² = p₁σ₁² + p₂σ₂²
    ζ  = p₂²(1 + p₁u) T₃ + p₂u Σ_j s_jδ_j (p₁² + 2p₁p₂a_j + p₂²b_j − o_j),
    T₃ = Σ_j s_jδ_j (1 − 2a_j + b_j)

and E(f̂) ≃ A + B + V + ζ. ``zeta_floor`` = p₂²T₃ is the term that survives
n → ∞ (then u → 0); ``zeta_design`` = ζ − p₂²T₃ is the part driven by the design
through u (the ψ- and λ-dependent amplification, largest near ψ = 1).
As m → ∞ (d fixed), θ → m/d and the equation becomes Theorem 1's with
κ = μ and λ_eff = λd/m: the RP model tends to classical ridge with λ·d/m (the
same λ in the ridgeless limit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from ._newton import newton_log as _newton
from .arithmetic import check_fast_bracket, check_path, df1_parts, ratio_blocks
from .ridge import _scalarise, _unique_rows, log_bracket_low


def _solve_df(s, w, k, path="auto"):
    """μ with df₁(μ) = k for 0 < k < d (flat arrays), by safeguarded Newton in log μ.

    k − df₁(μ) comes from :func:`~collapse_lib.theory.arithmetic.df1_parts` (exact, no
    cancellation), in the arithmetic ``path`` picks.
    """
    d = w.sum()
    k = np.asarray(k, dtype=float)
    lo = log_bracket_low(np.zeros_like(k), s.min(), d, k)
    hi = float(np.log(np.dot(w, s))) - np.log(k)
    check_fast_bracket(s, lo, hi, path)

    def fun(mu, idx):
        big, signed, muD = df1_parts(s, w, mu, path)
        return ((k[idx] - big) - signed) / k[idx], muD / k[idx]

    return _newton(fun, lo, hi)


def solve_mu(setting: Setting, n: ArrayLike, m: ArrayLike, lam: ArrayLike, *, path: str = "auto") -> np.ndarray:
    """μ(n, m, λ): the scalar of our Theorem 2 equivalent, vectorised over broadcast ``n``, ``m``, ``lam``.

    μ is the root of (eq-thm2-mu, chapter *Theorem 2: model size and collapse*)

        μ (1 − df₁(μ)/m)(1 − df₁(μ)/n) = λ d/m,   df₁(μ) = Σ_j s_j/(s_j + μ),

    unique on μ > μ₀ (μ₀: df₁(μ₀) = min(m, n) if that is < d, else 0). It is solved as
    F(μ) = (1 − df₁/m)(1 − df₁/n) − λd/(mμ) = 0 (F is increasing there) by Newton's method
    in log μ safeguarded by bisection in the bracket
    max(λd/m, s_min(d/k − 1)) ≤ μ ≤ λd/m + tr Σ/m + tr Σ/n, k = min(m, n). The factors
    x − df₁ (x = m, n) are evaluated by :func:`~collapse_lib.theory.arithmetic.df1_parts`, exact
    near the interpolation threshold, in the arithmetic ``path`` picks.

    Parameters
    ----------
    setting : Setting
        The data model; only the spectrum of Σ enters.
    n : float or array_like
        Sample size n > 0 (may be non-integer).
    m : float or array_like
        Width m > 0 of the random projection (may be non-integer).
    lam : float or array_like
        Ridge penalty λ ≥ 0. ``n``, ``m`` and ``lam`` broadcast.
    path : {"auto", "fast", "safe"}
        Arithmetic of the ratios s/(s+μ), μ/(s+μ), as in :func:`collapse_lib.theory.ridge.solve_kappa`.

    Returns
    -------
    numpy.ndarray
        μ ≥ 0 on the broadcast shape (a 0-d array for scalars). For λ = 0 the root is
        μ₀: 0 if min(m, n) ≥ d, else df₁(μ₀) = min(m, n).
    """
    setting = V.setting("setting", setting)
    n = V.positive_sizes("n", n, integer=False)
    m = V.positive_sizes("m", m, integer=False)
    lam = V.nonnegative("lam", lam)
    path = check_path(path)
    n, m, lam = V.broadcast(n=n, m=m, lam=lam)
    shape = n.shape
    n, m, lam = (a.ravel().astype(float) for a in (n, m, lam))
    s, w = setting.grouped.eigenvalues, setting.grouped.multiplicity
    d = float(w.sum())
    log_tr = float(np.log(np.dot(w, s)))
    k = np.minimum(m, n)
    mu = np.zeros_like(n)
    ridgeless = lam == 0
    under = ridgeless & (k < d)
    if np.any(under):
        mu[under] = _solve_df(s, w, k[under], path)
    pos = ~ridgeless
    if np.any(pos):
        nn, mm, ll, kk = n[pos], m[pos], lam[pos], k[pos]
        logc = np.log(ll) + np.log(d) - np.log(mm)  # log(λd/m), no overflow
        lo = log_bracket_low(np.exp(logc), s.min(), d, kk)
        lo = np.maximum(lo, logc)
        hi = np.logaddexp(logc, log_tr + np.log(1.0 / mm + 1.0 / nn))
        check_fast_bracket(s, lo, hi, path)

        def fun(mu, idx):
            # h(log μ) = log(1 − df₁/m) + log(1 − df₁/n) + log μ − log(λd/m): increasing, nearly linear
            # in log μ away from μ₀ (Newton converges in a few steps), −∞ below μ₀ (bisection there)
            big, signed, muD = df1_parts(s, w, mu, path)  # x − df₁ = (x − big) − signed, exact
            g1, g2 = (mm[idx] - big) - signed, (nn[idx] - big) - signed
            ok = (g1 > 0) & (g2 > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                h = np.log(g1 / mm[idx]) + np.log(g2 / nn[idx]) + np.log(mu) - logc[idx]
                dh = muD / g1 + muD / g2 + 1.0
            return np.where(ok, h, -np.inf), np.where(ok, dh, np.nan)

        mu[pos] = _newton(fun, lo, hi)
    return mu.reshape(shape)


@dataclass(frozen=True)
class ProjectionsTheory:
    """Theorem 2 evaluated on a broadcast grid; all fields share one shape.

    total = approx + bias + variance + zeta, with zeta = zeta_floor + zeta_design.
    ``approx`` is the approximation error of the width-m feature space for the
    real teacher, ``clean`` the total at p₂ = 0 (same n, m, λ: the error of
    training on real data only), ``floor`` the n → ∞ limit of ζ at fixed m
    (p₂²T₃ at κ = λ·θ). ``mu``, ``kappa`` = μθ, ``theta``, ``u`` are the scalars
    of the fixed point.
    """

    total: np.ndarray | float
    approx: np.ndarray | float
    bias: np.ndarray | float
    variance: np.ndarray | float
    zeta: np.ndarray | float
    zeta_floor: np.ndarray | float
    zeta_design: np.ndarray | float
    clean: np.ndarray | float
    mu: np.ndarray | float
    kappa: np.ndarray | float
    theta: np.ndarray | float
    u: np.ndarray | float
    floor: np.ndarray | float


def _gaps(n, m, lam, mu, d):
    """(m − df₁, n − df₁) at the root μ, without cancellation.

    For λ > 0 their product is c = λdn/μ (eq-thm2-mu times mn) and their
    difference m − n, so the smaller one is 2c/(|m − n| + √((m − n)² + 4c))
    (exact; it is tiny near the interpolation peak m = n, λ → 0); n = ∞ gives
    m − df₁ = λd/μ. For λ = 0 the smaller is max(min(m, n) − d, 0) (df₁(μ₀) =
    min(m, n) when that is < d).
    """
    diff = np.abs(m - n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        # c = λdn/μ in logs: it may underflow (λ ≪ the spectrum) while √c, the gap at m = n, does not
        log_c = np.log(lam) + np.log(d) + np.log(n) - np.log(np.where(mu > 0, mu, 1.0))
        root = np.hypot(diff, 2.0 * np.exp(0.5 * log_c))  # √((m − n)² + 4c)
        small = np.exp(np.log(2.0) + log_c - np.log(diff + root))  # 2c/(|m − n| + √(...))
        small = np.where(np.isinf(n), np.exp(np.log(lam) + np.log(d) - np.log(np.where(mu > 0, mu, 1.0))), small)
        small = np.where(lam > 0, np.nan_to_num(small, nan=0.0), np.maximum(np.minimum(m, n) - d, 0.0))
        big = small + diff
    return np.where(m <= n, small, big), np.where(m <= n, big, small)


def traces(
    setting: Setting, n: np.ndarray, m: np.ndarray, lam: np.ndarray, mu: np.ndarray, *, path: str = "auto"
) -> dict[str, np.ndarray]:
    """Trace terms of Theorem 2 for flat arrays n, m, λ, μ (one entry per (n, m, λ)).

    :func:`random_projections` combines them into A, B, V and ζ; the random-projections
    explorable (:mod:`collapse_lib.explorables.projections`) combines them with p₂, σ² and c² on the page.

    With the bounded ratios q = s/(s+μ), a = μ/(s+μ) (:func:`ratios`), MD = μD =
    Σ q a and E = μ ε = MD/(m − df₁ + MD) ∈ [0, 1], the quantities of the module
    docstring are b = a² + E a q and 1 − 2a + b = q² + E a q, so

        df₂ˢ = Σ q² + E Σ q a,            n − df₂ˢ = (n − df₁) + (1 − E) Σ q a,
        Σ γ̃ b = Σ sγ a(a + E q),          T₃ = Σ sδ q(q + E a),
        Σ δ̃ a = Σ sδ a,                   Σ δ̃ b = Σ sδ a(a + E q),

    sums of non-negative terms (no s², no (s+μ)⁻²: nothing overflows for any
    spectrum or λ), with m − df₁ and n − df₁ from :func:`_gaps`. The ratios are formed in
    blocks of rows, each in the arithmetic ``path`` picks (:mod:`collapse_lib.theory.arithmetic`).

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ; the noise levels do not enter).
    n : numpy.ndarray (K,)
        Sample sizes n > 0 (``inf`` for the limit n → ∞).
    m : numpy.ndarray (K,)
        Numbers of random projections m > 0.
    lam : numpy.ndarray (K,)
        Ridge penalties λ ≥ 0.
    mu : numpy.ndarray (K,)
        μ of :func:`solve_mu` at each (n, m, λ).
    path : {"auto", "fast", "safe"}
        Arithmetic of the ratios, as in :func:`solve_mu`.

    Returns
    -------
    dict of numpy.ndarray (K,)
        ``theta`` θ, ``df2`` df₂ˢ, ``gap`` n − df₂ˢ, ``approx`` A, ``bias_num`` Σ γ̃ (b − o),
        ``rho_delta`` = ``to`` = Σ δ̃ o, ``t3`` T₃, ``ta`` Σ δ̃ a, ``tb`` Σ δ̃ b and ``tdl`` Σ δ̃ (= tr ΔΣ).
    """
    path = check_path(path)
    sp = setting.grouped
    s, w, g, dl = sp.eigenvalues, sp.multiplicity, sp.gamma_sum, sp.delta_sum
    d = float(w.sum())
    n, m, lam, mu = (np.asarray(x, dtype=float).ravel() for x in (n, m, lam, mu))
    gt, dt = s * g, s * dl  # diagonals of Γ̃ = Σ^½ΓΣ^½, Δ̃ = Σ^½ΔΣ^½ (grouped sums)
    w_gt_dt = np.stack([w, gt, dt], axis=1)
    sums = np.empty((mu.size, 9))  # Σ w·, Σ γ̃·, Σ δ̃· of q a; of q²; of a²
    ta = np.empty(mu.shape)
    for rows, q, a in ratio_blocks(s, mu, path):
        ta[rows] = a @ dt  # Σ δ̃ a
        sums[rows, 0:3] = (q * a) @ w_gt_dt
        q *= q
        sums[rows, 3:6] = q @ w_gt_dt
        a *= a
        sums[rows, 6:9] = a @ w_gt_dt
    MD, QA_g, QA_d, Q2_w, Q2_d, A2_g, A2_d = sums[:, [0, 1, 2, 3, 5, 7, 8]].T
    g_m, g_n = _gaps(n, m, lam, mu, d)
    den = g_m + MD
    with np.errstate(divide="ignore", invalid="ignore"):
        E = np.where(den > 0, MD / np.where(den > 0, den, 1.0), 0.0)
        one_minus_E = np.where(den > 0, g_m / np.where(den > 0, den, 1.0), 1.0)
    theta = g_m / d
    df2 = Q2_w + E * MD
    gap = g_n + one_minus_E * MD
    gb = A2_g + E * QA_g  # Σ γ̃ b
    t3 = Q2_d + E * QA_d  # Σ δ̃ (1 − 2a + b)
    tb = A2_d + E * QA_d  # Σ δ̃ b
    approx = np.zeros_like(mu)
    to = np.zeros_like(mu)
    thin = m < d
    if np.any(thin):
        m_u, inv = np.unique(m[thin], return_inverse=True)  # o = μ_m/(s + μ_m) depends on m only
        od = np.empty((m_u.size, 2))
        for rows, _, o in ratio_blocks(s, _solve_df(s, w, m_u, path), path):
            od[rows] = o @ np.stack([gt, dt], axis=1)
        approx[thin], to[thin] = od[inv.ravel(), 0], od[inv.ravel(), 1]
    return dict(
        theta=theta,
        df2=df2,
        gap=gap,
        approx=approx,
        bias_num=gb - approx,
        rho_delta=to,
        t3=t3,
        ta=ta,
        tb=tb,
        to=to,
        tdl=np.full(mu.shape, dt.sum()),
    )


def random_projections(
    setting: Setting, n: ArrayLike, m: ArrayLike, p2: ArrayLike, lam: ArrayLike, *, path: str = "auto"
) -> ProjectionsTheory:
    """Theorem 2 (our deterministic equivalent): test error of ridge on m random projections, E ≃ A + B + V + ζ.

    The model (the paper's random-projections model): f(x) = xᵀS v̂ with S ∈ R^{d×m},
    S_ij ~ N(0, 1/d), v̂ ridge on the features Sᵀx of n samples, a fraction p₂ synthetic.
    The paper states its Theorem 2 as a system of fixed-point equations; this formula is
    derived independently (conditioning on S, then a Marchenko–Pastur step; chapter
    *Theorem 2: model size and collapse*, eq-thm2; module docstring). With μ =
    :func:`solve_mu`, q_j = s_j/(s_j+μ), a_j = μ/(s_j+μ), D = Σ_j s_j/(s_j+μ)²,
    ε = D/(m − df₁(μ) + μD), b_j = a_j²(1 + εs_j), o_j = μ_m/(s_j+μ_m) with df₁(μ_m) = m
    (o = 0 for m ≥ d), df₂ˢ = Σ_j(1 − 2a_j + b_j) and u = df₂ˢ/(n − df₂ˢ):

        A = Σ_j s_jγ_j o_j,                 B = Σ_j s_jγ_j(b_j − o_j)/(1 − df₂ˢ/n),
        V = (σ² + A + p₂Σ_j s_jδ_j o_j) u,  σ² = p₁σ₁² + p₂σ₂²,
        ζ = p₂²(1 + p₁u) T₃ + p₂u Σ_j s_jδ_j(p₁² + 2p₁p₂a_j + p₂²b_j − o_j),
        T₃ = Σ_j s_jδ_j(1 − 2a_j + b_j).

    μ is solved once per distinct (n, m, λ); the average over S is analytic. λ = 0 is the
    ridgeless limit; at λ = 0 and m = n < d (interpolation peak) the error is +inf.

    Parameters
    ----------
    setting : Setting
        The data model (Σ, Γ, Δ, σ₁², σ₂²).
    n : float or array_like
        Sample size n > 0 (may be non-integer).
    m : float or array_like
        Width m > 0 (ψ = m/n is the paper's parametrisation rate).
    p2 : float or array_like
        Synthetic fraction p₂ ∈ [0, 1].
    lam : float or array_like
        Ridge penalty λ ≥ 0. All four arguments broadcast.
    path : {"auto", "fast", "safe"}
        Arithmetic of the ratios s/(s+μ), μ/(s+μ), as in :func:`solve_mu` (the default picks, per
        value of μ, the faster one wherever it is proven exact; the results agree to rounding).

    Returns
    -------
    ProjectionsTheory
        ``total`` = ``approx`` (A) + ``bias`` (B) + ``variance`` (V) + ``zeta`` (ζ), with ζ =
        ``zeta_floor`` (p₂²T₃) + ``zeta_design``; ``clean`` (the total at p₂ = 0), ``floor``
        (the n → ∞ limit of ζ at fixed m) and the scalars ``mu``, ``kappa`` = μθ, ``theta``,
        ``u``; on the broadcast shape, floats for scalar input.
    """
    setting = V.setting("setting", setting)
    n = V.positive_sizes("n", n, integer=False)
    m = V.positive_sizes("m", m, integer=False)
    p2 = V.fraction("p2", p2)
    lam = V.nonnegative("lam", lam)
    path = check_path(path)
    n, m, p2, lam = V.broadcast(n=n, m=m, p2=p2, lam=lam)
    shape = n.shape
    n, m, p2, lam = (a.ravel().astype(float) for a in (n, m, p2, lam))

    (n_u, m_u, lam_u), inv = _unique_rows(n, m, lam)
    mu_u = solve_mu(setting, n_u, m_u, lam_u, path=path)
    T = traces(setting, n_u, m_u, lam_u, mu_u, path=path)
    # n → ∞ at fixed m: (1 − df₁/m) μ = λd/m  (the n-factor → 1); depends on (m, λ) only
    (m_l, lam_l), inv_ml = _unique_rows(m, lam)
    mu_inf = solve_mu(setting, np.full(m_l.shape, 1e300), m_l, lam_l, path=path)
    t3_inf = traces(setting, np.full(m_l.shape, np.inf), m_l, lam_l, mu_inf, path=path)["t3"][inv_ml]
    T = {k: v[inv] for k, v in T.items()}
    mu, theta = mu_u[inv], T["theta"]
    p1 = 1.0 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = T["gap"]  # n − df₂ˢ, exact (see traces)
        interp = gap <= 0  # only at λ = 0 on the interpolation peak
        u = np.where(interp, np.inf, T["df2"] / np.where(interp, 1.0, gap))
        bias = np.where(interp, 0.0, T["bias_num"] * (n / np.where(interp, 1.0, gap)))
        bias = np.maximum(bias, 0.0)  # b − o cancels to O(κ²) in the ridgeless thin regime

        def var(p2v):
            noise = (1 - p2v) * setting.sigma2_real + p2v * setting.sigma2_synth + T["approx"] + p2v * T["rho_delta"]
            return np.where(interp & (noise == 0), 0.0, noise * u)

        variance = var(p2)
        zeta_floor = p2**2 * T["t3"]
        # Σ δ̃ (p₁² + 2p₁p₂a + p₂²b − o) ≥ 0 (b ≥ o, as for the bias); near the ridgeless peak m = n < d
        # b − o cancels to rounding, which u ≫ 1 would amplify into a (tiny, relative to V) negative ζ
        mix = np.maximum(p1**2 * T["tdl"] + 2 * p1 * p2 * T["ta"] + p2**2 * T["tb"] - T["to"], 0.0)
        zeta_design = np.where(p2 == 0, 0.0, p2**2 * p1 * u * T["t3"] + p2 * u * mix)
        zeta_design = np.where(interp & (p2 > 0), np.inf, zeta_design)
        zeta = zeta_floor + zeta_design
        clean = T["approx"] + bias + var(np.zeros_like(p2))
    total = T["approx"] + bias + variance + zeta
    out = dict(
        total=total,
        approx=T["approx"],
        bias=bias,
        variance=variance,
        zeta=zeta,
        zeta_floor=zeta_floor,
        zeta_design=zeta_design,
        clean=clean,
        mu=mu,
        kappa=mu * theta,
        theta=theta,
        u=u,
    )
    out["floor"] = p2**2 * t3_inf
    return ProjectionsTheory(**{k: _scalarise(np.broadcast_to(v, n.shape).reshape(shape)) for k, v in out.items()})
