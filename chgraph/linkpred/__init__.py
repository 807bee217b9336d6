"""Link prediction: the Cannistraci-Hebb family on L2/L3 paths, exact and node-based."""

from .nx_api import predict_links
from .registry import PREDICTORS, LinkPredictor, available_predictors, get_predictor
from .scores import link_scores
from .selection import CandidateLinks, sample_links, top_k_links

__all__ = [
    "PREDICTORS",
    "LinkPredictor",
    "available_predictors",
    "get_predictor",
    "link_scores",
    "top_k_links",
    "CandidateLinks",
    "sample_links",
    "predict_links",
]
