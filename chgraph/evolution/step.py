"""One topology-evolution step over a chain of layers: removal, percolation, regrowth.

:func:`evolve` works on numpy weights and masks in the engine's orientation (``n_in x n_out``,
rows = inputs); it returns new arrays and never modifies the caller's.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from .. import checks
from ._util import as_mask, as_rng, as_weights, check_shape, round_half_up
from .percolation import check_chain_shapes, percolate_links
from .regrowth import check_scores, regrow_links
from .removal import keep_links, link_removal_scores
from .schedule import EvolutionSchedule

__all__ = ["LayerStats", "EvolutionResult", "LinkEvolution", "evolve", "evolve_links"]


@dataclasses.dataclass
class LayerStats:
    """Statistics of one layer after one evolution step.

    ``removed``: links removed by the removal rule; ``percolated``: links removed because they
    touched a dead neuron; ``regrown``: links added (``filled_random`` of them uniformly,
    because positive scores ran out; ``shortfall`` links could not be placed for lack of
    candidates); ``overlap``: ``|removed & regrown| / |regrown|`` over all links lost this step
    (0 when nothing was regrown); ``links`` / ``target``: links after the step and the target;
    ``live_inputs`` / ``live_outputs``: live neurons on each side; ``evolved``: removal ran
    (not dense, not stopped); ``dense``; ``stopped``: the layer is stopped after this step;
    ``seconds``: time spent on this layer by ``removal`` and ``regrowth``, and the part of
    ``regrowth`` spent in chgraph's link prediction and selection (``scoring``).
    """

    layer: int
    dense: bool
    evolved: bool
    removed: int
    percolated: int
    regrown: int
    filled_random: int
    shortfall: int
    overlap: float
    links: int
    target: int
    live_inputs: int
    live_outputs: int
    stopped: bool
    seconds: dict

    def to_dict(self) -> dict:
        """The statistics as a plain dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass
class _StepRecord:
    """What both forms of the step return.

    ``removed_links`` / ``regrown_links``: sorted flat indices ``row * n_out + col`` of the
    links lost (removal and percolation) and added, per layer (a link may be in both: it was
    removed and regrown, its weight is now 0); ``stats``: one :class:`LayerStats` per layer;
    ``schedule``: the updated schedule (state: stopped layers, targets, update count);
    ``seconds``: time per stage for the whole chain (``prepare``, ``removal``,
    ``percolation``, ``regrowth``, ``assemble``, ``total``); ``zeta``, ``temperature``: the
    values used at this step.
    """

    removed_links: list
    regrown_links: list
    stats: list
    schedule: EvolutionSchedule
    seconds: dict
    zeta: float
    temperature: float


@dataclasses.dataclass
class EvolutionResult(_StepRecord):
    """What :func:`evolve` returns: ``masks``, ``weights`` (new arrays per layer; weights keep
    their dtype, exactly 0 off the mask and at regrown links), and the fields of every step
    (``removed_links``, ``regrown_links``: sorted flat indices ``row * n_out + col`` of the
    links lost and added per layer; ``stats``: one :class:`LayerStats` per layer; the updated
    ``schedule``; ``seconds`` per stage; ``zeta``, ``temperature``). :attr:`removed` /
    :attr:`regrown` give the lost and added links as boolean masks, for zeroing optimiser
    state.
    """

    masks: list
    weights: list

    def _as_masks(self, flats) -> list:
        out = []
        for m, flat in zip(self.masks, flats, strict=True):
            b = np.zeros(m.shape, dtype=bool)
            b.flat[flat] = True
            out.append(b)
        return out

    @property
    def removed(self) -> list:
        """Boolean masks of the links lost this step, per layer."""
        return self._as_masks(self.removed_links)

    @property
    def regrown(self) -> list:
        """Boolean masks of the links added this step, per layer."""
        return self._as_masks(self.regrown_links)

    @property
    def live_fraction(self) -> float:
        """Fraction of live hidden neurons of the new masks (the inputs of every layer but the
        first; NaN if none): :func:`chgraph.analysis.live_fraction`, the project's one
        definition (for a chain whose outputs feed a dense layer, call it with
        ``dense_after=True``).

        >>> import numpy as np
        >>> from chgraph.evolution import EvolutionSchedule
        >>> masks = [np.ones((3, 4), bool), np.eye(4, 2, dtype=bool)]
        >>> res = evolve([m.astype(np.float32) for m in masks], masks,
        ...              EvolutionSchedule(100, 10, regrowth="random"), 0, rng=0)
        >>> res.live_fraction   # one of the 4 hidden neurons keeps an outgoing link
        0.25
        """
        from ..analysis import live_fraction  # analysis sits above evolution: import on use

        return live_fraction(self.masks)


