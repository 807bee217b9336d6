"""Stage 2: calibrate() — SSCTI topology of the first layer, SSWI weights, hooks released."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from chgraph.evolution import (
    current_power,
    n_links_for,
    spike_correlation,
    sscti_topology,
    sswi_std,
)
from snn_adapters import CHSNN

from ._models import BATCH, HIDDEN, N_IN, T, TinySNN, batch


def make(seed=0, **kw):
    torch.manual_seed(seed)
    model = TinySNN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=20, update_interval=4, seed=seed, **kw)
    return model, opt, sp


def hook_counts(model):
    return {n: (len(m._forward_pre_hooks), len(m._forward_hooks)) for n, m in
            model.named_modules()}


def test_multistep_calibration_gives_sscti_and_sswi():
    model, opt, sp = make(sscti_rule="tiled", sswi_rule="paper")  # the paper's rules
    model(batch(99)[0])  # the first forward ends the forward-order recording
    hooks = hook_counts(model)
    fc2_mask = model.fc2.weight_mask.clone()
    xs = [batch(100 + i, rate=0.2)[0] for i in range(3)]  # [T, B, N_IN] multi-step spikes
    with sp.calibrate() as rec:
        assert hook_counts(model) != hooks
        for x in xs:
            model(x)
    assert hook_counts(model) == hooks  # hooks released
    rows = torch.cat(xs).reshape(-1, N_IN).numpy()
    expected = sscti_topology(spike_correlation(rows), HIDDEN, 0.9)
    np.testing.assert_array_equal(model.fc1.weight_mask.numpy().T, expected)
    assert torch.equal(model.fc2.weight_mask, fc2_mask)  # hidden layers keep random topology
    assert rec.order == ["fc1", "fc2"]
    info = sp.calibration
    assert info["first_layer"] == "fc1" and info["binary"]
    assert info["observations"] == 3 * T * BATCH
    rate = float(rows.mean())
    assert info["rates"]["fc1"] == pytest.approx(rate)
    # SSWI: zero off the mask, first-layer std from St, hidden std from theta
    for name in ("fc1", "fc2"):
        layer = getattr(model, name)
        assert torch.all(layer.weight[~layer.weight_mask] == 0)
        assert int(layer.weight_mask.sum()) == n_links_for(
            (layer.weight.shape[1], layer.weight.shape[0]), 0.9)
    s1 = sswi_std("first", N_IN, 0.9, st=1 - rate)
    s2 = sswi_std("hidden", HIDDEN, 0.9, theta=1.0)
    w1 = model.fc1.weight[model.fc1.weight_mask]
    w2 = model.fc2.weight[model.fc2.weight_mask]
    assert float(w1.detach().std()) == pytest.approx(s1, rel=0.3)
    assert float(w2.detach().std()) == pytest.approx(s2, rel=0.3)


@pytest.mark.parametrize("analog", [False, True])
def test_matched_sswi_gives_every_driven_neuron_the_initial_mean_current(analog):
    model, opt, sp = make()  # the defaults: per-neuron SSCTI, matched SSWI
    model(batch(99)[0])
    links0 = np.flatnonzero(model.fc1.weight_mask.numpy().T)
    w0 = model.fc1.weight.detach().numpy().T.ravel()[links0]
    fc2 = model.fc2.weight.detach().clone()
    g = torch.Generator().manual_seed(5)
    xs = [batch(100 + i, rate=0.2)[0] for i in range(3)]
    if analog:  # constant currents in [0, 1): the drive must still match
        xs = [torch.rand(x.shape[1:], generator=g).expand(x.shape) * (x.sum(0) > 0)
              for x in xs]
    with sp.calibrate():
        for x in xs:
            model(x)
    rows = torch.cat(xs).reshape(-1, N_IN).numpy()
    shape = (N_IN, HIDDEN)
    target = current_power(rows, links0, w0.astype(np.float64), shape).mean()
    links = np.flatnonzero(model.fc1.weight_mask.numpy().T)
    w = model.fc1.weight.detach().numpy().T.ravel()[links].astype(np.float64)
    power = current_power(rows, links, w, shape)
    assert np.all(power > 0)                      # per-neuron SSCTI: every neuron driven
    np.testing.assert_allclose(power, target, rtol=1e-4)
    assert sp.calibration["sswi_rule"] == "matched" and sp.calibration["binary"] is not analog
    assert torch.all(model.fc1.weight[~model.fc1.weight_mask] == 0)
    # later layers: the paper's hidden SSWI (their input is spikes, their drive the threshold)
    assert not torch.equal(model.fc2.weight.detach(), fc2)
    w2 = model.fc2.weight[model.fc2.weight_mask]
    assert float(w2.detach().std()) == pytest.approx(sswi_std("hidden", HIDDEN, 0.9, theta=1.0),
                                                     rel=0.3)


def test_an_unknown_sswi_rule_is_refused():
    with pytest.raises(ValueError, match="sswi_rule"):
        make(sswi_rule="lsuv")


def test_single_step_layout_and_theta():
    torch.manual_seed(0)

    class SingleStep(nn.Module):  # one time step per call, [B, n_in]
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.head = nn.Linear(10, 24), nn.Linear(24, 24), nn.Linear(24, 3)

        def forward(self, x):
            return self.head((self.fc2((self.fc1(x) > 0).float()) > 0).float())

    model = SingleStep()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sp = CHSNN(model, opt, sparsity=0.8, total_steps=10, theta=0.5, sparse_classifier=True,
               seed=3, sscti_rule="tiled", sswi_rule="paper")
    g = torch.Generator().manual_seed(0)
    xs = [(torch.rand(16, 10, generator=g) < 0.4).float() for _ in range(4)]
    with sp.calibrate():
        for t in range(4):
            model(xs[t])
    rows = torch.cat(xs).numpy()
    expected = sscti_topology(spike_correlation(rows), 24, 0.8)
    np.testing.assert_array_equal(model.fc1.weight_mask.numpy().T, expected)
    assert sp.calibration["theta"] == {"fc1": 0.5, "fc2": 0.5, "head": 0.5}
    w = model.head.weight[model.head.weight_mask]  # the sparse classifier uses the last form
    assert float(w.detach().std()) == pytest.approx(sswi_std("last", 24, 0.8, theta=0.5), rel=0.35)


def test_calibration_failure_releases_hooks_and_changes_nothing():
    model, opt, sp = make()
    model(batch(99)[0])  # the first forward ends the forward-order recording
    hooks = hook_counts(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(KeyError), sp.calibrate():
        model(batch(0)[0])
        raise KeyError("user error")
    assert hook_counts(model) == hooks
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    with pytest.raises(RuntimeError, match="no forward pass"), sp.calibrate():
        pass


def test_calibrate_after_training_is_refused():
    model, opt, sp = make()
    x, y = batch(0)
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    sp.step()
    with pytest.raises(RuntimeError, match="before training"), sp.calibrate():
        pass


def test_sscti_can_be_disabled():
    model, opt, sp = make(sscti=False)
    mask = model.fc1.weight_mask.clone()
    with sp.calibrate():
        model(batch(0)[0])
    assert torch.equal(model.fc1.weight_mask, mask)


def test_sswi_can_be_disabled_keeping_the_sscti_topology():
    model, opt, sp = make(sswi=False)
    w2 = model.fc2.weight.detach().clone()
    w1 = model.fc1.weight.detach().clone()
    with sp.calibrate():
        model(batch(0)[0])
    assert sp.calibration["sswi"] is False
    assert torch.equal(model.fc2.weight, w2)  # weights of construction (SWI) kept
    kept = model.fc1.weight_mask
    # fc1: new (SSCTI) topology, old weights where links survived, 0 elsewhere
    assert torch.equal(model.fc1.weight[kept], (w1 * kept)[kept])
    assert torch.all(model.fc1.weight[~kept] == 0)


@pytest.mark.parametrize("execution", ["masked", "sparse"])
def test_per_neuron_sscti_rule_reaches_every_hidden_neuron(execution):
    model, opt, sp = make(sscti_rule="per-neuron", execution=execution)
    model(batch(99)[0])
    xs = [batch(100 + i, rate=0.2)[0] for i in range(3)]
    for x in xs:
        x[..., : N_IN // 3] = 0              # a third of the inputs never fire
    with sp.calibrate():
        for x in xs:
            model(x)
    rows = torch.cat(xs).reshape(-1, N_IN).numpy()
    expected = sscti_topology(spike_correlation(rows), HIDDEN, 0.9, rule="per-neuron")
    links = sp.layer_links()["fc1"][0]
    got = np.zeros(N_IN * HIDDEN, dtype=bool)
    got[links] = True
    np.testing.assert_array_equal(got.reshape(N_IN, HIDDEN), expected)
    assert expected.sum(axis=0).min() >= 1 and not expected[: N_IN // 3].any()
    assert sp.calibration["sscti_rule"] == "per-neuron"


def test_an_unknown_sscti_rule_is_refused():
    with pytest.raises(ValueError, match="sscti_rule"):
        make(sscti_rule="diagonal")
