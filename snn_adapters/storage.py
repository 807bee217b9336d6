"""Applying topology to a layer, in either execution mode.

``execution="masked"``: the layer keeps its dense ``weight`` and a boolean ``weight_mask``
buffer (:mod:`snn_adapters.masks`); ``execution="sparse"``: the layer is a
:class:`~snn_adapters.sparse_linear.SparseLinear` holding only its links. The sparsifier
decides topologies in the engine's terms (links as flat indices ``i * n_out + o``, ascending,
and their weights) and these functions write them into whichever storage the layer has; every
rank of a distributed run applies the same decision.

The optimiser's state follows the storage: dense tensors of the weight's shape for a masked
layer, one entry per link for a sparse one; :func:`swap_parameter` moves it between the two.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .links import engine_index, links_to_dense, links_to_mask, mask_to_links, torch_flat_index
from .masks import (
    apply_mask,
    change_links,
    get_mask,
    optimizer_state_tensors,
    set_mask,
)
from .masks import layer_links as masked_layer_links
from .sparse_linear import SparseLinear

__all__ = ["EXECUTIONS", "is_sparse", "layer_shape_of", "layer_links", "write_links",
           "apply_change", "n_links", "layer_mask", "engine_link_tensor", "swap_parameter",
           "convert_layer", "new_sparse_layer", "has_links", "dense_gradient", "values_param",
           "link_checksum", "adapt_state", "mask_of_state", "MaskedCache"]

EXECUTIONS = ("masked", "sparse")


def is_sparse(mod: nn.Module) -> bool:
    return isinstance(mod, SparseLinear)


def values_param(mod: nn.Module) -> torch.nn.Parameter:
    """The trainable weight tensor of a layer (``weight`` or ``weight_values``)."""
    return mod.weight_values if is_sparse(mod) else mod.weight


def layer_shape_of(mod: nn.Module) -> tuple[int, int]:
    """``(n_in, n_out)`` of a masked or sparse layer."""
    if is_sparse(mod):
        return mod.shape
    w = mod.weight
    return int(w.shape[1]), int(w.shape[0])


def n_links(mod: nn.Module) -> int:
    return mod.n_links if is_sparse(mod) else int(get_mask(mod).count_nonzero())


def has_links(mod: nn.Module, k: int) -> bool:
    """Whether a layer already carries a topology of ``k`` links (a copied sparse model)."""
    if is_sparse(mod):
        return mod.n_links == k
    old = get_mask(mod)
    return (old is not None and old.dtype == torch.bool and old.shape == mod.weight.shape
            and int(old.count_nonzero()) == k)


@torch.no_grad()
def dense_gradient(mod: nn.Module) -> np.ndarray | None:
    """``|dL/dW|`` of every entry of the layer, ``n_in x n_out`` numpy (RigL's regrowth
    scores): a masked layer's dense ``weight.grad`` before masking, a sparse layer's
    ``dense_grad`` (computed in its backward pass when ``capture_dense_grad`` is set)."""
    if is_sparse(mod):
        g = mod.dense_grad
        return None if g is None else g.abs().float().cpu().numpy()
    g = mod.weight.grad
    return None if g is None else g.reshape(g.shape[0], -1).abs().float().cpu().numpy().T


@torch.no_grad()
def layer_links(mod: nn.Module, known: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Links (ascending engine flat indices) and their weights as numpy arrays."""
    if is_sparse(mod):
        w = mod.weight_values.detach()
        if w.dtype not in (torch.float32, torch.float64):
            w = w.float()
        return mod.links(), w.cpu().numpy().copy()
    return masked_layer_links(mod, known)


def layer_mask(mod: nn.Module) -> torch.Tensor:
    """The boolean ``(out, in)`` mask (made from the links for a sparse layer)."""
    return mod.dense_mask() if is_sparse(mod) else get_mask(mod).reshape(
        mod.weight.shape[0], -1)


def engine_link_tensor(mod: nn.Module) -> torch.Tensor:
    """The links as an int64 tensor of engine flat indices on the layer's device."""
    if is_sparse(mod):
        return mod.weight_links
    n_in, n_out = layer_shape_of(mod)
    idx = torch.nonzero(get_mask(mod).reshape(-1)).flatten()
    return engine_index(idx, (n_in, n_out))


