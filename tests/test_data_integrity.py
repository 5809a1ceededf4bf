"""Data files that cannot lie, and the last silent paths (issue 27).

A damaged, altered or unverifiable data file is named and never shown.

Every test works on copies of the committed files in ``collapse_lib/results`` (in a tmp folder,
never the files themselves). The damage: a column multiplied by 10, one value edited, a column
set to null, a column of strings, a text column of numbers, a non-finite number, the checksum
removed or edited, a provenance field edited. Each is refused by the loader with one message that
names the file and the problem; a chapter (``load_or_compute``) computes the figure instead and
says why; ``reproduce`` reports the file and replaces it only with ``--force``.

Then inputs that could fail silently or deep inside: a setting that is not a Setting,
ridgeless iterative mixing on a singular design (test_bad_inputs.py), NaN in a network's training
data, no generators, least squares on too few or constant pixels, and a file or folder in the way
of the cell cache: each is one error naming the argument or the path.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

import collapse_lib as cl
from collapse_lib import datafiles
from collapse_lib.bench import schema as bench_schema
from collapse_lib.cache import CellStore
from collapse_lib.cli import main as cli_main
from collapse_lib.nn.experiments import MnistSplit, WeakTeacher
from collapse_lib.nn.two_layer import TrainSpec, init_networks, train_two_layer

COMMITTED = datafiles.PACKAGED_DIR
FILES = [name for name in cl.figures.RECIPES if (COMMITTED / f"{name}.json").is_file()]
MISMATCH = "does not match its checksum"


def _copy(tmp_path, name="fig2"):
    shutil.copy(COMMITTED / f"{name}.json", tmp_path / f"{name}.json")
    return tmp_path / f"{name}.json"


def _doc(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _number_column(name, doc, kind="number"):
    """The first column of recipe ``name`` of ``kind`` with a non-zero value (None if there is none)."""
    schema = cl.figures.schema(name)
    for col, values in doc["columns"].items():
        if schema.get(col) == kind and any(isinstance(v, (int, float)) and v for v in values):
            return col
    return None


def _damage(name, doc, how):
    """Damage ``doc`` in place; returns the words the loader's message must contain (None: not applicable)."""
    cols, prov = doc["columns"], doc["provenance"]
    num = _number_column(name, doc) or _number_column(name, doc, "number or null")
    if how == "column x10":
        cols[num] = [None if v is None else v * 10 for v in cols[num]]
        return [MISMATCH]
    if how == "one value edited":
        i = next(i for i, v in enumerate(cols[num]) if v)
        cols[num][i] = cols[num][i] * 1.01
        return [MISMATCH]
    if how == "column nulled":
        cols[num] = [None] * len(cols[num])
        if cl.figures.schema(name)[num] == "number":
            return [f"column '{num}' holds None (row 0), expected a finite number"]
        return [MISMATCH]
    if how == "column of strings":
        cols[num] = [str(v) for v in cols[num]]
        return [f"column '{num}' holds '", "expected a finite number"]
    if how == "text column of numbers":
        text = next((c for c, k in cl.figures.schema(name).items() if k == "text"), None)
        if text is None:
            return None
        cols[text] = list(range(len(cols[text])))
        return [f"column '{text}' holds 0 (row 0), expected a string"]
    if how == "checksum removed":
        del prov["sha256"]
        return ["has no checksum"]
    if how == "checksum edited":
        prov["sha256"] = "0" * 64
        return [MISMATCH]
    if how == "checksum not a digest":
        prov["sha256"] = "abc"
        return ["provenance field 'sha256' must be a SHA-256 hex digest"]
    if how == "provenance edited":
        prov["date_utc"] = "2030-01-01T00:00:00Z"
        return [MISMATCH]
    if how == "seed edited":
        prov["seed"] = prov["seed"] + 1
        return [MISMATCH]
    raise AssertionError(how)


DAMAGE = [
    "column x10",
    "one value edited",
    "column nulled",
    "column of strings",
    "text column of numbers",
    "checksum removed",
    "checksum edited",
    "checksum not a digest",
    "provenance edited",
    "seed edited",
]


