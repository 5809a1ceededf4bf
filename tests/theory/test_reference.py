"""The slow per-point reference (collapse_lib.theory.reference): independent of the vectorised theory, right
against closed forms, and equal to the vectorised Theorems 1 and 2 across regimes."""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.theory import reference as R


def test_imports_nothing_from_the_vectorised_theory():
    tree = ast.parse(inspect.getsource(R))
    modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert modules <= {"__future__", "dataclasses", "numpy", "scipy.optimize", ""}, modules
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.module for a in n.names}
    assert names == {"_validate"}


@pytest.mark.parametrize("d, n, lam", [(50, 200, 0.1), (300, 100, 1e-3), (100, 100, 0.5), (80, 40, 0.0), (40, 80, 0.0)])
def test_isotropic_kappa_is_the_root_of_a_quadratic(d, n, lam):
    """Σ = I: κ − λ = κ d/(n(1 + κ)) ⇔ κ² + (1 − λ − φ)κ − λ = 0, φ = d/n (positive root; 0 at λ = 0, φ ≤ 1)."""
    phi = d / n
    b = 1 - lam - phi
    expected = (-b + math.sqrt(b * b + 4 * lam)) / 2 if lam > 0 else max(phi - 1, 0.0)
    assert R.kappa(np.ones(d), n, lam) == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("phi", [0.25, 0.5, 2.0, 4.0])
@pytest.mark.parametrize("p2", [0.0, 0.3, 1.0])
def test_theorem1_is_corollary_1_for_isotropic_ridgeless(phi, p2):
    """Corollary 1 of the paper (Σ = I, λ → 0), both sides of the interpolation threshold."""
    d, r2, c2, s2 = 200, 1.0, 0.5, 0.25
    n = d / phi
    p1 = 1 - p2
    if phi < 1:
        expected = s2 * phi / (1 - phi) + p2**2 * c2 + p1 * p2 * c2 * phi / (1 - phi)
    else:
        expected = r2 * (1 - 1 / phi) + s2 / (phi - 1) + c2 * p2 * (phi - p2) / (phi * (phi - 1))
    got = R.theorem1(np.ones(d), np.full(d, r2 / d), np.full(d, c2 / d), s2, s2, n, p2, 0.0)
    assert got.total == pytest.approx(expected, rel=1e-10)


SETTINGS = [cl.Setting.isotropic(60), cl.Setting.power_law(80, 1.5), cl.Setting.power_law(50, 0.7, c2=0.3)]


@pytest.mark.parametrize("st", SETTINGS, ids=lambda s: s.name)
def test_vectorised_theorem1_equals_reference(st):
    for n in (10, 49, 200, 5000):
        for p2 in (0.0, 0.4, 1.0):
            for lam in (1e-4, 0.1, 3.0):
                lib = cl.theory.classical(st, n=n, p2=p2, lam=lam)
                ref = R.theorem1(*R.setting_args(st), n=n, p2=p2, lam=lam)
                for field in ("total", "bias", "variance", "zeta", "kappa"):
                    assert float(getattr(lib, field)) == pytest.approx(getattr(ref, field), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("st", SETTINGS, ids=lambda s: s.name)
def test_vectorised_theorem2_equals_reference(st):
    """Thin and wide widths, under- and over-parametrised, ridgeless and ridge; +inf at the same points."""
    for n in (10, 49, 80, 200, 2000):
        for m in (5, 30, 59, 80, 120, 1000):
            for p2 in (0.0, 0.3, 1.0):
                for lam in (0.0, 1e-4, 0.1, 3.0):
                    lib = cl.theory.random_projections(st, n=n, m=m, p2=p2, lam=lam)
                    ref = R.theorem2(*R.setting_args(st), n=n, m=m, p2=p2, lam=lam)
                    if math.isinf(ref.total):
                        assert math.isinf(lib.total), (n, m, p2, lam)
                        continue
                    assert float(lib.total) == pytest.approx(ref.total, rel=1e-9), (n, m, p2, lam)
                    assert float(lib.mu) == pytest.approx(ref.mu, rel=1e-9, abs=1e-300)
                    assert float(lib.approx) == pytest.approx(ref.approx, rel=1e-9, abs=1e-15)


def test_wide_random_projections_tend_to_ridge_with_scaled_penalty():
    """m → ∞ at fixed d: Theorem 2 tends to Theorem 1 at λd/m (both references, no library code)."""
    st = cl.Setting.power_law(40, 1.2)
    for n, lam in ((100, 0.5), (30, 2.0)):
        m = 1e7
        wide = R.theorem2(*R.setting_args(st), n=n, m=m, p2=0.3, lam=lam)
        ridge = R.theorem1(*R.setting_args(st), n=n, p2=0.3, lam=lam * st.d / m)
        assert wide.total == pytest.approx(ridge.total, rel=1e-4)


def test_floor_and_population_bias_are_large_n_limits():
    st = cl.Setting.power_law(30, 1.0)
    for lam in (1e-3, 0.3):
        far = R.theorem1(*R.setting_args(st), n=1e12, p2=0.4, lam=lam)
        assert far.zeta == pytest.approx(R.floor(st.spectrum, st.delta, 0.4, lam), rel=1e-8)
        assert far.bias == pytest.approx(R.population_bias(st.spectrum, st.gamma, lam), rel=1e-8)


@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(n=0), "n"),
        (dict(n=-3), "n"),
        (dict(p2=1.5), "p2"),
        (dict(lam=-1.0), "lam"),
        (dict(lam=[0.1, 0.2]), "lam"),
        (dict(m=0), "m"),
        (dict(n="x"), "n"),
    ],
)
def test_bad_points_name_the_argument(kw, name):
    st = cl.Setting.isotropic(10)
    args = dict(n=20, m=15, p2=0.2, lam=0.1)
    args.update(kw)
    with pytest.raises((ValueError, TypeError), match=f"^{name} must"):
        R.theorem2(*R.setting_args(st), **args)
