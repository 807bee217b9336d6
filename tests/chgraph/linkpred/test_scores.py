"""chgraph.link_scores against the brute-force oracle, and the properties of docs/method.md,
section 2."""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import chgraph
from chgraph.linkpred import scores as scores_mod
from chgraph.linkpred.scores import BipartiteScorer
from chgraph.testing import reference as oracle
from chgraph.testing.strategies import adjacency, biadjacency

RTOL, ATOL = 1e-10, 1e-12
STRATEGIES = ("wedge", "gram", "direct")
PATH_L3 = oracle.L3_METHODS
# structural properties are checked on a few methods that use k, di and de differently
SYM_BIP = ("CN-L3", "CH1-L3", "CH3.1-L3", "CH3-L3n")
SYM_UNI = ("CH3-L3", "CH3.1-L3", "CH2-L2")


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def bip(B, method="CH3-L3"):
    return chgraph.link_scores(B, method)


def uni(A, method="CH3-L3", rule="path"):
    return chgraph.link_scores(A, method, bipartite=False, internal_degree=rule)


def random_layer(rng, n_in, n_out, p):
    return (rng.random((n_in, n_out)) < p).astype(np.int8)


def random_graph(rng, n, p):
    A = np.triu(rng.random((n, n)) < p, 1)
    return (A | A.T).astype(np.int8)


# ------------------------------------------------------------------------------------------
# equal to brute-force path enumeration
# ------------------------------------------------------------------------------------------
# Each example's scores are computed once and checked against the oracle and against the
# structural properties of docs/method.md, section 2: existing links (and the diagonal) never
# scored, finite and non-negative, symmetric, score > 0 iff a path exists (every exact term is
# > 0: di >= 1 on any path, the path's own middle link), L2 independent of the internal-degree
# rule.
@given(biadjacency())
def test_bipartite_equals_oracle(B):
    has_path = oracle.has_l3_path_bipartite(B)
    for method in oracle.BIPARTITE_METHODS:
        S = bip(B, method)
        assert isinstance(S, np.ndarray) and S.dtype == np.float64 and S.shape == B.shape
        close(S, oracle.bipartite_scores(B, method))
        assert not S[B != 0].any(), f"{method} scores an existing link"
        assert np.all(np.isfinite(S)) and np.all(S >= 0)
        if method in PATH_L3:
            assert np.array_equal(S > 0, has_path), method


@given(adjacency())
def test_unipartite_equals_oracle(A):
    n = A.shape[0]
    has = {"L3": np.zeros((n, n), dtype=bool), "L2": np.zeros((n, n), dtype=bool)}
    for u in range(n):
        for v in range(n):
            if u != v and not A[u, v]:
                has["L3"][u, v] = bool(oracle.unipartite_l3_paths(A, u, v))
                has["L2"][u, v] = bool(oracle.unipartite_l2_paths(A, u, v))
    for method in oracle.UNIPARTITE_METHODS:
        length = method.rpartition("-")[2]
        by_rule = {}
        for rule in oracle.INTERNAL_RULES:
            S = by_rule[rule] = uni(A, method, rule)
            assert isinstance(S, np.ndarray) and S.dtype == np.float64 and S.shape == A.shape
            close(S, oracle.unipartite_scores(A, method, rule))
            assert not S[A != 0].any(), f"{method} scores an existing link"
            assert not np.diag(S).any()
            assert np.array_equal(S, S.T)
            assert np.all(np.isfinite(S)) and np.all(S >= 0)
            if method != "CH1-L2":  # CH1-L2 is 0 when di = 0 (no link among the common nbrs)
                assert np.array_equal(S > 0, has[length]), (method, rule)
        if length == "L2":
            assert np.array_equal(by_rule["path"], by_rule["community"])


