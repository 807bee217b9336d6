"""Input checks: the one validator of the project.

The engine, the torch adapters (:mod:`snn_adapters`) and the training application
(:mod:`chsnn`, which turns these errors into its own ``ConfigError``) check their arguments with
these functions, so a value is judged by the same rule, with the same message, wherever it
enters. Each function returns the value in its canonical type and raises ``TypeError`` for a
value of the wrong kind and ``ValueError`` for one out of range; every message names the
argument and shows the value. The wrong-kind error, :class:`ArgumentTypeError`, is both a
``TypeError`` and a ``ValueError``, so callers that catch either (as the engine's functions
always documented) keep working.

>>> sparsity(0.99)
0.99
>>> integer("epochs", 0, low=1)
Traceback (most recent call last):
ValueError: epochs must be an integer >= 1, got 0
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ArgumentTypeError", "as_rng", "integer", "real", "fraction", "sparsity", "one_of",
           "layer_shape", "boolean_mask"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (a float where an integer belongs, a string, a bool)."""


def as_rng(rng) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a generator or an integer seed.

    Everything random in chgraph takes one, so results are always reproducible.

    >>> as_rng(0).integers(10) == np.random.default_rng(0).integers(10)
    np.True_
    >>> as_rng("x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    TypeError: rng must be a numpy.random.Generator or an integer seed ..., got str
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be a numpy.random.Generator or an integer seed (chgraph is always "
        f"reproducible), got {type(rng).__name__}"
    )


def integer(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (either bound optional); ``bool`` is refused.

    >>> integer("T", 8, low=1)
    8
    >>> integer("T", 2.0, low=1)
    Traceback (most recent call last):
    chgraph.checks.ArgumentTypeError: T must be an integer >= 1, got 2.0
    """
    bounds = " and ".join(([f">= {low}"] if low is not None else [])
                          + ([f"<= {high}"] if high is not None else []))
    what = f"{name} must be an integer" + (f" {bounds}" if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{what}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{what}, got {value!r}")
    return int(value)


def real(name: str, value, low: float = -math.inf, high: float = math.inf, *,
         open_low: bool = False, open_high: bool = False) -> float:
    """``value`` as a finite ``float`` in the interval from ``low`` to ``high`` (each end
    closed unless ``open_low`` / ``open_high``); ``bool`` is refused.

    >>> real("lr", 3e-3, 0.0, open_low=True)
    0.003
    >>> real("momentum", 1.0, 0.0, 1.0, open_high=True)
    Traceback (most recent call last):
    ValueError: momentum must lie in [0.0, 1.0), got 1.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    inside = math.isfinite(v) and (v > low if open_low else v >= low) and (
        v < high if open_high else v <= high)
    if not inside:
        if math.isinf(low) and math.isinf(high):
            raise ValueError(f"{name} must be a finite real number, got {value!r}")
        lb, rb = "(" if open_low else "[", ")" if open_high else "]"
        raise ValueError(f"{name} must lie in {lb}{low}, {high}{rb}, got {value!r}")
    return v


def fraction(name: str, value, *, open_low: bool = False, open_high: bool = False) -> float:
    """``value`` as a ``float`` in ``[0, 1]`` (each end closed unless asked open).

    >>> fraction("val_fraction", 0.1, open_high=True)
    0.1
    """
    return real(name, value, 0.0, 1.0, open_low=open_low, open_high=open_high)


def sparsity(value, name: str = "sparsity") -> float:
    """A sparsity: a ``float`` strictly between 0 and 1 (a layer keeps some links, not all).

    >>> sparsity(1.0)
    Traceback (most recent call last):
    ValueError: sparsity must lie in (0.0, 1.0), got 1.0
    """
    return fraction(name, value, open_low=True, open_high=True)


def one_of(name: str, value, allowed) -> str:
    """``value`` (a string, compared as given) if it is one of ``allowed``.

    >>> one_of("mode", "soft", ("soft", "hard"))
    'soft'
    >>> one_of("mode", "medium", ("soft", "hard"))
    Traceback (most recent call last):
    ValueError: mode must be one of ('soft', 'hard'), got 'medium'
    """
    if value not in tuple(allowed):
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")
    return value


def layer_shape(shape, name: str = "shape") -> tuple[int, int]:
    """A layer shape ``(n_in, n_out)`` of positive integers (``ValueError`` otherwise).

    >>> layer_shape((784, 1568))
    (784, 1568)
    >>> layer_shape((0, 3))
    Traceback (most recent call last):
    ValueError: shape must hold positive integers, got (0, 3)
    """
    try:
        n_in, n_out = shape
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (n_in, n_out), got {shape!r}") from None
    for v in (n_in, n_out):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{name} must hold positive integers, got {shape!r}")
    return int(n_in), int(n_out)


def boolean_mask(mask, name: str = "mask") -> np.ndarray:
    """A 2-D boolean view or copy of ``mask``: booleans as they are, real numbers ``!= 0``.

    >>> boolean_mask([[1, 0], [0.5, 0]]).tolist()
    [[True, False], [True, False]]
    >>> boolean_mask([[np.nan]])
    Traceback (most recent call last):
    ValueError: mask has non-finite entries
    """
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
