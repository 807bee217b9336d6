"""A small plain-torch LIF neuron with an ATan surrogate gradient (docs/method.md, section 4.1).

Used by the tests and examples; the adapters themselves work with any neuron model.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["atan_spike", "lif_multistep", "LIF"]


class _ATanSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        a = ctx.alpha
        sg = (a / 2) / (1 + (math.pi / 2 * a * x) ** 2)
        return grad * sg, None


def atan_spike(x: torch.Tensor, alpha: float = 2.0) -> torch.Tensor:
    """Heaviside step forward, ATan surrogate backward (``alpha/2 / (1 + (pi/2 alpha x)^2)``).

    >>> atan_spike(torch.tensor([-0.5, 0.0, 0.5])).tolist()
    [0.0, 1.0, 1.0]
    """
    return _ATanSpike.apply(x, alpha)


def _numba_ok(x: torch.Tensor) -> bool:
    """The numba kernels serve CPU float32 / float64 inputs of 2 or more dimensions."""
    return (x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64)
            and x.dim() >= 2 and x.numel() > 0)


def _layout(x: torch.Tensor) -> str:
    """``"features"`` when the last axis is the outermost in memory (the feature-major
    activations of ``SparseLinear``), else ``"rows"``."""
    if x.dim() >= 3 and x.movedim(-1, 0).is_contiguous() and not x.is_contiguous():
        return "features"
    return "rows"


def _mtr_ok(x: torch.Tensor, layout: str) -> bool:
    return x.movedim(-1, 0).is_contiguous() if layout == "features" else x.is_contiguous()


def _mtr(x: torch.Tensor, layout: str):
    """``x`` ``[T, ...]`` as the ``[M, T, R]`` numpy view the LIF kernels take (no copy):
    feature-major ``[features, T, rest]``, or row-major ``[T, chunks, rest]`` permuted to
    ``[chunks, T, rest]`` (chunks of the neurons, for the threads)."""
    if layout == "features":
        f = x.movedim(-1, 0)
        return f.reshape(f.shape[0], f.shape[1], -1).numpy()
    steps = x.shape[0]
    m = x[0].numel()
    chunks = math.gcd(m, 64) if m else 1
    return x.reshape(steps, chunks, m // chunks).permute(1, 0, 2).numpy()


def kernel_threads() -> int:
    """Threads for the adapters' numba kernels: torch's own setting (``torch.get_num_threads``).

    >>> import torch
    >>> kernel_threads() == torch.get_num_threads()
    True
    """
    return torch.get_num_threads()


def _atan_grad(h: torch.Tensor, alpha: float) -> torch.Tensor:
    return (alpha / 2) / (1 + (math.pi / 2 * alpha * h) ** 2)


class _LIFMultiStep(torch.autograd.Function):
    """The whole LIF loop over time as one autograd node with a hand-written backward.

    Forward (per step): ``v = v + (x_t - v) / tau``, ``h = v - theta``, ``s = H(h)``,
    ``v = v (1 - s)``; only ``h`` is kept. Backward through time, with ``g_v`` the gradient
    arriving at the membrane after the reset of step ``t`` and ``sg`` the ATan surrogate:
    ``g_pre = (g_s + g_v (-v_pre)) sg(h) + g_v (1 - s)``, ``g_x = g_pre / tau`` and
    ``g_v <- g_pre (1 - 1 / tau)``: exactly the gradients autograd takes through the step by
    step loop (the reset is not detached), without recording ``8 T`` small operations.
    """

    @staticmethod
    def forward(ctx, x, tau, theta, alpha):
        ctx.tau, ctx.theta, ctx.alpha = tau, theta, alpha
        ctx.numba = _numba_ok(x)
        if ctx.numba:
            from ._lif_kernels import lif_forward

            x = x.detach()
            layout = _layout(x)
            if not _mtr_ok(x, layout):
                x = x.contiguous()
            out, h_all = torch.empty_like(x), torch.empty_like(x)
            lif_forward(kernel_threads(), _mtr(x, layout), _mtr(out, layout), _mtr(h_all, layout),
                        tau, theta)
            ctx.save_for_backward(h_all)
            return out
        v = torch.zeros_like(x[0])
        h_all = torch.empty_like(x)
        out = torch.empty_like(x)
        for t in range(x.shape[0]):
            v = v + (x[t] - v) / tau
            h = torch.sub(v, theta, out=h_all[t])
            s = (h >= 0).to(x.dtype)
            out[t] = s
            v = v * (1.0 - s)
        ctx.save_for_backward(h_all)
        return out

    @staticmethod
    def backward(ctx, g_out):
        (h_all,) = ctx.saved_tensors
        tau, theta, alpha = ctx.tau, ctx.theta, ctx.alpha
        if ctx.numba:
            from ._lif_kernels import lif_backward, surrogate_constants

            layout = _layout(h_all)
            g = g_out.to(h_all.dtype)
            if _layout(g) != layout or not _mtr_ok(g, layout):
                g = torch.empty_like(h_all).copy_(g)   # h_all's layout
            g_x = torch.empty_like(h_all)
            consts = surrogate_constants(_mtr(h_all, layout).dtype, tau, theta, alpha)
            lif_backward(kernel_threads(), _mtr(g, layout), _mtr(h_all, layout), _mtr(g_x, layout),
                         *consts)
            return g_x, None, None, None
        g_x = torch.empty_like(h_all)
        g_v = torch.zeros_like(h_all[0])
        keep = 1.0 - 1.0 / tau
        for t in range(h_all.shape[0] - 1, -1, -1):
            h = h_all[t]
            s = (h >= 0).to(h.dtype)
            g_pre = (g_out[t] - g_v * (h + theta)) * _atan_grad(h, alpha) + g_v * (1.0 - s)
            g_x[t] = g_pre / tau
            g_v = g_pre * keep
        return g_x, None, None, None


def lif_multistep(x: torch.Tensor, tau: float = 2.0, v_threshold: float = 1.0,
                  alpha: float = 2.0) -> torch.Tensor:
    """Spikes ``[T, ...]`` of LIF neurons (hard reset to 0, ATan surrogate) driven by
    ``x`` ``[T, ...]``, computed as one fused autograd node (see :class:`LIF`).

    >>> lif_multistep(torch.full((3, 1), 1.5)).flatten().tolist()
    [0.0, 1.0, 0.0]
    """
    return _LIFMultiStep.apply(x, float(tau), float(v_threshold), float(alpha))


class LIF(nn.Module):
    """Multi-step leaky integrate-and-fire neurons with hard reset to 0.

    Input ``[T, ...]``; ``v <- v + (x - v) / tau``, spike when ``v >= v_threshold``, then
    ``v <- 0`` where spiked. Output: the spikes ``[T, ...]`` (0/1, same dtype as the input).

    ``fused=True`` (default) runs the loop over time as one autograd node with a
    hand-written backward through time (:func:`lif_multistep`): the same spikes and the same
    surrogate gradients as the step-by-step loop of ``fused=False``, which autograd records
    operation by operation (several times slower on a CPU).

    >>> lif = LIF()
    >>> lif(torch.full((3, 1), 1.5)).flatten().tolist()
    [0.0, 1.0, 0.0]
    """

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0, alpha: float = 2.0, *,
                 fused: bool = True) -> None:
        super().__init__()
        self.tau, self.v_threshold, self.alpha = float(tau), float(v_threshold), float(alpha)
        self.fused = bool(fused)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            return _LIFMultiStep.apply(x, self.tau, self.v_threshold, self.alpha)
        v = torch.zeros_like(x[0])
        out = []
        for t in range(x.shape[0]):
            v = v + (x[t] - v) / self.tau
            s = atan_spike(v - self.v_threshold, self.alpha)
            v = v * (1.0 - s)
            out.append(s)
        return torch.stack(out)
