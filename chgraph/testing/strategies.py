"""Hypothesis strategies for link prediction: layers, graphs, chains, and their input formats.

Every strategy draws small dense 0/1 ``int8`` numpy arrays: a biadjacency ``B``
(``n_in x n_out``, rows = inputs) for a layer, a symmetric adjacency with a zero diagonal for a
graph. :func:`input_formats` turns them into any format chgraph accepts. Sizes stay small on
purpose: property-based tests compare against the brute-force :mod:`~chgraph.testing.reference`.

========================  ===================================================================
:func:`biadjacency`       a uniformly random layer (each link present with a drawn density)
:func:`adjacency`         a uniformly random graph
:func:`layers`            layers of every shape in :data:`SHAPES`
:func:`graphs`            graphs of every shape in :data:`SHAPES`
:func:`chains`            lists of layers whose shapes chain (a multilayer network)
:func:`input_formats`     ``(format, dense, value)``: the same links in an accepted format
========================  ===================================================================

This module needs hypothesis (``pip install 'chsnn[testing]'``).

>>> from hypothesis import given
>>> @given(layers(max_rows=4, max_cols=4))
... def test_shape(B):
...     assert B.shape[0] <= 4 and B.shape[1] <= 4 and set(B.flat) <= {0, 1}
>>> test_shape()
"""

from __future__ import annotations

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "chgraph.testing.strategies needs hypothesis, which is not installed: "
        "pip install 'chsnn[testing]' (or pip install hypothesis)") from exc

import numpy as np

from .formats import formats_for, to_format

__all__ = ["DENSITIES", "SHAPES", "biadjacency", "adjacency", "layers", "graphs", "chains",
           "input_formats"]

#: link densities the generators draw from (a mix of sparse and dense small graphs)
DENSITIES = (0.15, 0.3, 0.5, 0.7, 0.9)

#: the shapes :func:`layers` and :func:`graphs` draw from, the plainest first (hypothesis
#: shrinks towards it): uniformly random; degree-skewed (a few hubs and many low-degree nodes,
#: Chung-Lu weights ``1 / rank``); disconnected (two random parts, block-diagonal); random with
#: isolated nodes inserted; empty (no link); complete; complete minus one or two links.
SHAPES = ("random", "skewed", "disconnected", "isolated", "empty", "complete",
          "nearly_complete")


def _cells(draw, n: int, p: np.ndarray | float) -> np.ndarray:
    """``n`` Bernoulli(p) draws as booleans, from one byte string (fast to draw and to shrink;
    shrinking removes links)."""
    cells = np.frombuffer(draw(st.binary(min_size=n, max_size=n)), dtype=np.uint8)
    return cells >= 256 - np.round(256 * np.asarray(p))


@st.composite
def biadjacency(draw, max_rows: int = 7, max_cols: int = 7, min_rows: int = 0,
                min_cols: int = 0) -> np.ndarray:
    """A uniformly random layer: a dense 0/1 ``int8`` biadjacency, zero dimensions included.

    The density is drawn from :data:`DENSITIES`, then each cell independently.

    >>> from hypothesis import find
    >>> find(biadjacency(min_rows=2, min_cols=3), lambda B: True).shape
    (2, 3)
    """
    n_in = draw(st.integers(min_rows, max_rows))
    n_out = draw(st.integers(min_cols, max_cols))
    p = draw(st.sampled_from(DENSITIES))
    return _cells(draw, n_in * n_out, p).reshape(n_in, n_out).astype(np.int8)


