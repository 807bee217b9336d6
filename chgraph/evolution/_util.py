"""Shared helpers of :mod:`chgraph.evolution`: exact samplers and link counts; the input checks
are :mod:`chgraph.checks`'s (imported here under the names the stages use)."""

from __future__ import annotations

import math

import numpy as np

from ..checks import as_rng
from ..checks import boolean_mask as as_mask
from ..checks import layer_shape as check_shape
from ..checks import sparsity as check_sparsity
from ..linkpred.sampling import top_k_flat, uniform_sample, weighted_sample

__all__ = [
    "as_rng",
    "check_sparsity",
    "n_links_for",
    "round_half_up",
    "as_mask",
    "as_weights",
    "check_shape",
    "top_k_flat",
    "weighted_sample",
    "uniform_sample",
]


def round_half_up(x: float) -> int:
    """Round a non-negative number to the nearest integer, halves up (not to even)."""
    return int(math.floor(float(x) + 0.5))


def n_links_for(shape, sparsity) -> int:
    """Number of links of a layer of ``shape`` at ``sparsity``: ``(1 - S) n_in n_out``, rounded.

    >>> n_links_for((784, 1568), 0.99)
    12293
    """
    n_in, n_out = check_shape(shape)
    s = check_sparsity(sparsity)
    return min(n_in * n_out, round_half_up((1.0 - s) * n_in * n_out))


def as_weights(weights, name: str = "weights") -> np.ndarray:
    """A 2-D real floating array of finite values (not copied when already one)."""
    arr = np.asarray(weights)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (n_in x n_out), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
            arr = arr.astype(np.float64)
        else:
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries (NaN or inf)")
    return arr
