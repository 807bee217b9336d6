"""Scoring given node pairs with any registered predictor or a networkx baseline."""

from __future__ import annotations

import numpy as np

from ..checks import as_rng
from ..graph import BipartiteLayer
from ..linkpred.registry import PREDICTORS, available_predictors
from ..linkpred.scores import BipartiteScorer, UnipartiteScorer, internal_degree_code

__all__ = ["NETWORKX_BASELINES", "RANDOM", "available_scorers", "check_methods", "score_pairs"]

#: Baselines scored by networkx's L2 (common-neighbour) link predictors, by evaluation name.
#: On a bipartite layer an input and an output have no common neighbour: these score 0
#: there, except the preferential attachment.
NETWORKX_BASELINES = {
    "nx.resource_allocation_index": "resource_allocation_index",
    "nx.jaccard_coefficient": "jaccard_coefficient",
    "nx.adamic_adar_index": "adamic_adar_index",
    "nx.preferential_attachment": "preferential_attachment",
}
#: Uniform random scores: the reference of chance (AUROC 0.5 in expectation).
RANDOM = "random"
#: Scores held in memory at once (float64 entries) while scoring row blocks.
BLOCK_ENTRIES = 1 << 21


def available_scorers(bipartite: bool | None = None) -> list[str]:
    """Names :func:`chgraph.evaluation.evaluate` accepts: the registry, networkx baselines,
    ``"random"``.

    >>> "CH3-L3" in available_scorers(True), "nx.jaccard_coefficient" in available_scorers()
    (True, True)
    """
    return available_predictors(bipartite) + list(NETWORKX_BASELINES) + [RANDOM]


def check_methods(methods, bipartite: bool) -> list[str]:
    """Validate method names for a kind of graph; a ``ValueError`` lists the valid ones.

    >>> check_methods("CH3-L3", bipartite=True)
    ['CH3-L3']
    """
    if isinstance(methods, str):
        methods = [methods]
    try:
        methods = list(methods)
    except TypeError:
        raise TypeError(f"methods must be a name or a list of names, got {methods!r}") from None
    if not methods:
        raise ValueError("methods is empty: give at least one method name")
    valid = available_scorers(bipartite)
    kind = "bipartite layers" if bipartite else "unipartite graphs"
    for name in methods:
        if not isinstance(name, str):
            raise TypeError(f"a method name must be a str, got {type(name).__name__}")
        if name not in valid:
            why = "is not defined on" if name in PREDICTORS else "is unknown for"
            raise ValueError(f"method {name!r} {why} {kind}; valid methods: {', '.join(valid)}")
    if len(set(methods)) != len(methods):
        raise ValueError(f"methods has repeated names: {methods}")
    return methods


def score_pairs(train, method: str, rows, cols, *, internal_degree: str = "path",
                seed=0) -> np.ndarray:
    """Scores of the pairs ``(rows[i], cols[i])`` of ``train`` by one method.

    Parameters
    ----------
    train : BipartiteLayer or Graph
    method : str
        A name from :func:`available_scorers`.
    rows, cols : array_like of int
        Inputs and outputs of a layer, or node pairs of a graph (any order).
    internal_degree : {"path", "community"}
        See :func:`chgraph.link_scores`.
    seed : int or numpy.random.Generator
        Used by ``"random"`` only.

    Examples
    --------
    >>> import numpy as np
    >>> from chgraph import BipartiteLayer
    >>> score_pairs(BipartiteLayer(np.array([[1, 0], [1, 1]])), "CH3-L3", [0], [1]).tolist()
    [1.0]
    """
    bipartite = isinstance(train, BipartiteLayer)
    check_methods([method], bipartite)
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    if rows.shape != cols.shape:
        raise ValueError("rows and cols must have the same length")
    n_rows, n_cols = train.shape
    if rows.size and (rows.min() < 0 or cols.min() < 0 or rows.max() >= n_rows
                      or cols.max() >= n_cols):
        raise ValueError(f"a pair is outside the graph's shape {train.shape}")
    if method == RANDOM:
        return as_rng(seed).random(rows.size)
    if method in NETWORKX_BASELINES:
        return _networkx_scores(train, NETWORKX_BASELINES[method], rows, cols)
    predictor = PREDICTORS[method]
    if bipartite:
        scorer = BipartiteScorer(train, predictor)
        if scorer.transposed:  # the kernel works on B^T: score column blocks
            return _by_blocks(scorer.kernel_rows_dense, cols, rows, n_rows)
        return _by_blocks(scorer.kernel_rows_dense, rows, cols, n_cols)
    scorer = UnipartiteScorer(train, predictor, internal_degree_code(internal_degree))
    return scorer.pairs(rows, cols)  # seed by seed, O(n) memory per thread


def _by_blocks(dense_rows, keys: np.ndarray, other: np.ndarray, width: int) -> np.ndarray:
    """Gather ``dense_rows(block)[., other]`` for the pairs, a block of key rows at a time."""
    out = np.zeros(keys.size, dtype=np.float64)
    if keys.size == 0:
        return out
    unique, pos = np.unique(keys, return_inverse=True)
    order = np.argsort(pos, kind="stable")
    bounds = np.searchsorted(pos[order], np.arange(0, unique.size + 1))
    step = max(1, BLOCK_ENTRIES // max(width, 1))
    for start in range(0, unique.size, step):
        stop = min(start + step, unique.size)
        dense = dense_rows(unique[start:stop])
        sel = order[bounds[start]:bounds[stop]]
        out[sel] = dense[pos[sel] - start, other[sel]]
    return out


def _networkx_scores(train, name: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    import networkx as nx

    G = nx.Graph()
    coo = train.csr.tocoo()
    if isinstance(train, BipartiteLayer):
        n_in, n_out = train.shape
        G.add_nodes_from(range(n_in + n_out))
        G.add_edges_from(zip(coo.row.tolist(), (coo.col + n_in).tolist(), strict=True))
        cols = cols + n_in
    else:
        G.add_nodes_from(range(train.n_nodes))
        G.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
    ebunch = list(zip(rows.tolist(), cols.tolist(), strict=True))
    if not ebunch:
        return np.zeros(0)
    predictor = getattr(nx, name)
    return np.fromiter((p for _, _, p in predictor(G, ebunch)), dtype=np.float64,
                       count=len(ebunch))
