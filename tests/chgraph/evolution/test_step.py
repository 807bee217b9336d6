"""One evolution step over a chain: the invariants, as property-based tests."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph.evolution import (
    EvolutionSchedule,
    evolve,
    evolve_links,
    random_equal_degree,
    swi,
)


@st.composite
def chains(draw):
    sizes = draw(st.lists(st.integers(2, 9), min_size=2, max_size=4))
    sparsity = draw(st.sampled_from([0.3, 0.5, 0.7, 0.85]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shapes = list(zip(sizes[:-1], sizes[1:], strict=False))
    dense_last = draw(st.booleans())
    masks = []
    for l, shape in enumerate(shapes):
        if dense_last and l == len(shapes) - 1:
            masks.append(np.ones(shape, bool))
        else:
            masks.append(random_equal_degree(shape, sparsity, rng))
    weights = [swi(m, rng).astype(np.float64) for m in masks]
    for w in weights:  # some exact zeros, as after a regrowth
        w[rng.random(w.shape) < 0.1] = 0.0
    schedule = EvolutionSchedule(
        total_steps=40, update_interval=1,
        removal=draw(st.sampled_from(["lrs", "magnitude", "relative_importance"])),
        removal_mode=draw(st.sampled_from(["soft", "hard"])),
        regrowth=draw(st.sampled_from(["CH3-L3", "random", "CH3-L3"])),
        regrowth_mode=draw(st.sampled_from(["soft", "topk"])),
        zeta=draw(st.sampled_from([0.3, 0.6, 1.0])),
        early_stop_overlap=draw(st.sampled_from([None, 0.9])))
    return weights, masks, schedule, seed


def _live(masks):
    live = []
    for l in range(1, len(masks)):
        live.append(masks[l - 1].any(axis=0) & masks[l].any(axis=1))
    return live


@given(chains())
def test_invariants_over_several_steps(chain):
    weights, masks, schedule, seed = chain
    dense = [bool(m.all()) for m in masks]
    rng = np.random.default_rng(seed)
    targets = [int(m.sum()) for m in masks]
    for step in (1, 5, 12):
        w_in = [w.copy() for w in weights]
        m_in = [m.copy() for m in masks]
        res = evolve(weights, masks, schedule, step, rng)
        # the caller's arrays are untouched
        for a, b in zip(weights + masks, w_in + m_in, strict=True):
            np.testing.assert_array_equal(a, b)
        live = _live(res.masks)
        removed, regrown = res.removed, res.regrown
        for l, (s, m, w) in enumerate(zip(res.stats, res.masks, res.weights, strict=True)):
            # masks and weights agree; kept weights unchanged; regrown weights 0
            assert np.all(w[~m] == 0)
            assert np.all(w[regrown[l]] == 0)
            kept = m & ~regrown[l]
            np.testing.assert_array_equal(w[kept], weights[l][kept])
            assert not np.any(removed[l] & ~masks[l])
            np.testing.assert_array_equal(m, (masks[l] & ~removed[l]) | regrown[l])
            if dense[l]:
                np.testing.assert_array_equal(m, masks[l])
                np.testing.assert_array_equal(w, weights[l])
                continue
            # the number of links equals its target (unless the live candidates ran out)
            assert s.links == int(m.sum()) == targets[l] - s.shortfall
            rows = np.ones(m.shape[0], bool) if l == 0 else live[l - 1]
            cols = np.ones(m.shape[1], bool) if l == len(masks) - 1 else live[l]
            if s.shortfall:
                assert m[np.ix_(rows, cols)].all()
            # no link touches a dead neuron
            assert not m[~rows].any() and not m[:, ~cols].any()
            assert s.regrown == int(regrown[l].sum())
            assert s.removed + s.percolated == int(removed[l].sum())
            assert s.filled_random <= s.regrown
        # the same seed gives the same result, bit for bit
        again = evolve(weights, masks, schedule, step, np.random.default_rng(seed + step))
        twice = evolve(weights, masks, schedule, step, np.random.default_rng(seed + step))
        for a, b in zip(again.masks + again.weights, twice.masks + twice.weights, strict=True):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
        assert [x.regrown for x in again.stats] == [x.regrown for x in twice.stats]
        weights, masks, schedule = res.weights, res.masks, res.schedule


def test_result_fields_and_state():
    rng = np.random.default_rng(0)
    masks = [random_equal_degree((30, 40), 0.8, rng), random_equal_degree((40, 20), 0.8, rng),
             np.ones((20, 5), bool)]
    weights = [swi(m, rng) for m in masks]
    sched = EvolutionSchedule(total_steps=100, update_interval=10)
    res = evolve(weights, masks, sched, 10, rng=1)
    assert sched.targets is None and sched.n_updates == 0  # not modified
    assert res.schedule.targets == tuple(int(m.sum()) for m in masks)
    assert res.schedule.n_updates == 1
    assert res.zeta == pytest.approx(sched.zeta_at(10))
    assert set(res.seconds) == {"prepare", "removal", "percolation", "regrowth", "assemble",
                                "total"}
    s0 = res.stats[0]
    assert s0.removed == round(res.zeta * masks[0].sum())
    assert s0.regrown == s0.removed + s0.percolated
    assert set(s0.seconds) == {"removal", "regrowth", "scoring"}
    assert 0 < s0.seconds["scoring"] <= s0.seconds["regrowth"]
    assert res.stats[2].dense and not res.stats[2].evolved
    assert isinstance(s0.to_dict(), dict)
    assert 0 < res.live_fraction <= 1
    assert all(w.dtype == np.float32 for w in res.weights)


def test_early_stop_and_stopped_layers():
    # 2 x 3 layer with 5 links, dense 3 x 1 classifier: 2 links are removed and every
    # candidate left is a removed link or the one empty cell, so the overlap is >= 1/2
    masks = [np.array([[0, 1, 1], [1, 1, 1]], bool), np.ones((3, 1), bool)]
    weights = [np.arange(1.0, 7.0).reshape(2, 3) * masks[0], np.ones((3, 1))]
    sched = EvolutionSchedule(total_steps=100, update_interval=1, zeta=0.4,
                              zeta_decay="constant", early_stop_overlap=0.4)
    for seed in range(5):
        res = evolve(weights, masks, sched, 1, rng=seed)
        s = res.stats[0]
        assert s.removed == 2 and s.overlap >= 0.5
        assert s.stopped and res.schedule.stopped == (True, False)
        res2 = evolve(res.weights, res.masks, res.schedule, 2, rng=seed)
        assert res2.stats[0].removed == 0 and not res2.stats[0].evolved
        np.testing.assert_array_equal(res2.masks[0], res.masks[0])
    res = evolve(weights, masks, sched.replace(early_stop_overlap=None), 1, rng=0)
    assert not res.stats[0].stopped


def test_rigl_style_scores_and_set_style_random():
    rng = np.random.default_rng(2)
    masks = [random_equal_degree((10, 12), 0.7, rng), np.ones((12, 3), bool)]
    weights = [swi(m, rng) for m in masks]
    grads = [np.abs(rng.normal(size=m.shape)) for m in masks]
    sched = EvolutionSchedule(100, 1, removal="magnitude", removal_mode="hard",
                              regrowth="scores", regrowth_mode="topk")
    res = evolve(weights, masks, sched, 1, 0, regrowth_scores=[grads[0], None])
    assert res.masks[0].sum() == masks[0].sum()
    after = masks[0] & ~res.removed[0]  # after removal and percolation
    cand = ~after & after.any(axis=0)[None, :]  # non-links between live neurons
    new = res.regrown[0]
    assert grads[0][new].min() >= grads[0][cand & ~new].max()
    with pytest.raises(ValueError, match="regrowth_scores"):
        evolve(weights, masks, sched, 1, 0)
    res = evolve(weights, masks, sched.replace(regrowth="random"), 1, 0)
    assert res.masks[0].sum() == masks[0].sum()


@given(chains())
def test_without_percolation_only_removal_changes_links(chain):
    weights, masks, schedule, seed = chain
    sched = schedule.replace(percolation=False)
    res = evolve(weights, masks, sched, 1, np.random.default_rng(seed))
    for l, (m, st_) in enumerate(zip(masks, res.stats, strict=True)):
        assert st_.percolated == 0
        assert res.masks[l].sum() == m.sum()  # exactly at target: every neuron is a candidate
        # only the rule's removals are lost (no percolation on top)
        assert res.removed[l].sum() == st_.removed


def test_percolation_flag_round_trips_and_is_checked():
    s = EvolutionSchedule(100, 10, percolation=False)
    assert EvolutionSchedule.from_dict(s.to_dict()) == s and not s.percolation
    with pytest.raises(TypeError, match="percolation"):
        EvolutionSchedule(100, 10, percolation="no")


@pytest.mark.parametrize("case", ["nan", "chain", "shape", "step", "count", "schedule"])
def test_bad_input_leaves_arrays_untouched(case):
    rng = np.random.default_rng(0)
    masks = [rng.random((4, 5)) < 0.5, rng.random((5, 3)) < 0.5]
    weights = [rng.normal(size=m.shape) * m for m in masks]
    sched = EvolutionSchedule(100, 1)
    kwargs = {}
    if case == "nan":
        weights[1][0, 0] = np.nan
    elif case == "chain":
        masks[1] = rng.random((6, 3)) < 0.5
        weights[1] = np.ones((6, 3))
    elif case == "shape":
        weights[0] = np.ones((4, 6))
    elif case == "step":
        kwargs["step"] = -1
    elif case == "count":
        masks = masks[:1]
    elif case == "schedule":
        sched = sched.replace(stopped=[False])
    before = [a.copy() for a in weights + masks]
    with pytest.raises(ValueError):
        evolve(weights, masks, sched, kwargs.get("step", 1), 0)
    for a, b in zip(weights + masks, before, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        evolve(weights, masks, sched.to_dict(), 1, 0)


def test_result_independent_of_thread_count():
    import numba

    rng = np.random.default_rng(4)
    masks = [random_equal_degree((60, 80), 0.9, rng), random_equal_degree((80, 70), 0.9, rng)]
    weights = [swi(m, rng) for m in masks]
    sched = EvolutionSchedule(100, 1)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = evolve(weights, masks, sched, 1, rng=9)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = evolve(weights, masks, sched, 1, rng=9)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one.masks + one.weights, many.masks + many.weights, strict=True):
        assert a.tobytes() == b.tobytes()


# -- evolve_links: the same step on link lists ------------------------------------------------
def _as_links(weights, masks):
    links = [np.flatnonzero(m) for m in masks]
    return links, [w.ravel()[f] for w, f in zip(weights, links, strict=True)]


@given(chains())
def test_evolve_links_equals_evolve_on_dense_arrays(chain):
    weights, masks, schedule, seed = chain
    shapes = [m.shape for m in masks]
    for step in (1, 6):
        dense_res = evolve(weights, masks, schedule, step, np.random.default_rng(seed))
        links, w = _as_links(weights, masks)
        res = evolve_links(shapes, links, w, schedule, step, np.random.default_rng(seed))
        assert res.schedule == dense_res.schedule
        for l in range(len(masks)):
            np.testing.assert_array_equal(res.links[l], np.flatnonzero(dense_res.masks[l]))
            np.testing.assert_array_equal(res.weights[l],
                                          dense_res.weights[l].ravel()[res.links[l]])
            np.testing.assert_array_equal(res.removed_links[l], dense_res.removed_links[l])
            np.testing.assert_array_equal(res.regrown_links[l], dense_res.regrown_links[l])
            # the parts add up: old links - removed + regrown = new links
            new = np.union1d(np.setdiff1d(links[l], res.removed_links[l]), res.regrown_links[l])
            np.testing.assert_array_equal(new, res.links[l])
            np.testing.assert_array_equal(res.kept[l], np.setdiff1d(links[l],
                                                                    res.removed_links[l]))
            assert np.all(res.weights[l][np.isin(res.links[l], res.regrown_links[l])] == 0)
            a, b = res.stats[l].to_dict(), dense_res.stats[l].to_dict()
            a.pop("seconds"), b.pop("seconds")
            assert a == b
        weights, masks, schedule = dense_res.weights, dense_res.masks, dense_res.schedule


def test_evolve_links_rigl_scores_and_float32_weights():
    rng = np.random.default_rng(3)
    masks = [random_equal_degree((12, 10), 0.7, rng), random_equal_degree((10, 6), 0.6, rng)]
    weights = [swi(m, rng).astype(np.float32) for m in masks]
    grads = [np.abs(rng.normal(size=m.shape)) for m in masks]
    sched = EvolutionSchedule(100, 1, regrowth="scores")
    links, w = _as_links(weights, masks)
    res = evolve_links([m.shape for m in masks], links, w, sched, 1, 5, regrowth_scores=grads)
    ref = evolve(weights, masks, sched, 1, 5, regrowth_scores=grads)
    for l in range(2):
        np.testing.assert_array_equal(res.links[l], np.flatnonzero(ref.masks[l]))
        assert res.weights[l].dtype == np.float32
    with pytest.raises(ValueError, match="regrowth_scores"):
        evolve_links([m.shape for m in masks], links, w, sched, 1, 5)


@pytest.mark.parametrize("case, error, match", [
    ("unsorted", ValueError, "strictly increasing"),
    ("duplicate", ValueError, "strictly increasing"),
    ("range", ValueError, "strictly increasing"),
    ("negative", ValueError, "strictly increasing"),
    ("float links", ValueError, "integer"),
    ("length", ValueError, "one weight per link"),
    ("nan", ValueError, "non-finite"),
    ("layers", ValueError, "per layer"),
    ("chain", ValueError, "chain"),
    ("shape", ValueError, "positive integers"),
    ("weights dtype", TypeError, "real numbers"),
])
def test_evolve_links_rejects_bad_input_without_touching_it(case, error, match):
    rng = np.random.default_rng(0)
    masks = [random_equal_degree((6, 5), 0.5, rng), random_equal_degree((5, 4), 0.5, rng)]
    links, w = _as_links([swi(m, rng) for m in masks], masks)
    shapes = [(6, 5), (5, 4)]
    if case == "unsorted":
        links[0] = links[0][::-1].copy()
    elif case == "duplicate":
        links[1] = np.sort(np.r_[links[1], links[1][:1]])
        w[1] = np.r_[w[1], 0.0]
    elif case == "range":
        links[0][-1] = 30
    elif case == "negative":
        links[0][0] = -1
    elif case == "float links":
        links[0] = links[0].astype(float)
    elif case == "length":
        w[0] = w[0][:-1]
    elif case == "nan":
        w[1][0] = np.nan
    elif case == "layers":
        links = links[:1]
    elif case == "chain":
        shapes = [(6, 5), (4, 4)]
    elif case == "shape":
        shapes = [(6, 0), (5, 4)]
    elif case == "weights dtype":
        w[0] = w[0].astype(str)
    before = [a.copy() for a in links + w]
    with pytest.raises(error, match=match):
        evolve_links(shapes, links, w, EvolutionSchedule(100, 1), 1, 0)
    for a, b in zip(links + w, before, strict=True):
        np.testing.assert_array_equal(a, b)
