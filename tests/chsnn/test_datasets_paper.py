"""The paper's datasets read from a user's directory (CIFAR-10/100, N-MNIST) on small synthetic
files written here in the exact on-disk formats, the frame encoder, and the 6Conv2FC model."""

from __future__ import annotations

import json
import math
import os
import pickle

import numpy as np
import pytest
import torch
from torch import nn

from chgraph.evolution import n_links_for
from chsnn.cli import main
from chsnn.config import ConfigError, TrainConfig
from chsnn.data import DatasetError, available_datasets, load_dataset
from chsnn.datasets_events import events_to_frames, load_nmnist, read_nmnist_events
from chsnn.datasets_vision import (
    augment_batch,
    channel_stats,
    load_cifar,
    normalize,
    read_cifar_batch,
)
from chsnn.encoders import FrameEncoder
from chsnn.energy import count_synaptic_operations
from chsnn.loop import make_model
from chsnn.models import SixConvTwoFC, build_model
from snn_adapters import CHSNN
from snn_adapters.masks import get_mask
from snn_adapters.neurons import LIF

# --------------------------------------------------------------------------------------------
# CIFAR


def write_batch(path, data, labels, label_key=b"labels", protocol=2):
    batch = {b"batch_label": b"synthetic", b"data": data, label_key: list(labels),
             b"filenames": [b"x.png"] * len(labels)}
    path.write_bytes(pickle.dumps(batch, protocol=protocol))


def cifar10_dir(root, n=2, seed=0):
    """cifar-10-batches-py/ with five training batches of ``n`` images and a test batch."""
    rng = np.random.default_rng(seed)
    d = root / "cifar-10-batches-py"
    d.mkdir(parents=True)
    arrays = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n)
        write_batch(d / name, data, labels)
        arrays[name] = (data, labels)
    return d, arrays


def test_cifar10_shapes_labels_and_pixel_order(tmp_path):
    d, arrays = cifar10_dir(tmp_path)
    for root in (tmp_path, d):                      # the parent or the folder itself
        ds = load_dataset("cifar10", root=root)
        assert ds.x_train.shape == (10, 3072) and ds.x_test.shape == (2, 3072)
        assert ds.x_train.dtype == np.float32 and ds.image_shape == (3, 32, 32)
        assert ds.n_classes == 10
        train = np.concatenate([arrays[f"data_batch_{i}"][0] for i in range(1, 6)])
        np.testing.assert_array_equal(ds.y_train, np.concatenate(
            [arrays[f"data_batch_{i}"][1] for i in range(1, 6)]))
        np.testing.assert_array_equal(ds.y_test, arrays["test_batch"][1])
        np.testing.assert_allclose(ds.x_train * 255, train, atol=1e-4)
    # the stored order is R plane, G plane, B plane, rows first: pixel (row 1, col 2) of green
    img = ds.x_test[0].reshape(3, 32, 32)
    assert img[1, 1, 2] * 255 == pytest.approx(arrays["test_batch"][0][0, 1024 + 32 + 2])
    assert load_dataset("CIFAR-10", root=d).name == "cifar10"


def test_cifar100_fine_labels(tmp_path):
    d = tmp_path / "cifar-100-python"
    d.mkdir()
    rng = np.random.default_rng(1)
    write_batch(d / "train", rng.integers(0, 256, (4, 3072), dtype=np.uint8), [0, 99, 5, 7],
                label_key=b"fine_labels")
    write_batch(d / "test", rng.integers(0, 256, (3, 3072), dtype=np.uint8), [1, 2, 98],
                label_key=b"fine_labels")
    ds = load_dataset("cifar100", root=tmp_path)
    assert ds.n_classes == 100 and ds.y_train.tolist() == [0, 99, 5, 7]
    assert ds.x_test.shape == (3, 3072) and ds.y_test.tolist() == [1, 2, 98]
    # a CIFAR-10 layout is not CIFAR-100
    with pytest.raises(DatasetError, match=r"lacks b'fine_labels'"):
        write_batch(d / "test", np.zeros((1, 3072), np.uint8), [0])
        load_dataset("cifar100", root=tmp_path)


