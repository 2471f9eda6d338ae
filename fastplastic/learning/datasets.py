"""Datasets: IDX files (MNIST, Fashion-MNIST), the bundled test slice, and a download helper.

IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian uint32 dimensions, then the data in
row-major order. Files may be gzip-compressed (detected from their first two bytes).
"""
import gzip
import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Dataset", "read_idx", "load_idx_dir", "mnist", "mnist_slice", "resolve", "download"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
           "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

# md5 sums of the four standard files (as published with torchvision's MNIST/FashionMNIST).
SOURCES = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/", {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}),
}


@dataclass
class Dataset:
    """A classification data set held in memory.

    Attributes
    ----------
    x_train, x_test : float64 arrays (n, n_features), pixel intensities scaled to [0, 1]
    y_train, y_test : int64 arrays (n,), class labels 0..n_classes-1
    name : str
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str = "dataset"

    def __post_init__(self):
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
                raise ValueError(f"x_{split} {x.shape} / y_{split} {y.shape}: expected (n, d) and (n,)")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ValueError("x_train and x_test have different numbers of features")

    @property
    def n_features(self):
        return self.x_train.shape[1]

    @property
    def n_classes(self):
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def _read_bytes(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file {str(path)!r} does not exist")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from None
    return raw


def read_idx(path):
    """Read one IDX file (raw or gzip) into a NumPy array of its native type.

    Raises
    ------
    ValueError
        Wrong magic number, unknown type code, or fewer data bytes than the header promises.
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4].hex() or 'missing'}; "
                         f"expected 0000 followed by a type code in "
                         f"{sorted(hex(k) for k in _IDX_TYPES)} and ndim >= 1)")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes, need {header})")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header < need:
        raise ValueError(f"{path}: truncated: header {shape} needs {need} data bytes, "
                         f"file has {len(raw) - header}")
    return np.frombuffer(raw, dtype, int(np.prod(shape)), header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory, stem):
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{directory}: no {stem}[.gz] found (the standard MNIST file names)")


def load_idx_dir(directory, name=None):
    """Load the four standard MNIST-format files from ``directory`` (gz or raw).

    Works for MNIST, Fashion-MNIST and subsets that keep the file names. Images are flattened
    and scaled to [0, 1].
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"dataset directory {str(directory)!r} does not exist")
    arrays = {}
    for split, (img, lab) in _SPLITS.items():
        images, labels = read_idx(_find(directory, img)), read_idx(_find(directory, lab))
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(f"{directory}: {split} images {images.shape} and labels "
                             f"{labels.shape} do not match")
        arrays[f"x_{split}"] = images.reshape(len(images), -1).astype(np.float64) / 255.0
        arrays[f"y_{split}"] = labels.astype(np.int64)
    return Dataset(name=name or directory.name, **arrays)


def mnist(directory):
    """MNIST (or Fashion-MNIST) from a directory holding the four IDX files."""
    return load_idx_dir(directory)


def _repo_root():
    return Path(__file__).resolve().parents[2]


def _first_dir(candidates, what, hint):
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    raise FileNotFoundError(f"{what} not found (looked in {', '.join(str(c) for c in candidates if c)}); "
                            f"{hint}")


def mnist_slice(directory=None):
    """The 2,000-train / 500-test MNIST slice shipped in ``tests/data/mnist_slice`` of a
    checkout: ``directory``, else ``$FASTPLASTIC_MNIST_SLICE``, else ``tests/data/mnist_slice``
    of the checkout this package was imported from or of the current directory (an installed
    package does not carry it)."""
    rel = Path("tests") / "data" / "mnist_slice"
    path = _first_dir([directory, os.environ.get("FASTPLASTIC_MNIST_SLICE", ""),
                       _repo_root() / rel, Path.cwd() / rel], "the MNIST slice",
                      "run from a checkout or set FASTPLASTIC_MNIST_SLICE")
    return load_idx_dir(path, name="mnist-slice")


def resolve(spec):
    """Turn a CLI dataset spec into a :class:`Dataset`.

    ``spec`` is a directory of IDX files, ``"mnist-slice"`` (the bundled test slice) or
    ``"mnist-5k"`` (the 4,000/1,000 subset, looked up in ``$FASTPLASTIC_MNIST5K`` then in
    ``../shared/data/mnist-5k`` next to the checkout).
    """
    if spec == "mnist-slice":
        return mnist_slice()
    if spec == "mnist-5k":
        shared = Path("shared") / "data" / "mnist-5k"
        path = _first_dir([os.environ.get("FASTPLASTIC_MNIST5K", ""), _repo_root().parent / shared,
                           Path.cwd().parent / shared], "mnist-5k",
                          "set FASTPLASTIC_MNIST5K to its directory")
        return load_idx_dir(path, name="mnist-5k")
    if Path(spec).is_dir():
        return load_idx_dir(spec)
    raise FileNotFoundError(f"dataset={spec!r}: not a directory, 'mnist-5k' or 'mnist-slice'")


def _md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def download(directory, source="mnist"):
    """Download the four IDX files of ``source`` into ``directory`` and verify their md5 sums.

    Needs internet access; the tests never call it. Files already present with the right
    checksum are kept. Returns the loaded :class:`Dataset`.
    """
    if source not in SOURCES:
        raise ValueError(f"source={source!r}: allowed {', '.join(SOURCES)}")
    base, sums = SOURCES[source]
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for fname, md5 in sums.items():
        target = directory / fname
        if not (target.is_file() and _md5(target) == md5):
            urllib.request.urlretrieve(base + fname, target)
            if _md5(target) != md5:
                target.unlink()
                raise OSError(f"{fname}: checksum mismatch after download from {base}")
    return load_idx_dir(directory, name=source)