@dataclasses.dataclass
class LinkEvolution(_StepRecord):
    """What :func:`evolve_links` returns: the step as link lists, per layer.

    ``kept`` / ``kept_weights``: the links that stayed (sorted flat indices
    ``row * n_out + col``) and their weights, and the fields of every step (as in
    :class:`EvolutionResult`). :attr:`links` / :attr:`weights` give the whole new topology.
    """

    kept: list
    kept_weights: list

    @property
    def links(self) -> list:
        """The links after the step, per layer: sorted flat indices."""
        return [np.sort(np.concatenate([k, r]))
                for k, r in zip(self.kept, self.regrown_links, strict=True)]

    @property
    def weights(self) -> list:
        """The weight of every link of :attr:`links` (0 at regrown links), per layer."""
        out = []
        for k, w, r in zip(self.kept, self.kept_weights, self.regrown_links, strict=True):
            order = np.argsort(np.concatenate([k, r]), kind="stable")
            out.append(np.concatenate([w, np.zeros(r.size, dtype=w.dtype)])[order])
        return out


def _check_common(schedule, step) -> None:
    if not isinstance(schedule, EvolutionSchedule):
        raise TypeError(f"schedule must be an EvolutionSchedule, got {type(schedule).__name__}")
    checks.integer("step", step, low=0)


def _check_dense(dense, n: int, default) -> list[bool]:
    if dense is None:
        return default()
    dense = [bool(d) for d in dense]
    if len(dense) != n:
        raise ValueError(f"dense has {len(dense)} entries for {n} layers")
    return dense


def _check_schedule_state(schedule, n: int) -> None:
    for name in ("stopped", "targets"):
        v = getattr(schedule, name)
        if v is not None and len(v) != n:
            raise ValueError(f"schedule.{name} has {len(v)} entries for {n} layers")


def _check_scores(schedule, regrowth_scores, shapes, dense) -> list:
    n = len(shapes)
    if schedule.regrowth != "scores":
        return [None] * n
    if regrowth_scores is None or len(regrowth_scores) != n:
        raise ValueError("regrowth 'scores' needs regrowth_scores: one array (or None for "
                         "dense layers) per layer")
    return [None if dense[l] else check_scores(s, shapes[l], f"regrowth_scores[{l}]")
            for l, s in enumerate(regrowth_scores)]


def _check_inputs(weights, masks, schedule, step, dense, regrowth_scores):
    _check_common(schedule, step)
    if isinstance(weights, np.ndarray) or isinstance(masks, np.ndarray):
        raise TypeError("weights and masks must be sequences of 2-D arrays, one per layer")
    weights, masks = list(weights), list(masks)
    if len(weights) != len(masks) or not weights:
        raise ValueError(f"need one weight and one mask per layer, got {len(weights)} weights "
                         f"and {len(masks)} masks")
    ws = [as_weights(w, f"weights[{l}]") for l, w in enumerate(weights)]
    ms = [as_mask(m, f"masks[{l}]") for l, m in enumerate(masks)]
    for l, (w, m) in enumerate(zip(ws, ms, strict=True)):
        if w.shape != m.shape:
            raise ValueError(f"layer {l}: weights {w.shape} and mask {m.shape} differ in shape")
    shapes = [m.shape for m in ms]
    check_chain_shapes(shapes)
    dense = _check_dense(dense, len(ms), lambda: [bool(m.all()) for m in ms])
    _check_schedule_state(schedule, len(ms))
    return ws, ms, shapes, dense, _check_scores(schedule, regrowth_scores, shapes, dense)


