import gzip

import numpy as np
import pytest

from fastplastic.learning import datasets


def _idx_bytes(arr, code=0x08):
    return bytes([0, 0, code, arr.ndim]) + np.array(arr.shape, ">u4").tobytes() + arr.astype(">u1").tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_roundtrip(tmp_path, compress):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = _idx_bytes(arr)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    np.testing.assert_array_equal(datasets.read_idx(path), arr)


def test_read_idx_big_endian_int32(tmp_path):
    arr = np.array([1, -2, 70000], ">i4")
    (tmp_path / "b").write_bytes(bytes([0, 0, 0x0C, 1]) + np.array([3], ">u4").tobytes() + arr.tobytes())
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "b"), [1, -2, 70000])


def test_wrong_magic_is_a_clear_error(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 10)
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "bad")


def test_truncated_data_is_a_clear_error(tmp_path):
    raw = _idx_bytes(np.zeros((10, 28, 28), np.uint8))
    (tmp_path / "t.gz").write_bytes(gzip.compress(raw[:-5]))
    with pytest.raises(ValueError, match="truncated.*7840 data bytes"):
        datasets.read_idx(tmp_path / "t.gz")


def test_truncated_gzip_stream_is_a_clear_error(tmp_path):
    blob = gzip.compress(_idx_bytes(np.zeros((10, 28, 28), np.uint8)))
    (tmp_path / "t.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="truncated gzip|corrupt"):
        datasets.read_idx(tmp_path / "t.gz")


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.load_idx_dir(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load_idx_dir(tmp_path / "nope")


def test_bundled_slice_is_stratified_and_scaled(mnist):
    assert mnist.x_train.shape == (2000, 784) and mnist.x_test.shape == (500, 784)
    assert np.all(np.bincount(mnist.y_train) == 200) and np.all(np.bincount(mnist.y_test) == 50)
    assert mnist.x_train.min() == 0.0 and mnist.x_train.max() == 1.0
    # real digits: on average ~19% of MNIST pixels are non-zero
    assert 0.1 < np.mean(mnist.x_train > 0) < 0.3


def test_resolve_rejects_unknown_spec():
    with pytest.raises(FileNotFoundError, match="not a directory"):
        datasets.resolve("no-such-dataset")


def test_download_rejects_unknown_source(tmp_path):
    with pytest.raises(ValueError, match="source='cifar'"):
        datasets.download(tmp_path, "cifar")
