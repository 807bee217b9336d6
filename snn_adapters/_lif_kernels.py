"""Numba kernels of the multi-step LIF neuron (no torch here); see
:class:`snn_adapters.neurons.LIF`.

Arrays are ``[T, M, R]``: time, then the neurons laid out as ``M`` contiguous runs of ``R``
(``M = 1`` for a row-major ``[T, neurons]`` layout; ``M`` = neurons and ``R`` = batch for the
feature-major activations of :class:`~snn_adapters.SparseLinear`, there transposed to
``[M, T, R]``). The inner loop runs over contiguous memory and vectorises; every neuron's loop
over time runs in one thread, so results do not depend on the thread count. The arithmetic is
done in the arrays' dtype, step for step as the torch loop does it, so the spikes are identical
to it.
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_util import kernel

__all__ = ["lif_forward", "lif_backward"]

# error_model="numpy": no Python zero-division checks, which keep the loops from vectorising
_OPTS = {"nogil": True, "cache": True, "boundscheck": False, "error_model": "numpy"}


@kernel(**_OPTS)
def lif_forward(x, out, h_all, tau, theta):
    """Write the spikes and ``h = v_pre - theta`` of every step into ``out`` and ``h_all``
    (all three ``[M, T, R]``, any strides with contiguous runs of ``R``)."""
    m, steps, r = x.shape
    one = x.dtype.type(1.0)
    zero = x.dtype.type(0.0)
    tau = x.dtype.type(tau)
    theta = x.dtype.type(theta)
    v_all = np.zeros((m, r), dtype=x.dtype)  # one allocation, not one per neuron run
    for j in numba.prange(m):
        v = v_all[j]
        for t in range(steps):
            xs = x[j, t]
            hs = h_all[j, t]
            os = out[j, t]
            for k in range(r):
                vk = v[k] + (xs[k] - v[k]) / tau
                h = vk - theta
                hs[k] = h
                s = one if h >= zero else zero
                os[k] = s
                v[k] = vk * (one - s)


@kernel(**_OPTS)
def lif_backward(g_out, h_all, g_x, tau, theta, alpha):
    """Write the input gradient through time into ``g_x`` (ATan surrogate
    ``alpha/2 / (1 + (pi/2 alpha h)^2)``); arrays ``[M, T, R]`` as in :func:`lif_forward`."""
    m, steps, r = h_all.shape
    one = h_all.dtype.type(1.0)
    zero = h_all.dtype.type(0.0)
    tau_ = h_all.dtype.type(tau)
    theta_ = h_all.dtype.type(theta)
    half_a = h_all.dtype.type(alpha / 2)
    c = h_all.dtype.type(np.pi / 2 * alpha)
    keep = one - one / tau_
    inv_tau = one / tau_
    g_v_all = np.zeros((m, r), dtype=h_all.dtype)
    for j in numba.prange(m):
        g_v = g_v_all[j]
        for t in range(steps - 1, -1, -1):
            hs = h_all[j, t]
            gs = g_out[j, t]
            gx = g_x[j, t]
            for k in range(r):
                h = hs[k]
                s = one if h >= zero else zero
                sg = half_a / (one + (c * h) * (c * h))
                g_pre = (gs[k] - g_v[k] * (h + theta_)) * sg + g_v[k] * (one - s)
                gx[k] = g_pre * inv_tau
                g_v[k] = g_pre * keep
