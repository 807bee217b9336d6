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
            hidden=16, sparsity=0.8, calibration_samples=32, energy_samples=16, device="cpu",
            execution="sparse")


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
        assert r["execution"] == "sparse"  # only the links are stored
        assert ck["model"]["fc1.weight_links"].numel() == 205
        assert ck["model"]["fc1.weight_values"].shape == (205,)
        assert "fc1.weight" not in ck["model"]
    else:
        assert r["links"] is None and r["sparsity_linear"] < 0.01
        assert r["sops_per_sample"] == r["dense_sops_per_sample"]


@pytest.mark.parametrize("model", ["3fc", "4fc", "2conv2fc", "spikformer"])
def test_every_model_trains_under_every_method(tmp_path, model):
    hidden = None if model == "spikformer" else 16  # --hidden does not size a Spikformer
    for method in METHODS:
        r = run(tmp_path, method, model=model, method=method, n_train=16, n_test=8,
                batch_size=8, update_interval=1, hidden=hidden)
        assert r["model"] == model and np.isfinite(r["history"][-1]["train_loss"])
        evo = [x for e in r["history"] for x in e["evolution"]]
        assert bool(evo) == get_method(method).evolves, method
        if method != "dense":
            assert r["sparsity_linear"] == pytest.approx(0.8, abs=0.01)


def test_hidden_refused_where_it_sizes_nothing(tmp_path):
    with pytest.raises(ConfigError, match="--hidden does not apply to model 'spikformer'"):
        run(tmp_path, model="spikformer")


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
    # every epoch is evaluated on the validation split; the test set only once, at the end
    for key in ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "links",
                "live_neuron_fraction", "turnover", "evolution", "seconds", "lr"):
        assert key in e
    assert not any(k.startswith("test") for k in e)
    assert r["val_accuracy"] == e["val_accuracy"] and r["n_val"] == 5 and r["n_train"] == 43
    assert r["best_val_accuracy"] == max(x["val_accuracy"] for x in r["history"])
    assert 0.0 <= r["test_accuracy"] <= 1.0 and r["best_test_accuracy"] is None
    assert r["energy_uj_per_sample"] == pytest.approx(
        (0.9 * r["sops_per_sample"] + 4.6 * r["macs_per_sample"]) * 1e-6)
    stack = load_layers(out / "topology.npz")
    assert stack.names == ["fc1"] and stack.layers[0].n_links == r["links"]
    assert r["sparse_layers"] == ["fc1"] and r["chains"] == [["fc1"]]
    md = (out / "report.md").read_text()
    assert "plots/training.png" in md and f"{100 * r['test_accuracy']:.2f}%" in md


@pytest.mark.parametrize("options", [
    {}, {"optimizer": "sgd", "lr": 0.05, "lr_schedule": "cosine", "warmup_epochs": 1},
    {"lr_schedule": "linear", "val_fraction": 0.0}])
def test_resume_equals_an_uninterrupted_run(tmp_path, options):
    cfg = tiny(method="chsnn", epochs=3, **options)
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
    assert resumed["test_accuracy"] == full["test_accuracy"]
    assert a["lr_schedule"] == b["lr_schedule"] and a["lr_schedule"]["steps"] == 3 * 3
    for key, value in a["optimizer"]["state"].items():
        for name, t in value.items():
            assert torch.equal(t, b["optimizer"]["state"][key][name]), name


def test_without_a_validation_split_every_epoch_is_tested_as_before(tmp_path):
    r = run(tmp_path, method="set", val_fraction=0.0)
    assert r["val_accuracy"] is None and r["n_val"] == 0 and r["n_train"] == 48
    assert r["test_accuracy"] == r["history"][-1]["test_accuracy"]
    assert r["best_test_accuracy"] == max(e["test_accuracy"] for e in r["history"])
    assert all("val_accuracy" not in e for e in r["history"])


