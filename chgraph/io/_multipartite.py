"""The multipartite-graph encoding of a chain of layers, shared by the networkx and igraph
converters (:mod:`chgraph.io.networkx_io`, :mod:`chgraph.io.igraph_io`).

A chain is a graph whose nodes carry ``layer`` (neuron layer, 0 = input) and ``index``, with
graph attributes ``layer_sizes``, ``names`` and ``weighted``; these helpers read and write it.
"""

from __future__ import annotations

import json

import numpy as np

from ._stack import LayerStack, default_names, layer_from_pairs

__all__ = ["chain_arrays", "graph_list", "edge_weights", "stack_from_nodes", "node_int"]


def chain_arrays(stack: LayerStack):
    """The sizes of the neuron layers, their node offsets and each layer's ``(rows, cols)``.

    Returns ``(sizes, offsets, links)``: ``sizes`` of the ``n_layers + 1`` neuron layers,
    ``offsets`` (``n_layers + 2`` cumulative node counts, 0 first) and per sparse layer its
    link arrays in CSR order (int64).

    >>> import numpy as np
    >>> from chgraph.io import LayerStack
    >>> sizes, offsets, links = chain_arrays(LayerStack([np.eye(2)], ["fc"], [None]))
    >>> sizes, offsets.tolist(), [(r.tolist(), c.tolist()) for r, c in links]
    ([2, 2], [0, 2, 4], [([0, 1], [0, 1])])
    """
    sizes = stack.sizes()
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    links = []
    for layer in stack.layers:
        links.append(layer.links())
    return sizes, offsets, links


def graph_list(value, what: str):
    """A list stored as a graph attribute: a list, or a JSON string (GraphML, GML).

    >>> graph_list('["fc1", "fc2"]', "names"), graph_list(None, "names")
    (['fc1', 'fc2'], None)
    """
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


def edge_weights(edge_data, what: str):
    """The ``weight`` attributes of some edges as float64, None if none has one.

    Either every edge of a layer has a weight or none has: a mix is a ``ValueError``.

    >>> edge_weights([{"weight": 0.5}, {"weight": 2}], "g").tolist(), edge_weights([{}], "g")
    ([0.5, 2.0], None)
    """
    has = [("weight" in d) for d in edge_data]
    if not any(has):
        return None
    if not all(has):
        raise ValueError(f"{what}: some edges of a layer have a 'weight' and others not")
    return np.array([d["weight"] for d in edge_data], dtype=np.float64)


def stack_from_nodes(layer_of, index_of, edges, edge_data, graph_attrs, what: str):
    """Group the nodes of a multipartite graph into sparse layers (shared by nx and igraph).

    ``graph_attrs`` may give ``layer_sizes`` and ``names`` and, per layer, ``weighted`` (so
    that a weighted layer without links keeps an empty weight vector). ``layer_of`` and
    ``index_of`` map each node to its neuron layer and its index there (``index_of`` None:
    graph order); ``edge_data`` (or None) holds one attribute dict per edge.

    >>> stack = stack_from_nodes({"a": 0, "b": 1, "c": 1}, None, [("a", "c")], None, {}, "g")
    >>> stack.names, stack.layers[0].to_dense().tolist()
    (['layer0'], [[0, 1]])
    """
    sizes = graph_list(graph_attrs.get("layer_sizes"), "layer_sizes")
    names = graph_list(graph_attrs.get("names"), "names")
    weighted = graph_list(graph_attrs.get("weighted"), "weighted")
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
        w = None if edge_data is None else edge_weights([edge_data[k] for k in ks], what)
        if w is None and not ks and weighted is not None and weighted[l]:
            w = np.zeros(0, np.float32)
        layer, w = layer_from_pairs(rows, cols, (sizes[l], sizes[l + 1]), w, what)
        layers.append(layer)
        aligned.append(w)
    return LayerStack(layers, [str(x) for x in names], aligned)


def node_int(value, node, what: str) -> int:
    """The integer node attribute ``what`` (``layer`` or ``index``) of ``node``.

    Integral floats and digit strings (GraphML, GML) are accepted; anything else is a
    ``ValueError`` naming the node.

    >>> node_int("3", "L0:3", "index"), node_int(2.0, "L0:2", "index")
    (3, 2)
    """
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"node {node!r} has a non-integer {what!r}: {value!r}") from None
    if out != value and not (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        raise ValueError(f"node {node!r} has a non-integer {what!r}: {value!r}")
    return out
