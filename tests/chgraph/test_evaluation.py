"""chgraph.evaluation: metrics against hand-computed rankings, hold-out, scoring, evaluate."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chgraph
from chgraph import BipartiteLayer, Graph
from chgraph import evaluation as ev
from chgraph.testing.strategies import adjacency, biadjacency

METRICS = [ev.precision_at_k, ev.average_precision, ev.auroc, ev.ndcg]


def dcg(positions):
    """DCG of positives at the given 1-based ranks."""
    return sum(1 / math.log2(r + 1) for r in positions)


# ------------------------------------------------------------------------------------------
# metrics against hand-computed rankings
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", METRICS)
def test_perfect_ranking_scores_one(metric):
    assert metric([1, 1, 0, 0, 0], [5, 4, 3, 2, 1]) == pytest.approx(1.0)
    assert metric([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]) == pytest.approx(1.0)


def test_reversed_ranking():
    y, s = [1, 1, 0, 0, 0], [1, 2, 3, 4, 5]  # positives at ranks 4 and 5
    assert ev.precision_at_k(y, s) == 0.0
    assert ev.auroc(y, s) == 0.0
    assert ev.average_precision(y, s) == pytest.approx((1 / 4 + 2 / 5) / 2)
    assert ev.ndcg(y, s) == pytest.approx(dcg([4, 5]) / dcg([1, 2]))


def test_mixed_ranking():
    y, s = [1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]  # positives at ranks 1 and 3
    assert ev.precision_at_k(y, s) == 0.5
    assert ev.precision_at_k(y, s, k=3) == pytest.approx(2 / 3)
    assert ev.average_precision(y, s) == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert ev.auroc(y, s) == 0.75  # pairs won: (0.9 > 0.8), (0.9 > 0.1), (0.7 > 0.1)
    assert ev.ndcg(y, s) == pytest.approx(dcg([1, 3]) / dcg([1, 2]))
    assert ev.ndcg(y, s, k=2) == pytest.approx(dcg([1]) / dcg([1, 2]))


def test_all_tied():
    y, s = [1, 0, 1, 0, 0], [0.5] * 5
    assert ev.precision_at_k(y, s) == pytest.approx(2 / 5)
    assert ev.auroc(y, s) == 0.5
    assert ev.average_precision(y, s) == pytest.approx(2 / 5)  # one threshold: all in
    mean_discount = dcg(range(1, 6)) / 5
    assert ev.ndcg(y, s) == pytest.approx(2 * mean_discount / dcg([1, 2]))


def test_ties_at_the_cut_off_and_between_classes():
    y, s = [1, 0, 1, 0], [3, 2, 2, 1]  # ranks 2-3 tied, one positive among them
    assert ev.precision_at_k(y, s) == pytest.approx((1 + 0.5) / 2)
    assert ev.auroc(y, s) == pytest.approx((2 + 1.5) / 4)  # the tied pair counts 1/2
    assert ev.average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
    group = (1 / math.log2(3) + 1 / math.log2(4)) / 2
    assert ev.ndcg(y, s) == pytest.approx((1 + group) / dcg([1, 2]))


def expected_over_tie_orders(metric_of_order, y, s):
    """Mean of a metric over every candidate order that sorts the scores decreasingly."""
    values = []
    for perm in itertools.permutations(range(len(y))):
        scores = [s[i] for i in perm]
        if all(a >= b for a, b in zip(scores, scores[1:], strict=False)):
            values.append(metric_of_order([y[i] for i in perm]))
    return float(np.mean(values))


small_ranking = st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda y: 0 < sum(y) < n),
    st.lists(st.integers(0, 2), min_size=n, max_size=n),
))


@settings(max_examples=40)
@given(small_ranking, st.data())
def test_tie_aware_metrics_are_the_expectation_over_tie_orders(ranking, data):
    y, s = ranking
    n, p = len(y), sum(y)
    k = data.draw(st.integers(1, n))
    want = expected_over_tie_orders(lambda order: sum(order[:k]) / k, y, s)
    assert ev.precision_at_k(y, s, k=k) == pytest.approx(want)

    def ndcg_of(order):
        return dcg([r + 1 for r in range(k) if order[r]]) / dcg(range(1, min(p, k) + 1))

    assert ev.ndcg(y, s, k=k) == pytest.approx(expected_over_tie_orders(ndcg_of, y, s))
    wins = sum((a > b) + 0.5 * (a == b) for a, ya in zip(s, y, strict=True) if ya
               for b, yb in zip(s, y, strict=True) if not yb)
    assert ev.auroc(y, s) == pytest.approx(wins / (p * (n - p)))
    # permuting the candidates changes nothing
    perm = data.draw(st.permutations(range(n)))
    for metric in METRICS:
        assert metric([y[i] for i in perm], [s[i] for i in perm]) == pytest.approx(
            metric(y, s))


def test_metrics_agree_with_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(2, 25))
        y = rng.integers(0, 2, n)
        if y.sum() in (0, n):
            continue
        s = rng.integers(0, 4, n).astype(float)
        assert ev.auroc(y, s) == pytest.approx(metrics.roc_auc_score(y, s))
        assert ev.average_precision(y, s) == pytest.approx(metrics.average_precision_score(y, s))
        assert ev.ndcg(y, s) == pytest.approx(metrics.ndcg_score(y[None], s[None]))


def test_metric_input_errors():
    with pytest.raises(ValueError, match="no positive"):
        ev.auroc([0, 0], [1, 2])
    with pytest.raises(ValueError, match="no negative"):
        ev.auroc([1, 1], [1, 2])
    with pytest.raises(ValueError, match="equal length"):
        ev.ndcg([1, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="0/1"):
        ev.precision_at_k([2, 0], [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        ev.average_precision([1, 0], [np.nan, 1])
    with pytest.raises(ValueError, match="k must be"):
        ev.precision_at_k([1, 0], [1, 2], k=3)


# ------------------------------------------------------------------------------------------
# hold-out and candidates
# ------------------------------------------------------------------------------------------
def dense_links(obj):
    return obj.to_dense().astype(bool)


@settings(max_examples=30)
@given(st.one_of(st.tuples(st.just(True), biadjacency(6, 6).filter(lambda B: B.sum() >= 2)),
                 st.tuples(st.just(False), adjacency(8).filter(lambda A: A.sum() >= 4))),
       st.integers(0, 2**32 - 1), st.booleans())
def test_holdout_is_seeded_disjoint_and_complete(case, seed, keep_nodes):
    bipartite, matrix = case
    original = BipartiteLayer(matrix) if bipartite else Graph(matrix)
    split = ev.holdout_split(original, 0.3, seed, keep_nodes=keep_nodes)
    again = ev.holdout_split(original, 0.3, seed, keep_nodes=keep_nodes)
    assert split.train == again.train if bipartite else \
        np.array_equal(split.train.to_dense(), again.train.to_dense())
    np.testing.assert_array_equal(split.test_rows, again.test_rows)
    np.testing.assert_array_equal(split.test_cols, again.test_cols)
    train = dense_links(split.train)
    test = np.zeros_like(train)
    test[split.test_rows, split.test_cols] = True
    if not bipartite:
        assert np.all(split.test_rows < split.test_cols)
        test |= test.T
    assert not np.any(train & test)  # disjoint
    np.testing.assert_array_equal(train | test, dense_links(original))  # nothing lost
    n_links = original.n_links
    if not keep_nodes:
        assert split.n_test == min(max(1, round(0.3 * n_links)), n_links - 1)
    else:
        had = dense_links(original)
        assert np.all(train.sum(axis=1)[had.sum(axis=1) > 0] > 0)
        assert np.all(train.sum(axis=0)[had.sum(axis=0) > 0] > 0)


def test_holdout_seeds_differ_and_inputs_are_checked():
    G = nx.karate_club_graph()
    a, b = ev.holdout_split(G, 0.2, 0), ev.holdout_split(G, 0.2, 1)
    assert not np.array_equal(a.test_rows * 34 + a.test_cols, b.test_rows * 34 + b.test_cols)
    assert not a.bipartite and ev.holdout_split(nx.davis_southern_women_graph()).bipartite
    for fraction in (0, 1, -0.5, "x"):
        with pytest.raises(ValueError, match="fraction"):
            ev.holdout_split(G, fraction)
    with pytest.raises(ValueError, match="at least 2"):
        ev.holdout_split(np.array([[1, 0]]))
    with pytest.raises(TypeError, match="seed"):
        ev.holdout_split(G, 0.1, seed="zero")


@pytest.mark.parametrize("bipartite", [True, False])
def test_candidates_full_and_sampled(bipartite):
    obj = (BipartiteLayer(np.random.default_rng(1).random((15, 12)) < 0.3) if bipartite
           else Graph.from_networkx(nx.karate_club_graph()))
    split = ev.holdout_split(obj, 0.2, 3)
    original = dense_links(obj)
    rows, cols, y = ev.candidate_pairs(split)
    n_pairs = original.size if bipartite else obj.n_nodes * (obj.n_nodes - 1) // 2
    assert rows.size == n_pairs - split.train.n_links and y.sum() == split.n_test
    assert not np.any(dense_links(split.train)[rows, cols])
    assert np.all(original[rows, cols] == y)
    if not bipartite:
        assert np.all(rows < cols)
    for n_neg in (5, 40):
        r, c, yy = ev.candidate_pairs(split, n_negatives=n_neg, seed=7)
        r2, c2, _ = ev.candidate_pairs(split, n_negatives=n_neg, seed=7)
        np.testing.assert_array_equal(r * 1000 + c, r2 * 1000 + c2)
        assert yy.sum() == split.n_test and (~yy).sum() == n_neg
        assert not np.any(original[r[~yy], c[~yy]])  # negatives are non-links
        assert np.unique(r * 1000 + c).size == r.size
        if not bipartite:
            assert np.all(r < c)
    r, _, yy = ev.candidate_pairs(split, n_negatives=10**6)  # more than exist: all of them
    assert r.size == rows.size
    with pytest.raises(ValueError, match="n_negatives"):
        ev.candidate_pairs(split, n_negatives=0)


# ------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------
@settings(max_examples=25)
@given(biadjacency(9, 9), st.sampled_from(["CH3-L3", "RA-L3", "CH2-L3n", "CH3.1-L3n"]))
def test_score_pairs_equals_link_scores_on_layers(B, method):
    layer = BipartiteLayer(B)
    full = chgraph.link_scores(layer, method)
    rows, cols = np.nonzero(np.ones(B.shape, bool))
    np.testing.assert_allclose(ev.score_pairs(layer, method, rows, cols), full[rows, cols])


@settings(max_examples=25)
@given(adjacency(9), st.sampled_from(["CH3-L3", "CH2-L2", "CN-L3"]))
def test_score_pairs_equals_link_scores_on_graphs(A, method):
    graph = Graph(A)
    full = chgraph.link_scores(graph, method, bipartite=False)
    rows, cols = np.nonzero(np.ones(A.shape, bool))
    np.testing.assert_allclose(ev.score_pairs(graph, method, rows, cols), full[rows, cols])


def test_score_pairs_in_several_blocks_and_transposed(monkeypatch):
    from chgraph.evaluation import scorers

    monkeypatch.setattr(scorers, "BLOCK_ENTRIES", 7)
    rng = np.random.default_rng(2)
    for shape in ((30, 4), (4, 30)):  # both kernel orientations
        layer = BipartiteLayer(rng.random(shape) < 0.4)
        full = chgraph.link_scores(layer, "CH3-L3")
        rows, cols = rng.integers(0, shape[0], 50), rng.integers(0, shape[1], 50)
        np.testing.assert_allclose(ev.score_pairs(layer, "CH3-L3", rows, cols),
                                   full[rows, cols])


def test_networkx_baselines_are_networkx_scores():
    G = nx.karate_club_graph()
    graph = Graph.from_networkx(G)
    pairs = [(0, 9), (5, 33), (2, 30)]
    rows, cols = np.array(pairs).T
    for name, function in ev.NETWORKX_BASELINES.items():
        want = [p for _, _, p in getattr(nx, function)(G, pairs)]
        np.testing.assert_allclose(ev.score_pairs(graph, name, rows, cols), want)


def test_method_names_are_checked():
    layer = BipartiteLayer(np.eye(3))
    with pytest.raises(ValueError, match="valid methods: .*CH3-L3.*nx.jaccard_coefficient"):
        ev.evaluate(layer, ["CH3-L3", "CH4-L3"])
    with pytest.raises(ValueError, match="not defined on bipartite"):
        ev.evaluate(layer, ["CH3-L2"])
    with pytest.raises(ValueError, match="not defined on unipartite"):
        ev.evaluate(nx.karate_club_graph(), ["CH3-L3n"])
    with pytest.raises(ValueError, match="repeated"):
        ev.check_methods(["CH3-L3", "CH3-L3"], True)
    assert set(chgraph.available_predictors(True)) <= set(ev.available_scorers(True))


# ------------------------------------------------------------------------------------------
# evaluate and the comparisons
# ------------------------------------------------------------------------------------------
def test_evaluate_davis_southern_women():
    G = nx.davis_southern_women_graph()
    result = ev.evaluate(G, ["CH3-L3", "random"], fraction=0.1, n_repeats=5, seed=0)
    assert result.settings["bipartite"] is True
    assert len(result.rows) == 10
    ch3, rnd = result.summary
    assert ch3["method"] == "CH3-L3" and ch3["n_repeats"] == 5
    assert ch3["auroc_mean"] > 0.5 and ch3["auroc_mean"] > rnd["auroc_mean"]
    assert ch3["precision_mean"] > rnd["precision_mean"]
    assert result.best("auroc") == "CH3-L3"
    again = ev.evaluate(G, ["CH3-L3", "random"], fraction=0.1, n_repeats=5, seed=0)
    key = ("precision", "aupr", "auroc", "ndcg")
    assert [[r[k] for k in key] for r in result.rows] == [[r[k] for k in key]
                                                          for r in again.rows]
    for row in result.rows:
        assert row["n_test"] == 9 and row["n_candidates"] == 18 * 14 - 89 + 9


def test_evaluate_karate_club_and_sampled_negatives():
    G = nx.karate_club_graph()
    result = ev.evaluate(G, ["CH3-L3", "nx.jaccard_coefficient"], n_repeats=3, seed=5)
    assert result.settings["bipartite"] is False
    assert result.summary[0]["auroc_mean"] > 0.5
    sampled = ev.evaluate(G, ["CH3-L3"], n_repeats=3, seed=5, n_negatives=50)
    assert all(row["n_candidates"] == row["n_test"] + 50 for row in sampled.rows)
    assert sampled.summary[0]["auroc_mean"] > 0.5
    with pytest.raises(ValueError, match="n_repeats"):
        ev.evaluate(G, ["CH3-L3"], n_repeats=0)


def test_compare_bipartite_and_unipartite_defaults():
    rng = np.random.default_rng(4)
    result = ev.compare_bipartite(rng.random((14, 12)) < 0.35, n_repeats=1)
    assert [r["method"] for r in result.summary] == list(ev.BIPARTITE_METHODS)
    result = ev.compare_unipartite(nx.karate_club_graph(), n_repeats=1)
    names = [r["method"] for r in result.summary]
    assert names == list(ev.UNIPARTITE_METHODS)
    assert set(ev.NETWORKX_BASELINES) <= set(names)
    auroc = {r["method"]: r["auroc_mean"] for r in result.summary}
    assert auroc["RA-L2"] == auroc["nx.resource_allocation_index"]  # the same index


def test_format_table():
    rows = [{"method": "CH3-L3", "auroc": 0.91234, "n": 3},
            {"method": "random", "auroc": float("nan")},
            {"method": "x", "n": 12, "note": "ok"}]
    text = ev.format_table(rows, digits=2)
    assert text.splitlines() == [
        "method  auroc   n  note",
        "------  -----  --  ----",
        "CH3-L3   0.91   3",
        "random    nan",
        "x              12  ok",
    ]
    assert ev.format_table(rows, columns=["n"]).splitlines()[2:] == [" 3", "", "12"]
    with pytest.raises(TypeError):
        ev.format_table([1, 2])
    assert ev.format_table([]) == ""
