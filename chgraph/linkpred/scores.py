"""Link-prediction scores: the public :func:`link_scores` and the row-block scorers behind it."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..graph import BipartiteLayer, Graph, as_graph, as_layer
from . import _kernels
from . import _unipartite_kernels as _ukernels
from .registry import PSI_CH2, PSI_CH3, PSI_CH31, LinkPredictor, get_predictor

__all__ = ["link_scores"]

INTERNAL_DEGREE = {"path": _kernels.INTERNAL_PATH, "community": _kernels.INTERNAL_COMMUNITY}

#: Memory (bytes) the exact bipartite kernels may spend on precomputed factors; above it they
#: fall back to a slower kernel that needs less (see :class:`BipartiteScorer`).
SCRATCH_BUDGET_BYTES = 256 * 2**20


def link_scores(matrix, method: str = "CH3-L3", *, bipartite: bool = True,
                internal_degree: str = "path") -> np.ndarray:
    """Score every candidate link of a bipartite layer or of a graph.

    Parameters
    ----------
    matrix : array_like, scipy sparse matrix, networkx/igraph graph, BipartiteLayer or Graph
        With ``bipartite=True``: the ``n_in x n_out`` biadjacency of a layer (rows = inputs), or
        a bipartite networkx graph (``bipartite`` node attribute) or igraph graph (``type``).
        With ``bipartite=False``: a symmetric adjacency or an undirected graph.
        Entries > 0 are links; the values are not used.
    method : str
        A name from :func:`chgraph.available_predictors`: ``CN-L3``, ``RA-L3``, ``CH1-L3``,
        ``CH2-L3``, ``CH3-L3`` (default), ``CH3.1-L3``; the ``-L2`` versions on unipartite
        graphs; the node-based ``CH2-L3n``, ``CH3-L3n``, ``CH3.1-L3n`` on bipartite layers.
    bipartite : bool
        Read ``matrix`` as a bipartite layer (default) or as a unipartite graph.
    internal_degree : {"path", "community"}
        Unipartite L3 only. ``"path"`` (default, CHT's C++): ``di`` of an intermediate node
        counts its links that are the middle link of some L3 path of the pair. ``"community"``
        (the CH network-automata MATLAB): every link to another intermediate node. On bipartite
        layers the two coincide.

    Returns
    -------
    numpy.ndarray
        float64 scores with the input's shape (``n_in x n_out``, or ``n x n`` and symmetric);
        0 at existing links, on the diagonal of a graph, and for pairs without any path.

    Examples
    --------
    >>> import numpy as np
    >>> from chgraph import link_scores
    >>> link_scores(np.array([[1, 0], [1, 1]]))
    array([[0., 1.],
           [0., 0.]])

    The complete bipartite graph K(3, 4) minus one link scores that link (3-1)(4-1):

    >>> B = np.ones((3, 4)); B[0, 0] = 0
    >>> float(link_scores(B)[0, 0])
    6.0

    References
    ----------
    Muscoloni et al. (2018); Zhang et al., ICLR 2024; Hua et al., ICLR 2026 (see
    :mod:`chgraph.linkpred.registry`).
    """
    predictor = get_predictor(method, bipartite)
    internal = internal_degree_code(internal_degree)
    if bipartite:
        scorer = BipartiteScorer(as_layer(matrix), predictor)
        return scorer.all()
    return UnipartiteScorer(as_graph(matrix), predictor, internal).all()


def internal_degree_code(internal_degree: str) -> int:
    """The kernels' code of an internal-degree rule, ``"path"`` or ``"community"``.

    ``"path"``: ``di`` of an intermediate node counts its links that are the middle link of
    some L3 path of the pair; ``"community"``: every link to another intermediate node (see
    :func:`link_scores`). Anything else is a ``ValueError``.

    >>> internal_degree_code("path") == INTERNAL_DEGREE["path"]
    True
    """
    if internal_degree not in INTERNAL_DEGREE:
        raise ValueError(
            f"internal_degree must be one of {sorted(INTERNAL_DEGREE)}, got {internal_degree!r}"
        )
    return INTERNAL_DEGREE[internal_degree]


def _as_index(rows, n: int) -> np.ndarray:
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise IndexError(f"row index out of range [0, {n})")
    return rows


class BipartiteScorer:
    """Scores of a layer, row block by row block, without the full matrix when not needed.

    Three exact kernels compute the same scores (checked against each other and against path
    enumeration in the tests); ``strategy="auto"`` picks the fastest one whose precomputed
    factors fit in :data:`SCRATCH_BUDGET_BYTES`:

    - ``"wedge"``: one multiply-add per L3 path, factors stored per wedge (``sum k^2`` floats);
    - ``"gram"``: a scatter per path plus a pass over the output Gram matrix ``B^T B``;
    - ``"direct"``: no precomputation, the Gram counts are made on the fly (O(n) memory).

    The kernel runs on ``B`` or ``B^T``, whichever needs less memory; :meth:`block` hides the
    orientation.
    """

    def __init__(self, layer: BipartiteLayer, predictor: LinkPredictor,
                 strategy: str = "auto") -> None:
        if strategy not in ("auto", "wedge", "gram", "direct"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.layer = layer
        self.predictor = predictor
        n_in, n_out = layer.shape
        self.shape = (n_in, n_out)
        self.transposed = False
        self._node_based = None
        self.strategy = "node-based" if predictor.node_based else strategy
        if predictor.node_based:
            return
        strategy, self.transposed = _plan(layer, strategy)
        self.strategy = strategy
        if strategy == "wedge":
            # wedge codes are uint16 counts di <= k_a; di = k_a = 2^16 may wrap to 0 harmlessly
            # (such a wedge reaches only links of the seed, zeroed at the end), larger may not
            k_cols = layer.in_degrees() if self.transposed else layer.out_degrees()
            if k_cols.size and k_cols.max() > 2**16:
                raise ValueError("the wedge kernel needs output degrees below 2^16")
        fwd, bwd = layer.csr, layer.transposed_csr
        if self.transposed:
            fwd, bwd = bwd, fwd
        self._fwd, self._bwd = fwd, bwd
        self._deg_in = np.diff(fwd.indptr).astype(np.int64)
        self._deg_out = np.diff(bwd.indptr).astype(np.int64)
        self._factors = None
        n_chunks = _kernels.n_chunks_for(fwd.shape[1])
        if strategy == "wedge":
            self._factors = _kernels.bipartite_wedge_factors(
                fwd.indptr, fwd.indices, bwd.indptr, bwd.indices, self._deg_out,
                predictor.psi, n_chunks,
            )
        elif strategy == "gram":
            self._factors = _kernels.bipartite_gram_factors(
                fwd.indptr, fwd.indices, bwd.indptr, bwd.indices, self._deg_out,
                predictor.psi, n_chunks,
            )

    @property
    def kernel_rows(self) -> int:
        """Number of rows of the orientation the kernel works on."""
        return self.shape[1] if self.transposed else self.shape[0]

    def _kernel(self, rows: np.ndarray) -> np.ndarray:
        fwd, bwd = self._fwd, self._bwd
        out = np.zeros((rows.size, fwd.shape[1]), dtype=np.float64)
        if rows.size == 0 or fwd.shape[1] == 0:
            return out
        psi, n_chunks = self.predictor.psi, _kernels.n_chunks_for(rows.size)
        if self.strategy == "wedge":
            w_ptr, w_code, t_ptr, table = self._factors
            _kernels.bipartite_l3_wedge(
                fwd.indptr, fwd.indices, bwd.indptr, bwd.indices, w_ptr, w_code, t_ptr, table,
                self._deg_in, rows, psi, n_chunks, out,
            )
        elif self.strategy == "gram":
            g_indptr, g_indices, g_fac = self._factors
            _kernels.bipartite_l3_gram(
                fwd.indptr, fwd.indices, bwd.indptr, bwd.indices, g_indptr, g_indices, g_fac,
                self._deg_in, rows, psi, n_chunks, out,
            )
        else:
            _kernels.bipartite_l3_direct(
                fwd.indptr, fwd.indices, bwd.indptr, bwd.indices,
                self._deg_in, self._deg_out, rows, psi, n_chunks, out,
            )
        return out

    def kernel_rows_dense(self, krows: np.ndarray) -> np.ndarray:
        """Dense scores of rows ``krows`` of the kernel's orientation (``B^T`` when
        :attr:`transposed`)."""
        krows = _as_index(krows, self.kernel_rows)
        if self.predictor.node_based:
            return self._node_based_scores()[krows].toarray()
        return self._kernel(krows)

    def rows(self, rows) -> np.ndarray:
        """Dense scores of the given input rows (``len(rows) x n_out``)."""
        rows = _as_index(rows, self.shape[0])
        if self.predictor.node_based:
            return self._node_based_scores()[rows].toarray()
        if self.transposed:
            return self._kernel(np.arange(self.shape[1], dtype=np.int64)).T[rows]
        return self._kernel(rows)

    def all(self) -> np.ndarray:
        """The full dense ``n_in x n_out`` score matrix."""
        if self.predictor.node_based:
            return self._node_based_scores().toarray()
        full = self._kernel(np.arange(self.kernel_rows, dtype=np.int64))
        return full.T if self.transposed else full

    # -- node-based approximation (CHTs) ------------------------------------------------------
    def _node_based_scores(self) -> sp.csr_array:
        if self._node_based is None:
            self._node_based = node_based_scores(self.layer, self.predictor.psi)
        return self._node_based


def _plan(layer: BipartiteLayer, strategy: str) -> tuple[str, bool]:
    """Pick the kernel and its orientation (``transposed``: run on ``B^T``) by a cost model.

    Time, in units of one L3 path of the gram kernel, for the orientation whose output side
    has degrees ``k_a``: every kernel scans ``2 sum_a k_a^2`` (the seed's factor pass and the
    ``b`` lists of each ``(i, a)``); ``wedge`` streams one 2-byte code per path (1.5 units);
    ``gram`` adds two units per Gram entry visited; ``direct`` counts on the fly (2.5 units a
    path, plus the Gram-sized pass). Memory: ``wedge`` keeps ``2 sum_b k_b^2`` bytes of codes
    (``b`` on the seed side), ``gram`` 12 bytes per Gram entry; both must fit in
    :data:`SCRATCH_BUDGET_BYTES`. A forced ``strategy`` takes its cheapest orientation that
    fits, or the one needing least memory if none does.
    """
    k_in = layer.in_degrees().astype(np.float64)
    k_out = layer.out_degrees().astype(np.float64)
    coo = layer.csr.tocoo()
    paths = float(np.sum((k_in[coo.row] - 1.0) * (k_out[coo.col] - 1.0)))
    options = []  # (time, memory, fits, name, transposed)
    for transposed in (False, True):
        k_rows, k_cols = (k_out, k_in) if transposed else (k_in, k_out)
        rows, cols = (coo.col, coo.row) if transposed else (coo.row, coo.col)
        n_cols = max(k_cols.size, 1)
        sq_rows, sq_cols = float(k_rows @ k_rows), float(k_cols @ k_cols)
        scan = 2.0 * sq_cols
        reach = np.bincount(cols, weights=k_rows[rows], minlength=k_cols.size)
        visits = float(np.sum(k_cols * n_cols * -np.expm1(-reach / n_cols)))
        gram_mem = 12.0 * min(float(n_cols) ** 2, sq_rows)
        max_col = k_cols.max(initial=0.0)
        options += [
            (1.5 * paths + scan, 2.0 * sq_rows,
             2.0 * sq_rows <= SCRATCH_BUDGET_BYTES and max_col <= 2**16, "wedge", transposed),
            (paths + 2.0 * visits + scan, gram_mem, gram_mem <= SCRATCH_BUDGET_BYTES, "gram",
             transposed),
            (2.5 * paths + 2.0 * visits + scan, 0.0, True, "direct", transposed),
        ]
    if strategy != "auto":
        options = [o for o in options if o[3] == strategy]
        if not any(o[2] for o in options):
            best = min(options, key=lambda o: o[1])
            return best[3], best[4]
    best = min((o for o in options if o[2]), key=lambda o: o[0])
    return best[3], best[4]


def node_based_scores(layer: BipartiteLayer, psi: int) -> sp.csr_array:
    """Node-based L3 scores (``-L3n``) as a sparse matrix, 0 at existing links.

    ``C_in = B B^T``, ``C_out = B^T B``, ``E = max(k - C - 1, 0)``, ``G = [C > 0] g(C, E)``,
    ``score = G_in B + B G_out^T``.
    """
    B = sp.csr_array(layer.csr, dtype=np.float64)
    k_in = np.diff(layer.csr.indptr).astype(np.float64)
    k_out = np.diff(layer.transposed_csr.indptr).astype(np.float64)

    def weights(C: sp.csr_array, k: np.ndarray) -> sp.csr_array:
        C = sp.csr_array(C)
        C.sum_duplicates()
        cols = C.indices
        c = C.data
        e = np.maximum(k[cols] - c - 1.0, 0.0)
        if psi == PSI_CH3:
            g = 1.0 / (1.0 + e)
        elif psi == PSI_CH2:
            g = (c + 1.0) / (1.0 + e)
        elif psi == PSI_CH31:
            g = (c + 1.0) / (1.0 + e) ** (1.0 + e / (1.0 + e))
        else:  # pragma: no cover - the registry offers only the three above
            raise ValueError(f"no node-based form for node factor {psi}")
        return sp.csr_array((g, C.indices, C.indptr), shape=C.shape)

    G_in = weights(B @ B.T, k_in)
    G_out = weights(B.T @ B, k_out)
    score = sp.csr_array(G_in @ B + B @ G_out.T)
    # 0 at existing links
    score = score - score.multiply(B)
    score.eliminate_zeros()
    return sp.csr_array(score)


def positive_scores(layer: BipartiteLayer, predictor: LinkPredictor, rows) -> sp.csr_array:
    """The positive scores of the given input rows of a layer, as a sparse matrix.

    ``len(rows) x n_out`` float64 CSR (sorted indices), holding exactly the non-links with a
    positive score: the pairs joined by an L3 path with a positive term. The work follows the
    paths from the rows (never an ``n_out``-wide dense row), so a huge layer with few links
    costs little. Path-based values equal :func:`link_scores`'s (the arithmetic of its
    ``direct`` kernel); node-based ones come from :func:`node_based_scores`.

    >>> import numpy as np
    >>> from chgraph import BipartiteLayer
    >>> from chgraph.linkpred.registry import get_predictor
    >>> layer = BipartiteLayer.from_flat([0, 1, 4, 5], shape=(2, 3))  # [[1, 1, 0], [0, 1, 1]]
    >>> positive_scores(layer, get_predictor("CN-L3", True), [0, 1]).toarray().tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    n_in, n_out = layer.shape
    rows = _as_index(rows, n_in)
    if predictor.node_based:
        return sp.csr_array(node_based_scores(layer, predictor.psi)[rows])
    fwd, bwd = layer.csr, layer.transposed_csr
    deg_in = np.diff(fwd.indptr).astype(np.int64)
    deg_out = np.diff(bwd.indptr).astype(np.int64)
    ptr = np.zeros(rows.size + 1, np.int64)
    n_chunks = _kernels.n_chunks_for(rows.size)
    args = (fwd.indptr, fwd.indices, bwd.indptr, bwd.indices, deg_in, deg_out, rows,
            predictor.psi, n_chunks)
    if rows.size:
        _kernels.bipartite_l3_sparse(*args, ptr, np.empty(0, np.int32), np.empty(0))
    np.cumsum(ptr, out=ptr)
    cols = np.empty(ptr[-1], np.int32)
    vals = np.empty(ptr[-1], np.float64)
    if cols.size:
        _kernels.bipartite_l3_sparse(*args, ptr, cols, vals)
    out = sp.csr_array((vals, cols, ptr), shape=(rows.size, n_out))
    out.has_sorted_indices = True
    return out


