"""Numba kernels of a sparse linear layer stored as links (no torch here).

A layer with ``n_in`` inputs and ``n_out`` outputs has ``m`` links in the engine's order (flat
index ``i * n_out + o`` ascending: CSR by inputs, ``indptr_in`` / ``cols``) with one weight
each (``vals``). ``indptr_out`` / ``rows`` / ``perm`` list the same links by outputs (CSR of
the transpose): the ``k``-th link of that order is engine link ``perm[k]`` from input
``rows[k]``.

Activations are *feature-major*: ``xt`` is ``[n_in, N]`` (one row per input, one column per
sample and time step), so every link costs one contiguous, vectorised pass over the ``N``
columns: an axpy in the two matrix products (one kernel, :func:`spmm`), a dot product in the
weight gradient. Each kernel
is parallel over rows it owns alone and sums in a fixed order, so results do not depend on the
number of threads. The cost is ``N * m``, never ``N * n_in * n_out``.

The slow references are the dense masked matmuls of the tests.
"""

from __future__ import annotations

import numba
import numpy as np

from ._lif_kernels import lif_grad_run, lif_run
from ._numba_util import kernel

__all__ = ["spmm", "link_grad", "spmm_lif", "lif_link_grad"]

_OPTS = {"nogil": True, "cache": True, "boundscheck": False, "error_model": "numpy"}
# the dot products of the weight gradient vectorise only when they may be reassociated; the
# order stays fixed for a given machine, whatever the number of threads
_DOT_OPTS = {**_OPTS, "fastmath": {"reassoc", "contract"}}


@numba.njit(inline="always", **_OPTS)
def _row(xt, indptr, src, perm, vals, bias, o, y):
    """``y = bias[o] + sum_k vals[perm[k]] * xt[src[k]]`` over the ``o``-th CSR row (``bias``
    empty for none): one output row of :func:`spmm` and :func:`spmm_lif`."""
    b = bias[o] if bias.shape[0] else xt.dtype.type(0.0)
    for c in range(y.shape[0]):
        y[c] = b
    for k in range(indptr[o], indptr[o + 1]):
        w = vals[perm[k]]
        x = xt[src[k]]
        for c in range(y.shape[0]):
            y[c] += w * x[c]


@kernel(**_OPTS)
def spmm(xt, indptr, src, perm, vals, bias):
    """``yt[r] = bias[r] + sum_k vals[perm[k]] * xt[src[k]]`` over ``k`` in
    ``indptr[r]:indptr[r + 1]`` (``bias`` empty for none). The forward pass is the CSR by
    outputs (``indptr_out``, ``rows``, ``perm``): ``[n_in, N] -> [n_out, N]``; the input
    gradient the CSR by inputs (``indptr_in``, ``cols``, the identity): ``[n_out, N] ->
    [n_in, N]``."""
    n_rows = indptr.shape[0] - 1
    yt = np.empty((n_rows, xt.shape[1]), dtype=xt.dtype)
    for o in numba.prange(n_rows):
        _row(xt, indptr, src, perm, vals, bias, o, yt[o])
    return yt


@numba.njit(**_DOT_OPTS)
def _dot(x, g):
    """``<x, g>``, vectorised (its own fast-math flags stay on its own instructions when it is
    inlined into a strict kernel)."""
    acc = g.dtype.type(0.0)
    for r in range(x.shape[0]):
        acc += x[r] * g[r]
    return acc


@numba.njit(**_DOT_OPTS)
def _sum(g):
    """``sum(g)``, vectorised like :func:`_dot`."""
    acc = g.dtype.type(0.0)
    for r in range(g.shape[0]):
        acc += g[r]
    return acc


@kernel(**_OPTS)
def link_grad(xt, gyt, indptr_in, cols):
    """Weight gradient of every link, ``gv[k] = <xt[i_k], gyt[cols[k]]>`` (engine order)."""
    n_in = indptr_in.shape[0] - 1
    gv = np.empty(cols.shape[0], dtype=gyt.dtype)
    for i in numba.prange(n_in):
        x = xt[i]
        for k in range(indptr_in[i], indptr_in[i + 1]):
            gv[k] = _dot(x, gyt[cols[k]])
    return gv


# -- a sparse layer and the LIF neurons it feeds, in one pass per output neuron -------------
# (``snn_adapters.sparse_lif``). Columns are ``t * R + r`` (time-major within a row), the
# arithmetic is that of ``spmm`` followed by ``_lif_kernels.lif_forward`` / ``lif_backward``,
# operation for operation, so spikes and gradients equal the unfused path's.


@kernel(**_OPTS)
def spmm_lif(xt, indptr, src, perm, vals, bias, steps, tau, theta):
    """Spikes and ``h = v_pre - theta`` (both ``[n_out, N]``) of LIF neurons driven by the
    sparse layer's output ``bias + sum_k vals[perm[k]] xt[src[k]]`` (CSR by outputs)."""
    n_rows = indptr.shape[0] - 1
    n = xt.shape[1]
    r = n // steps
    tau = xt.dtype.type(tau)
    theta = xt.dtype.type(theta)
    spikes = np.empty((n_rows, n), dtype=xt.dtype)
    h_all = np.empty((n_rows, n), dtype=xt.dtype)
    v_all = np.zeros((n_rows, r), dtype=xt.dtype)
    for o in numba.prange(n_rows):
        y = h_all[o]                    # the layer's output first, then h in place
        _row(xt, indptr, src, perm, vals, bias, o, y)
        for t in range(steps):          # slices: no index arithmetic, so it vectorises
            ys = y[t * r:(t + 1) * r]
            lif_run(ys, ys, spikes[o, t * r:(t + 1) * r], v_all[o], tau, theta)
    return spikes, h_all


@kernel(**_OPTS)
def lif_link_grad(xt, g_s, h_all, indptr, src, perm, steps, theta, half_a, c, inv_tau, keep):
    """Backward of :func:`spmm_lif`: from the spikes' gradient ``g_s`` (``[n_out, N]``) the
    layer output's gradient ``gyt`` (LIF backward through time, constants from
    :func:`~snn_adapters._lif_kernels.surrogate_constants`), the bias gradient
    ``gb[o] = sum(gyt[o])`` and every link's weight gradient ``gv`` (engine order), one output
    neuron at a time."""
    n_rows = indptr.shape[0] - 1
    n = h_all.shape[1]
    r = n // steps
    gyt = np.empty((n_rows, n), dtype=h_all.dtype)
    gb = np.empty(n_rows, dtype=h_all.dtype)
    gv = np.empty(src.shape[0], dtype=h_all.dtype)
    g_v_all = np.zeros((n_rows, r), dtype=h_all.dtype)
    for o in numba.prange(n_rows):
        gy = gyt[o]
        for t in range(steps - 1, -1, -1):
            lo, hi = t * r, (t + 1) * r
            lif_grad_run(g_s[o, lo:hi], h_all[o, lo:hi], gy[lo:hi], g_v_all[o], theta,
                         half_a, c, inv_tau, keep)
        gb[o] = _sum(gy)
        for k in range(indptr[o], indptr[o + 1]):
            gv[perm[k]] = _dot(xt[src[k]], gy)
    return gyt, gb, gv
