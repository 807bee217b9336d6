"""Sparse execution: a linear layer that stores only its links.

:class:`SparseLinear` keeps one trainable weight per link (``weight_values``, in the engine's
link order) and the links themselves (``weight_links``, engine flat indices ``i * n_out + o``,
ascending). Forward and backward cost ``N * links`` (``N`` rows of input: samples x time
steps), never ``N * n_in * n_out``, and gradients exist only for the links, so the optimiser's
work and state follow the links too.

Two backends compute the same products:

* ``"numba"`` (CPU, float32 / float64): the kernels of :mod:`snn_adapters._sparse_kernels` on
  feature-major copies of the activations, parallel over ``torch.get_num_threads()`` threads,
  bit-identical for any thread count;
* ``"torch"`` (any device, any dtype; the CUDA path): ``torch.sparse.mm`` on CSR tensors and
  ``torch.sparse.sampled_addmm`` for the link gradients.

``backend="auto"`` picks numba on the CPU and torch elsewhere. :func:`to_sparse` turns a masked
model (``weight_mask`` buffers, e.g. after training with ``CHSNN(execution="masked")`` or
:func:`~snn_adapters.load_sparse_state_dict`) into this form for fast inference;
:func:`to_masked` goes back.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import nn

from .links import CSRStructure, links_to_dense, links_to_mask, mask_to_links
from .neurons import kernel_threads

__all__ = ["SparseLinear", "BACKENDS", "to_sparse", "to_masked", "replace_module"]

BACKENDS = ("auto", "numba", "torch")



def _csr(indptr, indices, values, shape) -> torch.Tensor:
    """A CSR tensor (torch warns that CSR support is in beta on each construction)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(indptr, indices, values, shape, check_invariants=False)



def feature_major(x2: torch.Tensor) -> torch.Tensor:
    """``x2`` ``[N, n]`` as a contiguous ``[n, N]`` (a view when it is laid out so already,
    as the outputs of this layer and of the LIF neurons after it are).

    >>> import torch
    >>> x = torch.arange(6.0).reshape(3, 2)
    >>> feature_major(x).shape, feature_major(x).is_contiguous()
    (torch.Size([2, 3]), True)
    >>> y = torch.zeros(2, 3).t()  # [3, 2] laid out feature-major already: no copy
    >>> feature_major(y).data_ptr() == y.data_ptr()
    True
    """
    xt = x2.t()
    return xt if xt.is_contiguous() else xt.contiguous()


class _SparseLinearFn(torch.autograd.Function):
    """``y = x @ B + b`` for ``x`` ``[N, n_in]`` and the layer's sparse ``B`` (``n_in x
    n_out``). The numba path returns ``y`` feature-major (a transposed view of a contiguous
    ``[n_out, N]``): the LIF kernels and the next sparse layer read it without a copy, dense
    layers through BLAS's transposed operands."""

    @staticmethod
    @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
    def forward(ctx, x, values, bias, layer):
        s = layer.structure()
        backend = layer.resolved_backend(x)
        ctx.layer, ctx.backend, ctx.has_bias = layer, backend, bias is not None
        if backend == "numba":
            from . import _sparse_kernels as K

            xt = feature_major(x.detach())
            b = (bias.detach() if bias is not None else values.new_empty(0)).numpy()
            yt = K.spmm(kernel_threads(), xt.numpy(), s.indptr_out, s.rows, s.perm,
                        values.detach().numpy(), b)
            ctx.save_for_backward(xt, values)
            return torch.from_numpy(yt).t()
        t = s.tensors(x.device)
        w = _csr(t["indptr_out"], t["rows"], values.detach()[t["perm"]],
                 (s.shape[1], s.shape[0]))
        ctx.save_for_backward(x, values)
        y = torch.sparse.mm(w, x.detach().t()).t()
        return y + bias.detach() if bias is not None else y

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")
    def backward(ctx, gy):
        layer, backend = ctx.layer, ctx.backend
        s = layer.structure()
        saved, values = ctx.saved_tensors
        gy = gy.to(values.dtype)
        gx = gv = gb = None
        if backend == "numba":
            from . import _sparse_kernels as K

            xt, threads = saved, kernel_threads()
            gyt = feature_major(gy)
            if ctx.needs_input_grad[1]:
                gv = torch.from_numpy(K.link_grad(threads, xt.numpy(), gyt.numpy(),
                                                  s.indptr_in, s.cols))
            if ctx.needs_input_grad[0]:
                gx = torch.from_numpy(K.spmm(threads, gyt.numpy(), s.indptr_in, s.cols,
                                             s.identity, values.detach().numpy(),
                                             values.new_empty(0).numpy())).t()
            if ctx.has_bias and ctx.needs_input_grad[2]:
                gb = gyt.sum(1)
            if layer.capture_dense_grad:
                layer.dense_grad = xt @ gy                       # [n_in, n_out]
            return gx, gv, gb, None
        x = saved
        t = s.tensors(gy.device)
        if ctx.needs_input_grad[1]:
            pattern = _csr(t["indptr_in"], t["cols"], torch.zeros_like(values), s.shape)
            gv = torch.sparse.sampled_addmm(pattern, x.t(), gy, beta=0.0).values()
        if ctx.needs_input_grad[0]:
            b = _csr(t["indptr_in"], t["cols"], values.detach(), s.shape)
            gx = torch.sparse.mm(b, gy.t()).t()
        if ctx.has_bias and ctx.needs_input_grad[2]:
            gb = gy.sum(0)
        if layer.capture_dense_grad:
            layer.dense_grad = x.t() @ gy
        return gx, gv, gb, None


