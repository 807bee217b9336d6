"""Initial topologies: SSCTI, equal-degree random, bipartite small-world and scale-free."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph.evolution import (
    bipartite_scale_free,
    bipartite_small_world,
    n_links_for,
    random_equal_degree,
    spike_correlation,
    sscti_topology,
)

shapes = st.tuples(st.integers(1, 12), st.integers(1, 12))
sparsities = st.sampled_from([0.05, 0.3, 0.5, 0.7, 0.9, 0.99])


def test_spike_correlation_is_abs_pearson():
    rng = np.random.default_rng(0)
    x = (rng.random((4, 50, 6)) < 0.3).astype(np.int8)
    x[..., 5] = 0  # a silent unit
    x[..., 4] = 1 - x[..., 3]  # perfectly anti-correlated with unit 3
    c = spike_correlation(x)
    flat = x.reshape(-1, 6).astype(float)
    ref = np.abs(np.corrcoef(flat[:, :5].T))
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(c[:5, :5], ref, atol=1e-12)
    assert np.all(c[5] == 0) and np.all(c[:, 5] == 0)
    assert c[3, 4] == pytest.approx(1.0)
    assert np.all(np.diag(c) == 0)


def test_spike_correlation_is_the_plain_formula_bit_for_bit():
    rng = np.random.default_rng(3)
    x = (rng.random((300, 1500)) < 0.2).astype(np.float32)   # more than one block of rows
    x[:, 7] = 0
    xc = x.astype(np.float64) - x.astype(np.float64).mean(axis=0)
    cov = xc.T @ xc
    std = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.abs(cov / np.outer(std, std))
    ref[~np.isfinite(ref)] = 0.0
    np.fill_diagonal(ref, 0.0)
    np.testing.assert_array_equal(spike_correlation(x), np.minimum(ref, 1.0))


def test_spike_correlation_refuses_what_does_not_fit(monkeypatch):
    from chgraph.evolution import init_topology

    monkeypatch.setattr(init_topology, "available_memory", lambda: 10_000)
    with pytest.raises(MemoryError, match=r"50 input units need .*chsnn-no-sscti"):
        spike_correlation(np.zeros((4, 50)))


def test_spike_correlation_bad_input():
    with pytest.raises(ValueError):
        spike_correlation(np.array([1.0, 0.0]))
    with pytest.raises(ValueError):
        spike_correlation(np.array([[np.nan, 1.0], [0.0, 1.0]]))


@given(st.integers(1, 8), st.integers(1, 20), sparsities, st.integers(0, 2**32 - 1))
def test_sscti_exact_count_and_top_entries(n_in, n_out, sparsity, seed):
    rng = np.random.default_rng(seed)
    c = np.round(rng.random((n_in, n_in)), 1)  # many ties
    c = (c + c.T) / 2
    np.fill_diagonal(c, 0)
    before = c.copy()
    m = sscti_topology(c, n_out, sparsity)
    np.testing.assert_array_equal(c, before)
    assert m.shape == (n_in, n_out) and m.dtype == bool
    assert m.sum() == n_links_for((n_in, n_out), sparsity)
    tiled = np.tile(c, (1, -(-n_out // n_in)))[:, :n_out]
    if m.any() and (~m).any():
        assert tiled[m].min() >= tiled[~m].max()
        # ties broken by index: among the cut value, kept entries precede dropped ones
        cut = tiled[m].min()
        kept = np.flatnonzero((tiled.ravel() == cut) & m.ravel())
        dropped = np.flatnonzero((tiled.ravel() == cut) & ~m.ravel())
        if kept.size and dropped.size:
            assert kept.max() < dropped.min()


def test_sscti_tiles_profiles():
    c = np.array([[0, 0.9, 0.1], [0.9, 0, 0.5], [0.1, 0.5, 0]])
    m = sscti_topology(c, 6, 2 / 3)
    np.testing.assert_array_equal(m[:, :3], m[:, 3:])


def _per_neuron_oracle(c, n_out, k):
    """Brute force: output j sorts the profile of its input by (-value, index), keeps the
    first d_j."""
    n_in = c.shape[0]
    active = [i for i in range(n_in) if any(c[i, q] > 0 for q in range(n_in))] or list(range(n_in))
    m = np.zeros((n_in, n_out), dtype=bool)
    for j in range(n_out):
        d = k // n_out + (1 if j < k % n_out else 0)
        profile = c[active[j % len(active)]]
        for i in sorted(range(n_in), key=lambda q: (-profile[q], q))[:d]:
            m[i, j] = True
    return m


@given(st.integers(1, 8), st.integers(1, 20), sparsities, st.integers(0, 2**32 - 1),
       st.booleans())
def test_sscti_per_neuron_rule_against_brute_force(n_in, n_out, sparsity, seed, silent):
    rng = np.random.default_rng(seed)
    c = np.round(rng.random((n_in, n_in)), 1)  # many ties
    c = (c + c.T) / 2
    np.fill_diagonal(c, 0)
    if silent:  # an input that never fires correlates with nothing
        c[0, :] = c[:, 0] = 0
    m = sscti_topology(c, n_out, sparsity, rule="per-neuron")
    k = n_links_for((n_in, n_out), sparsity)
    assert m.sum() == k
    np.testing.assert_array_equal(m, _per_neuron_oracle(c, n_out, k))
    deg = m.sum(axis=0)
    assert np.ptp(deg) <= 1                      # every output gets its share of the links
    if k >= n_out:
        assert deg.min() >= 1


def _distinct_oracle(c, n_out, k):
    """Outputs sharing a profile walk down its ranking, slice after slice (wrapping)."""
    n_in = c.shape[0]
    active = [i for i in range(n_in) if (c[i] > 0).any()] or list(range(n_in))
    m = np.zeros((n_in, n_out), dtype=bool)
    taken = dict.fromkeys(active, 0)
    for j in range(n_out):
        d = k // n_out + (1 if j < k % n_out else 0)
        a = active[j % len(active)]
        ranking = sorted(range(n_in), key=lambda q: (-c[a][q], q))
        for r in range(taken[a], taken[a] + d):
            m[ranking[r % n_in], j] = True
        taken[a] += d
    return m


@given(st.integers(1, 8), st.integers(1, 20), sparsities, st.integers(0, 2**32 - 1),
       st.booleans())
def test_sscti_per_neuron_distinct_rule_against_brute_force(n_in, n_out, sparsity, seed,
                                                            silent):
    rng = np.random.default_rng(seed)
    c = np.round(rng.random((n_in, n_in)), 1)
    c = (c + c.T) / 2
    np.fill_diagonal(c, 0)
    if silent:
        c[0, :] = c[:, 0] = 0
    k = n_links_for((n_in, n_out), sparsity)
    m = sscti_topology(c, n_out, sparsity, rule="per-neuron-distinct")
    np.testing.assert_array_equal(m, _distinct_oracle(c, n_out, k))
    assert np.ptp(m.sum(axis=0)) <= 1
    active = int((c > 0).any(axis=1).sum()) or n_in
    if n_out <= active:  # no profile shared: the per-neuron rule exactly
        np.testing.assert_array_equal(m, sscti_topology(c, n_out, sparsity, rule="per-neuron"))


def test_sscti_per_neuron_distinct_gives_outputs_sharing_a_profile_other_inputs():
    rng = np.random.default_rng(1)
    x = (rng.random((500, 20)) < 0.3).astype(float)
    c = spike_correlation(x)
    per = sscti_topology(c, 60, 0.9, rule="per-neuron")           # 3 outputs per profile
    distinct = sscti_topology(c, 60, 0.9, rule="per-neuron-distinct")
    assert per.sum() == distinct.sum() and (distinct.sum(axis=0) == 2).all()
    same = lambda m: sum((m[:, j] == m[:, j + 20]).all() for j in range(20))  # noqa: E731
    assert same(per) == 20 and same(distinct) == 0
    np.testing.assert_array_equal(per[:, :20], distinct[:, :20])  # the first copies agree


def test_sscti_per_neuron_gives_inputs_to_outputs_the_tiling_starves():
    rng = np.random.default_rng(0)
    x = (rng.random((400, 8)) < 0.3).astype(float)
    x[:, 5:] = 0                                  # three inputs never fire
    c = spike_correlation(x)
    tiled = sscti_topology(c, 16, 0.75)
    per = sscti_topology(c, 16, 0.75, rule="per-neuron")
    assert (tiled.sum(axis=0) == 0).sum() >= 6    # outputs 5-7, 13-15 copy silent profiles
    assert (per.sum(axis=0) == 2).all()
    assert not per[5:].any()                      # silent inputs get no links
    with pytest.raises(ValueError, match="rule"):
        sscti_topology(c, 16, 0.75, rule="nope")


@given(shapes, sparsities, st.integers(0, 2**32 - 1))
def test_random_equal_degree(shape, sparsity, seed):
    m = random_equal_degree(shape, sparsity, rng=seed)
    k = n_links_for(shape, sparsity)
    assert m.sum() == k
    assert np.ptp(m.sum(axis=1)) <= 1 and np.ptp(m.sum(axis=0)) <= 1
    np.testing.assert_array_equal(m, random_equal_degree(shape, sparsity, rng=seed))


def test_random_equal_degree_large():
    m = random_equal_degree((784, 1568), 0.99, rng=1)
    assert m.sum() == 12293
    assert set(np.unique(m.sum(axis=1))) <= {15, 16}
    assert set(np.unique(m.sum(axis=0))) <= {7, 8}


@given(shapes, sparsities, st.sampled_from([0.0, 0.3, 1.0]), st.integers(0, 2**32 - 1))
def test_small_world_exact(shape, sparsity, beta, seed):
    m = bipartite_small_world(shape, sparsity, rng=seed, beta=beta)
    assert m.sum() == n_links_for(shape, sparsity)
    assert np.ptp(m.sum(axis=1)) <= 1  # rewiring moves links within a row
    np.testing.assert_array_equal(m, bipartite_small_world(shape, sparsity, rng=seed, beta=beta))


@given(shapes, sparsities, st.integers(0, 2**32 - 1))
def test_scale_free_exact(shape, sparsity, seed):
    m = bipartite_scale_free(shape, sparsity, rng=seed)
    assert m.sum() == n_links_for(shape, sparsity)
    np.testing.assert_array_equal(m, bipartite_scale_free(shape, sparsity, rng=seed))


def test_scale_free_is_heavy_tailed():
    m = bipartite_scale_free((400, 400), 0.95, rng=0, gamma=2.2)
    deg = m.sum(axis=0)
    assert deg.max() > 4 * np.median(deg)


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, float("nan")])
def test_bad_sparsity(bad):
    c = np.zeros((3, 3))
    for call in (lambda: sscti_topology(c, 3, bad), lambda: random_equal_degree((3, 3), bad, 0),
                 lambda: bipartite_small_world((3, 3), bad, 0),
                 lambda: bipartite_scale_free((3, 3), bad, 0)):
        with pytest.raises(ValueError, match="sparsity"):
            call()


def test_bad_shapes_and_options():
    with pytest.raises(ValueError, match="shape"):
        random_equal_degree((0, 3), 0.5, 0)
    with pytest.raises(ValueError, match="square"):
        sscti_topology(np.zeros((2, 3)), 3, 0.5)
    with pytest.raises(ValueError, match="beta"):
        bipartite_small_world((3, 3), 0.5, 0, beta=2)
    with pytest.raises(ValueError, match="gamma"):
        bipartite_scale_free((3, 3), 0.5, 0, gamma=1.5)
    with pytest.raises(TypeError, match="rng"):
        random_equal_degree((3, 3), 0.5, rng="x")
