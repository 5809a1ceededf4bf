"""The benchmark: runs end to end at toy sizes, one schema and one renderer, CLI errors (no timing assertions).

The derived numbers are checked against the stored repetitions: a rate or ratio is the median of
its repetitions, the spread their range, and the bound "if the solve were free" is, in every
repetition, at least that repetition's ratio (so its median is at least the median ratio).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import collapse_lib as cl
from collapse_lib import bench
from collapse_lib.bench import baselines, measure, render, schema
from collapse_lib.bench.__main__ import main


@pytest.fixture(scope="module")
def tiny():
    return bench.run("tiny", seed=0)


def test_tiny_run_checks_pass_and_scaling_rows_are_distinct_and_sorted(tiny):
    assert tiny.agree
    assert [(t.theorem, t.path) for t in tiny.theory] == [(1, "fast"), (1, "safe")] * 2 + [(2, "fast"), (2, "safe")] * 2
    assert {t.auto_uses for t in tiny.theory} == {"fast"}  # toy grids lie in the fast range
    assert all(len(t.lib_seconds) == bench.TINY.repeats for t in tiny.theory)
    keys = [(r.d, r.n) for r in tiny.scaling.rows]
    assert keys == sorted(set(keys))  # the point both sweeps share is measured once
    cfg = bench.TINY
    assert [r.d for r in tiny.scaling.d_sweep()] == sorted(cfg.sc_d)
    assert [r.n for r in tiny.scaling.n_sweep()] == sorted(cfg.sc_n)
    assert set(tiny.scaling.exponents) == {"d_direct", "d_auto", "n_direct", "n_auto"}
    sm = tiny.simulation
    assert sm.repetitions == bench.TINY.sim_repeats >= 3
    for t in sm.methods:
        assert len(t.seconds) == len(t.solve_seconds) == sm.repetitions
        assert all(0 < v < s for s, v in zip(t.seconds, t.solve_seconds))  # the solves are part of the call
    assert tiny.provenance["collapse_lib_version"] == cl.__version__


def test_json_round_trip_is_exact(tiny):
    back = schema.from_json(tiny.to_json())
    assert back == tiny
    assert render.report(back) == render.report(tiny) and render.summary_line(back) == render.summary_line(tiny)


def test_cli_prints_the_renderer_output_and_writes_what_it_printed(tmp_path, capsys):
    out = tmp_path / "sub" / "bench.json"
    assert main(["--tiny", "--out", str(out), "--seed", "1"]) == 0
    stdout = capsys.readouterr().out
    loaded = bench.load(out)
    assert stdout.strip().splitlines()[-1] == render.summary_line(loaded)  # one renderer, same numbers
    assert render.report(loaded) in stdout
    assert loaded.provenance["seed"] == 1 and loaded.mode == "tiny"
    assert not list(out.parent.glob(".*.tmp"))  # atomic write left no temporary file


def test_renderer_tables_have_one_row_per_measurement(tiny):
    assert len(render.theory_table(tiny).rows) == 8  # 2 theorems × 2 settings × 2 arithmetics
    sim = render.simulation_table(tiny)
    assert len(sim.rows) == len(tiny.simulation.methods) + 4
    assert all(len(r) == len(sim.columns) for r in sim.rows)
    md = sim.markdown().splitlines()
    assert all(line.count(" | ") == len(sim.columns) - 1 for line in md[2:])  # '|' in a cell is escaped
    assert list(render.scaling_table(tiny).frame().columns) == ["d", "n", "direct (s)", "auto (s)", "auto uses"]
    assert "SUMMARY" not in " ".join(
        render.theory_sentences(tiny)
        + render.simulation_sentences(tiny)
        + render.bound_sentences(tiny)
        + render.scaling_sentences(tiny)
    )


def test_derived_numbers_follow_from_the_measurements(tiny):
    sm = tiny.simulation
    base = np.array(sm.baseline_seconds_measured) * sm.trials / sm.baseline_trials
    assert sm.baseline_seconds == pytest.approx(np.median(base))
    lib = np.array(sm.timing("direct").seconds)
    assert sm.ratio("direct") == pytest.approx(np.median(base / lib))  # median of per-repetition ratios
    assert sm.ratio_spread("direct") == pytest.approx(((base / lib).min(), (base / lib).max()))
    t = tiny.theory[0]
    med = np.median(t.lib_seconds)
    assert t.ratio == pytest.approx((t.points / med) / (t.baseline_points / t.baseline_seconds))
    assert t.lib_rate_spread == pytest.approx((t.points / max(t.lib_seconds), t.points / min(t.lib_seconds)))
    bad = dataclasses.replace(tiny, theory=(dataclasses.replace(t, max_rel_diff=1e-3),) + tiny.theory[1:])
    assert not bad.agree and "checks FAILED" in render.summary_line(bad)


def _with_auto(sm, seconds, solves, baseline):
    auto = dataclasses.replace(sm.timing("auto"), seconds=tuple(seconds), solve_seconds=tuple(solves))
    methods = tuple(auto if t.method == "auto" else t for t in sm.methods)
    return dataclasses.replace(
        sm, methods=methods, baseline_seconds_measured=tuple(b * sm.baseline_trials / sm.trials for b in baseline)
    )


def test_the_bound_if_the_solve_were_free_is_never_below_the_measured_ratio(tiny):
    sm = tiny.simulation
    for bound, ratio in zip(sm.bounds("auto"), sm.ratios("auto")):
        assert bound >= ratio
    assert sm.bound_if_solve_free >= sm.ratio("auto")
    # noisy repetitions that disagree by ×2: each bound still stands on its own repetition
    noisy = _with_auto(sm, seconds=[1.0, 2.0, 4.0], solves=[0.5, 0.1, 3.0], baseline=[10.0, 5.0, 20.0])
    assert noisy.ratios("auto") == pytest.approx((10.0, 2.5, 5.0))
    assert noisy.bounds("auto") == pytest.approx((20.0, 5.0 / 1.9, 20.0))
    assert noisy.ratio("auto") == pytest.approx(5.0) and noisy.bound_if_solve_free == pytest.approx(20.0)
    assert noisy.ratio_spread("auto") == (2.5, 10.0)
    # solves that took all the library's time (clock granularity): the bound is unbounded, not negative
    free = _with_auto(sm, seconds=[1.0, 1.0, 1.0], solves=[1.0, 0.0, 0.5], baseline=[3.0, 3.0, 3.0])
    assert free.bounds("auto") == (np.inf, 3.0, 6.0)


def test_time_inside_accumulates_the_calls_of_one_function_and_restores_it():
    import types

    mod = types.SimpleNamespace(work=lambda x: sum(range(x)))
    original = mod.work
    with measure.time_inside(mod, "work") as spent:
        assert mod.work(10**5) == sum(range(10**5)) and mod.work(3) == 3
        assert mod.work is not original
    assert mod.work is original and spent[0] > 0
    with pytest.raises(ZeroDivisionError), measure.time_inside(mod, "work"):
        raise ZeroDivisionError  # an error in the block
    assert mod.work is original


def test_the_default_rows_are_the_arithmetic_auto_takes(tiny):
    assert tiny.theorem(1, "default") == tiny.theorem(1, "fast")
    both = dataclasses.replace(tiny, theory=tuple(dataclasses.replace(t, auto_uses="both") for t in tiny.theory))
    assert both.theorem(1, "default") == both.theorem(1, "safe")  # a mixed grid: the safe rows, a lower bound
    line = render.summary_line(tiny)
    fast, safe = tiny.theorem(1, "fast"), tiny.theorem(1, "safe")
    assert (
        f"fast {'/'.join(f'{t.lib_rate:.2g}' for t in fast)}, safe {'/'.join(f'{t.lib_rate:.2g}' for t in safe)}"
        in line
    )
    assert f"median of {tiny.simulation.repetitions}" in line


def test_loader_names_the_file_and_the_field(tmp_path, tiny):
    data = json.loads(tiny.to_json())
    del data["simulation"]["memory"]["auto"]
    p = tmp_path / "b.json"
    p.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"b\.json\.simulation\.memory: missing field 'auto'"):
        bench.load(p)
    p.write_text(json.dumps({"config": {}, "theory": []}))  # the old (unversioned) layout
    with pytest.raises(ValueError, match="schema version None.*re-run python -m collapse_lib.bench"):
        bench.load(p)
    p.write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        bench.load(p)
    with pytest.raises(ValueError, match="cannot read"):
        bench.load(tmp_path / "missing.json")


def test_committed_cpu_run_loads_for_the_performance_page():
    runs = bench.committed()
    assert "cpu" in runs and runs["cpu"].mode == "full" and runs["cpu"].agree
    assert len(render.report(runs["cpu"]).splitlines()) > 20


def test_numpy_baselines_agree_with_library_kernel():
    st = cl.Setting.isotropic(15)
    assert (
        baselines.shared_design_check(st, 40, np.array([0.0, 0.5]), np.array([1e-2, 1.0]), torch.device("cpu")) < 1e-8
    )
    a = baselines.numpy_loop(st, 40, [0.0, 0.5], [1e-2], 2, seed=0)
    b = baselines.numpy_loop(st, 40, [0.0, 0.5], [1e-2], 2, seed=0, hoist=False)
    np.testing.assert_allclose(a, b, rtol=1e-10)


# ---------------------------------------------------------------- command-line errors
def _bad_args(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    cases = [
        (["--device", "tpu"], "--device"),
        (["--device", "cpu:7"], "--device"),
        (["--device", "cuda:99"], "--device"),
        (["--device", "3"], "--device"),
        (["--out", str(tmp_path)], "--out"),
        (["--out", str(blocker / "b.json")], "--out"),
        (["--out", "/proc/collapse_bench.json"], "--out"),
        (["--seed", "-1"], "--seed"),
        (["--seed", "1.5"], "--seed"),
        (["--threads", "0"], "--threads"),
        (["--quick", "--tiny"], "--tiny"),
        (["--bogus"], "--bogus"),
        (["--seed"], "--seed"),
    ]
    if not torch.cuda.is_available():
        cases.append((["--device", "cuda"], "--device"))
    return cases


def test_every_user_error_is_one_line_and_exit_code_2(tmp_path, capsys):
    for argv, named in _bad_args(tmp_path):
        assert main(argv + ["--tiny"] if "--tiny" not in argv and "--quick" not in argv else argv) == 2, argv
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("python -m collapse_lib.bench: error:"), (argv, captured.err)
        assert named in err[0], (argv, err)
        assert captured.out == "", argv  # nothing ran


@pytest.mark.slow
def test_module_entry_point_exits_2_without_traceback():
    p = subprocess.run(
        [sys.executable, "-m", "collapse_lib.bench", "--device", "cpu:7"], capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_failed_final_write_is_one_line_exit_2_and_keeps_the_old_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "bench.json"
    out.write_text("old")

    def failing_write(path, data, encoding="utf-8"):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("collapse_lib.bench.__main__.atomic_write", failing_write)
    assert main(["--tiny", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0]
    assert out.read_text() == "old"
