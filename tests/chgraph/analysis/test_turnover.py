"""chgraph.analysis.turnover: link turnover between two snapshots."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given

from chgraph.analysis import degree_preserving_null, link_turnover
from chgraph.testing.strategies import adjacency, biadjacency


@given(biadjacency())
def test_turnover_of_a_layer_with_itself_is_zero(B):
    t = link_turnover(B, B)
    assert t["n_removed"] == t["n_added"] == 0
    assert t["removed_fraction"] == t["added_fraction"] == 0.0
    assert t["jaccard"] == 1.0 and t["n_common"] == int(B.sum())


@given(biadjacency(), biadjacency())
def test_turnover_counts_set_differences(A, B):
    if A.shape != B.shape:
        with pytest.raises(ValueError, match="different shapes"):
            link_turnover(A, B)
        return
    t = link_turnover(A, B)
    a, b = A.astype(bool), B.astype(bool)
    assert t["n_removed"] == int((a & ~b).sum()) and t["n_added"] == int((b & ~a).sum())
    union = int((a | b).sum())
    assert t["jaccard"] == (int((a & b).sum()) / union if union else 1.0)
    back = link_turnover(B, A)  # symmetric roles
    assert back["n_removed"] == t["n_added"] and back["jaccard"] == t["jaccard"]


@given(adjacency())
def test_turnover_of_graphs_counts_each_link_once(A):
    t = link_turnover(A, np.zeros_like(A), bipartite=False)
    assert t["n_before"] == int(A.sum()) // 2 and t["n_after"] == 0
    assert t["removed_fraction"] == (1.0 if A.any() else 0.0)


def test_constant_link_count_gives_equal_fractions():
    B = np.random.default_rng(0).random((30, 40)) < 0.2
    null = degree_preserving_null(B, rng=0)
    t = link_turnover(B, null)
    assert t["removed_fraction"] == t["added_fraction"] > 0.5
    g = nx.path_graph(4)
    assert link_turnover(g, nx.cycle_graph(4))["n_added"] == 1


def test_mixed_kinds_are_refused():
    with pytest.raises(ValueError, match="both be layers"):
        link_turnover(np.ones((2, 2)), nx.path_graph(4))
