"""Draw one data set from the paper's two-source model (for illustrations and checks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as V


@dataclass(frozen=True)
class Sample:
    """One draw of the paper's two-source Gaussian data model, in Σ's eigenbasis.

    X (n, d) inputs; y (n,) labels; synthetic (n,) bool, True for rows labelled by
    the synthetic teacher; w1, w2 the real and synthetic teachers.
    """

    X: np.ndarray
    y: np.ndarray
    synthetic: np.ndarray
    w1: np.ndarray
    w2: np.ndarray


def sample(setting, n, p2=0.0, seed=0) -> Sample:
    """Draw w₁* ~ N(0, Γ), w₂* = w₁* + δ with δ ~ N(0, Δ), and n labelled inputs.

    The last round(p₂n) rows are synthetic: y = xᵀw₂* + σ₂ε; the others real:
    y = xᵀw₁* + σ₁ε, with x ~ N(0, Σ). Uses numpy's ``default_rng(seed)`` and
    draws w₁*, then δ, then X, then the noise, so for a fixed seed the inputs and
    w₁* are the same whatever Δ (c²) is.
    """
    setting = V.setting("setting", setting)
    n, p2 = V.positive_sizes("n", n), V.fraction("p2", p2)
    for name, value in (("n", n), ("p2", p2)):
        if value.ndim:
            raise ValueError(f"{name} must be a single number, got shape {value.shape}")
    n, p2 = int(n), float(p2)
    seed = V.seed("seed", seed)
    rng = np.random.default_rng(seed)
    d = setting.d
    w1 = rng.standard_normal(d) * np.sqrt(setting.gamma)
    w2 = w1 + rng.standard_normal(d) * np.sqrt(setting.delta)
    X = rng.standard_normal((n, d)) * np.sqrt(setting.spectrum)
    n2 = int(round(p2 * n))
    synthetic = np.arange(n) >= n - n2
    noise = rng.standard_normal(n) * np.where(synthetic, np.sqrt(setting.sigma2_synth), np.sqrt(setting.sigma2_real))
    y = np.where(synthetic, X @ w2, X @ w1) + noise
    return Sample(X, y, synthetic, w1, w2)


def prediction_error(setting, w, w1) -> float:
    """Test error of the linear predictor ``w``: E = (w − w₁*)ᵀ Σ (w − w₁*) (label noise excluded).

    ``w`` and ``w1`` are in Σ's eigenbasis, as in :class:`Sample`, so Σ is
    ``diag(setting.spectrum)``. This is the test error of the paper's §2.
    """
    setting = V.setting("setting", setting)
    w, w1 = np.asarray(w, dtype=float), np.asarray(w1, dtype=float)
    if w.shape != (setting.d,) or w1.shape != (setting.d,):
        raise ValueError(f"w and w1 must have shape ({setting.d},), got {w.shape} and {w1.shape}")
    e = w - w1
    return float(np.dot(setting.spectrum, e * e))
