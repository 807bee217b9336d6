"""Finding the sparse layers of a torch model and recording their forward order.

A *sparse-able* layer is an :class:`torch.nn.Linear` (any subclass, e.g. SpikingJelly's
``layer.Linear``) or an :class:`torch.nn.Conv1d` with ``kernel_size == 1``, ``groups == 1``,
stride 1 and no dilation/padding effects (a per-position linear map). Layer names are the
module names of :meth:`torch.nn.Module.named_modules`, normalised so that the names of a model
wrapped in DistributedDataParallel (``module.`` prefix) or compiled with :func:`torch.compile`
(``_orig_mod.`` prefix) equal those of the bare model.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

import torch
from torch import nn

from .sparse_linear import SparseLinear

__all__ = [
    "normalize_name",
    "is_linear_like",
    "layer_shape",
    "weight_2d",
    "find_linear_layers",
    "ForwardOrderRecorder",
]

_WRAPPER_PREFIXES = ("module.", "_orig_mod.")


def normalize_name(name: str) -> str:
    """Strip DDP (``module.``) and torch.compile (``_orig_mod.``) wrapper prefixes.

    >>> normalize_name("module._orig_mod.net.fc1")
    'net.fc1'
    >>> normalize_name("_orig_mod")
    ''
    """
    changed = True
    while changed:
        changed = False
        for p in _WRAPPER_PREFIXES:
            if name.startswith(p):
                name, changed = name[len(p):], True
        if name in ("module", "_orig_mod"):
            name, changed = "", True
    return name


def is_linear_like(module: nn.Module) -> bool:
    """Whether ``module`` is a linear map the adapters can sparsify (or a
    :class:`~snn_adapters.SparseLinear`, already sparse).

    >>> is_linear_like(nn.Linear(3, 2)), is_linear_like(nn.Conv1d(3, 2, 1))
    (True, True)
    >>> is_linear_like(nn.Conv1d(3, 2, 3)), is_linear_like(nn.Conv2d(3, 2, 1))
    (False, False)
    """
    if isinstance(module, SparseLinear):
        return True
    if isinstance(module, nn.Linear):
        return isinstance(getattr(module, "weight", None), torch.Tensor)
    if isinstance(module, nn.Conv1d) and type(module).__name__ != "LazyConv1d":
        return (tuple(module.kernel_size) == (1,) and module.groups == 1
                and tuple(module.stride) == (1,) and tuple(module.padding) in ((0,), "valid")
                and isinstance(getattr(module, "weight", None), torch.Tensor))
    return False


def layer_shape(module: nn.Module) -> tuple[int, int]:
    """``(n_in, n_out)`` of a linear-like layer (the engine's orientation).

    >>> layer_shape(nn.Linear(3, 2)), layer_shape(nn.Conv1d(4, 5, 1))
    ((3, 2), (4, 5))
    """
    if isinstance(module, SparseLinear):
        return module.shape
    w = module.weight
    return int(w.shape[1]), int(w.shape[0])


def weight_2d(module: nn.Module) -> torch.Tensor:
    """The weight as an ``(out, in)`` view (Conv1d's trailing kernel axis dropped)."""
    w = module.weight
    return w if w.dim() == 2 else w.view(w.shape[0], w.shape[1])


def _matches(name: str, patterns: Iterable[str] | None) -> bool:
    return patterns is not None and any(fnmatch.fnmatchcase(name, p) for p in patterns)


def find_linear_layers(model: nn.Module, include=None, exclude=None) -> list[tuple[str, nn.Module]]:
    """Linear-like layers of ``model`` as ``(normalised name, module)`` in registration order.

    ``include``: fnmatch patterns a name must match (default: all); ``exclude``: patterns that
    remove a layer. A module reachable under several names is listed once (first name).

    >>> m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> [n for n, _ in find_linear_layers(m)], [n for n, _ in find_linear_layers(m, exclude=["2"])]
    (['0', '2'], ['0'])
    """
    if isinstance(include, str):
        include = [include]
    if isinstance(exclude, str):
        exclude = [exclude]
    out, seen = [], set()
    for raw, mod in model.named_modules():
        if id(mod) in seen or not is_linear_like(mod):
            continue
        seen.add(id(mod))
        name = normalize_name(raw)
        if include is not None and not _matches(name, include):
            continue
        if _matches(name, exclude):
            continue
        out.append((name, mod))
    return out


class ForwardOrderRecorder:
    """Records the order in which weighted leaf modules are first called during a forward.

    Forward pre-hooks are registered on every module with a weight of 2 or more dimensions
    (linear, conv, embeddings...) and a forward hook on the root; after the first complete
    forward of the root (or :meth:`finish`) all hooks are removed and :attr:`order` holds the
    normalised names in call order (each module once, at its first call).

    >>> m = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 2))
    >>> rec = ForwardOrderRecorder(m)
    >>> _ = m(torch.zeros(1, 4))
    >>> rec.order, rec.done
    (['0', '1'], True)
    """

    def __init__(self, model: nn.Module) -> None:
        self.order: list[str] = []
        self.done = False
        self._handles = []
        seen = set()
        for raw, mod in model.named_modules():
            w = getattr(mod, "weight", None)
            weighted = isinstance(mod, SparseLinear) or (isinstance(w, torch.Tensor)
                                                         and w.dim() >= 2)
            if id(mod) in seen or not weighted:
                continue
            seen.add(id(mod))
            self._handles.append(mod.register_forward_pre_hook(self._make_hook(normalize_name(raw))))
        self._handles.append(model.register_forward_hook(self._root_done))

    def _make_hook(self, name: str):
        def hook(module, args):
            if not self.done and name not in self.order:
                self.order.append(name)
        return hook

    def _root_done(self, module, args, output):
        if self.order:
            self.finish()

    def finish(self) -> None:
        """Stop recording and remove every hook."""
        self.done = True
        for h in self._handles:
            h.remove()
        self._handles.clear()
