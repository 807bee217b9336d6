"""Reading and writing sparse layers and graphs: networkx, igraph, scipy, GraphML, GML, text
edge lists and the ``.npz`` layers format.

Node naming (stable, GraphML-safe): neuron ``index`` of neuron layer ``layer`` is the string
``"L{layer}:{index}"`` (:func:`node_name`); neuron layer 0 is the input of the first sparse
layer, and sparse layer ``i`` joins neuron layers ``i`` and ``i + 1``. Nodes carry the
attributes ``layer``, ``index`` and ``bipartite`` (``layer % 2``; igraph: bool ``type``), edges
``weight`` when weights are given. Weights are float32 everywhere, aligned with the canonical CSR
of each layer (``layer.csr.indices``); dense ``n_in x n_out`` arrays are accepted on input
(transpose torch's ``(out, in)`` weights).

Readers return a :class:`LayerStack` (``.names``, ``.layers``, ``.weights``); the dispatcher
:func:`read_graph` returns a :class:`chgraph.Graph` for unipartite content. Every writer is
atomic (temporary file + :func:`os.replace`); every reader raises a one-line ``ValueError``
naming the file for bad content.

Examples
--------
>>> import numpy as np
>>> from chgraph import io
>>> G = io.to_networkx([np.eye(2), np.ones((2, 1))], names=["fc1", "fc2"])
>>> sorted(G.nodes)
['L0:0', 'L0:1', 'L1:0', 'L1:1', 'L2:0']
>>> io.from_networkx(G).layers
[BipartiteLayer(n_in=2, n_out=2, n_links=2), BipartiteLayer(n_in=2, n_out=1, n_links=2)]
"""

from ._atomic import atomic_path, atomic_write
from ._stack import LayerStack, node_name, parse_node_name
from .edgelist import read_edgelist, write_edgelist
from .files import (
    EXTENSIONS,
    read_gml,
    read_graph,
    read_graphml,
    write_gml,
    write_graph,
    write_graphml,
)
from .igraph_io import from_igraph, to_igraph
from .networkx_io import from_networkx, to_networkx
from .npz import FORMAT_TAG, FORMAT_VERSION, load_layers, save_layers
from .scipy_io import from_scipy, to_scipy

__all__ = [
    "atomic_path",
    "atomic_write",
    "LayerStack",
    "node_name",
    "parse_node_name",
    "to_networkx",
    "from_networkx",
    "to_igraph",
    "from_igraph",
    "to_scipy",
    "from_scipy",
    "write_graphml",
    "read_graphml",
    "write_gml",
    "read_gml",
    "write_edgelist",
    "read_edgelist",
    "save_layers",
    "load_layers",
    "read_graph",
    "write_graph",
    "EXTENSIONS",
    "FORMAT_TAG",
    "FORMAT_VERSION",
]
