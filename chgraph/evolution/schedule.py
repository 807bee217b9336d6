"""The topology-evolution schedule: when to update, how much to remove, with which rules.

:class:`EvolutionSchedule` holds the configuration (CHT defaults) and the per-layer state
(early-stopped layers, link targets, number of updates done); it converts to a plain dict of
JSON types and back. :func:`chgraph.evolution.evolve` returns an updated copy and never
modifies the schedule it is given.

Steps count completed optimiser steps. With ``start = start_step``, ``end = end_step`` and
``p = (step - start) / (end - start)`` clipped to ``[0, 1]``:

* updates happen at the steps ``start < step < end`` with ``(step - start) % update_interval
  == 0`` (:meth:`EvolutionSchedule.should_update`);
* fraction removed ``zeta(step) = zeta * (1 + cos(pi p)) / 2`` (``zeta_decay="cosine"``) or
  ``zeta`` (``"constant"``), and 0 outside ``[start, end)``; a layer of ``m`` links loses
  ``floor(zeta(step) * m + 1/2)`` links by removal;
* soft-removal temperature ``T(step) = temperature_start + (temperature_end -
  temperature_start) p`` (1 to 3 by default);
* ``end_step = floor(end_fraction * total_steps + 1/2)``: 75% of training by default.
"""

from __future__ import annotations

import dataclasses
import math

from .. import checks
from ._util import round_half_up
from .regrowth import check_regrowth
from .removal import check_removal

__all__ = ["EvolutionSchedule"]

ZETA_DECAYS = ("cosine", "constant")