class SparseLinear(nn.Module):
    """A linear layer ``y = x W^T + b`` whose weight exists only on its links.

    Parameters
    ----------
    in_features, out_features : int
        Sizes, as :class:`torch.nn.Linear`.
    links : array of int
        Engine flat indices ``i * out_features + o`` of the links (any order, no repeats).
    values : tensor, optional
        The weight of every link, in the order of ``links`` (default 0).
    bias : bool or tensor
        Whether to learn a bias (or its initial value).
    channels_first : bool
        Input ``[..., in_features, L]`` as a kernel-1 ``nn.Conv1d`` takes it (default: the
        features are the last axis, as ``nn.Linear``).
    backend : {"auto", "numba", "torch"}
        How the products are computed (see the module documentation).

    Attributes: ``weight_values`` (parameter, one per link, ascending link order),
    ``weight_links`` (int64 buffer), ``bias``; both are in the state dict, which also loads a
    masked layer's ``weight`` + ``weight_mask``.

    >>> lin = SparseLinear(3, 2, [0, 3, 4], torch.tensor([1.0, 2.0, 3.0]), bias=False)
    >>> lin(torch.tensor([[1.0, 1.0, 0.0]])).tolist()
    [[1.0, 2.0]]
    >>> lin.dense_weight().tolist()
    [[1.0, 0.0, 3.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, in_features: int, out_features: int, links, values=None, bias=True, *,
                 channels_first: bool = False, backend: str = "auto", device=None,
                 dtype=None) -> None:
        super().__init__()
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.channels_first = bool(channels_first)
        self.backend = backend
        links = self._check_links(links)
        order = np.argsort(links, kind="stable")
        links = links[order]
        dtype = dtype or (values.dtype if isinstance(values, torch.Tensor)
                          else torch.get_default_dtype())
        if values is None:
            v = torch.zeros(links.size, dtype=dtype, device=device)
        else:
            v = torch.as_tensor(values).detach().to(device=device, dtype=dtype).reshape(-1)
            if v.numel() != links.size:
                raise ValueError(f"values has {v.numel()} entries for {links.size} links")
            v = v[torch.from_numpy(order).to(v.device)].clone()
        self.weight_values = nn.Parameter(v)
        self.register_buffer("weight_links", torch.from_numpy(links).to(device))
        if isinstance(bias, torch.Tensor):
            self.bias = nn.Parameter(bias.detach().to(device=device, dtype=dtype).clone())
        elif bias:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
            self.bias = nn.Parameter(torch.empty(self.out_features, device=device,
                                                 dtype=dtype).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)
        self.capture_dense_grad = False
        self.dense_grad: torch.Tensor | None = None
        self._structure: tuple | None = None

    def _check_links(self, links) -> np.ndarray:
        arr = np.asarray(links.cpu() if isinstance(links, torch.Tensor) else links)
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"links must be integers, got {arr.dtype}")
        arr = arr.astype(np.int64).reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= self.in_features * self.out_features):
            raise ValueError(f"links must lie in [0, {self.in_features * self.out_features}) "
                             f"for a {self.in_features} x {self.out_features} layer")
        if np.unique(arr).size != arr.size:
            raise ValueError("links hold repeated entries")
        return arr

    # -- structure --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(n_in, n_out)``, the engine's orientation."""
        return self.in_features, self.out_features

    @property
    def n_links(self) -> int:
        return int(self.weight_links.numel())

    def links(self) -> np.ndarray:
        """The links as ascending int64 numpy engine flat indices (a copy)."""
        return self.weight_links.cpu().numpy().copy()

    def structure(self) -> CSRStructure:
        """Both CSR orders of the links, remade only when ``weight_links`` changed."""
        key = (self.weight_links.data_ptr(), self.weight_links._version,
               self.weight_links.numel())
        if self._structure is None or self._structure[0] != key:
            self._structure = (key, CSRStructure(self.weight_links.cpu().numpy(), self.shape))
        return self._structure[1]

    def resolved_backend(self, x: torch.Tensor | None = None) -> str:
        if self.backend != "auto":
            if self.backend == "numba" and self.weight_values.device.type != "cpu":
                raise ValueError("backend 'numba' runs on the CPU only; use 'torch' or 'auto'")
            return self.backend
        ok = (self.weight_values.device.type == "cpu"
              and self.weight_values.dtype in (torch.float32, torch.float64)
              and (x is None or x.dtype == self.weight_values.dtype))
        return "numba" if ok else "torch"

    def dense_weight(self) -> torch.Tensor:
        """The ``(out, in)`` weight as a dense tensor (a detached copy)."""
        return links_to_dense(self.weight_links.cpu().numpy(), self.weight_values, self.shape)

    def dense_mask(self) -> torch.Tensor:
        """The ``(out, in)`` boolean mask of the links."""
        return links_to_mask(self.weight_links.cpu().numpy(), self.shape,
                             self.weight_values.device)

    # -- forward ----------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_first:
            x = x.movedim(-2, -1)
        if x.shape[-1] != self.in_features:
            raise ValueError(f"SparseLinear({self.in_features}, {self.out_features}) got an "
                             f"input of shape {tuple(x.shape)}")
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        if x2.dtype != self.weight_values.dtype and not torch.is_autocast_enabled():
            x2 = x2.to(self.weight_values.dtype)
        y = _SparseLinearFn.apply(x2, self.weight_values, self.bias, self)
        y = y.reshape(*lead, self.out_features)
        return y.movedim(-1, -2) if self.channels_first else y

    # -- conversion -------------------------------------------------------------------------
    @classmethod
    def from_module(cls, module: nn.Module, mask: torch.Tensor | None = None, *,
                    backend: str = "auto") -> SparseLinear:
        """The sparse twin of a masked ``nn.Linear`` or kernel-1 ``nn.Conv1d`` (its
        ``weight_mask`` buffer, or ``mask``): same links, weights and bias.

        >>> lin = nn.Linear(3, 2)
        >>> sp = SparseLinear.from_module(lin, torch.tensor([[1, 0, 1], [0, 1, 0]]).bool())
        >>> sp.n_links, bool(torch.equal(sp.dense_weight()[0, 0], lin.weight[0, 0].detach()))
        (3, True)
        """
        from .masks import get_mask

        w = module.weight
        mask = get_mask(module) if mask is None else mask
        if mask is None:
            raise ValueError(f"{type(module).__name__} has no weight_mask: pass mask=...")
        w2 = w.detach().reshape(w.shape[0], -1)
        links = mask_to_links(mask.reshape(w2.shape))
        n_in, n_out = w2.shape[1], w2.shape[0]
        from .links import torch_flat_index

        values = w2.reshape(-1)[torch_flat_index(links, (n_in, n_out), w.device)]
        bias = module.bias if module.bias is not None else False
        return cls(n_in, n_out, links, values, bias, channels_first=isinstance(module, nn.Conv1d),
                   backend=backend, device=w.device, dtype=w.dtype)

    def to_masked(self) -> nn.Module:
        """The masked dense twin: an ``nn.Linear`` (``nn.Conv1d`` with kernel 1 when
        ``channels_first``) with a ``weight_mask`` buffer, same weights and bias."""
        from .masks import set_mask

        kw = {"bias": self.bias is not None, "device": self.weight_values.device,
              "dtype": self.weight_values.dtype}
        mod = (nn.Conv1d(self.in_features, self.out_features, 1, **kw) if self.channels_first
               else nn.Linear(self.in_features, self.out_features, **kw))
        with torch.no_grad():
            mod.weight.copy_(self.dense_weight().reshape(mod.weight.shape))
            if self.bias is not None:
                mod.bias.copy_(self.bias)
        set_mask(mod, self.dense_mask())
        return mod

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        wkey, mkey = prefix + "weight", prefix + "weight_mask"
        if wkey in state_dict and mkey in state_dict:  # a masked layer's state
            w, mask = state_dict.pop(wkey), state_dict.pop(mkey)
            w2 = w.reshape(w.shape[0], -1)
            links = mask_to_links(mask.reshape(w2.shape))
            from .links import torch_flat_index

            state_dict[prefix + "weight_links"] = torch.from_numpy(links)
            state_dict[prefix + "weight_values"] = w2.reshape(-1)[
                torch_flat_index(links, (w2.shape[1], w2.shape[0]), w.device)]
        lkey, vkey = prefix + "weight_links", prefix + "weight_values"
        if lkey in state_dict and state_dict[lkey].numel() != self.weight_links.numel():
            n = state_dict[lkey].numel()  # another number of links: resize in place
            self.weight_links = torch.empty(n, dtype=torch.int64, device=self.weight_links.device)
            self.weight_values.data = self.weight_values.data.new_empty(n)
        if lkey in state_dict:
            self._check_links(state_dict[lkey])
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)
        if vkey in state_dict:
            self._structure = None

    def extra_repr(self) -> str:
        density = self.n_links / max(1, self.in_features * self.out_features)
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"links={self.n_links} ({100 * density:.3g}%), bias={self.bias is not None}, "
                f"backend={self.backend!r}")