def link_checksum(layers: dict) -> torch.Tensor:
    """An int64 ``[links, sum of indices, sum of hashed indices]`` over the engine links of
    ``layers`` (``{name: module}``, either storage), on their device: equal on two ranks iff
    (with overwhelming probability) they hold the same link structures."""
    parts = []
    for i, name in enumerate(sorted(layers)):
        idx = engine_link_tensor(layers[name])
        parts.append(torch.stack([
            torch.tensor(idx.numel(), device=idx.device),
            (idx * (i + 1)).sum(),
            ((idx * 2654435761 + i) % 1000000007).sum(),
        ]).to(torch.int64))
    return torch.stack(parts).sum(dim=0)


@torch.no_grad()
def write_links(mod: nn.Module, optimizer, links: np.ndarray, weights: np.ndarray | None
                ) -> None:
    """Give the layer these links (and weights; ``None`` keeps the present weight of links
    that existed and 0 for new ones); the optimiser state of the layer's weight is zeroed."""
    shape = layer_shape_of(mod)
    links = np.asarray(links, dtype=np.int64)
    if weights is None:
        old, old_w = layer_links(mod)
        pos = np.clip(np.searchsorted(old, links), 0, max(old.size - 1, 0))
        found = old[pos] == links if old.size else np.zeros(links.size, dtype=bool)
        weights = np.where(found, old_w[pos] if old.size else 0.0, 0.0)
    param = values_param(mod)
    values = torch.as_tensor(np.asarray(weights)).to(device=param.device, dtype=param.dtype)
    if is_sparse(mod):
        if links.size != mod.n_links:
            raise ValueError(f"write_links: {links.size} links for a layer of {mod.n_links}")
        mod.weight_links.copy_(torch.from_numpy(links).to(mod.weight_links.device))
        mod.weight_values.copy_(values)
    else:
        set_mask(mod, links_to_mask(links, shape, param.device))
        param.zero_()
        param.view(-1)[torch_flat_index(links, shape, param.device)] = values
        apply_mask(mod)
    for value in optimizer_state_tensors(optimizer, param):
        value.zero_()


@torch.no_grad()
def apply_change(mod: nn.Module, optimizer, removed: np.ndarray, regrown: np.ndarray):
    """Apply an evolution step: ``removed`` links leave, ``regrown`` links enter with weight 0
    and zero optimiser state; the weights and optimiser state of the surviving links are
    kept exactly. Masked layers: :func:`~snn_adapters.masks.change_links` (returns its index
    pair); sparse layers: the link list is rebuilt in place (same number of links) and the
    values and every per-link state tensor are permuted to the new order."""
    if not is_sparse(mod):
        return change_links(mod, optimizer, removed, regrown)
    old = mod.weight_links.cpu().numpy()
    removed = np.asarray(removed, dtype=np.int64)
    regrown = np.asarray(regrown, dtype=np.int64)
    survives = ~np.isin(old, removed)
    new = np.concatenate([old[survives], regrown])
    order = np.argsort(new, kind="stable")
    new = new[order]
    if new.size != old.size or (new.size and np.any(new[1:] == new[:-1])):
        raise RuntimeError(f"apply_change: the update does not keep the layer's {old.size} "
                           "distinct links")
    # source position (in the old order) of every new link, -1 for regrown links
    src = np.concatenate([np.flatnonzero(survives), np.full(regrown.size, -1)])[order]
    keep = src >= 0
    device = mod.weight_values.device
    src_t = torch.from_numpy(src[keep]).to(device)
    dst_t = torch.from_numpy(np.flatnonzero(keep)).to(device)
    for t in [mod.weight_values.data, *optimizer_state_tensors(optimizer, mod.weight_values)]:
        moved = t[src_t]
        t.zero_()
        t[dst_t] = moved
    mod.weight_links.copy_(torch.from_numpy(new).to(mod.weight_links.device))
    return None


def swap_parameter(optimizer, old: torch.Tensor, new: torch.Tensor, convert) -> None:
    """Put ``new`` in the place of ``old`` in the optimiser's parameter groups; each state
    tensor of ``old``'s shape becomes ``convert(tensor)``, scalars (Adam's step) are kept."""
    if optimizer is None:
        return
    found = False
    for group in optimizer.param_groups:
        for k, p in enumerate(group["params"]):
            if p is old:
                group["params"][k] = new
                found = True
    if not found:
        raise ValueError("the optimizer does not hold the layer's weight")
    state = optimizer.state.pop(old, None)
    if state:
        optimizer.state[new] = {
            key: convert(v) if isinstance(v, torch.Tensor) and v.shape == old.shape else v
            for key, v in state.items()}