def one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg
    return msg


def test_cifar_errors(tmp_path):
    with pytest.raises(DatasetError, match="no package ships cifar10.*--data-root") as e:
        load_dataset("cifar10")
    one_line(e)
    d, _ = cifar10_dir(tmp_path)
    (d / "data_batch_3").unlink()
    with pytest.raises(DatasetError, match=r"cifar-10-batches-py lacks data_batch_3; ") as e:
        load_dataset("cifar10", root=tmp_path)
    one_line(e)
    good = (d / "test_batch").read_bytes()
    bad = tmp_path / "bad"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(DatasetError, match="is truncated") as e:
        read_cifar_batch(bad, b"labels", 10)
    one_line(e)
    bad.write_bytes(b"this is not a pickle")
    with pytest.raises(DatasetError, match="not a CIFAR python-version pickle") as e:
        read_cifar_batch(bad, b"labels", 10)
    one_line(e)
    bad.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(DatasetError, match="holds a list, expected a dict"):
        read_cifar_batch(bad, b"labels", 10)
    write_batch(bad, np.zeros((2, 1024), np.uint8), [0, 1])
    with pytest.raises(DatasetError, match=r"b'data' is uint8 \(2, 1024\), expected uint8 "):
        read_cifar_batch(bad, b"labels", 10)
    write_batch(bad, np.zeros((2, 3072), np.uint8), [0])
    with pytest.raises(DatasetError, match="2 images but b'labels' has shape"):
        read_cifar_batch(bad, b"labels", 10)
    write_batch(bad, np.zeros((2, 3072), np.uint8), [0, 10])
    with pytest.raises(DatasetError, match=r"labels must lie in 0 \.\. 9"):
        read_cifar_batch(bad, b"labels", 10)


class _Boom:
    def __reduce__(self):
        return (os.getcwd, ())


def test_cifar_pickles_cannot_run_code(tmp_path):
    bad = tmp_path / "evil"
    bad.write_bytes(pickle.dumps({b"data": _Boom(), b"labels": [0]}))
    with pytest.raises(DatasetError, match="refusing to load"):
        read_cifar_batch(bad, b"labels", 10)


def test_cifar_pickle_protocols(tmp_path):
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        write_batch(tmp_path / "b", np.full((1, 3072), 7, np.uint8), [3], protocol=protocol)
        data, labels = read_cifar_batch(tmp_path / "b", b"labels", 10)
        assert data.shape == (1, 3072) and int(data[0, 5]) == 7 and labels.tolist() == [3]


def test_augmentation_is_seeded_crop_and_flip():
    torch.manual_seed(0)
    x = torch.rand(16, 3 * 6 * 5)
    shape = (3, 6, 5)
    a = augment_batch(x, torch.Generator().manual_seed(7), image_shape=shape, padding=2)
    b = augment_batch(x, torch.Generator().manual_seed(7), image_shape=shape, padding=2)
    c = augment_batch(x, torch.Generator().manual_seed(8), image_shape=shape, padding=2)
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, c)
    # every output is one crop (offset 0..4 each way) of the zero-padded image, maybe mirrored
    padded = torch.nn.functional.pad(x.reshape(16, *shape), (2, 2, 2, 2))
    flips = 0
    for i in range(16):
        out = a[i].reshape(shape)
        hits = [(dy, dx, f) for dy in range(5) for dx in range(5) for f in (False, True)
                if torch.equal(out, (lambda v: v.flip(-1) if f else v)(
                    padded[i, :, dy:dy + 6, dx:dx + 5]))]
        assert hits, i
        flips += all(f for _, _, f in hits)
    assert 0 < flips < 16
    # no padding and no flip: the identity
    same = augment_batch(x, torch.Generator().manual_seed(0), image_shape=shape, padding=0,
                         flip=False)
    assert torch.equal(same, x)


