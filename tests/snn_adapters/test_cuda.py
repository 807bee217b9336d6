"""The CUDA path: the same training under CHSNN on a GPU (skipped where there is none)."""

from __future__ import annotations

import copy
import io

import pytest
import torch
from torch import nn

from chgraph.evolution import n_links_for
from snn_adapters import CHSNN, load_sparse_state_dict

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
    cpu_opt = torch.optim.Adam(cpu_model.parameters(), lr=1e-2)
    sp2 = CHSNN(cpu_model, cpu_opt, sparsity=0.9, total_steps=12, update_interval=3, seed=1)
    cpu_model.load_state_dict({k: v.cpu() for k, v in model.state_dict().items()})
    cpu_opt.load_state_dict(opt.state_dict())
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


def _cuda_step(model, opt, sp, step):
    x, y = batch(step)
    loss = nn.functional.cross_entropy(model(x.cuda()), y.cuda())
    opt.zero_grad()
    loss.backward()
    opt.step()
    sp.step()


def _cuda_run(seed=0):
    torch.manual_seed(0)
    model = TinySNN().cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, opt, CHSNN(model, opt, sparsity=0.9, total_steps=12, update_interval=2,
                             seed=seed)


def _cuda_training(steps=6):
    model, opt, sp = _cuda_run()
    for step in range(steps):
        _cuda_step(model, opt, sp, step)
    return model, opt, sp


def test_cuda_model_survives_deepcopy_save_and_a_new_sparsifier():
    model, _, sp = _cuda_training()
    clone = copy.deepcopy(model)
    assert clone.fc1.weight_mask.is_cuda
    assert torch.equal(clone.fc1.weight_mask, model.fc1.weight_mask)
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    assert loaded.fc2.weight_mask.is_cuda
    assert torch.equal(loaded.fc2.weight_mask, model.fc2.weight_mask)
    # a plain model loaded on the CPU from a CUDA state dict, and a sparsifier adopting it
    cpu_model = TinySNN()
    load_sparse_state_dict(cpu_model, model.state_dict())
    assert not cpu_model.fc1.weight_mask.is_cuda
    cpu_opt = torch.optim.SGD(cpu_model.parameters(), lr=0.05)
    CHSNN(cpu_model, cpu_opt, sparsity=0.9, total_steps=12, seed=3)
    assert torch.equal(cpu_model.fc1.weight_mask, model.fc1.weight_mask.cpu())
    assert torch.equal(cpu_model.fc1.weight, model.fc1.weight.cpu())
    graphs = sp.graphs()
    assert graphs["fc1"].n_links == int(model.fc1.weight_mask.sum())


def test_cuda_masks_stay_put_when_a_batch_of_steps_is_replayed_from_a_checkpoint():
    """Stop after 3 steps, save, resume from the saved state: the masks after the next
    evolution steps equal an uninterrupted run's (the engine decides them on CPU arrays;
    the weights may differ in the last bits, as CUDA kernels need not be deterministic)."""
    model, opt, sp = _cuda_training(steps=6)
    m2, o2, s2 = _cuda_training(steps=3)
    saved = {"model": copy.deepcopy(m2.state_dict()), "opt": copy.deepcopy(o2.state_dict()),
             "sp": copy.deepcopy(s2.state_dict())}
    m3, o3, s3 = _cuda_run(seed=7)  # the usual resume: build, wrap, then load the 3 states
    m3.load_state_dict(saved["model"])
    o3.load_state_dict(saved["opt"])
    s3.load_state_dict(saved["sp"])
    for step in range(3, 6):
        _cuda_step(m3, o3, s3, step)
    assert s3.step_count == sp.step_count == 6
    for name, mask in sp.masks().items():
        assert torch.equal(s3.masks()[name], mask)
    torch.testing.assert_close(m3.fc1.weight, model.fc1.weight)


def test_torch_compile_on_cuda():
    """A ``torch.compile``d model: layer names without ``_orig_mod.``, masks kept through the
    compiled forward and backward."""
    torch.manual_seed(0)
    model = torch.compile(TinySNN().cuda())
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0)
    assert sp.layer_names == ["fc1", "fc2"]
    for step in range(4):
        _cuda_step(model, opt, sp, step)
        for name, mask in sp.masks().items():
            w = dict(model._orig_mod.named_modules())[name].weight
            assert torch.all(w[~mask] == 0)
    assert [h["step"] for h in sp.history] == [2, 4]
