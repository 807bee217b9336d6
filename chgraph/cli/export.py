"""``chgraph export SRC DST``: convert layers or a graph between file formats.

The formats follow the extensions of :data:`chgraph.io.EXTENSIONS`: ``.npz`` (layers only),
``.graphml``, ``.gml`` and text edge lists (``.edgelist``, ``.edges``, ``.txt``, ``.tsv``).
A run directory of ``chsnn train`` as SRC means its ``topology.npz``. ``--no-weights`` drops
the layers' weights. Writing is atomic (:func:`chgraph.io.write_graph`). What a format cannot
hold is said in ``note:`` lines: a graph's node names in an edge list (which numbers the
nodes), node and edge attributes of a GraphML / GML source beyond the layers and weights.

Usage::

    chgraph export runs/mnist-chsnn topology.graphml
    chgraph export topology.npz topology.edgelist --no-weights
"""

from __future__ import annotations

import argparse
import os
import re

from ._common import add_edgelist_options, check_output, read_input

__all__ = ["add_parser", "run", "dropped"]


def add_parser(commands):
    p = commands.add_parser(
        "export", help="convert between npz, GraphML, GML and edge lists",
        description="Convert layers or a graph between file formats, chosen by extension "
        "(.npz, .graphml, .gml, .edgelist/.edges/.txt/.tsv).",
    )
    p.add_argument("src", metavar="SRC", help="graph file or chsnn run directory")
    p.add_argument("dst", metavar="DST", help="the file to write")
    p.add_argument("--weights", action=argparse.BooleanOptionalAction, default=True,
                   help="keep the layers' weights (default: --weights)")
    add_edgelist_options(p)
    return p


def run(args) -> int:
    from ..io import EXTENSIONS, LayerStack, write_graph

    dst = check_output(args.dst, EXTENSIONS, "graph file")
    source, obj = read_input(args.src, args)
    if isinstance(obj, LayerStack):
        if not args.weights:
            obj = LayerStack(obj.layers, obj.names, [None] * len(obj))
        weighted = sum(w is not None for w in obj.weights)
        what = (f"{len(obj)} layer(s) ({', '.join(obj.names)}), "
                f"{sum(layer.n_links for layer in obj.layers)} links, "
                f"{weighted} with weights")
    else:
        what = f"a graph of {obj.n_nodes} nodes and {obj.n_links} links"
    write_graph(obj, dst)
    print(f"wrote {dst}: {what} from {source}")
    for note in dropped(source, obj, dst):
        print(f"note: {note}")
    return 0


#: attributes that chgraph reads back from GraphML / GML layers (see chgraph.io.to_networkx)
KEPT = {"layer", "index", "bipartite", "weight", "weighted", "names", "layer_sizes"}


def dropped(source: str, obj, dst: str) -> list[str]:
    """What the export leaves out, in words: node names of a graph written as an edge list
    (it numbers the nodes), and the attributes of a GraphML / GML source that chgraph does not
    keep (everything but the layer structure and the weights).

    >>> from chgraph import Graph
    >>> dropped("g.txt", Graph.from_edges([(0, 1)]), "h.edgelist")
    []
    """
    from ..graph import Graph

    notes = []
    if isinstance(obj, Graph) and os.path.splitext(dst)[1].lower() in EDGELIST_SUFFIXES:
        labels = obj.labels
        if labels is not None and list(labels) != list(range(obj.n_nodes)):
            notes.append(f"{dst} numbers the nodes 0 .. {obj.n_nodes - 1} in node order: "
                         "their names are not kept (write .graphml or .gml to keep them)")
    attributes = _attribute_names(source)
    lost = sorted(attributes if isinstance(obj, Graph) else attributes - KEPT)
    if lost:
        notes.append(f"the attributes {', '.join(lost)} of {source} are not carried over "
                     "(chgraph keeps the links, the node names and the layers' weights)")
    return notes


EDGELIST_SUFFIXES = (".edgelist", ".edges", ".txt", ".tsv")


def _attribute_names(source: str) -> set[str]:
    """Node, edge and graph attribute names declared by a GraphML or GML file (else none)."""
    ext = os.path.splitext(source)[1].lower()
    if ext == ".graphml":  # keys are declared before the graph: the head of the file suffices
        with open(source, encoding="utf-8", errors="replace") as f:
            head = f.read(1 << 20)
        head = re.split(r"<graph[\s>]", head, maxsplit=1)[0]
        return set(re.findall(r"<key\b[^>]*\battr\.name=\"([^\"]*)\"", head))
    if ext == ".gml":
        import networkx as nx

        G = nx.read_gml(source)
        names = {k for _, d in G.nodes(data=True) for k in d}
        names |= {k for *_, d in G.edges(data=True) for k in d}
        return names | set(G.graph)
    return set()
