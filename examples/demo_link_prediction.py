"""Engine demo: exact CH3-L3 on an ultra-sparse layer and on real networks, then topology
evolution of a chain of sparse layers.

Run with ``scripts/main.sh`` (sets up .venv first) or ``python examples/demo_link_prediction.py``.
It will become the CH-SNN training run once the ``chsnn`` command lands.
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import scipy.sparse as sp

import chgraph


def ultra_sparse_layer(n_in: int, n_out: int, sparsity: float, seed: int) -> sp.csr_array:
    """A random layer keeping ``(1 - sparsity) n_in n_out`` links (exact count)."""
    rng = np.random.default_rng(seed)
    n_links = round((1 - sparsity) * n_in * n_out)
    flat = rng.choice(n_in * n_out, size=n_links, replace=False)
    rows, cols = np.divmod(flat, n_out)
    return sp.csr_array((np.ones(n_links), (rows, cols)), shape=(n_in, n_out))


def main() -> None:
    print("== 1. A 784 x 1568 layer at 99% sparsity (the first layer of an MNIST 2FC SNN)")
    B = ultra_sparse_layer(784, 1568, 0.99, seed=0)
    layer = chgraph.BipartiteLayer(B)
    chgraph.link_scores(B[:8])  # compile (or load the cached) kernels
    t0 = time.perf_counter()
    scores = chgraph.link_scores(layer, "CH3-L3")
    t1 = time.perf_counter()
    positive = int((scores > 0).sum())
    print(f"   {layer.n_links} links; CH3-L3 of all {scores.size - layer.n_links} candidates "
          f"in {1e3 * (t1 - t0):.1f} ms; {positive} have an L3 path")
    budget = round(0.3 * layer.n_links)
    rows, cols, s = chgraph.sample_links(layer, budget, "CH3-L3", rng=0, zero_scores="uniform")
    print(f"   regrowth of 30% of the links ({budget}) sampled proportionally to CH3-L3: "
          f"{int((s > 0).sum())} by score, {int((s == 0).sum())} filled at random")
    rows, cols, s = chgraph.top_k_links(layer, 5, "CH3-L3")
    print("   top-5 candidates (input, output, score):")
    for r, c, v in zip(rows, cols, s, strict=True):
        print(f"     ({r:4d}, {c:4d})  {v:.4f}")

    print("\n== 2. Davis Southern Women (networkx): women x events, 89 links")
    G = nx.davis_southern_women_graph()
    for method in ("CH3-L3", "CH2-L3", "RA-L3", "CN-L3", "CH3-L3n"):
        best = sorted(chgraph.predict_links(G, method), key=lambda t: -t[2])[:3]
        text = "; ".join(f"{u} - {v}: {sc:.3f}" for u, v, sc in best)
        print(f"   {method:8s} {text}")

    print("\n== 3. Zachary's karate club (unipartite): best non-links, L3 vs L2")
    K = nx.karate_club_graph()
    for method in ("CH3-L3", "CH3-L2", "RA-L2"):
        best = sorted(chgraph.predict_links(K, method), key=lambda t: -t[2])[:3]
        print(f"   {method:8s} " + "; ".join(f"{u}-{v}: {sc:.3f}" for u, v, sc in best))
    evolution_demo()


def evolution_demo() -> None:
    from chgraph.evolution import EvolutionSchedule, evolve, random_equal_degree, swi

    print("\n== 4. CH-SNN topology evolution of a 784-1568-1568-10 chain at 99% sparsity")
    rng = np.random.default_rng(0)
    masks = [random_equal_degree((784, 1568), 0.99, rng),
             random_equal_degree((1568, 1568), 0.99, rng),
             np.ones((1568, 10), bool)]  # the classifier stays dense
    weights = [swi(m, rng) for m in masks]
    schedule = EvolutionSchedule(total_steps=400, update_interval=100)
    for step in range(1, schedule.total_steps + 1):
        # no training here: perturb the weights as a stand-in for optimizer updates
        weights = [w + np.where(m, 0.01 * rng.standard_normal(w.shape), 0.0)
                   for w, m in zip(weights, masks, strict=True)]
        if not schedule.should_update(step):
            continue
        result = evolve(weights, masks, schedule, step, rng)
        weights, masks, schedule = result.weights, result.masks, result.schedule
        s0, s1 = result.stats[0], result.stats[1]
        print(f"   step {step}: zeta {result.zeta:.3f}, T {result.temperature:.2f}; "
              f"layer 0 removed {s0.removed} regrown {s0.regrown}; layer 1 removed "
              f"{s1.removed} percolated {s1.percolated} regrown {s1.regrown}; live hidden "
              f"{result.live_fraction:.3f}; {1e3 * result.seconds['total']:.1f} ms")


if __name__ == "__main__":
    main()
