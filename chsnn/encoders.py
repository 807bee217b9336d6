"""Input encoders: static inputs ``[B, ...]`` to multi-step inputs ``[T, B, ...]`` (SPEC 4).

* :class:`PoissonEncoder` -- rate coding: at every time step each input emits a spike with
  probability equal to its intensity (Bernoulli, independent over time and inputs). The first
  layer then receives binary spikes and the energy model counts synaptic operations.
* :class:`DirectEncoder` -- direct coding: the analog input is repeated ``T`` times. The first
  layer receives analog values; :mod:`chsnn.energy` counts them as multiply-accumulates.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

__all__ = ["PoissonEncoder", "DirectEncoder"]


def _check_t(T) -> int:
    if isinstance(T, bool) or not isinstance(T, numbers.Integral) or T < 1:
        raise ValueError(f"T must be a positive integer, got {T!r}")
    return int(T)


class PoissonEncoder(nn.Module):
    """Bernoulli (Poisson-rate) spikes ``[T, B, ...]`` with ``P(spike) = intensity``.

    Intensities must lie in ``[0, 1]`` (a ``ValueError`` otherwise; scale the data first).
    Randomness comes from ``generator`` (a :class:`torch.Generator` on the input's device) when
    given, else from torch's global RNG. The output has the input's floating dtype (float32 for
    integer inputs) and device; for ``[B, F]`` inputs it is a ``[T, B, F]`` view of a
    feature-major ``[F, T, B]`` tensor (what :class:`snn_adapters.SparseLinear` reads without
    a copy; ``.contiguous()`` gives the usual layout).

    >>> enc = PoissonEncoder(T=4)
    >>> s = enc(torch.tensor([[0.0, 1.0]]), generator=torch.Generator().manual_seed(0))
    >>> s.shape, s[:, 0, 0].tolist(), s[:, 0, 1].tolist()
    (torch.Size([4, 1, 2]), [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0])
    """

    def __init__(self, T: int = 8) -> None:
        super().__init__()
        self.T = _check_t(T)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if not torch.is_floating_point(x):
            x = x.float()
        if x.numel() and (bool((x < 0).any()) or bool((x > 1).any()) or bool(x.isnan().any())):
            raise ValueError("PoissonEncoder: intensities must lie in [0, 1] "
                             f"(got min {float(x.min())}, max {float(x.max())})")
        if x.dim() == 2:
            # [B, F] inputs: drawn feature-major, ``[F, T, B]`` in memory, returned as a
            # ``[T, B, F]`` view, the layout sparse layers read without a transposed copy
            # (uniform_ on an empty tensor: the same distribution, about twice as fast on
            # the CPU as torch.rand)
            u = torch.empty((x.shape[1], self.T, x.shape[0]), device=x.device,
                            dtype=x.dtype).uniform_(generator=generator)
            return (u < x.t().unsqueeze(1)).to(x.dtype).permute(1, 2, 0)
        u = torch.rand((self.T, *x.shape), generator=generator, device=x.device, dtype=x.dtype)
        return (u < x).to(x.dtype)

    def extra_repr(self) -> str:
        return f"T={self.T}"


class DirectEncoder(nn.Module):
    """Repeat the analog input ``T`` times: ``[B, ...] -> [T, B, ...]`` (a contiguous copy).

    >>> DirectEncoder(T=3)(torch.tensor([[0.5, 0.25]])).tolist()
    [[[0.5, 0.25]], [[0.5, 0.25]], [[0.5, 0.25]]]
    """

    def __init__(self, T: int = 8) -> None:
        super().__init__()
        self.T = _check_t(T)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.is_floating_point(x):
            x = x.float()
        return x.unsqueeze(0).repeat(self.T, *([1] * x.dim()))

    def extra_repr(self) -> str:
        return f"T={self.T}"