@pytest.mark.parametrize("seed", range(3))
def test_larger_graphs_equal_oracle(seed):
    """A few graphs beyond the hypothesis sizes (higher degrees, more paths per pair)."""
    rng = np.random.default_rng(seed)
    B = random_layer(rng, 11, 13, 0.35)
    for method in oracle.BIPARTITE_METHODS:
        close(bip(B, method), oracle.bipartite_scores(B, method))
    A = random_graph(rng, 13, 0.35)
    for method in ("CH3-L3", "CH3.1-L3", "CH2-L2"):
        for rule in oracle.INTERNAL_RULES:
            close(uni(A, method, rule), oracle.unipartite_scores(A, method, rule))


def test_internal_degree_rules_differ_on_unipartite_graph():
    A = np.zeros((6, 6), dtype=int)
    for u, v in [(0, 1), (1, 2), (2, 5), (0, 3), (3, 4), (4, 5), (1, 3)]:
        A[u, v] = A[v, u] = 1
    assert uni(A, "CH3-L3", "path")[0, 5] == pytest.approx(math.sqrt(2))
    assert uni(A, "CH3-L3", "community")[0, 5] == pytest.approx(2.0)
    assert uni(A)[5, 0] == uni(A)[0, 5]


# ------------------------------------------------------------------------------------------
# the three exact bipartite kernels
# ------------------------------------------------------------------------------------------
@given(biadjacency())
def test_scorer_strategies_equal_oracle(B):
    layer = chgraph.BipartiteLayer(B)
    for method in PATH_L3:
        expected = oracle.bipartite_scores(B, method)
        for strategy in STRATEGIES:
            scorer = BipartiteScorer(layer, chgraph.PREDICTORS[method], strategy)
            S = scorer.all()
            assert S.shape == B.shape and S.dtype == np.float64
            close(S, expected)


@given(biadjacency(), st.data())
def test_scorer_rows_match_all(B, data):
    layer = chgraph.BipartiteLayer(B)
    n_in = B.shape[0]
    for method in ("CH3-L3", "CH3-L3n"):
        for strategy in STRATEGIES:
            scorer = BipartiteScorer(layer, chgraph.PREDICTORS[method], strategy)
            full = scorer.all()
            rows = data.draw(st.lists(st.integers(0, max(n_in - 1, 0)), max_size=n_in))
            rows = np.array(rows, dtype=np.int64)
            assert np.array_equal(scorer.rows(rows), full[rows])


def _shared_hub_layer(n):
    """Outputs 0 and 1 share the n inputs 1..n; input 0 is linked to output 0 only.

    Candidate (0, 1) has n paths 0 - a0 - b - o1 (b = 1..n); a0: k = n+1, di = n, 1+de = 1;
    b: k = 2, di = 1, 1+de = 1. So CN-L3 = CH3-L3 = n and CH2-L3 = n sqrt(2 (n+1)).
    """
    B = np.ones((n + 1, 2), dtype=np.int8)
    B[0, 1] = 0
    return chgraph.BipartiteLayer(B)


@pytest.mark.parametrize("strategy", ["gram", "auto"])
def test_scorer_with_internal_degree_above_uint16(strategy):
    # ("direct" counts in int32 but picks the transposed orientation here, where scoring the
    # whole layer walks ~n^2 wedges: too slow for the suite)
    n = 2**16 + 2
    layer = _shared_hub_layer(n)
    for method, value in (("CN-L3", n), ("CH3-L3", n), ("CH2-L3", n * math.sqrt(2 * (n + 1)))):
        scorer = BipartiteScorer(layer, chgraph.PREDICTORS[method], strategy)
        assert not scorer.transposed  # rows() of one row touches O(n) wedges only
        S = scorer.rows(np.array([0, 1]))
        assert S[0, 1] == pytest.approx(value, rel=1e-9), method
        S[0, 1] = 0
        assert not S.any()


def test_wedge_kernel_refuses_degrees_beyond_uint16():
    layer = _shared_hub_layer(2**16 + 2)
    with pytest.raises(ValueError, match="2\\^16"):
        BipartiteScorer(layer, chgraph.PREDICTORS["CH3-L3"], "wedge")


