"""Nothing lost: the scale guard of `reproduce`, atomic data files, schema checks, and one-line CLI errors.

Every user error of ``python -m collapse_lib`` and ``python -m collapse_lib.lm`` must end in exit
code 2 and exactly one line on stderr (no traceback); a run must never replace a data file made at
a larger scale or with another seed, nor an unreadable one, unless ``--force`` is given.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import collapse_lib as cl
from collapse_lib import datafiles
from collapse_lib.cli import main as cli_main
from collapse_lib.lm.__main__ import main as lm_main

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = datafiles.data_dir()


def run(main, argv, capsys):
    """(exit code, stdout, stderr) of an in-process CLI call; argparse's SystemExit is a return code too."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, err, *words):
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture
def paper_fig2(tmp_path):
    """A copy of the committed paper-scale fig2.json in a fresh data folder."""
    src = COMMITTED / "fig2.json"
    assert json.loads(src.read_text())["provenance"]["scale"] == "paper"
    shutil.copy(src, tmp_path / "fig2.json")
    return tmp_path / "fig2.json"


# ------------------------------------------------------------------ the scale guard
def test_smaller_scale_run_keeps_the_paper_file(paper_fig2, capsys):
    before = paper_fig2.read_bytes()
    code, out, err = run(
        cli_main, ["reproduce", "fig2", "--scale", "smoke", "--out-dir", str(paper_fig2.parent)], capsys
    )
    assert code == 0 and err == ""
    assert out.count("\n") == 1 and "kept" in out and "larger scale 'paper'" in out and "--force" in out
    assert paper_fig2.read_bytes() == before


def test_other_seed_keeps_the_file_and_force_replaces_it(paper_fig2, capsys):
    before = paper_fig2.read_bytes()
    args = ["reproduce", "fig2", "--scale", "paper", "--seed", "3", "--out-dir", str(paper_fig2.parent)]
    code, out, _ = run(cli_main, args, capsys)
    assert code == 0 and "made with seed 0, not 3" in out
    assert paper_fig2.read_bytes() == before
    code, out, _ = run(
        cli_main,
        ["reproduce", "fig2", "--scale", "smoke", "--seed", "3", "--force", "--out-dir", str(paper_fig2.parent)],
        capsys,
    )
    assert code == 0 and "wrote" in out
    prov = json.loads(paper_fig2.read_text())["provenance"]
    assert (prov["scale"], prov["seed"]) == ("smoke", 3)


@pytest.mark.slow
def test_reproduce_all_at_a_smaller_scale_replaces_nothing(tmp_path, capsys):
    committed = {p.name: p.read_bytes() for p in COMMITTED.glob("fig*.json")}
    for name, data in committed.items():
        (tmp_path / name).write_bytes(data)
    code, out, _ = run(cli_main, ["reproduce", "all", "--scale", "smoke", "--out-dir", str(tmp_path)], capsys)
    assert code == 0
    assert out.count("kept") == len(committed)  # every committed file is at book or paper scale
    assert {p.name: p.read_bytes() for p in tmp_path.glob("fig*.json")} == committed


def test_library_reproduce_refuses_too(paper_fig2):
    with pytest.raises(FileExistsError, match="larger scale"):
        cl.figures.reproduce("fig2", scale="smoke", out_dir=paper_fig2.parent, progress=False)


@pytest.mark.parametrize(
    "content", [b"{", b"", b"\xff\xfe\x00garbage", b'{"provenance": {}, "columns": {}}', b"[1, 2, 3]"]
)
def test_unreadable_file_is_reported_and_force_replaces_it(tmp_path, capsys, content):
    bad = tmp_path / "fig2.json"
    bad.write_bytes(content)
    code, out, err = run(cli_main, ["reproduce", "fig2", "--scale", "smoke", "--out-dir", str(tmp_path)], capsys)
    assert_user_error(code, err, str(bad), "--force")
    assert bad.read_bytes() == content
    code, out, err = run(
        cli_main, ["reproduce", "fig2", "--scale", "smoke", "--force", "--out-dir", str(tmp_path)], capsys
    )
    assert code == 0 and "wrote" in out
    datafiles.load_table(bad, recipe="fig2", columns=cl.figures.get("fig2").COLUMNS)


