"""Degree distributions, power-law fits (with the ``powerlaw`` package) and assortativity."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import NamedTuple

import numpy as np

from ._common import as_network, check_int, check_side

__all__ = [
    "DegreeDistribution",
    "degree_distribution",
    "PowerLawFit",
    "powerlaw_fit",
    "degree_assortativity",
]


class DegreeDistribution(NamedTuple):
    """Distinct degrees (ascending, 0 included when present) and how many nodes have each."""

    degrees: np.ndarray
    counts: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.counts.sum())

    def pmf(self) -> np.ndarray:
        """``P(K = k)`` for each of :attr:`degrees`."""
        return self.counts / max(self.n_nodes, 1)

    def ccdf(self) -> np.ndarray:
        """``P(K >= k)`` for each of :attr:`degrees` (the complementary CDF of log-log plots)."""
        return np.cumsum(self.counts[::-1])[::-1] / max(self.n_nodes, 1)


def degree_distribution(obj, side: str = "all", *, bipartite: bool | None = None):
    """Degree distribution of a layer (one side or both) or of a graph.

    Parameters
    ----------
    obj : network
        A :class:`~chgraph.BipartiteLayer`, :class:`~chgraph.Graph`, networkx or igraph graph,
        or a biadjacency matrix (read as in :func:`chgraph.as_layer`; ``bipartite=False`` reads
        it as a symmetric adjacency).
    side : {"all", "in", "out"}
        For a layer: ``"in"`` the input nodes (rows, their fan-out), ``"out"`` the output nodes
        (columns, their fan-in), ``"all"`` both. A graph has only ``"all"``.
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Returns
    -------
    DegreeDistribution
        ``degrees`` and ``counts`` (``counts.sum()`` is the number of nodes of that side), with
        :meth:`~DegreeDistribution.pmf` and :meth:`~DegreeDistribution.ccdf`.

    Examples
    --------
    >>> import numpy as np
    >>> d = degree_distribution(np.array([[1, 1, 0], [1, 0, 0]]), side="out")
    >>> d.degrees.tolist(), d.counts.tolist(), d.ccdf().tolist()
    ([0, 1, 2], [1, 1, 1], [1.0, 0.6666666666666666, 0.3333333333333333])
    """
    net = as_network(obj, bipartite)
    side = check_side(side, net)
    k = net.degrees()[net.side_nodes(side)]
    degrees, counts = np.unique(k, return_counts=True)
    return DegreeDistribution(degrees.astype(np.int64), counts.astype(np.int64))


class PowerLawFit(NamedTuple):
    """Result of :func:`powerlaw_fit` (Clauset-Shalizi-Newman fit by the ``powerlaw`` package)."""

    alpha: float  #: exponent of P(k) ~ k^-alpha (also called gamma)
    xmin: float  #: lower bound of the power-law tail (chosen by minimising D)
    sigma: float  #: standard error of alpha
    D: float  #: Kolmogorov-Smirnov distance between the tail and the fit
    n_tail: int  #: degrees >= xmin
    n: int  #: positive degrees fitted
    R: float  #: normalised log-likelihood ratio, > 0 favours the power law
    p: float  #: p-value of the sign of R
    compared_to: str  #: the alternative distribution of R and p


def powerlaw_fit(
    data,
    side: str = "all",
    *,
    bipartite: bool | None = None,
    xmin: float | None = None,
    compare: str = "lognormal",
    min_points: int = 10,
):
    """Fit a discrete power law to a degree sequence with :class:`powerlaw.Fit`.

    The fit is the maximum-likelihood method of Clauset, Shalizi and Newman (SIAM Review 2009)
    as implemented by Alstott, Bullmore and Plenz's ``powerlaw`` package (PLoS ONE 2014):
    ``xmin`` minimises the Kolmogorov-Smirnov distance ``D``; ``R`` and ``p`` compare the power
    law with ``compare`` by the normalised log-likelihood ratio. Zero degrees are left out.
    ``powerlaw``'s prints and warnings are silenced.

    Parameters
    ----------
    data : 1-D array of degrees, or a network
        A network is reduced to its degrees (of ``side``, see :func:`degree_distribution`).
    side, bipartite
        As in :func:`degree_distribution` (only for a network).
    xmin : float, optional
        Fix the lower bound instead of searching for it.
    compare : str
        Alternative distribution of the likelihood-ratio test (a ``powerlaw`` name:
        ``"lognormal"``, ``"exponential"``, ``"truncated_power_law"``, ``"stretched_exponential"``).
    min_points : int
        Fewest positive degrees accepted (default 10).

    Returns
    -------
    PowerLawFit

    Raises
    ------
    ValueError
        Fewer than ``min_points`` positive degrees, all positive degrees equal (no tail to fit),
        or a fit that ``powerlaw`` cannot make (e.g. a tail of one distinct value).

    Examples
    --------
    >>> k = np.random.default_rng(0).zipf(2.5, 3000)
    >>> fit = powerlaw_fit(k)
    >>> round(fit.alpha, 1), fit.xmin, fit.compared_to
    (2.5, 1.0, 'lognormal')
    >>> powerlaw_fit(np.full(50, 4))
    Traceback (most recent call last):
    ValueError: all 50 positive degrees are equal (4): a power law cannot be fitted
    """
    min_points = check_int(min_points, "min_points", minimum=2)
    if _is_sequence(data):
        arr = np.asarray(data)
        if arr.size and not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"degrees must be numbers, got dtype {arr.dtype}")
        k = arr.astype(np.float64)
        if not np.all(np.isfinite(k)) or np.any(k < 0):
            raise ValueError("degrees must be finite and non-negative")
    else:
        k = _degrees(data, side, bipartite)
    k = k[k > 0]
    if k.size < min_points:
        raise ValueError(
            f"{k.size} positive degrees: too few for a power-law fit (min_points={min_points})"
        )
    if np.all(k == k[0]):
        raise ValueError(
            f"all {k.size} positive degrees are equal ({k[0]:g}): a power law cannot be fitted"
        )
    return _fit(k, xmin, compare)


def _is_sequence(data) -> bool:
    if not isinstance(data, (list, tuple, np.ndarray)):
        return False
    try:
        return np.ndim(data) == 1
    except ValueError:  # ragged nested lists
        return False


def _degrees(obj, side="all", bipartite=None) -> np.ndarray:
    net = as_network(obj, bipartite)
    side = check_side(side, net)
    return net.degrees()[net.side_nodes(side)].astype(np.float64)


def _fit(k: np.ndarray, xmin, compare: str) -> PowerLawFit:
    import powerlaw

    sink = io.StringIO()
    with (
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        warnings.simplefilter("ignore")
        try:
            fit = powerlaw.Fit(k, discrete=True, xmin=xmin, verbose=0)
            alpha = float(fit.power_law.alpha)
            if not np.isfinite(alpha):
                raise ValueError("the fitted exponent is not finite")
            R, p = fit.distribution_compare("power_law", compare, normalized_ratio=True)
            law = fit.power_law
            sigma = float(getattr(law, "standard_err", None) or law.sigma)  # powerlaw >= 2.0
            xmin_fit, distance = float(fit.xmin), float(law.D)
        except (ValueError, ZeroDivisionError, FloatingPointError) as err:
            raise ValueError(f"powerlaw could not fit these {k.size} degrees: {err}") from None
        except AttributeError:
            raise ValueError(f"unknown distribution for compare: {compare!r}") from None
    return PowerLawFit(
        alpha=alpha,
        xmin=xmin_fit,
        sigma=sigma,
        D=distance,
        n_tail=int(np.sum(k >= xmin_fit)),
        n=int(k.size),
        R=float(R),
        p=float(p),
        compared_to=compare,
    )


def degree_assortativity(obj, *, bipartite: bool | None = None) -> float:
    """Degree assortativity: the correlation of the degrees at the two ends of the links.

    For a graph, Newman's coefficient ``r`` (Phys. Rev. Lett. 89, 208701, 2002), equal to
    :func:`networkx.degree_assortativity_coefficient`. For a layer, the Pearson correlation,
    over the links ``(i, o)``, of the input's degree ``k_i`` with the output's degree ``k_o``
    (do hubs among inputs feed hubs among outputs?). Read a layer with ``bipartite=False`` for
    networkx's symmetrised value. NaN when undefined (no links, or constant degrees on a side).

    Examples
    --------
    >>> import networkx as nx
    >>> degree_assortativity(nx.star_graph(4))
    -1.0
    >>> layer = np.array([[1, 1, 1], [1, 0, 0], [0, 1, 0]])  # the hub input feeds hub outputs
    >>> round(degree_assortativity(layer), 3)
    -0.408
    """
    return assortativity(as_network(obj, bipartite))


def assortativity(net) -> float:
    """:func:`degree_assortativity` of a :class:`~chgraph.analysis._common.Network`."""
    k = net.degrees().astype(np.float64)
    coo = net.adj.tocoo()
    if net.bipartite:
        n_in = net.layer.shape[0]
        keep = coo.row < n_in
        x, y = k[coo.row[keep]], k[coo.col[keep]]
    else:
        x, y = k[coo.row], k[coo.col]
    if x.size == 0:
        return float("nan")
    x, y = x - x.mean(), y - y.mean()
    den = np.sqrt(np.dot(x, x) * np.dot(y, y))
    return float(np.dot(x, y) / den) if den > 0 else float("nan")
