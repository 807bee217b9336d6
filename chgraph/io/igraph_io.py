"""Conversions of layers to and from igraph graphs."""

from __future__ import annotations

import numpy as np

from ..graph import BipartiteLayer, is_igraph_graph
from ._multipartite import chain_arrays, graph_list, node_int, stack_from_nodes
from ._stack import LayerStack, as_layer_stack, layer_from_pairs, node_name

__all__ = ["to_igraph", "from_igraph"]


def to_igraph(layer_or_layers, weights=None, names=None):
    """A layer, or a chain of layers, as an igraph graph.

    Vertices are numbered layer by layer (inputs first); attributes ``name``
    (``"L{layer}:{index}"``), ``type`` (bool, ``layer % 2 == 1``: False = input side, igraph's
    bipartite convention), ``layer`` and ``index``; edges ``weight`` where weights are given;
    graph attributes ``names``, ``layer_sizes`` and ``weighted``. Parameters as in
    :func:`to_networkx`.

    Examples
    --------
    >>> import numpy as np
    >>> g = to_igraph(np.array([[1, 1], [0, 1]]), weights=[0.5, -1.0, 2.0])
    >>> g.vs["type"], g.es["weight"]
    ([False, False, True, True], [0.5, -1.0, 2.0])
    """
    ig = _igraph()
    stack = as_layer_stack(layer_or_layers, weights, names)
    sizes, offsets, links = chain_arrays(stack)
    layer_ids = np.repeat(np.arange(len(sizes)), sizes)
    index = np.concatenate([np.arange(s) for s in sizes]) if sizes else np.zeros(0, np.int64)
    edges = [np.stack([rows + offsets[l], cols + offsets[l + 1]], axis=1)
             for l, (rows, cols) in enumerate(links)]
    edges = np.concatenate(edges) if edges else np.zeros((0, 2), np.int64)
    g = ig.Graph(n=int(offsets[-1]), edges=edges.tolist())
    pairs = zip(layer_ids.tolist(), index.tolist(), strict=True)
    g.vs["name"] = [node_name(a, b) for a, b in pairs]
    g.vs["type"] = [bool(a % 2) for a in layer_ids.tolist()]
    g.vs["layer"] = layer_ids.tolist()
    g.vs["index"] = index.tolist()
    if stack.has_weights:  # None on the edges of layers without weights
        g.es["weight"] = [
            x for layer, w in zip(stack.layers, stack.weights, strict=True)
            for x in ([None] * layer.n_links if w is None else w.tolist())
        ]
    g["names"] = list(stack.names)
    g["layer_sizes"] = list(sizes)
    g["weighted"] = [w is not None for w in stack.weights]
    return g


def _igraph():
    try:
        import igraph
    except ImportError:  # pragma: no cover - igraph is an optional dependency
        raise ImportError("igraph is needed here: pip install igraph") from None
    return igraph


def from_igraph(g, types: str = "type") -> LayerStack:
    """Layers from an igraph graph: the inverse of :func:`to_igraph`.

    Vertices with a ``layer`` attribute are read as a chain (ordered by ``index`` if present);
    otherwise the bipartite ``types`` attribute (False = input) gives one layer. Edge
    ``weight`` attributes become float32 weights.

    Examples
    --------
    >>> import numpy as np
    >>> from_igraph(to_igraph(np.eye(2), names="fc1")).layers[0].to_dense().tolist()
    [[1, 0], [0, 1]]
    """
    if not is_igraph_graph(g):
        raise TypeError(f"expected an igraph Graph, got {type(g).__name__}")
    v_attrs, g_attrs = g.vs.attributes(), g.attributes()
    edges = g.get_edgelist()
    edge_data = None
    if "weight" in g.es.attributes():
        edge_data = [{} if w is None else {"weight": w} for w in g.es["weight"]]
    graph_attrs = {key: g[key] for key in g_attrs}
    names = graph_list(graph_attrs.get("names"), "names")
    if "layer" in v_attrs or "layer_sizes" in g_attrs:
        layers = g.vs["layer"] if "layer" in v_attrs else []
        layer_of = {v: node_int(x, v, "layer") for v, x in enumerate(layers)}
        index_of = None
        if "index" in v_attrs:
            index_of = {v: node_int(x, v, "index") for v, x in enumerate(g.vs["index"])}
        return stack_from_nodes(layer_of, index_of, edges, edge_data, graph_attrs,
                                 "the igraph graph")
    layer = BipartiteLayer.from_igraph(g, types=types)
    names = (names or ["layer0"])[:1]
    if edge_data is None:
        return LayerStack([layer], names, [None])
    kind = [bool(t) for t in g.vs[types]]
    r_index = {v: i for i, v in enumerate(v for v in range(g.vcount()) if not kind[v])}
    c_index = {v: i for i, v in enumerate(v for v in range(g.vcount()) if kind[v])}
    rows, cols = [], []
    for u, v in edges:
        if kind[u]:
            u, v = v, u
        rows.append(r_index[u])
        cols.append(c_index[v])
    if not all(edge_data):
        raise ValueError("the igraph graph: some edges have a weight and others not")
    w = [d["weight"] for d in edge_data]
    _, aligned = layer_from_pairs(rows, cols, layer.shape, w, "the igraph graph")
    return LayerStack([layer], names, [aligned])
