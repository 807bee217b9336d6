"""Link turnover between two snapshots of a layer (or of a graph)."""

from __future__ import annotations

from ._common import as_network

__all__ = ["link_turnover"]


def link_turnover(before, after, *, bipartite: bool | None = None) -> dict:
    """How many links changed between two snapshots of the same layer or graph.

    With ``A`` the links of ``before`` and ``B`` those of ``after``:
    ``removed_fraction = |A - B| / |A|`` (share of the old links that are gone),
    ``added_fraction = |B - A| / |B|`` (share of the new links that are new) and
    ``jaccard = |A & B| / |A | B|`` (1 = identical). When the number of links is constant, as in
    CH-SNN / CHT topology evolution, the two fractions are equal (the turnover rate). A fraction
    over an empty set is 0, and the Jaccard index of two empty snapshots is 1.

    Parameters
    ----------
    before, after : network
        Two snapshots of the same shape: layers, graphs, networkx/igraph graphs or matrices
        (see :func:`degree_distribution`); weights are ignored, entries > 0 are links.
    bipartite : bool, optional
        Force reading both as layers (True) or as unipartite graphs (False).

    Returns
    -------
    dict
        ``n_before``, ``n_after``, ``n_common``, ``n_removed``, ``n_added`` (ints) and
        ``removed_fraction``, ``added_fraction``, ``jaccard`` (floats).

    Examples
    --------
    >>> t = link_turnover([[1, 1, 0], [0, 1, 0]], [[1, 0, 1], [0, 1, 0]])
    >>> t["n_removed"], t["n_added"], t["removed_fraction"], t["jaccard"]
    (1, 1, 0.3333333333333333, 0.5)
    """
    a = as_network(before, bipartite)
    b = as_network(after, bipartite)
    if a.bipartite != b.bipartite:
        raise ValueError("before and after must both be layers or both graphs")
    x = a.layer.csr if a.bipartite else a.adj
    y = b.layer.csr if b.bipartite else b.adj
    if x.shape != y.shape:
        raise ValueError(f"the snapshots have different shapes: {x.shape} and {y.shape}")
    halve = 1 if a.bipartite else 2  # a graph's adjacency stores every link twice
    n_a = x.nnz // halve
    n_b = y.nnz // halve
    common = x.multiply(y).nnz // halve
    union = n_a + n_b - common
    return {
        "n_before": int(n_a),
        "n_after": int(n_b),
        "n_common": int(common),
        "n_removed": int(n_a - common),
        "n_added": int(n_b - common),
        "removed_fraction": (n_a - common) / n_a if n_a else 0.0,
        "added_fraction": (n_b - common) / n_b if n_b else 0.0,
        "jaccard": common / union if union else 1.0,
    }
