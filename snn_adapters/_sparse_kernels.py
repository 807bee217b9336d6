"""Numba kernels of a sparse linear layer stored as links (no torch here).

A layer with ``n_in`` inputs and ``n_out`` outputs has ``m`` links in the engine's order (flat
index ``i * n_out + o`` ascending: CSR by inputs, ``indptr_in`` / ``cols``) with one weight
each (``vals``). ``indptr_out`` / ``rows`` / ``perm`` list the same links by outputs (CSR of
the transpose): the ``k``-th link of that order is engine link ``perm[k]`` from input
``rows[k]``.

Activations are *feature-major*: ``xt`` is ``[n_in, N]`` (one row per input, one column per
sample and time step), so every link costs one contiguous, vectorised pass over the ``N``
columns: an axpy in the two matrix products, a dot product in the weight gradient. Each kernel
is parallel over rows it owns alone and sums in a fixed order, so results do not depend on the
number of threads. The cost is ``N * m``, never ``N * n_in * n_out``.

The slow references are the dense masked matmuls of the tests.
"""

from __future__ import annotations

import numba
import numpy as np

from ._numba_util import kernel

__all__ = ["matmul_out", "matmul_in", "link_grad"]

_OPTS = {"nogil": True, "cache": True, "boundscheck": False, "error_model": "numpy"}
# the dot products of the weight gradient vectorise only when they may be reassociated; the
# order stays fixed for a given machine, whatever the number of threads
_DOT_OPTS = {**_OPTS, "fastmath": {"reassoc", "contract"}}


@kernel(**_OPTS)
def matmul_out(xt, indptr_out, rows, perm, vals, bias):
    """Forward ``yt[o] = bias[o] + sum_k vals[perm[k]] * xt[rows[k]]`` over the in-links of
    ``o``: ``[n_in, N] -> [n_out, N]`` (``bias`` of length ``n_out``, or empty for none)."""
    n_out = indptr_out.shape[0] - 1
    n = xt.shape[1]
    yt = np.empty((n_out, n), dtype=xt.dtype)
    for o in numba.prange(n_out):
        y = yt[o]
        b = bias[o] if bias.shape[0] else xt.dtype.type(0.0)
        for r in range(n):
            y[r] = b
        for k in range(indptr_out[o], indptr_out[o + 1]):
            w = vals[perm[k]]
            x = xt[rows[k]]
            for r in range(n):
                y[r] += w * x[r]
    return yt


@kernel(**_OPTS)
def matmul_in(gyt, indptr_in, cols, vals):
    """Input gradient ``gxt[i] = sum_k vals[k] * gyt[cols[k]]`` over the out-links of ``i``:
    ``[n_out, N] -> [n_in, N]``."""
    n_in = indptr_in.shape[0] - 1
    n = gyt.shape[1]
    gxt = np.zeros((n_in, n), dtype=gyt.dtype)
    for i in numba.prange(n_in):
        g = gxt[i]
        for k in range(indptr_in[i], indptr_in[i + 1]):
            w = vals[k]
            src = gyt[cols[k]]
            for r in range(n):
                g[r] += w * src[r]
    return gxt


@kernel(**_DOT_OPTS)
def link_grad(xt, gyt, indptr_in, cols):
    """Weight gradient of every link, ``gv[k] = <xt[i_k], gyt[cols[k]]>`` (engine order)."""
    n_in = indptr_in.shape[0] - 1
    n = xt.shape[1]
    gv = np.empty(cols.shape[0], dtype=gyt.dtype)
    for i in numba.prange(n_in):
        x = xt[i]
        for k in range(indptr_in[i], indptr_in[i + 1]):
            g = gyt[cols[k]]
            acc = gyt.dtype.type(0.0)
            for r in range(n):
                acc += x[r] * g[r]
            gv[k] = acc
    return gv
