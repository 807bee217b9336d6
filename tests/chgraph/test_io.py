"""chgraph.io: round trips through every format, the npz format, clear errors on bad files."""

from __future__ import annotations

import os
import tempfile
import zipfile

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from chgraph import BipartiteLayer, Graph
from chgraph import io as cio
from chgraph.testing.strategies import biadjacency

FLOAT32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
NAME = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1,
               max_size=6)


@st.composite
def chains(draw, max_layers: int = 3):
    """(dense masks, weights: None or per layer a float32 vector or None, names) of a chain."""
    n_layers = draw(st.integers(1, max_layers))
    sizes = draw(st.lists(st.integers(0, 5), min_size=n_layers + 1, max_size=n_layers + 1))
    masks = [draw(biadjacency(a, b, a, b)) for a, b in zip(sizes, sizes[1:], strict=False)]
    mode = draw(st.sampled_from(["none", "all", "some"]))
    weights = None
    if mode != "none":  # "some": a random subset of the layers has weights
        weights = [
            np.array(draw(st.lists(FLOAT32, min_size=int(m.sum()), max_size=int(m.sum()))),
                     dtype=np.float32)
            if mode == "all" or draw(st.booleans()) else None
            for m in masks
        ]
    names = draw(st.lists(NAME, min_size=n_layers, max_size=n_layers))
    return masks, weights, names


def assert_same(stack, masks, weights, names):
    assert isinstance(stack, cio.LayerStack)
    assert stack.names == names
    assert [layer.shape for layer in stack.layers] == [m.shape for m in masks]
    for layer, mask in zip(stack.layers, masks, strict=True):
        np.testing.assert_array_equal(layer.to_dense(), mask)
    for i, w in enumerate(stack.weights):
        if weights is None or weights[i] is None:
            assert w is None
        else:
            assert w.dtype == np.float32
            np.testing.assert_array_equal(w, weights[i])  # float32 exact


def layers_of(masks):
    return [BipartiteLayer(m) for m in masks]


# ------------------------------------------------------------------------------------------
# in-memory conversions
# ------------------------------------------------------------------------------------------
@given(chains())
def test_networkx_round_trip(chain):
    masks, weights, names = chain
    G = cio.to_networkx(layers_of(masks), weights, names)
    assert G.number_of_nodes() == masks[0].shape[0] + sum(m.shape[1] for m in masks)
    assert G.number_of_edges() == sum(int(m.sum()) for m in masks)
    for node, data in G.nodes(data=True):
        assert node == cio.node_name(data["layer"], data["index"])
        assert data["bipartite"] == data["layer"] % 2
    assert_same(cio.from_networkx(G), masks, weights, names)


@given(chains())
def test_igraph_round_trip(chain):
    pytest.importorskip("igraph")
    masks, weights, names = chain
    g = cio.to_igraph(layers_of(masks), weights, names)
    assert g.vs["type"] == [bool(x % 2) for x in g.vs["layer"]]
    assert_same(cio.from_igraph(g), masks, weights, names)


@given(biadjacency(), st.data())
def test_scipy_round_trip_keeps_zero_and_negative_weights(mask, data):
    n = int(mask.sum())
    w = np.array(data.draw(st.lists(FLOAT32, min_size=n, max_size=n)), dtype=np.float32)
    matrix = cio.to_scipy(BipartiteLayer(mask), w)
    assert isinstance(matrix, sp.csr_array) and matrix.dtype == np.float32
    assert matrix.nnz == n  # explicit zeros kept
    layer, back = cio.from_scipy(matrix)
    np.testing.assert_array_equal(layer.to_dense(), mask)
    np.testing.assert_array_equal(back, w)
    # any scipy format, unsorted: same result
    layer2, back2 = cio.from_scipy(sp.coo_matrix(matrix.tocoo()))
    assert layer2 == layer
    np.testing.assert_array_equal(back2, w)


def test_single_bipartite_networkx_graph_keeps_labels_and_weights():
    G = nx.davis_southern_women_graph()
    for k, (u, v) in enumerate(G.edges()):
        G.edges[u, v]["weight"] = k / 8
    stack = cio.from_networkx(G)
    layer = stack.layers[0]
    assert layer.shape == (18, 14) and layer.n_links == 89
    assert layer.row_labels[0] == "Evelyn Jefferson"
    dense = stack.dense_weights(0)
    for u, v, w in G.edges(data="weight"):
        i, j = (u, v) if u in layer.row_labels else (v, u)
        assert dense[layer.row_labels.index(i), layer.col_labels.index(j)] == np.float32(w)


def test_igraph_bipartite_graph_without_layer_attribute():
    ig = pytest.importorskip("igraph")
    g = ig.Graph.Full_Bipartite(2, 3)
    g.es["weight"] = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]
    stack = cio.from_igraph(g)
    assert stack.layers[0].shape == (2, 3) and stack.layers[0].n_links == 6
    np.testing.assert_array_equal(stack.weights[0], np.float32([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]))