def test_channel_statistics_and_normalisation():
    rng = np.random.default_rng(0)
    x = rng.random((50, 3 * 4 * 4)).astype(np.float32)
    x[:, :16] *= 0.5                                   # channel 0 darker
    mean, std = channel_stats(x, (3, 4, 4))
    assert mean[0] < mean[1]
    z = normalize(torch.from_numpy(x), mean, std, (3, 4, 4)).numpy().reshape(50, 3, 16)
    np.testing.assert_allclose(z.transpose(1, 0, 2).reshape(3, -1).mean(1), 0, atol=1e-5)
    np.testing.assert_allclose(z.transpose(1, 0, 2).reshape(3, -1).std(1), 1, atol=1e-4)


# --------------------------------------------------------------------------------------------
# N-MNIST


def pack_events(x, y, p, t) -> bytes:
    """40-bit big-endian events: x (8 bits), y (8 bits), polarity (1 bit), timestamp (23)."""
    return b"".join(((int(a) << 32) | (int(b) << 24) | (int(c) << 23) | int(d)).to_bytes(5, "big")
                    for a, b, c, d in zip(x, y, p, t, strict=True))


def random_events(rng, n):
    return (rng.integers(0, 34, n), rng.integers(0, 34, n), rng.integers(0, 2, n),
            np.sort(rng.integers(0, 2 ** 23, n)))


def nmnist_dir(root, n_train=2, n_test=1, seed=0):
    rng = np.random.default_rng(seed)
    for split, n in (("Train", n_train), ("Test", n_test)):
        for digit in range(10):
            d = root / split / str(digit)
            d.mkdir(parents=True)
            for k in range(n):
                (d / f"{k:05d}.bin").write_bytes(pack_events(*random_events(rng, 12 + k)))
    return root


def test_nmnist_event_bits(tmp_path):
    f = tmp_path / "a.bin"
    x, y, p, t = [0, 33, 7], [33, 0, 9], [1, 0, 1], [0, 2 ** 23 - 1, 123456]
    f.write_bytes(pack_events(x, y, p, t))
    ev = read_nmnist_events(f)
    assert (ev["x"].tolist(), ev["y"].tolist(), ev["p"].tolist(), ev["t"].tolist()) == (
        x, y, p, t)
    f.write_bytes(b"")
    assert read_nmnist_events(f)["x"].size == 0


