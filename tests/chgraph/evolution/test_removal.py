"""Removal scores and soft/hard selection of the links to keep."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from chgraph.evolution import keep_links, removal_scores, remove_links
from chgraph.evolution._util import weighted_sample


def _brute_scores(w, m, score):
    a = np.abs(w) * m
    out = np.zeros(w.shape)
    for i, o in zip(*np.nonzero(m), strict=True):
        s_o, s_i = a[:, o].sum(), a[i, :].sum()
        if score == "lrs":
            out[i, o] = a[i, o] / (1 + s_o) + a[i, o] / (1 + s_i)
        elif score == "relative_importance":
            out[i, o] = (a[i, o] / s_o if s_o else 0) + (a[i, o] / s_i if s_i else 0)
        else:
            out[i, o] = a[i, o]
    return out


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**32 - 1),
       st.sampled_from(["lrs", "relative_importance", "magnitude"]))
def test_scores_match_brute_force(n_in, n_out, seed, score):
    rng = np.random.default_rng(seed)
    m = rng.random((n_in, n_out)) < 0.6
    w = rng.normal(size=(n_in, n_out)) * (rng.random((n_in, n_out)) < 0.8)
    w[~m] = 7.0  # weights off the mask are ignored
    np.testing.assert_allclose(removal_scores(w, m, score), _brute_scores(w, m, score),
                               rtol=1e-12, atol=0)


def test_hard_keeps_best_ties_by_index():
    s = np.array([0.2, 0.5, 0.2, 0.0, 0.2, 0.9])
    assert keep_links(s, 4, mode="hard").tolist() == [0, 1, 2, 5]


def _exact_keep_distribution(w, n_keep):
    """Probability of every kept set under successive draws proportional to ``w``."""
    probs = {}
    for perm in itertools.permutations(range(len(w)), n_keep):
        p, rest = 1.0, w.sum()
        for i in perm:
            p *= w[i] / rest
            rest -= w[i]
        key = tuple(sorted(perm))
        probs[key] = probs.get(key, 0.0) + p
    return probs


@pytest.mark.parametrize("temperature", [1.0, 2.5])
def test_soft_keep_follows_its_distribution(temperature):
    """Chi-square test of the kept sets against the exact law (fixed seed; reject at p<1e-3)."""
    s = np.array([0.1, 0.4, 0.2, 0.8, 0.5])
    exact = _exact_keep_distribution(s**temperature, 2)
    rng = np.random.default_rng(12345)
    n = 20000
    counts = dict.fromkeys(exact, 0)
    for _ in range(n):
        counts[tuple(keep_links(s, 2, rng, temperature=temperature).tolist())] += 1
    keys = sorted(exact)
    obs = np.array([counts[k] for k in keys])
    exp = np.array([exact[k] for k in keys]) * n
    assert stats.chisquare(obs, exp).pvalue > 1e-3


def test_soft_keep_zero_scores_go_first():
    s = np.array([0.0, 0.3, 0.0, 0.2, 0.0])
    rng = np.random.default_rng(0)
    for _ in range(50):
        assert keep_links(s, 2, rng).tolist() == [1, 3]
    # keeping more than the positives: the rest uniformly among the zeros
    counts = np.zeros(5)
    for _ in range(3000):
        k = keep_links(s, 3, rng)
        assert {1, 3} <= set(k.tolist())
        counts[k] += 1
    np.testing.assert_allclose(counts[[0, 2, 4]] / 3000, 1 / 3, atol=0.04)


def test_weighted_sample_follows_its_distribution():
    """The regrowth sampler: chi-square against the exact law of successive draws."""
    w = np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 0.5]])
    exact = _exact_keep_distribution(w.ravel(), 3)
    rng = np.random.default_rng(7)
    n = 20000
    counts = dict.fromkeys(exact, 0)
    for _ in range(n):
        counts[tuple(sorted(weighted_sample(w, 3, rng).tolist()))] += 1
    keys = [k for k in sorted(exact) if exact[k] > 0]
    assert all(counts[k] == 0 for k in exact if exact[k] == 0)
    obs = np.array([counts[k] for k in keys])
    exp = np.array([exact[k] for k in keys]) * n
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-3


def test_weighted_sample_large_and_exhaustive():
    rng = np.random.default_rng(0)
    w = rng.random(5000) * (rng.random(5000) < 0.3)
    pos = np.flatnonzero(w)
    got = weighted_sample(w, pos.size, rng)  # all positives, each once
    np.testing.assert_array_equal(np.sort(got), pos)


def test_remove_links_leaves_inputs_and_zeroes():
    rng = np.random.default_rng(3)
    m = rng.random((20, 30)) < 0.3
    w = rng.normal(size=m.shape).astype(np.float32) * m
    w0, m0 = w.copy(), m.copy()
    nw, nm, removed = remove_links(w, m, 40, rng=1, temperature=2.0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(m, m0)
    assert nm.sum() == m.sum() - 40 and removed.sum() == 40
    assert not np.any(nm & removed) and np.all((nm | removed) == m)
    assert nw.dtype == np.float32 and np.all(nw[~nm] == 0) and np.all(nw[nm] == w[nm])


def test_removal_bad_input():
    m = np.ones((2, 2), bool)
    w = np.ones((2, 2))
    with pytest.raises(ValueError, match="non-finite"):
        remove_links(np.array([[np.nan, 1], [1, 1]]), m, 1, rng=0)
    with pytest.raises(ValueError, match="shape"):
        remove_links(np.ones((2, 3)), m, 1, rng=0)
    with pytest.raises(ValueError, match="n_remove"):
        remove_links(w, m, 5, rng=0)
    with pytest.raises(ValueError, match="removal score"):
        remove_links(w, m, 1, rng=0, score="gradient")
    with pytest.raises(ValueError, match="temperature"):
        keep_links(np.ones(3), 1, 0, temperature=0)
    with pytest.raises(ValueError, match="scores"):
        keep_links(np.array([1.0, -1.0]), 1, 0)
