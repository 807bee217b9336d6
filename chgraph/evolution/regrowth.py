"""Link regrowth (docs/method.md, section 3.5): add links among the candidates between live neurons.

Candidates of a layer are its non-links ``(i, o)`` with input ``i`` and output ``o`` both live.
How the new links are chosen (``method``):

* a :mod:`chgraph` link predictor name, ``"CH3-L3"`` by default (CH-SNN, CHT);
* ``"random"``: uniformly among the candidates (SET);
* ``"scores"``: a caller-supplied non-negative ``n_in x n_out`` score matrix, for example
  ``|gradient|`` of the dense weights (RigL).

``mode="soft"`` (default) samples without replacement with probability proportional to the
score (successive draws); ``mode="topk"`` takes the best scores, equal scores ordered by row,
then column. In both modes, when fewer candidates have a positive score than links are needed,
every positive candidate is taken and the rest is filled uniformly at random among the other
candidates; the count is reported as ``filled_random``. If there are fewer candidates than
links needed, all candidates are taken and the difference is reported as ``shortfall``.

Predictor-based regrowth is :func:`chgraph.sample_links` / :func:`chgraph.top_k_links` with
the live neurons as ``allowed_rows`` / ``allowed_cols`` (one
:class:`chgraph.linkpred.CandidateLinks`: the candidates are counted once); ``engine`` is
theirs: ``"dense"`` scores the whole layer at once (fast; one float64 ``n_in x n_out``
array), ``"stream"`` works in bounded memory, ``"sparse"`` follows the L3 paths (for large
layers with few links), ``"auto"`` (default) is dense up to
:data:`chgraph.linkpred.selection.DENSE_ENTRIES` entries, else sparse or stream. The engines
draw the same distribution from different random streams, so their links differ for one
seed; each is reproducible bit for bit.
"""

from __future__ import annotations

import time

import numpy as np

from .. import checks
from ..graph import BipartiteLayer
from ..linkpred import CandidateLinks, available_predictors
from ..linkpred.selection import ENGINES
from ._util import as_mask, as_rng, as_weights, top_k_flat, uniform_sample, weighted_sample

__all__ = ["regrow", "regrow_links", "check_regrowth"]

REGROWTH_MODES = ("soft", "topk")


def check_regrowth(method: str, mode: str, engine: str = "auto") -> None:
    """Raise ``ValueError`` for an unknown regrowth method, mode or engine.

    Examples
    --------
    >>> check_regrowth("CH3-L3", "soft")
    >>> check_regrowth("random", "topk", engine="dense")
    >>> check_regrowth("CH3-L3", "greedy")
    Traceback (most recent call last):
    ...
    ValueError: regrowth mode must be one of ('soft', 'topk'), got 'greedy'
    """
    if not isinstance(method, str):
        raise TypeError(f"regrowth method must be a string, got {type(method).__name__}")
    if method not in ("random", "scores") and method not in available_predictors(bipartite=True):
        raise ValueError(
            f"regrowth method must be 'random', 'scores' or a chgraph bipartite predictor "
            f"{available_predictors(bipartite=True)}, got {method!r}"
        )
    if mode not in REGROWTH_MODES:
        raise ValueError(f"regrowth mode must be one of {REGROWTH_MODES}, got {mode!r}")
    if engine not in ENGINES:
        raise ValueError(f"regrowth engine must be one of {ENGINES}, got {engine!r}")


def check_scores(scores, shape, name: str = "scores") -> np.ndarray:
    """A float64 copy of caller-supplied regrowth scores (finite, >= 0, of ``shape``)."""
    if scores is None:
        raise ValueError("regrowth method 'scores' needs a score matrix per evolved layer")
    s = np.array(scores, dtype=np.float64)
    if s.shape != tuple(shape):
        raise ValueError(f"{name} must have the layer's shape {tuple(shape)}, got {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} has non-finite entries")
    if np.any(s < 0):
        raise ValueError(f"{name} must be >= 0 (pass |gradient|, not the gradient)")
    return s


def regrow_links(shape, links, n: int, rng, *, method: str = "CH3-L3", mode: str = "soft",
                 scores=None, live_rows=None, live_cols=None, engine: str = "auto",
                 timings: dict | None = None):
    """Choose ``n`` new links of one layer; the core of :func:`regrow` on flat indices.

    Parameters
    ----------
    shape : (n_in, n_out)
    links : 1-D int array
        Flat indices ``row * n_out + col`` of the current links (any order; see
        :meth:`chgraph.BipartiteLayer.from_flat`).
    n : int
        Links wanted.
    rng : numpy.random.Generator
    timings : dict, optional
        Receives ``"scoring"``: seconds spent in link prediction and selection (predictor
        methods only).

    Returns
    -------
    new : numpy.ndarray of int64
        Flat indices of the new links (in the order chosen).
    filled_random, shortfall : int

    Examples
    --------
    >>> new, filled, short = regrow_links((2, 2), np.array([0, 2, 3]), 1, np.random.default_rng(0))
    >>> new.tolist(), filled, short
    ([1], 0, 0)
    """
    n_in, n_out = shape
    layer = BipartiteLayer.from_flat(links, shape)
    links = layer.flat_links()
    live_rows = np.ones(n_in, bool) if live_rows is None else np.asarray(live_rows, bool)
    live_cols = np.ones(n_out, bool) if live_cols is None else np.asarray(live_cols, bool)
    predictor = method not in ("random", "scores")
    cands = None
    if predictor:  # the candidates are counted once, here, and then selected
        cands = CandidateLinks(layer, method, allowed_rows=live_rows, allowed_cols=live_cols)
        n_cand = cands.n_candidates
    else:
        n_cand = layer.n_non_links(live_rows, live_cols)
    k = min(int(n), n_cand)
    shortfall = int(n) - k
    if k == 0:
        return np.empty(0, np.int64), 0, shortfall
    if method == "random":
        R, C = np.flatnonzero(live_rows), np.flatnonzero(live_cols)
        return uniform_sample(R, C, n_out, links, k, rng), 0, shortfall
    if method == "scores":
        new, filled = _from_scores(shape, links, k, rng, mode, check_scores(scores, shape),
                                   live_rows, live_cols)
        return new, filled, shortfall
    t0 = time.perf_counter()
    new, filled = _from_predictor(cands, links, k, rng, mode, live_rows, live_cols, engine)
    if timings is not None:
        timings["scoring"] = time.perf_counter() - t0
    return new, filled, shortfall


