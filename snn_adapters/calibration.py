"""Spike recording hooks for calibration (SSCTI and SSWI, docs/method.md, sections 3.1 and 3.2).

:class:`SpikeRecorder` registers forward pre-hooks on the sparse layers. Every call of a layer
contributes observations (rows of ``n_in`` inputs): a single-step input ``[B, n_in]``, a
multi-step input ``[T, B, n_in]`` or any ``[..., n_in]`` for a Linear; ``[..., n_in, L]`` for a
kernel-1 Conv1d (each position is an observation). For every layer it accumulates the fraction
of non-zero inputs (the input firing rate; for 0/1 spikes the mean firing probability). For the
first sparse layer called (in forward order) it also keeps the input rows themselves, up to
``max_observations`` rows, for the spike correlation of SSCTI.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from chgraph.evolution import (
    current_power,
    match_current,
    normal_on_links,
    spike_correlation,
    sscti_topology,
    sswi_std,
)

from .layers import layer_shape
from .thresholds import NOT_A_NEURON, as_threshold, threshold_attribute

__all__ = ["layer_input_rows", "SpikeRecorder", "calibrated_layers"]


def layer_input_rows(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The inputs of a linear-like layer as a ``[observations, n_in]`` tensor."""
    n_in = layer_shape(module)[0]
    if isinstance(module, nn.Conv1d) or getattr(module, "channels_first", False):
        if x.dim() < 2 or x.shape[-2] != n_in:
            raise ValueError(f"Conv1d input {tuple(x.shape)} has no channel axis of size {n_in}")
        x = x.movedim(-2, -1)
    if x.shape[-1] != n_in:
        raise ValueError(f"layer input {tuple(x.shape)} does not end with n_in={n_in}")
    return x.reshape(-1, n_in)


class SpikeRecorder:
    """Forward pre-hooks recording layer inputs; :meth:`remove` releases them.

    Parameters
    ----------
    layers : dict of name -> module
        The sparse layers.
    max_observations : int
        Rows of the first layer's input kept for the correlation (later rows are dropped).
    model : nn.Module, optional
        With a model, forward hooks on its spiking-neuron modules
        (:func:`~snn_adapters.thresholds.threshold_attribute`) also record which neuron each
        layer drives: see :meth:`thresholds`.

    Attributes
    ----------
    order : list of str
        Layer names in the order of their first call.
    rates : dict of name -> float
        Fraction of non-zero inputs seen by each called layer.
    binary : bool
        Whether every recorded first-layer input was 0/1.
    """

    def __init__(self, layers: dict, max_observations: int = 200_000,
                 model: nn.Module | None = None) -> None:
        self.layers = dict(layers)
        self.max_observations = int(max_observations)
        self.order: list[str] = []
        self._nonzero = {n: 0 for n in self.layers}
        self._count = {n: 0 for n in self.layers}
        self._rows: list[np.ndarray] = []
        self._n_rows = 0
        self.binary = True
        self._handles = [m.register_forward_pre_hook(self._make_hook(n))
                         for n, m in self.layers.items()]
        self._driven: dict[str, float | None] = {}  # layer -> threshold of the neuron after it
        self._pending: str | None = None  # the last layer called, while no neuron followed yet
        if model is not None:
            own = {id(m) for m in self.layers.values()}
            self._handles += [m.register_forward_hook(self._neuron_hook)
                              for m in model.modules() if id(m) not in own
                              and threshold_attribute(m) is not NOT_A_NEURON]

    def _neuron_hook(self, module, args, output) -> None:
        if self._pending is not None:
            self._driven[self._pending] = as_threshold(threshold_attribute(module))
            self._pending = None

    def thresholds(self) -> dict:
        """``{layer: threshold}`` of the spiking neurons each sparse layer drives: those of
        the first neuron module (of the ``model`` given) called after the layer and before any
        other sparse layer; ``None`` where that module's threshold is not one positive number.
        Layers that feed another layer directly, or no neuron we know, are absent."""
        return dict(self._driven)

    def _make_hook(self, name: str):
        def hook(module, args):
            if not args or not isinstance(args[0], torch.Tensor):
                return
            with torch.no_grad():
                rows = layer_input_rows(module, args[0].detach())
                if name not in self.order:
                    self.order.append(name)
                self._pending = None if name in self._driven else name
                self._nonzero[name] += int(torch.count_nonzero(rows))
                self._count[name] += rows.numel()
                if name == self.order[0] and self._n_rows < self.max_observations:
                    keep = rows[: self.max_observations - self._n_rows]
                    if self.binary and not bool(((keep == 0) | (keep == 1)).all()):
                        self.binary = False
                    self._rows.append(keep.float().cpu().numpy())
                    self._n_rows += keep.shape[0]
        return hook

    @property
    def n_observations(self) -> int:
        """Rows of the first layer's input kept so far (at most ``max_observations``)."""
        return self._n_rows

    @property
    def rates(self) -> dict:
        return {n: self._nonzero[n] / self._count[n] for n in self.order if self._count[n]}

    def first_layer_rows(self) -> np.ndarray:
        """The recorded input rows of the first layer, ``[observations, n_in]`` float32."""
        if not self._rows:
            raise RuntimeError("no layer input was recorded")
        return np.concatenate(self._rows, axis=0)

    def remove(self) -> None:
        """Remove every hook (idempotent)."""
        for h in self._handles:
            h.remove()
        self._handles.clear()

    @property
    def active(self) -> bool:
        return bool(self._handles)


