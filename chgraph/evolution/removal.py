"""Link removal (docs/method.md, section 3.3): removal scores and soft or hard selection of the
links to keep.

Scores of a link ``(i, o)`` with ``a = |w_io|``, ``s_o = sum_i |w_io|`` (strength of the output
node) and ``s_i = sum_o |w_io|`` (strength of the input node), over the links only:

* ``"lrs"`` (CH-SNN's hybrid link removal score, the default): ``a / (1 + s_o) + a / (1 + s_i)``
* ``"relative_importance"``: ``a / s_o + a / s_i`` (0 where a strength is 0)
* ``"magnitude"``: ``a``

Soft removal (the default) samples the links to KEEP without replacement with probability
proportional to ``score^T``, with Efraimidis-Spirakis keys in log space: a link of positive
score gets ``log(E) - T log(score)``, ``E ~ Exp(1)`` (the same order as ``log(U) / score^T``,
``U = e^-E``, without under- or overflow of ``score^T``), and the smallest keys are kept.
Zero scores (weight exactly 0, e.g. a link regrown at the last step): such a link has
probability 0 of being drawn, so all zero-score links are removed before any positive one; if
more links must be kept than have a positive score, the rest are kept uniformly at random
among the zero-score links (those with the smallest ``E``). Hard removal keeps the highest
scores; among equal scores the link with the larger row-major index is removed first.
"""

from __future__ import annotations

import numpy as np

from .. import checks
from ._util import as_mask, as_rng, as_weights, top_k_flat

__all__ = ["REMOVAL_SCORES", "removal_scores", "keep_links", "remove_links"]

REMOVAL_SCORES = ("lrs", "relative_importance", "magnitude")
REMOVAL_MODES = ("soft", "hard")


def check_removal(score: str, mode: str, temperature) -> float:
    """Validate the removal options; return the temperature as a float."""
    if score not in REMOVAL_SCORES:
        raise ValueError(f"removal score must be one of {REMOVAL_SCORES}, got {score!r}")
    if mode not in REMOVAL_MODES:
        raise ValueError(f"removal mode must be one of {REMOVAL_MODES}, got {mode!r}")
    return checks.real("temperature", temperature, 0.0, open_low=True)


def link_removal_scores(absw: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                        shape: tuple[int, int], score: str) -> np.ndarray:
    """Scores of the links given as ``(rows, cols)`` with magnitudes ``absw`` (float64)."""
    absw = np.asarray(absw, dtype=np.float64)
    if score == "magnitude":
        return absw.copy()
    s_in = np.bincount(rows, weights=absw, minlength=shape[0])[rows]
    s_out = np.bincount(cols, weights=absw, minlength=shape[1])[cols]
    if score == "lrs":
        return absw / (1.0 + s_out) + absw / (1.0 + s_in)
    with np.errstate(divide="ignore", invalid="ignore"):
        ri = np.where(s_out > 0, absw / s_out, 0.0) + np.where(s_in > 0, absw / s_in, 0.0)
    return ri


def removal_scores(weights, mask, score: str = "lrs") -> np.ndarray:
    """The removal score of every link of a layer (0 off the links), float64 ``n_in x n_out``.

    Examples
    --------
    >>> w = np.array([[1.0, -2.0], [0.0, 3.0]]); m = np.array([[1, 1], [0, 1]], bool)
    >>> removal_scores(w, m).round(4).tolist()
    [[0.75, 0.8333], [0.0, 1.25]]
    """
    check_removal(score, "soft", 1.0)
    w = as_weights(weights)
    m = as_mask(mask)
    if w.shape != m.shape:
        raise ValueError(f"weights {w.shape} and mask {m.shape} differ in shape")
    rows, cols = np.nonzero(m)
    out = np.zeros(m.shape, dtype=np.float64)
    out[rows, cols] = link_removal_scores(np.abs(w[rows, cols]), rows, cols, m.shape, score)
    return out


def keep_links(scores, n_keep: int, rng=None, *, mode: str = "soft",
               temperature: float = 1.0) -> np.ndarray:
    """Indices (into ``scores``) of the links to keep, ascending.

    Parameters
    ----------
    scores : 1-D array of non-negative floats
        One score per link.
    n_keep : int
        How many to keep, ``0 <= n_keep <= len(scores)``.
    rng : numpy.random.Generator or int
        Needed for ``mode="soft"``; exactly ``len(scores)`` exponentials are drawn.
    mode : {"soft", "hard"}
    temperature : float
        Exponent ``T`` of the soft rule.

    Examples
    --------
    >>> keep_links(np.array([0.5, 0.0, 2.0, 1.0]), 2, mode="hard").tolist()
    [2, 3]
    >>> keep_links(np.array([0.5, 0.0, 2.0, 1.0]), 3, rng=0).tolist()
    [0, 2, 3]
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"scores must be 1-dimensional, got shape {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError("scores must be finite and >= 0")
    t = check_removal("lrs", mode, temperature)
    n_keep = checks.integer("n_keep", n_keep, 0, s.size)
    if mode == "hard":
        return top_k_flat(s, int(n_keep), ordered=False)
    e = as_rng(rng).standard_exponential(s.size)
    pos = np.flatnonzero(s > 0)
    if n_keep <= pos.size:
        with np.errstate(divide="ignore"):
            key = np.log(e[pos]) - t * np.log(s[pos])
        return pos[top_k_flat(-key, int(n_keep), ordered=False)]
    zero = np.flatnonzero(s == 0)
    extra = zero[top_k_flat(-e[zero], int(n_keep) - pos.size)]
    return np.sort(np.concatenate([pos, extra]))


def remove_links(weights, mask, n_remove: int, rng=None, *, score: str = "lrs",
                 mode: str = "soft", temperature: float = 1.0):
    """Remove ``n_remove`` links of one layer; new arrays, the inputs are left untouched.

    Returns
    -------
    new_weights : numpy.ndarray
        Same dtype as ``weights``; exactly 0 off the new mask.
    new_mask : numpy.ndarray of bool
    removed : numpy.ndarray of bool
        The links removed.

    Examples
    --------
    >>> w = np.array([[0.1, -2.0], [0.0, 3.0]]); m = w != 0
    >>> nw, nm, removed = remove_links(w, m, 1, mode="hard")
    >>> nm.astype(int).tolist(), removed.astype(int).tolist()
    ([[0, 1], [0, 1]], [[1, 0], [0, 0]])
    """
    check_removal(score, mode, temperature)
    w = as_weights(weights)
    m = as_mask(mask)
    if w.shape != m.shape:
        raise ValueError(f"weights {w.shape} and mask {m.shape} differ in shape")
    rows, cols = np.nonzero(m)
    n_remove = checks.integer("n_remove (at most the links)", n_remove, 0, rows.size)
    s = link_removal_scores(np.abs(w[rows, cols]), rows, cols, m.shape, score)
    keep = keep_links(s, rows.size - int(n_remove), rng, mode=mode, temperature=temperature)
    new_mask = np.zeros(m.shape, dtype=bool)
    new_mask[rows[keep], cols[keep]] = True
    new_w = np.where(new_mask, w, 0).astype(w.dtype, copy=False)
    return new_w, new_mask, m & ~new_mask
