"""Which stage of ``calibrate()`` does what to a drop-in network, on a validation split.

The tutorial network of ``bench_dropin.py`` (its ``build`` / ``encode``) trained four ways:
CHSNN without calibration, with SSCTI + SSWI (``calibrate()``), SSCTI only (SWI weights) and
SSWI only (random topology); validation accuracy on 500 images held out of the mnist5k
training digits (seeded), so nothing here reads the test set. One JSON line per run::

    python benchmarks/dropin_stages.py torch analog \\
        > benchmarks/results/dropin_stages_torch_analog.txt
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dropin as bd  # noqa: E402
import torch  # noqa: E402

from chsnn.data import load_dataset  # noqa: E402
from snn_adapters import CHSNN  # noqa: E402

VARIANTS = {"none": None, "calibrate": {}, "sscti-only": {"sswi": False},
            "sswi-only": {"sscti": False}}


def run(framework: str, inp: str, variant: str, seed: int, epochs: int = 3,
        hidden: int = 1000, T: int = 10, lr: float = 5e-4, batch: int = 64) -> tuple:
    """Validation accuracy and the trained fc1 weights' std of one run."""
    torch.set_num_threads(1)
    data = load_dataset("mnist5k", seed=seed)
    x = torch.from_numpy(data.x_train)
    y = torch.from_numpy(data.y_train).long()
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(100 + seed))
    va, tr = perm[:500], perm[500:]
    xtr, ytr, xva, yva = x[tr], y[tr], x[va], y[va]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net, fwd = bd.build(framework, hidden)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    per_epoch = -(-len(ytr) // batch)
    flags = VARIANTS[variant]
    sp = CHSNN(net, opt, 0.99, epochs * per_epoch, update_interval=per_epoch, seed=seed,
               classifier="fc2", **(flags or {}))
    if flags is not None:
        idx = torch.randperm(len(ytr), generator=gen)[:512]
        with sp.calibrate(), torch.no_grad():
            for c in idx.split(batch):
                fwd(net, bd.encode(xtr[c], inp, T, gen))
    for _ in range(epochs):
        net.train()
        for c in torch.randperm(len(ytr), generator=gen).split(batch):
            out = fwd(net, bd.encode(xtr[c], inp, T, gen))
            loss = torch.nn.functional.cross_entropy(out, ytr[c])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sp.step()
    net.eval()
    with torch.no_grad():
        out = fwd(net, bd.encode(xva, inp, T, gen))
    w = net.fc1.weight.detach()
    return int((out.argmax(1) == yva).sum()) / len(yva), float(w[w != 0].std())


def main() -> None:
    framework, inp = sys.argv[1], sys.argv[2]
    for seed in (0, 1):
        for variant in VARIANTS:
            t0 = time.time()
            acc, std = run(framework, inp, variant, seed)
            print(json.dumps({"fw": framework, "input": inp, "variant": variant, "seed": seed,
                              "val": acc, "w_std_after": std, "s": round(time.time() - t0)}),
                  flush=True)


if __name__ == "__main__":
    main()
