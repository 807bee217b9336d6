"""Numba kernels of the exact path-based predictors on ordinary (unipartite) networks.

Private: :class:`chgraph.linkpred.scores.UnipartiteScorer` validates input and calls these.

For a candidate pair ``(i, o)`` (two distinct, non-adjacent nodes) write ``P = N(i)``,
``Q = N(o)`` and ``C[x, y] = |N(x) & N(y)|``. Every L3 walk ``i - a - b - o`` of a non-adjacent
pair has four distinct nodes, and the internal degree of an intermediate node is a
common-neighbour count plus a correction for the seeds' common neighbours (docs/method.md,
section 2):

=======================  ==========================================  =========================
intermediate             ``di`` ("path" rule)                        ``de``
=======================  ==========================================  =========================
``a in P \\ Q``           ``C[a, o]``                                 ``k_a - di - 1``
``b in Q \\ P``           ``C[b, i]``                                 ``k_b - di - 1``
``z in P & Q``           ``C[z, i] + C[z, o] - |N(z) & P & Q|``      ``k_z - di - 2``
=======================  ==========================================  =========================

The "community" rule (every link to another local-community node) adds, for ``a in P \\ Q``,
the nodes ``y in N(a) & P \\ Q`` with ``C[y, o] > 0`` and, for ``b in Q \\ P``, the nodes
``y in N(b) & Q \\ P`` with ``C[y, i] > 0``; both need a triangle through ``a`` (or ``b``),
common neighbours are counted the same way by both rules.

So, per seed ``i``: one pass over the 2-hop neighbourhood gives ``C[b, i]`` and the factor of
every ``b``; the factor of ``a`` for ``o`` is read from a precomputed 2-byte code of the wedge
``a - b - o`` holding ``C[a, o]`` (the **wedge** kernel, one multiply-add per L3 path, as on
layers) or counted on the fly (the **direct** kernel, no precomputation). Paths through a
common neighbour of the seeds are exactly those closing a triangle; they are found from
per-link triangle lists (``etri``, ``tri_*``) and get their exact factors separately.

Every kernel is parallel over seeds; one thread computes a seed start to end in a fixed order,
so results are bit-identical whatever the thread count. Scratch memory is ``O(n + nnz)`` per
thread, allocated once per scorer; nothing of size ``n^2`` is ever allocated.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from ._kernels import INTERNAL_COMMUNITY, node_factor

SCALAR, PER_O, SKIP = 0, 1, 2
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


# ------------------------------------------------------------------------------------------
# precomputation
# ------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, error_model="numpy")
def reverse_positions(indptr, indices):
    """``rev[t]``: for the link at CSR position ``t`` (``w -> y``), the position of ``w`` in
    the list of ``y``. Needs sorted, symmetric lists."""
    n = indptr.size - 1
    nxt = indptr[:-1].copy()
    rev = np.empty(indices.size, np.int64)
    for w in range(n):
        for t in range(indptr[w], indptr[w + 1]):
            y = indices[t]
            rev[t] = nxt[y]
            nxt[y] += 1
    return rev


@njit(cache=True, nogil=True, inline="always")
def _set_marks(indptr, indices, z, mark, value):
    """``mark[y] = value`` for every neighbour ``y`` of ``z``."""
    for p in range(indptr[z], indptr[z + 1]):
        mark[indices[p]] = value


@njit(cache=True, nogil=True, error_model="numpy")
def _etri_part(indptr, indices, c, n_chunks, etri):
    """``etri`` at the links of the nodes ``z = c, c + n_chunks, ...``."""
    n = indptr.size - 1
    mark = np.zeros(n, np.uint8)
    for z in range(c, n, n_chunks):
        _set_marks(indptr, indices, z, mark, 1)
        for p in range(indptr[z], indptr[z + 1]):
            w = indices[p]
            cnt = 0
            for t in range(indptr[w], indptr[w + 1]):
                cnt += mark[indices[t]]
            etri[p] = cnt
        _set_marks(indptr, indices, z, mark, 0)


@njit(cache=True, nogil=True, error_model="numpy")
def _tri_part(indptr, indices, rev, c, n_chunks, tri_ptr, tri_y, tri_pos):
    """``tri_y``, ``tri_pos`` at the links of the nodes ``z = c, c + n_chunks, ...``."""
    n = indptr.size - 1
    mark = np.zeros(n, np.uint8)
    for z in range(c, n, n_chunks):
        if tri_ptr[indptr[z + 1]] == tri_ptr[indptr[z]]:  # z in no triangle
            continue
        _set_marks(indptr, indices, z, mark, 1)
        for p in range(indptr[z], indptr[z + 1]):
            e = tri_ptr[p]
            if e == tri_ptr[p + 1]:  # the link z - w closes no triangle
                continue
            w = indices[p]
            for t in range(indptr[w], indptr[w + 1]):
                y = indices[t]
                if mark[y]:
                    tri_y[e] = y
                    tri_pos[e] = rev[t]
                    e += 1
        _set_marks(indptr, indices, z, mark, 0)


@njit(cache=True, nogil=True, error_model="numpy")
def _code_part(indptr, indices, deg, psi, c, n_chunks, w_ptr, code, t_ptr, table):
    """Codes and tables (:func:`wedge_codes`) of the nodes ``a = c, c + n_chunks, ...``."""
    n = deg.size
    cnt = np.zeros(n, np.int32)
    adj = np.zeros(n, np.uint8)
    for a in range(c, n, n_chunks):
        ka = deg[a]
        for d in range(ka):
            table[t_ptr[a] + d] = np.sqrt(node_factor(psi, ka, d, ka - d - 1))
        sentinel = np.uint16(ka + 1)
        adj[a] = 1
        for q in range(indptr[a], indptr[a + 1]):
            b = indices[q]
            adj[b] = 1
            for s in range(indptr[b], indptr[b + 1]):
                cnt[indices[s]] += 1
        for q in range(indptr[a], indptr[a + 1]):
            b = indices[q]
            base = w_ptr[q] - indptr[b]
            for s in range(indptr[b], indptr[b + 1]):
                o = indices[s]
                code[base + s] = sentinel if adj[o] else np.uint16(cnt[o])
        for q in range(indptr[a], indptr[a + 1]):
            b = indices[q]
            adj[b] = 0
            for s in range(indptr[b], indptr[b + 1]):
                cnt[indices[s]] = 0
        adj[a] = 0


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def _parts_parallel(g, rev, psi, n_chunks, part, out):
    """Part ``part`` (0: ``etri``, 1: triangle lists, 2: wedge codes) of every chunk, one
    chunk per thread; ``out``: the arrays it fills."""
    indptr, indices, deg = g
    for c in prange(n_chunks):
        if part == 0:
            _etri_part(indptr, indices, c, n_chunks, out[0])
        elif part == 1:
            _tri_part(indptr, indices, rev, c, n_chunks, out[1], out[2], out[3])
        else:
            _code_part(indptr, indices, deg, psi, c, n_chunks, out[4], out[5], out[6], out[7])


@njit(cache=True, nogil=True, error_model="numpy")
def _parts(g, rev, psi, n_chunks, part, out):
    """:func:`_parts_parallel`, serial when ``n_chunks`` is 1 (no thread launch)."""
    if n_chunks > 1:
        _parts_parallel(g, rev, psi, n_chunks, part, out)
        return
    indptr, indices, deg = g
    if part == 0:
        _etri_part(indptr, indices, 0, 1, out[0])
    elif part == 1:
        _tri_part(indptr, indices, rev, 0, 1, out[1], out[2], out[3])
    else:
        _code_part(indptr, indices, deg, psi, 0, 1, out[4], out[5], out[6], out[7])


@njit(cache=True, nogil=True, error_model="numpy")
def triangle_lists(indptr, indices, rev, n_chunks):
    """Per link position ``p`` (``z -> w``): ``etri[p] = C[z, w]`` and the list of the
    triangles' third nodes ``y`` (``tri_y``) with the position of ``w`` in the list of ``y``
    (``tri_pos``), at ``tri_ptr[p]:tri_ptr[p + 1]``. ``sum k^2`` work, two passes, over
    ``n_chunks`` interleaved sets of nodes ``z``, one thread each (every entry is computed
    by one thread, the same whatever the count; 1: serial, for small graphs, where a thread
    launch costs more)."""
    nnz = indices.size
    deg = indptr[1:] - indptr[:-1]
    etri = np.zeros(nnz, np.int32)
    out = (etri, np.zeros(1, np.int64), np.zeros(1, np.int32), np.zeros(1, np.int64),
           np.zeros(1, np.int64), np.zeros(1, np.uint16), np.zeros(1, np.int64),
           np.zeros(1, np.float64))
    _parts((indptr, indices, deg), rev, 0, n_chunks, 0, out)
    tri_ptr = np.zeros(nnz + 1, np.int64)
    for p in range(nnz):
        tri_ptr[p + 1] = tri_ptr[p] + etri[p]
    tri_y = np.empty(tri_ptr[nnz], np.int32)
    tri_pos = np.empty(tri_ptr[nnz], np.int64)
    out = (etri, tri_ptr, tri_y, tri_pos) + out[4:]
    _parts((indptr, indices, deg), rev, 0, n_chunks, 1, out)
    return etri, tri_ptr, tri_y, tri_pos


@njit(cache=True, nogil=True, error_model="numpy")
def wedge_codes(indptr, indices, deg, psi, n_chunks):
    """Codes of every wedge ``a - b - o`` and the per-node factor tables of the wedge kernel.

    For the link ``a -> b`` at position ``q`` and each ``o`` in ``N(b)`` at position ``s``:
    ``code[w_ptr[q] + s - indptr[b]] = C[a, o]``, or ``k_a + 1`` when ``o`` is ``a`` or a
    neighbour of ``a`` (then ``a`` is a common neighbour of the seeds: handled apart).
    ``table[t_ptr[a] + d] = sqrt(psi(k_a, d, k_a - d - 1))`` for ``d < k_a``, 0 for
    ``d = k_a`` and for the sentinel ``k_a + 1``. Sizes: ``sum_b k_b^2`` codes (uint16),
    ``sum_a (k_a + 2)`` table entries. Threads as in :func:`triangle_lists`.
    """
    n = deg.size
    nnz = indices.size
    w_ptr = np.zeros(nnz + 1, np.int64)
    for q in range(nnz):
        w_ptr[q + 1] = w_ptr[q] + deg[indices[q]]
    t_ptr = np.zeros(n + 1, np.int64)
    for a in range(n):
        t_ptr[a + 1] = t_ptr[a] + deg[a] + 2
    table = np.zeros(t_ptr[n], np.float64)
    code = np.empty(w_ptr[nnz], np.uint16)
    out = (np.zeros(1, np.int32), np.zeros(1, np.int64), np.zeros(1, np.int32),
           np.zeros(1, np.int64), w_ptr, code, t_ptr, table)
    _parts((indptr, indices, deg), np.zeros(1, np.int64), psi, n_chunks, 2, out)
    return w_ptr, code, t_ptr, table


# ------------------------------------------------------------------------------------------
# one seed
# ------------------------------------------------------------------------------------------
@intrinsic
def _prefetch(typingctx, arr, idx):
    """Ask the cache for ``arr[idx]`` ahead of its use (``llvm.prefetch``, for reading, kept in
    every cache level): no result, never faults, even past the end of ``arr``. The kernels'
    time goes mostly to first reads of scattered lists, one seed's 2-hop nodes after another;
    issued a few nodes ahead, those reads overlap."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        k = context.cast(builder, args[1], signature.args[1], types.intp)
        i8p = builder.bitcast(builder.gep(ary.data, [k]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p.type, i32, i32, i32])
        # "llvm.prefetch.p0i8": its name with typed pointers (LLVM 14), which LLVM's
        # auto-upgrade renames for opaque ones (LLVM >= 17: "llvm.prefetch.p0")
        fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p.type], fnty)
        builder.call(fn, [i8p, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, error_model="numpy")
def _first_above(indices, lo_pos, hi_pos, lo):
    """First position in the sorted list ``indices[lo_pos:hi_pos]`` holding a node > lo."""
    if lo < 0 or lo_pos == hi_pos or indices[lo_pos] > lo:
        return lo_pos
    left = lo_pos
    right = hi_pos
    while left < right:  # first position with indices[pos] > lo
        mid = (left + right) >> 1
        if indices[mid] > lo:
            right = mid
        else:
            left = mid + 1
    return left


@njit(cache=True, nogil=True, error_model="numpy")
def _add(row, touched, nt, o, x, lab):
    """``row[o] += x`` (``row[lab[o]]`` with a map ``lab``: a row of the caller's output),
    appending ``o`` to ``touched[:nt]`` when the entry turns from 0 to nonzero (no branch);
    returns the new count. Every term is >= 0, so an entry turns nonzero once per seed: ``o``
    is listed at most once, and an entry left 0 need not be listed. ``lab`` is None or an
    array: numba compiles each case apart (the test below is pruned)."""
    j = o
    if lab is not None:
        j = np.uint32(lab[o])
    old = row[j]
    new = old + x
    row[j] = new
    touched[nt] = o
    return nt + ((old == 0.0) & (new != 0.0))


@njit(cache=True, nogil=True, error_model="numpy")
def _n_in(tri_ptr, tri_y, e0, e1, in_i):
    t = 0
    for e in range(e0, e1):
        t += in_i[tri_y[e]]
    return t


@njit(cache=True, nogil=True, error_model="numpy")
def _b_factors(i, lo, nw, psi, community, g, s):
    """Factor of every 2-hop node ``b`` as the last intermediate: a scalar (``G``), per
    ``o`` (``F`` at the positions of ``N(b)``), or none (``SKIP``: it reaches only ``P``, or
    no candidate ``o > lo``);
    ``bstart``: the first position of ``N(b)`` holding a candidate ``o > lo`` (the end of
    the list for ``SKIP``: only neighbours of ``i`` there). ``G``, ``mode`` and ``bstart``
    are indexed by the position of ``b`` in ``walk`` (``cw[2 b + 1]``, see
    :func:`seed_scores`): written and read in the order of the walk, in cache."""
    indptr, indices, deg, etri, tri_ptr, tri_y, tri_pos = g
    in_i, cw, walk, G, mode, F, bstart = s[0], s[1], s[2], s[3], s[4], s[5], s[20]
    for t in range(nw):
        if t + 16 < nw:  # two stages ahead: the bounds of a list, then its head
            _prefetch(indptr, walk[t + 16])
        if t + 8 < nw:
            _prefetch(indices, indptr[walk[t + 8]])
        b = walk[t]
        c = cw[2 * b]
        s0 = indptr[b]
        s1 = indptr[b + 1]
        kb = s1 - s0
        if b == i or (c >= kb and in_i[b] == 0):
            mode[t] = SKIP
            bstart[t] = s1
            continue
        start = _first_above(indices, s0, s1, lo)
        bstart[t] = start
        if start == s1:  # no candidate o > lo in N(b): never the last intermediate
            mode[t] = SKIP
            continue
        if in_i[b]:  # a common neighbour of i and every candidate o in N(b)
            mode[t] = PER_O
            for sp in range(start, s1):
                o = indices[sp]
                if o == i or in_i[o]:
                    F[sp] = 0.0
                    continue
                di = c + etri[sp] - _n_in(tri_ptr, tri_y, tri_ptr[sp], tri_ptr[sp + 1], in_i)
                F[sp] = np.sqrt(node_factor(psi, kb, di, kb - di - 2))
            continue
        gb = np.sqrt(node_factor(psi, kb, c, kb - c - 1))
        if community and tri_ptr[s1] > tri_ptr[s0]:
            extra = False
            for sp in range(start, s1):
                o = indices[sp]
                if o == i or in_i[o]:
                    F[sp] = 0.0
                    continue
                x = 0
                for e in range(tri_ptr[sp], tri_ptr[sp + 1]):
                    y = tri_y[e]
                    if cw[2 * y] > 0 and in_i[y] == 0 and y != i:
                        x += 1
                if x == 0:
                    F[sp] = gb
                else:
                    di = c + x
                    F[sp] = np.sqrt(node_factor(psi, kb, di, kb - di - 1))
                    extra = True
            if extra:
                mode[t] = PER_O
                continue
        mode[t] = SCALAR
        G[t] = gb


@njit(cache=True, nogil=True, error_model="numpy")
def _a_wedge(i, a, lo, psi, g, w, s, row, nt, lab):
    """Paths ``i - a - b - o`` for one ``a`` in ``P``: one multiply-add each from the wedge
    codes; then the paths where ``a`` is a common neighbour of ``i`` and ``o``. Every ``o``
    written is appended to ``touched`` (see :func:`seed_scores`); returns its new length."""
    indptr, indices, deg, etri, tri_ptr, tri_y, tri_pos = g
    w_ptr, code, t_ptr, table = w
    in_i, cw, G, mode, F, bstart = s[0], s[1], s[3], s[4], s[5], s[20]
    touched = s[21]
    tab = table[t_ptr[a]:t_ptr[a + 1]]
    for q in range(indptr[a], indptr[a + 1]):
        b = indices[q]
        tb = cw[2 * b + 1]
        m = mode[tb]
        if m == SKIP:
            continue
        s0 = indptr[b]
        s1 = indptr[b + 1]
        off = w_ptr[q] - s0
        start = bstart[tb]
        # local views and unsigned indices: no wrap-around checks, a tight loop
        nodes = indices[start:s1]
        codes = code[off + start:off + s1]
        if m == SCALAR:
            gb = G[tb]
            for t in range(s1 - start):
                o = np.uint32(nodes[t])
                nt = _add(row, touched, nt, o, gb * tab[np.uint32(codes[t])], lab)
        else:
            fb = F[start:s1]
            for t in range(s1 - start):
                o = np.uint32(nodes[t])
                nt = _add(row, touched, nt, o, fb[t] * tab[np.uint32(codes[t])], lab)
    if tri_ptr[indptr[a + 1]] == tri_ptr[indptr[a]]:  # a in no triangle: no o in N(i) & N(o)
        return nt
    ka = deg[a]
    ca = cw[2 * a]
    for pp in range(_first_above(indices, indptr[a], indptr[a + 1], lo), indptr[a + 1]):
        if etri[pp] == 0:
            continue
        o = indices[pp]
        if o == i or in_i[o]:
            continue
        e0 = tri_ptr[pp]
        e1 = tri_ptr[pp + 1]
        di = ca + etri[pp] - _n_in(tri_ptr, tri_y, e0, e1, in_i)
        fa = np.sqrt(node_factor(psi, ka, di, ka - di - 2))
        acc = 0.0
        for e in range(e0, e1):
            ty = cw[2 * tri_y[e] + 1]  # y is a neighbour of a: in the walk
            m = mode[ty]
            if m == SCALAR:
                acc += G[ty]
            elif m == PER_O:
                acc += F[tri_pos[e]]
        nt = _add(row, touched, nt, o, fa * acc, lab)
    return nt


@njit(cache=True, nogil=True, error_model="numpy")
def _a_direct(i, a, lo, psi, special, g, w, s, row, nt, lab):
    """Paths ``i - a - b - o`` for one ``a`` in ``P``, ``C[a, o]`` counted on the fly (no
    wedge codes). ``special``: the community rule's extra count for ``a`` (a triangle
    ``i - a - y``) is made here too. Returns the new length of ``touched``."""
    indptr, indices, deg, etri, tri_ptr, tri_y, tri_pos = g
    t_ptr, table = w[2], w[3]
    in_i, cw, G, mode, F, bstart = s[0], s[1], s[3], s[4], s[5], s[20]
    h, cnt, t3, reached, X, stamp_a, stamp_y, nb_y, ctr = (s[6], s[7], s[8], s[9], s[10],
                                                           s[11], s[12], s[13], s[15])
    ka = deg[a]
    ctr[0] += 1
    tag = ctr[0]
    for q in range(indptr[a], indptr[a + 1]):
        stamp_a[indices[q]] = tag
    nr = 0
    for q in range(indptr[a], indptr[a + 1]):
        b = indices[q]
        tb = cw[2 * b + 1]
        m = mode[tb]
        if m == SKIP:
            continue
        s1 = indptr[b + 1]
        start = bstart[tb]
        inb = in_i[b]
        gb = G[tb]
        nodes = indices[start:s1]
        fb = F[start:s1]
        for t in range(s1 - start):
            o = np.uint32(nodes[t])
            if cnt[o] == 0:
                reached[nr] = o
                nr += 1
            cnt[o] += 1
            t3[o] += inb
            h[o] += gb if m == SCALAR else fb[t]
    if special:
        for q in range(indptr[a], indptr[a + 1]):
            y = indices[q]
            if in_i[y] == 0:
                continue
            ctr[0] += 1
            ty = ctr[0]
            nb_y[y] = ty
            for e in range(indptr[y], indptr[y + 1]):
                nb_y[indices[e]] = ty
            for e in range(indptr[y], indptr[y + 1]):
                b2 = indices[e]
                for f in range(indptr[b2], indptr[b2 + 1]):
                    o2 = indices[f]
                    if stamp_y[o2] != ty:
                        stamp_y[o2] = ty
                        if nb_y[o2] != ty and cnt[o2] > 0:
                            X[o2] += 1
    ca = cw[2 * a]
    tb = t_ptr[a]
    for t in range(nr):
        o = reached[t]
        v = h[o]
        c = cnt[o]
        tt = t3[o]
        x = X[o]
        h[o] = 0.0
        cnt[o] = 0
        t3[o] = 0
        X[o] = 0
        if o == i or in_i[o] or v == 0.0:
            continue
        if stamp_a[o] == tag:  # a is a common neighbour of i and o
            di = ca + c - tt
            fa = np.sqrt(node_factor(psi, ka, di, ka - di - 2))
        elif x > 0:
            di = c + x
            fa = np.sqrt(node_factor(psi, ka, di, ka - di - 1))
        else:
            fa = table[tb + c]
        nt = _add(row, s[21], nt, o, v * fa, lab)
    return nt


@njit(cache=True, nogil=True, error_model="numpy")
def seed_scores(i, lo, length, psi, internal, use_wedge, g, w, s, row, lab):
    """Add the scores of the pairs ``(i, o)``, ``o > lo``, to ``row[o]`` (all zero on
    entry), or to ``row[lab[o]]`` with a map ``lab`` (not None). Entries ``o <= lo`` are not
    written.

    Entries at ``i`` and at the neighbours of ``i`` may receive garbage: callers skip them.
    Returns ``(nw, nt)``: the number of nodes in ``walk`` (for :func:`seed_reset`) and in
    ``touched`` (scratch ``s[21]``): every nonzero entry of ``row`` is at one of
    ``touched[:nt]``, listed once (:func:`_add`); callers zero ``row`` there
    (:func:`_clear_touched`), so the work follows the paths, never ``n``.

    The 2-hop nodes ``b`` are listed in ``walk``; ``cw[2 b]`` counts the neighbours of ``i``
    adjacent to ``b`` (``C[b, i]``), ``cw[2 b + 1]`` is the position of ``b`` in ``walk``
    (both in one cache line: the one random access of ``b`` while walking).
    """
    indptr, indices, deg, etri, tri_ptr, tri_y, tri_pos = g
    in_i, cw, walk = s[0], s[1], s[2]
    touched = s[21]
    p0 = indptr[i]
    p1 = indptr[i + 1]
    for p in range(p0, p1):
        in_i[indices[p]] = 1
    nw = 0
    nt = 0
    if length == 2:
        for p in range(p0, p1):
            z = indices[p]
            walk[nw] = z
            nw += 1
            kz = deg[z]
            for pp in range(_first_above(indices, indptr[z], indptr[z + 1], lo),
                            indptr[z + 1]):
                o = indices[pp]
                if o == i or in_i[o]:
                    continue
                di = _n_in(tri_ptr, tri_y, tri_ptr[pp], tri_ptr[pp + 1], in_i)
                nt = _add(row, touched, nt, o, node_factor(psi, kz, di, kz - di - 2), lab)
        return nw, nt
    for p in range(p0, p1):
        a = indices[p]
        for q in range(indptr[a], indptr[a + 1]):
            b = indices[q]
            if cw[2 * b] == 0:
                walk[nw] = b
                cw[2 * b + 1] = nw
                nw += 1
            cw[2 * b] += 1
    community = internal == INTERNAL_COMMUNITY
    _b_factors(i, lo, nw, psi, community, g, s)
    w_ptr, code = w[0], w[1]
    for p in range(p0, p1):
        a = indices[p]
        if use_wedge and p + 1 < p1:  # the next a's wedge codes (3 lines) while this a runs
            e = w_ptr[indptr[indices[p + 1]]]
            _prefetch(code, e)
            _prefetch(code, e + 32)
            _prefetch(code, e + 64)
        special = community and cw[2 * a] > 0
        if use_wedge and not special:
            nt = _a_wedge(i, a, lo, psi, g, w, s, row, nt, lab)
        else:
            nt = _a_direct(i, a, lo, psi, special, g, w, s, row, nt, lab)
    return nw, nt


@njit(cache=True, nogil=True, error_model="numpy")
def _clear_touched(nt, s, row):
    touched = s[21]
    for t in range(nt):
        row[touched[t]] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def seed_reset(i, nw, g, s):
    indptr, indices = g[0], g[1]
    in_i, cw, walk = s[0], s[1], s[2]
    for t in range(nw):
        cw[2 * walk[t]] = 0
    for p in range(indptr[i], indptr[i + 1]):
        in_i[indices[p]] = 0


@njit(cache=True, nogil=True, error_model="numpy")
def _chunk(sc, c):
    return (sc[0][c], sc[1][c], sc[2][c], sc[3][c], sc[4][c], sc[5][c], sc[6][c], sc[7][c],
            sc[8][c], sc[9][c], sc[10][c], sc[11][c], sc[12][c], sc[13][c], sc[14][c],
            sc[15][c], sc[16][c], sc[17][c], sc[18][c], sc[19][c], sc[20][c], sc[21][c],
            sc[22][c])


def scratch_arrays(n: int, nnz: int, n_chunks: int) -> tuple:
    """Per-thread scratch of the kernels, all zero. The kernels leave ``in_i``, the counts
    ``cw[2 b]``, ``row`` and the direct kernel's arrays zero; ``G``, ``mode``, ``bstart``
    and the walk positions ``cw[2 b + 1]`` are written for each seed before they are read."""
    f8, i4, i8, u1 = np.float64, np.int32, np.int64, np.uint8
    spec = [(n, u1), (2 * n, i4), (n, i4), (n, f8), (n, u1), (nnz, f8),  # in_i cw walk G mode F
            (n, f8), (n, i4), (n, i4), (n, i4), (n, i4),  # h cnt t3 reached X
            (n, i8), (n, i8), (n, i8), (1, i8), (16, i8),  # stamp_a stamp_y nb_y (unused) ctr
            (n, f8), (n, f8), (n, f8), (n, i4),  # row buf_v buf_s buf_o
            (n, i8), (n + 1, i4), (1, u1)]  # bstart touched (unused)
    return tuple(np.zeros((n_chunks, max(size, 1)), dtype) for size, dtype in spec)


# ------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------
@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def rows_dense(g, w, length, psi, internal, use_wedge, rows, upper, lab, sc, out,
               whole=False):
    """``out[r, lab[o]]``: the score of the pair ``(rows[r], o)`` for every candidate ``o``
    (only ``o > rows[r]`` when ``upper``); ``lab`` maps the kernel's node order to the
    caller's. Other entries are left as they are (0). With ``whole`` (every node a seed,
    ``upper``, ``out`` n x n) seed ``i`` writes row ``lab[i]``: every pair once, in one of
    its two entries (:func:`symmetrize` then fills the other).

    The scores are summed in the output row itself (no scratch row, nothing copied): each
    entry is written by one seed only; the garbage a seed may leave at itself and at its
    neighbours (links) is zeroed after it."""
    indptr, indices = g[0], g[1]
    n_chunks = sc[0].shape[0]
    for c in prange(n_chunks):
        s = _chunk(sc, c)
        for r in range(c, rows.size, n_chunks):
            i = rows[r]
            lo = i if upper else -1
            dest = out[lab[i]] if whole else out[r]
            nw, nt = seed_scores(i, lo, length, psi, internal, use_wedge, g, w, s, dest, lab)
            if i > lo:
                dest[lab[i]] = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                o = indices[p]
                if o > lo:
                    dest[lab[o]] = 0.0
            seed_reset(i, nw, g, s)


@njit(cache=True, nogil=True, error_model="numpy")
def _tile(t, nb):
    """The ``t``-th tile ``(I, J)``, ``I <= J``, of an ``nb x nb`` grid, row by row."""
    big = 0
    rem = t
    while rem >= nb - big:
        rem -= nb - big
        big += 1
    return big, big + rem


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def symmetrize(out, bs):
    """``out[a, b] = out[b, a] = out[a, b] + out[b, a]`` for ``a != b``, tile by tile
    (``bs x bs`` tiles and their mirror images, in cache); exact when one of the two is 0."""
    n = out.shape[0]
    nb = (n + bs - 1) // bs
    for t in prange(nb * (nb + 1) // 2):
        ti, tj = _tile(t, nb)
        for a in range(ti * bs, min(n, ti * bs + bs)):
            for b in range(max(tj * bs, a + 1), min(n, tj * bs + bs)):
                x = out[a, b] + out[b, a]
                out[a, b] = x
                out[b, a] = x


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def pair_scores(g, w, length, psi, internal, use_wedge, seeds, ptr, other, sc, out):
    """``out[t]`` for ``t`` in ``ptr[r]:ptr[r + 1]``: the score of ``(seeds[r], other[t])``
    (0 for a link or ``other[t] == seeds[r]``)."""
    n_chunks = sc[0].shape[0]
    for c in prange(n_chunks):
        s = _chunk(sc, c)
        in_i = s[0]
        row = s[16]
        for r in range(c, seeds.size, n_chunks):
            i = seeds[r]
            t0 = ptr[r]
            t1 = ptr[r + 1]
            if t0 == t1:
                continue
            lo = other[t0]
            for t in range(t0, t1):
                lo = min(lo, other[t])
            nw, nt = seed_scores(i, lo - 1, length, psi, internal, use_wedge, g, w, s, row,
                                 None)
            for t in range(t0, t1):
                o = other[t]
                out[t] = 0.0 if (o == i or in_i[o]) else row[o]
            _clear_touched(nt, s, row)
            seed_reset(i, nw, g, s)


@njit(cache=True, nogil=True, error_model="numpy")
def hash_uniform(key0, flat):
    """A number in (0, 1]: a hash (splitmix64) of ``key0`` and the pair's flat index."""
    z = np.uint64(key0) + np.uint64(flat) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return (float(z >> np.uint64(11)) + 1.0) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True, error_model="numpy")
def sample_key(key0, flat, score):
    """Efraimidis-Spirakis key ``log(U) / score``; ``U`` in (0, 1] is :func:`hash_uniform` of
    ``key0`` and the pair's flat index, so it does not depend on the order of evaluation."""
    return np.log(hash_uniform(key0, flat)) / score


@njit(cache=True, nogil=True, error_model="numpy")
def _collect(i, nt, n, row_ok, col_ok, sample, key0, lab, s, row):
    """Move the positive candidates of seed ``i`` (at ``touched[:nt]``, see
    :func:`seed_scores`) from ``row`` into ``buf_*``, zeroing ``row``. The pair
    ``{i, o}`` is kept when ``o`` is allowed and, if the pair is also reached from ``o``'s
    side (both ends allowed as seed and as other end), ``i < o``. ``buf_o`` receives
    ``lab[o]``."""
    in_i, touched = s[0], s[21]
    buf_v, buf_s, buf_o = s[17], s[18], s[19]
    i_col = col_ok[i]
    li = lab[i]
    m = 0
    for t in range(nt):
        o = np.uint32(touched[t])
        v = row[o]
        row[o] = 0.0
        if v == 0.0 or o == i or in_i[o] or not col_ok[o]:
            continue
        if o < i and row_ok[o] and i_col:
            continue
        lo_ = lab[o]
        buf_o[m] = lo_
        buf_s[m] = v
        if sample:
            buf_v[m] = sample_key(key0, min(li, lo_) * n + max(li, lo_), v)
        else:
            buf_v[m] = v
        m += 1
    return m


@njit(cache=True, nogil=True, error_model="numpy")
def _emit(i, m, n, cap, tau, s, out_flat, out_val, out_score, base):
    """Write the candidates of ``buf_*`` with value >= tau, at most ``cap`` (the largest
    values, ties by the smaller other end), from ``out_*[base]`` on. Returns the count."""
    buf_v, buf_s, buf_o = s[17], s[18], s[19]
    k = 0
    for t in range(m):
        if buf_v[t] >= tau:
            buf_v[k] = buf_v[t]
            buf_s[k] = buf_s[t]
            buf_o[k] = buf_o[t]
            k += 1
    if k > cap:
        kth = np.partition(buf_v[:k].copy(), k - cap)[k - cap]
        above = 0
        for t in range(k):
            if buf_v[t] > kth:
                above += 1
        need = cap - above
        tied = np.empty(k - above, np.int64)
        nt = 0
        for t in range(k):
            if buf_v[t] == kth:
                tied[nt] = buf_o[t]
                nt += 1
        tied = np.sort(tied[:nt])
        limit = tied[need - 1] if need > 0 else -1
        kk = 0
        for t in range(k):
            v = buf_v[t]
            if v > kth or (v == kth and buf_o[t] <= limit):
                buf_v[kk] = v
                buf_s[kk] = buf_s[t]
                buf_o[kk] = buf_o[t]
                kk += 1
        k = kk
    for t in range(k):
        o = buf_o[t]
        out_flat[base + t] = min(i, o) * n + max(i, o)
        out_val[base + t] = buf_v[t]
        out_score[base + t] = buf_s[t]
    return k


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def select(g, w, length, psi, internal, use_wedge, seeds, upper, row_ok, col_ok, sample, key0,
           tau, cap, lab, sc, out_flat, out_val, out_score, out_count, pos_count):
    """Per seed ``seeds[r]``: its positive candidates (see :func:`_collect`), the best ``cap``
    of them with value >= ``tau`` at ``out_*[r * cap:]`` (``out_count[r]`` of them) and the
    number of positive candidates in ``pos_count[r]``. The value is the score, or the
    sampling key when ``sample``. ``lab`` maps the kernel's node order to the caller's: flat
    indices ``min * n + max`` and ties (the smaller other end first) are the caller's."""
    n = row_ok.size
    n_chunks = sc[0].shape[0]
    for c in prange(n_chunks):
        s = _chunk(sc, c)
        row = s[16]
        for r in range(c, seeds.size, n_chunks):
            i = seeds[r]
            lo = i if upper else -1
            nw, nt = seed_scores(i, lo, length, psi, internal, use_wedge, g, w, s, row, None)
            m = _collect(i, nt, n, row_ok, col_ok, sample, key0, lab, s, row)
            seed_reset(i, nw, g, s)
            pos_count[r] = m
            out_count[r] = _emit(lab[i], m, n, cap, tau, s, out_flat, out_val, out_score,
                                 r * cap)


_FLAT_MAX = np.iinfo(np.int64).max


@njit(cache=True, nogil=True, error_model="numpy")
def _compact(hv, hf, hs, m, cap):
    """Keep the best ``cap`` of the ``m`` entries of ``hv, hf, hs`` (value descending, then
    flat index ascending; flat indices are distinct) at the front. Returns ``(cap, value,
    flat)`` of the worst entry kept: from then on only a better candidate can enter."""
    kth = np.partition(hv[:m].copy(), m - cap)[m - cap]
    above = 0
    for t in range(m):
        if hv[t] > kth:
            above += 1
    tied = np.empty(m - above, np.int64)
    nt = 0
    for t in range(m):
        if hv[t] == kth:
            tied[nt] = hf[t]
            nt += 1
    tied = np.sort(tied[:nt])
    need = cap - above
    limit = tied[need - 1]
    k = 0
    for t in range(m):
        v = hv[t]
        if v > kth or (v == kth and hf[t] <= limit and need > 0):
            need -= v == kth
            hv[k] = v
            hf[k] = hf[t]
            hs[k] = hs[t]
            k += 1
    return k, kth, limit


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def select_best(g, w, length, psi, internal, use_wedge, seeds, upper, row_ok, col_ok, sample,
                key0, tau, cap, lab, sc, hv, hf, hs, hm, pos_count):
    """Per thread: the best ``cap`` positive candidates of its seeds (value descending, then
    flat index ascending), among those with value >= ``tau``, in ``hv / hf / hs[c, :hm[c]]``
    (value, flat index ``min * n + max`` in the caller's numbering, score). The value is the
    score, or the sampling key when ``sample``; ``pos_count[r]``: the positive candidates of
    ``seeds[r]`` (see :func:`_collect` for which pairs count).

    Each thread keeps a buffer of ``hv.shape[1] > cap`` entries and a threshold: a candidate
    enters only if it beats the worst of the best ``cap`` seen so far (one comparison for
    most candidates; when the buffer is full it is cut back to ``cap``). The union over the
    threads holds the best ``cap`` of all the seeds, whatever the thread count.
    """
    n = row_ok.size
    n_chunks = sc[0].shape[0]
    size = hv.shape[1]
    masked = not upper  # the masks, and a pair reached from both ends, are checked
    for o in range(n):
        masked |= (row_ok[o] == 0) | (col_ok[o] == 0)
    for c in prange(n_chunks):
        s = _chunk(sc, c)
        in_i, row, touched = s[0], s[16], s[21]
        bv, bf, bs = hv[c], hf[c], hs[c]
        tv = tau
        tf = _FLAT_MAX
        m = 0
        for r in range(c, seeds.size, n_chunks):
            i = seeds[r]
            lo = i if upper else -1
            nw, nt = seed_scores(i, lo, length, psi, internal, use_wedge, g, w, s, row,
                                 None)
            i_col = col_ok[i] != 0
            li = lab[i]
            npos = 0
            for t in range(nt):
                o = np.uint32(touched[t])
                v = row[o]
                row[o] = 0.0
                # branch-free test of the common case: a positive candidate, counted; most
                # are then below the threshold
                ok = (v != 0.0) & (in_i[o] == 0) & (o != i)
                if masked:
                    ok = ok and col_ok[o] != 0 and not (o < i and row_ok[o] != 0 and i_col)
                npos += ok
                if not ok or (not sample and v < tv):
                    continue
                lo_ = lab[o]
                flat = min(li, lo_) * n + max(li, lo_)
                if sample:
                    u = hash_uniform(key0, flat)
                    # log(u) <= u - 1 (also as rounded): most keys are rejected unlogged
                    if (u - 1.0) / v < tv:
                        continue
                    val = np.log(u) / v
                else:
                    val = v
                if val < tv or (val == tv and flat >= tf):
                    continue
                if m >= size:
                    m, tv, tf = _compact(bv, bf, bs, m, cap)
                    if val < tv or (val == tv and flat >= tf):
                        continue
                bv[m] = val
                bf[m] = flat
                bs[m] = v
                m += 1
            seed_reset(i, nw, g, s)
            pos_count[r] = npos
        if m > cap:
            m, tv, tf = _compact(bv, bf, bs, m, cap)
        hm[c] = m


@njit(cache=True, nogil=True, error_model="numpy")
def factor_table(deg, psi):
    """The factor tables of :func:`wedge_codes` alone (for the direct kernel)."""
    n = deg.size
    t_ptr = np.zeros(n + 1, np.int64)
    for a in range(n):
        t_ptr[a + 1] = t_ptr[a] + deg[a] + 2
    table = np.zeros(t_ptr[n], np.float64)
    for a in range(n):
        ka = deg[a]
        for d in range(ka):
            table[t_ptr[a] + d] = np.sqrt(node_factor(psi, ka, d, ka - d - 1))
    return t_ptr, table
