"""chgraph.top_k_links and chgraph.sample_links against the dense scores of link_scores."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

import chgraph
from chgraph.linkpred import selection
from chgraph.testing import reference as oracle
from chgraph.testing.strategies import adjacency, biadjacency

top_k_links = chgraph.top_k_links
sample_links = chgraph.sample_links

METHODS_BIP = ("CN-L3", "CH3-L3", "CH3.1-L3", "CH2-L3n")
METHODS_UNI = ("CH3-L3", "CN-L3", "CH2-L2")
P_MIN = 1e-3  # chi-square tests: fixed seeds, so deterministic; the bound is what they check


@pytest.fixture(autouse=True, params=["dense", "stream", "sparse"])
def engine(request, monkeypatch):
    """Every test runs with the three selection engines: "auto" picks dense for these small
    layers, streams when DENSE_ENTRIES is 0 and SPARSE_RATIO infinite, and follows the paths
    (sparse) when both are 0."""
    if request.param == "stream":
        monkeypatch.setattr(selection, "DENSE_ENTRIES", 0)
        monkeypatch.setattr(selection, "SPARSE_RATIO", np.inf)
    if request.param == "sparse":
        monkeypatch.setattr(selection, "DENSE_ENTRIES", 0)
        monkeypatch.setattr(selection, "SPARSE_RATIO", 0)
    return request.param


# ------------------------------------------------------------------------------------------
# reference selection on the dense scores
# ------------------------------------------------------------------------------------------
def candidate_mask(M, bipartite=True, allowed_rows=None, allowed_cols=None):
    M = np.asarray(M)
    if bipartite:
        mask = M == 0
        if allowed_rows is not None:
            mask &= np.asarray(allowed_rows)[:, None]
        if allowed_cols is not None:
            mask &= np.asarray(allowed_cols)[None, :]
        return mask
    return (M == 0) & np.triu(np.ones(M.shape, dtype=bool), 1)


def reference_top_k(S, mask, k, ties="index"):
    rows, cols = np.nonzero(mask)  # row-major order
    sc = S[rows, cols]
    order = np.lexsort((cols, rows, -sc))  # score descending, then (row, col) ascending
    if ties == "all" and k > 0:
        kth = sc[order[k - 1]]
        order = order[sc[order] >= kth]
    else:
        order = order[:k]
    return rows[order], cols[order], sc[order]


def engine_scores(B, method="CH3-L3"):
    """The dense scores the selection engine works with: :func:`chgraph.link_scores`, or for
    the sparse engine (the ``engine`` fixture's "sparse": DENSE_ENTRIES = SPARSE_RATIO = 0)
    its own path-following arithmetic, equal to them up to rounding."""
    S = chgraph.link_scores(B, method)
    if selection.DENSE_ENTRIES != 0 or selection.SPARSE_RATIO != 0:
        return S
    from chgraph.linkpred.scores import positive_scores

    layer = chgraph.BipartiteLayer(B)
    P = positive_scores(layer, chgraph.PREDICTORS[method], np.arange(layer.shape[0]))
    P = P.toarray()
    np.testing.assert_allclose(P, S, rtol=1e-12, atol=0)
    return P


def assert_selection_types(rows, cols, scores):
    assert rows.dtype == np.int64 and cols.dtype == np.int64 and scores.dtype == np.float64
    assert rows.ndim == cols.ndim == scores.ndim == 1
    assert rows.shape == cols.shape == scores.shape


@st.composite
def masks(draw, n):
    use = draw(st.booleans())
    if not use:
        return None
    return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)


# ------------------------------------------------------------------------------------------
# top-k
# ------------------------------------------------------------------------------------------
@given(biadjacency(), st.data())
def test_top_k_equals_argsort_of_dense_scores(B, data):
    ar = data.draw(masks(B.shape[0]))
    ac = data.draw(masks(B.shape[1]))
    method = data.draw(st.sampled_from(METHODS_BIP))
    ties = data.draw(st.sampled_from(["index", "all"]))
    mask = candidate_mask(B, True, ar, ac)
    k = data.draw(st.integers(0, int(mask.sum())))
    S = engine_scores(B, method)
    rows, cols, scores = top_k_links(B, k, method, ties=ties, allowed_rows=ar, allowed_cols=ac)
    assert_selection_types(rows, cols, scores)
    er, ec, es = reference_top_k(S, mask, k, ties)
    assert np.array_equal(rows, er) and np.array_equal(cols, ec)
    assert np.array_equal(scores, es)
    assert not B[rows, cols].any()  # never an existing link
    if ties == "index":
        assert rows.size == k


@given(adjacency(), st.data())
def test_top_k_unipartite_equals_argsort(A, data):
    method = data.draw(st.sampled_from(METHODS_UNI))
    rule = data.draw(st.sampled_from(oracle.INTERNAL_RULES))
    ties = data.draw(st.sampled_from(["index", "all"]))
    mask = candidate_mask(A, bipartite=False)
    k = data.draw(st.integers(0, int(mask.sum())))
    S = chgraph.link_scores(A, method, bipartite=False, internal_degree=rule)
    rows, cols, scores = top_k_links(A, k, method, bipartite=False, ties=ties,
                                     internal_degree=rule)
    assert_selection_types(rows, cols, scores)
    er, ec, es = reference_top_k(S, mask, k, ties)
    assert np.array_equal(rows, er) and np.array_equal(cols, ec)
    assert np.array_equal(scores, es)
    assert np.all(rows < cols) and not A[rows, cols].any()


def test_top_k_tie_break_by_index():
    # K(3,3) minus the diagonal: the 3 candidates all score (3-1)... equally by symmetry
    B = np.ones((3, 3), dtype=int) - np.eye(3, dtype=int)
    S = chgraph.link_scores(B)
    assert S[0, 0] == S[1, 1] == S[2, 2] > 0
    rows, cols, _ = top_k_links(B, 2)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    rows, cols, _ = top_k_links(B, 1, ties="all")
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [0, 1, 2]
    # zero-score candidates come last, by index
    B = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0]])
    S = chgraph.link_scores(B)
    n_pos = int((S > 0).sum())
    rows, cols, scores = top_k_links(B, int((B == 0).sum()))
    assert np.all(scores[:n_pos] > 0) and not scores[n_pos:].any()
    zr, zc = rows[n_pos:], cols[n_pos:]
    assert np.all(np.diff(zr * 3 + zc) > 0)


def test_top_k_ties_all_returns_exactly_the_tied_set():
    B = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 1]])
    S = chgraph.link_scores(B, "CN-L3")
    mask = B == 0
    values = np.sort(S[mask])[::-1]
    for k in range(1, int(mask.sum()) + 1):
        rows, cols, scores = top_k_links(B, k, "CN-L3", ties="all")
        kth = values[k - 1]
        assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == set(
            zip(*np.nonzero(mask & (S >= kth)), strict=True))
        assert rows.size == int(np.sum(values >= kth)) >= k


def test_top_k_known_values():
    B = np.ones((3, 4))
    B[0, 0] = B[2, 3] = 0
    rows, cols, scores = top_k_links(B, 2)
    assert rows.tolist() == [0, 2] and cols.tolist() == [0, 3]
    S = chgraph.link_scores(B)
    assert scores.tolist() == [S[0, 0], S[2, 3]]


def test_top_k_k_zero_and_too_large():
    B = np.array([[1, 0], [1, 1]])
    for ties in ("index", "all"):
        rows, cols, scores = top_k_links(B, 0, ties=ties)
        assert_selection_types(rows, cols, scores)
        assert rows.size == 0
    assert top_k_links(B, 1)[0].tolist() == [0]
    with pytest.raises(ValueError, match="candidate"):
        top_k_links(B, 2)
    with pytest.raises(ValueError, match="candidate"):
        top_k_links(np.ones((3, 3)), 1)
    with pytest.raises(ValueError, match="candidate"):
        top_k_links(np.ones((3, 3)) - np.eye(3), 1, bipartite=False)
    with pytest.raises(ValueError, match="candidate"):
        top_k_links(np.zeros((4, 4)), 3, allowed_rows=np.array([1, 0, 0, 0], bool),
                    allowed_cols=np.array([1, 1, 0, 0], bool))
    assert top_k_links(np.zeros((0, 5)), 0)[0].size == 0
    assert top_k_links(np.zeros((5, 0)), 0)[0].size == 0
    with pytest.raises(ValueError):
        top_k_links(np.zeros((0, 5)), 1)
    with pytest.raises(ValueError):
        top_k_links(B, -1)
    with pytest.raises(TypeError):
        top_k_links(B, 1.5)


def test_selection_bad_arguments():
    B = np.array([[1, 0], [1, 1]])
    A = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="ties"):
        top_k_links(B, 1, ties="first")
    with pytest.raises(ValueError, match="zero_scores"):
        sample_links(B, 1, rng=0, zero_scores="ignore")
    with pytest.raises(ValueError, match="not defined on bipartite"):
        top_k_links(B, 1, "CH3-L2")
    with pytest.raises(ValueError, match="not defined on unipartite"):
        sample_links(A, 1, "CH3-L3n", rng=0, bipartite=False)
    with pytest.raises(ValueError, match="internal_degree"):
        top_k_links(A, 1, bipartite=False, internal_degree="links")
    with pytest.raises(ValueError, match="allowed_rows"):
        top_k_links(A, 1, bipartite=False, allowed_rows=np.ones(2, bool))
    with pytest.raises(ValueError, match="allowed_cols"):
        top_k_links(B, 1, allowed_cols=np.ones(3, bool))
    with pytest.raises(TypeError, match="allowed_rows"):
        top_k_links(B, 1, allowed_rows=np.array([0, 1]))
    with pytest.raises(TypeError, match="rng"):
        sample_links(B, 1, rng=None)
    with pytest.raises(TypeError, match="rng"):
        sample_links(B, 1, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="candidate"):
        sample_links(B, 2, rng=0)
    with pytest.raises(ValueError, match="non-finite"):
        top_k_links(np.array([[np.nan, 0.0]]), 1)
    with pytest.raises(ValueError, match="unknown"):
        sample_links(B, 1, "CH9", rng=0)


def test_top_k_in_small_blocks(monkeypatch):
    """Streaming in tiny blocks (many blocks, ties across blocks) gives the same selection."""

    rng = np.random.default_rng(3)
    B = (rng.random((23, 17)) < 0.25).astype(np.int8)
    A = np.triu(rng.random((20, 20)) < 0.2, 1)
    A = (A | A.T).astype(np.int8)
    expected = {}
    for ties in ("index", "all"):
        for k in (1, 7, 40):
            expected[ties, k] = (top_k_links(B, k, "CN-L3", ties=ties),
                                 top_k_links(A, k, "CN-L3", bipartite=False, ties=ties))
    monkeypatch.setattr(selection, "BLOCK_ENTRIES", 5, raising=False)
    for (ties, k), (eb, ea) in expected.items():
        got_b = top_k_links(B, k, "CN-L3", ties=ties)
        got_a = top_k_links(A, k, "CN-L3", bipartite=False, ties=ties)
        for x, y in zip(got_b + got_a, eb + ea, strict=True):
            assert np.array_equal(x, y)
        er = reference_top_k(chgraph.link_scores(B, "CN-L3"), B == 0, k, ties)
        assert np.array_equal(got_b[0], er[0]) and np.array_equal(got_b[1], er[1])


# ------------------------------------------------------------------------------------------
# sampling
# ------------------------------------------------------------------------------------------
@given(biadjacency(), st.data())
def test_sample_links_valid_and_reproducible(B, data):
    ar = data.draw(masks(B.shape[0]))
    ac = data.draw(masks(B.shape[1]))
    method = data.draw(st.sampled_from(METHODS_BIP))
    seed = data.draw(st.integers(0, 2**32 - 1))
    S = engine_scores(B, method)
    mask = candidate_mask(B, True, ar, ac)
    n_pos = int(np.sum(mask & (S > 0)))
    n_cand = int(mask.sum())
    zero_scores = data.draw(st.sampled_from(["error", "uniform"]))
    limit = n_pos if zero_scores == "error" else n_cand
    k = data.draw(st.integers(0, limit))
    kwargs = dict(allowed_rows=ar, allowed_cols=ac, zero_scores=zero_scores)
    rows, cols, scores = sample_links(B, k, method, rng=seed, **kwargs)
    assert_selection_types(rows, cols, scores)
    assert rows.size == k
    assert mask[rows, cols].all()  # candidates only: never a link, inside the masks
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) == k  # distinct
    assert np.array_equal(scores, S[rows, cols])
    # positives first, then (uniform fill) zeros
    m = min(k, n_pos)
    assert np.all(scores[:m] > 0) and not scores[m:].any()
    # same seed, same result (int seed or a fresh Generator with that seed)
    again = sample_links(B, k, method, rng=seed, **kwargs)
    gen1 = sample_links(B, k, method, rng=np.random.default_rng(seed), **kwargs)
    gen2 = sample_links(B, k, method, rng=np.random.default_rng(seed), **kwargs)
    for x, y, u, v in zip((rows, cols, scores), again, gen1, gen2, strict=True):
        assert np.array_equal(x, y) and np.array_equal(u, v)


@given(adjacency(), st.integers(0, 2**32 - 1), st.data())
def test_sample_links_unipartite(A, seed, data):
    S = chgraph.link_scores(A, "CH3-L3", bipartite=False)
    mask = candidate_mask(A, bipartite=False)
    n_pos = int(np.sum(mask & (S > 0)))
    k = data.draw(st.integers(0, int(mask.sum())))
    if k > n_pos:
        with pytest.raises(ValueError, match="positive"):
            sample_links(A, k, rng=seed, bipartite=False)
    rows, cols, scores = sample_links(A, k, rng=seed, bipartite=False, zero_scores="uniform")
    assert_selection_types(rows, cols, scores)
    assert np.all(rows < cols) and mask[rows, cols].all()
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) == k
    assert np.array_equal(scores, S[rows, cols])


@given(biadjacency(min_rows=1, min_cols=1), st.integers(0, 2**32 - 1))
def test_sample_all_positive_candidates(B, seed):
    S = chgraph.link_scores(B)
    pos = set(zip(*np.nonzero(S > 0), strict=True))
    rows, cols, scores = sample_links(B, len(pos), rng=seed)
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == pos
    if len(pos) < int((B == 0).sum()):
        with pytest.raises(ValueError, match="positive"):
            sample_links(B, len(pos) + 1, rng=seed)
        rows, cols, scores = sample_links(B, len(pos) + 1, rng=seed, zero_scores="uniform")
        assert set(zip(rows[:-1].tolist(), cols[:-1].tolist(), strict=True)) == pos
        assert scores[-1] == 0 and B[rows[-1], cols[-1]] == 0


def test_sample_k_zero():
    rows, cols, scores = sample_links(np.array([[1, 0], [1, 1]]), 0, rng=1)
    assert_selection_types(rows, cols, scores)
    assert rows.size == 0
    assert sample_links(np.zeros((3, 3)), 0, rng=1)[0].size == 0


def test_sample_generator_advances():
    B = np.ones((6, 6)) - np.eye(6)
    rng = np.random.default_rng(0)
    draws = {tuple(sample_links(B, 2, "CN-L3", rng=rng)[1].tolist()) for _ in range(30)}
    assert len(draws) > 1  # a shared Generator gives fresh draws


# a small layer with 6 positive candidates of distinct scores and 2 zero-score candidates
STAT_LAYER = np.array([
    [1, 1, 0, 0, 0],
    [0, 1, 1, 0, 0],
    [1, 0, 1, 1, 0],
    [0, 0, 0, 1, 1],
])


def _stat_layer_candidates():
    S = chgraph.link_scores(STAT_LAYER)
    rows, cols = np.nonzero(STAT_LAYER == 0)
    return S, rows, cols


def test_stat_layer_shape():
    S, rows, cols = _stat_layer_candidates()
    pos = S[rows, cols] > 0
    assert pos.sum() >= 5 and (~pos).sum() >= 2
    assert len(np.unique(np.round(S[rows, cols][pos], 12))) >= 3


def _positive_candidate_probabilities():
    """score / sum(score) of the positive candidates of STAT_LAYER, and their (row, col) index."""
    S, rows, cols = _stat_layer_candidates()
    pos = S[rows, cols] > 0
    rows, cols = rows[pos], cols[pos]
    p = S[rows, cols] / S[rows, cols].sum()
    index = {(r, c): t for t, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(),
                                                          strict=True))}
    return p, index


def test_sample_one_link_frequencies_follow_scores():
    """k=1, seeds 0..3999: the frequencies match score / sum(score) (chi-square, p > 1e-3)."""
    p, index = _positive_candidate_probabilities()
    n = 4000
    counts = np.zeros(len(index))
    for seed in range(n):
        r, c, _ = sample_links(STAT_LAYER, 1, rng=seed)
        counts[index[int(r[0]), int(c[0])]] += 1
    assert np.all(n * p >= 5)
    assert scipy.stats.chisquare(counts, n * p).pvalue > P_MIN


def test_sample_two_links_follow_successive_draws():
    """k=2 in draw order: P(x, then y) = p_x p_y / (1 - p_x) (chi-square, p > 1e-3)."""
    p, index = _positive_candidate_probabilities()
    m = len(index)
    expected = np.array([[p[x] * p[y] / (1 - p[x]) if x != y else 0.0 for y in range(m)]
                         for x in range(m)])
    n = 3000
    counts = np.zeros((m, m))
    rng = np.random.default_rng(12345)
    for _ in range(n):
        r, c, _ = sample_links(STAT_LAYER, 2, rng=rng)
        counts[index[int(r[0]), int(c[0])], index[int(r[1]), int(c[1])]] += 1
    off = ~np.eye(m, dtype=bool)
    assert not counts[~off].any()
    # pool the ordered pairs with small expectations into one cell
    exp, obs = n * expected[off], counts[off]
    small = exp < 5
    if small.any():
        exp = np.append(exp[~small], exp[small].sum())
        obs = np.append(obs[~small], obs[small].sum())
    assert scipy.stats.chisquare(obs, exp).pvalue > P_MIN


def test_sample_uniform_fill_is_uniform():
    """With zero_scores='uniform', the shortfall is uniform over the zero-score candidates."""
    B = np.array([[1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    S = chgraph.link_scores(B)
    cand = B == 0
    zero = list(zip(*np.nonzero(cand & (S == 0)), strict=True))
    n_pos = int(np.sum(cand & (S > 0)))
    assert n_pos >= 1 and len(zero) >= 6
    index = {z: t for t, z in enumerate(zero)}
    counts = np.zeros(len(zero))
    n = 2000
    for seed in range(n):
        r, c, s = sample_links(B, n_pos + 1, rng=seed, zero_scores="uniform")
        assert s[-1] == 0
        counts[index[int(r[-1]), int(c[-1])]] += 1
    assert scipy.stats.chisquare(counts).pvalue > P_MIN


# ------------------------------------------------------------------------------------------
# thread count
# ------------------------------------------------------------------------------------------
@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_selection_independent_of_thread_count():
    before = numba.get_num_threads()
    rng = np.random.default_rng(8)
    B = (rng.random((40, 60)) < 0.1).astype(np.int8)
    A = np.triu(rng.random((50, 50)) < 0.1, 1)
    A = (A | A.T).astype(np.int8)

    def run():
        return [
            top_k_links(B, 25), top_k_links(B, 25, "CH3.1-L3", ties="all"),
            top_k_links(A, 25, bipartite=False),
            sample_links(B, 25, rng=5), sample_links(B, 300, rng=6, zero_scores="uniform"),
            sample_links(A, 20, rng=7, bipartite=False),
        ]

    try:
        numba.set_num_threads(1)
        one = run()
        numba.set_num_threads(2)
        two = run()
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, two, strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)


# ------------------------------------------------------------------------------------------
# both kernel orientations, masks, tiny blocks
# ------------------------------------------------------------------------------------------
def _orientation_layer(shape, rng):
    return (rng.random(shape) < 0.35).astype(np.int8)


@pytest.mark.parametrize("shape", [(3, 16), (16, 3), (9, 9)])
def test_selection_with_masks_in_both_orientations(shape, monkeypatch):
    from chgraph.linkpred.scores import BipartiteScorer

    rng = np.random.default_rng(sum(shape))
    B = _orientation_layer(shape, rng)
    ar = rng.random(shape[0]) < 0.7
    ac = rng.random(shape[1]) < 0.7
    layer = chgraph.BipartiteLayer(B)
    # (3, 16) and (16, 3) make the scorer work on B and on B^T: one of them is transposed
    tall, wide = (
        BipartiteScorer(chgraph.BipartiteLayer(_orientation_layer(s, np.random.default_rng(19))),
                        chgraph.PREDICTORS["CH3-L3"]).transposed
        for s in ((16, 3), (3, 16))
    )
    assert tall != wide
    mask = candidate_mask(B, True, ar, ac)
    for block_entries in (None, 4):
        if block_entries:
            monkeypatch.setattr(selection, "BLOCK_ENTRIES", block_entries, raising=False)
        for method in ("CH3-L3", "CN-L3", "CH3-L3n"):
            S = engine_scores(B, method)
            for k in (1, 5, int(mask.sum())):
                for ties in ("index", "all"):
                    got = top_k_links(layer, k, method, ties=ties, allowed_rows=ar,
                                      allowed_cols=ac)
                    for x, y in zip(got, reference_top_k(S, mask, k, ties), strict=True):
                        assert np.array_equal(x, y)
            rows, cols, scores = sample_links(layer, int(mask.sum()), method, rng=1,
                                              zero_scores="uniform", allowed_rows=ar,
                                              allowed_cols=ac)
            assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == set(
                zip(*np.nonzero(mask), strict=True))
            assert np.array_equal(scores, S[rows, cols])


def test_engines_agree_on_top_k_and_reject_bad_names():
    B = np.random.default_rng(3).random((40, 50)) < 0.1
    rows = np.random.default_rng(4).random(40) < 0.8
    dense = top_k_links(B, 60, engine="dense", allowed_rows=rows)
    stream = top_k_links(B, 60, engine="stream", allowed_rows=rows)
    for a, b in zip(dense, stream, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="engine"):
        sample_links(B, 3, rng=0, engine="gpu")
    with pytest.raises(ValueError, match="bipartite layers only"):
        top_k_links(np.zeros((4, 4)), 1, bipartite=False, engine="dense")


# ------------------------------------------------------------------------------------------
# the sparse engine: cost follows the links, the paths and k (issue #15, defect 5)
# ------------------------------------------------------------------------------------------
def huge_nearly_empty_layer(n=40000):
    """``n x n`` with six links: two L3 paths (positives (0, 2) and (1, 0)), two far links."""
    links = [(0, 0), (0, 1), (1, 1), (1, 2), (2, n - 1), (n - 1, n - 2)]
    flat = np.array(sorted(i * n + o for i, o in links), np.int64)
    return chgraph.BipartiteLayer.from_flat(flat, (n, n)), flat


def test_huge_nearly_empty_layer_follows_the_links(monkeypatch):
    """A 40000 x 40000 layer (1.6e9 pairs) with six links: "auto" follows the paths, the
    block stream over every candidate is never entered, only inputs with links are scored,
    and the zero-score rest comes in index order (top-k) or by rejection (sampling)."""
    monkeypatch.setattr(selection, "DENSE_ENTRIES", 1 << 23)  # the defaults, whatever the
    monkeypatch.setattr(selection, "SPARSE_RATIO", 16)  # engine fixture set
    layer, links = huge_nearly_empty_layer()
    n = layer.shape[1]
    cands = selection.CandidateLinks(layer, "CH3-L3")
    assert cands.engine_for("auto") == "sparse"
    assert cands.n_candidates == n * n - 6

    def no_stream(*args, **kwargs):
        raise AssertionError("the sparse engine enumerated every candidate")

    monkeypatch.setattr(selection.CandidateLinks, "_bipartite_blocks", no_stream)
    scored = []
    real = selection.positive_scores

    def counting(lay, predictor, rows):
        scored.append(np.array(rows))
        return real(lay, predictor, rows)

    monkeypatch.setattr(selection, "positive_scores", counting)
    rows, cols, scores = top_k_links(layer, 10)
    assert set(np.concatenate(scored).tolist()) <= set(layer.link_rows().tolist())
    positives = [(0, 2), (1, 0)]
    assert sorted(zip(rows[:2].tolist(), cols[:2].tolist(), strict=True)) == positives
    assert np.all(scores[:2] > 0) and np.all(scores[2:] == 0)
    # the zeros: the first candidates in index order, links and positives skipped
    assert list(zip(rows[2:].tolist(), cols[2:].tolist(), strict=True)) == [
        (0, c) for c in range(3, 11)]
    for seed in (0, 1):
        r, c, s = sample_links(layer, 50, rng=seed, zero_scores="uniform")
        flat = r * n + c
        assert np.unique(flat).size == 50 and not np.isin(flat, links).any()
        assert sorted(zip(r[:2].tolist(), c[:2].tolist(), strict=True)) == positives
        assert np.all(s[:2] > 0) and np.all(s[2:] == 0)
        again = sample_links(layer, 50, rng=seed, zero_scores="uniform")
        assert all(np.array_equal(x, y) for x, y in zip((r, c, s), again, strict=True))
    other = sample_links(layer, 50, rng=2, zero_scores="uniform")
    assert not np.array_equal(other[0] * n + other[1], flat)
    with pytest.raises(ValueError, match="positive"):
        sample_links(layer, 3, rng=0)


@pytest.mark.parametrize("method", ["CN-L3", "CH3-L3", "CH3.1-L3", "CH2-L3n"])
def test_sparse_engine_equals_the_brute_force_selection(method):
    """Forced sparse, on random small layers with masks: the top-k of the dense scores (up to
    rounding) and every positive candidate before the zeros."""
    rng = np.random.default_rng(7)
    for trial in range(30):
        n_in, n_out = rng.integers(1, 12, 2)
        B = (rng.random((n_in, n_out)) < rng.uniform(0.05, 0.5)).astype(np.int8)
        ar = rng.random(n_in) < 0.8 if trial % 2 else None
        ac = rng.random(n_out) < 0.8 if trial % 3 else None
        mask = candidate_mask(B, True, ar, ac)
        if not mask.any():
            continue
        S = chgraph.link_scores(B, method)
        k = int(rng.integers(1, mask.sum() + 1))
        got = top_k_links(B, k, method, allowed_rows=ar, allowed_cols=ac, engine="sparse")
        er, ec, es = reference_top_k(S, mask, k)
        np.testing.assert_allclose(got[2], es, rtol=1e-12)
        same = np.isclose(es[:, None], es[None, :], rtol=1e-12, atol=0).sum(1) == 1
        assert np.array_equal(got[0][same], er[same]) and np.array_equal(got[1][same], ec[same])
        picked = set(zip(got[0].tolist(), got[1].tolist(), strict=True))
        assert picked <= set(zip(*np.nonzero(mask), strict=True))
        r, c, s = sample_links(B, k, method, rng=trial, zero_scores="uniform",
                               allowed_rows=ar, allowed_cols=ac, engine="sparse")
        assert mask[r, c].all() and np.unique(r * n_out + c).size == k
        np.testing.assert_allclose(s, S[r, c], rtol=1e-12)
        n_pos = int(np.count_nonzero(S[mask] > 0))
        assert np.count_nonzero(s > 0) == min(k, n_pos)
