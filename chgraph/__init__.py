"""chgraph: a graph engine for Cannistraci-Hebb link prediction on sparse layers and networks.

A sparse layer is a bipartite graph on CSR (:class:`BipartiteLayer`); an ordinary network is a
:class:`Graph`. :func:`link_scores` computes exact Cannistraci-Hebb scores (CH3-L3 and its
family) with Numba kernels; :func:`top_k_links` and :func:`sample_links` select candidate links
without a dense score matrix; :func:`predict_links` is the networkx-style interface.
:mod:`chgraph.evolution` evolves the topology of a chain of sparse layers (CH-SNN / CHT:
initial topologies, SSWI, LRS removal, percolation, CH3-L3 regrowth, the schedule);
:func:`evolve` and :class:`EvolutionSchedule` are re-exported here.
:mod:`chgraph.analysis` measures layers, chains and graphs (degrees and power-law fits,
clustering, communities, path lengths, small worlds, turnover, hyperbolic embedding, summaries).

chgraph never imports torch.
"""

from . import analysis, evolution
from .evolution import EvolutionResult, EvolutionSchedule, evolve
from .graph import BipartiteLayer, Graph, as_graph, as_layer
from .linkpred import (
    PREDICTORS,
    LinkPredictor,
    available_predictors,
    link_scores,
    predict_links,
    sample_links,
    top_k_links,
)

__all__ = [
    "BipartiteLayer",
    "Graph",
    "as_layer",
    "as_graph",
    "PREDICTORS",
    "LinkPredictor",
    "available_predictors",
    "link_scores",
    "top_k_links",
    "sample_links",
    "predict_links",
    "evolution",
    "analysis",
    "evolve",
    "EvolutionSchedule",
    "EvolutionResult",
]
__version__ = "0.1.0"

# network-science toolkit: file formats (chgraph.io) and link-prediction evaluation
from . import evaluation, io  # noqa: E402
from .evaluation import evaluate  # noqa: E402
from .io import LayerStack, load_layers, read_graph, save_layers, write_graph  # noqa: E402

__all__ += ["io", "evaluation", "evaluate", "LayerStack", "load_layers", "save_layers",
            "read_graph", "write_graph"]
