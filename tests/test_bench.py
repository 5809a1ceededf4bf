"""The benchmark: runs end to end at toy sizes, one schema and one renderer, CLI errors (no timing assertions)."""

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
from collapse_lib.bench import baselines, render, schema
from collapse_lib.bench.__main__ import main


@pytest.fixture(scope="module")
def tiny():
    return bench.run("tiny", seed=0)


def test_tiny_run_checks_pass_and_scaling_rows_are_distinct_and_sorted(tiny):
    assert tiny.agree
    assert [t.theorem for t in tiny.theory] == [1, 1, 2, 2]
    keys = [(r.d, r.n) for r in tiny.scaling.rows]
    assert keys == sorted(set(keys))  # the point both sweeps share is measured once
    cfg = bench.TINY
    assert [r.d for r in tiny.scaling.d_sweep()] == sorted(cfg.sc_d)
    assert [r.n for r in tiny.scaling.n_sweep()] == sorted(cfg.sc_n)
    assert set(tiny.scaling.exponents) == {"d_direct", "d_auto", "n_direct", "n_auto"}
    pf = tiny.simulation.profile  # the bound (free solve) exceeds the ratio of the stage sums
    assert pf.bound_if_solve_free >= pf.stage_ratio > 0
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
    assert len(render.theory_table(tiny).rows) == 4
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
    assert sm.baseline_seconds == pytest.approx(sm.baseline_seconds_measured * sm.trials / sm.baseline_trials)
    assert sm.ratio("direct") == pytest.approx(sm.baseline_seconds / sm.seconds("direct"))
    t = tiny.theory[0]
    assert t.ratio == pytest.approx((t.points / t.lib_seconds) / (t.baseline_points / t.baseline_seconds))
    bad = dataclasses.replace(tiny, theory=(dataclasses.replace(t, max_rel_diff=1e-3),) + tiny.theory[1:])
    assert not bad.agree and "checks FAILED" in render.summary_line(bad)


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
