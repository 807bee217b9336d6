"""Reference floors for the L3 kernels on ordinary networks (``bench_link_prediction.py --graphs``).

Two loops that do strictly less than any exact L3 score of every pair, timed in the same run as
chgraph so that its paths per second can be read against what the machine gives for the bare
traversal:

- :func:`walk_floor`: every seed ``i`` enumerates its 3-walks ``i - a - b - o`` and counts those
  with ``o > i`` (every pair once, as the top-k pass does). Nothing is stored: the cost of
  reaching the paths through the CSR lists alone.
- :func:`count_floor`: the same walks add 1 to ``row[o]`` (the seed's row, listing ``o`` when it
  turns nonzero), then the listed entries are read and zeroed: the per-pair 3-walk counts, the
  least an exact per-pair accumulation does (no node factor, no correction for the seeds' common
  neighbours, nothing precomputed, no selection).

Both run parallel over the seeds on numba's threads, on the graph numbered as chgraph's kernels
number it (by degree), so the memory layout is the same.

>>> import numpy as np, scipy.sparse as sp
>>> path = sp.csr_array(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]]))
>>> int(walk_floor(path.indptr.astype(np.int64), path.indices.astype(np.int32)))
8
>>> int(count_floor(path.indptr.astype(np.int64), path.indices.astype(np.int32)))
4
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, nogil=True)
def _walk(indptr, indices, n_chunks):
    n = indptr.size - 1
    tot = np.zeros(n_chunks, np.int64)
    for c in prange(n_chunks):
        acc = 0
        for i in range(c, n, n_chunks):
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p]
                for q in range(indptr[a], indptr[a + 1]):
                    b = indices[q]
                    for r in range(indptr[b], indptr[b + 1]):
                        acc += indices[r] > i
        tot[c] = acc
    return tot.sum()


@njit(parallel=True, cache=True, nogil=True)
def _count(indptr, indices, n_chunks):
    n = indptr.size - 1
    tot = np.zeros(n_chunks, np.int64)
    for c in prange(n_chunks):
        row = np.zeros(n, np.float64)
        touched = np.empty(n, np.int64)
        acc = 0
        for i in range(c, n, n_chunks):
            nt = 0
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p]
                for q in range(indptr[a], indptr[a + 1]):
                    b = indices[q]
                    for r in range(indptr[b], indptr[b + 1]):
                        o = indices[r]
                        if o > i:
                            old = row[o]
                            row[o] = old + 1.0
                            touched[nt] = o
                            nt += old == 0.0
            for t in range(nt):
                o = touched[t]
                acc += row[o] > 0.0
                row[o] = 0.0
        tot[c] = acc
    return tot.sum()


def walk_floor(indptr: np.ndarray, indices: np.ndarray) -> int:
    """The number of 3-walks ``i - a - b - o`` with ``o > i`` (see the module docstring)."""
    return _walk(indptr, indices, numba.get_num_threads())


def count_floor(indptr: np.ndarray, indices: np.ndarray) -> int:
    """The number of pairs ``i < o`` joined by a 3-walk, from per-pair counts accumulated
    seed by seed (see the module docstring)."""
    return _count(indptr, indices, numba.get_num_threads())
