"""One training run: model, data, method, epochs, checkpoints, the final measurements.

:func:`train` is what ``chsnn train`` runs. A run directory holds

* ``config.json`` -- the :class:`~chsnn.config.TrainConfig` (written first; it identifies the run);
* ``checkpoint.pt`` -- model, optimiser, sparsifier, history after the last finished epoch;
* ``topology/epoch_XXX.npz`` -- the sparse layers after every epoch (``chgraph.io`` format);
* at the end ``report.json``, ``report.md``, ``plots/*.png``, ``topology.npz`` and
  ``topology.graphml`` (see :mod:`chsnn.report`).

Every file is written atomically (:mod:`chsnn.atomic`). Randomness is derived from the seed and
the epoch (shuffling, Poisson spikes), never carried in a global generator, so a run resumed
from the checkpoint of epoch ``k`` continues exactly as the uninterrupted run (bit for bit on
the CPU).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import torch

from . import atomic
from .config import ConfigError, TrainConfig
from .data import Dataset, load_dataset
from .ddp import World, join_from_env, leave, on_main
from .loop import CHECKPOINT_VERSION, Run, RunError
from .report import write_report, write_topology_snapshot

__all__ = ["train", "RunError", "load_checkpoint", "CHECKPOINT", "CONFIG", "REPORT"]

CONFIG = "config.json"
CHECKPOINT = "checkpoint.pt"
#: what every checkpoint holds (``lr_schedule`` and ``calibration_seconds`` came later)
CHECKPOINT_KEYS = ("config", "epoch", "model", "optimizer", "sparsifier", "history",
                   "train_seconds")
REPORT = "report.json"


# -- pieces ---------------------------------------------------------------------------------------
def _device(name: str, world: World | None = None) -> torch.device:
    """The training device; under ``torchrun`` on CUDA, this process's GPU (``LOCAL_RANK``)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} asked for, but CUDA is not available")
    if world is not None and world.distributed and name.startswith("cuda"):
        return torch.device("cuda", world.local_rank)
    return torch.device(name)


def load_data(cfg: TrainConfig) -> Dataset:
    """The dataset of a run (subsets and the validation split drawn with the run's seed)."""
    data = load_dataset(cfg.dataset, root=cfg.data_root, seed=cfg.seed, T=cfg.T)
    if cfg.n_train is not None or cfg.n_test is not None:
        n_train = min(cfg.n_train or len(data.y_train), len(data.y_train))
        n_test = min(cfg.n_test or len(data.y_test), len(data.y_test))
        data = data.subset(n_train, n_test, seed=cfg.seed)
    return data.split_validation(cfg.val_fraction, seed=cfg.seed)


# -- the run --------------------------------------------------------------------------------------
def _check_out_dir(out: Path, cfg: TrainConfig, resume: bool) -> tuple[TrainConfig, bool]:
    """The configuration to run and whether a checkpoint is there to continue from.

    A directory whose run died before its first checkpoint (``config.json`` alone) is started
    again from the beginning, with ``--resume`` (its saved configuration) or without (the new
    one); temporary files that a killed run left behind are removed either way."""
    cfg_path = out / CONFIG
    if out.exists() and not out.is_dir():
        raise RunError(f"output path {out} exists and is not a directory")
    _remove_temporaries(out)
    started = cfg_path.is_file() and not (out / CHECKPOINT).exists() and not (
        out / REPORT).exists()
    if resume:
        if not cfg_path.is_file():
            raise RunError(f"{out} holds no run to resume (no {CONFIG})")
        try:
            saved = TrainConfig.from_dict(json.loads(cfg_path.read_text()))
        except (ValueError, TypeError) as exc:
            raise RunError(f"{cfg_path} is not a valid run configuration: {exc}") from None
        return saved, not started
    if started:
        return cfg, False  # died before its first epoch ended: nothing to keep
    if cfg_path.exists() or (out / CHECKPOINT).exists() or (out / REPORT).exists():
        raise RunError(f"output directory {out} already holds a run; continue it with "
                       f"--resume {out} or choose another --out")
    return cfg, False


def _remove_temporaries(out: Path) -> None:
    """Hidden temporary files of atomic writes (``.<name>.<random>.tmp<suffix>``) that a
    killed run left in the run directory, its ``plots/`` and ``topology/``."""
    for folder in (out, out / "plots", out / "topology"):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp*"):
                if tmp.is_file():
                    tmp.unlink()


