"""Community detection (Louvain, by networkx or igraph) and Newman's modularity."""

from __future__ import annotations

import random
from typing import NamedTuple

import numpy as np

from ..checks import as_rng
from ._common import as_network, check_real

__all__ = ["Communities", "communities", "modularity"]

_BACKENDS = ("networkx", "igraph")
_METHODS = ("louvain", "greedy")


class Communities(NamedTuple):
    """A partition of the nodes: ``labels[v]`` is the community of node ``v`` (0 = largest)."""

    labels: np.ndarray
    modularity: float

    @property
    def n_communities(self) -> int:
        return int(self.labels.max()) + 1 if self.labels.size else 0

    def sets(self) -> list[set[int]]:
        """The communities as sets of node indices, largest first."""
        return [set(np.flatnonzero(self.labels == c).tolist()) for c in range(self.n_communities)]


def modularity(obj, partition, *, resolution: float = 1.0, bipartite: bool | None = None):
    """Newman's modularity ``Q`` of a partition of the nodes.

    ``Q = sum_c [ L_c / m - resolution * (K_c / 2m)^2 ]`` with ``m`` links, ``L_c`` links inside
    community ``c`` and ``K_c`` the sum of its degrees (Newman and Girvan, Phys. Rev. E 69,
    026113, 2004); equal to :func:`networkx.community.modularity`. A layer is read as a graph on
    ``n_in + n_out`` nodes (inputs first). NaN for a network without links.

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    partition : array_like of int, or iterable of sets of node indices
        A community label per node, or the communities themselves (covering every node once).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.barbell_graph(3, 0)  # two triangles joined by one link
    >>> round(modularity(g, [0, 0, 0, 1, 1, 1]), 4)
    0.3571
    """
    resolution = check_real(resolution, "resolution", minimum=0.0)
    net = as_network(obj, bipartite)
    return _modularity(net, _labels(partition, net.n_nodes), resolution)


def communities(
    obj,
    *,
    method: str = "louvain",
    resolution: float = 1.0,
    rng=0,
    backend: str = "networkx",
    bipartite: bool | None = None,
) -> Communities:
    """Communities that maximise modularity, with their modularity ``Q``.

    ``method="louvain"``: the Louvain heuristic (Blondel et al., J. Stat. Mech. P10008, 2008)
    of :func:`networkx.community.louvain_communities` (``backend="networkx"``) or igraph's
    ``community_multilevel`` (``backend="igraph"``, about 20x faster; igraph draws from a
    ``random.Random`` seeded from ``rng``, installed with ``igraph.set_random_number_generator``
    for the call and then reset to the ``random`` module, igraph's default).
    ``method="greedy"``: Clauset-Newman-Moore greedy agglomeration (networkx; deterministic).
    A layer is read as a graph on ``n_in + n_out`` nodes (inputs first).

    Cost: networkx's Louvain takes several seconds on 10^4 nodes and 5 * 10^4 links; use
    ``backend="igraph"`` for large networks.

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    method : {"louvain", "greedy"}
    resolution : float
        Modularity resolution (1 = Newman's modularity).
    rng : int or numpy.random.Generator
        Seed of the Louvain heuristic.
    backend : {"networkx", "igraph"}
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Returns
    -------
    Communities
        ``labels`` (community of each node, numbered by decreasing size) and ``modularity``.

    Examples
    --------
    >>> import networkx as nx
    >>> result = communities(nx.barbell_graph(4, 0), rng=0)
    >>> result.labels.tolist(), round(result.modularity, 4)
    ([0, 0, 0, 0, 1, 1, 1, 1], 0.4231)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    if method == "greedy" and backend != "networkx":
        raise ValueError("method='greedy' is available with backend='networkx' only")
    resolution = check_real(resolution, "resolution", minimum=0.0)
    return find_communities(as_network(obj, bipartite), method, resolution, as_rng(rng), backend)


def find_communities(net, method, resolution, rng, backend) -> Communities:
    """:func:`communities` of a :class:`~chgraph.analysis._common.Network` (checked input)."""
    seed = int(rng.integers(2**31 - 1))
    if backend == "igraph":
        groups = _igraph_louvain(net, resolution, seed)
    else:
        groups = _networkx_communities(net, method, resolution, seed)
    labels = _relabel(groups, net.n_nodes)
    return Communities(labels, _modularity(net, labels, resolution))


def _networkx_communities(net, method, resolution, seed):
    import networkx as nx

    g = nx.from_scipy_sparse_array(net.adj)
    if method == "greedy":
        return nx.community.greedy_modularity_communities(g, resolution=resolution)
    return nx.community.louvain_communities(g, resolution=resolution, seed=seed)


def _igraph_louvain(net, resolution, seed):
    try:
        import igraph
    except ImportError:  # pragma: no cover - igraph is an optional dependency
        raise ImportError("backend='igraph' needs igraph (pip install igraph)") from None
    coo = net.adj.tocoo()
    upper = coo.row < coo.col
    h = igraph.Graph(n=net.n_nodes, edges=np.column_stack([coo.row[upper], coo.col[upper]]))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        membership = h.community_multilevel(resolution=resolution).membership
    finally:
        igraph.set_random_number_generator(random)
    membership = np.asarray(membership, dtype=np.int64)
    return [np.flatnonzero(membership == c) for c in np.unique(membership)]


def _relabel(groups, n: int) -> np.ndarray:
    """Labels numbered by decreasing community size (ties: smallest node first)."""
    groups = [np.sort(np.fromiter(g, dtype=np.int64)) for g in groups]
    groups = [g for g in groups if g.size]
    groups.sort(key=lambda g: (-g.size, int(g[0])))
    labels = np.full(n, -1, dtype=np.int64)
    for c, g in enumerate(groups):
        labels[g] = c
    return labels


def _labels(partition, n: int) -> np.ndarray:
    if isinstance(partition, np.ndarray) or (
        isinstance(partition, (list, tuple)) and all(np.isscalar(x) for x in partition)
    ):
        labels = np.asarray(partition)
        if labels.shape != (n,):
            raise ValueError(f"partition has {labels.size} labels for {n} nodes")
        if labels.size and not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"community labels must be integers, got dtype {labels.dtype}")
        return labels.astype(np.int64)
    labels = np.full(n, -1, dtype=np.int64)
    for c, group in enumerate(partition):
        idx = np.fromiter(group, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"community {c} has a node index outside 0..{n - 1}")
        if np.any(labels[idx] >= 0):
            raise ValueError("the communities overlap: a node is in more than one")
        labels[idx] = c
    if np.any(labels < 0):
        raise ValueError(f"the communities miss node(s) {np.flatnonzero(labels < 0)[:5].tolist()}")
    return labels


def _modularity(net, labels: np.ndarray, resolution: float) -> float:
    m = net.n_links
    if m == 0:
        return float("nan")
    coo = net.adj.tocoo()
    inside = np.count_nonzero(labels[coo.row] == labels[coo.col]) / 2.0
    _, inverse = np.unique(labels, return_inverse=True)
    k_c = np.bincount(inverse, weights=net.degrees().astype(np.float64))
    return float(inside / m - resolution * np.sum((k_c / (2.0 * m)) ** 2))