def test_frames_split_by_event_count():
    # 10 events, T = 4: 10 // 4 = 2 per segment, the last takes the remainder (4)
    n = 10
    ev = {"x": np.arange(n), "y": np.zeros(n, int), "p": np.arange(n) % 2, "t": np.arange(n)}
    f = events_to_frames(ev, 4)
    assert f.shape == (4, 2, 34, 34) and f.dtype == np.uint8
    seg = {int(i): int(np.argwhere(f[:, :, 0, i])[0, 0]) for i in range(n)}
    assert [seg[i] for i in range(n)] == [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    assert int(f.sum()) == n and all(f[:, i % 2, 0, i].sum() == 1 for i in range(n))
    # repeated events at one pixel stay one spike (binary frames)
    ev2 = {"x": np.zeros(4, int), "y": np.ones(4, int), "p": np.ones(4, int), "t": np.arange(4)}
    assert events_to_frames(ev2, 1)[0, 1, 1, 0] == 1 and events_to_frames(ev2, 1).sum() == 1
    # fewer events than frames: one event per frame, the rest empty
    assert events_to_frames({k: v[:2] for k, v in ev.items()}, 4).sum(axis=(1, 2, 3)).tolist() \
        == [1, 1, 0, 0]


def test_nmnist_dataset(tmp_path):
    root = nmnist_dir(tmp_path / "nm")
    ds = load_dataset("nmnist", root=root)
    assert ds.image_shape == (8, 2, 34, 34) and ds.n_classes == 10
    assert ds.x_train.shape == (20, 8 * 2 * 34 * 34) and ds.x_test.shape == (10, 8 * 2312)
    assert ds.y_train.tolist() == [d for d in range(10) for _ in range(2)]
    assert ds.y_test.tolist() == list(range(10))
    assert set(np.unique(ds.x_train).tolist()) == {0.0, 1.0}
    # sample 1 of the training set is Train/0/00001.bin
    ev = read_nmnist_events(root / "Train" / "0" / "00001.bin")
    np.testing.assert_array_equal(ds.x_train[1].reshape(8, 2, 34, 34), events_to_frames(ev, 8))
    assert load_nmnist(root, T=3).image_shape == (3, 2, 34, 34)
    by = {i.name: i for i in available_datasets(root)}
    assert by["nmnist"].available and not by["cifar10"].available


def test_nmnist_errors(tmp_path):
    with pytest.raises(DatasetError, match="no package ships N-MNIST.*--data-root") as e:
        load_dataset("nmnist")
    one_line(e)
    with pytest.raises(DatasetError, match=r"nmnist: no Train/ folder in .*; ") as e:
        load_dataset("nmnist", root=tmp_path)
    one_line(e)
    root = nmnist_dir(tmp_path / "nm")
    for f in (root / "Test" / "4").glob("*.bin"):
        f.unlink()
    with pytest.raises(DatasetError, match=r"Test/4 holds no \.bin files; expected <digit>/"):
        load_dataset("nmnist", root=root)
    f = root / "Test" / "4" / "00000.bin"
    f.write_bytes(pack_events([1], [2], [0], [3]) + b"\x01\x02")
    with pytest.raises(DatasetError, match=r"00000\.bin is truncated: 7 bytes is not a "
                       r"multiple of 5") as e:
        load_dataset("nmnist", root=root)
    one_line(e)
    f.write_bytes(pack_events([40], [2], [0], [3]))
    with pytest.raises(DatasetError, match=r"\(x, y\) = \(40, 2\), outside the 34 x 34 sensor"):
        load_dataset("nmnist", root=root)


# --------------------------------------------------------------------------------------------
# Frames through the training loop


def test_frame_encoder():
    x = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 12)
    s = FrameEncoder(3, (2, 2))(x)
    assert s.shape == (3, 2, 2, 2) and s.is_contiguous()
    assert torch.equal(s[:, 1], x[1].reshape(3, 2, 2))
    with pytest.raises(ValueError, match="12 values per sample"):
        FrameEncoder(3, (2, 2))(torch.zeros(2, 10))


def test_frames_need_the_frames_encoder_and_matching_T(tmp_path):
    ds = load_nmnist(nmnist_dir(tmp_path, n_train=1, n_test=1), T=4)
    with pytest.raises(ConfigError, match="train it with --encoder frames"):
        make_model(TrainConfig(model="2conv2fc", T=4), ds)
    with pytest.raises(ConfigError, match="holds 4 frames per sample but T is 8; pass --T 4"):
        make_model(TrainConfig(model="2conv2fc", encoder="frames"), ds)
    m = make_model(TrainConfig(model="2fc", encoder="frames", T=4, hidden=6), ds)
    assert m.fc1.in_features == 2 * 34 * 34
    cifar = load_cifar("cifar10", cifar10_dir(tmp_path / "c", n=1)[0])
    with pytest.raises(ConfigError, match="needs data binned into frames"):
        make_model(TrainConfig(model="2conv2fc", encoder="frames"), cifar)


def test_train_nmnist_frames_end_to_end(tmp_path):
    root = nmnist_dir(tmp_path / "nm")
    out = tmp_path / "run"
    assert main(["train", "--dataset", "nmnist", "--data-root", str(root), "--model", "2conv2fc",
                 "--encoder", "frames", "--epochs", "1", "--batch-size", "10",
                 "--val-fraction", "0", "--sparsity", "0.9", "--energy-samples", "4",
                 "--calibration-samples", "10", "--out", str(out), "--quiet",
                 "--no-plots"]) == 0
    r = json.loads((out / "report.json").read_text())
    assert (r["dataset"], r["model"], r["n_train"], r["n_test"]) == ("nmnist", "2conv2fc", 20, 10)
    assert math.isfinite(r["test_accuracy"]) and r["config"]["encoder"] == "frames"
    # binary event frames reach the first conv as spikes: synaptic operations, no MACs
    assert r["macs_per_sample"] == 0.0 and r["energy"]["layers"]["conv1"]["sops"] > 0


