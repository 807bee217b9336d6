"""Validation of a :meth:`CHSNN.state_dict` before anything is restored from it."""

from __future__ import annotations

import copy

import numpy as np

from chgraph import checks
from chgraph.evolution import EvolutionSchedule

__all__ = ["STATE_VERSION", "parse_state"]

STATE_VERSION = 1
_KEYS = {"sparsity", "layers", "template", "chains", "schedules", "step", "rng", "order",
         "history"}


def parse_state(state, layers: list[list], sparsity: float) -> dict:
    """Check ``state`` against this sparsifier's ``layers`` (``[[name, [n_in, n_out]], ...]``)
    and ``sparsity``; return the restored pieces (``template``, ``chains``, ``schedules``,
    ``step``, ``rng``, ``order``). Raises ``TypeError`` / ``ValueError`` on anything foreign.
    """
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict, got {type(state).__name__}")
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported CHSNN state version {state.get('version')!r}")
    missing = _KEYS - set(state)
    if missing:
        raise ValueError(f"CHSNN state lacks keys {sorted(missing)}")
    theirs = [[n, list(s)] for n, s in state["layers"]]
    if layers != theirs:
        raise ValueError(f"CHSNN state is for other layers: state has {theirs}, this "
                         f"sparsifier has {layers}")
    if float(state["sparsity"]) != sparsity:
        raise ValueError(f"CHSNN state has sparsity {state['sparsity']}, this sparsifier "
                         f"{sparsity}")
    template = EvolutionSchedule.from_dict(state["template"])
    chains, schedules = state["chains"], None
    if chains is not None:
        flat = [n for c in chains for n in c]
        if sorted(flat) != sorted(n for n, _ in layers):
            raise ValueError(f"CHSNN state chains {chains} do not cover the layers")
        schedules = [EvolutionSchedule.from_dict(d) for d in state["schedules"]]
        if len(schedules) != len(chains):
            raise ValueError("CHSNN state has one schedule per chain")
        chains = [list(c) for c in chains]
    step = state["step"]
    checks.integer("CHSNN state step", step, low=0)
    try:
        bg = getattr(np.random, state["rng"]["bit_generator"])()
        bg.state = copy.deepcopy(state["rng"])
        rng = np.random.Generator(bg)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"CHSNN state has an invalid rng state: {exc}") from exc
    order = state["order"]
    return {"template": template, "chains": chains, "schedules": schedules, "step": int(step),
            "rng": rng, "order": None if order is None else list(order)}