def evolve(weights, masks, schedule: EvolutionSchedule, step: int, rng, *, dense=None,
           regrowth_scores=None) -> EvolutionResult:
    """One topology update of a chain of layers: removal, percolation, regrowth.

    For every layer that is neither dense nor stopped, ``floor(zeta(step) * links + 1/2)``
    links are removed by the schedule's rule; then dead hidden neurons lose their links
    (:mod:`~chgraph.evolution.percolation`); then every non-dense layer regrows
    ``target - links`` links between live neurons with weight 0 (removed + percolated when at
    target). Stopped layers only regrow what percolation took. Dense layers are never changed
    (a dead neuron keeps its links in a dense layer). A dead neuron never comes back, since
    candidates join live neurons only; if a layer has fewer candidates than links to regrow,
    ``shortfall`` says how many are missing and later steps try again to reach the target.

    Parameters
    ----------
    weights, masks : sequences of 2-D arrays ``n_in x n_out``
        One per layer; layer ``l``'s ``n_out`` is layer ``l + 1``'s ``n_in``. Weights must be
        finite; entries of ``masks`` != 0 are links. Not modified.
    schedule : EvolutionSchedule
        Rules, ``zeta(step)``, ``T(step)`` and per-layer state (targets default to the current
        link counts at the first call).
    step : int
        The training step (for ``zeta`` and ``T``; the caller decides when to call, for
        example with :meth:`EvolutionSchedule.should_update`).
    rng : numpy.random.Generator or int
        Draws are made layer by layer in a fixed order: the same seed gives the same result.
    dense : sequence of bool, optional
        Layers that stay dense (not evolved; they still count for percolation). Default: the
        layers whose mask is full.
    regrowth_scores : sequence of 2-D arrays, optional
        For ``schedule.regrowth == "scores"``: non-negative scores per layer (``None`` for
        dense layers), e.g. ``|gradient|`` (RigL).

    Examples
    --------
    >>> from chgraph.evolution import EvolutionSchedule, random_equal_degree, swi
    >>> masks = [random_equal_degree((20, 30), 0.8, rng=0), np.ones((30, 5), bool)]
    >>> weights = [swi(m, rng=1) for m in masks]
    >>> sched = EvolutionSchedule(total_steps=100, update_interval=10)
    >>> res = evolve(weights, masks, sched, step=10, rng=2)
    >>> int(res.masks[0].sum()) == int(masks[0].sum()), res.stats[1].dense
    (True, True)
    >>> bool(np.all(res.weights[0][~res.masks[0]] == 0))
    True
    """
    t_start = time.perf_counter()
    ws, ms, shapes, dense, scores = _check_inputs(weights, masks, schedule, step, dense,
                                                  regrowth_scores)
    flats = [np.flatnonzero(m) for m in ms]
    link_w = [w.ravel()[f] for w, f in zip(ws, flats, strict=True)]
    core = _evolve_core(shapes, flats, link_w, schedule, int(step), as_rng(rng), dense, scores,
                        t_start)
    t_asm = time.perf_counter()
    out_masks, out_weights = [], []
    for l in range(len(ms)):
        if dense[l]:
            out_masks.append(ms[l].copy())
            out_weights.append(np.array(ws[l], copy=True))
        else:
            mask = np.zeros(shapes[l], dtype=bool)
            mask.flat[core.kept[l]] = True
            mask.flat[core.regrown_links[l]] = True
            w = np.zeros(shapes[l], dtype=ws[l].dtype)
            w.flat[core.kept[l]] = core.kept_weights[l]
            out_masks.append(mask)
            out_weights.append(w)
    t_end = time.perf_counter()
    seconds = dict(core.seconds)
    seconds["assemble"] += t_end - t_asm
    seconds["total"] = t_end - t_start
    return EvolutionResult(masks=out_masks, weights=out_weights,
                           removed_links=core.removed_links, regrown_links=core.regrown_links,
                           stats=core.stats, schedule=core.schedule, seconds=seconds,
                           zeta=core.zeta, temperature=core.temperature)


