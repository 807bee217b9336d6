"""Link scores on ordinary (unipartite) networks: the exact kernels of
chgraph.linkpred._unipartite_kernels (UnipartiteScorer) against the brute-force reference and
against the former pairwise kernel. Selection on graphs: test_selection_unipartite.py;
predict_links: test_nx_api.py."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chgraph
from chgraph.testing import reference as oracle
from chgraph.testing.strategies import graphs

from ._graphs import random_graph, scorer

PREDICTOR_NAMES = tuple(chgraph.available_predictors(bipartite=False))
RULES = ("path", "community")
STRATEGIES = ("wedge", "direct")


def full_scores(A, method, rule="path", strategy="auto"):
    """Symmetric scores as link_scores builds them, with a chosen kernel."""
    n = np.asarray(A).shape[0]
    half = scorer(A, method, rule, strategy).rows(np.arange(n), upper_only=True)
    return half + half.T


# ------------------------------------------------------------------------------------------
# exact scores
# ------------------------------------------------------------------------------------------
@given(A=graphs(max_nodes=9), method=st.sampled_from(PREDICTOR_NAMES), rule=st.sampled_from(RULES),
       strategy=st.sampled_from(STRATEGIES))
def test_equals_brute_force(A, method, rule, strategy):
    expected = oracle.unipartite_scores(A, method, rule)
    got = full_scores(A, method, rule, strategy)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    full = scorer(A, method, rule, strategy).rows(np.arange(A.shape[0]))
    np.testing.assert_allclose(full, expected, rtol=1e-12, atol=1e-12)


@given(A=graphs(max_nodes=9), method=st.sampled_from(("CH3-L3", "CH2-L2", "RA-L3")),
       rule=st.sampled_from(RULES))
def test_link_scores_public(A, method, rule):
    S = chgraph.link_scores(A, method, bipartite=False, internal_degree=rule)
    np.testing.assert_allclose(S, oracle.unipartite_scores(A, method, rule), rtol=1e-12,
                               atol=1e-12)
    assert np.array_equal(S, S.T) and np.all(np.isfinite(S)) and np.all(S >= 0)


@pytest.mark.parametrize("kind", ["er", "ba", "clustered"])
@pytest.mark.parametrize("rule", RULES)
def test_equals_former_kernel_on_larger_graphs(kind, rule):
    A = random_graph(kind, 120, seed=3)
    for method in PREDICTOR_NAMES:
        before = full_scores(A, method, rule, "pairwise")
        for strategy in STRATEGIES:
            np.testing.assert_allclose(full_scores(A, method, rule, strategy), before,
                                       rtol=1e-10, atol=1e-12, err_msg=f"{method} {strategy}")


def test_known_values():
    path = nx.to_numpy_array(nx.path_graph(4))
    assert chgraph.link_scores(path, "CH3-L3", bipartite=False)[0, 3] == 1.0
    assert not chgraph.link_scores(np.zeros((5, 5)), "CH3-L3", bipartite=False).any()
    # K_n minus the link (0, 1): every L3 path 0-a-b-1 has common neighbours as intermediates
    K = np.ones((6, 6)) - np.eye(6)
    K[0, 1] = K[1, 0] = 0
    S = chgraph.link_scores(K, "CN-L3", bipartite=False)
    assert S[0, 1] == 4 * 3


@pytest.mark.parametrize("method", ["CH3-L3", "CH3.1-L2"])
@pytest.mark.parametrize("rule", RULES)
def test_thread_count_does_not_change_a_bit(method, rule):
    A = random_graph("clustered", 150, seed=5)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = full_scores(A, method, rule)
        top_one = chgraph.top_k_links(A, 40, method, bipartite=False, internal_degree=rule)
        sample_one = chgraph.sample_links(A, 40, method, rng=3, bipartite=False,
                                          internal_degree=rule)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = full_scores(A, method, rule)
        top_many = chgraph.top_k_links(A, 40, method, bipartite=False, internal_degree=rule)
        sample_many = chgraph.sample_links(A, 40, method, rng=3, bipartite=False,
                                           internal_degree=rule)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(one, many)
    for a, b in zip(top_one + sample_one, top_many + sample_many, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("n_chunks", [2, 3, 7])
def test_precomputation_chunks_do_not_change_a_bit(n_chunks):
    """The triangle lists and wedge codes, split over threads (as on large graphs), are the
    serial ones."""
    from chgraph.linkpred import _unipartite_kernels as uk

    s = scorer(random_graph("clustered", 150, seed=5), "CH3-L3", strategy="wedge")
    ip, ix, deg = s._indptr, s._indices, s._deg
    rev = uk.reverse_positions(ip, ix)
    serial = uk.triangle_lists(ip, ix, rev, 1) + uk.wedge_codes(ip, ix, deg, s.predictor.psi, 1)
    split = (uk.triangle_lists(ip, ix, rev, n_chunks)
             + uk.wedge_codes(ip, ix, deg, s.predictor.psi, n_chunks))
    for a, b in zip(serial, split, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(serial[0], s._g[3]) and np.array_equal(serial[5], s._w[1])


@given(A=graphs(max_nodes=9), method=st.sampled_from(("CH3-L3", "CN-L2")),
       data=st.data())
def test_pairs_any_order(A, method, data):
    n = A.shape[0]
    S = full_scores(A, method)
    u = np.array(data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=12)), np.int64)
    if n == 0:
        u = u[:0]
    v = np.array(data.draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=u.size,
                                    max_size=u.size)), np.int64)[:u.size]
    got = scorer(A, method).pairs(u, v)
    expected = S[u, v]
    expected[u == v] = 0.0
    assert np.array_equal(got, expected)  # the same end, the same sum: bit for bit
    assert np.array_equal(got, scorer(A, method).pairs(v, u))


# ------------------------------------------------------------------------------------------
# the symmetrizing kernel
# ------------------------------------------------------------------------------------------
@given(n=st.integers(0, 40), bs=st.integers(1, 16), seed=st.integers(0, 10**6))
def test_symmetrize_tiles(n, bs, seed):
    from chgraph.linkpred._unipartite_kernels import symmetrize

    rng = np.random.default_rng(seed)
    U = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.5), 1)
    here = rng.random((n, n)) < 0.5  # each pair's value in one of its two entries
    X = np.where(here, U, 0.0) + np.where(here, 0.0, U).T
    expected = U + U.T
    symmetrize(X, bs)
    assert np.array_equal(X, expected)
