"""Numba kernels of the path-based Cannistraci-Hebb predictors.

Private: the public functions in :mod:`chgraph.linkpred.scores` validate input and call these.
Every kernel is parallel over source rows; each row is computed by one thread, start to end, in
a fixed order, so results are bit-identical whatever the thread count. Scratch memory is
``O(n)`` per thread: nothing of size ``(n_in + n_out)^2`` is ever allocated.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from .registry import PSI_CH1, PSI_CH2, PSI_CH3, PSI_CH31, PSI_RA

INTERNAL_PATH, INTERNAL_COMMUNITY = 0, 1


@njit(cache=True, nogil=True)
def node_factor(psi, k, di, de):
    """The node factor ``psi(k, di, de)`` of the registry (see ``registry.py``)."""
    if psi == PSI_CH3:
        return 1.0 / (1.0 + de)
    if psi == PSI_RA:
        return 1.0 / k
    if psi == PSI_CH1:
        return di / k
    if psi == PSI_CH2:
        return (1.0 + di) / (1.0 + de)
    if psi == PSI_CH31:
        return 1.0 / (1.0 / (1.0 + di) + de)
    return 1.0  # PSI_CN


def n_chunks_for(n_rows: int) -> int:
    """Number of row chunks handed to the threads (a few per thread, for load balance)."""
    return max(1, min(n_rows, 8 * numba.get_num_threads()))


# ------------------------------------------------------------------------------------------
# bipartite layers, L3 paths
# ------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _bipartite_row_factors(i, indptr, indices, t_indptr, t_indices, deg_in, psi,
                           cnt_in, touched, fac_in):
    """For seed input ``i``: ``fac_in[b] = sqrt(psi)`` of every input b sharing an output with i.

    ``di_b = |N(b) & N(i)|`` (common outputs), ``1 + de_b = k_b - di_b``. An input whose outputs
    all belong to ``N(i)`` (``i`` itself included) reaches only existing links: factor 0.
    """
    nb = 0
    for p in range(indptr[i], indptr[i + 1]):
        a = indices[p]
        for q in range(t_indptr[a], t_indptr[a + 1]):
            b = t_indices[q]
            if cnt_in[b] == 0:
                touched[nb] = b
                nb += 1
            cnt_in[b] += 1
    for t in range(nb):
        b = touched[t]
        di = cnt_in[b]
        kb = deg_in[b]
        cnt_in[b] = 0
        if di >= kb:
            fac_in[b] = 0.0
        else:
            fac_in[b] = np.sqrt(node_factor(psi, kb, di, kb - di - 1))


@njit(cache=True, nogil=True)
def _zero_links(i, indptr, indices, row):
    for p in range(indptr[i], indptr[i + 1]):
        row[indices[p]] = 0.0


@njit(parallel=True, cache=True, nogil=True)
def bipartite_wedge_factors(indptr, indices, t_indptr, t_indices, deg_out, psi, n_chunks):
    """Output-side node factors of every wedge ``a - b - o``, as small integer codes.

    For each link ``(b, a)`` (position ``q`` in the column lists ``t_indices``) and each
    ``o`` in ``N(b)`` (in CSR order), ``code[ptr[q] + s] = di = |N(a) & N(o)|`` (uint16; 2
    bytes a path instead of 8 keeps the stream cache-friendly). The factor itself is
    ``table[t_ptr[a] + di] = sqrt(psi(k_a, di, k_a - di - 1))``, 0 for ``di = k_a``.
    Sizes: ``sum_b k_b^2`` codes, ``sum_a (k_a + 1)`` table entries.
    """
    n_out = deg_out.size
    nnz = t_indices.size
    ptr = np.zeros(nnz + 1, np.int64)
    for q in range(nnz):
        b = t_indices[q]
        ptr[q + 1] = ptr[q] + indptr[b + 1] - indptr[b]
    t_ptr = np.zeros(n_out + 1, np.int64)
    for a in range(n_out):
        t_ptr[a + 1] = t_ptr[a] + deg_out[a] + 1
    table = np.zeros(t_ptr[n_out], np.float64)
    code = np.empty(ptr[nnz], np.uint16)
    for c in prange(n_chunks):
        lo = c * n_out // n_chunks
        hi = (c + 1) * n_out // n_chunks
        cnt = np.zeros(n_out, np.int32)
        for a in range(lo, hi):
            ka = deg_out[a]
            for di in range(ka):
                table[t_ptr[a] + di] = np.sqrt(node_factor(psi, ka, di, ka - di - 1))
            for q in range(t_indptr[a], t_indptr[a + 1]):
                b = t_indices[q]
                for s in range(indptr[b], indptr[b + 1]):
                    cnt[indices[s]] += 1
            for q in range(t_indptr[a], t_indptr[a + 1]):
                b = t_indices[q]
                base = ptr[q] - indptr[b]
                for s in range(indptr[b], indptr[b + 1]):
                    code[base + s] = cnt[indices[s]]
            for q in range(t_indptr[a], t_indptr[a + 1]):
                b = t_indices[q]
                for s in range(indptr[b], indptr[b + 1]):
                    cnt[indices[s]] = 0
    return ptr, code, t_ptr, table


@njit(parallel=True, cache=True, nogil=True)
def bipartite_l3_wedge(indptr, indices, t_indptr, t_indices, w_ptr, w_code, t_ptr, table,
                       deg_in, rows, psi, n_chunks, out):
    """Exact path-based L3 scores of the given input rows, from precomputed wedge codes.

    ``out[r, o]`` receives the score of the pair ``(rows[r], o)`` (0 at existing links).
    Each L3 path ``i-a-b-o`` costs one multiply-add: ``row[o] += fac_i(b) * fac_o(a)``, with
    ``fac_o(a)`` looked up from the code read in sequence (:func:`bipartite_wedge_factors`).
    """
    n_in = deg_in.size
    n_rows = rows.size
    for c in prange(n_chunks):
        lo = c * n_rows // n_chunks
        hi = (c + 1) * n_rows // n_chunks
        cnt_in = np.zeros(n_in, np.int32)
        touched = np.empty(n_in, np.int32)
        fac_in = np.zeros(n_in, np.float64)
        for r in range(lo, hi):
            i = rows[r]
            row = out[r]
            _bipartite_row_factors(i, indptr, indices, t_indptr, t_indices, deg_in, psi,
                                   cnt_in, touched, fac_in)
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p]
                tab = table[t_ptr[a]:t_ptr[a + 1]]
                for q in range(t_indptr[a], t_indptr[a + 1]):
                    b = t_indices[q]
                    gb = fac_in[b]
                    if gb != 0.0:
                        base = w_ptr[q] - indptr[b]
                        for s in range(indptr[b], indptr[b + 1]):
                            row[indices[s]] += gb * tab[w_code[base + s]]
            _zero_links(i, indptr, indices, row)


@njit(parallel=True, cache=True, nogil=True)
def bipartite_gram_factors(indptr, indices, t_indptr, t_indices, deg_out, psi, n_chunks):
    """The output Gram ``C_out = B^T B`` as CSR, its values turned into node factors.

    Entry ``(a, o)`` holds ``sqrt(psi(k_a, di, k_a - di - 1))`` with ``di = |N(a) & N(o)|``
    (0 where ``di = k_a``: then ``o`` shares every input of ``a``, and any seed linked to
    ``a`` is linked to ``o`` too). Two passes, parallel over ``a``: count, then fill.
    """
    n_out = deg_out.size
    row_nnz = np.zeros(n_out + 1, np.int64)
    for c in prange(n_chunks):
        lo = c * n_out // n_chunks
        hi = (c + 1) * n_out // n_chunks
        cnt = np.zeros(n_out, np.int32)
        reached = np.empty(n_out, np.int32)
        for a in range(lo, hi):
            n_reached = 0
            for q in range(t_indptr[a], t_indptr[a + 1]):
                b = t_indices[q]
                for s in range(indptr[b], indptr[b + 1]):
                    o = indices[s]
                    if cnt[o] == 0:
                        reached[n_reached] = o
                        n_reached += 1
                    cnt[o] += 1
            for t in range(n_reached):
                cnt[reached[t]] = 0
            row_nnz[a + 1] = n_reached
    g_indptr = np.cumsum(row_nnz)
    g_indices = np.empty(g_indptr[n_out], np.int32)
    g_fac = np.empty(g_indptr[n_out], np.float64)
    for c in prange(n_chunks):
        lo = c * n_out // n_chunks
        hi = (c + 1) * n_out // n_chunks
        cnt = np.zeros(n_out, np.int32)
        for a in range(lo, hi):
            base = g_indptr[a]
            n_reached = 0
            for q in range(t_indptr[a], t_indptr[a + 1]):
                b = t_indices[q]
                for s in range(indptr[b], indptr[b + 1]):
                    o = indices[s]
                    if cnt[o] == 0:
                        g_indices[base + n_reached] = o
                        n_reached += 1
                    cnt[o] += 1
            ka = deg_out[a]
            for t in range(n_reached):
                o = g_indices[base + t]
                di = cnt[o]
                cnt[o] = 0
                if di < ka:
                    g_fac[base + t] = np.sqrt(node_factor(psi, ka, di, ka - di - 1))
                else:
                    g_fac[base + t] = 0.0
    return g_indptr, g_indices, g_fac


@njit(parallel=True, cache=True, nogil=True)
def bipartite_l3_gram(indptr, indices, t_indptr, t_indices, g_indptr, g_indices, g_fac,
                      deg_in, rows, psi, n_chunks, out):
    """Exact path-based L3 scores of the given input rows, using the Gram factors.

    ``out[r, o]`` receives the score of the pair ``(rows[r], o)`` (0 at existing links).
    For a seed ``i`` and each ``a`` in ``N(i)``, the paths ``i-a-b-o`` are enumerated as a
    scatter ``h[o] += fac(b)`` over ``b in N(a)``, ``o in N(b)``; the row ``a`` of the Gram
    factors (:func:`bipartite_gram_factors`) lists every reached ``o`` with its factor
    ``fac_o(a)``, folded into the score while ``h`` is reset. Work: one scatter-add per L3 path
    plus one multiply-add per entry of the Gram rows of ``N(i)``.
    """
    n_in = deg_in.size
    n_out = out.shape[1]
    n_rows = rows.size
    for c in prange(n_chunks):
        lo = c * n_rows // n_chunks
        hi = (c + 1) * n_rows // n_chunks
        cnt_in = np.zeros(n_in, np.int32)
        touched = np.empty(n_in, np.int32)
        fac_in = np.zeros(n_in, np.float64)
        h = np.zeros(n_out, np.float64)
        for r in range(lo, hi):
            i = rows[r]
            row = out[r]
            _bipartite_row_factors(i, indptr, indices, t_indptr, t_indices, deg_in, psi,
                                   cnt_in, touched, fac_in)
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p]
                for q in range(t_indptr[a], t_indptr[a + 1]):
                    b = t_indices[q]
                    gb = fac_in[b]
                    if gb != 0.0:
                        for s in range(indptr[b], indptr[b + 1]):
                            h[indices[s]] += gb
                for s in range(g_indptr[a], g_indptr[a + 1]):
                    o = g_indices[s]
                    row[o] += h[o] * g_fac[s]
                    h[o] = 0.0
            _zero_links(i, indptr, indices, row)


@njit(inline="always", cache=True, nogil=True)
def _walk_through(a, indptr, indices, t_indptr, t_indices, fac_in, h, cnt_out, reached):
    """The L3 paths ``i-a-b-o`` of a seed ``i`` through its output ``a``: returns ``n_reached``.

    For each ``b`` in ``N(a)`` with ``fac_in[b] != 0`` and each ``o`` in ``N(b)`` (CSR order):
    ``h[o] += fac_in[b]``, ``cnt_out[o] += 1`` (so ``di_a = |N(a) & N(o)|`` among them), and
    ``o`` is listed in ``reached[:n_reached]`` when first met. The caller reads and resets
    ``h`` and ``cnt_out`` there (:func:`_take_term`).
    """
    n_reached = 0
    for q in range(t_indptr[a], t_indptr[a + 1]):
        b = t_indices[q]
        gb = fac_in[b]
        if gb == 0.0:  # N(b) within N(i): b adds only to links of i
            continue
        for s in range(indptr[b], indptr[b + 1]):
            o = indices[s]
            if cnt_out[o] == 0:
                reached[n_reached] = o
                n_reached += 1
            cnt_out[o] += 1
            h[o] += gb
    return n_reached


@njit(inline="always", cache=True, nogil=True)
def _take_term(o, ka, psi, h, cnt_out):
    """The score term of the paths through ``a`` (degree ``ka``) to a reached ``o``, or 0.0.

    ``h[o] * sqrt(psi(k_a, di, k_a - di - 1))``, 0 when ``di = k_a``; resets ``h[o]`` and
    ``cnt_out[o]``. Callers skip a 0.0 term: adding it to a score (never -0.0) changes no bit.
    """
    v = h[o]
    di = cnt_out[o]
    h[o] = 0.0
    cnt_out[o] = 0
    if v != 0.0 and di < ka:
        return v * np.sqrt(node_factor(psi, ka, di, ka - di - 1))
    return 0.0


@njit(parallel=True, cache=True, nogil=True)
def bipartite_l3_direct(indptr, indices, t_indptr, t_indices, deg_in, deg_out, rows, psi,
                        n_chunks, out):
    """Exact path-based L3 scores without a Gram matrix (for layers whose Gram is too large).

    Same result as :func:`bipartite_l3_gram`; ``di_a = |N(a) & N(o)|`` is counted on the fly
    while the paths through ``a`` are enumerated, with a list of the outputs reached.
    """
    n_in = deg_in.size
    n_out = deg_out.size
    n_rows = rows.size
    for c in prange(n_chunks):
        lo = c * n_rows // n_chunks
        hi = (c + 1) * n_rows // n_chunks
        cnt_in = np.zeros(n_in, np.int32)
        touched = np.empty(n_in, np.int32)
        fac_in = np.zeros(n_in, np.float64)
        h = np.zeros(n_out, np.float64)
        cnt_out = np.zeros(n_out, np.int32)
        reached = np.empty(n_out, np.int32)
        for r in range(lo, hi):
            i = rows[r]
            row = out[r]
            _bipartite_row_factors(i, indptr, indices, t_indptr, t_indices, deg_in, psi,
                                   cnt_in, touched, fac_in)
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p]
                n_reached = _walk_through(a, indptr, indices, t_indptr, t_indices, fac_in, h,
                                          cnt_out, reached)
                ka = deg_out[a]
                for t in range(n_reached):
                    o = reached[t]
                    x = _take_term(o, ka, psi, h, cnt_out)
                    if x != 0.0:
                        row[o] += x
            _zero_links(i, indptr, indices, row)


@njit(cache=True, nogil=True)
def _bipartite_row_sparse(i, indptr, indices, t_indptr, t_indices, deg_in, deg_out, psi,
                          cnt_in, touched, fac_in, h, cnt_out, reached, acc, seen, hit):
    """The L3 scores of seed ``i`` in ``acc`` at the outputs ``hit[:n]`` (returns ``n``).

    The arithmetic of :func:`bipartite_l3_direct`, in the same order (so the same values),
    but only the outputs reached by a path with a positive term are touched and listed; the
    caller reads them and resets ``acc`` and ``seen`` there. Links of ``i`` are set to 0.
    """
    _bipartite_row_factors(i, indptr, indices, t_indptr, t_indices, deg_in, psi,
                           cnt_in, touched, fac_in)
    n_hit = 0
    for p in range(indptr[i], indptr[i + 1]):
        a = indices[p]
        n_reached = _walk_through(a, indptr, indices, t_indptr, t_indices, fac_in, h, cnt_out,
                                  reached)
        ka = deg_out[a]
        for t in range(n_reached):
            o = reached[t]
            x = _take_term(o, ka, psi, h, cnt_out)
            if x != 0.0:
                if not seen[o]:
                    seen[o] = True
                    hit[n_hit] = o
                    n_hit += 1
                acc[o] += x
    _zero_links(i, indptr, indices, acc)
    return n_hit


@njit(parallel=True, cache=True, nogil=True)
def bipartite_l3_sparse(indptr, indices, t_indptr, t_indices, deg_in, deg_out, rows, psi,
                        n_chunks, out_ptr, out_cols, out_vals):
    """Exact path-based L3 scores of the given input rows, only where positive (CSR-like).

    Work follows the L3 paths of the seeds (no ``n_out``-wide row is written). With
    ``out_cols`` empty, a counting pass: ``out_ptr[r + 1]`` receives the number of positive
    non-link scores of ``rows[r]``. Then, ``out_ptr`` made cumulative, a filling pass writes
    their outputs, ascending, to ``out_cols[out_ptr[r]:out_ptr[r + 1]]`` and the scores to
    ``out_vals`` (equal to those of :func:`bipartite_l3_direct`).
    """
    n_in = deg_in.size
    n_out = deg_out.size
    n_rows = rows.size
    fill = out_cols.size > 0
    for c in prange(n_chunks):
        lo = c * n_rows // n_chunks
        hi = (c + 1) * n_rows // n_chunks
        cnt_in = np.zeros(n_in, np.int32)
        touched = np.empty(n_in, np.int32)
        fac_in = np.zeros(n_in, np.float64)
        h = np.zeros(n_out, np.float64)
        cnt_out = np.zeros(n_out, np.int32)
        reached = np.empty(n_out, np.int32)
        acc = np.zeros(n_out, np.float64)
        seen = np.zeros(n_out, np.bool_)
        hit = np.empty(n_out, np.int32)
        for r in range(lo, hi):
            n_hit = _bipartite_row_sparse(rows[r], indptr, indices, t_indptr, t_indices,
                                          deg_in, deg_out, psi, cnt_in, touched, fac_in, h,
                                          cnt_out, reached, acc, seen, hit)
            hits = np.sort(hit[:n_hit])
            w = out_ptr[r] if fill else 0
            for t in range(n_hit):
                o = hits[t]
                v = acc[o]
                acc[o] = 0.0
                seen[o] = False
                if v > 0.0:
                    if fill:
                        out_cols[w] = o
                        out_vals[w] = v
                    w += 1
            if not fill:
                out_ptr[r + 1] = w


# ------------------------------------------------------------------------------------------
# unipartite graphs, L2 and L3 paths, explicit local community per pair
# ------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _pair_score_l2(i, o, indptr, indices, deg, psi, in_i, in_lc, lc):
    """Sum over common neighbours z of psi(k_z, di_z, k_z - di_z - 2)."""
    n_lc = 0
    for p in range(indptr[o], indptr[o + 1]):
        z = indices[p]
        if in_i[z]:
            in_lc[z] = True
            lc[n_lc] = z
            n_lc += 1
    score = 0.0
    for t in range(n_lc):
        z = lc[t]
        di = 0
        for p in range(indptr[z], indptr[z + 1]):
            if in_lc[indices[p]]:
                di += 1
        kz = deg[z]
        score += node_factor(psi, kz, di, kz - di - 2)
    for t in range(n_lc):
        in_lc[lc[t]] = False
    return score


@njit(cache=True, nogil=True)
def _pair_score_l3(i, o, indptr, indices, deg, psi, internal, in_i, in_o, in_lc, lc, fac):
    """Sum over the L3 paths i-a-b-o (distinct nodes) of sqrt(psi_a) sqrt(psi_b)."""
    for p in range(indptr[o], indptr[o + 1]):
        in_o[indices[p]] = True
    # local community: the intermediate nodes of all L3 paths
    n_lc = 0
    for p in range(indptr[o], indptr[o + 1]):
        b = indices[p]
        if b == i:
            continue
        for q in range(indptr[b], indptr[b + 1]):
            a = indices[q]
            if a != o and in_i[a]:
                if not in_lc[a]:
                    in_lc[a] = True
                    lc[n_lc] = a
                    n_lc += 1
                if not in_lc[b]:
                    in_lc[b] = True
                    lc[n_lc] = b
                    n_lc += 1
    for t in range(n_lc):
        z = lc[t]
        di = 0
        zi = in_i[z]
        zo = in_o[z]
        for p in range(indptr[z], indptr[z + 1]):
            w = indices[p]
            if internal == INTERNAL_PATH:
                # z-w is the middle link of i-z-w-o or of i-w-z-o
                if (zi and in_o[w]) or (zo and in_i[w]):
                    di += 1
            elif in_lc[w]:
                di += 1
        kz = deg[z]
        de = kz - di - (1 if zi else 0) - (1 if zo else 0)
        fac[z] = np.sqrt(node_factor(psi, kz, di, de))
    score = 0.0
    for p in range(indptr[o], indptr[o + 1]):
        b = indices[p]
        if b == i:
            continue
        fb = fac[b]
        for q in range(indptr[b], indptr[b + 1]):
            a = indices[q]
            if a != o and in_i[a]:
                score += fac[a] * fb
    for t in range(n_lc):
        in_lc[lc[t]] = False
    for p in range(indptr[o], indptr[o + 1]):
        in_o[indices[p]] = False
    return score


@njit(parallel=True, cache=True, nogil=True)
def unipartite_rows(indptr, indices, deg, rows, psi, path_length, internal, upper_only, n_chunks,
                    out):
    """Scores of the pairs (rows[r], o) of an undirected simple graph, for every non-link o.

    With ``upper_only`` only ``o > rows[r]`` are computed (the rest of the row stays 0).
    """
    n = deg.size
    n_rows = rows.size
    for c in prange(n_chunks):
        lo = c * n_rows // n_chunks
        hi = (c + 1) * n_rows // n_chunks
        in_i = np.zeros(n, np.bool_)
        in_o = np.zeros(n, np.bool_)
        in_lc = np.zeros(n, np.bool_)
        seen = np.zeros(n, np.bool_)
        lc = np.empty(n, np.int64)
        cand = np.empty(n, np.int64)
        fac = np.zeros(n, np.float64)
        for r in range(lo, hi):
            i = rows[r]
            for p in range(indptr[i], indptr[i + 1]):
                in_i[indices[p]] = True
            # candidates: endpoints of paths of the right length, not linked to i
            n_cand = 0
            seen[i] = True
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p]
                for q in range(indptr[a], indptr[a + 1]):
                    b = indices[q]
                    if path_length == 2:
                        if not seen[b] and not in_i[b] and (not upper_only or b > i):
                            seen[b] = True
                            cand[n_cand] = b
                            n_cand += 1
                        continue
                    if b == i:
                        continue
                    for s in range(indptr[b], indptr[b + 1]):
                        o = indices[s]
                        if o != a and not seen[o] and not in_i[o] and (not upper_only or o > i):
                            seen[o] = True
                            cand[n_cand] = o
                            n_cand += 1
            seen[i] = False
            for t in range(n_cand):
                o = cand[t]
                seen[o] = False
                if path_length == 2:
                    out[r, o] = _pair_score_l2(i, o, indptr, indices, deg, psi, in_i, in_lc, lc)
                else:
                    out[r, o] = _pair_score_l3(i, o, indptr, indices, deg, psi, internal,
                                               in_i, in_o, in_lc, lc, fac)
            for p in range(indptr[i], indptr[i + 1]):
                in_i[indices[p]] = False
