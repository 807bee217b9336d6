"""Conversions of layers to and from networkx graphs (multipartite for a chain of layers)."""

from __future__ import annotations

from ..graph import BipartiteLayer, is_networkx_graph
from ._multipartite import chain_arrays, edge_weights, graph_list, node_int, stack_from_nodes
from ._stack import (
    LayerStack,
    as_layer_stack,
    layer_from_pairs,
    node_name,
)

__all__ = ["to_networkx", "from_networkx"]


def to_networkx(layer_or_layers, weights=None, names=None):
    """A layer, or a chain of layers, as a networkx graph (multipartite for a chain).

    Parameters
    ----------
    layer_or_layers : BipartiteLayer, list of layers or LayerStack
        One layer (anything :func:`chgraph.as_layer` accepts) or a chain whose shapes match
        (``n_out`` of layer ``i`` = ``n_in`` of layer ``i + 1``).
    weights : array_like or list, optional
        One layer: a dense ``n_in x n_out`` array or a vector aligned with the CSR links.
        A chain: one such entry (or None) per layer.
    names : str or list of str, optional
        Layer names (default ``layer0``, ``layer1``, ...).

    Returns
    -------
    networkx.Graph
        Nodes ``"L{layer}:{index}"`` (see :func:`chgraph.io.node_name`) with attributes
        ``layer`` (neuron layer, 0 = input), ``index`` and ``bipartite`` (``layer % 2``: 0 for
        the inputs and 1 for the outputs of a single layer; a valid 2-colouring of a chain).
        Edges carry ``weight`` (a float32 value as a Python float) where weights are given.
        Graph attributes: ``names`` (layer names), ``layer_sizes`` (neuron-layer sizes) and
        ``weighted`` (per layer, whether it has weights).

    Examples
    --------
    >>> import numpy as np
    >>> G = to_networkx(np.array([[1, 0], [1, 1]]), weights=np.array([[0.5, 0], [1, 2]]))
    >>> sorted(G.edges(data="weight"))
    [('L0:0', 'L1:0', 0.5), ('L0:1', 'L1:0', 1.0), ('L0:1', 'L1:1', 2.0)]
    >>> G.nodes["L1:1"]
    {'layer': 1, 'index': 1, 'bipartite': 1}
    """
    import networkx as nx

    stack = as_layer_stack(layer_or_layers, weights, names)
    sizes, _, links = chain_arrays(stack)
    weighted = [w is not None for w in stack.weights]
    G = nx.Graph(names=list(stack.names), layer_sizes=list(sizes), weighted=weighted)
    for layer, size in enumerate(sizes):
        G.add_nodes_from(
            (node_name(layer, i), {"layer": layer, "index": i, "bipartite": layer % 2})
            for i in range(size)
        )
    for l, ((rows, cols), w) in enumerate(zip(links, stack.weights, strict=True)):
        u = [node_name(l, i) for i in rows.tolist()]
        v = [node_name(l + 1, j) for j in cols.tolist()]
        if w is None:
            G.add_edges_from(zip(u, v, strict=True))
        else:
            G.add_weighted_edges_from(zip(u, v, w.tolist(), strict=True))
    return G








def from_networkx(G, top_nodes=None) -> LayerStack:
    """Layers from a networkx graph: the inverse of :func:`to_networkx`.

    A graph whose nodes all carry a ``layer`` attribute is read as a chain: sparse layer ``l``
    joins neuron layers ``l`` and ``l + 1``; nodes are ordered by their ``index`` attribute
    (else by graph order). Any other bipartite graph (``bipartite`` node attribute, or
    ``top_nodes``) is read as one layer, node order kept, labels kept on the layer. Edge
    ``weight`` attributes become float32 weights.

    Examples
    --------
    >>> import numpy as np
    >>> stack = from_networkx(to_networkx(np.eye(3), names="fc1"))
    >>> stack.names, stack.layers[0].n_links, stack.weights
    (['fc1'], 3, [None])
    """
    if not is_networkx_graph(G):
        raise TypeError(f"expected a networkx graph, got {type(G).__name__}")
    nodes = list(G.nodes(data=True))
    edge_data = [d for _, _, d in G.edges(data=True)]
    edges = [(u, v) for u, v in G.edges()]
    chain = all("layer" in d for _, d in nodes) if nodes else "layer_sizes" in G.graph
    if top_nodes is None and chain:
        layer_of = {n: node_int(d["layer"], n, "layer") for n, d in nodes}
        if any(layer < 0 for layer in layer_of.values()):
            raise ValueError("a node has a negative 'layer' attribute")
        index_of = None
        if all("index" in d for _, d in nodes):
            index_of = {n: node_int(d["index"], n, "index") for n, d in nodes}
        return stack_from_nodes(layer_of, index_of, edges, edge_data, G.graph,
                                 "the networkx graph")
    layer = BipartiteLayer.from_networkx(G, top_nodes=top_nodes)
    weights = edge_weights(edge_data, "the networkx graph")
    names = graph_list(G.graph.get("names"), "names") or ["layer0"]
    if weights is None:
        return LayerStack([layer], names[:1], [None])
    r_index = {n: i for i, n in enumerate(layer.row_labels)}
    c_index = {n: j for j, n in enumerate(layer.col_labels)}
    rows, cols = [], []
    for u, v in edges:
        if u not in r_index:
            u, v = v, u
        rows.append(r_index[u])
        cols.append(c_index[v])
    _, aligned = layer_from_pairs(rows, cols, layer.shape, weights, "the networkx graph")
    return LayerStack([layer], names[:1], [aligned])

