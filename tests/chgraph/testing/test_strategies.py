"""chgraph.testing.strategies: every shape within its bounds, chains, input formats."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

import chgraph
from chgraph.testing import reference
from chgraph.testing.formats import BIPARTITE_FORMATS, UNIPARTITE_FORMATS
from chgraph.testing.strategies import (
    SHAPES,
    adjacency,
    biadjacency,
    chains,
    graphs,
    input_formats,
    layers,
)


def is_graph(A) -> bool:
    return A.shape[0] == A.shape[1] and np.array_equal(A, A.T) and not A.trace()


def components(A) -> int:
    return connected_components(sp.csr_array(A), directed=False)[0]


@given(st.data())
def test_layers_stay_in_bounds(data):
    lo_r, lo_c = data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))
    hi_r, hi_c = lo_r + data.draw(st.integers(0, 4)), lo_c + data.draw(st.integers(0, 4))
    B = data.draw(layers(hi_r, hi_c, lo_r, lo_c))
    assert B.dtype == np.int8 and set(np.unique(B)) <= {0, 1}
    assert lo_r <= B.shape[0] <= hi_r and lo_c <= B.shape[1] <= hi_c


@given(st.data())
def test_graphs_stay_in_bounds(data):
    lo = data.draw(st.integers(0, 3))
    hi = lo + data.draw(st.integers(0, 5))
    A = data.draw(graphs(hi, lo))
    assert A.dtype == np.int8 and set(np.unique(A)) <= {0, 1}
    assert lo <= A.shape[0] <= hi and is_graph(A)


@given(layers(shapes=["empty"]), graphs(shapes=["empty"]))
def test_empty(B, A):
    assert not B.any() and not A.any()


@given(layers(shapes=["complete"]), graphs(shapes=["complete"]))
def test_complete(B, A):
    assert B.all() and np.array_equal(A, 1 - np.eye(len(A), dtype=np.int8))


@given(layers(shapes=["nearly_complete"]), graphs(shapes=["nearly_complete"]))
def test_nearly_complete(B, A):
    assert (B.size == 0 or 1 <= (B == 0).sum() <= 2)
    missing = (A == 0).sum() - len(A)
    assert missing == 0 if len(A) < 2 else missing in (2, 4)
    assert is_graph(A)


@given(layers(shapes=["isolated"]), graphs(shapes=["isolated"]))
def test_isolated(B, A):
    if B.size or B.shape != (0, 0):
        assert (~B.any(axis=1)).any() or (~B.any(axis=0)).any()
    if len(A):
        assert (~A.any(axis=1)).any()


@given(layers(shapes=["disconnected"], min_rows=2, min_cols=2),
       graphs(shapes=["disconnected"], min_nodes=2))
def test_disconnected(B, A):
    assert components(reference.embed(B)) >= 2
    assert components(A) >= 2 and is_graph(A)


@seed(2)
@settings(max_examples=60, derandomize=False)
@given(layers(shapes=["skewed"], min_rows=6, max_rows=6, min_cols=6, max_cols=6))
def _collect_skewed(B):
    SKEWED.append(B)


SKEWED: list = []


def test_skewed_degrees():
    """Node r weighs 1 / (r + 1): the first nodes are hubs, the last have low degrees."""
    SKEWED.clear()
    _collect_skewed()
    degrees = np.mean([B.sum(axis=1) for B in SKEWED], axis=0)
    assert degrees[0] > 2 * degrees[-1] and degrees[0] > 3
    degrees = np.mean([B.sum(axis=0) for B in SKEWED], axis=0)
    assert degrees[0] > 2 * degrees[-1]


def test_every_shape_is_drawn():
    seen = set()

    @settings(max_examples=100, derandomize=True)
    @given(st.sampled_from(SHAPES).flatmap(
        lambda s: layers(shapes=[s], min_rows=3, min_cols=3).map(lambda B: (s, B))))
    def collect(drawn):
        seen.add(drawn[0])

    collect()
    assert seen == set(SHAPES)


def test_unknown_shape():
    with pytest.raises(ValueError, match="unknown shapes"):
        layers(shapes=["star"])
    with pytest.raises(ValueError, match="unknown shapes"):
        graphs(shapes=[])


@given(biadjacency(max_rows=3, max_cols=4, min_rows=1), adjacency(max_nodes=4))
def test_uniform_strategies(B, A):
    assert 1 <= B.shape[0] <= 3 and B.shape[1] <= 4 and set(np.unique(B)) <= {0, 1}
    assert len(A) <= 4 and is_graph(A)


@given(chains(max_layers=3, max_size=5, min_size=2, shapes=["random", "isolated"]))
def test_chains_chain(chain):
    assert 1 <= len(chain) <= 3
    for B, C in zip(chain[:-1], chain[1:], strict=True):
        assert B.shape[1] == C.shape[0]
    assert all(2 <= n <= 5 for B in chain for n in B.shape)


@given(input_formats())
def test_layer_input_formats_read_back(drawn):
    name, B, value = drawn
    assert name in BIPARTITE_FORMATS
    assert chgraph.as_layer(value) == chgraph.BipartiteLayer(B), name


@given(input_formats(bipartite=False, formats=["Graph", "networkx digraph", "weights"]))
def test_graph_input_formats_read_back(drawn):
    name, A, value = drawn
    assert name in ("Graph", "networkx digraph", "weights") and name in UNIPARTITE_FORMATS
    assert np.array_equal(chgraph.as_graph(value).to_dense(), A), name