# ------------------------------------------------------------------ the committed files
def test_committed_files_carry_a_matching_checksum():
    """(That each also fits its recipe's schema is test_cli_and_files.py::test_committed_data_files_pass_the_schema.)"""
    assert FILES, "no committed data files"
    for name in FILES:
        _, prov = datafiles.load_table(COMMITTED / f"{name}.json", recipe=name)  # checks the checksum
        assert len(prov["sha256"]) == 64


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("how", DAMAGE)
def test_every_kind_of_damage_to_every_committed_file_is_named(tmp_path, name, how):
    path = _copy(tmp_path, name)
    problem = cl.figures.current_file(name, "smoke", tmp_path)[3]
    if problem is not None:  # not shown anyway; reported by test_figures.py::test_committed_data_files_are_current
        pytest.skip(f"{name}.json is {problem}")
    doc = _doc(path)
    words = _damage(name, doc, how)
    if words is None:
        pytest.skip(f"{name} has no column to damage this way")
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    with pytest.raises(datafiles.DataFileError) as err:
        cl.figures.current_file(name, "smoke", tmp_path)
    message = str(err.value)
    assert message.startswith(f"data file {path}: ") and "\n" not in message
    for w in words:
        assert w in message, message
    action, reason = cl.figures.replace_decision(name, "smoke", 0, tmp_path)
    assert action == "broken" and str(path) in reason and "--force" in reason


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_number_is_named(tmp_path, literal):
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    head, sep, tail = text.partition('"error": [')
    path.write_text(head + sep + literal + tail[tail.index(",") :], encoding="utf-8")
    with pytest.raises(datafiles.DataFileError, match=r"column 'error' holds .* \(row 0\), not a finite number"):
        datafiles.load_table(path)


def test_a_true_among_numbers_is_named_by_its_row(tmp_path):
    path = _copy(tmp_path)
    doc = _doc(path)
    doc["columns"]["error"][3] = True
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(datafiles.DataFileError, match=r"column 'error' holds True \(row 3\), expected a finite number"):
        datafiles.load_table(path, columns=cl.figures.schema("fig2"))


def test_numpy_numbers_in_a_document_built_in_memory_are_numbers():
    """A document whose values are NumPy floats (a float subclass, not the type JSON gives) is checked value by value."""
    prov = _doc(COMMITTED / "fig2.json")["provenance"]
    doc = {"provenance": prov, "columns": {"x": [np.float64(1.5), np.float64(2.0)], "s": ["a", "b"]}}
    datafiles.check_columns("mem", doc, {"x": "number", "s": "text"})
    doc["columns"]["x"][1] = np.float64(np.inf)
    with pytest.raises(datafiles.DataFileError, match=r"column 'x' holds .*inf.* \(row 1\), not a finite number"):
        datafiles.check_columns("mem", doc, {"x": "number"})


def test_the_checksum_is_of_the_content_not_the_layout(tmp_path):
    """The same values laid out otherwise (indentation, key and column order) still verify."""
    path = _copy(tmp_path)
    doc = _doc(path)
    reordered = {"columns": dict(reversed(list(doc["columns"].items()))), "provenance": doc["provenance"]}
    path.write_text(json.dumps(reordered, indent=4), encoding="utf-8")
    table, _ = datafiles.load_table(path, recipe="fig2", columns=cl.figures.schema("fig2"))
    original, _ = datafiles.load_table(COMMITTED / "fig2.json")
    pd.testing.assert_frame_equal(table[list(original.columns)], original)


# ------------------------------------------------------------------ what a chapter shows
@pytest.fixture(scope="module")
def fresh_fig2():
    return cl.figures.get("fig2").compute(scale="smoke", seed=0)


@pytest.mark.parametrize(
    "how", ["column x10", "one value edited", "column nulled", "column of strings", "checksum removed", "seed edited"]
)
def test_a_damaged_file_is_never_shown(tmp_path, fresh_fig2, how):
    path = _copy(tmp_path)
    doc = _doc(path)
    words = _damage("fig2", doc, how)
    path.write_text(json.dumps(doc), encoding="utf-8")
    table, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Computed now at scale 'smoke'"), note
    assert "fig2.json is unusable and was not shown" in note and str(path) in note and "--force" in note
    for w in words:
        assert w in note
    assert table.attrs["provenance"] is None
    pd.testing.assert_frame_equal(table, fresh_fig2)  # the recipe's numbers at the chapter's scale, not the file's


def test_an_intact_copy_is_shown(tmp_path):
    path = _copy(tmp_path)
    table, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Loaded fig2.json: computed at scale 'paper'")
    assert table.attrs["provenance"]["sha256"] == _doc(path)["provenance"]["sha256"]


