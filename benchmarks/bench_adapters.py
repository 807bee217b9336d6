"""Overhead of ``CHSNN.step()`` in a training loop of the 2FC spiking model (784-1568-10).

The model is the paper's 2FC MNIST network: Linear(784, 1568) -> LIF -> Linear(1568, 10) -> LIF
spikes averaged over T = 8 time steps, Poisson-rate input, batch 64, Adam. The first layer is
sparse at 99 %, the classifier dense (docs/method.md, section 3.6). Measured in one run, on
the CPU or (``--device cuda``) a GPU, with the device synchronised around every timed section:

* the time of a training step (forward, backward, optimizer step) without the sparsifier call;
* the gradient masking that CHSNN runs right before every optimizer step (a pre-step hook,
  timed apart and subtracted from the training step);
* ``sparsifier.step()`` on ordinary steps (counting only);
* ``sparsifier.step()`` on topology-update steps (the whole CH-SNN evolution), split into
  the engine's stages and the adapter's share (``stats["seconds"]``);

and the overhead per training step, amortised over one epoch of ``--steps-per-epoch`` steps
(one topology update per epoch, CHT's default). Target: under 2 % of a training step. Then,
end to end, whole epochs of the same loop under CHSNN, with static masks (the same sparse
layer, its gradients masked by a one-line hook, no evolution) and dense, alternated (on a GPU
this is the figure that counts: kernels run asynchronously, and the synchronisation around
each timed section above overstates small costs). Against dense, any sparse layer with exact
zero Adam moments pays extra on some CPUs: torch's ``sqrt`` of 0.0 takes a slow path (1.4 ms
instead of 0.26 ms for the 1.2 M moments of this layer on an AMD EPYC with AVX-512). Timings
are printed, never asserted.

    python benchmarks/bench_adapters.py [--epochs 3] [--steps-per-epoch 63] [--threads N]
                                        [--device cuda]

On a GPU machine set ``OMP_WAIT_POLICY=PASSIVE`` in the environment (as the ``chsnn`` command
does for CUDA runs; see :mod:`chsnn.entry`): with OpenMP's spinning threads the update on the
host is several times slower and erratic.

63 steps of 64 samples is one epoch of the 4,000 training digits of mnist5k.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import pstats
import statistics
import time

import torch
from torch import nn

from chsnn.encoders import PoissonEncoder
from chsnn.models import TwoFC
from snn_adapters import CHSNN
from snn_adapters.masks import get_mask

TARGET = 0.02


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs")
    parser.add_argument("--steps-per-epoch", type=int, default=63)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--profile", action="store_true",
                        help="also print the top of a cProfile of the topology updates")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device here")

    def clock() -> float:
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter()

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    encode = PoissonEncoder(T=8)  # Poisson-rate spikes, [T, B, 784]
    model = TwoFC(readout="spikes").to(device)  # the paper's 784-1568-10, output LIF spikes
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    interval = args.steps_per_epoch
    # enough total steps that every timed update has zeta > 0 (evolution ends at 75 %)
    total = 100 * interval
    sparsifier = CHSNN(model, opt, sparsity=0.99, total_steps=total, update_interval=interval,
                       seed=0)
    x = torch.rand(args.batch, 784, device=device)
    y = torch.randint(0, 10, (args.batch,), device=device)
    criterion = nn.CrossEntropyLoss()

    def train_step(net=model, optimizer=opt):
        loss = criterion(net(encode(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    # warm-up: numba kernels compiled or loaded from their cache (a one-off of a few hundred
    # ms per process) by a tiny model that evolves at every step, then the real one
    tiny = TwoFC(n_in=20, hidden=40, n_classes=4, readout="spikes").to(device)
    tiny_opt = torch.optim.Adam(tiny.parameters(), lr=1e-3)
    tiny_sp = CHSNN(tiny, tiny_opt, sparsity=0.9, total_steps=8, update_interval=1, seed=0)
    for _ in range(3):
        criterion(tiny(encode(torch.rand(4, 20, device=device))),
                  torch.randint(0, 4, (4,), device=device)).backward()
        tiny_opt.step()
        tiny_sp.step()
    tiny_sp.remove()
    for _ in range(3):
        train_step()
        sparsifier.step()
    # the gradient masking runs inside optimizer.step() (a pre-step hook): time it apart
    hook_times = []
    for _ in range(20):
        loss = criterion(model(encode(x)), y)
        opt.zero_grad()
        loss.backward()
        t0 = clock()
        sparsifier._mask_gradients(opt, (), {})
        hook_times.append(clock() - t0)
    train_times, plain_times, update_times, engine_seconds = [], [], [], []
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.epochs * interval):
        t0 = clock()
        train_step()
        t1 = clock()
        updating = sparsifier._template.should_update(sparsifier.step_count + 1)
        if profiler and updating:
            profiler.enable()
        result = sparsifier.step()
        t2 = clock()
        if profiler and updating:
            profiler.disable()
        if result is not None:
            engine_seconds.append(result["seconds"])
        train_times.append(t1 - t0)
        (plain_times if result is None else update_times).append(t2 - t1)
    t_hook = statistics.median(hook_times)
    t_train = statistics.median(train_times) - t_hook  # the step without the sparsifier
    t_plain = statistics.median(plain_times)
    t_update = statistics.median(update_times)
    amortised = t_hook + ((interval - 1) * t_plain + t_update) / interval
    ratio = amortised / t_train
    where = (torch.cuda.get_device_name(device) if device.type == "cuda"
             else f"CPU, torch threads {torch.get_num_threads()}")
    print(f"2FC 784-1568-10, T=8, batch {args.batch}, Adam, sparsity 0.99 (first layer), "
          f"{where}")
    print(f"training step (forward+backward+Adam), median of {len(train_times)}: "
          f"{1e3 * t_train:8.2f} ms  (without the gradient masking below)")
    print(f"gradient masking in the optimizer pre-step hook, median of {len(hook_times)}: "
          f"{1e3 * t_hook:8.3f} ms  ({100 * t_hook / t_train:.2f} % of a training step)")
    print(f"sparsifier.step(), ordinary step, median of {len(plain_times)}:        "
          f"{1e3 * t_plain:8.3f} ms  ({100 * t_plain / t_train:.2f} % of a training step)")
    print(f"sparsifier.step(), topology update, median of {len(update_times)} "
          f"({', '.join(f'{1e3 * t:.1f}' for t in update_times)} ms):        "
          f"{1e3 * t_update:8.2f} ms  ({100 * t_update / t_train:.1f} % of a training step)")
    parts = {k: statistics.median(s[k] for s in engine_seconds) for k in engine_seconds[0]}
    adapter = parts.pop("adapter")
    print("  of which the engine (chgraph.evolution.evolve_links), medians: "
          + ", ".join(f"{k} {1e3 * v:.2f} ms" for k, v in parts.items()))
    print(f"  and the adapter (links to the engine, changes back to masks, weights and optimizer "
          f"state), median: {1e3 * adapter:.2f} ms")
    print(f"overhead amortised over an epoch of {interval} steps: {100 * ratio:.2f} % "
          f"(target < {100 * TARGET:.0f} %): {'PASS' if ratio < TARGET else 'MISS'}")

    # end to end: whole epochs of the same loop, alternated, the device synchronised only at
    # epoch ends: CHSNN against static masks (the same sparse layer, gradients masked by a
    # one-line hook, no evolution) and against the dense model
    static = copy.deepcopy(model)
    static_opt = torch.optim.Adam(static.parameters(), lr=1e-3)
    static_keep = {n: get_mask(m).to(m.weight.dtype) for n, m in static.named_modules()
                   if get_mask(m) is not None}
    static_mods = dict(static.named_modules())

    def mask_static_gradients(*_):
        for n, k in static_keep.items():
            static_mods[n].weight.grad.mul_(k)

    static_opt.register_step_pre_hook(mask_static_gradients)
    plain = TwoFC(readout="spikes").to(device)
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if "mask" not in k})
    plain_opt = torch.optim.Adam(plain.parameters(), lr=1e-3)
    for _ in range(3):
        train_step(static, static_opt)
        train_step(plain, plain_opt)
    epochs = {"chsnn": [], "static": [], "dense": []}
    for _ in range(args.epochs):
        for key in epochs:
            t0 = clock()
            for _ in range(interval):
                if key == "chsnn":
                    train_step()
                    sparsifier.step()
                else:
                    train_step(*((static, static_opt) if key == "static" else (plain, plain_opt)))
            epochs[key].append(clock() - t0)
    med = {k: statistics.median(v) for k, v in epochs.items()}
    print(f"end to end, median of {args.epochs} epochs of {interval} steps: CHSNN "
          f"{med['chsnn']:.3f} s, static masks {med['static']:.3f} s "
          f"({100 * (med['chsnn'] / med['static'] - 1):+.2f} % for the evolution and its "
          f"bookkeeping), dense {med['dense']:.3f} s")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