def test_scorer_with_internal_degree_below_uint16_limit():
    """The same layer just below the limit: the wedge kernel is exact."""
    n = 2**16 - 1
    layer = _shared_hub_layer(n)
    for strategy in ("wedge", "gram"):
        S = BipartiteScorer(layer, chgraph.PREDICTORS["CH3-L3"], strategy).rows(np.array([0]))
        assert S[0, 1] == pytest.approx(n, rel=1e-12)


def test_scorer_orientations_both_exercised():
    """Tall and wide layers make the scorer pick both orientations; both are exact."""
    rng = np.random.default_rng(5)
    seen = set()
    for shape in [(3, 12), (12, 3), (6, 6)]:
        B = random_layer(rng, *shape, 0.4)
        expected = oracle.bipartite_scores(B, "CH3-L3")
        for strategy in STRATEGIES:
            scorer = BipartiteScorer(chgraph.BipartiteLayer(B), chgraph.PREDICTORS["CH3-L3"],
                                     strategy)
            seen.add(scorer.transposed)
            close(scorer.all(), expected)
            close(scorer.rows(np.arange(shape[0])), expected)
    assert seen == {False, True}


def test_scorer_rejects_bad_strategy_and_rows():
    layer = chgraph.BipartiteLayer(np.eye(3))
    with pytest.raises(ValueError, match="strategy"):
        BipartiteScorer(layer, chgraph.PREDICTORS["CH3-L3"], "fastest")
    scorer = BipartiteScorer(layer, chgraph.PREDICTORS["CH3-L3"], "wedge")
    with pytest.raises(IndexError):
        scorer.rows([3])
    with pytest.raises(IndexError):
        scorer.rows([-1])


def test_auto_strategy_under_tiny_memory_budget(monkeypatch):
    rng = np.random.default_rng(1)
    B = random_layer(rng, 9, 8, 0.4)
    expected = oracle.bipartite_scores(B, "CH3-L3")
    monkeypatch.setattr(scores_mod, "SCRATCH_BUDGET_BYTES", 0)
    scorer = BipartiteScorer(chgraph.BipartiteLayer(B), chgraph.PREDICTORS["CH3-L3"])
    assert scorer.strategy == "direct"
    close(scorer.all(), expected)
    close(bip(B), expected)


# ------------------------------------------------------------------------------------------
# existing links, positivity, bounds
# ------------------------------------------------------------------------------------------
@given(biadjacency())
def test_bipartite_ch3_terms_in_unit_interval(B):
    """Each CH3 term is in (0, 1]: CH3 <= CN (number of paths) and CH3 > 0 where CN > 0."""
    cn, ch3 = bip(B, "CN-L3"), bip(B, "CH3-L3")
    assert np.all(ch3 <= cn + 1e-12)
    assert np.array_equal(ch3 > 0, cn > 0)
    # and per term, on the oracle's explicit paths
    for i, o in zip(*np.nonzero(B == 0), strict=True):
        stats = oracle.bipartite_node_stats(B, i, o)
        for a, b in oracle.bipartite_l3_paths(B, i, o):
            term = oracle.path_term("CH3", [stats[("out", a)], stats[("in", b)]])
            assert 0 < term <= 1


@given(adjacency())
def test_unipartite_ch3_terms_in_unit_interval(A):
    for length in ("L2", "L3"):
        cn = uni(A, f"CN-{length}")
        for rule in oracle.INTERNAL_RULES:
            ch3 = uni(A, f"CH3-{length}", rule)
            assert np.all(ch3 <= cn + 1e-12)
            assert np.array_equal(ch3 > 0, cn > 0)


# ------------------------------------------------------------------------------------------
# symmetries
# ------------------------------------------------------------------------------------------
@given(biadjacency(), st.data())
def test_bipartite_permutation_equivariance(B, data):
    p = np.array(data.draw(st.permutations(range(B.shape[0]))), dtype=np.int64)
    q = np.array(data.draw(st.permutations(range(B.shape[1]))), dtype=np.int64)
    for method in SYM_BIP:
        close(bip(B[p][:, q], method), bip(B, method)[p][:, q])


