"""The firing threshold of a spiking-neuron module, whichever framework built it.

SSWI's hidden-layer rule scales a layer's weights with the threshold ``theta`` of the neurons
that layer drives (docs/method.md, section 3.2). In a network someone else built those are
their neurons, so ``CHSNN(theta="auto")`` reads the threshold during ``calibrate()`` from the
first spiking module called after each sparse layer (:meth:`SpikeRecorder.thresholds
<snn_adapters.calibration.SpikeRecorder.thresholds>`), with :func:`neuron_threshold`:

==========================================  ==================================
module                                      threshold read
==========================================  ==================================
``snn_adapters.LIF``, SpikingJelly nodes     ``module.v_threshold``
snnTorch neurons (``snn.Leaky``, ...)        ``module.threshold``
Norse cells (``LIFCell``, ...)               ``module.p.v_th``
==========================================  ==================================

A threshold is used only when it is one positive finite number (a scalar, or a tensor whose
entries are all equal); per-neuron thresholds that differ give ``None``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["neuron_threshold", "threshold_attribute", "as_threshold", "NOT_A_NEURON"]


def as_threshold(value) -> float | None:
    """``value`` as one positive finite float (a number, or a tensor of equal entries), or
    ``None``."""
    if isinstance(value, torch.Tensor):
        if value.numel() == 0:
            return None
        flat = value.detach().reshape(-1)
        if not bool((flat == flat[0]).all()):
            return None
        value = flat[0].item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and value > 0 else None


#: what :func:`threshold_attribute` returns for a module that is no spiking neuron we know
NOT_A_NEURON = object()


def threshold_attribute(module: nn.Module):
    """The raw threshold attribute of a spiking-neuron module (see the table above), or
    :data:`NOT_A_NEURON`."""
    if hasattr(module, "v_threshold"):  # snn_adapters.LIF, SpikingJelly's nodes
        return module.v_threshold
    origin = type(module).__module__ or ""
    if origin.split(".")[0] == "snntorch" and hasattr(module, "threshold"):
        return module.threshold
    params = getattr(module, "p", None)
    if params is not None and hasattr(params, "v_th"):  # Norse's cells: their parameters
        return params.v_th
    return NOT_A_NEURON


def neuron_threshold(module: nn.Module) -> float | None:
    """The firing threshold of a spiking-neuron module, or ``None`` if it is no neuron we know
    or its threshold is not one positive number.

    Examples
    --------
    >>> from snn_adapters import LIF
    >>> neuron_threshold(LIF(v_threshold=0.5))
    0.5
    >>> neuron_threshold(torch.nn.ReLU()) is None
    True
    """
    raw = threshold_attribute(module)
    return None if raw is NOT_A_NEURON else as_threshold(raw)
