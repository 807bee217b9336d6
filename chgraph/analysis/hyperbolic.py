"""Coalescent embedding of a network in the hyperbolic disk (the 2-D native representation).

Muscoloni, Thomas, Ciucci, Bianconi and Cannistraci, "Machine learning meets complex networks
via coalescent embedding in the hyperbolic space", Nat. Commun. 8, 1615 (2017); Cacciola et al.,
"Coalescent embedding in the hyperbolic space unsupervisedly discloses the hidden geometry of
the brain", arXiv:1705.04192 (2017). The CHT studies (Zhang et al., "Epitopological learning and
Cannistraci-Hebb network shape intelligence brain-inspired theory for ultra-sparse advantage in
deep learning", ICLR 2024; the CHTs paper, NeurIPS 2025) embed sparse networks this way to show
their hyperbolic, community-organised geometry.

Three steps: (1) pre-weight the links by repulsion-attraction (RA), which makes links between
hubs and links with few common neighbours long; (2) a nonlinear dimension reduction to 2-D
(Isomap or Laplacian eigenmaps), whose polar angle is the angular coordinate (optionally made
equidistant); (3) radial coordinates from the degree ranks, as in the popularity-similarity
(PSO) model. Written here from the papers' descriptions with numpy/scipy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..graph import csr_row_indices
from ._common import as_network, check_real, largest_component
from .degrees import powerlaw_fit

__all__ = ["HyperbolicEmbedding", "ra_weights", "coalescent_embedding"]

_WEIGHTINGS = ("RA1", "RA2", None)
_METHODS = ("isomap", "laplacian")
_DENSE_EIGEN = 400  # up to this many nodes: dense eigensolver; beyond: Lanczos (eigsh)


class HyperbolicEmbedding(NamedTuple):
    """Polar coordinates in the hyperbolic disk (curvature ``-zeta^2``); NaN outside the LCC."""

    r: np.ndarray
    theta: np.ndarray  #: in [0, 2 pi)
    gamma: float  #: power-law exponent used for the radii (NaN when no fit was possible)
    beta: float  #: popularity fading 1 / (gamma - 1), clipped to [0, 1]
    in_lcc: np.ndarray  #: nodes of the embedded largest connected component

    def cartesian(self) -> np.ndarray:
        """``(n, 2)`` coordinates ``r cos(theta), r sin(theta)`` for plotting."""
        return np.column_stack([self.r * np.cos(self.theta), self.r * np.sin(self.theta)])


def ra_weights(obj, kind: str = "RA1", *, bipartite: bool | None = None) -> sp.csr_array:
    """Repulsion-attraction weights of the links (Muscoloni et al. 2017).

    ``RA1: x_ij = (k_i + k_j + k_i k_j) / (1 + CN_ij)`` and
    ``RA2: x_ij = (1 + e_i + e_j + e_i e_j) / (1 + CN_ij)``, with ``CN_ij`` the common neighbours
    of the linked nodes ``i, j`` and ``e_i = k_i - CN_ij - 1`` the links of ``i`` outside them.
    Large ``x`` = a long link (hubs repel, common neighbours attract). A layer is read as a graph
    on ``n_in + n_out`` nodes (inputs first); there ``CN_ij = 0`` on every link.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric, the weights on the links.

    Examples
    --------
    >>> import networkx as nx
    >>> ra_weights(nx.path_graph(3)).toarray().tolist()
    [[0.0, 5.0, 0.0], [5.0, 0.0, 5.0], [0.0, 5.0, 0.0]]
    """
    if kind not in ("RA1", "RA2"):
        raise ValueError(f"kind must be 'RA1' or 'RA2', got {kind!r}")
    return _ra(as_network(obj, bipartite).adj, kind)


def _ra(adj: sp.csr_array, kind: str) -> sp.csr_array:
    a = sp.csr_array(adj, dtype=np.float64)
    a.sort_indices()
    k = np.diff(a.indptr).astype(np.float64)
    # 1 + common neighbours on the pattern of the links (the product keeps a subset of it)
    one_plus_cn = a + (a @ a).multiply(a)
    one_plus_cn.sort_indices()
    cn = one_plus_cn.data - 1.0
    rows = csr_row_indices(a.indptr)
    ki, kj = k[rows], k[a.indices]
    if kind == "RA1":
        x = (ki + kj + ki * kj) / (1.0 + cn)
    else:
        ei, ej = ki - cn - 1.0, kj - cn - 1.0
        x = (1.0 + ei + ej + ei * ej) / (1.0 + cn)
    return sp.csr_array((x, a.indices.copy(), a.indptr.copy()), shape=a.shape)


def coalescent_embedding(
    obj,
    *,
    method: str = "isomap",
    weighting: str | None = "RA1",
    equidistant: bool = False,
    gamma: float | None = None,
    zeta: float = 1.0,
    bipartite: bool | None = None,
) -> HyperbolicEmbedding:
    """Embed a network in the hyperbolic disk by coalescent embedding.

    Angular coordinates: the links are pre-weighted (``weighting``, see :func:`ra_weights`;
    ``None``: all 1) and reduced to two dimensions:

    * ``"isomap"``: classical multidimensional scaling of the shortest-path distances over the
      weighted links (Tenenbaum et al., Science 290, 2319, 2000);
    * ``"laplacian"``: Laplacian eigenmaps (Belkin and Niyogi, 2003) of the graph with affinities
      ``1 / x_ij`` (this project's choice of turning RA distances into similarities): the
      generalised eigenvectors 2 and 3 of ``L v = lambda D v``.

    ``theta`` is the polar angle of the 2-D point; ``equidistant=True`` keeps the angular order
    and spaces the nodes evenly (``2 pi rank / n``, the papers' equidistant adjustment).
    Radial coordinates (PSO model): nodes ranked by decreasing degree (ties by index),
    ``r_i = (2 / zeta) (beta ln i + (1 - beta) ln n)`` with ``beta = 1 / (gamma - 1)`` clipped
    to ``[0, 1]``; ``gamma`` is the power-law exponent of the degrees (:func:`powerlaw_fit`)
    unless given; when no fit is possible (homogeneous or too few degrees) ``gamma`` is NaN and
    ``beta = 0`` (every node on the same circle, as for ``gamma -> inf``).

    Only the largest connected component is embedded; other nodes get NaN and
    ``in_lcc = False``. Cost: Isomap stores all ``n^2`` distances (8 n^2 bytes: 0.8 GB at
    10^4 nodes) and runs ``n`` Dijkstra searches; Laplacian eigenmaps are sparse (``O(m)`` per
    Lanczos iteration) and scale to large networks.

    Parameters
    ----------
    obj : network
        A layer, graph, networkx/igraph graph or matrix (see :func:`degree_distribution`).
    method : {"isomap", "laplacian"}
    weighting : {"RA1", "RA2", None}
    equidistant : bool
    gamma : float, optional
        Power-law exponent for the radii; default fitted.
    zeta : float
        ``sqrt(-K)`` of the disk's curvature ``K`` (default 1).
    bipartite : bool, optional
        Force reading ``obj`` as a layer (True) or as a unipartite graph (False).

    Returns
    -------
    HyperbolicEmbedding

    Examples
    --------
    The angular order of a ring follows the ring:

    >>> import networkx as nx
    >>> emb = coalescent_embedding(nx.cycle_graph(12), equidistant=True)
    >>> order = np.argsort(emb.theta)
    >>> sorted(int(d) for d in np.abs(np.diff(order)) % 10)  # neighbours on the circle
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    >>> float(np.ptp(emb.r)), emb.beta  # regular: no power law, one circle
    (0.0, 0.0)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if weighting not in _WEIGHTINGS:
        raise ValueError(f"weighting must be one of {_WEIGHTINGS}, got {weighting!r}")
    zeta = check_real(zeta, "zeta")
    if zeta <= 0:
        raise ValueError(f"zeta must be positive, got {zeta}")
    if gamma is not None:
        gamma = check_real(gamma, "gamma")
        if gamma <= 1:
            raise ValueError(f"gamma must be > 1, got {gamma}")
    net = as_network(obj, bipartite)
    n_total = net.n_nodes
    nodes = largest_component(net.adj)
    r = np.full(n_total, np.nan)
    theta = np.full(n_total, np.nan)
    in_lcc = np.zeros(n_total, dtype=bool)
    in_lcc[nodes] = True
    n = nodes.size
    if n < 3:
        raise ValueError(f"the largest connected component has {n} node(s); at least 3 needed")
    sub = sp.csr_array(net.adj[nodes][:, nodes], dtype=np.float64)
    w = _ra(sub, weighting) if weighting else sub
    coords = _isomap(w) if method == "isomap" else _laplacian(w)
    angles = np.mod(np.arctan2(coords[:, 1], coords[:, 0]), 2 * np.pi)
    if equidistant:
        rank = np.empty(n, dtype=np.int64)
        rank[np.lexsort((np.arange(n), angles))] = np.arange(n)
        angles = 2 * np.pi * rank / n
    theta[nodes] = angles
    k = np.diff(sub.indptr)
    if gamma is None:
        try:
            gamma = powerlaw_fit(k).alpha
        except ValueError:
            gamma = float("nan")
    beta = float(np.clip(1.0 / (gamma - 1.0), 0.0, 1.0)) if np.isfinite(gamma) else 0.0
    rank = np.empty(n, dtype=np.float64)
    rank[np.lexsort((np.arange(n), -k))] = np.arange(1, n + 1)
    r[nodes] = (2.0 / zeta) * (beta * np.log(rank) + (1.0 - beta) * np.log(n))
    return HyperbolicEmbedding(r, theta, float(gamma), beta, in_lcc)


def _isomap(w: sp.csr_array) -> np.ndarray:
    from scipy.sparse.csgraph import shortest_path

    d = shortest_path(w, method="D", directed=False)
    d2 = d**2
    # classical MDS: double-centred squared distances, top two eigenvectors
    b = -0.5 * (d2 - d2.mean(axis=0) - d2.mean(axis=1)[:, None] + d2.mean())
    vals, vecs = _top_eigen(b, 2, which="LA")
    return _fix_signs(vecs * np.sqrt(np.maximum(vals, 0.0)))


def _laplacian(w: sp.csr_array) -> np.ndarray:
    aff = w.copy()
    aff.data = 1.0 / aff.data
    deg = np.asarray(aff.sum(axis=1)).ravel()
    inv_sqrt = 1.0 / np.sqrt(deg)
    s = sp.diags_array(inv_sqrt) @ aff @ sp.diags_array(inv_sqrt)
    # smallest eigenvalues of I - S are the largest of S; skip the trivial first one
    _, vecs = _top_eigen(s, 3, which="LA")
    return _fix_signs(vecs[:, 1:3] * inv_sqrt[:, None])


def _top_eigen(m, k: int, which: str):
    """The ``k`` largest eigenpairs of a symmetric matrix, largest first."""
    n = m.shape[0]
    if n <= _DENSE_EIGEN:
        dense = m.toarray() if sp.issparse(m) else m
        vals, vecs = np.linalg.eigh(dense)
        vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    else:
        from scipy.sparse.linalg import eigsh

        v0 = np.ones(n) / np.sqrt(n) + np.linspace(0.0, 1e-3, n)  # deterministic start
        vals, vecs = eigsh(m, k=k, which=which, v0=v0)
        order = np.argsort(vals)[::-1]
        vals, vecs = vals[order], vecs[:, order]
    if vecs.shape[1] < k:
        vecs = np.pad(vecs, ((0, 0), (0, k - vecs.shape[1])))
        vals = np.pad(vals, (0, k - vals.size))
    return vals, vecs


def _fix_signs(x: np.ndarray) -> np.ndarray:
    """Eigenvectors have arbitrary signs: make each column's largest entry positive."""
    idx = np.argmax(np.abs(x), axis=0)
    signs = np.sign(x[idx, np.arange(x.shape[1])])
    signs[signs == 0] = 1.0
    return x * signs
