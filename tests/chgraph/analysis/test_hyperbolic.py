"""chgraph.analysis.hyperbolic: RA weights and coalescent embedding."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given

from chgraph.analysis import angular_separability, coalescent_embedding, ra_weights
from chgraph.testing.strategies import adjacency


@given(adjacency())
def test_ra_weights_follow_the_formulas(A):
    g = nx.from_numpy_array(A)
    k = A.sum(axis=1)
    ra1 = ra_weights(A, bipartite=False).toarray()
    ra2 = ra_weights(A, "RA2", bipartite=False).toarray()
    assert np.array_equal(ra1 != 0, A != 0) and np.allclose(ra1, ra1.T)
    for i, j in g.edges():
        cn = len(set(g[i]) & set(g[j]))
        assert ra1[i, j] == pytest.approx((k[i] + k[j] + k[i] * k[j]) / (1 + cn))
        ei, ej = k[i] - cn - 1, k[j] - cn - 1
        assert ra2[i, j] == pytest.approx((1 + ei + ej + ei * ej) / (1 + cn))


@pytest.mark.parametrize("method", ["isomap", "laplacian"])
def test_ring_order_is_recovered(method):
    n = 30
    emb = coalescent_embedding(nx.cycle_graph(n), method=method)
    order = np.argsort(emb.theta)
    steps = np.abs(np.diff(np.append(order, order[0])))
    assert set(steps.tolist()) <= {1, n - 1}
    assert np.all((emb.theta >= 0) & (emb.theta < 2 * np.pi))


@pytest.mark.parametrize("method", ["isomap", "laplacian"])
@pytest.mark.parametrize("weighting", ["RA1", "RA2", None])
def test_communities_separate_on_the_circle(method, weighting):
    g = nx.planted_partition_graph(4, 20, 0.5, 0.01, seed=1)
    emb = coalescent_embedding(g, method=method, weighting=weighting)
    asi = angular_separability(emb.theta, np.repeat(np.arange(4), 20), n_perm=50).asi
    assert asi > (0.8 if weighting else 0.6)  # RA pre-weighting helps (Muscoloni et al. 2017)


def test_equidistant_and_radial_coordinates():
    g = nx.barabasi_albert_graph(300, 2, seed=0)
    emb = coalescent_embedding(g, equidistant=True, gamma=3.0)
    gaps = np.diff(np.sort(emb.theta))
    assert np.allclose(gaps, 2 * np.pi / 300)
    assert emb.beta == 0.5 and emb.gamma == 3.0
    k = np.array([d for _, d in g.degree()])
    rank = np.empty(300)
    rank[np.lexsort((np.arange(300), -k))] = np.arange(1, 301)
    assert np.allclose(emb.r, 2 * (0.5 * np.log(rank) + 0.5 * np.log(300)))
    assert emb.r[np.argmax(k)] == emb.r.min()  # the hub sits at the centre
    fitted = coalescent_embedding(g)
    assert 2 < fitted.gamma < 4 and 0 < fitted.beta <= 1
    half = coalescent_embedding(g, gamma=3.0, zeta=2.0)
    assert np.allclose(half.r, emb.r / 2)
    xy = emb.cartesian()
    assert np.allclose(np.hypot(xy[:, 0], xy[:, 1]), emb.r)


def test_layers_and_disconnected_networks():
    B = np.random.default_rng(0).random((40, 30)) < 0.15
    B[0] = False  # an isolated input
    emb = coalescent_embedding(B)
    assert emb.r.size == 70 and not emb.in_lcc[0] and np.isnan(emb.theta[0])
    assert np.all(np.isfinite(emb.theta[emb.in_lcc]))
    ring = coalescent_embedding(nx.cycle_graph(10))  # homogeneous degrees: one circle
    assert np.isnan(ring.gamma) and ring.beta == 0.0 and np.ptp(ring.r) == 0


def test_large_network_uses_the_sparse_solver():
    g = nx.planted_partition_graph(3, 150, 0.1, 0.002, seed=2)  # 450 nodes > dense threshold
    for method in ("isomap", "laplacian"):
        emb = coalescent_embedding(g, method=method)
        assert angular_separability(emb.theta, np.repeat(np.arange(3), 150), n_perm=20).asi > 0.8


def test_bad_options():
    g = nx.cycle_graph(6)
    with pytest.raises(ValueError, match="method"):
        coalescent_embedding(g, method="tsne")
    with pytest.raises(ValueError, match="weighting"):
        coalescent_embedding(g, weighting="EBC")
    with pytest.raises(ValueError, match="gamma"):
        coalescent_embedding(g, gamma=1.0)
    with pytest.raises(ValueError, match="zeta"):
        coalescent_embedding(g, zeta=-1.0)
    with pytest.raises(ValueError, match="at least 3"):
        coalescent_embedding(nx.empty_graph(5))
    with pytest.raises(ValueError, match="kind"):
        ra_weights(g, "RA3")
