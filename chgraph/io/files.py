"""GraphML and GML files (through networkx) and the extension-based dispatcher."""

from __future__ import annotations

import json
import os

from ..graph import Graph, is_networkx_graph
from ._atomic import atomic_write
from ._stack import LayerStack
from .edgelist import read_edgelist, write_edgelist
from .errors import reading
from .networkx_io import from_networkx, to_networkx
from .npz import load_layers, save_layers

__all__ = ["write_graphml", "read_graphml", "write_gml", "read_gml", "read_graph",
           "write_graph", "EXTENSIONS"]

#: File extensions understood by :func:`read_graph` and :func:`write_graph`.
EXTENSIONS = {
    ".npz": "npz",
    ".graphml": "graphml",
    ".gml": "gml",
    ".edgelist": "edgelist",
    ".edges": "edgelist",
    ".txt": "edgelist",
    ".tsv": "edgelist",
}


def _file_ready(G):
    """A copy of ``G`` whose list-valued graph attributes are JSON strings (GraphML, GML)."""
    G = G.copy()
    for key, value in list(G.graph.items()):
        if isinstance(value, (list, tuple)):
            G.graph[key] = json.dumps(list(value))
    return G


def _as_networkx(obj, weights=None, names=None):
    """Layers as their multipartite networkx graph; a Graph or networkx graph as itself."""
    if is_networkx_graph(obj):
        return obj
    if isinstance(obj, Graph):
        import networkx as nx

        G = nx.Graph()
        labels = obj.labels if obj.labels is not None else range(obj.n_nodes)
        labels = list(labels)
        G.add_nodes_from(labels)
        coo = obj.csr.tocoo()
        pairs = zip(coo.row.tolist(), coo.col.tolist(), strict=True)
        G.add_edges_from((labels[u], labels[v]) for u, v in pairs if u < v)
        return G
    return to_networkx(obj, weights, names)


def write_graphml(path, layers, weights=None, names=None) -> None:
    """Write layers (or a Graph / networkx graph) as GraphML, atomically.

    The graph is :func:`chgraph.io.to_networkx`'s: nodes ``"L{layer}:{index}"`` with
    ``layer``, ``index`` and ``bipartite`` attributes, edges with ``weight`` when given; the
    graph attributes ``names`` and ``layer_sizes`` are stored as JSON strings.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "net.graphml")
    >>> write_graphml(path, [np.eye(2), np.ones((2, 3))], names=["fc1", "fc2"])
    >>> stack = read_graphml(path)
    >>> stack.names, [layer.n_links for layer in stack.layers]
    (['fc1', 'fc2'], [2, 6])
    """
    import networkx as nx

    G = _file_ready(_as_networkx(layers, weights, names))
    with atomic_write(path, "wb") as f:
        nx.write_graphml(G, f)


def read_graphml(path) -> LayerStack:
    """Read layers from a GraphML file (see :func:`chgraph.io.from_networkx` for the rules).

    Raises ``ValueError`` naming the file for unreadable files and for graphs that are not
    layered (use :func:`read_graph` for any graph).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.graphml")
    ...     write_graphml(path, [np.array([[1, 0], [1, 1]])], names=["fc1"])
    ...     stack = read_graphml(path)
    >>> stack.names, stack.layers
    (['fc1'], [BipartiteLayer(n_in=2, n_out=2, n_links=3)])
    """
    import networkx as nx

    name = os.fspath(path)
    with reading(name, "GraphML"):
        return from_networkx(nx.read_graphml(name))


def write_gml(path, layers, weights=None, names=None) -> None:
    """Write layers (or a Graph / networkx graph) as GML, atomically; as :func:`write_graphml`.

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "net.gml")
    >>> write_gml(path, np.eye(2), weights=np.diag([0.25, 4.0]))
    >>> read_gml(path).weights[0].tolist()
    [0.25, 4.0]
    """
    import networkx as nx

    G = _file_ready(_as_networkx(layers, weights, names))
    with atomic_write(path, "wb") as f:
        nx.write_gml(G, f)


def read_gml(path) -> LayerStack:
    """Read layers from a GML file written by :func:`write_gml`.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.gml")
    ...     write_gml(path, [np.ones((2, 2)), np.array([[1], [0]])])
    ...     stack = read_gml(path)
    ...     with open(path, "w") as f:
    ...         _ = f.write("graph [ node [ id 0 ]")  # truncated
    ...     read_gml(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...net.gml: not a readable GML file (NetworkXError: ...)
    >>> [layer.n_links for layer in stack.layers]
    [4, 1]
    """
    import networkx as nx

    name = os.fspath(path)
    with reading(name, "GML"):
        return from_networkx(nx.read_gml(name))


