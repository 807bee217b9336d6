"""Angular separability of node groups on the circle (e.g. communities, or the layers of a chain).

The idea follows the angular separation index (ASI) of Muscoloni and Cannistraci, "Angular
separability of data clusters or network communities in geometrical space and its relevance to
hyperbolic embedding", arXiv:1907.00025 (2019), used to evaluate coalescent embeddings
(Muscoloni et al., Nat. Commun. 8, 1615, 2017; Cacciola et al., arXiv:1705.04192, 2017): groups
are well separated when each occupies its own contiguous sector of the circle. The exact
statistic computed here is this project's own, defined in :func:`angular_separability`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import as_rng
from ._common import check_int

__all__ = ["AngularSeparability", "angular_separability"]

_CHUNK = 32


class AngularSeparability(NamedTuple):
    """Result of :func:`angular_separability`."""

    asi: float  #: (score - random_expectation) / (1 - random_expectation); 1 = separated
    score: float  #: fraction of nodes inside their group's best contiguous sector
    random_expectation: float  #: mean score of uniformly random circular orders
    p_value: float  #: share of random orders scoring >= score (with the +1 correction)
    group_scores: dict  #: group -> fraction of its nodes inside its best sector
    n_nodes: int  #: nodes with a finite angle (the others are left out)


def angular_separability(theta, groups, *, n_perm: int = 200, rng=0) -> AngularSeparability:
    """How well groups of nodes separate over their angular coordinates.

    Definition. Sort the ``n`` nodes with a finite angle by ``theta`` (ties in a random order
    drawn from ``rng``, so that equal angles never look separated) into a circular sequence.
    For a group of ``n_g`` nodes, its *sector* is the window of ``n_g`` consecutive positions of
    the circle holding the most of its members, ``h_g`` of them. The score is
    ``S = sum_g h_g / n``: the fraction of nodes that fall inside their own group's sector; it
    is 1 exactly when every group is contiguous on the circle, and it is invariant to rotations
    and reflections. ``S`` is compared with its value under ``n_perm`` uniformly random circular
    orders of the same group sizes (random angles): ``E`` is their mean, and

        ``ASI = (S - E) / (1 - E)``

    is 1 for perfectly separated groups, about 0 for random angles (below 0: more mixed than
    random). ``p_value`` is the share of random orders with a score ``>= S``, ``(c + 1) /
    (n_perm + 1)``. Cost ``O(n_perm * n_groups * n)``, vectorised.

    Parameters
    ----------
    theta : array_like of float
        Angular coordinates (radians; NaN for nodes to leave out, as
        :func:`coalescent_embedding` returns for nodes outside the largest component).
    groups : array_like
        Group label of each node (any hashable values, e.g. the layer of each neuron).
    n_perm : int
        Random circular orders for ``E`` and the p-value.
    rng : int or numpy.random.Generator
        Seed of the tie-breaking and the random orders.

    Returns
    -------
    AngularSeparability

    Examples
    --------
    >>> theta = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> groups = np.repeat([0, 1, 2], 10)
    >>> res = angular_separability(theta, groups, n_perm=100)
    >>> res.score, res.asi, round(res.p_value, 3)
    (1.0, 1.0, 0.01)
    >>> mixed = angular_separability(theta, np.tile([0, 1, 2], 10), n_perm=100)
    >>> bool(mixed.asi < 0.1)
    True
    """
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    theta = np.asarray(theta, dtype=np.float64)
    groups = np.asarray(groups)
    if theta.ndim != 1 or groups.ndim != 1:
        raise ValueError("theta and groups must be 1-D arrays")
    if theta.size != groups.size:
        raise ValueError(f"theta has {theta.size} entries but groups has {groups.size}")
    keep = np.isfinite(theta)
    theta, groups = theta[keep], groups[keep]
    names, codes = np.unique(groups, return_inverse=True)
    if names.size < 2:
        raise ValueError(
            f"need at least 2 groups with a finite angle, got {names.size}: separability of one "
            "group is undefined"
        )
    gen = as_rng(rng)
    n = theta.size
    order = np.lexsort((gen.random(n), np.mod(theta, 2 * np.pi)))
    sequence = codes[order]
    sizes = np.bincount(codes, minlength=names.size)
    hits = _best_sector_hits(sequence[None, :], sizes)[0]
    score = float(hits.sum() / n)
    null = np.empty(n_perm)
    for start in range(0, n_perm, _CHUNK):  # bounded memory: _CHUNK orders at a time
        stop = min(start + _CHUNK, n_perm)
        orders = np.array([gen.permutation(sequence) for _ in range(stop - start)])
        null[start:stop] = _best_sector_hits(orders, sizes).sum(axis=1) / n
    expectation = float(null.mean())
    asi = (score - expectation) / (1.0 - expectation) if expectation < 1.0 else float("nan")
    p_value = float((np.count_nonzero(null >= score - 1e-12) + 1) / (n_perm + 1))
    group_scores = {
        _plain(name): float(h / s) for name, h, s in zip(names, hits, sizes, strict=True)
    }
    return AngularSeparability(float(asi), score, expectation, p_value, group_scores, int(n))


def _best_sector_hits(sequences: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each row (a circular label sequence) and group: most members in a window of its size."""
    n_rows, n = sequences.shape
    out = np.zeros((n_rows, sizes.size), dtype=np.int64)
    for g, size in enumerate(sizes):
        member = (sequences == g).astype(np.int64)
        circular = np.concatenate([member, member[:, : size - 1]], axis=1)
        csum = np.concatenate([np.zeros((n_rows, 1), np.int64), np.cumsum(circular, axis=1)], 1)
        windows = csum[:, size:size + n] - csum[:, :n]
        out[:, g] = windows.max(axis=1)
    return out


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
