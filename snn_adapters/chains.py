"""Chains of sparse layers for percolation: given explicitly, or inferred from the forward order.

Two sparse layers are in the same chain when the second is the weighted module called right
after the first (no other weighted layer, such as a conv or an excluded linear, in between)
and the shapes chain (``n_out`` of the first equals ``n_in`` of the second).
"""

from __future__ import annotations

__all__ = ["check_chains", "infer_chains"]


def check_chains(chains, shapes: dict[str, tuple[int, int]]) -> list[list[str]]:
    """Validate explicit chains: lists of layer names covering each layer of ``shapes`` once,
    with chaining shapes (``shapes``: name -> ``(n_in, n_out)``).

    >>> check_chains([["a"], ["b"]], {"a": (2, 3), "b": (4, 5)})
    [['a'], ['b']]
    >>> check_chains([["a", "b"]], {"a": (2, 3), "b": (4, 5)})
    Traceback (most recent call last):
    ...
    ValueError: chain ['a', 'b']: 'a' has 3 outputs but 'b' has 4 inputs
    """
    try:
        chains = [[str(n) for n in c] for c in chains]
    except TypeError:
        raise TypeError("chains must be a list of lists of layer names") from None
    flat = [n for c in chains for n in c]
    if sorted(flat) != sorted(shapes) or any(not c for c in chains):
        raise ValueError(f"chains must cover every sparse layer exactly once; sparse layers: "
                         f"{list(shapes)}, chains: {chains}")
    for c in chains:
        for a, b in zip(c[:-1], c[1:], strict=True):
            if shapes[a][1] != shapes[b][0]:
                raise ValueError(f"chain {c}: {a!r} has {shapes[a][1]} outputs but {b!r} has "
                                 f"{shapes[b][0]} inputs")
    return chains


def infer_chains(names: list[str], order: list[str],
                 shapes: dict[str, tuple[int, int]]) -> list[list[str]]:
    """Chains of the sparse layers ``names`` (in forward order) from the call ``order`` of all
    weighted modules.

    >>> shapes = {"a": (4, 8), "b": (8, 8), "c": (8, 2)}
    >>> infer_chains(["a", "b", "c"], ["a", "b", "conv", "c"], shapes)
    [['a', 'b'], ['c']]
    """
    pos = {n: i for i, n in enumerate(order)}
    chains: list[list[str]] = []
    for n in names:
        if chains:
            prev = chains[-1][-1]
            adjacent = prev in pos and n in pos and pos[n] == pos[prev] + 1
            if adjacent and shapes[prev][1] == shapes[n][0]:
                chains[-1].append(n)
                continue
        chains.append([n])
    return chains
