"""DVS128 Gesture and CIFAR10-DVS read from their raw AEDAT files in a directory the user names.

Nothing is downloaded at run time and no package is needed: the maintained readers checked
(tonic 1.7, the ``aedat`` and ``dv-processing`` packages) read AEDAT 4 or preprocessed copies
of these datasets, not the original AEDAT 3.1 / 2.0 files, so the two formats are parsed here
with numpy, field by field as iniVation's format specification and jAER's DVS128 event
extractor define them. ``docs/datasets.md`` describes the layouts, the frames and the splits.

**DVS128 Gesture** (Amir et al. 2017; 11 gestures, 29 subjects, 3 lighting conditions):
``DIR/DvsGesture/`` (or ``DIR`` itself) holds ``user<NN>_<lighting>.aedat``, one
``user<NN>_<lighting>_labels.csv`` per recording (``class,startTime_usec,endTime_usec``, class
1 .. 11) and the official split ``trials_to_train.txt`` / ``trials_to_test.txt`` (one
``.aedat`` name a line). Each labelled interval ``start <= t < end`` of a recording is one
sample, its class the csv's minus 1. AEDAT 3.1: ``#`` header lines (CRLF) up to
``#!END-HEADER``, then event packets, all integers little-endian: a 28-byte packet header
(int16 eventType, int16 eventSource, int32 eventSize, eventTSOffset, eventTSOverflow,
eventCapacity, eventNumber, eventValid) followed by ``eventCapacity * eventSize`` bytes of
events. Packets of eventType 1 hold polarity events of 8 bytes: a 32-bit data word (bit 0 the
valid mark, bit 1 the polarity, 1 = ON, bits 2-16 y, bits 17-31 x, origin at the top left)
and a 32-bit timestamp in microseconds, extended to 64 bits by ``eventTSOverflow << 31``.
Only valid polarity events count; packets of other types (special events, ...) are skipped.

**CIFAR10-DVS** (Li et al. 2017; 10 classes x 1,000 recordings of moving CIFAR-10 images):
``DIR/<class>/cifar10_<class>_<k>.aedat`` (or under ``DIR/CIFAR10-DVS/``) for the ten CIFAR-10
classes ``airplane`` .. ``truck`` (labels 0 .. 9 in that order). AEDAT 2.0: ``#`` header lines,
the first ``#!AER-DAT2.0``, then 8-byte events, big-endian: a 32-bit address and a 32-bit
timestamp in microseconds. The address is jAER's DVS128 format: bit 0 the polarity (raw 1 is
an OFF event, as jAER's DVS128 extractor reads it), bits 1-7 x, bits 8-14 y, bit 15 an
external (sync) event; addresses with bit 15 or bit 31 set are not pixel events and are
skipped. jAER mirrors x (``127 - x``) and counts y from the bottom, so the frame column is
``127 - x`` and the row ``127 - y``: the image as jAER shows it. CIFAR10-DVS has no official
split: each class is split 90 / 10 by a seeded permutation of its recordings (seed 0 unless
told otherwise, the same split for every run, so methods and seeds meet one test set).

Both are binned like N-MNIST (:func:`chsnn.datasets_events.events_to_frames`): ``T`` segments
of equal event count, binary frames ``2 x 128 x 128`` (channel 0 OFF, 1 ON), stored as uint8
with ``image_shape`` ``(T, 2, 128, 128)``; train with ``--encoder frames``. At full size the
model that fits is ``2conv2fc`` (fc1 sees 32 x 32 x 32 = 32,768 features); ``6conv2fc`` would
put 512 x 32 x 32 = 524,288 features into its FC512.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .data import Dataset, DatasetError
from .datasets_events import stack_frames

__all__ = [
    "DVS_SIZE",
    "CIFAR10_DVS_CLASSES",
    "GESTURE_CLASSES",
    "read_aedat31_polarity",
    "read_aedat2_dvs128",
    "read_gesture_labels",
    "read_trial_list",
    "per_class_split",
    "load_dvs_gesture",
    "load_cifar10_dvs",
    "find_gesture_dir",
    "find_cifar10_dvs_dir",
    "gesture_how_to_get",
    "cifar10_dvs_how_to_get",
]

#: sensor width and height of the DVS128 (both datasets)
DVS_SIZE = 128
#: CIFAR10-DVS class folders, in label order (CIFAR-10's)
CIFAR10_DVS_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                       "ship", "truck")
#: DVS128 Gesture classes, label 0 .. 10 (the csv's class 1 .. 11, gesture_mapping.csv)
GESTURE_CLASSES = ("hand_clapping", "right_hand_wave", "left_hand_wave", "right_arm_clockwise",
                   "right_arm_counter_clockwise", "left_arm_clockwise",
                   "left_arm_counter_clockwise", "arm_roll", "air_drums", "air_guitar",
                   "other_gestures")

_TRAIN_LIST, _TEST_LIST = "trials_to_train.txt", "trials_to_test.txt"
_PACKET_HEADER = np.dtype([("type", "<i2"), ("source", "<i2"), ("size", "<i4"),
                           ("ts_offset", "<i4"), ("ts_overflow", "<i4"), ("capacity", "<i4"),
                           ("number", "<i4"), ("valid", "<i4")])
_POLARITY_EVENT = 1
_AEDAT2_EVENT = np.dtype([("addr", ">u4"), ("t", ">i4")])


def gesture_how_to_get() -> str:
    """Where to get DVS128 Gesture and how to hand it to ``chsnn``."""
    return ("no package ships DVS128 Gesture: download DvsGesture.tar.gz from "
            "https://research.ibm.com/interactive/dvsgesture/, extract it into DIR and pass "
            "--data-root DIR (DIR/DvsGesture/ with user*_*.aedat, user*_*_labels.csv, "
            f"{_TRAIN_LIST}, {_TEST_LIST})")


def cifar10_dvs_how_to_get() -> str:
    """Where to get CIFAR10-DVS and how to hand it to ``chsnn``."""
    return ("no package ships CIFAR10-DVS: download the ten class archives (airplane.zip .. "
            "truck.zip) from https://figshare.com/articles/dataset/CIFAR10-DVS_New/4724671, "
            "extract them into DIR and pass --data-root DIR (DIR/<class>/cifar10_<class>_<k>"
            ".aedat)")


# --------------------------------------------------------------------------------------------
# AEDAT files


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read {what} file {path}: {exc}") from exc


def _header(raw: bytes, path: Path, version: str) -> int:
    """The byte offset of the first event after the ``#`` header lines, checking that the
    first line is ``#!AER-DAT<version>``; AEDAT 3.x headers end at ``#!END-HEADER``."""
    pos, first, ended = 0, None, False
    while raw.startswith(b"#", pos):
        nl = raw.find(b"\n", pos)
        if nl < 0:
            raise DatasetError(f"AEDAT file {path} is truncated inside its header (a '#' line "
                               f"at byte {pos} has no end)")
        line = raw[pos:nl].rstrip(b"\r")
        pos = nl + 1
        first = line if first is None else first
        if line == b"#!END-HEADER":
            ended = True
            break
    want = f"#!AER-DAT{version}".encode()
    if first != want:
        seen = "no header" if first is None else repr(first[:40].decode("latin-1"))
        raise DatasetError(f"{path} is not an AEDAT {version} file: its first line is {seen}, "
                           f"expected {want.decode()!r}")
    if version.startswith("3") and not ended:
        raise DatasetError(f"AEDAT {version} file {path} has no '#!END-HEADER' line")
    return pos


