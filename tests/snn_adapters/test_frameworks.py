"""CHSNN on tiny networks written in SpikingJelly, snnTorch and Norse style.

Each test is skipped when its framework is absent. Install without dependencies (their
declared dependencies pull a CUDA torch):
``pip install --no-deps spikingjelly==2.0.0 snntorch==1.0.0 && pip install loguru``.

Every test trains with the three lines of the README (``CHSNN(...)``, ``calibrate()``,
``step()``) added to the framework's usual loop, checks exact sparsity and zeros at every
step, then persistence: ``copy.deepcopy`` and ``torch.save(model)`` wherever the framework
allows them on a plain model of its own, and the state dict into a freshly built model.
"""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest
import torch
from torch import nn

from chgraph.evolution import n_links_for, spike_correlation, sscti_topology
from snn_adapters import CHSNN, load_sparse_state_dict

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
        loss = nn.functional.cross_entropy(forward(model, x.to(device)), y.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sp.step()
        check(model, opt, sp)


def _deepcopy(m):
    return copy.deepcopy(m)


def _save_load(m):
    buf = io.BytesIO()
    torch.save(m, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=False)


def check_persistence(model, sp, build, forward, device):
    """What works on a plain model of the framework (built by ``build``, after a forward and
    backward pass) works on the sparsified one, masks and pruned zeros included."""
    state = model.state_dict()
    assert all(f"{n}.weight_mask" in state for n in sp.layer_names)
    plain = build().to(device)
    forward(plain, batch(0)[0].to(device)).sum().backward()
    for op in (_deepcopy, _save_load):
        try:
            op(plain)
        except Exception:  # noqa: BLE001 - the framework itself does not allow it
            continue
        other = op(model).state_dict()
        assert other.keys() == state.keys()
        for k, v in state.items():
            assert torch.equal(other[k], v), (op.__name__, k)
    fresh = build().to(device)
    load_sparse_state_dict(fresh, state)
    for k, v in fresh.state_dict().items():
        assert torch.equal(v, state[k]), k
    x = batch(7)[0].to(device)
    with torch.no_grad():
        assert torch.equal(forward(fresh, x), forward(model, x))


def test_spikingjelly_multistep(device):
    pytest.importorskip("spikingjelly", reason="spikingjelly is not installed")
    from spikingjelly.activation_based import functional, layer, neuron, surrogate

    def build():
        net = nn.Sequential(
            layer.Linear(N_IN, 32), neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan()),
            layer.Linear(32, 32), neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan()),
            layer.Linear(32, N_OUT),
        )
        functional.set_step_mode(net, "m")
        return net

    def forward(net, x):  # [T, B, N_IN] -> rate-decoded output
        out = net(x).mean(0)
        functional.reset_net(net)
        return out

    torch.manual_seed(0)
    net = build().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    sp = CHSNN(net, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0)
    assert sp.layer_names == ["0", "2"]
    xs = [batch(100 + i)[0] for i in range(2)]
    with sp.calibrate(), torch.no_grad():
        for x in xs:
            forward(net, x.to(device))
    rows = torch.cat(xs).reshape(-1, N_IN).numpy()
    np.testing.assert_array_equal(net[0].weight_mask.cpu().numpy().T,
                                  sscti_topology(spike_correlation(rows), 32, 0.9,
                                                 rule="per-neuron"))
    train(net, sp, opt, forward, device)
    assert [h["step"] for h in sp.history] == [2, 4]
    check_persistence(net, sp, build, forward, device)


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

    def forward(net, x):
        return net(x)

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
                                                 32, 0.9, rule="per-neuron"))
    train(net, sp, opt, forward, device)
    assert sp.chains == [["fc1", "fc2"]]
    check_persistence(net, sp, Net, forward, device)


def test_norse_sequential_state(device):
    pytest.importorskip("norse", reason="norse is not installed")
    import norse.torch as norse

    def build():  # the Norse tutorial style: SequentialState over single time steps
        return norse.SequentialState(
            nn.Linear(N_IN, 32), norse.LIFCell(),
            nn.Linear(32, 32), norse.LIFCell(),
            nn.Linear(32, N_OUT),
        )

    def forward(net, x):  # [T, B, N_IN] -> rate-decoded output, state carried by hand
        state, out = None, []
        for t in range(x.shape[0]):
            y, state = net(x[t], state)
            out.append(y)
        return torch.stack(out).mean(0)

    torch.manual_seed(0)
    net = build().to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-2)
    sp = CHSNN(net, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0)
    assert sp.layer_names == ["0", "2"]
    x = batch(100)[0]
    with sp.calibrate(), torch.no_grad():
        forward(net, x.to(device))
    np.testing.assert_array_equal(net[0].weight_mask.cpu().numpy().T,
                                  sscti_topology(spike_correlation(x.reshape(-1, N_IN).numpy()),
                                                 32, 0.9, rule="per-neuron"))
    train(net, sp, opt, forward, device)
    assert [h["step"] for h in sp.history] == [2, 4]
    assert sp.chains == [["0", "2"]]
    check_persistence(net, sp, build, forward, device)
