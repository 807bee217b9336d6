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

__all__ = ["lif_forward", "lif_backward", "lif_run", "lif_grad_run", "surrogate_constants"]

# error_model="numpy": no Python zero-division checks, which keep the loops from vectorising
_OPTS = {"nogil": True, "cache": True, "boundscheck": False, "error_model": "numpy"}


@numba.njit(inline="always", **_OPTS)
def lif_run(xs, hs, os, v, tau, theta):
    """One time step of a run of LIF neurons: ``v <- v + (x - v) / tau``, ``h = v - theta``
    into ``hs``, the spike ``H(h)`` into ``os``, then the reset ``v <- v (1 - s)``. ``hs`` may
    be ``xs`` itself (each entry is read before it is written). Inlined by LLVM into the kernels
    here and in :mod:`snn_adapters._sparse_kernels`: one copy of the arithmetic."""
    one = xs.dtype.type(1.0)
    zero = xs.dtype.type(0.0)
    for k in range(xs.shape[0]):
        vk = v[k] + (xs[k] - v[k]) / tau
        h = vk - theta
        hs[k] = h
        s = one if h >= zero else zero
        os[k] = s
        v[k] = vk * (one - s)


@numba.njit(inline="always", **_OPTS)
def lif_grad_run(gs, hs, gx, g_v, theta, half_a, c, inv_tau, keep):
    """One time step backwards (ATan surrogate ``half_a / (1 + (c h)^2)``): the input gradient
    into ``gx`` (may be ``gs`` itself) and the membrane gradient ``g_v`` for the step before."""
    one = hs.dtype.type(1.0)
    zero = hs.dtype.type(0.0)
    for k in range(hs.shape[0]):
        h = hs[k]
        s = one if h >= zero else zero
        sg = half_a / (one + (c * h) * (c * h))
        g_pre = (gs[k] - g_v[k] * (h + theta)) * sg + g_v[k] * (one - s)
        gx[k] = g_pre * inv_tau
        g_v[k] = g_pre * keep


def surrogate_constants(dtype, tau, theta, alpha):
    """``theta, half_a, c, inv_tau, keep`` of :func:`lif_grad_run` in ``dtype``."""
    t = dtype.type
    one = t(1.0)
    return (t(theta), t(alpha / 2), t(np.pi / 2 * alpha), one / t(tau), one - one / t(tau))


@kernel(**_OPTS)
def lif_forward(x, out, h_all, tau, theta):
    """Write the spikes and ``h = v_pre - theta`` of every step into ``out`` and ``h_all``
    (all three ``[M, T, R]``, any strides with contiguous runs of ``R``)."""
    m, steps, r = x.shape
    tau = x.dtype.type(tau)
    theta = x.dtype.type(theta)
    v_all = np.zeros((m, r), dtype=x.dtype)  # one allocation, not one per neuron run
    for j in numba.prange(m):
        for t in range(steps):
            lif_run(x[j, t], h_all[j, t], out[j, t], v_all[j], tau, theta)


@kernel(**_OPTS)
def lif_backward(g_out, h_all, g_x, theta, half_a, c, inv_tau, keep):
    """Write the input gradient through time into ``g_x`` (ATan surrogate); arrays
    ``[M, T, R]`` as in :func:`lif_forward`, constants from :func:`surrogate_constants`."""
    m, steps, r = h_all.shape
    g_v_all = np.zeros((m, r), dtype=h_all.dtype)
    for j in numba.prange(m):
        for t in range(steps - 1, -1, -1):
            lif_grad_run(g_out[j, t], h_all[j, t], g_x[j, t], g_v_all[j], theta, half_a, c,
                         inv_tau, keep)
