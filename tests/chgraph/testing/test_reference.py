"""The brute-force oracle itself against values computed by hand from the definitions of
docs/method.md (section 2)."""

import math

import numpy as np
import pytest
from hypothesis import given

from chgraph.testing import reference as oracle
from chgraph.testing.strategies import adjacency, biadjacency

# ------------------------------------------------------------------------------------------
# B = [[1, 0], [1, 1]]: one candidate (0, 1), one path 0 - a0 - b1 - o1.
# a0: k=2 (inputs 0, 1), di=1 (b1), de = 2-1-1 = 0; b1: k=2 (outputs 0, 1), di=1, de=0.
# ------------------------------------------------------------------------------------------
TWO_BY_TWO = np.array([[1, 0], [1, 1]])
TWO_BY_TWO_VALUES = {
    "CN-L3": 1.0,
    "RA-L3": 1 / math.sqrt(2 * 2),
    "CH1-L3": math.sqrt(1 * 1) / math.sqrt(2 * 2),
    "CH2-L3": math.sqrt(2 * 2) / math.sqrt(1 * 1),
    "CH3-L3": 1.0,
    "CH3.1-L3": 1 / math.sqrt((1 / 2 + 0) * (1 / 2 + 0)),
}


def test_two_by_two_paths_and_stats():
    assert oracle.bipartite_l3_paths(TWO_BY_TWO, 0, 1) == [(0, 1)]
    stats = oracle.bipartite_node_stats(TWO_BY_TWO, 0, 1)
    assert stats == {
        ("out", 0): {"k": 2, "di": 1, "de": 0},
        ("in", 1): {"k": 2, "di": 1, "de": 0},
    }


@pytest.mark.parametrize("method", oracle.L3_METHODS)
def test_two_by_two_scores(method):
    expected = np.array([[0.0, TWO_BY_TWO_VALUES[method]], [0.0, 0.0]])
    np.testing.assert_allclose(oracle.bipartite_scores(TWO_BY_TWO, method), expected)


def test_two_by_two_l3n_by_hand():
    # C_in = [[1,1],[1,2]], C_out = [[2,1],[1,1]], k_in = [1,2], k_out = [2,1]: every E is 0,
    # so every C > 0 entry weighs 1 (CH3), C+1 (CH2, CH3.1). Candidate (0, 1):
    # G_in[0,:] @ B[:,1] = G_in[0,1] (b=1), B[0,:] @ G_out[1,:] = G_out[1,0] (a=0).
    S = oracle.l3n_scores(TWO_BY_TWO, "CH3-L3n")
    np.testing.assert_allclose(S, [[0.0, 2.0], [0.0, 0.0]])
    S = oracle.l3n_scores(TWO_BY_TWO, "CH2-L3n")
    np.testing.assert_allclose(S, [[0.0, (1 + 1) + (1 + 1)], [0.0, 0.0]])
    S = oracle.l3n_scores(TWO_BY_TWO, "CH3.1-L3n")
    np.testing.assert_allclose(S, [[0.0, 4.0], [0.0, 0.0]])


def test_l3n_with_external_degree_by_hand():
    # inputs 0,1,2; outputs 0,1,2. B[0,0]=B[1,0]=B[1,1]=B[2,1]=B[1,2]=1.
    B = np.array([[1, 0, 0], [1, 1, 1], [0, 1, 0]])
    # candidate (0, 1): b in N(o=1) = {1, 2}: C_in[0,1] = 1 (output 0), C_in[0,2] = 0.
    #   b=1: k=3, E = 3-1-1 = 1 -> CH3 weight 1/2.
    # a in N(i=0) = {0}: C_out[1,0] = 1 (input 1), k_a = 2, E = 2-1-1 = 0 -> weight 1.
    S = oracle.l3n_scores(B, "CH3-L3n")
    assert S[0, 1] == pytest.approx(1.5)
    # CH2: (C+1)/(1+E): b=1 -> 2/2, a=0 -> 2/1
    assert oracle.l3n_scores(B, "CH2-L3n")[0, 1] == pytest.approx(3.0)
    # CH3.1: (C+1)/(1+E)**(1+E/(1+E)): b=1 -> 2/2**1.5, a=0 -> 2
    assert oracle.l3n_scores(B, "CH3.1-L3n")[0, 1] == pytest.approx(2 / 2**1.5 + 2)
    # exact path score for comparison: one path 0-a0-b1-o1, de_a0 = 0, de_b1 = 3-1-1 = 1
    assert oracle.bipartite_scores(B, "CH3-L3")[0, 1] == pytest.approx(1 / math.sqrt(2))