def _check_on_sensor(path: Path, x: np.ndarray, y: np.ndarray, size: int) -> None:
    if x.size and (x.max() >= size or y.max() >= size):
        raise DatasetError(f"AEDAT file {path} has an event at (x, y) = ({x.max()}, {y.max()}), "
                           f"outside the {size} x {size} sensor")


def read_aedat31_polarity(path: str | os.PathLike, *, size: int = DVS_SIZE
                          ) -> dict[str, np.ndarray]:
    """The valid polarity events of one AEDAT 3.1 file (DVS128 Gesture): ``x`` (column), ``y``
    (row), ``p`` (0 OFF / 1 ON) and ``t`` (microseconds, 64-bit with the packets' overflow
    counter), int64 arrays in file order (see the module docstring for the layout).

    >>> import tempfile
    >>> head = b"#!AER-DAT3.1\\r\\n#Format: RAW\\r\\n#!END-HEADER\\r\\n"
    >>> packet = np.array([(1, 0, 8, 4, 1, 1, 1, 1)], _PACKET_HEADER).tobytes()
    >>> event = np.array([(5 << 17) | (7 << 2) | (1 << 1) | 1, 42], "<u4").tobytes()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d, "user01_led.aedat")
    ...     _ = f.write_bytes(head + packet + event)
    ...     ev = read_aedat31_polarity(f)
    >>> {k: v.tolist() for k, v in ev.items()}
    {'x': [5], 'y': [7], 'p': [1], 't': [2147483690]}
    """
    path = Path(path)
    raw = _read(path, "AEDAT 3.1")
    pos = _header(raw, path, "3.1")
    words, overflows = [], []
    while pos < len(raw):
        if len(raw) - pos < _PACKET_HEADER.itemsize:
            raise DatasetError(f"AEDAT 3.1 file {path} is truncated: {len(raw) - pos} bytes at "
                               f"byte {pos} are too few for a 28-byte packet header")
        h = np.frombuffer(raw, _PACKET_HEADER, count=1, offset=pos)[0]
        kind, esize, cap, num = (int(h["type"]), int(h["size"]), int(h["capacity"]),
                                 int(h["number"]))
        if esize <= 0 or cap < 0 or not 0 <= num <= cap:
            raise DatasetError(f"AEDAT 3.1 file {path} has a corrupt packet header at byte "
                               f"{pos}: eventType {kind}, eventSize {esize}, eventCapacity "
                               f"{cap}, eventNumber {num}")
        end = pos + _PACKET_HEADER.itemsize + esize * cap
        if end > len(raw):
            raise DatasetError(f"AEDAT 3.1 file {path} is truncated: the packet at byte {pos} "
                               f"needs {end - pos} bytes, {len(raw) - pos} are left")
        if kind == _POLARITY_EVENT:
            if esize != 8 or int(h["ts_offset"]) != 4:
                raise DatasetError(f"AEDAT 3.1 file {path}: the polarity packet at byte {pos} "
                                   f"has eventSize {esize} and eventTSOffset "
                                   f"{int(h['ts_offset'])}, expected 8 and 4")
            ev = np.frombuffer(raw, "<u4", count=2 * num,
                               offset=pos + _PACKET_HEADER.itemsize).reshape(num, 2)
            words.append(ev)
            overflows.append(np.full(num, int(h["ts_overflow"]), np.int64))
        pos = end
    ev = np.concatenate(words) if words else np.zeros((0, 2), np.uint32)
    overflow = np.concatenate(overflows) if overflows else np.zeros(0, np.int64)
    valid = (ev[:, 0] & 1).astype(bool)
    data = ev[valid, 0].astype(np.int64)
    t = ev[valid, 1].view(np.int32).astype(np.int64) + (overflow[valid] << 31)
    x, y = (data >> 17) & 0x7FFF, (data >> 2) & 0x7FFF
    _check_on_sensor(path, x, y, size)
    return {"x": x, "y": y, "p": (data >> 1) & 1, "t": t}


