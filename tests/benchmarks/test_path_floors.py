"""benchmarks/path_floors.py, the reference floors of the graph benchmark, against brute force:
the 3-walks ``i - a - b - o`` with ``o > i`` and the pairs they join, on small random graphs."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import path_floors  # noqa: E402


def _graph(n, p, seed):
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < p, 1)
    A = (upper | upper.T).astype(np.int64)
    csr = sp.csr_array(A)
    csr.sort_indices()
    return A, csr.indptr.astype(np.int64), csr.indices.astype(np.int32)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 14), st.floats(0.0, 1.0), st.integers(0, 2**31))
def test_floors_match_brute_force(n, p, seed):
    A, indptr, indices = _graph(n, p, seed)
    A3 = A @ A @ A  # A3[i, o]: the 3-walks from i to o
    upper = np.triu(np.ones((n, n), bool), 1)
    assert path_floors.walk_floor(indptr, indices) == int(A3[upper].sum())
    assert path_floors.count_floor(indptr, indices) == int((A3[upper] > 0).sum())


def test_floors_do_not_depend_on_the_thread_count():
    import numba

    _, indptr, indices = _graph(60, 0.2, 7)
    before = numba.get_num_threads()
    try:
        got = set()
        for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(threads)
            got.add((path_floors.walk_floor(indptr, indices),
                     path_floors.count_floor(indptr, indices)))
    finally:
        numba.set_num_threads(before)
    assert len(got) == 1
