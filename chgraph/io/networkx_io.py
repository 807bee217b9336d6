"""Conversions of layers to and from networkx graphs (multipartite for a chain of layers)."""

from __future__ import annotations

import json

import numpy as np

from ..graph import BipartiteLayer, _is_networkx
from ._stack import (
    LayerStack,
    as_layer_stack,
    default_names,
    layer_from_pairs,
    node_name,
)

__all__ = ["to_networkx", "from_networkx"]


def _chain_arrays(stack: LayerStack):
    """Per neuron layer the node offset; per sparse layer its (rows, cols) link arrays."""
    sizes = stack.sizes()
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    links = []
    for layer in stack.layers:
        csr = layer.csr
        rows = np.repeat(np.arange(layer.shape[0]), np.diff(csr.indptr))
        links.append((rows, csr.indices.astype(np.int64)))
    return sizes, offsets, links


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
    sizes, _, links = _chain_arrays(stack)
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


def _graph_list(value, what: str):
    """A list stored as a graph attribute: a list, or a JSON string (GraphML, GML)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"the graph attribute {what!r} is not a JSON list") from None
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"the graph attribute {what!r} must be a list")
    return list(value)


def _edge_weights(edge_data, what: str):
    has = [("weight" in d) for d in edge_data]
    if not any(has):
        return None
    if not all(has):
        raise ValueError(f"{what}: some edges of a layer have a 'weight' and others not")
    return np.array([d["weight"] for d in edge_data], dtype=np.float64)


def _stack_from_nodes(layer_of, index_of, edges, edge_data, graph_attrs, what: str):
    """Group the nodes of a multipartite graph into sparse layers (shared by nx and igraph).

    ``graph_attrs`` may give ``layer_sizes`` and ``names`` and, per layer, ``weighted`` (so
    that a weighted layer without links keeps an empty weight vector).
    """
    sizes = _graph_list(graph_attrs.get("layer_sizes"), "layer_sizes")
    names = _graph_list(graph_attrs.get("names"), "names")
    weighted = _graph_list(graph_attrs.get("weighted"), "weighted")
    n_neuron_layers = (max(layer_of.values()) + 1) if layer_of else 0
    counts = np.bincount(list(layer_of.values()), minlength=n_neuron_layers)
    if sizes is None:
        sizes = counts.tolist()
    elif len(sizes) < n_neuron_layers or any(
        int(c) > int(s) for c, s in zip(counts, sizes, strict=False)
    ):
        raise ValueError(f"{what}: the nodes do not match the graph's layer_sizes {sizes}")
    sizes = [int(s) for s in sizes]
    if index_of is None:  # number the nodes of each layer in graph order
        seen = [0] * len(sizes)
        index_of = {}
        for node, layer in layer_of.items():
            index_of[node] = seen[layer]
            seen[layer] += 1
    per_layer = [set() for _ in sizes]
    for node, layer in layer_of.items():
        i = index_of[node]
        if not 0 <= i < sizes[layer] or i in per_layer[layer]:
            raise ValueError(f"{what}: node {node!r} has a bad or repeated index {i}")
        per_layer[layer].add(i)
    n_layers = max(len(sizes) - 1, 0)
    pairs = [([], [], []) for _ in range(n_layers)]
    for k, (u, v) in enumerate(edges):
        lu, lv = layer_of[u], layer_of[v]
        if abs(lu - lv) != 1:
            raise ValueError(
                f"{what}: edge ({u!r}, {v!r}) joins neuron layers {lu} and {lv}; a chain "
                "links only consecutive layers"
            )
        if lu > lv:
            u, v, lu = v, u, lv
        rows, cols, ks = pairs[lu]
        rows.append(index_of[u])
        cols.append(index_of[v])
        ks.append(k)
    if names is None:
        names = default_names(n_layers)
    if len(names) != n_layers:
        raise ValueError(f"{what}: {len(names)} layer name(s) for {n_layers} layer(s)")
    if weighted is not None and len(weighted) != n_layers:
        raise ValueError(f"{what}: 'weighted' has {len(weighted)} entries for {n_layers} layers")
    layers, aligned = [], []
    for l, (rows, cols, ks) in enumerate(pairs):
        w = None if edge_data is None else _edge_weights([edge_data[k] for k in ks], what)
        if w is None and not ks and weighted is not None and weighted[l]:
            w = np.zeros(0, np.float32)
        layer, w = layer_from_pairs(rows, cols, (sizes[l], sizes[l + 1]), w, what)
        layers.append(layer)
        aligned.append(w)
    return LayerStack(layers, [str(x) for x in names], aligned)


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
    if not _is_networkx(G):
        raise TypeError(f"expected a networkx graph, got {type(G).__name__}")
    nodes = list(G.nodes(data=True))
    edge_data = [d for _, _, d in G.edges(data=True)]
    edges = [(u, v) for u, v in G.edges()]
    chain = all("layer" in d for _, d in nodes) if nodes else "layer_sizes" in G.graph
    if top_nodes is None and chain:
        layer_of = {n: _as_int(d["layer"], n, "layer") for n, d in nodes}
        if any(layer < 0 for layer in layer_of.values()):
            raise ValueError("a node has a negative 'layer' attribute")
        index_of = None
        if all("index" in d for _, d in nodes):
            index_of = {n: _as_int(d["index"], n, "index") for n, d in nodes}
        return _stack_from_nodes(layer_of, index_of, edges, edge_data, G.graph,
                                 "the networkx graph")
    layer = BipartiteLayer.from_networkx(G, top_nodes=top_nodes)
    weights = _edge_weights(edge_data, "the networkx graph")
    names = _graph_list(G.graph.get("names"), "names") or ["layer0"]
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


def _as_int(value, node, what: str) -> int:
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"node {node!r} has a non-integer {what!r}: {value!r}") from None
    if out != value and not (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        raise ValueError(f"node {node!r} has a non-integer {what!r}: {value!r}")
    return out