@st.composite
def adjacency(draw, max_nodes: int = 8, min_nodes: int = 0) -> np.ndarray:
    """A uniformly random graph: a dense symmetric 0/1 ``int8`` adjacency, zero diagonal.

    >>> from hypothesis import find
    >>> A = find(adjacency(min_nodes=3), lambda A: A.sum() > 0)
    >>> A.shape, bool((A == A.T).all()), int(A.trace())
    ((3, 3), True, 0)
    """
    n = draw(st.integers(min_nodes, max_nodes))
    p = draw(st.sampled_from(DENSITIES))
    return _symmetric(n, _cells(draw, n * (n - 1) // 2, p))


def _symmetric(n: int, upper: np.ndarray) -> np.ndarray:
    A = np.zeros((n, n), dtype=np.int8)
    A[np.triu_indices(n, k=1)] = upper
    return A | A.T


def _skew(n: int) -> np.ndarray:
    """Chung-Lu weights of a skewed degree sequence: node r weighs ``1 / (r + 1)``."""
    return 1.0 / np.arange(1, n + 1)


def _insert_zeros(draw, M: np.ndarray, axis: int, how_many: int) -> np.ndarray:
    for _ in range(how_many):
        at = draw(st.integers(0, M.shape[axis]))
        M = np.insert(M, at, 0, axis=axis)
    return M


def _split(draw, lo: int, hi: int) -> tuple[int, int]:
    """A size in ``[max(lo, 2), hi]`` split into two positive parts."""
    n = draw(st.integers(max(lo, 2), hi))
    first = draw(st.integers(1, n - 1))
    return first, n - first


def _remove_some(draw, M: np.ndarray, symmetric: bool) -> np.ndarray:
    links = np.argwhere(np.triu(M, 1) if symmetric else M)
    if len(links):
        for k in draw(st.sets(st.integers(0, len(links) - 1), min_size=1, max_size=2)):
            r, c = links[k]
            M[r, c] = 0
            if symmetric:
                M[c, r] = 0
    return M


def layers(max_rows: int = 7, max_cols: int = 7, min_rows: int = 0, min_cols: int = 0,
           shapes=SHAPES):
    """A layer of a shape drawn from ``shapes`` (see :data:`SHAPES`), as :func:`biadjacency`.

    Every shape respects the size bounds; "disconnected" falls back to a random layer where
    the bounds leave no room for two parts.

    >>> from hypothesis import find
    >>> B = find(layers(shapes=["complete"], min_rows=2, min_cols=2), lambda B: True)
    >>> B.tolist()
    [[1, 1], [1, 1]]
    """
    return _layers(max_rows, max_cols, min_rows, min_cols, _check_shapes(shapes))


@st.composite
def _layers(draw, max_rows, max_cols, min_rows, min_cols, shapes) -> np.ndarray:
    shape = draw(st.sampled_from(shapes))
    if shape == "disconnected" and max_rows >= 2 and max_cols >= 2:
        r1, r2 = _split(draw, min_rows, max_rows)
        c1, c2 = _split(draw, min_cols, max_cols)
        B = np.zeros((r1 + r2, c1 + c2), dtype=np.int8)
        B[:r1, :c1] = draw(biadjacency(r1, c1, r1, c1))
        B[r1:, c1:] = draw(biadjacency(r2, c2, r2, c2))
        return B
    if shape in ("random", "disconnected"):
        return draw(biadjacency(max_rows, max_cols, min_rows, min_cols))
    n_in = draw(st.integers(min_rows, max_rows))
    n_out = draw(st.integers(min_cols, max_cols))
    if shape == "isolated":
        if n_in + n_out == 0:
            return np.zeros((0, 0), dtype=np.int8)
        k_in = draw(st.integers(0 if n_out else 1, min(2, n_in)))  # isolated inputs
        k_out = draw(st.integers(0 if k_in else 1, min(2, n_out)))  # isolated outputs
        B = draw(biadjacency(n_in - k_in, n_out - k_out, n_in - k_in, n_out - k_out))
        return _insert_zeros(draw, _insert_zeros(draw, B, 0, k_in), 1, k_out)
    if shape == "skewed":
        p = np.minimum(1.0, draw(st.sampled_from([1.0, 2.0, 3.0]))
                       * np.outer(_skew(n_in), _skew(n_out)))
        B = _cells(draw, n_in * n_out, p.ravel()).reshape(n_in, n_out)
        return B.astype(np.int8)
    B = np.full((n_in, n_out), shape != "empty", dtype=np.int8)
    return _remove_some(draw, B, symmetric=False) if shape == "nearly_complete" else B


def graphs(max_nodes: int = 8, min_nodes: int = 0, shapes=SHAPES):
    """A graph of a shape drawn from ``shapes`` (see :data:`SHAPES`), as :func:`adjacency`.

    >>> from hypothesis import find
    >>> find(graphs(shapes=["nearly_complete"], min_nodes=3), lambda A: True).tolist()
    [[0, 0, 1], [0, 0, 1], [1, 1, 0]]
    """
    return _graphs(max_nodes, min_nodes, _check_shapes(shapes))


@st.composite
def _graphs(draw, max_nodes, min_nodes, shapes) -> np.ndarray:
    shape = draw(st.sampled_from(shapes))
    if shape == "disconnected" and max_nodes >= 2:
        n1, n2 = _split(draw, min_nodes, max_nodes)
        A = np.zeros((n1 + n2,) * 2, dtype=np.int8)
        A[:n1, :n1] = draw(adjacency(n1, n1))
        A[n1:, n1:] = draw(adjacency(n2, n2))
        return A
    if shape in ("random", "disconnected"):
        return draw(adjacency(max_nodes, min_nodes))
    n = draw(st.integers(min_nodes, max_nodes))
    if shape == "isolated":
        isolated = draw(st.integers(min(n, 1), min(n, 2)))
        A = draw(adjacency(n - isolated, n - isolated))
        for _ in range(isolated):
            at = draw(st.integers(0, A.shape[0]))
            A = np.insert(np.insert(A, at, 0, axis=0), at, 0, axis=1)
        return A
    if shape == "skewed":
        w = _skew(n)
        p = np.minimum(1.0, draw(st.sampled_from([1.0, 2.0, 3.0])) * np.outer(w, w))
        return _symmetric(n, _cells(draw, n * (n - 1) // 2, p[np.triu_indices(n, k=1)]))
    A = np.full((n, n), shape != "empty", dtype=np.int8)
    np.fill_diagonal(A, 0)
    return _remove_some(draw, A, symmetric=True) if shape == "nearly_complete" else A


@st.composite
def chains(draw, max_layers: int = 4, max_size: int = 6, min_layers: int = 1,
           min_size: int = 1, shapes=("random",)) -> list[np.ndarray]:
    """A chain of layers (input -> hidden -> ... -> output): biadjacencies whose shapes chain.

    Layer ``l`` is ``n_l x n_{l+1}``; every ``n_l`` is in ``[min_size, max_size]``; each layer
    is drawn by :func:`layers` with the given ``shapes``.

    >>> from hypothesis import find
    >>> chain = find(chains(min_layers=3), lambda c: True)
    >>> [B.shape for B in chain]
    [(1, 1), (1, 1), (1, 1)]
    """
    shapes = _check_shapes(shapes)
    n_layers = draw(st.integers(min_layers, max_layers))
    sizes = [draw(st.integers(min_size, max_size)) for _ in range(n_layers + 1)]
    if list(shapes) == ["random"]:
        return [draw(biadjacency(a, b, a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return [draw(_layers(a, b, a, b, shapes)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


@st.composite
def input_formats(draw, matrices=None, *, bipartite: bool = True, formats=None):
    """``(format, dense, value)``: a drawn matrix and the same links in an accepted format.

    ``matrices`` is a strategy of dense 0/1 arrays (default :func:`layers` or :func:`graphs`);
    ``formats`` the names to draw from (default every format of
    :func:`chgraph.testing.formats.formats_for` that can hold the matrix).

    >>> import chgraph
    >>> from hypothesis import given
    >>> @given(input_formats())
    ... def test_read_back(drawn):
    ...     name, B, value = drawn
    ...     assert chgraph.as_layer(value) == chgraph.BipartiteLayer(B), name
    >>> test_read_back()
    """
    if matrices is None:
        matrices = layers() if bipartite else graphs()
    M = draw(matrices)
    names = formats_for(M, bipartite=bipartite, formats=formats)
    name = draw(st.sampled_from(names))
    seed = draw(st.integers(0, 2**32 - 1))
    return name, M, to_format(M, name, bipartite=bipartite, seed=seed)


def _check_shapes(shapes) -> list[str]:
    shapes = [shapes] if isinstance(shapes, str) else list(shapes)
    bad = [s for s in shapes if s not in SHAPES]
    if bad or not shapes:
        raise ValueError(f"unknown shapes {bad}: choose among {', '.join(SHAPES)}")
    return shapes
