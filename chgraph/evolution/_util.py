"""Shared helpers of :mod:`chgraph.evolution`: input checks and exact samplers."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._checks import as_rng
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


def check_sparsity(sparsity) -> float:
    """``sparsity`` as a float strictly between 0 and 1 (else ``ValueError``)."""
    if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real):
        raise TypeError(f"sparsity must be a real number, got {type(sparsity).__name__}")
    s = float(sparsity)
    if not (0.0 < s < 1.0):
        raise ValueError(f"sparsity must lie strictly between 0 and 1, got {sparsity!r}")
    return s


def round_half_up(x: float) -> int:
    """Round a non-negative number to the nearest integer, halves up (not to even)."""
    return int(math.floor(float(x) + 0.5))


def check_shape(shape) -> tuple[int, int]:
    """A layer shape ``(n_in, n_out)`` of positive integers."""
    try:
        n_in, n_out = shape
    except (TypeError, ValueError):
        raise ValueError(f"shape must be a pair (n_in, n_out), got {shape!r}") from None
    for v in (n_in, n_out):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"shape must hold positive integers, got {shape!r}")
    return int(n_in), int(n_out)


def n_links_for(shape, sparsity) -> int:
    """Number of links of a layer of ``shape`` at ``sparsity``: ``(1 - S) n_in n_out``, rounded.

    >>> n_links_for((784, 1568), 0.99)
    12293
    """
    n_in, n_out = check_shape(shape)
    s = check_sparsity(sparsity)
    return min(n_in * n_out, round_half_up((1.0 - s) * n_in * n_out))


def as_mask(mask, name: str = "mask") -> np.ndarray:
    """A 2-D boolean view/copy of ``mask`` (entries != 0 are links)."""
    arr = np.asarray(mask)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (n_in x n_out), got shape {arr.shape}")
    if arr.dtype == np.bool_:
        return arr
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold booleans or real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries")
    return arr != 0


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
