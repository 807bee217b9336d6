"""Weight initialisation on a sparse topology: SSWI (CH-SNN) and SWI (CHT), docs/method.md,
section 3.2.

``W ~ N(0, s^2)`` on the links of the mask, exactly 0 elsewhere. ``n`` is the dense fan-in
(``n_in``), ``S`` the structural sparsity of the mask (``1 - links / (n_in n_out)``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from .. import checks
from ._util import as_mask, as_rng

__all__ = ["temporal_sparsity", "sswi_std", "sswi", "swi_std", "swi", "normal_on_links",
           "current_power", "match_current", "SSWI_RULES"]

POSITIONS = ("first", "hidden", "last")
#: how calibration sets the first sparse layer's weights (docs/method.md, section 3.2): the
#: paper's ``St`` formula, or that draw rescaled per neuron so its input current over the
#: calibration data has the power the layer's own initialisation gave (:func:`match_current`)
SSWI_RULES = ("paper", "matched")


def temporal_sparsity(spikes) -> float:
    """``St = 1 - mean firing probability`` of recorded 0/1 spike trains.

    >>> temporal_sparsity(np.array([[1, 0], [0, 0]]))
    0.75
    """
    x = np.asarray(spikes)
    if x.size == 0:
        raise ValueError("spikes is empty")
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_) or np.iscomplexobj(x):
        raise TypeError(f"spikes must hold real numbers or booleans, got dtype {x.dtype}")
    mean = float(np.mean(x, dtype=np.float64))
    if not math.isfinite(mean):
        raise ValueError("spikes has non-finite entries")
    return 1.0 - mean


def _real(name: str, value, *, positive: bool = False, unit: bool = False) -> float:
    return checks.real(name, value, 0.0, 1.0 if unit else math.inf, open_low=positive)


def _fan_in_and_sparsity(mask: np.ndarray) -> tuple[int, float]:
    n_in, n_out = mask.shape
    links = int(np.count_nonzero(mask))
    if links == 0:
        raise ValueError("the mask has no links to initialise")
    return n_in, 1.0 - links / (n_in * n_out)


def sswi_std(position: str, fan_in: int, sparsity: float, *, st: float | None = None,
             theta: float | None = None) -> float:
    """Standard deviation ``s`` of SSWI.

    * ``"first"``: ``s^2 = St / (n (1 - S))`` (needs ``st``)
    * ``"hidden"``: ``s^2 = theta^2 sqrt(pi) / (sqrt(2) e^(-1/2) n (1 - S))`` (needs ``theta``)
    * ``"last"``: ``s^2 = theta^2 sqrt(pi) / (sqrt(2) e^(-1/2) n)`` (needs ``theta``)

    Examples
    --------
    >>> round(sswi_std("first", 100, 0.9, st=0.8), 6)
    0.282843
    >>> round(sswi_std("last", 100, 0.0, theta=1.0), 6)
    0.143749
    """
    if position not in POSITIONS:
        raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
    fan_in = checks.integer("fan_in", fan_in, low=1)
    s = _real("sparsity", sparsity, unit=True)
    if s >= 1.0:
        raise ValueError("sparsity must be < 1 (the layer needs links)")
    if position == "first":
        if st is None:
            raise ValueError("the first layer's SSWI needs st (temporal sparsity of its input)")
        var = _real("st", st, unit=True) / (fan_in * (1.0 - s))
    else:
        if theta is None:
            raise ValueError(f"the {position} layer's SSWI needs theta (firing threshold)")
        t = _real("theta", theta, positive=True)
        var = t * t * math.sqrt(math.pi) / (math.sqrt(2.0) * math.exp(-0.5) * fan_in)
        if position == "hidden":
            var /= 1.0 - s
    return math.sqrt(var)


def normal_on_links(n_links: int, std: float, rng, dtype=np.float32) -> np.ndarray:
    """``n_links`` weights ``N(0, std^2)``, drawn in the order of the links (ascending flat
    index, i.e. row-major): the values :func:`sswi` and :func:`swi` put on a mask's links, for
    a layer kept as a link list.

    >>> w = normal_on_links(3, sswi_std("hidden", 4, 0.5, theta=1.0), rng=0)
    >>> w.shape, w.dtype.name
    ((3,), 'float32')
    """
    return as_rng(rng).normal(0.0, std, int(n_links)).astype(dtype, copy=False)


def _normal_on_links(mask: np.ndarray, std: float, rng, dtype) -> np.ndarray:
    w = np.zeros(mask.shape, dtype=dtype)
    flat = np.flatnonzero(mask)
    w.flat[flat] = normal_on_links(flat.size, std, rng, np.float64)
    return w


def sswi(mask, position: str, rng, *, st: float | None = None, theta: float | None = None,
         dtype=np.float32) -> np.ndarray:
    """SSWI weights for a mask: ``N(0, s^2)`` on its links (row-major draw order), 0 elsewhere.

    ``n`` and ``S`` are read from the mask; see :func:`sswi_std` for ``position``, ``st`` and
    ``theta``.

    Examples
    --------
    >>> w = sswi(np.eye(3, dtype=bool), "hidden", rng=0, theta=1.0)
    >>> bool(np.all(w[~np.eye(3, dtype=bool)] == 0)), w.dtype.name
    (True, 'float32')
    """
    m = as_mask(mask)
    n, s = _fan_in_and_sparsity(m)
    return _normal_on_links(m, sswi_std(position, n, s, st=st, theta=theta), rng, dtype)


def swi_std(fan_in: int, sparsity: float) -> float:
    """CHT's sparse weight initialisation: ``s^2 = 2 / (n (1 - S))``.

    >>> swi_std(50, 0.75)
    0.4
    """
    fan_in = checks.integer("fan_in", fan_in, low=1)
    s = _real("sparsity", sparsity, unit=True)
    if s >= 1.0:
        raise ValueError("sparsity must be < 1 (the layer needs links)")
    return math.sqrt(2.0 / (fan_in * (1.0 - s)))


def swi(mask, rng, *, dtype=np.float32) -> np.ndarray:
    """CHT's SWI weights for a mask: ``N(0, 2 / (n (1 - S)))`` on its links, 0 elsewhere.

    >>> w = swi(np.ones((2, 2), dtype=bool), rng=0)
    >>> w.shape, w.dtype.name
    ((2, 2), 'float32')
    """
    m = as_mask(mask)
    n, s = _fan_in_and_sparsity(m)
    return _normal_on_links(m, swi_std(n, s), rng, dtype)


def _links_and_weights(links, weights, shape) -> tuple[np.ndarray, np.ndarray, int, int]:
    n_in, n_out = checks.layer_shape(shape)
    flat = np.asarray(links)
    if flat.ndim != 1 or not (flat.size == 0 or np.issubdtype(flat.dtype, np.integer)):
        raise ValueError(f"links must be a 1-D array of flat indices, got {flat.dtype} "
                         f"{flat.shape}")
    flat = flat.astype(np.int64, copy=False)
    if flat.size and (flat[0] < 0 or flat[-1] >= n_in * n_out or np.any(np.diff(flat) <= 0)):
        raise ValueError(f"links must be strictly increasing flat indices in [0, {n_in * n_out})")
    w = np.asarray(weights)
    if w.shape != flat.shape or not np.issubdtype(w.dtype, np.floating):
        raise ValueError(f"weights must be floats, one per link ({flat.size}), got {w.dtype} "
                         f"{w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights has non-finite entries")
    return flat, w, n_in, n_out


def current_power(rows, links, weights, shape, *, chunk: int = 4096) -> np.ndarray:
    """The mean square input current of every output of a layer over recorded inputs.

    With ``x`` the rows (observations of the ``n_in`` inputs) and ``W`` the weights on the
    links, the current of output ``o`` is ``I_o = sum_i x_i W[i, o]``; the result is
    ``E[I_o^2]`` over the rows, float64, length ``n_out`` (computed in chunks of ``chunk``
    rows, never ``rows x n_out`` at once).

    >>> rows = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> current_power(rows, [0, 3], np.array([2.0, 1.0]), (2, 2)).tolist()  # I_0 = 2 x_0
    [4.0, 0.5]
    """
    x = np.asarray(rows)
    flat, w, n_in, n_out = _links_and_weights(links, weights, shape)
    if x.ndim != 2 or x.shape[1] != n_in or x.shape[0] == 0:
        raise ValueError(f"rows must be (observations, {n_in}) with >= 1 row, got {x.shape}")
    if not np.issubdtype(x.dtype, np.number) and x.dtype != np.bool_:
        raise TypeError(f"rows must hold real numbers, got dtype {x.dtype}")
    mat = sparse.csr_array((w.astype(np.float64), (flat // n_out, flat % n_out)),
                           shape=(n_in, n_out))
    chunk = checks.integer("chunk", chunk, low=1)
    total = np.zeros(n_out)
    for start in range(0, x.shape[0], chunk):
        part = np.asarray(x[start:start + chunk], dtype=np.float64)
        if not np.all(np.isfinite(part)):
            raise ValueError("rows has non-finite entries")
        cur = np.asarray(part @ mat)
        total += np.einsum("ij,ij->j", cur, cur)
    return total / x.shape[0]


def match_current(rows, links, weights, shape, target: float) -> np.ndarray:
    """Weights rescaled per output so that every output's mean square input current over
    ``rows`` is ``target`` (docs/method.md, section 3.2, ``sswi_rule="matched"``).

    Output ``o``'s weights are multiplied by ``sqrt(target / E[I_o^2])``
    (:func:`current_power`); an output whose current is 0 on every row (no link, or inputs
    that never fire) keeps its weights. The scaling keeps each neuron's pattern of weights and
    sets the drive it receives from the data, whatever the inputs' coding (spikes or analog
    values) and whichever inputs SSCTI gave it.

    >>> rows = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> match_current(rows, [0, 3], np.array([2.0, 1.0]), (2, 2), 1.0).round(4).tolist()
    [1.0, 1.4142]
    """
    flat, w, _, n_out = _links_and_weights(links, weights, shape)
    target = checks.real("target", target, 0.0, math.inf, open_low=True)
    power = current_power(rows, flat, w, shape)
    scale = np.ones(n_out)
    live = power > 0
    scale[live] = np.sqrt(target / power[live])
    return (w * scale[flat % n_out]).astype(w.dtype, copy=False)
