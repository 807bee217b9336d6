"""Link predictors for the tests of check_link_predictor: good ones and broken ones.

Each ``BROKEN_*`` predictor is built to violate exactly one property (isolated_node also breaks
disjoint_union, which implies it) and to keep every other one.
"""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np

import chgraph


def layer(x) -> np.ndarray:
    if isinstance(x, np.ndarray):  # the common case, fast
        return (x != 0).astype(np.float64)
    return chgraph.as_layer(x).to_dense().astype(np.float64)


def graph(x) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return (x != 0).astype(np.float64)
    return chgraph.as_graph(x).to_dense().astype(np.float64)


def ch3_layer(x):
    return chgraph.link_scores(x, "CH3-L3")


def ch3_graph(x):
    return chgraph.link_scores(x, "CH3-L3", bipartite=False)


def _first_neighbour_layer(x):
    """Follows only the first neighbour of each seed: depends on the node order."""
    B = layer(x)
    S = np.zeros_like(B)
    for i, o in zip(*np.nonzero(B == 0), strict=True):
        if B[i].any() and B[:, o].any():
            S[i, o] = B[np.flatnonzero(B[:, o])[0], np.flatnonzero(B[i])[0]]
    return S


def _first_neighbour_graph(x):
    A = graph(x)
    S = np.zeros_like(A)
    for u, v in zip(*np.nonzero(A == 0), strict=True):
        if u != v and A[u].any() and A[v].any():
            S[u, v] = A[np.flatnonzero(A[u])[0], np.flatnonzero(A[v])[0]]
    return S


def _broken(scores, dense, bipartite):
    """The broken predictors around one correct one: ``{violated property: fn}``."""
    def not_local(x):  # plus a little preferential attachment
        M = dense(x)
        candidates = (M == 0) if bipartite else (M == 0) & ~np.eye(len(M), dtype=bool)
        return scores(x) + 0.01 * np.outer(M.sum(axis=1), M.sum(axis=0)) * candidates

    out = {
        "non_links": lambda x: scores(x) + dense(x),
        "finite": lambda x: np.where(scores(x) > 0, np.inf, 0.0),
        "non_negative": lambda x: -scores(x),
        "permutation": _first_neighbour_layer if bipartite else _first_neighbour_graph,
        # weighted by the degree of the first seed only
        ("transpose" if bipartite else "symmetric"):
            lambda x: scores(x) * dense(x).sum(axis=1)[:, None],
        # normalised by the number of pairs, which an isolated node changes
        "isolated_node": lambda x: scores(x) / max(dense(x).size, 1),
        "disjoint_union": not_local,
        # np.asarray cannot read a sparse matrix or a graph object
        "input_format": lambda x: scores(np.asarray(x, dtype=np.float64)),
        "threads": lambda x: scores(x) * numba.get_num_threads(),
    }
    for name, fn in out.items():
        fn.__name__ = f"broken_{name}"
    return out


BROKEN_LAYER = _broken(ch3_layer, layer, bipartite=True)
BROKEN_GRAPH = _broken(ch3_graph, graph, bipartite=False)


def networkx_index(function):
    """A networkx link-prediction index (``function(G)`` yields ``(u, v, score)``) as a
    unipartite predictor: dense scores of every non-link."""
    def scores(x):
        A = graph(x)
        G = nx.from_numpy_array(A)
        S = np.zeros_like(A)
        for u, v, s in function(G):
            S[u, v] = S[v, u] = s
        return S

    scores.__name__ = function.__name__
    return scores


def networkx_ra_layer(x):
    """networkx's resource allocation index as a layer scorer: the sum of RA(a, o) over the
    outputs ``a`` linked to ``i`` (an L3 score with the term 1 / k_b; not transpose-symmetric)."""
    B = layer(x)
    n_in, n_out = B.shape
    G = nx.Graph()
    G.add_nodes_from(range(n_in + n_out))
    G.add_edges_from((int(i), n_in + int(o)) for i, o in zip(*np.nonzero(B), strict=True))
    S = np.zeros_like(B)
    for i, o in zip(*np.nonzero(B == 0), strict=True):
        pairs = [(a, n_in + int(o)) for a in G[int(i)]]
        S[i, o] = sum(s for _, _, s in nx.resource_allocation_index(G, pairs))
    return S
