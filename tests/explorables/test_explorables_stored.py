"""The explorables' grids shipped with the library (:mod:`collapse_lib.explorables.stored`).

The shipped files must be current (made from the grids the modules ask for) and hold what the library computes
today: a sample of each grid is recomputed here and compared row by row. The store itself: exact round trip, a
changed key or a missing file falls back to computing, a damaged or altered file is an error naming it.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from collapse_lib.explorables import mixing, projections, stored, workflows
from collapse_lib.setting import Setting

MODULES = {"mixing": mixing, "projections": projections, "workflows": workflows}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_shipped_file_is_current(name):
    assert stored.status(name, MODULES[name].stored_key()) == "current", (
        f"run `python -m collapse_lib explorables {name}` and commit {stored.path(name)}"
    )


def _rows(table: dict, keys: tuple) -> dict:
    """``{key tuple: row index}`` of a table."""
    cols = [np.asarray(table[k]) for k in keys]
    return {tuple(c[i].item() for c in cols): i for i in range(cols[0].size)}


def _same_rows(fresh: dict, shipped: dict, keys: tuple, rtol=1e-10):
    """Every row of ``fresh`` is in ``shipped`` (matched on ``keys``) with the same values to ``rtol``."""
    where, wanted = _rows(shipped, keys), _rows(fresh, keys)
    idx = np.array([where[k] for k in wanted])
    order = np.array(list(wanted.values()))
    assert idx.size > 0
    for col in fresh:
        np.testing.assert_allclose(
            np.asarray(shipped[col])[idx], np.asarray(fresh[col])[order], rtol=rtol, atol=0, err_msg=col
        )


def test_shipped_mixing_tables_are_the_theory_today():
    shipped = mixing.stored_tables()
    fresh = mixing.tables(n1_sizes=(100, 100_000), n2_sizes=(50, 10_000), c2_grid=(0.0, 0.45, 2.0))
    keys = dict(weighted=("n1", "n2", "a"), iterative=("n1", "n2", "fresh", "t"), scalars=("n1", "n2", "fresh"))
    keys["best"] = ("n1", "n2", "c2")
    assert set(shipped) == set(fresh) == set(keys)
    for table, k in keys.items():
        _same_rows(fresh[table], shipped[table], k)


def test_shipped_projections_table_is_the_theory_today():
    shipped = projections.stored_table()
    psi = projections.psi_grid()
    for phi, ll in ((projections.PHIS[0], -6.0), (1.5, 0.0), (projections.PHIS[-1], -3.0)):
        st = Setting.isotropic(projections.dimension(phi), r2=1.0, c2=1.0, sigma2=1.0)
        fresh = dict(ll=np.full(psi.size, ll), phi=np.full(psi.size, phi), psi=psi)
        fresh.update(projections.basis(st, projections.N, psi * projections.N, 10.0**ll))
        _same_rows(fresh, shipped, ("ll", "phi", "psi"))


def test_shipped_workflows_table_is_the_theory_today():
    shipped = workflows.stored_table()
    sizes = (workflows.SIZES[0], 200, workflows.SIZES[-1])
    fresh = workflows.table(sizes=sizes, log_lams=(-4.0, 0.0), p2s=(0.0, 0.9, 1.0))
    _same_rows(fresh, shipped, ("k", "p", "ll", "n"))


# ----------------------------------------------------------------------------- the store
def _tables():
    rng = np.random.default_rng(5)
    return {"a": {"x": rng.normal(size=7), "k": np.arange(7)}, "b": {"y": rng.lognormal(size=3) * 1e-300}}


def test_round_trip_is_exact_and_keeps_dtypes(tmp_path):
    tb = _tables()
    stored.write("demo", {"grid": (1, 2.5)}, lambda: tb, folder=tmp_path)
    got = stored.load("demo", {"grid": (1, 2.5)}, lambda: pytest.fail("computed"), folder=tmp_path)
    for t in tb:
        for c in tb[t]:
            assert got[t][c].dtype == tb[t][c].dtype
            np.testing.assert_array_equal(got[t][c], tb[t][c])
    flat = {"x": np.linspace(0, 1, 5)}
    stored.write("flat", {"n": 5}, lambda: flat, folder=tmp_path)
    np.testing.assert_array_equal(stored.load("flat", {"n": 5}, dict, folder=tmp_path)["x"], flat["x"])


def test_another_key_or_no_file_computes(tmp_path):
    stored.write("demo", {"grid": [1, 2]}, _tables, folder=tmp_path)
    assert stored.status("demo", {"grid": [1, 2, 3]}, folder=tmp_path) == "out of date"
    assert stored.load("demo", {"grid": [1, 2, 3]}, lambda: {"z": 1}, folder=tmp_path) == {"z": 1}
    assert stored.status("nothing", {"grid": 1}, folder=tmp_path) == "missing"
    assert stored.load("nothing", {"grid": 1}, lambda: {"z": 2}, folder=tmp_path) == {"z": 2}
    # the key compares numbers exactly, as they are written
    assert stored.key_text({"lam": np.float64(1e-4)}) == stored.key_text({"lam": 1e-4})
    assert stored.key_text({"lam": 1e-4}) != stored.key_text({"lam": 1.0000000000000002e-4})


def test_a_damaged_or_altered_file_is_an_error_naming_it(tmp_path):
    file = stored.write("demo", {"grid": 1}, _tables, folder=tmp_path)
    good = file.read_bytes()
    file.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"demo\.npz cannot be read"):
        stored.load("demo", {"grid": 1}, _tables, folder=tmp_path)
    assert stored.status("demo", {"grid": 1}, folder=tmp_path).startswith("unreadable")
    # one number changed after writing: the checksum no longer matches
    file.write_bytes(good)
    with zipfile.ZipFile(file) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with np.load(file) as z:
        x = z["a.x"].copy()
    x[3] += 1e-12
    buf = io.BytesIO()
    np.save(buf, x)
    members["a.x.npy"] = buf.getvalue()
    with zipfile.ZipFile(file, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match=r"demo\.npz does not match its checksum"):
        stored.load("demo", {"grid": 1}, _tables, folder=tmp_path)


def test_write_refuses_what_a_page_cannot_show(tmp_path):
    with pytest.raises(ValueError, match="column 'a.x' must be finite"):
        stored.write("demo", {"g": 1}, lambda: {"a": {"x": np.array([1.0, np.nan])}}, folder=tmp_path)
    with pytest.raises(ValueError, match="name must be"):
        stored.path("../up")
    with pytest.raises(ValueError, match="key must be"):
        stored.key_text({})


def test_command_line_names_a_bad_explorable_in_one_line(capsys):
    done = subprocess.run(
        [sys.executable, "-m", "collapse_lib", "explorables", "nope"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2
    assert "unknown explorable 'nope'" in done.stderr and "Traceback" not in done.stderr
    from collapse_lib.cli import main  # a known name, in this process (the real process is the one above)

    assert main(["explorables", "projections"]) == 0
    assert "is current" in capsys.readouterr().out
