"""The slow reference: the CH family by brute-force path enumeration (docs/method.md, sections 1-2).

Everything here works on small dense 0/1 matrices (a numpy array or anything
:func:`numpy.asarray` reads) with plain Python loops and sets: explicit enumeration of L3 paths
(and L2 paths), the local community of each candidate pair, and the internal/external degree of
each intermediate node from their *definitions* (no closed forms). It is deliberately slow —
``O(n^4)`` and worse, meant for graphs of a dozen nodes — and independent of the numba kernels
of :mod:`chgraph.linkpred`, which the project's tests compare with it. Use it as the
``reference=`` of :func:`chgraph.testing.check_link_predictor`, or directly:

>>> import numpy as np
>>> from chgraph.testing import reference
>>> reference.bipartite_scores(np.array([[1, 0], [1, 1]]), "CH3-L3")
array([[0., 1.],
       [0., 0.]])

numpy only: no hypothesis, no numba, no torch.

Definitions (docs/method.md, section 2):

- bipartite layer, biadjacency ``B`` (``n_in x n_out``); candidate (i, o) with ``B[i,o] = 0``;
  an L3 path is i - a - b - o with ``B[i,a] = B[b,a] = B[b,o] = 1`` (a an output, b an input);
- unipartite graph, symmetric adjacency ``A``; candidate u < v non-adjacent; an L3 path is
  u - x - y - v on four distinct nodes, an L2 path is u - z - v;
- local community of a pair: the set of intermediate nodes of its paths;
- internal degree ``di_z``: rule "community" = links of z to other local-community nodes;
  rule "path" = number of distinct links incident to z that are the middle link of some L3 path
  of the pair; on L2, neighbours of z among the common neighbours;
- external degree ``de_z = k_z - di_z - (links of z to the seeds)``;
- score = sum over paths of a term; ``gm`` is the geometric mean over the path's intermediates.
"""

from __future__ import annotations

import math

import numpy as np

PATH_FAMILIES = ("CN", "RA", "CH1", "CH2", "CH3", "CH3.1")
L3_METHODS = tuple(f"{f}-L3" for f in PATH_FAMILIES)
L2_METHODS = tuple(f"{f}-L2" for f in PATH_FAMILIES)
L3N_METHODS = ("CH2-L3n", "CH3-L3n", "CH3.1-L3n")
BIPARTITE_METHODS = L3_METHODS + L3N_METHODS
UNIPARTITE_METHODS = L3_METHODS + L2_METHODS
INTERNAL_RULES = ("path", "community")

__all__ = [
    "PATH_FAMILIES", "L3_METHODS", "L2_METHODS", "L3N_METHODS", "BIPARTITE_METHODS",
    "UNIPARTITE_METHODS", "INTERNAL_RULES", "gm", "path_term", "split_method",
    "bipartite_l3_paths", "bipartite_node_stats", "bipartite_scores", "unipartite_l3_paths",
    "unipartite_l2_paths", "unipartite_node_stats", "unipartite_scores", "l3n_scores",
    "scorer", "embed", "has_l3_path_bipartite",
]


# ------------------------------------------------------------------------------------------
# path terms (the table of docs/method.md, section 2)
# ------------------------------------------------------------------------------------------
def gm(values) -> float:
    """Geometric mean; of one value it is the value itself.

    >>> gm([2, 8]), gm([3])
    (4.0, 3.0)
    """
    values = list(values)
    prod = 1.0
    for x in values:
        prod *= float(x)
    return prod ** (1.0 / len(values))


def path_term(family: str, nodes: list[dict]) -> float:
    """Term of one path, given the intermediates' ``{"k", "di", "de"}`` dicts.

    ``family`` is one of :data:`PATH_FAMILIES`; one intermediate means an L2 path, two an L3
    path.

    >>> a = {"k": 2, "di": 1, "de": 0}
    >>> b = {"k": 8, "di": 1, "de": 3}
    >>> path_term("CH3", [a, b]), path_term("RA", [a, b]), path_term("CN", [a])
    (0.5, 0.25, 1.0)
    """
    k = [z["k"] for z in nodes]
    di = [z["di"] for z in nodes]
    de = [z["de"] for z in nodes]
    if family == "CN":
        return 1.0
    if family == "RA":
        return 1.0 / math.sqrt(math.prod(k)) if len(k) == 2 else 1.0 / k[0]
    if family == "CH1":
        return gm(di) / gm(k)
    if family == "CH2":
        return gm([1 + d for d in di]) / gm([1 + e for e in de])
    if family == "CH3":
        return 1.0 / gm([1 + e for e in de])
    if family == "CH3.1":
        return 1.0 / gm([1.0 / (1 + d) + e for d, e in zip(di, de, strict=True)])
    raise ValueError(f"unknown family {family!r}")


