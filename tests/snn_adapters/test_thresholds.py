"""theta="auto": SSWI reads the threshold of the neurons each sparse layer drives."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from chgraph.evolution import sswi_std
from snn_adapters import CHSNN
from snn_adapters.neurons import LIF
from snn_adapters.thresholds import as_threshold, neuron_threshold

from ._models import N_IN, batch

H = 48


def test_thresholds_of_our_neurons_and_others():
    assert neuron_threshold(LIF(v_threshold=0.7)) == 0.7
    assert neuron_threshold(nn.ReLU()) is None
    assert neuron_threshold(nn.Threshold(0.5, 0.0)) is None  # torch's, not a spiking neuron
    assert as_threshold(torch.full((5,), 0.25)) == 0.25
    assert as_threshold(torch.tensor([0.5, 1.0])) is None  # per-neuron thresholds that differ
    for bad in (0.0, -1.0, float("nan"), float("inf"), True, "1", torch.empty(0)):
        assert as_threshold(bad) is None


def test_spikingjelly_threshold():
    pytest.importorskip("spikingjelly", reason="spikingjelly is not installed")
    from spikingjelly.activation_based import neuron

    assert neuron_threshold(neuron.LIFNode(v_threshold=0.6)) == 0.6


def test_snntorch_threshold():
    snn = pytest.importorskip("snntorch", reason="snntorch is not installed")
    assert neuron_threshold(snn.Leaky(beta=0.9, threshold=0.8)) == pytest.approx(0.8)


def test_norse_threshold():
    norse = pytest.importorskip("norse.torch", reason="norse is not installed")
    cell = norse.LIFCell(p=norse.LIFParameters(v_th=torch.tensor(0.3)))
    assert neuron_threshold(cell) == pytest.approx(0.3)


class Deep(nn.Module):
    """fc1 -> LIF(0.5) -> fc2 -> LIF(2) -> fc3 -> fc4 -> LIF(0.25) -> head; fc3 drives fc4
    directly (no neuron between them)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.lif1 = nn.Linear(N_IN, H), LIF(v_threshold=0.5)
        self.fc2, self.lif2 = nn.Linear(H, H), LIF(v_threshold=2.0)
        self.fc3, self.fc4, self.lif4 = nn.Linear(H, H), nn.Linear(H, H), LIF(v_threshold=0.25)
        self.head = nn.Linear(H, 4)

    def forward(self, x):
        h = self.lif2(self.fc2(self.lif1(self.fc1(x))))
        return self.head(self.lif4(self.fc4(self.fc3(h)))).mean(0)


def calibrated(theta, seed=0):
    torch.manual_seed(seed)
    model = Deep()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sp = CHSNN(model, opt, sparsity=0.8, total_steps=10, seed=seed, theta=theta)
    with sp.calibrate():
        for i in range(3):
            model(batch(i, rate=0.3)[0])
    return model, sp


def test_auto_reads_the_threshold_after_each_layer_and_warns_where_there_is_none():
    with pytest.warns(UserWarning, match=r"right after layers \['fc3'\]"):
        model, sp = calibrated("auto")
    assert sp.calibration["theta"] == {"fc1": 0.5, "fc2": 2.0, "fc3": 1.0, "fc4": 0.25}
    for name, theta in (("fc2", 2.0), ("fc4", 0.25)):  # the hidden rule scales with theta
        layer = getattr(model, name)
        w = layer.weight[layer.weight_mask].detach()
        assert float(w.std()) == pytest.approx(sswi_std("hidden", H, 0.8, theta=theta), rel=0.2)
    assert all(not m._forward_hooks for m in model.modules())  # the neuron hooks are released


def test_a_number_is_used_everywhere_and_bad_values_are_refused():
    _, sp = calibrated(0.75)
    assert set(sp.calibration["theta"].values()) == {0.75}
    model = Deep()
    opt = torch.optim.Adam(model.parameters())
    for bad in ("automatic", -1.0, 0.0):
        with pytest.raises(ValueError, match="theta"):
            CHSNN(model, opt, sparsity=0.8, total_steps=10, theta=bad)


def test_auto_in_an_snntorch_time_loop():
    snn = pytest.importorskip("snntorch", reason="snntorch is not installed")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(N_IN, H), nn.Linear(H, H), nn.Linear(H, 4)
            self.lif1 = snn.Leaky(beta=0.9, threshold=0.5)
            self.lif2 = snn.Leaky(beta=0.9, threshold=1.5)

        def forward(self, x):
            m1, m2, out = self.lif1.init_leaky(), self.lif2.init_leaky(), []
            for t in range(x.shape[0]):
                s1, m1 = self.lif1(self.fc1(x[t]), m1)
                s2, m2 = self.lif2(self.fc2(s1), m2)
                out.append(self.fc3(s2))
            return torch.stack(out).mean(0)

    torch.manual_seed(0)
    net = Net()
    sp = CHSNN(net, torch.optim.Adam(net.parameters()), sparsity=0.8, total_steps=10, seed=0)
    with sp.calibrate():
        net(batch(0)[0])
    assert sp.calibration["theta"] == {"fc1": pytest.approx(0.5), "fc2": pytest.approx(1.5)}
