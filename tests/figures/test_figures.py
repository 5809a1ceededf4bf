"""Figure recipes, data files with provenance, the scale knob and the CLI."""

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import collapse_lib as cl  # noqa: E402
from collapse_lib import datafiles  # noqa: E402
from collapse_lib.cli import main as cli_main  # noqa: E402
from collapse_lib.scale import current_scale  # noqa: E402

N_SWEEPS = ("fig2", "fig3")  # the Theorem 1 recipes (error vs n); other recipes are tested in their own files


@pytest.mark.parametrize("name", cl.figures.RECIPES)
def test_every_recipe_has_title_and_json_config_per_scale(name):
    recipe = cl.figures.get(name)
    assert recipe.TITLE.startswith("Figure ") or name in cl.figures.NAMED
    assert recipe.__doc__ and "dtype" in recipe.__doc__.lower()
    for scale in ("smoke", "book", "paper"):
        cfg = recipe.config(scale)
        assert cfg["scale"] == scale
        assert datafiles.as_stored(cfg)["scale"] == scale  # a configuration a data file can store


def test_recipes_are_discovered_in_figure_order():
    named = cl.figures.NAMED
    nums = [int(r[3:]) for r in cl.figures.RECIPES[: len(cl.figures.RECIPES) - len(named)]]
    assert nums == sorted(nums) and {2, 3} <= set(nums)
    assert cl.figures.RECIPES[-len(named) :] == named  # named recipes (beyond the paper) come last


@pytest.fixture(scope="module", params=N_SWEEPS)
def recipe_table(request):
    name = request.param
    return name, cl.figures.get(name).compute(scale="smoke", seed=3)


def test_recipe_table_has_theory_and_agreeing_simulation(recipe_table):
    name, table = recipe_table
    assert set(table.kind) == {"theory", "simulation"}
    sim = table[table.kind == "simulation"]
    assert np.all(np.isfinite(sim.error)) and np.all(sim.stderr > 0)
    # Smoke scale: d = 20 and 10 trials, so the s.e. is itself noisy and O(1/d) finite-size
    # effects are visible. Precise agreement is tested in test_theory_vs_simulation.py; here:
    # >= 90% of points within 3 s.e. + 10%, and none beyond 4 s.e. + 25%.
    gap = np.abs(sim.error - sim.theory_at_p2_eff)
    assert np.mean(gap <= 3 * sim.stderr + 0.10 * sim.theory_at_p2_eff) >= 0.9
    assert np.all(gap <= 4 * sim.stderr + 0.25 * sim.theory_at_p2_eff), sim[gap > 4 * sim.stderr]


def test_theory_floor_is_reached_at_large_n(recipe_table):
    """The theory lines run to n = 1e10 where every curve sits at its floor (+ clean law)."""
    _, table = recipe_table
    th = table[table.kind == "theory"]
    last = th[th.n == th.n.max()]
    assert np.all(last.error >= last.floor)
    # zeta - floor = O(d/n), tiny at n = 1e10
    assert np.allclose(last.error, last.floor + last.clean, rtol=1e-4)
    positive = last[last.p2 * last.c2 > 0]
    # at n = 1e10 the clean law is far below every visible floor p2^2 c2 >= 1e-6 * 0.5
    assert np.all(positive.error <= positive.floor * 1.5 + 1e-6)


def test_plot_has_labelled_log_axes(recipe_table):
    name, table = recipe_table
    fig = cl.figures.get(name).plot(table)
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "n" in ax.get_xlabel() and "error" in ax.get_ylabel()
        assert len(ax.lines) > 0
    matplotlib.pyplot.close(fig)


def test_same_seed_same_table():
    a = cl.figures.get("fig2").compute(scale="smoke", seed=1)
    b = cl.figures.get("fig2").compute(scale="smoke", seed=1)
    c = cl.figures.get("fig2").compute(scale="smoke", seed=2)
    pd.testing.assert_frame_equal(a, b)
    sa, sc = a[a.kind == "simulation"], c[c.kind == "simulation"]
    assert not np.allclose(sa.error, sc.error)


def test_data_file_round_trip_and_provenance(tmp_path):
    path = cl.figures.reproduce("fig2", scale="smoke", seed=5, out_dir=tmp_path, progress=False)
    table, prov = datafiles.load_table(path)
    for key in ("recipe", "scale", "seed", "device", "config", "collapse_lib_version", "date_utc", "dtype"):
        assert key in prov
    assert prov["scale"] == "smoke" and prov["seed"] == 5 and prov["recipe"] == "fig2"
    fresh = cl.figures.get("fig2").compute(scale="smoke", seed=5)
    np.testing.assert_allclose(
        table.error.to_numpy(), fresh.error.to_numpy(), rtol=1e-7
    )  # files keep 8 significant digits
    assert path.stat().st_size < 200_000


def test_load_or_compute_prefers_file_at_same_or_larger_scale(tmp_path):
    cl.figures.reproduce("fig2", scale="smoke", seed=7, out_dir=tmp_path, progress=False)
    _, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Loaded") and "smoke" in note
    # a smoke file does not stand in for the book scale: recompute (at smoke here, to stay fast)
    doc = json.loads((tmp_path / "fig2.json").read_text())
    doc["provenance"]["scale"] = "smoke"
    (tmp_path / "fig2.json").write_text(json.dumps(doc))
    _, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path / "empty")
    assert note.startswith("Computed now")


