"""The offline MNIST loader: shapes, dtypes, checksums, label range, clear errors."""

import gzip
import hashlib
import lzma

import numpy as np
import pytest

from collapse_lib.data import FILES, SHA256, SHIPPED_DIR, SIZES, mnist, one_hot, parse_idx, read_idx


@pytest.mark.parametrize("split", ["train", "test"])
def test_shapes_dtypes_range_and_class_balance(split):
    x, y = mnist(split)
    assert x.shape == (SIZES[split], 784) and x.dtype == np.float32
    assert y.shape == (SIZES[split],) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    # every digit is between 8% and 12% of the split (the published counts: 892..1135 per 10 000)
    frac = np.bincount(y, minlength=10) / y.size
    assert frac.min() > 0.08 and frac.max() < 0.12
    # pixel intensities are multiples of 1/255 (the IDX files hold bytes)
    assert np.allclose(np.round(x[:50] * 255), x[:50] * 255, atol=1e-4)


def test_shipped_files_match_their_checksums():
    for name, digest in SHA256.items():
        raw = lzma.open(SHIPPED_DIR / f"{name}.xz").read()
        assert hashlib.sha256(raw).hexdigest() == digest


def test_returns_fresh_arrays():
    x1, y1 = mnist("test")
    x1[0, 0] = 7.0
    x2, _ = mnist("test")
    assert x2[0, 0] != 7.0


def test_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        mnist("validation")


def _user_copy(tmp_path, compress=None):
    for name in FILES["test"]:
        raw = lzma.open(SHIPPED_DIR / f"{name}.xz").read()
        if compress == "gz":
            with gzip.open(tmp_path / f"{name}.gz", "wb", compresslevel=1) as fh:  # any level reads back the same
                fh.write(raw)
        else:
            (tmp_path / name.replace("-idx", ".idx")).write_bytes(raw)  # the dotted spelling
    return tmp_path


@pytest.mark.parametrize("compress", [None, "gz"])
def test_reads_user_idx_folder(tmp_path, compress):
    x, y = mnist("test", path=_user_copy(tmp_path, compress))
    x0, y0 = mnist("test")
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(x, x0)


def test_env_var_points_to_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAPSE_MNIST_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        mnist("test")


def test_missing_file_names_folder_and_file(tmp_path):
    _user_copy(tmp_path)
    (tmp_path / "t10k-labels.idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.*not found in"):
        mnist("test", path=tmp_path)
    with pytest.raises(FileNotFoundError, match="path="):
        mnist("test", path=tmp_path / "nowhere")


def test_corrupt_file_fails_checksum(tmp_path):
    _user_copy(tmp_path)
    f = tmp_path / "t10k-labels.idx1-ubyte"
    raw = bytearray(f.read_bytes())
    raw[100] = (raw[100] + 1) % 10  # a plausible label, wrong data
    f.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupt or not the original MNIST"):
        mnist("test", path=tmp_path)
    _, y = mnist("test", path=tmp_path, verify=False)  # other IDX data can still be read
    assert y[92] == (mnist("test")[1][92] + 1) % 10


def test_truncated_and_undecompressable_files(tmp_path):
    _user_copy(tmp_path)
    f = tmp_path / "t10k-labels.idx1-ubyte"
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(ValueError, match="corrupt"):
        mnist("test", path=tmp_path, verify=False)
    bad = tmp_path / "x.xz"
    bad.write_bytes(b"not xz at all")
    with pytest.raises(ValueError, match="cannot be decompressed"):
        read_idx(bad)


def test_label_range_is_checked(tmp_path):
    _user_copy(tmp_path)
    f = tmp_path / "t10k-labels.idx1-ubyte"
    raw = bytearray(f.read_bytes())
    raw[8] = 11
    f.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        mnist("test", path=tmp_path, verify=False)


def test_parse_idx_header_errors():
    with pytest.raises(ValueError, match="not an IDX file"):
        parse_idx(b"\x01\x02\x03\x04", "thing")
    header = bytes([0, 0, 0x08, 2]) + np.array([2, 3], ">u4").tobytes()
    np.testing.assert_array_equal(parse_idx(header + bytes(range(6))), np.arange(6).reshape(2, 3))
    with pytest.raises(ValueError, match="needs 18 bytes"):
        parse_idx(header + bytes(5))


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="labels must lie"):
        one_hot([10])
