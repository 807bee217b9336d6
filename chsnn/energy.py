"""Synaptic-operation counting and energy estimates (docs/method.md, section 4.4).

Counted layers: ``nn.Linear``, :class:`snn_adapters.SparseLinear` (its links are its synapses)
and ``nn.Conv1d/2d/3d`` (forward pre-hooks on their input).
The *synapses* of a layer are the entries of its ``weight_mask`` buffer (torch orientation
``(out, in, *kernel)``), or all weights when it has none (a weight that is 0 without a mask
still counts as a synapse). Every call of a layer is classified by its input:

* binary input (every entry 0 or 1): **SOPs** = number of (input spike, existing synapse)
  events. Linear: ``sum_{rows, i} x[row, i] * fanout_i`` with ``fanout_i = M[:, i].sum()``.
  Conv (exact): each output entry receives one event per existing kernel tap whose input is a
  spike, so ``SOPs = conv(x, M as 0/1 kernel).sum()`` with the layer's own stride, padding
  (padding mode included), dilation and groups; zero padding contributes nothing and border
  positions count only the taps that fall inside the input.
* analog input (anything else, e.g. the first layer under direct encoding or a token-averaged
  rate): **MACs** = every input entry, zero or not, times its synapses actually used, i.e. the
  same formulas with ``x`` replaced by ones (a dense multiply-accumulate layer does not skip
  zeros).

Counts are summed over the whole forward (all time steps, all calls) and divided by the number
of samples, so they are *per sample*. ``dense_*`` are the same counts on the same inputs with
every mask replaced by ones. Biases, BatchNorm (foldable), LIF updates, pooling and the
attention products of :class:`chsnn.models.Spikformer` are not counted.

Energy: ``E = SOPs * e_AC + MACs * e_MAC`` with 0.9 pJ per accumulate and 4.6 pJ per MAC
(45 nm CMOS); :data:`ANP_I_PJ_PER_SOP` = 1.5 pJ/SOP for the ANP-I chip of the paper.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from snn_adapters.layers import normalize_name
from snn_adapters.masks import get_mask
from snn_adapters.sparse_linear import SparseLinear

__all__ = ["PJ_PER_SOP", "PJ_PER_MAC", "ANP_I_PJ_PER_SOP", "LayerOps", "EnergyReport",
           "count_synaptic_operations"]

PJ_PER_SOP = 0.9
PJ_PER_MAC = 4.6
ANP_I_PJ_PER_SOP = 1.5

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def _energy_uj(sops: float, macs: float, pj_per_sop: float, pj_per_mac: float) -> float:
    return (sops * pj_per_sop + macs * pj_per_mac) * 1e-6


@dataclass
class LayerOps:
    """Per-sample operation counts of one layer (see the module docstring)."""

    name: str
    kind: str                 # "linear" or "conv"
    synapses: int             # existing synapses (mask entries, or all weights)
    dense_synapses: int       # weight entries
    sops: float = 0.0
    macs: float = 0.0
    dense_sops: float = 0.0
    dense_macs: float = 0.0
    calls: int = 0            # forward calls seen (over all batches)
    binary_calls: int = 0     # of which with binary input

    def energy_uj(self, pj_per_sop: float = PJ_PER_SOP, pj_per_mac: float = PJ_PER_MAC) -> float:
        """Energy per sample in microjoules."""
        return _energy_uj(self.sops, self.macs, pj_per_sop, pj_per_mac)


@dataclass
class EnergyReport:
    """Operation counts per sample, per layer (forward order) and in total."""

    layers: dict[str, LayerOps] = field(default_factory=dict)
    n_samples: int = 0

    @property
    def sops(self) -> float:
        return sum(lo.sops for lo in self.layers.values())

    @property
    def macs(self) -> float:
        return sum(lo.macs for lo in self.layers.values())

    @property
    def dense_sops(self) -> float:
        return sum(lo.dense_sops for lo in self.layers.values())

    @property
    def dense_macs(self) -> float:
        return sum(lo.dense_macs for lo in self.layers.values())

    def energy_uj(self, pj_per_sop: float = PJ_PER_SOP, pj_per_mac: float = PJ_PER_MAC) -> float:
        """Energy per sample in microjoules (use ``pj_per_sop=ANP_I_PJ_PER_SOP`` for ANP-I)."""
        return _energy_uj(self.sops, self.macs, pj_per_sop, pj_per_mac)

    def dense_energy_uj(self, pj_per_sop: float = PJ_PER_SOP,
                        pj_per_mac: float = PJ_PER_MAC) -> float:
        """The same for the dense counterpart (same spikes, every mask full)."""
        return _energy_uj(self.dense_sops, self.dense_macs, pj_per_sop, pj_per_mac)

    def as_dict(self) -> dict:
        """Plain-data summary (for JSON reports)."""
        return {"n_samples": self.n_samples, "sops": self.sops, "macs": self.macs,
                "dense_sops": self.dense_sops, "dense_macs": self.dense_macs,
                "energy_uj": self.energy_uj(), "dense_energy_uj": self.dense_energy_uj(),
                "layers": {n: {k: v for k, v in vars(lo).items() if k != "name"}
                           for n, lo in self.layers.items()}}

    def __str__(self) -> str:
        lines = [f"EnergyReport per sample over {self.n_samples} samples: SOPs {self.sops:.4g} "
                 f"(dense {self.dense_sops:.4g}), MACs {self.macs:.4g}, "
                 f"{self.energy_uj():.4g} uJ"]
        lines += [f"  {n}: {lo.kind} synapses {lo.synapses}/{lo.dense_synapses} SOPs "
                  f"{lo.sops:.4g} MACs {lo.macs:.4g}" for n, lo in self.layers.items()]
        return "\n".join(lines)


def _is_binary(x: torch.Tensor) -> bool:
    return bool(((x == 0) | (x == 1)).all())


def _count(mod: nn.Module, x: torch.Tensor, mask: torch.Tensor | None) -> float:
    """Events of input ``x`` (float64, 0/1 spikes or ones) through the synapses of ``mask``
    (for a :class:`~snn_adapters.SparseLinear`, any non-None ``mask`` means its links)."""
    if isinstance(mod, SparseLinear):
        n_in, n_out = mod.shape
        if mask is None:
            fanout = torch.full((n_in,), float(n_out), dtype=torch.float64, device=x.device)
        else:
            fanout = torch.bincount(mod.weight_links // n_out, minlength=n_in).to(
                device=x.device, dtype=torch.float64)
        if mod.channels_first:
            x = x.movedim(-2, -1)
        return float(x.reshape(-1, n_in).sum(0) @ fanout)
    w = mod.weight
    m = torch.ones_like(w, dtype=torch.float64) if mask is None else \
        mask.reshape(w.shape).to(torch.float64)
    if isinstance(mod, nn.Linear):
        fanout = m.sum(0)                                      # [in]
        return float(x.reshape(-1, x.shape[-1]).sum(0) @ fanout)
    return float(mod._conv_forward(x, m, None).sum())


def count_synaptic_operations(model: nn.Module, inputs: torch.Tensor | Iterable[torch.Tensor], *,
                              batch_dim: int = 1) -> EnergyReport:
    """Run ``model`` on ``inputs`` and count SOPs / MACs per sample and layer.

    ``inputs`` is one batch (``[T, B, ...]``: samples on ``batch_dim``) or an iterable of
    batches. The model runs under ``torch.no_grad`` in eval mode (BatchNorm uses its running
    statistics); its training flag is restored afterwards.

    >>> lin = nn.Linear(3, 2)
    >>> rep = count_synaptic_operations(lin, torch.tensor([[[1., 0., 1.]]]))
    >>> rep.sops, rep.dense_sops, rep.macs
    (4.0, 4.0, 0.0)
    """
    layers: dict[str, LayerOps] = {}
    handles = []
    seen: set[int] = set()

    def make_hook(name: str):
        def hook(mod, args):
            x = args[0]
            if not isinstance(x, torch.Tensor):
                return
            if isinstance(mod, SparseLinear):
                mask, synapses, dense = True, mod.n_links, math.prod(mod.shape)
            else:
                mask = get_mask(mod)
                dense = int(mod.weight.numel())
                synapses = dense if mask is None else int(mask.count_nonzero())
            lo = layers.get(name)
            if lo is None:
                lo = layers[name] = LayerOps(
                    name, "conv" if isinstance(mod, _CONVS) else "linear",
                    synapses=synapses, dense_synapses=dense)
            lo.calls += 1
            xd = x.detach().to(torch.float64)
            if _is_binary(xd):
                lo.binary_calls += 1
                lo.sops += _count(mod, xd, mask)
                lo.dense_sops += _count(mod, xd, None)
            else:
                ones = torch.ones_like(xd)
                lo.macs += _count(mod, ones, mask)
                lo.dense_macs += _count(mod, ones, None)
        return hook

    for raw, mod in model.named_modules():
        if id(mod) in seen or not isinstance(mod, (nn.Linear, SparseLinear, *_CONVS)):
            continue
        if not (isinstance(mod, SparseLinear)
                or isinstance(getattr(mod, "weight", None), torch.Tensor)):
            continue
        seen.add(id(mod))
        name = normalize_name(raw) or type(mod).__name__
        handles.append(mod.register_forward_pre_hook(make_hook(name)))

    batches = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
    was_training = model.training
    n_samples = 0
    try:
        model.eval()
        with torch.no_grad():
            for xb in batches:
                n_samples += int(xb.shape[batch_dim])
                model(xb)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    if n_samples == 0:
        raise ValueError("count_synaptic_operations: no samples in inputs")
    for lo in layers.values():
        lo.sops /= n_samples
        lo.macs /= n_samples
        lo.dense_sops /= n_samples
        lo.dense_macs /= n_samples
    return EnergyReport(layers=layers, n_samples=n_samples)