def _from_predictor(cands, links, k, rng, mode, live_rows, live_cols, engine):
    """``k`` new links by a chgraph predictor: soft sampling or top-k, then the uniform fill."""
    if mode == "soft":
        new, s = cands.sample(k, rng, zero_scores="uniform", engine=engine)
        return new, int(np.count_nonzero(s == 0))
    new, s = cands.top_k(k, engine=engine)
    return _fill(new[s > 0], links, k, rng, live_rows, live_cols, cands.n_cols)


def _from_scores(shape, links, k, rng, mode, s, live_rows, live_cols):
    """``k`` new links by caller-supplied scores (RigL): the same rules on a dense array."""
    s.flat[links] = 0.0
    s[~live_rows, :] = 0.0
    s[:, ~live_cols] = 0.0
    sf = s.ravel()
    if mode == "soft":
        picked = weighted_sample(sf, k, rng, short_ok=True)
        if picked is not None:
            return picked, 0
        pos = np.flatnonzero(sf)
        pos = pos[weighted_sample(sf[pos], pos.size, rng)]
    else:
        pos = np.flatnonzero(sf)
        pos = pos[top_k_flat(sf[pos], min(k, pos.size))]
    return _fill(pos, links, k, rng, live_rows, live_cols, shape[1])


def _fill(pos, links, k, rng, live_rows, live_cols, n_out):
    """Complete the positive-score picks ``pos`` with ``k - len(pos)`` uniform candidates."""
    n_fill = k - pos.size
    fill = uniform_sample(np.flatnonzero(live_rows), np.flatnonzero(live_cols), n_out,
                          np.concatenate([links, pos]), n_fill, rng)
    return np.concatenate([pos, fill]), n_fill


def regrow(weights, mask, n: int, rng, *, method: str = "CH3-L3", mode: str = "soft",
           scores=None, live_rows=None, live_cols=None, engine: str = "auto"):
    """Add ``n`` links to one layer; new arrays, the inputs are left untouched.

    Parameters
    ----------
    weights, mask : 2-D arrays ``n_in x n_out``
    n : int
        Links to add (fewer if there are fewer candidates; see ``shortfall``).
    rng : numpy.random.Generator or int
    method, mode, engine : str
        See the module documentation.
    scores : 2-D array, optional
        For ``method="scores"``.
    live_rows, live_cols : bool arrays, optional
        Live inputs and outputs (default all).

    Returns
    -------
    new_weights : numpy.ndarray
        Regrown links have weight 0; 0 off the new mask.
    new_mask, regrown : numpy.ndarray of bool
    stats : dict
        ``regrown``, ``filled_random``, ``shortfall``.

    Examples
    --------
    >>> m = np.array([[1, 0], [1, 1]], bool); w = np.where(m, 0.5, 0.0)
    >>> nw, nm, new, stats = regrow(w, m, 1, rng=0)
    >>> bool(nm.all()), float(nw[0, 1]), stats
    (True, 0.0, {'regrown': 1, 'filled_random': 0, 'shortfall': 0})
    """
    check_regrowth(method, mode, engine)
    w = as_weights(weights)
    m = as_mask(mask)
    if w.shape != m.shape:
        raise ValueError(f"weights {w.shape} and mask {m.shape} differ in shape")
    n = checks.integer("n", n, low=0)
    for name, live, size in (("live_rows", live_rows, m.shape[0]),
                             ("live_cols", live_cols, m.shape[1])):
        if live is not None and (np.asarray(live).dtype != np.bool_
                                 or np.asarray(live).shape != (size,)):
            raise ValueError(f"{name} must be a boolean array of shape ({size},)")
    if method == "scores":
        check_scores(scores, m.shape)
    new, filled, short = regrow_links(m.shape, np.flatnonzero(m), int(n), as_rng(rng),
                                      method=method, mode=mode, scores=scores,
                                      live_rows=live_rows, live_cols=live_cols, engine=engine)
    regrown = np.zeros(m.shape, dtype=bool)
    regrown.flat[new] = True
    new_mask = m | regrown
    new_w = np.where(m, w, 0).astype(w.dtype, copy=False)
    stats = {"regrown": int(new.size), "filled_random": int(filled), "shortfall": int(short)}
    return new_w, new_mask, regrown, stats
