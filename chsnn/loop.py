"""The state and the epoch loop of one training run (used by :func:`chsnn.train.train`)."""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np
import torch
from torch import nn

from chgraph.memory import available_memory, format_bytes
from snn_adapters import CHSNN, find_linear_layers
from snn_adapters.layers import layer_shape

from .config import ConfigError, TrainConfig
from .data import Dataset
from .datasets_vision import augment_batch, channel_stats, normalize
from .ddp import World, all_sum, broadcast_buffers, shard
from .encoders import DirectEncoder, FrameEncoder, PoissonEncoder
from .energy import count_synaptic_operations
from .methods import get_method
from .models import build_model, get_model_spec

__all__ = ["Run", "RunError", "make_model", "check_model_fits", "make_optimizer", "LRSchedule",
           "CHECKPOINT_VERSION"]

CHECKPOINT_VERSION = 1
# purposes of the derived generators (see _generator)
_SHUFFLE, _SPIKES, _TEST, _ENERGY, _CALIBRATION, _VAL, _AUGMENT = 1, 2, 3, 4, 5, 6, 7


class RunError(RuntimeError):
    """A run directory that cannot be used (another run, no checkpoint to resume, ...)."""


def _generator(device: torch.device, *seed: int) -> torch.Generator:
    """A generator seeded from ``seed`` parts (run seed, purpose, epoch)."""
    g = torch.Generator(device=device)
    g.manual_seed(int(np.random.SeedSequence(list(seed)).generate_state(1, np.uint64)[0] >> 1))
    return g


def make_model(cfg: TrainConfig, data: Dataset, device: torch.device | None = None,
               execution: str = "masked") -> nn.Module:
    """The model of a run, initialised from the run's seed.

    Its parameters are first counted without memory (on torch's ``meta`` device): a model
    that cannot fit, in host memory where it is built or on ``device`` where it is trained
    with ``execution`` (see :func:`check_model_fits`), raises :class:`ConfigError` naming its
    largest weight before anything is allocated."""
    spec = get_model_spec(cfg.model)
    kwargs = {}
    if cfg.hidden is not None:
        if spec.hidden_arg is None:
            raise ConfigError(f"--hidden does not apply to model {cfg.model!r}")
        kwargs[spec.hidden_arg] = cfg.hidden
    shape = _sample_shape(cfg, data)
    image_shape = (1, *shape) if len(shape) == 2 else (tuple(shape) if len(shape) == 3 else None)
    if not spec.flat and image_shape is None:
        raise ConfigError(f"model {cfg.model!r} needs image data; {data.name} has samples of "
                          f"shape {shape}")
    n_in = math.prod(shape) if spec.flat else None
    with torch.device("meta"):
        shell = build_model(cfg.model, n_in=n_in, n_classes=data.n_classes,
                            image_shape=image_shape, T=cfg.T, **kwargs)
    check_model_fits(shell, cfg, device or torch.device("cpu"), execution)
    del shell
    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model, n_in=n_in, n_classes=data.n_classes,
                        image_shape=image_shape, T=cfg.T, **kwargs)
    if not get_method(cfg.method).sparse:
        _spiking_friendly_init(model)
    return model


def _free_memory(device: torch.device) -> int | None:
    """Bytes that a new allocation can take on ``device`` (None when unknown)."""
    if device.type == "cuda":
        try:
            return int(torch.cuda.mem_get_info(device)[0])
        except (RuntimeError, AssertionError, ValueError):
            return None
    return available_memory()


