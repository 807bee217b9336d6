"""Ranking metrics of link prediction, tie-aware, in pure numpy.

Every metric takes ``y_true`` (1 for a held-out link, 0 for a non-link) and ``y_score`` (higher
= more likely a link) over the same candidates. Candidates with equal scores form a *tie
group*; no metric depends on the order of the candidates inside a group:

- :func:`precision_at_k` and :func:`ndcg` give the expected value over a random order of every
  tie group (McSherry and Najork, 2008);
- :func:`average_precision` (the AUPR) puts one threshold per distinct score;
- :func:`auroc` counts a tied positive-negative pair as 1/2.

References
----------
.. [1] F. McSherry and M. Najork, "Computing information retrieval performance measures
   efficiently in the presence of tied scores", ECIR 2008.
.. [2] K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of IR techniques",
   ACM TOIS 20(4), 2002.
.. [3] J. A. Hanley and B. J. McNeil, "The meaning and use of the area under a receiver
   operating characteristic (ROC) curve", Radiology 143, 1982.
"""

from __future__ import annotations

import numpy as np

from .. import checks

__all__ = ["precision_at_k", "average_precision", "auroc", "ndcg"]


def _check(y_true, y_score, need_negative: bool = False):
    t = np.asarray(y_true)
    s = np.asarray(y_score)
    if t.ndim != 1 or s.ndim != 1 or t.shape != s.shape:
        raise ValueError(f"y_true and y_score must be 1-D of equal length, got shapes "
                         f"{t.shape} and {s.shape}")
    if t.size and not (t.dtype == np.bool_ or np.isin(t, (0, 1)).all()):
        raise ValueError("y_true must hold 0/1 (or bool) labels")
    if not (np.issubdtype(s.dtype, np.number) or s.dtype == np.bool_) or np.iscomplexobj(s):
        raise TypeError(f"y_score must be real numbers, got dtype {s.dtype}")
    s = s.astype(np.float64)
    if np.isnan(s).any():
        raise ValueError("y_score has NaN values")
    t = t.astype(bool)
    n_pos = int(t.sum())
    if n_pos == 0:
        raise ValueError("y_true has no positive (no held-out link): the metric is undefined")
    if need_negative and n_pos == t.size:
        raise ValueError("y_true has no negative: the AUROC is undefined")
    return t, s, n_pos


def _tie_groups(t: np.ndarray, s: np.ndarray):
    """Tie groups in decreasing score order: (start position, size, positives) of each."""
    order = np.argsort(-s, kind="stable")
    s_sorted, t_sorted = s[order], t[order].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    sizes = np.diff(np.r_[starts, s.size])
    positives = np.add.reduceat(t_sorted, starts)
    return starts, sizes, positives


def _check_k(k, n: int, default: int) -> int:
    if k is None:
        return default
    return checks.integer("k", k, 1, n)


def precision_at_k(y_true, y_score, k: int | None = None) -> float:
    """Fraction of held-out links among the ``k`` best-scored candidates.

    ``k`` defaults to the number of held-out links (the R-precision: 1.0 for a perfect
    ranking). A tie group straddling position ``k`` counts with its fraction of positives.

    Examples
    --------
    >>> precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    0.5
    >>> precision_at_k([1, 0, 1, 0], [3, 2, 2, 1])  # one of the two tied at rank 2 counts 1/2
    0.75
    """
    t, s, n_pos = _check(y_true, y_score)
    k = _check_k(k, t.size, n_pos)
    starts, sizes, positives = _tie_groups(t, s)
    inside = np.clip(k - starts, 0, sizes)  # positions of each group within the top k
    return float(np.sum(positives * inside / sizes) / k)


def average_precision(y_true, y_score) -> float:
    """Area under the precision-recall curve as average precision.

    ``AP = sum_g (R_g - R_{g-1}) P_g`` over the tie groups ``g`` in decreasing score, with
    ``P_g`` and ``R_g`` the precision and recall of the candidates scored at least as high as
    group ``g`` (one threshold per distinct score; the definition of scikit-learn's
    ``average_precision_score``). No trapezoid interpolation, which is optimistic.

    Examples
    --------
    >>> round(average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]), 4)  # (1/1 + 2/3) / 2
    0.8333
    """
    t, s, n_pos = _check(y_true, y_score)
    starts, sizes, positives = _tie_groups(t, s)
    ends = starts + sizes
    precision = np.cumsum(positives) / ends
    return float(np.sum(positives * precision) / n_pos)


def auroc(y_true, y_score) -> float:
    """Area under the ROC curve: the probability that a held-out link outscores a non-link.

    Ties count 1/2 (the Mann-Whitney statistic with mid-ranks).

    Examples
    --------
    >>> auroc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    0.75
    >>> auroc([1, 0], [0.5, 0.5])
    0.5
    """
    t, s, n_pos = _check(y_true, y_score, need_negative=True)
    n_neg = t.size - n_pos
    _, sizes, positives = _tie_groups(t, s)
    negatives = sizes - positives
    below = n_neg - np.cumsum(negatives)  # negatives scored strictly lower than each group
    wins = np.sum(positives * (below + 0.5 * negatives))
    return float(wins / (n_pos * n_neg))


def ndcg(y_true, y_score, k: int | None = None) -> float:
    """Normalised discounted cumulative gain of the ranking (binary relevance).

    ``DCG = sum over held-out links at rank r <= k of 1 / log2(r + 1)``, divided by the DCG of
    a perfect ranking; ``k`` defaults to the whole ranking. A tie group contributes the mean
    discount of the ranks it occupies, for each of its positives.

    Examples
    --------
    >>> round(ndcg([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]), 4)  # (1 + 1/2) / (1 + 1/log2(3))
    0.9197
    """
    t, s, n_pos = _check(y_true, y_score)
    k = _check_k(k, t.size, t.size)
    discount = np.r_[0.0, np.cumsum(1.0 / np.log2(np.arange(2, t.size + 2)))]
    starts, sizes, positives = _tie_groups(t, s)
    ends = starts + sizes
    group_gain = (discount[np.minimum(ends, k)] - discount[np.minimum(starts, k)]) / sizes
    return float(np.sum(positives * group_gain) / discount[min(n_pos, k)])
