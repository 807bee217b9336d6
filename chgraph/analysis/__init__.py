"""Network-science measures of sparse layers, chains of layers and graphs.

Every measure takes a *network*: a :class:`~chgraph.BipartiteLayer` (a sparse layer, read as a
bipartite graph with the inputs first), a :class:`~chgraph.Graph`, a networkx or igraph graph,
or a matrix (a biadjacency unless ``bipartite=False``); a networkx graph whose nodes all have a
``bipartite`` attribute is read as a layer. A chain of layers becomes one multipartite network
with :func:`chain_graph`. The field's own libraries do the work where they can: networkx
(Louvain, checks), igraph (optional, faster Louvain), scipy (sparse products, shortest paths,
eigensolvers) and ``powerlaw`` (power-law fits).

* degrees: :func:`degree_distribution`, :func:`powerlaw_fit`, :func:`degree_assortativity`;
* clustering: :func:`clustering`, :func:`average_clustering` (Latapy's bipartite clustering
  for layers, Watts-Strogatz for graphs);
* communities: :func:`communities` (Louvain / greedy), :func:`modularity`;
* paths: :func:`path_lengths` (characteristic path length and global efficiency on the largest
  connected component; sampled sources for large networks);
* null models and small worlds: :func:`degree_preserving_null` (bipartite or double-edge swaps),
  :func:`small_world_sigma`;
* chains: :func:`chain_graph`, :func:`live_neurons`, :func:`live_fraction` (the project's one
  live-neuron fraction), :func:`live_counts` (the same on link lists);
* dynamics: :func:`link_turnover` between two snapshots;
* hyperbolic geometry: :func:`coalescent_embedding` (RA pre-weighting, Isomap or Laplacian
  eigenmaps, PSO radii), :func:`ra_weights`, :func:`angular_separability` (ASI of node groups);
* reports: :func:`summary`, :func:`analyze_layers`, :func:`plot_degree_distributions`.

Every random choice takes ``rng`` (an integer seed or a ``numpy.random.Generator``, default 0),
so results are reproducible. chgraph never imports torch.
"""

from .chain import ChainAdjacency, chain_graph, live_counts, live_fraction, live_neurons
from .clustering import average_clustering, clustering
from .communities import Communities, communities, modularity
from .degrees import (
    DegreeDistribution,
    PowerLawFit,
    degree_assortativity,
    degree_distribution,
    powerlaw_fit,
)
from .hyperbolic import HyperbolicEmbedding, coalescent_embedding, ra_weights
from .null_models import degree_preserving_null
from .paths import PathLengths, path_lengths
from .plotting import plot_degree_distributions
from .separability import AngularSeparability, angular_separability
from .small_world import SmallWorld, small_world_sigma
from .summary import analyze_layers, summary
from .turnover import link_turnover

__all__ = [
    "chain_graph",
    "ChainAdjacency",
    "live_neurons",
    "live_fraction",
    "live_counts",
    "degree_distribution",
    "DegreeDistribution",
    "powerlaw_fit",
    "PowerLawFit",
    "degree_assortativity",
    "clustering",
    "average_clustering",
    "communities",
    "Communities",
    "modularity",
    "path_lengths",
    "PathLengths",
    "degree_preserving_null",
    "small_world_sigma",
    "SmallWorld",
    "link_turnover",
    "coalescent_embedding",
    "HyperbolicEmbedding",
    "ra_weights",
    "angular_separability",
    "AngularSeparability",
    "summary",
    "analyze_layers",
    "plot_degree_distributions",
]
