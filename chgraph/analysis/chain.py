"""A chain of layers as one multipartite network, and its live (percolating) neurons.

A chain is a sequence of layers ``n_in x n_out`` whose shapes chain: ``n_out`` of layer ``l``
equals ``n_in`` of layer ``l + 1``. Neuron *level* ``l`` is the input side of layer ``l``; level
``L`` (the number of layers) is the output side of the last layer; levels ``1 .. L-1`` are hidden.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..evolution.percolation import check_chain_shapes, percolate_links
from ..graph import BipartiteLayer, as_layer

__all__ = ["ChainAdjacency", "chain_graph", "live_neurons", "live_fraction"]


class ChainAdjacency(NamedTuple):
    """A chain as a symmetric adjacency: nodes level by level, ``level[v]`` for node ``v``."""

    adj: sp.csr_array
    level: np.ndarray


def as_chain(layers) -> list[BipartiteLayer]:
    """The layers of a chain as :class:`~chgraph.BipartiteLayer` objects, shapes checked."""
    if isinstance(layers, (BipartiteLayer, str, bytes)) or sp.issparse(layers) or (
        isinstance(layers, np.ndarray) and layers.dtype != object
    ):
        raise TypeError(
            f"layers must be a sequence of layers, got one {type(layers).__name__}; "
            "wrap a single layer in a list"
        )
    try:
        chain = [as_layer(layer) for layer in layers]
    except TypeError as err:
        raise TypeError(f"layers must be a sequence of layers: {err}") from None
    check_chain_shapes([layer.shape for layer in chain])
    return chain


def chain_graph(layers, output: str = "networkx"):
    """The multipartite network of a chain of layers.

    Parameters
    ----------
    layers : sequence of BipartiteLayer or anything :func:`chgraph.as_layer` accepts
        ``n_in x n_out`` each, with ``n_out`` of layer ``l`` equal to ``n_in`` of layer ``l+1``.
    output : {"networkx", "scipy"}
        ``"networkx"``: an undirected ``networkx.Graph`` whose nodes are ``(level, index)`` with
        the attributes ``layer`` (the neuron level, 0 = network input) and ``bipartite``
        (``level % 2``: a chain is bipartite, even levels against odd ones, so networkx's
        bipartite algorithms and :func:`chgraph.as_layer` apply). ``"scipy"``: a
        :class:`ChainAdjacency` (symmetric CSR adjacency with the nodes level by level, and
        the level of each node).

    Examples
    --------
    >>> import numpy as np
    >>> g = chain_graph([np.ones((2, 3)), np.eye(3)])
    >>> g.number_of_nodes(), g.number_of_edges(), g.nodes[(1, 0)]
    (8, 9, {'layer': 1, 'bipartite': 1})
    >>> chain_graph([np.ones((2, 3)), np.eye(3)], output="scipy").level.tolist()
    [0, 0, 1, 1, 1, 2, 2, 2]
    """
    if output not in ("networkx", "scipy"):
        raise ValueError(f"output must be 'networkx' or 'scipy', got {output!r}")
    chain = as_chain(layers)
    sizes = [chain[0].shape[0]] + [layer.shape[1] for layer in chain]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    if output == "networkx":
        import networkx as nx

        g = nx.Graph()
        for level, size in enumerate(sizes):
            g.add_nodes_from(((level, i) for i in range(size)), layer=level, bipartite=level % 2)
        for l, layer in enumerate(chain):
            coo = layer.csr.tocoo()
            g.add_edges_from(
                ((l, int(i)), (l + 1, int(o))) for i, o in zip(coo.row, coo.col, strict=True)
            )
        return g
    rows, cols = [], []
    for l, layer in enumerate(chain):
        coo = layer.csr.tocoo()
        rows.append(coo.row.astype(np.int64) + offsets[l])
        cols.append(coo.col.astype(np.int64) + offsets[l + 1])
    r = np.concatenate(rows + cols)
    c = np.concatenate(cols + rows)
    n = int(offsets[-1])
    adj = sp.csr_array((np.ones(r.size, np.int8), (r, c)), shape=(n, n))
    adj.sort_indices()
    level = np.repeat(np.arange(len(sizes)), sizes)
    return ChainAdjacency(adj, level)


def live_neurons(layers, cascade: bool = True, dense_after: bool = False) -> list[np.ndarray]:
    """Live neurons of each level of a chain.

    A hidden neuron is live iff it has at least one incoming and one outgoing link; the
    network's inputs (level 0) and outputs (last level) always count as live.

    Parameters
    ----------
    layers : sequence of layers
        A chain (see :func:`chain_graph`).
    cascade : bool
        ``True`` (default): the engine's percolation (:func:`chgraph.evolution.percolate`, SPEC
        section 3.4): links of dead neurons are removed first, which may kill further neurons
        (a neuron whose only outgoing link leads to a dead neuron is dead). ``False``: the
        direct test on the links as given.
    dense_after : bool
        The outputs of the last layer feed a dense layer outside the chain (a dense
        classifier, as in CH-SNN's networks): they are hidden neurons with every outgoing
        link, live iff they have an incoming link (after the cascade). Default ``False``:
        they are the network's outputs.

    Returns
    -------
    list of numpy.ndarray of bool
        One array per level (``len(layers) + 1`` of them).

    Examples
    --------
    Hidden neuron 0 feeds hidden neuron 2 of the next level, which has no output:

    >>> a = np.array([[1, 1]]); b = np.array([[0, 0, 1], [1, 0, 0]]); c = np.array([[1], [1], [0]])
    >>> [m.tolist() for m in live_neurons([a, b, c])][1:3]
    [[False, True], [True, False, False]]
    >>> [m.tolist() for m in live_neurons([a, b, c], cascade=False)][1:3]
    [[True, True], [True, False, False]]

    A single sparse layer before a dense classifier: its outputs are hidden neurons.

    >>> live_neurons([np.array([[1, 0, 1]])], dense_after=True)[1].tolist()
    [True, False, True]
    """
    chain = as_chain(layers)
    if dense_after:
        closed = [*chain, BipartiteLayer(np.ones((chain[-1].shape[1], 1), dtype=bool))]
        return _live_levels(closed, cascade, fixed_last=True)[:-1]
    return _live_levels(chain, cascade, fixed_last=False)


def _live_levels(chain, cascade: bool, fixed_last: bool) -> list[np.ndarray]:
    shapes = [layer.shape for layer in chain]
    if cascade:
        coos = [layer.csr.tocoo() for layer in chain]
        fixed = [False] * (len(chain) - 1) + [fixed_last]
        _, live = percolate_links([c.row for c in coos], [c.col for c in coos], shapes, fixed)
        return [np.asarray(v, dtype=bool) for v in live]
    live = [np.ones(shapes[0][0], dtype=bool)]
    for l in range(1, len(chain)):
        live.append((chain[l - 1].out_degrees() > 0) & (chain[l].in_degrees() > 0))
    live.append(np.ones(shapes[-1][1], dtype=bool))
    return live


def live_fraction(layers, cascade: bool = True, dense_after: bool = False) -> float:
    """Fraction of the hidden neurons of a chain that are live (see :func:`live_neurons`).

    With ``dense_after`` the outputs of the last layer count as hidden neurons. NaN when the
    chain has no hidden neuron (a single layer without ``dense_after``).

    Examples
    --------
    >>> live_fraction([np.array([[1, 0]]), np.array([[1], [1]])])
    0.5
    >>> live_fraction([np.array([[1, 0, 1]])], dense_after=True)
    0.6666666666666666
    """
    levels = live_neurons(layers, cascade=cascade, dense_after=dense_after)
    live = levels[1:] if dense_after else levels[1:-1]
    n = sum(v.size for v in live)
    return float(sum(int(v.sum()) for v in live) / n) if n else float("nan")
