"""The ``chsnn`` command: ``train``, ``compare``, ``methods``, ``models``, ``datasets``.

Bad input (an unknown name, a sparsity outside (0, 1), an unreadable dataset, an output
directory that holds another run) is reported in one line on stderr with exit status 2;
Ctrl-C leaves the last epoch's checkpoint and exits with status 130.

Examples::

    chsnn train --method chsnn --model 2fc --dataset mnist5k --sparsity 0.99 --epochs 20 \\
        --seed 0 --out runs/chsnn
    chsnn train --resume runs/chsnn
    chsnn compare --methods chsnn,dense,set,rigl --seeds 0,1,2 --epochs 20 --out runs/cmp
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chgraph.evolution import SSCTI_RULES, SSWI_RULES

from .config import TrainConfig
from .methods import METHODS

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``chsnn: error: ...``) and exit status 2."""

    def error(self, message):  # noqa: D401 - argparse API
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _add_run_options(p: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    p.add_argument("--model", default=d.model, help="2fc, 3fc, 4fc, 2conv2fc, 6conv2fc, "
                   "spikformer or spikformer-4-384 (default %(default)s; `chsnn models` "
                   "describes them)")
    p.add_argument("--dataset", default=d.dataset, help="mnist5k (embedded), fashion-mnist, "
                   "mnist, digits, cifar10, cifar100, nmnist, dvs-gesture, cifar10-dvs (these "
                   "five from --data-root), or a .npz file (default %(default)s)")
    p.add_argument("--data-root", default=None, help="directory of the IDX files "
                   "(fashion-mnist: default /usr/share/datasets/fashion-mnist), of "
                   "cifar-10-batches-py/ or cifar-100-python/, of N-MNIST's Train/ and Test/, "
                   "of DvsGesture/ or of CIFAR10-DVS's class folders (docs/datasets.md)")
    p.add_argument("--sparsity", type=float, default=d.sparsity,
                   help="fraction of links removed in every sparse layer (default %(default)s)")
    p.add_argument("--epochs", type=int, default=None, help=f"default {d.epochs}; with "
                   "--resume: extend (or shorten) the run to this many epochs, its learning-rate "
                   "and evolution schedules stretched to the new length")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="default %(default)s")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: the "
                   "method's, chosen on validation splits: 0.01 for the sparse methods, 0.003 "
                   "for dense; `chsnn methods` lists them)")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay)
    p.add_argument("--optimizer", default=d.optimizer, choices=("adam", "sgd"),
                   help="default %(default)s")
    p.add_argument("--momentum", type=float, default=d.momentum,
                   help="SGD momentum (default %(default)s)")
    p.add_argument("--lr-schedule", default=d.lr_schedule,
                   choices=("constant", "cosine", "linear"), help="learning rate per step: "
                   "constant, or cosine / linear decay to 0 (default %(default)s)")
    p.add_argument("--warmup-epochs", type=int, default=d.warmup_epochs,
                   help="linear learning-rate warm-up (default %(default)s)")
    p.add_argument("--val-fraction", type=float, default=d.val_fraction,
                   help="fraction of the training data held out for validation: every epoch is "
                   "evaluated on it and the test set once at the end; 0 evaluates every epoch "
                   "on the test set (default %(default)s)")
    p.add_argument("--T", type=int, default=d.T, help="time steps (default %(default)s)")
    p.add_argument("--encoder", default=d.encoder, choices=("poisson", "direct", "frames"),
                   help="frames: event data binned into T frames (nmnist, dvs-gesture, "
                   "cifar10-dvs; binned into --T frames)")
    p.add_argument("--augment", action="store_true", help="random crop (padding 4) and "
                   "horizontal flip of every training batch (image data, e.g. cifar10)")
    p.add_argument("--normalize", action="store_true", help="standardise the inputs per "
                   "channel by the training data's mean and std (needs --encoder direct)")
    p.add_argument("--hidden", type=int, default=None, help="hidden width: every hidden layer "
                   "of 2fc / 4fc, the first of 3fc, fc1 of the conv models (default: 2 x input "
                   "for the FC models, the model's own for the conv models)")
    p.add_argument("--n-train", type=int, default=None, help="train on a stratified subset")
    p.add_argument("--n-test", type=int, default=None, help="test on a stratified subset")
    p.add_argument("--update-interval", type=int, default=None,
                   help="steps between topology updates (default one epoch)")
    p.add_argument("--zeta", type=float, default=None, help="fraction of each layer's links "
                   "a topology update removes and regrows, before its decay (default 0.3; "
                   "methods that evolve their topology: compare runs dense and static "
                   "without it)")
    p.add_argument("--calibration-samples", type=int, default=d.calibration_samples)
    p.add_argument("--sscti-rule", default=d.sscti_rule, choices=SSCTI_RULES,
                   help="SSCTI: the paper's tiled correlation profiles, or every hidden neuron "
                   "its own top correlations among inputs that fire (default %(default)s)")
    p.add_argument("--sswi-rule", default=d.sswi_rule, choices=SSWI_RULES,
                   help="SSWI of the first layer: the paper's formula, or its draw rescaled per "
                   "neuron to the input current of the layer's initialisation on the "
                   "calibration data (default %(default)s)")
    p.add_argument("--energy-samples", type=int, default=d.energy_samples)
    p.add_argument("--device", default=d.device, help="auto, cpu, cuda or cuda:N")
    p.add_argument("--precision", default=d.precision, choices=("fp32", "bf16"),
                   help="bf16: mixed precision on CUDA (torch.autocast; weights, masks and "
                   "the optimiser stay float32) (default %(default)s)")
    p.add_argument("--execution", default=None, choices=("auto", "masked", "sparse"),
                   help="sparse layers stored as links (sparse) or as masked dense weights "
                        "(masked); default auto: sparse on the CPU at sparsity >= 0.95, else "
                        "masked. With --resume it continues the run in that mode")
    p.add_argument("--quiet", action="store_true", help="no progress bars, no epoch lines")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``chsnn``."""
    parser = _Parser(prog="chsnn", description="CH-SNN: Cannistraci-Hebb dynamic sparse "
                     "training of spiking neural networks, with baselines and reports.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train one model with one method",
                       description="Train one model; writes report.json, report.md, plots, "
                       "the topology and a checkpoint to --out.")
    t.add_argument("--method", default="chsnn",
                   help=f"one of {', '.join(METHODS)} (default %(default)s)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", help="run directory (required unless --resume)")
    t.add_argument("--resume", metavar="DIR", help="continue the run in DIR from its checkpoint")
    _add_run_options(t)
    c = sub.add_parser("compare", help="several methods and seeds side by side",
                       description="Train (or reuse) one run per method and seed in "
                       "OUT/<method>/seed<k> and print the comparison table.")
    c.add_argument("--methods", default="chsnn,dense,static,set,rigl,cht",
                   help="comma-separated methods (default %(default)s)")
    c.add_argument("--seeds", default="0,1,2", help="comma-separated seeds "
                   "(default %(default)s)")
    c.add_argument("--out", required=True, help="comparison directory")
    _add_run_options(c)
    sub.add_parser("methods", help="list the training methods")
    sub.add_parser("models", help="list the models")
    ds = sub.add_parser("datasets", help="list the datasets and whether they are here")
    ds.add_argument("--data-root", default=None, help="also look for the IDX, CIFAR, N-MNIST, "
                    "DVS128 Gesture and CIFAR10-DVS files in this directory")
    return parser


def _config(args, method: str, seed: int, *, zeta: float | None = None) -> TrainConfig:
    """The run's configuration (``zeta``: ``--zeta``, or as :func:`chsnn.compare.zeta_for`
    gives it to the method in ``chsnn compare``)."""
    return TrainConfig(
        method=method, model=args.model, dataset=args.dataset, data_root=args.data_root,
        sparsity=args.sparsity, seed=seed, batch_size=args.batch_size,
        epochs=TrainConfig().epochs if args.epochs is None else args.epochs,
        lr=args.lr, weight_decay=args.weight_decay, T=args.T, encoder=args.encoder,
        hidden=args.hidden, n_train=args.n_train, n_test=args.n_test,
        update_interval=args.update_interval, zeta=zeta,
        calibration_samples=args.calibration_samples,
        energy_samples=args.energy_samples, device=args.device, val_fraction=args.val_fraction,
        optimizer=args.optimizer, momentum=args.momentum, lr_schedule=args.lr_schedule,
        warmup_epochs=args.warmup_epochs, execution=args.execution or "auto",
        augment=args.augment, normalize=args.normalize, sscti_rule=args.sscti_rule,
        sswi_rule=args.sswi_rule,
        precision=args.precision)


def _split(text: str, what: str, cast=str) -> list:
    items = [x.strip() for x in text.split(",") if x.strip()]
    if not items:
        raise _UsageError(f"--{what} is empty")
    try:
        return [cast(x) for x in items]
    except ValueError:
        raise _UsageError(f"--{what}: cannot read {text!r}") from None


def _bars(args) -> bool:
    """Progress bars on a terminal (stderr), unless --quiet."""
    return not args.quiet and sys.stderr.isatty()


def _train(args) -> int:
    from .ddp import launched_rank
    from .train import train

    if launched_rank() != 0:  # under torchrun rank 0 alone speaks (and writes)
        args.quiet = True
    log = None if args.quiet else print
    if args.resume:
        defaults = build_parser().parse_args(["train", "--resume", args.resume])
        changed = [f"--{k.replace('_', '-')}" for k, v in vars(args).items()
                   if k not in ("resume", "quiet", "no_plots", "execution", "epochs")
                   and v != getattr(defaults, k)]
        if changed:
            raise _UsageError(f"--resume continues the run with its saved configuration "
                              f"(only --epochs and --execution may change); drop "
                              f"{', '.join(changed)}")
        report = train(TrainConfig(), args.resume, resume=True, progress=_bars(args),
                       plots=not args.no_plots, log=log, execution=args.execution,
                       epochs=args.epochs)
        if launched_rank() == 0:
            print(f"report: {args.resume}/report.md" if "method" in report else "")
        return 0
    if not args.out:
        raise _UsageError("train needs --out DIR (or --resume DIR)")
    report = train(_config(args, args.method, args.seed, zeta=args.zeta), args.out,
                   progress=_bars(args), plots=not args.no_plots, log=log)
    if launched_rank() != 0:
        return 0
    if args.quiet:
        from .train import summary_line

        print(summary_line(report))
    print(f"report: {args.out}/report.md")
    return 0


def _compare(args) -> int:
    from .compare import compare, format_table, zeta_for
    from .ddp import launched_world_size

    if launched_world_size() > 1:
        raise _UsageError("chsnn compare runs in one process; under torchrun start one "
                          "chsnn train per method and seed")

    methods = _split(args.methods, "methods")
    seeds = _split(args.seeds, "seeds", int)
    if len(set(seeds)) != len(seeds):
        raise _UsageError(f"--seeds repeats a seed ({args.seeds}): each seed is one run")
    # --zeta is for the methods that evolve their topology; dense and static run without it
    configs = [_config(args, m, s, zeta=zeta_for(m, args.zeta))
               for m in methods for s in seeds]  # validate all first
    names = list(dict.fromkeys(c.method for c in configs))  # canonical, in the given order
    result = compare(configs[0], names, seeds, args.out, lr=args.lr, zeta=args.zeta,
                     progress=_bars(args), plots=not args.no_plots,
                     log=None if args.quiet else print)
    print()
    print(format_table(result["rows"]))
    _print_headline(result)
    print(f"comparison: {args.out}/comparison.md")
    return 0


def _print_headline(result: dict) -> None:
    """CH-SNN against dense in one sentence, when both ran."""
    rows = {r["method"]: r for r in result["rows"]}
    if "chsnn" in rows and "dense" in rows:
        c, d = rows["chsnn"], rows["dense"]
        print(f"\nCH-SNN at {100 * c['sparsity_linear_mean']:.2f}% sparsity "
              f"({100 * c['sparsity_all_mean']:.2f}% of all parameters): test accuracy "
              f"{100 * c['accuracy_mean']:.2f}% vs dense {100 * d['accuracy_mean']:.2f}% "
              f"({100 * (c['accuracy_mean'] - d['accuracy_mean']):+.2f} points); "
              f"{c['sop_ratio']:.1f}x fewer synaptic operations and "
              f"{c['energy_ratio']:.1f}x less energy per sample than dense.")


def _list_methods() -> int:
    for m in METHODS.values():
        print(f"{m.name:15s} lr {m.lr:<6g} {m.description}")
    return 0


def _list_models() -> int:
    from .models import MODELS

    for m in MODELS.values():
        kind = "flattened input" if m.flat else f"image input, default {m.image_shape}"
        print(f"{m.name:11s} {m.summary}; {kind}")
    return 0


def _list_datasets(root: str | None = None) -> int:
    from .data import available_datasets

    for info in available_datasets(root):
        print(info)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chsnn`` command; returns the exit status."""
    from .config import ConfigError
    from .data import DatasetError
    from .ddp import launched_rank
    from .train import RunError

    args = None
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return _train(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "methods":
            return _list_methods()
        if args.command == "models":
            return _list_models()
        return _list_datasets(args.data_root)
    except (_UsageError, ConfigError, DatasetError, RunError, OSError, MemoryError) as exc:
        msg = " ".join(str(exc).split())
        if launched_rank() == 0:  # every rank under torchrun raises rank 0's error
            print(f"chsnn: error: {msg}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if launched_rank() == 0:
            print(f"chsnn: interrupted; {_interrupted_hint(args)}", file=sys.stderr)
        return 130


def _interrupted_hint(args) -> str:
    """What an interrupted command kept and how to continue it."""
    from .train import CHECKPOINT

    command = getattr(args, "command", None)
    if command == "compare":
        return (f"finished runs are kept in {args.out}: the same command continues the "
                "comparison")
    out = getattr(args, "resume", None) or getattr(args, "out", None)
    if command != "train" or not out:
        return "nothing was written"
    if (Path(out) / CHECKPOINT).is_file():
        return (f"the last finished epoch is checkpointed: continue with chsnn train "
                f"--resume {out}")
    return (f"no epoch had finished, so there is no checkpoint: chsnn train --resume {out} "
            "starts the run again")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
