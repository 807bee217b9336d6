"""Cost of one topology-evolution step of a 784-1568-1568-10 chain at 99% sparsity.

The two hidden layers are sparse (random equal-degree topology, SWI weights); the classifier
stays dense (docs/method.md, section 3.6). The step runs with the default schedule (LRS soft
removal, percolation, CH3-L3 soft regrowth) at its first update, where zeta is largest. Prints
the time per stage (median of several runs after a warm-up) and PASS/MISS against the 50 ms target;
timings are never asserted. Run on 2 cores, e.g.::

    NUMBA_NUM_THREADS=2 OMP_NUM_THREADS=2 taskset -c 0,1 python benchmarks/bench_evolution.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numba
import numpy as np

from chgraph.evolution import EvolutionSchedule, evolve, random_equal_degree, swi

TARGET_MS = 50.0
SIZES = (784, 1568, 1568, 10)
STAGES = ("prepare", "removal", "percolation", "regrowth", "assemble", "total")


def build_chain(sparsity: float, seed: int, dense_classifier: bool = True):
    """Masks and weights of the benchmark chain."""
    rng = np.random.default_rng(seed)
    masks = []
    for l, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=False)):
        last = l == len(SIZES) - 2
        if last and dense_classifier:
            masks.append(np.ones((a, b), dtype=bool))
        else:
            masks.append(random_equal_degree((a, b), sparsity, rng))
    weights = [swi(m, rng) for m in masks]
    return weights, masks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sparsity", type=float, default=0.99)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--sparse-classifier", action="store_true")
    parser.add_argument("--regrowth", default="CH3-L3")
    parser.add_argument("--regrowth-mode", default="soft")
    parser.add_argument("--engine", default="auto", choices=["auto", "dense", "stream"])
    args = parser.parse_args()

    weights, masks = build_chain(args.sparsity, 0, not args.sparse_classifier)
    schedule = EvolutionSchedule(total_steps=100, update_interval=1, regrowth=args.regrowth,
                                 regrowth_mode=args.regrowth_mode,
                                 regrowth_engine=args.engine)
    step = 1
    evolve(weights, masks, schedule, step, rng=0)  # warm-up (Numba compilation)
    runs = {k: [] for k in STAGES}
    layer_runs: dict = {}
    for r in range(args.repeats):
        t0 = time.perf_counter()
        res = evolve(weights, masks, schedule, step, rng=r + 1)
        wall = time.perf_counter() - t0
        for k in STAGES:
            runs[k].append(1e3 * (wall if k == "total" else res.seconds[k]))
        for s in res.stats:
            for k, v in s.seconds.items():
                layer_runs.setdefault((s.layer, k), []).append(1e3 * v)

    print(f"chain {'-'.join(map(str, SIZES))}, sparsity {args.sparsity}, classifier "
          f"{'sparse' if args.sparse_classifier else 'dense'}, regrowth {args.regrowth} "
          f"({args.regrowth_mode}, engine {args.engine}); numba threads {numba.get_num_threads()}, "
          f"cpus available {len(os.sched_getaffinity(0))}")
    for s in res.stats:
        print(f"  layer {s.layer}: links {s.links} (target {s.target}), removed {s.removed}, "
              f"percolated {s.percolated}, regrown {s.regrown}, filled {s.filled_random}, "
              f"overlap {s.overlap:.3f}, live in/out {s.live_inputs}/{s.live_outputs}"
              f"{' [dense]' if s.dense else ''}")
    print(f"median of {args.repeats} runs (ms):")
    for (layer, k), v in sorted(layer_runs.items()):
        print(f"  layer {layer} {k:<12} {statistics.median(v):8.2f}")
    for k in STAGES:
        print(f"  {k:<20} {statistics.median(runs[k]):8.2f}")
    total = statistics.median(runs["total"])
    verdict = "PASS" if total < TARGET_MS else "MISS"
    print(f"one evolution step: {total:.1f} ms (target < {TARGET_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
