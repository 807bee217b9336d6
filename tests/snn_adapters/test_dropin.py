"""benchmarks/bench_dropin.py on tiny sizes: every installed framework's tutorial network
trains in all three variants with Poisson and with analog input; calibration sees the analog
input as such; the table reports both gaps."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_dropin  # noqa: E402

TINY = {"hidden": 24, "T": 3, "epochs": 1, "batch": 32, "lr": 1e-2, "sparsity": 0.8,
        "sscti_rule": "per-neuron", "calibration_samples": 32, "n_train": 64, "n_test": 32}


def run(framework, kind, variant):
    return bench_dropin.run_one({"framework": framework, "input": kind, "variant": variant,
                                 "seed": 0, **TINY})


@pytest.mark.parametrize("framework", bench_dropin.FRAMEWORKS)
def test_every_framework_calibrates_on_analog_input(framework):
    if not bench_dropin.available(framework):
        pytest.skip(f"{framework} is not installed")
    r = run(framework, "analog", "calibrate")
    assert 0.0 <= r["test_accuracy"] <= 1.0
    assert r["calibration"]["binary"] is False          # the analog input seen as such
    assert r["calibration"]["sscti_rule"] == "per-neuron"
    assert r["hidden_with_inputs"] == 1.0               # per-neuron SSCTI reaches them all
    r = run(framework, "analog", "no-calibrate")
    assert r["calibration"] is None and 0.0 <= r["test_accuracy"] <= 1.0


def test_poisson_input_and_the_static_mask():
    r = run("torch", "poisson", "calibrate")
    assert r["calibration"]["binary"] is True
    r = run("torch", "poisson", "static")
    assert r["hidden_with_inputs"] is None and r["calibration"] is None


def test_the_table_reports_both_gaps(tmp_path, capsys):
    table = tmp_path / "dropin.md"
    args = ["--frameworks", "torch", "--inputs", "analog", "--seeds", "0,1", "--hidden", "16",
            "--T", "2", "--epochs", "1", "--sparsity", "0.8", "--calibration-samples", "32",
            "--n-train", "64", "--n-test", "32", "--workers", "2", "--table", str(table),
            "--json", str(tmp_path / "runs.json")]
    assert bench_dropin.main(args) == 0
    assert "0 already in" in capsys.readouterr().out
    assert bench_dropin.main(args) == 0                   # nothing trained again
    assert "6 runs: 6 already in" in capsys.readouterr().out
    text = table.read_text()
    assert "| torch | analog |" in text and "calibrate - no-calibrate" in text
    assert text.count("PASS") + text.count("MISS") == 2 + 1   # two verdicts + the summary


def test_the_stage_diagnostic_reads_validation_data_and_pairs_the_gaps():
    import dropin_stages

    acc, std0 = dropin_stages.run("torch", "analog", "matched", 0, epochs=1, hidden=16, T=2)
    assert 0.0 <= acc <= 1.0 and std0 > 0
    lines = [{"fw": "torch", "input": "analog", "variant": v, "seed": s, "val": a}
             for v, s, a in (("none", 0, 0.5), ("none", 1, 0.6), ("matched", 0, 0.55),
                             ("matched", 1, 0.58))]
    text = dropin_stages.summary(lines)
    assert "matched - none: mean +1.50 points over 2 paired runs (worst -2.00)" in text