def load_checkpoint(out: str | os.PathLike) -> dict:
    """The checkpoint of a run directory (``RunError`` if missing or unreadable)."""
    path = Path(out) / CHECKPOINT
    try:
        ck = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise RunError(f"no checkpoint in {out}") from None
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad checkpoint
        raise RunError(f"{path} is not a readable checkpoint: {exc}") from None
    if not isinstance(ck, dict) or ck.get("version") != CHECKPOINT_VERSION:
        raise RunError(f"{path} is not a chsnn checkpoint of version {CHECKPOINT_VERSION}")
    missing = [key for key in CHECKPOINT_KEYS if key not in ck]
    if missing:
        raise RunError(f"{path} is not a complete chsnn checkpoint: it lacks "
                       f"{', '.join(missing)}")
    try:  # a checkpoint saved before later fields existed holds their legacy values
        ck["config"] = TrainConfig.from_dict(ck["config"]).to_dict()
    except (ConfigError, TypeError, KeyError) as exc:
        raise RunError(f"{path} holds an invalid configuration: {exc}") from None
    return ck


def train(cfg: TrainConfig, out: str | os.PathLike, *, resume: bool = False,
          progress: bool = True, plots: bool = True, stop_after_epoch: int | None = None,
          log: Callable[[str], None] | None = print, execution: str | None = None,
          epochs: int | None = None) -> dict:
    """Train one model with one method and write the run directory ``out``.

    Parameters
    ----------
    cfg : TrainConfig
        The run (ignored with ``resume=True``: the saved configuration is used).
    out : path
        The run directory; it must not hold another run unless ``resume``.
    resume : bool
        Continue the run in ``out`` from its checkpoint.
    progress : bool
        Show tqdm progress bars (on stderr).
    plots : bool
        Draw the PNG plots (matplotlib takes a few seconds).
    stop_after_epoch : int, optional
        Stop (with a checkpoint, no report) after this epoch: an interrupted run, for tests.
    log : callable, optional
        Receives one line per epoch and the summary (default ``print``; None for silence).
    execution : {"auto", "masked", "sparse"}, optional
        With ``resume``: continue the run in this execution mode (its checkpoint is converted
        and ``config.json`` records the new mode); ignored otherwise (``cfg.execution``).
    epochs : int, optional
        With ``resume``: the run's new length, at least the epochs it has finished (a finished
        run is extended). The learning-rate schedule and the evolution schedule are stretched
        to the new length: the run continues as one started with ``epochs`` would from the
        same step (a cosine or linear decay that had reached 0 rises to that schedule's
        rate; a constant rate is unchanged). The superseded report is kept as
        ``report.epochs-<old>.json`` / ``.md``. Ignored otherwise (``cfg.epochs``).

    Returns
    -------
    dict
        The report (also written to ``out/report.json``), or the checkpoint's summary when
        stopped early.

    Under ``torchrun`` (or in a process group the caller initialised) every process trains
    its shard of each batch with ``DistributedDataParallel`` and rank 0 alone writes ``out``
    (:mod:`chsnn.ddp`); every rank returns the report.
    """
    world, joined = join_from_env(_saved_device(Path(out)) if resume else cfg.device)
    failed = True
    try:
        report = _train(cfg, Path(out), world, resume=resume, progress=progress, plots=plots,
                        stop_after_epoch=stop_after_epoch, log=log, execution=execution,
                        epochs=epochs)
        failed = False
        return report
    finally:
        if joined:
            leave(wait=not failed)


def _train(cfg: TrainConfig, out: Path, world: World, *, resume: bool, progress: bool,
           plots: bool, stop_after_epoch: int | None, log, execution: str | None,
           epochs: int | None = None) -> dict:
    """:func:`train` in one process of ``world``: every rank trains, rank 0 writes."""
    main = world.main
    cfg, resume = on_main(world, _check_out_dir, out, cfg, resume)
    if resume and execution is not None and execution != cfg.execution:
        cfg = cfg.replace(execution=execution)
        on_main(world, atomic.write_json, out / CONFIG, cfg.to_dict())
    old_epochs, ck = cfg.epochs, None
    if resume:
        ck = on_main(world, load_checkpoint, out)  # rank 0 reads it; every rank restores it
        if epochs is not None and epochs != cfg.epochs:
            cfg = on_main(world, _change_length, out, cfg, epochs, int(ck["epoch"]))
    data = load_data(cfg)
    run = Run(cfg, data, _device(cfg.device, world), world)
    say = (log if main else None) or (lambda s: None)
    if resume:
        if cfg.epochs != old_epochs:
            ck = _stretched(ck, old_epochs * run.steps_per_epoch,
                            cfg.epochs * run.steps_per_epoch, cfg.epochs)
        try:
            run.restore(ck)
            run.restore_schedule(ck)
        except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as exc:
            if isinstance(exc, RunError):
                raise
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise RunError(f"{out / CHECKPOINT} does not fit this run ({type(exc).__name__}: "
                           f"{' '.join(what.split())[:300]})") from None
        del ck
        say(f"resuming {out} after epoch {run.epoch}/{cfg.epochs}"
            + (f" with {world.size} processes" if world.distributed else ""))
    else:
        on_main(world, _start_dir, out, cfg)
        run.start()
        if run.sparsifier is not None:
            on_main(world, write_topology_snapshot, out, run, epoch=0)
    while run.epoch < cfg.epochs:
        entry = run.train_epoch(progress=progress and main)
        on_main(world, _save_epoch, out, run)
        say(_epoch_line(cfg, entry))
        if stop_after_epoch is not None and run.epoch >= stop_after_epoch < cfg.epochs:
            return {"stopped_after_epoch": run.epoch, "history": run.history}
    t0 = time.perf_counter()
    test_loss, test_accuracy = run.final_test()  # every rank evaluates its shard

    def finish() -> dict:
        final = run.final_measurements()
        final["test_loss"], final["test_accuracy"] = test_loss, test_accuracy
        final["measure_seconds"] = time.perf_counter() - t0
        return write_report(out, run, final, plots=plots)

    report = on_main(world, finish)
    say(summary_line(report))
    return report


