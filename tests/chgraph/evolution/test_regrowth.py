"""Regrowth: CH3-L3 soft/top-k, random, caller scores; live neurons; fill rule."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chgraph
from chgraph.evolution import regrow


def _layer(seed, shape=(12, 15), p=0.2):
    rng = np.random.default_rng(seed)
    m = rng.random(shape) < p
    return rng.normal(size=shape) * m, m


@given(st.integers(0, 2**32 - 1), st.integers(0, 30),
       st.sampled_from(["CH3-L3", "random", "scores", "CH2-L3"]),
       st.sampled_from(["soft", "topk"]), st.sampled_from(["dense", "stream"]))
def test_regrow_invariants(seed, n, method, mode, engine):
    w, m = _layer(seed)
    rng = np.random.default_rng(seed)
    live_r = rng.random(m.shape[0]) < 0.8
    live_c = rng.random(m.shape[1]) < 0.8
    scores = rng.random(m.shape) * (rng.random(m.shape) < 0.1) if method == "scores" else None
    w0, m0 = w.copy(), m.copy()
    nw, nm, new, st_ = regrow(w, m, n, seed, method=method, mode=mode, scores=scores,
                              live_rows=live_r, live_cols=live_c, engine=engine)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(m, m0)
    n_cand = live_r.sum() * live_c.sum() - m[np.ix_(live_r, live_c)].sum()
    assert st_["regrown"] == new.sum() == min(n, n_cand)
    assert st_["shortfall"] == n - min(n, n_cand)
    assert not np.any(new & m)
    assert not new[~live_r].any() and not new[:, ~live_c].any()
    np.testing.assert_array_equal(nm, m | new)
    assert np.all(nw[new] == 0) and np.all(nw[m] == w[m]) and np.all(nw[~nm] == 0)
    # the fill rule: every positive candidate is taken before any random one
    if method != "random":
        if method == "scores":
            s = scores.copy()
        else:
            s = chgraph.link_scores(m, method)
        s[m] = 0
        s[~live_r] = 0
        s[:, ~live_c] = 0
        n_pos = int((s > 0).sum())
        assert st_["filled_random"] == max(0, new.sum() - n_pos)
        if st_["filled_random"]:
            assert np.all(new[s > 0])
        if mode == "topk" and new.sum() <= n_pos and new.sum():
            assert s[new].min() >= s[~new & ~m & (s > 0)].max(initial=0)
    nw2, nm2, new2, _ = regrow(w, m, n, seed, method=method, mode=mode, scores=scores,
                               live_rows=live_r, live_cols=live_c, engine=engine)
    np.testing.assert_array_equal(new, new2)


def test_topk_matches_chgraph_top_k_links():
    w, m = _layer(1, (30, 40), 0.1)
    _, _, new, _ = regrow(w, m, 25, 0, mode="topk")
    r, c, s = chgraph.top_k_links(m, 25)
    assert (s > 0).all()
    ref = np.zeros_like(m)
    ref[r, c] = True
    np.testing.assert_array_equal(new, ref)


def test_empty_layer_is_filled_at_random():
    m = np.zeros((5, 6), bool)
    _, nm, new, st_ = regrow(np.zeros((5, 6)), m, 7, 0)
    assert st_ == {"regrown": 7, "filled_random": 7, "shortfall": 0}


def test_soft_regrowth_follows_scores():
    """Single draws land on candidates in proportion to their CH3-L3 score (fixed seed;
    tolerance 4 standard deviations). CH3-L3 regrowth is regrowth on the CH3-L3 scores."""
    m = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1]], bool)
    s = chgraph.link_scores(m)
    # the dense engine samples the layer's scores in row-major order, as score regrowth does
    for seed in range(5):
        a = regrow(np.zeros(m.shape), m, 3, seed, engine="dense")[2]
        b = regrow(np.zeros(m.shape), m, 3, seed, method="scores", scores=s)[2]
        np.testing.assert_array_equal(a, b)
    p = s[~m] / s[~m].sum()
    counts = np.zeros(m.shape)
    rng = np.random.default_rng(11)
    n = 6000
    for _ in range(n):
        counts += regrow(np.zeros(m.shape), m, 1, rng, method="scores", scores=s)[2]
    np.testing.assert_allclose(counts[~m] / n, p, atol=4 * np.sqrt(0.25 / n))


def test_regrow_bad_input():
    w, m = _layer(0)
    with pytest.raises(ValueError, match="method"):
        regrow(w, m, 1, 0, method="CH9")
    with pytest.raises(ValueError, match="score matrix"):
        regrow(w, m, 1, 0, method="scores")
    with pytest.raises(ValueError, match=">= 0"):
        regrow(w, m, 1, 0, method="scores", scores=-np.ones(m.shape))
    with pytest.raises(ValueError, match="live_rows"):
        regrow(w, m, 1, 0, live_rows=np.ones(3, bool))
    with pytest.raises(ValueError, match="non-finite"):
        regrow(np.full(m.shape, np.inf), m, 1, 0)
