"""Straightforward numpy baselines for the simulations (what a reader would write), and a shared-design check.

The theory baselines are the per-point brentq reference,
:mod:`collapse_lib.theory.reference`.
"""

from __future__ import annotations

import numpy as np
import torch

from ..simulate.ridge import draw_problem, ridge_errors


def _draw(rng, setting, n):
    """One trial's data drawn with numpy: X (n, d), teacher w₁, real and synthetic labels."""
    s = setting.spectrum
    X = rng.standard_normal((n, s.size)) * np.sqrt(s)
    w1 = rng.standard_normal(s.size) * np.sqrt(setting.gamma)
    w2 = w1 + rng.standard_normal(s.size) * np.sqrt(setting.delta)
    e = rng.standard_normal((2, n))
    return X, w1, X @ w1 + np.sqrt(setting.sigma2_real) * e[0], X @ w2 + np.sqrt(setting.sigma2_synth) * e[1]


def _mixed_labels(y_r, y_s, p2):
    """The first n − round(p₂n) labels real, the rest synthetic."""
    n1 = len(y_r) - int(np.rint(p2 * len(y_r)))
    return np.concatenate([y_r[:n1], y_s[n1:]])


def _solve_errors(X, y_r, y_s, w1, s, p2s, lams, hoist=True):
    """Test errors Σ s (ŵ − w₁)² of ridge by numpy.linalg.solve, shape (len(p2s), len(lams)).

    ``hoist``: form XᵀX/n once (else once per solve, the literal loop).
    """
    n, eye = X.shape[0], np.eye(X.shape[1])
    G = X.T @ X / n if hoist else None
    out = np.empty((len(p2s), len(lams)))
    for i, p2 in enumerate(p2s):
        b = X.T @ _mixed_labels(y_r, y_s, p2) / n
        for j, lam in enumerate(lams):
            A = G + lam * eye if hoist else X.T @ X / n + lam * eye
            out[i, j] = np.sum(s * (np.linalg.solve(A, b) - w1) ** 2)
    return out


def numpy_loop(setting, n, p2s, lams, trials, seed, hoist=True):
    """Classical model: numpy-drawn data, one ``numpy.linalg.solve`` per trial, p2 and λ.

    XᵀX/n is formed once per trial (``hoist``; else once per solve) and Xᵀy/n
    once per p2. Returns the errors, shape (len(p2s), len(lams), trials).
    """
    rng = np.random.default_rng(seed)
    errs = np.empty((len(p2s), len(lams), trials))
    for t in range(trials):
        X, w1, y_r, y_s = _draw(rng, setting, n)
        errs[:, :, t] = _solve_errors(X, y_r, y_s, w1, setting.spectrum, p2s, lams, hoist)
    return errs


def rp_numpy_loop(setting, n, m, p2s, lams, trials, seed):
    """Random projections: per trial draw X and S; Z = XS and ZᵀZ/n once; one solve per (p2, λ)."""
    rng = np.random.default_rng(seed)
    s = setting.spectrum
    errs = np.empty((len(p2s), len(lams), trials))
    for t in range(trials):
        X, w1, y_r, y_s = _draw(rng, setting, n)
        S = rng.standard_normal((s.size, m)) / np.sqrt(s.size)
        Z = X @ S
        G = Z.T @ Z / n
        for i, p2 in enumerate(p2s):
            b = Z.T @ _mixed_labels(y_r, y_s, p2) / n
            for j, lam in enumerate(lams):
                w = S @ np.linalg.solve(G + lam * np.eye(m), b)
                errs[i, j, t] = np.sum(s * (w - w1) ** 2)
    return errs


def shared_design_check(setting, n, p2s, lams, dev) -> float:
    """Max relative difference of the ridge errors of the library kernel and of numpy, on one shared draw."""
    X, w1, y_r, y_s = draw_problem(setting, n, 1, 123, n, 0, dev, torch.float64)
    n2 = np.rint(np.asarray(p2s) * n).astype(int)
    mask = torch.arange(n, device=dev)[:, None] >= torch.as_tensor(n - n2, device=dev)[None, :]
    Y = torch.where(mask[None], y_s[:, :, None], y_r[:, :, None])
    lib = ridge_errors(X, Y, w1, setting.spectrum, np.asarray(lams))[0].cpu().numpy()
    base = _solve_errors(
        X[0].cpu().numpy(), y_r[0].cpu().numpy(), y_s[0].cpu().numpy(), w1[0].cpu().numpy(), setting.spectrum, p2s, lams
    )
    return float(np.max(np.abs(lib - base) / np.abs(base)))
