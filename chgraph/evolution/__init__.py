"""Topology evolution of CH-SNN / CHT on numpy weights and masks of a chain of layers.

Arrays use the engine's orientation: ``n_in x n_out`` (rows = inputs); the torch adapters
transpose. Stages (docs/method.md, section 3):

* initial topologies: :func:`sscti_topology` (with :func:`spike_correlation`),
  :func:`random_equal_degree`, :func:`bipartite_small_world`, :func:`bipartite_scale_free`;
* weights: :func:`sswi`, :func:`swi`;
* removal: :func:`removal_scores`, :func:`keep_links`, :func:`remove_links`;
* percolation: :func:`percolate`;
* regrowth: :func:`regrow`;
* the schedule :class:`EvolutionSchedule` and one step :func:`evolve` (on dense arrays) or
  :func:`evolve_links` (on link lists, for large layers and the torch adapters).

Every function takes a seed or ``numpy.random.Generator`` and never modifies its inputs.
"""

from ._util import n_links_for
from .init_topology import (
    SSCTI_RULES,
    bipartite_scale_free,
    bipartite_small_world,
    random_equal_degree,
    random_equal_degree_links,
    spike_correlation,
    sscti_topology,
)
from .init_weights import (
    SSWI_RULES,
    current_power,
    match_current,
    normal_on_links,
    sswi,
    sswi_std,
    swi,
    swi_std,
    temporal_sparsity,
)
from .percolation import percolate
from .regrowth import regrow
from .removal import REMOVAL_SCORES, keep_links, removal_scores, remove_links
from .schedule import EvolutionSchedule
from .step import EvolutionResult, LayerStats, LinkEvolution, evolve, evolve_links

__all__ = [
    "n_links_for",
    "spike_correlation",
    "sscti_topology",
    "SSCTI_RULES",
    "random_equal_degree",
    "random_equal_degree_links",
    "bipartite_small_world",
    "bipartite_scale_free",
    "temporal_sparsity",
    "current_power",
    "match_current",
    "SSWI_RULES",
    "sswi_std",
    "sswi",
    "swi_std",
    "swi",
    "normal_on_links",
    "REMOVAL_SCORES",
    "removal_scores",
    "keep_links",
    "remove_links",
    "percolate",
    "regrow",
    "EvolutionSchedule",
    "EvolutionResult",
    "LayerStats",
    "evolve",
    "LinkEvolution",
    "evolve_links",
]
