"""CIFAR-10 and CIFAR-100 read from the "python version" directories a user names.

No package ships CIFAR and nothing is downloaded at run time (docs/method.md, section 4.3): get
``cifar-10-python.tar.gz`` or ``cifar-100-python.tar.gz`` from
https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass the directory that holds
``cifar-10-batches-py/`` (or ``cifar-100-python/``), or that folder itself, as ``--data-root``.

On-disk format: each batch file is a pickled dict with ``b"data"`` (uint8 ``N x 3072``: the
1,024 red, then green, then blue values of a 32 x 32 image, rows first) and ``b"labels"``
(CIFAR-10, ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``) or ``b"fine_labels"``
(CIFAR-100, ``train`` and ``test``). The pickles are read with an unpickler that accepts
only plain containers and numpy arrays, so a file from elsewhere cannot run code.

Loaded as every :class:`chsnn.data.Dataset`: ``x`` float32 in ``[0, 1]``, ``(N, 3072)``,
``image_shape`` ``(3, 32, 32)`` (the stored order is already channel-major). The per-channel
normalisation (:func:`normalize`, with :data:`CIFAR_STATS` or :func:`channel_stats` of the
training data) and the usual training augmentation (:func:`augment_batch`: random crop with
zero padding 4 and horizontal flip, seeded) are functions a training loop applies per batch.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .data import Dataset, DatasetError

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["CIFAR_STATS", "CIFAR_LAYOUTS", "find_cifar_dir", "read_cifar_batch", "load_cifar",
           "channel_stats", "normalize", "augment_batch", "how_to_get"]

#: per-channel (mean, std) of the training images in [0, 1], the values usually quoted
CIFAR_STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}

#: name -> (folder, training files, test files, label key, number of classes)
CIFAR_LAYOUTS = {
    "cifar10": ("cifar-10-batches-py", tuple(f"data_batch_{i}" for i in range(1, 6)),
                ("test_batch",), b"labels", 10),
    "cifar100": ("cifar-100-python", ("train",), ("test",), b"fine_labels", 100),
}

_IMAGE_SHAPE = (3, 32, 32)
_FEATURES = 3 * 32 * 32


def how_to_get(name: str) -> str:
    """Where to get ``name`` (``cifar10`` or ``cifar100``) and how to hand it to ``chsnn``."""
    folder = CIFAR_LAYOUTS[name][0]
    archive = "cifar-10-python.tar.gz" if name == "cifar10" else "cifar-100-python.tar.gz"
    return (f"no package ships {name}: download {archive} from "
            f"https://www.cs.toronto.edu/~kriz/cifar.html, extract it and pass --data-root DIR "
            f"(DIR holding {folder}/ or that folder itself)")


class _SafeUnpickler(pickle.Unpickler):
    """Plain containers and numpy arrays only (what the CIFAR batch files hold)."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("codecs", "encode"), ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def find_cifar_dir(name: str, root: str | os.PathLike | None) -> Path | None:
    """The folder of ``name``'s batch files: ``root/<folder>`` or ``root`` itself; None when
    neither holds all of them (or ``root`` is None)."""
    if root is None:
        return None
    folder, train, test, _, _ = CIFAR_LAYOUTS[name]
    root = Path(root).expanduser()
    for directory in (root / folder, root):
        if all((directory / f).is_file() for f in (*train, *test)):
            return directory
    return None