def check_model_fits(model: nn.Module, cfg: TrainConfig, device: torch.device,
                     execution: str = "masked", free: dict | None = None) -> None:
    """Raise :class:`ConfigError` when ``model`` (built on the ``meta`` device: shapes
    only) cannot fit, naming its largest weight and the options that size it.

    A lower bound, so that no run that fits is refused: the float32 parameters once in host
    memory (where the model is built), and on the training device the parameters, their
    gradients and the optimiser's state (Adam two moments, SGD with momentum one), except
    with ``execution="sparse"`` whose sparse layers keep only their links there (counted as
    the parameters alone). ``free`` maps ``"host"`` / ``"device"`` to the bytes available
    (default: what the machine reports; a check is skipped where that is unknown).

    >>> with torch.device("meta"):
    ...     big = nn.Sequential(nn.Linear(64, 10**9), nn.Linear(10**9, 10))
    >>> check_model_fits(big, TrainConfig(hidden=10**9), torch.device("cpu"),
    ...                  free={"host": 64e9, "device": 64e9})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chsnn.config.ConfigError: the model cannot fit: 7.5e+10 parameters, the largest 0.weight ...
    >>> check_model_fits(nn.Linear(4, 3), TrainConfig(), torch.device("cpu"))  # fits
    """
    params = [(name, tuple(p.shape), p.numel()) for name, p in model.named_parameters()]
    if not params:
        return
    total = sum(n for _, _, n in params)
    states = 2 if cfg.optimizer == "adam" else (1 if cfg.momentum else 0)
    per_param = 4 if execution == "sparse" else 4 * (2 + states)
    free = dict(free or {})
    if "host" not in free:
        free["host"] = _free_memory(torch.device("cpu"))
    if "device" not in free:
        free["device"] = free["host"] if device.type == "cpu" else _free_memory(device)
    needs = [("host memory to build", 4 * total, free["host"])]
    where = "host memory" if device.type == "cpu" else f"{device} memory"
    needs.append((f"{where} to train", per_param * total, free["device"]))
    for what, need, have in needs:
        if have is not None and need > have:
            name, shape, _ = max(params, key=lambda t: t[2])
            sizes = f" (hidden {cfg.hidden})" if cfg.hidden is not None else ""
            hint = ("choose a smaller --hidden" if cfg.hidden is not None
                    else "choose a smaller model or dataset")
            raise ConfigError(
                f"the model cannot fit: {total:.3g} parameters, the largest {name} of "
                f"{' x '.join(map(str, shape))}{sizes}, need at least {format_bytes(need)} of "
                f"{what}, {format_bytes(have)} free; {hint}")


def _sample_shape(cfg: TrainConfig, data: Dataset) -> tuple[int, ...]:
    """The shape of one sample at one time step: ``data.image_shape``, or for frame data
    (``image_shape`` ``(T, C, H, W)``, ``--encoder frames``) the frame ``(C, H, W)``."""
    shape = tuple(data.image_shape)
    if cfg.encoder == "frames":
        if len(shape) != 4:
            raise ConfigError(f"--encoder frames needs data binned into frames (T, C, H, W); "
                              f"{data.name} has samples of shape {shape}")
        if shape[0] != cfg.T:
            raise ConfigError(f"{data.name} holds {shape[0]} frames per sample but T is "
                              f"{cfg.T}; pass --T {shape[0]}")
        return shape[1:]
    if len(shape) == 4:
        raise ConfigError(f"{data.name} holds {shape[0]} frames per sample {shape[1:]}: train "
                          "it with --encoder frames")
    return shape


def make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    """Adam, or SGD with ``cfg.momentum``, at ``cfg.lr`` with ``cfg.weight_decay``."""
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum,
                               weight_decay=cfg.weight_decay)
    return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


class LRSchedule:
    """The learning rate of every optimisation step: a linear warm-up over ``warmup_steps``
    (from ``lr / warmup_steps`` to ``lr``), then ``constant``, or ``cosine`` / ``linear``
    decay towards 0 at step ``total_steps``. The rate is a function of the step alone, so the
    state is the number of steps taken (saved in the checkpoint).

    >>> s = LRSchedule(None, 1.0, "cosine", total_steps=10, warmup_steps=2)
    >>> [round(s.rate(k), 3) for k in range(10)]
    [0.5, 1.0, 1.0, 0.962, 0.854, 0.691, 0.5, 0.309, 0.146, 0.038]
    >>> [LRSchedule(None, 1.0, "linear", total_steps=4).rate(k) for k in range(4)]
    [1.0, 0.75, 0.5, 0.25]
    """

    def __init__(self, optimizer, lr: float, kind: str, total_steps: int,
                 warmup_steps: int = 0) -> None:
        self.optimizer, self.lr, self.kind = optimizer, float(lr), kind
        self.total_steps, self.warmup_steps = int(total_steps), int(warmup_steps)
        self.steps = 0

    def rate(self, step: int) -> float:
        """The learning rate of step ``step`` (0-based)."""
        if step < self.warmup_steps:
            return self.lr * ((step + 1) / self.warmup_steps)
        if self.kind == "constant":
            return self.lr
        p = (step - self.warmup_steps) / max(self.total_steps - self.warmup_steps, 1)
        p = min(p, 1.0)
        if self.kind == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * p))
        return self.lr * (1.0 - p)

    def apply(self) -> float:
        """Set the rate of the next step in the optimiser; then count the step."""
        lr = self.rate(self.steps)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.steps += 1
        return lr

    def state_dict(self) -> dict:
        return {"kind": self.kind, "lr": self.lr, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps, "steps": self.steps}

    def load_state_dict(self, state: dict) -> None:
        mine = self.state_dict()
        if any(state[k] != mine[k] for k in ("kind", "lr", "total_steps", "warmup_steps")):
            raise RunError(f"the checkpoint's learning-rate schedule {state} is not this run's")
        self.steps = int(state["steps"])


