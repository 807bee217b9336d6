"""DVS128 Gesture (AEDAT 3.1) and CIFAR10-DVS (AEDAT 2.0) read from small synthetic files that
these tests write in the exact on-disk formats (with ``struct``, independently of the reader),
their binning into frames, their splits, their one-line errors, and ``chsnn train`` on them."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest

from chsnn.cli import main
from chsnn.data import DatasetError, available_datasets, load_dataset
from chsnn.datasets_dvs import (
    CIFAR10_DVS_CLASSES,
    load_cifar10_dvs,
    load_dvs_gesture,
    per_class_split,
    read_aedat2_dvs128,
    read_aedat31_polarity,
    read_gesture_labels,
    read_trial_list,
)
from chsnn.datasets_events import events_to_frames, stack_frames

HEADER31 = (b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
            b"#Start-Time: 2017-03-01 10:00:00 (TZ+0100)\r\n#!END-HEADER\r\n")
HEADER20 = (b"#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n"
            b"# Data format is int32 address, int32 timestamp (8 bytes total)\r\n"
            b"# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n")


def one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


# --------------------------------------------------------------------------------------------
# Writers of the two formats


def polarity_word(x, y, p, valid=1):
    """AEDAT 3.1 polarity data word: bit 0 valid, bit 1 polarity, bits 2-16 y, 17-31 x."""
    return (x << 17) | (y << 2) | (p << 1) | valid


def packet31(kind, overflow, events, number=None, size=8, ts_offset=4):
    """One AEDAT 3.1 event packet: the 28-byte header (eventCapacity = len(events), eventNumber
    = ``number`` or all of them), then the events, each padded to ``size`` bytes."""
    number = len(events) if number is None else number
    head = struct.pack("<hhiiiiii", kind, 1, size, ts_offset, overflow, len(events), number,
                       number)
    return head + b"".join(struct.pack("<Ii", d, ts).ljust(size, b"\0") for d, ts in events)


def aedat31(x, y, p, t):
    """Events (64-bit timestamps) as AEDAT 3.1 bytes: one polarity packet per overflow value,
    a special-event packet in front (skipped by the reader)."""
    x, y, p, t = (np.asarray(a, np.int64) for a in (x, y, p, t))
    out = HEADER31 + packet31(0, 0, [(0x12345679, 5)])
    for ov in np.unique(t >> 31):
        sel = np.flatnonzero((t >> 31) == ov)
        out += packet31(1, int(ov), [(polarity_word(int(x[i]), int(y[i]), int(p[i])),
                                      int(t[i] & 0x7FFFFFFF)) for i in sel])
    return out


def dvs128_address(raw_x, raw_y, raw_bit):
    """jAER DVS128 address: bit 0 polarity (raw 1 = OFF), bits 1-7 x, bits 8-14 y."""
    return (raw_y << 8) | (raw_x << 1) | raw_bit


def aedat20(addresses, timestamps):
    pairs = zip(addresses, timestamps, strict=True)
    return HEADER20 + b"".join(struct.pack(">Ii", a, t) for a, t in pairs)


# --------------------------------------------------------------------------------------------
# AEDAT 3.1


def test_aedat31_bit_fields_timestamps_and_validity(tmp_path):
    f = tmp_path / "user01_fluorescent.aedat"
    events = [
        (polarity_word(127, 0, 1), 10),          # corner, ON
        (polarity_word(0, 127, 0), 11),          # other corner, OFF
        (polarity_word(64, 3, 1, valid=0), 12),  # invalid: dropped
        (polarity_word(5, 77, 0), 2 ** 31 - 1),  # largest 31-bit timestamp
    ]
    f.write_bytes(HEADER31
                  + packet31(0, 0, [(0xFFFFFFFF, 1), (3, 2)])          # special events: skipped
                  + packet31(1, 0, events)
                  + packet31(2, 0, [(1, 3)], size=12, ts_offset=8)      # frame-like: skipped
                  + packet31(1, 3, [(polarity_word(9, 8, 1), 7), (polarity_word(1, 1, 1), 9)],
                             number=1))                     # the slot past eventNumber: unused
    ev = read_aedat31_polarity(f)
    assert {k: v.dtype for k, v in ev.items()} == dict.fromkeys("xypt", np.dtype(np.int64))
    assert ev["x"].tolist() == [127, 0, 5, 9]
    assert ev["y"].tolist() == [0, 127, 77, 8]
    assert ev["p"].tolist() == [1, 0, 0, 1]
    assert ev["t"].tolist() == [10, 11, 2 ** 31 - 1, (3 << 31) + 7]
    # a file with a header and no packet has no events
    f.write_bytes(HEADER31)
    assert read_aedat31_polarity(f)["t"].size == 0


def test_aedat31_round_trip_of_random_events(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    x, y, p = rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n)
    t = np.sort(rng.integers(0, 2 ** 33, n))
    f = tmp_path / "user02_led.aedat"
    f.write_bytes(aedat31(x, y, p, t))
    ev = read_aedat31_polarity(f)
    for k, v in zip("xypt", (x, y, p, t), strict=True):
        np.testing.assert_array_equal(ev[k], v)


def test_aedat31_errors_name_the_file(tmp_path):
    f = tmp_path / "user03_natural.aedat"
    good = HEADER31 + packet31(1, 0, [(polarity_word(1, 2, 1), 5)])
    cases = [
        (b"", r"is not an AEDAT 3\.1 file: its first line is no header"),
        (b"#!AER-DAT2.0\r\n" + b"\0" * 8, r"first line is '#!AER-DAT2\.0', expected "
                                          r"'#!AER-DAT3\.1'"),
        (b"#!AER-DAT3.1\r\n#Format: RAW\r\n", r"has no '#!END-HEADER' line"),
        (b"#!AER-DAT3.1\r\n#Format: RA", r"truncated inside its header"),
        (good[:-3], r"truncated: the packet at byte \d+ needs 36 bytes, 33 are left"),
        (HEADER31 + b"\x01\x00\x01", r"truncated: 3 bytes at byte \d+ are too few for a "
                                     r"28-byte packet header"),
        (HEADER31 + struct.pack("<hhiiiiii", 1, 1, 8, 4, 0, -1, 0, 0),
         r"corrupt packet header at byte \d+: eventType 1, eventSize 8, eventCapacity -1"),
        (HEADER31 + struct.pack("<hhiiiiii", 1, 1, 8, 4, 0, 1, 2, 2) + b"\0" * 8,
         r"eventCapacity 1, eventNumber 2"),
        (HEADER31 + packet31(1, 0, [(0, 0)], size=16),
         r"polarity packet at byte \d+ has eventSize 16 and eventTSOffset 4, expected 8 and 4"),
        (HEADER31 + packet31(1, 0, [(polarity_word(200, 2, 1), 5)]),
         r"event at \(x, y\) = \(200, 2\), outside the 128 x 128 sensor"),
    ]
    for raw, pattern in cases:
        f.write_bytes(raw)
        with pytest.raises(DatasetError, match=pattern) as e:
            read_aedat31_polarity(f)
        assert str(f) in one_line(e)
    with pytest.raises(DatasetError, match="cannot read AEDAT 3.1 file .*missing.aedat") as e:
        read_aedat31_polarity(tmp_path / "missing.aedat")
    one_line(e)


# --------------------------------------------------------------------------------------------
# AEDAT 2.0


def test_aedat2_dvs128_address_bits(tmp_path):
    f = tmp_path / "cifar10_cat_0.aedat"
    addrs = [dvs128_address(0, 0, 0), dvs128_address(127, 127, 1), dvs128_address(10, 3, 1),
             0x8000 | dvs128_address(4, 4, 0),        # external (sync) event: dropped
             0x80000000,                              # special event: dropped
             dvs128_address(100, 20, 0)]
    ts = [0, 1, 2 ** 31 - 1, 3, 4, 5]
    f.write_bytes(aedat20(addrs, ts))
    ev = read_aedat2_dvs128(f)
    assert {k: v.dtype for k, v in ev.items()} == dict.fromkeys("xypt", np.dtype(np.int64))
    # column 127 - raw x, row 127 - raw y, ON = raw bit 0 clear (jAER's DVS128 extractor)
    assert ev["x"].tolist() == [127, 0, 117, 27]
    assert ev["y"].tolist() == [127, 0, 124, 107]
    assert ev["p"].tolist() == [1, 0, 0, 1]
    assert ev["t"].tolist() == [0, 1, 2 ** 31 - 1, 5]
    # the header is optional past its version line; an empty recording is no error
    f.write_bytes(b"#!AER-DAT2.0\r\n")
    assert read_aedat2_dvs128(f)["x"].size == 0


def test_aedat2_errors_name_the_file(tmp_path):
    f = tmp_path / "cifar10_dog_7.aedat"
    cases = [
        (struct.pack(">Ii", 2, 3), r"not an AEDAT 2\.0 file: its first line is no header"),
        (b"#!AER-DAT3.1\r\n#!END-HEADER\r\n", r"first line is '#!AER-DAT3\.1', expected "
                                              r"'#!AER-DAT2\.0'"),
        (aedat20([2, 4], [1, 2])[:-5], r"truncated: 11 bytes of events is not a multiple of 8"),
        (aedat20([2, 0x00010002], [1, 2]),
         r"event 1 has address 0x00010002, not a DVS128 address \(bits 16-30 set\)"),
    ]
    for raw, pattern in cases:
        f.write_bytes(raw)
        with pytest.raises(DatasetError, match=pattern) as e:
            read_aedat2_dvs128(f)
        assert str(f) in one_line(e)


# --------------------------------------------------------------------------------------------
# DVS128 Gesture


def test_gesture_labels_and_trial_lists(tmp_path):
    f = tmp_path / "user26_fluorescent_labels.csv"
    f.write_text("class,startTime_usec,endTime_usec\r\n3,80048239,85092709\r\n3,85092710,"
                 "90000000\r\n11,2200000000,2300000000\r\n\r\n")
    assert read_gesture_labels(f).tolist() == [[2, 80048239, 85092709],
                                                [2, 85092710, 90000000],
                                                [10, 2200000000, 2300000000]]
    for text, pattern in [("class,a,b\n1,2\n", r"line 2: '1,2' is not 'class,startTime_usec,"
                                                r"endTime_usec'"),
                          ("class,a,b\n12,1,2\n", r"line 2: class 12 \(expected 1 \.\. 11\)"),
                          ("class,a,b\n1,5,5\n", r"interval \[5, 5\) \(expected start < end\)"),
                          ("class,startTime_usec,endTime_usec\n", "list no gesture")]:
        f.write_text(text)
        with pytest.raises(DatasetError, match=pattern) as e:
            read_gesture_labels(f)
        assert str(f) in one_line(e)
    g = tmp_path / "trials_to_train.txt"
    g.write_text("user01_fluorescent.aedat\nuser01_lab.aedat\n\n")
    assert read_trial_list(g) == ["user01_fluorescent.aedat", "user01_lab.aedat"]
    g.write_text("user01_fluorescent.aedat\n../etc/passwd\n")
    with pytest.raises(DatasetError, match=r"trials_to_train.txt, line 2: '../etc/passwd' is not "
                       "the name of an .aedat file") as e:
        read_trial_list(g)
    one_line(e)
    g.write_text("\n")
    with pytest.raises(DatasetError, match="trials_to_train.txt is empty"):
        read_trial_list(g)


def gesture_dir(root, seed=0):
    """DvsGesture/ with two training trials and one test trial, each with labelled gestures
    (a repeated class, a gap between gestures, timestamps past 2**31); returns the directory
    and, per split, the expected (label, events) of every sample in order."""
    rng = np.random.default_rng(seed)
    d = root / "DvsGesture"
    d.mkdir(parents=True)
    trials = {"train": [("user01_fluorescent", [(1, 1000, 2000), (5, 2500, 4000)]),
                        ("user02_led", [(11, 100, 900), (11, 900, 1500),
                                        (2, 2 ** 31 - 200, 2 ** 31 + 600)])],
              "test": [("user24_natural", [(3, 0, 5000)])]}
    expected = {}
    for split, items in trials.items():
        (d / f"trials_to_{split}.txt").write_text(
            "".join(f"{name}.aedat\r\n" for name, _ in items))
        expected[split] = []
        for name, gestures in items:
            # 40 events in every gesture, 20 before, between and after the gestures
            t = np.concatenate([rng.integers(s, e, 40) for _, s, e in gestures]
                               + [rng.integers(gestures[0][1] - 300, gestures[-1][2] + 300, 20)])
            n = len(t)
            ev = {"x": rng.integers(0, 128, n), "y": rng.integers(0, 128, n),
                  "p": rng.integers(0, 2, n), "t": np.sort(t)}
            (d / f"{name}.aedat").write_bytes(aedat31(ev["x"], ev["y"], ev["p"], ev["t"]))
            (d / f"{name}_labels.csv").write_text(
                "class,startTime_usec,endTime_usec\r\n"
                + "".join(f"{c},{s},{e}\r\n" for c, s, e in gestures))
            for c, s, e in gestures:
                keep = (ev["t"] >= s) & (ev["t"] < e)
                expected[split].append((c - 1, {k: v[keep] for k, v in ev.items()}))
    return d, expected


def test_dvs_gesture_dataset(tmp_path):
    d, expected = gesture_dir(tmp_path / "g")
    for root in (tmp_path / "g", d):                       # the parent or DvsGesture/ itself
        ds = load_dataset("dvs-gesture", root=root, T=4)
        assert ds.name == "dvs-gesture" and ds.n_classes == 11
        assert ds.image_shape == (4, 2, 128, 128) and ds.x_train.dtype == np.uint8
        assert ds.x_train.shape == (5, 4 * 2 * 128 * 128) and ds.x_test.shape == (1, 131072)
        assert ds.y_train.tolist() == [0, 4, 10, 10, 1] and ds.y_test.tolist() == [2]
        for x, want in ((ds.x_train, expected["train"]), (ds.x_test, expected["test"])):
            for i, (_, ev) in enumerate(want):
                assert len(ev["t"]) > 8
                f = x[i].reshape(4, 2, 128, 128)
                np.testing.assert_array_equal(f, events_to_frames(ev, 4, 128))
                # split by event count: frame k holds events k * (n // 4) .. (k + 1) * (n // 4)
                per = len(ev["t"]) // 4
                k = 1
                seg = slice(k * per, (k + 1) * per)
                assert np.array_equal(np.argwhere(f[k]), np.unique(np.stack(
                    [ev["p"][seg], ev["y"][seg], ev["x"][seg]], 1), axis=0))
    assert load_dvs_gesture(d).image_shape == (8, 2, 128, 128)
    assert "official split" in ds.source
    by = {i.name: i for i in available_datasets(tmp_path / "g")}
    assert by["dvs-gesture"].available and not by["cifar10-dvs"].available


def test_dvs_gesture_errors(tmp_path):
    with pytest.raises(DatasetError, match="no package ships DVS128 Gesture.*--data-root") as e:
        load_dataset("dvs-gesture")
    one_line(e)
    with pytest.raises(DatasetError, match=r"dvs-gesture: no trials_to_train.txt in .*; ") as e:
        load_dataset("dvs-gesture", root=tmp_path)
    one_line(e)
    d, _ = gesture_dir(tmp_path / "g")
    (d / "user02_led_labels.csv").unlink()
    with pytest.raises(DatasetError, match=r"user02_led_labels.csv is missing \(user02_led"
                       r"\.aedat is listed in trials_to_train.txt\)") as e:
        load_dataset("dvs-gesture", root=d)
    one_line(e)
    (d / "user02_led_labels.csv").write_text("class,startTime_usec,endTime_usec\n2,1,5\n")
    (d / "user24_natural.aedat").unlink()
    with pytest.raises(DatasetError, match=r"user24_natural.aedat is missing .*trials_to_test"):
        load_dataset("dvs-gesture", root=d)
    (d / "user24_natural.aedat").write_bytes(HEADER31[:-len(b"#!END-HEADER\r\n")])
    with pytest.raises(DatasetError, match=r"user24_natural.aedat has no '#!END-HEADER'"):
        load_dataset("dvs-gesture", root=d)
    with pytest.raises(DatasetError, match="T must be >= 1"):
        load_dvs_gesture(d, T=0)


# --------------------------------------------------------------------------------------------
# CIFAR10-DVS


def test_per_class_split():
    y = np.repeat(np.arange(10), 1000)
    train, test = per_class_split(y, 0.1, seed=0)
    assert np.bincount(y[test]).tolist() == [100] * 10
    assert np.bincount(y[train]).tolist() == [900] * 10
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(y)))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    again = per_class_split(y, 0.1, seed=0)
    assert np.array_equal(again[1], test)                           # seeded: reproducible
    assert not np.array_equal(per_class_split(y, 0.1, seed=1)[1], test)
    # small classes: at least one test sample and one training sample each
    tr, te = per_class_split(np.array([0, 0, 1, 1, 1]), 0.1)
    assert np.bincount(np.array([0, 0, 1, 1, 1])[te]).tolist() == [1, 1] and len(tr) == 3
    with pytest.raises(DatasetError, match="class 1 has 1 sample; a train/test split needs 2"):
        per_class_split(np.array([0, 0, 1]))
    with pytest.raises(DatasetError, match="strictly between 0 and 1"):
        per_class_split(y, 1.0)


def cifar10_dvs_dir(root, per_class=3, seed=0):
    """<class>/cifar10_<class>_<k>.aedat for the ten classes; returns the events by path."""
    rng = np.random.default_rng(seed)
    events = {}
    for name in CIFAR10_DVS_CLASSES:
        (root / name).mkdir(parents=True)
        for k in (2, 10, 0, 1, 3, 4, 5, 6, 7, 8, 9, 11)[:per_class]:
            n = 30 + k
            rx, ry, bit = rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n)
            f = root / name / f"cifar10_{name}_{k}.aedat"
            addresses = [dvs128_address(int(a), int(b), int(c))
                         for a, b, c in zip(rx, ry, bit, strict=True)]
            f.write_bytes(aedat20(addresses, np.arange(n) * 10))
            events[f] = {"x": 127 - rx, "y": 127 - ry, "p": 1 - bit, "t": np.arange(n) * 10}
    return events


def test_cifar10_dvs_dataset(tmp_path):
    events = cifar10_dvs_dir(tmp_path / "CIFAR10-DVS")
    ds = load_dataset("cifar10-dvs", root=tmp_path, T=2)           # the parent is found too
    assert ds.name == "cifar10-dvs" and ds.n_classes == 10
    assert ds.image_shape == (2, 2, 128, 128) and ds.x_train.dtype == np.uint8
    assert len(ds.y_train) == 20 and ds.y_test.tolist() == list(range(10))
    assert np.bincount(ds.y_train).tolist() == [2] * 10
    # which recording went where: the seeded per-class split over files in order of k
    files = [tmp_path / "CIFAR10-DVS" / n / f"cifar10_{n}_{k}.aedat"
             for n in CIFAR10_DVS_CLASSES for k in (0, 2, 10)]     # _2 before _10 (k order)
    train, test = per_class_split(np.repeat(np.arange(10), 3), 0.1, 0)
    for x, idx in ((ds.x_train, train), (ds.x_test, test)):
        want = stack_frames((events[files[i]] for i in idx), len(idx), 2, 128)
        np.testing.assert_array_equal(x, want)
    same = load_cifar10_dvs(tmp_path / "CIFAR10-DVS", T=2)
    np.testing.assert_array_equal(same.x_test, ds.x_test)          # the split is fixed
    other = load_cifar10_dvs(tmp_path, T=2, split_seed=5)
    assert "seed 5" in other.source
    by = {i.name: i for i in available_datasets(tmp_path)}
    assert by["cifar10-dvs"].available and not by["dvs-gesture"].available


def test_cifar10_dvs_errors(tmp_path):
    with pytest.raises(DatasetError, match="no package ships CIFAR10-DVS.*--data-root") as e:
        load_dataset("cifar10-dvs")
    one_line(e)
    with pytest.raises(DatasetError, match=r"cifar10-dvs: no airplane/ folder in .*; ") as e:
        load_dataset("cifar10-dvs", root=tmp_path)
    one_line(e)
    cifar10_dvs_dir(tmp_path, per_class=2)
    for f in (tmp_path / "frog").glob("*.aedat"):
        f.unlink()
    with pytest.raises(DatasetError, match=r"frog holds no \.aedat files; expected <class>/") as e:
        load_dataset("cifar10-dvs", root=tmp_path)
    one_line(e)
    bad = tmp_path / "frog" / "cifar10_frog_0.aedat"
    bad.write_bytes(aedat20([2], [1]))
    with pytest.raises(DatasetError, match=r"frog holds 1 \.aedat file; the per-class "
                       "train/test split needs at least 2") as e:
        load_dataset("cifar10-dvs", root=tmp_path)
    one_line(e)
    (tmp_path / "frog" / "cifar10_frog_1.aedat").write_bytes(aedat20([2], [1])[:-1])
    with pytest.raises(DatasetError, match=r"cifar10_frog_1.aedat is truncated") as e:
        load_dataset("cifar10-dvs", root=tmp_path)
    one_line(e)


# --------------------------------------------------------------------------------------------
# chsnn datasets / chsnn train


def test_chsnn_datasets_lists_them(tmp_path, capsys):
    gesture_dir(tmp_path)
    assert main(["datasets", "--data-root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    line = {ln.split()[0]: ln for ln in out.splitlines() if ln.strip()}
    assert "[yes]" in line["dvs-gesture"] and "[no ]" in line["cifar10-dvs"]
    assert "figshare" in line["cifar10-dvs"]


@pytest.mark.parametrize("dataset", ["dvs-gesture", "cifar10-dvs"])
def test_train_end_to_end(tmp_path, dataset):
    if dataset == "dvs-gesture":
        root, _ = gesture_dir(tmp_path / "data")
        model, n_train, n_test = ["--model", "2conv2fc"], 5, 1
    else:
        cifar10_dvs_dir(tmp_path / "data")
        root = tmp_path / "data"
        # --T reaches the binning: 4 frames here, the encoder splits the rows into 4
        model, n_train, n_test = ["--model", "2fc", "--hidden", "16", "--T", "4"], 20, 10
    out = tmp_path / "run"
    # chsnn-no-sscti as for CIFAR-10's 6conv2fc: SSCTI correlates every pair of fc1's 32,768
    # inputs (2 x 128 x 128 frames, or 32 x 32 x 32 maps), an 8 GiB matrix
    assert main(["train", "--dataset", dataset, "--data-root", str(root), *model,
                 "--method", "chsnn-no-sscti",
                 "--encoder", "frames", "--epochs", "1", "--batch-size", "8",
                 "--val-fraction", "0", "--sparsity", "0.99", "--energy-samples", "2",
                 "--calibration-samples", "4", "--out", str(out), "--quiet",
                 "--no-plots"]) == 0
    r = json.loads((out / "report.json").read_text())
    assert (r["dataset"], r["n_train"], r["n_test"]) == (dataset, n_train, n_test)
    assert math.isfinite(r["test_accuracy"]) and r["config"]["encoder"] == "frames"
    # binary event frames reach the first layer as spikes: synaptic operations, no MACs
    assert r["macs_per_sample"] == 0.0
