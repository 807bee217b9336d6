"""chgraph.BipartiteLayer, chgraph.Graph and the coercions as_layer / as_graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import chgraph
from chgraph import BipartiteLayer, Graph, as_graph, as_layer
from chgraph.testing import reference as oracle
from chgraph.testing.strategies import adjacency, biadjacency


# ------------------------------------------------------------------------------------------
# BipartiteLayer
# ------------------------------------------------------------------------------------------
@given(biadjacency())
def test_layer_views_match_the_dense_matrix(B):
    layer = BipartiteLayer(B)
    assert layer.shape == B.shape
    assert layer.n_links == int(B.sum())
    assert np.array_equal(layer.in_degrees(), B.sum(axis=1))
    assert np.array_equal(layer.out_degrees(), B.sum(axis=0))
    assert np.array_equal(layer.to_dense(), B)
    assert layer.to_dense(np.float32).dtype == np.float32
    csr = layer.csr
    assert csr.has_sorted_indices and csr.has_canonical_format
    assert csr.indices.dtype == np.int32  # documented canonical form
    assert csr.indptr.dtype in (np.int32, np.int64)
    assert np.all(csr.data == 1)
    assert np.array_equal(csr.toarray(), B)
    n_in, n_out = B.shape
    assert layer.density == (B.sum() / (n_in * n_out) if n_in * n_out else 0.0)


@given(biadjacency())
def test_layer_transpose(B):
    layer = BipartiteLayer(B)
    t = layer.transpose()
    assert isinstance(t, BipartiteLayer)
    assert np.array_equal(t.to_dense(), B.T)
    assert t.transpose() == layer
    assert layer.T == t
    assert np.array_equal(layer.transposed_csr.toarray(), B.T)
    assert np.array_equal(t.in_degrees(), layer.out_degrees())


@given(biadjacency())
def test_layer_to_graph_is_the_embedding(B):
    g = BipartiteLayer(B).to_graph()
    assert isinstance(g, Graph)
    assert g.n_nodes == sum(B.shape)
    assert g.n_links == int(B.sum())
    assert np.array_equal(g.to_dense(), oracle.embed(B))
    assert np.array_equal(as_graph(BipartiteLayer(B)).to_dense(), oracle.embed(B))


def test_layer_pattern_ignores_weights_and_explicit_zeros():
    W = np.array([[0.5, 0.0, 3.0], [0.0, 0.0, 1e-300]])
    layer = BipartiteLayer(W)
    assert layer.to_dense().tolist() == [[1, 0, 1], [0, 0, 1]]
    coo = sp.coo_array(([2.0, 0.0, 1.0, 1.0], ([0, 1, 1, 1], [0, 0, 2, 2])), shape=(2, 3))
    assert BipartiteLayer(coo).to_dense().tolist() == [[1, 0, 0], [0, 0, 1]]
    assert BipartiteLayer(coo).n_links == 2


def test_layer_equality():
    a = BipartiteLayer(np.eye(3))
    assert a == BipartiteLayer(sp.csc_array(np.eye(3)))
    assert a != BipartiteLayer(np.eye(3)[::-1])
    assert a != BipartiteLayer(np.eye(3, 4))
    assert a != "not a layer"
    with pytest.raises(TypeError):
        hash(a)


def test_layer_copy_constructor_keeps_labels():
    layer = BipartiteLayer(np.eye(2), row_labels=["x", "y"], col_labels=[1, 2])
    copy = BipartiteLayer(layer)
    assert copy == layer and copy.row_labels == ["x", "y"] and copy.col_labels == [1, 2]
    assert layer.transpose().row_labels == [1, 2]
    with pytest.raises(ValueError, match="row_labels"):
        BipartiteLayer(np.eye(2), row_labels=["only one"])


def test_layer_repr():
    assert repr(BipartiteLayer(np.ones((2, 3)))) == "BipartiteLayer(n_in=2, n_out=3, n_links=6)"


def test_layer_from_edges():
    layer = BipartiteLayer.from_edges([(0, 1), (2, 0), (0, 1)], shape=(3, 2))
    assert layer.to_dense().tolist() == [[0, 1], [0, 0], [1, 0]]
    assert layer.n_links == 2
    assert BipartiteLayer.from_edges([(1, 3)]).shape == (2, 4)
    assert BipartiteLayer.from_edges(np.array([(1, 3)], dtype=np.int32)).shape == (2, 4)
    assert BipartiteLayer.from_edges([], shape=(2, 5)).shape == (2, 5)
    assert BipartiteLayer.from_edges([]).shape == (0, 0)
    with pytest.raises(ValueError, match="outside"):
        BipartiteLayer.from_edges([(0, 5)], shape=(2, 2))
    with pytest.raises(ValueError, match="negative"):
        BipartiteLayer.from_edges([(0, -1)], shape=(2, 2))
    with pytest.raises(ValueError, match="shape"):
        BipartiteLayer.from_edges([(0, 0)], shape=(-1, 2))
    with pytest.raises(ValueError, match="shape"):
        BipartiteLayer.from_edges([(0, 0)], shape="ab")
    with pytest.raises(TypeError, match="integer"):
        BipartiteLayer.from_edges([(0.5, 1.0)])
    with pytest.raises(ValueError, match="pairs"):
        BipartiteLayer.from_edges([0, 1, 2])


@given(biadjacency())
def test_layer_from_edges_round_trip(B):
    edges = list(zip(*np.nonzero(B), strict=True))
    assert BipartiteLayer.from_edges(edges, shape=B.shape) == BipartiteLayer(B)


def test_layer_from_networkx():
    g = nx.Graph()
    g.add_nodes_from(["x", "y"], bipartite=0)
    g.add_nodes_from([10, 11], bipartite=1)
    g.add_edges_from([("x", 10), (11, "y"), ("y", 10)])
    layer = BipartiteLayer.from_networkx(g)
    assert layer.row_labels == ["x", "y"] and layer.col_labels == [10, 11]
    assert layer.to_dense().tolist() == [[1, 0], [1, 1]]
    # top_nodes overrides the attribute
    t = BipartiteLayer.from_networkx(g, top_nodes=[10, 11])
    assert t.row_labels == [10, 11] and t == layer.transpose()
    assert as_layer(g) == layer


def test_layer_from_networkx_errors():
    g = nx.Graph([(0, 1), (1, 2)])
    with pytest.raises(ValueError, match="bipartite"):
        BipartiteLayer.from_networkx(g)
    with pytest.raises(ValueError, match="same side"):
        BipartiteLayer.from_networkx(g, top_nodes=[0, 2, 1])
    with pytest.raises(ValueError, match="not in the graph"):
        BipartiteLayer.from_networkx(g, top_nodes=[7])
    with pytest.raises(TypeError):
        BipartiteLayer.from_networkx(np.eye(2))
    h = nx.Graph()
    h.add_nodes_from([0, 1], bipartite=0)
    h.add_edge(0, 1)
    with pytest.raises(ValueError, match="same side"):
        BipartiteLayer.from_networkx(h)


def test_layer_from_igraph():
    ig = pytest.importorskip("igraph")
    g = ig.Graph.Bipartite([False, True, False, True], [(0, 1), (2, 1), (2, 3)])
    layer = BipartiteLayer.from_igraph(g)
    assert layer.to_dense().tolist() == [[1, 0], [1, 1]]
    assert layer.row_labels == [0, 2] and layer.col_labels == [1, 3]
    g.vs["name"] = ["a", "b", "c", "d"]
    named = BipartiteLayer.from_igraph(g)
    assert named.row_labels == ["a", "c"] and named.col_labels == ["b", "d"]
    assert as_layer(g) == layer
    with pytest.raises(ValueError, match="type"):
        BipartiteLayer.from_igraph(ig.Graph([(0, 1)]))
    same = ig.Graph([(0, 1)])
    same.vs["type"] = [False, False]
    with pytest.raises(ValueError, match="same type"):
        BipartiteLayer.from_igraph(same)
    with pytest.raises(TypeError):
        BipartiteLayer.from_igraph(nx.Graph())


@pytest.mark.parametrize("bad,exc,what", [
    (np.array([[np.nan, 1.0]]), ValueError, "non-finite"),
    (np.array([[-np.inf, 1.0]]), ValueError, "non-finite"),
    (np.array([[-0.5, 1.0]]), ValueError, "negative"),
    (sp.csr_array(np.array([[-0.5, 1.0]])), ValueError, "negative"),
    (sp.dok_array(np.array([[np.nan, 1.0]])), ValueError, "non-finite"),
    (np.ones(3), ValueError, "2-dimensional"),
    (np.ones((2, 2, 2)), ValueError, "2-dimensional"),
    ("abc", TypeError, "2-D array"),
    (object(), TypeError, "2-D array"),
    (np.array([["a"]]), TypeError, "numbers"),
    (np.array([[1, 2]], dtype=object), TypeError, "object"),
    (np.array([[1j]]), TypeError, "real"),
])
def test_layer_bad_input(bad, exc, what):
    with pytest.raises(exc, match=what):
        BipartiteLayer(bad)
    with pytest.raises(exc, match=what):
        as_layer(bad)


def test_as_layer_identity_and_graph_rejected():
    layer = BipartiteLayer(np.eye(2))
    assert as_layer(layer) is layer
    with pytest.raises(TypeError, match="unipartite"):
        as_layer(Graph(np.zeros((2, 2))))


# ------------------------------------------------------------------------------------------
# Graph
# ------------------------------------------------------------------------------------------
@given(adjacency())
def test_graph_views(A):
    g = Graph(A)
    n = A.shape[0]
    assert g.n_nodes == n and g.shape == (n, n)
    assert g.n_links == int(A.sum()) // 2
    assert np.array_equal(g.degrees(), A.sum(axis=1))
    assert np.array_equal(g.to_dense(), A)
    assert g.csr.has_canonical_format and np.all(g.csr.data == 1)
    assert repr(g) == f"Graph(n_nodes={n}, n_links={g.n_links})"
    assert as_graph(g) is g


@given(adjacency())
def test_graph_from_edges_round_trip(A):
    edges = list(zip(*np.nonzero(np.triu(A)), strict=True))
    g = Graph.from_edges(edges, n_nodes=A.shape[0])
    assert np.array_equal(g.to_dense(), A)
    # both directions and duplicates are merged
    both = edges + [(v, u) for u, v in edges] + edges
    assert np.array_equal(Graph.from_edges(both, n_nodes=A.shape[0]).to_dense(), A)


def test_graph_from_edges_errors():
    assert Graph.from_edges([(0, 3)]).n_nodes == 4
    assert Graph.from_edges([]).n_nodes == 0
    with pytest.raises(ValueError, match="self-loop"):
        Graph.from_edges([(1, 1)])
    with pytest.raises(ValueError, match="n_nodes"):
        Graph.from_edges([(0, 5)], n_nodes=3)


def test_graph_bad_adjacency():
    with pytest.raises(ValueError, match="symmetric"):
        Graph(np.array([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="self-loop"):
        Graph(np.array([[0, 1], [1, 1]]))
    with pytest.raises(ValueError, match="square"):
        Graph(np.ones((2, 3)))
    with pytest.raises(ValueError, match="negative"):
        Graph(np.array([[0, -1], [-1, 0]]))
    with pytest.raises(ValueError, match="labels"):
        Graph(np.zeros((2, 2)), labels=["a"])
    # weights need not be symmetric, only the pattern
    g = Graph(np.array([[0, 2.0], [0.5, 0]]))
    assert g.n_links == 1


def test_graph_from_networkx():
    G = nx.Graph()
    G.add_nodes_from(["c", "a", "b"])
    G.add_edges_from([("a", "b"), ("b", "c")])
    g = Graph.from_networkx(G)
    assert g.labels == ["c", "a", "b"]
    assert g.to_dense().tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 0]]
    d = Graph.from_networkx(nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")]))
    assert d.n_links == 2
    m = Graph.from_networkx(nx.MultiGraph([(0, 1), (0, 1), (1, 2)]))
    assert m.n_links == 2
    with pytest.raises(ValueError, match="self-loop"):
        Graph.from_networkx(nx.Graph([(0, 0), (0, 1)]))
    with pytest.raises(TypeError):
        Graph.from_networkx(np.eye(2))
    assert np.array_equal(as_graph(G).to_dense(), g.to_dense())


def test_graph_from_igraph():
    ig = pytest.importorskip("igraph")
    h = ig.Graph([(0, 1), (1, 2), (1, 2)])
    g = Graph.from_igraph(h)
    assert g.n_nodes == 3 and g.n_links == 2
    h.vs["name"] = ["x", "y", "z"]
    assert Graph.from_igraph(h).labels == ["x", "y", "z"]
    with pytest.raises(ValueError, match="self-loop"):
        Graph.from_igraph(ig.Graph([(0, 0)]))
    assert as_graph(h).n_links == 2


def test_public_api():
    for name in chgraph.__all__:
        assert hasattr(chgraph, name), name


# --------------------------------------------------------------------------------------------
# links as flat indices: the layer's vocabulary against brute force on the dense matrix
# --------------------------------------------------------------------------------------------
@given(B=biadjacency(max_rows=8, max_cols=8))
def test_layer_link_vocabulary_matches_the_dense_matrix(B):
    layer = BipartiteLayer(B)
    n_in, n_out = B.shape
    dense_rows, dense_cols = np.nonzero(B)  # row-major: the CSR order
    rows, cols = layer.links()
    assert rows.dtype == cols.dtype == np.int64
    assert np.array_equal(rows, dense_rows) and np.array_equal(cols, dense_cols)
    assert np.array_equal(layer.link_rows(), dense_rows)
    flat = layer.flat_links()
    assert flat.dtype == np.int64
    assert np.array_equal(flat, np.flatnonzero(B))  # sorted, row * n_out + col
    assert np.array_equal(chgraph.graph.csr_row_indices(layer.csr.indptr), dense_rows)
    back = BipartiteLayer.from_flat(flat, B.shape)
    assert back == layer and back.shape == (n_in, n_out)
    assert np.array_equal(back.flat_links(), flat)
    assert back.csr.indices.dtype == layer.csr.indices.dtype  # the same canonical form
    assert back.csr.has_canonical_format


@given(B=biadjacency(max_rows=8, max_cols=8), data=st.data())
def test_layer_from_flat_any_order_with_repeats(B, data):
    flat = np.flatnonzero(B)
    extra = data.draw(st.lists(st.sampled_from(flat.tolist()), max_size=5)) if flat.size else []
    shuffled = data.draw(st.permutations(flat.tolist() + extra))
    layer = BipartiteLayer.from_flat(np.array(shuffled, dtype=np.int64), B.shape)
    assert np.array_equal(layer.to_dense(), (B != 0).astype(np.int8))
    assert np.array_equal(layer.flat_links(), flat)


@given(B=biadjacency(max_rows=8, max_cols=8), data=st.data())
def test_layer_non_links_count_matches_brute_force(B, data):
    layer = BipartiteLayer(B)
    n_in, n_out = B.shape
    ar = np.array(data.draw(st.lists(st.booleans(), min_size=n_in, max_size=n_in)), bool)
    ac = np.array(data.draw(st.lists(st.booleans(), min_size=n_out, max_size=n_out)), bool)
    expect = sum(1 for i in range(n_in) for o in range(n_out) if ar[i] and ac[o] and not B[i, o])
    assert layer.n_non_links(ar, ac) == expect
    assert layer.n_non_links() == int(np.sum(B == 0))
    assert layer.n_non_links(ar) == int(np.sum((B == 0) & ar[:, None]))
    assert layer.n_non_links(allowed_cols=ac) == int(np.sum((B == 0) & ac[None, :]))


def test_layer_from_flat_rejects_bad_indices():
    with pytest.raises(ValueError, match="outside"):
        BipartiteLayer.from_flat([6], (2, 3))
    with pytest.raises(ValueError, match="outside"):
        BipartiteLayer.from_flat([-1], (2, 3))
    with pytest.raises(ValueError, match="1-D integer"):
        BipartiteLayer.from_flat([[0, 1]], (2, 3))
    with pytest.raises(ValueError, match="1-D integer"):
        BipartiteLayer.from_flat([0.5], (2, 3))
    empty = BipartiteLayer.from_flat([], (0, 0))
    assert empty.shape == (0, 0) and empty.n_links == 0
    assert BipartiteLayer.from_flat(np.array([], np.int64), (3, 0)).flat_links().size == 0


def test_layer_flat_links_cache_is_not_the_callers_array():
    flat = np.array([0, 4], np.int64)
    layer = BipartiteLayer.from_flat(flat, (2, 3))
    flat[0] = 5
    assert layer.flat_links().tolist() == [0, 4]
