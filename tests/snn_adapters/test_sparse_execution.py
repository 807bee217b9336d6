"""Sparse execution: SparseLinear against the masked dense computation, the fused LIF against
the step-by-step loop, CHSNN(execution="sparse") against execution="masked", checkpoints
across the two modes, conversion for inference, bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from snn_adapters import CHSNN, SparseLinear, to_masked, to_sparse
from snn_adapters import neurons as neurons_mod
from snn_adapters.masks import apply_mask, set_mask
from snn_adapters.neurons import LIF

from ._models import N_IN, TinySNN, batch, make_optimizer

TOL = {torch.float32: 2e-5, torch.float64: 1e-12}


def masked_twin(n_in, n_out, dtype, seed, density=0.2, conv=False):
    g = torch.Generator().manual_seed(seed)
    lin = nn.Conv1d(n_in, n_out, 1) if conv else nn.Linear(n_in, n_out)
    lin = lin.to(dtype)
    mask = torch.rand(n_out, n_in, generator=g) < density
    set_mask(lin, mask.reshape(lin.weight.shape))
    apply_mask(lin)
    return lin


@pytest.mark.parametrize("backend", ["numba", "torch"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("seed", range(2))
def test_sparse_linear_equals_the_masked_dense_layer(backend, dtype, bias, seed):
    n_in, n_out = 17 + seed, 23 - seed
    lin = masked_twin(n_in, n_out, dtype, seed)
    if not bias:
        lin.bias = None
    sp = SparseLinear.from_module(lin, backend=backend)
    assert sp.n_links == int(lin.weight_mask.sum())
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(3, 5, n_in, generator=g) < 0.4).to(dtype)
    if seed == 1:  # analog input too
        x = torch.randn(3, 5, n_in, generator=g).to(dtype)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = sp(xa), lin(xb)
    tol = TOL[dtype]
    torch.testing.assert_close(ya, yb, rtol=tol, atol=tol)
    gy = torch.randn(ya.shape, generator=g, dtype=dtype)
    (ya * gy).sum().backward()
    (yb * gy).sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad, rtol=tol, atol=tol)
    i, o = np.divmod(sp.links(), n_out)
    torch.testing.assert_close(sp.weight_values.grad, lin.weight.grad[o, i], rtol=tol, atol=tol)
    if bias:
        torch.testing.assert_close(sp.bias.grad, lin.bias.grad, rtol=tol, atol=tol)


def test_sparse_linear_conv1d_layout_and_feature_major_input():
    conv = masked_twin(12, 9, torch.float32, 0, conv=True)
    sp = SparseLinear.from_module(conv)
    x = torch.randn(4, 12, 6)                          # [B, C, L] as Conv1d takes it
    torch.testing.assert_close(sp(x), conv(x), rtol=1e-5, atol=1e-5)
    lin = masked_twin(12, 9, torch.float32, 1)
    sp = SparseLinear.from_module(lin)
    fm = torch.randn(12, 3, 5).permute(1, 2, 0)         # a feature-major [T, B, F] view
    torch.testing.assert_close(sp(fm), lin(fm.contiguous()), rtol=1e-5, atol=1e-5)


def test_results_do_not_depend_on_the_thread_count():
    lin = masked_twin(64, 80, torch.float32, 3)
    sp = SparseLinear.from_module(lin, backend="numba")
    lif = LIF()
    x = (torch.rand(4, 16, 64, generator=torch.Generator().manual_seed(0)) < 0.3).float()
    before = torch.get_num_threads()
    outs = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            xx = x.clone().requires_grad_()
            y = lif(sp(xx) * 3.0)
            sp.zero_grad()
            (y * torch.arange(y.numel()).reshape(y.shape)).sum().backward()
            outs.append((y.detach(), xx.grad, sp.weight_values.grad.clone()))
    finally:
        torch.set_num_threads(before)
    for a, b in zip(*outs, strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("layout", ["rows", "features", "strided", "torch"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_fused_lif_equals_the_step_by_step_loop(layout, dtype, monkeypatch):
    g = torch.Generator().manual_seed(7)
    x = (torch.randn(6, 5, 33, generator=g) * 1.5).to(dtype)
    if layout == "features":
        x = x.permute(2, 0, 1).contiguous().permute(1, 2, 0)
    elif layout == "strided":
        x = torch.randn(6, 5, 66, generator=g).to(dtype)[..., ::2] * 1.5
    elif layout == "torch":
        monkeypatch.setattr(neurons_mod, "_numba_ok", lambda x: False)
    fused, ref = LIF(tau=2.0, v_threshold=0.8), LIF(tau=2.0, v_threshold=0.8, fused=False)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    sa, sb = fused(xa), ref(xb)
    assert torch.equal(sa, sb)                          # identical spikes
    gy = torch.randn(sa.shape, generator=g, dtype=dtype)
    (sa * gy).sum().backward()
    (sb * gy).sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad, rtol=TOL[dtype], atol=TOL[dtype])


def _pair(method_rules, seed=0, optimizer="adam", **kw):
    """A masked and a sparse CHSNN on identical TinySNN models."""
    out = []
    for execution in ("masked", "sparse"):
        torch.manual_seed(seed)
        model = TinySNN()
        opt = make_optimizer(optimizer, model.parameters())
        sp = CHSNN(model, opt, sparsity=0.8, total_steps=24, update_interval=3, seed=seed,
                   execution=execution, **method_rules, **kw)
        out.append((model, opt, sp))
    return out


def _train(model, opt, sp, steps, start=0, device="cpu"):
    losses = []
    for step in range(start, start + steps):
        x, y = batch(step)
        loss = nn.functional.cross_entropy(model(x.to(device)), y.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sp.step()
        losses.append(float(loss.detach()))
        for links, _ in sp.layer_links().values():
            assert links.size == round(0.2 * 32 * N_IN) or links.size == round(0.2 * 32 * 32)
    return losses


METHOD_RULES = {
    "set": dict(removal="magnitude", removal_mode="hard", regrowth="random",
                regrowth_mode="soft", percolation=False),
    "rigl": dict(removal="magnitude", removal_mode="hard", regrowth="scores",
                 regrowth_mode="topk", percolation=False),
    "cht": dict(removal="magnitude", removal_mode="hard", regrowth="CH3-L3",
                regrowth_mode="topk", percolation=True),
    "chsnn": dict(removal="lrs", removal_mode="soft", regrowth="CH3-L3", regrowth_mode="soft",
                  percolation=True),
}


@pytest.mark.parametrize("method", list(METHOD_RULES))
def test_sparse_training_matches_masked_training(method):
    (ma, oa, sa), (mb, ob, sb) = _pair(METHOD_RULES[method])
    assert type(mb.fc1).__name__ == "SparseLinear" and type(ma.fc1) is nn.Linear
    for (la, wa), (lb, wb) in zip(sa.layer_links().values(), sb.layer_links().values(),
                                  strict=True):
        assert np.array_equal(la, lb) and np.array_equal(wa, wb)   # same start
    losses_a = _train(ma, oa, sa, 12)
    losses_b = _train(mb, ob, sb, 12)
    np.testing.assert_allclose(losses_a, losses_b, rtol=1e-4)
    assert len(sa.history) == len(sb.history) == 4
    for ha, hb in zip(sa.history, sb.history, strict=True):
        for name in ha["layers"]:
            for key in ("removed", "regrown", "percolated"):
                assert ha["layers"][name][key] == hb["layers"][name][key]
    for (la, wa), (lb, wb) in zip(sa.layer_links().values(), sb.layer_links().values(),
                                  strict=True):
        assert np.array_equal(la, lb)
        np.testing.assert_allclose(wa, wb, rtol=1e-3, atol=1e-5)
    assert sa.sparsity_report() == sb.sparsity_report()


def test_sparse_update_keeps_survivor_state_and_zeroes_regrown_links():
    (_, _, _), (model, opt, sp) = _pair(METHOD_RULES["chsnn"])
    _train(model, opt, sp, 2)                           # no update yet, Adam state exists
    links0, w0 = sp.layer_links()["fc1"]
    state0 = {k: v.clone() for k, v in opt.state[model.fc1.weight_values].items()}
    _train(model, opt, sp, 1, start=2)                  # step 3: an update after the step
    links1, w1 = sp.layer_links()["fc1"]
    state1 = opt.state[model.fc1.weight_values]
    new = ~np.isin(links1, links0)
    assert new.any() and np.all(w1[new] == 0)
    for key in ("exp_avg", "exp_avg_sq"):
        assert torch.all(state1[key][torch.from_numpy(new)] == 0)
    # a survivor's moment was updated by exactly one Adam step from its old value
    kept = np.flatnonzero(~new)
    old_pos = np.searchsorted(links0, links1[kept])
    beta1 = opt.param_groups[0]["betas"][0]
    ratio = state1["exp_avg"][kept] - beta1 * state0["exp_avg"][old_pos]
    assert torch.isfinite(ratio).all() and not torch.all(state1["exp_avg"][kept] == 0)


def test_calibration_gives_the_same_topology_and_weights_in_both_modes():
    pairs = _pair(METHOD_RULES["chsnn"])
    got = []
    for model, _, sp in pairs:
        with sp.calibrate(), torch.no_grad():
            for s in range(3):
                model(batch(200 + s)[0])
        got.append(sp.layer_links())
    for name in got[0]:
        assert np.array_equal(got[0][name][0], got[1][name][0])
        assert np.array_equal(got[0][name][1], got[1][name][1])


@pytest.mark.parametrize("direction", [("masked", "sparse"), ("sparse", "masked")])
def test_a_checkpoint_of_one_mode_resumes_in_the_other(direction):
    pairs = dict(zip(("masked", "sparse"), _pair(METHOD_RULES["chsnn"]), strict=True))
    src_model, src_opt, src_sp = pairs[direction[0]]
    _train(src_model, src_opt, src_sp, 4)
    ck = copy.deepcopy({"model": src_model.state_dict(), "opt": src_opt.state_dict(),
                        "sp": src_sp.state_dict()})
    reference = _train(src_model, src_opt, src_sp, 5, start=4)
    model, opt, sp = pairs[direction[1]]
    ms, os_ = sp.adapt_checkpoint(ck["model"], ck["opt"])
    model.load_state_dict(ms)
    opt.load_state_dict(os_)
    sp.load_state_dict(ck["sp"])
    resumed = _train(model, opt, sp, 5, start=4)
    np.testing.assert_allclose(resumed, reference, rtol=1e-4)


def test_to_sparse_and_back_for_inference():
    torch.manual_seed(0)
    model = TinySNN()
    opt = make_optimizer("adam", model.parameters())
    sp = CHSNN(model, opt, sparsity=0.8, total_steps=10, update_interval=5, seed=0)
    _train(model, opt, sp, 5)
    x = batch(50)[0]
    with torch.no_grad():
        ref = model(x)
        names = to_sparse(model)
        assert names == ["fc1", "fc2"] and isinstance(model.fc1, SparseLinear)
        torch.testing.assert_close(model(x), ref, rtol=1e-5, atol=1e-5)
        assert to_masked(model) == ["fc1", "fc2"]
        torch.testing.assert_close(model(x), ref, rtol=1e-5, atol=1e-5)
    assert int(model.fc1.weight_mask.sum()) == round(0.2 * 32 * N_IN)


def test_a_masked_state_dict_loads_into_a_sparse_layer():
    lin = masked_twin(10, 7, torch.float32, 0)
    sp = SparseLinear(10, 7, [0, 1], torch.zeros(2))
    sp.load_state_dict(lin.state_dict())
    torch.testing.assert_close(sp.dense_weight(), lin.weight.detach())
    assert torch.equal(sp.dense_mask(), lin.weight_mask)


def test_bad_input_is_refused_in_one_line():
    model = TinySNN()
    opt = make_optimizer("adam", model.parameters())
    with pytest.raises(ValueError, match="execution must be one of"):
        CHSNN(model, opt, sparsity=0.8, total_steps=4, execution="dense-ish")
    with pytest.raises(ValueError, match="backend must be one of"):
        CHSNN(model, opt, sparsity=0.8, total_steps=4, execution="sparse", backend="cuda")
    with pytest.raises(ValueError, match="links must lie in"):
        SparseLinear(3, 2, [0, 6])
    with pytest.raises(ValueError, match="repeated"):
        SparseLinear(3, 2, [1, 1])
    with pytest.raises(ValueError, match="got an input of shape"):
        SparseLinear(3, 2, [0, 1])(torch.zeros(4, 5))
    with pytest.raises(ValueError, match="no weight_mask"):
        SparseLinear.from_module(nn.Linear(3, 2))


def _framework_model(framework: str):
    """A tiny network of ``framework`` and its forward ``[T, B, N_IN] -> [B, N_OUT]``."""
    from ._models import N_OUT

    if framework == "spikingjelly":
        pytest.importorskip("spikingjelly", reason="spikingjelly is not installed")
        from spikingjelly.activation_based import functional, layer, neuron, surrogate

        net = nn.Sequential(
            layer.Linear(N_IN, 32), neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan()),
            layer.Linear(32, 32), neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan()),
            layer.Linear(32, N_OUT))
        functional.set_step_mode(net, "m")

        def forward(x):
            out = net(x).mean(0)
            functional.reset_net(net)
            return out
        return net, forward
    if framework == "snntorch":
        snn = pytest.importorskip("snntorch", reason="snntorch is not installed")

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.lif1 = nn.Linear(N_IN, 32), snn.Leaky(beta=0.9)
                self.fc2, self.lif2 = nn.Linear(32, 32), snn.Leaky(beta=0.9)
                self.fc3 = nn.Linear(32, N_OUT)

            def forward(self, x):
                m1, m2 = self.lif1.init_leaky(), self.lif2.init_leaky()
                out = []
                for t in range(x.shape[0]):
                    s1, m1 = self.lif1(self.fc1(x[t]), m1)
                    s2, m2 = self.lif2(self.fc2(s1), m2)
                    out.append(self.fc3(s2))
                return torch.stack(out).mean(0)
        net = Net()
        return net, net
    pytest.importorskip("norse", reason="norse is not installed")
    import norse.torch as norse

    net = norse.SequentialState(nn.Linear(N_IN, 32), norse.LIFCell(), nn.Linear(32, 32),
                                norse.LIFCell(), nn.Linear(32, N_OUT))

    def forward(x):
        state, out = None, []
        for t in range(x.shape[0]):
            y, state = net(x[t], state)
            out.append(y)
        return torch.stack(out).mean(0)
    return net, forward


@pytest.mark.parametrize("framework", ["spikingjelly", "snntorch", "norse"])
def test_framework_models_train_the_same_in_sparse_execution(framework):
    losses, links = {}, {}
    for execution in ("masked", "sparse"):
        torch.manual_seed(0)
        net, forward = _framework_model(framework)
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        sp = CHSNN(net, opt, sparsity=0.9, total_steps=8, update_interval=2, seed=0,
                   execution=execution)
        with sp.calibrate(), torch.no_grad():
            forward(batch(100)[0])
        losses[execution] = []
        for step in range(5):
            x, y = batch(step)
            loss = nn.functional.cross_entropy(forward(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sp.step()
            losses[execution].append(float(loss.detach()))
        links[execution] = {n: ll for n, (ll, _) in sp.layer_links().items()}
        if execution == "sparse":
            assert all(isinstance(m, SparseLinear) for m in sp.layers().values())
            fresh, _ = _framework_model(framework)       # another seed, then the state
            other = CHSNN(fresh, torch.optim.Adam(fresh.parameters()), sparsity=0.9,
                          total_steps=8, execution="sparse", seed=1)
            fresh.load_state_dict(net.state_dict())
            for name, (ll, w) in other.layer_links().items():
                assert np.array_equal(ll, links["sparse"][name])
                assert np.array_equal(w, sp.layer_links()[name][1])
    np.testing.assert_allclose(losses["masked"], losses["sparse"], rtol=1e-4)
    for name, ll in links["masked"].items():
        assert np.array_equal(ll, links["sparse"][name])


def test_sparse_execution_on_every_device(device):
    """The same comparison on the CPU and, where there is one, a CUDA device (the torch
    backend there): a layer against its masked twin, then training with CH-SNN's rules."""
    lin = masked_twin(30, 40, torch.float32, 5).to(device)
    sp = SparseLinear.from_module(lin)
    assert sp.resolved_backend() == ("numba" if device.type == "cpu" else "torch")
    x = (torch.rand(4, 6, 30, generator=torch.Generator().manual_seed(0)) < 0.3).float().to(device)
    torch.testing.assert_close(sp(x), lin(x), rtol=2e-5, atol=2e-5)
    losses = {}
    for execution in ("masked", "sparse"):
        torch.manual_seed(0)
        model = TinySNN().to(device)
        opt = make_optimizer("adam", model.parameters())
        sp = CHSNN(model, opt, sparsity=0.8, total_steps=12, update_interval=3, seed=0,
                   execution=execution, **METHOD_RULES["chsnn"])
        losses[execution] = _train(model, opt, sp, 7, device=device)
        assert all(v.device.type == device.type for v in model.state_dict().values())
    np.testing.assert_allclose(losses["masked"], losses["sparse"], rtol=1e-4)