def test_dense_weights_equal_vector_weights_and_torch_shape_is_explained():
    mask = np.array([[1, 0, 1], [0, 1, 0]])
    dense = np.array([[0.5, 9.0, -1.0], [9.0, 2.0, 9.0]])
    a = cio.to_networkx(mask, weights=dense)
    b = cio.to_networkx(mask, weights=[0.5, -1.0, 2.0])
    assert sorted(a.edges(data="weight")) == sorted(b.edges(data="weight"))
    with pytest.raises(ValueError, match="transpose"):
        cio.to_networkx(mask, weights=dense.T)
    with pytest.raises(ValueError, match="one value per link"):
        cio.to_networkx(mask, weights=[1.0, 2.0])


def test_chain_must_chain_and_inputs_are_checked():
    with pytest.raises(ValueError, match="chain"):
        cio.to_networkx([np.eye(2), np.ones((3, 1))])
    with pytest.raises(ValueError, match="name"):
        cio.to_networkx([np.eye(2)], names=["a", "b"])
    with pytest.raises(TypeError):
        cio.to_networkx("not a layer")
    G = nx.Graph()
    G.add_node("L0:0", layer=0)
    G.add_node("L2:0", layer=2)
    G.add_edge("L0:0", "L2:0")
    with pytest.raises(ValueError, match="consecutive"):
        cio.from_networkx(G)


# ------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------
FILE_FORMATS = ["net.npz", "net.graphml", "net.gml", "net.edgelist", "net.tsv"]


@settings(max_examples=15)
@given(chains(), st.sampled_from(FILE_FORMATS))
def test_file_round_trip(chain, filename):
    masks, weights, names = chain
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, filename)
        cio.write_graph(layers_of(masks), path, weights=weights, names=names)
        assert os.listdir(tmp) == [filename]  # no temporary file left behind
        assert_same(cio.read_graph(path), masks, weights, names)


@settings(max_examples=10)
@given(chains())
def test_format_specific_readers(chain):
    masks, weights, names = chain
    layers = layers_of(masks)
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "a")
        cio.write_graphml(p, layers, weights, names)
        assert_same(cio.read_graphml(p), masks, weights, names)
        cio.write_gml(p, layers, weights, names)
        assert_same(cio.read_gml(p), masks, weights, names)
        cio.write_edgelist(p, layers, weights, names)
        assert_same(cio.read_edgelist(p), masks, weights, names)
        cio.save_layers(p, layers, names=names, weights=weights)
        assert_same(cio.load_layers(p), masks, weights, names)


@pytest.mark.parametrize("filename", FILE_FORMATS)
@pytest.mark.parametrize("sizes", [[0, 0], [0, 3, 0], [2, 0, 3]])
@pytest.mark.parametrize("weighted", [False, True])
def test_empty_layers_round_trip(tmp_path, filename, sizes, weighted):
    masks = [np.zeros((a, b), np.int8) for a, b in zip(sizes, sizes[1:], strict=False)]
    weights = [np.zeros(0, np.float32) for _ in masks] if weighted else None
    names = [f"fc{i}" for i in range(len(masks))]
    path = tmp_path / filename
    cio.write_graph(layers_of(masks), path, weights=weights, names=names)
    assert_same(cio.read_graph(path), masks, weights, names)


def test_npz_has_the_documented_keys_and_dtypes(tmp_path):
    path = tmp_path / "net.npz"
    w = np.array([[0.25, 0.0], [0.0, -3.0]])
    cio.save_layers(path, [np.eye(2), np.ones((2, 1))], names=["fc1", "fc2"], weights=[w, None])
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == {"format", "version", "names", "layer0.shape", "layer0.indptr",
                                "layer0.indices", "layer0.weight", "layer1.shape",
                                "layer1.indptr", "layer1.indices"}
        assert str(f["format"]) == "chgraph-layers" and f["format"].dtype.kind == "U"
        assert f["version"].dtype == np.int64 and int(f["version"]) == 1
        assert f["names"].tolist() == ["fc1", "fc2"]
        assert f["layer0.shape"].dtype == np.int64 and f["layer0.shape"].tolist() == [2, 2]
        assert f["layer0.indptr"].tolist() == [0, 1, 2]
        assert f["layer0.indices"].tolist() == [0, 1]
        assert f["layer0.weight"].dtype == np.float32
        assert f["layer0.weight"].tolist() == [0.25, -3.0]
        assert f["layer1.shape"].tolist() == [2, 1]