def _format_of(path) -> str:
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in EXTENSIONS:
        raise ValueError(
            f"unsupported graph file extension {ext or '(none)'!r} of {os.fspath(path)}; "
            f"supported: {', '.join(EXTENSIONS)}"
        )
    return EXTENSIONS[ext]


def _is_layered(G) -> bool:
    nodes = G.nodes(data=True)
    if "layer_sizes" in G.graph:
        return True
    return G.number_of_nodes() > 0 and (
        all("layer" in d for _, d in nodes) or all("bipartite" in d for _, d in nodes)
    )


def read_graph(path, kind: str = "auto", *, delimiter: str | None = None,
               extra: str = "refuse"):
    """Read a graph file, choosing the reader by extension.

    Parameters
    ----------
    path : str or os.PathLike
        ``.npz`` (:func:`load_layers`), ``.graphml``, ``.gml``, or an edge list
        (``.edgelist``, ``.edges``, ``.txt``, ``.tsv``; :func:`read_edgelist`).
    kind : {"auto", "layers", "graph"}
        ``"auto"``: a :class:`LayerStack` for layered content (an ``.npz``, a chgraph edge
        list, GraphML/GML nodes with ``layer`` or ``bipartite`` attributes), else a
        :class:`chgraph.Graph`. ``"layers"`` requires layers; ``"graph"`` always returns a
        Graph (layers as their multipartite graph, node labels ``"L{layer}:{index}"``).
    delimiter, extra
        How a plain edge list splits its lines (see :func:`read_edgelist`); other formats
        ignore them.

    Raises
    ------
    ValueError
        One line naming the file: unsupported extension, unreadable or corrupt content.
    OSError
        Missing file, a directory, no permission.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> write_graph([np.eye(2)], path)
    >>> read_graph(path).layers
    [BipartiteLayer(n_in=2, n_out=2, n_links=2)]
    >>> read_graph(path, kind="graph")
    Graph(n_nodes=4, n_links=2)
    """
    if kind not in ("auto", "layers", "graph"):
        raise ValueError(f"kind must be 'auto', 'layers' or 'graph', got {kind!r}")
    fmt = _format_of(path)
    name = os.fspath(path)
    if fmt == "npz":
        result = load_layers(name)
    elif fmt == "edgelist":
        result = read_edgelist(name, delimiter=delimiter, extra=extra)
    else:
        import networkx as nx

        with reading(name, fmt.upper() if fmt == "gml" else "GraphML"):
            G = nx.read_graphml(name) if fmt == "graphml" else nx.read_gml(name)
            if kind == "graph" or (kind == "auto" and not _is_layered(G)):
                return Graph.from_networkx(G)
            if not _is_layered(G):
                raise ValueError("holds a unipartite graph, not layers (no node has a 'layer' "
                                 "or 'bipartite' attribute)")
            result = from_networkx(G)
    if kind == "layers" and not isinstance(result, LayerStack):
        raise ValueError(f"{name}: holds a unipartite graph, not layers")
    if kind == "graph" and isinstance(result, LayerStack):
        with reading(name, fmt):
            return Graph.from_networkx(to_networkx(result))
    return result


def write_graph(obj, path, *, weights=None, names=None) -> None:
    """Write layers or a graph to a file, choosing the writer by extension (see
    :func:`read_graph`); always atomically.

    ``obj`` is a BipartiteLayer, a list of layers, a :class:`LayerStack`, a
    :class:`chgraph.Graph` or a networkx graph (``.npz`` holds layers only).

    >>> import os, tempfile
    >>> write_graph([[1, 0]], os.path.join(tempfile.mkdtemp(), "x.json"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unsupported graph file extension '.json' of ...
    """
    fmt = _format_of(path)
    if fmt == "npz":
        if isinstance(obj, Graph) or is_networkx_graph(obj) and not _is_layered(obj):
            raise TypeError("an .npz file holds layers; write a unipartite graph as .graphml, "
                            ".gml or an edge list")
        if is_networkx_graph(obj):
            obj = from_networkx(obj)
        save_layers(path, obj, names=names, weights=weights)
    elif fmt == "edgelist":
        write_edgelist(path, obj, weights, names)
    elif fmt == "graphml":
        write_graphml(path, obj, weights, names)
    else:
        write_gml(path, obj, weights, names)
