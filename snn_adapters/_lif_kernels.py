"""Numba kernels of the multi-step LIF neuron (no torch here); see
:class:`snn_adapters.neurons.LIF`. Arrays are ``[T, M]`` (time, neurons), contiguous; every
neuron's loop over time runs in one thread, so results do not depend on the thread count. The
arithmetic is done in the arrays' dtype, step for step as the torch loop does it, so the
spikes are identical to it.
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_util import kernel

__all__ = ["lif_forward", "lif_backward"]

_OPTS = {"nogil": True, "cache": True, "boundscheck": False}


@kernel(**_OPTS)
def lif_forward(x, tau, theta):
    """Spikes and ``h = v_pre - theta`` of every step."""
    steps, m = x.shape
    out = np.empty_like(x)
    h_all = np.empty_like(x)
    one = x.dtype.type(1.0)
    zero = x.dtype.type(0.0)
    tau = x.dtype.type(tau)
    theta = x.dtype.type(theta)
    for j in numba.prange(m):
        v = zero
        for t in range(steps):
            v = v + (x[t, j] - v) / tau
            h = v - theta
            h_all[t, j] = h
            s = one if h >= zero else zero
            out[t, j] = s
            v = v * (one - s)
    return out, h_all


@kernel(**_OPTS)
def lif_backward(g_out, h_all, tau, theta, alpha):
    """Input gradient through time (ATan surrogate ``alpha/2 / (1 + (pi/2 alpha h)^2)``)."""
    steps, m = h_all.shape
    g_x = np.empty_like(h_all)
    one = h_all.dtype.type(1.0)
    zero = h_all.dtype.type(0.0)
    tau_ = h_all.dtype.type(tau)
    theta_ = h_all.dtype.type(theta)
    half_a = h_all.dtype.type(alpha / 2)
    c = h_all.dtype.type(np.pi / 2 * alpha)
    keep = one - one / tau_
    for j in numba.prange(m):
        g_v = zero
        for t in range(steps - 1, -1, -1):
            h = h_all[t, j]
            s = one if h >= zero else zero
            sg = half_a / (one + (c * h) * (c * h))
            g_pre = (g_out[t, j] - g_v * (h + theta_)) * sg + g_v * (one - s)
            g_x[t, j] = g_pre / tau_
            g_v = g_pre * keep
    return g_x
