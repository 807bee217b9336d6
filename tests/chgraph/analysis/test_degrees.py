"""chgraph.analysis.degrees: degree distributions, power-law fits, assortativity."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.stats
from hypothesis import given

from chgraph import Graph
from chgraph.analysis import degree_assortativity, degree_distribution, powerlaw_fit
from chgraph.testing.strategies import adjacency, biadjacency


@given(biadjacency())
def test_degree_distribution_counts_every_node(B):
    for side, n in (("in", B.shape[0]), ("out", B.shape[1]), ("all", sum(B.shape))):
        d = degree_distribution(B, side=side)
        assert d.counts.sum() == d.n_nodes == n
        assert np.all(np.diff(d.degrees) > 0)
        if n:
            assert np.isclose(d.pmf().sum(), 1.0)
            assert d.ccdf()[0] == 1.0
    d = degree_distribution(B, side="in")
    assert np.array_equal(np.repeat(d.degrees, d.counts), np.sort(B.sum(axis=1)))


@given(adjacency())
def test_degree_distribution_of_a_graph(A):
    d = degree_distribution(A, bipartite=False)
    assert d.n_nodes == A.shape[0]
    assert int((d.degrees * d.counts).sum()) == int(A.sum())  # handshake


def test_degree_distribution_known_graphs():
    star = degree_distribution(nx.star_graph(5))
    assert star.degrees.tolist() == [1, 5] and star.counts.tolist() == [5, 1]
    kmn = degree_distribution(np.ones((3, 4)), side="in")
    assert kmn.degrees.tolist() == [4] and kmn.counts.tolist() == [3]
    with pytest.raises(ValueError, match="needs a bipartite layer"):
        degree_distribution(nx.path_graph(3), side="in")
    with pytest.raises(ValueError, match="side must be"):
        degree_distribution(np.ones((2, 2)), side="rows")
    with pytest.raises(TypeError, match="sequence of layers"):
        degree_distribution([np.ones((2, 2)), np.ones((2, 2))])


def test_powerlaw_fit_recovers_the_exponent():
    k = np.random.default_rng(1).zipf(2.5, 5000)
    fit = powerlaw_fit(k)
    assert abs(fit.alpha - 2.5) < 3 * fit.sigma + 0.05
    assert fit.n == 5000 and 0 < fit.n_tail <= fit.n and fit.D < 0.05
    assert np.isfinite(fit.R) and 0.0 <= fit.p <= 1.0


def test_powerlaw_fit_of_a_scale_free_network_beats_poisson():
    ba = nx.barabasi_albert_graph(3000, 2, seed=0)
    fit = powerlaw_fit(ba, compare="exponential")
    assert 2.2 < fit.alpha < 3.5 and fit.R > 0
    layer_fit = powerlaw_fit(np.random.default_rng(0).random((300, 300)) < 0.05, side="out")
    assert layer_fit.R < 0 and layer_fit.D > fit.D  # binomial degrees: no power law


def test_powerlaw_fit_degenerate_inputs_raise_clearly(capsys):
    with pytest.raises(ValueError, match="all 40 positive degrees are equal"):
        powerlaw_fit(np.full(40, 3))
    with pytest.raises(ValueError, match="too few"):
        powerlaw_fit([0, 0, 1, 2, 3])
    with pytest.raises(ValueError, match="too few"):
        powerlaw_fit(np.zeros(100))
    with pytest.raises(ValueError, match="too few"):
        powerlaw_fit(nx.path_graph(5))
    with pytest.raises(ValueError, match="non-negative"):
        powerlaw_fit([1, 2, -3] * 5)
    with pytest.raises(ValueError, match="unknown distribution"):
        powerlaw_fit(np.random.default_rng(0).zipf(2.5, 100), compare="gaussian")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # powerlaw's prints are silenced


def test_assortativity_of_graphs_matches_networkx():
    assert degree_assortativity(nx.star_graph(6)) == pytest.approx(-1.0)
    assert np.isnan(degree_assortativity(nx.complete_graph(5)))  # regular: undefined
    assert np.isnan(degree_assortativity(Graph(np.zeros((3, 3)))))  # no links
    for seed in range(3):
        g = nx.gnp_random_graph(40, 0.1, seed=seed)
        ref = nx.degree_assortativity_coefficient(g)
        assert degree_assortativity(g) == pytest.approx(ref)


@given(biadjacency(min_rows=1, min_cols=1))
def test_assortativity_of_layers_is_the_link_end_correlation(B):
    r = degree_assortativity(B)
    rows, cols = np.nonzero(B)
    x, y = B.sum(1)[rows], B.sum(0)[cols]
    if rows.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        assert np.isnan(r)
    else:
        assert r == pytest.approx(scipy.stats.pearsonr(x, y)[0])
    # networkx's symmetrised value when read as a graph
    g = nx.from_numpy_array(np.block([[np.zeros((B.shape[0],) * 2), B],
                                      [B.T, np.zeros((B.shape[1],) * 2)]]))
    if g.number_of_edges() and np.ptp([d for _, d in g.degree() if d]) > 0:
        sym = degree_assortativity(g, bipartite=False)
        assert sym == pytest.approx(nx.degree_assortativity_coefficient(g))
