"""Random-features regression: f(x) = vᵀ φ(Sᵀx) with a fixed random first layer and a ridge readout.

S ∈ R^{d×m} has iid N(0, 1/d) entries (the scaling of the random-projections model of
the paper's Theorem 2, as set up in the chapter *Theorem 2: model size and collapse*),
φ acts entrywise, and the readout solves

    v̂ = argmin_v (1/n) ‖F v − Y‖² + λ ‖v‖²,   F = φ(X S) ∈ R^{n×m},
      = (FᵀF/n + λ I)⁻¹ FᵀY/n.

With φ = identity this *is* the random-projections (RP) model of Theorem 2 (features
z = Sᵀx); with φ = ReLU it is the random-features model of the paper's Figure 7 (left).
Y may hold many label sets (columns) at once: the readout is linear in Y, so one
factorisation of FᵀF/n serves every p₂ (only the labels change) — that is how the
MNIST sweep is batched.

The readout only needs the moments G = FᵀF/n and B = FᵀY/n; :func:`solve_readout`
works from those, so a sweep over nested training sets (n₁ < n₂ < …) accumulates them
row block by row block and pays for the Gram matrix once.

When the width exceeds the number of samples (the paper's Figure 7 uses m = 100,000
features on MNIST, n ≤ 60,000) the m × m moments are out of reach and the *dual* form is
used instead. By the push-through identity (FᵀF + nλI)⁻¹Fᵀ = Fᵀ(FFᵀ + nλI)⁻¹,

    v̂ = Fᵀ α̂,   α̂ = (K/n + λI)⁻¹ Y/n,   K = FFᵀ ∈ R^{n×n},
    f(x_test) = K_test α̂,   K_test = F_test Fᵀ,

so only the n × n Gram matrix and the test–train Gram matrix are needed
(:func:`feature_grams`); they are accumulated over blocks of features, so F is never held
whole. Cost O((n + n_test)·n·m), memory O((n + n_test)·n): exact for any m, not a kernel
limit. ``solve_readout(K/n, Y/n, λ)`` gives α̂ (λ = 0: K⁺Y, the minimum-norm interpolator).
"""

from __future__ import annotations

import numpy as np
import torch

from .. import _validate as V
from ..simulate.common import pseudo_inverse_filter

ACTIVATIONS = {
    "relu": torch.relu,
    "linear": lambda z: z,
    "tanh": torch.tanh,
}


def check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    return activation


def draw_projection(d: int, m: int, generator: torch.Generator, device, dtype=torch.float32) -> torch.Tensor:
    """The fixed first layer S ∈ R^{d×m}, entries iid N(0, 1/d)."""
    d = V.positive_int("d", d)
    m = V.positive_int("width", m)
    return torch.randn((d, m), generator=generator, device=device, dtype=dtype) / np.sqrt(d)


def features(X: torch.Tensor, S: torch.Tensor, activation: str = "relu") -> torch.Tensor:
    """Random features φ(X S): rows of ``X`` (…, n, d) mapped to (…, n, m)."""
    return ACTIVATIONS[check_activation(activation)](X @ S)


def solve_readout(G: torch.Tensor, B: torch.Tensor, lam) -> torch.Tensor:
    """Ridge readout from moments: v̂ = (G + λI)⁻¹ B with G = FᵀF/n (m, m), B = FᵀY/n (m, P).

    Computed in float64. λ > 0: Cholesky solve. λ = 0: the pseudo-inverse G⁺B, i.e. least
    squares when n ≥ m and the minimum-norm interpolator when m > n (eigenvalues below
    m·eps·max are treated as zero). Returns (m, P) in the dtype of ``B``.
    """
    lam = V.nonnegative_scalar("lam", lam)
    G64, B64 = G.to(torch.float64), B.to(torch.float64)
    if lam > 0:
        A = G64.clone()
        A.diagonal(dim1=-2, dim2=-1).add_(lam)  # G + λI without an m × m identity (m may be 10⁴–10⁵)
        L, info = torch.linalg.cholesky_ex(A)
        del A
        if int(info.max()) == 0:
            return torch.cholesky_solve(B64, L).to(B.dtype)
    mu, Q = torch.linalg.eigh(G64)
    filt = pseudo_inverse_filter(mu, lam)
    return (Q @ (filt.unsqueeze(-1) * (Q.mT @ B64))).to(B.dtype)


