"""Graph types of the engine: a bipartite layer and a general (unipartite) graph, both on CSR.

A sparse linear layer with ``n_in`` inputs and ``n_out`` outputs is a bipartite graph whose
biadjacency ``B`` is ``n_in x n_out`` (rows = presynaptic inputs, columns = postsynaptic outputs).
:class:`BipartiteLayer` keeps ``B`` as a canonical CSR pattern: sorted, duplicate-free column
indices and row pointers (``int32``; ``int64`` beyond 2^31 entries), no stored zeros.
:class:`Graph` keeps the symmetric adjacency of an ordinary undirected network the same way.

Both are built from dense arrays, any scipy sparse format (array or matrix; CSR, CSC, COO, ...;
unsorted or duplicate indices; int32 or int64 indices; bool, int or float data), edge lists,
networkx graphs and igraph graphs.  The functions :func:`as_layer` and :func:`as_graph` accept all
of these and the graph types themselves.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = [
    "BipartiteLayer", "Graph", "as_layer", "as_graph", "is_networkx_graph", "is_igraph_graph",
    "csr_row_indices",
]


# --------------------------------------------------------------------------------------------
# canonicalisation
# --------------------------------------------------------------------------------------------
def _pattern_csr(matrix, what: str) -> sp.csr_array:
    """Return the link pattern of ``matrix`` (2-D) as a canonical binary CSR array.

    Raises ``TypeError`` for objects that are not matrices and ``ValueError`` for non-finite or
    negative entries or a number of dimensions other than 2.
    """
    if sp.issparse(matrix):
        m = matrix
        data = np.asarray(m.data) if hasattr(m, "data") else None
        if m.ndim != 2:
            raise ValueError(f"{what} must be 2-dimensional, got {m.ndim} dimensions")
        if m.format in ("csr", "csc", "coo", "bsr") and data is not None:
            _check_values(data, what)
            csr = sp.csr_array(m)
        else:  # lil, dok, dia: convert first, then check the values
            csr = sp.csr_array(m)
            _check_values(np.asarray(csr.data), what)
    else:
        if isinstance(matrix, (str, bytes)) or not hasattr(matrix, "__len__") and not hasattr(
            matrix, "__array__"
        ):
            raise TypeError(
                f"{what} must be a 2-D array, a scipy sparse matrix, an edge list, a networkx "
                f"or igraph graph, or a chgraph graph; got {type(matrix).__name__}"
            )
        arr = np.asarray(matrix)
        if arr.dtype == object:
            raise TypeError(f"{what} has entries of non-numeric type (dtype object)")
        if arr.ndim != 2:
            raise ValueError(f"{what} must be 2-dimensional, got shape {arr.shape}")
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise TypeError(f"{what} must hold numbers or booleans, got dtype {arr.dtype}")
        if np.iscomplexobj(arr):
            raise TypeError(f"{what} must be real-valued, got dtype {arr.dtype}")
        _check_values(arr, what)
        csr = sp.csr_array(arr != 0)
    if np.iscomplexobj(csr.data):
        raise TypeError(f"{what} must be real-valued, got dtype {csr.data.dtype}")
    csr.sum_duplicates()  # also sorts the indices
    csr.eliminate_zeros()
    return _canonical(csr.indptr, csr.indices, csr.shape)


def _canonical(indptr: np.ndarray, indices: np.ndarray, shape) -> sp.csr_array:
    """The binary CSR array of a pattern whose column indices are sorted and unique per row."""
    n_rows, n_cols = shape
    # int32 indices and row pointers (half the memory traffic of int64 in the kernels);
    # int64 only for graphs too large for int32
    big = max(indices.size, n_rows, n_cols) >= 2**31 - 1
    index = np.int64 if big else np.int32
    out = sp.csr_array((n_rows, n_cols), dtype=np.int8)
    out.indices = indices.astype(index)
    out.indptr = indptr.astype(index)
    out.data = np.ones(indices.size, dtype=np.int8)
    out.has_sorted_indices = True
    out.has_canonical_format = True
    return out


def csr_row_indices(indptr) -> np.ndarray:
    """The row of each stored entry of a CSR matrix with row pointers ``indptr`` (int64).

    The expansion of CSR row pointers into per-entry rows (COO rows without the COO), used
    wherever the engine needs ``(row, col)`` pairs of a CSR pattern.

    >>> import scipy.sparse as sp
    >>> csr_row_indices(sp.csr_array([[1, 1, 0], [0, 0, 0], [0, 1, 0]]).indptr).tolist()
    [0, 0, 2]
    """
    indptr = np.asarray(indptr)
    n_rows = max(indptr.size - 1, 0)
    return np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(indptr))


def _check_values(data: np.ndarray, what: str) -> None:
    if data.dtype == np.bool_ or data.size == 0:
        return
    if np.iscomplexobj(data):
        raise TypeError(f"{what} must be real-valued, got dtype {data.dtype}")
    if np.issubdtype(data.dtype, np.floating) and not np.all(np.isfinite(data)):
        raise ValueError(f"{what} has non-finite entries (NaN or inf); links are entries > 0")
    if np.any(data < 0):
        raise ValueError(
            f"{what} has negative entries; pass the link pattern (or |weights|), entries > 0 "
            "are links"
        )


def _edge_array(edges, what: str) -> np.ndarray:
    arr = np.asarray(list(edges) if not isinstance(edges, np.ndarray) else edges)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(f"{what} must be a sequence of (u, v) pairs, got shape {arr.shape}")
    arr = arr[:, :2]
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{what} must hold integer node indices, got dtype {arr.dtype}")
    if np.any(arr < 0):
        raise ValueError(f"{what} has negative node indices")
    return arr.astype(np.int64)


def is_networkx_graph(obj) -> bool:
    """Whether ``obj`` is a networkx graph (any of its four classes).

    >>> import networkx as nx
    >>> is_networkx_graph(nx.path_graph(3)), is_networkx_graph([[0, 1], [1, 0]])
    (True, False)
    """
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a dependency
        return False
    return isinstance(obj, nx.Graph)


def is_igraph_graph(obj) -> bool:
    """Whether ``obj`` is an igraph graph (checked without importing igraph).

    >>> import igraph
    >>> is_igraph_graph(igraph.Graph(3)), is_igraph_graph([[0, 1], [1, 0]])
    (True, False)
    """
    mod = type(obj).__module__ or ""
    return mod.split(".")[0] == "igraph" and hasattr(obj, "get_edgelist")


# --------------------------------------------------------------------------------------------
# bipartite layer
# --------------------------------------------------------------------------------------------
class BipartiteLayer:
    """A sparse layer as a bipartite graph: biadjacency ``B`` (``n_in x n_out``) on CSR.

    Parameters
    ----------
    matrix : array_like or scipy sparse matrix
        The biadjacency; entries > 0 are links (weights are ignored, only the pattern counts).
    row_labels, col_labels : sequence of hashable, optional
        Names of the input and output nodes (kept when converting from networkx or igraph).

    Examples
    --------
    >>> import numpy as np
    >>> from chgraph import BipartiteLayer
    >>> layer = BipartiteLayer(np.array([[1, 0], [1, 1]]))
    >>> layer.shape, layer.n_links
    ((2, 2), 3)
    >>> layer.in_degrees().tolist(), layer.out_degrees().tolist()
    ([1, 2], [2, 1])
    """

    __slots__ = ("_csr", "_csr_t", "_flat", "row_labels", "col_labels")

    def __init__(
        self,
        matrix,
        *,
        row_labels: Sequence[Hashable] | None = None,
        col_labels: Sequence[Hashable] | None = None,
    ) -> None:
        if isinstance(matrix, BipartiteLayer):
            self._csr = matrix._csr
            row_labels = matrix.row_labels if row_labels is None else row_labels
            col_labels = matrix.col_labels if col_labels is None else col_labels
        else:
            self._csr = _pattern_csr(matrix, "the biadjacency matrix")
        self._csr_t = None
        self._flat = None
        n_in, n_out = self._csr.shape
        self.row_labels = _check_labels(row_labels, n_in, "row_labels")
        self.col_labels = _check_labels(col_labels, n_out, "col_labels")

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_edges(cls, edges: Iterable[tuple[int, int]], shape: tuple[int, int] | None = None):
        """Build a layer from ``(input, output)`` index pairs.

        ``shape`` defaults to one more than the largest index on each side.

        >>> BipartiteLayer.from_edges([(0, 1), (2, 0)], shape=(3, 2)).to_dense().tolist()
        [[0, 1], [0, 0], [1, 0]]
        """
        arr = _edge_array(edges, "the edge list")
        if shape is None:
            shape = (
                int(arr[:, 0].max()) + 1 if len(arr) else 0,
                int(arr[:, 1].max()) + 1 if len(arr) else 0,
            )
        shape = _check_shape(shape)
        if len(arr) and (arr[:, 0].max() >= shape[0] or arr[:, 1].max() >= shape[1]):
            raise ValueError(f"an edge has an index outside the layer's shape {shape}")
        coo = sp.coo_array((np.ones(len(arr), dtype=np.int8), (arr[:, 0], arr[:, 1])), shape=shape)
        return cls(coo)

    @classmethod
    def from_flat(cls, flat, shape: tuple[int, int]) -> BipartiteLayer:
        """Build a layer from flat link indices ``row * n_out + col`` (see :meth:`flat_links`).

        ``flat`` may be in any order and hold repeats (merged); strictly increasing indices,
        the engine's usual currency, are taken without sorting.

        >>> layer = BipartiteLayer.from_flat([1, 4, 5], shape=(2, 3))
        >>> layer.to_dense().tolist()
        [[0, 1, 0], [0, 1, 1]]
        >>> layer.flat_links().tolist()
        [1, 4, 5]
        """
        n_in, n_out = _check_shape(shape)
        flat = np.asarray(flat)
        if flat.ndim != 1 or not (np.issubdtype(flat.dtype, np.integer) or flat.size == 0):
            raise ValueError(f"flat link indices must be a 1-D integer array, got {flat.dtype} "
                             f"of shape {flat.shape}")
        flat = flat.astype(np.int64)  # a copy: the layer keeps it
        if flat.size and (flat.min() < 0 or flat.max() >= n_in * n_out):
            raise ValueError(f"a flat link index is outside [0, {n_in * n_out}) of the layer's "
                             f"shape {(n_in, n_out)}")
        if flat.size > 1 and np.any(flat[1:] <= flat[:-1]):
            flat = np.unique(flat)
        rows, cols = np.divmod(flat, max(n_out, 1))
        indptr = np.zeros(n_in + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n_in), out=indptr[1:])
        layer = cls.__new__(cls)
        layer._csr = _canonical(indptr, cols, (n_in, n_out))
        layer._csr_t = None
        layer._flat = flat
        layer.row_labels = layer.col_labels = None
        return layer

    @classmethod
    def from_networkx(cls, graph, top_nodes: Iterable[Hashable] | None = None):
        """Build a layer from a bipartite networkx graph.

        The inputs (rows) are ``top_nodes`` if given, else the nodes whose ``bipartite``
        attribute is 0 (networkx's convention); the outputs are all other nodes. Node order
        follows the graph's node order. Every edge must join an input to an output.

        >>> import networkx as nx
        >>> g = nx.Graph()
        >>> g.add_nodes_from(["x", "y"], bipartite=0)
        >>> g.add_nodes_from([10, 11], bipartite=1)
        >>> g.add_edges_from([("x", 10), ("y", 10), ("y", 11)])
        >>> layer = BipartiteLayer.from_networkx(g)
        >>> layer.row_labels, layer.col_labels, layer.n_links
        (['x', 'y'], [10, 11], 3)
        """
        if not is_networkx_graph(graph):
            raise TypeError(f"expected a networkx graph, got {type(graph).__name__}")
        if graph.is_directed() or graph.is_multigraph():
            graph = _simple_undirected(graph)
        nodes = list(graph.nodes)
        if top_nodes is None:
            missing = [n for n in nodes if "bipartite" not in graph.nodes[n]]
            if missing:
                raise ValueError(
                    "cannot tell the two sides apart: node(s) "
                    f"{missing[:5]} have no 'bipartite' attribute; set it (0 = input, "
                    "1 = output) or pass top_nodes"
                )
            top = {n for n in nodes if graph.nodes[n]["bipartite"] == 0}
        else:
            top = set(top_nodes)
            unknown = top.difference(graph.nodes)
            if unknown:
                raise ValueError(f"top_nodes not in the graph: {sorted(map(str, unknown))[:5]}")
        rows = [n for n in nodes if n in top]
        cols = [n for n in nodes if n not in top]
        r_index = {n: i for i, n in enumerate(rows)}
        c_index = {n: i for i, n in enumerate(cols)}
        pairs = []
        for u, v in graph.edges():
            if u in r_index and v in c_index:
                pairs.append((r_index[u], c_index[v]))
            elif v in r_index and u in c_index:
                pairs.append((r_index[v], c_index[u]))
            else:
                raise ValueError(f"edge ({u!r}, {v!r}) joins two nodes of the same side")
        layer = cls.from_edges(pairs, shape=(len(rows), len(cols)))
        layer.row_labels, layer.col_labels = rows, cols
        return layer

    @classmethod
    def from_igraph(cls, graph, types: str = "type"):
        """Build a layer from a bipartite igraph graph.

        The vertex attribute ``types`` (igraph's convention, default ``"type"``) is ``False``
        for inputs and ``True`` for outputs; vertex names (``name``) become labels.
        """
        if not is_igraph_graph(graph):
            raise TypeError(f"expected an igraph Graph, got {type(graph).__name__}")
        if types not in graph.vs.attributes():
            raise ValueError(
                f"the igraph graph has no vertex attribute {types!r} telling inputs (False) "
                "from outputs (True)"
            )
        kind = [bool(t) for t in graph.vs[types]]
        rows = [v for v in range(graph.vcount()) if not kind[v]]
        cols = [v for v in range(graph.vcount()) if kind[v]]
        r_index = {v: i for i, v in enumerate(rows)}
        c_index = {v: i for i, v in enumerate(cols)}
        pairs = []
        for u, v in graph.get_edgelist():
            if kind[u] == kind[v]:
                raise ValueError(f"edge ({u}, {v}) joins two vertices of the same type")
            if kind[u]:
                u, v = v, u
            pairs.append((r_index[u], c_index[v]))
        layer = cls.from_edges(pairs, shape=(len(rows), len(cols)))
        if "name" in graph.vs.attributes():
            names = graph.vs["name"]
            layer.row_labels = [names[v] for v in rows]
            layer.col_labels = [names[v] for v in cols]
        else:
            layer.row_labels, layer.col_labels = rows, cols
        return layer

    # -- views -------------------------------------------------------------------------------
    @property
    def csr(self) -> sp.csr_array:
        """The canonical CSR biadjacency (int8 ones, sorted int32 indices and indptr)."""
        return self._csr

    @property
    def transposed_csr(self) -> sp.csr_array:
        """``B^T`` in the same canonical CSR form (the layer seen from its outputs).

        Row ``j`` lists the inputs linked to output ``j`` (sorted); computed once and cached.
        (This is the column-major view of ``B``, kept as a CSR array of ``B^T``.)

        >>> layer = BipartiteLayer([[1, 0], [1, 1]])
        >>> layer.transposed_csr.toarray().tolist()
        [[1, 1], [0, 1]]
        """
        if self._csr_t is None:
            self._csr_t = _pattern_csr(self._csr.T, "B^T")
        return self._csr_t

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(int(s) for s in self._csr.shape)

    @property
    def n_links(self) -> int:
        return int(self._csr.indices.size)

    @property
    def density(self) -> float:
        n_in, n_out = self.shape
        return self.n_links / (n_in * n_out) if n_in * n_out else 0.0

    # -- links as flat indices ----------------------------------------------------------------
    def link_rows(self) -> np.ndarray:
        """The input (row) of each link, in CSR order (int64; the columns are ``csr.indices``).

        >>> BipartiteLayer([[1, 1], [0, 0], [0, 1]]).link_rows().tolist()
        [0, 0, 2]
        """
        return csr_row_indices(self._csr.indptr)

    def links(self) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, cols)`` of the links in CSR order (row-major, ascending), int64.

        >>> rows, cols = BipartiteLayer([[1, 1], [0, 0], [0, 1]]).links()
        >>> rows.tolist(), cols.tolist()
        ([0, 0, 2], [0, 1, 1])
        """
        return self.link_rows(), self._csr.indices.astype(np.int64)

    def flat_links(self) -> np.ndarray:
        """Flat indices ``row * n_out + col`` of the links, strictly increasing (int64).

        The engine's common currency for links (removal, regrowth, evolution on link lists);
        computed once and cached. :meth:`from_flat` is the inverse.

        >>> BipartiteLayer([[1, 1], [0, 0], [0, 1]]).flat_links().tolist()
        [0, 1, 5]
        """
        if self._flat is None:
            rows, cols = self.links()
            self._flat = rows * self.shape[1] + cols
        return self._flat

    def n_non_links(self, allowed_rows=None, allowed_cols=None) -> int:
        """Number of non-links ``(i, o)`` with ``allowed_rows[i]`` and ``allowed_cols[o]``.

        The candidate count of link prediction and regrowth; ``None`` allows every node.

        >>> layer = BipartiteLayer([[1, 1], [0, 0], [0, 1]])
        >>> layer.n_non_links(), layer.n_non_links(np.array([True, False, True]))
        (3, 1)
        """
        n_in, n_out = self.shape
        rows, cols = self.link_rows(), self._csr.indices
        inside = np.ones(rows.size, bool)
        n_rows, n_cols = n_in, n_out
        if allowed_rows is not None:
            allowed_rows = np.asarray(allowed_rows, bool)
            inside &= allowed_rows[rows]
            n_rows = int(np.count_nonzero(allowed_rows))
        if allowed_cols is not None:
            allowed_cols = np.asarray(allowed_cols, bool)
            inside &= allowed_cols[cols]
            n_cols = int(np.count_nonzero(allowed_cols))
        return n_rows * n_cols - int(np.count_nonzero(inside))

    # -- degrees -----------------------------------------------------------------------------
    def in_degrees(self) -> np.ndarray:
        """Degree of each input node (row)."""
        return np.diff(self._csr.indptr)

    def out_degrees(self) -> np.ndarray:
        """Degree of each output node (column)."""
        return np.bincount(self._csr.indices, minlength=self.shape[1]).astype(np.int64)

    def to_dense(self, dtype=np.int8) -> np.ndarray:
        """The biadjacency as a dense array."""
        return self._csr.toarray().astype(dtype, copy=False)

    def transpose(self) -> BipartiteLayer:
        """The same graph with inputs and outputs swapped (``B^T``)."""
        return BipartiteLayer(
            self.transposed_csr, row_labels=self.col_labels, col_labels=self.row_labels
        )

    T = property(transpose)

    def to_graph(self) -> Graph:
        """The layer as a unipartite graph on ``n_in + n_out`` nodes (inputs first)."""
        n_in, n_out = self.shape
        r, c = self.links()
        rows = np.concatenate([r, c + n_in])
        cols = np.concatenate([c + n_in, r])
        adj = sp.coo_array((np.ones(rows.size, np.int8), (rows, cols)), shape=(n_in + n_out,) * 2)
        labels = None
        if self.row_labels is not None or self.col_labels is not None:
            labels = list(self.row_labels or [("in", i) for i in range(n_in)]) + list(
                self.col_labels or [("out", j) for j in range(n_out)]
            )
        return Graph(adj, labels=labels)

    def __repr__(self) -> str:
        n_in, n_out = self.shape
        return f"BipartiteLayer(n_in={n_in}, n_out={n_out}, n_links={self.n_links})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, BipartiteLayer) or other.shape != self.shape:
            return NotImplemented if not isinstance(other, BipartiteLayer) else False
        return bool(
            np.array_equal(self._csr.indptr, other._csr.indptr)
            and np.array_equal(self._csr.indices, other._csr.indices)
        )

    __hash__ = None


# --------------------------------------------------------------------------------------------
# unipartite graph
# --------------------------------------------------------------------------------------------
class Graph:
    """An undirected simple graph (no self-loops) as a symmetric CSR adjacency.

    Parameters
    ----------
    matrix : array_like or scipy sparse matrix
        A square, symmetric adjacency with a zero diagonal; entries > 0 are links.
    labels : sequence of hashable, optional
        Node names (kept when converting from networkx or igraph).

    Examples
    --------
    >>> from chgraph import Graph
    >>> g = Graph.from_edges([(0, 1), (1, 2), (2, 3)])
    >>> g.n_nodes, g.n_links, g.degrees().tolist()
    (4, 3, [1, 2, 2, 1])
    """

    __slots__ = ("_csr", "labels")

    def __init__(self, matrix, *, labels: Sequence[Hashable] | None = None) -> None:
        if isinstance(matrix, Graph):
            self._csr = matrix._csr
            labels = matrix.labels if labels is None else labels
        else:
            csr = _pattern_csr(matrix, "the adjacency matrix")
            n, m = csr.shape
            if n != m:
                raise ValueError(f"the adjacency matrix of a graph must be square, got {n}x{m}")
            if csr.diagonal().any():
                loops = np.flatnonzero(csr.diagonal())
                raise ValueError(f"the graph has self-loops at node(s) {loops[:5].tolist()}")
            if (csr != csr.T).nnz:
                raise ValueError(
                    "the adjacency matrix is not symmetric; an undirected graph is expected "
                    "(symmetrise it, e.g. A + A.T, or use BipartiteLayer for a layer)"
                )
            self._csr = csr
        self.labels = _check_labels(labels, self._csr.shape[0], "labels")

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[int, int]], n_nodes: int | None = None):
        """Build a graph from undirected ``(u, v)`` index pairs; duplicates are merged.

        >>> Graph.from_edges([(0, 1), (1, 0), (1, 2)]).n_links
        2
        """
        arr = _edge_array(edges, "the edge list")
        if n_nodes is None:
            n_nodes = int(arr.max()) + 1 if len(arr) else 0
        if len(arr) and arr.max() >= n_nodes:
            raise ValueError(f"an edge has a node index >= n_nodes ({n_nodes})")
        if np.any(arr[:, 0] == arr[:, 1]):
            u = int(arr[arr[:, 0] == arr[:, 1]][0, 0])
            raise ValueError(f"the edge list has a self-loop at node {u}")
        r = np.concatenate([arr[:, 0], arr[:, 1]])
        c = np.concatenate([arr[:, 1], arr[:, 0]])
        return cls(sp.coo_array((np.ones(r.size, np.int8), (r, c)), shape=(n_nodes, n_nodes)))

    @classmethod
    def from_networkx(cls, graph):
        """Build a graph from a networkx graph (node order kept, labels = nodes).

        Directed graphs and multigraphs are read as their simple undirected version.
        Self-loops are an error.
        """
        if not is_networkx_graph(graph):
            raise TypeError(f"expected a networkx graph, got {type(graph).__name__}")
        if graph.is_directed() or graph.is_multigraph():
            graph = _simple_undirected(graph)
        nodes = list(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        pairs = []
        for u, v in graph.edges():
            if u == v:
                raise ValueError(f"the graph has a self-loop at node {u!r}")
            pairs.append((index[u], index[v]))
        g = cls.from_edges(pairs, n_nodes=len(nodes))
        g.labels = nodes
        return g

    @classmethod
    def from_igraph(cls, graph):
        """Build a graph from an igraph graph (vertex ``name`` attributes become labels)."""
        if not is_igraph_graph(graph):
            raise TypeError(f"expected an igraph Graph, got {type(graph).__name__}")
        pairs = graph.get_edgelist()
        for u, v in pairs:
            if u == v:
                raise ValueError(f"the graph has a self-loop at vertex {u}")
        g = cls.from_edges(pairs, n_nodes=graph.vcount())
        if "name" in graph.vs.attributes():
            g.labels = list(graph.vs["name"])
        return g

    @property
    def csr(self) -> sp.csr_array:
        """The canonical symmetric CSR adjacency."""
        return self._csr

    @property
    def n_nodes(self) -> int:
        return int(self._csr.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_nodes, self.n_nodes)

    @property
    def n_links(self) -> int:
        return int(self._csr.indices.size // 2)

    def degrees(self) -> np.ndarray:
        """Degree of each node."""
        return np.diff(self._csr.indptr)

    def to_dense(self, dtype=np.int8) -> np.ndarray:
        return self._csr.toarray().astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"Graph(n_nodes={self.n_nodes}, n_links={self.n_links})"


# --------------------------------------------------------------------------------------------
# coercion
# --------------------------------------------------------------------------------------------
def as_layer(obj) -> BipartiteLayer:
    """Coerce any supported input to a :class:`BipartiteLayer`.

    Accepts a layer, a 2-D array or scipy sparse matrix (the biadjacency), a bipartite
    networkx graph (``bipartite`` node attribute) or igraph graph (``type`` vertex attribute).

    >>> as_layer([[0, 1], [1, 0]]).n_links
    2
    """
    if isinstance(obj, BipartiteLayer):
        return obj
    if isinstance(obj, Graph):
        raise TypeError(
            "a chgraph.Graph is unipartite; pass bipartite=False, or build a BipartiteLayer "
            "from the biadjacency"
        )
    if is_networkx_graph(obj):
        return BipartiteLayer.from_networkx(obj)
    if is_igraph_graph(obj):
        return BipartiteLayer.from_igraph(obj)
    return BipartiteLayer(obj)


def as_graph(obj) -> Graph:
    """Coerce any supported input to a unipartite :class:`Graph`.

    Accepts a graph, a square symmetric 2-D array or scipy sparse matrix, a networkx or an
    igraph graph, or a :class:`BipartiteLayer` (read as a graph on ``n_in + n_out`` nodes).

    >>> as_graph([[0, 1], [1, 0]]).n_links
    1
    """
    if isinstance(obj, Graph):
        return obj
    if isinstance(obj, BipartiteLayer):
        return obj.to_graph()
    if is_networkx_graph(obj):
        return Graph.from_networkx(obj)
    if is_igraph_graph(obj):
        return Graph.from_igraph(obj)
    return Graph(obj)


def _simple_undirected(graph):
    import networkx as nx

    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    simple.add_edges_from(graph.edges())
    return simple


def _check_shape(shape) -> tuple[int, int]:
    try:
        n_in, n_out = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be a pair of non-negative integers, got {shape!r}") from None
    if n_in < 0 or n_out < 0:
        raise ValueError(f"shape must be non-negative, got {shape!r}")
    return n_in, n_out


def _check_labels(labels, n: int, what: str):
    if labels is None:
        return None
    labels = list(labels)
    if len(labels) != n:
        raise ValueError(f"{what} has {len(labels)} entries for {n} nodes")
    return labels