def test_missing_and_corrupt_data_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="data file not found"):
        datafiles.load_table(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid collapse_lib data file"):
        datafiles.load_table(bad)


def test_scale_knob(monkeypatch):
    monkeypatch.setenv("COLLAPSE_SCALE", "paper")
    assert current_scale() == "paper"
    monkeypatch.delenv("COLLAPSE_SCALE")
    assert current_scale() == "book"
    monkeypatch.setenv("COLLAPSE_SCALE", "huge")
    with pytest.raises(ValueError, match="COLLAPSE_SCALE"):
        current_scale()
    with pytest.raises(ValueError, match="scale"):
        cl.figures.get("fig2").config("tiny")


def test_unknown_figure():
    with pytest.raises(ValueError, match="unknown figure 'fig99'"):
        cl.figures.get("fig99")


def test_cli_reproduce_and_errors(tmp_path, capsys):
    assert cli_main(["list"]) == 0
    assert "fig2" in capsys.readouterr().out
    assert cli_main(["reproduce", "fig3", "--scale", "smoke", "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "fig3.json").is_file()
    with pytest.raises(SystemExit):
        cli_main(["reproduce", "fig99"])
    assert cli_main(["reproduce", "fig2", "--scale", "smoke", "--device", "tpu", "--out-dir", str(tmp_path)]) == 2
    assert "device" in capsys.readouterr().err


def test_agreement_table_matches_simulation_rows(recipe_table):
    name, table = recipe_table
    group = "p2"
    sub = table[table.panel == table.panel.iloc[0]]
    agree = cl.figures.agreement(sub, group)
    sim = sub[sub.kind == "simulation"]
    assert len(agree) == sim[sim.n == sim.n.max()].shape[0]
    assert np.all(agree.n == sim.n.max())
    np.testing.assert_allclose(agree.z, (agree.simulation - agree.theory) / agree.stderr)
    assert len(cl.figures.agreement(sub, group, at="all")) == len(sim)
    with pytest.raises(ValueError, match="at must be"):
        cl.figures.agreement(sub, group, at="smallest")
    assert "simulated points" in cl.figures.agreement_summary(sub)


def test_describe_config_lists_every_parameter():
    cfg = cl.figures.get("fig3").config("smoke")
    table = cl.figures.describe_config(cfg)
    flat = sum(len(v) if isinstance(v, dict) else 1 for v in cfg.values())
    assert len(table) == flat
    assert table.parameter.str.contains("panel \\(a\\)").any()
    assert (table.value.str.len() > 0).all()


def _config_keys(cfg, out):
    for key, val in cfg.items():
        (_config_keys(val, out) if isinstance(val, dict) else out.add(key))
    return out


@pytest.mark.parametrize("name", cl.figures.RECIPES)
def test_describe_config_names_every_key_in_words(name):
    """No raw key (``lr``, ``out_scale``, ``lam_rp``) in a provenance table, at any scale, for any recipe."""
    for scale in ("smoke", "book", "paper"):
        cfg = cl.figures.get(name).config(scale)
        table = cl.figures.describe_config(cfg)
        missing = sorted(_config_keys(cfg, set()) - set(cl.figures.report._DESCRIBE) - {"n_sim", "n_theory"})
        assert not missing, f"{name} at {scale}: no description for {missing}"
        assert not table.parameter.str.contains("_").any(), table
        assert not table.value.str.contains("None").any(), table
        assert list(table.columns) == ["parameter", "value"]


def test_describe_config_words_for_values_and_groups():
    table = cl.figures.describe_config(
        {"batch_size": None, "hard_labels": True, "n_test": 10000, "weak": {"steps": 150}, "a": {"lam": 0.5}}
    )
    assert dict(zip(table.parameter, table.value)) == {
        "minibatch size": "full batch",
        "teacher gives hard (one-hot) labels": "yes",
        "test samples per trial": "10,000",
        "GPT generator: training steps": "150",
        "panel (a): ridge λ (0 = ridgeless)": "0.5",
    }


def test_load_or_compute_attaches_config(tmp_path):
    table, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Computed now") and str(tmp_path) not in note
    assert table.attrs["config"]["scale"] == "smoke"
    cl.figures.reproduce("fig2", scale="smoke", seed=0, out_dir=tmp_path, progress=False)
    table, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Loaded") and table.attrs["provenance"]["recipe"] == "fig2"


def test_stale_data_file_is_not_shown(tmp_path):
    path = cl.figures.reproduce("fig2", scale="smoke", seed=0, out_dir=tmp_path, progress=False)
    table, prov = datafiles.load_table(path)
    prov["config"]["c2"] = 0.123  # as if the recipe changed since the file was made
    datafiles.save_table(path, table, prov)  # a valid file (its checksum matches) of another configuration
    table, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Computed now") and "out of date" in note
    assert table.attrs["config"]["c2"] == 0.5


@pytest.mark.slow
def test_committed_data_files_are_current():
    """Files in collapse_lib/results must match their recipe, or the book silently shows old numbers."""
    for name in cl.figures.RECIPES:
        path = datafiles.data_dir() / f"{name}.json"
        if path.is_file():
            _, note = cl.figures.load_or_compute(name, scale="smoke")
            assert note.startswith("Loaded"), note


def test_cli_reproduce_resumes_and_force_recomputes(tmp_path, capsys):
    args = ["reproduce", "fig2", "--scale", "smoke", "--out-dir", str(tmp_path)]
    assert cli_main(args) == 0
    first = (tmp_path / "fig2.json").stat().st_mtime_ns
    assert cli_main(args) == 0
    assert "skipped" in capsys.readouterr().out
    assert (tmp_path / "fig2.json").stat().st_mtime_ns == first
    assert cli_main(args + ["--seed", "1"]) == 0  # another seed: the seed-0 file is kept, not replaced
    assert "made with seed 0, not 1" in capsys.readouterr().out
    assert (tmp_path / "fig2.json").stat().st_mtime_ns == first
    assert cli_main(args + ["--seed", "1", "--force"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert json.loads((tmp_path / "fig2.json").read_text())["provenance"]["seed"] == 1
