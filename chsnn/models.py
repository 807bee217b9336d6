"""Multi-step spiking models of the paper (docs/method.md, section 4.1) in plain torch.

Every model takes a multi-step input ``[T, B, ...]`` (see :mod:`chsnn.encoders`) and returns
logits averaged over time, ``[B, n_classes]``. Neurons are :class:`snn_adapters.neurons.LIF`
(hard reset to 0, ATan surrogate, tau = 2, threshold 1). Fully connected layers are
``nn.Linear`` (sparsified by :class:`snn_adapters.CHSNN`); conv layers are ``nn.Conv2d`` and
stay dense (docs/method.md, section 3): 2Conv2FC and 6Conv2FC sparsify only their FC
layers. Each model has

* ``classifier_name`` -- the name of its classifier layer, to pass as
  ``CHSNN(..., classifier=model.classifier_name)``;
* ``T`` -- the default number of time steps for the encoders (the forward pass uses whatever
  ``T`` its input has).

Readout (``readout="current"`` default, or ``"spikes"``). The paper's models end with
Linear - LIF and average the output *spikes* over time (firing rates in ``[0, 1]``). With ten
output neurons and T = 8 those rates take only nine values and the output LIF's surrogate
gradient is the only path to the classifier, which trains slowly; ``"current"`` drops the
output LIF and averages the classifier's output currents over time (the usual "membrane /
current readout"; mathematically the classifier applied to the time-averaged hidden spikes).
Both readouts feed the classifier the same binary spikes, so the energy count is the same.

Conv and attention blocks fold time into the batch (``[T * B, ...]``) for ``Conv2d`` and
``BatchNorm``; BatchNorm can be folded into the preceding layer at inference and costs no
synaptic operations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from snn_adapters.neurons import LIF
from snn_adapters.sparse_lif import sparse_linear_lif

__all__ = ["TwoFC", "ThreeFC", "FourFC", "TwoConvTwoFC", "SixConvTwoFC", "Spikformer",
           "SpikingPatchSplitting",
           "ModelSpec", "MODELS", "MODEL_NAMES", "get_model_spec", "build_model"]

READOUTS = ("current", "spikes")


def _check_readout(readout: str) -> str:
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    return readout


def _check_input(x: torch.Tensor, tail: tuple[int, ...] | int, who: str) -> None:
    """``x`` must be ``[T, B, *tail]`` (``tail`` an int: the flattened size of the tail)."""
    ok = x.dim() >= 3
    if ok and isinstance(tail, int):
        ok = math.prod(x.shape[2:]) == tail
    elif ok:
        ok = tuple(x.shape[2:]) == tuple(tail)
    if not ok:
        want = f"[T, B, ...] with {tail} features" if isinstance(tail, int) else \
            f"[T, B, {', '.join(map(str, tail))}]"
        raise ValueError(f"{who} expects a multi-step input {want}, got shape "
                         f"{tuple(x.shape)}; encode static inputs with chsnn.encoders")


def _image_shape(image_shape) -> tuple[int, int, int]:
    """``(C, H, W)`` as ints, or a ``ValueError``."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3:
        raise ValueError(f"image_shape must be (C, H, W), got {image_shape!r}")
    return shape


