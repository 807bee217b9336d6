"""chgraph.testing.formats: every format holds the same links; chgraph reads them back."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import chgraph
from chgraph.testing.formats import (
    BIPARTITE_FORMATS,
    MATRIX_FORMATS,
    UNIPARTITE_FORMATS,
    all_formats,
    formats_for,
    to_format,
)
from chgraph.testing.strategies import graphs, layers


@given(layers())
def test_every_layer_format_reads_back(B):
    formats = all_formats(B, seed=1)
    assert set(formats) == set(formats_for(B))
    for name, value in formats.items():
        layer = chgraph.as_layer(value)
        assert layer == chgraph.BipartiteLayer(B), name
        assert layer.csr.has_canonical_format


@given(graphs())
def test_every_graph_format_reads_back(A):
    for name, value in all_formats(A, bipartite=False, seed=1).items():
        assert np.array_equal(chgraph.as_graph(value).to_dense(), A), name


def test_all_formats_present_with_igraph():
    pytest.importorskip("igraph")
    B = np.array([[1, 0, 1], [0, 1, 1]])
    assert list(all_formats(B)) == list(BIPARTITE_FORMATS)
    A = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    assert list(all_formats(A, bipartite=False)) == list(UNIPARTITE_FORMATS)


def test_formats_are_what_they_say():
    B = np.array([[1, 0, 1], [0, 1, 1]])
    assert to_format(B, "unsorted csr").has_sorted_indices is False
    assert to_format(B, "duplicate csr").has_canonical_format is False
    assert to_format(B, "duplicate csr").nnz == 2 * B.sum()
    assert to_format(B, "int64 index csr").indices.dtype == np.int64
    assert to_format(B, "strided view").flags.c_contiguous is False
    assert to_format(B, "fortran").flags.f_contiguous
    w = to_format(B, "weights", seed=3)
    assert np.array_equal(w != 0, B != 0) and np.array_equal(w, to_format(B, "weights", seed=3))
    Aw = to_format(np.array([[0, 1], [1, 0]]), "weights", bipartite=False)
    assert Aw[0, 1] == Aw[1, 0] > 0
    assert to_format(B, "networkx inputs first").nodes["o0"] == {"bipartite": 1}
    assert to_format(B, "dia_matrix").format == "dia"
    assert len(MATRIX_FORMATS) == len(set(MATRIX_FORMATS))


def test_empty_matrices():
    assert "nested list" not in formats_for(np.zeros((0, 2)))
    for value in all_formats(np.zeros((0, 2))).values():
        assert chgraph.as_layer(value).shape == (0, 2)


def test_bad_names_and_shapes():
    with pytest.raises(ValueError, match="unknown formats \\['csr'\\]"):
        formats_for(np.eye(2), formats=["csr"])
    with pytest.raises(ValueError, match="unknown formats"):
        to_format(np.eye(2), "Graph")  # a layer format list has no Graph
    with pytest.raises(ValueError, match="square"):
        to_format(np.ones((2, 3)), "int8", bipartite=False)
    assert formats_for(np.eye(2), formats="bool") == ["bool"]
