"""One flat, JSON-ready table of the main measures of a layer, a graph, or each layer of a chain."""

from __future__ import annotations

import numpy as np

from ..checks import as_rng
from ._common import Network, as_network, check_int, plain
from .chain import as_chain, live_neurons
from .clustering import node_clustering
from .communities import find_communities
from .degrees import assortativity, powerlaw_fit
from .paths import lcc_path_lengths
from .small_world import network_sigma

__all__ = ["summary", "analyze_layers"]


def summary(
    obj,
    *,
    n_sources: int | None = 500,
    n_null: int = 0,
    community_backend: str = "networkx",
    rng=0,
    bipartite: bool | None = None,
) -> dict:
    """The main topology measures of a layer or a graph, as a flat dict of plain Python values.

    Keys (``<s>`` is ``_in`` and ``_out`` for the two sides of a layer, empty for a graph):

    * ``kind`` (``"layer"``/``"graph"``), ``n_nodes``, ``n_links``, ``density``
      (layer: ``links / (n_in n_out)``; graph: ``2 links / (n (n-1))``), ``n_in``, ``n_out``
      (layers only);
    * ``mean_degree<s>``, ``max_degree<s>``, ``isolated_fraction<s>``;
    * ``powerlaw_alpha<s>``, ``powerlaw_xmin<s>``, ``powerlaw_sigma<s>``, ``powerlaw_D<s>``,
      ``powerlaw_R<s>``, ``powerlaw_p<s>`` (:func:`powerlaw_fit` against a lognormal; ``None``
      when no fit is possible);
    * ``average_clustering`` (:func:`average_clustering`: Latapy's for a layer),
      ``degree_assortativity``, ``modularity`` and ``n_communities`` (:func:`communities`,
      Louvain), ``characteristic_path_length``, ``global_efficiency``, ``lcc_fraction``,
      ``path_sources`` (:func:`path_lengths`), ``small_world_sigma`` (with ``n_null > 0``).

    Undefined values (NaN) are ``None``, so ``json.dumps(..., allow_nan=False)`` works.

    Cost: dominated by the path lengths (``n_sources`` BFS, default 500 sampled sources; the
    exact value below 500 nodes) and networkx's Louvain (seconds on 10^4 nodes; pass
    ``community_backend="igraph"`` for speed); ``n_null`` null networks add ``n_null`` times the
    path-length cost.

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    n_sources : int or None
        Sampled sources of the path lengths; ``None`` = exact.
    n_null : int
        Null networks for ``small_world_sigma`` (0 = skip; then the value is ``None``).
    community_backend : {"networkx", "igraph"}
    rng : int or numpy.random.Generator
        Seed of every random choice.
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Examples
    --------
    >>> import networkx as nx
    >>> s = summary(nx.karate_club_graph())
    >>> s["kind"], s["n_nodes"], s["n_links"], round(s["average_clustering"], 3)
    ('graph', 34, 78, 0.571)
    >>> import numpy as np
    >>> s = summary(np.ones((3, 4)))
    >>> s["n_in"], s["mean_degree_out"], s["average_clustering"], s["powerlaw_alpha_in"]
    (3, 3.0, 1.0, None)
    """
    n_sources = check_int(n_sources, "n_sources", minimum=1, allow_none=True)
    n_null = check_int(n_null, "n_null", minimum=0)
    _check_backend(community_backend)
    net = as_network(obj, bipartite)
    return network_summary(net, n_sources, n_null, community_backend, as_rng(rng))


