"""Initial topologies with an exact number of links (docs/method.md, section 3.1).

Every function returns a new boolean mask ``n_in x n_out`` (rows = inputs) with exactly
``n_links_for(shape, sparsity)`` links.

* :func:`sscti_topology` / :func:`spike_correlation`: SSCTI, the spike-correlated topology.
* :func:`random_equal_degree`: random links, every node's degree the same up to one (the
  project's default for every layer but the first).
* :func:`bipartite_small_world`, :func:`bipartite_scale_free`: CHT's correlation-free
  alternatives, for comparison.
"""

from __future__ import annotations

import numpy as np

from .. import checks
from ..memory import available_memory, format_bytes
from ._util import as_rng, check_shape, n_links_for, top_k_flat

__all__ = [
    "spike_correlation",
    "sscti_topology",
    "SSCTI_RULES",
    "random_equal_degree",
    "random_equal_degree_links",
    "bipartite_small_world",
    "bipartite_scale_free",
]


def spike_correlation(spikes) -> np.ndarray:
    """``|phi|`` between input units of recorded spike trains, diagonal 0, NaN -> 0.

    Parameters
    ----------
    spikes : array_like, shape ``(..., n_in)``
        Spike trains; every index of the leading axes (sample, time step) is one observation.
        For 0/1 data the Pearson correlation is the phi coefficient.

    Returns
    -------
    numpy.ndarray
        ``n_in x n_in`` float64 in ``[0, 1]``; silent or always-on units correlate 0.

    Examples
    --------
    >>> x = np.array([[1, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0]])
    >>> spike_correlation(x).round(3).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    x = np.asarray(spikes)
    if x.ndim < 2:
        raise ValueError(f"spikes must have shape (..., n_in) with >= 2 dims, got {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_) or np.iscomplexobj(x):
        raise TypeError(f"spikes must hold real numbers or booleans, got dtype {x.dtype}")
    obs, n = int(np.prod(x.shape[:-1])), x.shape[-1]
    need = 8 * (n * n + obs * n)   # the n x n result and the centred float64 observations
    free = available_memory()
    if free is not None and need > free:
        raise MemoryError(
            f"spike_correlation: {n:,} input units need {format_bytes(need)} (an {n:,} x {n:,} "
            f"float64 matrix and the centred observations), {format_bytes(free)} is available; "
            "SSCTI does not fit: skip it (CHSNN(sscti=False), chsnn train --method "
            "chsnn-no-sscti) or give the first sparse layer fewer inputs")
    x = x.reshape(-1, n).astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("spikes has non-finite entries")
    if x.shape[0] < 2:
        raise ValueError("spikes needs at least 2 observations to correlate")
    x -= x.mean(axis=0)
    corr = x.T @ x
    del x
    std = np.sqrt(np.diag(corr))
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(0, n, 1024):  # cov / outer(std, std), a block of rows at a time
            block = corr[a:a + 1024]
            block /= np.outer(std[a:a + 1024], std)
            np.abs(block, out=block)
            block[~np.isfinite(block)] = 0.0
    np.fill_diagonal(corr, 0.0)
    return np.minimum(corr, 1.0, out=corr)


#: the rules of :func:`sscti_topology`
SSCTI_RULES = ("tiled", "per-neuron", "per-neuron-distinct")


def sscti_topology(correlation, n_out: int, sparsity: float, *, rule: str = "tiled") -> np.ndarray:
    """SSCTI: links from the strongest entries of the input correlation.

    Output unit ``j`` takes the correlation profile (a row of ``correlation``) of one input
    unit, and ``(1 - S) n_in n_out`` links are kept:

    * ``"tiled"`` (the paper's rule): the profile of input ``j mod n_in``; the largest entries
      of the tiled ``n_in x n_out`` matrix become links, ties broken by the smaller (row-major)
      index. Output units whose input never fires (a zero profile, e.g. an image's border
      pixel) get no link at all while the links pile up on the others.
    * ``"per-neuron"``: the profiles of the inputs with a non-zero profile only, taken in turn
      (output ``j`` takes the ``(j mod m)``-th of those ``m`` inputs), and every output unit
      keeps the top entries of its own profile (``floor`` or ``ceil`` of ``links / n_out``,
      the first outputs taking the extra links; ties by the smaller input index): every
      output unit gets inputs, the strongest correlations of its own. With more outputs than
      such inputs, outputs that share a profile get the same links.
    * ``"per-neuron-distinct"``: as ``"per-neuron"``, but the outputs that share a profile
      take successive slices of its ranking (the first the top entries, the next the entries
      after those, and so on; ties by the smaller input index), so no two outputs start with
      the same inputs while each still listens to inputs correlated with its profile's unit.

    Parameters
    ----------
    correlation : array_like, ``n_in x n_in``
        For example :func:`spike_correlation` of the layer's input spike trains.
    n_out : int
        Number of outputs of the layer.
    sparsity : float
        In ``(0, 1)``.
    rule : {"tiled", "per-neuron", "per-neuron-distinct"}
        See above.

    Examples
    --------
    >>> c = np.array([[0.0, 0.9, 0.1], [0.9, 0.0, 0.2], [0.1, 0.2, 0.0]])
    >>> sscti_topology(c, 4, 0.5).astype(int).tolist()
    [[0, 1, 1, 0], [1, 0, 1, 1], [0, 1, 0, 0]]
    >>> sscti_topology(c, 4, 0.5, rule="per-neuron").sum(axis=0).tolist()
    [2, 2, 1, 1]
    >>> sscti_topology(c, 6, 0.75, rule="per-neuron-distinct").T.astype(int).tolist()[::3]
    [[0, 1, 0], [0, 0, 1]]
    """
    if rule not in SSCTI_RULES:
        raise ValueError(f"rule must be one of {SSCTI_RULES}, got {rule!r}")
    c = np.asarray(correlation, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"correlation must be a square n_in x n_in matrix, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("correlation has non-finite entries")
    n_in = c.shape[0]
    shape = check_shape((n_in, n_out))
    k = n_links_for(shape, sparsity)
    mask = np.zeros(shape, dtype=bool)
    if rule == "tiled":
        reps = -(-n_out // n_in)
        tiled = np.tile(c, (1, reps))[:, :n_out]
        mask.flat[top_k_flat(tiled.ravel(), k)] = True
        return mask
    active = np.flatnonzero((c > 0).any(axis=1))
    if active.size == 0:  # nothing correlates: every profile is zero
        active = np.arange(n_in)
    per, extra = divmod(k, n_out)
    taken = np.zeros(active.size, dtype=np.int64)  # per profile: ranks handed out so far
    for j in range(n_out):
        d = per + (j < extra)
        if not d:
            continue
        profile = c[active[j % active.size]]
        if rule == "per-neuron":
            mask[top_k_flat(profile, d), j] = True
            continue
        ranking = np.lexsort((np.arange(n_in), -profile))  # descending, ties by index
        start = taken[j % active.size] % n_in
        mask[np.take(ranking, np.arange(start, start + d), mode="wrap"), j] = True
        taken[j % active.size] += d
    return mask


def random_equal_degree(shape, sparsity: float, rng) -> np.ndarray:
    """Random links with every input's and every output's degree equal up to one.

    Degrees are ``floor`` or ``ceil`` of ``links / n`` on each side (which nodes get the extra
    link is random); links are matched at random, then duplicates are removed by random
    degree-preserving swaps. Above 50% density the complement is built instead. The mask of
    :func:`random_equal_degree_links` (same seed, same links).

    Examples
    --------
    >>> m = random_equal_degree((4, 6), 0.5, rng=0)
    >>> int(m.sum()), m.sum(axis=1).tolist(), m.sum(axis=0).tolist()
    (12, [3, 3, 3, 3], [2, 2, 2, 2, 2, 2])
    """
    n_in, n_out = check_shape(shape)
    mask = np.zeros(n_in * n_out, dtype=bool)
    mask[random_equal_degree_links(shape, sparsity, rng)] = True
    return mask.reshape(n_in, n_out)


def random_equal_degree_links(shape, sparsity: float, rng) -> np.ndarray:
    """:func:`random_equal_degree` as flat link indices ``i * n_out + o``, ascending.

    Memory follows the links, not ``n_in x n_out`` (below 50% density), so it serves layers
    far too large for a dense mask.

    >>> random_equal_degree_links((2, 3), 0.5, rng=0).size
    3
    """
    n_in, n_out = check_shape(shape)
    k = n_links_for(shape, sparsity)
    rng = as_rng(rng)
    if 2 * k > n_in * n_out:
        absent = np.zeros(n_in * n_out, dtype=bool)
        absent[_equal_degree_links(n_in, n_out, n_in * n_out - k, rng)] = True
        return np.flatnonzero(~absent).astype(np.int64)
    return _equal_degree_links(n_in, n_out, k, rng)


def _balanced_degrees(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    deg = np.full(n, k // n, dtype=np.int64)
    deg[rng.permutation(n)[: k % n]] += 1
    return deg


def _equal_degree_links(n_in: int, n_out: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct links with balanced degrees, as ascending flat indices."""
    rows = np.repeat(np.arange(n_in, dtype=np.int64), _balanced_degrees(n_in, k, rng))
    cols = np.repeat(np.arange(n_out, dtype=np.int64),
                     _balanced_degrees(n_out, k, rng))[rng.permutation(k)]
    flat = rows * n_out + cols
    order = np.argsort(flat, kind="stable")
    dup = np.zeros(k, dtype=bool)
    dup[order[1:]] = flat[order[1:]] == flat[order[:-1]]
    if dup.any():  # few at density <= 50%: multiplicities of the occupied cells in a dict
        cells, counts = np.unique(flat, return_counts=True)
        count = dict(zip(cells.tolist(), counts.tolist(), strict=True))
    for s in np.flatnonzero(dup):
        for _ in range(100_000):
            u = int(rng.integers(k))
            rs, cs, ru, cu = rows[s], cols[s], rows[u], cols[u]
            a, b = int(rs * n_out + cu), int(ru * n_out + cs)
            if count.get(a, 0) == 0 and count.get(b, 0) == 0 and rs != ru:
                count[int(rs * n_out + cs)] -= 1
                count[int(ru * n_out + cu)] -= 1
                count[a] = 1
                count[b] = 1
                cols[s], cols[u] = cu, cs
                break
        else:  # pragma: no cover - astronomically unlikely below 50% density
            raise RuntimeError("could not place the links without duplicates")
    return np.unique(rows * n_out + cols)


def bipartite_small_world(shape, sparsity: float, rng, beta: float = 0.25) -> np.ndarray:
    """A bipartite small-world (Watts-Strogatz-like) topology, as offered by CHT.

    Inputs and outputs are placed on a ring; input ``i`` links to the ``d_i`` outputs nearest
    to its position (degrees ``floor``/``ceil`` of ``links / n_in``); then every link moves,
    with probability ``beta``, to a random output the input is not yet linked to.

    Examples
    --------
    >>> m = bipartite_small_world((4, 8), 0.5, rng=0, beta=0.0)
    >>> m.astype(int).tolist()[0]
    [1, 1, 1, 0, 0, 0, 0, 1]
    """
    n_in, n_out = check_shape(shape)
    k = n_links_for(shape, sparsity)
    beta = checks.fraction("beta", beta)
    rng = as_rng(rng)
    deg = np.full(n_in, k // n_in, dtype=np.int64)
    deg[np.floor(np.arange(k % n_in) * n_in / max(k % n_in, 1)).astype(np.int64)] += 1
    mask = np.zeros((n_in, n_out), dtype=bool)
    centre = np.floor((np.arange(n_in) + 0.5) * n_out / n_in).astype(np.int64)
    for i in range(n_in):
        mask[i, (centre[i] - deg[i] // 2 + np.arange(deg[i])) % n_out] = True
    move = rng.random(k) < beta
    r_link, c_link = np.nonzero(mask)
    for t in np.flatnonzero(move):
        i = r_link[t]
        free = np.flatnonzero(~mask[i])
        if free.size:
            mask[i, c_link[t]] = False
            mask[i, free[rng.integers(free.size)]] = True
    return mask


def bipartite_scale_free(shape, sparsity: float, rng, gamma: float = 2.5) -> np.ndarray:
    """A bipartite scale-free topology (static model), as offered by CHT.

    Each node gets a fitness ``rank^(-1 / (gamma - 1))`` (ranks shuffled at random on each
    side); the links are drawn without replacement with probability proportional to the
    product of the two fitnesses, so degrees follow a power law of exponent about ``gamma``.

    Examples
    --------
    >>> m = bipartite_scale_free((20, 30), 0.9, rng=0)
    >>> int(m.sum())
    60
    """
    n_in, n_out = check_shape(shape)
    k = n_links_for(shape, sparsity)
    gamma = checks.real("gamma", gamma, 2.0, open_low=True)
    rng = as_rng(rng)
    alpha = 1.0 / (float(gamma) - 1.0)
    f_in = (1.0 + rng.permutation(n_in)) ** -alpha
    f_out = (1.0 + rng.permutation(n_out)) ** -alpha
    logw = (np.log(f_in)[:, None] + np.log(f_out)[None, :]).ravel()
    # Efraimidis-Spirakis in log space: key = log(E) - log(w), E ~ Exp(1), k smallest win
    with np.errstate(divide="ignore"):
        key = np.log(rng.standard_exponential(logw.size)) - logw
    mask = np.zeros(n_in * n_out, dtype=bool)
    mask[top_k_flat(-key, k)] = True
    return mask.reshape(n_in, n_out)