def split_method(method: str) -> tuple[str, str]:
    """``(family, length)`` of a method name; a ``ValueError`` for an unknown one.

    >>> split_method("CH3.1-L3"), split_method("CH3-L3n")
    (('CH3.1', 'L3'), ('CH3', 'L3n'))
    """
    family, _, length = method.rpartition("-")
    if family not in PATH_FAMILIES or length not in ("L2", "L3", "L3n"):
        raise ValueError(f"unknown method {method!r}")
    return family, length


# ------------------------------------------------------------------------------------------
# bipartite layers
# ------------------------------------------------------------------------------------------
def _bip_neighbours(B):
    B = np.asarray(B)
    n_in, n_out = B.shape
    # node ids: ("in", i) and ("out", o)
    nbr = {}
    for i in range(n_in):
        nbr[("in", i)] = {("out", o) for o in range(n_out) if B[i, o]}
    for o in range(n_out):
        nbr[("out", o)] = {("in", i) for i in range(n_in) if B[i, o]}
    return nbr


def bipartite_l3_paths(B, i: int, o: int) -> list[tuple[int, int]]:
    """All L3 paths i - a - b - o of the candidate (i, o), as ``(a, b)`` pairs.

    ``a`` is an output (a neighbour of ``i``), ``b`` an input (a neighbour of ``o``).

    >>> bipartite_l3_paths([[1, 0], [1, 1]], 0, 1)
    [(0, 1)]
    """
    B = np.asarray(B)
    n_in, n_out = B.shape
    paths = []
    for a in range(n_out):
        if not B[i, a]:
            continue
        for b in range(n_in):
            if B[b, a] and B[b, o]:
                paths.append((a, b))
    return paths


def bipartite_node_stats(B, i: int, o: int) -> dict:
    """``{node: {"k", "di", "de"}}`` for the local community of candidate (i, o).

    Nodes are ``("out", a)`` and ``("in", b)``. Computed from the definitions: di = links to
    other community nodes, de = k - di - links to the seeds.

    >>> bipartite_node_stats([[1, 0], [1, 1]], 0, 1)[("out", 0)]
    {'k': 2, 'di': 1, 'de': 0}
    """
    nbr = _bip_neighbours(B)
    paths = bipartite_l3_paths(B, i, o)
    community = {("out", a) for a, _ in paths} | {("in", b) for _, b in paths}
    seeds = {("in", i), ("out", o)}
    stats = {}
    for z in community:
        k = len(nbr[z])
        di = len(nbr[z] & (community - {z}))
        to_seeds = len(nbr[z] & seeds)
        stats[z] = {"k": k, "di": di, "de": k - di - to_seeds}
    return stats


def bipartite_scores(B, method: str) -> np.ndarray:
    """Dense ``n_in x n_out`` scores of a layer by path enumeration (or the L3n formulas).

    ``method`` is one of :data:`BIPARTITE_METHODS`; existing links score 0.

    >>> bipartite_scores([[1, 0], [1, 1]], "CN-L3")
    array([[0., 1.],
           [0., 0.]])
    """
    B = (np.asarray(B) != 0).astype(np.int64)
    family, length = split_method(method)
    if length == "L3n":
        return l3n_scores(B, method)
    if length != "L3":
        raise ValueError(f"{method} is not defined on bipartite layers")
    n_in, n_out = B.shape
    S = np.zeros((n_in, n_out), dtype=np.float64)
    for i in range(n_in):
        for o in range(n_out):
            if B[i, o]:
                continue
            stats = bipartite_node_stats(B, i, o)
            total = 0.0
            for a, b in bipartite_l3_paths(B, i, o):
                total += path_term(family, [stats[("out", a)], stats[("in", b)]])
            S[i, o] = total
    return S


