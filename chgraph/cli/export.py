"""``chgraph export SRC DST``: convert layers or a graph between file formats.

The formats follow the extensions of :data:`chgraph.io.EXTENSIONS`: ``.npz`` (layers only),
``.graphml``, ``.gml`` and text edge lists (``.edgelist``, ``.edges``, ``.txt``, ``.tsv``).
A run directory of ``chsnn train`` as SRC means its ``topology.npz``. ``--no-weights`` drops
the layers' weights. Writing is atomic (:func:`chgraph.io.write_graph`).

Usage::

    chgraph export runs/mnist-chsnn topology.graphml
    chgraph export topology.npz topology.edgelist --no-weights
"""

from __future__ import annotations

import argparse

from ._common import add_edgelist_options, check_output, read_input

__all__ = ["add_parser", "run"]


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
    return 0
