"""Input checks shared by the whole engine."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_rng"]


def as_rng(rng) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a generator or an integer seed.

    Everything random in chgraph takes one, so results are always reproducible.

    >>> as_rng(0).integers(10) == np.random.default_rng(0).integers(10)
    np.True_
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be a numpy.random.Generator or an integer seed (chgraph is always "
        f"reproducible), got {type(rng).__name__}"
    )
