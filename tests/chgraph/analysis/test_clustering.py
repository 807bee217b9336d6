"""chgraph.analysis.clustering: Latapy bipartite clustering and Watts-Strogatz clustering."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from networkx.algorithms import bipartite as nxb

from chgraph.analysis import average_clustering, clustering
from chgraph.testing.strategies import adjacency, biadjacency


@given(biadjacency())
def test_bipartite_clustering_matches_networkx(B):
    g = nxb.from_biadjacency_matrix(sp.csr_array(B))
    nodes = list(range(g.number_of_nodes()))
    for mode in ("dot", "min", "max"):
        ref = nxb.clustering(g, mode=mode)
        assert np.allclose(clustering(B, mode=mode), [ref[v] for v in nodes])
        if nodes:
            assert average_clustering(B, mode=mode) == pytest.approx(
                nxb.average_clustering(g, mode=mode)
            )


@given(adjacency())
def test_graph_clustering_matches_networkx(A):
    g = nx.from_numpy_array(A)
    ref = nx.clustering(g)
    assert np.allclose(clustering(A, bipartite=False), [ref[v] for v in range(A.shape[0])])


def test_known_values():
    assert average_clustering(np.ones((3, 5))) == 1.0  # K(3,5)
    assert average_clustering(np.ones((1, 4))) == pytest.approx(4 / 5)  # star as a layer
    assert average_clustering(np.ones((1, 4)), side="in") == 0.0
    assert average_clustering(np.ones((1, 4)), side="out") == 1.0
    assert average_clustering(nx.complete_graph(6)) == 1.0
    assert average_clustering(nx.star_graph(5)) == 0.0
    assert average_clustering(nx.grid_2d_graph(5, 5)) == 0.0
    assert average_clustering(nx.path_graph(5)) == 0.0
    # a path read as a layer: inputs {0, 2}, outputs {1, 3} of 0-1-2-3
    path = nx.path_graph(4)
    nx.set_node_attributes(path, {v: v % 2 for v in path}, "bipartite")
    assert clustering(path).tolist() == [0.5, 0.5, 0.5, 0.5]
    assert np.isnan(average_clustering(np.zeros((0, 0))))


def test_erdos_renyi_clustering_is_about_p():
    p = 0.1
    g = nx.gnp_random_graph(400, p, seed=0)
    assert average_clustering(g) == pytest.approx(p, abs=0.015)
    # random layer: Latapy dot overlap of two inputs ~ p^2 n / (2 p n - p^2 n) = p / (2 - p)
    B = np.random.default_rng(0).random((300, 300)) < p
    assert average_clustering(B) == pytest.approx(p / (2 - p), rel=0.1)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        clustering(np.ones((2, 2)), mode="sum")