def _check_link_inputs(shapes, links, weights, schedule, step, dense, regrowth_scores):
    _check_common(schedule, step)
    shapes = [check_shape(s) for s in shapes]
    n = len(shapes)
    check_chain_shapes(shapes)
    links, weights = list(links), list(weights)
    if len(links) != n or len(weights) != n:
        raise ValueError(f"need one link array and one weight array per layer ({n} shapes), "
                         f"got {len(links)} and {len(weights)}")
    flats, ws = [], []
    for l, (f, w) in enumerate(zip(links, weights, strict=True)):
        f, w = np.asarray(f), np.asarray(w)
        if f.ndim != 1 or not (np.issubdtype(f.dtype, np.integer) or f.size == 0):
            raise ValueError(f"links[{l}] must be a 1-D integer array of flat indices "
                             f"row * n_out + col")
        f = f.astype(np.int64, copy=False)
        size = shapes[l][0] * shapes[l][1]
        if f.size and (f[0] < 0 or f[-1] >= size or np.any(f[1:] <= f[:-1])):
            raise ValueError(f"links[{l}] must be strictly increasing flat indices in "
                             f"[0, {size}) (row * n_out + col of a {shapes[l]} layer)")
        if w.shape != f.shape:
            raise ValueError(f"weights[{l}] has shape {w.shape}, links[{l}] {f.shape}: one "
                             "weight per link")
        if not (np.issubdtype(w.dtype, np.floating) or np.issubdtype(w.dtype, np.integer)):
            raise TypeError(f"weights[{l}] must hold real numbers, got dtype {w.dtype}")
        if not np.all(np.isfinite(w)):
            raise ValueError(f"weights[{l}] has non-finite entries (NaN or inf)")
        flats.append(f)
        ws.append(w)
    dense = _check_dense(dense, n, lambda: [f.size == s[0] * s[1]
                                            for f, s in zip(flats, shapes, strict=True)])
    _check_schedule_state(schedule, n)
    scores = _check_scores(schedule, regrowth_scores, shapes, dense)
    return shapes, flats, ws, dense, scores


def evolve_links(shapes, links, weights, schedule: EvolutionSchedule, step: int, rng, *,
                 dense=None, regrowth_scores=None) -> LinkEvolution:
    """:func:`evolve` on link lists: the same step, without dense matrices.

    Use it when a layer is too large for dense ``n_in x n_out`` arrays, or to avoid building
    them (the torch adapters hand over each layer's links and their weights, and write back
    only what changed). With the same inputs and seed, the links chosen equal :func:`evolve`'s.

    Parameters
    ----------
    shapes : sequence of (n_in, n_out)
        One per layer of the chain.
    links : sequence of 1-D int arrays
        Per layer, the flat indices ``row * n_out + col`` of its links, strictly increasing.
    weights : sequence of 1-D real arrays
        Per layer, the weight of each link (aligned with ``links``; finite).
    schedule, step, rng, dense, regrowth_scores
        As in :func:`evolve`; ``dense`` defaults to the layers whose links fill them.

    Returns
    -------
    LinkEvolution
        ``removed_links``, ``regrown_links``, the new ``links`` and their ``weights`` (0 at
        regrown links), ``stats``, ``schedule``, ``seconds``, ``zeta``, ``temperature``.

    Examples
    --------
    >>> from chgraph.evolution import EvolutionSchedule, random_equal_degree, swi
    >>> mask = random_equal_degree((20, 30), 0.8, rng=0)
    >>> links = np.flatnonzero(mask)
    >>> w = swi(mask, rng=1).ravel()[links]
    >>> sched = EvolutionSchedule(total_steps=100, update_interval=10)
    >>> res = evolve_links([(20, 30)], [links], [w], sched, step=10, rng=2)
    >>> res.links[0].size == links.size, res.stats[0].removed == res.regrown_links[0].size
    (True, True)
    >>> full = evolve([swi(mask, rng=1)], [mask], sched, step=10, rng=2)
    >>> bool(np.array_equal(np.flatnonzero(full.masks[0]), res.links[0]))
    True
    """
    t_start = time.perf_counter()
    shapes, flats, ws, dense, scores = _check_link_inputs(shapes, links, weights, schedule,
                                                          step, dense, regrowth_scores)
    return _evolve_core(shapes, flats, ws, schedule, int(step), as_rng(rng), dense, scores,
                        t_start)


