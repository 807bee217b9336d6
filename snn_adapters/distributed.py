"""torch.distributed helpers of the sparsifier: rank 0 decides, every rank applies.

Under DDP every topology decision (initial topology, calibration, each evolution step) is made
on rank 0 and broadcast; :meth:`snn_adapters.CHSNN.check_consistency` all-reduces a checksum of
the masks so that diverging ranks raise a clear error instead of training different networks.
"""

from __future__ import annotations

import torch

__all__ = ["_dist", "_rank", "_share"]


def _dist():
    """``torch.distributed`` when initialised with more than one rank, else ``None``."""
    d = torch.distributed
    if d.is_available() and d.is_initialized() and d.get_world_size() > 1:
        return d
    return None


def _rank() -> int:
    d = _dist()
    return d.get_rank() if d is not None else 0


def _share(payload):
    """Rank 0's ``payload`` on every rank (identity when not distributed)."""
    d = _dist()
    if d is None:
        return payload
    obj = [payload if d.get_rank() == 0 else None]
    d.broadcast_object_list(obj, src=0)
    return obj[0]
