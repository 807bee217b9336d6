"""chsnn.train / loop / report: every model under every method on tiny data, the report
schema, checkpoints and resume, atomic files, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from chgraph.io.npz import load_layers
from chsnn.config import ConfigError, TrainConfig
from chsnn.methods import METHODS, get_method
from chsnn.report import REQUIRED_FIELDS
from chsnn.train import CHECKPOINT, RunError, load_checkpoint, train

pytest.importorskip("sklearn", reason="the tiny runs use scikit-learn's digits")

TINY = dict(dataset="digits", n_train=48, n_test=24, epochs=2, batch_size=16, T=2,
            hidden=16, sparsity=0.8, calibration_samples=32, energy_samples=16, device="cpu")


def tiny(**kw) -> TrainConfig:
    return TrainConfig(**{**TINY, **kw})


def run(tmp_path, name="run", plots=False, **kw) -> dict:
    return train(tiny(**kw), tmp_path / name, progress=False, log=None, plots=plots)


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_trains_the_2fc_and_keeps_exact_sparsity(tmp_path, method):
    r = run(tmp_path, method=method)
    for key in REQUIRED_FIELDS:
        assert key in r, key
    assert r["method"] == method and len(r["history"]) == 2
    assert 0.0 <= r["test_accuracy"] <= 1.0
    if get_method(method).sparse:
        # 64 inputs x 16 hidden at 80%: exactly round(0.2 * 1024) links, all of them in masks
        assert r["links"] == 205
        assert r["sparsity_linear"] == pytest.approx(1 - 205 / 1024)
        assert r["sops_per_sample"] < r["dense_sops_per_sample"]
        assert all(e["links"] == 205 for e in r["history"])
        if get_method(method).evolves:
            evo = [x for e in r["history"] for x in e["evolution"]]
            assert evo and all(x["regrown"] == x["removed"] + x["percolated"] for x in evo)
        ck = load_checkpoint(tmp_path / "run")
        w = ck["model"]["fc1.weight"]
        assert torch.all(w[~ck["model"]["fc1.weight_mask"]] == 0)
    else:
        assert r["links"] is None and r["sparsity_linear"] < 0.01
        assert r["sops_per_sample"] == r["dense_sops_per_sample"]


@pytest.mark.parametrize("model", ["3fc", "2conv2fc", "spikformer"])
def test_every_model_trains_under_every_method(tmp_path, model):
    for method in METHODS:
        r = run(tmp_path, method, model=model, method=method, n_train=16, n_test=8,
                batch_size=8, update_interval=1)
        assert r["model"] == model and np.isfinite(r["history"][-1]["train_loss"])
        evo = [x for e in r["history"] for x in e["evolution"]]
        assert bool(evo) == get_method(method).evolves, method
        if method != "dense":
            assert r["sparsity_linear"] == pytest.approx(0.8, abs=0.01)


def test_report_files_and_schema(tmp_path):
    r = run(tmp_path, method="chsnn", plots=True)
    out = tmp_path / "run"
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk == json.loads(json.dumps(r))
    for name in ("report.md", "checkpoint.pt", "config.json", "topology.npz",
                 "topology.graphml", "plots/training.png", "plots/topology.png",
                 "plots/degrees.png", "topology/epoch_000.npz", "topology/epoch_002.npz"):
        assert (out / name).is_file(), name
    assert not list(out.rglob("*.tmp*")), "temporary files left behind"
    e = r["history"][-1]
    for key in ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "links",
                "live_neuron_fraction", "turnover", "evolution", "seconds"):
        assert key in e
    assert r["energy_uj_per_sample"] == pytest.approx(
        (0.9 * r["sops_per_sample"] + 4.6 * r["macs_per_sample"]) * 1e-6)
    stack = load_layers(out / "topology.npz")
    assert stack.names == ["fc1"] and stack.layers[0].n_links == r["links"]
    assert r["sparse_layers"] == ["fc1"] and r["chains"] == [["fc1"]]
    md = (out / "report.md").read_text()
    assert "plots/training.png" in md and f"{100 * r['test_accuracy']:.2f}%" in md


def test_resume_equals_an_uninterrupted_run(tmp_path):
    cfg = tiny(method="chsnn", epochs=3)
    full = train(cfg, tmp_path / "full", progress=False, log=None)
    part = train(cfg, tmp_path / "part", progress=False, log=None, stop_after_epoch=1)
    assert part["stopped_after_epoch"] == 1 and not (tmp_path / "part" / "report.json").exists()
    resumed = train(TrainConfig(), tmp_path / "part", resume=True, progress=False, log=None)
    strip = lambda h: [{k: v for k, v in e.items() if k not in ("seconds",)} for e in h]  # noqa: E731
    for e in (*full["history"], *resumed["history"]):
        for x in e["evolution"]:
            x.pop("seconds")
            for st in x["layers"].values():
                st.pop("seconds")
    assert strip(resumed["history"]) == strip(full["history"])
    a, b = load_checkpoint(tmp_path / "full"), load_checkpoint(tmp_path / "part")
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    assert resumed["sops_per_sample"] == full["sops_per_sample"]


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    a = run(tmp_path, "a", method="set", epochs=1)
    b = run(tmp_path, "b", method="set", epochs=1)
    c = run(tmp_path, "c", method="set", epochs=1, seed=1)
    assert a["history"][0]["train_loss"] == b["history"][0]["train_loss"]
    assert a["history"][0]["train_loss"] != c["history"][0]["train_loss"]


def test_out_dir_with_another_run_and_missing_resume(tmp_path):
    run(tmp_path, method="static", epochs=1)
    with pytest.raises(RunError, match="already holds a run"):
        run(tmp_path, method="static", epochs=1)
    with pytest.raises(RunError, match="no run to resume"):
        train(TrainConfig(), tmp_path / "empty", resume=True, progress=False, log=None)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match="not a directory"):
        train(tiny(), tmp_path / "file", progress=False, log=None)


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    run(tmp_path, method="static", epochs=2)
    (tmp_path / "run" / "report.json").unlink()
    (tmp_path / "run" / CHECKPOINT).write_bytes(b"not a checkpoint")
    with pytest.raises(RunError, match="not a readable checkpoint"):
        train(TrainConfig(), tmp_path / "run", resume=True, progress=False, log=None)


@pytest.mark.parametrize("field, value, match", [
    ("sparsity", 0.0, "sparsity"), ("sparsity", 1.0, "sparsity"), ("epochs", 0, "epochs"),
    ("method", "nope", "unknown method"), ("model", "resnet", "unknown model"),
    ("encoder", "rate", "encoder"), ("device", "tpu", "device"), ("lr", -1.0, "lr"),
])
def test_bad_configuration(field, value, match):
    with pytest.raises(ConfigError, match=match):
        tiny(**{field: value})


def test_conv_model_on_non_image_data_is_refused(tmp_path):
    path = tmp_path / "flat.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.random((40, 7)).astype(np.float32), y=np.arange(40) % 2)
    with pytest.raises(ConfigError, match="needs image data"):
        train(tiny(dataset=str(path), model="2conv2fc", n_train=None, n_test=None),
              tmp_path / "r", progress=False, log=None)
