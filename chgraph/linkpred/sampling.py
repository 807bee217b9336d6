"""Exact samplers and top-k on dense score arrays, shared by link selection and evolution.

These work on a whole score array held in memory (fast: one pass plus ``O(k log n)`` draws);
:func:`chgraph.sample_links` and :func:`chgraph.top_k_links` use them for layers that fit in
memory and stream the scores otherwise.
"""

from __future__ import annotations

import numpy as np

from . import _sampling_kernels as _kernels

__all__ = ["top_k_flat", "weighted_sample", "uniform_sample", "StreamingTopK"]


def top_k_flat(values: np.ndarray, k: int, ordered: bool = True) -> np.ndarray:
    """Indices of the ``k`` largest ``values``, ties broken by the smaller index.

    Best first when ``ordered`` (equal values by index), else in ascending index order.

    >>> top_k_flat(np.array([1.0, 3.0, 3.0, 2.0]), 2).tolist()
    [1, 2]
    """
    values = np.asarray(values)
    n = values.size
    if k <= 0:
        return np.empty(0, np.int64)
    if k >= n:
        sel = np.arange(n, dtype=np.int64)
    else:
        kth = np.partition(values, n - k)[n - k]
        above = np.flatnonzero(values > kth)
        tied = np.flatnonzero(values == kth)[: k - above.size]
        sel = np.concatenate([above, tied])
    if not ordered:
        return np.sort(sel).astype(np.int64)
    order = np.lexsort((sel, -values[sel]))
    return sel[order].astype(np.int64)


def weighted_sample(weights: np.ndarray, k: int, rng: np.random.Generator,
                    short_ok: bool = False) -> np.ndarray | None:
    """``k`` flat indices drawn without replacement, each draw proportional to ``weights``.

    Exact successive draws, in rounds: each round draws with replacement from the items not
    drawn in earlier rounds and keeps the first appearance of each new item, in draw order
    (the same process as successive draws among the remaining items). The search is
    two-level: the cumulative sum of block totals (blocks of a few items), then a running sum
    inside the drawn block, so a large array is read once and no large temporary is made.
    ``weights`` (any shape, read in row-major flat order) must be non-negative; it is not
    modified. Indices are returned in draw order. With fewer than ``k`` positive entries:
    ``None`` if ``short_ok``, else ``ValueError``.

    >>> rng = np.random.default_rng(0)
    >>> sorted(weighted_sample(np.array([0.0, 1.0, 2.0, 0.0]), 2, rng).tolist())
    [1, 2]
    """
    w = np.ascontiguousarray(weights, dtype=np.float64).ravel()
    if k <= 0:
        return np.empty(0, np.int64)
    block_sum, n_pos = _kernels.block_sums(w)
    if n_pos < k:
        if short_ok:
            return None
        raise ValueError(f"only {n_pos} positive weights for k={k} draws")
    taken = np.zeros(block_sum.size, dtype=np.uint64)
    fresh = np.zeros(block_sum.size, dtype=np.uint64)
    out = np.empty(k, dtype=np.int64)
    got = 0
    while got < k:
        need = k - got
        cdf = np.cumsum(block_sum)
        u = rng.random(need + need // 4 + 16) * cdf[-1]
        got += _kernels.draw_round(w, taken, fresh, block_sum, cdf, u, need, out, got)
    return out


def uniform_sample(rows: np.ndarray, cols: np.ndarray, n_cols: int, occupied: np.ndarray,
                   k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct flat indices ``r * n_cols + c``, uniform over ``rows x cols`` minus
    ``occupied`` (flat indices), without replacement. ``k`` must not exceed the free cells.

    >>> rng = np.random.default_rng(0)
    >>> sorted(uniform_sample(np.array([0, 1]), np.array([0, 1]), 2, np.array([0, 3]), 2,
    ...                       rng).tolist())
    [1, 2]
    """
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    if k <= 0:
        return np.empty(0, np.int64)
    occupied = np.unique(np.asarray(occupied, np.int64))
    total = rows.size * cols.size
    if 2 * k >= total - occupied.size or total <= 4096:  # enumerate the free cells
        grid = (rows[:, None] * n_cols + cols[None, :]).ravel()
        free = grid[~np.isin(grid, occupied, assume_unique=True)]
        return free[rng.permutation(free.size)[:k]].astype(np.int64)
    out: list[np.ndarray] = []
    seen = occupied
    need = k
    while need > 0:
        m = 2 * need + 16
        flat = rows[rng.integers(0, rows.size, m)] * n_cols + cols[rng.integers(0, cols.size, m)]
        _, first = np.unique(flat, return_index=True)
        flat = flat[np.sort(first)]
        flat = flat[~np.isin(flat, seen)][:need]
        out.append(flat)
        seen = np.union1d(seen, flat)
        need -= flat.size
    return np.concatenate(out).astype(np.int64)


class StreamingTopK:
    """The ``k`` largest values seen so far, ties broken by the smaller flat index.

    Offered block by block (:meth:`push`), it keeps ``O(k)`` entries; with ``keep_ties``
    every entry equal to the k-th value is kept too. Each entry may carry a payload.

    >>> best = StreamingTopK(2)
    >>> best.push(np.array([1.0, 3.0]), np.array([10, 11]))
    >>> best.push(np.array([3.0, 2.0]), np.array([5, 12]))
    >>> vals, idx, _ = best.result()
    >>> vals.tolist(), idx.tolist(), best.kth()
    ([3.0, 3.0], [5, 11], 3.0)
    """

    def __init__(self, k: int, keep_ties: bool = False) -> None:
        self.k = k
        self.keep_ties = keep_ties
        self.vals = np.empty(0, np.float64)
        self.idx = np.empty(0, np.int64)
        self.payload = np.empty(0, np.float64)

    def push(self, vals: np.ndarray, idx: np.ndarray, payload: np.ndarray | None = None) -> None:
        """Offer candidates ``idx`` with values ``vals`` (and a value ``payload`` to carry)."""
        if self.k == 0 or vals.size == 0:
            return
        if payload is None:
            payload = vals
        if self.vals.size >= self.k:  # only values reaching the current k-th can enter
            keep = vals >= self._kth(self.vals)
            vals, idx, payload = vals[keep], idx[keep], payload[keep]
            if vals.size == 0:
                return
        v = np.concatenate([self.vals, vals])
        i = np.concatenate([self.idx, idx])
        p = np.concatenate([self.payload, payload])
        if v.size > self.k:
            kth = self._kth(v)
            if self.keep_ties:
                sel = np.flatnonzero(v >= kth)
            else:
                above = np.flatnonzero(v > kth)
                tied = np.flatnonzero(v == kth)
                need = self.k - above.size
                if tied.size > need:
                    tied = tied[np.argsort(i[tied], kind="stable")[:need]]
                sel = np.concatenate([above, tied])
            v, i, p = v[sel], i[sel], p[sel]
        self.vals, self.idx, self.payload = v, i, p

    def _kth(self, v: np.ndarray) -> float:
        return np.partition(v, v.size - self.k)[v.size - self.k]

    def kth(self) -> float:
        """The k-th largest value kept, ``-inf`` while fewer than ``k`` are kept (or k = 0):
        the threshold a new value must reach."""
        return float(self._kth(self.vals)) if self.k and self.vals.size >= self.k else -np.inf

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(values, flat indices, payloads)``, best first."""
        order = np.lexsort((self.idx, -self.vals))
        return self.vals[order], self.idx[order], self.payload[order]
