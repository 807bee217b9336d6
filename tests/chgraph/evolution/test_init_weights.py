"""SSWI and SWI weight initialisation."""

import math

import numpy as np
import pytest

from chgraph.evolution import (
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
