"""Seeded hold-out of links, and the candidate pairs scored against them."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import checks
from ..checks import as_rng
from ..graph import BipartiteLayer, Graph, as_graph, as_layer, is_igraph_graph, is_networkx_graph

__all__ = ["HoldoutSplit", "holdout_split", "candidate_pairs", "as_graph_input"]

#: Largest number of candidate pairs enumerated when no negative sampling is asked for.
MAX_CANDIDATES = 50_000_000


def as_graph_input(graph, bipartite: bool | None = None):
    """``(BipartiteLayer or Graph, bipartite)`` from any supported input.

    ``bipartite=None`` guesses: a BipartiteLayer, a networkx graph whose nodes all have a
    ``bipartite`` attribute or an igraph graph with a ``type`` vertex attribute is bipartite;
    a Graph or another networkx/igraph graph is unipartite; arrays and sparse matrices are
    read as a layer's biadjacency (as :func:`chgraph.link_scores` does).

    Examples
    --------
    >>> import networkx as nx
    >>> as_graph_input(np.array([[1, 0], [1, 1]]))
    (BipartiteLayer(n_in=2, n_out=2, n_links=3), True)
    >>> as_graph_input(nx.path_graph(3))
    (Graph(n_nodes=3, n_links=2), False)
    >>> as_graph_input(np.array([[0, 1], [1, 0]]), bipartite=False)  # an adjacency matrix
    (Graph(n_nodes=2, n_links=1), False)
    """
    if bipartite is None:
        if isinstance(graph, Graph):
            bipartite = False
        elif is_networkx_graph(graph):
            bipartite = graph.number_of_nodes() > 0 and all(
                "bipartite" in d for _, d in graph.nodes(data=True))
        elif is_igraph_graph(graph):
            bipartite = "type" in graph.vs.attributes()
        else:
            bipartite = True
    if not isinstance(bipartite, bool):
        raise TypeError(f"bipartite must be True, False or None, got {bipartite!r}")
    return (as_layer(graph), True) if bipartite else (as_graph(graph), False)


@dataclass
class HoldoutSplit:
    """A graph split into a training graph and held-out links.

    Attributes
    ----------
    train : BipartiteLayer or Graph
        The graph without the held-out links (same nodes).
    test_rows, test_cols : numpy.ndarray of int64
        The held-out links: ``(input, output)`` of a layer, ``(u, v)`` with ``u < v`` of a
        graph; in increasing order.
    seed : int or None
        The seed of the split, when it was given as an integer.
    """

    train: BipartiteLayer | Graph
    test_rows: np.ndarray
    test_cols: np.ndarray
    seed: int | None = None

    @property
    def bipartite(self) -> bool:
        return isinstance(self.train, BipartiteLayer)

    @property
    def n_test(self) -> int:
        return int(self.test_rows.size)


def _links(obj) -> tuple[np.ndarray, np.ndarray]:
    """The links of a layer, or the ``u < v`` links of a graph, in CSR order."""
    coo = obj.csr.tocoo()
    rows, cols = coo.row.astype(np.int64), coo.col.astype(np.int64)
    if isinstance(obj, Graph):
        upper = rows < cols
        rows, cols = rows[upper], cols[upper]
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


def holdout_split(graph, fraction: float = 0.1, seed=0, *, bipartite: bool | None = None,
                  keep_nodes: bool = False) -> HoldoutSplit:
    """Hold out a random fraction of the links of a graph, reproducibly.

    Parameters
    ----------
    graph : BipartiteLayer, Graph, networkx or igraph graph, array or sparse matrix
        See :func:`as_graph_input` for how ``bipartite=None`` reads it.
    fraction : float
        In (0, 1): ``round(fraction * n_links)`` links are held out (at least 1).
    seed : int or numpy.random.Generator
        The same seed gives the same split.
    keep_nodes : bool
        False (default, the usual protocol): the held-out links are a uniform sample, so a
        node may lose all its links (no local predictor can then recover them; this costs
        every method alike). True: a link is held out only if both its ends keep at least one
        link; links are tried in random order, so fewer may be held out on graphs with many
        degree-one nodes.

    Examples
    --------
    >>> import numpy as np
    >>> split = holdout_split(np.ones((4, 5)), fraction=0.25, seed=1)
    >>> split.n_test, split.train.n_links
    (5, 15)
    >>> split2 = holdout_split(np.ones((4, 5)), fraction=0.25, seed=1)
    >>> bool(np.array_equal(split.test_cols, split2.test_cols))
    True
    """
    obj, _ = as_graph_input(graph, bipartite)
    checks.fraction("fraction", fraction, open_low=True, open_high=True)
    rows, cols = _links(obj)
    m = rows.size
    if m < 2:
        raise ValueError(f"the graph has {m} link(s); at least 2 are needed to hold some out")
    n_test = min(max(1, int(round(fraction * m))), m - 1)
    rng = as_rng(seed)
    order = rng.permutation(m)
    if keep_nodes:
        chosen = _keep_nodes_choice(obj, rows, cols, order, n_test)
    else:
        chosen = np.sort(order[:n_test])
    keep = np.ones(m, dtype=bool)
    keep[chosen] = False
    train = _rebuild(obj, rows[keep], cols[keep])
    return HoldoutSplit(train, rows[chosen], cols[chosen],
                        seed if isinstance(seed, numbers.Integral) else None)


def _keep_nodes_choice(obj, rows, cols, order, n_test) -> np.ndarray:
    if isinstance(obj, BipartiteLayer):
        deg_a, deg_b = obj.in_degrees().astype(np.int64), obj.out_degrees().copy()
    else:
        deg_a = obj.degrees().astype(np.int64)
        deg_b = deg_a  # one degree array for both ends
    chosen = []
    for e in order.tolist():
        u, v = rows[e], cols[e]
        if deg_a[u] > 1 and deg_b[v] > 1:
            deg_a[u] -= 1
            deg_b[v] -= 1
            chosen.append(e)
            if len(chosen) == n_test:
                break
    return np.sort(np.array(chosen, dtype=np.int64))


def _rebuild(obj, rows, cols):
    if isinstance(obj, BipartiteLayer):
        matrix = sp.coo_array((np.ones(rows.size, np.int8), (rows, cols)), shape=obj.shape)
        return BipartiteLayer(matrix, row_labels=obj.row_labels, col_labels=obj.col_labels)
    train = Graph.from_edges(np.stack([rows, cols], axis=1), n_nodes=obj.n_nodes)
    train.labels = obj.labels
    return train


def candidate_pairs(split: HoldoutSplit, n_negatives: int | None = None, seed=0):
    """The pairs to score for a split: every held-out link and the non-links as negatives.

    Parameters
    ----------
    split : HoldoutSplit
    n_negatives : int, optional
        None (default): every pair that is a link of neither the training graph nor the
        held-out set is a negative. An integer: a uniform sample of that many of them,
        without replacement (all of them if fewer exist), for graphs too large to score
        every pair. The AUROC is unbiased under this sampling; precision, AUPR and NDCG
        depend on the ratio of negatives to positives and are then not comparable with
        full-candidate values.
    seed : int or numpy.random.Generator
        For the negative sample.

    Returns
    -------
    rows, cols : numpy.ndarray of int64
        Ordered by row, then column (``u < v`` for a graph).
    y_true : numpy.ndarray of bool
        True for the held-out links.

    Examples
    --------
    >>> import numpy as np
    >>> split = holdout_split(np.array([[1, 1, 0], [1, 1, 1]]), fraction=0.2, seed=0)
    >>> rows, cols, y = candidate_pairs(split)
    >>> len(rows), int(y.sum())
    (2, 1)
    """
    train = split.train
    bipartite = isinstance(train, BipartiteLayer)
    n_rows, n_cols = train.shape
    test_flat = split.test_rows * n_cols + split.test_cols
    tr, tc = _links(train)
    taken = np.union1d(tr * n_cols + tc, test_flat)
    n_pairs = n_rows * n_cols if bipartite else n_rows * (n_rows - 1) // 2
    available = n_pairs - taken.size
    if available <= 0:
        raise ValueError("the graph is complete: no non-link is left to serve as a negative")
    if n_negatives is not None:
        n_negatives = checks.integer("n_negatives", n_negatives, low=1)
        if n_negatives >= available:
            n_negatives = None
    if n_negatives is None:
        if n_pairs > MAX_CANDIDATES:
            raise ValueError(
                f"{n_pairs} candidate pairs are too many to enumerate (limit {MAX_CANDIDATES}); "
                "pass n_negatives to sample the negatives"
            )
        negatives = _all_negatives(n_rows, n_cols, bipartite, taken)
    elif 2 * n_negatives > available and n_pairs <= MAX_CANDIDATES:  # dense: pick directly
        everything = _all_negatives(n_rows, n_cols, bipartite, taken)
        negatives = np.sort(as_rng(seed).choice(everything, int(n_negatives), replace=False))
    else:
        negatives = _sample_negatives(n_rows, n_cols, bipartite, taken, int(n_negatives),
                                      as_rng(seed))
    flat = np.union1d(negatives, test_flat)
    rows, cols = np.divmod(flat, n_cols)
    return rows, cols, np.isin(flat, test_flat, assume_unique=True)


def _all_negatives(n_rows, n_cols, bipartite, taken) -> np.ndarray:
    if bipartite:
        flat = np.arange(n_rows * n_cols, dtype=np.int64)
    else:
        u, v = np.triu_indices(n_rows, k=1)
        flat = u.astype(np.int64) * n_cols + v
    return np.setdiff1d(flat, taken, assume_unique=True)


def _sample_negatives(n_rows, n_cols, bipartite, taken, k, rng) -> np.ndarray:
    """``k`` distinct uniform pairs outside ``taken`` (rejection sampling, seeded)."""
    chosen = np.zeros(0, np.int64)
    while chosen.size < k:
        draw = max(2 * (k - chosen.size), 64)
        u = rng.integers(0, n_rows, size=draw)
        v = rng.integers(0, n_cols, size=draw)
        if not bipartite:  # ordered pairs u != v, made unordered: uniform over pairs
            ok = u != v
            u, v = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
        flat = u * n_cols + v
        flat = flat[~np.isin(flat, taken) & ~np.isin(flat, chosen)]
        _, first = np.unique(flat, return_index=True)
        flat = flat[np.sort(first)]  # distinct, in the order drawn
        chosen = np.concatenate([chosen, flat[: k - chosen.size]])
    return np.sort(chosen)
