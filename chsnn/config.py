"""The configuration of one training run, validated once, saved with the run.

>>> c = TrainConfig(method="SET", epochs=3)
>>> c.method, c.sparsity, TrainConfig.from_dict(c.to_dict()) == c
('set', 0.99, True)
"""

from __future__ import annotations

import dataclasses
import math

from chgraph import checks
from chgraph.evolution import SSCTI_RULES, SSWI_RULES

from .data import DatasetError, dataset_spec
from .methods import get_method
from .models import MODEL_NAMES

__all__ = ["TrainConfig", "ConfigError"]

ENCODERS = ("poisson", "direct", "frames")  # frames: event data already binned in time
DEVICES = ("auto", "cpu", "cuda")
OPTIMIZERS = ("adam", "sgd")
LR_SCHEDULES = ("constant", "cosine", "linear")
#: values of fields added after runs were first saved, for a config.json without them: such a
#: run behaves as it did when it was written (no validation split)
_LEGACY = {"val_fraction": 0.0, "execution": "masked", "sscti_rule": "tiled",
           "sswi_rule": "paper"}
#: how the sparse layers are stored and run (``snn_adapters.CHSNN(execution=...)``); "auto" is
#: sparse on the CPU from AUTO_SPARSE_FROM sparsity on, where benchmarks/bench_training.py shows
#: it faster (at 90 % the dense BLAS of the masked layer still wins), and masked on CUDA
EXECUTIONS = ("auto", "masked", "sparse")
#: arithmetic of the forward pass: fp32, or bf16 autocast (CUDA only; weights, masks, gradients
#: and the optimiser stay float32, so pruned weights stay exact zeros)
PRECISIONS = ("fp32", "bf16")

AUTO_SPARSE_FROM = 0.95


class ConfigError(ValueError):
    """A bad training option (the command line reports it in one line, exit status 2)."""