@dataclasses.dataclass(frozen=True)
class EvolutionSchedule:
    """Configuration and per-layer state of topology evolution.

    Parameters
    ----------
    total_steps : int
        Training steps in all.
    update_interval : int
        Steps between two topology updates (for example the steps of one epoch).
    start_step : int
        No update at or before this step (default 0).
    end_fraction : float
        Evolution ends at this fraction of ``total_steps`` (default 0.75).
    zeta : float
        Fraction of links removed at the first update, in ``(0, 1]`` (default 0.3).
    zeta_decay : {"cosine", "constant"}
    temperature_start, temperature_end : float
        Soft-removal temperature ramp (default 1 to 3).
    removal : {"lrs", "relative_importance", "magnitude"}
    removal_mode : {"soft", "hard"}
    regrowth : str
        A chgraph predictor (default ``"CH3-L3"``), ``"random"`` or ``"scores"``.
    regrowth_mode : {"soft", "topk"}
    regrowth_engine : {"auto", "dense", "stream", "sparse"}
    percolation : bool
        Remove the links of dead hidden neurons after removal (default True; SET and RigL
        do not percolate). Without it every neuron stays a regrowth candidate.
    early_stop_overlap : float or None
        A layer stops evolving once ``|removed & regrown| / |regrown|`` exceeds this
        (default 0.9); ``None`` disables the early stop.
    stopped : sequence of bool, optional
        State: layers that have stopped evolving (kept as a tuple).
    targets : sequence of int, optional
        State: the number of links each layer keeps (set at the first update).
    n_updates : int
        State: updates done so far.

    Examples
    --------
    >>> s = EvolutionSchedule(total_steps=1000, update_interval=100)
    >>> s.end_step, s.should_update(100), s.should_update(800)
    (750, True, False)
    >>> round(s.zeta_at(100), 4), round(s.temperature_at(100), 4)
    (0.287, 1.2667)
    >>> EvolutionSchedule.from_dict(s.to_dict()) == s
    True
    """

    total_steps: int
    update_interval: int
    start_step: int = 0
    end_fraction: float = 0.75
    zeta: float = 0.3
    zeta_decay: str = "cosine"
    temperature_start: float = 1.0
    temperature_end: float = 3.0
    removal: str = "lrs"
    removal_mode: str = "soft"
    regrowth: str = "CH3-L3"
    regrowth_mode: str = "soft"
    regrowth_engine: str = "auto"
    percolation: bool = True
    early_stop_overlap: float | None = 0.9
    stopped: tuple | None = None
    targets: tuple | None = None
    n_updates: int = 0

    def __post_init__(self) -> None:
        for name, low in (("total_steps", 1), ("update_interval", 1), ("start_step", 0),
                          ("n_updates", 0)):
            object.__setattr__(self, name, checks.integer(name, getattr(self, name), low=low))
        for name in ("temperature_start", "temperature_end"):
            object.__setattr__(self, name, checks.real(name, getattr(self, name)))
        for name in ("end_fraction", "zeta"):
            object.__setattr__(self, name,
                               checks.fraction(name, getattr(self, name), open_low=True))
        checks.one_of("zeta_decay", self.zeta_decay, ZETA_DECAYS)
        if self.end_step <= self.start_step:
            raise ValueError(
                f"the schedule ends before it starts: end_step={self.end_step} "
                f"(end_fraction * total_steps) <= start_step={self.start_step}"
            )
        check_removal(self.removal, self.removal_mode, self.temperature_start)
        check_removal(self.removal, self.removal_mode, self.temperature_end)
        check_regrowth(self.regrowth, self.regrowth_mode, self.regrowth_engine)
        if not isinstance(self.percolation, bool):
            raise TypeError(f"percolation must be a bool, got {type(self.percolation).__name__}")
        if self.early_stop_overlap is not None:
            object.__setattr__(self, "early_stop_overlap",
                               checks.fraction("early_stop_overlap", self.early_stop_overlap))
        if self.stopped is not None:
            object.__setattr__(self, "stopped", tuple(bool(x) for x in self.stopped))
        if self.targets is not None:
            t = tuple(int(x) for x in self.targets)
            if any(x < 0 for x in t):
                raise ValueError("targets must be >= 0")
            object.__setattr__(self, "targets", t)

    # -- the schedule ----------------------------------------------------------------------
    @property
    def end_step(self) -> int:
        """Last step of evolution (exclusive): ``end_fraction * total_steps``, rounded."""
        return round_half_up(self.end_fraction * self.total_steps)

    def progress(self, step: int) -> float:
        """``(step - start) / (end - start)`` clipped to ``[0, 1]``.

        >>> EvolutionSchedule(100, 10).progress(30)
        0.4
        """
        p = (step - self.start_step) / (self.end_step - self.start_step)
        return min(max(p, 0.0), 1.0)

    def should_update(self, step: int) -> bool:
        """Whether the topology is updated after optimiser step ``step``.

        >>> [s for s in range(0, 101) if EvolutionSchedule(100, 25).should_update(s)]
        [25, 50]
        """
        return (self.start_step < step < self.end_step
                and (step - self.start_step) % self.update_interval == 0)

    def zeta_at(self, step: int) -> float:
        """Fraction of links removed at ``step`` (0 outside ``[start, end)``).

        >>> EvolutionSchedule(100, 10).zeta_at(0)
        0.3
        """
        if not self.start_step <= step < self.end_step:
            return 0.0
        if self.zeta_decay == "constant":
            return self.zeta
        return self.zeta * 0.5 * (1.0 + math.cos(math.pi * self.progress(step)))

    def temperature_at(self, step: int) -> float:
        """Soft-removal temperature at ``step``.

        >>> EvolutionSchedule(100, 10).temperature_at(75)
        3.0
        """
        p = self.progress(step)
        return self.temperature_start + (self.temperature_end - self.temperature_start) * p

    def is_stopped(self, layer: int) -> bool:
        """Whether ``layer`` has stopped evolving (early stop).

        >>> EvolutionSchedule(100, 10, stopped=[False, True]).is_stopped(1)
        True
        """
        return bool(self.stopped is not None and self.stopped[layer])

    # -- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A plain dict (JSON types only) of configuration and state.

        >>> EvolutionSchedule(100, 10).to_dict()["zeta"]
        0.3
        """
        d = dataclasses.asdict(self)
        for key in ("stopped", "targets"):
            if d[key] is not None:
                d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, data: dict) -> EvolutionSchedule:
        """Rebuild a schedule from :meth:`to_dict`'s output (unknown keys are an error).

        >>> EvolutionSchedule.from_dict({"total_steps": 10, "update_interval": 2}).end_step
        8
        """
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown schedule keys: {unknown}")
        return cls(**data)

    def replace(self, **changes) -> EvolutionSchedule:
        """A copy with some fields changed (validated again).

        >>> EvolutionSchedule(100, 10).replace(zeta=0.5).zeta
        0.5
        """
        return dataclasses.replace(self, **changes)
