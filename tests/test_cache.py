"""Resumable sweeps: a killed run restarted with the same arguments gives the numbers of an uninterrupted one."""

import numpy as np
import pandas as pd
import pytest

import collapse_lib as cl
from collapse_lib.cache import CellStore, fingerprint, resume_name


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAPSE_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_store_computes_once_and_keys_separate_runs(cache_dir):
    calls = []

    def compute():
        calls.append(1)
        return dict(x=np.arange(3.0), y=2.5)

    a = CellStore("demo", dict(seed=0))
    first = a(("cell", 1), compute)
    again = CellStore("demo", dict(seed=0))(("cell", 1), compute)  # a new process would see the same file
    assert len(calls) == 1
    np.testing.assert_array_equal(first["x"], again["x"])
    assert float(again["y"]) == 2.5
    CellStore("demo", dict(seed=1))(("cell", 1), compute)  # another key: another directory
    assert len(calls) == 2
    assert not list(cache_dir.rglob("*.tmp"))
    assert {p.name for p in (cache_dir / "cells").iterdir()} and all(
        p.name.startswith("demo-") for p in (cache_dir / "cells").iterdir()
    )


def test_disabled_store_writes_nothing(cache_dir):
    s = CellStore(None, lambda: pytest.fail("the key of a disabled store must not be computed"))
    assert s(("c",), lambda: dict(v=1))["v"] == 1
    assert s.get(("c",)) is None
    assert not (cache_dir / "cells").exists()


def test_store_errors_and_fingerprint():
    with pytest.raises(ValueError, match="name"):
        CellStore("a/b", {})
    assert fingerprint(np.zeros(3)) != fingerprint(np.zeros(4))
    assert fingerprint(np.zeros(3)) != fingerprint(np.zeros(3, np.float32))
    assert resume_name("fig6", None, "paper", 0) == "fig6-paper-seed0"
    assert resume_name("fig6", None, "book", 0) is None
    assert resume_name("fig6", True, "smoke", 3) == "fig6-smoke-seed3"


def _kill_then_resume(monkeypatch, E, sweep, kw, name, die_at=3):
    """Run ``sweep`` with a trainer that is killed at its ``die_at``-th call, then again with the real one.

    Returns the resumed result and the ``desc`` of every network trained by the resumed run.
    """
    real, calls = E.train_two_layer, []

    def dies(*a, **k):
        calls.append(1)
        if len(calls) == die_at:
            raise KeyboardInterrupt("killed")
        return real(*a, **k)

    monkeypatch.setattr(E, "train_two_layer", dies)
    with pytest.raises(KeyboardInterrupt):
        sweep(**kw, resume=name)
    trained = []
    monkeypatch.setattr(E, "train_two_layer", lambda *a, **k: trained.append(k.get("desc")) or real(*a, **k))
    return sweep(**kw, resume=name), trained


@pytest.mark.slow
def test_killed_width_sweep_resumes_with_the_same_numbers(monkeypatch):
    import collapse_lib.nn.experiments as E

    s = cl.Setting.isotropic(6, r2=1.0, c2=0.5, sigma2=0.25)
    spec = E.TrainSpec(width=1, steps=20, lr=1e-2)
    kw = dict(setting=s, n=30, widths=[2, 4, 8], p2s=[0.0, 0.5], spec=spec, trials=2, n_test=50, seed=3)
    ref = E.gaussian_width_sweep(**kw)

    resumed, trained = _kill_then_resume(monkeypatch, E, E.gaussian_width_sweep, kw, "t6")
    assert trained == ["width 8"]  # the two finished widths came from disk
    pd.testing.assert_frame_equal(resumed, ref)


@pytest.mark.slow
def test_killed_mnist_sweeps_resume_with_the_same_numbers(monkeypatch):
    import collapse_lib.nn.experiments as E

    split = E.mnist_split(0)
    teacher = E.WeakTeacher(split, 100)
    spec = E.TrainSpec(width=8, steps=20, lr=1e-2, batch_size=32, eval_every=10)
    nn_kw = dict(split=split, teacher=teacher, ns=[50, 100], p2s=[0.0, 0.5], spec=spec, trials=2, n_val=100, seed=1)
    ref = E.mnist_two_layer(**nn_kw)
    resumed, trained = _kill_then_resume(monkeypatch, E, E.mnist_two_layer, nn_kw, "t7")
    pd.testing.assert_frame_equal(resumed, ref)
    assert len(trained) == 2  # 4 cells, 2 finished before the kill

    rf_kw = dict(split=split, teacher=teacher, ns=[50, 200], p2s=[0.0, 0.5], width=64, lam=1e-3, trials=2, seed=1)
    ref = E.mnist_random_features(**rf_kw)
    E.mnist_random_features(**rf_kw, resume="t7rf")
    real_features, feats = E.features, []
    monkeypatch.setattr(E, "features", lambda *a, **k: feats.append(1) or real_features(*a, **k))
    pd.testing.assert_frame_equal(E.mnist_random_features(**rf_kw, resume="t7rf"), ref)
    assert not feats  # every trial came from disk


# ---------------------------------------------------------------- damaged cells are reported and recomputed
def _one_cell(cache_dir):
    calls = []

    def compute():
        calls.append(1)
        return dict(x=np.arange(4.0), y=np.array([2.5]))

    store = CellStore("demo", dict(seed=0))
    first = store(("cell", 1), compute)
    (cell,) = list((cache_dir / "cells").rglob("cell_1.npz"))
    return store, compute, calls, first, cell


def _altered(path):
    """The cell rewritten with other numbers but its old checksum (what an edit, a bit flip or a bad copy does)."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["x"] = np.zeros_like(arrays["x"])
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _no_checksum(path):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k != "__sha256__"}
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated (a killed copy)
        lambda p: p.write_bytes(b""),  # empty
        lambda p: p.write_bytes(b"not a zip file at all"),
        _altered,  # values changed, checksum not
        _no_checksum,  # a cell without checksum
    ],
    ids=["truncated", "empty", "garbage", "altered", "no-checksum"],
)
def test_damaged_cell_is_named_and_recomputed(cache_dir, damage):
    store, compute, calls, first, cell = _one_cell(cache_dir)
    damage(cell)
    with pytest.warns(RuntimeWarning, match=rf"cache cell {cell}.*recomputing it"):
        again = store(("cell", 1), compute)
    assert len(calls) == 2
    np.testing.assert_array_equal(again["x"], first["x"])
    assert store.get(("cell", 1)) is not None  # replaced by a good cell: no warning, no recomputation now
    store(("cell", 1), compute)
    assert len(calls) == 2


def test_checksum_covers_names_dtypes_shapes_and_values():
    from collapse_lib.cache import checksum

    base = dict(a=np.arange(3.0))
    assert checksum(base) == checksum(dict(a=np.arange(3.0)))
    for other in (
        dict(b=np.arange(3.0)),
        dict(a=np.arange(3.0, dtype=np.float32)),
        dict(a=np.arange(3.0)[None]),
        dict(a=np.array([0.0, 1.0, 2.5])),
    ):
        assert checksum(other) != checksum(base)
    with pytest.raises(ValueError, match="reserved"):
        CellStore("demo", {}).put("c", {"__sha256__": 1})