@given(adjacency(), st.data())
def test_unipartite_permutation_equivariance(A, data):
    p = np.array(data.draw(st.permutations(range(A.shape[0]))), dtype=np.int64)
    for method in SYM_UNI:
        for rule in oracle.INTERNAL_RULES:
            close(uni(A[p][:, p], method, rule), uni(A, method, rule)[p][:, p])


@given(biadjacency())
def test_transpose_transposes_scores(B):
    for method in SYM_BIP:
        close(bip(B.T, method), bip(B, method).T)
        close(bip(chgraph.BipartiteLayer(B).transpose(), method), bip(B, method).T)


@given(biadjacency(), st.data())
def test_bipartite_isolated_node_changes_nothing(B, data):
    r = data.draw(st.integers(0, B.shape[0]))
    c = data.draw(st.integers(0, B.shape[1]))
    B2 = np.insert(np.insert(B, r, 0, axis=0), c, 0, axis=1)
    for method in SYM_BIP:
        S2 = bip(B2, method)
        assert not S2[r].any() and not S2[:, c].any()
        close(np.delete(np.delete(S2, r, axis=0), c, axis=1), bip(B, method))
        # an isolated input only, or an isolated output only
        close(np.delete(bip(np.insert(B, r, 0, axis=0), method), r, axis=0), bip(B, method))
        close(np.delete(bip(np.insert(B, c, 0, axis=1), method), c, axis=1), bip(B, method))


@given(adjacency(), st.data())
def test_unipartite_isolated_node_changes_nothing(A, data):
    r = data.draw(st.integers(0, A.shape[0]))
    A2 = np.insert(np.insert(A, r, 0, axis=0), r, 0, axis=1)
    for method in SYM_UNI:
        for rule in oracle.INTERNAL_RULES:
            S2 = uni(A2, method, rule)
            assert not S2[r].any() and not S2[:, r].any()
            close(np.delete(np.delete(S2, r, axis=0), r, axis=1), uni(A, method, rule))


@given(biadjacency(max_rows=5, max_cols=5), biadjacency(max_rows=5, max_cols=5))
def test_bipartite_disjoint_union(B1, B2):
    B = np.zeros((B1.shape[0] + B2.shape[0], B1.shape[1] + B2.shape[1]), dtype=np.int8)
    B[: B1.shape[0], : B1.shape[1]] = B1
    B[B1.shape[0]:, B1.shape[1]:] = B2
    for method in SYM_BIP:
        S = bip(B, method)
        close(S[: B1.shape[0], : B1.shape[1]], bip(B1, method))
        close(S[B1.shape[0]:, B1.shape[1]:], bip(B2, method))
        assert not S[: B1.shape[0], B1.shape[1]:].any()
        assert not S[B1.shape[0]:, : B1.shape[1]].any()


@given(adjacency(max_nodes=6), adjacency(max_nodes=6))
def test_unipartite_disjoint_union(A1, A2):
    n1 = A1.shape[0]
    A = np.zeros((n1 + A2.shape[0],) * 2, dtype=np.int8)
    A[:n1, :n1] = A1
    A[n1:, n1:] = A2
    for method in SYM_UNI:
        for rule in oracle.INTERNAL_RULES:
            S = uni(A, method, rule)
            close(S[:n1, :n1], uni(A1, method, rule))
            close(S[n1:, n1:], uni(A2, method, rule))
            assert not S[:n1, n1:].any() and not S[n1:, :n1].any()


# ------------------------------------------------------------------------------------------
# the unipartite engine on a layer's embedding
# ------------------------------------------------------------------------------------------
@given(biadjacency())
def test_unipartite_l3_of_embedded_layer_equals_bipartite(B):
    layer = chgraph.BipartiteLayer(B)
    n_in = B.shape[0]
    graph = layer.to_graph()
    for method in PATH_L3:
        expected = bip(B, method)
        for rule in oracle.INTERNAL_RULES:
            S = chgraph.link_scores(graph, method, bipartite=False, internal_degree=rule)
            close(S[:n_in, n_in:], expected)
            close(S[n_in:, :n_in], expected.T)
            assert not S[:n_in, :n_in].any() and not S[n_in:, n_in:].any()
    # a layer passed with bipartite=False is read as its embedding
    close(chgraph.link_scores(layer, bipartite=False), uni(oracle.embed(B)))


