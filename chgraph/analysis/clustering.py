"""Clustering coefficients: Latapy's bipartite clustering for layers, Watts-Strogatz for graphs.

Both are computed with sparse matrix products, row block by row block, and agree with networkx
(:func:`networkx.algorithms.bipartite.clustering`, :func:`networkx.clustering`); the tests check
it. Cost: one sparse product ``B B^T`` (resp. ``A A``), i.e. ``sum_v k_v^2`` operations: well
under a second for layers of 10^4 nodes at 1% density.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._common import as_network, check_side

__all__ = ["clustering", "average_clustering"]

_MODES = ("dot", "min", "max")
_BLOCK = 2048


def clustering(obj, *, mode: str = "dot", bipartite: bool | None = None) -> np.ndarray:
    """Clustering coefficient of every node.

    For a layer, the bipartite clustering of Latapy, Magnien and Del Vecchio (Social Networks
    30, 31-48, 2008), as networkx computes it: for a node ``u``, the mean over the nodes ``v``
    at distance 2 of ``|N(u) & N(v)| / |N(u) | N(v)|`` (``mode="dot"``; ``"min"`` and ``"max"``
    divide by the smaller or larger neighbourhood), 0 when ``u`` has no such node. For a graph,
    the Watts-Strogatz coefficient ``2 T_u / (k_u (k_u - 1))`` (``T_u`` triangles through
    ``u``), 0 when ``k_u < 2``; ``mode`` is ignored.

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    mode : {"dot", "min", "max"}
        Overlap measure of the bipartite clustering.
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Returns
    -------
    numpy.ndarray of float
        One value per node; for a layer the inputs first, then the outputs.

    Examples
    --------
    >>> import numpy as np
    >>> clustering(np.ones((2, 3))).tolist()  # complete bipartite K(2,3)
    [1.0, 1.0, 1.0, 1.0, 1.0]
    >>> import networkx as nx
    >>> clustering(nx.complete_graph(4)).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    return node_clustering(as_network(obj, bipartite), mode)


def average_clustering(
    obj, *, side: str = "all", mode: str = "dot", bipartite: bool | None = None
) -> float:
    """Mean clustering coefficient (see :func:`clustering`) over all nodes or one side.

    Nodes with coefficient 0 (degree < 2, no node at distance 2) count, as in networkx.
    NaN for a network without nodes.

    Examples
    --------
    >>> import networkx as nx
    >>> average_clustering(nx.star_graph(3), bipartite=False)
    0.0
    >>> import numpy as np
    >>> average_clustering(np.ones((1, 3)))  # the star as a layer: hub 0, leaves 1 (Latapy)
    0.75
    """
    net = as_network(obj, bipartite)
    side = check_side(side, net)
    c = node_clustering(net, mode)[net.side_nodes(side)]
    return float(c.mean()) if c.size else float("nan")


def node_clustering(net, mode: str = "dot") -> np.ndarray:
    """:func:`clustering` of a :class:`~chgraph.analysis._common.Network`."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if net.bipartite:
        layer = net.layer
        return np.concatenate([_latapy(layer.csr, mode), _latapy(layer.transposed_csr, mode)])
    return _watts_strogatz(net.adj)


def _latapy(csr: sp.csr_array, mode: str) -> np.ndarray:
    """Latapy clustering of the row nodes of a biadjacency ``csr``."""
    n = csr.shape[0]
    k = np.diff(csr.indptr).astype(np.float64)
    b = sp.csr_array(csr, dtype=np.float64)
    bt = sp.csr_array(b.T)
    out = np.zeros(n)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        common = (b[start:stop] @ bt).tocoo()  # common neighbours of row pairs
        r, c, cn = common.row, common.col, common.data
        keep = (r + start != c) & (cn > 0)
        r, c, cn = r[keep], c[keep], cn[keep]
        ku, kv = k[r + start], k[c]
        if mode == "dot":
            denom = ku + kv - cn
        elif mode == "min":
            denom = np.minimum(ku, kv)
        else:
            denom = np.maximum(ku, kv)
        sums = np.bincount(r, weights=cn / denom, minlength=stop - start).astype(np.float64)
        counts = np.bincount(r, minlength=stop - start)
        out[start:stop] = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return out


def _watts_strogatz(adj: sp.csr_array) -> np.ndarray:
    n = adj.shape[0]
    a = sp.csr_array(adj, dtype=np.float64)
    k = np.diff(a.indptr).astype(np.float64)
    tri = np.zeros(n)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        rows = a[start:stop]
        tri[start:stop] = (rows @ a).multiply(rows).sum(axis=1) / 2.0
    pairs = k * (k - 1) / 2.0
    return np.divide(tri, pairs, out=np.zeros(n), where=pairs > 0)