def write_foreign_npz(path, **overrides):
    """An npz of the format as another program may write it (int64 CSR, float64 weights)."""
    arrays = {
        "format": np.str_("chgraph-layers"), "version": np.int64(1),
        "names": np.array(["fc1"]), "layer0.shape": np.array([2, 3], np.int64),
        "layer0.indptr": np.array([0, 2, 3], np.int64),
        "layer0.indices": np.array([0, 2, 1], np.int64),
        "layer0.weight": np.array([1.0, 2.0, 3.0]),
    }
    arrays.update(overrides)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})


def test_npz_written_by_other_code_is_read(tmp_path):
    path = tmp_path / "x.npz"
    write_foreign_npz(path)
    stack = cio.load_layers(path)
    assert stack.layers[0].to_dense().tolist() == [[1, 0, 1], [0, 1, 0]]
    assert stack.weights[0].dtype == np.float32 and stack.weights[0].tolist() == [1, 2, 3]


@pytest.mark.parametrize("override, problem", [
    ({"format": np.str_("other")}, "not a chgraph layers file"),
    ({"format": None}, "format tag missing"),
    ({"version": np.int64(2)}, "unsupported format version 2"),
    ({"names": None}, "missing key 'names'"),
    ({"layer0.indices": None}, "missing key 'layer0.indices'"),
    ({"layer0.indptr": np.array([0, 2], np.int64)}, "n_in \\+ 1"),
    ({"layer0.indptr": np.array([0, 3, 2], np.int64)}, "valid CSR row pointer"),
    ({"layer0.indices": np.array([2, 0, 1])}, "not canonical"),
    ({"layer0.indices": np.array([0, 0, 1])}, "not canonical"),
    ({"layer0.indices": np.array([0, 3, 1])}, "outside"),
    ({"layer0.weight": np.ones(2)}, "2 values for 3 links"),
    ({"layer0.shape": np.array([2])}, "two non-negative"),
    ({"layer1.shape": np.array([1, 1])}, "belongs to no layer"),
])
def test_npz_validation_names_the_file_and_the_problem(tmp_path, override, problem):
    path = tmp_path / "bad.npz"
    write_foreign_npz(path, **override)
    with pytest.raises(ValueError, match=problem) as info:
        cio.load_layers(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message


def test_unreadable_files_give_one_line_value_errors(tmp_path):
    good = tmp_path / "good.npz"
    cio.save_layers(good, [np.eye(3)])
    cases = {
        "text.npz": b"hello, not a zip",
        "truncated.npz": good.read_bytes()[:40],
        "broken.graphml": b"<graphml><graph><node id='a'",
        "broken.gml": b"graph [ node [ id 0 ",
        "bad.edgelist": b"# chgraph edge list 1\n# layer 2 2 \"x\"\n0 5\n",
        "noheader.txt": b"# chgraph edge list 1\n0 1\n",
        "words.txt": b"a\n",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError) as info:
            cio.read_graph(path)
        message = str(info.value)
        assert message.startswith(str(path)) and "\n" not in message, (name, message)
    np.save(tmp_path / "array.npy", np.eye(2))
    os.replace(tmp_path / "array.npy", tmp_path / "array.npz")
    with pytest.raises(ValueError, match="single .npy array"):
        cio.read_graph(tmp_path / "array.npz")
    with pytest.raises(FileNotFoundError):
        cio.read_graph(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="unsupported graph file extension '.json'"):
        cio.read_graph(tmp_path / "x.json")


def test_foreign_npz_files_are_refused_saying_how_to_make_one(tmp_path):
    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).bytes(3000))
    with pytest.raises(ValueError, match="not an .npz archive") as info:
        cio.load_layers(noise)
    assert "pickle" not in str(info.value)
    scipy_file = tmp_path / "scipy.npz"
    sp.save_npz(scipy_file, sp.random(5, 4, density=0.5, format="csr", random_state=0))
    with pytest.raises(ValueError, match=r"format tag 'csr'.*scipy\.sparse\.save_npz.*"
                                         r"save_layers"):
        cio.load_layers(scipy_file)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.eye(3))
    with pytest.raises(ValueError, match=r"format tag missing.*save_layers.*chgraph export"):
        cio.read_graph(plain)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "net.npz"
    cio.save_layers(path, [np.eye(2)], names=["old"])

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez_compressed", fail)
    with pytest.raises(RuntimeError):
        cio.save_layers(path, [np.eye(3)], names=["new"])
    assert os.listdir(tmp_path) == ["net.npz"]
    assert cio.load_layers(path).names == ["old"]


