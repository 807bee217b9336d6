"""Which calibration does what to a drop-in network, on a validation split.

The tutorial networks of ``bench_dropin.py`` (its ``build`` / ``encode``) trained with CHSNN
without calibration (``none``) and with ``calibrate()`` in several forms: the paper's SSWI
(``paper``), the matched SSWI (``matched``), SSCTI only (SWI weights, ``sscti-only``) and SSWI
only (random topology, ``sswi-only``); validation accuracy on 500 images held out of the
mnist5k training digits (seeded), so nothing here reads the test set: this is where the
adapter's calibration defaults are chosen (docs/method.md, section 3.2). One JSON line per run::

    python benchmarks/dropin_stages.py --frameworks torch,snntorch,norse \\
        --variants none,paper,matched --sscti-rule per-neuron > stages.jsonl

(the summary lines at the end start with ``#``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dropin as bd  # noqa: E402
import torch  # noqa: E402

from chgraph.evolution import SSCTI_RULES  # noqa: E402
from chsnn.data import load_dataset  # noqa: E402
from snn_adapters import CHSNN  # noqa: E402

VARIANTS = {"none": None, "paper": {"sswi_rule": "paper"}, "matched": {"sswi_rule": "matched"},
            "sscti-only": {"sswi": False}, "sswi-only": {"sscti": False}}


def run(framework: str, inp: str, variant: str, seed: int, *, sscti_rule: str = "per-neuron",
        epochs: int = 3, hidden: int = 1000, T: int = 10, lr: float = 5e-4,
        batch: int = 128) -> tuple:
    """Validation accuracy and the fc1 weights' std after calibration of one run."""
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
               classifier="fc2", sscti_rule=sscti_rule, **(flags or {}))
    if flags is not None:
        idx = torch.randperm(len(ytr), generator=gen)[:512]
        with sp.calibrate(), torch.no_grad():
            for c in idx.split(batch):
                fwd(net, bd.encode(xtr[c], inp, T, gen))
    w = net.fc1.weight.detach()
    std0 = float(w[w != 0].std())
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
    return int((out.argmax(1) == yva).sum()) / len(yva), std0


def summary(lines: list[dict]) -> str:
    """Mean validation accuracy (%) per framework, input and variant, and each variant's
    mean gap to ``none`` over every (framework, input, seed)."""
    cells: dict = {}
    for r in lines:
        cells.setdefault((r["fw"], r["input"], r["variant"]), []).append(100 * r["val"])
    out = []
    for key, accs in sorted(cells.items()):
        out.append(f"{key[0]:13s} {key[1]:8s} {key[2]:11s} {statistics.mean(accs):6.2f}")
    none = {(r["fw"], r["input"], r["seed"]): r["val"] for r in lines if r["variant"] == "none"}
    for variant in dict.fromkeys(r["variant"] for r in lines):
        gaps = [100 * (r["val"] - none[(r["fw"], r["input"], r["seed"])]) for r in lines
                if r["variant"] == variant and (r["fw"], r["input"], r["seed"]) in none]
        if gaps and variant != "none":
            worst = min(gaps)
            out.append(f"{variant} - none: mean {statistics.mean(gaps):+.2f} points over "
                       f"{len(gaps)} paired runs (worst {worst:+.2f})")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frameworks", default="torch,snntorch,norse")
    p.add_argument("--inputs", default="poisson,analog")
    p.add_argument("--variants", default="none,paper,matched")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--sscti-rule", default="per-neuron",
                   choices=SSCTI_RULES)
    args = p.parse_args(argv)
    lines = []
    for fw in args.frameworks.split(","):
        if not bd.available(fw):
            print(f"# {fw} is not installed, skipped", flush=True)
            continue
        for inp in args.inputs.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                for variant in args.variants.split(","):
                    t0 = time.time()
                    acc, std0 = run(fw, inp, variant, seed, sscti_rule=args.sscti_rule)
                    line = {"fw": fw, "input": inp, "variant": variant, "seed": seed,
                            "sscti_rule": args.sscti_rule, "val": acc,
                            "w_std_calibrated": round(std0, 4), "s": round(time.time() - t0)}
                    lines.append(line)
                    print(json.dumps(line), flush=True)
    print("# " + summary(lines).replace("\n", "\n# "), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
