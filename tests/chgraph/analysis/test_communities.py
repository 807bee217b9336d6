"""chgraph.analysis.communities: Louvain communities and modularity."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph.analysis import communities, modularity
from chgraph.testing.strategies import adjacency


@given(adjacency(min_nodes=1), st.integers(1, 4), st.sampled_from([0.5, 1.0, 2.0]))
def test_modularity_matches_networkx(A, n_groups, resolution):
    g = nx.from_numpy_array(A)
    labels = np.arange(A.shape[0]) % n_groups
    sets = [set(np.flatnonzero(labels == c).tolist()) for c in range(n_groups)]
    sets = [s for s in sets if s]
    q = modularity(A, labels, resolution=resolution, bipartite=False)
    if g.number_of_edges() == 0:
        assert np.isnan(q)
    else:
        ref = nx.community.modularity(g, sets, resolution=resolution)
        assert q == pytest.approx(ref)
        assert modularity(g, sets, resolution=resolution) == pytest.approx(ref)


def test_louvain_finds_planted_cliques():
    g = nx.ring_of_cliques(4, 6)
    for backend in ("networkx", "igraph"):
        result = communities(g, backend=backend, rng=1)
        assert result.n_communities == 4
        assert sorted(len(s) for s in result.sets()) == [6, 6, 6, 6]
        assert result.modularity == pytest.approx(modularity(g, result.labels))
        assert result.modularity == pytest.approx(
            nx.community.modularity(g, result.sets())
        )
    greedy = communities(g, method="greedy")
    assert greedy.n_communities == 4


def test_communities_are_reproducible_and_labelled_by_size():
    g = nx.planted_partition_graph(3, 15, 0.5, 0.02, seed=3)
    a = communities(g, rng=7)
    b = communities(g, rng=7)
    assert np.array_equal(a.labels, b.labels) and a.modularity == b.modularity
    sizes = np.bincount(a.labels)
    assert np.all(np.diff(sizes) <= 0)
    ia = communities(g, rng=7, backend="igraph")
    ib = communities(g, rng=7, backend="igraph")
    assert np.array_equal(ia.labels, ib.labels)


def test_known_modularity_values():
    # complete graph, one community: Q = 0
    assert modularity(nx.complete_graph(5), [0] * 5) == pytest.approx(0.0)
    # K(2,2) split by side: no link inside, Q = -1/2
    assert modularity(np.ones((2, 2)), [0, 0, 1, 1]) == pytest.approx(-0.5)
    # a layer's communities cover the inputs and the outputs
    result = communities(np.kron(np.eye(3), np.ones((4, 4))))
    assert result.labels.size == 24 and result.n_communities == 3


def test_bad_partitions_and_options():
    g = nx.path_graph(4)
    with pytest.raises(ValueError, match="4 nodes"):
        modularity(g, [0, 1])
    with pytest.raises(ValueError, match="overlap"):
        modularity(g, [{0, 1}, {1, 2, 3}])
    with pytest.raises(ValueError, match="miss"):
        modularity(g, [{0, 1}, {2}])
    with pytest.raises(ValueError, match="method"):
        communities(g, method="infomap")
    with pytest.raises(ValueError, match="backend"):
        communities(g, backend="graph-tool")
    with pytest.raises(ValueError, match="greedy"):
        communities(g, method="greedy", backend="igraph")
    with pytest.raises(TypeError, match="rng"):
        communities(g, rng=0.5)
