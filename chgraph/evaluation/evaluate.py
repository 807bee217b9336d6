"""Repeated hold-out evaluation of link predictors, and ready comparisons."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .. import checks
from .holdout import as_graph_input, candidate_pairs, holdout_split
from .metrics import auroc, average_precision, ndcg, precision_at_k
from .scorers import NETWORKX_BASELINES, check_methods, score_pairs
from .table import format_table

__all__ = ["EvaluationResult", "evaluate", "compare_bipartite", "compare_unipartite",
           "METRICS", "DEFAULT_METHODS", "BIPARTITE_METHODS", "UNIPARTITE_METHODS"]

#: The metrics of every evaluation, by column name (see :mod:`chgraph.evaluation.metrics`).
METRICS = {
    "precision": precision_at_k,  # k = number of held-out links
    "aupr": average_precision,
    "auroc": auroc,
    "ndcg": ndcg,
}
DEFAULT_METHODS = ("CH3-L3", "CH2-L3", "RA-L3", "CN-L3")
#: Significant bits kept of every score before ranking (about 12 decimal digits).
ROUNDING_BITS = 40
#: :func:`compare_bipartite`: the exact path-based L3 scores and the node-based L3n ones.
BIPARTITE_METHODS = ("CH3-L3", "CH2-L3", "RA-L3", "CN-L3", "CH3-L3n", "CH2-L3n", "CH3.1-L3n")
#: :func:`compare_unipartite`: the CH family on L3 and L2 paths and networkx's L2 indices.
UNIPARTITE_METHODS = ("CH3-L3", "CH2-L3", "CH3.1-L3", "RA-L3", "CN-L3", "CH3-L2", "CH2-L2",
                      "RA-L2", "CN-L2") + tuple(NETWORKX_BASELINES)


@dataclass
class EvaluationResult:
    """The outcome of :func:`evaluate`.

    Attributes
    ----------
    rows : list of dict
        One row per (repeat, method): ``method``, ``repeat``, ``seed`` (of the split),
        ``n_test``, ``n_candidates``, the metrics of :data:`METRICS` and ``seconds``.
    summary : list of dict
        One row per method, in the order given: ``method``, ``n_repeats`` and
        ``<metric>_mean`` / ``<metric>_std`` (sample standard deviation; 0 for one repeat).
    settings : dict
        The arguments of the evaluation, and ``negatives_scored``: the non-links scored per
        repeat (all of them when ``n_negatives`` is None or larger than their number).
    """

    rows: list[dict]
    summary: list[dict]
    settings: dict = field(default_factory=dict)

    def table(self, digits: int = 3) -> str:
        """The summary as a plain-text table."""
        return format_table(self.summary, digits=digits)

    def best(self, metric: str = "auroc") -> str:
        """The method with the highest mean of ``metric``."""
        key = f"{metric}_mean"
        if not self.summary or key not in self.summary[0]:
            raise ValueError(f"unknown metric {metric!r}; metrics: {', '.join(METRICS)}")
        return max(self.summary, key=lambda row: row[key])["method"]


def evaluate(graph, methods=DEFAULT_METHODS, fraction: float = 0.1, n_repeats: int = 10,
             seed: int = 0, *, bipartite: bool | None = None, n_negatives: int | None = None,
             keep_nodes: bool = False, internal_degree: str = "path",
             progress=None) -> EvaluationResult:
    """Evaluate link predictors by repeated random hold-out of links.

    Repeat ``r`` holds out ``fraction`` of the links with :func:`holdout_split` and seed
    ``seed + r`` (the same split for every method: paired comparisons), scores the candidate
    pairs of the training graph (:func:`candidate_pairs`: the held-out links and every non-link,
    or a seeded sample of ``n_negatives`` non-links) and ranks them. Scores are rounded to
    :data:`ROUNDING_BITS` significant bits first (:func:`round_scores`), so that ties do not
    hinge on the order of floating-point sums. Metrics: precision at k = number of held-out
    links, AUPR (average precision), AUROC (ties 1/2) and NDCG, all tie-aware.

    Parameters
    ----------
    graph : BipartiteLayer, Graph, networkx or igraph graph, array or sparse matrix
    methods : str or sequence of str
        Names from :func:`chgraph.available_predictors` for the kind of graph, the networkx
        baselines ``nx.resource_allocation_index``, ``nx.jaccard_coefficient``,
        ``nx.adamic_adar_index``, ``nx.preferential_attachment``, and ``random``.
    fraction : float
        Fraction of links held out in each repeat, in (0, 1).
    n_repeats : int
        Number of splits.
    seed : int
        Seed of the first split.
    bipartite : bool, optional
        Read ``graph`` as a layer or a unipartite graph (default: guessed, see
        :func:`chgraph.evaluation.as_graph_input`).
    n_negatives : int, optional
        Sample this many negatives per repeat instead of using all non-links (large graphs).
    keep_nodes : bool
        See :func:`holdout_split`.
    internal_degree : {"path", "community"}
        See :func:`chgraph.link_scores`.
    progress : callable, optional
        Called as ``progress(done, total)`` after each (repeat, method).

    Returns
    -------
    EvaluationResult

    Examples
    --------
    >>> import networkx as nx
    >>> result = evaluate(nx.davis_southern_women_graph(), ["CH3-L3", "random"], n_repeats=2)
    >>> [row["method"] for row in result.summary]
    ['CH3-L3', 'random']
    >>> result.summary[0]["auroc_mean"] > result.summary[1]["auroc_mean"]
    True
    """
    obj, bipartite = as_graph_input(graph, bipartite)
    methods = check_methods(methods, bipartite)
    n_repeats = checks.integer("n_repeats", n_repeats, low=1)
    seed = checks.integer("seed", seed)
    rows = []
    for r in range(int(n_repeats)):
        split = holdout_split(obj, fraction, int(seed) + r, keep_nodes=keep_nodes)
        neg_rng = np.random.default_rng([int(seed) + r, 1])
        p_rows, p_cols, y_true = candidate_pairs(split, n_negatives, neg_rng)
        for method in methods:
            start = time.perf_counter()
            scores = score_pairs(split.train, method, p_rows, p_cols,
                                 internal_degree=internal_degree,
                                 seed=np.random.default_rng([int(seed) + r, 2]))
            scores = round_scores(scores)
            row = {"method": method, "repeat": r, "seed": int(seed) + r,
                   "n_test": split.n_test, "n_candidates": int(y_true.size)}
            row.update({name: metric(y_true, scores) for name, metric in METRICS.items()})
            row["seconds"] = time.perf_counter() - start
            rows.append(row)
            if progress is not None:
                progress(len(rows), int(n_repeats) * len(methods))
    used = sorted({row["n_candidates"] - row["n_test"] for row in rows})
    settings = {"methods": methods, "fraction": fraction, "n_repeats": int(n_repeats),
                "seed": int(seed), "bipartite": bipartite, "n_negatives": n_negatives,
                # what was scored: all non-links when n_negatives is None or exceeds them
                "negatives_scored": used[0] if len(used) == 1 else used,
                "keep_nodes": keep_nodes, "internal_degree": internal_degree}
    return EvaluationResult(rows, summarize(rows, methods), settings)


def round_scores(scores: np.ndarray, bits: int = ROUNDING_BITS) -> np.ndarray:
    """Scores rounded to ``bits`` significant bits, so that equal sums computed in a different
    order (e.g. by chgraph and by networkx) tie, as the tie-aware metrics expect.

    >>> bool(round_scores(np.array([0.1 + 0.2]))[0] == round_scores(np.array([0.3]))[0])
    True
    """
    mantissa, exponent = np.frexp(np.asarray(scores, dtype=np.float64))
    return np.ldexp(np.round(mantissa * 2.0**bits) / 2.0**bits, exponent)


def summarize(rows: list[dict], methods) -> list[dict]:
    """Mean and sample standard deviation of every metric, per method."""
    summary = []
    for method in methods:
        mine = [row for row in rows if row["method"] == method]
        entry = {"method": method, "n_repeats": len(mine)}
        for name in METRICS:
            values = np.array([row[name] for row in mine], dtype=np.float64)
            entry[f"{name}_mean"] = float(values.mean()) if values.size else math.nan
            entry[f"{name}_std"] = float(values.std(ddof=1)) if values.size > 1 else 0.0
        summary.append(entry)
    return summary


def compare_bipartite(layer, *, methods=BIPARTITE_METHODS, fraction: float = 0.1,
                      n_repeats: int = 10, seed: int = 0, **kwargs) -> EvaluationResult:
    """Compare CH3-L3, CH2-L3, RA-L3, CN-L3 and the node-based L3n scores on a layer.

    A bipartite :func:`evaluate` with :data:`BIPARTITE_METHODS` by default; ``kwargs`` go to
    :func:`evaluate`.

    >>> import numpy as np
    >>> B = np.random.default_rng(0).random((12, 10)) < 0.4
    >>> result = compare_bipartite(B, n_repeats=2)
    >>> len(result.summary), result.summary[0]["method"]
    (7, 'CH3-L3')
    """
    return evaluate(layer, methods, fraction, n_repeats, seed, bipartite=True, **kwargs)


def compare_unipartite(G, *, methods=UNIPARTITE_METHODS, fraction: float = 0.1,
                       n_repeats: int = 10, seed: int = 0, **kwargs) -> EvaluationResult:
    """Compare the CH family (L3 and L2) with networkx's L2 indices on a unipartite graph.

    A unipartite :func:`evaluate` with :data:`UNIPARTITE_METHODS` by default: CH3-L3,
    CH2-L3, CH3.1-L3, RA-L3, CN-L3, CH3-L2, CH2-L2, RA-L2, CN-L2 and
    ``nx.resource_allocation_index``, ``nx.jaccard_coefficient``, ``nx.adamic_adar_index``,
    ``nx.preferential_attachment``.

    >>> import networkx as nx
    >>> result = compare_unipartite(nx.karate_club_graph(), n_repeats=1)
    >>> [row["method"] for row in result.summary][-2:]
    ['nx.adamic_adar_index', 'nx.preferential_attachment']
    """
    return evaluate(G, methods, fraction, n_repeats, seed, bipartite=False, **kwargs)
