"""The accuracy table: 2FC at 99 % sparsity, every method, several seeds, one dataset per call.

Runs ``chsnn compare`` (runs are kept in ``--out`` and reused when the command is run again,
an interrupted table continues where it stopped), prints the table and checks the targets of
the project, measured in this run:

* CH-SNN within 0.5 points of dense (mean test accuracy over seeds);
* CH-SNN above SET and above RigL at the same sparsity;
* synaptic operations of CH-SNN at least 50x below the dense run.

It writes the Markdown table to ``benchmarks/results/accuracy_<dataset>.md`` with the command
that regenerates it. Examples::

    python benchmarks/bench_accuracy.py --dataset mnist5k --epochs 20 --seeds 0,1,2
    python benchmarks/bench_accuracy.py --dataset fashion-mnist --epochs 5 --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from chsnn.atomic import write_text
from chsnn.compare import compare, comparison_markdown, format_table
from chsnn.config import TrainConfig

METHODS = "dense,static,set,rigl,cht,chsnn"
HERE = Path(__file__).resolve().parent


def check_targets(rows: list[dict]) -> list[str]:
    """PASS / MISS lines for the targets (only those whose methods ran)."""
    by = {r["method"]: r for r in rows}
    lines = []
    c = by.get("chsnn")
    if c is None:
        return ["no chsnn run: no target checked"]
    if "dense" in by:
        gap = 100 * (c["accuracy_mean"] - by["dense"]["accuracy_mean"])
        lines.append(f"{'PASS' if gap >= -0.5 else 'MISS'}  CH-SNN - dense = {gap:+.2f} points "
                     "(target >= -0.50)")
        ratio = c["sop_ratio"]
        lines.append(f"{'PASS' if ratio >= 50 else 'MISS'}  dense / CH-SNN synaptic operations "
                     f"= {ratio:.1f}x (target >= 50x)")
    for other in ("set", "rigl"):
        if other in by:
            gap = 100 * (c["accuracy_mean"] - by[other]["accuracy_mean"])
            lines.append(f"{'PASS' if gap > 0 else 'MISS'}  CH-SNN - {other} = {gap:+.2f} points "
                         "(target > 0)")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="mnist5k")
    p.add_argument("--methods", default=METHODS)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--sparsity", type=float, default=0.99)
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate of every method (default: each method's own)")
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--out", default=None, help="runs directory (default runs/bench-<dataset>)")
    p.add_argument("--device", default="auto")
    args = p.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    out = Path(args.out or f"runs/bench-{args.dataset}")
    base = TrainConfig(method=methods[0], model="2fc", dataset=args.dataset,
                       sparsity=args.sparsity, epochs=args.epochs, lr=args.lr,
                       n_train=args.n_train, device=args.device)
    t0 = time.perf_counter()
    result = compare(base, methods, seeds, out, lr=args.lr, progress=sys.stderr.isatty(),
                     plots=False)
    minutes = (time.perf_counter() - t0) / 60
    table = format_table(result["rows"])
    targets = check_targets(result["rows"])
    print(table)
    print()
    print("\n".join(targets))
    command = "python benchmarks/bench_accuracy.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    md = comparison_markdown(result) + (
        "\nTargets (measured in this run):\n\n" + "".join(f"- {t}\n" for t in targets)
        + f"\nRegenerate: `{command}` ({minutes:.0f} min for the runs not already in "
        f"`{out}`; 2FC {result['runs'][0]['n_train']} training samples, Adam lr {args.lr}, "
        f"batch 64, T = 8, Poisson input).\n")
    dest = HERE / "results" / f"accuracy_{args.dataset}.md"
    write_text(dest, md)
    print(f"\nwritten: {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
