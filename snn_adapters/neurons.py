"""A small plain-torch LIF neuron with an ATan surrogate gradient (SPEC section 4).

Used by the tests and examples; the adapters themselves work with any neuron model.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["atan_spike", "LIF"]


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


class LIF(nn.Module):
    """Multi-step leaky integrate-and-fire neurons with hard reset to 0.

    Input ``[T, ...]``; ``v <- v + (x - v) / tau``, spike when ``v >= v_threshold``, then
    ``v <- 0`` where spiked. Output: the spikes ``[T, ...]`` (0/1, same dtype as the input).

    >>> lif = LIF()
    >>> lif(torch.full((3, 1), 1.5)).flatten().tolist()
    [0.0, 1.0, 0.0]
    """

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0, alpha: float = 2.0) -> None:
        super().__init__()
        self.tau, self.v_threshold, self.alpha = float(tau), float(v_threshold), float(alpha)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = torch.zeros_like(x[0])
        out = []
        for t in range(x.shape[0]):
            v = v + (x[t] - v) / self.tau
            s = atan_spike(v - self.v_threshold, self.alpha)
            v = v * (1.0 - s)
            out.append(s)
        return torch.stack(out)