def read_aedat2_dvs128(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The pixel events of one AEDAT 2.0 file of a DVS128 (CIFAR10-DVS): ``x`` (column
    ``127 - x_raw``), ``y`` (row ``127 - y_raw``), ``p`` (0 OFF / 1 ON, raw bit 0 inverted as
    jAER does) and ``t`` (microseconds), int64 arrays in file order; external (bit 15) and
    special (bit 31) events are dropped.

    >>> import tempfile
    >>> addr = (3 << 8) | (10 << 1) | 1           # raw x 10, raw y 3, raw polarity bit 1
    >>> body = np.array([(addr, 7), (0x8000, 8)], _AEDAT2_EVENT).tobytes()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d, "cifar10_cat_0.aedat")
    ...     _ = f.write_bytes(b"#!AER-DAT2.0\\r\\n# created by a test\\r\\n" + body)
    ...     ev = read_aedat2_dvs128(f)
    >>> {k: v.tolist() for k, v in ev.items()}
    {'x': [117], 'y': [124], 'p': [0], 't': [7]}
    """
    path = Path(path)
    raw = _read(path, "AEDAT 2.0")
    pos = _header(raw, path, "2.0")
    body = len(raw) - pos
    if body % _AEDAT2_EVENT.itemsize:
        raise DatasetError(f"AEDAT 2.0 file {path} is truncated: {body} bytes of events is not "
                           "a multiple of 8 (32-bit address + 32-bit timestamp)")
    ev = np.frombuffer(raw, _AEDAT2_EVENT, offset=pos)
    addr = ev["addr"].astype(np.int64)
    foreign = (addr & 0x7FFF0000) != 0
    if foreign.any():
        i = int(np.argmax(foreign))
        raise DatasetError(f"AEDAT 2.0 file {path}: event {i} has address 0x{addr[i]:08x}, not "
                           "a DVS128 address (bits 16-30 set); expected jAER's DVS128 format")
    pixel = (addr & 0x80008000) == 0
    addr, t = addr[pixel], ev["t"][pixel].astype(np.int64)
    top = DVS_SIZE - 1
    return {"x": top - ((addr >> 1) & 0x7F), "y": top - ((addr >> 8) & 0x7F),
            "p": 1 - (addr & 1), "t": t}


# --------------------------------------------------------------------------------------------
# DVS128 Gesture


def read_gesture_labels(path: str | os.PathLike) -> np.ndarray:
    """The gestures of one recording's ``*_labels.csv``: rows ``(label 0 .. 10, start, end)``
    (int64, microseconds; the csv's class 1 .. 11 minus 1), in file order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d, "user01_led_labels.csv")
    ...     _ = f.write_text("class,startTime_usec,endTime_usec\\n1,100,200\\n11,300,450\\n")
    ...     read_gesture_labels(f).tolist()
    [[0, 100, 200], [10, 300, 450]]
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read DVS128 Gesture labels {path}: {exc}") from exc
    rows = []
    for k, line in enumerate(lines, 1):
        fields = [f.strip() for f in line.split(",")]
        if not line.strip() or (k == 1 and fields[0].lower() == "class"):
            continue
        try:
            c, start, end = (int(f) for f in fields)
        except ValueError:
            raise DatasetError(f"DVS128 Gesture labels {path}, line {k}: {line.strip()[:60]!r} "
                               "is not 'class,startTime_usec,endTime_usec' (three integers)"
                               ) from None
        if not 1 <= c <= len(GESTURE_CLASSES) or end <= start:
            raise DatasetError(f"DVS128 Gesture labels {path}, line {k}: class {c} (expected "
                               f"1 .. {len(GESTURE_CLASSES)}), interval [{start}, {end}) "
                               "(expected start < end)")
        rows.append((c - 1, start, end))
    if not rows:
        raise DatasetError(f"DVS128 Gesture labels {path} list no gesture")
    return np.array(rows, np.int64)


def read_trial_list(path: str | os.PathLike) -> list[str]:
    """The ``.aedat`` names of ``trials_to_train.txt`` or ``trials_to_test.txt``, in order
    (blank lines skipped).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d, "trials_to_test.txt")
    ...     _ = f.write_text("user24_led.aedat\\r\\nuser25_natural.aedat\\n\\n")
    ...     read_trial_list(f)
    ['user24_led.aedat', 'user25_natural.aedat']
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read DVS128 Gesture trial list {path}: {exc}") from exc
    names = []
    for k, line in enumerate(lines, 1):
        name = line.strip()
        if not name:
            continue
        if not name.endswith(".aedat") or "/" in name or "\\" in name:
            raise DatasetError(f"DVS128 Gesture trial list {path}, line {k}: {name[:60]!r} is "
                               "not the name of an .aedat file")
        names.append(name)
    if not names:
        raise DatasetError(f"DVS128 Gesture trial list {path} is empty")
    return names


def find_gesture_dir(root: str | os.PathLike | None) -> Path | None:
    """The DvsGesture folder under ``root`` (the one holding the training trial list); None
    when there is none (or ``root`` is None)."""
    if root is None:
        return None
    base = Path(root).expanduser()
    for d in (base, base / "DvsGesture", base / "DVS128Gesture" / "DvsGesture"):
        if (d / _TRAIN_LIST).is_file():
            return d
    return None


def _gesture_split(directory: Path, list_name: str, T: int) -> tuple[np.ndarray, np.ndarray]:
    trials = []
    for name in read_trial_list(directory / list_name):
        aedat = directory / name
        labels = directory / (name[: -len(".aedat")] + "_labels.csv")
        for f in (aedat, labels):
            if not f.is_file():
                raise DatasetError(f"dvs-gesture: {f} is missing ({name} is listed in "
                                   f"{list_name}); {gesture_how_to_get()}")
        trials.append((aedat, read_gesture_labels(labels)))

    def samples():
        for aedat, gestures in trials:
            ev = read_aedat31_polarity(aedat)
            for _, start, end in gestures:
                keep = (ev["t"] >= start) & (ev["t"] < end)
                yield {k: v[keep] for k, v in ev.items()}

    n = sum(len(g) for _, g in trials)
    x = stack_frames(samples(), n, T, DVS_SIZE)
    return x, np.concatenate([g[:, 0] for _, g in trials])


def _find_root(name: str, root, T, find, marker: str, subdir: str, how_to_get) -> Path:
    """The dataset directory under ``root`` (``find(root)``), or a one-line
    :class:`DatasetError` naming what is missing and how to get it; ``T`` checked too."""
    if root is None:
        raise DatasetError(f"{name}: {how_to_get()}")
    if int(T) < 1:
        raise DatasetError(f"{name}: T must be >= 1, got {T}")
    directory = find(root)
    if directory is None:
        base = Path(root).expanduser()
        raise DatasetError(f"{name}: no {marker} in {base} or {base / subdir}; {how_to_get()}")
    return directory


def load_dvs_gesture(root: str | os.PathLike | None, *, T: int = 8) -> Dataset:
    """DVS128 Gesture from ``root`` (the official ``trials_to_train.txt`` /
    ``trials_to_test.txt`` split), one sample per labelled gesture, as ``T`` binary frames
    (``image_shape`` ``(T, 2, 128, 128)``, uint8)."""
    directory = _find_root("dvs-gesture", root, T, find_gesture_dir, _TRAIN_LIST, "DvsGesture",
                           gesture_how_to_get)
    x_train, y_train = _gesture_split(directory, _TRAIN_LIST, int(T))
    x_test, y_test = _gesture_split(directory, _TEST_LIST, int(T))
    return Dataset(
        name="dvs-gesture", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
        image_shape=(int(T), 2, DVS_SIZE, DVS_SIZE), n_classes=len(GESTURE_CLASSES),
        source=f"DVS128 Gesture AEDAT 3.1 files in {directory}; one sample per labelled "
        f"gesture, {T} binary frames split by event count; official split ({_TRAIN_LIST}, "
        f"{_TEST_LIST})",
    )


# --------------------------------------------------------------------------------------------
# CIFAR10-DVS


def per_class_split(y: np.ndarray, test_fraction: float = 0.1, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)`` (each ascending) of a seeded split of every class: a class of
    ``n`` samples gives ``max(1, round(test_fraction * n))`` of them, drawn by a permutation
    seeded by ``seed`` and the class, to the test set (CIFAR10-DVS: 100 of each 1,000).

    >>> y = np.repeat(np.arange(2), 10)
    >>> tr, te = per_class_split(y, 0.2, seed=0)
    >>> len(tr), np.bincount(y[te]).tolist(), sorted(tr.tolist() + te.tolist()) == list(range(20))
    (16, [2, 2], True)
    """
    y = np.asarray(y)
    if not 0.0 < float(test_fraction) < 1.0:
        raise DatasetError(f"test_fraction must lie strictly between 0 and 1, got "
                           f"{test_fraction}")
    test = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) < 2:
            raise DatasetError(f"class {c} has {len(idx)} sample; a train/test split needs 2")
        n_test = min(max(1, int(round(float(test_fraction) * len(idx)))), len(idx) - 1)
        perm = np.random.default_rng([int(seed), int(c), 0xD75]).permutation(idx)
        test.append(perm[:n_test])
    test_idx = np.sort(np.concatenate(test)) if test else np.zeros(0, np.int64)
    train_idx = np.setdiff1d(np.arange(len(y)), test_idx)
    return train_idx, test_idx


