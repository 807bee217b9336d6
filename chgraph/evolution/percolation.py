"""Neuron percolation across a chain of layers (docs/method.md, section 3.4).

A chain is a list of layers ``n_in x n_out`` with ``n_out`` of layer ``l`` equal to ``n_in`` of
layer ``l + 1``. Neuron *level* ``l`` is the input side of layer ``l``; level ``L`` (the number
of layers) is the output side of the last layer. Levels ``1 .. L-1`` are hidden. A hidden
neuron with no incoming or no outgoing link is dead and loses all its links: one backward sweep
(last layer to first: no outgoing link -> drop the incoming ones) then one forward sweep (no
incoming link -> drop the outgoing ones) leave every hidden neuron either isolated or with
both. The network's inputs (level 0) and outputs (level L) are always live.

Fixed layers (dense, or otherwise not evolved) keep all their links; those links still count
for the degrees, so a neuron whose only outgoing links are in a fixed layer stays alive.
"""

from __future__ import annotations

import numpy as np

from ._util import as_mask

__all__ = ["percolate", "percolate_links", "check_chain_shapes"]


def check_chain_shapes(shapes) -> None:
    """Raise ``ValueError`` unless consecutive layer shapes chain (``n_out == next n_in``).

    Examples
    --------
    >>> check_chain_shapes([(4, 3), (3, 2)])
    >>> check_chain_shapes([(4, 3), (2, 5)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: shapes do not chain: layer 0 has n_out=3 but layer 1 has n_in=2 (...)
    """
    if len(shapes) == 0:
        raise ValueError("the chain has no layers")
    for l in range(len(shapes) - 1):
        if shapes[l][1] != shapes[l + 1][0]:
            raise ValueError(
                f"shapes do not chain: layer {l} has n_out={shapes[l][1]} but layer {l + 1} "
                f"has n_in={shapes[l + 1][0]} (layers are n_in x n_out, rows = inputs)"
            )


def percolate_links(rows, cols, shapes, fixed):
    """Percolation on link lists; returns ``(keep, live)``.

    ``rows[l]``, ``cols[l]``: index arrays of the links of layer ``l``; ``fixed[l]``: whether
    layer ``l`` keeps its links. ``keep[l]`` is a boolean array over layer ``l``'s links;
    ``live`` a list of ``L + 1`` boolean arrays, one per neuron level.

    Examples
    --------
    The chain of :func:`percolate`'s example as link lists: hidden neuron 1 has an input but
    no output, hidden neuron 2 an output but no input.

    >>> rows = [np.array([0, 0]), np.array([0, 2])]
    >>> cols = [np.array([0, 1]), np.array([0, 0])]
    >>> keep, live = percolate_links(rows, cols, [(1, 3), (3, 1)], [False, False])
    >>> [k.tolist() for k in keep], live[1].tolist()
    ([[True, False], [True, False]], [True, False, False])

    A fixed second layer keeps the link of dead neuron 2:

    >>> keep, live = percolate_links(rows, cols, [(1, 3), (3, 1)], [False, True])
    >>> [k.tolist() for k in keep], live[1].tolist()
    ([[True, False], [True, True]], [True, False, False])
    """
    n_layers = len(shapes)
    keep = [np.ones(r.size, dtype=bool) for r in rows]
    for l in range(n_layers - 2, -1, -1):  # backward: no outgoing link -> drop incoming ones
        if fixed[l]:
            continue
        out_deg = np.bincount(rows[l + 1][keep[l + 1]], minlength=shapes[l + 1][0])
        keep[l] &= out_deg[cols[l]] > 0
    for l in range(1, n_layers):  # forward: no incoming link -> drop outgoing ones
        if fixed[l]:
            continue
        in_deg = np.bincount(cols[l - 1][keep[l - 1]], minlength=shapes[l - 1][1])
        keep[l] &= in_deg[rows[l]] > 0
    live = [np.ones(shapes[0][0], dtype=bool)]
    for l in range(1, n_layers):
        in_deg = np.bincount(cols[l - 1][keep[l - 1]], minlength=shapes[l][0])
        out_deg = np.bincount(rows[l][keep[l]], minlength=shapes[l][0])
        live.append((in_deg > 0) & (out_deg > 0))
    live.append(np.ones(shapes[-1][1], dtype=bool))
    return keep, live


def percolate(masks, fixed=None):
    """Remove the links of dead hidden neurons from a chain of masks.

    Parameters
    ----------
    masks : sequence of 2-D arrays
        The layers' masks, ``n_in x n_out`` each (entries != 0 are links).
    fixed : sequence of bool, optional
        Layers whose links are never removed (dense layers); default none.

    Returns
    -------
    new_masks : list of numpy.ndarray of bool
    percolated : list of int
        Links removed per layer.
    live : list of numpy.ndarray of bool
        Live neurons per level (``len(masks) + 1`` levels; the first and last all True).

    Examples
    --------
    Hidden neuron 1 has an input but no output, hidden neuron 2 an output but no input:

    >>> a = np.array([[1, 1, 0]], bool); b = np.array([[1], [0], [1]], bool)
    >>> new, removed, live = percolate([a, b])
    >>> [m.astype(int).tolist() for m in new], removed, live[1].tolist()
    ([[[1, 0, 0]], [[1], [0], [0]]], [1, 1], [True, False, False])
    """
    ms = [as_mask(m, f"masks[{l}]") for l, m in enumerate(masks)]
    shapes = [m.shape for m in ms]
    check_chain_shapes(shapes)
    fixed = [False] * len(ms) if fixed is None else [bool(f) for f in fixed]
    if len(fixed) != len(ms):
        raise ValueError(f"fixed has {len(fixed)} entries for {len(ms)} layers")
    nz = [np.nonzero(m) for m in ms]
    keep, live = percolate_links([r for r, _ in nz], [c for _, c in nz], shapes, fixed)
    new_masks, removed = [], []
    for (r, c), k, m in zip(nz, keep, ms, strict=True):
        out = np.zeros(m.shape, dtype=bool)
        out[r[k], c[k]] = True
        new_masks.append(out)
        removed.append(int(k.size - k.sum()))
    return new_masks, removed, live
