"""Helpers shared by the unipartite tests (test_scores_unipartite.py,
test_selection_unipartite.py): a scorer for a chosen kernel and random test graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np

from chgraph import Graph
from chgraph.linkpred.registry import get_predictor
from chgraph.linkpred.scores import INTERNAL_DEGREE, UnipartiteScorer


def scorer(A, method, rule="path", strategy="auto"):
    return UnipartiteScorer(Graph(A), get_predictor(method, False), INTERNAL_DEGREE[rule],
                            strategy)


def random_graph(kind, n, seed):
    if kind == "er":
        G = nx.gnp_random_graph(n, 8 / n, seed=seed)
    elif kind == "ba":
        G = nx.barabasi_albert_graph(n, 3, seed=seed)
    else:  # clustered: many triangles, so many common neighbours of the seeds
        G = nx.powerlaw_cluster_graph(n, 3, 0.8, seed=seed)
    return nx.to_numpy_array(G, nodelist=range(n), dtype=np.int8)