def _spiking_friendly_init(model: nn.Module) -> None:
    """Dense baseline: SWI's variance at sparsity 0, ``N(0, 2 / fan_in)`` (Kaiming normal), for
    every linear layer. torch's default (uniform, variance ``1 / (3 fan_in)``) leaves the
    hidden LIF neurons of a dense 2FC nearly silent on Poisson input; sparse methods use SWI /
    SSWI, so the dense baseline gets the same scaling."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.Linear):
                nn.init.normal_(mod.weight, 0.0, math.sqrt(2.0 / mod.in_features))
                if mod.bias is not None:
                    mod.bias.zero_()


class _Encoder:
    """Encodes a batch ``[B, features]`` into ``[T, B, ...]`` for the model."""

    def __init__(self, cfg: TrainConfig, data: Dataset, device: torch.device) -> None:
        self.poisson = cfg.encoder == "poisson"
        shape = _sample_shape(cfg, data)
        self.enc = PoissonEncoder(cfg.T) if self.poisson else (
            FrameEncoder(cfg.T, shape) if cfg.encoder == "frames" else DirectEncoder(cfg.T))
        self.shape = (1, *shape) if len(shape) == 2 else tuple(shape)
        self.flat = get_model_spec(cfg.model).flat
        self.device = device
        if (cfg.augment or cfg.normalize) and len(self.shape) != 3:
            what = "augment" if cfg.augment else "normalize"
            raise ConfigError(f"{what} needs image data (C, H, W); {data.name} has samples of "
                              f"shape {data.image_shape}")
        self.augment = cfg.augment
        self.stats = None
        if cfg.normalize:
            mean, std = channel_stats(data.x_train, self.shape)
            self.stats = (torch.from_numpy(mean).to(device),
                          torch.from_numpy(np.maximum(std, 1e-6)).to(device))

    def augmented(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """A training batch after the run's augmentation (unchanged without ``augment``)."""
        return augment_batch(x, gen, image_shape=self.shape) if self.augment else x

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        x = x.to(self.device)
        if self.stats is not None:
            x = normalize(x, *self.stats, self.shape)
        s = self.enc(x, generator=gen) if self.poisson else self.enc(x)
        if self.flat:
            return s.reshape(s.shape[0], s.shape[1], -1) if s.dim() > 3 else s
        return s.reshape(s.shape[0], s.shape[1], *self.shape)




