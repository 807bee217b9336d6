"""Stage 3: stopping after any step and resuming gives bit-identical masks and weights."""

from __future__ import annotations

import io

import pytest
import torch

from snn_adapters import CHSNN

from ._models import TinySNN, batch, make_optimizer, train_step

STEPS = 10


def build(kind):
    torch.manual_seed(0)
    model = TinySNN()
    opt = make_optimizer(kind, model.parameters())
    sp = CHSNN(model, opt, sparsity=0.9, total_steps=STEPS, update_interval=3, seed=7)
    with sp.calibrate():
        model(batch(-1)[0])
    return model, opt, sp


def run(kind, stop=None):
    model, opt, sp = build(kind)
    for step in range(STEPS):
        if step == stop:
            buf = io.BytesIO()
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "sparsifier": sp.state_dict()}, buf)
            buf.seek(0)
            ckpt = torch.load(buf, weights_only=False)
            model, opt, sp = build(kind)  # fresh objects, then restore
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["opt"])
            sp.load_state_dict(ckpt["sparsifier"])
        train_step(model, opt, sp, step)
    return model, sp


@pytest.mark.parametrize("kind", ["sgd", "adamw"])
def test_resume_is_bit_identical(kind):
    ref_model, ref_sp = run(kind)
    assert [h["step"] for h in ref_sp.history] == [3, 6]
    for stop in (2, 3, 4, 7):  # before, at and after evolution steps
        model, sp = run(kind, stop)
        for k, v in ref_model.state_dict().items():
            assert torch.equal(v, model.state_dict()[k]), (stop, k)
        assert sp.step_count == ref_sp.step_count
        assert strip(sp.history) == strip(ref_sp.history)


def strip(history):
    """Statistics without the timings."""
    return [{n: {k: v for k, v in d.items() if k != "seconds"} for n, d in h["layers"].items()}
            for h in history]
