"""Training in several processes (``torchrun``): the world, the shards, the reductions.

``torchrun --nproc_per_node=N -m chsnn train ...`` starts ``N`` processes with the usual
``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK`` / ``MASTER_ADDR`` / ``MASTER_PORT`` variables;
:func:`chsnn.train.train` then joins them in one process group (NCCL on CUDA, gloo on the
CPU) and trains one model with :class:`torch.nn.parallel.DistributedDataParallel`:

* ``--batch-size`` is the *global* batch. Every process draws the same seeded order and the
  same Poisson spikes for the whole batch and trains on its shard (samples ``rank``,
  ``rank + N``, ...); the loss is scaled so that DDP's averaged gradient is the gradient of
  the whole batch. A run therefore takes the same steps, learning rates and topology updates
  with any number of processes, and can be resumed with another number.
* Rank 0 decides every topology change and broadcasts it (:mod:`snn_adapters.distributed`);
  the masks' checksum is compared across ranks after each change.
* Evaluation is sharded the same way and its sums are all-reduced: every rank reports the
  accuracy of the whole split.
* Rank 0 alone writes the run directory (configuration, checkpoints, topology, report).

Outside ``torchrun`` (or with one process) nothing of this is active.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

__all__ = ["World", "current_world", "launched_rank", "launched_world_size", "join_from_env",
           "leave", "on_main", "all_sum", "broadcast_buffers", "shard"]


@dataclass(frozen=True)
class World:
    """This process's place among the training processes (``size`` 1: not distributed)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this process writes the run directory (rank 0)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def current_world() -> World:
    """The initialised process group as a :class:`World` (``World()`` when there is none).

    >>> current_world()
    World(rank=0, size=1, local_rank=0)
    """
    d = torch.distributed
    if d.is_available() and d.is_initialized() and d.get_world_size() > 1:
        return World(d.get_rank(), d.get_world_size(),
                     int(os.environ.get("LOCAL_RANK", d.get_rank())))
    return World()


def launched_world_size() -> int:
    """The number of processes ``torchrun`` started (``WORLD_SIZE``; 1 without torchrun)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def launched_rank() -> int:
    """This process's rank as ``torchrun`` set it (``RANK``; 0 without torchrun): the rank
    that prints, before and after the process group exists."""
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def join_from_env(device_name: str) -> tuple[World, bool]:
    """Join the process group that ``torchrun``'s variables describe.

    Returns ``(world, joined)``: ``joined`` is True when this call initialised the group
    (call :func:`leave` at the end). Without ``torchrun`` variables (``WORLD_SIZE`` unset or
    1) or with a group already initialised (a caller's own ``init_process_group``), nothing
    is initialised. The backend is NCCL when the run trains on CUDA, gloo otherwise.

    >>> join_from_env("cpu")  # not under torchrun
    (World(rank=0, size=1, local_rank=0), False)
    """
    d = torch.distributed
    if not d.is_available() or d.is_initialized() or launched_world_size() <= 1:
        return current_world(), False
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = device_name.startswith("cuda") or (device_name == "auto"
                                              and torch.cuda.is_available())
    if cuda:
        torch.cuda.set_device(local_rank)
    d.init_process_group("nccl" if cuda else "gloo")
    return current_world(), True


def leave(wait: bool = True) -> None:
    """Tear the process group down, after every rank got here when ``wait`` (not after an
    error: the other ranks may never arrive)."""
    d = torch.distributed
    if d.is_available() and d.is_initialized():
        if wait and d.get_world_size() > 1:
            d.barrier()
        d.destroy_process_group()


def on_main(world: World, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on rank 0, its result broadcast to every rank.

    An exception raised on rank 0 is raised on every rank, with the same type (one of
    ``chsnn``'s errors or a ``RuntimeError``) and message, so that no rank waits for a rank
    that failed.

    >>> on_main(World(), max, 2, 3)
    3
    """
    if not world.distributed:
        return fn(*args, **kwargs)
    payload = [None]
    if world.main:
        try:
            payload[0] = ("ok", fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - re-raised below, on every rank
            payload[0] = ("error", exc)
    torch.distributed.broadcast_object_list(payload, src=0)
    kind, value = payload[0]
    if kind == "error":
        raise value
    return value


def all_sum(world: World, values: list[float], device: torch.device) -> list[float]:
    """``values`` summed over every rank (float64; identity when not distributed).

    >>> all_sum(World(), [1.0, 2.0], torch.device("cpu"))
    [1.0, 2.0]
    """
    if not world.distributed:
        return [float(v) for v in values]
    t = torch.tensor(values, dtype=torch.float64, device=device)
    torch.distributed.all_reduce(t)
    return t.tolist()


def broadcast_buffers(world: World, module: torch.nn.Module) -> None:
    """Rank 0's buffers (BatchNorm's running statistics, ...) on every rank: after the last
    training step each rank's BatchNorm has seen only its own shard."""
    if not world.distributed:
        return
    for buf in module.buffers():
        torch.distributed.broadcast(buf, src=0)


def shard(world: World, n: int) -> slice:
    """This rank's positions among ``n`` items: ``rank, rank + size, ...`` (may be empty).

    >>> list(range(7))[shard(World(1, 3), 7)]
    [1, 4]
    """
    return slice(world.rank, n, world.size)
