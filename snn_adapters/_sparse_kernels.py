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

from ._numba_util import kernel

__all__ = ["spmm", "link_grad"]

_OPTS = {"nogil": True, "cache": True, "boundscheck": False, "error_model": "numpy"}
# the dot products of the weight gradient vectorise only when they may be reassociated; the
# order stays fixed for a given machine, whatever the number of threads
_DOT_OPTS = {**_OPTS, "fastmath": {"reassoc", "contract"}}


@kernel(**_OPTS)
def spmm(xt, indptr, src, perm, vals, bias):
    """``yt[r] = bias[r] + sum_k vals[perm[k]] * xt[src[k]]`` over ``k`` in
    ``indptr[r]:indptr[r + 1]`` (``bias`` empty for none). The forward pass is the CSR by
    outputs (``indptr_out``, ``rows``, ``perm``): ``[n_in, N] -> [n_out, N]``; the input
    gradient the CSR by inputs (``indptr_in``, ``cols``, the identity): ``[n_out, N] ->
    [n_in, N]``."""
    n_rows = indptr.shape[0] - 1
    n = xt.shape[1]
    yt = np.empty((n_rows, n), dtype=xt.dtype)
    for o in numba.prange(n_rows):
        y = yt[o]
        b = bias[o] if bias.shape[0] else xt.dtype.type(0.0)
        for r in range(n):
            y[r] = b
        for k in range(indptr[o], indptr[o + 1]):
            w = vals[perm[k]]
            x = xt[src[k]]
            for r in range(n):
                y[r] += w * x[r]
    return yt


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