# --------------------------------------------------------------------------------------------
# 6Conv2FC


def test_6conv2fc_paper_configuration(tmp_path):
    cifar = load_cifar("cifar10", cifar10_dir(tmp_path, n=1)[0])
    m = make_model(TrainConfig(model="6conv2fc", dataset="cifar10", encoder="direct"), cifar)
    assert isinstance(m, SixConvTwoFC)
    convs = [m.get_submodule(f"conv{k}") for k in range(1, 7)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] == [
        (3, 128, (3, 3), (1, 1)), (128, 128, (3, 3), (1, 1)), (128, 256, (3, 3), (1, 1)),
        (256, 256, (3, 3), (1, 1)), (256, 512, (3, 3), (1, 1)), (512, 512, (3, 3), (1, 1))]
    assert all(isinstance(m.get_submodule(f"bn{k}"), nn.BatchNorm2d) for k in range(1, 7))
    assert all(isinstance(m.get_submodule(f"lif{k}"), LIF) for k in range(1, 7))
    assert (m.fc1.in_features, m.fc1.out_features) == (512 * 8 * 8, 512)
    assert (m.fc2.in_features, m.fc2.out_features) == (512, 10)
    assert m.T == 8 and m.image_shape == (3, 32, 32) and m.classifier_name == "fc2"
    assert TrainConfig(model="6conv2fc").model == "6conv2fc"
    with pytest.raises(ValueError, match="too small"):
        build_model("6conv2fc", image_shape=(3, 2, 2))


def tiny_6conv2fc(**kw):
    torch.manual_seed(0)
    return build_model("6conv2fc", image_shape=(3, 8, 8), channels=(2, 3, 4), hidden=5,
                       n_classes=3, T=2, **kw)


