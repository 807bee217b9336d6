"""check_link_predictor: each property catches a predictor built to break it, and only it;
the project's predictors and networkx's classic indices pass what they promise."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import Phase, settings

import chgraph
from chgraph.testing import (
    PROPERTIES,
    LinkPredictorCheckError,
    check_link_predictor,
    reference,
)
from chgraph.testing.strategies import layers

from .predictors import (
    BROKEN_GRAPH,
    BROKEN_LAYER,
    ch3_graph,
    ch3_layer,
    networkx_index,
    networkx_ra_layer,
)

# input_format runs the predictor on every format: the other checks use a few of them
FEW_FORMATS = ["csr_array", "coo_matrix", "nested list"]
LAYER_PROPERTIES = [p for p in PROPERTIES if p not in ("symmetric", "reference")]
GRAPH_PROPERTIES = [p for p in PROPERTIES if p not in ("transpose", "reference")]
# a property that fails implies these can fail too
IMPLIED = {"isolated_node": {"disjoint_union"}}
# the properties a broken predictor keeps are checked on fewer examples (the project's
# predictors, below, run them on the profile's number)
KEPT_EXAMPLES = 10
NEEDS_THREADS = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                                   reason="needs 2 numba threads")


def check(fn, **kwargs):
    kwargs.setdefault("formats", None if fn.__name__ == "broken_input_format" else FEW_FORMATS)
    return check_link_predictor(fn, raise_on_failure=False, **kwargs)


def without_shrinking():
    """The current profile without its shrink phase (that counterexamples shrink is tested
    below, once per kind of property)."""
    base = settings()
    return settings(base, phases=[p for p in base.phases if p not in (Phase.shrink,
                                                                     Phase.explain)])


#: A broken predictor is checked on a fixed seed: some break their property only on some
#: graphs (reading a node's first neighbour matters only where a node has two), and an
#: unlucky draw of examples must not decide this test.
BROKEN_SEED = 0


def check_broken(fn, name, bipartite, kept=True):
    """The report of the broken property, having checked that all the others hold."""
    broken = check(fn, bipartite=bipartite, properties=[name], settings=without_shrinking(),
                   seed=BROKEN_SEED)
    assert broken.failed == [name], str(broken)
    if not kept:
        return broken
    kept = check(fn, bipartite=bipartite, skip=[name], max_examples=KEPT_EXAMPLES,
                 settings=without_shrinking(), seed=BROKEN_SEED)
    assert [r.name for r in kept.results if r.status != "skipped"] == [
        p for p in (LAYER_PROPERTIES if bipartite else GRAPH_PROPERTIES) if p != name]
    # an implied property may pass on the few examples it gets here (the broken input need not
    # be drawn): nothing else may fail
    assert set(kept.failed) <= IMPLIED.get(name, set()), str(kept)
    return broken


def _needs_threads(name):
    return [NEEDS_THREADS] if name == "threads" else []


# ------------------------------------------------------------------------------------------
# each property fails on a predictor that breaks exactly it
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [pytest.param(n, marks=_needs_threads(n))
                                  for n in sorted(BROKEN_LAYER)])
def test_broken_layer_predictor_fails_exactly_its_property(name):
    report = check_broken(BROKEN_LAYER[name], name, bipartite=True)
    example = report[name].counterexample
    assert example is not None and example.graph.ndim == 2
    assert set(np.unique(example.graph)) <= {0, 1}
    assert name in str(report) and "minimal counterexample" in str(report)


@pytest.mark.parametrize("name", [pytest.param(n, marks=_needs_threads(n))
                                  for n in sorted(BROKEN_GRAPH)])
def test_broken_graph_predictor_fails_exactly_its_property(name):
    # that the others hold is checked where their code differs between layers and graphs
    kept = name in ("non_links", "symmetric", "permutation", "isolated_node", "disjoint_union")
    report = check_broken(BROKEN_GRAPH[name], name, bipartite=False, kept=kept)
    M = report[name].counterexample.graph
    assert M.shape[0] == M.shape[1] and np.array_equal(M, M.T) and not M.trace()


def test_counterexamples_are_minimal():
    """Shrunk to the smallest graph that shows the bug."""
    report = check(BROKEN_LAYER["non_links"], properties=["non_links"])
    assert report["non_links"].counterexample.graph.tolist() == [[1]]
    assert "scores the existing link (0, 0): 1.0" in str(report)
    report = check(BROKEN_GRAPH["non_links"], bipartite=False, properties=["non_links"])
    assert report["non_links"].counterexample.graph.tolist() == [[0, 1], [1, 0]]
    report = check(BROKEN_LAYER["disjoint_union"], properties=["disjoint_union"])
    example = report["disjoint_union"].counterexample
    assert example.graph.tolist() == [[1]] and example.details["second part"].tolist() == [[1]]


@pytest.mark.parametrize("bipartite", [True, False])
def test_reference_property_fails_on_another_method(bipartite):
    fn = ch3_layer if bipartite else ch3_graph
    report = check(fn, bipartite=bipartite, reference="CN-L3", settings=without_shrinking())
    assert report.failed == ["reference"], str(report)
    assert "differs from the reference" in report["reference"].message


# ------------------------------------------------------------------------------------------
# the project's predictors pass everything, reference included
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["CH3-L3", "RA-L3", "CH3.1-L3n"])
def test_project_layer_predictors_pass(method):
    def fn(x):
        return chgraph.link_scores(x, method)

    fn.__name__ = method
    # every input format for one method; it is the same conversion for all of them
    formats = None if method == "CH3-L3" else FEW_FORMATS
    report = check_link_predictor(fn, reference=method, formats=formats)
    assert report.passed == LAYER_PROPERTIES + ["reference"] or (
        report.skipped == ["threads"] and numba.config.NUMBA_NUM_THREADS < 2)


@pytest.mark.parametrize("method,rule", [("CH3-L3", "path"), ("CH2-L3", "community"),
                                         ("CH3-L2", "path")])
def test_project_graph_predictors_pass(method, rule):
    def fn(x):
        return chgraph.link_scores(x, method, bipartite=False, internal_degree=rule)

    ref = reference.scorer(method, bipartite=False, internal_degree=rule)
    report = check_link_predictor(fn, bipartite=False, reference=ref, formats=FEW_FORMATS)
    assert report.ok and "reference" in report.passed


# ------------------------------------------------------------------------------------------
# networkx's classic indices, where they promise the property
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [nx.resource_allocation_index, nx.jaccard_coefficient,
                                   nx.adamic_adar_index])
def test_networkx_local_indices_pass(index):
    report = check_link_predictor(networkx_index(index), bipartite=False, formats=FEW_FORMATS)
    assert report.ok


def test_networkx_resource_allocation_is_chgraph_ra_l2():
    check_link_predictor(networkx_index(nx.resource_allocation_index), bipartite=False,
                         properties=["reference"], reference="RA-L2")


def test_networkx_preferential_attachment_is_not_local():
    fn = networkx_index(nx.preferential_attachment)
    assert check_link_predictor(fn, bipartite=False, skip=["disjoint_union"],
                                formats=FEW_FORMATS).ok
    report = check(fn, bipartite=False, properties=["disjoint_union"])
    assert report.failed == ["disjoint_union"]
    assert "between the parts (not local)" in report["disjoint_union"].message


def test_networkx_ra_as_layer_scorer_passes_what_it_promises():
    report = check_link_predictor(networkx_ra_layer, skip=["transpose"], formats=FEW_FORMATS)
    assert report.ok and report.skipped == ["transpose"]
    assert check(networkx_ra_layer, properties=["transpose"]).failed == ["transpose"]


# ------------------------------------------------------------------------------------------
# reproducible: a seed gives the same examples and the same counterexamples
# ------------------------------------------------------------------------------------------
def _seen(seed, fn=ch3_layer, **kwargs):
    seen = []

    def recording(x):
        seen.append(np.array(x))
        return fn(x)

    recording.__name__ = fn.__name__
    report = check_link_predictor(recording, seed=seed, max_examples=10,
                                  properties=["permutation", "isolated_node"],
                                  raise_on_failure=False, **kwargs)
    return [(M.shape, M.tobytes()) for M in seen], str(report)


def test_seeded_runs_give_the_same_examples():
    first, report = _seen(3)
    assert _seen(3) == (first, report)
    assert _seen(4)[0] != first  # the seed is used
    broken = BROKEN_LAYER["isolated_node"]
    first, report = _seen(5, broken)
    assert "isolated_node: failed" in report
    assert _seen(5, broken) == (first, report)


# ------------------------------------------------------------------------------------------
# selecting and skipping, the report, pytest use
# ------------------------------------------------------------------------------------------
def test_select_and_skip():
    report = check_link_predictor(ch3_layer, properties=["finite", "transpose"])
    assert report.passed == ["finite", "transpose"]
    report = check_link_predictor(ch3_layer, properties=["finite", "transpose"],
                                  skip="transpose")
    assert report.passed == ["finite"] and report.skipped == ["transpose"]
    assert report["transpose"].message == "skipped by the caller"
    assert str(report).startswith("ch3_layer: all 1 properties hold")
    report = check_link_predictor(ch3_graph, bipartite=False, skip=["threads", "input_format"])
    assert report.passed == [p for p in GRAPH_PROPERTIES if p not in ("threads", "input_format")]


@pytest.mark.parametrize("kwargs,match", [
    ({"properties": ["finit"]}, "unknown properties \\['finit'\\]"),
    ({"skip": ["local"]}, "unknown properties"),
    ({"properties": ["symmetric"]}, "does not apply to layers"),
    ({"properties": ["transpose"], "bipartite": False}, "does not apply to unipartite"),
    ({"properties": ["reference"]}, "needs reference="),
    ({"properties": []}, "properties is empty"),
    ({"reference": "CH4-L3"}, "unknown method"),
    ({"formats": ["csr"]}, "unknown formats"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_link_predictor(ch3_layer, **kwargs)


def test_threads_skipped_with_one_numba_thread(monkeypatch):
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 1)
    report = check_link_predictor(ch3_layer, properties=["threads", "finite"])
    assert report.skipped == ["threads"] and "single thread" in report["threads"].message


def test_raises_assertion_error_with_the_report():
    with pytest.raises(AssertionError) as info:
        check_link_predictor(BROKEN_LAYER["non_negative"], properties=["non_negative", "finite"])
    assert isinstance(info.value, LinkPredictorCheckError)
    assert info.value.report.failed == ["non_negative"]
    assert str(info.value).startswith("broken_non_negative: 1 of 2 properties failed")
    assert "a negative score at" in str(info.value)


def test_a_crash_is_a_failure_with_its_counterexample():
    def crashes_on_empty(x):
        B = np.asarray(x)
        with np.errstate(invalid="ignore"):
            return chgraph.link_scores(B) / B.sum() * B.sum()

    report = check(crashes_on_empty, properties=["finite"])
    assert report.failed == ["finite"]  # 0/0 on a graph without links

    def raises(x):
        if np.asarray(x).shape[0] > 2:
            raise RuntimeError("too big")
        return ch3_layer(x)

    report = check(raises, properties=["non_links"])
    assert "the predictor raised RuntimeError: too big" in report["non_links"].message
    assert report["non_links"].counterexample.graph.shape[0] == 3


def test_outputs_checked():
    report = check(lambda x: sp.csr_array(ch3_layer(x)), properties=["non_links", "transpose"])
    assert report.ok  # scipy sparse scores are fine
    report = check(lambda x: ch3_layer(x).T, properties=["finite"])
    assert "returned scores of shape" in report["finite"].message
    report = check(lambda x: "scores", properties=["finite"])
    assert "not an array of real scores" in report["finite"].message


def test_custom_graph_strategy_and_tolerance():
    graphs = layers(min_rows=3, min_cols=3, max_rows=4, max_cols=4, shapes=["skewed"])
    seen = []

    def noisy(x):
        seen.append(np.shape(x))
        S = ch3_layer(x)
        return S * (1 + 1e-7 * (S.shape[0] % 2))

    report = check(noisy, graphs=graphs, properties=["permutation"])
    assert report.ok and seen and all(3 <= min(s) and max(s) <= 4 for s in seen)
    report = check(noisy, graphs=graphs, properties=["isolated_node"], rtol=1e-9)
    assert report.failed == ["isolated_node"]
    report = check(noisy, graphs=graphs, properties=["isolated_node"], rtol=1e-6)
    assert report.ok


def test_unipartite_strategy_is_used_for_unipartite_checks():
    seen = []

    def fn(x):
        seen.append(np.array(x))
        return ch3_graph(x)

    check_link_predictor(fn, bipartite=False, properties=["finite"], max_examples=10)
    assert seen and all(np.array_equal(A, A.T) and not A.trace() for A in seen)


def test_max_examples_and_settings():
    calls = []

    def fn(x):
        calls.append(1)
        return ch3_layer(x)

    check_link_predictor(fn, properties=["finite"], max_examples=7)
    assert 0 < len(calls) <= 7
    calls.clear()
    check_link_predictor(fn, properties=["finite"], settings=settings(max_examples=4))
    assert 0 < len(calls) <= 4


def test_data_draws_survive_in_details():
    report = check(BROKEN_LAYER["isolated_node"], properties=["isolated_node"],
                   settings=without_shrinking())
    details = report["isolated_node"].counterexample.details
    assert details["isolated node added"].startswith(("input", "output"))