def _change_length(out: Path, cfg: TrainConfig, epochs: int, done: int) -> TrainConfig:
    """The run in ``out`` set to ``epochs`` epochs (``config.json`` rewritten, a finished run's
    report kept under another name); refused below the ``done`` epochs it has finished."""
    try:
        new = cfg.replace(epochs=epochs)
    except ConfigError as exc:
        raise RunError(f"--epochs {epochs}: {exc}") from None
    if epochs < done:
        raise RunError(f"{out} has finished {done} epochs; --epochs must be at least "
                       f"{done}, got {epochs}")
    for name in ("report.json", "report.md"):
        if (out / name).is_file():
            stem, suffix = name.split(".")
            os.replace(out / name, out / f"{stem}.epochs-{cfg.epochs}.{suffix}")
    atomic.write_json(out / CONFIG, new.to_dict())
    return new


def _stretched(ck: dict, old_total: int, new_total: int, epochs: int) -> dict:
    """A checkpoint whose learning-rate and evolution schedules end at ``new_total`` steps
    instead of ``old_total`` (the run's length changed to ``epochs``)."""
    ck = dict(ck)
    ck["config"] = {**ck["config"], "epochs": int(epochs)}
    if ck.get("lr_schedule"):
        ck["lr_schedule"] = {**ck["lr_schedule"], "total_steps": int(new_total)}
    sp = ck.get("sparsifier")
    if sp is not None:
        sp = dict(sp)
        fix = lambda d: ({**d, "total_steps": int(new_total)}  # noqa: E731
                         if d.get("total_steps") == old_total else d)
        sp["template"] = fix(sp["template"])
        if sp.get("schedules") is not None:
            sp["schedules"] = [fix(d) for d in sp["schedules"]]
        ck["sparsifier"] = sp
    return ck


def _saved_device(out: Path) -> str:
    """The device of the run to resume (``auto`` when unreadable: the error comes later)."""
    try:
        return str(json.loads((out / CONFIG).read_text()).get("device", "auto"))
    except (OSError, ValueError, AttributeError):
        return "auto"


def _start_dir(out: Path, cfg: TrainConfig) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_json(out / CONFIG, cfg.to_dict())


def _save_epoch(out: Path, run: Run) -> None:
    """The topology snapshot and the checkpoint of the epoch that just ended."""
    if run.sparsifier is not None:
        write_topology_snapshot(out, run, epoch=run.epoch)
    atomic.write_torch(out / CHECKPOINT, run.checkpoint())


def _epoch_line(cfg: TrainConfig, e: dict) -> str:
    extra = ""
    if e.get("links") is not None:
        extra = f"  links {e['links']}  live {e['live_neuron_fraction']:.3f}"
    split = "val" if "val_accuracy" in e else "test"
    return (f"[{cfg.method} seed {cfg.seed}] epoch {e['epoch']}/{cfg.epochs}  "
            f"loss {e['train_loss']:.4f}  train {e['train_accuracy']:.4f}  "
            f"{split} {e[split + '_accuracy']:.4f}{extra}  lr {e.get('lr', cfg.lr):.3g}  "
            f"({e['seconds']:.1f} s)")


def summary_line(r: dict) -> str:
    """One line: method, accuracy, sparsity, synaptic operations and energy."""
    val = ("" if r.get("val_accuracy") is None
           else f"  (validation {100 * r['val_accuracy']:.2f}%)")
    return (f"{r['method']} {r['model']} {r['dataset']} seed {r['seed']}: test accuracy "
            f"{100 * r['test_accuracy']:.2f}%{val}  sparsity {100 * r['sparsity_linear']:.2f}% "
            f"(linear) {100 * r['sparsity_all']:.2f}% (all)  SOPs/sample "
            f"{r['sops_per_sample']:.4g} (dense {r['dense_sops_per_sample']:.4g})  energy "
            f"{r['energy_uj_per_sample']:.4g} uJ/sample")