# ------------------------------------------------------------------------------------------
# unipartite graphs
# ------------------------------------------------------------------------------------------
def _uni_neighbours(A):
    A = np.asarray(A)
    n = A.shape[0]
    return [{w for w in range(n) if A[v, w] and w != v} for v in range(n)]


def unipartite_l3_paths(A, u: int, v: int) -> list[tuple[int, int]]:
    """All L3 paths u - x - y - v on four distinct nodes, as ``(x, y)`` pairs.

    >>> A = [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]   # the path 0-1-2-3
    >>> unipartite_l3_paths(A, 0, 3)
    [(1, 2)]
    """
    nbr = _uni_neighbours(A)
    paths = []
    for x in sorted(nbr[u]):
        for y in sorted(nbr[v]):
            if len({u, x, y, v}) == 4 and y in nbr[x]:
                paths.append((x, y))
    return paths


def unipartite_l2_paths(A, u: int, v: int) -> list[int]:
    """All L2 paths u - z - v (z a common neighbour, distinct from u and v).

    >>> A = [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]   # the path 0-1-2-3
    >>> unipartite_l2_paths(A, 0, 2)
    [1]
    """
    nbr = _uni_neighbours(A)
    return sorted(z for z in nbr[u] & nbr[v] if z not in (u, v))


def unipartite_node_stats(A, u: int, v: int, length: str = "L3",
                          internal_degree: str = "path") -> dict:
    """``{node: {"k", "di", "de"}}`` for the local community of the pair (u, v).

    ``length`` is ``"L2"`` or ``"L3"``; ``internal_degree`` is ``"path"`` (links that are the
    middle link of an L3 path of the pair) or ``"community"`` (links to other community nodes).

    >>> A = [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]   # the path 0-1-2-3
    >>> unipartite_node_stats(A, 0, 3)
    {1: {'k': 2, 'di': 1, 'de': 0}, 2: {'k': 2, 'di': 1, 'de': 0}}
    """
    nbr = _uni_neighbours(A)
    seeds = {u, v}
    stats = {}
    if length == "L2":
        common = set(unipartite_l2_paths(A, u, v))
        for z in common:
            k = len(nbr[z])
            di = len(nbr[z] & common)
            stats[z] = {"k": k, "di": di, "de": k - di - 2}
        return stats
    paths = unipartite_l3_paths(A, u, v)
    community = {x for x, _ in paths} | {y for _, y in paths}
    middle_links = {frozenset((x, y)) for x, y in paths}
    for z in community:
        k = len(nbr[z])
        if internal_degree == "path":
            di = sum(1 for link in middle_links if z in link)
        elif internal_degree == "community":
            di = len(nbr[z] & (community - {z}))
        else:
            raise ValueError(internal_degree)
        stats[z] = {"k": k, "di": di, "de": k - di - len(nbr[z] & seeds)}
    return stats


def unipartite_scores(A, method: str, internal_degree: str = "path") -> np.ndarray:
    """Dense symmetric ``n x n`` scores of a graph by path enumeration.

    ``method`` is one of :data:`UNIPARTITE_METHODS`; existing links and the diagonal score 0.

    >>> A = [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]   # the path 0-1-2-3
    >>> unipartite_scores(A, "CH3-L3")[0]
    array([0., 0., 0., 1.])
    """
    A = (np.asarray(A) != 0).astype(np.int64)
    family, length = split_method(method)
    if length not in ("L2", "L3"):
        raise ValueError(f"{method} is not defined on unipartite graphs")
    n = A.shape[0]
    S = np.zeros((n, n), dtype=np.float64)
    for u in range(n):
        for v in range(u + 1, n):
            if A[u, v]:
                continue
            stats = unipartite_node_stats(A, u, v, length, internal_degree)
            total = 0.0
            if length == "L2":
                for z in unipartite_l2_paths(A, u, v):
                    total += path_term(family, [stats[z]])
            else:
                for x, y in unipartite_l3_paths(A, u, v):
                    total += path_term(family, [stats[x], stats[y]])
            S[u, v] = S[v, u] = total
    return S


