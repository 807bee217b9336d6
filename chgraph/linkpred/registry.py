"""The one registry of link predictors.

Every predictor of the Cannistraci-Hebb family is a sum, over the paths of length ``L`` between
the two seed nodes, of a term built from each intermediate node's degree ``k``, internal degree
``di`` (links towards the local community) and external degree ``de``. The term of a path is the
geometric mean, over its intermediate nodes, of one *node factor* ``psi(k, di, de)``:

==========  ===============================  ======================================
name        node factor psi(k, di, de)       term of an L3 path i-a-b-o
==========  ===============================  ======================================
CN          1                                1
RA          1 / k                            1 / sqrt(k_a k_b)
CH1         di / k                           gm(di) / gm(k)
CH2         (1 + di) / (1 + de)              gm(1 + di) / gm(1 + de)
CH3         1 / (1 + de)                     1 / gm(1 + de)
CH3.1       1 / (1 / (1 + di) + de)          1 / gm(1 / (1 + di) + de)
==========  ===============================  ======================================

On L2 paths (one intermediate) the geometric mean of one node is its own factor.
The node-based approximations ``-L3n`` (CHTs) weigh each local-community node once instead of
once per path; they are distinct predictors, never the exact score.

A new predictor is one :class:`LinkPredictor` entry here (plus, for a new node factor, one case in
:func:`chgraph.linkpred._kernels.node_factor`).

References
----------
.. [1] Muscoloni, Abdelhamid, Cannistraci, "Local-community network automata modelling based on
   length-three-paths for prediction of complex network structures in protein interactomes,
   food webs and more", bioRxiv 346916 (2018).
.. [2] Zhang et al., "Epitopological learning and Cannistraci-Hebb network shape intelligence
   brain-inspired theory for ultra-sparse advantage in deep learning", ICLR 2024.
.. [3] Hua et al., "Cannistraci-Hebb Training on Ultra-Sparse Spiking Neural Networks",
   ICLR 2026.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LinkPredictor", "PREDICTORS", "get_predictor", "available_predictors"]

# node-factor codes understood by the numba kernels (chgraph.linkpred._kernels.node_factor)
PSI_CN, PSI_RA, PSI_CH1, PSI_CH2, PSI_CH3, PSI_CH31 = range(6)


@dataclass(frozen=True)
class LinkPredictor:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        The public name, e.g. ``"CH3-L3"``.
    psi : int
        The node-factor code (see the module docstring).
    path_length : int
        2 or 3.
    node_based : bool
        True for the ``-L3n`` approximations (bipartite layers only).
    bipartite, unipartite : bool
        Where the predictor is defined.
    summary : str
        One line for listings.
    """

    name: str
    psi: int
    path_length: int
    node_based: bool
    bipartite: bool
    unipartite: bool
    summary: str


def _entries():
    factors = [
        ("CN", PSI_CN, "common neighbours: the number of paths"),
        ("RA", PSI_RA, "resource allocation: 1 / gm(k) per path"),
        ("CH1", PSI_CH1, "Cannistraci-Hebb 1: gm(di) / gm(k) per path"),
        ("CH2", PSI_CH2, "Cannistraci-Hebb 2: gm(1+di) / gm(1+de) per path"),
        ("CH3", PSI_CH3, "Cannistraci-Hebb 3: 1 / gm(1+de) per path (CH-SNN regrowth)"),
        ("CH3.1", PSI_CH31, "Cannistraci-Hebb 3.1: 1 / gm(1/(1+di) + de) per path"),
    ]
    for prefix, psi, summary in factors:
        yield LinkPredictor(f"{prefix}-L3", psi, 3, False, True, True, summary + ", L3 paths")
        yield LinkPredictor(f"{prefix}-L2", psi, 2, False, False, True, summary + ", L2 paths")
    for prefix, psi in (("CH2", PSI_CH2), ("CH3", PSI_CH3), ("CH3.1", PSI_CH31)):
        yield LinkPredictor(
            f"{prefix}-L3n", psi, 3, True, True, False,
            f"node-based approximation of {prefix}-L3 (CHTs): each community node once",
        )


#: Every link predictor by name (``"CH3-L3"``, ...); :func:`get_predictor` looks one up.
PREDICTORS: dict[str, LinkPredictor] = {p.name: p for p in _entries()}


def available_predictors(bipartite: bool | None = None) -> list[str]:
    """Names of the registered predictors, optionally only those for one kind of graph.

    >>> "CH3-L3" in available_predictors(bipartite=True)
    True
    >>> "CH3-L2" in available_predictors(bipartite=True)
    False
    """
    return [
        name
        for name, p in PREDICTORS.items()
        if bipartite is None or (p.bipartite if bipartite else p.unipartite)
    ]


def get_predictor(method: str | LinkPredictor, bipartite: bool) -> LinkPredictor:
    """Look a predictor up by name; a clear ``ValueError`` lists the known ones.

    ``method`` is a name of :data:`PREDICTORS` (or a :class:`LinkPredictor`, returned as it
    is); ``bipartite`` says on which kind of graph it will run. (The training methods of
    ``chsnn`` have their own registry, ``chsnn.methods.get_method``.)

    >>> get_predictor("CH3-L3", bipartite=True).path_length
    3
    >>> get_predictor("ch3-l3", bipartite=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown link-prediction method 'ch3-l3' (did you mean 'CH3-L3'?); ...
    """
    if isinstance(method, LinkPredictor):
        predictor = method
    else:
        if not isinstance(method, str):
            raise TypeError(f"method must be a name such as 'CH3-L3', got {type(method).__name__}")
        predictor = PREDICTORS.get(method)
        if predictor is None:
            folded = {k.lower(): k for k in PREDICTORS}
            hint = folded.get(method.strip().lower())
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise ValueError(
                f"unknown link-prediction method {method!r}{extra}; known methods: "
                + ", ".join(PREDICTORS)
            )
    ok = predictor.bipartite if bipartite else predictor.unipartite
    if not ok:
        kind = "bipartite layers" if bipartite else "unipartite graphs"
        raise ValueError(
            f"method {predictor.name!r} is not defined on {kind}; methods for {kind}: "
            + ", ".join(available_predictors(bipartite))
        )
    return predictor
