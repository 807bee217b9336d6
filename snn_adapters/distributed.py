"""torch.distributed helpers of the sparsifier: rank 0 decides, every rank applies.

Under DDP every topology decision (initial topology, calibration, each evolution step) is made
on rank 0 and broadcast; :meth:`snn_adapters.CHSNN.check_consistency` all-reduces a checksum of
the masks so that diverging ranks raise a clear error instead of training different networks.
"""

from __future__ import annotations

import torch

__all__ = ["process_group", "rank", "share_from_rank0"]


def process_group():
    """``torch.distributed`` when initialised with more than one rank, else ``None``.

    >>> process_group() is None  # not distributed
    True
    """
    d = torch.distributed
    if d.is_available() and d.is_initialized() and d.get_world_size() > 1:
        return d
    return None


def rank() -> int:
    """This process's rank (0 when not distributed).

    >>> rank()
    0
    """
    d = process_group()
    return d.get_rank() if d is not None else 0


def share_from_rank0(payload):
    """Rank 0's ``payload`` on every rank (identity when not distributed).

    >>> share_from_rank0({"links": [1, 2]})
    {'links': [1, 2]}
    """
    d = process_group()
    if d is None:
        return payload
    obj = [payload if d.get_rank() == 0 else None]
    d.broadcast_object_list(obj, src=0)
    return obj[0]