# ------------------------------------------------------------------------------------------
# node-based approximation L3n (CHTs), dense numpy
# ------------------------------------------------------------------------------------------
def l3n_scores(B, method: str) -> np.ndarray:
    """``score = G_in @ B + B @ G_out^T``, 0 at existing links (docs/method.md, section 2).

    The node-based approximation of CHTs (``method`` one of :data:`L3N_METHODS`), dense numpy.

    >>> l3n_scores([[1, 0], [1, 1]], "CH3-L3n")
    array([[0., 2.],
           [0., 0.]])
    """
    B = (np.asarray(B) != 0).astype(np.float64)
    family, length = split_method(method)
    if length != "L3n":
        raise ValueError(method)
    k_in = B.sum(axis=1)
    k_out = B.sum(axis=0)
    C_in = B @ B.T
    C_out = B.T @ B
    E_in = np.maximum(k_in[None, :] - C_in - 1.0, 0.0)  # E_in[i, b] uses k_b
    E_out = np.maximum(k_out[None, :] - C_out - 1.0, 0.0)  # E_out[o, a] uses k_a

    def g(C, E):
        if family == "CH3":
            w = 1.0 / (1.0 + E)
        elif family == "CH2":
            w = (C + 1.0) / (1.0 + E)
        elif family == "CH3.1":
            w = (C + 1.0) / (1.0 + E) ** (1.0 + E / (1.0 + E))
        else:
            raise ValueError(method)
        return np.where(C > 0, w, 0.0)

    score = g(C_in, E_in) @ B + B @ g(C_out, E_out).T
    score[B != 0] = 0.0
    return score


# ------------------------------------------------------------------------------------------
# a reference predictor, and helpers
# ------------------------------------------------------------------------------------------
def scorer(method: str, *, bipartite: bool = True, internal_degree: str = "path"):
    """The brute-force reference of one method as a function ``matrix -> scores``.

    The function reads a dense 0/1 matrix (a biadjacency if ``bipartite``, else a symmetric
    adjacency) and returns float64 scores: the ``reference=`` argument of
    :func:`chgraph.testing.check_link_predictor`.

    >>> ch3 = scorer("CH3-L3")
    >>> ch3([[1, 0], [1, 1]])
    array([[0., 1.],
           [0., 0.]])
    >>> scorer("CH3-L2", bipartite=False)([[0, 1, 0], [1, 0, 1], [0, 1, 0]])[0].tolist()
    [0.0, 0.0, 1.0]
    """
    split_method(method)  # a ValueError now for an unknown name
    if internal_degree not in INTERNAL_RULES:
        raise ValueError(f"internal_degree must be one of {INTERNAL_RULES}, "
                         f"got {internal_degree!r}")
    if bipartite:
        def scores(matrix):
            return bipartite_scores(matrix, method)
    else:
        def scores(matrix):
            return unipartite_scores(matrix, method, internal_degree)
    scores.__name__ = scores.__qualname__ = f"reference {method}"
    return scores


def embed(B) -> np.ndarray:
    """The unipartite adjacency of a layer on ``n_in + n_out`` nodes (inputs first).

    >>> embed([[1, 0]])
    array([[0, 1, 0],
           [1, 0, 0],
           [0, 0, 0]])
    """
    B = (np.asarray(B) != 0).astype(np.int64)
    n_in, n_out = B.shape
    A = np.zeros((n_in + n_out, n_in + n_out), dtype=np.int64)
    A[:n_in, n_in:] = B
    A[n_in:, :n_in] = B.T
    return A


def has_l3_path_bipartite(B) -> np.ndarray:
    """Boolean ``n_in x n_out``: candidates with at least one L3 path.

    >>> has_l3_path_bipartite(np.array([[1, 0], [1, 1]]))
    array([[False,  True],
           [False, False]])
    """
    B = np.asarray(B)
    return np.array(
        [[bool(bipartite_l3_paths(B, i, o)) and not B[i, o] for o in range(B.shape[1])]
         for i in range(B.shape[0])],
        dtype=bool,
    ).reshape(B.shape)
