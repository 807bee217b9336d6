"""Spiking models, the model registry, encoders, and CHSNN wrapping each model."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from chgraph.evolution import n_links_for
from chsnn.encoders import DirectEncoder, PoissonEncoder
from chsnn.models import (
    MODEL_NAMES,
    MODELS,
    FourFC,
    Spikformer,
    ThreeFC,
    TwoConvTwoFC,
    TwoFC,
    build_model,
)
from snn_adapters import CHSNN
from snn_adapters.layers import layer_shape
from snn_adapters.masks import get_mask

T, B, N_CLASSES = 4, 6, 3
IMG = (1, 8, 8)

# tiny versions of every registered model
TINY = {
    "2fc": dict(n_in=16, hidden=24),
    "3fc": dict(n_in=16, hidden1=20, hidden2=12),
    "4fc": dict(n_in=16, hidden=20),
    "2conv2fc": dict(image_shape=IMG, channels=(4, 4), hidden=16),
    "6conv2fc": dict(image_shape=IMG, channels=(2, 3, 4), hidden=16),
    # attn_scale 1: with 4 tokens the paper's 0.125 leaves the attention LIF silent
    "spikformer": dict(image_shape=IMG, embed_dim=16, heads=2, patch_size=4, attn_scale=1.0),
    "spikformer-4-384": dict(image_shape=IMG, embed_dim=16, depth=1, heads=2, attn_scale=1.0),
}


def tiny(name: str, **extra) -> nn.Module:
    torch.manual_seed(0)
    return build_model(name, n_classes=N_CLASSES, T=T, **{**TINY[name], **extra})


def tiny_input(model: nn.Module, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    shape = model.image_shape if hasattr(model, "image_shape") else (model.n_in,)
    return PoissonEncoder(T)(torch.rand(B, *shape, generator=g), generator=g)


@torch.no_grad()
def activate(model: nn.Module) -> nn.Module:
    """Larger Linear weights (std 3/sqrt(fan_in)) so that the tiny layers' LIF neurons fire.

    With torch's default init (std 0.58/sqrt(fan_in)) a LIF layer (tau 2, threshold 1) fed by
    another fires almost never, and a silent layer passes no gradient to the next weights.
    """
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * 3 / m.in_features ** 0.5)
    return model


@pytest.mark.parametrize("name,readout", [(n, r) for n in MODEL_NAMES for r in ("current", "spikes")
                                          if not n.startswith("spikformer") or r == "current"])
def test_forward_backward(name, readout):
    extra = {} if name.startswith("spikformer") else {"readout": readout}
    model = activate(tiny(name, **extra))
    x = tiny_input(model)
    out = model(x)
    assert out.shape == (B, N_CLASSES)
    assert torch.isfinite(out).all()
    if readout == "spikes":
        assert ((out >= 0) & (out <= 1)).all()  # time-averaged firing rates
    loss = nn.functional.cross_entropy(out, torch.arange(B) % N_CLASSES)
    loss.backward()
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    assert linears
    for n, m in linears:
        assert m.weight.grad is not None, n
        assert torch.isfinite(m.weight.grad).all(), n
        assert m.weight.grad.abs().sum() > 0, f"no gradient reaches {n}"
    assert model.classifier_name in dict(linears)
    assert model.T == T


def test_paper_shapes_and_defaults():
    m = build_model("2fc", n_in=784)
    assert (m.fc1.in_features, m.fc1.out_features, m.fc2.out_features) == (784, 1568, 10)
    assert m.readout == "current" and m.classifier_name == "fc2" and m.T == 8
    assert isinstance(build_model("3fc", image_shape=(1, 28, 28)), ThreeFC)
    assert build_model("3fc", n_in=10).classifier_name == "fc3"
    nm = build_model("2conv2fc", image_shape=(2, 34, 34))
    assert isinstance(nm, TwoConvTwoFC) and nm.fc1.in_features == 32 * 8 * 8
    assert nm(torch.zeros(2, 1, 2, 34, 34)).shape == (1, 10)
    sf = build_model("SPIKFORMER", image_shape=(3, 32, 32), n_classes=100)
    assert isinstance(sf, Spikformer) and sf.head.out_features == 100
    assert isinstance(build_model("2FC", n_in=4), TwoFC)
    paper = build_model("spikformer-4-384", n_classes=10)
    assert paper.stem == "sps" and len(paper.blocks) == 4 and paper.image_shape == (3, 32, 32)
    assert paper.blocks[0].attn.heads == 12 and paper.head.in_features == 384
    # Spikformer-4-384 has 9.32 M parameters in its paper (with BN and biases)
    assert sum(p.numel() for p in paper.parameters()) == pytest.approx(9.32e6, rel=0.01)
    assert paper(torch.zeros(1, 1, 3, 32, 32)).shape == (1, 10)
    deep = build_model("4fc", image_shape=(1, 28, 28))
    assert isinstance(deep, FourFC) and deep.classifier_name == "fc4"
    assert [(m.in_features, m.out_features) for m in (deep.fc1, deep.fc2, deep.fc3, deep.fc4)] \
        == [(784, 1568), (1568, 1568), (1568, 1568), (1568, 10)]


def test_registry_entries_match_their_models():
    """Every entry builds its class, and the keyword ``--hidden`` sets exists on it."""
    assert set(TINY) == set(MODELS)
    for name, spec in MODELS.items():
        model = tiny(name)
        assert type(model) is spec.cls and spec.flat == (not hasattr(model, "image_shape"))
        if spec.hidden_arg is not None:
            bigger = tiny(name, **{spec.hidden_arg: 7})
            assert 7 in [m.out_features for m in bigger.modules() if isinstance(m, nn.Linear)]


def test_registry_errors():
    with pytest.raises(ValueError, match="2fc, 3fc, 4fc, 2conv2fc, 6conv2fc, spikformer"):
        build_model("resnet", n_in=4)
    with pytest.raises(ValueError, match="n_in or image_shape"):
        build_model("2fc")
    with pytest.raises(ValueError, match="does not match"):
        build_model("2conv2fc", n_in=10, image_shape=(1, 8, 8))
    with pytest.raises(ValueError, match="readout"):
        build_model("2fc", n_in=4, readout="membrane")
    with pytest.raises(ValueError, match="divisible"):
        build_model("spikformer", image_shape=(1, 10, 10), patch_size=4)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_rejects_single_step_input(name):
    model = tiny(name)
    x = tiny_input(model)
    with pytest.raises(ValueError, match="multi-step"):
        model(x[0])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_chsnn_wraps_every_model(name):
    model = tiny(name)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=6, update_interval=2, seed=0,
               classifier=model.classifier_name)
    assert model.classifier_name not in sp.layer_names
    assert sp.layer_names
    y = torch.arange(B) % N_CLASSES
    for step in range(4):
        loss = nn.functional.cross_entropy(model(tiny_input(model, seed=step)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sp.step()
    assert len(sp.history) == 2
    for lname, mask in sp.masks().items():
        mod = model.get_submodule(lname)
        assert int(mask.count_nonzero()) == n_links_for(layer_shape(mod), 0.9), lname
        assert not mod.weight[~mask].any(), lname
    assert get_mask(model.get_submodule(model.classifier_name)) is None
    assert math.isclose(sp.sparsity_report()["sparse_layers"], 0.9, abs_tol=0.01)


# -- encoders ----------------------------------------------------------------------------------
def test_poisson_statistics():
    p = torch.linspace(0, 1, 11).repeat(200, 1)                # [200, 11]
    s = PoissonEncoder(T=50)(p, generator=torch.Generator().manual_seed(1))
    assert s.shape == (50, 200, 11)
    assert set(s.unique().tolist()) <= {0.0, 1.0}
    rate = s.mean(dim=(0, 1))
    # 10,000 Bernoulli draws per intensity: std <= 0.005, so 0.02 is 4 sigma
    assert torch.allclose(rate, p[0], atol=0.02)
    assert rate[0] == 0 and rate[-1] == 1
    # seeded: reproducible; the global RNG is used without a generator
    again = PoissonEncoder(T=50)(p, generator=torch.Generator().manual_seed(1))
    assert torch.equal(s, again)
    torch.manual_seed(3)
    a = PoissonEncoder(T=5)(p)
    torch.manual_seed(3)
    assert torch.equal(a, PoissonEncoder(T=5)(p))


def test_poisson_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        PoissonEncoder(2)(torch.tensor([1.5]))
    with pytest.raises(ValueError, match="T must be"):
        PoissonEncoder(0)


def test_direct_encoder_repeats():
    x = torch.rand(3, 1, 4, 4)
    d = DirectEncoder(T=5)(x)
    assert d.shape == (5, 3, 1, 4, 4)
    for t in range(5):
        assert torch.equal(d[t], x)
    d[0].zero_()
    assert torch.equal(d[1], x)  # a real copy, not a view
    assert DirectEncoder(2)(torch.ones(2, 3, dtype=torch.uint8)).dtype == torch.float32
