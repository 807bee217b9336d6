"""Weighted edge lists as text: one link per line, a header comment per layer giving its shape.

Format (0-based indices; weights written with 9 significant digits, exact for float32)::

    # chgraph edge list 1
    # layer 3 4 "fc1" weighted
    0 1 0.5
    2 3 -1.25
    # layer 4 2 "fc2"
    ...

A ``# layer <n_in> <n_out> <name as a JSON string> [weighted]`` line starts each layer; its
lines are ``<input> <output>``, or ``<input> <output> <weight>`` in a ``weighted`` layer. A
unipartite graph has one ``# graph <n_nodes>`` section of ``<u> <v>`` lines. Fields are
separated by spaces (tabs for ``.tsv`` files); any whitespace is read.

A file without the ``# chgraph edge list`` first line is read as a plain unipartite edge list
(``u v`` per line, ``#`` comments; node labels are integers when all of them are). Its fields
are separated by any whitespace, or by ``delimiter`` (a tab by default for ``.tsv`` files), so
that node names may contain spaces; a line with more than two fields is refused unless
``extra="ignore"`` says that the rest of the line (a weight, a timestamp) is to be dropped.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..graph import Graph, is_networkx_graph
from ._atomic import atomic_write
from ._stack import LayerStack, as_layer_stack, layer_from_pairs
from .errors import reading

__all__ = ["write_edgelist", "read_edgelist"]

MAGIC = "# chgraph edge list 1"


def write_edgelist(path, layers, weights=None, names=None, *, delimiter: str | None = None):
    """Write layers, or a unipartite graph, as a text edge list (atomically).

    Parameters
    ----------
    path : str or os.PathLike
    layers : BipartiteLayer, list of layers, LayerStack, chgraph.Graph or networkx graph
        A Graph or networkx graph is written as one ``# graph`` section (its labels are not
        kept: nodes are numbered in node order).
    weights, names
        As in :func:`chgraph.io.to_networkx` (layers only).
    delimiter : str, optional
        Field separator; default a tab for ``.tsv`` files, else a space.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "layer.edgelist")
    >>> write_edgelist(path, np.array([[1, 0], [1, 1]]), weights=[0.5, 1.0, -2.0], names="fc1")
    >>> print(open(path).read(), end="")
    # chgraph edge list 1
    # layer 2 2 "fc1" weighted
    0 0 0.5
    1 0 1
    1 1 -2
    >>> read_edgelist(path).weights[0].tolist()
    [0.5, 1.0, -2.0]
    """
    if delimiter is None:
        delimiter = "\t" if os.fspath(path).lower().endswith(".tsv") else " "
    if isinstance(layers, Graph) or is_networkx_graph(layers) and not _looks_layered(layers):
        graph = layers if isinstance(layers, Graph) else Graph.from_networkx(layers)
        coo = graph.csr.tocoo()
        upper = coo.row < coo.col
        sections = [(f"# graph {graph.n_nodes}", coo.row[upper], coo.col[upper], None)]
    else:
        if is_networkx_graph(layers):
            from .networkx_io import from_networkx

            layers = from_networkx(layers)
        stack = as_layer_stack(layers, weights, names)
        sections = []
        for layer, name, w in zip(stack.layers, stack.names, stack.weights, strict=True):
            rows, cols = layer.links()
            header = f"# layer {layer.shape[0]} {layer.shape[1]} {json.dumps(name)}"
            header += "" if w is None else " weighted"
            sections.append((header, rows, cols, w))
    with atomic_write(path, "w") as f:
        f.write(MAGIC + "\n")
        for header, rows, cols, w in sections:
            f.write(header + "\n")
            if rows.size == 0:
                continue
            if w is None:
                np.savetxt(f, np.stack([rows, cols], axis=1), fmt="%d", delimiter=delimiter)
            else:
                table = np.empty((rows.size, 3), dtype=object)
                table[:, 0], table[:, 1], table[:, 2] = rows, cols, w.astype(np.float64)
                np.savetxt(f, table, fmt=("%d", "%d", "%.9g"), delimiter=delimiter)


def _looks_layered(G) -> bool:
    return G.number_of_nodes() > 0 and all(
        "layer" in d or "bipartite" in d for _, d in G.nodes(data=True)
    )


def read_edgelist(path, *, delimiter: str | None = None, extra: str = "refuse"):
    """Read a text edge list: a :class:`LayerStack` for a chgraph layer file, else a Graph.

    Parameters
    ----------
    path : str or os.PathLike
    delimiter : str, optional
        The field separator. Default: a tab for ``.tsv`` files, else any run of whitespace.
        With a delimiter, fields are stripped of surrounding whitespace and node names may
        hold spaces.
    extra : {"refuse", "ignore"}
        What to do with a line of a plain edge list that has more than the two fields
        ``u v``: refuse it (default: a different delimiter was probably meant, or the file
        holds weights this graph cannot keep), or drop the fields after the second.

    Raises ``ValueError`` naming the file, the line and the problem for malformed files.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "g.txt")
    >>> _ = open(path, "w").write("# a triangle\\n1 2\\n2 3\\n3 1\\n")
    >>> g = read_edgelist(path)
    >>> g.n_nodes, g.n_links, g.labels
    (3, 3, [1, 2, 3])
    >>> _ = open(path, "w").write("new york\\tboston\\nboston\\tlos angeles\\n")
    >>> read_edgelist(path, delimiter="\\t").labels
    ['new york', 'boston', 'los angeles']
    >>> read_edgelist(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: ...g.txt...line 1: 3 fields ('new', 'york', 'boston') where 'u v' was expected; ...
    """
    if extra not in ("refuse", "ignore"):
        raise ValueError(f"extra must be 'refuse' or 'ignore', got {extra!r}")
    if delimiter == "":
        raise ValueError("delimiter must not be empty (None splits on whitespace)")
    name = os.fspath(path)
    if delimiter is None and name.lower().endswith(".tsv"):
        delimiter = "\t"
    with reading(name, "edge list"):
        with open(name, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if lines and lines[0].strip() == MAGIC:
            return _read_sections(lines)
        return _read_plain(lines, delimiter, extra)


def _read_sections(lines: list[str]):
    sections = []  # (kind, line number, header fields, data lines)
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            fields = line[1:].split(maxsplit=3)
            if fields[:1] in (["layer"], ["graph"]):
                sections.append((fields[0], number, fields[1:], []))
            continue
        if not sections:
            raise ValueError(f"line {number}: an edge before any '# layer' or '# graph' header")
        sections[-1][3].append((number, line))
    kinds = {s[0] for s in sections}
    if kinds == {"graph"} and len(sections) == 1:
        _, number, fields, data = sections[0]
        n = _count(fields[:1], number, 1)[0]
        rows, cols, _ = _parse_edges(data, (n, n))
        return Graph.from_edges(np.stack([rows, cols], axis=1), n_nodes=n)
    if "graph" in kinds:
        raise ValueError("a '# graph' section must be the only section of the file")
    layers, names, weights = [], [], []
    for _, number, fields, data in sections:
        if len(fields) != 3:
            raise ValueError(f"line {number}: expected '# layer <n_in> <n_out> <name>'")
        shape = tuple(_count(fields[:2], number, 2))
        try:
            layer_name, end = json.JSONDecoder().raw_decode(fields[2])
        except json.JSONDecodeError:
            layer_name, end = None, 0
        flag = fields[2][end:].strip()
        if not isinstance(layer_name, str) or flag not in ("", "weighted"):
            raise ValueError(f"line {number}: expected '# layer <n_in> <n_out> <name as a JSON "
                             "string> [weighted]'")
        rows, cols, w = _parse_edges(data, shape)
        if w is None and flag and not data:
            w = np.zeros(0, np.float32)
        layer, w = layer_from_pairs(rows, cols, shape, w, f"layer {layer_name!r}")
        layers.append(layer)
        names.append(layer_name)
        weights.append(w)
    return LayerStack(layers, names, weights)


def _count(fields, number: int, n: int) -> list[int]:
    if len(fields) != n or not all(x.isdigit() for x in fields):
        raise ValueError(f"line {number}: expected {n} non-negative integer size(s)")
    return [int(x) for x in fields]


def _parse_edges(data, shape):
    if not data:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), None
    width = len(data[0][1].split())
    if width not in (2, 3):
        raise ValueError(f"line {data[0][0]}: expected 'u v' or 'u v weight'")
    table = []
    for number, line in data:
        fields = line.split()
        if len(fields) != width:
            raise ValueError(f"line {number}: {len(fields)} fields where the section has {width}")
        table.append(fields)
    table = np.array(table)
    try:
        ends = table[:, :2].astype(np.int64)
    except ValueError:
        raise ValueError("a node index is not an integer") from None
    bad = (ends < 0) | (ends >= np.array(shape))
    if bad.any():
        number = data[int(np.flatnonzero(bad.any(axis=1))[0])][0]
        raise ValueError(f"line {number}: a node index is outside the shape {tuple(shape)}")
    weights = None
    if width == 3:
        try:
            weights = table[:, 2].astype(np.float32)
        except ValueError:
            raise ValueError("a weight is not a number") from None
    return ends[:, 0], ends[:, 1], weights


def _fields(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [field.strip() for field in line.split(delimiter)]


def _read_plain(lines: list[str], delimiter: str | None = None,
                extra: str = "refuse") -> Graph:
    import networkx as nx

    pairs = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = _fields(line, delimiter)
        if len(fields) < 2 or not all(fields[:2]):
            raise ValueError(f"line {number}: expected 'u v', got {raw.strip()!r}")
        if len(fields) > 2 and extra == "refuse":
            how = ("a tab" if delimiter == "\t" else repr(delimiter)) if delimiter else \
                "whitespace"
            raise ValueError(
                f"line {number}: {len(fields)} fields {tuple(fields)} where 'u v' was expected; "
                "give the delimiter that separates the two nodes (for tabs delimiter='\\t', "
                "--delimiter tab) or extra='ignore' (--extra-fields ignore) to drop the fields "
                "after the second"
                + ("" if delimiter is None else f" (split on {how})"))
        pairs.append(fields[:2])
    tokens = [t for pair in pairs for t in pair]
    if all(t.lstrip("-").isdigit() for t in tokens):
        pairs = [(int(u), int(v)) for u, v in pairs]
    G = nx.Graph()
    G.add_edges_from(pairs)
    return Graph.from_networkx(G)