def feature_grams(
    X: torch.Tensor, X_test: torch.Tensor, S: torch.Tensor, activation: str = "relu", block: int = 4096
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gram matrices of the random features for the dual readout, without holding the features.

    Returns ``(K, K_test)`` in float64: K = F Fᵀ (n, n) and K_test = F_test Fᵀ (n_test, n),
    with F = φ(X S) and F_test = φ(X_test S), summed over blocks of ``block`` columns of S
    (each block's products in the dtype of ``S``, accumulated in float64).
    """
    block = V.positive_int("block", block)
    if X.shape[-1] != S.shape[0] or X_test.shape[-1] != S.shape[0]:
        raise ValueError(
            f"X and X_test must have {S.shape[0]} columns (the rows of S), got {X.shape[-1]} and {X_test.shape[-1]}"
        )
    n, n_test = X.shape[0], X_test.shape[0]
    K = torch.zeros((n, n), dtype=torch.float64, device=S.device)
    K_test = torch.zeros((n_test, n), dtype=torch.float64, device=S.device)
    for lo in range(0, S.shape[1], block):
        Sb = S[:, lo : lo + block]
        F, Ft = features(X, Sb, activation), features(X_test, Sb, activation)
        K += F @ F.mT
        K_test += Ft @ F.mT
    return K, K_test


def fit_readout(F: torch.Tensor, Y: torch.Tensor, lam) -> torch.Tensor:
    """Ridge readout v̂ = argmin (1/n)‖Fv − Y‖² + λ‖v‖² for features F (n, m) and labels Y (n, P) or (n,)."""
    if F.ndim != 2:
        raise ValueError(f"F must be a 2-D (n, m) feature matrix, got shape {tuple(F.shape)}")
    squeeze = Y.ndim == 1
    Y2 = Y.unsqueeze(-1) if squeeze else Y
    if Y2.shape[0] != F.shape[0]:
        raise ValueError(f"Y has {Y2.shape[0]} rows but F has {F.shape[0]}")
    n = F.shape[0]
    v = solve_readout(F.mT @ F / n, F.mT @ Y2 / n, lam)
    return v.squeeze(-1) if squeeze else v


class RandomFeaturesRegressor:
    """A random-features model f(x) = vᵀφ(Sᵀx) with a fixed random S and a ridge readout.

    >>> g = torch.Generator().manual_seed(0)
    >>> rf = RandomFeaturesRegressor(d=5, width=8, activation="linear", generator=g)
    >>> X = torch.randn(20, 5, dtype=torch.float64); y = X[:, 0]
    >>> rf.fit(X, y, lam=1e-3).predict(X).shape
    torch.Size([20])
    """

    def __init__(
        self,
        d: int,
        width: int,
        activation: str = "relu",
        generator: torch.Generator | None = None,
        device="cpu",
        dtype=torch.float64,
    ):
        self.activation = check_activation(activation)
        g = generator if generator is not None else torch.Generator(device=device).manual_seed(0)
        self.S = draw_projection(d, width, g, device, dtype)
        self.v = None

    def transform(self, X: torch.Tensor) -> torch.Tensor:
        """The features φ(X S)."""
        if X.shape[-1] != self.S.shape[0]:
            raise ValueError(f"X has {X.shape[-1]} columns but the model was built for d = {self.S.shape[0]}")
        return features(X.to(self.S.dtype), self.S, self.activation)

    def fit(self, X: torch.Tensor, Y: torch.Tensor, lam) -> "RandomFeaturesRegressor":
        """Fit the readout by ridge with penalty ``lam`` (λ = 0: least squares / min-norm)."""
        self.v = fit_readout(self.transform(X), Y.to(self.S.dtype), lam)
        return self

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        if self.v is None:
            raise RuntimeError("call fit() before predict()")
        return self.transform(X) @ self.v

    @property
    def effective_weights(self) -> torch.Tensor:
        """For a linear activation, f(x) = xᵀ(S v̂): the weight vector S v̂ in input space."""
        if self.activation != "linear":
            raise ValueError("effective_weights exists only for activation='linear' (the RP model)")
        if self.v is None:
            raise RuntimeError("call fit() first")
        return self.S @ self.v