def network_summary(net: Network, n_sources, n_null, backend, gen) -> dict:
    n = net.n_nodes
    out: dict = {"kind": "layer" if net.bipartite else "graph", "n_nodes": n}
    out["n_links"] = net.n_links
    if net.bipartite:
        n_in, n_out = net.layer.shape
        out.update(n_in=n_in, n_out=n_out, density=net.layer.density)
        sides = (("in", "_in"), ("out", "_out"))
    else:
        out["density"] = 2.0 * net.n_links / (n * (n - 1)) if n > 1 else float("nan")
        sides = (("all", ""),)
    k = net.degrees()
    for side, suffix in sides:
        ks = k[net.side_nodes(side)]
        out["mean_degree" + suffix] = float(ks.mean()) if ks.size else float("nan")
        out["max_degree" + suffix] = int(ks.max()) if ks.size else 0
        out["isolated_fraction" + suffix] = float(np.mean(ks == 0)) if ks.size else float("nan")
        try:
            fit = powerlaw_fit(ks)
            values = (fit.alpha, fit.xmin, fit.sigma, fit.D, fit.R, fit.p)
        except ValueError:
            values = (float("nan"),) * 6
        for name, v in zip(("alpha", "xmin", "sigma", "D", "R", "p"), values, strict=True):
            out[f"powerlaw_{name}{suffix}"] = v
    c = node_clustering(net, "dot")
    out["average_clustering"] = float(c.mean()) if c.size else float("nan")
    out["degree_assortativity"] = assortativity(net)
    if net.n_links:
        comm = find_communities(net, "louvain", 1.0, gen, backend)
        out["modularity"], out["n_communities"] = comm.modularity, comm.n_communities
    else:
        out["modularity"], out["n_communities"] = float("nan"), n
    lengths = lcc_path_lengths(net.adj, n_sources, gen)
    out["characteristic_path_length"] = lengths.characteristic_path_length
    out["global_efficiency"] = lengths.global_efficiency
    out["lcc_fraction"] = lengths.lcc_fraction
    out["path_sources"] = lengths.n_sources
    sigma = float("nan")
    if n_null and net.n_links:
        sigma = network_sigma(net, n_null, 10.0, n_sources, "dot", gen).sigma
    out["small_world_sigma"] = sigma
    return {key: plain(value) for key, value in out.items()}


def analyze_layers(
    layers,
    *,
    n_sources: int | None = 500,
    n_null: int = 0,
    community_backend: str = "networkx",
    rng=0,
    dense_after: bool = False,
) -> list[dict]:
    """:func:`summary` of each layer of a chain, with the live fractions of its two sides.

    Each dict starts with ``layer`` (its index), has every key of :func:`summary` for a layer,
    and adds ``live_in_fraction`` / ``live_out_fraction``: the fraction of live neurons (the
    engine's percolation, :func:`live_neurons`) on the layer's input and output sides (the
    network's inputs and outputs always count as live; with ``dense_after`` the last layer's
    outputs feed a dense layer outside the chain and count as hidden neurons, see
    :func:`live_neurons`). For the whole multipartite network use
    ``summary(chain_graph(layers))`` and :func:`live_fraction`.

    Examples
    --------
    >>> import numpy as np
    >>> rows = analyze_layers([np.ones((2, 3)), np.array([[1], [1], [0]])])
    >>> [(r["layer"], r["n_links"], r["live_out_fraction"]) for r in rows]
    [(0, 6, 0.6666666666666666), (1, 2, 1.0)]
    >>> analyze_layers([np.array([[1, 0, 1]])], dense_after=True)[0]["live_out_fraction"]
    0.6666666666666666
    """
    n_sources = check_int(n_sources, "n_sources", minimum=1, allow_none=True)
    n_null = check_int(n_null, "n_null", minimum=0)
    _check_backend(community_backend)
    chain = as_chain(layers)
    live = live_neurons(chain, dense_after=dense_after)
    gen = as_rng(rng)
    rows = []
    for l, layer in enumerate(chain):
        row = {"layer": l}
        row.update(network_summary(as_network(layer), n_sources, n_null, community_backend, gen))
        row["live_in_fraction"] = plain(float(live[l].mean()) if live[l].size else float("nan"))
        row["live_out_fraction"] = plain(
            float(live[l + 1].mean()) if live[l + 1].size else float("nan")
        )
        rows.append(row)
    return rows


def _check_backend(backend) -> None:
    if backend not in ("networkx", "igraph"):
        raise ValueError(f"community_backend must be 'networkx' or 'igraph', got {backend!r}")
