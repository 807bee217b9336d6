"""SSWI and SWI weight initialisation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chgraph.evolution import (
    current_power,
    match_current,
    random_equal_degree,
    sswi,
    sswi_std,
    swi,
    swi_std,
    temporal_sparsity,
)


def test_formulas():
    n, s, st, theta = 784, 0.99, 0.87, 1.0
    assert sswi_std("first", n, s, st=st) == pytest.approx(math.sqrt(st / (n * (1 - s))))
    c = math.sqrt(math.pi) / (math.sqrt(2) * math.exp(-0.5))
    assert sswi_std("hidden", n, s, theta=theta) == pytest.approx(
        math.sqrt(theta**2 * c / (n * (1 - s))))
    assert sswi_std("last", n, s, theta=0.5) == pytest.approx(math.sqrt(0.25 * c / n))
    assert swi_std(n, s) == pytest.approx(math.sqrt(2 / (n * (1 - s))))


def test_weights_on_links_only_and_spread():
    m = random_equal_degree((400, 500), 0.9, rng=0)
    before = m.copy()
    for w, std in ((sswi(m, "first", 1, st=0.8), sswi_std("first", 400, 0.9, st=0.8)),
                   (sswi(m, "hidden", 1, theta=1.0), sswi_std("hidden", 400, 0.9, theta=1.0)),
                   (swi(m, 1), swi_std(400, 0.9))):
        assert w.dtype == np.float32
        assert np.all(w[~m] == 0) and np.all(w[m] != 0)
        assert w[m].std() == pytest.approx(std, rel=0.03)
        assert abs(w[m].mean()) < 0.03 * std
    np.testing.assert_array_equal(m, before)
    np.testing.assert_array_equal(swi(m, 5), swi(m, 5))


def test_temporal_sparsity():
    x = np.zeros((10, 8, 4))
    x[:, :2, 0] = 1
    assert temporal_sparsity(x) == pytest.approx(1 - 20 / 320)


def test_bad_input():
    m = np.ones((3, 3), bool)
    with pytest.raises(ValueError, match="st"):
        sswi(m, "first", 0)
    with pytest.raises(ValueError, match="theta"):
        sswi(m, "hidden", 0)
    with pytest.raises(ValueError, match="position"):
        sswi(m, "middle", 0, theta=1.0)
    with pytest.raises(ValueError, match="no links"):
        swi(np.zeros((3, 3), bool), 0)
    with pytest.raises(ValueError, match="theta"):
        sswi_std("last", 3, 0.5, theta=-1.0)
    with pytest.raises(ValueError, match="st"):
        sswi_std("first", 3, 0.5, st=1.5)


# -- the matched rule: per-output input-current power, brute force on small layers ------------
@st.composite
def _layer_and_rows(draw):
    n_in, n_out = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    mask = draw(arrays(np.bool_, (n_in, n_out)))
    flat = np.flatnonzero(mask)
    w = draw(arrays(np.float64, flat.size, elements=st.floats(-3, 3, width=32)))
    rows = draw(arrays(np.float64, (draw(st.integers(1, 7)), n_in),
                       elements=st.sampled_from([0.0, 1.0, 0.25, 0.5])))
    return rows, flat, w, (n_in, n_out)


def _power_brute(rows, flat, w, shape):
    n_in, n_out = shape
    dense = np.zeros(shape)
    for f, v in zip(flat, w, strict=True):
        dense[f // n_out, f % n_out] = v
    return np.array([np.mean([sum(r[i] * dense[i, o] for i in range(n_in)) ** 2 for r in rows])
                     for o in range(n_out)])


@settings(max_examples=150, deadline=None)
@given(_layer_and_rows(), st.integers(1, 3))
def test_current_power_equals_brute_force_in_any_chunking(case, chunk):
    rows, flat, w, shape = case
    got = current_power(rows, flat, w, shape, chunk=chunk)
    assert got.shape == (shape[1],)
    np.testing.assert_allclose(got, _power_brute(rows, flat, w, shape), rtol=1e-9, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(_layer_and_rows(), st.floats(0.01, 10))
def test_match_current_sets_every_driven_output_to_the_target(case, target):
    rows, flat, w, shape = case
    out = match_current(rows, flat, w, shape, target)
    before, after = current_power(rows, flat, w, shape), current_power(rows, flat, out, shape)
    driven = before > 1e-12
    np.testing.assert_allclose(after[driven], target, rtol=1e-6)
    undriven = np.isin(flat % shape[1], np.flatnonzero(before == 0))
    np.testing.assert_array_equal(out[undriven], w[undriven])   # silent outputs untouched
    assert np.all(np.sign(out) == np.sign(w))                     # a pattern kept, rescaled


def test_match_current_bad_input():
    rows = np.ones((2, 3))
    with pytest.raises(ValueError, match="strictly increasing"):
        match_current(rows, [4, 1], np.ones(2), (3, 2), 1.0)
    with pytest.raises(ValueError, match="one per link"):
        match_current(rows, [0, 1], np.ones(3), (3, 2), 1.0)
    with pytest.raises(ValueError, match="rows must be"):
        match_current(np.ones((2, 4)), [0, 1], np.ones(2), (3, 2), 1.0)
    with pytest.raises(ValueError, match="target"):
        match_current(rows, [0, 1], np.ones(2), (3, 2), 0.0)
    with pytest.raises(ValueError, match="non-finite"):
        current_power(np.full((2, 3), np.nan), [0, 1], np.ones(2), (3, 2))
