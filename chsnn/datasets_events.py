"""N-MNIST read from its original layout in a directory the user names, binned into frames.

No package ships N-MNIST and nothing is downloaded at run time (docs/method.md, section
4.3): get ``Train.zip`` and ``Test.zip`` from https://www.garrickorchard.com/datasets/n-mnist,
extract both into one directory (``DIR/Train/<digit>/*.bin``, ``DIR/Test/<digit>/*.bin``,
digits 0 .. 9) and pass ``--data-root DIR``.

Event format (Orchard et al. 2015): each event is 5 bytes, 40 bits, most significant first:
bits 39-32 the x address, bits 31-24 the y address, bit 23 the polarity (1 = ON), bits 22-0
the timestamp in microseconds. The sensor is 34 x 34.

Frames: the events of one sample, in file order, are split into ``T`` segments **by event
count** (SpikingJelly's ``split_by="number"``: segment ``i`` holds events
``i * (N // T) .. (i + 1) * (N // T) - 1`` and the last segment also the remainder). Frame
``t`` is ``2 x 34 x 34`` (polarity OFF, ON; row y; column x) and is 1 where that segment has at
least one event of that polarity at that pixel, else 0: binary spikes, so the first layer's
synaptic operations are counted as SOPs. A sample is stored flattened as
``T * 2 * 34 * 34`` uint8 0 / 1 (a quarter of float32's memory; :func:`stack_frames`) with
``image_shape`` ``(T, 2, 34, 34)``; train with ``--encoder frames``, which hands the model
``[T, B, 2, 34, 34]`` as floats. DVS128 Gesture and CIFAR10-DVS (:mod:`chsnn.datasets_dvs`)
are binned by the same two functions.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .data import Dataset, DatasetError

__all__ = ["NMNIST_SIZE", "read_nmnist_events", "events_to_frames", "stack_frames",
           "load_nmnist", "find_nmnist_dir", "how_to_get"]

#: sensor width and height of N-MNIST
NMNIST_SIZE = 34
_SPLITS = ("Train", "Test")


def how_to_get() -> str:
    """Where to get N-MNIST and how to hand it to ``chsnn``."""
    return ("no package ships N-MNIST: download Train.zip and Test.zip from "
            "https://www.garrickorchard.com/datasets/n-mnist, extract both into DIR and pass "
            "--data-root DIR (DIR/Train/<digit>/*.bin, DIR/Test/<digit>/*.bin)")


def read_nmnist_events(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The events of one N-MNIST ``.bin`` file: ``x``, ``y``, ``p`` (0 OFF / 1 ON) and ``t``
    (microseconds), each an int64 array in file order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d, "00001.bin")
    ...     _ = f.write_bytes(bytes([3, 5, 0x80 | 0x01, 0x02, 0x03]))
    ...     ev = read_nmnist_events(f)
    >>> {k: v.tolist() for k, v in ev.items()}
    {'x': [3], 'y': [5], 'p': [1], 't': [66051]}
    """
    path = Path(path)
    try:
        raw = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    except OSError as exc:
        raise DatasetError(f"cannot read N-MNIST file {path}: {exc}") from exc
    if raw.size % 5:
        raise DatasetError(f"N-MNIST file {path} is truncated: {raw.size} bytes is not a "
                           "multiple of 5 (one event is 40 bits)")
    ev = raw.reshape(-1, 5).astype(np.int64)
    x, y = ev[:, 0], ev[:, 1]
    if ev.size and (x.max() >= NMNIST_SIZE or y.max() >= NMNIST_SIZE):
        raise DatasetError(f"N-MNIST file {path} has an event at (x, y) = ({x.max()}, "
                           f"{y.max()}), outside the {NMNIST_SIZE} x {NMNIST_SIZE} sensor; "
                           "expected 40-bit events x, y, polarity + 23-bit timestamp")
    return {"x": x, "y": y, "p": ev[:, 2] >> 7,
            "t": ((ev[:, 2] & 0x7F) << 16) | (ev[:, 3] << 8) | ev[:, 4]}