def test_validation_split_is_stratified_disjoint_and_seeded():
    from chsnn.train import load_data

    a, b = load_data(tiny(n_train=None)), load_data(tiny(n_train=None))
    plain = load_data(tiny(n_train=None, val_fraction=0.0))
    assert len(a.y_val) == round(0.1 * len(plain.y_train))
    assert len(a.y_val) + len(a.y_train) == len(plain.y_train)
    assert np.array_equal(a.x_test, plain.x_test)  # the test data are untouched
    rows = lambda *xs: sorted(r.tobytes() for x in xs for r in x)  # noqa: E731
    assert rows(a.x_val, a.x_train) == rows(plain.x_train)  # each sample in exactly one
    assert np.array_equal(a.y_val, b.y_val)
    counts = np.bincount(a.y_val, minlength=10)
    assert counts.max() - counts.min() <= 1  # digits is balanced: every class its share
    c = load_data(tiny(n_train=None, seed=1))
    assert not np.array_equal(a.y_val, c.y_val)


def test_zeta_sets_the_fraction_each_update_replaces(tmp_path):
    def first_update(r):
        evo = [e for h in r["history"] for e in h["evolution"]]
        return evo[0]["zeta"], evo[0]["removed"]

    zeta, removed = first_update(run(tmp_path, "z01", method="set", epochs=1, zeta=0.1,
                                     update_interval=1))
    default_zeta, default_removed = first_update(run(tmp_path, "z", method="set", epochs=1,
                                                     update_interval=1))
    assert 0 < zeta <= 0.1 < default_zeta <= 0.3 and 0 < removed < default_removed
    with pytest.raises(ConfigError, match="does not evolve"):
        tiny(method="static", zeta=0.1)


def test_learning_rate_schedules_and_optimizers(tmp_path):
    from chsnn.loop import LRSchedule

    r = run(tmp_path, "cos", method="static", epochs=3, lr_schedule="cosine", warmup_epochs=1)
    lrs = [e["lr"] for e in r["history"]]
    assert lrs[0] == TrainConfig().lr and lrs[1] > lrs[2] > 0  # warm-up ends with epoch 1
    s = LRSchedule(None, 2.0, "linear", total_steps=10, warmup_steps=5)
    assert [s.rate(k) for k in (0, 4, 5, 9)] == [0.4, 2.0, 2.0, pytest.approx(0.4)]
    r = run(tmp_path, "sgd", method="dense", epochs=1, optimizer="sgd", lr=0.1, momentum=0.5)
    ck = load_checkpoint(tmp_path / "sgd")
    assert ck["optimizer"]["param_groups"][0]["momentum"] == 0.5
    assert r["config"]["optimizer"] == "sgd"


def test_a_run_saved_before_the_validation_split_resumes_unchanged(tmp_path):
    """config.json and checkpoint of older runs lack the new fields: they read as no
    validation split and a constant rate, as those runs were trained."""
    cfg = tiny(method="static", epochs=2, val_fraction=0.0)
    full = train(cfg, tmp_path / "full", progress=False, log=None)
    train(cfg, tmp_path / "old", progress=False, log=None, stop_after_epoch=1)
    new_fields = ("val_fraction", "optimizer", "momentum", "lr_schedule", "warmup_epochs")
    saved = {k: v for k, v in cfg.to_dict().items() if k not in new_fields}
    (tmp_path / "old" / "config.json").write_text(json.dumps(saved))
    ck = torch.load(tmp_path / "old" / CHECKPOINT, weights_only=False)
    ck["config"] = saved
    del ck["lr_schedule"]
    torch.save(ck, tmp_path / "old" / CHECKPOINT)
    resumed = train(TrainConfig(), tmp_path / "old", resume=True, progress=False, log=None)
    assert resumed["test_accuracy"] == full["test_accuracy"]
    assert resumed["config"] == full["config"]


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
    ("val_fraction", 1.0, "val_fraction"), ("val_fraction", -0.1, "val_fraction"),
    ("optimizer", "lion", "optimizer"), ("lr_schedule", "step", "lr_schedule"),
    ("momentum", 1.0, "momentum"), ("warmup_epochs", 3, "warmup_epochs"),
    ("zeta", 1.5, "zeta"), ("zeta", -0.1, "zeta"),
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