class UnipartiteScorer:
    """Scores of an undirected graph: dense rows, given pairs, or the best candidates per seed.

    Exact kernels (:mod:`chgraph.linkpred._unipartite_kernels`), parallel over seed nodes,
    bit-identical for any thread count; ``strategy="auto"`` picks by a cost model
    (:func:`_plan_unipartite`):

    - ``"wedge"``: one multiply-add per L3 path, ``C[a, o]`` read from 2-byte wedge codes
      (``2 sum_b k_b^2`` bytes, at most :data:`SCRATCH_BUDGET_BYTES`);
    - ``"direct"``: ``C[a, o]`` counted on the fly, no precomputation;
    - ``"pairwise"``: the former kernel, one local community per pair (kept as a reference).

    L2 predictors use one kernel (``"l2"``). All but ``"pairwise"`` precompute the triangles of
    every link (``C`` of adjacent nodes), which give the corrections for the seeds' common
    neighbours.

    >>> import networkx as nx
    >>> from chgraph import Graph
    >>> from chgraph.linkpred.registry import get_predictor
    >>> s = UnipartiteScorer(Graph.from_networkx(nx.path_graph(4)), get_predictor("CH3-L3", False),
    ...                      INTERNAL_DEGREE["path"])
    >>> s.strategy, s.pairs([0, 3], [3, 1]).tolist()
    ('wedge', [1.0, 0.0])
    """

    def __init__(self, graph: Graph, predictor: LinkPredictor, internal: int,
                 strategy: str = "auto") -> None:
        if strategy not in ("auto", "wedge", "direct", "pairwise"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.graph = graph
        self.predictor = predictor
        self.internal = internal
        csr = graph.csr
        self.n = graph.n_nodes
        self._scratch = None
        if strategy == "pairwise":
            self.strategy = strategy
            self._indptr = np.ascontiguousarray(csr.indptr, dtype=np.int64)
            self._indices = np.ascontiguousarray(csr.indices, dtype=np.int32)
            self._deg = np.diff(self._indptr)
            return
        # the kernels number nodes by decreasing degree (hubs first): most paths end at
        # hubs, which then share a small, cached part of the score row
        self._lab = np.argsort(np.diff(csr.indptr), kind="stable").astype(np.int64)
        self._inv = np.empty(self.n, np.int64)
        self._inv[self._lab] = np.arange(self.n)
        inner = sp.csr_array(csr[self._lab][:, self._lab])
        inner.sort_indices()
        self._indptr = np.ascontiguousarray(inner.indptr, dtype=np.int64)
        self._indices = np.ascontiguousarray(inner.indices, dtype=np.int32)
        self._deg = np.diff(self._indptr)
        psi = predictor.psi
        rev = _ukernels.reverse_positions(self._indptr, self._indices)
        n_chunks = _precompute_chunks(self._deg)
        etri, tri_ptr, tri_y, tri_pos = _ukernels.triangle_lists(
            self._indptr, self._indices, rev, n_chunks)
        self._g = (self._indptr, self._indices, self._deg, etri, tri_ptr, tri_y, tri_pos)
        if predictor.path_length == 2:
            self.strategy = "l2"
        else:
            self.strategy = _plan_unipartite(self._deg, self._indptr, self._indices, strategy)
        if self.strategy == "wedge":
            self._w = _ukernels.wedge_codes(self._indptr, self._indices, self._deg, psi,
                                            n_chunks)
        else:
            t_ptr, table = _ukernels.factor_table(self._deg, psi)
            self._w = (np.zeros(1, np.int64), np.zeros(1, np.uint16), t_ptr, table)

    # -- helpers ----------------------------------------------------------------------------
    def _sc(self):
        import numba

        n_chunks = numba.get_num_threads()
        if self._scratch is None or self._scratch[0].shape[0] != n_chunks:
            self._scratch = _ukernels.scratch_arrays(self.n, self._indices.size, n_chunks)
        return self._scratch

    def _args(self):
        p = self.predictor
        return (self._g, self._w, p.path_length, p.psi, self.internal,
                self.strategy == "wedge")

    # -- public -------------------------------------------------------------------------------
    def rows(self, rows, upper_only: bool = False) -> np.ndarray:
        """Dense scores of the seeds ``rows`` (``len(rows) x n``). With ``upper_only``, over
        all rows every pair appears once: ``o > row`` for ``"pairwise"``, else from the end
        the kernels number first (the higher degree); the rest is 0."""
        rows = _as_index(rows, self.n)
        out = np.zeros((rows.size, self.n), dtype=np.float64)
        if rows.size == 0:
            return out
        if self.strategy == "pairwise":
            _kernels.unipartite_rows(
                self._indptr, self._indices, self._deg, rows, self.predictor.psi,
                self.predictor.path_length, self.internal, upper_only,
                _kernels.n_chunks_for(rows.size), out,
            )
            return out
        _ukernels.rows_dense(*self._args(), self._inv[rows], bool(upper_only), self._lab,
                             self._sc(), out)
        return out

    def all(self) -> np.ndarray:
        """The full symmetric ``n x n`` score matrix (each pair computed once, from one end,
        and written to both entries: one ``n x n`` array in memory)."""
        if self.strategy == "pairwise":
            half = self.rows(np.arange(self.n), upper_only=True)
            return half + half.T
        out = np.zeros((self.n, self.n), dtype=np.float64)
        if self.n:
            # every pair once, from one end, then copied to the other entry tile by tile
            _ukernels.rows_dense(*self._args(), np.arange(self.n, dtype=np.int64), True,
                                 self._lab, self._sc(), out, True)
            _ukernels.symmetrize(out, 64)
        return out

    def pairs(self, u, v) -> np.ndarray:
        """Scores of the pairs ``(u[t], v[t])``, each computed from one end whatever the
        order given (as :meth:`rows` with ``upper_only``); 0 for links and for ``u == v``.
        Memory ``O(n)`` per thread, time that of the seeds' paths."""
        u = _as_index(u, self.n)
        v = _as_index(v, self.n)
        if u.shape != v.shape:
            raise ValueError("u and v must have the same length")
        if self.strategy != "pairwise":
            u, v = self._inv[u], self._inv[v]
        low, high = np.minimum(u, v), np.maximum(u, v)
        out = np.zeros(low.size, dtype=np.float64)
        if low.size == 0:
            return out
        order = np.lexsort((high, low))
        seeds, starts = np.unique(low[order], return_index=True)
        ptr = np.append(starts, low.size).astype(np.int64)
        if self.strategy == "pairwise":
            for s0 in range(0, seeds.size, 256):
                dense = self.rows(seeds[s0:s0 + 256], upper_only=True)
                sel = order[ptr[s0]:ptr[min(s0 + 256, seeds.size)]]
                out[sel] = dense[np.searchsorted(seeds[s0:s0 + 256], low[sel]), high[sel]]
            out[low == high] = 0.0
            return out
        got = np.zeros(low.size, dtype=np.float64)
        _ukernels.pair_scores(*self._args(), seeds.astype(np.int64), ptr,
                              np.ascontiguousarray(high[order]), self._sc(), got)
        out[order] = got
        return out

    def select(self, seeds, cap: int, tau, *, upper: bool, row_ok, col_ok,
               key0: int | None = None):
        """The positive candidates of the seeds, at most ``cap`` per seed with value >= tau
        (the score, or the sampling key with ``key0``): ``(flat, value, score, n_positive)``
        with ``flat = min * n + max``. ``row_ok`` / ``col_ok`` (uint8 node masks) say which
        pairs count (see ``_unipartite_kernels._collect``); with ``upper`` each pair of two
        seeds comes from one of them only (all nodes must then be seeds)."""
        if self.strategy == "pairwise":
            raise ValueError("the pairwise strategy has no candidate selection")
        seeds = self._inv[np.asarray(seeds, dtype=np.int64)]
        row_ok = np.ascontiguousarray(row_ok[self._lab])
        col_ok = np.ascontiguousarray(col_ok[self._lab])
        m = seeds.size
        cap = max(int(cap), 1)
        out_flat = np.empty(m * cap, np.int64)
        out_val = np.empty(m * cap, np.float64)
        out_score = np.empty(m * cap, np.float64)
        out_count = np.zeros(m, np.int64)
        pos_count = np.zeros(m, np.int64)
        _ukernels.select(*self._args(), seeds, bool(upper), row_ok, col_ok, key0 is not None,
                         0 if key0 is None else int(key0), float(tau), cap, self._lab, self._sc(),
                         out_flat, out_val, out_score, out_count, pos_count)
        keep = (np.arange(cap)[None, :] < out_count[:, None]).ravel()
        return out_flat[keep], out_val[keep], out_score[keep], int(pos_count.sum())

    def select_best(self, seeds, cap: int, tau, *, upper: bool, row_ok, col_ok,
                    key0: int | None = None, buffer: int | None = None):
        """As :meth:`select`, but the best ``cap`` candidates of all the seeds together (value
        descending, then flat index ascending), not ``cap`` per seed: each thread keeps a
        running threshold, so most candidates cost one comparison. ``buffer``: entries per
        thread (> ``cap``; default ``max(4 cap, 4096)``), cut back to ``cap`` when full.
        Returns up to ``cap`` candidates per thread: ``(flat, value, score, n_positive)``.

        >>> import networkx as nx
        >>> from chgraph import Graph
        >>> from chgraph.linkpred.registry import get_predictor
        >>> s = UnipartiteScorer(Graph.from_networkx(nx.path_graph(5)),
        ...                      get_predictor("CN-L3", False), INTERNAL_DEGREE["path"])
        >>> ok = np.ones(5, np.uint8)
        >>> flat, value, score, n_pos = s.select_best(s.seed_order(range(5)), 1, -np.inf,
        ...                                           upper=True, row_ok=ok, col_ok=ok)
        >>> n_pos, float(value.max())   # the pairs at distance 3: (0, 3) and (1, 4)
        (2, 1.0)
        """
        if self.strategy == "pairwise":
            raise ValueError("the pairwise strategy has no candidate selection")
        seeds = self._inv[np.asarray(seeds, dtype=np.int64)]
        row_ok = np.ascontiguousarray(row_ok[self._lab])
        col_ok = np.ascontiguousarray(col_ok[self._lab])
        sc = self._sc()
        n_chunks = sc[0].shape[0]
        cap = max(int(cap), 1)
        size = max(4 * cap, 4096) if buffer is None else max(int(buffer), cap + 1)
        hv = np.empty((n_chunks, size), np.float64)
        hf = np.empty((n_chunks, size), np.int64)
        hs = np.empty((n_chunks, size), np.float64)
        hm = np.zeros(n_chunks, np.int64)
        pos_count = np.zeros(seeds.size, np.int64)
        _ukernels.select_best(*self._args(), seeds, bool(upper), row_ok, col_ok,
                              key0 is not None, 0 if key0 is None else int(key0), float(tau),
                              cap, self._lab, sc, hv, hf, hs, hm, pos_count)
        keep = (np.arange(size)[None, :] < hm[:, None]).ravel()
        return hf.ravel()[keep], hv.ravel()[keep], hs.ravel()[keep], int(pos_count.sum())

    def seed_order(self, seeds) -> np.ndarray:
        """``seeds`` with the kernels' last-numbered (highest-degree) nodes first.

        >>> import networkx as nx
        >>> from chgraph import Graph
        >>> from chgraph.linkpred.registry import get_predictor
        >>> s = UnipartiteScorer(Graph.from_networkx(nx.star_graph(3)),
        ...                      get_predictor("CH3-L3", False), INTERNAL_DEGREE["path"])
        >>> s.seed_order([1, 0, 2]).tolist()   # the centre 0 first
        [0, 2, 1]
        """
        seeds = np.asarray(seeds, dtype=np.int64)
        if self.strategy == "pairwise":
            return seeds
        return seeds[np.argsort(-self._inv[seeds], kind="stable")]


#: Least precomputation work (``sum k^2``) run on all threads: below it a thread launch costs
#: more than it saves.
PRECOMPUTE_PARALLEL_WORK = 2e6


def _precompute_chunks(deg: np.ndarray) -> int:
    """Threads of the precomputation (``triangle_lists``, ``wedge_codes``): all of them once
    its work ``sum k^2`` reaches :data:`PRECOMPUTE_PARALLEL_WORK`, else 1. The results do
    not depend on it."""
    import numba

    k = deg.astype(np.float64)
    return numba.get_num_threads() if float(k @ k) >= PRECOMPUTE_PARALLEL_WORK else 1


def _plan_unipartite(deg: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                     strategy: str) -> str:
    """``"wedge"`` when its codes (``2 sum_b k_b^2`` bytes) fit in
    :data:`SCRATCH_BUDGET_BYTES` and every degree is below 2^16 - 1 (about 1.5 units of time a
    path against 2.5 for ``"direct"``, which needs no precomputation); else ``"direct"``.
    A forced strategy is kept where possible (``"wedge"`` falls back to ``"direct"`` when its
    codes cannot hold the degrees)."""
    k = deg.astype(np.float64)
    codes = 2.0 * float(k @ k)
    fits = deg.size == 0 or int(deg.max()) < 2**16 - 1
    if strategy == "direct" or not fits:
        return "direct"
    if strategy == "wedge" or codes <= SCRATCH_BUDGET_BYTES:
        return "wedge"
    return "direct"