def replace_module(model: nn.Module, raw_name: str, new: nn.Module) -> None:
    """Put ``new`` in place of the submodule called ``raw_name`` (as ``named_modules``)."""
    parent_name, _, attr = raw_name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, attr, new)


def to_sparse(model: nn.Module, *, backend: str = "auto") -> list[str]:
    """Replace every masked linear-like layer (one with a ``weight_mask`` buffer) of ``model``
    by its :class:`SparseLinear` twin, in place; returns their names. For fast inference of a
    model trained with masks (or a ``chsnn`` checkpoint loaded with
    :func:`~snn_adapters.load_sparse_state_dict`). Outputs equal the masked model's up to
    float rounding.

    >>> from snn_adapters.masks import set_mask
    >>> m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> _ = set_mask(m[0], torch.eye(3, 4, dtype=torch.bool))
    >>> to_sparse(m), type(m[0]).__name__
    (['0'], 'SparseLinear')
    """
    from .layers import is_linear_like
    from .masks import get_mask

    names = [n for n, mod in model.named_modules()
             if is_linear_like(mod) and get_mask(mod) is not None]
    for n in names:
        replace_module(model, n, SparseLinear.from_module(model.get_submodule(n),
                                                          backend=backend))
    return names


def to_masked(model: nn.Module) -> list[str]:
    """Replace every :class:`SparseLinear` of ``model`` by its masked dense twin, in place;
    returns their names (the inverse of :func:`to_sparse`)."""
    names = [n for n, mod in model.named_modules() if isinstance(mod, SparseLinear)]
    for n in names:
        replace_module(model, n, model.get_submodule(n).to_masked())
    return names