def test_a_folder_in_the_way_is_reported_even_with_force(tmp_path, capsys):
    (tmp_path / "fig2.json").mkdir()
    for extra in ([], ["--force"]):
        code, _, err = run(
            cli_main, ["reproduce", "fig2", "--scale", "smoke", "--out-dir", str(tmp_path)] + extra, capsys
        )
        assert_user_error(code, err, "is not a file")


def test_chapter_computes_instead_of_crashing_on_an_unusable_file(tmp_path):
    (tmp_path / "fig2.json").write_text("{broken")
    table, note = cl.figures.load_or_compute("fig2", scale="smoke", data_dir=tmp_path)
    assert note.startswith("Computed now") and "fig2.json is unusable" in note and str(tmp_path) in note and len(table)


# ------------------------------------------------------------------ atomic data files
@pytest.mark.parametrize("failure", ["fsync", "replace", "write"])
def test_failed_save_table_leaves_the_old_file_byte_identical(paper_fig2, monkeypatch, failure):
    before = paper_fig2.read_bytes()
    table, prov = datafiles.load_table(paper_fig2)
    prov = dict(prov, seed=99)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    if failure == "write":  # the writer dies half-way through the text (a file-size limit, a full disk)
        import collapse_lib.fileio as fileio

        real = fileio.os.fdopen

        class HalfWriter:
            def __init__(self, fh):
                self.fh = fh

            def write(self, text):
                self.fh.write(text[: len(text) // 2])
                boom()

            def __getattr__(self, name):
                return getattr(self.fh, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self.fh.__exit__(*exc)

        monkeypatch.setattr(fileio.os, "fdopen", lambda *a, **k: HalfWriter(real(*a, **k)))
    else:
        monkeypatch.setattr(os, failure, boom)
    with pytest.raises(OSError, match="No space"):
        datafiles.save_table(paper_fig2, table, prov)
    monkeypatch.undo()
    assert paper_fig2.read_bytes() == before
    assert sorted(p.name for p in paper_fig2.parent.iterdir()) == ["fig2.json"]  # no temporary file left


def test_every_writer_in_the_library_goes_through_fileio():
    """Static check: no module writes a file except through collapse_lib.fileio (atomic_write / atomic_open)."""
    raw = re.compile(
        r"""open\([^)]*['"][wax]b?['"]|\.write_(text|bytes)\(|\.to_(csv|json|parquet)\(|savefig\(|"""
        r"""np\.save|torch\.save\(|json\.dump\("""
    )
    offenders = []
    for path in (ROOT / "collapse_lib").rglob("*.py"):
        if path.name == "fileio.py":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            code = line.split("#")[0]
            if raw.search(code) and "/proc/" not in code and "atomic_write(" not in code:  # a string handed to it
                context = "\n".join(lines[max(0, i - 2) : i + 1])
                if "atomic_open" not in context:
                    offenders.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    assert not offenders, offenders


# ------------------------------------------------------------------ schema of data files
def _doc(path):
    return json.loads(Path(path).read_text())


def _write(tmp_path, doc):
    """An altered data file in its own folder (not the fixture's copy)."""
    p = tmp_path / "altered" / "fig2.json"
    p.parent.mkdir(exist_ok=True)
    p.write_text(json.dumps(doc))
    return p


@pytest.mark.parametrize("field", sorted(datafiles.PROVENANCE_FIELDS))
def test_missing_provenance_field_is_named(tmp_path, paper_fig2, field):
    doc = _doc(paper_fig2)
    del doc["provenance"][field]
    p = _write(tmp_path, doc)
    with pytest.raises(datafiles.DataFileError, match=rf"{re.escape(str(p))}: provenance field '{field}' is missing"):
        datafiles.load_table(p)


@pytest.mark.parametrize(
    "field,value", [("scale", "huge"), ("seed", -1), ("seed", True), ("seed", "0"), ("config", [1]), ("recipe", 2)]
)
def test_wrong_provenance_value_is_named(tmp_path, paper_fig2, field, value):
    doc = _doc(paper_fig2)
    doc["provenance"][field] = value
    with pytest.raises(datafiles.DataFileError, match=f"provenance field '{field}'"):
        datafiles.load_table(_write(tmp_path, doc))


def test_wrong_recipe_and_missing_column_are_named(tmp_path, paper_fig2):
    doc = _doc(paper_fig2)
    doc["provenance"]["recipe"] = "fig3"
    p = _write(tmp_path, doc)
    with pytest.raises(datafiles.DataFileError, match="provenance field 'recipe' is 'fig3', expected 'fig2'"):
        cl.figures.current_file("fig2", "smoke", p.parent)
    doc = _doc(paper_fig2)
    del doc["columns"]["floor"]
    _write(tmp_path, doc)
    with pytest.raises(datafiles.DataFileError, match="column 'floor' is missing"):
        cl.figures.current_file("fig2", "smoke", p.parent)
    doc = _doc(paper_fig2)
    doc["columns"]["n"] = doc["columns"]["n"][:-1]
    _write(tmp_path, doc)
    with pytest.raises(datafiles.DataFileError, match="different lengths"):
        cl.figures.current_file("fig2", "smoke", p.parent)
    doc["columns"]["n"] = {"a": 1}
    _write(tmp_path, doc)
    with pytest.raises(datafiles.DataFileError, match="column 'n' must be a list"):
        datafiles.load_table(p)


def test_committed_data_files_pass_the_schema():
    """Each committed file passes its checksum and, if current, its recipe's columns and their kinds."""
    for name in cl.figures.RECIPES:
        if (COMMITTED / f"{name}.json").is_file():
            _, table, _, problem = cl.figures.current_file(name, "smoke", COMMITTED)  # raises if unusable
            if problem is None:  # an out-of-date file: test_figures.py::test_committed_data_files_are_current
                assert list(table.columns) == list(cl.figures.schema(name))  # the recipe's table, nothing more


def test_recipe_columns_are_what_compute_returns():
    table = cl.figures.get("fig2").compute(scale="smoke", seed=0)
    assert list(table.columns) == list(cl.figures.get("fig2").COLUMNS)


# ------------------------------------------------------------------ one-line errors, exit code 2
@pytest.mark.parametrize(
    "extra,words",
    [
        (["--seed", "-1"], ["--seed", "non-negative"]),
        (["--seed", "1.5"], ["--seed"]),
        (["--device", "tpu"], ["device", "tpu"]),
        (["--device", "cpu:7"], ["device", "cpu:7"]),
        (["--device", "cuda:99"], ["cuda:99"]),
        (["--scale", "huge"], ["--scale"]),
    ],
)
def test_reproduce_user_errors(tmp_path, capsys, extra, words):
    code, _, err = run(cli_main, ["reproduce", "fig2", "--out-dir", str(tmp_path)] + extra, capsys)
    assert_user_error(code, err, *words)
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_user_error(tmp_path, capsys):
    code, _, err = run(cli_main, ["reproduce", "fig2", "--device", "cuda", "--out-dir", str(tmp_path)], capsys)
    assert_user_error(code, err, "CUDA is not available")


def test_unknown_scale_in_the_environment_and_unwritable_out_dir(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLLAPSE_SCALE", "huge")
    code, _, err = run(cli_main, ["reproduce", "fig2", "--out-dir", str(tmp_path)], capsys)
    assert_user_error(code, err, "$COLLAPSE_SCALE", "huge")
    monkeypatch.setenv("COLLAPSE_SCALE", "smoke")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run(cli_main, ["reproduce", "fig2", "--out-dir", str(blocker / "sub")], capsys)
    assert_user_error(code, err, "--out-dir", str(blocker / "sub"))
    code, _, err = run(cli_main, ["reproduce", "fig99", "--out-dir", str(tmp_path)], capsys)
    assert_user_error(code, err, "fig99")


@pytest.mark.parametrize(
    "argv,words",
    [
        (["fig8", "--seed", "-2"], ["--seed"]),
        (["fig8", "--device", "tpu"], ["device"]),
        (["fig8", "--device", "cpu:7"], ["cpu:7"]),
        (["fig8", "--shard", "2/2"], ["--shard"]),
        (["fig8", "--shard", "x"], ["--shard"]),
        (["train", "--steps", "0"], ["--steps"]),
        (["train", "--lr", "inf"], ["--lr"]),
        (["train", "--lr", "-1"], ["--lr"]),
        (["train", "--batch", "x"], ["--batch"]),
    ],
)
def test_lm_user_errors(tmp_path, capsys, argv, words):
    main, argv = (cli_main, argv + ["--out-dir", str(tmp_path)]) if argv[0] == "fig8" else (lm_main, argv)
    code, _, err = run(main, argv, capsys)
    assert_user_error(code, err, *words)


def test_lm_environment_and_output_errors_and_scale_guard(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, _, err = run(lm_main, ["train", "--steps", "1", "--out", str(blocker / "out")], capsys)
    assert_user_error(code, err, "--out")
    shutil.copy(COMMITTED / "fig8.json", tmp_path / "fig8.json")  # made at scale book
    before = (tmp_path / "fig8.json").read_bytes()
    code, out, _ = run(cli_main, ["fig8", "--scale", "smoke", "--device", "cpu", "--out-dir", str(tmp_path)], capsys)
    assert code == 0 and "kept" in out and (tmp_path / "fig8.json").read_bytes() == before
    monkeypatch.setenv("COLLAPSE_SCALE", "tiny")
    code, _, err = run(cli_main, ["fig8", "--out-dir", str(tmp_path)], capsys)
    assert_user_error(code, err, "$COLLAPSE_SCALE")


@pytest.mark.slow
def test_real_processes_print_one_line_and_no_traceback(tmp_path):
    """The same errors from real processes (python -m ...): stderr is exactly one line."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLLAPSE_SCALE="nonsense")
    for argv in (
        ["collapse_lib", "reproduce", "fig2", "--out-dir", str(tmp_path)],
        ["collapse_lib", "fig8", "--out-dir", str(tmp_path)],
    ):
        p = subprocess.run(
            [sys.executable, "-m", *argv], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
        )
        assert p.returncode == 2, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr


# ------------------------------------------------------------------ corpus files
def test_corpus_names_the_file_on_a_decoding_error_and_reads_json_arrays(tmp_path):
    bad = tmp_path / "stories.txt"
    bad.write_bytes(b"once upon a time\n\xff\xfe broken")
    with pytest.raises(ValueError, match=rf"^path: {re.escape(str(bad))} is not UTF-8"):
        cl.lm.load_corpus(bad)
    arr = tmp_path / "stories.json"
    arr.write_text(json.dumps([{"text": " The cat sat. "}, {"text": ""}, {"text": "A dog ran."}]))
    assert cl.lm.load_corpus(arr) == ["The cat sat.", "A dog ran."]
    arr.write_text(json.dumps(["one", "two", "three"]))
    assert cl.lm.load_corpus(arr, limit=2) == ["one", "two"]
    lines = tmp_path / "stories2.json"
    lines.write_text('{"text": "one"}\n{"text": "two"}\n')
    assert cl.lm.load_corpus(lines) == ["one", "two"]  # a .json file of JSON lines still works
    arr.write_text(json.dumps({"text": "one"}))
    with pytest.raises(ValueError, match="^path: "):
        cl.lm.load_corpus(arr, fmt="json")
    arr.write_text(json.dumps([{"story": "x"}]))
    with pytest.raises(ValueError, match="^field: item 0"):
        cl.lm.load_corpus(arr)
