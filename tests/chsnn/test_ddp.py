"""``chsnn train`` in several processes (gloo on the CPU): rank 0 writes, every rank agrees,
the global batch makes the result independent of the number of processes, resume works
with another number, and ``torchrun`` drives it end to end."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from chsnn.config import TrainConfig
from chsnn.ddp import World, all_sum, on_main, shard
from chsnn.train import RunError, train

pytest.importorskip("sklearn", reason="the tiny runs use scikit-learn's digits")
pytestmark = pytest.mark.skipif(not dist.is_available(), reason="no torch.distributed")

# 61 training samples (20 held out), batch 16: the last batch of 13 splits 7 / 6
TINY = dict(dataset="digits", n_train=81, n_test=40, val_fraction=0.25, epochs=2,
            batch_size=16, T=4, hidden=32, lr=0.03, sparsity=0.8, calibration_samples=32,
            energy_samples=16, device="cpu", update_interval=2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, jobs: list, result_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    try:
        for k, (cfg, out, kw) in enumerate(jobs):
            try:
                rep = train(TrainConfig.from_dict(cfg), out, progress=False, log=None,
                            plots=False, **kw)
            except RunError as exc:
                rep = {"error": str(exc)}
            torch.save(rep, os.path.join(result_dir, f"job{k}_rank{rank}.pt"))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _spawn(tmp_path, jobs: list, world: int = 2) -> list[list[dict]]:
    """Run ``jobs`` (config dict, run dir, train kwargs) one after another in ``world``
    processes; the reports of every job on every rank."""
    res = tmp_path / f"results-{_free_port()}"
    res.mkdir()
    mp.spawn(_worker, args=(world, _free_port(), jobs, str(res)), nprocs=world, join=True)
    return [[torch.load(res / f"job{k}_rank{r}.pt", weights_only=False) for r in range(world)]
            for k in range(len(jobs))]


def _cfg(**kw) -> dict:
    return TrainConfig(**{**TINY, **kw}).to_dict()


def _history(report: dict) -> list[tuple]:
    return [(e["epoch"], e["links"], round(e["val_accuracy"], 9)) for e in report["history"]]


@pytest.fixture(scope="module")
def two_process_runs(tmp_path_factory):
    """Every two-process job of this module in one spawn (starting processes is the cost)."""
    tmp = tmp_path_factory.mktemp("ddp")
    d = {n: str(tmp / n) for n in ("sparse", "masked", "part", "part1")}
    jobs = [(_cfg(execution="sparse"), d["sparse"], {}),
            (_cfg(execution="masked"), d["masked"], {}),
            (_cfg(), d["part"], {"stop_after_epoch": 1}),
            (_cfg(), d["part"], {"resume": True}),        # 2 processes continue 2 processes
            (_cfg(), d["part1"], {"stop_after_epoch": 1}),  # 2 processes stop ...
            (_cfg(), d["sparse"], {}),                     # ... a directory already taken
            (_cfg(method="rigl", execution="sparse"), str(tmp / "rigl-sparse"), {}),
            (_cfg(method="rigl", execution="masked"), str(tmp / "rigl-masked"), {})]
    reports = _spawn(tmp, jobs)
    return tmp, d, dict(zip(["sparse", "masked", "stop", "resumed", "stop1", "taken",
                             "rigl-sparse", "rigl-masked"], reports, strict=True))


@pytest.mark.parametrize("execution", ["sparse", "masked"])
def test_two_processes_train_one_model_and_rank0_writes(two_process_runs, execution):
    tmp, dirs, reports = two_process_runs
    out = tmp / execution
    r0, r1 = reports[execution]
    assert r0 == r1  # every rank returns the report rank 0 wrote
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk["world_size"] == 2 and [e["world_size"] for e in on_disk["history"]] == [2, 2]
    assert on_disk["test_accuracy"] == r0["test_accuracy"]
    assert on_disk["execution"] == execution
    assert on_disk["sparsity_linear"] == pytest.approx(0.8, abs=0.01)
    n = on_disk["n_train"]
    assert [e["train_accuracy"] * n for e in on_disk["history"]] == pytest.approx(
        [round(e["train_accuracy"] * n) for e in on_disk["history"]])  # counts over both ranks
    assert not list(out.rglob("*.tmp*"))
    # one process, the same configuration: the same batches, spikes, steps and topology
    # updates; only the gradient is summed in another order (equal up to rounding)
    one = train(TrainConfig.from_dict(_cfg(execution=execution)), tmp / f"one-{execution}",
                progress=False, log=None, plots=False)
    assert one["world_size"] == 1 and one["links"] == on_disk["links"]
    for a, b in zip(one["history"], on_disk["history"], strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
        assert a["val_accuracy"] == pytest.approx(b["val_accuracy"], abs=1.01 / 20)
    assert one["test_accuracy"] == pytest.approx(on_disk["test_accuracy"], abs=1.01 / 40)


def test_resume_with_the_same_or_another_number_of_processes(two_process_runs):
    _, dirs, r = two_process_runs
    full, stop, resumed, stop1 = (r[k][0] for k in ("sparse", "stop", "resumed", "stop1"))
    assert stop["stopped_after_epoch"] == 1
    assert _history(resumed) == _history(full)  # bit for bit (gloo sums two ranks exactly)
    assert resumed["test_accuracy"] == full["test_accuracy"]
    # ... and one process finishes (the global batch keeps steps, rates and updates)
    one = train(TrainConfig(), dirs["part1"], resume=True, progress=False, log=None,
                plots=False)
    assert one["world_size"] == 1
    assert [e["world_size"] for e in one["history"]] == [2, 1]
    assert one["history"][0] == stop1["history"][0]
    assert one["links"] == full["links"]
    assert one["history"][1]["train_loss"] == pytest.approx(
        full["history"][1]["train_loss"], rel=1e-5)


@pytest.mark.parametrize("execution", ["sparse", "masked"])
def test_rigl_scores_the_whole_batch_under_ddp(two_process_runs, execution):
    """RigL regrows by the dense gradient: under DDP that of the whole global batch (sparse
    layers' dense gradients are averaged over the ranks as DDP averages masked ones), so the
    two-process run regrows what one process regrows."""
    tmp, _, reports = two_process_runs
    two = reports[f"rigl-{execution}"][0]
    one = train(TrainConfig.from_dict(_cfg(method="rigl", execution=execution)),
                tmp / f"rigl-one-{execution}", progress=False, log=None, plots=False)
    assert [x["regrown"] for e in two["history"] for x in e["evolution"]] == \
        [x["regrown"] for e in one["history"] for x in e["evolution"]]
    masks = [np.load(p / "topology.npz") for p in (tmp / f"rigl-{execution}",
                                                   tmp / f"rigl-one-{execution}")]
    for key in masks[0].files:  # the same links; their weights equal up to rounding
        if key.endswith(".weight"):
            np.testing.assert_allclose(masks[0][key], masks[1][key], rtol=1e-4, atol=1e-6)
        else:
            assert np.array_equal(masks[0][key], masks[1][key]), key
    assert two["history"][-1]["train_loss"] == pytest.approx(
        one["history"][-1]["train_loss"], rel=1e-5)


def test_rank0_errors_reach_every_rank(two_process_runs):
    e0, e1 = two_process_runs[2]["taken"]
    assert "already holds a run" in e0["error"] and e0 == e1


def test_helpers_without_a_process_group():
    w = World()
    assert not w.distributed and w.main
    assert on_main(w, lambda: 7) == 7
    assert all_sum(w, [1, 2.5], torch.device("cpu")) == [1.0, 2.5]
    assert list(range(5))[shard(World(0, 2), 5)] == [0, 2, 4]
    assert list(range(1))[shard(World(1, 2), 1)] == []


def test_torchrun_end_to_end(tmp_path):
    """``torchrun --nproc_per_node=2 -m chsnn train``: one report, written by rank 0, and the
    summary printed once."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "chsnn", "train", "--dataset", "digits", "--n-train", "81", "--n-test", "40",
           "--epochs", "1", "--batch-size", "16", "--T", "4", "--hidden", "32",
           "--sparsity", "0.8", "--calibration-samples", "32", "--energy-samples", "16",
           "--device", "cpu", "--no-plots", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.count("report: ") == 1 and p.stdout.count("test accuracy") == 1
    rep = json.loads((out / "report.json").read_text())
    assert rep["world_size"] == 2 and rep["config"]["epochs"] == 1
    # the same command again: rank 0's refusal, printed once, exit 2 on every rank
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode != 0
    assert p.stderr.count("chsnn: error: output directory") == 1
    # the 2-process run resumed (extended to 2 epochs) by 2 processes through the command
    resume = [*cmd[:cmd.index("train") + 1], "--resume", str(out), "--epochs", "2", "--no-plots"]
    p = subprocess.run(resume, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.count("resuming") == 1 and p.stdout.count("report: ") == 1
    rep = json.loads((out / "report.json").read_text())
    assert [e["world_size"] for e in rep["history"]] == [2, 2] and rep["epochs"] == 2
    assert (out / "report.epochs-1.json").is_file()
