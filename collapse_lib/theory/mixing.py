"""Deterministic equivalents of the mixing strategies (paper figures 9 and 10).

**Weighted mixing** (figure 9). With n₁ real and n₂ synthetic samples, n = n₁ + n₂,
p_k = n_k/n, the estimator

    ŵ(α) = argmin_w α/n₁ ‖X₁w − Y₁‖² + (1−α)/n₂ ‖X₂w − Y₂‖² + λ‖w‖²

is ridge with per-sample weights ω₁ = α/p₁ (real) and ω₂ = (1−α)/p₂ (synthetic):
ŵ = (Ĉ + λ)⁻¹ (1/n) Σᵢ ωᵢ xᵢ yᵢ with Ĉ = (1/n) Σᵢ ωᵢ xᵢ xᵢᵀ. Its deterministic
equivalent uses the scalar t > 0 solving

    t = (1/n) tr Σ(θΣ + λ)⁻¹,     θ = Σ_k θ_k,     θ_k = p_k ω_k / (1 + ω_k t),

(so (Ĉ + λ)⁻¹ ≍ (θΣ + λ)⁻¹ = θ⁻¹(Σ + κ)⁻¹ with κ = λ/θ), and

    q_k = p_k ω_k² / (1 + ω_k t)²,  q = q₁ + q₂,  v = (q/θ²) df₂(κ)/n / (1 − (q/θ²) df₂(κ)/n),
    ρ = θ₂/θ  (effective synthetic share of the mean),  π_k = q_k/q  (share of the fluctuations),

    E ≃ B + V + ζ,   B = (1 + v) κ² tr ΓΣ(Σ+κ)⁻²,   V = v (π₁σ₁² + π₂σ₂²),
                     ζ = ρ²(1 + π₁v) tr ΔΣ³(Σ+κ)⁻² + π₂ v tr ΔΣ((1−ρ)Σ + κ)²(Σ+κ)⁻².

This is Theorem 1 with p₂ replaced by ρ in the systematic part and by π₂ in the
fluctuation part; at α = p₁ (ω₁ = ω₂ = 1) it is Theorem 1 exactly (ρ = π₂ = p₂,
κ = λ(1 + t), v = u), and at α = 1 it is clean ridge on the n₁ real samples with
the same λ.

The formula comes from one rule (Gaussian equivalence of ridge, derived by
leave-one-out; a sketch, not a proof, checked against simulation in the tests): for two ridge estimators a, b fitted on the *same* inputs with
weights ω^a, ω^b, group teachers β_k and noise of cross-covariance σ_k^{ab},

    E⟨ŵ^a − v, ŵ^b − v⟩_Σ ≃ ⟨m^a − v, m^b − v⟩_Σ + D_ab τ_ab,
    m^a = (θ^aΣ + λ)⁻¹Σ Σ_k θ_k^a β_k,   D_ab = (1/n) tr Σ R̄_a Σ R̄_b,
    τ_ab = Σ_k q_k^{ab} (σ_k^{ab} + ⟨m^a − β_k, m^b − β_k⟩_Σ) / (1 − q^{ab} D_ab),
    q_k^{ab} = p_k ω_k^a ω_k^b / ((1 + ω_k^a t_a)(1 + ω_k^b t_b)).

**Iterative mixing** (figure 10). Round 0 is pooled ridge with synthetic labels from
w₂*; round t relabels the same synthetic inputs, Y₂ = X₂ŵ⁽ᵗ⁻¹⁾ + ε_t. With
M_k = X_kᵀX_k/n, R = (M₁ + M₂ + λ)⁻¹ and K = RM₂ the rounds obey
ŵ_t = K ŵ_{t−1} + R(M₁w₁ + X₁ᵀε₁/n) + RX₂ᵀε_t/n. Their generating function is a
weighted ridge: (1 − z) Σ_t z^t ŵ_t is ridge with weights (1, 1 − z) on (real,
synthetic), synthetic teacher w₂* and synthetic noise Σ_t z^t ε_t. So

    Σ_{t,s} z^t w^s E⟨ŵ_t − w₁, ŵ_s − w₁⟩_Σ = E⟨ŵ^{(z)} − w₁, ŵ^{(w)} − w₁⟩_Σ / ((1 − z)(1 − w)),

whose right side is given by the rule above at complex weights, and the error of
round t is the diagonal coefficient [z^t w^t], extracted by a two-dimensional
discrete Cauchy integral (FFT on a torus of radius r < 1).

The weighted strategy is in :mod:`.mixing_weighted`, the iterative one in
:mod:`.mixing_iterative`, the rule they share in :mod:`._mixing_rule`; their public names
are gathered here (and in :mod:`collapse_lib.theory`).
"""

from .mixing_iterative import (
    IterativeMixingLeadingOrder,
    IterativeMixingLimit,
    IterativeMixingTheory,
    iterative_mixing,
    iterative_mixing_leading_order,
    iterative_mixing_limit,
)
from .mixing_weighted import OptimalAlpha, WeightedMixingTheory, optimal_alpha, weighted_mixing

__all__ = [
    "IterativeMixingLeadingOrder",
    "IterativeMixingLimit",
    "IterativeMixingTheory",
    "OptimalAlpha",
    "WeightedMixingTheory",
    "iterative_mixing",
    "iterative_mixing_leading_order",
    "iterative_mixing_limit",
    "optimal_alpha",
    "weighted_mixing",
]
