"""The chsnn command end to end on a small subset: train, resume, compare, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from chsnn.cli import main
from chsnn.compare import format_table, summarize

pytest.importorskip("sklearn", reason="the tiny runs use scikit-learn's digits")

SMALL = ["--dataset", "digits", "--n-train", "48", "--n-test", "24", "--epochs", "2",
         "--batch-size", "16", "--T", "2", "--hidden", "16", "--sparsity", "0.8",
         "--calibration-samples", "32", "--energy-samples", "16", "--device", "cpu", "--quiet",
         "--no-plots"]


def test_train_writes_a_report_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--method", "chsnn", "--seed", "3", "--out", str(out), *SMALL]) == 0
    text = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["method"] == "chsnn" and report["seed"] == 3 and report["epochs"] == 2
    assert f"test accuracy {100 * report['test_accuracy']:.2f}%" in text
    assert "report.md" in text


def test_training_options_reach_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--method", "set", "--out", str(out), "--optimizer", "sgd",
                 "--momentum", "0.8", "--lr", "0.05", "--lr-schedule", "cosine",
                 "--warmup-epochs", "1", "--val-fraction", "0.25", "--update-interval", "2",
                 *SMALL]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["optimizer"], cfg["momentum"], cfg["lr_schedule"], cfg["warmup_epochs"],
            cfg["val_fraction"], cfg["update_interval"]) == ("sgd", 0.8, "cosine", 1, 0.25, 2)
    report = json.loads((out / "report.json").read_text())
    assert report["n_val"] == 12 and report["val_accuracy"] is not None
    assert "(validation " in capsys.readouterr().out
    steps = [x["step"] for e in report["history"] for x in e["evolution"]]
    assert steps == [2, 4]  # 36 samples / 16: 3 steps an epoch, an update every 2 steps


def test_the_sscti_rule_reaches_the_calibration(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--method", "chsnn", "--out", str(out), "--sscti-rule",
                 "per-neuron", *SMALL]) == 0
    cfg = json.loads((out / "config.json").read_text())
    report = json.loads((out / "report.json").read_text())
    assert cfg["sscti_rule"] == "per-neuron"
    assert report["calibration"]["sscti_rule"] == "per-neuron"


def test_train_resume_continues_an_interrupted_run(tmp_path, capsys):
    from chsnn.config import TrainConfig
    from chsnn.train import train

    out = tmp_path / "run"
    cfg = TrainConfig(method="set", dataset="digits", n_train=48, n_test=24, epochs=2,
                      batch_size=16, T=2, hidden=16, sparsity=0.8, calibration_samples=32,
                      energy_samples=16, device="cpu")
    train(cfg, out, progress=False, log=None, stop_after_epoch=1)
    assert not (out / "report.json").exists()
    assert main(["train", "--resume", str(out), "--quiet", "--no-plots"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert [e["epoch"] for e in report["history"]] == [1, 2]


def test_a_finished_run_is_extended_with_its_schedules_stretched(tmp_path, capsys):
    """``--resume DIR --epochs N``: the run goes on to N epochs as one started with N epochs
    would from the same step; the old report is kept; nothing else may change."""
    out, fresh = tmp_path / "run", tmp_path / "fresh"
    i = SMALL.index("--epochs")
    common = SMALL[:i] + SMALL[i + 2:]
    assert main(["train", "--method", "chsnn", "--lr-schedule", "cosine", "--out", str(out),
                 "--epochs", "2", *common]) == 0
    two = json.loads((out / "report.json").read_text())
    assert main(["train", "--resume", str(out), "--epochs", "3", "--quiet", "--no-plots"]) == 0
    three = json.loads((out / "report.json").read_text())
    assert json.loads((out / "report.epochs-2.json").read_text()) == two
    assert (out / "report.epochs-2.md").is_file()
    assert three["epochs"] == 3 and three["config"]["epochs"] == 3
    assert three["history"][:2] == two["history"]
    # epoch 3 runs at the 3-epoch cosine schedule's rate, as a fresh 3-epoch run does
    assert main(["train", "--method", "chsnn", "--lr-schedule", "cosine", "--out", str(fresh),
                 "--epochs", "3", *common]) == 0
    ref = json.loads((fresh / "report.json").read_text())
    assert three["history"][2]["lr"] == pytest.approx(ref["history"][2]["lr"])
    assert three["history"][2]["lr"] != two["history"][1]["lr"]
    capsys.readouterr()
    # shorter than what is done, or another option: refused in one line
    assert main(["train", "--resume", str(out), "--epochs", "2", "--quiet"]) == 2
    assert "has finished 3 epochs; --epochs must be at least 3" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), "--lr", "0.1", "--quiet"]) == 2
    assert "only --epochs and --execution may change" in capsys.readouterr().err


def test_compare_runs_methods_and_seeds_and_reuses_finished_runs(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--methods", "chsnn,dense", "--seeds", "0,1", "--out", str(out), *SMALL]
    assert main(args) == 0
    text = capsys.readouterr().out
    result = json.loads((out / "comparison.json").read_text())
    assert [r["method"] for r in result["rows"]] == ["chsnn", "dense"]
    assert all(r["n"] == 2 for r in result["rows"])
    accs = [json.loads((out / "chsnn" / f"seed{s}" / "report.json").read_text())
            ["test_accuracy"] for s in (0, 1)]
    assert result["rows"][0]["accuracy_mean"] == pytest.approx(np.mean(accs))
    assert result["rows"][0]["accuracy_std"] == pytest.approx(np.std(accs, ddof=1))
    assert "CH-SNN at" in text and "fewer synaptic operations" in text
    assert (out / "comparison.md").read_text().count("\n|") >= 3
    assert "val accuracy (%)" in (out / "comparison.md").read_text()
    assert result["rows"][0]["val_accuracy_mean"] is not None
    # a second call reuses the four finished runs
    mtime = (out / "dense" / "seed1" / "report.json").stat().st_mtime_ns
    assert main(args) == 0
    assert (out / "dense" / "seed1" / "report.json").stat().st_mtime_ns == mtime


def test_zeta_reaches_the_dynamic_methods_only(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--methods", "set,static", "--seeds", "0", "--out", str(out), "--zeta",
            "0.1", *SMALL[:6], "--epochs", "1", *SMALL[8:]]
    assert main(args) == 0
    assert json.loads((out / "set" / "seed0" / "config.json").read_text())["zeta"] == 0.1
    assert json.loads((out / "static" / "seed0" / "config.json").read_text())["zeta"] is None
    assert main(["train", "--method", "static", "--zeta", "0.1", "--out",
                 str(tmp_path / "s"), *SMALL]) == 2                # train: a clear error
    assert "does not evolve" in capsys.readouterr().err


def test_summarize_and_table_by_hand():
    def rep(method, acc, sops, seed):
        return {"method": method, "test_accuracy": acc, "sparsity_linear": 0.99,
                "sparsity_all": 0.9, "sops_per_sample": sops, "energy_uj_per_sample": sops,
                "live_neuron_fraction": 1.0, "train_seconds": 2.0, "seed": seed}

    rows = summarize([rep("dense", 0.9, 500.0, 0), rep("dense", 0.8, 500.0, 1),
                      rep("set", 0.7, 10.0, 0)])
    d, s = rows
    assert d["accuracy_mean"] == pytest.approx(0.85)
    assert d["accuracy_std"] == pytest.approx(np.std([0.9, 0.8], ddof=1))
    assert s["sop_ratio"] == 50.0 and s["energy_ratio"] == 50.0 and s["accuracy_std"] == 0.0
    table = format_table(rows)
    assert "85.00 ± 7.07" in table and "50.0x" in table


@pytest.mark.parametrize("args, match", [
    (["train", "--method", "nope", "--out", "X"], "unknown method"),
    (["train", "--sparsity", "1.5", "--out", "X"], "sparsity"),
    (["train", "--sparsity", "0", "--out", "X"], "sparsity"),
    (["train", "--model", "resnet", "--out", "X"], "unknown model"),
    (["train", "--dataset", "nowhere.npz", "--out", "X"], "does not exist"),
    (["train", "--dataset", "cifar", "--out", "X"], "unknown dataset"),
    (["train"], "--out"),
    (["train", "--resume", "EMPTY"], "no run to resume"),
    (["train", "--resume", "EMPTY", "--epochs", "3"], "no run to resume"),
    (["train", "--resume", "EMPTY", "--lr", "0.1"], "drop --lr"),
    (["train", "--epochs", "two", "--out", "X"], "invalid int"),
    (["compare", "--methods", "chsnn,bogus", "--out", "X"], "unknown method"),
    (["compare", "--seeds", "a,b", "--out", "X"], "--seeds"),
    (["frobnicate"], "invalid choice"),
    (["train", "--lr-schedule", "step", "--out", "X"], "invalid choice"),
    (["train", "--val-fraction", "1", "--out", "X"], "val_fraction"),
    (["train", "--resume", "EMPTY", "--optimizer", "sgd"], "drop --optimizer"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, match):
    args = [a.replace("X", str(tmp_path / "out")).replace("EMPTY", str(tmp_path)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chsnn: error: ") and match in err
    assert not (tmp_path / "out").exists()


def test_wrongly_shaped_or_corrupt_dataset(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"this is not a zip file")
    assert main(["train", "--dataset", str(bad), "--out", str(tmp_path / "o"), *SMALL[2:]]) == 2
    assert capsys.readouterr().err.startswith("chsnn: error: ")
    flat = tmp_path / "flat.npz"
    np.savez(flat, x=np.random.default_rng(0).random((40, 7)), y=np.arange(40) % 2)
    assert main(["train", "--dataset", str(flat), "--model", "2conv2fc",
                 "--out", str(tmp_path / "p"), "--quiet"]) == 2
    assert "needs image data" in capsys.readouterr().err


def test_output_directory_holding_another_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--method", "static", "--out", str(out), *SMALL]) == 0
    capsys.readouterr()
    assert main(["train", "--method", "dense", "--out", str(out), *SMALL]) == 2
    assert "already holds a run" in capsys.readouterr().err


def test_console_script_runs_as_a_module():
    for module in ("chsnn", "chsnn.cli"):
        res = subprocess.run([sys.executable, "-m", module, "methods"], capture_output=True,
                             text=True, check=True)
        assert "chsnn-no-perc" in res.stdout and "rigl" in res.stdout


@pytest.mark.parametrize("argv, nvidia, passive", [
    (["train", "--device", "cuda"], False, True),
    (["compare", "--device=cuda:1"], False, True),
    (["train"], True, True),                      # --device auto on a machine with a GPU
    (["train"], False, False),
    (["train", "--device", "cpu"], True, False),
    (["methods"], True, False),
])
def test_entry_makes_openmp_threads_sleep_on_gpu_runs(monkeypatch, argv, nvidia, passive):
    import chsnn.cli
    import chsnn.entry

    seen = []
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delitem(sys.modules, "torch")  # as when the command starts
    monkeypatch.setattr(chsnn.entry.os.path, "exists", lambda p: nvidia)
    monkeypatch.setattr(chsnn.cli, "main",
                        lambda a: seen.append((a, chsnn.entry.os.environ.get("OMP_WAIT_POLICY")))
                        or 0)
    assert chsnn.entry.main(argv) == 0
    assert seen == [(argv, "PASSIVE" if passive else None)]


def test_entry_keeps_a_wait_policy_the_user_chose(monkeypatch):
    import chsnn.cli
    import chsnn.entry

    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.setattr(chsnn.cli, "main", lambda a: 0)
    chsnn.entry.main(["train", "--device", "cuda"])
    assert chsnn.entry.os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_duplicate_seeds_are_refused(tmp_path, capsys):
    assert main(["compare", "--methods", "set", "--seeds", "0,0", "--out",
                 str(tmp_path / "c"), *SMALL]) == 2
    assert "repeats a seed" in capsys.readouterr().err


def test_the_interrupt_message_names_the_directory(tmp_path, monkeypatch, capsys):
    import chsnn.cli as cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_train", interrupted)
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *SMALL]) == 130
    err = capsys.readouterr().err
    assert "no checkpoint" in err and f"--resume {out}" in err and " DIR" not in err


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGXFSZ"),
                    reason="needs POSIX file-size limits")
def test_a_full_disk_is_one_line_and_keeps_the_checkpoint(tmp_path, capsys):
    """A checkpoint write that fails half-way (here a file-size limit, as a full disk does)
    gives one line and exit 2; the previous checkpoint stays byte for byte and no temporary
    file is left."""
    import resource
    import signal

    from chsnn.config import TrainConfig
    from chsnn.train import train

    out = tmp_path / "run"
    cfg = TrainConfig(method="set", dataset="digits", n_train=48, n_test=24, epochs=2,
                      batch_size=16, T=2, hidden=16, sparsity=0.8, calibration_samples=32,
                      energy_samples=16, device="cpu")
    train(cfg, out, progress=False, log=None, stop_after_epoch=1)
    before = (out / "checkpoint.pt").read_bytes()
    assert max(p.stat().st_size for p in (out / "topology").iterdir()) < len(before) // 2
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, hard))
    try:
        status = main(["train", "--resume", str(out), "--quiet", "--no-plots"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("chsnn: error: could not write ")
    assert "checkpoint.pt" in err and "is unchanged" in err
    assert (out / "checkpoint.pt").read_bytes() == before
    assert not list(out.glob(".*")) and not (out / "report.json").exists()


def test_a_hidden_width_that_cannot_fit_is_one_line_naming_it(tmp_path, capsys):
    out = tmp_path / "run"
    args = list(SMALL)
    args[args.index("--hidden") + 1] = "1000000000000"
    assert main(["train", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot fit" in err and "hidden 1000000000000" in err
    assert not out.exists()