@pytest.mark.parametrize("modes", [("masked", "sparse"), ("sparse", "masked")])
def test_a_run_resumes_in_the_other_execution_mode(tmp_path, modes):
    cfg = tiny(method="chsnn", epochs=3, execution=modes[0])
    full = train(cfg, tmp_path / "full", progress=False, log=None)
    train(cfg, tmp_path / "part", progress=False, log=None, stop_after_epoch=1)
    resumed = train(TrainConfig(), tmp_path / "part", resume=True, progress=False, log=None,
                    execution=modes[1])
    assert full["execution"] == modes[0] and resumed["execution"] == modes[1]
    assert json.loads((tmp_path / "part" / "config.json").read_text())["execution"] == modes[1]
    for a, b in zip(full["history"], resumed["history"], strict=True):
        assert a["links"] == b["links"]
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=1e-4)
    full_layers = load_layers(tmp_path / "full" / "topology.npz")
    part_layers = load_layers(tmp_path / "part" / "topology.npz")
    for x, y in zip(full_layers.layers, part_layers.layers, strict=True):
        assert (x.to_dense() == y.to_dense()).all()


def test_execution_option():
    auto = TrainConfig(sparsity=0.8)
    assert auto.execution == "auto"
    assert auto.resolved_execution("cpu") == "masked"              # 80 %: dense BLAS wins
    assert auto.replace(sparsity=0.99).resolved_execution("cpu") == "sparse"
    assert auto.replace(sparsity=0.99).resolved_execution("cuda") == "masked"
    assert tiny(execution="masked").resolved_execution("cpu") == "masked"
    with pytest.raises(ConfigError, match="execution must be one of"):
        tiny(execution="dense")
    assert TrainConfig.from_dict({"method": "set"}).execution == "masked"  # runs saved before


def test_a_run_killed_before_its_first_checkpoint_starts_again(tmp_path):
    """config.json written, no checkpoint (killed during calibration or epoch 1), and the
    hidden temporary files an interrupted atomic write leaves: both a resume and a plain
    restart run it from the start and remove the temporaries."""
    full = run(tmp_path, "full", method="set", epochs=1)
    for how in ("resume", "restart"):
        out = tmp_path / how
        out.mkdir()
        (out / "config.json").write_text(json.dumps(tiny(method="set", epochs=1).to_dict()))
        (out / "plots").mkdir()
        leftovers = [out / ".checkpoint.pt.x1.tmp.pt", out / "plots" / ".training.png.x2.tmp.png"]
        for f in leftovers:
            f.write_bytes(b"partial")
        if how == "resume":
            r = train(TrainConfig(), out, resume=True, progress=False, log=None)
        else:
            r = run(tmp_path, how, method="set", epochs=1)
        assert r["history"][0]["train_loss"] == full["history"][0]["train_loss"]
        assert not any(f.exists() for f in leftovers)


def test_a_model_that_cannot_fit_is_refused_before_allocation():
    """Parameters are counted on the meta device: 2fc 64-1000-10 has 75,010 parameters, so
    300,040 bytes to build, 1.2 MB to train with Adam in masked mode, 300 kB in sparse mode."""
    from chsnn.loop import check_model_fits
    from chsnn.models import build_model

    with torch.device("meta"):
        model = build_model("2fc", n_in=64, hidden=1000, n_classes=10)
    cfg = TrainConfig(hidden=1000)
    total = sum(p.numel() for p in model.parameters())
    assert total == 75_010
    cpu = torch.device("cpu")
    check_model_fits(model, cfg, cpu, "masked", free={"host": 16 * total})
    with pytest.raises(ConfigError, match=r"fc1\.weight of 1000 x 64 \(hidden 1000\).*to "
                                          r"train.*--hidden"):
        check_model_fits(model, cfg, cpu, "masked", free={"host": 16 * total - 1})
    check_model_fits(model, cfg, cpu, "sparse", free={"host": 4 * total})
    with pytest.raises(ConfigError, match="to build"):
        check_model_fits(model, cfg, cpu, "sparse", free={"host": 4 * total - 1})
    sgd = TrainConfig(hidden=1000, optimizer="sgd", momentum=0.0)
    check_model_fits(model, sgd, cpu, "dense", free={"host": 8 * total})
    with pytest.raises(ConfigError, match="cuda:0 memory to train"):
        check_model_fits(model, cfg, torch.device("cuda:0"), "masked",
                         free={"host": 4 * total, "device": 16 * total - 1})