# ------------------------------------------------------------------------------------------
# independent of thread count and of the input format
# ------------------------------------------------------------------------------------------
@pytest.fixture
def restore_threads():
    before = numba.get_num_threads()
    yield
    numba.set_num_threads(before)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 numba threads")
def test_thread_count_gives_bit_identical_scores(restore_threads):
    rng = np.random.default_rng(7)
    layers = [random_layer(rng, 60, 90, 0.08), random_layer(rng, 90, 40, 0.15),
              random_layer(rng, 5, 7, 0.5)]
    graphs = [random_graph(rng, 70, 0.08), random_graph(rng, 9, 0.4)]

    def run():
        out = []
        for B in layers:
            for method in oracle.BIPARTITE_METHODS:
                out.append(bip(B, method))
            for strategy in STRATEGIES:
                scorer = BipartiteScorer(chgraph.BipartiteLayer(B), chgraph.PREDICTORS["CH3-L3"],
                                         strategy)
                out.append(scorer.all())
        for A in graphs:
            for method in ("CH3-L3", "CH2-L3", "CH3.1-L2"):
                for rule in oracle.INTERNAL_RULES:
                    out.append(uni(A, method, rule))
        return out

    numba.set_num_threads(1)
    one = run()
    numba.set_num_threads(2)
    two = run()
    for a, b in zip(one, two, strict=True):
        assert np.array_equal(a, b)


def _unsorted_csr(B):
    csr = sp.csr_array(B)
    indices = csr.indices.copy()
    for r in range(csr.shape[0]):
        s, e = csr.indptr[r], csr.indptr[r + 1]
        indices[s:e] = indices[s:e][::-1].copy()
    return sp.csr_array((csr.data.copy(), indices, csr.indptr.copy()), shape=csr.shape)


def _duplicate_csr(B):
    """CSR with every link stored twice (and an explicit zero at a non-link if any)."""
    n_rows, n_cols = B.shape
    indptr, indices, data = [0], [], []
    for r in range(n_rows):
        for c in np.flatnonzero(B[r]):
            indices += [c, c]
            data += [1.0, 0.5]
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(data), np.array(indices, dtype=np.int32),
                          np.array(indptr, dtype=np.int32)), shape=B.shape)


def _explicit_zeros_coo(B):
    rows, cols = np.nonzero(B)
    zr, zc = np.nonzero(B == 0)
    rows = np.concatenate([rows, rows, zr[:3]])
    cols = np.concatenate([cols, cols, zc[:3]])
    data = np.concatenate([np.full(2 * int(B.sum()), 2.0), np.zeros(min(3, zr.size))])
    return sp.coo_array((data, (rows.astype(np.int32), cols.astype(np.int32))), shape=B.shape)


def _int64_csr(B):
    csr = sp.csr_array(B.astype(np.float32))
    return sp.csr_array((csr.data, csr.indices.astype(np.int64), csr.indptr.astype(np.int64)),
                        shape=B.shape)


def _np_matrix(B):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(B)


def matrix_formats(B, rng):
    """The same link pattern in many input formats."""
    out = {
        "int8": B,
        "bool": B.astype(bool),
        "int64": B.astype(np.int64),
        "uint8": B.astype(np.uint8),
        "float32": B.astype(np.float32),
        "float weights": B * rng.uniform(0.01, 5.0, B.shape),
        "np.matrix": _np_matrix(B),
        "fortran": np.asfortranarray(B),
        "non-contiguous view": np.repeat(np.repeat(B, 2, axis=0), 2, axis=1)[::2, ::2],
        "unsorted csr": _unsorted_csr(B),
        "duplicate csr": _duplicate_csr(B),
        "explicit zeros coo": _explicit_zeros_coo(B),
        "int64 csr": _int64_csr(B),
        "bool csr": sp.csr_array(B.astype(bool)),
    }
    if B.size:
        out["list"] = B.tolist()
    for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia"):
        out[f"{fmt}_array"] = sp.csr_array(B).asformat(fmt)
        out[f"{fmt}_matrix"] = sp.csr_matrix(B).asformat(fmt)
    return out


