"""Mask buffers on layer modules, applying masks, and zeroing optimiser state.

Each sparse layer carries a persistent boolean buffer :data:`MASK_NAME` (``weight_mask``) of
the weight's shape (torch orientation ``(out, in)``, plus the kernel axis for Conv1d), so that
``model.state_dict()``, :func:`copy.deepcopy` and ``torch.save(model)`` keep the topology.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .layers import weight_2d
from .links import mask_to_links, torch_flat_index

__all__ = ["MASK_NAME", "get_mask", "set_mask", "apply_mask", "optimizer_state_tensors",
           "zero_optimizer_state", "layer_links", "change_links", "load_sparse_state_dict"]

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


def optimizer_state_tensors(optimizer: torch.optim.Optimizer | None,
                            param: torch.Tensor) -> list[torch.Tensor]:
    """The optimiser's state tensors of ``param`` that have its shape (SGD
    ``momentum_buffer``, Adam/AdamW ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``, ...);
    scalars such as Adam's ``step`` are left out. Empty before the first step."""
    if optimizer is None:
        return []
    return [v for v in (optimizer.state.get(param) or {}).values()
            if isinstance(v, torch.Tensor) and v.shape == param.shape]


@torch.no_grad()
def zero_optimizer_state(optimizer: torch.optim.Optimizer, param: torch.Tensor,
                         zero: torch.Tensor) -> None:
    """Set to 0 the optimiser state of ``param`` (:func:`optimizer_state_tensors`) where
    ``zero`` is True."""
    zero = zero.reshape(param.shape)
    for value in optimizer_state_tensors(optimizer, param):
        value.masked_fill_(zero.to(value.device), 0)


@torch.no_grad()
def layer_links(module: nn.Module, links: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """A masked layer's links in the engine's terms: flat indices ``i * n_out + o`` (input
    ``i``, output ``o``), ascending, and their weights (float32 or float64), as numpy arrays.

    Only the links travel to the CPU, not the dense matrices. Pass ``links`` when they are
    known (the sparsifier remembers them between updates) to gather just the weights.

    >>> lin = nn.Linear(3, 2)
    >>> _ = set_mask(lin, torch.tensor([[True, False, True], [False, True, False]]))
    >>> links, w = layer_links(lin)
    >>> links.tolist(), bool(w[0] == lin.weight[0, 0])
    ([0, 3, 4], True)
    """
    w2 = weight_2d(module)
    flat = (mask_to_links(get_mask(module).view(w2.shape)) if links is None
            else np.asarray(links, dtype=np.int64))
    w = w2.reshape(-1)[torch_flat_index(flat, (w2.shape[1], w2.shape[0]), w2.device)]
    if w.dtype not in (torch.float32, torch.float64):
        w = w.float()
    return flat, w.cpu().numpy()


@torch.no_grad()
def change_links(module: nn.Module, optimizer: torch.optim.Optimizer | None,
                 removed: np.ndarray, regrown: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply an evolution step to a masked layer in place, touching only what changed.

    ``removed`` / ``regrown``: engine flat indices ``i * n_out + o`` (as
    :func:`layer_links`) of the links lost and added; a link may be in both. The mask loses
    ``removed`` and gains ``regrown``; the weights and the optimiser state (every tensor of
    the weight's shape) are set to 0 at both. Returns the two index sets as flat indices into
    the torch weight, on its device.

    >>> lin = nn.Linear(3, 2)
    >>> _ = set_mask(lin, torch.tensor([[True, False, True], [False, True, False]]))
    >>> _ = change_links(lin, None, np.array([4]), np.array([1]))
    >>> lin.weight_mask.tolist(), float(lin.weight.detach()[1, 0])
    ([[True, False, False], [True, True, False]], 0.0)
    """
    mask, w = get_mask(module), module.weight
    shape = (w.shape[1], w.shape[0])
    lost = torch_flat_index(removed, shape, w.device)
    new = torch_flat_index(regrown, shape, w.device)
    both = torch.cat([lost, new])
    mask.view(-1)[lost] = False
    mask.view(-1)[new] = True
    zero = None
    for t in [w, *optimizer_state_tensors(optimizer, w)]:
        if t.is_contiguous():
            t.view(-1)[both] = 0
        else:  # rare (a parameter made non-contiguous by hand): a dense boolean mask
            if zero is None:
                zero = torch.zeros(w.numel(), dtype=torch.bool, device=w.device)
                zero[both] = True
                zero = zero.view(w.shape)
            t.masked_fill_(zero, 0)
    return lost, new


def load_sparse_state_dict(model: nn.Module, state_dict, strict: bool = True):
    """Load a state dict saved from a CH-SNN-trained model into a plain one.

    ``model.state_dict()`` of a sparsified model holds a ``weight_mask`` buffer per sparse
    layer, which a freshly built model lacks (``load_state_dict`` would reject the keys).
    This registers those masks first, from the state dict, then loads it with torch's
    ``load_state_dict`` (``strict`` as there) and zeroes every weight off its mask. Use it
    for inference or analysis; to resume training, build :class:`~snn_adapters.CHSNN` on
    the model and load the model's, the optimizer's and the sparsifier's states as usual.
    Nothing is changed when a mask's layer is missing or of another shape (``ValueError``).

    >>> import torch
    >>> from torch import nn
    >>> trained = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    >>> _ = set_mask(trained[0], torch.eye(3, 4, dtype=torch.bool))
    >>> fresh = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    >>> _ = load_sparse_state_dict(fresh, trained.state_dict())
    >>> int(fresh[0].weight_mask.sum()), int(fresh[0].weight.count_nonzero())
    (3, 3)
    """
    modules = dict(model.named_modules())
    suffix = "." + MASK_NAME
    found = []
    for key, mask in state_dict.items():
        if not key.endswith(suffix):
            continue
        owner = key[: -len(suffix)]
        mod = modules.get(owner)
        if mod is None or not isinstance(getattr(mod, "weight", None), torch.Tensor):
            raise ValueError(f"state dict holds the mask {key!r}, but the model has no layer "
                             f"{owner!r} with a weight")
        if tuple(mask.shape) != tuple(mod.weight.shape):
            raise ValueError(f"mask {key!r} has shape {tuple(mask.shape)}, the layer's weight "
                             f"{tuple(mod.weight.shape)}")
        found.append((mod, mask))
    for mod, mask in found:
        set_mask(mod, mask)
    result = model.load_state_dict(state_dict, strict=strict)
    for mod, _ in found:
        apply_mask(mod)
    return result