def convert_layer(model: nn.Module, raw_name: str, mod: nn.Module, execution: str,
                  optimizer, backend: str = "auto") -> nn.Module:
    """The layer in the storage of ``execution`` (converted and put in place in ``model`` and
    in the optimiser, with its optimiser state, when it is not already)."""
    from .sparse_linear import replace_module

    if execution not in EXECUTIONS:
        raise ValueError(f"execution must be one of {EXECUTIONS}, got {execution!r}")
    if (execution == "sparse") == is_sparse(mod):
        return mod
    shape = layer_shape_of(mod)
    if execution == "sparse":
        new = SparseLinear.from_module(mod, backend=backend)
        idx = torch_flat_index(new.links(), shape, mod.weight.device)
        swap_parameter(optimizer, mod.weight, new.weight_values,
                       lambda v: v.reshape(-1)[idx].clone())
    else:
        new = mod.to_masked()
        idx = torch_flat_index(mod.links(), shape, mod.weight_values.device)

        def to_dense(v):
            d = torch.zeros(new.weight.numel(), dtype=v.dtype, device=v.device)
            d[idx] = v
            return d.view(new.weight.shape)

        swap_parameter(optimizer, mod.weight_values, new.weight, to_dense)
    if mod.bias is not None:
        swap_parameter(optimizer, mod.bias, new.bias, lambda v: v.clone())
    replace_module(model, raw_name, new)
    return new


def new_sparse_layer(model: nn.Module, raw_name: str, mod: nn.Module, links, values, optimizer,
                     backend: str = "auto") -> SparseLinear:
    """Replace a linear-like layer by a :class:`SparseLinear` with the given links and
    weights, without reading its dense weight (which may live on the ``meta`` device, so that
    layers too large for a dense weight can be built); its bias is kept (drawn anew if on
    ``meta``). The optimiser holds the new parameters instead of the old ones."""
    from .sparse_linear import replace_module

    w = mod.weight
    device = torch.device("cpu") if w.device.type == "meta" else w.device
    bias = mod.bias
    if bias is not None and bias.device.type != "meta":
        bias_arg = bias
    else:
        bias_arg = bias is not None
    n_in, n_out = layer_shape_of(mod)
    new = SparseLinear(n_in, n_out, links, torch.as_tensor(np.asarray(values)), bias_arg,
                       channels_first=isinstance(mod, nn.Conv1d), backend=backend,
                       device=device, dtype=w.dtype)
    idx = torch_flat_index(new.links(), (n_in, n_out), device)
    swap_parameter(optimizer, w, new.weight_values, lambda v: v.reshape(-1)[idx] * 0)
    if bias is not None:
        swap_parameter(optimizer, bias, new.bias, lambda v: v.clone())
    replace_module(model, raw_name, new)
    return new


def mask_of_state(state: dict, prefix: str) -> np.ndarray | None:
    """Links (engine flat) of the layer ``prefix`` in a model state dict of either mode."""
    if prefix + "weight_links" in state:
        return np.sort(state[prefix + "weight_links"].cpu().numpy().astype(np.int64))
    if prefix + "weight_mask" in state:
        return mask_to_links(state[prefix + "weight_mask"])
    return None


