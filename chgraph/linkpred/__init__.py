"""Link prediction: the Cannistraci-Hebb family on L2/L3 paths, exact and node-based."""

from .nx_api import predict_links
from .registry import METHODS, LinkPredictor, available_methods, get_method
from .scores import link_scores
from .selection import sample_links, top_k_links

__all__ = [
    "METHODS",
    "LinkPredictor",
    "available_methods",
    "get_method",
    "link_scores",
    "top_k_links",
    "sample_links",
    "predict_links",
]
