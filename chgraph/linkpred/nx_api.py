"""A networkx-style interface: ``(u, v, score)`` over an ``ebunch`` of node pairs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..graph import BipartiteLayer, Graph, is_networkx_graph
from .registry import get_predictor
from .scores import BipartiteScorer, UnipartiteScorer, internal_degree_code

__all__ = ["predict_links"]


def predict_links(G, method: str = "CH3-L3", ebunch: Iterable | None = None, *,
                  bipartite: bool | None = None,
                  internal_degree: str = "path",
                  positive_only: bool = False) -> Iterator[tuple]:
    """Cannistraci-Hebb scores of node pairs of a networkx graph, as ``(u, v, score)``.

    Like networkx's link-prediction functions (``nx.resource_allocation_index`` and the
    like), with the predictors of :func:`chgraph.available_predictors`.

    Parameters
    ----------
    G : networkx.Graph
        An undirected graph. It is read as a bipartite layer when every node has a
        ``bipartite`` attribute (0 = input, 1 = output; networkx's convention), else as a
        unipartite graph; ``bipartite`` overrides the guess.
    method : str
        Predictor name, e.g. ``"CH3-L3"`` (default), ``"CH2-L2"``, ``"RA-L3"``.
    ebunch : iterable of (u, v) pairs, optional
        The pairs to score. Default: every candidate, i.e. the pairs of ``nx.non_edges(G)``
        for a unipartite graph (``u`` before ``v`` in node order, generated lazily: a block
        of seed nodes at a time, only the pairs joined by a path cost work, the others score
        0), every input-output non-link for a bipartite one. Given pairs are scored in time
        following their seeds' paths and ``O(n)`` memory per thread. A pair that is
        already a link, a self-pair, an unknown node (``networkx.NodeNotFound``) or, on a
        bipartite graph, two nodes of the same side is an error: none of them has a score.
    bipartite : bool, optional
        Force the reading of ``G``.
    internal_degree : {"path", "community"}
        See :func:`chgraph.link_scores`.
    positive_only : bool
        Unipartite graphs without ``ebunch``: yield only the pairs with a positive score
        (the pairs joined by a path), in node order; time and output then follow the paths,
        not the ``n^2`` pairs.

    Returns
    -------
    iterator of (u, v, score)
        In the order of ``ebunch``. Errors in ``ebunch`` are raised by this call, before
        any score is computed.

    Examples
    --------
    >>> import networkx as nx
    >>> from chgraph import predict_links
    >>> G = nx.path_graph(4)
    >>> list(predict_links(G, "CH3-L3", [(0, 3)]))
    [(0, 3, 1.0)]
    >>> [(u, v, round(s, 3)) for u, v, s in predict_links(G, "RA-L2")]
    [(0, 2, 0.5), (0, 3, 0.0), (1, 3, 0.5)]
    >>> list(predict_links(G, "CN-L2", positive_only=True))
    [(0, 2, 1.0), (1, 3, 1.0)]
    """
    if not is_networkx_graph(G):
        raise TypeError(f"G must be a networkx graph, got {type(G).__name__}")
    if G.is_directed():
        raise ValueError("G must be undirected (use G.to_undirected())")
    if bipartite is None:
        bipartite = G.number_of_nodes() > 0 and all(
            "bipartite" in d for _, d in G.nodes(data=True)
        )
    predictor = get_predictor(method, bipartite)
    internal = internal_degree_code(internal_degree)
    if bipartite:
        layer = BipartiteLayer.from_networkx(G)
        r_index = {n: i for i, n in enumerate(layer.row_labels)}
        c_index = {n: j for j, n in enumerate(layer.col_labels)}
        if ebunch is None:
            rr, cc = np.nonzero(layer.to_dense() == 0)
            rl, cl = layer.row_labels, layer.col_labels
            ebunch = [(rl[i], cl[j]) for i, j in zip(rr, cc, strict=True)]
        pairs = [_check_pair(G, pair) for pair in ebunch]
        idx = []
        for u, v in pairs:
            if u in r_index and v in c_index:
                idx.append((r_index[u], c_index[v]))
            elif v in r_index and u in c_index:
                idx.append((r_index[v], c_index[u]))
            else:
                raise ValueError(f"({u!r}, {v!r}) joins two nodes of the same side")
        scorer, width = BipartiteScorer(layer, predictor), layer.shape[1]
    else:
        graph = Graph.from_networkx(G)
        scorer = UnipartiteScorer(graph, predictor, internal)
        if ebunch is None:
            return _all_non_edges(graph, scorer, positive_only)
        index = {n: i for i, n in enumerate(graph.labels)}
        pairs = [_check_pair(G, pair) for pair in ebunch]
        # scored from the lower index, as link_scores does: (u, v) and (v, u) agree
        idx = np.array([(index[u], index[v]) for u, v in pairs], dtype=np.int64).reshape(-1, 2)
        scores = scorer.pairs(idx[:, 0], idx[:, 1]).tolist()
        return iter([(u, v, s) for (u, v), s in zip(pairs, scores, strict=True)])
    idx = np.array(idx, dtype=np.int64).reshape(-1, 2)
    rows, pos = np.unique(idx[:, 0], return_inverse=True)
    dense = scorer.rows(rows) if rows.size else np.zeros((0, width))
    scores = dense[pos, idx[:, 1]].tolist()
    return iter([(u, v, s) for (u, v), s in zip(pairs, scores, strict=True)])


def _all_non_edges(graph, scorer, positive_only: bool, block: int = 1024) -> Iterator[tuple]:
    """Every non-adjacent pair ``(u, v)``, ``u`` before ``v`` in node order, with its score,
    lazily: a block of seeds at a time, only their paths visited (zeros need no work)."""
    n = graph.n_nodes
    labels = graph.labels
    csr = graph.csr
    ones = np.ones(n, np.uint8)
    for start in range(0, n, block):
        stop = min(n, start + block)
        seeds = np.arange(start, stop, dtype=np.int64)
        in_block = np.zeros(n, np.uint8)
        in_block[start:stop] = 1
        # every pair with an end in the block, once; keep those whose first end is in it
        flat, _, score, _ = scorer.select(seeds, n, -np.inf, upper=False, row_ok=in_block,
                                          col_ok=ones)
        keep = flat // max(n, 1) >= start
        order = np.argsort(flat[keep])
        flat, score = flat[keep][order], score[keep][order]
        if positive_only:
            us, vs = np.divmod(flat, n)
            for u, v, s in zip(us.tolist(), vs.tolist(), score.tolist(), strict=True):
                yield labels[u], labels[v], s
            continue
        for u in seeds.tolist():
            free = np.ones(n - u - 1, bool)
            nbr = csr.indices[csr.indptr[u]:csr.indptr[u + 1]]
            free[nbr[nbr > u] - u - 1] = False
            vs = np.flatnonzero(free) + u + 1
            vals = np.zeros(vs.size)
            lo, hi = np.searchsorted(flat, [u * n, (u + 1) * n])
            if hi > lo:
                vals[np.searchsorted(vs, flat[lo:hi] - u * n)] = score[lo:hi]
            lu = labels[u]
            for v, s in zip(vs.tolist(), vals.tolist(), strict=True):
                yield lu, labels[v], s


def _check_pair(G, pair) -> tuple:
    import networkx as nx

    try:
        u, v = tuple(pair)[:2]
    except (TypeError, ValueError):
        raise ValueError(f"ebunch entries must be (u, v) pairs, got {pair!r}") from None
    for node in (u, v):
        if node not in G:
            raise nx.NodeNotFound(f"node {node!r} is not in the graph")
    if u == v:
        raise ValueError(f"({u!r}, {v!r}) is a self-pair; it has no score")
    if G.has_edge(u, v):
        raise ValueError(f"({u!r}, {v!r}) is already a link; scores are defined for non-links")
    return u, v
