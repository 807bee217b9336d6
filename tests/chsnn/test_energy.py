"""Synaptic-operation counting: hand-computed cases, brute force for conv, energy numbers."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from chsnn.encoders import DirectEncoder, PoissonEncoder
from chsnn.energy import (
    ANP_I_PJ_PER_SOP,
    count_synaptic_operations,
)
from chsnn.models import build_model
from snn_adapters import CHSNN
from snn_adapters.masks import set_mask

# mask (out=2, in=3): input 0 reaches both outputs, input 1 output 1, input 2 output 0
MASK = torch.tensor([[1, 0, 1],
                     [1, 1, 0]], dtype=torch.bool)


def masked_linear() -> nn.Linear:
    lin = nn.Linear(3, 2)
    set_mask(lin, MASK)
    return lin


def test_linear_hand_computed():
    # x[t, b, i]: T = 2, B = 2
    x = torch.tensor([[[1., 0., 1.], [0., 0., 0.]],
                      [[1., 1., 0.], [1., 1., 1.]]])
    rep = count_synaptic_operations(masked_linear(), x)
    # fan-outs (2, 1, 1); spikes per input over t and b: (3, 2, 2)
    # SOPs = 3*2 + 2*1 + 2*1 = 10 over 2 samples; dense fan-out 2: (3+2+2)*2 = 14
    assert rep.n_samples == 2
    assert rep.sops == 5.0 and rep.dense_sops == 7.0
    assert rep.macs == 0.0 and rep.dense_macs == 0.0
    lo = rep.layers["Linear"]
    assert (lo.synapses, lo.dense_synapses, lo.calls, lo.binary_calls) == (4, 6, 1, 1)
    assert math.isclose(rep.energy_uj(), 5 * 0.9e-6)
    assert math.isclose(rep.energy_uj(pj_per_sop=ANP_I_PJ_PER_SOP), 5 * 1.5e-6)
    assert math.isclose(rep.dense_energy_uj(), 7 * 0.9e-6)


def test_analog_input_counts_macs_for_every_input():
    x = torch.tensor([[[0.5, 0.0, 0.2]]])        # T = 1, B = 1, analog (zero included)
    rep = count_synaptic_operations(masked_linear(), x)
    # every input entry times its fan-out: 2 + 1 + 1 = 4 MACs; dense 3 * 2 = 6
    assert (rep.sops, rep.macs, rep.dense_macs) == (0.0, 4.0, 6.0)
    assert math.isclose(rep.energy_uj(), 4 * 4.6e-6)


def test_direct_encoding_first_layer_macs_hidden_sops():
    torch.manual_seed(0)
    model = build_model("2fc", n_in=5, hidden=7, n_classes=3)
    x = DirectEncoder(T=4)(torch.rand(3, 5))
    rep = count_synaptic_operations(model, x)
    fc1, fc2 = rep.layers["fc1"], rep.layers["fc2"]
    assert fc1.sops == 0 and fc1.macs == 4 * 5 * 7    # T * n_in * fan-out per sample
    assert fc2.macs == 0 and fc2.binary_calls == 1
    assert list(rep.layers) == ["fc1", "fc2"]


def test_iterable_of_batches_and_mode_restored():
    lin = masked_linear()
    lin.train()
    a = torch.tensor([[[1., 0., 0.]]])
    b = torch.tensor([[[0., 1., 1.], [1., 1., 1.]]])
    rep = count_synaptic_operations(lin, [a, b])
    # SOPs: a -> 2; b -> (1 + 1) + (2 + 1 + 1) = 6; 3 samples
    assert rep.n_samples == 3 and math.isclose(rep.sops, 8 / 3)
    assert lin.training
    assert not lin._forward_pre_hooks
    assert set(rep.as_dict()) >= {"sops", "macs", "dense_sops", "energy_uj", "layers"}
    assert "SOPs" in str(rep)


def brute_force_conv2d(x, mask, stride, padding, dilation, groups):
    """Count (input spike, existing tap) events by looping over every output position."""
    b_, c_in, h, w = x.shape
    c_out, cg, kh, kw = mask.shape
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    per_group_out = c_out // groups
    total = 0
    for b, co, i, j in itertools.product(range(b_), range(c_out), range(oh), range(ow)):
        g = co // per_group_out
        for ci, p, q in itertools.product(range(cg), range(kh), range(kw)):
            r, c = i * stride - padding + p * dilation, j * stride - padding + q * dilation
            if 0 <= r < h and 0 <= c < w and mask[co, ci, p, q]:
                total += int(x[b, g * cg + ci, r, c])
    return total


@pytest.mark.parametrize("stride,padding,dilation,groups",
                         [(1, 1, 1, 1), (2, 1, 1, 1), (1, 0, 2, 2), (2, 2, 1, 2)])
def test_conv_exact_against_brute_force(stride, padding, dilation, groups):
    g = torch.Generator().manual_seed(stride * 10 + padding + groups)
    conv = nn.Conv2d(4, 6, 3, stride=stride, padding=padding, dilation=dilation,
                     groups=groups, bias=False)
    mask = torch.rand(conv.weight.shape, generator=g) < 0.4
    set_mask(conv, mask)
    x = (torch.rand(2, 4, 7, 6, generator=g) < 0.3).float()
    rep = count_synaptic_operations(conv, x, batch_dim=0)
    assert rep.n_samples == 2
    assert rep.sops == brute_force_conv2d(x, mask, stride, padding, dilation, groups) / 2
    dense = torch.ones_like(mask)
    assert rep.dense_sops == brute_force_conv2d(x, dense, stride, padding, dilation, groups) / 2
    # analog input: every input entry counts, i.e. the spike map replaced by ones
    rep_a = count_synaptic_operations(conv, x * 0.5 + 0.25, batch_dim=0)
    assert rep_a.macs == brute_force_conv2d(torch.ones_like(x), mask, stride, padding,
                                            dilation, groups) / 2


def test_dense_sops_bound_and_pruning_proportional():
    # each input keeps exactly k of the n_out synapses: SOPs = dense SOPs * k / n_out exactly
    n_in, n_out, k = 12, 10, 3
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(5, 4, n_in, generator=g) < 0.4).float()
    dense = count_synaptic_operations(nn.Linear(n_in, n_out), x)
    assert dense.sops == dense.dense_sops > 0
    for keep in (k, 2 * k):
        lin = nn.Linear(n_in, n_out)
        mask = torch.zeros(n_out, n_in, dtype=torch.bool)
        for i in range(n_in):
            mask[torch.randperm(n_out, generator=g)[:keep], i] = True
        set_mask(lin, mask)
        rep = count_synaptic_operations(lin, x)
        assert rep.dense_sops == dense.sops
        assert rep.sops == pytest.approx(dense.sops * keep / n_out, rel=1e-12)


@pytest.mark.parametrize("name,kwargs", [
    ("2fc", dict(n_in=64, hidden=48)),
    ("2conv2fc", dict(image_shape=(1, 8, 8), channels=(4, 4), hidden=32)),
    ("spikformer", dict(image_shape=(1, 8, 8), embed_dim=16, heads=2, attn_scale=1.0)),
    ("4fc", dict(n_in=64, hidden=24)),
    ("6conv2fc", dict(image_shape=(3, 8, 8), channels=(4, 4, 4), hidden=16)),
    ("spikformer-4-384", dict(image_shape=(1, 8, 8), embed_dim=16, depth=1, heads=2,
                              attn_scale=1.0)),
])
def test_chsnn_model_sops_below_dense(name, kwargs):
    torch.manual_seed(0)
    model = build_model(name, n_classes=4, **kwargs)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=10, seed=0,
               classifier=model.classifier_name)
    shape = getattr(model, "image_shape", (64,))
    x = PoissonEncoder(T=4)(torch.rand(3, *shape), generator=torch.Generator().manual_seed(0))
    rep = count_synaptic_operations(model, x)
    assert rep.dense_sops >= rep.sops > 0
    for lname in sp.layer_names:
        lo = rep.layers[lname]
        assert lo.synapses == int(sp.masks()[lname].count_nonzero())
        assert lo.dense_sops >= lo.sops
    # the dense classifier: sparse count == dense count
    clf = rep.layers[model.classifier_name]
    assert clf.sops == clf.dense_sops and clf.macs == clf.dense_macs


@pytest.mark.parametrize("analog", [False, True])
def test_a_sparse_layer_counts_as_its_masked_twin(analog):
    from snn_adapters import to_sparse

    x = torch.tensor([[[1., 0., 1.], [0., 0., 0.]],
                      [[1., 1., 0.], [1., 1., 1.]]])
    if analog:
        x = x * 0.5
    masked = nn.Sequential(masked_linear())
    want = count_synaptic_operations(masked, x)
    to_sparse(masked)
    got = count_synaptic_operations(masked, x)
    assert type(masked[0]).__name__ == "SparseLinear"
    assert (got.sops, got.macs, got.dense_sops, got.dense_macs) == (
        want.sops, want.macs, want.dense_sops, want.dense_macs)
    assert got.layers["0"].synapses == 4 and got.layers["0"].dense_synapses == 6


def test_paper_models_hand_counts():
    """Hand counts on tiny paper models fed all-ones frames (binary input: SOPs)."""
    T, n = 2, 3
    # SPS stem: a 3x3 conv with padding 1 over a 4x4 map reaches 4 taps at the 4 corners, 6 at
    # the 8 edge positions and 9 at the 4 inner ones: 100 taps per (input, output) channel
    sf = build_model("spikformer-4-384", image_shape=(2, 4, 4), embed_dim=16, depth=1,
                     heads=2, n_classes=3)
    rep = count_synaptic_operations(sf, torch.ones(T, n, 2, 4, 4))
    first = rep.layers["sps.convs.0"]
    assert (first.sops, first.macs) == (T * 100 * 2 * 2, 0)  # 2 -> 16 / 8 = 2 channels
    # 6conv2fc: the same for its first conv (3 -> 4 channels); its FC layers see spikes
    cnn = build_model("6conv2fc", image_shape=(3, 4, 4), channels=(4, 4, 4), hidden=8,
                      n_classes=3)
    rep = count_synaptic_operations(cnn, torch.ones(T, n, 3, 4, 4))
    assert rep.layers["conv1"].sops == T * 100 * 3 * 4
    # 4fc: all-ones input reaches every synapse of fc1 once per step
    deep = build_model("4fc", n_in=5, hidden=6, n_classes=3)
    rep = count_synaptic_operations(deep, torch.ones(T, n, 5))
    assert rep.layers["fc1"].sops == T * 5 * 6
