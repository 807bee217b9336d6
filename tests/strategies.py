"""Hypothesis strategies: small random bipartite layers and unipartite graphs."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

#: link densities the generators draw from (a mix of sparse and dense small graphs)
DENSITIES = (0.15, 0.3, 0.5, 0.7, 0.9)


@st.composite
def biadjacency(draw, max_rows: int = 7, max_cols: int = 7, min_rows: int = 0,
                min_cols: int = 0) -> np.ndarray:
    """A dense 0/1 ``int8`` biadjacency, shapes including zero dimensions."""
    n_in = draw(st.integers(min_rows, max_rows))
    n_out = draw(st.integers(min_cols, max_cols))
    p = draw(st.sampled_from(DENSITIES))
    cut = int(round(100 * p))
    cells = draw(st.lists(st.integers(0, 99), min_size=n_in * n_out, max_size=n_in * n_out))
    return (np.array(cells, dtype=np.int64).reshape(n_in, n_out) < cut).astype(np.int8)


@st.composite
def adjacency(draw, max_nodes: int = 8, min_nodes: int = 0) -> np.ndarray:
    """A dense symmetric 0/1 ``int8`` adjacency with a zero diagonal."""
    n = draw(st.integers(min_nodes, max_nodes))
    p = draw(st.sampled_from(DENSITIES))
    cut = int(round(100 * p))
    m = n * (n - 1) // 2
    cells = draw(st.lists(st.integers(0, 99), min_size=m, max_size=m))
    A = np.zeros((n, n), dtype=np.int8)
    iu = np.triu_indices(n, k=1)
    A[iu] = np.array(cells, dtype=np.int64) < cut
    return (A | A.T).astype(np.int8)