def networkx_bipartite(B, interleave=True):
    n_in, n_out = B.shape
    g = nx.Graph()
    order = []
    for t in range(max(n_in, n_out)):  # interleave the sides; each keeps its order
        if t < n_out and interleave:
            order.append((f"o{t}", 1))
        if t < n_in:
            order.append((f"i{t}", 0))
        if t < n_out and not interleave:
            order.append((f"o{t}", 1))
    for name, side in order:
        g.add_node(name, bipartite=side)
    g.add_edges_from((f"i{i}", f"o{o}") for i, o in zip(*np.nonzero(B), strict=True))
    return g


def igraph_bipartite(B):
    ig = pytest.importorskip("igraph")
    n_in, n_out = B.shape
    types = [False] * n_in + [True] * n_out
    edges = [(int(i), n_in + int(o)) for i, o in zip(*np.nonzero(B), strict=True)]
    return ig.Graph.Bipartite(types, edges)


def all_bipartite_formats(B, rng):
    formats = matrix_formats(B, rng)
    formats["BipartiteLayer"] = chgraph.BipartiteLayer(B)
    formats["networkx"] = networkx_bipartite(B)
    formats["networkx sides in order"] = networkx_bipartite(B, interleave=False)
    return formats


@given(biadjacency(), st.integers(0, 2**32 - 1))
def test_bipartite_input_formats_give_the_same_layer(B, seed):
    """Every input format is canonicalised to the same CSR pattern (cheap, many examples)."""
    expected = chgraph.BipartiteLayer(B)
    for name, obj in all_bipartite_formats(B, np.random.default_rng(seed)).items():
        layer = chgraph.as_layer(obj)
        assert layer == expected, name
        assert layer.csr.has_canonical_format and layer.csr.shape == B.shape


FIXED_LAYERS = [
    random_layer(np.random.default_rng(11), 7, 9, 0.4),
    random_layer(np.random.default_rng(12), 9, 4, 0.6),
    np.array([[1, 0], [1, 1]], dtype=np.int8),
    np.zeros((0, 4), dtype=np.int8),
    np.zeros((3, 0), dtype=np.int8),
]
FORMAT_NAMES = sorted(all_bipartite_formats(FIXED_LAYERS[0], np.random.default_rng(0)))


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_bipartite_scores_identical_across_formats(fmt):
    for B in FIXED_LAYERS:
        formats = all_bipartite_formats(B, np.random.default_rng(3))
        if fmt not in formats:  # a list of an empty matrix is 1-D
            continue
        for method in ("CH3-L3", "CH3.1-L3n"):
            S = bip(formats[fmt], method)
            assert isinstance(S, np.ndarray) and S.dtype == np.float64
            assert np.array_equal(S, bip(B, method))


@pytest.mark.parametrize("B", FIXED_LAYERS[:3])
def test_bipartite_igraph_input_identical(B):
    g = igraph_bipartite(B)
    assert chgraph.as_layer(g) == chgraph.BipartiteLayer(B)
    for method in ("CH3-L3", "CH2-L3"):
        assert np.array_equal(bip(g, method), bip(B, method))


def all_unipartite_formats(A, rng):
    weights = rng.uniform(0.01, 5.0, A.shape)
    formats = matrix_formats(A, rng)
    formats["float symmetric weights"] = A * (weights + weights.T)
    formats["Graph"] = chgraph.Graph(A)
    g = nx.Graph()
    g.add_nodes_from(range(A.shape[0]))
    g.add_edges_from(zip(*np.nonzero(np.triu(A)), strict=True))
    formats["networkx"] = g
    formats["networkx directed both ways"] = nx.DiGraph(g)
    formats["networkx multigraph"] = nx.MultiGraph(list(g.edges) * 2) if g.edges else g
    return formats