def calibrated_layers(rec: SpikeRecorder, shapes: dict, links: dict, sparsity: float, rng, *,
                      sscti: bool, sswi: bool, theta: dict, classifier: str | None,
                      sscti_rule: str = "tiled", sswi_rule: str = "paper",
                      weights: dict | None = None) -> dict:
    """The calibrated topology and weights of every sparse layer (docs/method.md, sections
    3.1-3.2), in the engine's terms: ``{name: (links, weights or None)}``.

    The first layer called gets the SSCTI topology (when ``sscti``, by ``sscti_rule``, see
    :func:`~chgraph.evolution.sscti_topology`) from its recorded input rows; the others keep
    ``links`` (their present links). With ``sswi`` every layer gets SSWI weights on its links
    (``first``: ``St`` = 1 - its input firing rate; ``classifier``: ``last``; else ``hidden``
    with the layer's threshold ``theta[name]``), drawn from ``rng`` in link order; without,
    ``None`` (the present weights stay, 0 on new links). With ``sswi_rule="matched"`` the
    first layer's draw is then rescaled per neuron (:func:`~chgraph.evolution.match_current`)
    so that its input current over the recorded rows has the mean power the present links and
    ``weights`` (the layer's initialisation) give on the same rows.
    """
    first = rec.order[0]
    rates = rec.rates
    # the first layer's recorded rows, concatenated once (SSCTI and the matched SSWI read them)
    rows = rec.first_layer_rows() if (sscti or (sswi and sswi_rule == "matched")) else None
    out = {}
    for name, (n_in, n_out) in shapes.items():
        if name == first and sscti:
            corr = spike_correlation(rows)
            layer_links = np.flatnonzero(sscti_topology(corr, n_out, sparsity,
                                                                  rule=sscti_rule))
        else:
            layer_links = links[name]
        w = None
        if sswi:
            position = ("first" if name == first else
                        "last" if name == classifier else "hidden")
            std = sswi_std(position, n_in, 1.0 - layer_links.size / (n_in * n_out),
                           st=1.0 - rates[first] if position == "first" else None,
                           theta=None if position == "first" else theta[name])
            w = normal_on_links(layer_links.size, std, rng)
            if name == first and sswi_rule == "matched":
                w = _matched(rows, links[name], weights[name], layer_links, w, (n_in, n_out))
        out[name] = (layer_links, w)
    return out


def _matched(rows, links, weights, new_links, new_weights, shape):
    """``new_weights`` rescaled per neuron to the mean current power of ``links`` /
    ``weights`` on ``rows``; unchanged when that power is 0 (inputs that never fire)."""
    target = float(np.mean(current_power(rows, links, weights, shape)))
    if target <= 0.0:
        return new_weights
    return match_current(rows, new_links, new_weights, shape, target)
