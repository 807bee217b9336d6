"""Mask buffers on layer modules, applying masks, and zeroing optimiser state.

Each sparse layer carries a persistent boolean buffer :data:`MASK_NAME` (``weight_mask``) of
the weight's shape (torch orientation ``(out, in)``, plus the kernel axis for Conv1d), so that
``model.state_dict()``, :func:`copy.deepcopy` and ``torch.save(model)`` keep the topology.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MASK_NAME", "get_mask", "set_mask", "apply_mask", "zero_optimizer_state"]

MASK_NAME = "weight_mask"


def get_mask(module: nn.Module) -> torch.Tensor | None:
    """The module's mask buffer, or ``None``."""
    m = getattr(module, MASK_NAME, None)
    return m if isinstance(m, torch.Tensor) else None


def set_mask(module: nn.Module, mask: torch.Tensor) -> torch.Tensor:
    """Register (or overwrite in place) the boolean mask buffer of ``module``.

    ``mask`` is ``(out, in)`` or the weight's shape; it is moved to the weight's device.

    >>> lin = nn.Linear(3, 2)
    >>> m = set_mask(lin, torch.tensor([[True, False, True], [False, True, False]]))
    >>> "weight_mask" in lin.state_dict(), m.dtype
    (True, torch.bool)
    """
    w = module.weight
    mask = mask.to(device=w.device, dtype=torch.bool).reshape(w.shape)
    old = get_mask(module)
    if old is not None and old.shape == w.shape and old.device == w.device:
        old.copy_(mask)
        return old
    if hasattr(module, MASK_NAME) and MASK_NAME not in module._buffers:
        raise ValueError(f"{type(module).__name__} already has an attribute {MASK_NAME!r}")
    module.register_buffer(MASK_NAME, mask.clone(), persistent=True)
    return module._buffers[MASK_NAME]


@torch.no_grad()
def apply_mask(module: nn.Module, extra_zero: torch.Tensor | None = None) -> None:
    """Zero the weight off the mask (and where ``extra_zero`` is True), in place."""
    mask = get_mask(module)
    w = module.weight
    zero = ~mask if extra_zero is None else (~mask | extra_zero.reshape(w.shape))
    w.masked_fill_(zero, 0)


@torch.no_grad()
def zero_optimizer_state(optimizer: torch.optim.Optimizer, param: torch.Tensor,
                         zero: torch.Tensor) -> None:
    """Set to 0 the optimiser state of ``param`` where ``zero`` is True.

    Every state tensor with the parameter's shape is treated (SGD ``momentum_buffer``,
    Adam/AdamW ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ...); scalars such as Adam's
    ``step`` are left alone.
    """
    state = optimizer.state.get(param)
    if not state:
        return
    zero = zero.reshape(param.shape)
    for value in state.values():
        if isinstance(value, torch.Tensor) and value.shape == param.shape:
            value.masked_fill_(zero.to(value.device), 0)