@given(adjacency(), st.integers(0, 2**32 - 1))
def test_unipartite_input_formats_give_the_same_graph(A, seed):
    expected = chgraph.Graph(A).csr
    for name, obj in all_unipartite_formats(A, np.random.default_rng(seed)).items():
        if name == "networkx multigraph" and A.shape[0]:
            continue  # node order follows edge order there; checked below
        csr = chgraph.as_graph(obj).csr
        assert csr.shape == expected.shape, name
        assert np.array_equal(csr.indptr, expected.indptr), name
        assert np.array_equal(csr.indices, expected.indices), name


def test_unipartite_scores_identical_across_formats():
    A = random_graph(np.random.default_rng(21), 10, 0.35)
    A[9, :] = A[:, 9] = 0  # an isolated node
    expected = {rule: uni(A, "CH3-L3", rule) for rule in oracle.INTERNAL_RULES}
    for name, obj in all_unipartite_formats(A, np.random.default_rng(4)).items():
        if name == "networkx multigraph":
            continue
        for rule in oracle.INTERNAL_RULES:
            assert np.array_equal(uni(obj, "CH3-L3", rule), expected[rule]), name
    ig = pytest.importorskip("igraph")
    edges = [(int(u), int(v)) for u, v in zip(*np.nonzero(np.triu(A)), strict=True)]
    h = ig.Graph(n=A.shape[0], edges=edges)
    assert np.array_equal(uni(h), expected["path"])


def test_input_not_modified():
    B = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 0]], dtype=np.float64)
    before = B.copy()
    csr = sp.csr_array(B)
    csr_before = (csr.data.copy(), csr.indices.copy(), csr.indptr.copy())
    for method in oracle.BIPARTITE_METHODS:
        bip(B, method)
        bip(csr, method)
    assert np.array_equal(B, before)
    assert all(np.array_equal(x, y) for x, y in
               zip((csr.data, csr.indices, csr.indptr), csr_before, strict=True))


# ------------------------------------------------------------------------------------------
# known values and corner cases
# ------------------------------------------------------------------------------------------
def test_two_by_two_known_value():
    S = bip(np.array([[1, 0], [1, 1]]))
    assert np.array_equal(S, [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("m,n", [(2, 2), (2, 5), (3, 4), (6, 3), (7, 7)])
def test_complete_bipartite_minus_one_link(m, n):
    for r, c in [(0, 0), (m - 1, n - 1), (m // 2, n // 2)]:
        B = np.ones((m, n), dtype=np.int8)
        B[r, c] = 0
        S = bip(B)
        assert S[r, c] == pytest.approx((m - 1) * (n - 1), rel=1e-12)
        S[r, c] = 0
        assert not S.any()
        assert bip(B, "CN-L3")[r, c] == (m - 1) * (n - 1)


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (5, 0), (1, 1), (1, 6), (6, 1), (4, 5)])
def test_empty_layer_all_zeros(shape):
    for method in oracle.BIPARTITE_METHODS:
        S = bip(np.zeros(shape), method)
        assert S.shape == shape and S.dtype == np.float64
        assert not np.isnan(S).any() and not S.any()
        S = bip(sp.csr_array(shape), method)
        assert S.shape == shape and not S.any()


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_empty_graph_all_zeros(n):
    for method in oracle.UNIPARTITE_METHODS:
        for rule in oracle.INTERNAL_RULES:
            S = uni(np.zeros((n, n)), method, rule)
            assert S.shape == (n, n) and S.dtype == np.float64
            assert not np.isnan(S).any() and not S.any()


@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (5, 2)])
def test_complete_layer_has_no_candidates(shape):
    for method in oracle.BIPARTITE_METHODS:
        assert not bip(np.ones(shape), method).any()


@pytest.mark.parametrize("n", [2, 3, 6])
def test_complete_graph_has_no_candidates(n):
    A = np.ones((n, n)) - np.eye(n)
    for method in oracle.UNIPARTITE_METHODS:
        assert not uni(A, method).any()


