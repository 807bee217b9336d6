"""Stage 1: layer discovery, exact sparsity, zeroed optimiser state, evolution, bad input."""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest
import torch
from torch import nn

from chgraph import BipartiteLayer
from chgraph.evolution import n_links_for
from snn_adapters import CHSNN, find_linear_layers, load_sparse_state_dict, normalize_name
from snn_adapters.layers import ForwardOrderRecorder

from ._models import N_IN, TinySNN, batch, make_optimizer, train_step

SPARSITY = 0.9


def make(kind="sgd", seed=0, **kw):
    torch.manual_seed(seed)
    model = TinySNN()
    opt = make_optimizer(kind, model.parameters())
    kw.setdefault("total_steps", 16)
    kw.setdefault("update_interval", 3)
    sp = CHSNN(model, opt, sparsity=kw.pop("sparsity", SPARSITY), seed=seed, **kw)
    return model, opt, sp


def check_invariants(model, opt, sp):
    for name, mask in sp.masks().items():
        layer = dict(model.named_modules())[name]
        assert mask.dtype == torch.bool and mask.shape == layer.weight.shape
        n_in, n_out = layer.weight.shape[1], layer.weight.shape[0]
        assert int(mask.sum()) == n_links_for((n_in, n_out), sp.sparsity)
        assert torch.all(layer.weight[~mask] == 0)
        for value in opt.state.get(layer.weight, {}).values():
            if isinstance(value, torch.Tensor) and value.shape == mask.shape:
                assert torch.all(value[~mask] == 0)


# -- layer discovery --------------------------------------------------------------------------
def test_finds_linear_layers_and_keeps_classifier_dense():
    model, _, sp = make()
    assert sp.layer_names == ["fc1", "fc2"]
    assert not hasattr(model.fc3, "weight_mask")
    _, _, sp2 = make(sparse_classifier=True)
    assert sp2.layer_names == ["fc1", "fc2", "fc3"]
    _, _, sp3 = make(exclude=["fc2"])
    assert sp3.layer_names == ["fc1"]
    _, _, sp4 = make(include="fc2")
    assert sp4.layer_names == ["fc2"]


def test_conv1d_kernel1_is_linear_and_names_are_normalised():
    m = nn.Sequential(nn.Conv1d(4, 6, 1), nn.Conv1d(6, 6, 3), nn.Linear(6, 3), nn.Linear(3, 2))
    names = [n for n, _ in find_linear_layers(m)]
    assert names == ["0", "2", "3"]

    class Wrapper(nn.Module):  # same names as DDP's `module.` and compile's `_orig_mod.`
        def __init__(self, inner):
            super().__init__()
            self.module = inner

    class Compiled(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self._orig_mod = inner

    assert [n for n, _ in find_linear_layers(Wrapper(Compiled(m)))] == names
    assert normalize_name("module._orig_mod.fc1") == "fc1"


def test_forward_order_and_chains():
    class Net(nn.Module):  # registration order differs from forward order
        def __init__(self):
            super().__init__()
            self.b = nn.Linear(16, 16)
            self.a = nn.Linear(8, 16)
            self.c = nn.Linear(12, 12)  # does not chain with b
            self.head = nn.Linear(12, 2)
            self.proj = nn.Linear(16, 12)

        def forward(self, x):
            return self.head(self.c(self.proj(self.b(torch.relu(self.a(x))))))

    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    sp = CHSNN(model, opt, sparsity=0.8, total_steps=10, update_interval=2, seed=0,
               classifier="head")
    rec = ForwardOrderRecorder(model)
    for _ in range(2):
        model(torch.randn(4, 8)).sum().backward()
        opt.step()
        sp.step()
    assert rec.order == ["a", "b", "proj", "c", "head"]
    assert sp.layer_names == ["a", "b", "proj", "c"]
    assert sp._chains == [["a", "b", "proj", "c"]]
    assert len(sp.history) == 1


def test_non_chaining_layers_form_separate_chains():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, 16)
            self.conv = nn.Conv1d(16, 16, 3, padding=1)  # dense weighted layer in between
            self.b = nn.Linear(16, 16)
            self.head = nn.Linear(16, 2)

        def forward(self, x):
            h = self.conv(self.a(x).unsqueeze(-1)).squeeze(-1)
            return self.head(self.b(h))

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sp = CHSNN(model, opt, sparsity=0.8, total_steps=10, update_interval=2, seed=0)
    for _ in range(2):
        model(torch.randn(4, 8)).sum().backward()
        opt.step()
        sp.step()
    assert sp._chains == [["a"], ["b"]] and sp.chains == [["a"], ["b"]]


# -- exact sparsity and optimiser state -----------------------------------------------------------
@pytest.mark.parametrize("kind", ["sgd", "adam", "adamw", "sgd-nesterov-wd",
                                  "adam-amsgrad-wd", "rmsprop", "adagrad"])
