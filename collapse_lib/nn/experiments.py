"""The experiments of figures 6 and 7: trained networks and random features on real/synthetic mixtures.

* :func:`gaussian_width_sweep` — figure 6: two-layer ReLU networks of width m trained on
  the Gaussian data model of the theory (real teacher w₁*, synthetic teacher w₁* + δ).
* :class:`WeakTeacher`, :func:`mnist_split` — the MNIST mixture: real samples keep their
  true labels, synthetic samples get the prediction of a weaker classifier.
* :func:`mnist_random_features`, :func:`mnist_two_layer` — figure 7, left and right.

Conventions shared by all experiments. The n training rows come in a random order; for
a synthetic fraction p₂ the synthetic rows are those at positions j with
⌊(j+1)p₂⌋ > ⌊jp₂⌋, so the first n rows hold exactly ⌊p₂n⌋ synthetic ones *for every n*
(nested training sets: a larger n adds rows and never relabels old ones) and the realised
fraction is p2_eff = ⌊p₂n⌋/n. All p₂ at one (trial, n) share the inputs and, for networks,
the initialisation (common random numbers), so the differences between p₂ are not
drowned in seed noise. Trial t draws from ``trial_generator(seed, (key, t))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .. import _validate as V
from ..cache import CellStore, fingerprint
from ..device import resolve_device, resolve_dtype
from ..simulate.common import trial_generator
from .random_features import draw_projection, feature_grams, features, solve_readout
from .two_layer import TrainSpec, mse, train_two_layer


def _setting_key(setting) -> dict:
    return dict(setting.describe(), arrays=fingerprint(setting.spectrum, setting.gamma, setting.delta))


def _mnist_key(split, teacher) -> str:
    """Fingerprint of the data a MNIST sweep sees: the split's arrays and the teacher's weights and mode."""
    return fingerprint(
        split.X_pool,
        split.y_pool,
        split.X_val,
        split.y_val,
        split.X_test,
        split.y_test,
        teacher.w,
        np.asarray(teacher.hard),
    )


def synthetic_mask(n: int, p2: float) -> np.ndarray:
    """Boolean (n,): row j is synthetic iff ⌊(j+1)p₂⌋ > ⌊jp₂⌋ (exactly ⌊p₂k⌋ among the first k rows, all k)."""
    j = np.arange(n, dtype=float)
    return np.floor((j + 1) * p2 + 1e-9) > np.floor(j * p2 + 1e-9)


def _mean_se(values: np.ndarray, axis: int = 0):
    values = np.asarray(values, dtype=float)
    k = values.shape[axis]
    se = values.std(axis=axis, ddof=1) / np.sqrt(k) if k > 1 else np.full(values.mean(axis=axis).shape, np.nan)
    return values.mean(axis=axis), se


# --------------------------------------------------------------------------- figure 6: Gaussian data
def gaussian_width_sweep(
    setting,
    n: int,
    widths,
    p2s,
    spec: TrainSpec,
    trials: int = 3,
    n_test: int = 2000,
    n_val: int = 0,
    seed: int = 0,
    device="cpu",
    dtype="float32",
    progress: bool = False,
    resume: str | None = None,
) -> pd.DataFrame:
    """Test error of trained two-layer ReLU networks vs width on the Gaussian mixture (figure 6).

    Per trial: w₁* ~ N(0, Γ), δ ~ N(0, Δ), n training inputs x ~ N(0, Σ), of which the rows
    of :func:`synthetic_mask` get y = xᵀ(w₁* + δ) + σ₂ε and the others y = xᵀw₁* + σ₁ε.
    ``spec`` fixes the training (its ``width`` is replaced by each entry of ``widths``). With
    ``n_val`` > 0, that many extra *real* samples serve for early stopping; with 0 the
    budget ``spec.steps`` is used in full. Test error E = mean over ``n_test`` fresh inputs
    of (f(x) − xᵀw₁*)² (label noise excluded, as in the theory). All widths and p₂ of a
    trial share its data; all p₂ share the initialisation of a width. One batched training
    run per width covers every (trial, p₂).

    ``resume``: a name for a :class:`~collapse_lib.cache.CellStore`; each finished width is
    then kept on disk and a rerun with the same arguments recomputes only the missing widths
    (same numbers: a width's initialisation and minibatches depend on the width only).

    Returns one row per (width, p2, trial): error, p2_eff, train_loss, best_step.
    """
    setting = V.setting("setting", setting)
    n = V.positive_int("n", n)
    widths = [int(w) for w in np.atleast_1d(V.positive_sizes("widths", widths))]
    p2s = [float(p) for p in np.atleast_1d(V.fraction("p2s", p2s))]
    trials = V.positive_int("trials", trials)
    n_test = V.positive_int("n_test", n_test)
    n_val = V.nonnegative_int("n_val", n_val)
    seed = V.seed("seed", seed)
    if not isinstance(spec, TrainSpec):
        raise TypeError(f"spec must be a TrainSpec, got {type(spec).__name__}")
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    d = setting.d
    sq = {
        k: torch.tensor(np.sqrt(v), dtype=dt, device=dev)
        for k, v in (("s", setting.spectrum), ("g", setting.gamma), ("d", setting.delta))
    }
    s1, s2 = np.sqrt(setting.sigma2_real), np.sqrt(setting.sigma2_synth)
    Xs, Ys, Xv, Yv, Xt, Ft = [], [], [], [], [], []
    for t in range(trials):
        g = trial_generator(seed, (6, n, t), dev)
        X = torch.randn((n, d), generator=g, dtype=dt, device=dev) * sq["s"]
        Xte = torch.randn((n_test, d), generator=g, dtype=dt, device=dev) * sq["s"]
        w1 = torch.randn(d, generator=g, dtype=dt, device=dev) * sq["g"]
        w2 = w1 + torch.randn(d, generator=g, dtype=dt, device=dev) * sq["d"]
        eps = torch.randn((2, n), generator=g, dtype=dt, device=dev)
        y_r, y_s = X @ w1 + s1 * eps[0], X @ w2 + s2 * eps[1]
        if n_val:
            Xva = torch.randn((n_val, d), generator=g, dtype=dt, device=dev) * sq["s"]
            yva = Xva @ w1 + s1 * torch.randn(n_val, generator=g, dtype=dt, device=dev)
        for p2 in p2s:
            mask = torch.as_tensor(synthetic_mask(n, p2), device=dev)
            Xs.append(X)
            Ys.append(torch.where(mask, y_s, y_r)[:, None])
            Xt.append(Xte)
            Ft.append(Xte @ w1)
            if n_val:
                Xv.append(Xva)
                Yv.append(yva[:, None])
    X, Y, XT, FT = torch.stack(Xs), torch.stack(Ys), torch.stack(Xt), torch.stack(Ft)
    XV, YV = (torch.stack(Xv), torch.stack(Yv)) if n_val else (None, None)
    store = CellStore(
        resume,
        lambda: dict(
            sweep="gaussian_width_sweep",
            setting=_setting_key(setting),
            n=n,
            p2s=p2s,
            trials=trials,
            n_test=n_test,
            n_val=n_val,
            spec={k: v for k, v in spec.__dict__.items() if k != "width"},
            seed=seed,
            device=dev.type,
            dtype=str(dt),
        ),
    )

    def run_width(m):
        gens = [trial_generator(seed, (61, m, t), dev) for t in range(trials) for _ in p2s]
        bgen = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 62, m]).generate_state(1)[0]))
        res = train_two_layer(
            X,
            Y,
            TrainSpec(**{**spec.__dict__, "width": m}),
            gens,
            X_val=XV,
            Y_val=YV,
            batch_generator=bgen,
            progress=progress,
            desc=f"width {m}",
        )
        with torch.no_grad():
            err = ((res.nets.predict(XT)[..., 0] - FT) ** 2).mean(dim=-1).cpu().numpy()
        return dict(error=err, train_loss=np.asarray(res.train_loss[-1]), best_step=np.asarray(res.best_step))

    rows = []
    bar = tqdm(widths, desc="fig6 widths", disable=not progress, leave=False)
    for m in bar:
        out = store(("width", m), lambda: run_width(m))
        for i, (t, p2) in enumerate((t, p2) for t in range(trials) for p2 in p2s):
            rows.append(
                dict(
                    width=m,
                    p2=p2,
                    trial=t,
                    error=float(out["error"][i]),
                    p2_eff=float(synthetic_mask(n, p2).sum() / n),
                    train_loss=float(out["train_loss"][i]),
                    best_step=int(out["best_step"][i]),
                )
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- MNIST
@dataclass
class MnistSplit:
    """Preprocessed MNIST for the mixture experiments (inputs centred by the training mean image).

    teacher: the first rows are the pool the weak teacher may be fitted on; val: held-out
    real samples (early stopping); pool: the training pool (each trial permutes it);
    test: the 10 000 test images. Labels are one-hot float32, ``*_cls`` the digits.
    """

    X_teacher: np.ndarray
    y_teacher: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_pool: np.ndarray
    y_pool: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def mnist_split(seed: int = 0, n_teacher_pool: int = 5000, n_val: int = 5000, path=None) -> MnistSplit:
    """Split the 60 000 training images (random order from ``seed``) into teacher pool, validation, training pool.

    ``n_teacher_pool`` ≥ 1 and ``n_val`` ≥ 0 images are taken first; at least one
    image must be left for the training pool (ValueError otherwise).
    """
    from ..data import mnist

    seed = V.seed("seed", seed)
    n_teacher_pool = V.positive_int("n_teacher_pool", n_teacher_pool)
    n_val = V.nonnegative_int("n_val", n_val)
    Xtr, ytr = mnist("train", path=path)
    if n_teacher_pool + n_val >= Xtr.shape[0]:
        raise ValueError(
            f"n_val: n_teacher_pool + n_val = {n_teacher_pool + n_val} leaves no training images "
            f"(MNIST has {Xtr.shape[0]}); use fewer"
        )
    Xte, yte = mnist("test", path=path)
    mean = Xtr.mean(axis=0, keepdims=True)
    perm = np.random.default_rng(np.random.SeedSequence([seed, 70])).permutation(Xtr.shape[0])
    a, b = n_teacher_pool, n_teacher_pool + n_val
    Xtr = Xtr - mean
    return MnistSplit(
        Xtr[perm[:a]], ytr[perm[:a]], Xtr[perm[a:b]], ytr[perm[a:b]], Xtr[perm[b:]], ytr[perm[b:]], Xte - mean, yte
    )


class WeakTeacher:
    """The synthetic labeller: linear ridge on pixels fitted to one-hot labels of ``n_samples`` real images.

    ŵ = argmin (1/k)‖[X, 1]w − Y‖² + λ‖w‖² on the first k = ``n_samples`` images of the
    teacher pool. ``hard=True`` (default): a synthetic label is the one-hot vector of the
    teacher's predicted class (a weaker *classifier*); ``hard=False``: its raw outputs.
    :meth:`quality` is its mean squared error to the true one-hot labels,
    q = mean ‖f₂(x) − e_y‖² (for hard labels q = 2 × its error rate): the analogue of c².
    λ = 0 (least squares) needs [X, 1] of full column rank: at least pixels + 1 images, and
    no pixel constant over them (ValueError naming ``lam`` otherwise; MNIST's border pixels
    never vary, so on MNIST use λ > 0).
    """

    def __init__(self, split: MnistSplit, n_samples: int = 200, lam: float = 1e-2, hard: bool = True):
        self.n_samples = V.positive_int("n_samples", n_samples)
        if self.n_samples > split.X_teacher.shape[0]:
            raise ValueError(
                f"n_samples must be at most the teacher pool size {split.X_teacher.shape[0]}, got {n_samples}"
            )
        self.lam = V.nonnegative_scalar("lam", lam)
        self.hard = V.flag("hard", hard)
        X = np.hstack([split.X_teacher[:n_samples], np.ones((n_samples, 1), np.float32)]).astype(np.float64)
        Y = np.eye(10)[split.y_teacher[:n_samples]]
        k, p = X.shape
        if self.lam == 0:  # least squares: [X, 1] must have full column rank, or XᵀX is singular
            if k < p:
                raise ValueError(
                    f"lam = 0 needs at least as many samples as pixels + 1 = {p} (least squares), "
                    f"got n_samples = {k}; use lam > 0"
                )
            rank = np.linalg.matrix_rank(X)
            if rank < p:
                raise ValueError(
                    f"lam = 0: the {k} teacher images span {rank} of the {p} directions of pixels + 1 "
                    "(pixels that never vary), so XᵀX is singular; use lam > 0"
                )
        self.w = np.linalg.solve(X.T @ X / k + self.lam * np.eye(p), X.T @ Y / k)

    def outputs(self, X: np.ndarray) -> np.ndarray:
        return (np.hstack([X, np.ones((X.shape[0], 1), np.float32)]) @ self.w).astype(np.float32)

    def labels(self, X: np.ndarray) -> np.ndarray:
        """Synthetic label vectors (N, 10)."""
        out = self.outputs(X)
        return np.eye(10, dtype=np.float32)[out.argmax(axis=1)] if self.hard else out

    def quality(self, X: np.ndarray, y: np.ndarray) -> float:
        """q = mean ‖f₂(x) − e_y‖² on (X, y)."""
        return float(((self.labels(X) - np.eye(10, dtype=np.float32)[y]) ** 2).sum(axis=1).mean())

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float((self.outputs(X).argmax(axis=1) == y).mean())


def _mixture_labels(split, teacher, idx, p2s):
    """(P, n, 10) labels for training rows ``idx`` (in order) for each p₂."""
    real = np.eye(10, dtype=np.float32)[split.y_pool[idx]]
    synth = teacher.labels(split.X_pool[idx])
    return np.stack([np.where(synthetic_mask(len(idx), p2)[:, None], synth, real) for p2 in p2s])


def _summary_rows(model, ns, p2s, err, acc, quality, **extra):
    """err, acc: (trials, N, P) -> tidy rows with trial means and standard errors."""
    em, es = _mean_se(err)
    am, as_ = _mean_se(acc)
    rows = []
    for i, n in enumerate(ns):
        for j, p2 in enumerate(p2s):
            rows.append(
                dict(
                    model=model,
                    n=int(n),
                    p2=float(p2),
                    p2_eff=float(synthetic_mask(int(n), p2).sum() / n),
                    error=em[i, j],
                    stderr=es[i, j],
                    accuracy=am[i, j],
                    accuracy_stderr=as_[i, j],
                    quality=quality,
                    **extra,
                )
            )
    return rows


def _mnist_sweep_args(split, ns, p2s, trials, seed, device, dtype):
    """Validated arguments shared by the MNIST sweeps, and the test set as tensors (one-hot labels)."""
    ns = np.unique(V.positive_sizes("ns", ns))
    if ns.max() > split.X_pool.shape[0]:
        raise ValueError(f"ns must not exceed the training pool size {split.X_pool.shape[0]}, got {ns.max()}")
    p2s = [float(p) for p in V.fraction("p2s", np.atleast_1d(p2s))]
    trials, seed = V.positive_int("trials", trials), V.seed("seed", seed)
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    Xte = torch.as_tensor(split.X_test, dtype=dt, device=dev)
    Yte = torch.as_tensor(np.eye(10, dtype=np.float32)[split.y_test], dtype=dt, device=dev)
    return ns, p2s, trials, seed, dev, dt, Xte, Yte


def _rf_primal(X, Xte, Y, S, ns, lam, activation, block=8192):
    """Test predictions (N_test, P·10) for each nested n: moments G = FᵀF/n, B = FᵀY/n, solved for v̂."""
    dev, dt = S.device, S.dtype
    width = S.shape[1]
    Fte = features(Xte, S, activation)
    G = torch.zeros((width, width), dtype=torch.float64, device=dev)
    Bm = torch.zeros((width, Y.shape[1]), dtype=torch.float64, device=dev)
    done = 0
    for n in ns:
        for lo in range(done, int(n), block):
            hi = min(int(n), lo + block)
            F = features(torch.as_tensor(X[lo:hi], dtype=dt, device=dev), S, activation)
            G += (F.mT @ F).to(torch.float64)
            Bm += (F.mT @ Y[lo:hi]).to(torch.float64)
        done = int(n)
        yield Fte @ solve_readout(G / n, Bm / n, lam).to(dt)


def _rf_dual(X, Xte, Y, S, ns, lam, activation):
    """Test predictions (N_test, P·10) for each nested n from the Gram matrices: K_test (K/n + λI)⁻¹ Y/n."""
    K, Kt = feature_grams(torch.as_tensor(X, dtype=S.dtype, device=S.device), Xte, S, activation)
    Y64 = Y.to(torch.float64)
    for n in ns:
        n = int(n)
        yield Kt[:, :n] @ solve_readout(K[:n, :n] / n, Y64[:n] / n, lam)


def mnist_random_features(
    split: MnistSplit,
    teacher: WeakTeacher,
    ns,
    p2s,
    width: int,
    lam: float,
    trials: int = 2,
    activation: str = "relu",
    seed: int = 0,
    device="cpu",
    dtype="float32",
    progress: bool = False,
    resume: str | None = None,
) -> pd.DataFrame:
    """Figure 7 (left): random-features ridge on MNIST mixtures, test error and accuracy vs n.

    Per trial: S ∈ R^{784×m} ~ N(0, 1/784), features φ(Sᵀx); the training pool is
    permuted and the first n rows used (nested over n). The moments G = FᵀF/n and
    B = FᵀY/n are accumulated block by block over the nested sets, every p₂ is a column
    block of Y, and the readout (G + λI)⁻¹B is solved in float64. When the width exceeds
    max(ns) the dual form is used instead (:mod:`collapse_lib.nn.random_features`): the
    Gram matrices K = FFᵀ and K_test = F_test Fᵀ of the largest training set, whose leading
    n × n blocks serve every n, and f(x_test) = K_test (K/n + λI)⁻¹ Y/n — the same
    predictor, at a cost linear in the width (the paper's m = 100,000). Test error: mean over
    the 10 000 test images of ‖f(x) − e_y‖²; accuracy of argmax f(x). ``resume``: as in
    :func:`gaussian_width_sweep`, one cell per trial.
    """
    ns, p2s, trials, seed, dev, dt, Xte, Yte = _mnist_sweep_args(split, ns, p2s, trials, seed, device, dtype)
    P = len(p2s)
    err = np.empty((trials, ns.size, P))
    acc = np.empty((trials, ns.size, P))
    width = V.positive_int("width", width)
    dual = width > ns.max()  # the n × n Gram matrix is then the smaller one (and the cheaper route)
    store = CellStore(
        resume,
        lambda: dict(
            sweep="mnist_random_features",
            data=_mnist_key(split, teacher),
            ns=ns.tolist(),
            p2s=p2s,
            width=width,
            lam=lam,
            activation=activation,
            seed=seed,
            device=dev.type,
            dtype=str(dt),
            form="dual" if dual else "primal",
        ),
    )
    bar = tqdm(total=trials * ns.size, desc="fig7 random features", disable=not progress, leave=False)
    for t in range(trials):
        saved = store.get(("trial", t))
        if saved is not None:
            err[t], acc[t] = saved["error"], saved["accuracy"]
            bar.update(ns.size)
            continue
        g = trial_generator(seed, (71, t), dev)
        S = draw_projection(split.X_pool.shape[1], width, g, dev, dt)
        perm = np.random.default_rng(np.random.SeedSequence([seed, 72, t])).permutation(split.X_pool.shape[0])
        idx = perm[: ns.max()]
        Yall = torch.as_tensor(_mixture_labels(split, teacher, idx, p2s), dtype=dt, device=dev)  # (P, N, 10)
        Yall = Yall.permute(1, 0, 2).reshape(len(idx), P * 10)
        predict = _rf_dual if dual else _rf_primal
        for i, pred in enumerate(predict(split.X_pool[idx], Xte, Yall, S, ns, lam, activation)):
            pred = pred.to(dt).reshape(-1, P, 10).permute(1, 0, 2)  # (P, N_test, 10)
            err[t, i] = mse(pred, Yte.expand(P, -1, -1)).cpu().numpy()
            acc[t, i] = (pred.argmax(-1) == Yte.argmax(-1)).to(torch.float64).mean(-1).cpu().numpy()
            bar.update(1)
        store.put(("trial", t), dict(error=err[t], accuracy=acc[t]))
    bar.close()
    return pd.DataFrame(
        _summary_rows("random features", ns, p2s, err, acc, teacher.quality(split.X_test, split.y_test), width=width)
    )


def mnist_two_layer(
    split: MnistSplit,
    teacher: WeakTeacher,
    ns,
    p2s,
    spec: TrainSpec,
    trials: int = 1,
    n_val: int = 2000,
    seed: int = 0,
    device="cpu",
    dtype="float32",
    progress: bool = False,
    resume: str | None = None,
) -> pd.DataFrame:
    """Figure 7 (right): fully trained two-layer ReLU networks on MNIST mixtures vs n.

    Per (trial, n): the first n rows of the trial's permutation of the pool; one batched
    run trains one network per p₂ (same inputs, same initialisation, same minibatches;
    labels differ only on the synthetic rows). Early stopping on ``n_val`` held-out *real*
    images when ``n_val`` > 0 (best checkpoint within ``spec.steps``). Test error and
    accuracy on the 10 000 test images as in :func:`mnist_random_features`. ``resume``: as
    in :func:`gaussian_width_sweep`, one cell per (trial, n).
    """
    ns, p2s, trials, seed, dev, dt, Xte, Yte = _mnist_sweep_args(split, ns, p2s, trials, seed, device, dtype)
    P = len(p2s)
    XV = YV = None
    if n_val:
        XV = torch.as_tensor(split.X_val[:n_val], dtype=dt, device=dev)
        YV = torch.as_tensor(np.eye(10, dtype=np.float32)[split.y_val[:n_val]], dtype=dt, device=dev).expand(P, -1, -1)
    err = np.empty((trials, ns.size, P))
    acc = np.empty((trials, ns.size, P))
    best = np.empty((trials, ns.size, P))
    store = CellStore(
        resume,
        lambda: dict(
            sweep="mnist_two_layer",
            data=_mnist_key(split, teacher),
            ns=ns.tolist(),
            p2s=p2s,
            spec=spec.__dict__,
            n_val=n_val,
            seed=seed,
            device=dev.type,
            dtype=str(dt),
        ),
    )

    def run_cell(t, perm, n):
        idx = perm[: int(n)]
        X = torch.as_tensor(split.X_pool[idx], dtype=dt, device=dev)
        Y = torch.as_tensor(_mixture_labels(split, teacher, idx, p2s), dtype=dt, device=dev)
        gens = [trial_generator(seed, (74, t), dev) for _ in p2s]
        bgen = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 75, t, int(n)]).generate_state(1)[0]))
        res = train_two_layer(
            X, Y, spec, gens, X_val=XV, Y_val=YV, batch_generator=bgen, progress=progress, desc=f"n = {int(n)}"
        )
        with torch.no_grad():
            pred = res.nets.predict(Xte)
        return dict(
            error=mse(pred, Yte.expand(P, -1, -1)).cpu().numpy(),
            accuracy=(pred.argmax(-1) == Yte.argmax(-1)).to(torch.float64).mean(-1).cpu().numpy(),
            best_step=np.asarray(res.best_step),
        )

    bar = tqdm(total=trials * ns.size, desc="fig7 two-layer networks", disable=not progress, leave=False)
    for t in range(trials):
        perm = np.random.default_rng(np.random.SeedSequence([seed, 73, t])).permutation(split.X_pool.shape[0])
        for i, n in enumerate(ns):
            out = store(("trial", t, "n", int(n)), lambda: run_cell(t, perm, n))
            err[t, i], acc[t, i], best[t, i] = out["error"], out["accuracy"], out["best_step"]
            bar.update(1)
    bar.close()
    out = pd.DataFrame(
        _summary_rows(
            "two-layer network", ns, p2s, err, acc, teacher.quality(split.X_test, split.y_test), width=spec.width
        )
    )
    out["best_step"] = best.mean(axis=0).ravel()
    return out
