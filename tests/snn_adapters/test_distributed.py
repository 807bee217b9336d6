"""Stage 4: under DDP (2 CPU processes, gloo) rank 0 decides and every rank agrees."""

from __future__ import annotations

import gc
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP

from snn_adapters import CHSNN

from ._models import TinySNN, batch

STEPS = 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out_dir: str, execution: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    try:
        _train_and_check(rank, out_dir, execution)
        # every object that used the group (DDP's reducer, the sparsifier) is gone with
        # _train_and_check's frame; both ranks finish their work before either tears gloo
        # down (a rank destroying the group while the other is still using it, or the last
        # reference to the group dropped at interpreter exit, can abort the process)
        gc.collect()
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _train_and_check(rank: int, out_dir: str, execution: str) -> None:
    """Seven steps of a 2-layer SNN under DDP, this rank's result saved to ``out_dir``."""
    torch.manual_seed(rank)  # different initial weights on purpose
    model = TinySNN()
    if execution == "masked":
        model = DDP(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    # different seeds on purpose: rank 0's decisions must win
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=rank,
               execution=execution)
    if execution == "sparse":  # sparse layers replace parameters: wrap afterwards
        model = DDP(model)
    assert sp.layer_names == ["fc1", "fc2"]
    with sp.calibrate():
        model(batch(50 + rank)[0])  # different calibration data per rank
    for step in range(STEPS):
        x, y = batch(2 * step + rank)  # each rank its own shard
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sp.step()
    result = {"state": {k: v.clone() for k, v in model.module.state_dict().items()},
              "history": [h["step"] for h in sp.history],
              "rng": sp.state_dict()["rng"]}
    # divergence is detected on every rank
    if rank == 1 and execution == "masked":
        m = model.module.fc1.weight_mask
        i = int(torch.nonzero(m.flatten())[0])
        j = int(torch.nonzero(~m.flatten())[0])
        m.view(-1)[i], m.view(-1)[j] = False, True
    elif rank == 1:  # the link structure: one link moved to a non-link
        links = model.module.fc1.weight_links
        free = sorted(set(range(20 * 32)) - set(links.tolist()))
        links[0] = free[0]
    try:
        sp.check_consistency()
        result["detected"] = None
    except RuntimeError as exc:
        result["detected"] = str(exc)
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pt"))


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
@pytest.mark.parametrize("execution", ["masked", "sparse"])
def test_ddp_two_ranks_agree(tmp_path, execution):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), execution), nprocs=2, join=True)
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=False)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=False)
    assert r0["history"] == r1["history"] == [2, 4]
    assert r0["rng"] == r1["rng"]
    for k, v in r0["state"].items():
        assert torch.equal(v, r1["state"][k]), k
    for r in (r0, r1):
        assert r["detected"] is not None and "differ between ranks" in r["detected"]
