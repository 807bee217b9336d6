"""chgraph.linkpred.registry: the predictor names, LinkPredictor objects as methods, and
unknown or misplaced method names refused (through chgraph.link_scores)."""

from __future__ import annotations

import numpy as np
import pytest

import chgraph
from chgraph.testing import reference as oracle

GOOD = np.array([[1, 0], [1, 1]])


def bip(B, method="CH3-L3"):
    return chgraph.link_scores(B, method)


def uni(A, method="CH3-L3", rule="path"):
    return chgraph.link_scores(A, method, bipartite=False, internal_degree=rule)


def test_registry_lists():
    assert set(chgraph.available_predictors(bipartite=True)) == set(oracle.BIPARTITE_METHODS)
    assert set(chgraph.available_predictors(bipartite=False)) == set(oracle.UNIPARTITE_METHODS)
    assert set(chgraph.available_predictors()) == set(oracle.BIPARTITE_METHODS) | set(
        oracle.UNIPARTITE_METHODS)
    assert set(chgraph.PREDICTORS) == set(chgraph.available_predictors())
    for name, p in chgraph.PREDICTORS.items():
        assert isinstance(p, chgraph.LinkPredictor) and p.name == name
        assert p.path_length == (2 if name.endswith("L2") else 3)
        assert p.node_based == name.endswith("L3n")


def test_predictor_object_accepted_as_method():
    B = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]])
    assert np.array_equal(chgraph.link_scores(B, chgraph.PREDICTORS["CH2-L3"]), bip(B, "CH2-L3"))


def test_unknown_method_lists_known_methods():
    with pytest.raises(ValueError, match="unknown") as info:
        bip(GOOD, "CH4-L3")
    for name in chgraph.available_predictors():
        assert name in str(info.value)
    with pytest.raises(ValueError, match="did you mean 'CH3-L3'"):
        bip(GOOD, "ch3-l3")
    with pytest.raises(TypeError):
        bip(GOOD, 3)


@pytest.mark.parametrize("method", oracle.L2_METHODS)
def test_l2_on_bipartite_rejected(method):
    with pytest.raises(ValueError, match="not defined on bipartite"):
        bip(GOOD, method)


@pytest.mark.parametrize("method", oracle.L3N_METHODS)
def test_l3n_on_unipartite_rejected(method):
    with pytest.raises(ValueError, match="not defined on unipartite"):
        uni(np.array([[0, 1], [1, 0]]), method)
