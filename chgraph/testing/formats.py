"""The same links in every input format chgraph accepts (numpy, scipy, networkx, igraph, chgraph).

:func:`to_format` converts a dense 0/1 matrix (a biadjacency, or a symmetric adjacency when
``bipartite=False``) to one named format; :func:`all_formats` to all of them. The names are
in :data:`BIPARTITE_FORMATS` and :data:`UNIPARTITE_FORMATS`; "weights" formats carry positive
float values on the links (chgraph reads any non-zero as a link), the "unsorted", "duplicate"
and "explicit zeros" ones are valid scipy matrices that are not in canonical form.

>>> import numpy as np, chgraph
>>> B = np.array([[1, 0], [1, 1]])
>>> to_format(B, "networkx").nodes["i0"]
{'bipartite': 0}
>>> all(chgraph.as_layer(v) == chgraph.BipartiteLayer(B) for v in all_formats(B).values())
True

numpy, scipy and networkx only (igraph where installed); no hypothesis, no torch.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

__all__ = ["MATRIX_FORMATS", "BIPARTITE_FORMATS", "UNIPARTITE_FORMATS", "to_format",
           "formats_for", "all_formats"]

_SCIPY = tuple(f"{fmt}_{kind}" for kind in ("array", "matrix")
               for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia"))
#: formats of a matrix, for layers and graphs alike
MATRIX_FORMATS = (
    "float64", "int8", "bool", "int64", "uint8", "float32", "weights", "np.matrix",
    "fortran", "strided view", "nested list", *_SCIPY, "unsorted csr", "duplicate csr",
    "explicit zeros coo", "int64 index csr", "bool csr",
)
#: every format of a layer: the matrix formats, :class:`chgraph.BipartiteLayer`, networkx
#: graphs (``bipartite`` node attribute; sides interleaved, or inputs first) and igraph
#: graphs (``type`` vertex attribute)
BIPARTITE_FORMATS = MATRIX_FORMATS + ("BipartiteLayer", "networkx", "networkx inputs first",
                                      "igraph")
#: every format of a graph: the matrix formats, :class:`chgraph.Graph`, networkx graphs
#: (undirected, or directed with both directions of each link) and igraph graphs
UNIPARTITE_FORMATS = MATRIX_FORMATS + ("Graph", "networkx", "networkx digraph", "igraph")


def formats_for(matrix, *, bipartite: bool = True, formats=None) -> list[str]:
    """The format names that can hold ``matrix`` (of ``formats``, default all).

    A nested list cannot hold a matrix with no entries (its shape is lost); igraph formats
    need igraph installed.

    >>> "nested list" in formats_for(np.zeros((0, 3)))
    False
    """
    known = BIPARTITE_FORMATS if bipartite else UNIPARTITE_FORMATS
    names = list(known) if formats is None else [formats] if isinstance(formats, str) \
        else list(formats)
    bad = [n for n in names if n not in known]
    if bad:
        kind = "layers" if bipartite else "graphs"
        raise ValueError(f"unknown formats {bad} for {kind}; known: {', '.join(known)}")
    if np.asarray(matrix).size == 0:
        names = [n for n in names if n != "nested list"]
    if formats is None and not _has_igraph():
        names = [n for n in names if n != "igraph"]
    return names


def all_formats(matrix, *, bipartite: bool = True, seed=0) -> dict:
    """``{name: value}`` for every format of :func:`formats_for`.

    >>> len(all_formats(1 - np.eye(3), bipartite=False)) >= 30
    True
    """
    return {name: to_format(matrix, name, bipartite=bipartite, seed=seed)
            for name in formats_for(matrix, bipartite=bipartite)}


def to_format(matrix, name: str, *, bipartite: bool = True, seed=0):
    """The links of a dense 0/1 ``matrix`` in the format ``name``.

    ``seed`` (an int or a numpy Generator) draws the values of the "weights" formats.

    >>> to_format(np.array([[1, 0], [1, 1]]), "coo_array").nnz
    3
    """
    M = (np.asarray(matrix) != 0).astype(np.int8)
    if M.ndim != 2 or (not bipartite and M.shape[0] != M.shape[1]):
        raise ValueError(f"expected a {'2-D' if bipartite else 'square'} matrix, got {M.shape}")
    if name in MATRIX_FORMATS:
        return _matrix_format(M, name, bipartite, np.random.default_rng(seed))
    if name == "igraph":
        return _igraph(M, bipartite)
    if bipartite:
        from ..graph import BipartiteLayer

        if name == "BipartiteLayer":
            return BipartiteLayer(M)
        if name in ("networkx", "networkx inputs first"):
            return _networkx_layer(M, interleave=name == "networkx")
    else:
        from ..graph import Graph

        if name == "Graph":
            return Graph(M)
        if name in ("networkx", "networkx digraph"):
            return _networkx_graph(M, directed=name == "networkx digraph")
    formats_for(M, bipartite=bipartite, formats=[name])  # raises the ValueError
    raise AssertionError(name)  # pragma: no cover


def _matrix_format(M, name, bipartite, rng):
    if name == "float64":
        return M.astype(np.float64)
    if name in ("int8", "bool", "int64", "uint8", "float32"):
        return M.astype(name)
    if name == "weights":
        w = rng.uniform(0.01, 5.0, M.shape)
        return M * (w if bipartite else w + w.T)
    if name == "np.matrix":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return np.asmatrix(M)
    if name == "fortran":
        return np.asfortranarray(M)
    if name == "strided view":
        return np.repeat(np.repeat(M, 2, axis=0), 2, axis=1)[::2, ::2]
    if name == "nested list":
        return M.tolist()
    if name in _SCIPY:
        fmt, kind = name.split("_")
        return (sp.csr_array(M) if kind == "array" else sp.csr_matrix(M)).asformat(fmt)
    return _odd_scipy(M, name)


def _odd_scipy(M, name):
    """Valid scipy matrices that are not in canonical form, or have unusual index types."""
    if name == "unsorted csr":
        csr = sp.csr_array(M)
        indices = csr.indices.copy()
        for r in range(M.shape[0]):
            s, e = csr.indptr[r], csr.indptr[r + 1]
            indices[s:e] = indices[s:e][::-1]
        return sp.csr_array((csr.data, indices, csr.indptr), shape=M.shape)
    if name == "duplicate csr":  # every link stored twice
        _, cols = np.nonzero(M)  # row by row
        indptr = np.r_[0, np.cumsum(2 * M.sum(axis=1, dtype=np.int64))].astype(np.int32)
        data = np.tile([1.0, 0.5], cols.size)
        return sp.csr_matrix((data, np.repeat(cols, 2).astype(np.int32), indptr),
                             shape=M.shape)
    if name == "explicit zeros coo":  # links twice, and stored zeros at up to 3 non-links
        rows, cols = np.nonzero(M)
        zr, zc = np.nonzero(M == 0)
        r = np.concatenate([rows, rows, zr[:3]]).astype(np.int32)
        c = np.concatenate([cols, cols, zc[:3]]).astype(np.int32)
        data = np.r_[np.full(2 * rows.size, 2.0), np.zeros(min(3, zr.size))]
        return sp.coo_array((data, (r, c)), shape=M.shape)
    if name == "int64 index csr":
        csr = sp.csr_array(M.astype(np.float32))
        return sp.csr_array((csr.data, csr.indices.astype(np.int64),
                             csr.indptr.astype(np.int64)), shape=M.shape)
    if name == "bool csr":
        return sp.csr_array(M.astype(bool))
    raise AssertionError(name)  # pragma: no cover


def _networkx_layer(M, interleave: bool):
    import networkx as nx

    n_in, n_out = M.shape
    g = nx.Graph()
    for t in range(max(n_in, n_out)):  # each side keeps its order
        if t < n_out and interleave:
            g.add_node(f"o{t}", bipartite=1)
        if t < n_in:
            g.add_node(f"i{t}", bipartite=0)
    if not interleave:
        g.add_nodes_from((f"o{t}" for t in range(n_out)), bipartite=1)
    g.add_edges_from((f"i{i}", f"o{o}") for i, o in zip(*np.nonzero(M), strict=True))
    return g


def _networkx_graph(M, directed: bool):
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(M.shape[0]))
    g.add_edges_from((int(u), int(v)) for u, v in zip(*np.nonzero(np.triu(M)), strict=True))
    return nx.DiGraph(g) if directed else g


def _has_igraph() -> bool:
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


def _igraph(M, bipartite: bool):
    import igraph

    if bipartite:
        n_in, n_out = M.shape
        edges = [(int(i), n_in + int(o)) for i, o in zip(*np.nonzero(M), strict=True)]
        return igraph.Graph.Bipartite([False] * n_in + [True] * n_out, edges)
    edges = [(int(u), int(v)) for u, v in zip(*np.nonzero(np.triu(M)), strict=True)]
    return igraph.Graph(n=M.shape[0], edges=edges)
