"""Link-prediction evaluation of any predictor of the registry on any graph.

Repeated, seeded hold-out of links (:func:`holdout_split`), candidate pairs with optional
negative sampling (:func:`candidate_pairs`), tie-aware ranking metrics (:func:`precision_at_k`,
:func:`average_precision`, :func:`auroc`, :func:`ndcg`), the evaluation loop
(:func:`evaluate`), ready comparisons (:func:`compare_bipartite`, :func:`compare_unipartite`)
and a plain-text table (:func:`format_table`).

Method names are those of :mod:`chgraph.linkpred.registry` for the kind of graph, plus the
networkx baselines of :data:`NETWORKX_BASELINES` and ``"random"``.

Examples
--------
>>> import networkx as nx
>>> from chgraph.evaluation import evaluate
>>> result = evaluate(nx.karate_club_graph(), ["CH3-L3", "nx.jaccard_coefficient"],
...                   n_repeats=2, seed=0)
>>> result.best("auroc")
'CH3-L3'
>>> print(result.table())  # doctest: +ELLIPSIS
method                  n_repeats  precision_mean  ...
----------------------  ---------  --------------  ...
CH3-L3                          2  ...
nx.jaccard_coefficient          2  ...
"""

from .evaluate import (
    BIPARTITE_METHODS,
    DEFAULT_METHODS,
    METRICS,
    UNIPARTITE_METHODS,
    EvaluationResult,
    compare_bipartite,
    compare_unipartite,
    evaluate,
)
from .holdout import HoldoutSplit, as_graph_input, candidate_pairs, holdout_split
from .metrics import auroc, average_precision, ndcg, precision_at_k
from .scorers import NETWORKX_BASELINES, RANDOM, available_scorers, check_methods, score_pairs
from .table import format_table

__all__ = [
    "evaluate",
    "EvaluationResult",
    "compare_bipartite",
    "compare_unipartite",
    "holdout_split",
    "HoldoutSplit",
    "candidate_pairs",
    "as_graph_input",
    "precision_at_k",
    "average_precision",
    "auroc",
    "ndcg",
    "score_pairs",
    "available_scorers",
    "check_methods",
    "format_table",
    "METRICS",
    "DEFAULT_METHODS",
    "BIPARTITE_METHODS",
    "UNIPARTITE_METHODS",
    "NETWORKX_BASELINES",
    "RANDOM",
]
