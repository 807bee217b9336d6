"""Characteristic path length and global efficiency, on the largest connected component."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from ..checks import as_rng
from ._common import as_network, check_int, largest_component

__all__ = ["PathLengths", "path_lengths"]

_BATCH = 256


class PathLengths(NamedTuple):
    """Result of :func:`path_lengths`."""

    characteristic_path_length: float  #: mean shortest-path length between distinct LCC nodes
    global_efficiency: float  #: mean of 1 / length between distinct LCC nodes
    n_nodes_lcc: int  #: nodes of the largest connected component
    lcc_fraction: float  #: n_nodes_lcc / n_nodes
    n_sources: int  #: BFS sources used (= n_nodes_lcc when exact)
    exact: bool  #: False when estimated from sampled sources


def path_lengths(
    obj, *, n_sources: int | None = None, rng=0, bipartite: bool | None = None
) -> PathLengths:
    """Characteristic path length ``L`` and global efficiency ``E`` of a network.

    Both are taken on the largest connected component (LCC; the lowest-numbered one on ties),
    over ordered pairs of distinct nodes: ``L`` is the mean shortest-path length (Watts and
    Strogatz, Nature 393, 440, 1998), ``E`` the mean inverse length (Latora and Marchiori, Phys.
    Rev. Lett. 87, 198701, 2001). On a connected graph they equal networkx's
    ``average_shortest_path_length`` and ``global_efficiency``. On a disconnected one networkx's
    efficiency averages over all pairs of the whole network, counting pairs in different
    components as 0, so it differs; the returned ``lcc_fraction`` says how much of the network the
    values describe. NaN when the LCC has fewer than 2 nodes. A layer is read as a graph on
    ``n_in + n_out`` nodes.

    Cost: one breadth-first search per source, ``O(n_sources * m)``; all sources on 10^4 nodes
    and 5 * 10^4 links take about 15 s. Pass ``n_sources`` to estimate both values from that many
    sources drawn uniformly without replacement from the LCC (unbiased; a few hundred give
    ~1% precision on large networks).

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    n_sources : int, optional
        Number of sampled sources; ``None`` (default) uses every node (exact).
    rng : int or numpy.random.Generator
        Seed of the source sample.
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Returns
    -------
    PathLengths

    Examples
    --------
    >>> import networkx as nx
    >>> p = path_lengths(nx.path_graph(4))
    >>> p.characteristic_path_length, round(p.global_efficiency, 4), p.lcc_fraction
    (1.6666666666666667, 0.7222, 1.0)
    """
    n_sources = check_int(n_sources, "n_sources", minimum=1, allow_none=True)
    net = as_network(obj, bipartite)
    return lcc_path_lengths(net.adj, n_sources, rng)


def lcc_path_lengths(adj: sp.csr_array, n_sources: int | None, rng) -> PathLengths:
    """:func:`path_lengths` of a symmetric adjacency."""
    n_total = adj.shape[0]
    nodes = largest_component(adj)
    n = nodes.size
    frac = n / n_total if n_total else 0.0
    if n < 2:
        nan = float("nan")
        return PathLengths(nan, nan, int(n), float(frac), 0, True)
    sub = sp.csr_array(adj[nodes][:, nodes], dtype=np.float64)
    if n_sources is None or n_sources >= n:
        sources, exact = np.arange(n), True
    else:
        sources, exact = np.sort(as_rng(rng).choice(n, size=n_sources, replace=False)), False
    total = 0.0
    inverse = 0.0
    for start in range(0, sources.size, _BATCH):
        d = shortest_path(
            sub, method="D", directed=False, unweighted=True, indices=sources[start:start + _BATCH]
        )
        total += float(d.sum())
        positive = d[d > 0]
        inverse += float(np.sum(1.0 / positive))
    pairs = sources.size * (n - 1)
    return PathLengths(
        total / pairs, inverse / pairs, int(n), float(frac), int(sources.size), exact
    )
