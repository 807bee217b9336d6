"""chgraph.analysis.null_models and small_world: degree-preserving swaps and sigma."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph import BipartiteLayer, Graph
from chgraph.analysis import degree_preserving_null, small_world_sigma
from chgraph.testing.strategies import adjacency, biadjacency


@given(biadjacency(), st.integers(0, 2**16))
def test_bipartite_null_keeps_both_sides_degrees(B, seed):
    null = degree_preserving_null(B, rng=seed)
    assert isinstance(null, BipartiteLayer) and null.shape == B.shape
    assert np.array_equal(null.in_degrees(), B.sum(axis=1))
    assert np.array_equal(null.out_degrees(), B.sum(axis=0))
    assert null.n_links == int(B.sum())  # no duplicate links
    assert null == degree_preserving_null(B, rng=seed)  # reproducible


@given(adjacency(), st.integers(0, 2**16))
def test_graph_null_keeps_degrees_and_stays_simple(A, seed):
    null = degree_preserving_null(A, rng=seed, bipartite=False)
    assert isinstance(null, Graph)
    M = null.to_dense()
    assert np.array_equal(M, M.T) and not M.diagonal().any()
    assert np.array_equal(M.sum(axis=1), A.sum(axis=1))


def test_nulls_mix():
    B = np.random.default_rng(0).random((60, 80)) < 0.1
    null = degree_preserving_null(B, rng=1)
    overlap = np.sum(null.to_dense() & B) / B.sum()
    assert overlap < 0.3  # about the density for a well-mixed null
    g = nx.watts_strogatz_graph(300, 6, 0.0, seed=0)  # a ring lattice
    h = degree_preserving_null(g, rng=0)
    assert nx.average_clustering(nx.from_scipy_sparse_array(h.csr)) < 0.1
    assert degree_preserving_null(B, swaps_per_link=0) == BipartiteLayer(B)


def test_no_swap_possible():
    assert degree_preserving_null(np.ones((3, 4))) == BipartiteLayer(np.ones((3, 4)))  # complete
    star = degree_preserving_null(nx.star_graph(5))
    assert np.array_equal(star.to_dense(), nx.to_numpy_array(nx.star_graph(5)))


def test_small_world_sigma():
    lattice_like = nx.watts_strogatz_graph(300, 8, 0.05, seed=1)
    sw = small_world_sigma(lattice_like, n_null=2, n_sources=100, rng=0)
    assert sw.sigma > 3 and sw.clustering > 0.4 and sw.clustering_null < 0.1
    er = nx.gnm_random_graph(300, 1200, seed=1)
    sw = small_world_sigma(er, n_null=2, n_sources=100, rng=0)
    assert sw.sigma == pytest.approx(1.0, abs=0.35)
    layer = np.random.default_rng(0).random((100, 100)) < 0.05
    sw = small_world_sigma(layer, n_null=2, rng=0)  # random layer: Latapy clustering, sigma ~ 1
    assert sw.sigma == pytest.approx(1.0, abs=0.2)
    assert np.isnan(small_world_sigma(nx.star_graph(4), n_null=1).sigma)  # C = C_null = 0


def test_bad_options():
    with pytest.raises(ValueError, match="swaps_per_link"):
        degree_preserving_null(np.ones((2, 2)), swaps_per_link=-1)
    with pytest.raises(ValueError, match="n_null"):
        small_world_sigma(nx.path_graph(4), n_null=0)
