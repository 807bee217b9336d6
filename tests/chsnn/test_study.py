"""benchmarks/study.py on tiny runs: a tuning grid in two worker processes, each method's
choice by validation accuracy, a final stage at the chosen options (ablations inheriting),
reuse of finished runs, the tables and the curves."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the tiny runs use scikit-learn's digits")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import study  # noqa: E402

TINY = ["--set", "dataset=digits", "--set", "n_train=48", "--set", "n_test=24",
        "--set", "epochs=1", "--set", "batch_size=16", "--set", "T=2", "--set", "hidden=16",
        "--set", "sparsity=0.8", "--set", "calibration_samples=32",
        "--set", "energy_samples=16", "--set", "device=cpu"]


def test_tuning_then_final_stage_reusing_runs(tmp_path, capsys):
    out = tmp_path / "study"
    tune = ["--out", str(out), "--name", "tune", "--methods", "static,chsnn", "--seeds", "0",
            "--grid", "lr=0.001,0.01", "--grid", "lr_schedule=cosine", "--workers", "2", *TINY]
    assert study.main(tune) == 0
    res = json.loads((out / "tune.json").read_text())
    assert res["tuning"] and len(res["rows"]) == 4 and not res["failed"]
    for method in ("static", "chsnn"):
        rows = [r for r in res["rows"] if r["method"] == method]
        best = max(rows, key=lambda r: r["val_accuracy_mean"])
        assert res["best"][method]["val_accuracy_mean"] == best["val_accuracy_mean"]
        assert res["best"][method]["options"] == best["options"]
    run = out / "chsnn" / "lr=0.01,lr_schedule=cosine" / "seed0"
    report = json.loads((run / "report.json").read_text())
    assert report["config"]["lr"] == 0.01 and report["config"]["lr_schedule"] == "cosine"
    assert (run / "log.txt").read_text().count("epoch 1/1") == 1
    md = (out / "tune.md").read_text()
    assert "test accuracy" not in md and md.count("**yes**") == 2
    assert (out / "tune_curves.png").stat().st_size > 0

    # the final stage: every method at its choice, the ablation at chsnn's, two seeds; the
    # seed-0 runs of the choices are the tuning runs, reused
    chosen = out / "chsnn" / res["best"]["chsnn"]["tag"] / "seed0" / "report.json"
    mtime = chosen.stat().st_mtime_ns
    table = tmp_path / "accuracy.md"
    final = ["--out", str(out), "--name", "final", "--methods", "static,chsnn,chsnn-no-perc",
             "--seeds", "0,1", "--best-from", str(out / "tune.json"), "--inherit", "chsnn",
             "--workers", "2", "--table", str(table), *TINY]
    assert study.main(final) == 0
    assert chosen.stat().st_mtime_ns == mtime
    res2 = json.loads((out / "final.json").read_text())
    assert not res2["tuning"] and [r["method"] for r in res2["rows"]] == [
        "static", "chsnn", "chsnn-no-perc"]
    assert res2["rows"][2]["options"] == res["best"]["chsnn"]["options"]
    assert all(r["n"] == 2 for r in res2["rows"])
    text = table.read_text()
    assert text.startswith("# 2fc on digits: 1 epochs, sparsity 80%, seeds [0, 1]")
    assert "| test accuracy (%) |" in text and "Command: `python benchmarks/study.py" in text
    capsys.readouterr()
    assert study.main([*final, "--status"]) == 0
    assert "'finished': 6" in capsys.readouterr().out
    (out / "final.md").unlink()
    assert study.main([*final, "--no-run", "--name", "final"]) == 0  # tables only
    assert (out / "final.md").read_text().startswith("# 2fc on digits")
    assert "Targets of issue #11" in (out / "final.md").read_text()


def test_bad_options_are_refused_before_anything_runs(tmp_path, capsys):
    assert study.main(["--out", str(tmp_path), "--name", "x", "--grid", "nope=1,2"]) == 2
    assert study.main(["--out", str(tmp_path), "--name", "x", "--methods", "bogus"]) == 2
    assert study.main(["--out", str(tmp_path), "--name", "x", "--grid", "lr=-1"]) == 2
    assert "study: error:" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_one_point_tuning_stage_hides_the_test_set(tmp_path):
    out = tmp_path / "study"
    args = ["--out", str(out), "--name", "point", "--methods", "static", "--seeds", "0",
            "--workers", "1", *TINY]
    assert study.main([*args, "--tuning"]) == 0
    md = (out / "point.md").read_text()
    assert "test accuracy" not in md and "**yes**" in md
    assert study.main([*args, "--no-run"]) == 0           # the same run as a final stage
    assert "test accuracy" in (out / "point.md").read_text()


def test_several_tuning_studies_give_each_method_its_best_choice(tmp_path):
    first, second = tmp_path / "tune.json", tmp_path / "tune2.json"

    def choice(val, **options):
        return {"options": options, "val_accuracy_mean": val}

    first.write_text(json.dumps({"best": {
        "dense": choice(0.9, lr=0.003), "set": choice(0.8, lr=0.01),
        "chsnn": choice(0.8, lr=0.01)}}))
    second.write_text(json.dumps({"best": {
        "set": choice(0.79, lr=0.01, zeta=0.1),
        "chsnn": choice(0.81, lr=0.01, zeta=0.5, update_interval=10)}}))
    fixed = study._load_best([first, second], ["dense", "set", "chsnn-no-ch"], "chsnn")
    assert fixed == {"dense": {"lr": 0.003}, "set": {"lr": 0.01},      # the first was better
                     "chsnn-no-ch": {"lr": 0.01, "zeta": 0.5, "update_interval": 10}}
    assert study._load_best(str(second), ["set"], None) == {"set": {"lr": 0.01, "zeta": 0.1}}
    only = study._load_best([f"{first}:dense", second], ["dense", "set"], None)
    assert only == {"dense": {"lr": 0.003}, "set": {"lr": 0.01, "zeta": 0.1}}
    with pytest.raises(study.ConfigError, match="no tuned options for 'static'"):
        study._load_best([first, second], ["static"], None)
    old = tmp_path / "old.json"                  # a study saved without the accuracies
    old.write_text(json.dumps({"best": {"set": {"options": {"lr": 0.003}}}}))
    assert study._load_best([old, f"{first}:dense"], ["set", "dense"], None)["set"] == {
        "lr": 0.003}
    with pytest.raises(study.ConfigError, match="without validation accuracies"):
        study._load_best([old, second], ["set"], None)


def test_option_values_take_the_field_types():
    assert study._parse_value("lr", "3e-3") == 0.003
    assert study._parse_value("update_interval", "40") == 40
    assert study._parse_value("update_interval", "none") is None
    assert study._parse_value("lr_schedule", "cosine") == "cosine"
    assert study._parse_value("val_fraction", "0") == 0.0


def test_a_run_of_another_configuration_is_never_counted_or_reused(tmp_path, capsys):
    out = tmp_path / "study"
    base = ["--out", str(out), "--methods", "static", "--seeds", "0", "--workers", "1", *TINY]
    assert study.main(["--name", "tune", *base]) == 0
    capsys.readouterr()
    longer = ["--name", "final", *base, "--set", "epochs=2"]     # same directories, 2 epochs
    assert study.main([*longer, "--status"]) == 0
    assert "conflict" in capsys.readouterr().out.splitlines()[0]
    assert study.main(longer) == 2
    assert "another configuration" in capsys.readouterr().err


def test_a_finished_run_computed_elsewhere_joins_the_study(tmp_path, capsys):
    """A run that differs only in where it ran (device, data path, execution: a dense run
    from a GPU machine) is finished and reused; an unfinished one is still a conflict."""
    out = tmp_path / "study"
    base = ["--out", str(out), "--methods", "static", "--seeds", "0", "--workers", "1", *TINY]
    assert study.main(["--name", "s", *base]) == 0
    run = next(out.glob("static/*/seed0"))
    cfg = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**cfg, "device": "cuda:0",
                                                 "data_root": "/elsewhere"}))
    capsys.readouterr()
    assert study.main(["--name", "s", *base, "--status"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("finished ")
    assert study.main(["--name", "s", *base]) == 0  # reused, nothing trained
    assert "FAILED" not in capsys.readouterr().out
    assert json.loads((out / "s.json").read_text())["rows"][0]["n"] == 1
    (run / "report.json").unlink()  # unfinished: its checkpoint would resume on cuda:0
    assert study.main(["--name", "s", *base, "--status"]) == 0
    assert "conflict" in capsys.readouterr().out.splitlines()[0]
