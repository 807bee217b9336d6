"""chgraph.analysis.separability: angular separability index of node groups."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph.analysis import angular_separability


@given(st.lists(st.integers(1, 8), min_size=2, max_size=5), st.floats(0, 2 * np.pi),
       st.booleans())
def test_contiguous_groups_are_perfectly_separated(sizes, rotation, reflect):
    n = sum(sizes)
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False) + rotation
    if reflect:
        theta = -theta
    groups = np.repeat(np.arange(len(sizes)), sizes)
    res = angular_separability(theta, groups, n_perm=20, rng=0)
    assert res.score == 1.0 and all(v == 1.0 for v in res.group_scores.values())
    if res.random_expectation < 1.0:
        assert res.asi == pytest.approx(1.0)


def test_random_angles_are_near_zero():
    rng = np.random.default_rng(3)
    values = []
    for seed in range(5):
        theta = rng.uniform(0, 2 * np.pi, 600)
        groups = rng.integers(0, 4, 600)
        res = angular_separability(theta, groups, n_perm=50, rng=seed)
        values.append(res.asi)
        assert 0.0 < res.random_expectation < 1.0 and res.p_value > 0.01
    assert abs(np.mean(values)) < 0.05 and max(abs(v) for v in values) < 0.15


def test_partial_separation_and_p_value():
    n = 200
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    groups = np.repeat([0, 1], n // 2)
    rng = np.random.default_rng(0)
    swap = rng.choice(n, 40, replace=False)  # mislabel 20% of the nodes
    noisy = groups.copy()
    noisy[swap] = 1 - noisy[swap]
    res = angular_separability(theta, noisy, n_perm=99, rng=1)
    assert 0.3 < res.asi < 0.95 and res.p_value == pytest.approx(0.01)
    perfect = angular_separability(theta, groups, n_perm=99, rng=1)
    assert perfect.asi > res.asi


def test_ties_and_missing_angles():
    groups = np.repeat([0, 1], 50)
    same = angular_separability(np.zeros(100), groups, n_perm=50, rng=0)
    assert same.asi < 0.3  # equal angles are ordered at random, never "separated"
    theta = np.linspace(0, 6, 100)
    theta[::10] = np.nan
    res = angular_separability(theta, groups, n_perm=10)
    assert res.n_nodes == 90 and res.score == 1.0
    labelled = angular_separability(theta, np.where(groups == 0, "in", "out"), n_perm=10)
    assert set(labelled.group_scores) == {"in", "out"}


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 groups"):
        angular_separability(np.arange(5.0), np.zeros(5))
    with pytest.raises(ValueError, match="entries"):
        angular_separability(np.arange(5.0), np.zeros(4))
    with pytest.raises(ValueError, match="1-D"):
        angular_separability(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n_perm"):
        angular_separability(np.arange(4.0), [0, 0, 1, 1], n_perm=0)