@pytest.mark.parametrize("name", ["2fc", "3fc", "2conv2fc", "spikformer"])
def test_every_chsnn_model_gives_the_masked_outputs_and_link_gradients(name):
    from chsnn.models import build_model

    kw = {"2fc": dict(hidden=24), "3fc": dict(hidden1=24, hidden2=20),
          "2conv2fc": dict(channels=(4, 4), hidden=24),
          "spikformer": dict(embed_dim=16, heads=2, patch_size=4, attn_scale=1.0)}[name]
    torch.manual_seed(0)
    masked = build_model(name, image_shape=(1, 8, 8), n_classes=3, **kw)
    CHSNN(masked, torch.optim.SGD(masked.parameters(), lr=0.1), sparsity=0.7, total_steps=4,
          classifier=masked.classifier_name, seed=0)
    sparse = copy.deepcopy(masked)
    names = to_sparse(sparse)
    assert names and all(isinstance(sparse.get_submodule(n), SparseLinear) for n in names)
    x = (torch.rand(3, 5, 1, 8, 8, generator=torch.Generator().manual_seed(1)) < 0.5).float()
    if name in ("2fc", "3fc"):
        x = x.flatten(2)
    masked.train()
    sparse.train()
    ya, yb = masked(x), sparse(x)
    torch.testing.assert_close(yb, ya, rtol=1e-4, atol=1e-5)
    ya.square().sum().backward()
    yb.square().sum().backward()
    for n in names:
        m, s = masked.get_submodule(n), sparse.get_submodule(n)
        i, o = np.divmod(s.links(), s.out_features)
        torch.testing.assert_close(s.weight_values.grad, m.weight.grad[o, i], rtol=1e-4,
                                   atol=1e-5)


def test_rigl_computes_dense_gradients_at_update_steps_only():
    (_, _, _), (model, opt, sp) = _pair(METHOD_RULES["rigl"])
    armed = []
    for step in range(7):
        armed.append(model.fc1.capture_dense_grad)
        _train(model, opt, sp, 1, start=step)
        assert model.fc1.dense_grad is None       # used by the update, then dropped
    assert armed == [False, False, True, False, False, True, False]   # steps 3 and 6 update
    assert len(sp.history) == 2


def test_rigl_resumed_right_before_an_update_still_sees_dense_gradients():
    (_, _, _), (model, opt, sp) = _pair(METHOD_RULES["rigl"])
    _train(model, opt, sp, 2)                        # the next step (3) updates
    ck = copy.deepcopy({"model": model.state_dict(), "opt": opt.state_dict(),
                        "sp": sp.state_dict()})
    (_, _, _), (model2, opt2, sp2) = _pair(METHOD_RULES["rigl"], seed=1)
    model2.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["opt"])
    sp2.load_state_dict(ck["sp"])
    assert _train(model2, opt2, sp2, 1, start=2) == _train(model, opt, sp, 1, start=2)
    assert len(sp2.history) == 1
