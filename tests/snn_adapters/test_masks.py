"""Mask buffers and the link-level exchange with the engine (snn_adapters.masks)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from snn_adapters.masks import change_links, layer_links, set_mask

from ._models import train_step
from .test_sparsifier import check_invariants, make


@st.composite
def masked_layers(draw):
    n_in, n_out = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    conv = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    layer = nn.Conv1d(n_in, n_out, 1) if conv else nn.Linear(n_in, n_out)
    mask = torch.rand(n_out, n_in, generator=g) < draw(st.sampled_from([0.0, 0.3, 0.8, 1.0]))
    set_mask(layer, mask)
    return layer, mask, seed


def get_2d(w):
    return w.reshape(w.shape[0], w.shape[1])


@given(masked_layers())
def test_layer_links_lists_the_mask_in_engine_order(case):
    layer, mask, _ = case
    links, w = layer_links(layer)
    w2 = get_2d(layer.weight).detach()
    # oracle: the engine's n_in x n_out mask, flattened row by row
    np.testing.assert_array_equal(links, np.flatnonzero(mask.T.numpy()))
    np.testing.assert_array_equal(w, w2.T.numpy().ravel()[links])
    again, w_again = layer_links(layer, links)  # known links: only the weights are gathered
    np.testing.assert_array_equal(again, links)
    np.testing.assert_array_equal(w_again, w)


@given(masked_layers(), st.data())
def test_change_links_touches_exactly_the_changed_entries(case, data):
    layer, mask, seed = case
    n_out, n_in = mask.shape
    opt = torch.optim.Adam(layer.parameters(), lr=0.1)
    get_2d(layer.weight).detach().mul_(mask)  # a masked layer has 0 off the mask
    layer(torch.rand(2, n_in, 1) if isinstance(layer, nn.Conv1d) else torch.rand(2, n_in)
          ).sum().backward()
    opt.step()
    with torch.no_grad():
        get_2d(layer.weight).mul_(mask)
    eng = mask.T.numpy().ravel()  # engine orientation, flat
    links, free = np.flatnonzero(eng), np.flatnonzero(~eng)
    removed = np.sort(data.draw(st.sets(st.sampled_from(links.tolist()) if links.size
                                        else st.nothing(), max_size=links.size)
                                .map(lambda s: np.array(sorted(s), dtype=np.int64))))
    pool = np.union1d(free, removed).tolist()
    regrown = data.draw(st.sets(st.sampled_from(pool) if pool else st.nothing(),
                                max_size=len(pool)).map(lambda s: np.array(sorted(s), np.int64)))
    w_before = get_2d(layer.weight).detach().T.numpy().ravel().copy()
    state_before = {k: get_2d(v).T.numpy().ravel().copy()
                    for k, v in opt.state[layer.weight].items() if v.shape == layer.weight.shape}
    change_links(layer, opt, removed, regrown)
    expect = eng.copy()
    expect[removed] = False
    expect[regrown] = True
    np.testing.assert_array_equal(get_2d(layer.weight_mask).T.numpy().ravel(), expect)
    touched = np.zeros(eng.size, bool)
    touched[removed] = touched[regrown] = True
    w_after = get_2d(layer.weight).detach().T.numpy().ravel()
    assert np.all(w_after[touched] == 0)
    np.testing.assert_array_equal(w_after[~touched], w_before[~touched])
    for k, before in state_before.items():
        after = get_2d(opt.state[layer.weight][k]).T.numpy().ravel()
        assert np.all(after[touched] == 0)
        np.testing.assert_array_equal(after[~touched], before[~touched])


@pytest.mark.parametrize("kind", ["sgd", "adam", "adamw"])
def test_remembered_links_and_gradient_factor_equal_a_fresh_computation(kind):
    """The sparsifier keeps each layer's links and its 0/1 gradient factor between updates
    and patches them at every update; a twin that forgets both after every step (so they are
    rebuilt from the mask buffers) ends bit for bit equal."""
    a_model, a_opt, a_sp = make(kind, update_interval=2)
    b_model, b_opt, b_sp = make(kind, update_interval=2)
    for step in range(11):
        train_step(a_model, a_opt, a_sp, step)
        train_step(b_model, b_opt, b_sp, step)
        b_sp._cache.clear()
        check_invariants(a_model, a_opt, a_sp)
    assert len(a_sp.history) == 5
    for (name, pa), pb in zip(a_model.named_parameters(), b_model.parameters(), strict=True):
        assert torch.equal(pa, pb), name
    for name, m in a_sp.masks().items():
        assert torch.equal(m, b_sp.masks()[name])


def test_a_mask_changed_in_place_between_updates_is_read_again():
    """``model.load_state_dict`` between two updates writes into the mask buffers: the next
    update starts from the loaded topology, not from the links remembered before."""
    model, opt, sp = make("adam", update_interval=2)
    donor, donor_opt, donor_sp = make("adam", seed=3, update_interval=2)
    for step in range(4):
        train_step(model, opt, sp, step)
        train_step(donor, donor_opt, donor_sp, step)
    assert sp._cache.links  # remembered after the update at step 4
    # deep copies: a live optimizer's state dict shares its tensors with the optimizer
    model.load_state_dict(copy.deepcopy(donor.state_dict()))
    opt.load_state_dict(copy.deepcopy(donor_opt.state_dict()))
    sp.load_state_dict(copy.deepcopy(donor_sp.state_dict()))
    for step in range(4, 8):
        train_step(model, opt, sp, step)
        train_step(donor, donor_opt, donor_sp, step)
    for name, m in sp.masks().items():
        assert torch.equal(m, donor_sp.masks()[name])
    assert torch.equal(model.fc1.weight, donor.fc1.weight)


def test_regrown_links_learn_after_the_update():
    model, opt, sp = make("adam", update_interval=2)
    before = {}
    for step in range(2):
        before = {n: m.clone() for n, m in sp.masks().items()}
        train_step(model, opt, sp, step)
    regrown = sp.masks()["fc1"] & ~before["fc1"]
    assert regrown.any()
    assert torch.all(model.fc1.weight[regrown] == 0)  # regrown with weight 0
    train_step(model, opt, sp, 2)
    assert torch.count_nonzero(model.fc1.weight[regrown]) > 0  # ... and then trained