def test_exact_sparsity_and_zero_state_every_step(kind):
    model, opt, sp = make(kind)
    check_invariants(model, opt, sp)
    evolved = 0
    for step in range(12):
        before = {n: m.clone() for n, m in sp.masks().items()}
        stats = train_step(model, opt, sp, step)
        check_invariants(model, opt, sp)
        if stats is not None:
            evolved += 1
            assert stats["step"] == step + 1
            changed = False
            for name, mask in sp.masks().items():
                layer = dict(model.named_modules())[name]
                new = mask & ~before[name]
                changed |= bool(new.any())
                assert torch.all(layer.weight[new] == 0)  # regrown links start at 0
                for value in opt.state[layer.weight].values():
                    if isinstance(value, torch.Tensor) and value.shape == mask.shape:
                        assert torch.all(value[new] == 0)  # and with zero optimiser state
                st = stats["layers"][name]
                assert st["links"] == st["target"] == int(mask.sum())
                assert st["removed"] > 0 and st["regrown"] == st["removed"] + st["percolated"]
            assert changed
            assert 0 < stats["live_fraction"] <= 1
            assert stats["sparsity_sparse_layers"] == pytest.approx(SPARSITY, abs=1e-3)
            assert 0 < stats["sparsity_all_parameters"] < SPARSITY
    # end_step = 12: updates at 3, 6, 9
    assert evolved == 3 and [h["step"] for h in sp.history] == [3, 6, 9]
    assert sp.last_stats is sp.history[-1]


def test_apply_masks_after_editing_weights_by_hand():
    model, opt, sp = make("adam")
    train_step(model, opt, sp, 0)
    with torch.no_grad():
        model.fc1.weight.add_(1.0)  # a hand edit touches pruned weights too
        opt.state[model.fc1.weight]["exp_avg"].add_(1.0)
    sp.apply_masks()
    check_invariants(model, opt, sp)


def test_pruned_gradients_are_zero_when_the_optimizer_steps():
    model, opt, sp = make("sgd")
    seen = []
    opt.register_step_pre_hook(
        lambda o, a, k: seen.append(model.fc1.weight.grad[~model.fc1.weight_mask].abs().max()))
    train_step(model, opt, sp, 0)
    assert seen and float(seen[0]) == 0.0


# -- persistence ----------------------------------------------------------------------
def test_masks_survive_deepcopy_state_dict_and_save():
    model, opt, sp = make()
    for step in range(4):
        train_step(model, opt, sp, step)
    assert "fc1.weight_mask" in model.state_dict() and "fc3.weight_mask" not in model.state_dict()
    clone = copy.deepcopy(model)
    assert torch.equal(clone.fc1.weight_mask, model.fc1.weight_mask)
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=False)
    assert torch.equal(loaded.fc2.weight_mask, model.fc2.weight_mask)
    # a new sparsifier on the copy adopts its topology and weights
    opt2 = torch.optim.SGD(clone.parameters(), lr=0.01)
    CHSNN(clone, opt2, sparsity=SPARSITY, total_steps=16, seed=5)
    assert torch.equal(clone.fc1.weight_mask, model.fc1.weight_mask)
    assert torch.equal(clone.fc1.weight, model.fc1.weight)
    # sparsifier state round trip
    state = sp.state_dict()
    _, _, sp3 = make(seed=9)
    sp3.load_state_dict(state)
    assert sp3.state_dict() == state


def test_load_sparse_state_dict_into_a_plain_model():
    model, opt, sp = make()
    for step in range(4):
        train_step(model, opt, sp, step)
    fresh = TinySNN()
    with pytest.raises(RuntimeError, match="weight_mask"):
        fresh.load_state_dict(model.state_dict())  # torch alone rejects the mask buffers
    fresh = TinySNN()
    load_sparse_state_dict(fresh, model.state_dict())
    assert torch.equal(fresh.fc1.weight_mask, model.fc1.weight_mask)
    assert torch.equal(fresh.fc2.weight, model.fc2.weight)
    assert not hasattr(fresh.fc3, "weight_mask")
    x = batch(9)[0]
    assert torch.equal(fresh(x), model(x))
    # a mask of another shape or for a missing layer: an error before anything changes
    bad = dict(model.state_dict())
    bad["fc1.weight_mask"] = bad["fc1.weight_mask"][:, :-1]
    other = TinySNN()
    before = other.fc1.weight.clone()
    with pytest.raises(ValueError, match="shape"):
        load_sparse_state_dict(other, bad)
    assert not hasattr(other.fc1, "weight_mask") and torch.equal(other.fc1.weight, before)
    bad = dict(model.state_dict())
    bad["fc9.weight_mask"] = bad.pop("fc1.weight_mask")
    with pytest.raises(ValueError, match="fc9"):
        load_sparse_state_dict(TinySNN(), bad)