def test_star_and_path_graphs():
    # star: leaves share the hub (L2) but no L3 path between any pair
    A = np.zeros((5, 5), dtype=int)
    A[0, 1:] = A[1:, 0] = 1
    assert not uni(A, "CN-L3").any()
    cn2 = uni(A, "CN-L2")
    assert cn2[1, 2] == 1 and cn2[0].sum() == 0
    # hub: k=4, common neighbours {0}, di=0, de=4-0-2=2 -> CH3-L2 = 1/3
    assert uni(A, "CH3-L2")[1, 2] == pytest.approx(1 / 3)
    # path 0-1-2-3
    P = np.zeros((4, 4), dtype=int)
    for u in range(3):
        P[u, u + 1] = P[u + 1, u] = 1
    S = uni(P)
    assert S[0, 3] == 1.0 and S.sum() == 2.0


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------
GOOD = np.array([[1, 0], [1, 1]])


@pytest.mark.parametrize("bad,what", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "non-finite"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), "non-finite"),
    (np.array([[1.0, -1.0], [0.0, 1.0]]), "negative"),
    (sp.csr_array(np.array([[1.0, np.nan], [0.0, 1.0]])), "non-finite"),
    (sp.coo_array(np.array([[1.0, -2.0], [0.0, 1.0]])), "negative"),
    (sp.lil_array(np.array([[1.0, -2.0], [0.0, 1.0]])), "negative"),
    (np.array([1, 0, 1]), "2-dimensional"),
    (np.zeros((2, 2, 2)), "2-dimensional"),
    (np.array(3.0), "2-dimensional"),
])
def test_bad_values_and_shapes_raise_value_error(bad, what):
    with pytest.raises(ValueError, match=what):
        bip(bad)
    with pytest.raises(ValueError, match=what):
        chgraph.link_scores(bad, bipartite=False)


@pytest.mark.parametrize("bad", [
    "B", b"B", object(), None, 3, np.array([["a", "b"], ["c", "d"]]),
    np.array([[1, None], [0, 1]], dtype=object), np.array([[1 + 1j, 0], [0, 1]]),
])
def test_non_numeric_input_raises_type_error(bad):
    with pytest.raises(TypeError):
        bip(bad)
    with pytest.raises(TypeError):
        chgraph.link_scores(bad, bipartite=False)


def test_bad_unipartite_adjacency():
    with pytest.raises(ValueError, match="symmetric"):
        uni(np.array([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="self-loop"):
        uni(np.array([[1, 1], [1, 0]]))
    with pytest.raises(ValueError, match="square"):
        uni(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="unipartite"):
        bip(chgraph.Graph(np.array([[0, 1], [1, 0]])))


@pytest.mark.parametrize("rule", ["paths", "Community", "", None, 1])
def test_bad_internal_degree(rule):
    with pytest.raises(ValueError, match="internal_degree"):
        uni(np.array([[0, 1], [1, 0]]), rule=rule)
    with pytest.raises(ValueError, match="internal_degree"):
        chgraph.link_scores(GOOD, internal_degree=rule)


def test_planner_avoids_scanning_a_hub():
    """Input 0 links every output, input 1 only output 0: 65538 L3 paths, but ~4e9 wedges
    through the hub in the transposed orientation. The planner must run on B (seeds = inputs)
    with the direct kernel, and the scores stay exact: (1, o) has the one path 1-0-0-o, with
    1 + de = k - di = 2 - 1 for output 0 and 65539 - 1 for input 0."""
    n = 2**16 + 3
    rows = np.r_[np.zeros(n, dtype=np.int64), 1]
    cols = np.r_[np.arange(n), 0]
    layer = chgraph.BipartiteLayer(sp.coo_array((np.ones(n + 1), (rows, cols)), shape=(2, n)))
    scorer = BipartiteScorer(layer, chgraph.PREDICTORS["CH3-L3"])
    assert (scorer.strategy, scorer.transposed) == ("direct", False)
    S = scorer.all()
    expected = np.full(n, 1.0 / np.sqrt(1.0 * (n - 1)))
    expected[0] = 0.0
    np.testing.assert_allclose(S[1], expected, rtol=1e-12)
    assert not S[0].any()
