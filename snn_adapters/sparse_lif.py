"""A sparse layer and the LIF neurons it feeds, computed in one pass (CPU).

``lif(fc(x))`` writes the layer's whole output ``[T, B, n_out]`` to memory, then the neurons
read it back; backwards, the neurons write the output's gradient and the layer reads it again.
At the sizes of a training step (``T * B`` = 512 columns of 1,568 neurons: 3.2 MB per array)
those round trips leave the cache and cost as much as the arithmetic.
:func:`sparse_linear_lif` computes, one output neuron at a time, the layer's output row, the
neuron's whole run over time and (backwards) its gradient through time, the bias gradient and
the weight gradients of the neuron's incoming links, while the row is still in the cache.
Spikes and gradients are those of the unfused ``lif(fc(x))`` (the same operations in the same
order; the weight and bias gradients are sums, equal up to float rounding).

It applies when ``fc`` is a :class:`~snn_adapters.SparseLinear` on the numba backend,
``lif`` a fused :class:`~snn_adapters.neurons.LIF`, ``x`` a ``[T, B, n_in]`` tensor of the
layer's dtype, and no forward hook watches either module (the energy counters, calibration and
the forward-order recorder use hooks). Otherwise it returns ``lif(fc(x))``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules import module as _module

from .neurons import LIF, kernel_threads
from .sparse_linear import SparseLinear, feature_major

__all__ = ["sparse_linear_lif", "can_fuse"]


def _hooked(mod: nn.Module) -> bool:
    return bool(mod._forward_pre_hooks or mod._forward_hooks
                or _module._global_forward_pre_hooks or _module._global_forward_hooks)


def can_fuse(fc: nn.Module, lif: nn.Module, x: torch.Tensor) -> bool:
    """Whether :func:`sparse_linear_lif` computes ``lif(fc(x))`` in one pass."""
    return (isinstance(fc, SparseLinear) and not fc.channels_first
            and type(lif) is LIF and lif.fused
            and x.dim() == 3 and x.shape[-1] == fc.in_features and x.numel() > 0
            and x.dtype == fc.weight_values.dtype and not torch.is_autocast_enabled()
            and fc.resolved_backend(x) == "numba"
            and not _hooked(fc) and not _hooked(lif))


def sparse_linear_lif(fc: nn.Module, lif: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``lif(fc(x))`` for ``x`` ``[T, B, n_in]``, in one pass when :func:`can_fuse` allows.

    The spikes come back as a ``[T, B, n_out]`` view of a feature-major ``[n_out, T, B]``
    tensor, as :class:`~snn_adapters.neurons.LIF` returns them after a sparse layer.

    >>> fc = SparseLinear(3, 2, [0, 3, 5], torch.tensor([1.0, 4.0, 1.0]), bias=False)
    >>> x = torch.tensor([[[1.0, 1.0, 0.0]], [[0.0, 0.0, 1.0]]])    # T = 2, B = 1
    >>> sparse_linear_lif(fc, LIF(), x)[:, 0].tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    >>> torch.equal(sparse_linear_lif(fc, LIF(), x), LIF()(fc(x)))
    True
    """
    if not can_fuse(fc, lif, x):
        return lif(fc(x))
    return _SparseLIFFn.apply(x, fc.weight_values, fc.bias, fc, lif)


class _SparseLIFFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, values, bias, fc, lif):
        from . import _sparse_kernels as K

        steps, batch, n_in = x.shape
        s = fc.structure()
        xt = feature_major(x.detach().reshape(steps * batch, n_in))
        b = (bias.detach() if bias is not None else values.new_empty(0)).numpy()
        spikes, h_all = K.spmm_lif(kernel_threads(), xt.numpy(), s.indptr_out, s.rows, s.perm,
                                   values.detach().numpy(), b, steps, lif.tau,
                                   lif.v_threshold)
        ctx.fc, ctx.lif, ctx.shape = fc, lif, (steps, batch)
        ctx.has_bias = bias is not None
        ctx.save_for_backward(xt, values, torch.from_numpy(h_all))
        return torch.from_numpy(spikes).t().reshape(steps, batch, fc.out_features)

    @staticmethod
    def backward(ctx, g):
        from . import _sparse_kernels as K
        from ._lif_kernels import surrogate_constants

        fc, lif = ctx.fc, ctx.lif
        steps, batch = ctx.shape
        xt, values, h_all = ctx.saved_tensors
        s = fc.structure()
        rows = g.to(values.dtype).permute(2, 0, 1)        # [n_out, T, B], the spikes' layout
        if not rows.is_contiguous():
            rows = torch.empty(rows.shape, dtype=values.dtype).copy_(rows)
        threads = kernel_threads()
        gyt, gb, gv = K.lif_link_grad(threads, xt.numpy(), rows.reshape(h_all.shape).numpy(),
                                      h_all.numpy(), s.indptr_out, s.rows, s.perm, steps,
                                      *surrogate_constants(h_all.numpy().dtype, lif.tau,
                                                           lif.v_threshold, lif.alpha))
        gyt = torch.from_numpy(gyt)
        gx = None
        if ctx.needs_input_grad[0]:
            gxt = K.spmm(threads, gyt.numpy(), s.indptr_in, s.cols, s.identity,
                         values.detach().numpy(), values.new_empty(0).numpy())
            gx = torch.from_numpy(gxt).t().reshape(steps, batch, fc.in_features)
        if fc.capture_dense_grad:
            fc.dense_grad = xt @ gyt.t()                       # [n_in, n_out]
        gv = torch.from_numpy(gv) if ctx.needs_input_grad[1] else None
        gb = torch.from_numpy(gb) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return gx, gv, gb, None, None
