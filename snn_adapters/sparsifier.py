"""CHSNN: Cannistraci-Hebb dynamic sparse training of a torch model with the chgraph engine.

The sparsifier owns nothing but masks (boolean buffers on the layers), a schedule, an rng and
statistics; training stays the user's plain torch loop. Topology decisions are made by
:func:`chgraph.evolution.evolve_links` on CPU numpy copies of the links alone (flat indices
``i * n_out + o`` in the engine's ``n_in x n_out`` orientation, the transpose of torch's
``(out, in)`` weight, and their weights); masks, weights and optimiser state stay on the
model's device, and an update writes only the entries that changed.

Chains (for percolation). The sparse layers are ordered by their first call in the first
forward pass (recorded with hooks; registration order if no forward was seen). Two sparse
layers are in the same chain when the second is the weighted module called right after the
first (no other weighted layer such as a conv or an excluded linear in between) and the
shapes chain (``n_out`` of the first equals ``n_in`` of the second). Every other sparse layer
starts a new chain; a chain of one layer has no hidden neurons, so percolation never touches
it. The dense classifier is not part of any chain (it would not change the result: a dense
layer gives every hidden neuron outgoing links).

Distributed (torch.distributed initialised, world size > 1): rank 0 draws the initial
topology, runs calibration and every evolution; the result (masks, weights of new layers,
rng state, statistics) is broadcast with ``broadcast_object_list`` and applied on every rank;
then a checksum of the masks is all-reduced and a divergence raises ``RuntimeError``.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
import warnings

import numpy as np
import torch
from torch import nn

from chgraph import BipartiteLayer, checks
from chgraph.analysis import live_counts
from chgraph.evolution import (
    SSCTI_RULES,
    SSWI_RULES,
    EvolutionSchedule,
    evolve_links,
    n_links_for,
    normal_on_links,
    random_equal_degree_links,
    swi_std,
)

from . import storage
from .calibration import SpikeRecorder, calibrated_layers
from .chains import check_chains, infer_chains
from .distributed import process_group, rank, share_from_rank0
from .layers import ForwardOrderRecorder, find_linear_layers, layer_shape
from .masks import apply_mask, get_mask, optimizer_state_tensors, set_mask, zero_optimizer_state
from .sparse_linear import BACKENDS
from .state import STATE_VERSION, parse_state

__all__ = ["CHSNN"]


class CHSNN:
    """Cannistraci-Hebb sparse training (CH-SNN) for the linear layers of a torch model.

    Parameters
    ----------
    model : torch.nn.Module
        The model (bare, DDP-wrapped or compiled). Every ``nn.Linear`` and kernel-1
        ``nn.Conv1d`` is sparsified, except the classifier (the last linear layer) unless
        ``sparse_classifier=True``, and subject to ``include`` / ``exclude``.
    optimizer : torch.optim.Optimizer
        The optimiser of the model; it must hold the weights of the sparse layers.
    sparsity : float
        Fraction of weights removed in every sparse layer, in ``(0, 1)``; each layer keeps
        exactly ``chgraph.evolution.n_links_for(shape, sparsity)`` links.
    total_steps : int
        Optimiser steps of the whole training.
    update_interval : int, optional
        Steps between topology updates (CHT: one epoch, ``len(loader)``). Default
        ``max(1, total_steps // 100)``.
    include, exclude : str or list of str, optional
        fnmatch patterns on the normalised layer names (``"fc*"``, ``"encoder.*"``).
    sparse_classifier : bool
        Sparsify the classifier too (default False: it stays dense and untouched).
    classifier : str, optional
        Name of the classifier layer. Default: the last linear-like layer in registration
        order; a warning is given if the forward order disagrees.
    theta : float or "auto"
        Firing threshold of the neurons a hidden sparse layer drives, used by SSWI's hidden
        rule. ``"auto"`` (default): read in :meth:`calibrate` from the first spiking module
        called after each layer (``v_threshold`` of ``snn_adapters.LIF`` and SpikingJelly's
        nodes, snnTorch's ``threshold``, Norse's ``p.v_th``:
        :mod:`snn_adapters.thresholds`), 1.0 where none is found (with a warning for the
        layers whose SSWI uses it). A number: that threshold for every layer.
    sscti : bool
        Use the spike-correlated topology for the first layer in :meth:`calibrate` (default
        True; False keeps the random topology and only applies SSWI).
    sscti_rule : {"per-neuron", "tiled", "per-neuron-distinct"}
        How SSCTI turns the correlation into links (:func:`~chgraph.evolution.sscti_topology`):
        every hidden neuron its own top correlations among the inputs that fire (default), the
        paper's tiling (which can leave neurons without inputs), or per-neuron with distinct
        slices of a shared profile. The defaults of
        ``sscti_rule`` and ``sswi_rule`` are what a validation study of drop-in networks chose
        (docs/method.md, section 3.2); ``chsnn train`` passes the rules its own study chose.
    sswi : bool
        Apply SSWI weights in :meth:`calibrate` (default True; False keeps the SWI weights of
        construction: the "without SSWI" ablation).
    sswi_rule : {"matched", "paper"}
        The first layer's SSWI: the paper's draw rescaled per neuron so that each neuron's
        input current over the calibration data has the mean power the layer's
        initialisation gave (default, :func:`~chgraph.evolution.match_current`: the drive
        stays what the network's own neurons were set up for, with spikes or analog input and
        any threshold or leak), or the paper's formula (``St`` from the input firing rate).
    chains : list of list of str, optional
        The chains of sparse layers for percolation, each in forward order, covering every
        sparse layer once (default: inferred from the forward order, see the module
        documentation). ``[[name] for name in names]`` keeps every layer on its own, for
        example across residual connections, where percolation does not apply.
    seed : int or numpy.random.Generator, optional
        Randomness of topology and weights (default: fresh entropy).
    max_calibration_observations : int
        Rows (sample x time step) of the first layer's input kept by :meth:`calibrate`.
    execution : {"masked", "sparse"}
        How the sparse layers are stored and run. ``"masked"`` (default): the layers stay
        as they are, dense weights with a ``weight_mask`` buffer, gradients of pruned weights
        zeroed before every optimiser step (a drop-in that changes nothing else in the
        model). ``"sparse"``: every sparse layer is replaced in the model (and its weight in
        the optimiser, with its state) by a :class:`~snn_adapters.SparseLinear` that stores
        only its links; training and inference then cost what the links cost. Build the
        sparsifier before wrapping the model in ``DistributedDataParallel`` (it replaces
        parameters). Masked and sparse runs of the same seed start from the same topology
        and weights.
    backend : {"auto", "numba", "torch"}
        The products of sparse layers (see :mod:`snn_adapters.sparse_linear`).
    **schedule_options
        Further :class:`chgraph.evolution.EvolutionSchedule` fields (``zeta``, ``removal``,
        ``regrowth``, ``end_fraction``, ``early_stop_overlap``, ...).

    Each sparse layer gets a random equal-degree topology
    (:func:`chgraph.evolution.random_equal_degree`) and SWI weights
    (:func:`chgraph.evolution.swi`) at construction, unless it already carries a
    ``weight_mask`` buffer with the right number of links (a copied sparse model), which is
    kept. :meth:`calibrate` replaces them with SSCTI + SSWI.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 30), nn.ReLU(),
    ...                       nn.Linear(30, 4))
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> sp = CHSNN(model, opt, sparsity=0.9, total_steps=20, update_interval=5, seed=0)
    >>> sp.layer_names
    ['0', '2']
    >>> for _ in range(6):
    ...     loss = model(torch.randn(8, 20)).square().mean()
    ...     opt.zero_grad(); loss.backward(); opt.step()
    ...     _ = sp.step()
    >>> sp.step_count, len(sp.history), int(model[0].weight.count_nonzero()) <= 60
    (6, 1, True)
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, sparsity: float,
                 total_steps: int, *, update_interval: int | None = None, include=None,
                 exclude=None, sparse_classifier: bool = False, classifier: str | None = None,
                 theta: float | str = "auto", sscti: bool = True, sswi: bool = True,
                 sscti_rule: str = "per-neuron", sswi_rule: str = "matched", chains=None,
                 seed=None, max_calibration_observations: int = 200_000,
                 execution: str = "masked", backend: str = "auto",
                 **schedule_options) -> None:
        # -- validate everything before touching the model ---------------------------------
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got "
                            f"{type(optimizer).__name__}")
        sparsity = checks.sparsity(sparsity)
        if not (isinstance(theta, str) and theta == "auto"):
            try:
                theta = float(checks.real("theta", theta, 0.0, open_low=True))
            except TypeError as exc:
                raise ValueError(f"{exc} (or 'auto')") from None
        total_steps = checks.integer("total_steps", total_steps)
        checks.one_of("sscti_rule", sscti_rule, SSCTI_RULES)
        checks.one_of("sswi_rule", sswi_rule, SSWI_RULES)
        checks.one_of("execution", execution, storage.EXECUTIONS)
        checks.one_of("backend", backend, BACKENDS)
        if execution == "sparse" and isinstance(
                model, torch.nn.parallel.DistributedDataParallel):
            raise ValueError("execution='sparse' replaces the sparse layers' parameters: build "
                             "CHSNN on the bare model, then wrap it in DistributedDataParallel")
        if update_interval is None:
            update_interval = max(1, int(total_steps) // 100)
        template = EvolutionSchedule(total_steps=int(total_steps),
                                     update_interval=update_interval, **schedule_options)
        all_linear = find_linear_layers(model)
        if classifier is None:
            classifier = all_linear[-1][0] if all_linear else None
        elif classifier not in {n for n, _ in all_linear}:
            raise ValueError(f"classifier {classifier!r} is not a linear layer of the model; "
                             f"linear layers: {[n for n, _ in all_linear]}")
        layers = [(n, m) for n, m in find_linear_layers(model, include, exclude)
                  if sparse_classifier or n != classifier]
        if not layers:
            raise ValueError(
                "no eligible layer to sparsify: the model has linear layers "
                f"{[n for n, _ in all_linear]}, classifier={classifier!r} stays dense "
                f"(sparse_classifier=False), include={include!r}, exclude={exclude!r}")
        if chains is not None:
            chains = check_chains(chains, {n: layer_shape(m) for n, m in layers})
        opt_params = {id(p) for g in optimizer.param_groups for p in g["params"]}
        missing = [n for n, m in layers if id(m.weight) not in opt_params]
        if missing:
            raise ValueError(f"the optimizer does not hold the weights of layers {missing}; "
                             "exclude them or add them to the optimizer")

        self.model = model
        self.optimizer = optimizer
        self.sparsity = float(sparsity)
        #: the SSWI threshold: a number, or "auto" (read from the model's neurons in calibrate)
        self.theta = theta
        self.sscti = bool(sscti)
        self.sscti_rule = sscti_rule
        self.sswi_rule = sswi_rule
        self.sswi = bool(sswi)
        self.sparse_classifier = bool(sparse_classifier)
        self.classifier = classifier
        self.max_calibration_observations = int(max_calibration_observations)
        self._layers: dict[str, nn.Module] = dict(layers)
        self._cache = storage.MaskedCache()  # links and gradient factors of masked layers
        self._template = template
        self._rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self._chains: list[list[str]] | None = chains
        self._schedules = None if chains is None else [template] * len(chains)
        self._pending_scores: dict[str, np.ndarray] = {}
        self._new_links: dict[str, np.ndarray] = {}
        self.step_count = 0
        self.history: list[dict] = []
        self.last_stats: dict | None = None
        self.calibration: dict | None = None
        self._opt_steps = 0
        self._opt_steps_seen = 0

        # -- initial topology and weights (rank 0 decides) ----------------------------------
        self.execution, self.backend = execution, backend
        init = None
        if rank() == 0:
            init = {"layers": {}, "rng": None}
            for name, mod in layers:
                shape = storage.layer_shape_of(mod)
                k = n_links_for(shape, self.sparsity)
                if storage.has_links(mod, k):
                    continue  # adopt the existing topology and weights
                links = random_equal_degree_links(shape, self.sparsity, self._rng)
                std = swi_std(shape[0], 1.0 - k / (shape[0] * shape[1]))
                init["layers"][name] = (links, normal_on_links(k, std, self._rng))
            init["rng"] = self._rng.bit_generator.state
        init = share_from_rank0(init)
        self._rng.bit_generator.state = init["rng"]
        raw_names = {}
        for raw, mod in model.named_modules():
            raw_names.setdefault(id(mod), raw)
        self._raw_names = {name: raw_names[id(mod)] for name, mod in layers}
        with torch.no_grad():
            for name, mod in layers:
                raw = self._raw_names[name]
                if name in init["layers"] and execution == "sparse" and not storage.is_sparse(mod):
                    self._layers[name] = storage.new_sparse_layer(
                        model, raw, mod, *init["layers"][name], optimizer, backend)
                    continue
                mod = storage.convert_layer(model, raw, mod, execution, optimizer, backend)
                self._layers[name] = mod
                if name in init["layers"]:
                    storage.write_links(mod, optimizer, *init["layers"][name])
                elif not storage.is_sparse(mod):
                    set_mask(mod, get_mask(mod))
                    apply_mask(mod)
                    zero_optimizer_state(optimizer, mod.weight, ~get_mask(mod))
        self._check_consistency("initialisation")
        self._arm_dense_gradients(1)

        self._opt_hook = optimizer.register_step_post_hook(self._on_optimizer_step)
        self._grad_hook = optimizer.register_step_pre_hook(self._mask_gradients)
        self._order_recorder = ForwardOrderRecorder(model)

    # -- helpers -------------------------------------------------------------------------------
    def _arm_dense_gradients(self, step: int) -> None:
        """RigL on sparse layers: the backward pass of optimiser step ``step`` computes the
        dense gradient when that step updates the topology (never otherwise)."""
        want = self._template.regrowth == "scores" and self._template.should_update(step)
        for mod in self._layers.values():
            if storage.is_sparse(mod):
                mod.capture_dense_grad = want
                if not want:
                    mod.dense_grad = None

    def _average_dense_gradients(self) -> None:
        """Under DDP, the dense gradients that sparse layers computed in their backward pass
        averaged over the ranks (DDP averages only the parameters' gradients), so that RigL
        scores the whole batch in sparse execution as it does in masked execution."""
        d = process_group()
        if d is None:
            return
        for mod in self._layers.values():
            if storage.is_sparse(mod) and mod.dense_grad is not None:
                d.all_reduce(mod.dense_grad)
                mod.dense_grad /= d.get_world_size()

    def _on_optimizer_step(self, optimizer, args, kwargs) -> None:
        self._opt_steps += 1

    def _mask_gradients(self, optimizer, args, kwargs) -> None:
        """Right before every optimizer step: zero the gradients of pruned weights.

        With a zero gradient, a zero weight and zero state, SGD (momentum, Nesterov, weight
        decay), Adam, AdamW (amsgrad too), RMSprop and Adagrad leave the entry exactly 0: pruned
        weights and their optimizer state stay 0 through the step, at the cost of one pass over
        each sparse weight's gradient (the weight and its state are not touched).
        """
        if self._template.regrowth == "scores" and self._template.should_update(
                self.step_count + 1):
            # RigL: regrowth scores are the magnitudes of the dense gradients of the update
            # step, taken before the pruned entries are zeroed (sparse layers computed them in
            # their backward pass, see _arm_dense_gradients)
            self._average_dense_gradients()
            if rank() == 0:
                self._pending_scores = {name: g for name, mod in self._layers.items()
                                        if (g := storage.dense_gradient(mod)) is not None}
        self._cache.mask(self._layers, lambda mod: [mod.weight.grad])

    @property
    def layer_names(self) -> list[str]:
        """Names of the sparse layers (forward order once known, else registration order)."""
        order = self._forward_order()
        if order is None:
            return list(self._layers)
        pos = {n: i for i, n in enumerate(order)}
        return sorted(self._layers, key=lambda n: pos.get(n, len(pos)))

    def _forward_order(self) -> list[str] | None:
        rec = getattr(self, "_order_recorder", None)
        return rec.order if rec is not None and rec.done else None

    def masks(self) -> dict[str, torch.Tensor]:
        """The boolean masks ``(out, in)`` (torch orientation) by layer name: the mask buffers
        of masked layers, made from the links for sparse ones."""
        return {n: storage.layer_mask(self._layers[n]) for n in self.layer_names}

    def layer_links(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every sparse layer's links (engine flat indices ``i * n_out + o``, ascending) and
        their weights, as numpy arrays, by layer name in forward order: the topology in the
        engine's terms, in either execution mode, without dense matrices."""
        return {n: storage.layer_links(self._layers[n]) for n in self.layer_names}

    def layers(self) -> dict[str, nn.Module]:
        """The sparse layer modules by name (``SparseLinear`` in sparse execution)."""
        return {n: self._layers[n] for n in self.layer_names}

    def graphs(self) -> dict[str, BipartiteLayer]:
        """The current sparse layers as :class:`chgraph.BipartiteLayer` (``n_in x n_out``)."""
        out = {}
        for n, (links, _) in self.layer_links().items():
            n_in, n_out = storage.layer_shape_of(self._layers[n])
            out[n] = BipartiteLayer.from_edges(np.stack(np.divmod(links, n_out), axis=1),
                                               shape=(n_in, n_out))
        return out

    def sparsity_report(self) -> dict:
        """Sparsity over the sparse layers and over all parameters of the model.

        ``all_parameters`` counts every parameter (biases, dense layers) and the links, the
        sparse layers at their dense size (so both execution modes report the same).
        """
        links = sum(storage.n_links(m) for m in self._layers.values())
        sparse_total = sum(math.prod(storage.layer_shape_of(m)) for m in self._layers.values())
        stored = sum(storage.values_param(m).numel() for m in self._layers.values())
        total = sum(p.numel() for p in self.model.parameters()) - stored + sparse_total
        present = total - sparse_total + links
        return {"sparse_layers": 1.0 - links / sparse_total,
                "all_parameters": 1.0 - present / total if total else 0.0,
                "links": links}

    @property
    def chains(self) -> list[list[str]]:
        """The chains of sparse layers that percolation works on (fixed at the first topology
        update; before it, inferred from the forward order recorded so far)."""
        chains = self._chains if self._chains is not None else self._build_chains()
        return [list(c) for c in chains]

    # -- chains ----------------------------------------------------------------------------
    def _build_chains(self) -> list[list[str]]:
        order = self._forward_order()
        if order is None:
            warnings.warn("CHSNN: no forward pass was recorded before the first topology "
                          "update; layers are chained in registration order", stacklevel=3)
            order = list(self._layers)
        elif not self.sparse_classifier:
            all_lin = {n for n, _ in find_linear_layers(self.model)}
            lin_order = [n for n in order if n in all_lin]
            if lin_order and lin_order[-1] != self.classifier:
                warnings.warn(
                    f"CHSNN: the last linear layer in forward order is {lin_order[-1]!r}, not "
                    f"the classifier assumed at construction ({self.classifier!r}); pass "
                    "classifier=... to choose it", stacklevel=3)
        return infer_chains(self.layer_names, order,
                            {n: layer_shape(m) for n, m in self._layers.items()})

    # -- training ------------------------------------------------------------------------------
    def step(self) -> dict | None:
        """Call once after every ``optimizer.step()``.

        Counts the step and, when the schedule says so, evolves the topology (removal,
        percolation, CH3-L3 regrowth; masks re-applied, optimizer state of removed and regrown
        links zeroed). Returns that step's statistics (see :attr:`last_stats`) on an evolution
        step, else ``None``. Pruned weights and their optimizer state stay exactly 0 between
        updates because the gradients of pruned weights are zeroed right before each
        optimizer step (an optimizer pre-step hook); after editing weights by hand, call
        :meth:`apply_masks`. Raises ``RuntimeError`` if the optimiser has not stepped yet; a
        call without a new optimiser step since the last one (e.g. a step skipped by AMP's
        GradScaler) does nothing.
        """
        new = self._opt_steps != self._opt_steps_seen
        if not new and self.step_count == 0:
            raise RuntimeError("CHSNN.step() was called before optimizer.step(): call it once "
                               "after every optimizer step")
        if not new:
            return None
        self._opt_steps_seen = self._opt_steps
        self.step_count += 1
        stats = None
        if self._template.should_update(self.step_count):
            stats = self._apply_update(self._decide_update(self.step_count))
        self._arm_dense_gradients(self.step_count + 1)
        return stats

    @torch.no_grad()
    def apply_masks(self) -> None:
        """Zero every pruned weight and its optimizer state now (e.g. after editing weights)."""
        self._cache.mask(self._layers, lambda mod: [
            mod.weight, *optimizer_state_tensors(self.optimizer, mod.weight)])

    def _decide_update(self, step: int) -> dict:
        """Rank 0 asks the engine for the topology update of ``step`` (removed and regrown
        links of every layer, statistics); the result is shared with every rank."""
        if self._chains is None:
            self._chains = self._build_chains()
            self._schedules = [self._template] * len(self._chains)
        result = None
        self._new_links = {}
        if rank() == 0:
            layers_out, schedules, chain_stats = {}, [], []
            seconds = {}
            t0 = time.perf_counter()
            for ci, chain in enumerate(self._chains):
                mods = [self._layers[n] for n in chain]
                links, weights = zip(*(storage.layer_links(m, self._cache.known_links(n, m))
                                       for n, m in zip(chain, mods, strict=True)), strict=True)
                scores = None
                if self._template.regrowth == "scores":
                    missing = [n for n in chain if n not in self._pending_scores]
                    if missing:
                        raise RuntimeError(f"CHSNN: regrowth='scores' needs the gradients of "
                                           f"{missing} at the update step; none were seen")
                    scores = [self._pending_scores[n] for n in chain]
                res = evolve_links([storage.layer_shape_of(m) for m in mods], links, weights,
                                   self._schedules[ci], step, self._rng,
                                   dense=[False] * len(chain), regrowth_scores=scores)
                schedules.append(res.schedule.to_dict())
                for name, removed, regrown, now, st in zip(
                        chain, res.removed_links, res.regrown_links, res.links, res.stats,
                        strict=True):
                    d = st.to_dict()
                    d["layer"] = name
                    layers_out[name] = (removed, regrown, d)
                    self._new_links[name] = now
                live, hidden = live_counts(res.links, [storage.layer_shape_of(m) for m in mods],
                                           dense_after=self._feeds_dense(chain))
                chain_stats.append([(hidden, live)])
                for k, v in res.seconds.items():
                    seconds[k] = seconds.get(k, 0.0) + v
                zeta, temp = res.zeta, res.temperature
            seconds["adapter"] = time.perf_counter() - t0 - seconds["total"]
            result = {"step": step, "layers": layers_out, "schedules": schedules,
                      "hidden": chain_stats, "seconds": seconds, "zeta": zeta,
                      "temperature": temp, "rng": self._rng.bit_generator.state}
        self._pending_scores = {}
        return share_from_rank0(result)

    def _feeds_dense(self, chain: list[str]) -> bool:
        """Whether the outputs of ``chain`` feed a dense layer (every chain but one ending in a
        sparse classifier): they are then hidden neurons of the live fraction
        (:func:`chgraph.analysis.live_fraction`, ``dense_after``)."""
        return not (self.sparse_classifier and chain[-1] == self.classifier)

    def live_fraction(self) -> float:
        """The live-neuron fraction of the current topology, pooled over the chains, as the
        history's ``live_fraction`` counts it (:func:`chgraph.analysis.live_counts`; 1.0
        without hidden neurons)."""
        chains = self.chains
        live = hidden = 0
        links = self.layer_links()
        for chain in chains:
            a, b = live_counts([links[n][0] for n in chain],
                               [storage.layer_shape_of(self._layers[n]) for n in chain],
                               dense_after=self._feeds_dense(chain))
            live, hidden = live + a, hidden + b
        return live / hidden if hidden else 1.0

    def _apply_update(self, result: dict) -> dict:
        """Every rank writes the shared update into its layers (masked or sparse storage) and
        records the step's statistics."""
        t0 = time.perf_counter()
        step = result["step"]
        self._rng.bit_generator.state = result["rng"]
        self._schedules = [EvolutionSchedule.from_dict(d) for d in result["schedules"]]
        self._cache.links.clear()
        for name, (removed, regrown, _) in result["layers"].items():
            mod = self._layers[name]
            changed = storage.apply_change(mod, self.optimizer, removed, regrown)
            if changed is not None:  # a masked layer: its links and gradient factor follow
                self._cache.changed(name, mod, *changed, self._new_links.get(name))
        self._new_links = {}
        result["seconds"]["adapter"] = (result["seconds"].get("adapter", 0.0)
                                        + time.perf_counter() - t0)
        self._check_consistency(f"step {step}")
        hidden = [h for c in result["hidden"] for h in c]
        total = sum(n for n, _ in hidden)
        stats = {
            "step": step,
            "zeta": result["zeta"],
            "temperature": result["temperature"],
            "layers": {n: v[2] for n, v in result["layers"].items()},
            "live_fraction": 1.0 if total == 0 else sum(x for _, x in hidden) / total,
            "seconds": result["seconds"],
            **{f"sparsity_{k}": v for k, v in self.sparsity_report().items()},
        }
        self.last_stats = stats
        self.history.append(stats)
        return stats

    # -- calibration -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def calibrate(self):
        """Context manager: record spikes during the user's forward passes, then apply SSCTI + SSWI.

        Inside the block, forward pre-hooks record the input of every sparse layer: the
        firing rate of each and the input rows of the first one called (single-step
        ``[B, n_in]``, multi-step ``[T, B, n_in]``; every (sample, time step) is one
        observation). On a normal exit the first layer gets the SSCTI topology
        (:func:`~chgraph.evolution.spike_correlation` + :func:`~chgraph.evolution.sscti_topology`),
        the others keep their equal-degree random topology, and every sparse layer gets SSWI
        weights (``first``: ``St`` = 1 - its input firing rate; the classifier, when sparse:
        ``last``; else ``hidden``; threshold :attr:`theta`). The optimiser state of these
        weights is zeroed. The hooks are removed on exit, also when the block raises (then
        nothing is changed). Yields the :class:`~snn_adapters.calibration.SpikeRecorder`.
        """
        if self.step_count > 0:
            raise RuntimeError("calibrate() initialises topology and weights: call it before "
                               "training starts")
        rec = SpikeRecorder(self._layers, self.max_calibration_observations,
                            model=self.model if self.theta == "auto" else None)
        try:
            yield rec
        finally:
            rec.remove()
        self._apply_calibration(rec)

    def _apply_calibration(self, rec: SpikeRecorder) -> None:
        if not rec.order:
            raise RuntimeError("calibrate() saw no forward pass through the sparse layers")
        first = rec.order[0]
        rates = rec.rates
        uncalled = [n for n in self._layers if n not in rates]
        if uncalled:
            warnings.warn(f"CHSNN.calibrate(): layers {uncalled} were not called; they use "
                          "the hidden-layer SSWI", stacklevel=3)
        if not rec.binary:
            how = ("SSWI matches the input current on them" if self.sswi_rule == "matched"
                   else "St uses the non-zero fraction (sswi_rule='matched' measures the "
                   "current instead)")
            warnings.warn(f"CHSNN.calibrate(): the input of {first!r} is not binary; SSCTI "
                          f"correlates the analog values and {how}", stacklevel=3)
        thetas = self._thresholds(rec, first)
        payload = None
        if rank() == 0:
            shapes = {n: storage.layer_shape_of(m) for n, m in self._layers.items()}
            present = {n: storage.layer_links(m) for n, m in self._layers.items()}
            out = calibrated_layers(
                rec, shapes, {n: links for n, (links, _) in present.items()},
                self.sparsity, self._rng, sscti=self.sscti, sswi=self.sswi, theta=thetas,
                classifier=self.classifier, sscti_rule=self.sscti_rule,
                sswi_rule=self.sswi_rule, weights={n: w for n, (_, w) in present.items()})
            payload = {"layers": out, "rng": self._rng.bit_generator.state,
                       "info": {"first_layer": first, "rates": rates, "binary": rec.binary,
                                "observations": int(rec.n_observations), "theta": thetas,
                                "sscti": self.sscti, "sscti_rule": self.sscti_rule,
                                "sswi_rule": self.sswi_rule,
                                "sswi": self.sswi}}
        payload = share_from_rank0(payload)
        self._rng.bit_generator.state = payload["rng"]
        with torch.no_grad():
            for name, (links, w) in payload["layers"].items():
                storage.write_links(self._layers[name], self.optimizer, links, w)
        self.calibration = payload["info"]
        self._check_consistency("calibration")

    def _thresholds(self, rec: SpikeRecorder, first: str) -> dict:
        """``{layer: theta}`` for SSWI: :attr:`theta` everywhere, or (``"auto"``) what the
        recorder saw after each layer, 1.0 where it saw nothing usable."""
        if self.theta != "auto":
            return {n: self.theta for n in self._layers}
        found = rec.thresholds()
        if self.sswi:
            blind = [n for n in self._layers
                     if n not in (first, self.classifier) and found.get(n) is None]
            if blind:
                warnings.warn(f"CHSNN.calibrate(): no spiking neuron with one positive "
                              f"threshold was called right after layers {blind}; their SSWI "
                              "uses theta = 1 (pass theta=... to set it)", stacklevel=4)
        return {n: found.get(n) or 1.0 for n in self._layers}

    # -- distributed -------------------------------------------------------------------------------
    def mask_checksum(self) -> torch.Tensor:
        """An int64 checksum ``[links, sum of indices, sum of hashed indices]`` of every
        layer's link structure (:func:`snn_adapters.storage.link_checksum`)."""
        return storage.link_checksum(self._layers)

    def _check_consistency(self, where: str) -> None:
        d = process_group()
        if d is None:
            return
        c = self.mask_checksum()
        lo, hi = c.clone(), c.clone()
        d.all_reduce(lo, op=d.ReduceOp.MIN)
        d.all_reduce(hi, op=d.ReduceOp.MAX)
        if not torch.equal(lo, hi):
            raise RuntimeError(f"CHSNN: the masks differ between ranks after {where} "
                               f"(checksum on rank {d.get_rank()}: {c.tolist()}, "
                               f"min {lo.tolist()}, max {hi.tolist()})")

    def check_consistency(self) -> None:
        """Raise ``RuntimeError`` if the masks differ between ranks (no-op when not distributed)."""
        self._check_consistency("check_consistency()")

    # -- state -------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to resume, besides the model (masks are model buffers) and optimiser.

        Schedule(s) (``EvolutionSchedule.to_dict``), step counter, rng state, chains, forward
        order, statistics history, calibration summary, configuration for checks.
        """
        return {
            "version": STATE_VERSION,
            "sparsity": self.sparsity,
            "layers": [[n, list(layer_shape(m))] for n, m in self._layers.items()],
            "classifier": self.classifier,
            "template": self._template.to_dict(),
            "chains": copy.deepcopy(self._chains),
            "schedules": None if self._schedules is None else [
                s.to_dict() for s in self._schedules],
            "step": self.step_count,
            "rng": copy.deepcopy(self._rng.bit_generator.state),
            "order": None if self._forward_order() is None else list(self._forward_order()),
            "history": copy.deepcopy(self.history),
            "last_stats": copy.deepcopy(self.last_stats),
            "calibration": copy.deepcopy(self.calibration),
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`'s output; raises ``ValueError`` (changing nothing) if it
        belongs to another model or configuration."""
        p = parse_state(state, [[n, list(layer_shape(m))] for n, m in self._layers.items()],
                        self.sparsity)
        # -- commit ------------------------------------------------------------------------
        self._template = p["template"]
        self._chains, self._schedules = p["chains"], p["schedules"]
        self.step_count = p["step"]
        self._rng = p["rng"]
        if p["order"] is not None:
            self._order_recorder.finish()
            self._order_recorder.order = p["order"]
        self.history = copy.deepcopy(state["history"])
        self.last_stats = copy.deepcopy(state.get("last_stats"))
        self.calibration = copy.deepcopy(state.get("calibration"))
        self._opt_steps_seen = self._opt_steps
        self._arm_dense_gradients(self.step_count + 1)  # RigL in sparse execution

    def adapt_checkpoint(self, model_state: dict, optimizer_state: dict | None = None
                         ) -> tuple[dict, dict | None]:
        """A model and an optimiser state dict saved in either execution mode, converted so
        that ``model.load_state_dict`` and ``optimizer.load_state_dict`` accept them in this
        sparsifier's mode (a masked checkpoint resumes in sparse execution and back; see
        :func:`snn_adapters.storage.adapt_state`). The state dicts must come from the model
        this sparsifier was built on (same wrapping)."""
        layers = {(self._raw_names[n] + "." if self._raw_names[n] else ""): m
                  for n, m in self._layers.items()}
        return storage.adapt_state(layers, self.optimizer, model_state, optimizer_state)

    def remove(self) -> None:
        """Detach from the optimiser and the model's hooks (the masks stay on the model)."""
        self._opt_hook.remove()
        self._grad_hook.remove()
        self._order_recorder.finish()

    def __repr__(self) -> str:
        return (f"CHSNN(layers={self.layer_names}, sparsity={self.sparsity}, "
                f"step={self.step_count}, total_steps={self._template.total_steps}, "
                f"update_interval={self._template.update_interval})")
