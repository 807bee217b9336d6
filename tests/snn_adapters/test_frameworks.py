"""CHSNN on tiny networks written in SpikingJelly, snnTorch and Norse style.

Each test is skipped when its framework is absent. Install without dependencies (their
declared dependencies pull a CUDA torch):
``pip install --no-deps spikingjelly==2.0.0 snntorch==1.0.0 && pip install loguru``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from chgraph.evolution import n_links_for, spike_correlation, sscti_topology
from snn_adapters import CHSNN

from ._models import N_IN, N_OUT, T, batch


def check(model, opt, sp):
    for name, mask in sp.masks().items():
        layer = dict(model.named_modules())[name]
        assert mask.device == layer.weight.device
        assert int(mask.sum()) == n_links_for((layer.weight.shape[1], layer.weight.shape[0]),
                                              sp.sparsity)
        assert torch.all(layer.weight[~mask] == 0)
        for v in opt.state.get(layer.weight, {}).values():
            if isinstance(v, torch.Tensor) and v.shape == mask.shape:
                assert torch.all(v[~mask] == 0)


def train(model, sp, opt, forward, device, steps=6):
    for step in range(steps):
        x, y = batch(step)
        loss = nn.functional.cross_entropy(forward(x.to(device)), y.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sp.step()
        check(model, opt, sp)


def test_spikingjelly_multistep(device):
    pytest.importorskip("spikingjelly", reason="spikingjelly is not installed")
    from spikingjelly.activation_based import functional, layer, neuron, surrogate

    torch.manual_seed(0)
    net = nn.Sequential(
        layer.Linear(N_IN, 32), neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan()),
        layer.Linear(32, 32), neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan()),
        layer.Linear(32, N_OUT),
    ).to(device)
    functional.set_step_mode(net, "m")

    def forward(x):  # [T, B, N_IN] -> rate-decoded output
        out = net(x).mean(0)
        functional.reset_net(net)
        return out

    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    sp = CHSNN(net, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0)
    assert sp.layer_names == ["0", "2"]
    xs = [batch(100 + i)[0] for i in range(2)]
    with sp.calibrate(), torch.no_grad():
        for x in xs:
            forward(x.to(device))
    rows = torch.cat(xs).reshape(-1, N_IN).numpy()
    np.testing.assert_array_equal(net[0].weight_mask.cpu().numpy().T,
                                  sscti_topology(spike_correlation(rows), 32, 0.9))
    train(net, sp, opt, forward, device)
    assert [h["step"] for h in sp.history] == [2, 4]


def test_snntorch_time_loop(device):
    snn = pytest.importorskip("snntorch", reason="snntorch is not installed")
    from snntorch import surrogate

    class Net(nn.Module):  # the snnTorch tutorial style: a loop over time steps in forward
        def __init__(self):
            super().__init__()
            grad = surrogate.atan()
            self.fc1 = nn.Linear(N_IN, 32)
            self.lif1 = snn.Leaky(beta=0.5, spike_grad=grad)
            self.fc2 = nn.Linear(32, 32)
            self.lif2 = snn.Leaky(beta=0.5, spike_grad=grad)
            self.fc3 = nn.Linear(32, N_OUT)

        def forward(self, x):
            mem1, mem2 = self.lif1.init_leaky(), self.lif2.init_leaky()
            out = []
            for t in range(x.shape[0]):
                spk1, mem1 = self.lif1(self.fc1(x[t]), mem1)
                spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
                out.append(self.fc3(spk2))
            return torch.stack(out).mean(0)

    torch.manual_seed(0)
    net = Net().to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    sp = CHSNN(net, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0)
    x = batch(100)[0]
    with sp.calibrate() as rec, torch.no_grad():
        net(x.to(device))  # T single-step calls of fc1, each [B, N_IN]
    assert rec.order == ["fc1", "fc2"] and sp.calibration["observations"] == T * x.shape[1]
    np.testing.assert_array_equal(net.fc1.weight_mask.cpu().numpy().T,
                                  sscti_topology(spike_correlation(x.reshape(-1, N_IN).numpy()),
                                                 32, 0.9))
    train(net, sp, opt, net, device)
    assert sp._chains == [["fc1", "fc2"]]


def test_norse_sequential_state(device):
    pytest.importorskip("norse", reason="norse is not installed")
    import norse.torch as norse

    torch.manual_seed(0)
    # the Norse tutorial style: SequentialState over single time steps, state carried by hand
    net = norse.SequentialState(
        nn.Linear(N_IN, 32), norse.LIFCell(),
        nn.Linear(32, 32), norse.LIFCell(),
        nn.Linear(32, N_OUT),
    ).to(device)

    def forward(x):  # [T, B, N_IN] -> rate-decoded output
        state, out = None, []
        for t in range(x.shape[0]):
            y, state = net(x[t], state)
            out.append(y)
        return torch.stack(out).mean(0)

    opt = torch.optim.AdamW(net.parameters(), lr=1e-2)
    sp = CHSNN(net, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0)
    assert sp.layer_names == ["0", "2"]
    x = batch(100)[0]
    with sp.calibrate(), torch.no_grad():
        forward(x.to(device))
    np.testing.assert_array_equal(net[0].weight_mask.cpu().numpy().T,
                                  sscti_topology(spike_correlation(x.reshape(-1, N_IN).numpy()),
                                                 32, 0.9))
    train(net, sp, opt, forward, device)
    assert [h["step"] for h in sp.history] == [2, 4]
    assert sp._chains == [["0", "2"]]