@pytest.mark.parametrize("damage", ["drop history", "drop model key"])
def test_a_checkpoint_with_missing_keys_is_a_clear_error(tmp_path, damage):
    run(tmp_path, method="set", epochs=2)
    out = tmp_path / "run"
    (out / "report.json").unlink()
    ck = torch.load(out / CHECKPOINT, weights_only=False)
    if damage == "drop history":
        del ck["history"]
        match = "not a complete chsnn checkpoint: it lacks history"
    else:
        del ck["model"]["fc1.bias"]
        match = r"does not fit this run \(RuntimeError: .*fc1\.bias"
    torch.save(ck, out / CHECKPOINT)
    with pytest.raises(RunError, match=match) as info:
        train(TrainConfig(), out, resume=True, progress=False, log=None)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("model, execution", [("2fc", "sparse"), ("3fc", "masked")])
def test_the_sparsifier_history_the_report_and_chgraph_analyze_agree_on_live_neurons(
        tmp_path, model, execution):
    """One live-neuron fraction (chgraph.analysis.live_fraction): at 98 % sparsity many hidden
    neurons are dead, and the sparsifier's history after an epoch's last update, the run's
    history (report.json) and chgraph analyze on the run directory give the same number."""
    import math

    from chgraph.analysis import live_fraction
    from chgraph.cli import main as chgraph_main
    from chsnn.loop import Run
    from chsnn.train import load_data

    cfg = tiny(method="chsnn", model=model, sparsity=0.98, execution=execution, epochs=3)
    run_ = Run(cfg, load_data(cfg), torch.device("cpu"))
    run_.start()
    for epoch in range(3):  # 3 steps an epoch: updates after steps 3 and 6, none in epoch 3
        entry = run_.train_epoch(progress=False)
        assert bool(entry["evolution"]) == (epoch < 2)
        recorded = run_.sparsifier.history[-1]["live_fraction"]
        assert entry["live_neuron_fraction"] == recorded
        names, masks = run_.layer_masks()
        pos = {n: i for i, n in enumerate(names)}
        chains = [[pos[n] for n in c] for c in run_.sparsifier.chains]
        assert recorded == live_fraction(masks, dense_after=True, chains=chains)
    assert 0.0 < recorded < 1.0  # dead neurons there are, so the conventions are tested

    report = train(cfg, tmp_path / "run", progress=False, log=None)
    out = tmp_path / "analysis"
    assert chgraph_main(["analyze", str(tmp_path / "run"), "--out", str(out), "-q"]) == 0
    analysis = json.loads((out / "analysis.json").read_text())
    assert math.isclose(analysis["live_fraction"], report["live_neuron_fraction"])
    assert math.isclose(analysis["live_fraction"], report["history"][-1]["live_neuron_fraction"])


def test_bf16_is_refused_off_cuda(tmp_path):
    with pytest.raises(ConfigError, match="bf16 is mixed precision on CUDA"):
        tiny(precision="bf16")  # device="cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="bf16 is mixed precision on CUDA"):
            run(tmp_path, precision="bf16", device="auto")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="bf16 autocast runs on CUDA")
@pytest.mark.parametrize("execution", ["masked", "sparse"])
def test_bf16_on_cuda_keeps_exact_zeros(tmp_path, execution):
    r = run(tmp_path, method="chsnn", device="cuda", precision="bf16", execution=execution)
    assert r["config"]["precision"] == "bf16" and np.isfinite(r["history"][-1]["train_loss"])
    ck = load_checkpoint(tmp_path / "run")
    assert r["sparsity_linear"] == pytest.approx(0.8, abs=0.01)
    if execution == "masked":  # absent links are exact zeros in the float32 weights
        w, m = ck["model"]["fc1.weight"], ck["model"]["fc1.weight_mask"]
        assert w.dtype == torch.float32 and bool((w[~m] == 0).all())