def _checked(check, *args, **kwargs):
    """A :mod:`chgraph.checks` validator whose errors become :class:`ConfigError` (one line
    on the command line): the options are judged by the engine's own rules."""
    try:
        return check(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def _int(name: str, value, low: int) -> int:
    return _checked(checks.integer, name, value, low=low)


def _real(name: str, value, low: float, high: float, *, open_low=True, open_high=True) -> float:
    return _checked(checks.real, name, value, low, high, open_low=open_low,
                    open_high=open_high)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run of ``chsnn train``.

    ``update_interval`` defaults to one epoch (CHT's one topology update per epoch);
    ``zeta`` is the fraction of each layer's links an update removes (and regrows), decayed
    by the method's schedule (default :class:`chgraph.evolution.EvolutionSchedule`'s, 0.3);
    ``n_train`` / ``n_test`` take stratified subsets (the whole dataset when None);
    ``calibration_samples`` is the number of training samples whose spikes CH-SNN's SSCTI and
    SSWI see; ``energy_samples`` the number of test samples the synaptic operations are counted
    on. ``hidden`` sets the hidden width of the FC models (default 2 x input).

    ``val_fraction`` of the training data (after ``n_train``) is held out as a seeded,
    stratified validation split: the per-epoch evaluation runs on it and the test set is read
    once, at the end (0 disables it: then every epoch is evaluated on the test set).
    ``optimizer`` is ``adam`` or ``sgd`` (with ``momentum``); ``lr_schedule`` scales the
    learning rate per step: ``constant``, or ``cosine`` / ``linear`` decay to 0 at the last
    step, after a linear warm-up over ``warmup_epochs``. ``lr`` defaults to the method's
    (:attr:`chsnn.methods.Method.lr`: 1e-2 for the sparse methods, 3e-3 for dense) and
    ``lr_schedule`` to ``cosine``: what the validation studies chose (docs/method.md,
    section 5.2; before, every method ran at a constant 3e-3).

    ``augment`` applies the usual image augmentation to every training batch (random crop with
    zero padding 4 and horizontal flip, seeded by the run's seed and the epoch; image data
    only); ``normalize`` standardises every input per channel by the training data's mean and
    standard deviation (direct encoding only: Poisson rates must stay in ``[0, 1]``).

    ``sscti_rule`` is the SSCTI rule of the methods that calibrate
    (:func:`chgraph.evolution.sscti_topology`): ``tiled`` (the paper's) or ``per-neuron``;
    ``sswi_rule`` their first layer's SSWI (:class:`snn_adapters.CHSNN`): ``paper`` or
    ``matched`` (the paper's draw rescaled per neuron to the input current power of the
    layer's initialisation on the calibration data).
    """

    method: str = "chsnn"
    model: str = "2fc"
    dataset: str = "mnist5k"
    data_root: str | None = None
    sparsity: float = 0.99
    epochs: int = 20
    seed: int = 0
    batch_size: int = 64
    lr: float | None = None
    weight_decay: float = 0.0
    T: int = 8
    encoder: str = "poisson"
    hidden: int | None = None
    n_train: int | None = None
    n_test: int | None = None
    update_interval: int | None = None
    zeta: float | None = None
    calibration_samples: int = 512
    energy_samples: int = 1000
    device: str = "auto"
    val_fraction: float = 0.1
    optimizer: str = "adam"
    momentum: float = 0.9
    lr_schedule: str = "cosine"
    warmup_epochs: int = 0
    execution: str = "auto"
    augment: bool = False
    normalize: bool = False
    sscti_rule: str = "tiled"
    sswi_rule: str = "paper"
    precision: str = "fp32"

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("method", get_method_or_error(self.method))
        model = str(self.model).strip().lower()
        if model not in MODEL_NAMES:
            raise ConfigError(f"unknown model {self.model!r}; available: {', '.join(MODEL_NAMES)}")
        set_("model", model)
        if not isinstance(self.dataset, str) or not self.dataset.strip():
            raise ConfigError(f"dataset must be a name or a .npz path, got {self.dataset!r}")
        try:
            dataset_spec(self.dataset)  # a name of chsnn.data.DATASETS or a .npz path
        except DatasetError as exc:
            raise ConfigError(str(exc)) from None
        set_("sparsity", _checked(checks.sparsity, self.sparsity))
        set_("epochs", _int("epochs", self.epochs, 1))
        set_("seed", _int("seed", self.seed, 0))
        set_("batch_size", _int("batch_size", self.batch_size, 1))
        if self.lr is None:  # the method's default, chosen on validation splits
            set_("lr", get_method(self.method).lr)
        set_("lr", _real("lr", self.lr, 0.0, math.inf))
        set_("weight_decay", _real("weight_decay", self.weight_decay, 0.0, math.inf,
                                   open_low=False))
        set_("T", _int("T", self.T, 1))
        if self.encoder not in ENCODERS:
            raise ConfigError(f"encoder must be one of {ENCODERS}, got {self.encoder!r}")
        for name in ("hidden", "n_train", "n_test", "update_interval"):
            v = getattr(self, name)
            if v is not None:
                set_(name, _int(name, v, 1))
        if self.zeta is not None:
            set_("zeta", _real("zeta", self.zeta, 0.0, 1.0, open_low=False))
            if not get_method(self.method).evolves:
                raise ConfigError(f"zeta sets how much of the topology an update replaces; "
                                  f"method {self.method!r} does not evolve its topology")
        set_("calibration_samples", _int("calibration_samples", self.calibration_samples, 1))
        set_("energy_samples", _int("energy_samples", self.energy_samples, 1))
        if self.device not in DEVICES and not str(self.device).startswith("cuda:"):
            raise ConfigError(f"device must be one of {DEVICES} or cuda:N, got {self.device!r}")
        set_("val_fraction", _real("val_fraction", self.val_fraction, 0.0, 1.0, open_low=False))
        for name in ("augment", "normalize"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.augment and self.encoder == "frames":
            raise ConfigError("augment crops and flips static images; it does not apply to "
                              "--encoder frames")
        if self.normalize and self.encoder != "direct":
            raise ConfigError("normalize needs --encoder direct (Poisson and frame inputs must "
                              f"stay in [0, 1]), got encoder {self.encoder!r}")
        if self.execution not in EXECUTIONS:
            raise ConfigError(f"execution must be one of {EXECUTIONS}, got {self.execution!r}")
        for name, allowed in (("optimizer", OPTIMIZERS), ("lr_schedule", LR_SCHEDULES),
                              ("sscti_rule", SSCTI_RULES), ("sswi_rule", SSWI_RULES),
                              ("precision", PRECISIONS)):
            value = str(getattr(self, name)).strip().lower()
            if value not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
            set_(name, value)
        if self.precision == "bf16" and self.device == "cpu":
            raise ConfigError("precision bf16 is mixed precision on CUDA (torch.autocast); "
                              "train on the CPU in fp32")
        set_("momentum", _real("momentum", self.momentum, 0.0, 1.0, open_low=False))
        set_("warmup_epochs", _int("warmup_epochs", self.warmup_epochs, 0))
        limit = self.epochs - (self.lr_schedule != "constant")  # a decay needs >= 1 epoch
        if self.warmup_epochs > limit:
            raise ConfigError(f"warmup_epochs must be at most {limit} (epochs {self.epochs}, "
                              f"lr_schedule {self.lr_schedule}), got {self.warmup_epochs}")

    def resolved_execution(self, device_type: str) -> str:
        """``masked`` or ``sparse`` for a run on ``device_type`` ("cpu", "cuda")."""
        if self.execution != "auto":
            return self.execution
        return "sparse" if device_type == "cpu" and self.sparsity >= AUTO_SPARSE_FROM \
            else "masked"

    def to_dict(self) -> dict:
        """A plain dict of JSON types."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Rebuild from :meth:`to_dict`; unknown keys are a :class:`ConfigError`. Fields added
        later that ``data`` lacks take the value that reproduces the saved run (no validation
        split for a run saved before there was one).

        >>> TrainConfig.from_dict({"method": "set"}).val_fraction
        0.0
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown configuration keys {unknown}")
        legacy = {k: v for k, v in _LEGACY.items() if k not in data}
        return cls(**legacy, **data)

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def get_method_or_error(name) -> str:
    try:
        return get_method(name).name
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
