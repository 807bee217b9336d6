"""Small-world index sigma against degree-preserving null models."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import as_rng
from ._common import Network, as_network, check_int, check_real
from .clustering import node_clustering
from .null_models import null_network
from .paths import lcc_path_lengths

__all__ = ["SmallWorld", "small_world_sigma"]


class SmallWorld(NamedTuple):
    """Result of :func:`small_world_sigma`."""

    sigma: float  #: (C / C_null) / (L / L_null)
    clustering: float  #: C, average clustering of the network
    clustering_null: float  #: C_null, mean over the null networks
    path_length: float  #: L, characteristic path length (LCC)
    path_length_null: float  #: L_null, mean over the null networks
    n_null: int


def small_world_sigma(
    obj,
    *,
    n_null: int = 10,
    swaps_per_link: float = 10.0,
    n_sources: int | None = None,
    mode: str = "dot",
    rng=0,
    bipartite: bool | None = None,
) -> SmallWorld:
    """Small-world index ``sigma = (C / C_null) / (L / L_null)``.

    Humphries and Gurney (PLoS ONE 3, e0002051, 2008), with Watts and Strogatz's clustering
    ``C`` and characteristic path length ``L``, and the null values averaged over ``n_null``
    degree-preserving randomisations (:func:`degree_preserving_null`) rather than Erdos-Renyi
    graphs. A layer keeps its two sides in the null (bipartite swaps), and ``C`` is Latapy's
    bipartite clustering (``mode``, see :func:`clustering`), since a bipartite graph has no
    triangles. ``L`` is taken on the largest connected component (:func:`path_lengths`).
    ``sigma > 1`` (clearly) indicates a small world. NaN when ``C_null`` or ``L`` is 0 or NaN.
    (Telesford's ``omega``, which needs a lattice reference, is not computed.)

    Cost: ``n_null + 1`` path-length computations: on 10^4 nodes, pass ``n_sources`` (e.g. 200;
    each network uses the same seed) and a small ``n_null``.

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    n_null : int
        Number of null networks (default 10).
    swaps_per_link : float
        Attempted swaps per link of each null network.
    n_sources : int, optional
        Sampled sources of the path lengths (see :func:`path_lengths`); default exact.
    mode : {"dot", "min", "max"}
        Bipartite clustering mode (layers only).
    rng : int or numpy.random.Generator
        Seed of the null networks and the source sample.
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Returns
    -------
    SmallWorld

    Examples
    --------
    >>> import networkx as nx
    >>> ring = nx.watts_strogatz_graph(200, 6, 0.05, seed=1)
    >>> sw = small_world_sigma(ring, n_null=3, rng=0)
    >>> bool(sw.sigma > 2), sw.n_null
    (True, 3)
    """
    n_null = check_int(n_null, "n_null", minimum=1)
    swaps_per_link = check_real(swaps_per_link, "swaps_per_link", minimum=0.0)
    n_sources = check_int(n_sources, "n_sources", minimum=1, allow_none=True)
    return network_sigma(as_network(obj, bipartite), n_null, swaps_per_link, n_sources, mode,
                         as_rng(rng))


def network_sigma(net: Network, n_null, swaps_per_link, n_sources, mode, gen) -> SmallWorld:
    """:func:`small_world_sigma` of a :class:`~chgraph.analysis._common.Network`."""
    seed = int(gen.integers(2**31 - 1))  # the source sample of every network
    c, length = _c_and_l(net, mode, n_sources, seed)
    c_null, l_null = [], []
    for _ in range(n_null):
        null = null_network(net, swaps_per_link, gen)
        cn, ln = _c_and_l(as_network(null), mode, n_sources, seed)
        c_null.append(cn)
        l_null.append(ln)
    c_r, l_r = float(np.mean(c_null)), float(np.mean(l_null))
    with np.errstate(all="ignore"):
        sigma = (c / c_r) / (length / l_r) if c_r > 0 and length > 0 else float("nan")
    return SmallWorld(float(sigma), c, c_r, length, l_r, n_null)


def _c_and_l(net: Network, mode: str, n_sources, seed: int) -> tuple[float, float]:
    c = node_clustering(net, mode)
    lengths = lcc_path_lengths(net.adj, n_sources, seed)
    return (float(c.mean()) if c.size else float("nan"), lengths.characteristic_path_length)