# ------------------------------------------------------------------ writing: reproduce, --force, save_table
def test_reproduce_writes_a_checksum_that_verifies(tmp_path):
    path = cl.figures.reproduce("fig2", scale="smoke", seed=3, out_dir=tmp_path, progress=False)
    assert cl.figures.verify("fig2", tmp_path) == "ok"
    doc = _doc(path)
    doc["columns"]["error"][0] *= 10
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(datafiles.DataFileError, match=MISMATCH):
        cl.figures.verify("fig2", tmp_path)


def test_reproduce_reports_a_damaged_file_and_force_rewrites_it(tmp_path, capsys):
    path = _copy(tmp_path)
    doc = _doc(path)
    _damage("fig2", doc, "column x10")
    path.write_text(json.dumps(doc), encoding="utf-8")
    damaged = path.read_bytes()
    args = ["reproduce", "fig2", "--scale", "smoke", "--out-dir", str(tmp_path)]
    assert cli_main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and MISMATCH in err[0] and "--force" in err[0]
    assert path.read_bytes() == damaged
    assert cli_main(args + ["--force"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert cl.figures.verify("fig2", tmp_path) == "ok" and _doc(path)["provenance"]["scale"] == "smoke"


@pytest.mark.parametrize(
    "column,value,words",
    [
        ("error", "x", r"holds 'x' \(row 0\), expected a finite number"),
        ("kind", 1.0, r"holds 1.0 \(row 0\), expected a string"),
    ],
)
def test_save_table_refuses_a_table_that_does_not_fit_the_schema(tmp_path, column, value, words):
    path = _copy(tmp_path)
    before = path.read_bytes()
    table, prov = datafiles.load_table(path)
    table[column] = table[column].astype(object)
    table.loc[0, column] = value
    with pytest.raises(datafiles.DataFileError, match=rf"{path}: not written: column '{column}' {words}"):
        datafiles.save_table(path, table, prov, schema=cl.figures.schema("fig2"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig2.json"]


@pytest.mark.parametrize("name", ["fig2", "fig9", "fig10", "workflows"])
def test_a_recipe_table_fits_its_schema(tmp_path, name):
    """What compute returns passes the schema it is loaded with (reproduce checks it before writing)."""
    cl.figures.reproduce(name, scale="smoke", out_dir=tmp_path, progress=False)
    assert cl.figures.verify(name, tmp_path) == "ok"


def test_schemas_name_only_their_recipe_columns_and_known_kinds():
    for name in cl.figures.RECIPES:
        recipe = cl.figures.get(name)
        kinds = getattr(recipe, "COLUMN_KINDS", {})
        assert set(kinds) <= set(cl.figures.schema(name)), name
        assert set(cl.figures.schema(name).values()) <= set(datafiles.KINDS), name
    with pytest.raises(ValueError, match="columns: the kind of column 'x'"):
        datafiles.load_table(COMMITTED / "fig2.json", columns={"x": "float"})


# ------------------------------------------------------------------ stamping and the checksum command
def test_stamp_restores_exactly_the_committed_file(tmp_path):
    path = _copy(tmp_path)
    doc = _doc(path)
    del doc["provenance"]["sha256"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert cl.figures.stamp("fig2", tmp_path) == "stamped"
    assert path.read_bytes() == (COMMITTED / "fig2.json").read_bytes()
    assert cl.figures.stamp("fig2", tmp_path) == "already"
    assert cl.figures.stamp("fig3", tmp_path) == "missing"


@pytest.mark.parametrize("how", ["column x10", "column of strings", "checksum edited"])
def test_stamp_never_vouches_for_changed_or_bad_numbers(tmp_path, how):
    path = _copy(tmp_path)
    doc = _doc(path)
    words = _damage("fig2", doc, how)
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(datafiles.DataFileError) as err:
        cl.figures.stamp("fig2", tmp_path)
    assert all(w in str(err.value) for w in words)
    assert path.read_bytes() == before


def test_checksum_command(tmp_path, capsys):
    for name in ("fig2", "fig3", "fig9"):
        _copy(tmp_path, name)
    doc = _doc(tmp_path / "fig3.json")
    _damage("fig3", doc, "column x10")
    (tmp_path / "fig3.json").write_text(json.dumps(doc), encoding="utf-8")
    doc = _doc(tmp_path / "fig9.json")
    del doc["provenance"]["sha256"]
    (tmp_path / "fig9.json").write_text(json.dumps(doc), encoding="utf-8")
    assert cli_main(["checksum", "fig2", "fig3", "fig9", "fig10", "--data-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == ["fig2: ok", "fig10: no data file"]
    err = err.splitlines()
    assert len(err) == 2 and "fig3" in err[0] and MISMATCH in err[0] and "fig9" in err[1] and "no checksum" in err[1]
    assert cli_main(["checksum", "fig2", "fig3", "fig9", "--stamp", "--data-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == ["fig2: ok (already stamped)", "fig9: stamped"]
    assert len(err.splitlines()) == 1 and "fig3" in err and MISMATCH in err
    assert (tmp_path / "fig9.json").read_bytes() == (COMMITTED / "fig9.json").read_bytes()
    with pytest.raises(SystemExit) as exit_:
        cli_main(["checksum", "fig99", "--data-dir", str(tmp_path)])
    assert exit_.value.code == 2 and "unknown figure 'fig99'" in capsys.readouterr().err


# ------------------------------------------------------------------ the last silent paths: one clear error each
def test_setting_none_is_a_type_error_naming_setting():
    """The two calls the issue names (every entry point: test_bad_inputs.py::test_a_setting_that_is_not_...)."""
    for call in (lambda: cl.theory.classical(None, 100, 0.1, 0.1), lambda: cl.simulate.classical(None, 100, 0.1, 0.1)):
        with pytest.raises(TypeError, match=r"^setting must be a collapse_lib\.Setting .* got None$"):
            call()


def _nets_inputs(B=2, n=12, d=3):
    g = torch.Generator().manual_seed(0)
    X = torch.randn((n, d), generator=g, dtype=torch.float64)
    Y = torch.randn((B, n, 1), generator=g, dtype=torch.float64)
    return X, Y, [torch.Generator().manual_seed(i) for i in range(B)]


@pytest.mark.parametrize("arg", ["X", "Y", "X_val", "Y_val"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_training_on_nan_or_inf_is_refused_by_name(arg, bad):
    X, Y, gens = _nets_inputs()
    data = dict(X=X, Y=Y, X_val=X[:4].clone(), Y_val=Y[:, :4].clone())
    data[arg] = data[arg].clone()
    data[arg].view(-1)[5] = bad
    spec = TrainSpec(width=3, steps=2)
    with pytest.raises(ValueError, match=rf"^{arg} must be finite"):
        train_two_layer(data["X"], data["Y"], spec, gens, X_val=data["X_val"], Y_val=data["Y_val"])
    result = train_two_layer(X, Y, spec, gens, X_val=X[:4], Y_val=Y[:, :4])  # the clean data train
    assert all(bool(torch.isfinite(p).all()) for p in result.nets.params)


def test_training_data_must_be_tensors_and_networks_need_generators():
    X, Y, gens = _nets_inputs()
    with pytest.raises(TypeError, match="^X must be a torch.Tensor, got ndarray"):
        train_two_layer(X.numpy(), Y, TrainSpec(width=3, steps=1), gens)
    with pytest.raises(ValueError, match="^generators must hold one torch.Generator per network, got none"):
        init_networks(3, 4, 1, [], "cpu")
    with pytest.raises(ValueError, match="^generators"):
        train_two_layer(X, Y[:0], TrainSpec(width=3, steps=1), [])


def _split(n, d, constant_pixel=False, seed=0):
    """A small MnistSplit of Gaussian 'images' (d pixels), ``n`` teacher images."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    if constant_pixel:
        X[:, 0] = 0.0
    y = rng.integers(0, 10, n)
    return MnistSplit(X, y, X[:1], y[:1], X[:1], y[:1], X, y)


def test_weak_teacher_least_squares_needs_enough_varying_pixels():
    with pytest.raises(
        ValueError, match=r"^lam = 0 needs at least as many samples as pixels \+ 1 = 9 .* n_samples = 6"
    ):
        WeakTeacher(_split(6, 8), n_samples=6, lam=0.0)
    with pytest.raises(ValueError, match=r"^lam = 0: the 20 teacher images span 8 of the 9 directions"):
        WeakTeacher(_split(20, 8, constant_pixel=True), n_samples=20, lam=0.0)
    for split in (_split(6, 8), _split(20, 8, constant_pixel=True)):
        WeakTeacher(split, n_samples=split.X_teacher.shape[0], lam=1e-2)  # λ > 0 is always well posed
    split = _split(20, 8)
    teacher = WeakTeacher(split, n_samples=20, lam=0.0)
    design = np.hstack([split.X_teacher, np.ones((20, 1))]).astype(np.float64)
    reference = np.linalg.lstsq(design, np.eye(10)[split.y_teacher], rcond=None)[0]  # least squares, independently
    np.testing.assert_allclose(teacher.w, reference, rtol=1e-8, atol=1e-10)


def test_a_file_in_place_of_the_cache_root_is_named(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=rf"^cache root {blocker} is a file, not a folder"):
        CellStore("fig", {"a": 1}, root=blocker)
    with pytest.raises(ValueError, match=rf"^cache root {blocker / 'sub'}: {blocker} is a file, not a folder"):
        CellStore("fig", {"a": 1}, root=blocker / "sub")
    monkeypatch.setenv("COLLAPSE_CACHE_DIR", str(blocker))
    with pytest.raises(ValueError, match=r"^cache root .*a-file/cells: .*a-file is a file.*\$COLLAPSE_CACHE_DIR"):
        CellStore("fig", {"a": 1})


def test_a_folder_in_place_of_a_cache_cell_is_named(tmp_path):
    store = CellStore("fig", {"a": 1}, root=tmp_path)
    store.put(1, {"x": np.arange(3)})
    (store.path / "2.npz").mkdir()
    for call in (lambda: store.get(2), lambda: store.put(2, {"x": 1}), lambda: store(2, lambda: {"x": 1})):
        with pytest.raises(ValueError, match=rf"^cache cell {store.path / '2.npz'} is a folder, not a file"):
            call()
    np.testing.assert_array_equal(store.get(1)["x"], np.arange(3))  # the other cells are untouched
    (store.path / "key.json").unlink()
    (store.path / "key.json").mkdir()
    with pytest.raises(ValueError, match=r"^cache key file .*key\.json is a folder"):
        CellStore("fig", {"a": 1}, root=tmp_path)


def test_reproduce_with_a_file_as_cache_root_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("COLLAPSE_CACHE_DIR", str(blocker))
    # fig6 keeps its cells at paper scale; the store is opened before the first network is trained
    code = cli_main(["reproduce", "fig6", "--scale", "paper", "--out-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and str(blocker) in err[0] and "is a file, not a folder" in err[0]
    assert not (tmp_path / "out" / "fig6.json").exists()


# ------------------------------------------------------------------ the benchmark result (Performance page)
def _bench_copy(tmp_path):
    shutil.copy(COMMITTED / "bench_cpu.json", tmp_path / "bench_cpu.json")
    return tmp_path / "bench_cpu.json"


def test_the_committed_benchmark_carries_a_matching_checksum_and_to_json_writes_one():
    result = bench_schema.load(COMMITTED / "bench_cpu.json")
    assert len(json.loads((COMMITTED / "bench_cpu.json").read_text())["sha256"]) == 64
    assert bench_schema.from_json(result.to_json()) == result


@pytest.mark.parametrize(
    "how,words",
    [
        ("x10", "does not match its checksum ('sha256')"),
        ("no checksum", "has no checksum ('sha256')"),
        ("string", "simulation.baseline_seconds_measured[0]: expected a number, got '1.0'"),
        ("not a list", "simulation.baseline_seconds_measured: expected a list, got 1.0"),
        ("null int", "theory[0].points: expected an integer, got None"),
    ],
)
def test_a_damaged_benchmark_result_is_named(tmp_path, how, words):
    path = _bench_copy(tmp_path)
    data = json.loads(path.read_text())
    if how == "x10":  # a speed-up ten times too large
        data["simulation"]["baseline_seconds_measured"] = [
            10 * t for t in data["simulation"]["baseline_seconds_measured"]
        ]
    elif how == "no checksum":
        del data["sha256"]
    elif how == "string":
        data["simulation"]["baseline_seconds_measured"][0] = "1.0"
    elif how == "not a list":
        data["simulation"]["baseline_seconds_measured"] = 1.0
    else:
        data["theory"][0]["points"] = None
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(ValueError) as err:
        bench_schema.load(path)
    assert str(err.value).startswith(str(path)) and words in str(err.value), str(err.value)


def test_stamping_a_benchmark_result_and_the_checksum_command(tmp_path, capsys):
    path = _bench_copy(tmp_path)
    data = json.loads(path.read_text())
    del data["sha256"]
    path.write_text(json.dumps(data, indent=1) + "\n")
    assert cli_main(["checksum", "--data-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert "bench_cpu" not in out and "bench_cpu.json: has no checksum" in err
    assert cli_main(["checksum", "--stamp", "--data-dir", str(tmp_path)]) == 0
    assert "bench_cpu: stamped" in capsys.readouterr().out
    assert path.read_bytes() == (COMMITTED / "bench_cpu.json").read_bytes()
    data = json.loads(path.read_text())
    data["elapsed_s"] += 1
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(ValueError, match="does not match its checksum"):
        bench_schema.stamp(path)
