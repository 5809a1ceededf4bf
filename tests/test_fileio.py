"""The atomic write helper: a failed write leaves the old file exactly as it was."""

import os

import pytest

from collapse_lib.fileio import atomic_open, atomic_write


def test_atomic_write_replaces_text_and_bytes(tmp_path):
    p = tmp_path / "sub" / "a.json"
    atomic_write(p, "first")
    assert p.read_text() == "first"
    atomic_write(p, b"\x00second")
    assert p.read_bytes() == b"\x00second"
    assert sorted(os.listdir(p.parent)) == ["a.json"]  # no temporary file left behind


def test_failing_writer_keeps_old_file(tmp_path):
    p = tmp_path / "a.json"
    p.write_text("good old content")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(p, "w") as fh:
            fh.write("half a new fi")
            raise RuntimeError("boom")
    assert p.read_text() == "good old content"
    assert os.listdir(tmp_path) == ["a.json"]


def test_failing_fsync_keeps_old_file(tmp_path, monkeypatch):
    # a disk-full error surfaces at flush/fsync time: the old file must survive it
    p = tmp_path / "a.bin"
    p.write_bytes(b"old")

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        atomic_write(p, b"new bytes")
    assert p.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_rejects_other_types(tmp_path):
    with pytest.raises(TypeError, match="data must be str or bytes"):
        atomic_write(tmp_path / "x", 3)
