"""The fused sparse layer + LIF pass against the unfused ``lif(fc(x))``: identical spikes,
gradients equal up to float rounding, the same results for any thread count, the fallbacks."""

from __future__ import annotations

import pytest
import torch

from snn_adapters import SparseLinear
from snn_adapters.neurons import LIF
from snn_adapters.sparse_lif import can_fuse, sparse_linear_lif

TOL = {torch.float32: 2e-5, torch.float64: 1e-12}


def layer(n_in, n_out, dtype, seed, bias=True, density=0.3):
    g = torch.Generator().manual_seed(seed)
    links = torch.nonzero(torch.rand(n_in * n_out, generator=g) < density).flatten()
    values = torch.randn(links.numel(), generator=g, dtype=dtype)
    b = torch.randn(n_out, generator=g, dtype=dtype) * 0.3 if bias else False
    return SparseLinear(n_in, n_out, links, values, b, dtype=dtype)


def inputs(steps, batch, n, dtype, seed, *, binary=True, feature_major=False):
    g = torch.Generator().manual_seed(seed + 100)
    x = ((torch.rand(steps, batch, n, generator=g) < 0.4).to(dtype) if binary
         else torch.randn(steps, batch, n, generator=g, dtype=dtype))
    if feature_major:  # the encoder's layout: [n, T, B] in memory
        x = x.permute(2, 0, 1).contiguous().permute(1, 2, 0)
    return x


def run(fn, fc, x, gy, input_grad):
    fc.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_(input_grad)
    s = fn(x)
    (s * gy).sum().backward()
    return (s.detach(), fc.weight_values.grad, None if fc.bias is None else fc.bias.grad,
            x.grad)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", ["binary", "analog-feature-major", "input-grad"])
@pytest.mark.parametrize("seed", range(2))
def test_fused_pass_equals_the_unfused_layer_and_neurons(dtype, bias, case, seed):
    steps, batch, n_in, n_out = 3 + seed, 5, 13 + seed, 17
    fc = layer(n_in, n_out, dtype, seed, bias)
    lif = LIF(tau=2.0 + seed, v_threshold=0.5 + 0.25 * seed)
    x = inputs(steps, batch, n_in, dtype, seed, binary=case == "binary",
               feature_major=case == "analog-feature-major")
    assert can_fuse(fc, lif, x)
    gy = torch.randn(steps, batch, n_out, generator=torch.Generator().manual_seed(seed),
                     dtype=dtype)
    input_grad = case == "input-grad"
    fused = run(lambda z: sparse_linear_lif(fc, lif, z), fc, x, gy, input_grad)
    plain = run(lambda z: lif(fc(z)), fc, x, gy, input_grad)
    assert torch.equal(fused[0], plain[0])            # the spikes: identical
    assert fused[0].sum() > 0 and (fused[0] == 0).any()
    tol = TOL[dtype]
    for a, b in zip(fused[1:], plain[1:], strict=True):
        if b is None:
            assert a is None
        else:
            torch.testing.assert_close(a, b, rtol=tol, atol=tol)


def test_fused_pass_does_not_depend_on_the_thread_count():
    fc = layer(40, 60, torch.float32, 0)
    lif = LIF()
    x = inputs(4, 8, 40, torch.float32, 0)
    gy = torch.randn(4, 8, 60, generator=torch.Generator().manual_seed(1))
    before = torch.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            torch.set_num_threads(threads)
            results.append(run(lambda z: sparse_linear_lif(fc, lif, z), fc, x, gy, True))
    finally:
        torch.set_num_threads(before)
    for r in results[1:]:
        for a, b in zip(r, results[0], strict=True):
            assert torch.equal(a, b)


def test_the_dense_gradient_for_rigl_is_captured_too():
    fc, lif = layer(9, 7, torch.float64, 0), LIF()
    x = inputs(3, 4, 9, torch.float64, 0)
    gy = torch.randn(3, 4, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    grads = []
    for fn in (lambda z: sparse_linear_lif(fc, lif, z), lambda z: lif(fc(z))):
        fc.capture_dense_grad, fc.dense_grad = True, None
        run(fn, fc, x, gy, False)
        grads.append(fc.dense_grad)
    assert grads[0].shape == (9, 7)
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-12, atol=1e-12)


def test_hooks_and_other_neurons_fall_back_to_the_unfused_modules():
    fc, lif = layer(6, 5, torch.float32, 0), LIF()
    x = inputs(2, 3, 6, torch.float32, 0)
    seen = []
    handle = fc.register_forward_pre_hook(lambda mod, args: seen.append(args[0].shape))
    assert not can_fuse(fc, lif, x)
    out = sparse_linear_lif(fc, lif, x)
    handle.remove()
    assert seen == [x.shape]                     # the hook saw the call: nothing bypassed it
    assert torch.equal(out, lif(fc(x)))
    assert not can_fuse(fc, LIF(fused=False), x)
    assert not can_fuse(fc, lif, x.double())
    assert not can_fuse(fc, lif, x[0])           # [B, n] is not [T, B, n]
    assert not can_fuse(torch.nn.Linear(6, 5), lif, x)
    torch_fc = SparseLinear(6, 5, fc.links(), fc.weight_values.detach(), backend="torch")
    assert not can_fuse(torch_fc, lif, x)