@pytest.mark.parametrize("m,n", [(2, 2), (2, 3), (3, 4), (4, 2), (5, 5)])
def test_complete_bipartite_minus_one_link(m, n):
    B = np.ones((m, n), dtype=int)
    B[0, 0] = 0
    paths = (m - 1) * (n - 1)
    assert len(oracle.bipartite_l3_paths(B, 0, 0)) == paths
    # a: k = m, di = m-1, de = 0; b: k = n, di = n-1, de = 0
    expected = {
        "CN-L3": paths,
        "RA-L3": paths / math.sqrt(m * n),
        "CH1-L3": paths * math.sqrt((m - 1) * (n - 1)) / math.sqrt(m * n),
        "CH2-L3": paths * math.sqrt(m * n),
        "CH3-L3": paths,
        "CH3.1-L3": paths * math.sqrt(m * n),
    }
    for method, value in expected.items():
        S = oracle.bipartite_scores(B, method)
        assert S[0, 0] == pytest.approx(value)
        S[0, 0] = 0
        assert not S.any()


# ------------------------------------------------------------------------------------------
# unipartite: the two internal-degree rules differ.
# Edges 0-1, 1-2, 2-5, 0-3, 3-4, 4-5, 1-3; pair (0, 5): paths 0-1-2-5 and 0-3-4-5.
# Link 1-3 joins two community nodes but is no middle link.
# path rule: di = 1 for 1,2,3,4; de_1 = 3-1-1 = 1, de_2 = 0, de_3 = 1, de_4 = 0.
# community rule: di_1 = di_3 = 2 -> de = 0; di_2 = di_4 = 1, de = 0.
# ------------------------------------------------------------------------------------------
def _graph(edges, n):
    A = np.zeros((n, n), dtype=int)
    for u, v in edges:
        A[u, v] = A[v, u] = 1
    return A


RULES_DIFFER = _graph([(0, 1), (1, 2), (2, 5), (0, 3), (3, 4), (4, 5), (1, 3)], 6)


def test_unipartite_rules_differ_by_hand():
    A = RULES_DIFFER
    assert oracle.unipartite_l3_paths(A, 0, 5) == [(1, 2), (3, 4)]
    path = oracle.unipartite_node_stats(A, 0, 5, "L3", "path")
    comm = oracle.unipartite_node_stats(A, 0, 5, "L3", "community")
    assert {z: s["de"] for z, s in path.items()} == {1: 1, 2: 0, 3: 1, 4: 0}
    assert {z: s["di"] for z, s in comm.items()} == {1: 2, 2: 1, 3: 2, 4: 1}
    assert {z: s["de"] for z, s in comm.items()} == {1: 0, 2: 0, 3: 0, 4: 0}
    S_path = oracle.unipartite_scores(A, "CH3-L3", "path")
    S_comm = oracle.unipartite_scores(A, "CH3-L3", "community")
    assert S_path[0, 5] == pytest.approx(2 / math.sqrt(2))
    assert S_comm[0, 5] == pytest.approx(2.0)
    assert S_path[5, 0] == S_path[0, 5]
    assert oracle.unipartite_scores(A, "CN-L3")[0, 5] == 2
    # CH1, path rule: gm(1,1)/gm(3,2) twice
    assert oracle.unipartite_scores(A, "CH1-L3")[0, 5] == pytest.approx(2 / math.sqrt(6))
    # no common neighbours
    assert oracle.unipartite_scores(A, "CN-L2")[0, 5] == 0