def adapt_state(layers: dict, optimizer, model_state: dict, optimizer_state: dict | None
                ) -> tuple[dict, dict | None]:
    """A model state dict and an optimiser state dict saved in either execution mode, made
    loadable into ``layers`` (``{state-dict prefix: module}``) as they are now stored.

    Masked -> sparse: the model state is converted by ``SparseLinear`` itself when loading;
    the optimiser's dense state tensors of those weights are gathered at the links.
    Sparse -> masked: ``weight_values`` + ``weight_links`` become ``weight`` + ``weight_mask``
    and per-link optimiser state is scattered into dense tensors. Returns new dicts (the
    inputs are not modified).
    """
    model_state = dict(model_state)
    positions = {}
    if optimizer is not None and optimizer_state is not None:
        flat = [p for g in optimizer.param_groups for p in g["params"]]
        ids = [i for g in optimizer_state["param_groups"] for i in g["params"]]
        if len(ids) == len(flat):
            positions = {id(p): i for p, i in zip(flat, ids, strict=True)}
        optimizer_state = {**optimizer_state, "state": dict(optimizer_state["state"])}
    for prefix, mod in layers.items():
        links = mask_of_state(model_state, prefix)
        if links is None:
            continue
        shape = layer_shape_of(mod)
        saved_sparse = prefix + "weight_links" in model_state
        if saved_sparse and not is_sparse(mod):
            values = model_state.pop(prefix + "weight_values")
            model_state.pop(prefix + "weight_links")
            model_state[prefix + "weight"] = links_to_dense(links, values, shape).reshape(
                mod.weight.shape)
            model_state[prefix + "weight_mask"] = links_to_mask(links, shape).reshape(
                mod.weight.shape)
        pos = positions.get(id(values_param(mod)))
        if pos is None or pos not in optimizer_state["state"] or saved_sparse == is_sparse(mod):
            continue
        idx = torch_flat_index(links, shape)
        converted = {}
        for key, v in optimizer_state["state"][pos].items():
            if isinstance(v, torch.Tensor) and v.dim() >= 1 and not saved_sparse:
                v = v.reshape(-1)[idx.to(v.device)].clone()           # dense -> links
            elif isinstance(v, torch.Tensor) and v.dim() == 1 and saved_sparse:
                d = torch.zeros(math.prod(shape), dtype=v.dtype, device=v.device)
                d[idx.to(v.device)] = v                                # links -> dense
                v = d.view(mod.weight.shape)
            converted[key] = v
        optimizer_state["state"][pos] = converted
    return model_state, optimizer_state


def _mask_version(mask: torch.Tensor) -> tuple[int, int]:
    """Identifies a mask buffer's contents: the same tensor (storage) at the same in-place
    version. ``load_state_dict`` copies in place (a new version); replacing the buffer gives
    a new storage."""
    return mask.data_ptr(), mask._version


class MaskedCache:
    """What a masked layer's sparsifier remembers between updates: its links (to hand the
    engine without a ``nonzero`` over the mask) and its 0/1 gradient factor in the weight's
    dtype (to mask gradients with one multiplication). Both are valid while the mask buffer
    is unchanged (same tensor, same in-place version) and are patched, not remade, by an
    update; anything else (``load_state_dict``, a replaced buffer, a moved model) remakes
    them. Sparse layers need neither."""

    def __init__(self) -> None:
        self.links: dict[str, tuple] = {}
        self.keep: dict[str, tuple] = {}

    def clear(self) -> None:
        self.links.clear()
        self.keep.clear()

    def keep_factor(self, name: str, mod: nn.Module) -> torch.Tensor:
        """The mask as 1/0 in the weight's dtype: multiplying by it leaves kept values bit
        for bit and zeroes pruned ones."""
        w, mask = mod.weight, get_mask(mod)
        key = (*_mask_version(mask), w.dtype, w.device)
        cached = self.keep.get(name)
        if cached is None or cached[0] != key:
            cached = (key, mask.to(w.dtype))
            self.keep[name] = cached
        return cached[1]

    @torch.no_grad()
    def mask(self, layers: dict, tensors_of) -> None:
        """Zero the pruned entries of ``tensors_of(mod)`` (``None`` entries skipped) of every
        masked layer of ``layers`` by one multiplication with its gradient factor."""
        for name, mod in layers.items():
            if is_sparse(mod):
                continue  # nothing is stored off the links
            keep = self.keep_factor(name, mod)
            for t in tensors_of(mod):
                if t is not None:
                    t.mul_(keep if t.dtype == keep.dtype else keep.to(t.dtype))

    def known_links(self, name: str, mod: nn.Module) -> np.ndarray | None:
        """The links written by the last update while the mask is unchanged, else ``None``."""
        cached = self.links.get(name)
        if is_sparse(mod) or cached is None or cached[0] != _mask_version(get_mask(mod)):
            return None
        return cached[1]

    def changed(self, name: str, mod: nn.Module, lost: torch.Tensor, new: torch.Tensor,
                links: np.ndarray | None) -> None:
        """Follow an update of a masked layer (``lost`` / ``new``: torch flat indices as
        :func:`~snn_adapters.masks.change_links` returns them; ``links``: the engine's new
        link list, on rank 0)."""
        version = _mask_version(get_mask(mod))
        if links is not None:
            self.links[name] = (version, links)
        cached = self.keep.pop(name, None)
        like = (mod.weight.dtype, mod.weight.device)
        if cached is not None and cached[0][2:] == like:
            keep = cached[1]
            keep.view(-1)[lost] = 0
            keep.view(-1)[new] = 1
            self.keep[name] = ((*version, *like), keep)
