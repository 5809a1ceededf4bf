"""The benchmark runs end to end at toy sizes (no timing assertions)."""
from __future__ import annotations

import json

import numpy as np

import collapse_lib as cl
from collapse_lib import bench


def test_bench_tiny_runs_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    res = bench.main(["--quick", "--tiny", "--out", str(out)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("SUMMARY theory ")
    assert "pts/s" in lines[-1] and "simulation x" in lines[-1] and "of peak GFLOP/s" in lines[-1]
    data = json.loads(out.read_text())
    assert set(data) == {"config", "theory", "simulation", "scaling", "rp_theory", "rp_simulation", "summary",
                         "provenance"}
    assert all(t["agree"] for t in data["rp_theory"])  # vectorised Theorem 2 = per-point brentq version
    assert data["provenance"]["collapse_lib_version"] == cl.__version__
    assert data["summary"] == lines[-1]
    assert len(data["theory"]) == 2
    for t in data["theory"]:
        for k in ("lib_pts_per_s", "baseline_pts_per_s", "ratio", "max_rel_diff", "agree", "target_met"):
            assert k in t
        assert t["agree"]
    sm = data["simulation"]
    for k in ("lib_seconds", "baseline_seconds", "ratio", "achieved_gflops", "peak_gflops",
              "fraction_of_peak", "memory_mib", "shared_design_max_rel_diff", "flop_count"):
        assert k in sm
    assert {"direct", "auto"} <= set(sm["lib_seconds"])
    assert sm["shared_design_max_rel_diff"] < 1e-8
    prof = sm["profile"]  # per-stage times that explain the ratio; the bound exceeds the ratio of stage sums
    assert prof["library_total"] > 0 and prof["baseline_total"] > 0
    assert prof["bound_if_solve_free"] >= prof["stage_ratio"]
    assert data["rp_simulation"]["fraction_of_peak"] > 0
    assert set(data["scaling"]["exponents"]) == {"d_direct", "d_auto", "n_direct", "n_auto"}
    assert res["summary"] == data["summary"]


def test_theory_baseline_matches_library():
    st = cl.Setting.power_law(30, 1.0)
    for n, p2, lam in [(10.0, 0.3, 1e-3), (100.0, 0.0, 0.1), (45.0, 1.0, 1e-4)]:
        lib = cl.theory.classical(st, n=n, p2=p2, lam=lam).total
        assert abs(bench.theory_point_loop(st, n, p2, lam) - lib) <= 1e-10 * abs(lib)


def test_numpy_baselines_agree_with_library_kernel():
    st = cl.Setting.isotropic(15)
    import torch
    assert bench.shared_design_check(st, 40, np.array([0.0, 0.5]), np.array([1e-2, 1.0]),
                                     torch.device("cpu")) < 1e-8
    a = bench.numpy_loop(st, 40, [0.0, 0.5], [1e-2], 2, seed=0)
    b = bench.numpy_loop(st, 40, [0.0, 0.5], [1e-2], 2, seed=0, hoist=False)
    np.testing.assert_allclose(a, b, rtol=1e-10)