class Run:
    """Model, optimiser, sparsifier, data and history of one run.

    ``world`` -- this process among the training processes (:mod:`chsnn.ddp`): with more
    than one, the model trains under ``DistributedDataParallel`` on this rank's shard of
    every global batch, and evaluations are summed over the ranks."""

    def __init__(self, cfg: TrainConfig, data: Dataset, device: torch.device,
                 world: World | None = None) -> None:
        self.cfg, self.data, self.device = cfg, data, device
        self.world = world or World()
        self.method = get_method(cfg.method)
        #: how the sparse layers are stored and run ("dense" for a dense method)
        self.execution = (cfg.resolved_execution(device.type) if self.method.sparse
                          else "dense")
        if cfg.precision == "bf16" and device.type != "cuda":
            raise ConfigError(f"precision bf16 is mixed precision on CUDA; this run trains on "
                              f"{device}")
        #: bf16 autocast of the forward passes (training and evaluation) on CUDA
        self.autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if cfg.precision == "bf16"
                         else contextlib.nullcontext())
        self.model = make_model(cfg, data, device, self.execution).to(device)
        self.optimizer = make_optimizer(cfg, self.model.parameters())
        self.encode = _Encoder(cfg, data, device)
        self.x_train = torch.from_numpy(data.x_train)
        self.y_train = torch.from_numpy(data.y_train)
        self.x_test = torch.from_numpy(data.x_test)
        self.y_test = torch.from_numpy(data.y_test)
        self.has_val = data.y_val is not None
        if self.has_val:
            self.x_val = torch.from_numpy(data.x_val)
            self.y_val = torch.from_numpy(data.y_val)
        self.steps_per_epoch = math.ceil(len(self.y_train) / cfg.batch_size)
        self.lr_schedule = LRSchedule(self.optimizer, cfg.lr, cfg.lr_schedule,
                                      cfg.epochs * self.steps_per_epoch,
                                      cfg.warmup_epochs * self.steps_per_epoch)
        self.sparsifier = None
        if self.method.sparse:
            classifier = self.model.classifier_name
            chains = None
            if not get_model_spec(cfg.model).percolation:  # residual streams: no percolation
                chains = [[n] for n, _ in find_linear_layers(self.model) if n != classifier]
            self.sparsifier = CHSNN(
                self.model, self.optimizer, cfg.sparsity, cfg.epochs * self.steps_per_epoch,
                update_interval=cfg.update_interval or self.steps_per_epoch,
                classifier=classifier, sscti=self.method.sscti, sswi=self.method.sswi,
                sscti_rule=cfg.sscti_rule, sswi_rule=cfg.sswi_rule,
                chains=chains, seed=[cfg.seed, 0x5EED], execution=self.execution,
                **self.method.schedule,
                **({} if cfg.zeta is None else {"zeta": cfg.zeta}))
        #: the module a training step runs: the model, or its DDP wrapper (built after the
        #: sparsifier, which replaces parameters in sparse execution)
        self.net = self.model
        if self.world.distributed:
            from torch.nn.parallel import DistributedDataParallel

            ids = [device.index if device.index is not None else torch.cuda.current_device()] \
                if device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids)
        self.epoch = 0
        self.history: list[dict] = []
        self.train_seconds = 0.0
        self.calibration_seconds = 0.0

    # -- start / checkpoint --------------------------------------------------------------------
    def start(self) -> None:
        """Calibrate (methods with SSCTI / SSWI) before the first epoch."""
        if not self.method.calibrate:
            return
        t0 = time.perf_counter()
        n = min(self.cfg.calibration_samples, len(self.y_train))
        gen = _generator(torch.device("cpu"), self.cfg.seed, _CALIBRATION)
        idx = torch.randperm(len(self.y_train), generator=gen)[:n]
        spikes = _generator(self.device, self.cfg.seed, _CALIBRATION, 1)
        self.model.eval()
        with torch.no_grad(), self.sparsifier.calibrate():
            for start in range(0, n, self.cfg.batch_size):
                self.model(self.encode(self.x_train[idx[start:start + self.cfg.batch_size]],
                                       spikes))
        self.model.train()
        self.calibration_seconds = time.perf_counter() - t0
        self.train_seconds += self.calibration_seconds

    def checkpoint(self) -> dict:
        return {"version": CHECKPOINT_VERSION, "config": self.cfg.to_dict(),
                "epoch": self.epoch, "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "sparsifier": None if self.sparsifier is None else self.sparsifier.state_dict(),
                "history": self.history, "train_seconds": self.train_seconds,
                "calibration_seconds": self.calibration_seconds,
                "lr_schedule": self.lr_schedule.state_dict()}

    def restore_schedule(self, ck: dict) -> None:
        """The learning-rate schedule's state of a checkpoint (one saved before there was a
        schedule ran at a constant rate: its step count follows from the epoch)."""
        state = ck.get("lr_schedule") or {**self.lr_schedule.state_dict(),
                                          "steps": int(ck["epoch"]) * self.steps_per_epoch}
        self.lr_schedule.load_state_dict(state)

    def restore(self, ck: dict) -> None:
        """Continue from a checkpoint; one written in the other execution mode (masked or
        sparse) is converted, everything else must match the run's configuration."""
        mine = {k: v for k, v in self.cfg.to_dict().items() if k != "execution"}
        theirs = {k: v for k, v in ck["config"].items() if k != "execution"}
        if theirs != mine:
            raise RunError("the checkpoint belongs to another configuration than config.json")
        model_state, optim_state = ck["model"], ck["optimizer"]
        if self.sparsifier is not None:
            model_state, optim_state = self.sparsifier.adapt_checkpoint(model_state, optim_state)
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optim_state)
        if self.sparsifier is not None:
            self.sparsifier.load_state_dict(ck["sparsifier"])
        self.epoch = int(ck["epoch"])
        self.history = list(ck["history"])
        self.train_seconds = float(ck["train_seconds"])
        self.calibration_seconds = float(ck.get("calibration_seconds", 0.0))

    # -- topology ------------------------------------------------------------------------------
    def layer_masks(self) -> tuple[list[str], list[np.ndarray]]:
        """Names and ``n_in x n_out`` boolean masks of the sparse layers (forward order)."""
        if self.sparsifier is None:
            return [], []
        names, masks = [], []
        mods = self.sparsifier.layers()
        for name, (links, _) in self.sparsifier.layer_links().items():
            n_in, n_out = layer_shape(mods[name])
            mask = np.zeros(n_in * n_out, dtype=bool)
            mask[links] = True
            names.append(name)
            masks.append(mask.reshape(n_in, n_out))
        return names, masks

    def layer_weights(self) -> list[np.ndarray]:
        """``n_in x n_out`` float32 weights of the sparse layers (forward order)."""
        if self.sparsifier is None:
            return []
        out = []
        mods = self.sparsifier.layers()
        for name, (links, w) in self.sparsifier.layer_links().items():
            n_in, n_out = layer_shape(mods[name])
            dense = np.zeros(n_in * n_out, dtype=np.float32)
            dense[links] = w
            out.append(dense.reshape(n_in, n_out))
        return out

    def chains(self) -> list[list[int]]:
        """The sparsifier's percolation chains as indices into :meth:`layer_masks`."""
        if self.sparsifier is None:
            return []
        pos = {n: i for i, n in enumerate(self.sparsifier.layer_names)}
        return [[pos[n] for n in c] for c in self.sparsifier.chains]

    def live_fraction(self) -> float:
        """The live-neuron fraction of the current topology: the sparsifier's
        (:meth:`snn_adapters.CHSNN.live_fraction`, which its history records at every update),
        the project's one definition (:func:`chgraph.analysis.live_fraction`; the outputs of
        every chain feed the dense classifier). 1.0 for a dense method."""
        return 1.0 if self.sparsifier is None else self.sparsifier.live_fraction()

    # -- epochs --------------------------------------------------------------------------------
    def train_epoch(self, progress: bool = True) -> dict:
        from tqdm.auto import tqdm

        cfg = self.cfg
        self.epoch += 1
        t0 = time.perf_counter()
        shuffle = _generator(torch.device("cpu"), cfg.seed, _SHUFFLE, self.epoch)
        spikes = _generator(self.device, cfg.seed, _SPIKES, self.epoch)
        augment = _generator(torch.device("cpu"), cfg.seed, _AUGMENT, self.epoch)
        _, before = self.layer_masks()
        self.model.train()
        loss_sum, correct, seen, updates = 0.0, 0, 0, []
        world = self.world
        order = torch.randperm(len(self.y_train), generator=shuffle)
        bar = tqdm(total=self.steps_per_epoch, disable=not progress, leave=False,
                   desc=f"{cfg.method} epoch {self.epoch}/{cfg.epochs}", unit="batch")
        for start in range(0, len(order), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            y = self.y_train[idx].to(self.device)
            x = self.encode(self.encode.augmented(self.x_train[idx], augment), spikes)
            if world.distributed:
                # every rank encodes the whole global batch (the same spikes as one process)
                # and trains on its shard; DDP averages the gradients over the ranks, so the
                # shard's summed loss scaled by size / batch gives the whole batch's gradient
                part = shard(world, len(idx))
                x, y = x[:, part].contiguous(), y[part]
                with self.autocast:
                    out = self.net(x)
                summed = nn.functional.cross_entropy(out.float(), y, reduction="sum")
                loss = summed * (world.size / len(idx))
                part_loss = float(summed.detach())
            else:
                with self.autocast:
                    out = self.net(x)
                loss = nn.functional.cross_entropy(out.float(), y)
                part_loss = float(loss.detach()) * len(idx)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            lr = self.lr_schedule.apply()
            self.optimizer.step()
            if self.sparsifier is not None and self.method.evolves:
                stats = self.sparsifier.step()
                if stats is not None:
                    updates.append(stats)
            loss_sum += part_loss
            correct += int((out.argmax(1) == y).sum())
            seen += len(y)
            bar.update(1)
            bar.set_postfix(loss=f"{loss_sum / max(seen, 1):.3f}",
                            acc=f"{correct / max(seen, 1):.3f}")
        bar.close()
        loss_sum, correct, seen = all_sum(world, [loss_sum, correct, seen], self.device)
        broadcast_buffers(world, self.model)  # BatchNorm saw only this rank's shards
        seconds = time.perf_counter() - t0
        self.train_seconds += seconds
        split = "val" if self.has_val else "test"  # without a validation split, as before
        eval_loss, eval_acc = self.evaluate(split)
        entry = {"epoch": self.epoch, "train_loss": loss_sum / seen,
                 "train_accuracy": correct / seen, f"{split}_loss": eval_loss,
                 f"{split}_accuracy": eval_acc, "seconds": seconds, "lr": lr,
                 "world_size": world.size}
        entry.update(self._topology_entry(before, updates))
        self.history.append(entry)
        return entry

    def _topology_entry(self, before: list[np.ndarray], updates: list[dict]) -> dict:
        if self.sparsifier is None:
            return {"links": None, "live_neuron_fraction": 1.0, "turnover": 0.0,
                    "evolution": []}
        _, after = self.layer_masks()
        links = int(sum(m.sum() for m in after))
        changed = int(sum((b & ~a).sum() for a, b in zip(after, before, strict=True)))
        evo = []
        for st in updates:
            layers = st["layers"]
            evo.append({
                "step": st["step"], "zeta": st["zeta"], "temperature": st["temperature"],
                "seconds": st["seconds"].get("total", 0.0),
                **{k: int(sum(layers[n][k] for n in layers)) for k in (
                    "removed", "percolated", "regrown", "filled_random", "shortfall")},
                "layers": layers})
        return {"links": links, "live_neuron_fraction": self.live_fraction(),
                "turnover": changed / links if links else 0.0, "evolution": evo,
                "sparsity_linear": self.sparsifier.sparsity_report()["sparse_layers"]}

    @torch.no_grad()
    def evaluate(self, split: str = "test") -> tuple[float, float]:
        """Loss and accuracy on the ``"val"`` or ``"test"`` split (the same Poisson spikes
        every time). With several processes each evaluates its shard of every batch and the
        sums are reduced: every rank returns the whole split's numbers."""
        self.model.eval()
        xs, ys = (self.x_val, self.y_val) if split == "val" else (self.x_test, self.y_test)
        gen = _generator(self.device, self.cfg.seed, _VAL if split == "val" else _TEST)
        loss_sum, correct = 0.0, 0
        for start in range(0, len(ys), 256):
            x = self.encode(xs[start:start + 256], gen)
            y = ys[start:start + 256].to(self.device)
            if self.world.distributed:
                part = shard(self.world, len(y))
                x, y = x[:, part].contiguous(), y[part]
            with self.autocast:
                out = self.model(x)
            loss_sum += float(nn.functional.cross_entropy(out.float(), y, reduction="sum"))
            correct += int((out.argmax(1) == y).sum())
        loss_sum, correct = all_sum(self.world, [loss_sum, correct], self.device)
        self.model.train()
        n = len(ys)
        return loss_sum / n, correct / n

    def final_test(self) -> tuple[float, float]:
        """Test loss and accuracy of the trained model: read once, at the end, when there is a
        validation split; otherwise the last epoch's test evaluation (the same numbers)."""
        if not self.has_val:
            last = self.history[-1]
            return last["test_loss"], last["test_accuracy"]
        return self.evaluate("test")

    # -- the end -------------------------------------------------------------------------------
    def final_measurements(self) -> dict:
        """Synaptic operations and energy on the test set, sparsity, live neurons."""
        cfg = self.cfg
        n = min(cfg.energy_samples, len(self.y_test))
        gen = _generator(self.device, cfg.seed, _ENERGY)
        batches = [self.encode(self.x_test[s:min(s + 256, n)], gen) for s in range(0, n, 256)]
        energy = count_synaptic_operations(self.model, batches)
        params = list(self.model.parameters())
        total = sum(p.numel() for p in params)
        if self.sparsifier is not None:
            sp = self.sparsifier.sparsity_report()
            sparsity_linear, sparsity_all = sp["sparse_layers"], sp["all_parameters"]
        else:
            lin = [m.weight for _, m in find_linear_layers(self.model)]
            zeros = sum(int((w == 0).sum()) for w in lin)
            sparsity_linear = zeros / sum(w.numel() for w in lin)
            sparsity_all = sum(int((p == 0).sum()) for p in params) / total
        return {"energy": energy, "sparsity_linear": float(sparsity_linear),
                "sparsity_all": float(sparsity_all), "parameters": int(total),
                "live_neuron_fraction": self.live_fraction()}
