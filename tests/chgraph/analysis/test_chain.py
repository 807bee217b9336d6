"""chgraph.analysis.chain: chain_graph, live_neurons, live_fraction."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph import BipartiteLayer, as_layer
from chgraph.analysis import chain_graph, live_counts, live_fraction, live_neurons
from chgraph.evolution import percolate
from chgraph.testing.strategies import chains


@given(chains())
def test_chain_graph_counts_and_attributes(layers):
    g = chain_graph(layers)
    sizes = [layers[0].shape[0]] + [b.shape[1] for b in layers]
    assert g.number_of_nodes() == sum(sizes)
    assert g.number_of_edges() == sum(int(b.sum()) for b in layers)
    for (level, index), data in g.nodes(data=True):
        assert data == {"layer": level, "bipartite": level % 2}
        assert 0 <= index < sizes[level]
    for u, v in g.edges():
        assert abs(u[0] - v[0]) == 1  # links only between consecutive levels
        lo, hi = sorted((u, v))
        assert layers[lo[0]][lo[1], hi[1]] == 1
    adj, level = chain_graph(layers, output="scipy")
    assert np.bincount(level).tolist() == sizes
    order = [(lv, i) for lv, s in enumerate(sizes) for i in range(s)]
    ref = nx.to_scipy_sparse_array(g, nodelist=order)
    assert (adj != ref).nnz == 0
    assert (adj != adj.T).nnz == 0


def test_chain_graph_round_trips_through_as_layer():
    layers = [np.ones((2, 3)), np.eye(3)]
    big = as_layer(chain_graph(layers))  # even levels against odd ones
    assert big.shape == (2 + 3, 3) and big.n_links == 6 + 3


def test_chain_graph_rejects_bad_input():
    with pytest.raises(ValueError, match="do not chain"):
        chain_graph([np.ones((2, 3)), np.ones((2, 2))])
    with pytest.raises(ValueError, match="no layers"):
        chain_graph([])
    with pytest.raises(TypeError, match="sequence of layers"):
        chain_graph(np.ones((2, 2)))
    with pytest.raises(TypeError, match="sequence of layers"):
        chain_graph(BipartiteLayer(np.ones((2, 2))))
    with pytest.raises(ValueError, match="output"):
        chain_graph([np.ones((2, 2))], output="igraph")


@given(chains())
def test_live_neurons_match_the_engine_percolation(layers):
    _, _, live_ref = percolate(layers)
    live = live_neurons(layers)
    assert len(live) == len(layers) + 1
    for a, b in zip(live, live_ref, strict=True):
        assert np.array_equal(a, b)
    direct = live_neurons(layers, cascade=False)
    for l in range(1, len(layers)):  # direct test: in and out degree on the links as given
        expected = (layers[l - 1].sum(0) > 0) & (layers[l].sum(1) > 0)
        assert np.array_equal(direct[l], expected)
        assert not np.any(live[l] & ~direct[l])  # the cascade only kills more


@given(chains())
def test_live_neurons_dense_after_counts_the_outputs_as_hidden(layers):
    """Oracle: the engine's percolation of the chain closed by a fixed, full layer."""
    closed = [*layers, np.ones((layers[-1].shape[1], 1))]
    _, _, ref = percolate(closed, fixed=[False] * len(layers) + [True])
    live = live_neurons(layers, dense_after=True)
    assert len(live) == len(layers) + 1
    for a, b in zip(live, ref[:-1], strict=True):
        assert np.array_equal(a, b)
    direct = live_neurons(layers, cascade=False, dense_after=True)
    assert np.array_equal(direct[-1], layers[-1].sum(0) > 0)  # live iff an incoming link
    for l in range(1, len(layers)):
        assert np.array_equal(direct[l], (layers[l - 1].sum(0) > 0) & (layers[l].sum(1) > 0))
    hidden = np.concatenate(live[1:])
    assert live_fraction(layers, dense_after=True) == pytest.approx(hidden.mean())


def test_live_fraction():
    full = [np.ones((3, 4)), np.ones((4, 2))]
    assert live_fraction(full) == 1.0
    assert np.isnan(live_fraction([np.ones((3, 4))]))  # no hidden neuron
    dead_end = [np.ones((2, 2)), np.array([[1], [0]])]
    assert live_fraction(dead_end) == 0.5
    # before a dense classifier, a single layer has hidden neurons: its outputs
    assert live_fraction([np.array([[1, 0, 0], [1, 1, 0]])], dense_after=True) == 2 / 3
    assert live_fraction(dead_end, dense_after=True) == 2 / 3  # 1 of 2, then 1 of 1


def _brute_force_live(layers, dense_after: bool) -> list[np.ndarray]:
    """Oracle written from the definition: remove every link of a dead hidden neuron (no
    incoming or no outgoing link; the outputs under dense_after have all outgoing links)
    until nothing changes; then the hidden levels' live neurons."""
    masks = [np.asarray(m, bool).copy() for m in layers]
    while True:
        changed = False
        for l in range(1, len(masks) + (1 if dense_after else 0)):
            has_in = masks[l - 1].any(0)
            has_out = masks[l].any(1) if l < len(masks) else np.ones_like(has_in)
            dead = ~(has_in & has_out)
            if masks[l - 1][:, dead].any() or (l < len(masks) and masks[l][dead].any()):
                masks[l - 1][:, dead] = False
                if l < len(masks):
                    masks[l][dead] = False
                changed = True
        if not changed:
            break
    hidden = []
    for l in range(1, len(masks) + (1 if dense_after else 0)):
        has_out = masks[l].any(1) if l < len(masks) else np.ones(masks[l - 1].shape[1], bool)
        hidden.append(masks[l - 1].any(0) & has_out)
    return hidden


@given(st.lists(chains(), min_size=1, max_size=3), st.booleans())
def test_live_fraction_is_the_pooled_definition_on_masks_and_links(groups, dense_after):
    """live_fraction over several chains, live_counts on flat link lists and a brute-force
    oracle of the definition agree (the one live-neuron fraction of the project)."""
    layers = [m for g in groups for m in g]
    chains_idx, start = [], 0
    for g in groups:
        chains_idx.append(list(range(start, start + len(g))))
        start += len(g)
    live = hidden = 0
    for g in groups:
        oracle = _brute_force_live(g, dense_after)
        links = [np.flatnonzero(np.asarray(m, bool)) for m in g]
        got = live_counts(links, [m.shape for m in g], dense_after=dense_after)
        assert got == (sum(int(v.sum()) for v in oracle), sum(v.size for v in oracle))
        live, hidden = live + got[0], hidden + got[1]
    value = live_fraction(layers, dense_after=dense_after, chains=chains_idx)
    if hidden:
        assert value == live / hidden
    else:
        assert np.isnan(value)
    if len(groups) == 1:
        assert live_fraction(layers, dense_after=dense_after) == pytest.approx(value,
                                                                                nan_ok=True)


def test_live_counts_checks_its_input():
    with pytest.raises(ValueError, match="outside a layer"):
        live_counts([np.array([6])], [(2, 3)])
    with pytest.raises(ValueError, match="link lists"):
        live_counts([np.array([0])], [(2, 3), (3, 1)])
    with pytest.raises(ValueError, match="do not chain"):
        live_counts([np.array([0]), np.array([0])], [(2, 3), (2, 1)])
