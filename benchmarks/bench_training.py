"""Training and inference speed and peak memory: masked dense against sparse execution.

Each configuration (model, hidden width, sparsity, threads, execution mode) runs in a fresh
process, so its peak resident memory (``ru_maxrss``) is its own; the two modes of a
configuration run one after the other and their ratio is printed next to them. The step is
the one ``chsnn train`` runs: Poisson encoding of a batch of 64 mnist5k digits (T = 8), the
forward pass through the FC model (LIF neurons), cross-entropy, backward, Adam, and
``CHSNN.step()`` (CH-SNN rules: soft LRS removal, percolation, soft CH3-L3 regrowth); in the
grid no topology update falls in the timed steps (``--update-interval``: an update of a
16384-wide layer at 90 % density alone would take hours), the other sections include them.
Sparse layers are every hidden linear layer; the classifier stays dense. Reported per configuration:

* ``step ms``: median time of a training step (updates included in their steps);
* ``infer/s``: inference throughput (samples per second, batch 256, no gradients);
* ``peak MB``: the process's peak resident memory (model, optimiser, activations, engine);
* ``x``: masked / sparse ratios of step time and of peak memory.

``--breakdown`` adds where the time of a sparse 2FC step goes (encoder, forward, backward,
optimiser, sparsifier), ``--fmnist-epoch`` a whole Fashion-MNIST epoch (60,000 images,
938 steps) in both modes when the data is installed, and ``--big`` the 784-16384-16384-10
3FC at 99.9 % trained for ``--big-steps`` steps with updates (sparse) next to a few steps of
its masked twin. Timings are printed, never asserted; targets (2 cores): 2FC at 99 % >= 5x
faster than masked, a Fashion-MNIST epoch under 6 s, the big 3FC under 2 GB.

    python benchmarks/bench_training.py                       # the default grid
    python benchmarks/bench_training.py --widths 1568 --sparsities 0.99 --threads 1,2 \\
        --breakdown --fmnist-epoch --big
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

STEP_TARGET = 5.0
EPOCH_TARGET_S = 6.0
BIG_TARGET_MB = 2048


# -- one configuration, in its own process ----------------------------------------------------
def _build(model: str, width: int, sparsity: float, execution: str, steps_total: int,
           update_interval: int, meta: bool = False):
    import torch

    from chsnn.models import ThreeFC, TwoFC
    from snn_adapters import CHSNN

    torch.manual_seed(0)
    if meta:  # layers too large for a dense weight: built without one (sparse execution)
        with torch.device("meta"):
            net = TwoFC(784, width) if model == "2fc" else ThreeFC(784, width, width)
        cls = net.classifier_name
        setattr(net, cls, torch.nn.Linear(width, 10))
    else:
        net = TwoFC(784, width) if model == "2fc" else ThreeFC(784, width, width)
    params = list(net.parameters())
    opt = torch.optim.Adam(params, lr=3e-3)
    sp = CHSNN(net, opt, sparsity, steps_total, update_interval=update_interval, seed=0,
               classifier=net.classifier_name, execution=execution, removal="lrs",
               removal_mode="soft", regrowth="CH3-L3", regrowth_mode="soft", percolation=True)
    return net, opt, sp


def _data():
    import numpy as np

    from chsnn.data import load_dataset

    d = load_dataset("mnist5k", seed=0)
    return np.ascontiguousarray(d.x_train, dtype=np.float32), d.y_train


def run_one(cfg: dict) -> dict:
    import resource

    import torch

    from chsnn.encoders import PoissonEncoder

    torch.set_num_threads(cfg["threads"])
    x_all, y_all = _data()
    steps = cfg["steps"]
    net, opt, sp = _build(cfg["model"], cfg["width"], cfg["sparsity"], cfg["execution"],
                          max(steps, 2), cfg["update_interval"], cfg.get("meta", False))
    enc = PoissonEncoder(8)
    gen = torch.Generator().manual_seed(0)
    x_all, y_all = torch.from_numpy(x_all), torch.from_numpy(y_all)
    parts = {"encoder": [], "forward": [], "backward": [], "optimizer": [], "sparsifier": []}
    times = []
    for s in range(steps + 1):
        idx = torch.randint(0, len(y_all), (64,), generator=gen)
        t0 = time.perf_counter()
        xb = enc(x_all[idx], generator=gen)
        t1 = time.perf_counter()
        out = net(xb)
        loss = torch.nn.functional.cross_entropy(out, y_all[idx])
        t2 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        sp.step()
        t5 = time.perf_counter()
        if s == 0:
            continue  # warm-up (first calls, numba caches)
        times.append(t5 - t0)
        for k, a, b in (("encoder", t0, t1), ("forward", t1, t2), ("backward", t2, t3),
                        ("optimizer", t3, t4), ("sparsifier", t4, t5)):
            parts[k].append(b - a)
    # inference throughput
    net.eval()
    with torch.no_grad():
        xb = enc(x_all[:256], generator=gen)
        net(xb)
        t0 = time.perf_counter()
        n_inf = cfg.get("infer_batches", 3)
        for _ in range(n_inf):
            net(xb)
        infer = 256 * n_inf / (time.perf_counter() - t0)
    return {**cfg, "step_ms": 1e3 * statistics.median(times),
            "mean_step_ms": 1e3 * statistics.mean(times),
            "parts_ms": {k: 1e3 * statistics.mean(v) for k, v in parts.items()},
            "infer_per_s": infer, "updates": len(sp.history),
            "links": sp.sparsity_report()["links"],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def fmnist_epoch(cfg: dict) -> dict:
    import resource

    import torch

    from chsnn.config import TrainConfig
    from chsnn.loop import Run
    from chsnn.train import load_data

    torch.set_num_threads(cfg["threads"])
    tc = TrainConfig(method="chsnn", dataset="fashion-mnist", epochs=1, val_fraction=0.0,
                     execution=cfg["execution"], device="cpu")
    run = Run(tc, load_data(tc), torch.device("cpu"))
    run.start()
    t0 = time.perf_counter()
    entry = run.train_epoch(progress=False)
    return {**cfg, "epoch_s": entry["seconds"],              # training only
            "with_evaluation_s": time.perf_counter() - t0, "train_accuracy":
            entry["train_accuracy"],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _spawn(kind: str, cfg: dict, timeout: float) -> dict | None:
    # OpenMP's wait policy stays as the environment sets it: the default (threads spin a
    # while before sleeping) was the fastest for both modes on a quiet machine (2 threads,
    # 2FC 99 %: masked 14.1 ms vs 17.3 ms with PASSIVE, sparse 3.4 vs 5.6 ms); under other load
    # spinning threads are catastrophic for the masked mode (OMP_WAIT_POLICY=PASSIVE then)
    env = {**os.environ, "OMP_NUM_THREADS": str(cfg["threads"])}
    cmd = [sys.executable, __file__, "--_one", kind, json.dumps(cfg)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {**cfg, "error": f"timed out after {timeout:.0f} s"}
    if p.returncode != 0:
        return {**cfg, "error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


# -- the grid -----------------------------------------------------------------------------------
def _row(m: dict | None, s: dict | None) -> str:
    def cell(r, key, fmt):
        return "—" if r is None or "error" in r else format(r[key], fmt)

    ratio = lambda k: ("—" if not m or not s or "error" in m or "error" in s  # noqa: E731
                       else f"{m[k] / s[k]:.2f}")
    r = s or m
    return (f"| {r['model']} | {r['width']} | {r['sparsity']} | {r['threads']} | "
            f"{cell(m, 'step_ms', '.1f')} | {cell(s, 'step_ms', '.1f')} | "
            f"**{ratio('step_ms')}** | {cell(m, 'infer_per_s', '.0f')} | "
            f"{cell(s, 'infer_per_s', '.0f')} | {cell(m, 'peak_mb', '.0f')} | "
            f"{cell(s, 'peak_mb', '.0f')} | {ratio('peak_mb')} |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="2fc,3fc")
    ap.add_argument("--widths", default="1568,4096,16384")
    ap.add_argument("--sparsities", default="0.9,0.99,0.999")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--steps", type=int, default=10, help="timed steps per configuration")
    ap.add_argument("--update-interval", type=int, default=10_000,
                    help="steps between topology updates in the grid (default: none in the "
                         "timed steps; --breakdown, --fmnist-epoch and --big include updates)")
    ap.add_argument("--masked-max-params", type=float, default=5e7,
                    help="skip masked runs whose dense weights exceed this many parameters "
                         "(their cost is prohibitive; --big times a few steps of one)")
    ap.add_argument("--breakdown", action="store_true")
    ap.add_argument("--fmnist-epoch", action="store_true")
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--big-steps", type=int, default=300)
    ap.add_argument("--big-masked-steps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--json", default=None, help="write every result to this JSON file")
    ap.add_argument("--_one", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a._one:
        kind, cfg = a._one
        fn = {"step": run_one, "fmnist": fmnist_epoch}[kind]
        print(json.dumps(fn(json.loads(cfg))))
        return

    results = []
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| model | width | sparsity | threads | masked step ms | sparse step ms | speed-up | "
          "masked infer/s | sparse infer/s | masked peak MB | sparse peak MB | memory x |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in a.models.split(","):
        for width in map(int, a.widths.split(",")):
            for sparsity in map(float, a.sparsities.split(",")):
                for threads in map(int, a.threads.split(",")):
                    base = {"model": model, "width": width, "sparsity": sparsity,
                            "threads": threads, "steps": a.steps,
                            "update_interval": a.update_interval}
                    dense = 784 * width + (width * width if model == "3fc" else 0)
                    m = (_spawn("step", {**base, "execution": "masked"}, a.timeout)
                         if dense <= a.masked_max_params else None)
                    s = _spawn("step", {**base, "execution": "sparse"}, a.timeout)
                    results += [r for r in (m, s) if r]
                    print(_row(m, s), flush=True)
    errors = [r for r in results if "error" in r]
    for r in errors:
        print(f"error: {r['model']} {r['width']} {r['sparsity']} {r['execution']}: {r['error']}")

    def target_line(r_m, r_s):
        x = r_m["step_ms"] / r_s["step_ms"]
        return f"{x:.2f}x ({'PASS' if x >= STEP_TARGET else 'MISS'}, target >= {STEP_TARGET}x)"

    for threads in map(int, a.threads.split(",")):
        pair = [r for r in results if r["model"] == "2fc" and r["width"] == 1568
                and r["sparsity"] == 0.99 and r["threads"] == threads and "error" not in r]
        if len(pair) == 2:
            print(f"2FC 784-1568-10 at 99 %, {threads} thread(s): sparse step "
                  f"{target_line(*sorted(pair, key=lambda r: r['execution']))}")

    if a.breakdown:
        for threads in map(int, a.threads.split(",")):
            print(f"\nwhere a 2FC 99 % step goes ({threads} thread(s), mean ms per step):")
            for mode in ("masked", "sparse"):
                r = _spawn("step", {"model": "2fc", "width": 1568, "sparsity": 0.99,
                                    "threads": threads, "steps": max(a.steps, 20),
                                    "update_interval": 63, "execution": mode}, a.timeout)
                results.append(r)
                if "error" in r:
                    print(f"  {mode}: {r['error']}")
                    continue
                parts = "  ".join(f"{k} {v:.2f}" for k, v in r["parts_ms"].items())
                print(f"  {mode:6s} total {r['mean_step_ms']:.2f}:  {parts}")

    if a.fmnist_epoch:
        print("\nFashion-MNIST, one 2FC epoch (60,000 images, 938 steps, CH-SNN, 99 %):")
        for threads in map(int, a.threads.split(",")):
            row = []
            for mode in ("masked", "sparse"):
                r = _spawn("fmnist", {"threads": threads, "execution": mode}, a.timeout)
                results.append(r)
                row.append(r)
                print(f"  {threads} thread(s) {mode:6s}: " + (
                    r["error"] if "error" in r else
                    f"{r['epoch_s']:.1f} s training ({r['with_evaluation_s']:.1f} s with the "
                    f"10,000 test images), peak {r['peak_mb']:.0f} MB"), flush=True)
            s = row[1]
            if "error" not in s:
                ok = "PASS" if s["epoch_s"] < EPOCH_TARGET_S else "MISS"
                print(f"  sparse epoch {s['epoch_s']:.1f} s: {ok} (target < {EPOCH_TARGET_S} s)")

    if a.big:
        print("\n3FC 784-16384-16384-10 at 99.9 % (sparse: built without dense weights):")
        base = {"model": "3fc", "width": 16384, "sparsity": 0.999, "threads":
                int(a.threads.split(",")[-1]), "infer_batches": 1}
        s = _spawn("step", {**base, "execution": "sparse", "steps": a.big_steps,
                            "update_interval": 50, "meta": True}, a.timeout * 3)
        m = _spawn("step", {**base, "execution": "masked", "steps": a.big_masked_steps,
                            "update_interval": 50}, a.timeout)
        results += [s, m]
        for name, r in (("sparse", s), ("masked", m)):
            print(f"  {name}: " + (r["error"] if "error" in r else (
                f"{r['steps']} steps, {r['updates']} topology updates, step "
                f"{r['step_ms']:.1f} ms, peak {r['peak_mb']:.0f} MB")))
        if "error" not in s:
            ok = "PASS" if s["peak_mb"] < BIG_TARGET_MB else "MISS"
            print(f"  sparse peak memory {s['peak_mb']:.0f} MB: {ok} (target < "
                  f"{BIG_TARGET_MB} MB)")
            if "error" not in m:
                print(f"  masked / sparse: step {m['step_ms'] / s['step_ms']:.1f}x, memory "
                      f"{m['peak_mb'] / s['peak_mb']:.1f}x")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
