"""Percolation of dead hidden neurons across a chain."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph.evolution import percolate


@st.composite
def chains(draw):
    sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    p = draw(st.sampled_from([0.1, 0.25, 0.5, 0.8]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    masks = [rng.random((a, b)) < p for a, b in zip(sizes[:-1], sizes[1:], strict=False)]
    fixed = [draw(st.booleans()) and rng.random() < 0.3 for _ in masks]
    return masks, fixed


def _brute(masks, fixed):
    """Remove the links of dead hidden neurons until nothing changes."""
    ms = [m.copy() for m in masks]
    changed = True
    while changed:
        changed = False
        for l in range(len(ms) - 1):
            dead = (ms[l].sum(axis=0) == 0) | (ms[l + 1].sum(axis=1) == 0)
            for layer, sl in ((l, (slice(None), dead)), (l + 1, (dead, slice(None)))):
                if not fixed[layer] and ms[layer][sl].any():
                    ms[layer][sl] = False
                    changed = True
    return ms


@given(chains())
def test_two_sweeps_reach_the_fixed_point(chain):
    masks, fixed = chain
    before = [m.copy() for m in masks]
    new, removed, live = percolate(masks, fixed)
    for m, b in zip(masks, before, strict=True):
        np.testing.assert_array_equal(m, b)
    ref = _brute(masks, fixed)
    for l, (n, r) in enumerate(zip(new, ref, strict=True)):
        np.testing.assert_array_equal(n, r)
        assert removed[l] == masks[l].sum() - n.sum()
        assert not np.any(n & ~masks[l])
        if fixed[l]:
            np.testing.assert_array_equal(n, masks[l])
    assert live[0].all() and live[-1].all()
    for l in range(1, len(new)):
        has_in, has_out = new[l - 1].any(axis=0), new[l].any(axis=1)
        np.testing.assert_array_equal(live[l], has_in & has_out)
        dead = ~live[l]
        if not fixed[l - 1]:
            assert not new[l - 1][:, dead].any()
        if not fixed[l]:
            assert not new[l][dead, :].any()
    again, removed2, _ = percolate(new, fixed)
    assert sum(removed2) == 0


def test_shapes_must_chain():
    with pytest.raises(ValueError, match="do not chain"):
        percolate([np.ones((2, 3)), np.ones((4, 2))])
