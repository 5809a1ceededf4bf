"""Monte Carlo of the three terms of Theorem 1 separately (teachers and noise integrated out).

Given the design X, the error of ridge splits exactly into three independent parts
(the chapter "Theorem 1 and strong collapse", derivation sketch, step 1): with
R = (XᵀX/n + λI)⁻¹ and P = X₂ᵀX₂/n (synthetic rows),

    B_n = λ² tr Γ R Σ R,
    V_n = tr R Σ R (σ₁² X₁ᵀX₁ + σ₂² X₂ᵀX₂) / n²,
    ζ_n = tr Δ P R Σ R P,

so averaging these over X alone (w₁*, δ and ε are integrated out exactly) gives a
low-variance Monte Carlo estimate of each of B, V and ζ of Theorem 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import ArrayLike

from .. import _validate as V
from ..setting import Setting
from .common import for_each_trial, run_options, trial_generator


@dataclass(frozen=True)
class TermsResult:
    """Trial means and standard errors of B_n, V_n, ζ_n; ``p2_eff`` = round(p₂n)/n."""

    bias: float
    variance: float
    zeta: float
    bias_stderr: float
    variance_stderr: float
    zeta_stderr: float
    p2_eff: float
    trials: int

    @property
    def total(self) -> float:
        return self.bias + self.variance + self.zeta


def classical_terms(
    setting: Setting,
    n: ArrayLike,
    p2: ArrayLike,
    lam: ArrayLike,
    trials: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype = "float64",
) -> TermsResult:
    """Estimate B, V and ζ of Theorem 1 separately at one (n, p₂, λ) by averaging over X only.

    Given the design, with R = (XᵀX/n + λI)⁻¹ and P = X₂ᵀX₂/n (synthetic rows), the
    error splits exactly into B_n = λ² tr ΓRΣR, V_n = tr RΣR(σ₁²X₁ᵀX₁ + σ₂²X₂ᵀX₂)/n² and
    ζ_n = tr ΔPRΣRP (teachers and noise integrated out; the chapter *Theorem 1 and
    strong model collapse*, derivation sketch, step 1). Their trial means estimate B, V
    and ζ of the paper's Theorem 1 with low variance. Trials are batched: X is drawn for
    all trials at once (trial t seeded by (seed, n, t, 7)) and R is formed by one batched solve.

    Parameters
    ----------
    setting : Setting
        The data model.
    n : int
        Sample size.
    p2 : float
        Synthetic fraction; round(p₂n) rows are synthetic.
    lam : float
        Ridge penalty λ ≥ 0; ``lam = 0`` needs n > d (R must exist).
    trials : int
        Draws of X.
    seed : int
        Base seed.
    device, dtype : str
        Torch device and "float64" or "float32".

    Returns
    -------
    TermsResult
        Trial means ``bias``, ``variance``, ``zeta`` (and ``total``), their standard errors,
        ``p2_eff`` = round(p₂n)/n and ``trials``.
    """
    setting = V.setting("setting", setting)
    n = int(V.positive_sizes("n", n))
    p2 = float(V.fraction("p2", p2))
    lam = V.nonnegative_scalar("lam", lam)
    trials, seed, dev, dt = run_options(trials, seed, device, dtype)
    d = setting.d
    if lam == 0 and n <= d:
        raise ValueError(f"lam=0 needs n > d = {d} here (XᵀX/n must be invertible), got n = {n}")
    n2 = int(round(p2 * n))
    X = torch.empty((trials, n, d), dtype=dt, device=dev)
    for_each_trial(
        lambda t: torch.randn((n, d), generator=trial_generator(seed, (n, t, 7), dev), dtype=dt, device=dev, out=X[t]),
        trials,
        dev,
    )
    s = torch.tensor(np.asarray(setting.spectrum), dtype=dt, device=dev)
    g = torch.tensor(np.asarray(setting.gamma), dtype=dt, device=dev)
    dl = torch.tensor(np.asarray(setting.delta), dtype=dt, device=dev)
    X *= s.sqrt()
    X1, X2 = X[:, : n - n2], X[:, n - n2 :]
    G1, G2 = X1.mT @ X1, X2.mT @ X2
    eye = torch.eye(d, dtype=dt, device=dev)
    R = torch.linalg.inv((G1 + G2) / n + lam * eye)
    RSR = R @ (s[:, None] * R)
    bias = lam**2 * torch.einsum("d,tdd->t", g, RSR)
    noise = (setting.sigma2_real * G1 + setting.sigma2_synth * G2) / n**2
    variance = (RSR * noise).sum(dim=(1, 2))
    P = G2 / n
    zeta = torch.einsum("d,tdd->t", dl, P @ RSR @ P)
    vals = torch.stack([bias, variance, zeta]).cpu().numpy()
    mean = vals.mean(axis=1)
    se = vals.std(axis=1, ddof=1) / np.sqrt(trials) if trials > 1 else np.full(3, np.nan)
    return TermsResult(*map(float, mean), *map(float, se), n2 / n, trials)
