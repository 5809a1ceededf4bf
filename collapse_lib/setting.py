"""The paper's two-source Gaussian data model as one immutable object.

Two sources on R^d x R share the input law x ~ N(0, Σ); only p(y | x) differs (a concept shift):

* real (k = 1):      y = xᵀw₁* + ε,  ε ~ N(0, σ₁²),  w₁* ~ N(0, Γ)
* synthetic (k = 2): y = xᵀw₂* + ε,  ε ~ N(0, σ₂²),  w₂* = w₁* + δ,  δ ~ N(0, Δ)

Everything is stated in Σ's eigenbasis: ``spectrum`` holds the eigenvalues
s_j of Σ and ``gamma``, ``delta`` the diagonals of Γ and Δ in that basis (only
those diagonals enter the test error). The quality of the synthetic data is
c² = tr ΣΔ (0 = perfect, larger = worse) and the signal strength is
r² = tr ΣΓ.

Every formula of the theory is a sum over the eigen-directions j of terms
f(s_j)·γ_j, f(s_j)·δ_j or f(s_j), so directions that share an eigenvalue can be
summed first: :class:`GroupedSpectrum` (``Setting.grouped``) holds the distinct
eigenvalues, their multiplicities and the per-group sums of γ and δ, and the
theory costs one term per distinct eigenvalue (one in all for an isotropic Σ).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _validate as V


def _vector(name: str, value, d: int | None = None, positive: bool = False) -> np.ndarray:
    try:
        arr = np.array(V.real_array(name, value), dtype=float, copy=True)
    except ValueError as exc:
        if "empty" in str(exc):
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {np.shape(value)}") from None
        raise
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if arr.ndim == 0:
        arr = arr[None]
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be strictly positive (Σ must be positive definite)")
    if not positive and np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative (it is the diagonal of a covariance)")
    if d is not None and arr.size != d:
        raise ValueError(f"{name} has length {arr.size} but spectrum has length {d}")
    arr.setflags(write=False)
    return arr


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class GroupedSpectrum:
    """Σ's spectrum with equal eigenvalues grouped, and Γ, Δ summed per group.

    For a setting with eigenvalues s_1 … s_d of Σ and diagonals γ, δ of Γ and Δ in
    Σ's eigenbasis, group j collects the directions i with s_i equal to the j-th
    distinct eigenvalue. Every trace the theory needs is a sum over groups,

        tr f(Σ) = Σ_j m_j f(s_j),   tr ΓΣ f(Σ) = Σ_j (Σ_{i∈j} γ_i) s_j f(s_j),

    and likewise with Δ (paper, Theorem 1: only the diagonals of Γ and Δ in Σ's
    eigenbasis enter the test error).

    Attributes
    ----------
    eigenvalues : numpy.ndarray (J,)
        The distinct eigenvalues s_j > 0 of Σ, in increasing order.
    multiplicity : numpy.ndarray (J,)
        m_j, how many eigen-directions have eigenvalue s_j (a float array, so that it
        enters weighted sums directly); Σ_j m_j = d.
    gamma_sum : numpy.ndarray (J,)
        Σ_{i: s_i = s_j} γ_i, the diagonal of Γ summed over group j.
    delta_sum : numpy.ndarray (J,)
        Σ_{i: s_i = s_j} δ_i, the diagonal of Δ summed over group j.

    All four arrays are read-only.
    """

    eigenvalues: np.ndarray
    multiplicity: np.ndarray
    gamma_sum: np.ndarray
    delta_sum: np.ndarray

    @classmethod
    def from_diagonals(cls, spectrum, gamma, delta) -> "GroupedSpectrum":
        """Group the eigenvalues ``spectrum`` (d,) of Σ and sum ``gamma``, ``delta`` (d,) per group.

        Parameters
        ----------
        spectrum : numpy.ndarray (d,)
            Eigenvalues s_i of Σ (validated by :class:`Setting`).
        gamma, delta : numpy.ndarray (d,)
            Diagonals of Γ and Δ in Σ's eigenbasis.

        Returns
        -------
        GroupedSpectrum
            Distinct eigenvalues (sorted), multiplicities and per-group sums.
        """
        uniq, inv = np.unique(spectrum, return_inverse=True)
        inv = inv.ravel()
        return cls(
            _read_only(uniq),
            _read_only(np.bincount(inv, minlength=uniq.size).astype(float)),
            _read_only(np.bincount(inv, weights=gamma, minlength=uniq.size)),
            _read_only(np.bincount(inv, weights=delta, minlength=uniq.size)),
        )

    @property
    def size(self) -> int:
        """J, the number of distinct eigenvalues."""
        return int(self.eigenvalues.size)


@dataclass(frozen=True, eq=False)
class Setting:
    """Data model: Σ = diag(spectrum), Γ = diag(gamma), Δ = diag(delta), noise levels.

    Parameters
    ----------
    spectrum : array (d,)
        Eigenvalues s_j > 0 of the input covariance Σ.
    gamma : array (d,)
        Diagonal of the real-teacher covariance Γ (w₁* ~ N(0, Γ)).
    delta : array (d,)
        Diagonal of the teacher-mismatch covariance Δ (w₂* − w₁* ~ N(0, Δ)).
    sigma2_real, sigma2_synth : float
        Label-noise variances σ₁², σ₂² of the real and synthetic sources.
    """

    spectrum: np.ndarray
    gamma: np.ndarray
    delta: np.ndarray
    sigma2_real: float = 0.25
    sigma2_synth: float = 0.25
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        s = _vector("spectrum", self.spectrum, positive=True)
        object.__setattr__(self, "spectrum", s)
        object.__setattr__(self, "gamma", _vector("gamma", self.gamma, d=s.size))
        object.__setattr__(self, "delta", _vector("delta", self.delta, d=s.size))
        object.__setattr__(self, "sigma2_real", V.nonnegative_scalar("sigma2_real", self.sigma2_real))
        object.__setattr__(self, "sigma2_synth", V.nonnegative_scalar("sigma2_synth", self.sigma2_synth))
        with np.errstate(over="ignore"):
            for what, total in (("spectrum", s.sum()), ("gamma", s @ self.gamma), ("delta", s @ self.delta)):
                if not np.isfinite(total):  # tr Σ, r² = tr ΣΓ, c² = tr ΣΔ must be representable
                    raise ValueError(
                        f"{what} is too large: {'tr Σ' if what == 'spectrum' else 'tr Σ·' + what} overflows a float"
                    )
        # Group equal eigenvalues once: the theory only needs Σ_j f(s_j) γ_j etc., so
        # an isotropic Σ costs one term instead of d (much faster grids).
        object.__setattr__(self, "_grouped", GroupedSpectrum.from_diagonals(s, self.gamma, self.delta))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def isotropic(cls, d, r2=1.0, c2=0.5, sigma2=0.25, sigma2_synth=None) -> "Setting":
        """Σ = I_d, Γ = (r²/d) I_d, Δ = (c²/d) I_d; σ₁² = sigma2, σ₂² = sigma2_synth or sigma2."""
        d = V.positive_int("d", d)
        r2 = V.nonnegative_scalar("r2", r2)
        c2 = V.nonnegative_scalar("c2", c2)
        sigma2 = V.nonnegative_scalar("sigma2", sigma2)
        s2 = sigma2 if sigma2_synth is None else V.nonnegative_scalar("sigma2_synth", sigma2_synth)
        one = np.ones(d)
        return cls(one, r2 / d * one, c2 / d * one, sigma2, s2, name=f"isotropic(d={d})")

    @classmethod
    def power_law(cls, d, alpha, r2=1.0, c2=0.5, sigma2=0.25, sigma2_synth=None) -> "Setting":
        """Power-law spectrum s_j ∝ j^(−alpha), j = 1..d, normalised so tr Σ = d.

        Γ = (r²/d) I and Δ = (c²/d) I, so that tr ΣΓ = r² and tr ΣΔ = c² exactly
        as in the isotropic case (used for our "beyond isotropy" figures 3 and 5).
        """
        d = V.positive_int("d", d)
        alpha = V.nonnegative_scalar("alpha", alpha)
        r2 = V.nonnegative_scalar("r2", r2)
        c2 = V.nonnegative_scalar("c2", c2)
        sigma2 = V.nonnegative_scalar("sigma2", sigma2)
        s2 = sigma2 if sigma2_synth is None else V.nonnegative_scalar("sigma2_synth", sigma2_synth)
        s = np.arange(1, d + 1, dtype=float) ** (-alpha)
        s *= d / s.sum()
        one = np.ones(d)
        return cls(s, r2 / d * one, c2 / d * one, sigma2, s2, name=f"power_law(d={d}, alpha={alpha:g})")

    # ------------------------------------------------------------------ derived
    @property
    def d(self) -> int:
        """Input dimension."""
        return int(self.spectrum.size)

    @property
    def grouped(self) -> GroupedSpectrum:
        """The spectrum with equal eigenvalues grouped (:class:`GroupedSpectrum`), computed once."""
        return self._grouped

    @property
    def c2(self) -> float:
        """Synthetic-data quality c² = tr ΣΔ = E‖w₂* − w₁*‖²_Σ."""
        return float(np.dot(self.spectrum, self.delta))

    @property
    def r2(self) -> float:
        """Signal strength r² = tr ΣΓ = E‖w₁*‖²_Σ."""
        return float(np.dot(self.spectrum, self.gamma))

    def with_quality(self, c2) -> "Setting":
        """Same setting with Δ rescaled so that tr ΣΔ = c2 (Δ ∝ I if it was 0)."""
        c2 = V.nonnegative_scalar("c2", c2)
        if self.c2 > 0:
            delta = self.delta * (c2 / self.c2)
        else:
            delta = np.full(self.d, c2 / self.spectrum.sum())
        return Setting(self.spectrum, self.gamma, delta, self.sigma2_real, self.sigma2_synth, name=self.name)

    def with_noise(self, sigma2_real=None, sigma2_synth=None) -> "Setting":
        """Same setting with other label-noise variances."""
        return Setting(
            self.spectrum,
            self.gamma,
            self.delta,
            self.sigma2_real if sigma2_real is None else sigma2_real,
            self.sigma2_synth if sigma2_synth is None else sigma2_synth,
            name=self.name,
        )

    def describe(self) -> dict:
        """Small JSON-able summary (used in provenance of data files)."""
        return {
            "name": self.name,
            "d": self.d,
            "r2": self.r2,
            "c2": self.c2,
            "sigma2_real": self.sigma2_real,
            "sigma2_synth": self.sigma2_synth,
            "spectrum_min": float(self.spectrum.min()),
            "spectrum_max": float(self.spectrum.max()),
        }

    def __repr__(self) -> str:
        return (
            f"Setting({self.name}, d={self.d}, r2={self.r2:.4g}, c2={self.c2:.4g}, "
            f"sigma2_real={self.sigma2_real:g}, sigma2_synth={self.sigma2_synth:g})"
        )