def _evolve_core(shapes, flats, link_w, schedule, step, rng, dense, scores, t_start):
    """The step on validated link lists (see :func:`evolve`)."""
    n = len(shapes)
    stopped = list(schedule.stopped) if schedule.stopped is not None else [False] * n
    targets = (list(schedule.targets) if schedule.targets is not None
               else [int(f.size) for f in flats])
    zeta = schedule.zeta_at(step)
    temp = schedule.temperature_at(step)
    seconds = [{"removal": 0.0, "regrowth": 0.0, "scoring": 0.0} for _ in range(n)]
    t_prep = time.perf_counter()

    # removal: positions (into each layer's links) that survive
    kept, n_removed = [], [0] * n
    for l in range(n):
        t0 = time.perf_counter()
        flat = flats[l]
        pos = np.arange(flat.size)
        evolving = not dense[l] and not stopped[l]
        n_rm = min(round_half_up(zeta * flat.size), flat.size) if evolving else 0
        if n_rm:
            r, c = np.divmod(flat, shapes[l][1])
            absw = np.abs(link_w[l]).astype(np.float64)
            s = link_removal_scores(absw, r, c, shapes[l], schedule.removal)
            pos = np.sort(keep_links(s, flat.size - n_rm, rng, mode=schedule.removal_mode,
                                     temperature=temp))
        kept.append(pos)
        n_removed[l] = n_rm
        seconds[l]["removal"] = time.perf_counter() - t0
    t_rem = time.perf_counter()

    # percolation
    rc = [np.divmod(flats[l][p], shapes[l][1]) for l, p in enumerate(kept)]
    if schedule.percolation:
        keep, live = percolate_links([r for r, _ in rc], [c for _, c in rc], shapes, dense)
    else:
        keep = [np.ones(p.size, dtype=bool) for p in kept]
        live = [np.ones(shapes[0][0], dtype=bool)] + [np.ones(s[1], dtype=bool) for s in shapes]
    n_perc = [int(k.size - np.count_nonzero(k)) for k in keep]
    kept = [p[k] for p, k in zip(kept, keep, strict=True)]
    kept_links = [flats[l][p] for l, p in enumerate(kept)]
    t_perc = time.perf_counter()

    # regrowth
    new_links, fills, shorts = [], [0] * n, [0] * n
    for l in range(n):
        t0 = time.perf_counter()
        if dense[l]:
            new = np.empty(0, np.int64)
        else:
            need = max(targets[l] - kept[l].size, 0)
            new, fills[l], shorts[l] = regrow_links(
                shapes[l], kept_links[l], need, rng, method=schedule.regrowth,
                mode=schedule.regrowth_mode, scores=scores[l], live_rows=live[l],
                live_cols=live[l + 1], engine=schedule.regrowth_engine, timings=seconds[l])
        new_links.append(np.sort(new))
        seconds[l]["regrowth"] = time.perf_counter() - t0
    t_reg = time.perf_counter()

    # statistics
    removed_links, stats = [], []
    new_stopped = list(stopped)
    for l in range(n):
        gone = np.ones(flats[l].size, dtype=bool)
        gone[kept[l]] = False
        lost = flats[l][gone]
        removed_links.append(lost)
        n_new = new_links[l].size
        overlap = 0.0
        if n_new and lost.size:
            both = np.intersect1d(lost, new_links[l], assume_unique=True).size
            overlap = both / n_new
        if (not dense[l] and not stopped[l] and schedule.early_stop_overlap is not None
                and n_new and overlap > schedule.early_stop_overlap):
            new_stopped[l] = True
        stats.append(LayerStats(
            layer=l, dense=dense[l], evolved=not dense[l] and not stopped[l],
            removed=n_removed[l], percolated=n_perc[l], regrown=int(n_new),
            filled_random=int(fills[l]), shortfall=int(shorts[l]), overlap=float(overlap),
            links=int(kept[l].size + n_new), target=int(targets[l]),
            live_inputs=int(np.count_nonzero(live[l])),
            live_outputs=int(np.count_nonzero(live[l + 1])),
            stopped=new_stopped[l], seconds=seconds[l]))
    new_schedule = schedule.replace(stopped=new_stopped, targets=targets,
                                    n_updates=schedule.n_updates + 1)
    t_end = time.perf_counter()
    total = {"prepare": t_prep - t_start, "removal": t_rem - t_prep,
             "percolation": t_perc - t_rem, "regrowth": t_reg - t_perc,
             "assemble": t_end - t_reg, "total": t_end - t_start}
    return LinkEvolution(kept=kept_links, kept_weights=[link_w[l][p] for l, p in enumerate(kept)],
                         removed_links=removed_links, regrown_links=new_links, stats=stats,
                         schedule=new_schedule, seconds=total, zeta=zeta, temperature=temp)
