"""Model-collapse workflows: the test error generation after generation (beyond the paper).

The data model is the book's (Σ, Γ, noise), without the fixed synthetic teacher: the
"synthetic" labels of generation t are made by the previous model.

* Generation 0: ridge on n real samples, y = xᵀw₁* + ε, ε ~ N(0, σ₁²).
* Generation t ≥ 1: fresh inputs x ~ N(0, Σ) labelled by the previous model,
  y = xᵀŵ_{t−1} + ε, ε ~ N(0, σ₂²) (``setting.sigma2_synth``), and

  - ``"replace"``: ŵ_t is ridge on the n new samples alone;
  - ``"accumulate"``: ŵ_t is ridge on every sample so far, N_t = (t+1)n;
  - ``"accumulate-subsample"``: ŵ_t is ridge on n samples drawn uniformly without
    replacement from that pool (a fresh draw each generation);
  - ``"mix"``: ŵ_t is ridge on n new samples, round(p₂n) labelled by ŵ_{t−1} and the
    others fresh real samples (labels xᵀw₁* + ε, ε ~ N(0, σ₁²)).

Ridge is normalised as everywhere in the library, ŵ = (XᵀX/N + λI)⁻¹Xᵀy/N, and
E_t = (ŵ_t − w₁*)ᵀΣ(ŵ_t − w₁*) (label noise excluded). ``setting.delta`` (c²) is not used.

**Deterministic equivalent (ours).** Write e_s = ŵ_s − w₁* and E = [e_0 … e_T]. Every
workflow is one linear system: sample i has input x_i, noise ε_i, a teacher index a_i
(−1 for w₁*, else the model that labelled it) and a weight ω_{is} in the loss of model s
(1/N_s if model s trains on it, else 0). With D_i = diag(ω_i) and P_i = I − 1e_{a_i}ᵀ
(P_i = I for a_i = −1), J_i = D_iP_i, the normal equations of all models read

    Σ_i x_ix_iᵀ E J_iᵀ + λE = −λw₁*1ᵀ + Σ_i ε_i x_i ω_iᵀ.

Leave-one-out (Sherman–Morrison for this (T+1)-block "linear pencil") gives, with
(T+1)×(T+1) matrices K and Φ solving

    K = Σ_i (I + J_iΦ)⁻¹J_i,        Φ = Σ_j s_j (s_jK + λI)⁻¹   (sum over the eigenvalues of Σ),

that E behaves like the solution of ΣEKᵀ + λE = −λw₁*1ᵀ − Z, Z Gaussian with
E[Z_{:,s}Z_{:,t}ᵀ] = Σ Ψ_{st}. Hence, with F_j = (s_jK + λI)⁻¹ and g_i = (I + J_iΦ)⁻¹D_i,

    C := E[EᵀΣE] = Σ_j s_j F_j (λ²γ_j 11ᵀ + s_j Ψ) F_jᵀ,
    Ψ = Σ_i g_i (P_i C P_iᵀ + σ_i² 11ᵀ) g_iᵀ,

and E_t = C_tt. For one model (T = 0) this is Theorem 1 at p₂ = 0 (K = 1 − df₁(κ)/n,
κ = λ/K). Everything is causal (lower triangular in the generation index), so K, Φ and
then C, Ψ are solved entry by entry, generation after generation: each entry needs one
2×2 (first order) or scalar (second order) linear solve. For
``"accumulate-subsample"`` the weights are random (sample i of block k is in model s's
training set with probability 1/(s+1), independently over s); the averages over these
patterns are exact because g_i is a path sum over the generations a sample is used in
(module function :func:`_first_order`, docstring).

Closed forms it reduces to (λ = 0, n > d; tests/theory/test_workflow.py checks them):

* replace: E_t = (σ₁² + tσ₂²) φ/(1−φ), φ = d/n (Dohmatob, Feng & Kempe 2024; the
  exact finite-sample value for Gaussian inputs is (σ₁² + tσ₂²) d/(n−d−1), see
  :func:`workflow_ols_exact`);
* accumulate: E_t = σ₁²φ/(1−φ) + σ₂² Σ_{k=2}^{t+1} φ/(k(k−φ)), bounded as t → ∞ by
  σ₂²(ψ(1) − ψ(1−φ)) for σ₁ = σ₂ (ψ the digamma function), ≈ σ²φπ²/6 for small φ
  (Gerstgrasser et al. 2024);
* mix: E_t = σ̄²u + p₂(p₂ + p₁u) E_{t−1}, u = φ/(1−φ), σ̄² = p₁σ₁² + p₂σ₂²: Theorem 1
  with the previous model as synthetic teacher of quality c² = E_{t−1}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from .ridge import _scalarise, classical, solve_kappa

KINDS = ("replace", "accumulate", "accumulate-subsample", "mix")

_CHUNK_ELEMENTS = 4_000_000  # grid points per chunk × (eigenvalue groups + 4 × sample groups) × (T+1)² ≤ this


@dataclass(frozen=True)
class WorkflowTheory:
    """Deterministic equivalent of the test error of a model-collapse workflow, generation by generation.

    ``total``, ``bias``, ``real_noise``, ``synthetic_noise`` and ``kappa`` have shape
    ``grid_shape + (generations + 1,)`` (E_0 … E_T along the last axis); total = bias +
    real_noise + synthetic_noise: the ridge shrinkage of w₁*, the label noise of real
    samples (σ₁²) and the label noise added whenever a model labels data (σ₂²).
    ``kappa`` is the effective regularisation κ(λ, N_t) of generation t's fit (N_t its
    training-set size). ``clean`` (grid_shape) is Theorem 1 at p₂ = 0 for n samples
    (= E_0).
    """

    total: np.ndarray
    bias: np.ndarray
    real_noise: np.ndarray
    synthetic_noise: np.ndarray
    kappa: np.ndarray
    clean: np.ndarray | float
    kind: str
    generations: int
    p2: np.ndarray | float | None


# ----------------------------------------------------------------------------- arguments
def check_kind(kind: str, p2: ArrayLike | None) -> None:
    """Validate a workflow ``kind`` and its ``p2`` (required for, and only for, ``"mix"``).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`: "replace", "accumulate", "accumulate-subsample", "mix".
    p2 : float, array_like or None
        The synthetic fraction of ``"mix"``; must be None for the other kinds.

    Returns
    -------
    None
        Raises ValueError naming ``kind`` or ``p2`` when they do not fit.
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(repr(k) for k in KINDS)}, got {kind!r}")
    if kind == "mix" and p2 is None:
        raise ValueError("kind='mix' needs p2, the fraction of each generation labelled by the previous model")
    if kind != "mix" and p2 is not None:
        raise ValueError(f"p2 is only used by kind='mix', got p2={p2!r} with kind={kind!r}")


def check_arguments(setting, n, generations, kind, lam, p2, integer: bool):
    """The checked, broadcast arguments shared by the workflow theory and simulation.

    λ = 0 needs n > d in every fit (the smallest training set of a workflow has n samples).

    Parameters
    ----------
    setting : Setting
        The data model (only d is read here).
    n : float, int or array_like
        Samples per generation (> 0).
    generations : int
        T ≥ 0.
    kind : str
        One of :data:`KINDS`.
    lam : float or array_like
        Ridge penalty λ ≥ 0.
    p2 : float, array_like or None
        Synthetic fraction of ``"mix"`` (None for the other kinds).
    integer : bool
        Whether ``n`` must hold integers (the simulation) or may not (the theory).

    Returns
    -------
    tuple
        (T, grid shape, n, λ, p₂) with n, λ and p₂ flattened (p₂ = 0 unless ``"mix"``), and
        p₂ broadcast to the grid shape (None unless ``"mix"``).
    """
    setting = V.setting("setting", setting)
    check_kind(kind, p2)
    T = V.nonnegative_int("generations", generations)
    arrays = dict(n=V.positive_sizes("n", n, integer=integer), lam=V.nonnegative("lam", lam))
    if kind == "mix":
        arrays["p2"] = V.fraction("p2", p2)
    out = V.broadcast(**arrays)
    n_f, lam_f = out[0].ravel(), out[1].ravel().astype(float)
    if np.any((lam_f == 0) & (n_f <= setting.d)):
        raise ValueError(f"lam = 0 needs n > d = {setting.d} (least squares on n samples); use lam > 0 or a larger n")
    p2_f = out[2].ravel().astype(float) if kind == "mix" else np.zeros(n_f.shape)
    return T, out[0].shape, n_f, lam_f, p2_f, (out[2] if kind == "mix" else None)


# ----------------------------------------------------------------------------- sample groups
@dataclass
class _Groups:
    """Samples grouped by role, on a flat grid of P points and G groups, m = T + 1 models.

    count (P, G): samples per group; teacher (G,): index of the labelling model (−1 = w₁*);
    real (G,): label noise σ₁² (True) or σ₂² (False); pi (G, m): probability that a sample
    is in model s's training set; omega (P, G, m): its weight there, 1/N_s.
    """

    count: np.ndarray
    teacher: np.ndarray
    real: np.ndarray
    pi: np.ndarray
    omega: np.ndarray


def _groups(kind, n, p2, m) -> _Groups:
    P = n.size
    gen = np.arange(m)
    if kind in ("replace", "mix"):
        eye = np.eye(m)
        if kind == "replace":
            count = np.repeat(n[:, None], m, axis=1)
            teacher = gen - 1
            real = gen == 0
            pi = eye
        else:  # per generation k a real group (2k) and a synthetic group (2k + 1; empty for k = 0)
            real_n = np.where(gen[None, :] == 0, n[:, None], (1.0 - p2)[:, None] * n[:, None])
            synth_n = np.where(gen[None, :] == 0, 0.0, p2[:, None] * n[:, None])
            count = np.stack([real_n, synth_n], axis=-1).reshape(P, 2 * m)
            teacher = np.stack([np.full(m, -1), np.maximum(gen - 1, -1)], axis=-1).ravel()
            real = np.tile([True, False], m)
            pi = np.repeat(eye, 2, axis=0)
        omega = pi[None, :, :] / n[:, None, None]
    else:  # block k: n samples made at generation k, usable by every model s ≥ k
        count = np.repeat(n[:, None], m, axis=1)
        teacher = gen - 1
        real = gen == 0
        used = (gen[None, :] >= gen[:, None]).astype(float)  # (G=block k, s)
        if kind == "accumulate":
            pi = used
            omega = used[None] / ((gen + 1.0)[None, None, :] * n[:, None, None])
        else:
            pi = used / (gen + 1.0)[None, :]
            omega = np.broadcast_to(used[None] / n[:, None, None], (P, m, m)).copy()
    return _Groups(count.astype(float), teacher.astype(int), real, pi.astype(float), omega)


def _active(grp: _Groups, s) -> slice:
    """The groups that model s trains on (π_gs > 0): contiguous by construction of :func:`_groups`."""
    idx = np.nonzero(grp.pi[:, s] > 0)[0]
    lo, hi = int(idx[0]), int(idx[-1]) + 1
    assert hi - lo == idx.size, "groups used by one model must be contiguous"
    return slice(lo, hi)


# ----------------------------------------------------------------------------- first order: K, Φ, E[g]
def _first_order(setting, lam, grp: _Groups, m):
    """K, Φ (P, m, m), F_j = (s_jK+λ)⁻¹ (P, J, m, m), E[g] (P, G, m, m), c (P, G, m), κ (P, m).

    g = (I + DPΦ)⁻¹D (D = diag of the sample's weights, P = I − 1e_aᵀ) is lower
    triangular; its rows obey g_s = b_s c_s (e_s − Σ_{u<s} A_{su} g_u) with A = PΦ,
    c_s = ω_s/(1 + ω_sΦ_ss) and b_s ∈ {0, 1} the indicator that model s uses the sample
    (P(b_s = 1) = π_s, independent of earlier rows). So E[g_s] = π_s c_s (e_s − Σ A_{su}E[g_u])
    exactly, for deterministic (π ∈ {0, 1}) and random (subsampled) training sets alike.
    Entry (s, v) of K and of Φ depend on each other only through the entry itself; the
    other terms are known when the row s is filled from v = s − 1 down to 0.
    """
    s_eig, w = setting.grouped.eigenvalues, setting.grouped.multiplicity
    P, G = grp.count.shape
    J = s_eig.size
    lam_ = lam[:, None]
    N = np.einsum("pg,gs->ps", grp.count, grp.pi)  # expected training-set size of model s
    kappa = solve_kappa(setting, N.ravel(), np.repeat(lam, m)).reshape(P, m)
    K = np.zeros((P, m, m))
    Phi = np.zeros((P, m + 1, m))  # row m = 0: "Φ of w₁*" (teacher index −1)
    F = np.zeros((P, J, m, m))
    Eg = np.zeros((P, G, m, m))
    c = np.zeros((P, G, m))
    tidx = np.where(grp.teacher < 0, m, grp.teacher)
    for s in range(m):
        with np.errstate(divide="ignore", invalid="ignore"):
            df1 = (s_eig[None, :] / (s_eig[None, :] + kappa[:, s : s + 1])) @ w
        Kss = 1.0 - df1 / N[:, s]
        K[:, s, s] = Kss
        den = s_eig[None, :] * Kss[:, None] + lam_  # (P, J)
        F[:, :, s, s] = 1.0 / den
        Phi[:, s, s] = (w * s_eig / den).sum(-1)
        om = grp.omega[:, :, s]
        c[:, :, s] = om / (1.0 + om * Phi[:, s, s][:, None])
        a = _active(grp, s)  # E[g_s] = 0 for the other groups
        ta, cnt, Ega = tidx[a], grp.count[:, a], Eg[:, a]
        pc = grp.pi[None, a, s] * c[:, a, s]  # (P, Ga)
        Ega[:, :, s, s] = pc
        ws2 = w * s_eig**2 / den  # (P, J)
        for v in range(s - 1, -1, -1):
            mid = slice(v + 1, s)
            X = np.einsum("pu,pju->pj", K[:, s, mid], F[:, :, mid, v])
            alpha = -(ws2 * X).sum(-1)
            beta = (ws2 * F[:, :, v, v]).sum(-1)
            A_mid = Phi[:, s, None, mid] - Phi[:, ta, mid]  # (P, Ga, L): A_{su} = Φ_{su} − Φ_{a,u}
            gam = -pc * (np.einsum("pgu,pgu->pg", A_mid, Ega[:, :, mid, v]) - Phi[:, ta, v] * Ega[:, :, v, v])
            dco = pc * Ega[:, :, v, v]
            own = ta == v  # groups labelled by model v: K picks up −(row sum of E[g_s]) here
            Gam = (cnt * gam).sum(-1) - (cnt[:, own] * Ega[:, own, s, v + 1 :].sum(-1)).sum(-1)
            Dl = (cnt * dco).sum(-1)
            Ksv = (Gam - Dl * alpha) / (1.0 - Dl * beta)
            Phisv = alpha - beta * Ksv
            K[:, s, v], Phi[:, s, v] = Ksv, Phisv
            Ega[:, :, s, v] = gam - dco * Phisv[:, None]
            F[:, :, s, v] = -s_eig[None, :] * (X + Ksv[:, None] * F[:, :, v, v]) / den
    return K, Phi, F, Eg, c, kappa, tidx


# ----------------------------------------------------------------------------- second order: C, Ψ
def _second_order(setting, lam, grp: _Groups, m, first, sources):
    """C = E[EᵀΣE] (S, P, m, m) for S noise/bias sources, filled row by row, each row from column 0 up.

    ``sources`` (S, 3): weights of (bias λ²γ, real noise σ₁², synthetic noise σ₂²) per source.
    Q_g := E[g (P C Pᵀ + σ_g²11ᵀ) gᵀ] follows from the row recursion of g:
    Q_{sv} = π_s c_s (Σ_{u'} M_{su'}E[g_v]_{u'} − Σ_{u<s} A_{su}Q_{uv}) for v < s and
    Q_{ss} = π_s c_s² (M_ss − 2Σ_u A_{su}(M E[g_u]ᵀ)_s + Σ_{u,u'} A_{su}A_{su'}Q_{uu'}).
    Entry (s, v) of C and of Ψ = Σ_g count_g Q_g depend on each other only through the
    entry itself (one scalar solve).
    """
    K, Phi, F, Eg, c, _, tidx = first
    sp = setting.grouped
    s_eig, w, g_sum = sp.eigenvalues, sp.multiplicity, sp.gamma_sum
    S = sources.shape[0]
    P, G = grp.count.shape
    sig = np.where(grp.real[None, :], setting.sigma2_real * sources[:, 1:2], setting.sigma2_synth * sources[:, 2:3])
    f1 = F.sum(-1)  # F_j 1: (P, J, m)
    Cb = lam[:, None, None] ** 2 * np.einsum("j,pjs,pjt->pst", s_eig * g_sum, f1, f1)
    Cb = sources[:, 0, None, None, None] * Cb[None]
    C = np.zeros((S, P, m + 1, m + 1))  # row/column m = 0: "C of w₁*"
    Psi = np.zeros((S, P, m, m))
    Q = np.zeros((S, P, G, m, m))
    ws2 = w * s_eig**2  # (J,)
    for s in range(m):
        R = np.einsum("pju,xpuv->xpjv", F[:, :, s, :s], Psi[:, :, :s, :])  # known rows of Ψ, (S, P, J, m)
        a = _active(grp, s)  # Q_g has no row s for the other groups
        ta, cnt, sig_a, Eg_a, Q_a = tidx[a], grp.count[None, :, a], sig[:, a], Eg[:, a], Q[:, :, a]
        pcs = (grp.pi[a, s] * c[:, a, s])[None]  # (1, P, Ga)
        A_s = Phi[:, None, s, :s] - Phi[:, ta, :s]  # (P, Ga, s): A_{su} = Φ_{su} − Φ_{a,u}
        for v in range(s + 1):
            # C_sv = Cb_sv + Σ_j w s² Σ_{u'≤v} (R_j[u'] + F_ss Ψ_{s,u'}) F_{v,u'}; Ψ_sv unknown (coefficient c1)
            Fss, Fv = F[None, :, :, s, s], F[None, :, :, v, : v + 1]
            row = R[..., : v + 1] + Fss[..., None] * Psi[:, :, None, s, : v + 1]  # Ψ_sv is still 0 here
            if v == s:  # Ψ_{u,s} = Ψ_{s,u} (u < s) were filled in this row, after R
                row[..., s] = np.einsum("pju,xpu->xpj", F[:, :, s, :s], Psi[:, :, :s, s])
            k0 = Cb[:, :, s, v] + np.einsum("j,xpju,xpju->xp", ws2, row, np.broadcast_to(Fv, row.shape))
            c1 = (ws2 * F[:, :, s, s] * F[:, :, v, v]).sum(-1)[None]  # (1, P)
            # M^g_{s,u'} = C_{s,u'} − C_{a,u'} − C_{s,a} + C_{a,a} + σ_g², for u' ≤ v (C_{s,v} unknown)
            Csa, Caa = C[:, :, s, ta], C[:, :, ta, ta]  # (S, P, Ga)
            Ms = C[:, :, None, s, : v + 1] - C[:, :, ta, : v + 1] - (Csa - Caa - sig_a[:, None, :])[..., None]
            if v < s:
                q0 = pcs * (
                    np.einsum("xpgu,pgu->xpg", Ms, Eg_a[:, :, v, : v + 1])
                    - np.einsum("pgu,xpgu->xpg", A_s, Q_a[:, :, :, :s, v])
                )
                # the unknown C_sv (still 0 in Ms[..., v]) enters with weight E[g_v]_v
                d1g = pcs * Eg_a[None, :, :, v, v]
            else:
                MEg = np.einsum("xpgu,pgwu->xpgw", Ms[..., :s], Eg_a[:, :, :s, :s])
                hM = np.einsum("pgu,xpgu->xpg", A_s, MEg)
                hh = np.einsum("pgu,pgw,xpguw->xpg", A_s, A_s, Q_a[:, :, :, :s, :s])
                pcc = (grp.pi[a, s] * c[:, a, s] ** 2)[None]
                Mss = -2 * Csa + Caa + sig_a[:, None, :]  # M_ss without C_ss
                q0 = pcc * (Mss - 2 * hM + hh)
                d1g = pcc * np.ones_like(q0)
            Psi0 = (cnt * q0).sum(-1)
            d1 = (cnt * d1g).sum(-1)
            Csv = (k0 + c1 * Psi0) / (1.0 - c1 * d1)
            C[:, :, s, v] = C[:, :, v, s] = Csv
            Psi[:, :, s, v] = Psi[:, :, v, s] = Psi0 + d1 * Csv
            Q_a[:, :, :, s, v] = Q_a[:, :, :, v, s] = q0 + d1g * Csv[..., None]
    return C[:, :, :m, :m]


_SOURCES = np.eye(3)  # bias, real noise, synthetic noise


def _solve_flat(setting, kind, n, lam, p2, m):
    """(parts (3, P, m), κ (P, m)) on a flat grid, in chunks that bound the memory of F, E[g] and Q."""
    J = setting.grouped.size
    G = 2 * m if kind == "mix" else m
    step = max(1, _CHUNK_ELEMENTS // ((J + 4 * G) * m * m))
    parts = np.empty((3, n.size, m))
    kappa = np.empty((n.size, m))
    for lo in range(0, n.size, step):
        sl = slice(lo, lo + step)
        grp = _groups(kind, n[sl], p2[sl], m)
        first = _first_order(setting, lam[sl], grp, m)
        C = _second_order(setting, lam[sl], grp, m, first, _SOURCES)
        parts[:, sl] = np.diagonal(C, axis1=2, axis2=3)
        kappa[sl] = first[5]
    return parts, kappa


def workflow(
    setting: Setting, n: ArrayLike, generations: int, kind: str, lam: ArrayLike, p2: ArrayLike | None = None
) -> WorkflowTheory:
    """Deterministic equivalent of the test error E_0 … E_T of a model-collapse workflow (ours).

    Parameters
    ----------
    setting : Setting
        Σ, Γ and the noise levels σ₁² (real labels) and σ₂² (labels made by a model);
        ``setting.delta`` is not used.
    n : float or array
        Samples per generation (> 0, may be non-integer here).
    generations : int
        T ≥ 0; the result holds generations 0 … T.
    kind : {"replace", "accumulate", "accumulate-subsample", "mix"}
        The workflow (module docstring).
    lam : float or array
        Ridge penalty λ ≥ 0; λ = 0 needs n > d.
    p2 : float or array, optional
        For ``"mix"`` only: the fraction of each generation t ≥ 1 labelled by ŵ_{t−1}.

    Returns
    -------
    WorkflowTheory
        ``n``, ``lam`` (and ``p2``) broadcast to ``grid_shape``; arrays have shape
        ``grid_shape + (T + 1,)``.

    Notes
    -----
    The formula (derived by leave-one-out for the joint linear system of all
    generations, in the spirit of the paper's Theorem 1 proof by linear pencils,
    Dohmatob et al. 2025, section 3) is in the module docstring: E_t = C_tt with
    C = Σ_j s_jF_j(λ²γ_j11ᵀ + s_jΨ)F_jᵀ. At T = 0 it is Theorem 1 at p₂ = 0; at λ = 0
    it reduces to the closed forms listed there. Cost: O(P·J·(T+1)³) for P grid
    points and J distinct eigenvalues of Σ.
    """
    T, shape, n_f, lam_f, p2_f, p2_b = check_arguments(setting, n, generations, kind, lam, p2, integer=False)
    m = T + 1
    parts, kappa = _solve_flat(setting, kind, n_f.astype(float), lam_f, p2_f, m)
    rs = lambda a: a.reshape(shape + (m,))  # noqa: E731
    bias, real, synth = (rs(p) for p in parts)
    clean = classical(setting, n_f.reshape(shape), 0.0, lam_f.reshape(shape)).total
    p2_out = None if p2_b is None else _scalarise(p2_b)
    return WorkflowTheory(
        total=bias + real + synth,
        bias=bias,
        real_noise=real,
        synthetic_noise=synth,
        kappa=rs(kappa),
        clean=clean,
        kind=kind,
        generations=T,
        p2=p2_out,
    )


def workflow_ols_exact(setting: Setting, n: ArrayLike, generations: int, kind: str) -> np.ndarray:
    """Exact finite-sample test error of least squares (λ = 0) for Gaussian inputs, E_0 … E_T.

    For x ~ N(0, Σ) and n > d + 1, E[(XᵀX)⁻¹] = Σ⁻¹/(n − d − 1) (inverse Wishart), so
    for any Σ:

    * ``"replace"``: e_t = e_{t−1} + (X_tᵀX_t)⁻¹X_tᵀε_t, hence
      E_t = (σ₁² + tσ₂²) d/(n − d − 1) (the linear growth of Dohmatob, Feng & Kempe 2024,
      "Model Collapse Demystified");
    * ``"accumulate"``: with S_t = Σ_{k≤t} X_kᵀX_k the normal equations give
      e_t = e_{t−1} + S_t⁻¹X_tᵀε_t, and by exchangeability of the t + 1 blocks
      E tr ΣS_t⁻¹X_tᵀX_tS_t⁻¹ = d/((t+1)((t+1)n − d − 1)), hence
      E_t = σ₁² d/(n−d−1) + σ₂² Σ_{k=2}^{t+1} d/(k(kn − d − 1)), bounded in t (the bound of
      Gerstgrasser et al. 2024, in closed form; our derivation).

    Parameters
    ----------
    setting : Setting
        Only d, σ₁² and σ₂² enter (least squares is unbiased, so Γ does not).
    n : int or array of int
        Samples per generation, n > d + 1.
    generations : int
        T ≥ 0.
    kind : {"replace", "accumulate"}
        The other workflows have no such closed form here (ValueError).

    Returns
    -------
    numpy.ndarray
        Shape ``n.shape + (T + 1,)``.
    """
    setting = V.setting("setting", setting)
    if kind not in ("replace", "accumulate"):
        raise ValueError(f"kind must be 'replace' or 'accumulate' for the exact least-squares forms, got {kind!r}")
    T = V.nonnegative_int("generations", generations)
    n = V.positive_sizes("n", n, integer=True).astype(float)
    d = setting.d
    if np.any(n <= d + 1):
        raise ValueError(f"n must exceed d + 1 = {d + 1} for the exact least-squares forms, got {n!r}")
    k = np.arange(1, T + 2, dtype=float)  # block count k = t + 1
    nn = n[..., None]
    if kind == "replace":
        step = np.broadcast_to(d / (nn - d - 1), nn.shape[:-1] + (T + 1,))
    else:
        step = d / (k * (k * nn - d - 1))
    sig = np.where(k == 1, setting.sigma2_real, setting.sigma2_synth)
    return np.cumsum(sig * step, axis=-1)
