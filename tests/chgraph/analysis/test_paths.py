"""chgraph.analysis.paths: characteristic path length and global efficiency."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given

from chgraph.analysis import path_lengths
from chgraph.testing.strategies import adjacency


def _check_against_networkx(g):
    p = path_lengths(g)
    assert p.characteristic_path_length == pytest.approx(nx.average_shortest_path_length(g))
    assert p.global_efficiency == pytest.approx(nx.global_efficiency(g))
    assert p.lcc_fraction == 1.0 and p.exact and p.n_sources == g.number_of_nodes()


def test_known_graphs():
    n = 9
    p = path_lengths(nx.path_graph(n))
    assert p.characteristic_path_length == pytest.approx((n + 1) / 3)
    k = path_lengths(nx.complete_graph(n))
    assert k.characteristic_path_length == 1.0 and k.global_efficiency == 1.0
    s = path_lengths(nx.star_graph(n))  # hub + n leaves
    assert s.characteristic_path_length == pytest.approx(2 - 2 / (n + 1))
    kmn = path_lengths(np.ones((3, 4)))  # K(3,4): 24 pairs at 1, 6+12 at 2
    assert kmn.characteristic_path_length == pytest.approx((24 + 2 * 18) / 42)
    for g in (nx.grid_2d_graph(4, 6), nx.cycle_graph(10), nx.petersen_graph()):
        _check_against_networkx(g)


@given(adjacency(min_nodes=2))
def test_on_the_largest_component(A):
    g = nx.from_numpy_array(A)
    lcc = max(sorted(nx.connected_components(g), key=min), key=len)
    p = path_lengths(A, bipartite=False)
    assert p.n_nodes_lcc == len(lcc) and p.lcc_fraction == len(lcc) / A.shape[0]
    if len(lcc) < 2:
        assert np.isnan(p.characteristic_path_length) and np.isnan(p.global_efficiency)
    else:
        sub = g.subgraph(lcc)
        assert p.characteristic_path_length == pytest.approx(nx.average_shortest_path_length(sub))
        assert p.global_efficiency == pytest.approx(nx.global_efficiency(sub))


def test_sampled_sources_estimate_the_exact_value():
    g = nx.gnm_random_graph(600, 2400, seed=2)
    exact = path_lengths(g)
    est = path_lengths(g, n_sources=120, rng=0)
    assert not est.exact and est.n_sources == 120
    assert est.characteristic_path_length == pytest.approx(
        exact.characteristic_path_length, rel=0.02
    )
    assert est.global_efficiency == pytest.approx(exact.global_efficiency, rel=0.02)
    assert path_lengths(g, n_sources=120, rng=0) == est  # seeded
    assert path_lengths(g, n_sources=10_000).exact


def test_bad_options():
    with pytest.raises(ValueError, match="n_sources"):
        path_lengths(nx.path_graph(3), n_sources=0)
    with pytest.raises(TypeError, match="n_sources"):
        path_lengths(nx.path_graph(3), n_sources=2.5)
