"""Numba kernels of :mod:`chgraph.linkpred.sampling`: the two-level weighted sampler.

Items are grouped in blocks of :data:`BLOCK` (at most 64); which items of a block are taken
is a 64-bit mask, so the bookkeeping stays small (no array as large as the weights is
written).
"""

from __future__ import annotations

import numpy as np
from numba import njit

BLOCK = 16


@njit(cache=True, nogil=True)
def block_sums(w):
    """Sum of each run of ``BLOCK`` consecutive entries of ``w`` (the last may be shorter),
    and the number of positive entries."""
    n = w.size
    nb = (n + BLOCK - 1) // BLOCK
    out = np.zeros(nb, np.float64)
    n_pos = 0
    for b in range(nb):
        acc = 0.0
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            acc += w[i]
            n_pos += w[i] > 0.0
        out[b] = acc
    return out, n_pos


@njit(cache=True, nogil=True)
def draw_round(w, taken, fresh, block_sum, cdf, u, need, out, start):
    """One round of draws with replacement among the items not taken in earlier rounds.

    ``taken[b]``: bit mask of the items of block ``b`` taken in earlier rounds; ``fresh[b]``:
    those taken in this round (all zero on entry). Draw ``t`` maps ``u[t]`` (uniform on
    ``[0, cdf[-1])``) to a block by binary search on ``cdf``, then to an item by a running sum
    over the block's items not in ``taken``. A repeat of an item of this round is skipped;
    new items are written to ``out[start:]`` in draw order, at most ``need`` of them. Then
    the fresh items join ``taken`` and the touched blocks' totals are recomputed without
    the taken items. Returns the count written.
    """
    n = w.size
    nb = cdf.size
    one = np.uint64(1)
    got = 0
    for t in range(u.size):
        if got == need:
            break
        x = u[t]
        lo = 0
        hi = nb
        while lo < hi:
            mid = (lo + hi) // 2
            if cdf[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        if lo >= nb:
            continue  # lost to rounding at the end: redrawn
        b = lo
        r = x - (cdf[b - 1] if b > 0 else 0.0)
        acc = 0.0
        item = -1
        mask = taken[b]
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            if (mask >> np.uint64(i - b * BLOCK)) & one == 0:
                acc += w[i]
                if acc > r and w[i] > 0.0:
                    item = i
                    break
        if item < 0:
            continue  # rounding inside the block: redrawn
        bit = one << np.uint64(item - b * BLOCK)
        if fresh[b] & bit:
            continue  # a repeat within this round
        fresh[b] |= bit
        out[start + got] = item
        got += 1
    for p in range(start, start + got):
        b = out[p] // BLOCK
        if fresh[b] == 0:
            continue
        taken[b] |= fresh[b]
        fresh[b] = np.uint64(0)
        mask = taken[b]
        acc = 0.0
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            if (mask >> np.uint64(i - b * BLOCK)) & one == 0:
                acc += w[i]
        block_sum[b] = acc
    return got