def test_graphs_are_bipartite_layers():
    model, _, sp = make()
    g = sp.graphs()
    assert list(g) == ["fc1", "fc2"]
    assert isinstance(g["fc1"], BipartiteLayer) and g["fc1"].shape == (N_IN, 32)
    assert g["fc1"].n_links == int(model.fc1.weight_mask.sum())
    np.testing.assert_array_equal(g["fc2"].to_dense() != 0,
                                  model.fc2.weight_mask.numpy().T)


# -- the three-line integration -------------------------------------------------------------------
def test_integration_in_an_unmodified_loop():
    torch.manual_seed(0)
    model = TinySNN()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    criterion = nn.CrossEntropyLoss()
    loader = [batch(i) for i in range(5)]
    epochs = 3
    sparsifier = CHSNN(model, optimizer, sparsity=0.95, total_steps=epochs * len(loader),
                       update_interval=len(loader), seed=1)
    with sparsifier.calibrate():
        for x, _ in loader[:2]:
            model(x)
    for _ in range(epochs):
        for x, y in loader:
            loss = criterion(model(x), y); optimizer.zero_grad(); loss.backward(); optimizer.step()  # noqa: E702,E501
            sparsifier.step()
    assert torch.isfinite(loss)
    assert sparsifier.step_count == 15 and [h["step"] for h in sparsifier.history] == [5, 10]
    check_invariants(model, optimizer, sparsifier)


# -- bad input ----------------------------------------------------------------------
def _snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("sparsity", [0.0, 1.0, 1.5, -0.1])
def test_bad_sparsity_leaves_model_untouched(sparsity):
    torch.manual_seed(0)
    model = TinySNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = _snapshot(model)
    with pytest.raises(ValueError, match="sparsity"):
        CHSNN(model, opt, sparsity=sparsity, total_steps=10)
    after = model.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)


def test_no_eligible_layer():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 2))  # only a classifier
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="no eligible layer"):
        CHSNN(model, opt, sparsity=0.9, total_steps=10)
    assert not hasattr(model[2], "weight_mask")
    with pytest.raises(ValueError, match="no eligible layer"):
        CHSNN(TinySNN(), opt, sparsity=0.9, total_steps=10, include=["nothing*"])


def test_optimizer_without_the_weights():
    model = TinySNN()
    opt = torch.optim.SGD(model.fc3.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer does not hold"):
        CHSNN(model, opt, sparsity=0.9, total_steps=10)
    assert not hasattr(model.fc1, "weight_mask")


def test_step_before_optimizer_step():
    model, opt, sp = make()
    with pytest.raises(RuntimeError, match="before optimizer.step"):
        sp.step()
    train_step(model, opt, sp, 0)
    assert sp.step() is None and sp.step_count == 1  # no new optimiser step: not counted


def test_state_from_another_model_is_rejected():
    model, opt, sp = make()
    for step in range(4):
        train_step(model, opt, sp, step)
    mine = sp.state_dict()
    torch.manual_seed(0)
    other = TinySNN(hidden=16)
    other_sp = CHSNN(other, torch.optim.SGD(other.parameters(), lr=0.1), sparsity=SPARSITY,
                     total_steps=16, seed=0)
    with pytest.raises(ValueError, match="other layers"):
        sp.load_state_dict(other_sp.state_dict())
    bad = dict(mine, sparsity=0.5)
    with pytest.raises(ValueError, match="sparsity"):
        sp.load_state_dict(bad)
    bad = dict(mine, rng={"bit_generator": "Nope"})
    with pytest.raises(ValueError, match="rng"):
        sp.load_state_dict(bad)
    assert sp.state_dict() == mine


# -- options used by the baselines ----------------------------------------------------------------
def test_rigl_regrowth_follows_dense_gradient_magnitudes():
    model, opt, sp = make("sgd", regrowth="scores", regrowth_mode="topk", removal="magnitude",
                          removal_mode="hard", percolation=False, total_steps=40,
                          update_interval=3)
    x, y = batch(0)
    for step in range(1, 4):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        if step == 3:  # the update step: remember the dense gradient before masking
            dense_grad = model.fc1.weight.grad.detach().abs().clone()
            before = model.fc1.weight_mask.clone()
        opt.step()
        stats = sp.step()
    assert stats is not None and stats["layers"]["fc1"]["percolated"] == 0
    after = model.fc1.weight_mask
    new = after & ~before
    kept = after & before
    cand = ~kept & ~new  # candidates that were not chosen (removed ones included)
    assert int(new.sum()) > 0
    assert dense_grad[new].min() >= dense_grad[cand].max()
    check_invariants(model, opt, sp)


def test_explicit_chains_are_used_and_checked():
    _, _, sp = make(chains=[["fc1"], ["fc2"]])
    assert sp._chains == [["fc1"], ["fc2"]] and sp.chains == [["fc1"], ["fc2"]]
    with pytest.raises(ValueError, match="exactly once"):
        make(chains=[["fc1"]])
    with pytest.raises(ValueError, match="inputs"):
        make(chains=[["fc2", "fc1"]])  # fc2 has 32 outputs, fc1 20 inputs
