"""A chain of layers as one multipartite network, and its live (percolating) neurons.

A chain is a sequence of layers ``n_in x n_out`` whose shapes chain: ``n_out`` of layer ``l``
equals ``n_in`` of layer ``l + 1``. Neuron *level* ``l`` is the input side of layer ``l``; level
``L`` (the number of layers) is the output side of the last layer; levels ``1 .. L-1`` are hidden.

The live-neuron fraction has one definition, here, used by every part of the project (the
evolution step's statistics, the ``snn_adapters`` sparsifier's history, ``chsnn``'s reports,
``chgraph analyze``):

* the hidden neurons of a chain are its levels ``1 .. L-1``, and also level ``L`` when the
  chain's outputs feed a dense layer outside it (``dense_after``: a dense classifier, as in
  CH-SNN's networks), which gives every one of them all its outgoing links;
* a hidden neuron is live iff it keeps an incoming and an outgoing link after the cascade of
  the engine's percolation (links of dead neurons removed until nothing changes);
* several chains are pooled: live hidden neurons over hidden neurons, all chains together;
* NaN when there is no hidden neuron at all.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..evolution.percolation import check_chain_shapes, percolate_links
from ..graph import BipartiteLayer, as_layer

__all__ = ["ChainAdjacency", "chain_graph", "live_neurons", "live_fraction", "live_counts"]


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
            g.add_edges_from(
                ((l, int(i)), (l + 1, int(o))) for i, o in zip(*layer.links(), strict=True)
            )
        return g
    rows, cols = [], []
    for l, layer in enumerate(chain):
        link_rows, link_cols = layer.links()
        rows.append(link_rows + offsets[l])
        cols.append(link_cols + offsets[l + 1])
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
        ``True`` (default): the engine's percolation (:func:`chgraph.evolution.percolate`,
        docs/method.md, section 3.4): links of dead neurons are removed first, which may kill
        further neurons (a neuron whose only outgoing link leads to a dead neuron is dead).
        ``False``: the direct test on the links as given.
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
    links = [layer.links() for layer in chain]
    return _live_levels([r for r, _ in links], [c for _, c in links],
                        [layer.shape for layer in chain], cascade, dense_after)


def _live_levels(rows, cols, shapes, cascade: bool, dense_after: bool) -> list[np.ndarray]:
    """Live neurons per level of a chain given as link lists (``rows[l]``, ``cols[l]``)."""
    rows = [np.asarray(r, dtype=np.int64) for r in rows]
    cols = [np.asarray(c, dtype=np.int64) for c in cols]
    shapes = [tuple(int(d) for d in s) for s in shapes]
    if dense_after:  # the dense consumer: every output of the chain feeds each of its units
        n = shapes[-1][1]
        rows, cols = [*rows, np.arange(n)], [*cols, np.zeros(n, np.int64)]
        shapes = [*shapes, (n, 1)]
    fixed = [False] * (len(shapes) - 1) + [dense_after]
    if not cascade:  # the direct test on the links as given: nothing is removed
        fixed = [True] * len(shapes)
    _, live = percolate_links(rows, cols, shapes, fixed)
    live = [np.asarray(v, dtype=bool) for v in live]
    return live[:-1] if dense_after else live


def live_counts(links, shapes, cascade: bool = True,
                dense_after: bool = False) -> tuple[int, int]:
    """``(live, hidden)``: the live hidden neurons of one chain and its hidden neurons, the
    chain given as link lists (what the engine and the adapters hold; see the module's
    definition).

    Parameters
    ----------
    links : sequence of 1-D integer arrays
        Per layer, the flat indices ``row * n_out + col`` of its links.
    shapes : sequence of (n_in, n_out)
        The layers' shapes (they must chain).
    cascade, dense_after : bool
        As in :func:`live_neurons`.

    Examples
    --------
    >>> live_counts([np.array([0, 2])], [(1, 3)], dense_after=True)   # outputs 0 and 2 fed
    (2, 3)
    >>> live_counts([np.array([0, 1]), np.array([0])], [(1, 2), (2, 1)])  # hidden 1: no output
    (1, 2)
    """
    check_chain_shapes([tuple(s) for s in shapes])
    if len(links) != len(shapes):
        raise ValueError(f"{len(links)} link lists for {len(shapes)} layers")
    rows, cols = [], []
    for flat, (n_in, n_out) in zip(links, shapes, strict=True):
        flat = np.asarray(flat, dtype=np.int64).ravel()
        if flat.size and (flat.min() < 0 or flat.max() >= n_in * n_out):
            raise ValueError(f"a link index lies outside a layer of shape {(n_in, n_out)}")
        r, c = np.divmod(flat, n_out)
        rows.append(r)
        cols.append(c)
    levels = _live_levels(rows, cols, shapes, cascade, dense_after)
    hidden = levels[1:] if dense_after else levels[1:-1]
    return sum(int(v.sum()) for v in hidden), sum(int(v.size) for v in hidden)


def live_fraction(layers, cascade: bool = True, dense_after: bool = False,
                  chains=None) -> float:
    """Fraction of the hidden neurons that are live: the project's one live-neuron fraction
    (see the module's definition and :func:`live_neurons`).

    Parameters
    ----------
    layers : sequence of layers
        One chain, or with ``chains`` the layers of several.
    cascade, dense_after : bool
        As in :func:`live_neurons`; ``dense_after`` applies to every chain.
    chains : list of list of int, optional
        Indices into ``layers``, one list per chain in forward order; the chains are pooled
        (live hidden neurons of all of them over their hidden neurons). Default: ``layers``
        is one chain.

    Returns
    -------
    float
        NaN when there is no hidden neuron (one layer without ``dense_after``).

    Examples
    --------
    >>> live_fraction([np.array([[1, 0]]), np.array([[1], [1]])])
    0.5
    >>> live_fraction([np.array([[1, 0, 1]])], dense_after=True)
    0.6666666666666666
    >>> live_fraction([np.array([[1, 0, 1]]), np.eye(2)], chains=[[0], [1]], dense_after=True)
    0.8
    """
    if chains is None:
        groups = [layers]
    else:
        layers = list(layers)
        groups = [[layers[i] for i in c] for c in chains]
    live = total = 0
    for group in groups:
        chain = as_chain(group)
        shapes = [layer.shape for layer in chain]
        links = [layer.flat_links() for layer in chain]
        a, b = live_counts(links, shapes, cascade=cascade, dense_after=dense_after)
        live, total = live + a, total + b
    return live / total if total else float("nan")
