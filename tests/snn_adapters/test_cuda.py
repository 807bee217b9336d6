"""The CUDA path: the same training under CHSNN on a GPU (skipped where there is none)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from chgraph.evolution import n_links_for
from snn_adapters import CHSNN

from ._models import TinySNN, batch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


def test_training_on_cuda_keeps_masks_state_and_statistics_on_the_device():
    torch.manual_seed(0)
    dev = torch.device("cuda")
    model = TinySNN().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=12, update_interval=3, seed=0)
    with sp.calibrate():
        model(batch(0)[0].to(dev))
    evolved = 0
    for step in range(1, 10):
        x, y = batch(step)
        loss = nn.functional.cross_entropy(model(x.to(dev)), y.to(dev))
        opt.zero_grad()
        loss.backward()
        opt.step()
        evolved += sp.step() is not None
        for name, mask in sp.masks().items():
            layer = dict(model.named_modules())[name]
            assert mask.device.type == "cuda" and mask.dtype == torch.bool
            assert int(mask.sum()) == n_links_for(
                (layer.weight.shape[1], layer.weight.shape[0]), 0.9)
            assert torch.all(layer.weight[~mask] == 0)
            for v in opt.state[layer.weight].values():
                if isinstance(v, torch.Tensor) and v.shape == mask.shape:
                    assert torch.all(v[~mask] == 0)
    assert evolved >= 2
    # resume on the CPU from a CUDA state gives the same masks
    state = sp.state_dict()
    cpu_model = TinySNN()
    cpu_model.load_state_dict({k: v.cpu() for k, v in model.state_dict().items()})
    cpu_opt = torch.optim.Adam(cpu_model.parameters(), lr=1e-2)
    sp2 = CHSNN(cpu_model, cpu_opt, sparsity=0.9, total_steps=12, update_interval=3, seed=1)
    sp2.load_state_dict(state)
    for name, mask in sp2.masks().items():
        assert torch.equal(mask, sp.masks()[name].cpu())


def test_chsnn_train_runs_on_cuda(tmp_path):
    pytest.importorskip("sklearn")
    from chsnn.config import TrainConfig
    from chsnn.train import train

    cfg = TrainConfig(method="chsnn", dataset="digits", n_train=64, n_test=32, epochs=2,
                      batch_size=16, T=2, hidden=16, sparsity=0.8, calibration_samples=32,
                      energy_samples=16, device="cuda")
    r = train(cfg, tmp_path / "run", progress=False, plots=False, log=None)
    assert r["environment"]["device"].startswith("cuda") and r["links"] == 205
