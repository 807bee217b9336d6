"""Numba kernels of the degree-preserving link swaps (private; see :mod:`.null_models`).

Both kernels work in place on CSR arrays whose row lengths (the degrees) never change: a swap
only rewrites column indices. Existence of a link is checked by scanning the shorter of the two
neighbour lists, so one attempt costs ``O(k)``. The random choices are drawn beforehand with a
``numpy.random.Generator``, so the result depends only on the seed.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _has(indptr, indices, u, v):
    for s in range(indptr[u], indptr[u + 1]):
        if indices[s] == v:
            return True
    return False


@njit(cache=True, nogil=True)
def _replace(indptr, indices, u, old, new):
    for s in range(indptr[u], indptr[u + 1]):
        if indices[s] == old:
            indices[s] = new
            return


@njit(cache=True, nogil=True)
def bipartite_swaps(indptr, indices, rows, picks):
    """Swap ``(i1, o1), (i2, o2) -> (i1, o2), (i2, o1)``; ``picks`` holds pairs of CSR slots.

    ``rows[s]`` is the input of slot ``s``. Returns the number of accepted swaps.
    """
    done = 0
    for t in range(picks.shape[0]):
        a = picks[t, 0]
        b = picks[t, 1]
        i1 = rows[a]
        i2 = rows[b]
        o1 = indices[a]
        o2 = indices[b]
        if i1 == i2 or o1 == o2:
            continue
        if _has(indptr, indices, i1, o2) or _has(indptr, indices, i2, o1):
            continue
        indices[a] = o2
        indices[b] = o1
        done += 1
    return done


@njit(cache=True, nogil=True)
def _linked(indptr, indices, u, v):
    if indptr[u + 1] - indptr[u] <= indptr[v + 1] - indptr[v]:
        return _has(indptr, indices, u, v)
    return _has(indptr, indices, v, u)


@njit(cache=True, nogil=True)
def double_edge_swaps(indptr, indices, eu, ev, picks, flips):
    """Swap ``(a, b), (c, d) -> (a, d), (c, b)`` (``(c, d)`` reversed when ``flips[t]``).

    ``eu, ev``: one entry per undirected link; ``indptr, indices``: the symmetric CSR, kept in
    step. Self-loops and multiple links are refused. Returns the number of accepted swaps.
    """
    done = 0
    for t in range(picks.shape[0]):
        e = picks[t, 0]
        f = picks[t, 1]
        if e == f:
            continue
        a = eu[e]
        b = ev[e]
        c = eu[f]
        d = ev[f]
        if flips[t]:
            c, d = d, c
        if a == d or c == b or a == c or b == d:
            continue
        if _linked(indptr, indices, a, d) or _linked(indptr, indices, c, b):
            continue
        _replace(indptr, indices, a, b, d)
        _replace(indptr, indices, b, a, c)
        _replace(indptr, indices, c, d, b)
        _replace(indptr, indices, d, c, a)
        eu[e], ev[e] = a, d
        eu[f], ev[f] = c, b
        done += 1
    return done


def as_index(arr) -> np.ndarray:
    """``int64`` contiguous copy (the kernels write into it)."""
    return np.array(arr, dtype=np.int64, copy=True, order="C")