def test_unipartite_graphs_through_the_dispatcher(tmp_path):
    G = nx.karate_club_graph()
    for ext in (".graphml", ".gml", ".edgelist"):
        path = tmp_path / f"karate{ext}"
        cio.write_graph(G, path)
        g = cio.read_graph(path)
        assert isinstance(g, Graph) and g.n_nodes == 34 and g.n_links == 78
        with pytest.raises(ValueError, match="not layers"):
            cio.read_graph(path, kind="layers")
    with pytest.raises(TypeError, match="holds layers"):
        cio.write_graph(Graph.from_networkx(G), tmp_path / "karate.npz")
    plain = tmp_path / "plain.txt"
    plain.write_text("# comment\n10 11 0.5\n11 12\n")
    with pytest.raises(ValueError, match="line 2: 3 fields"):
        cio.read_graph(plain)  # a weight this graph cannot keep: said, not dropped silently
    g = cio.read_graph(plain, extra="ignore")
    assert g.labels == [10, 11, 12] and g.n_links == 2


def _named_links(g: Graph) -> set:
    """The links of a Graph as sets of node labels."""
    coo = g.csr.tocoo()
    return {frozenset((g.labels[u], g.labels[v])) for u, v in zip(coo.row, coo.col, strict=True)
            if u < v}


def test_plain_edge_list_delimiter_and_extra_fields(tmp_path):
    """Node names with spaces in a tab-separated file: read as such with the delimiter (the
    default for .tsv), refused (never read as another graph) when split on whitespace."""
    text = "new york\tboston\nboston\tlos angeles\n# a comment\nlos angeles\tnew york\n"
    for name in ("cities.txt", "cities.tsv"):
        (tmp_path / name).write_text(text)
    expected = {frozenset(p) for p in [("new york", "boston"), ("boston", "los angeles"),
                                       ("los angeles", "new york")]}

    edges = _named_links
    g = cio.read_edgelist(tmp_path / "cities.txt", delimiter="\t")
    assert g.n_nodes == 3 and edges(g) == expected
    assert edges(cio.read_graph(tmp_path / "cities.tsv")) == expected
    with pytest.raises(ValueError, match=r"cities\.txt.*line 1: 3 fields.*delimiter"):
        cio.read_graph(tmp_path / "cities.txt")
    (tmp_path / "w.csv.txt").write_text("a,b,0.5\nb,c,1\n")
    with pytest.raises(ValueError, match="line 1: 3 fields"):
        cio.read_edgelist(tmp_path / "w.csv.txt", delimiter=",")
    g = cio.read_edgelist(tmp_path / "w.csv.txt", delimiter=",", extra="ignore")
    assert g.labels == ["a", "b", "c"] and g.n_links == 2
    (tmp_path / "short.txt").write_text("a,\n")
    with pytest.raises(ValueError, match="line 1: expected 'u v'"):
        cio.read_edgelist(tmp_path / "short.txt", delimiter=",")
    with pytest.raises(ValueError, match="extra"):
        cio.read_edgelist(tmp_path / "cities.txt", extra="weight")


LABEL = st.text(st.sampled_from("ab z-"), min_size=1, max_size=4).map(
    lambda t: "n" + t.strip() if t.strip() else "n")


@given(st.lists(st.tuples(LABEL, LABEL), max_size=12), st.sampled_from(["\t", ",", ";"]))
def test_plain_edge_lists_with_spaces_in_names_round_trip(pairs, delimiter):
    """Any graph whose node names hold spaces, written with a delimiter, reads back as the
    same graph (same names, same links); split on whitespace it is refused or the same."""
    pairs = [(u, v) for u, v in pairs if u != v]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "g.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(f"{u}{delimiter}{v}\n" for u, v in pairs))
        g = cio.read_edgelist(path, delimiter=delimiter)
        want = {frozenset(p) for p in pairs}
        assert _named_links(g) == want
        assert set(g.labels) == {x for p in pairs for x in p}
        if delimiter == "\t":
            try:
                h = cio.read_edgelist(path)
            except ValueError as exc:
                assert "fields" in str(exc)
            else:
                assert _named_links(h) == want


def test_read_graph_kinds(tmp_path):
    path = tmp_path / "net.graphml"
    cio.write_graph([np.eye(2), np.ones((2, 1))], path)
    assert isinstance(cio.read_graph(path), cio.LayerStack)
    g = cio.read_graph(path, kind="graph")
    assert isinstance(g, Graph) and g.n_nodes == 5 and g.n_links == 4
    bip = tmp_path / "davis.graphml"
    cio.write_graph(nx.davis_southern_women_graph(), bip)
    assert cio.read_graph(bip).layers[0].n_links == 89
    with pytest.raises(ValueError, match="kind"):
        cio.read_graph(path, kind="other")


def test_npz_zip_member_damage_is_reported(tmp_path):
    path = tmp_path / "net.npz"
    cio.save_layers(path, [np.eye(4)])
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["layer0.indices.npy"] = b"\x93NUMPY garbage"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match="corrupt") as info:
        cio.load_layers(path)
    assert str(info.value).startswith(str(path))
