"""Input encoders: static inputs ``[B, ...]`` to multi-step inputs ``[T, B, ...]``
(docs/method.md, section 4.2).

* :class:`PoissonEncoder` -- rate coding: at every time step each input emits a spike with
  probability equal to its intensity (Bernoulli, independent over time and inputs). The first
  layer then receives binary spikes and the energy model counts synaptic operations.
* :class:`DirectEncoder` -- direct coding: the analog input is repeated ``T`` times. The first
  layer receives analog values; :mod:`chsnn.energy` counts them as multiply-accumulates.
* :class:`FrameEncoder` -- inputs that already are ``T`` frames (event data binned by
  :mod:`chsnn.datasets_events`), stored flattened per sample: ``[B, T * C * H * W]`` to
  ``[T, B, C, H, W]``, values unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from chgraph import checks

__all__ = ["PoissonEncoder", "DirectEncoder", "FrameEncoder"]


def _check_t(T) -> int:
    return checks.integer("T", T, low=1)


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
            return self._spikes((x.shape[1], self.T, x.shape[0]), x.t().unsqueeze(1),
                                generator).permute(1, 2, 0)
        return self._spikes((self.T, *x.shape), x, generator)

    @staticmethod
    def _spikes(shape, p: torch.Tensor, generator) -> torch.Tensor:
        """``u < p`` for uniform ``[0, 1)`` draws ``u`` of ``shape`` (``p`` broadcast). On the
        CPU numpy's PCG64, seeded by one draw from the torch generator (so runs stay
        reproducible from it), makes and compares them: torch's CPU ``uniform_`` and
        broadcast compare cost several times more, most of a sparse training step."""
        if p.device.type != "cpu" or p.dtype not in (torch.float32, torch.float64):
            u = torch.rand(shape, generator=generator, device=p.device, dtype=p.dtype)
            return (u < p).to(p.dtype)
        seed = int(torch.randint(0, 2 ** 62, (1,), generator=generator))
        dtype = np.float32 if p.dtype == torch.float32 else np.float64
        u = np.random.Generator(np.random.PCG64(seed)).random(shape, dtype=dtype)
        np.less(u, p.numpy(), out=u, casting="unsafe")    # 1.0 where a spike, else 0.0
        return torch.from_numpy(u)

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


class FrameEncoder(nn.Module):
    """Hand samples that are ``T`` frames of ``frame_shape`` to the model time-major:
    ``[B, T * prod(frame_shape)]`` (or ``[B, T, *frame_shape]``) to ``[T, B, *frame_shape]``
    (a contiguous copy; values unchanged, so binary event frames stay spikes).

    >>> x = torch.arange(12.0).reshape(2, 6)       # 2 samples of T = 3 frames of shape (2,)
    >>> FrameEncoder(3, (2,))(x)[:, 1].tolist()     # sample 1, frame by frame
    [[6.0, 7.0], [8.0, 9.0], [10.0, 11.0]]
    """

    def __init__(self, T: int, frame_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.T = _check_t(T)
        self.frame_shape = tuple(int(s) for s in frame_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.is_floating_point(x):
            x = x.float()
        per_sample = self.T * math.prod(self.frame_shape)
        if x.dim() < 2 or math.prod(x.shape[1:]) != per_sample:
            raise ValueError(f"FrameEncoder: expected [B, {self.T} * {self.frame_shape}] "
                             f"({per_sample} values per sample), got {tuple(x.shape)}")
        frames = x.reshape(x.shape[0], self.T, *self.frame_shape)
        return frames.transpose(0, 1).contiguous()

    def extra_repr(self) -> str:
        return f"T={self.T}, frame_shape={self.frame_shape}"