def read_cifar_batch(path: str | os.PathLike, label_key: bytes, n_classes: int,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``(data uint8 (N, 3072), labels int64 (N,))`` of one pickled batch file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read CIFAR batch {path}: {exc}") from exc
    try:
        batch = _SafeUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except (pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError,
            KeyError, ImportError, EOFError) as exc:
        if isinstance(exc, EOFError) or "truncated" in str(exc):
            raise DatasetError(f"CIFAR batch {path} is truncated ({len(raw)} bytes end inside "
                               "the pickle)") from exc
        raise DatasetError(f"CIFAR batch {path} is not a CIFAR python-version pickle ({exc})"
                           ) from exc
    if not isinstance(batch, dict):
        raise DatasetError(f"CIFAR batch {path} holds a {type(batch).__name__}, expected a dict "
                           f"with b'data' and {label_key!r}")
    missing = [k for k in (b"data", label_key) if k not in batch]
    if missing:
        raise DatasetError(f"CIFAR batch {path} lacks {', '.join(map(repr, missing))} (keys "
                           f"{sorted(map(repr, batch))}); expected b'data' and {label_key!r}")
    data = np.asarray(batch[b"data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != _FEATURES:
        raise DatasetError(f"CIFAR batch {path}: b'data' is {data.dtype} {data.shape}, "
                           f"expected uint8 (N, {_FEATURES})")
    try:
        labels = np.asarray(batch[label_key], dtype=np.int64)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"CIFAR batch {path}: {label_key!r} are not integers") from exc
    if labels.shape != (len(data),):
        raise DatasetError(f"CIFAR batch {path}: {len(data)} images but {label_key!r} has shape "
                           f"{labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DatasetError(f"CIFAR batch {path}: labels must lie in 0 .. {n_classes - 1}, found "
                           f"{labels.min()} .. {labels.max()}")
    return data, labels


def load_cifar(name: str, root: str | os.PathLike | None) -> Dataset:
    """``cifar10`` or ``cifar100`` from ``root`` (the standard train/test split)."""
    if name not in CIFAR_LAYOUTS:
        raise DatasetError(f"unknown CIFAR dataset {name!r}; known: {', '.join(CIFAR_LAYOUTS)}")
    if root is None:
        raise DatasetError(f"{name}: {how_to_get(name)}")
    folder, train, test, label_key, n_classes = CIFAR_LAYOUTS[name]
    directory = find_cifar_dir(name, root)
    if directory is None:
        base = Path(root).expanduser()
        where = base / folder if (base / folder).is_dir() else base
        absent = [f for f in (*train, *test) if not (where / f).is_file()]
        raise DatasetError(f"{name}: {where} lacks {', '.join(absent)}; {how_to_get(name)}")
    parts = {}
    for part, files in (("train", train), ("test", test)):
        read = [read_cifar_batch(directory / f, label_key, n_classes) for f in files]
        data = np.concatenate([d for d, _ in read])
        parts[part] = (data.astype(np.float32) / np.float32(255.0),
                       np.concatenate([y for _, y in read]))
    return Dataset(
        name=name, x_train=parts["train"][0], y_train=parts["train"][1],
        x_test=parts["test"][0], y_test=parts["test"][1], image_shape=_IMAGE_SHAPE,
        n_classes=n_classes, source=f"CIFAR python-version batches in {directory}; standard "
        "train/test split",
    )


def channel_stats(x: np.ndarray, image_shape: tuple[int, ...] = _IMAGE_SHAPE,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and (population) standard deviation of flattened images ``x``.

    >>> x = np.array([[0, 1, 1, 1], [1, 1, 0, 0]], np.float32)   # 2 channels of 2 pixels
    >>> [[round(float(s), 4) for s in v] for v in channel_stats(x, (2, 1, 2))]
    [[0.75, 0.5], [0.433, 0.5]]
    """
    c = image_shape[0]
    per_channel = np.asarray(x, np.float64).reshape(len(x), c, -1).transpose(1, 0, 2)
    flat = per_channel.reshape(c, -1)
    return flat.mean(1).astype(np.float32), flat.std(1).astype(np.float32)


def normalize(x: torch.Tensor, mean, std, image_shape: tuple[int, ...] = _IMAGE_SHAPE,
              ) -> torch.Tensor:
    """``(x - mean[c]) / std[c]`` per channel of a flattened batch ``x`` ``(B, C*H*W)``
    (for direct encoding; Poisson encoding needs the ``[0, 1]`` intensities).

    >>> import torch
    >>> normalize(torch.tensor([[0.5, 0.5, 1.0, 0.0]]), (0.5, 0.5), (0.5, 0.25),
    ...           (2, 1, 2)).tolist()
    [[0.0, 0.0, 2.0, -2.0]]
    """
    import torch

    c = image_shape[0]
    m = torch.as_tensor(mean, dtype=x.dtype, device=x.device).reshape(1, c, 1)
    s = torch.as_tensor(std, dtype=x.dtype, device=x.device).reshape(1, c, 1)
    return ((x.reshape(len(x), c, -1) - m) / s).reshape(x.shape)


def augment_batch(x: torch.Tensor, generator: torch.Generator, *,
                  image_shape: tuple[int, ...] = _IMAGE_SHAPE, padding: int = 4,
                  flip: bool = True) -> torch.Tensor:
    """The usual CIFAR training augmentation of a flattened batch ``x`` ``(B, C*H*W)``: each
    image is zero-padded by ``padding`` on every side, cropped back to ``H x W`` at an offset
    drawn uniformly from ``0 .. 2 * padding`` in each direction, and mirrored left-right with
    probability 1/2 (``flip``). All draws come from ``generator`` (on ``x``'s device), so a
    seeded generator gives the same batch again. Returns a new tensor of ``x``'s shape.

    >>> import torch
    >>> x = torch.arange(4.0).reshape(1, 4)                 # one 1 x 2 x 2 image
    >>> y = augment_batch(x, torch.Generator().manual_seed(0), image_shape=(1, 2, 2), padding=0)
    >>> y.tolist() in ([[0.0, 1.0, 2.0, 3.0]], [[1.0, 0.0, 3.0, 2.0]])
    True
    """
    import torch

    c, h, w = image_shape
    b = len(x)
    imgs = x.reshape(b, c, h, w)
    if padding:
        imgs = torch.nn.functional.pad(imgs, (padding, padding, padding, padding))
    dev = x.device
    dy = torch.randint(0, 2 * padding + 1, (b,), generator=generator, device=dev)
    dx = torch.randint(0, 2 * padding + 1, (b,), generator=generator, device=dev)
    cols = torch.arange(w, device=dev)
    cols = dx[:, None] + cols
    if flip:
        mirrored = torch.rand((b,), generator=generator, device=dev) < 0.5
        cols = torch.where(mirrored[:, None], cols.flip(1), cols)
    rows = dy[:, None] + torch.arange(h, device=dev)
    out = imgs[torch.arange(b, device=dev)[:, None, None, None],
               torch.arange(c, device=dev)[None, :, None, None],
               rows[:, None, :, None], cols[:, None, None, :]]
    return out.reshape(x.shape)