def _flat_after_two_pools(image_shape: tuple[int, int, int], channels: int) -> int:
    """Features of ``channels`` maps after two 2x2 poolings of an ``(C, H, W)`` image."""
    n = channels * (image_shape[1] // 4) * (image_shape[2] // 4)
    if n == 0:
        raise ValueError(f"image_shape {image_shape!r} is too small for two 2x2 poolings")
    return n


def _time_mean(h: torch.Tensor) -> torch.Tensor:
    """``h.mean(0)`` for ``[T, B, F]``, reduced in memory order when ``h`` is a feature-major
    view (torch's generic strided reduction is several times slower there)."""
    f = h.movedim(-1, 0)
    if h.dim() == 3 and f.is_contiguous() and not h.is_contiguous():
        return f.mean(1).t()
    return h.mean(0)


class _FCStack(nn.Module):
    """fc1 - LIF - ... - fcK (- LIF if readout="spikes"), output averaged over time."""

    def __init__(self, sizes: list[int], readout: str, T: int) -> None:
        super().__init__()
        self.readout = _check_readout(readout)
        self.T = int(T)
        self.n_in = sizes[0]
        n = len(sizes) - 1
        for k in range(n):
            setattr(self, f"fc{k + 1}", nn.Linear(sizes[k], sizes[k + 1]))
            if k < n - 1 or readout == "spikes":
                setattr(self, f"lif{k + 1}", LIF())
        self._n = n
        self.classifier_name = f"fc{n}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.n_in, type(self).__name__)
        h = x.flatten(2)
        for k in range(1, self._n):
            h = sparse_linear_lif(getattr(self, f"fc{k}"), getattr(self, f"lif{k}"), h)
        fc = getattr(self, f"fc{self._n}")
        if self.readout == "spikes":
            return getattr(self, f"lif{self._n}")(fc(h)).mean(0)
        if self.training and type(fc) is nn.Linear:
            # mean_t(W s_t + b) = W mean_t(s_t) + b: in training the classifier runs once on
            # the time-averaged spikes (T times fewer operations, equal up to rounding); in
            # evaluation it runs on every step, as the chip does, and the energy counters see
            # the spikes
            return fc(_time_mean(h))
        return fc(h).mean(0)


class TwoFC(_FCStack):
    """2FC of the paper (MNIST): ``fc1 (n_in -> hidden) - LIF - fc2 (hidden -> n_classes)``.

    ``hidden`` defaults to ``2 * n_in`` (784-1568-10). Input ``[T, B, n_in]`` or any
    ``[T, B, ...]`` with ``n_in`` features (flattened). Classifier: ``fc2``.

    >>> m = TwoFC(n_in=6, n_classes=3)
    >>> m(torch.zeros(4, 2, 6)).shape, m.classifier_name, m.fc1.out_features
    (torch.Size([2, 3]), 'fc2', 12)
    """

    def __init__(self, n_in: int = 784, hidden: int | None = None, n_classes: int = 10, *,
                 readout: str = "current", T: int = 8) -> None:
        hidden = 2 * n_in if hidden is None else hidden
        super().__init__([n_in, hidden, n_classes], readout, T)


class ThreeFC(_FCStack):
    """3FC (the chip experiment): ``fc1 - LIF - fc2 - LIF - fc3``; classifier ``fc3``.

    ``hidden1`` defaults to ``2 * n_in`` and ``hidden2`` to ``hidden1`` (our choice: the paper
    does not fix them here).

    >>> ThreeFC(8, 16, 12, 4)(torch.zeros(2, 3, 8)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_in: int = 784, hidden1: int | None = None, hidden2: int | None = None,
                 n_classes: int = 10, *, readout: str = "current", T: int = 8) -> None:
        hidden1 = 2 * n_in if hidden1 is None else hidden1
        hidden2 = hidden1 if hidden2 is None else hidden2
        super().__init__([n_in, hidden1, hidden2, n_classes], readout, T)


class FourFC(_FCStack):
    """The deeper MLP of the CHTs study: ``fc1 - LIF - fc2 - LIF - fc3 - LIF - fc4``
    (784-1568-1568-1568-10); classifier ``fc4``.

    ``hidden`` (default ``2 * n_in``) is the width of the three hidden layers.

    >>> m = FourFC(n_in=6, hidden=8, n_classes=3)
    >>> m(torch.zeros(4, 2, 6)).shape, m.classifier_name, m.fc3.in_features
    (torch.Size([2, 3]), 'fc4', 8)
    """

    def __init__(self, n_in: int = 784, hidden: int | None = None, n_classes: int = 10, *,
                 readout: str = "current", T: int = 8) -> None:
        hidden = 2 * n_in if hidden is None else hidden
        super().__init__([n_in, hidden, hidden, hidden, n_classes], readout, T)


class TwoConvTwoFC(nn.Module):
    """2Conv2FC (N-MNIST): ``[conv3x3 - BN - LIF - maxpool2] x 2 - fc1 - LIF - fc2``.

    ``image_shape`` is ``(C, H, W)``: ``(1, 28, 28)`` for MNIST, ``(2, 34, 34)`` for N-MNIST
    frames. Conv layers (padding 1, no bias, followed by BatchNorm) stay dense; ``fc1`` is
    sparse and ``fc2`` is the classifier. Max pooling keeps the spikes binary.

    >>> m = TwoConvTwoFC((2, 10, 10), channels=(4, 4), hidden=8, n_classes=3)
    >>> m(torch.zeros(2, 5, 2, 10, 10)).shape, m.fc1.in_features
    (torch.Size([5, 3]), 16)
    """

    def __init__(self, image_shape: tuple[int, int, int] = (1, 28, 28),
                 channels: tuple[int, int] = (32, 32), hidden: int = 256, n_classes: int = 10,
                 *, readout: str = "current", T: int = 8) -> None:
        super().__init__()
        self.readout = _check_readout(readout)
        self.T = int(T)
        self.image_shape = _image_shape(image_shape)
        c = self.image_shape[0]
        c1, c2 = channels
        self.conv1 = nn.Conv2d(c, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.lif1 = LIF()
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.lif2 = LIF()
        self.pool = nn.MaxPool2d(2)
        n_flat = _flat_after_two_pools(self.image_shape, c2)
        self.fc1 = nn.Linear(n_flat, hidden)
        self.lif3 = LIF()
        self.fc2 = nn.Linear(hidden, n_classes)
        if readout == "spikes":
            self.lif4 = LIF()
        self.classifier_name = "fc2"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.image_shape, type(self).__name__)
        t, b = x.shape[:2]
        h = self.bn1(self.conv1(x.flatten(0, 1)))
        h = self.pool(self.lif1(h.unflatten(0, (t, b))).flatten(0, 1))
        h = self.bn2(self.conv2(h))
        h = self.pool(self.lif2(h.unflatten(0, (t, b))).flatten(0, 1))
        h = self.lif3(self.fc1(h.unflatten(0, (t, b)).flatten(2)))
        out = self.fc2(h)
        if self.readout == "spikes":
            out = self.lif4(out)
        return out.mean(0)


class SixConvTwoFC(nn.Module):
    """6Conv2FC (CIFAR, the paper's and SD-SNN's network):
    ``128C3-128C3-MP2-256C3-256C3-MP2-512C3-512C3-FC512-FC(n_classes)``.

    Every conv (3x3, padding 1, no bias) is followed by BatchNorm and LIF; the 2x2 max
    poolings follow the LIF of conv2 and conv4 (binary spikes stay binary). ``channels`` are the
    widths of the three conv stages ``(128, 256, 512)``; ``hidden`` the width of ``fc1`` (512).
    The conv layers stay dense; ``fc1`` (``512 * H/4 * W/4`` -> 512) is sparse and ``fc2`` is
    the classifier. ``image_shape`` is ``(C, H, W)``, ``(3, 32, 32)`` for CIFAR.

    >>> m = SixConvTwoFC((3, 8, 8), channels=(2, 3, 4), hidden=5, n_classes=3)
    >>> m(torch.zeros(2, 4, 3, 8, 8)).shape, m.fc1.in_features, m.classifier_name
    (torch.Size([4, 3]), 16, 'fc2')
    >>> [m.get_submodule(f"conv{k}").out_channels for k in range(1, 7)]
    [2, 2, 3, 3, 4, 4]
    """

    POOL_AFTER = (2, 4)

    def __init__(self, image_shape: tuple[int, int, int] = (3, 32, 32),
                 channels: tuple[int, int, int] = (128, 256, 512), hidden: int = 512,
                 n_classes: int = 10, *, readout: str = "current", T: int = 8) -> None:
        super().__init__()
        self.readout = _check_readout(readout)
        self.T = int(T)
        self.image_shape = _image_shape(image_shape)
        if len(channels) != 3:
            raise ValueError(f"channels must be three stage widths, got {channels!r}")
        c = self.image_shape[0]
        widths = [int(ch) for ch in channels for _ in range(2)]
        for k, (c_in, c_out) in enumerate(zip([c, *widths[:-1]], widths, strict=True), start=1):
            setattr(self, f"conv{k}", nn.Conv2d(c_in, c_out, 3, padding=1, bias=False))
            setattr(self, f"bn{k}", nn.BatchNorm2d(c_out))
            setattr(self, f"lif{k}", LIF())
        self.pool = nn.MaxPool2d(2)
        n_flat = _flat_after_two_pools(self.image_shape, widths[-1])
        self.fc1 = nn.Linear(n_flat, hidden)
        self.lif_fc1 = LIF()
        self.fc2 = nn.Linear(hidden, n_classes)
        if readout == "spikes":
            self.lif_fc2 = LIF()
        self.classifier_name = "fc2"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.image_shape, type(self).__name__)
        t, b = x.shape[:2]
        h = x.flatten(0, 1)
        for k in range(1, 7):
            h = getattr(self, f"bn{k}")(getattr(self, f"conv{k}")(h))
            h = getattr(self, f"lif{k}")(h.unflatten(0, (t, b))).flatten(0, 1)
            if k in self.POOL_AFTER:
                h = self.pool(h)
        h = self.lif_fc1(self.fc1(h.unflatten(0, (t, b)).flatten(2)))
        out = self.fc2(h)
        if self.readout == "spikes":
            out = self.lif_fc2(out)
        return out.mean(0)


class _LinearBN(nn.Module):
    """``nn.Linear`` (no bias) then BatchNorm over the features of ``[T, B, N, D]`` tokens."""

    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.linear = nn.Linear(d_in, d_out, bias=False)
        self.bn = nn.BatchNorm1d(d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x)
        return self.bn(y.flatten(0, -2)).view_as(y)


class SpikingSelfAttention(nn.Module):
    """Spiking self-attention (Spikformer's SSA), small version.

    ``s`` (binary spikes ``[T, B, N, D]``) -> ``q, k, v = LIF(BN(qkv(s)))`` (one fused
    ``nn.Linear(D, 3D)``: the three projections side by side) -> per head
    ``LIF_0.5(scale * q k^T v)`` (no softmax: q, k, v are non-negative spikes) ->
    ``BN(proj(.))`` (no LIF: the block adds it to the residual membrane stream).
    """

    def __init__(self, dim: int, heads: int, scale: float = 0.125) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"embed_dim {dim} must be divisible by heads {heads}")
        self.heads, self.scale = heads, float(scale)
        self.qkv = _LinearBN(dim, 3 * dim)
        self.qkv_lif = LIF()
        self.attn_lif = LIF(v_threshold=0.5)
        self.proj = _LinearBN(dim, dim)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        t, b, n, d = s.shape
        qkv = self.qkv_lif(self.qkv(s))                                # [T, B, N, 3D]
        qkv = qkv.view(t, b, n, 3, self.heads, d // self.heads).permute(3, 0, 1, 4, 2, 5)
        q, k, v = qkv[0], qkv[1], qkv[2]                               # [T, B, H, N, dh]
        attn = q @ k.transpose(-2, -1)                                 # [T, B, H, N, N]
        out = (attn @ v) * self.scale                                  # [T, B, H, N, dh]
        out = self.attn_lif(out.permute(0, 1, 3, 2, 4).reshape(t, b, n, d))
        return self.proj(out)


class SpikformerBlock(nn.Module):
    """``u <- u + SSA(LIF(u)); u <- u + MLP(LIF(u))`` on the membrane stream ``u``.

    MLP: ``fc1 (D -> mlp_ratio D) - BN - LIF - fc2 - BN``. Every ``nn.Linear`` receives binary
    spikes (residuals are added before a LIF, the "membrane shortcut").
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: int = 4,
                 attn_scale: float = 0.125) -> None:
        super().__init__()
        self.lif_attn = LIF()
        self.attn = SpikingSelfAttention(dim, heads, attn_scale)
        self.lif_mlp = LIF()
        self.fc1 = _LinearBN(dim, mlp_ratio * dim)
        self.lif_hidden = LIF()
        self.fc2 = _LinearBN(mlp_ratio * dim, dim)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        u = u + self.attn(self.lif_attn(u))
        return u + self.fc2(self.lif_hidden(self.fc1(self.lif_mlp(u))))


class SpikingPatchSplitting(nn.Module):
    """Spikformer's SPS stem: four ``conv3x3 - BN - LIF`` stages (``D/8, D/4, D/2, D``
    channels) with a ``maxpool(3, stride 2, padding 1)`` after the last two (32 x 32 -> 8 x 8
    tokens), then the relative position embedding ``conv3x3 - BN`` added to the spikes:
    tokens ``[T, B, N, D]`` of the membrane stream.

    The first conv sees the encoded input (analog under direct encoding), every later conv
    binary spikes (max pooling keeps them binary). Conv layers stay dense.

    >>> sps = SpikingPatchSplitting((1, 8, 8), 16)
    >>> sps(torch.zeros(2, 3, 1, 8, 8)).shape, sps.n_tokens
    (torch.Size([2, 3, 4, 16]), 4)
    """

    def __init__(self, image_shape: tuple[int, int, int], dim: int) -> None:
        super().__init__()
        c, h, w = image_shape
        if dim % 8:
            raise ValueError(f"embed_dim {dim} must be divisible by 8 for the SPS stem")
        widths = [c, dim // 8, dim // 4, dim // 2, dim]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1, bias=False)
                                   for a, b in zip(widths, widths[1:], strict=False))
        self.bns = nn.ModuleList(nn.BatchNorm2d(b) for b in widths[1:])
        self.lifs = nn.ModuleList(LIF() for _ in widths[1:])
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.rpe = nn.Conv2d(dim, dim, 3, padding=1, bias=False)
        self.rpe_bn = nn.BatchNorm2d(dim)
        self.n_tokens = ((h - 1) // 4 + 1) * ((w - 1) // 4 + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, b = x.shape[:2]
        h = x.flatten(0, 1)
        for k, (conv, bn, lif) in enumerate(zip(self.convs, self.bns, self.lifs, strict=True)):
            h = lif(bn(conv(h)).unflatten(0, (t, b))).flatten(0, 1)
            if k >= 2:
                h = self.pool(h)
        u = h + self.rpe_bn(self.rpe(h))                               # [T*B, D, h, w]
        return u.flatten(2).transpose(1, 2).unflatten(0, (t, b))       # [T, B, N, D]


class Spikformer(nn.Module):
    """A small Spikformer: patch embedding, ``depth`` spiking transformer blocks, linear head.

    * Patch embedding (``stem="conv"``, the small default): ``Conv2d(C, D, patch,
      stride=patch)`` - BN (dense conv, on the raw encoded input) plus a learned position
      embedding: tokens ``[T, B, N, D]``. ``stem="sps"``: the paper's 4-layer conv stem with
      a conv relative position embedding (:class:`SpikingPatchSplitting`; 32 x 32 images give
      64 tokens, ``patch_size`` is then unused). The paper's CIFAR network is
      ``Spikformer-4-384``: ``embed_dim=384, depth=4, heads=12, stem="sps"`` (the model
      ``spikformer-4-384`` of :data:`MODELS`).
    * Blocks: :class:`SpikformerBlock` (spiking self-attention without softmax, scaled by
      ``scale = 0.125``; MLP of ``nn.Linear`` layers). All projections are ``nn.Linear``; Q, K
      and V are one fused ``qkv`` layer so that CHSNN does not chain Q into K. The attention
      output ``attn_scale * q k^T v`` grows with the number of tokens and the head width:
      with few tokens, raise ``attn_scale`` or the attention LIF never fires.
    * Head: ``LIF`` on the final stream, spikes averaged over the tokens, ``nn.Linear`` head
      (the classifier ``head``; its input is a token-averaged spike rate, which the energy
      model counts as multiply-accumulates), averaged over time.

    Simplifications (documented, honest): membrane shortcuts
    (residuals added to membrane potentials, not spikes), no dropout, ``readout="current"`` only.

    >>> m = Spikformer((1, 8, 8), embed_dim=16, depth=1, heads=2, patch_size=4, n_classes=3)
    >>> m(torch.zeros(2, 4, 1, 8, 8)).shape, m.classifier_name
    (torch.Size([4, 3]), 'head')
    """

    def __init__(self, image_shape: tuple[int, int, int] = (3, 32, 32), embed_dim: int = 64,
                 depth: int = 1, heads: int = 4, n_classes: int = 10, *, patch_size: int = 4,
                 mlp_ratio: int = 4, attn_scale: float = 0.125, stem: str = "conv",
                 T: int = 8) -> None:
        super().__init__()
        self.T = int(T)
        self.image_shape = _image_shape(image_shape)
        c, h, w = self.image_shape
        if stem not in ("conv", "sps"):
            raise ValueError(f"stem must be 'conv' or 'sps', got {stem!r}")
        self.stem = stem
        if stem == "sps":
            self.sps = SpikingPatchSplitting(self.image_shape, embed_dim)
        else:
            if h % patch_size or w % patch_size:
                raise ValueError(f"image size {(h, w)} must be divisible by patch_size "
                                 f"{patch_size}")
            n_tokens = (h // patch_size) * (w // patch_size)
            self.patch = nn.Conv2d(c, embed_dim, patch_size, stride=patch_size, bias=False)
            self.patch_bn = nn.BatchNorm2d(embed_dim)
            self.pos = nn.Parameter(torch.zeros(n_tokens, embed_dim))
            nn.init.trunc_normal_(self.pos, std=0.02)
        self.blocks = nn.ModuleList(SpikformerBlock(embed_dim, heads, mlp_ratio, attn_scale)
                                    for _ in range(depth))
        self.lif_out = LIF()
        self.head = nn.Linear(embed_dim, n_classes)
        self.classifier_name = "head"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(x, self.image_shape, type(self).__name__)
        t, b = x.shape[:2]
        if self.stem == "sps":
            u = self.sps(x)
        else:
            u = self.patch_bn(self.patch(x.flatten(0, 1)))                 # [T*B, D, h, w]
            u = u.flatten(2).transpose(1, 2).unflatten(0, (t, b)) + self.pos  # [T, B, N, D]
        for blk in self.blocks:
            u = blk(u)
        return self.head(self.lif_out(u).mean(2)).mean(0)


@dataclass(frozen=True)
class ModelSpec:
    """One entry of :data:`MODELS`: how ``chsnn`` builds and feeds a model.

    ``flat`` -- the model takes flattened features (``n_in``) instead of an image;
    ``hidden_arg`` -- the constructor keyword that ``--hidden`` sets (None: not settable);
    ``image_shape`` -- the default ``(C, H, W)`` of image models;
    ``percolation`` -- whether dead neurons may be removed across the chain of its FC layers
    (False for residual streams, where a neuron without input still carries the stream);
    ``defaults`` -- the model's keyword defaults given the image shape (what
    :func:`build_model` passes unless told otherwise).
    """

    name: str
    cls: type
    summary: str
    flat: bool = False
    hidden_arg: str | None = "hidden"
    image_shape: tuple[int, int, int] = (1, 28, 28)
    percolation: bool = True
    defaults: Callable[[tuple[int, int, int]], dict] | None = None


def _spikformer_defaults(image_shape: tuple[int, int, int]) -> dict:
    return {"patch_size": 4 if image_shape[1] % 4 == 0 else 2, "embed_dim": 64, "heads": 4}


def _spikformer_paper_defaults(image_shape: tuple[int, int, int]) -> dict:
    return {"embed_dim": 384, "depth": 4, "heads": 12, "stem": "sps"}


#: The models of ``chsnn train --model``: one entry per model.
MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("2fc", TwoFC, "784-1568-10 (MNIST)", flat=True),
    ModelSpec("3fc", ThreeFC, "784-1568-1568-10 (the chip experiment)", flat=True,
              hidden_arg="hidden1"),
    ModelSpec("4fc", FourFC, "784-1568-1568-1568-10 (the CHTs MLP)", flat=True),
    ModelSpec("2conv2fc", TwoConvTwoFC, "2 conv + 2 FC (N-MNIST)"),
    ModelSpec("6conv2fc", SixConvTwoFC, "6 conv + 2 FC (CIFAR)", image_shape=(3, 32, 32)),
    ModelSpec("spikformer", Spikformer, "small spiking transformer (1 block, 64 wide)",
              hidden_arg=None, percolation=False, defaults=_spikformer_defaults),
    ModelSpec("spikformer-4-384", Spikformer, "the paper's CIFAR Spikformer (SPS stem, 4 "
              "blocks, 384 wide, 12 heads)", hidden_arg=None, image_shape=(3, 32, 32),
              percolation=False, defaults=_spikformer_paper_defaults),
)}
MODEL_NAMES = tuple(MODELS)


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of ``name`` (case-insensitive), or a ``ValueError`` listing them.

    >>> get_model_spec("4fc").flat, get_model_spec("2FC").hidden_arg
    (True, 'hidden')
    """
    spec = MODELS.get(str(name).lower())
    if spec is None:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(MODEL_NAMES)}")
    return spec


def build_model(name: str, *, n_in: int | None = None, n_classes: int = 10,
                image_shape: tuple[int, int, int] | None = None, T: int = 8,
                **kwargs) -> nn.Module:
    """Build a model of :data:`MODELS` by name (``2fc``, ``3fc``, ``4fc``, ``2conv2fc``,
    ``6conv2fc``, ``spikformer`` or ``spikformer-4-384``).

    ``n_in`` (FC models) defaults to the product of ``image_shape``; ``image_shape`` (conv
    models) defaults to the entry's (``(1, 28, 28)``, ``(3, 32, 32)`` for ``6conv2fc``).
    Further keyword arguments go to the model class (``hidden``, ``hidden1``, ``readout``,
    ``channels``, ``embed_dim``, ``heads`` ...).

    >>> build_model("2fc", image_shape=(1, 4, 4), n_classes=2).fc1.in_features
    16
    """
    spec = get_model_spec(name)
    if spec.flat:
        if n_in is None:
            if image_shape is None:
                raise ValueError(f"build_model({name!r}): give n_in or image_shape")
            n_in = math.prod(image_shape)
        return spec.cls(n_in=n_in, n_classes=n_classes, T=T, **kwargs)
    shape = spec.image_shape if image_shape is None else tuple(image_shape)
    if n_in is not None and n_in != math.prod(shape):
        raise ValueError(f"build_model({name!r}): n_in={n_in} does not match "
                         f"image_shape {shape}")
    if spec.defaults is not None:
        kwargs = {**spec.defaults(_image_shape(shape)), **kwargs}
    return spec.cls(image_shape=shape, n_classes=n_classes, T=T, **kwargs)
