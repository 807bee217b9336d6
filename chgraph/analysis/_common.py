"""Input handling shared by :mod:`chgraph.analysis` (private).

Every measure accepts a *network*: a :class:`~chgraph.BipartiteLayer`, a :class:`~chgraph.Graph`,
a networkx or igraph graph, or a 2-D array / scipy sparse matrix. :func:`as_network` reads it as
a bipartite layer or as a unipartite graph:

* ``bipartite=None`` (default): a layer stays a layer and a Graph a graph; a networkx graph is a
  layer when every node has a ``bipartite`` attribute (networkx's convention, also what
  :func:`~chgraph.analysis.chain_graph` writes), an igraph graph when it has the vertex attribute
  ``type``; arrays and sparse matrices are biadjacencies (``n_in x n_out``), as in
  :func:`chgraph.as_layer`;
* ``bipartite=True`` / ``False`` force :func:`chgraph.as_layer` / :func:`chgraph.as_graph`.

A layer's nodes are numbered inputs first (``0 .. n_in-1``), then outputs, as in
:meth:`chgraph.BipartiteLayer.to_graph`.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .. import checks
from ..graph import BipartiteLayer, Graph, as_graph, as_layer, is_igraph_graph, is_networkx_graph

SIDES = ("all", "in", "out")


class Network(NamedTuple):
    """A network read for analysis: symmetric adjacency, and the layer when bipartite."""

    adj: sp.csr_array  # symmetric 0/1 adjacency, n_nodes x n_nodes (layer: inputs first)
    layer: BipartiteLayer | None

    @property
    def n_nodes(self) -> int:
        return int(self.adj.shape[0])

    @property
    def n_links(self) -> int:
        return int(self.adj.indices.size // 2)

    @property
    def bipartite(self) -> bool:
        return self.layer is not None

    def degrees(self) -> np.ndarray:
        return np.diff(self.adj.indptr).astype(np.int64)

    def side_nodes(self, side: str) -> np.ndarray:
        """Node indices of one side (``"in"``/``"out"``; ``"all"``: every node)."""
        if side == "all":
            return np.arange(self.n_nodes)
        n_in = self.layer.shape[0]
        return np.arange(n_in) if side == "in" else np.arange(n_in, self.n_nodes)


def as_network(obj, bipartite: bool | None = None) -> Network:
    """Read ``obj`` as a :class:`Network` (see the module docstring for the rules)."""
    if isinstance(obj, (list, tuple)) and obj and _looks_like_layer(obj[0]):
        raise TypeError(
            "got a sequence of layers; pass one layer, or the chain as a graph "
            "(chain_graph(layers)), or use analyze_layers(layers)"
        )
    if bipartite is not None and not isinstance(bipartite, bool):
        raise TypeError(f"bipartite must be True, False or None, got {bipartite!r}")
    if bipartite is None:
        if isinstance(obj, (BipartiteLayer, Graph)):
            bipartite = isinstance(obj, BipartiteLayer)
        elif is_networkx_graph(obj):
            bipartite = obj.number_of_nodes() > 0 and all(
                "bipartite" in d for _, d in obj.nodes(data=True)
            )
        elif is_igraph_graph(obj):
            bipartite = "type" in obj.vs.attributes()
        else:
            bipartite = True
    if bipartite:
        layer = as_layer(obj)
        return Network(_symmetric(layer.to_graph().csr), layer)
    return Network(_symmetric(as_graph(obj).csr), None)


def _looks_like_layer(x) -> bool:
    return isinstance(x, BipartiteLayer) or sp.issparse(x) or (
        isinstance(x, np.ndarray) and x.ndim == 2
    )


def _symmetric(csr) -> sp.csr_array:
    out = sp.csr_array(csr, dtype=np.int8)
    out.sort_indices()
    return out


def check_side(side: str, net: Network) -> str:
    """Validate ``side``: one of ``all``, ``in``, ``out``; ``in``/``out`` only for layers."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    if side != "all" and not net.bipartite:
        raise ValueError(f"side={side!r} needs a bipartite layer; a graph has only side='all'")
    return side


def check_int(value, name: str, minimum: int = 0, allow_none: bool = False):
    """``value`` as an int >= ``minimum`` (or None when allowed), else TypeError/ValueError."""
    if value is None and allow_none:
        return None
    return checks.integer(name, value, low=minimum)


def check_real(value, name: str, minimum: float | None = None) -> float:
    return checks.real(name, value, -math.inf if minimum is None else minimum)


def plain(value):
    """A JSON-ready Python scalar: numpy numbers to int/float, NaN and inf to None."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def largest_component(adj: sp.csr_array) -> np.ndarray:
    """Sorted node indices of the largest connected component (lowest label on ties)."""
    from scipy.sparse.csgraph import connected_components

    if adj.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = connected_components(adj, directed=False)
    return np.flatnonzero(labels == np.argmax(np.bincount(labels)))