def test_unipartite_intermediate_touching_both_seeds():
    # 0-1, 1-3, 1-2, 2-3, 0-2, 1-4; pair (0, 3): paths 0-1-2-3 and 0-2-1-3, one middle link.
    A = _graph([(0, 1), (1, 3), (1, 2), (2, 3), (0, 2), (1, 4)], 5)
    assert oracle.unipartite_l3_paths(A, 0, 3) == [(1, 2), (2, 1)]
    stats = oracle.unipartite_node_stats(A, 0, 3)
    # node 1: k=4, di=1, seeds 2 -> de=1; node 2: k=3, di=1, seeds 2 -> de=0
    assert stats == {1: {"k": 4, "di": 1, "de": 1}, 2: {"k": 3, "di": 1, "de": 0}}
    for rule in oracle.INTERNAL_RULES:
        S = oracle.unipartite_scores(A, "CH3-L3", rule)
        assert S[0, 3] == pytest.approx(2 / math.sqrt(2))
    # L2 of (0, 3): common neighbours 1, 2 linked to each other
    # z=1: k=4, di=1, de=4-1-2=1; z=2: k=3, di=1, de=0
    assert oracle.unipartite_scores(A, "CH3-L2")[0, 3] == pytest.approx(0.5 + 1.0)


def test_unipartite_l2_by_hand():
    # pair (0, 1) with common neighbours 2, 3 (linked), and 3-4.
    A = _graph([(0, 2), (1, 2), (0, 3), (1, 3), (2, 3), (3, 4)], 5)
    # z=2: k=3, di=1, de=0; z=3: k=4, di=1, de=1
    expected = {
        "CN-L2": 2,
        "RA-L2": 1 / 3 + 1 / 4,
        "CH1-L2": 1 / 3 + 1 / 4,
        "CH2-L2": 2 / 1 + 2 / 2,
        "CH3-L2": 1 + 1 / 2,
        "CH3.1-L2": 1 / (1 / 2) + 1 / (1 / 2 + 1),
    }
    for method, value in expected.items():
        assert oracle.unipartite_scores(A, method)[0, 1] == pytest.approx(value), method


def test_path_of_four_nodes():
    # 0-1-2-3: pair (0, 3) has one L3 path, every intermediate has de = 0
    A = _graph([(0, 1), (1, 2), (2, 3)], 4)
    S = oracle.unipartite_scores(A, "CH3-L3")
    expected = np.zeros((4, 4))
    expected[0, 3] = expected[3, 0] = 1.0
    np.testing.assert_allclose(S, expected)
    # L2: (0, 2) via 1: k=2, di=0, de=0; (1, 3) via 2 likewise
    S2 = oracle.unipartite_scores(A, "CH3-L2")
    assert S2[0, 2] == S2[1, 3] == 1.0
    assert oracle.unipartite_scores(A, "CH1-L2")[0, 2] == 0.0


# ------------------------------------------------------------------------------------------
# properties of the oracle itself
# ------------------------------------------------------------------------------------------
@given(biadjacency())
def test_bipartite_closed_forms(B):
    """docs/method.md, section 2: di_a = |N(a) ∩ N(o)|, di_b = |N(b) ∩ N(i)|, 1+de = k - di >= 1."""
    n_in, n_out = B.shape
    for i in range(n_in):
        for o in range(n_out):
            if B[i, o]:
                continue
            for z, s in oracle.bipartite_node_stats(B, i, o).items():
                side, idx = z
                if side == "out":
                    di = int(np.sum(B[:, idx] & B[:, o]))
                else:
                    di = int(np.sum(B[idx, :] & B[i, :]))
                assert s["di"] == di
                assert 1 + s["de"] == s["k"] - di >= 1


@given(biadjacency(max_rows=5, max_cols=5))
def test_embedding_agrees_with_bipartite(B):
    """The unipartite oracle on the embedded layer gives the bipartite oracle's scores."""
    n_in = B.shape[0]
    A = oracle.embed(B)
    for method in oracle.L3_METHODS:
        bip = oracle.bipartite_scores(B, method)
        for rule in oracle.INTERNAL_RULES:
            uni = oracle.unipartite_scores(A, method, rule)
            np.testing.assert_allclose(uni[:n_in, n_in:], bip, rtol=1e-12)
            assert not uni[:n_in, :n_in].any() and not uni[n_in:, n_in:].any()


@given(adjacency())
def test_unipartite_degrees_are_consistent(A):
    n = A.shape[0]
    for u in range(n):
        for v in range(u + 1, n):
            if A[u, v]:
                continue
            path = oracle.unipartite_node_stats(A, u, v, "L3", "path")
            comm = oracle.unipartite_node_stats(A, u, v, "L3", "community")
            assert path.keys() == comm.keys()
            for z in path:
                assert 1 <= path[z]["di"] <= comm[z]["di"]
                assert 0 <= comm[z]["de"] <= path[z]["de"]
