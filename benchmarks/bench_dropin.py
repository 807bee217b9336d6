"""Drop-in networks: CHSNN in tutorial-style SNNs of four frameworks, with and without
``calibrate()``, against a static random mask of the same sparsity.

An engineer who adds CH-SNN to a network they already have writes the documented three lines
(``CHSNN(...)``, optionally ``with sparsifier.calibrate(): ...``, ``sparsifier.step()``). This
benchmark trains, for every framework installed, the network its tutorials build --
``Linear(784, H)`` -> spiking neurons -> ``Linear(H, 10)``, the output averaged over ``T``
steps, cross-entropy, Adam -- on mnist5k, with two kinds of input:

* ``poisson``: Bernoulli spikes with the pixel intensity as probability, ``T`` steps;
* ``analog``: the image itself as a constant input current for ``T`` steps (direct coding);

and three variants of the hidden layer at the same sparsity (the classifier stays dense):

* ``calibrate``: ``CHSNN`` with ``calibrate()`` on ``--calibration-samples`` training images;
* ``no-calibrate``: ``CHSNN`` without it (random equal-degree topology, SWI weights);
* ``static``: the five lines a user writes for a fixed random mask (the layer's own
  initialisation, masked, gradients masked by a hook).

Frameworks and neurons: plain torch with :class:`snn_adapters.LIF` (tau 2), SpikingJelly's
``LIFNode`` (tau 2, multi-step), snnTorch's ``Leaky`` (beta 0.95, its tutorials' value, a
time loop) and Norse's ``LIFCell`` (its defaults, ``SequentialState``). All thresholds are 1.

Targets (issue #11): ``calibrate`` never worse than ``no-calibrate`` by more than 0.5 points
and CHSNN never below ``static`` by more than 0.5 points, with both inputs. Accuracies are on
the mnist5k test images after the last epoch, mean over seeds; nothing is tuned here.

    python benchmarks/bench_dropin.py                         # every framework, 2 seeds
    python benchmarks/bench_dropin.py --frameworks snntorch --inputs analog --sscti-rule per-neuron
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from chgraph.evolution import SSCTI_RULES, SSWI_RULES

FRAMEWORKS = ("torch", "spikingjelly", "snntorch", "norse")
INPUTS = ("poisson", "analog")
VARIANTS = ("calibrate", "no-calibrate", "static")
TOLERANCE = 0.5  # points


# -- the networks, each in its framework's idiom --------------------------------------------
def build(framework: str, hidden: int):
    """``(net, forward)``: ``forward(net, x)`` maps ``[T, B, 784]`` to ``[B, 10]`` logits;
    ``net.fc1`` is the hidden layer, ``net.fc2`` the classifier."""
    import torch
    from torch import nn

    if framework == "torch":
        from snn_adapters import LIF

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.lif, self.fc2 = nn.Linear(784, hidden), LIF(), nn.Linear(hidden, 10)

            def forward(self, x):
                return self.fc2(self.lif(self.fc1(x))).mean(0)

        return Net(), lambda net, x: net(x)
    if framework == "spikingjelly":
        from spikingjelly.activation_based import functional, layer, neuron, surrogate

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = layer.Linear(784, hidden)
                self.lif = neuron.LIFNode(tau=2.0, surrogate_function=surrogate.ATan())
                self.fc2 = layer.Linear(hidden, 10)
                functional.set_step_mode(self, "m")

            def forward(self, x):
                return self.fc2(self.lif(self.fc1(x))).mean(0)

        def forward(net, x):
            out = net(x)
            functional.reset_net(net)
            return out

        return Net(), forward
    if framework == "snntorch":
        import snntorch as snn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.fc2 = nn.Linear(784, hidden), nn.Linear(hidden, 10)
                self.lif = snn.Leaky(beta=0.95)

            def forward(self, x):
                mem, out = self.lif.init_leaky(), []
                for t in range(x.shape[0]):
                    spk, mem = self.lif(self.fc1(x[t]), mem)
                    out.append(self.fc2(spk))
                return torch.stack(out).mean(0)

        return Net(), lambda net, x: net(x)
    if framework == "norse":
        import norse.torch as norse

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.fc2 = nn.Linear(784, hidden), nn.Linear(hidden, 10)
                self.lif = norse.LIFCell()

            def forward(self, x):
                state, out = None, []
                for t in range(x.shape[0]):
                    spk, state = self.lif(self.fc1(x[t]), state)
                    out.append(self.fc2(spk))
                return torch.stack(out).mean(0)

        return Net(), lambda net, x: net(x)
    raise ValueError(f"unknown framework {framework!r}; known: {FRAMEWORKS}")


def available(framework: str) -> bool:
    import importlib.util

    module = {"torch": "torch", "spikingjelly": "spikingjelly", "snntorch": "snntorch",
              "norse": "norse"}[framework]
    return importlib.util.find_spec(module) is not None


# -- one run ----------------------------------------------------------------------------------
def encode(x, kind: str, T: int, gen):
    import torch

    if kind == "poisson":
        return (torch.rand((T, *x.shape), generator=gen) < x).to(x.dtype)
    return x.unsqueeze(0).expand(T, *x.shape)


def run_one(cfg: dict) -> dict:
    """Train one network; returns ``cfg`` with ``test_accuracy`` (and seconds)."""
    import numpy as np
    import torch

    from chsnn.data import load_dataset
    from snn_adapters import CHSNN

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    data = load_dataset("mnist5k", seed=cfg["seed"])
    n_tr, n_te = cfg.get("n_train"), cfg.get("n_test")
    x_train = torch.from_numpy(data.x_train[:n_tr])
    y_train = torch.from_numpy(data.y_train[:n_tr]).long()
    x_test = torch.from_numpy(data.x_test[:n_te])
    y_test = torch.from_numpy(data.y_test[:n_te]).long()
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    net, forward = build(cfg["framework"], cfg["hidden"])
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"])
    batch, T = cfg["batch"], cfg["T"]
    steps = cfg["epochs"] * -(-len(y_train) // batch)
    sp = None
    if cfg["variant"] == "static":  # the five lines of a static random mask
        mask = torch.rand(net.fc1.weight.shape, generator=gen) >= cfg["sparsity"]
        with torch.no_grad():
            net.fc1.weight.mul_(mask)
        net.fc1.weight.register_hook(lambda g: g * mask)
    else:
        rules = {k: cfg[k] for k in ("sscti_rule", "sswi_rule") if cfg.get(k)}
        sp = CHSNN(net, opt, cfg["sparsity"], steps, update_interval=-(-len(y_train) // batch),
                   seed=cfg["seed"], classifier="fc2", **rules)
        if cfg["variant"] == "calibrate":
            idx = torch.randperm(len(y_train), generator=gen)[:cfg["calibration_samples"]]
            with sp.calibrate(), torch.no_grad():
                for chunk in idx.split(batch):
                    forward(net, encode(x_train[chunk], cfg["input"], T, gen))
    for _ in range(cfg["epochs"]):
        net.train()
        for chunk in torch.randperm(len(y_train), generator=gen).split(batch):
            loss = torch.nn.functional.cross_entropy(
                forward(net, encode(x_train[chunk], cfg["input"], T, gen)), y_train[chunk])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sp is not None:
                sp.step()
    net.eval()
    correct = 0
    with torch.no_grad():
        for chunk in torch.arange(len(y_test)).split(256):
            out = forward(net, encode(x_test[chunk], cfg["input"], T, gen))
            correct += int((out.argmax(1) == y_test[chunk]).sum())
    live = None
    if sp is not None:
        links = sp.layer_links()["fc1"][0]
        live = float(np.unique(links % cfg["hidden"]).size / cfg["hidden"])
    return {**cfg, "test_accuracy": correct / len(y_test), "seconds": time.perf_counter() - t0,
            "hidden_with_inputs": live, "calibration": sp.calibration if sp else None}


# -- the grid ---------------------------------------------------------------------------------
def _worker_init() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"


def grid(args) -> list[dict]:
    runs = []
    for fw in args.frameworks:
        for inp in args.inputs:
            for variant in VARIANTS:
                # only calibration reads the calibration options: the other variants'
                # runs are shared by benchmarks of different rules (and reused from --json)
                cal = variant == "calibrate"
                for seed in args.seeds:
                    runs.append({"framework": fw, "input": inp, "variant": variant,
                                 "seed": seed, "hidden": args.hidden, "T": args.T,
                                 "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
                                 "sparsity": args.sparsity,
                                 "sscti_rule": args.sscti_rule if cal else None,
                                 "sswi_rule": args.sswi_rule if cal else None,
                                 "calibration_samples": args.calibration_samples if cal
                                 else None,
                                 "n_train": args.n_train, "n_test": args.n_test})
    return runs


def summarize(results: list[dict], args) -> str:
    """The Markdown table: mean ± std accuracy per variant, the two gaps and their verdicts."""
    def cell(fw, inp, variant):
        accs = [100 * r["test_accuracy"] for r in results
                if (r["framework"], r["input"], r["variant"]) == (fw, inp, variant)]
        if not accs:
            return None, "—"
        m = statistics.mean(accs)
        s = statistics.stdev(accs) if len(accs) > 1 else 0.0
        return m, f"{m:.2f} ± {s:.2f}"

    lines = [f"# Drop-in networks on mnist5k: hidden {args.hidden}, sparsity "
             f"{100 * args.sparsity:g}%, T = {args.T}, {args.epochs} epochs, Adam {args.lr:g}, "
             f"seeds {args.seeds}, SSCTI rule {args.sscti_rule}, SSWI rule {args.sswi_rule}",
             "",
             "| framework | input | calibrate (%) | no-calibrate (%) | static mask (%) | "
             "calibrate - no-calibrate | best CHSNN - static |",
             "|---|---|---|---|---|---|---|"]
    verdicts = []
    for fw in args.frameworks:
        for inp in args.inputs:
            (c, cs), (n, ns), (s, ss) = (cell(fw, inp, v) for v in VARIANTS)
            if c is None or n is None or s is None:
                continue
            gap_cal, gap_static = c - n, min(c, n) - s
            ok_cal, ok_static = gap_cal >= -TOLERANCE, gap_static >= -TOLERANCE
            lines.append(f"| {fw} | {inp} | {cs} | {ns} | {ss} | {gap_cal:+.2f} "
                         f"({'PASS' if ok_cal else 'MISS'}) | {max(c, n) - s:+.2f} "
                         f"(worse CHSNN {gap_static:+.2f}: {'PASS' if ok_static else 'MISS'}) |")
            verdicts += [ok_cal, ok_static]
    lines += ["", f"Targets: calibrate - no-calibrate >= -{TOLERANCE} and every CHSNN variant "
              f"- static >= -{TOLERANCE} points: {sum(verdicts)}/{len(verdicts)} PASS.", "",
              "Command: `python " + " ".join(["benchmarks/bench_dropin.py", *sys.argv[1:]]) + "`"]
    return "\n".join(lines)


def _default(option: str) -> str:
    """CHSNN's default of a calibration option: the benchmark measures what users get."""
    import inspect

    from snn_adapters import CHSNN

    return inspect.signature(CHSNN).parameters[option].default


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    p.add_argument("--inputs", default=",".join(INPUTS))
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--hidden", type=int, default=1000)
    p.add_argument("--sparsity", type=float, default=0.99)
    p.add_argument("--T", type=int, default=10)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--calibration-samples", type=int, default=512)
    p.add_argument("--sscti-rule", default=_default("sscti_rule"),
                   choices=SSCTI_RULES,
                   help="(default: CHSNN's, %(default)s)")
    p.add_argument("--sswi-rule", default=_default("sswi_rule"), choices=SSWI_RULES,
                   help="(default: CHSNN's, %(default)s)")
    p.add_argument("--n-train", type=int, default=None, help="the first N training images")
    p.add_argument("--n-test", type=int, default=None, help="the first N test images")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--table", default=None, help="write the Markdown table here")
    p.add_argument("--json", default=None, help="every run's result, written as they finish; "
                   "a rerun with the same file skips the runs it holds")
    args = p.parse_args(argv)
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    args.inputs = [i for i in args.inputs.split(",") if i]
    args.seeds = [int(s) for s in args.seeds.split(",") if s]
    for f in args.frameworks:
        if f not in FRAMEWORKS:
            p.error(f"unknown framework {f!r}; known: {', '.join(FRAMEWORKS)}")
    for i in args.inputs:
        if i not in INPUTS:
            p.error(f"unknown input {i!r}; known: {', '.join(INPUTS)}")
    missing = [f for f in args.frameworks if not available(f)]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}")
        args.frameworks = [f for f in args.frameworks if f not in missing]
    runs = grid(args)
    # --json is also the progress file: rewritten after every run, and the runs it already
    # holds (same settings) are not trained again, so an interrupted benchmark continues
    results = []
    if args.json and os.path.exists(args.json):
        with open(args.json) as fh:
            old = json.load(fh)
        keys = {json.dumps(cfg, sort_keys=True) for cfg in runs}
        results = [r for r in old if json.dumps({k: r.get(k) for k in runs[0]}, sort_keys=True)
                   in keys] if runs else []
    done = {json.dumps({k: r.get(k) for k in runs[0]}, sort_keys=True) for r in results}
    todo = [cfg for cfg in runs if json.dumps(cfg, sort_keys=True) not in done]
    print(f"{len(runs)} runs: {len(runs) - len(todo)} already in {args.json}, {len(todo)} to run")
    with ProcessPoolExecutor(max_workers=max(1, args.workers), mp_context=get_context("spawn"),
                             initializer=_worker_init) as pool:
        futures = [pool.submit(run_one, cfg) for cfg in todo]
        for k, fut in enumerate(as_completed(futures), 1):
            r = fut.result()
            results.append(r)
            print(f"[{k}/{len(todo)}] {r['framework']} {r['input']} {r['variant']} seed "
                  f"{r['seed']}: {100 * r['test_accuracy']:.2f}% ({r['seconds']:.0f} s)",
                  flush=True)
            if args.json:
                tmp = f"{args.json}.tmp"
                with open(tmp, "w") as fh:
                    json.dump(results, fh, indent=1)
                os.replace(tmp, args.json)
    table = summarize(results, args)
    print()
    print(table)
    if args.table:
        with open(args.table, "w") as fh:
            fh.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