def find_cifar10_dvs_dir(root: str | os.PathLike | None) -> Path | None:
    """The CIFAR10-DVS folder under ``root`` (the one holding the class folders); None when
    there is none (or ``root`` is None)."""
    if root is None:
        return None
    base = Path(root).expanduser()
    for d in (base, base / "CIFAR10-DVS", base / "cifar10-dvs", base / "CIFAR10DVS"):
        if (d / CIFAR10_DVS_CLASSES[0]).is_dir():
            return d
    return None


def _recording_order(path: Path) -> tuple[int, str]:
    m = re.search(r"(\d+)$", path.stem)
    return (int(m.group(1)) if m else -1, path.name)


def load_cifar10_dvs(root: str | os.PathLike | None, *, T: int = 8, test_fraction: float = 0.1,
                     split_seed: int = 0) -> Dataset:
    """CIFAR10-DVS from ``root`` as ``T`` binary frames (``image_shape``
    ``(T, 2, 128, 128)``, uint8), split by :func:`per_class_split` (90 / 10 per class, seed
    ``split_seed``, the same for every run)."""
    directory = _find_root("cifar10-dvs", root, T, find_cifar10_dvs_dir,
                           f"{CIFAR10_DVS_CLASSES[0]}/ folder", "CIFAR10-DVS",
                           cifar10_dvs_how_to_get)
    files, labels = [], []
    for c, name in enumerate(CIFAR10_DVS_CLASSES):
        found = sorted((directory / name).glob("*.aedat"), key=_recording_order)
        if not found:
            raise DatasetError(f"cifar10-dvs: {directory / name} holds no .aedat files; "
                               f"expected <class>/cifar10_<class>_<k>.aedat for the classes "
                               f"{', '.join(CIFAR10_DVS_CLASSES)}")
        if len(found) < 2:
            raise DatasetError(f"cifar10-dvs: {directory / name} holds 1 .aedat file; the "
                               "per-class train/test split needs at least 2")
        files += found
        labels += [c] * len(found)
    y = np.array(labels, np.int64)
    train, test = per_class_split(y, test_fraction, split_seed)

    def frames(idx):
        return stack_frames((read_aedat2_dvs128(files[i]) for i in idx), len(idx), int(T),
                            DVS_SIZE)

    return Dataset(
        name="cifar10-dvs", x_train=frames(train), y_train=y[train], x_test=frames(test),
        y_test=y[test], image_shape=(int(T), 2, DVS_SIZE, DVS_SIZE),
        n_classes=len(CIFAR10_DVS_CLASSES),
        source=f"CIFAR10-DVS AEDAT 2.0 files in {directory}; {T} binary frames split by event "
        f"count; per-class split, test fraction {test_fraction}, seed {split_seed}",
    )