@pytest.mark.parametrize("execution", ["masked", "sparse"])
def test_6conv2fc_trains_under_chsnn_with_sparse_fc_layers(execution):
    model = tiny_6conv2fc()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=2, update_interval=1, seed=0,
               classifier=model.classifier_name, execution=execution)
    assert sp.layer_names == ["fc1"]                 # conv layers dense, the classifier dense
    assert all(get_mask(model.get_submodule(f"conv{k}")) is None for k in range(1, 7))
    conv1 = model.conv1.weight.detach().clone()
    x = (torch.rand(2, 4, 3, 8, 8, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    loss = nn.functional.cross_entropy(model(x), torch.tensor([0, 1, 2, 0]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    sp.step()
    assert math.isfinite(loss.item()) and not torch.equal(model.conv1.weight, conv1)
    links = n_links_for((16, 5), 0.9)
    if execution == "masked":
        mask = sp.masks()["fc1"]
        assert int(mask.count_nonzero()) == links and not model.fc1.weight[~mask].any()
    else:
        assert model.get_submodule("fc1").n_links == links
    assert math.isclose(sp.sparsity_report()["sparse_layers"], 1 - links / 80, abs_tol=1e-6)


def saturate(model):
    """BatchNorm and fc1 pinned to an output of 5 (weight 0, bias 5): every LIF (tau 2,
    threshold 1) then fires at every step, so each layer's input is known by hand."""
    with torch.no_grad():
        for k in range(1, 7):
            bn = model.get_submodule(f"bn{k}")
            bn.weight.zero_()
            bn.bias.fill_(5.0)
        model.fc1.weight.zero_()
        model.fc1.bias.fill_(5.0)
    return model


def test_6conv2fc_synaptic_operations_by_hand():
    model = tiny_6conv2fc()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sp = CHSNN(model, opt, sparsity=0.75, total_steps=2, seed=0, classifier="fc2",
               execution="masked")
    links = int(sp.masks()["fc1"].count_nonzero())
    assert links == n_links_for((16, 5), 0.75)
    saturate(model)
    T, B = 2, 3
    # a 3x3 conv with padding 1 on H x W: (3H - 2)(3W - 2) in-bounds taps per in/out channel
    # pair, every one a spike when the input is all ones
    conv = {"conv1": 2 * 3 * 22 * 22, "conv2": 2 * 2 * 22 * 22,      # 8 x 8
            "conv3": 3 * 2 * 10 * 10, "conv4": 3 * 3 * 10 * 10,      # 4 x 4 after pooling
            "conv5": 4 * 3 * 4 * 4, "conv6": 4 * 4 * 4 * 4}          # 2 x 2
    assert conv == {"conv1": 2904, "conv2": 1936, "conv3": 600, "conv4": 900, "conv5": 192,
                    "conv6": 256}
    rep = count_synaptic_operations(model, torch.ones(T, B, 3, 8, 8))
    for name, per_step in conv.items():
        assert rep.layers[name].sops == T * per_step, name
        assert rep.layers[name].macs == 0
    # fc1: 16 input spikes per step, each through its existing links; dense 16 x 5
    assert rep.layers["fc1"].sops == T * links and rep.layers["fc1"].dense_sops == T * 80
    # fc2 (dense classifier): 5 hidden spikes per step, 3 synapses each
    assert rep.layers["fc2"].sops == T * 15
    total = T * (sum(conv.values()) + links + 15)
    assert rep.sops == total and rep.macs == 0
    assert math.isclose(rep.energy_uj(), total * 0.9e-6)
    # analog input (direct encoding): the first conv's operations become MACs
    analog = count_synaptic_operations(model, torch.full((T, B, 3, 8, 8), 0.5))
    assert analog.layers["conv1"].macs == T * 2904 and analog.layers["conv1"].sops == 0
    assert analog.sops == total - T * 2904
    assert math.isclose(analog.energy_uj(), (total - T * 2904) * 0.9e-6 + T * 2904 * 4.6e-6)


# --------------------------------------------------------------------------------------------
# chsnn train --augment / --normalize


def cifar_run(tmp_path, name, *extra):
    out = tmp_path / name
    assert main(["train", "--method", "set", "--dataset", "cifar10", "--data-root",
                 str(tmp_path / "data"), "--model", "2fc", "--hidden", "16", "--epochs", "2",
                 "--batch-size", "5", "--val-fraction", "0", "--energy-samples", "4",
                 "--T", "2", "--out", str(out), "--quiet", "--no-plots", *extra]) == 0
    return json.loads((out / "report.json").read_text())


def test_train_with_augmentation_and_normalisation(tmp_path):
    cifar10_dir(tmp_path / "data", n=4)
    plain = cifar_run(tmp_path, "plain", "--encoder", "direct")
    aug = cifar_run(tmp_path, "aug", "--encoder", "direct", "--augment")
    again = cifar_run(tmp_path, "again", "--encoder", "direct", "--augment")
    norm = cifar_run(tmp_path, "norm", "--encoder", "direct", "--augment", "--normalize")
    losses = {k: [e["train_loss"] for e in r["history"]]
              for k, r in (("plain", plain), ("aug", aug), ("again", again), ("norm", norm))}
    assert losses["aug"] == losses["again"]                 # seeded by the run's seed and epoch
    assert losses["aug"] != losses["plain"] and losses["norm"] != losses["aug"]
    assert aug["config"]["augment"] and not aug["config"]["normalize"]
    assert norm["config"]["normalize"] and not plain["config"]["augment"]


def test_augment_and_normalize_options_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="normalize needs --encoder direct"):
        TrainConfig(normalize=True)
    with pytest.raises(ConfigError, match="does not apply to --encoder frames"):
        TrainConfig(augment=True, encoder="frames")
    with pytest.raises(ConfigError, match="augment must be true or false"):
        TrainConfig(augment="yes")
    assert TrainConfig.from_dict({"method": "set"}).augment is False   # runs saved before
    np.savez(tmp_path / "flat.npz", x=np.random.default_rng(0).random((20, 5)),
             y=np.arange(20) % 2)
    assert main(["train", "--dataset", str(tmp_path / "flat.npz"), "--augment", "--epochs",
                 "1", "--out", str(tmp_path / "r"), "--quiet", "--no-plots"]) == 2
