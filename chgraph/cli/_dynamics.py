"""Per-epoch topology dynamics of a ``chsnn train`` run: chains, live neurons, link turnover."""

from __future__ import annotations

from ._common import CLIError

__all__ = ["split_chains", "chain_indices", "epoch_dynamics"]


def split_chains(layers) -> list[list[int]]:
    """Indices of the maximal runs of consecutive layers whose shapes chain.

    >>> import numpy as np
    >>> split_chains([np.ones((2, 3)), np.ones((3, 4)), np.ones((5, 1))])
    [[0, 1], [2]]
    """
    chains: list[list[int]] = []
    for i, layer in enumerate(layers):
        if chains and layers[chains[-1][-1]].shape[1] == layer.shape[0]:
            chains[-1].append(i)
        else:
            chains.append([i])
    return chains


def chain_indices(chains, names, where: str) -> list[list[int]]:
    """Chains given by layer names as indices into ``names`` (``CLIError`` if one is missing).

    >>> chain_indices([["fc1", "fc2"]], ["fc1", "fc2"], "run")
    [[0, 1]]
    """
    pos = {name: i for i, name in enumerate(names)}
    missing = [n for chain in chains for n in chain if n not in pos]
    if missing:
        raise CLIError(f"{where}: the run's chains name layers {missing} that the topology "
                       f"file does not hold (it has {list(names)})")
    return [[pos[n] for n in chain] for chain in chains]


def epoch_dynamics(snapshots, progress=None, chains=None, dense_after: bool = False) -> list[dict]:
    """Per snapshot ``(epoch, LayerStack)``: links, live fraction and turnover from the last.

    ``chains`` (layer names per chain; default: runs of layers whose shapes chain) and
    ``dense_after`` say how the live fraction is counted (:func:`chgraph.analysis.live_fraction`
    pooled over the chains).

    Each entry has ``epoch``, ``n_links``, ``live_fraction``, the totals ``n_removed``,
    ``n_added``, ``turnover`` (= ``sum n_removed / sum n_before``), ``added_fraction``,
    ``jaccard`` (``sum n_common / sum |union|``) and ``layers``: per layer name the dict of
    :func:`chgraph.analysis.link_turnover` (None for the first snapshot).

    >>> import numpy as np
    >>> from chgraph.io import LayerStack
    >>> a = LayerStack([np.array([[1, 1, 0]])], ["fc1"])
    >>> b = LayerStack([np.array([[1, 0, 1]])], ["fc1"])
    >>> [(e["epoch"], e["turnover"]) for e in epoch_dynamics([(0, a), (1, b)])]
    [(0, None), (1, 0.5)]
    """
    from ..analysis import link_turnover, live_fraction

    entries, previous = [], None
    for epoch, stack in snapshots:
        idx = (split_chains(stack.layers) if chains is None
               else chain_indices(chains, stack.names, f"epoch {epoch}"))
        entry = {"epoch": epoch, "n_links": sum(layer.n_links for layer in stack.layers),
                 "live_fraction": live_fraction(stack.layers, dense_after=dense_after,
                                                chains=idx),
                 "n_removed": None, "n_added": None, "turnover": None,
                 "added_fraction": None, "jaccard": None, "layers": None}
        if previous is not None:
            if previous.names != stack.names:
                raise CLIError(f"epoch {epoch}: the snapshot's layers {stack.names} differ from "
                               f"the previous snapshot's {previous.names}")
            per_layer = {}
            for name, before, after in zip(stack.names, previous.layers, stack.layers,
                                           strict=True):
                try:
                    per_layer[name] = link_turnover(before, after, bipartite=True)
                except ValueError as exc:
                    raise CLIError(f"epoch {epoch}, layer {name!r}: {exc}") from None
            total = {key: sum(t[key] for t in per_layer.values())
                     for key in ("n_before", "n_after", "n_common", "n_removed", "n_added")}
            union = total["n_before"] + total["n_after"] - total["n_common"]
            entry.update(
                n_removed=total["n_removed"], n_added=total["n_added"],
                turnover=total["n_removed"] / total["n_before"] if total["n_before"] else 0.0,
                added_fraction=total["n_added"] / total["n_after"] if total["n_after"] else 0.0,
                jaccard=total["n_common"] / union if union else 1.0,
                layers=per_layer,
            )
        entries.append(entry)
        previous = stack
        if progress is not None:
            progress.update(1)
    return entries


