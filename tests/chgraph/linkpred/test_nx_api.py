"""chgraph.predict_links: the networkx-style interface."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chgraph
from chgraph.testing import reference as oracle
from chgraph.testing.strategies import adjacency, biadjacency

predict_links = chgraph.predict_links


def labelled_graph(A, labels):
    G = nx.Graph()
    G.add_nodes_from(labels)
    G.add_edges_from((labels[u], labels[v]) for u, v in zip(*np.nonzero(np.triu(A)), strict=True))
    return G


def bipartite_graph(B, row_labels, col_labels):
    G = nx.Graph()
    G.add_nodes_from(row_labels, bipartite=0)
    G.add_nodes_from(col_labels, bipartite=1)
    G.add_edges_from((row_labels[i], col_labels[o])
                     for i, o in zip(*np.nonzero(B), strict=True))
    return G


def as_dict(triples):
    out = {}
    for u, v, s in triples:
        key = frozenset((u, v))
        assert key not in out
        out[key] = s
    return out


# ------------------------------------------------------------------------------------------
# unipartite graphs
# ------------------------------------------------------------------------------------------
@given(adjacency(), st.sampled_from(["CH3-L3", "CH3.1-L3", "RA-L2", "CH2-L2"]),
       st.sampled_from(oracle.INTERNAL_RULES))
def test_unipartite_default_ebunch_is_non_edges(A, method, rule):
    n = A.shape[0]
    labels = [f"n{t}" for t in range(n)][::-1]  # labels not in index order
    G = labelled_graph(A, labels)
    result = predict_links(G, method, internal_degree=rule)
    assert iter(result) is result
    got = as_dict(result)
    assert set(got) == {frozenset(e) for e in nx.non_edges(G)}
    S = chgraph.link_scores(A, method, bipartite=False, internal_degree=rule)
    for u in range(n):
        for v in range(u + 1, n):
            if not A[u, v]:  # equal up to rounding: see test_score_independent_of_pair_order
                assert got[frozenset((labels[u], labels[v]))] == pytest.approx(S[u, v], rel=1e-12)


@given(adjacency(min_nodes=2), st.data())
def test_unipartite_explicit_ebunch_keeps_order_and_orientation(A, data):
    n = A.shape[0]
    G = labelled_graph(A, list(range(n)))
    non = list(nx.non_edges(G))
    ebunch = data.draw(st.lists(st.sampled_from(non), max_size=8)) if non else []
    ebunch = [(v, u) if data.draw(st.booleans()) else (u, v) for u, v in ebunch]
    S = chgraph.link_scores(A, "CH3-L3", bipartite=False)
    got = list(predict_links(G, "CH3-L3", ebunch))
    assert [(u, v) for u, v, _ in got] == ebunch
    for u, v, s in got:
        assert isinstance(s, float) and s == S[u, v]


def test_score_independent_of_pair_order():
    A = np.array([[0, 1, 1, 1, 1, 1, 1], [1, 0, 1, 1, 0, 0, 0], [1, 1, 0, 0, 1, 1, 1],
                  [1, 1, 0, 0, 1, 1, 1], [1, 0, 1, 1, 0, 1, 1], [1, 0, 1, 1, 1, 0, 1],
                  [1, 0, 1, 1, 1, 1, 0]])
    G = nx.from_numpy_array(A)
    (_, _, s14), (_, _, s41) = predict_links(G, "CH3-L3", [(1, 4), (4, 1)])
    assert s14 == s41 == chgraph.link_scores(A, bipartite=False)[1, 4]


def test_ra_and_cn_l2_match_networkx():
    G = nx.karate_club_graph()
    ours = as_dict(predict_links(G, "RA-L2"))
    for u, v, s in nx.resource_allocation_index(G):
        assert ours[frozenset((u, v))] == pytest.approx(s, rel=1e-12)
    ours = as_dict(predict_links(G, "CN-L2"))
    for u, v in nx.non_edges(G):
        assert ours[frozenset((u, v))] == len(list(nx.common_neighbors(G, u, v)))


def test_path_graph_known_values():
    G = nx.path_graph(4)
    assert list(predict_links(G, "CH3-L3", [(0, 3)])) == [(0, 3, 1.0)]
    assert list(predict_links(G, "CH3-L3", [(3, 0)])) == [(3, 0, 1.0)]
    assert as_dict(predict_links(G, "CH3-L3")) == {
        frozenset((0, 2)): 0.0, frozenset((0, 3)): 1.0, frozenset((1, 3)): 0.0}


def test_internal_degree_rule_passed_through():
    G = nx.Graph([(0, 1), (1, 2), (2, 5), (0, 3), (3, 4), (4, 5), (1, 3)])
    (_, _, s_path), = predict_links(G, "CH3-L3", [(0, 5)])
    (_, _, s_comm), = predict_links(G, "CH3-L3", [(0, 5)], internal_degree="community")
    assert s_path == pytest.approx(math.sqrt(2)) and s_comm == pytest.approx(2.0)


def test_partial_bipartite_attribute_means_unipartite():
    G = nx.path_graph(4)
    G.nodes[0]["bipartite"] = 0
    G.nodes[1]["bipartite"] = 1
    got = as_dict(predict_links(G, "CN-L2"))  # L2 is unipartite-only: no error
    assert got[frozenset((0, 2))] == 1


def test_empty_graphs():
    assert list(predict_links(nx.Graph())) == []
    assert as_dict(predict_links(nx.empty_graph(3))) == {
        frozenset((0, 1)): 0.0, frozenset((0, 2)): 0.0, frozenset((1, 2)): 0.0}
    assert list(predict_links(nx.complete_graph(4))) == []
    assert list(predict_links(nx.Graph(), "CH3-L3n", bipartite=True)) == []


def test_predict_links_positive_only():
    G = nx.les_miserables_graph()
    everything = {frozenset((u, v)): s for u, v, s in chgraph.predict_links(G, "CH3-L3")}
    positive = list(chgraph.predict_links(G, "CH3-L3", positive_only=True))
    assert {frozenset((u, v)) for u, v, _ in positive} == \
        {pair for pair, s in everything.items() if s > 0}
    for u, v, s in positive:
        assert s == everything[frozenset((u, v))]


# ------------------------------------------------------------------------------------------
# bipartite graphs
# ------------------------------------------------------------------------------------------
@given(biadjacency(), st.sampled_from(["CH3-L3", "CN-L3", "CH3.1-L3", "CH3-L3n"]))
def test_bipartite_default_ebunch(B, method):
    n_in, n_out = B.shape
    if n_in + n_out == 0:  # a graph without nodes reads as unipartite: see test_empty_graphs
        return
    rl = [("in", i) for i in range(n_in)]
    cl = [("out", o) for o in range(n_out)]
    G = bipartite_graph(B, rl, cl)
    got = as_dict(predict_links(G, method))
    expected_pairs = {frozenset((rl[i], cl[o])) for i, o in zip(*np.nonzero(B == 0),
                                                                  strict=True)}
    assert set(got) == expected_pairs
    S = chgraph.link_scores(B, method)
    for i, o in zip(*np.nonzero(B == 0), strict=True):
        assert got[frozenset((rl[i], cl[o]))] == S[i, o]


def test_bipartite_explicit_ebunch_either_orientation():
    B = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]])
    G = bipartite_graph(B, ["a", "b", "c"], [10, 11, 12])
    S = chgraph.link_scores(B)
    got = list(predict_links(G, "CH3-L3", [("a", 11), (12, "b"), ("c", 10)]))
    assert got == [("a", 11, S[0, 1]), (12, "b", S[1, 2]), ("c", 10, S[2, 0])]
    # with the bipartite reading, same-side pairs have no score (they would on a graph)
    with pytest.raises((ValueError, nx.NetworkXException), match="same side"):
        list(predict_links(G, "CH3-L3", [("a", "b")]))
    with pytest.raises((ValueError, nx.NetworkXException)):
        list(predict_links(G, "CH3-L3", [(10, 12)]))


def test_bipartite_graph_rejects_unipartite_methods():
    G = bipartite_graph(np.array([[1, 0], [1, 1]]), ["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match="not defined on bipartite"):
        list(predict_links(G, "CH3-L2"))
    assert list(predict_links(G, "CH3-L3")) == [("a", "y", 1.0)]


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
def test_bad_pairs():
    G = nx.path_graph(5)
    with pytest.raises((ValueError, nx.NetworkXException), match="link"):
        list(predict_links(G, "CH3-L3", [(0, 3), (1, 2)]))  # (1, 2) is an edge
    with pytest.raises(nx.NodeNotFound):
        list(predict_links(G, "CH3-L3", [(0, 99)]))
    with pytest.raises(nx.NodeNotFound):
        list(predict_links(G, "CH3-L3", [("x", 0)]))
    with pytest.raises((ValueError, nx.NetworkXException)):
        list(predict_links(G, "CH3-L3", [(2, 2)]))
    with pytest.raises((ValueError, TypeError)):
        list(predict_links(G, "CH3-L3", [(0,)]))
    B = bipartite_graph(np.array([[1, 0], [1, 1]]), ["a", "b"], ["x", "y"])
    with pytest.raises((ValueError, nx.NetworkXException), match="link"):
        list(predict_links(B, "CH3-L3", [("a", "x")]))
    with pytest.raises(nx.NodeNotFound):
        list(predict_links(B, "CH3-L3", [("a", "z")]))


def test_errors_before_iteration():
    G = nx.path_graph(5)
    with pytest.raises(nx.NodeNotFound):
        predict_links(G, "CH3-L3", [(0, 3), (0, 99)])


def test_bad_arguments():
    G = nx.path_graph(4)
    with pytest.raises(ValueError, match="unknown"):
        list(predict_links(G, "CH4-L3"))
    with pytest.raises(ValueError, match="not defined on unipartite"):
        list(predict_links(G, "CH3-L3n"))
    with pytest.raises(ValueError, match="internal_degree"):
        list(predict_links(G, internal_degree="paths"))
    with pytest.raises(TypeError):
        list(predict_links(np.eye(3)))
