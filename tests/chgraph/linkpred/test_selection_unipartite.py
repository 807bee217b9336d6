"""Selection on ordinary (unipartite) networks: top_k_links and sample_links with allowed
nodes, sampling frequencies, the rejection fill, ties, and the running threshold of
select_best. Unlike test_selection.py, these tests run once, with the engine "auto" picks."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import chgraph
from chgraph.testing import reference as oracle
from chgraph.testing.strategies import graphs

from ._graphs import random_graph, scorer


def allowed_reference(A, R, C):
    """Candidate pairs u < v with one end in R and the other in C, non-adjacent."""
    n = A.shape[0]
    R = np.ones(n, bool) if R is None else R
    C = np.ones(n, bool) if C is None else C
    mask = (R[:, None] & C[None, :]) | (C[:, None] & R[None, :])
    return mask & (A == 0) & np.triu(np.ones((n, n), bool), 1)


masks = st.none() | st.integers(0, 2**9 - 1)


def as_mask(bits, n):
    return None if bits is None else np.array([(bits >> j) & 1 for j in range(n)], bool)


@settings(deadline=None)
@given(A=graphs(max_nodes=9, min_nodes=2), method=st.sampled_from(("CH3-L3", "RA-L2")),
       rows=masks, cols=masks, data=st.data())
def test_top_k_with_allowed_nodes(A, method, rows, cols, data):
    n = A.shape[0]
    R, C = as_mask(rows, n), as_mask(cols, n)
    mask = allowed_reference(A, R, C)
    n_cand = int(mask.sum())
    k = data.draw(st.integers(0, n_cand))
    S = oracle.unipartite_scores(A, method)
    r, c, s = chgraph.top_k_links(A, k, method, bipartite=False, allowed_rows=R,
                                  allowed_cols=C)
    assert r.size == k and np.all(r < c) and np.all(mask[r, c])
    assert len(set(zip(r.tolist(), c.tolist(), strict=True))) == k
    np.testing.assert_allclose(s, S[r, c], rtol=1e-12, atol=1e-12)
    best = np.sort(S[mask])[::-1][:k]
    np.testing.assert_allclose(s, best, rtol=1e-12, atol=1e-12)
    if R is None and C is None:  # the same sums as link_scores: exact order and ties
        L = chgraph.link_scores(A, method, bipartite=False)
        rr, cc = np.nonzero(mask)
        order = np.lexsort((cc, rr, -L[rr, cc]))[:k]
        assert np.array_equal(r, rr[order]) and np.array_equal(c, cc[order])


@settings(deadline=None)
@given(A=graphs(max_nodes=9, min_nodes=2), rows=masks, cols=masks, seed=st.integers(0, 99),
       data=st.data())
def test_sample_with_allowed_nodes(A, rows, cols, seed, data):
    n = A.shape[0]
    R, C = as_mask(rows, n), as_mask(cols, n)
    mask = allowed_reference(A, R, C)
    S = oracle.unipartite_scores(A, "CH3-L3")
    n_pos = int(np.sum(mask & (S > 0)))
    k = data.draw(st.integers(0, int(mask.sum())))
    kwargs = dict(bipartite=False, allowed_rows=R, allowed_cols=C)
    if k > n_pos:
        with pytest.raises(ValueError, match="positive"):
            chgraph.sample_links(A, k, rng=seed, **kwargs)
    r, c, s = chgraph.sample_links(A, k, rng=seed, zero_scores="uniform", **kwargs)
    assert r.size == k and np.all(r < c) and np.all(mask[r, c])
    assert len(set(zip(r.tolist(), c.tolist(), strict=True))) == k
    np.testing.assert_allclose(s, S[r, c], rtol=1e-12, atol=1e-12)
    positive = s > 0
    assert positive.sum() == min(k, n_pos)
    assert np.all(positive[:positive.sum()])  # the zero-score fill comes last
    again = chgraph.sample_links(A, k, rng=seed, zero_scores="uniform", **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip((r, c, s), again, strict=True))


def test_first_draw_is_proportional_to_score():
    A = nx.to_numpy_array(nx.karate_club_graph(), nodelist=range(34))
    S = chgraph.link_scores(A, "CH3-L3", bipartite=False)
    rr, cc = np.nonzero(np.triu(S, 1))
    top = np.argsort(-S[rr, cc])[:6]  # a few likely pairs, the rest pooled
    keys = {(int(rr[t]), int(cc[t])): j for j, t in enumerate(top)}
    counts = np.zeros(7)
    n_draws = 3000
    for seed in range(n_draws):
        r, c, _ = chgraph.sample_links(A, 1, rng=seed, bipartite=False)
        counts[keys.get((int(r[0]), int(c[0])), 6)] += 1
    p = S[rr, cc][top] / S[rr, cc].sum()
    expected = n_draws * np.append(p, 1 - p.sum())
    assert scipy.stats.chisquare(counts, expected).pvalue > 1e-3


def test_uniform_fill_by_rejection_on_a_sparse_graph():
    # a long path: few positive pairs, ~n^2/2 zero-score ones, drawn without enumeration
    n = 400
    A = nx.to_scipy_sparse_array(nx.path_graph(n))
    n_pos = n - 3  # pairs at distance 3
    counts = np.zeros(2)
    for seed in range(40):
        r, c, s = chgraph.sample_links(A, n_pos + 50, rng=seed, bipartite=False,
                                       zero_scores="uniform")
        assert len(set(zip(r.tolist(), c.tolist(), strict=True))) == r.size
        assert np.all(c - r >= 2) and np.all((s > 0) == (c - r == 3))
        zero = c[n_pos:] - r[n_pos:]
        counts += [np.sum(zero == 2), np.sum(zero > 3)]
    # distance-2 pairs are n - 2 of the zero-score candidates
    n_zero = n * (n - 1) // 2 - (n - 1) - n_pos
    frac = (n - 2) / n_zero
    assert scipy.stats.binomtest(int(counts[0]), int(counts.sum()), frac).pvalue > 1e-3


def test_ties_all_and_zero_fill_order():
    A = nx.to_numpy_array(nx.path_graph(6))
    r, c, s = chgraph.top_k_links(A, 3, "CN-L3", bipartite=False)
    assert (r.tolist(), c.tolist(), s.tolist()) == ([0, 1, 2], [3, 4, 5], [1.0, 1.0, 1.0])
    r, c, s = chgraph.top_k_links(A, 1, "CN-L3", bipartite=False, ties="all")
    assert r.tolist() == [0, 1, 2]
    r, c, s = chgraph.top_k_links(A, 5, "CN-L3", bipartite=False)  # 2 zeros, in (u, v) order
    assert list(zip(r.tolist(), c.tolist(), strict=True))[3:] == [(0, 2), (0, 4)]


@settings(deadline=None, max_examples=40)
@given(n=st.integers(5, 60), seed=st.integers(0, 10**6),
       method=st.sampled_from(("CN-L3", "CH3-L3", "RA-L2")), cap=st.integers(1, 12),
       extra=st.integers(1, 20), rows=st.none() | st.integers(0, 2**20), sample=st.booleans(),
       both_ends=st.booleans())
def test_select_best_small_buffers(n, seed, method, cap, extra, rows, sample, both_ends):
    """The running threshold of select_best, with buffers small enough to be cut back many
    times (integer CN scores: many ties), keeps exactly the best ``cap`` of the candidates
    that the per-seed selection lists, under (value descending, flat ascending)."""
    from chgraph.linkpred.sampling import StreamingTopK

    A = random_graph("clustered" if seed % 2 else "er", n, seed)
    s = scorer(A, method)
    R = np.ones(n, bool) if rows is None else as_mask(rows, n)
    upper = rows is None and not both_ends  # else every pair is reached from both ends
    seeds = np.flatnonzero(R)
    key0 = seed if sample else None
    ok = dict(upper=upper, row_ok=R.astype(np.uint8), col_ok=np.ones(n, np.uint8), key0=key0)
    f_all, v_all, s_all, n_all = s.select(seeds, n, -np.inf, **ok)
    order = np.lexsort((f_all, -v_all))[:cap]
    f, v, sc, npos = s.select_best(s.seed_order(seeds), cap, -np.inf, buffer=cap + extra, **ok)
    assert npos == n_all
    best = StreamingTopK(cap)
    best.push(v, f, sc)
    v, f, sc = best.result()
    assert np.array_equal(f, f_all[order]) and np.array_equal(v, v_all[order])
    assert np.array_equal(sc, s_all[order])
    # a threshold from outside: only values >= tau come back
    if order.size:
        tau = v_all[order[-1]]
        f2, v2, _, _ = s.select_best(seeds, cap, tau, buffer=cap + extra, **ok)
        assert np.all(v2 >= tau) and set(f_all[order].tolist()) <= set(f2.tolist())


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", ["karate_club", "les_miserables"])
def test_top_k_beyond_n_equals_link_scores_order(name, threads):
    """k larger than the node count (each thread keeps up to k candidates of many seeds)."""
    G = getattr(nx, f"{name}_graph")()
    A = nx.to_numpy_array(G, nodelist=list(G))
    n = A.shape[0]
    L = chgraph.link_scores(A, "CH3-L3", bipartite=False)
    rr, cc = np.nonzero(np.triu(A == 0, 1))
    n_pos = int(np.sum(L[rr, cc] > 0))
    order = np.lexsort((cc, rr, -L[rr, cc]))
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        for k in (n + 1, 3 * n, n_pos, n_pos + 5):
            r, c, s = chgraph.top_k_links(A, k, "CH3-L3", bipartite=False)
            assert np.array_equal(r, rr[order[:k]]) and np.array_equal(c, cc[order[:k]])
            assert np.array_equal(s, L[r, c])
    finally:
        numba.set_num_threads(old)


@settings(deadline=None, max_examples=30)
@given(n=st.integers(5, 60), seed=st.integers(0, 10**6),
       method=st.sampled_from(("CN-L3", "CN-L2")), k=st.integers(1, 40),
       rows=st.none() | st.integers(0, 2**20), min_cap=st.sampled_from((1, 3, 1024)))
def test_ties_all_equals_every_candidate_at_or_above_the_kth(n, seed, method, k, rows, min_cap):
    """ties="all": the k best and every candidate tied with the k-th, (score descending, then
    (u, v)). Integer CN scores (exact in any order) tie a lot; small caps make blocks be
    scored again with a larger one."""
    from chgraph.linkpred import selection

    A = random_graph("clustered" if seed % 2 else "er", n, seed)
    R = None if rows is None else as_mask(rows, n)
    mask = allowed_reference(A, R, None)
    k = min(k, int(mask.sum()))
    if k == 0:
        return
    S = oracle.unipartite_scores(A, method)
    rr, cc = np.nonzero(mask)
    order = np.lexsort((cc, rr, -S[rr, cc]))
    kth = S[rr[order[k - 1]], cc[order[k - 1]]]
    old = selection.TIES_MIN_CAP
    try:
        selection.TIES_MIN_CAP = min_cap
        r, c, s = chgraph.top_k_links(A, k, method, bipartite=False, allowed_rows=R,
                                      ties="all")
    finally:
        selection.TIES_MIN_CAP = old
    if kth > 0:
        keep = order[S[rr[order], cc[order]] >= kth]
        assert np.array_equal(r, rr[keep]) and np.array_equal(c, cc[keep])
        assert np.array_equal(s, S[rr[keep], cc[keep]])
    else:  # every positive candidate, then every zero-score one, in (u, v) order
        assert r.size == mask.sum()