def events_to_frames(events: dict[str, np.ndarray], T: int,
                     size: int | tuple[int, int] = NMNIST_SIZE) -> np.ndarray:
    """Binary frames ``[T, 2, H, W]`` (uint8) of one sample, split by event count (see the
    module docstring); ``size`` is the sensor, ``H = W = size`` or ``(H, W)`` (N-MNIST's
    34 x 34 by default). ``x`` is the column, ``y`` the row, ``p`` 0 (OFF) or 1 (ON); every
    event must lie on the sensor (the readers check it).

    >>> ev = {"x": np.array([0, 1, 2]), "y": np.array([0, 0, 1]), "p": np.array([1, 0, 1]),
    ...       "t": np.array([0, 5, 9])}
    >>> f = events_to_frames(ev, 2)        # segments: event 0 | events 1, 2
    >>> f.shape, np.argwhere(f).tolist()
    ((2, 2, 34, 34), [[0, 1, 0, 0], [1, 0, 0, 1], [1, 1, 1, 2]])
    >>> events_to_frames(ev, 1, size=(2, 3)).shape
    (1, 2, 2, 3)
    """
    h, w = (size, size) if isinstance(size, (int, np.integer)) else size
    n = len(events["x"])
    frames = np.zeros((T, 2, int(h), int(w)), np.uint8)
    if n == 0:
        return frames
    per = n // T
    seg = np.minimum(np.arange(n) // per, T - 1) if per else np.arange(n)
    frames[seg, events["p"], events["y"], events["x"]] = 1
    return frames


def stack_frames(samples, n: int, T: int, size: int | tuple[int, int] = NMNIST_SIZE
                 ) -> np.ndarray:
    """The frames of the ``n`` samples that ``samples`` yields (exactly ``n``), one flattened
    row each: ``(n, T * 2 * H * W)`` uint8 0 / 1. The events come one sample at a time, so only
    the frames of a whole dataset are held in memory, a quarter of float32's size (the frames
    encoder turns a batch into floats).

    >>> ev = {"x": np.array([1]), "y": np.array([0]), "p": np.array([1]), "t": np.array([0])}
    >>> x = stack_frames(iter([ev, ev]), 2, 1, size=(1, 2))
    >>> x.dtype, x.tolist()
    (dtype('uint8'), [[0, 0, 0, 1], [0, 0, 0, 1]])
    """
    h, w = (size, size) if isinstance(size, (int, np.integer)) else size
    x = np.zeros((int(n), int(T) * 2 * int(h) * int(w)), np.uint8)
    for i, events in zip(range(int(n)), samples, strict=True):
        x[i] = events_to_frames(events, int(T), (h, w)).reshape(-1)
    return x


def _split_files(root: Path, split: str) -> list[tuple[Path, int]]:
    directory = root / split
    if not directory.is_dir():
        raise DatasetError(f"nmnist: no {split}/ folder in {root}; {how_to_get()}")
    files = []
    for digit in range(10):
        found = sorted((directory / str(digit)).glob("*.bin"))
        if not found:
            raise DatasetError(f"nmnist: {directory / str(digit)} holds no .bin files; "
                               "expected <digit>/*.bin for digits 0 .. 9")
        files += [(f, digit) for f in found]
    return files


def load_nmnist(root: str | os.PathLike | None, *, T: int = 8) -> Dataset:
    """N-MNIST from ``root`` (the standard 60k / 10k split) as ``T`` binary frames per sample
    (``image_shape`` ``(T, 2, 34, 34)``)."""
    if root is None:
        raise DatasetError(f"nmnist: {how_to_get()}")
    if int(T) < 1:
        raise DatasetError(f"nmnist: T must be >= 1, got {T}")
    base = Path(root).expanduser()
    if not (base / "Train").is_dir() and (base / "N-MNIST" / "Train").is_dir():
        base = base / "N-MNIST"
    parts = {}
    for split in _SPLITS:
        files = _split_files(base, split)
        x = stack_frames((read_nmnist_events(path) for path, _ in files), len(files), int(T))
        parts[split] = (x, np.array([d for _, d in files], np.int64))
    return Dataset(
        name="nmnist", x_train=parts["Train"][0], y_train=parts["Train"][1],
        x_test=parts["Test"][0], y_test=parts["Test"][1],
        image_shape=(int(T), 2, NMNIST_SIZE, NMNIST_SIZE), n_classes=10,
        source=f"N-MNIST .bin files in {base}; {T} binary frames split by event count; "
        "standard train/test split",
    )



def find_nmnist_dir(root: str | os.PathLike | None) -> Path | None:
    """The N-MNIST folder under ``root`` (``root`` itself or ``root/N-MNIST``: the one holding
    ``Train/0/``); None when there is none (or ``root`` is None)."""
    if root is None:
        return None
    base = Path(root).expanduser()
    return next((d for d in (base, base / "N-MNIST") if (d / "Train" / "0").is_dir()), None)
