"""A study: a grid of ``chsnn`` runs (methods x option sets x seeds) in parallel worker
processes, resumable, summarised in one results table (Markdown + JSON) and one plot of the
per-epoch validation curves.

Every run lives in ``OUT/<method>/<options>/seed<k>`` (``<options>`` names the grid values,
``base`` when there are none) and goes through :func:`chsnn.compare.run_or_reuse`: a finished
run is reused, an interrupted one resumed from its checkpoint, so running the same command
again continues a study where it stopped. Workers are separate processes with one thread each
(``OMP_NUM_THREADS=1``, ``torch.set_num_threads(1)``); ``--workers`` sets how many run at a time.

Two stages, as a fair comparison needs them:

1. **tuning** -- the same grid for every method (``--grid lr=1e-3,3e-3 --grid
   lr_schedule=constant,cosine``), choices made on the validation split only: the table shows
   validation accuracy and no test accuracy; ``OUT/<name>.json`` records each method's best
   option set (highest mean validation accuracy of the last epoch, ties to the first in grid
   order);
2. **final** -- ``--best-from OUT/<tuning name>.json`` runs every method at its chosen options
   with several seeds (``--inherit chsnn`` gives methods that were not tuned, such as the
   ablations, the options chosen for ``chsnn``); the table shows test accuracy (mean ± std over
   seeds, the test set read once per run, after its last epoch) next to validation accuracy.

Examples::

    python benchmarks/study.py --out runs/study-mnist5k --name tune --methods dense,set,chsnn \\
        --seeds 0 --grid lr=0.001,0.003,0.01 --grid lr_schedule=constant,cosine \\
        --set epochs=30 --workers 2
    python benchmarks/study.py --out runs/study-mnist5k --name final --seeds 0,1,2 \\
        --methods dense,set,chsnn,chsnn-no-ch --best-from runs/study-mnist5k/tune.json \\
        --inherit chsnn --set epochs=30 --table benchmarks/results/accuracy_mnist5k.md
    python benchmarks/study.py ... --status       # what is finished, partial, missing
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import os
import shlex
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from chsnn import atomic
from chsnn.compare import comparison_markdown, run_or_reuse, same_experiment, summarize
from chsnn.config import ConfigError, TrainConfig
from chsnn.train import CHECKPOINT, REPORT

__all__ = ["Study", "plan", "run_study", "summarize_study", "study_markdown", "main"]

#: environment of the worker processes: one thread each
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}
_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


@dataclasses.dataclass(frozen=True)
class Study:
    """What a study runs: ``base`` options shared by all runs, ``methods``, ``seeds``, a
    ``grid`` (name -> values, the cartesian product is tried for every method) and
    ``fixed`` options per method (the chosen settings of a final stage)."""

    name: str
    base: dict
    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    grid: dict = dataclasses.field(default_factory=dict)
    fixed: dict = dataclasses.field(default_factory=dict)
    #: a tuning stage even with one option set per method (one more point of a grid)
    tuning: bool = False


def _parse_value(name: str, text: str):
    """A command-line value cast to the type of the TrainConfig field ``name``."""
    if name not in _FIELDS:
        raise ConfigError(f"unknown option {name!r}; options: {', '.join(_FIELDS)}")
    text = text.strip()
    if text.lower() in ("none", "null"):
        return None
    default = _FIELDS[name].default
    kind = str(_FIELDS[name].type)
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes")
    if isinstance(default, float) or "float" in kind:
        return float(text)
    if isinstance(default, int) or "int" in kind:
        return int(text)
    return text


def option_tag(options: dict) -> str:
    """The directory name of an option set (``base`` for none).

    >>> option_tag({"lr": 0.001, "lr_schedule": "cosine"})
    'lr=0.001,lr_schedule=cosine'
    >>> option_tag({})
    'base'
    """
    return ",".join(f"{k}={v}" for k, v in options.items()) or "base"


def plan(study: Study) -> list[tuple[TrainConfig, dict, Path]]:
    """Every run of the study: ``(config, options, run directory relative to OUT)``, in the
    order methods x option sets x seeds. Configurations are validated here, before anything
    runs."""
    keys = list(study.grid)
    combos = [dict(zip(keys, values, strict=True))
              for values in itertools.product(*(study.grid[k] for k in keys))]
    runs = []
    for method in study.methods:
        for extra in combos:
            options = {**study.fixed.get(method, {}), **extra}
            for seed in study.seeds:
                cfg = TrainConfig(**{**study.base, **options, "method": method,
                                     "seed": int(seed)})
                runs.append((cfg, options, Path(cfg.method) / option_tag(options)
                             / f"seed{cfg.seed}"))
    return runs


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def _work(cfg_dict: dict, run_dir: str) -> dict:
    """One run in a worker process; its epoch lines go to ``run_dir/log.txt``."""
    cfg = TrainConfig.from_dict(cfg_dict)
    path = Path(run_dir)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "log.txt", "a", buffering=1) as fh:
        log = lambda line: print(line, file=fh)  # noqa: E731
        return run_or_reuse(cfg, path, progress=False, plots=True, log=log)


def run_status(run_dir: Path, cfg: TrainConfig | None = None) -> str:
    """``finished``, ``partial`` (a checkpoint to resume) or ``missing``; ``conflict`` when
    ``cfg`` is given and the directory holds a run of another configuration (a tuning run of
    fewer epochs under the same ``--out``, for example), which is never reused. A finished run
    that differs only in :data:`chsnn.compare.WHERE_FIELDS` (device, data path, execution) is
    ``finished``: runs trained on a GPU machine can join a study run on CPUs."""
    finished = (run_dir / REPORT).is_file()
    if cfg is not None and (run_dir / "config.json").is_file():
        try:
            saved = TrainConfig.from_dict(json.loads((run_dir / "config.json").read_text()))
        except (ValueError, TypeError):
            return "conflict"
        if finished and same_experiment(saved.to_dict(), cfg.to_dict()):
            return "finished"  # possibly computed elsewhere (another device or data path)
        if saved.to_dict() != cfg.to_dict():
            return "conflict"
    if finished:
        return "finished"
    return "partial" if (run_dir / CHECKPOINT).is_file() else "missing"


def run_study(study: Study, out, *, workers: int = 2, log=print) -> tuple[list, list]:
    """Run (or reuse) every run of ``study`` under ``out`` with ``workers`` processes.

    Returns ``(done, failed)``: ``done`` holds ``(options, report)`` of every finished run,
    ``failed`` ``(run directory, error)`` of the runs that raised (the others go on)."""
    out = Path(out)
    runs = plan(study)
    saved_env = {key: os.environ.get(key) for key in WORKER_ENV}
    for key, value in WORKER_ENV.items():  # inherited by the spawned workers
        os.environ[key] = value
    try:
        return _run_all(study, runs, out, workers, log)
    finally:  # this process keeps its own settings (numba refuses a changed thread count)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_all(study, runs, out: Path, workers: int, log) -> tuple[list, list]:
    done, failed = [], []
    t0 = time.perf_counter()
    todo = [(cfg, opt, out / rel) for cfg, opt, rel in runs]
    states = [run_status(path, cfg) for cfg, _, path in todo]
    conflicts = [str(x[2]) for x, st in zip(todo, states, strict=True) if st == "conflict"]
    if conflicts:
        raise ConfigError(f"{len(conflicts)} run directories hold runs of another "
                          f"configuration (first: {conflicts[0]}); choose another --out")
    log(f"[study {study.name}] {len(runs)} runs: {states.count('finished')} finished, "
        f"{len(todo) - states.count('finished')} to run with {workers} worker(s)")
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, int(workers)), mp_context=ctx,
                             initializer=_init_worker) as pool:
        futures = {pool.submit(_work, cfg.to_dict(), str(path)): (cfg, opt, path)
                   for cfg, opt, path in todo}
        for fut in as_completed(futures):
            cfg, opt, path = futures[fut]
            try:
                report = fut.result()
            except Exception as exc:  # noqa: BLE001 - one failed run must not stop the study
                failed.append((str(path), f"{type(exc).__name__}: {exc}"))
                log(f"[study {study.name}] FAILED {path}: {exc}")
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic.write_text(path.parent / f"{path.name}.error.txt",
                                  "".join(traceback.format_exception(exc)))
                continue
            done.append((opt, report))
            val = report.get("val_accuracy")
            log(f"[study {study.name}] {len(done)}/{len(todo)} {path.relative_to(out)}: val "
                f"{'-' if val is None else f'{100 * val:.2f}%'} "
                f"({(time.perf_counter() - t0) / 60:.1f} min)")
    order = {rel: i for i, (_, _, rel) in enumerate(runs)}
    done.sort(key=lambda d: order[Path(d[1]["method"]) / option_tag(d[0])
                                  / f"seed{d[1]['seed']}"])
    return done, failed


def _mean_std(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    return mean, (math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0)


def summarize_study(study: Study, done: list) -> dict:
    """Groups (method x option set), each with mean ± std over seeds, the per-epoch mean
    validation curve, and each method's best option set by validation accuracy."""
    groups: dict[tuple, list] = {}
    for options, report in done:
        groups.setdefault((report["method"], option_tag(options)), []).append((options, report))
    rows = []
    for (_method, tag), items in groups.items():
        reports = [r for _, r in items]
        row = summarize(reports)[0]
        row.update(options=items[0][0], tag=tag)
        curves = [[e.get("val_accuracy") for e in r["history"]] for r in reports]
        if all(v is not None for c in curves for v in c):
            n = min(len(c) for c in curves)
            row["val_curve"] = [_mean_std([c[i] for c in curves]) for i in range(n)]
        rows.append(row)
    best = {}
    for row in rows:
        if row.get("val_accuracy_mean") is None:
            continue
        cur = best.get(row["method"])
        if cur is None or row["val_accuracy_mean"] > cur["val_accuracy_mean"]:
            best[row["method"]] = {"options": row["options"], "tag": row["tag"],
                                   "val_accuracy_mean": row["val_accuracy_mean"],
                                   "val_accuracy_std": row["val_accuracy_std"], "n": row["n"]}
    tuning = study.tuning or any(len([r for r in rows if r["method"] == m]) > 1
                                 for m in study.methods)
    dense = [r for r in rows if r["method"] == "dense"]
    dense = max(dense, key=lambda r: r.get("val_accuracy_mean") or 0.0) if dense else None
    for row in rows:  # ratios to the dense run chosen on validation
        for key, ratio in (("sops_mean", "sop_ratio"), ("energy_uj_mean", "energy_ratio")):
            row[ratio] = dense[key] / row[key] if dense and row[key] else None
    base = TrainConfig(**{**study.base, "method": study.methods[0]})
    return {"name": study.name, "tuning": tuning, "model": base.model, "dataset": base.dataset,
            "epochs": base.epochs, "sparsity": base.sparsity, "seeds": list(study.seeds),
            "base": study.base, "grid": study.grid, "fixed": study.fixed, "rows": rows,
            "best": best}


def _pm(mean, std, scale=100.0, digits=2) -> str:
    return "-" if mean is None else f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def study_markdown(result: dict, command: str = "", missing: list | None = None) -> str:
    """The study's table. A tuning stage (several option sets per method) shows validation
    accuracy only and marks each method's choice; a final stage has the format of
    ``chsnn compare`` (test accuracy as mean ± std over seeds) and the options of each
    method below it."""
    rows = result["rows"]
    title = (f"# {result['model']} on {result['dataset']}: {result['epochs']} epochs, "
             f"sparsity {100 * result['sparsity']:.0f}%, seeds {result['seeds']}")
    if result["tuning"]:
        lines = [title + f" (tuning: {result['name']})", "",
                 "Chosen on the validation split (mean over seeds of the last epoch's "
                 "validation accuracy); the test set plays no part here.", "",
                 "| method | options | seeds | val accuracy (%) | best epoch val (%) | "
                 "live neurons (%) | SOPs/sample | train (s) | chosen |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            chosen = result["best"].get(r["method"], {}).get("tag") == r["tag"]
            best_epoch = max((m for m, _ in r.get("val_curve", [])), default=None)
            lines.append(
                f"| {r['method']} | {r['tag']} | {r['n']} | "
                f"{_pm(r['val_accuracy_mean'], r['val_accuracy_std'])} | "
                f"{'-' if best_epoch is None else f'{100 * best_epoch:.2f}'} | "
                f"{100 * r['live_mean']:.1f} | {r['sops_mean']:.4g} | {r['seconds_mean']:.0f} | "
                f"{'**yes**' if chosen else ''} |")
        text = "\n".join(lines) + "\n"
    else:
        text = comparison_markdown({**result, "rows": rows})
        text += "\nOptions of each method (on top of the shared ones): " + "; ".join(
            f"{r['method']}: {r['tag']}" for r in rows) + ".\n"
        targets = check_targets(rows)
        if targets:
            text += ("\nTargets of issue #11 (measured in this study):\n\n"
                     + "".join(f"- {t}\n" for t in targets))
    shared = ", ".join(f"{k}={v}" for k, v in result["base"].items())
    text += f"\nShared options: {shared or 'the defaults of chsnn.config.TrainConfig'}.\n"
    if missing:
        text += (f"\n**Incomplete**: {len(missing)} run(s) not finished yet: "
                 + ", ".join(missing) + ".\n")
    if command:
        text += f"\nCommand: `{command}`\n"
    return text


def check_targets(rows: list[dict]) -> list[str]:
    """PASS / MISS lines for the targets of issue #11 that the rows allow checking: CH-SNN
    within 0.3 points of dense; above static, SET, RigL and CHT by more than one standard
    deviation (the larger of the two); synaptic operations >= 50x below dense; about a third
    or fewer of the hidden neurons live (where percolation is on).

    >>> r = lambda m, a, s, live=1.0: {"method": m, "accuracy_mean": a, "accuracy_std": s,
    ...                                "sop_ratio": 60.0, "live_mean": live}
    >>> for line in check_targets([r("dense", 0.95, 0.002), r("chsnn", 0.948, 0.002, 0.3),
    ...                            r("set", 0.94, 0.005)]):
    ...     print(line)
    PASS  CH-SNN - dense = -0.20 points (target >= -0.30)
    PASS  CH-SNN - set = +0.80 points, more than one std (0.50)
    PASS  dense / CH-SNN synaptic operations = 60.0x (target >= 50x)
    PASS  CH-SNN live hidden neurons = 30.0% (paper: about a third or fewer)
    """
    by = {r["method"]: r for r in rows}
    c = by.get("chsnn")
    if c is None:
        return []
    lines = []
    if "dense" in by:
        gap = 100 * (c["accuracy_mean"] - by["dense"]["accuracy_mean"])
        lines.append(f"{'PASS' if gap >= -0.3 else 'MISS'}  CH-SNN - dense = {gap:+.2f} points "
                     "(target >= -0.30)")
    for other in ("static", "set", "rigl", "cht"):
        if other in by:
            gap = 100 * (c["accuracy_mean"] - by[other]["accuracy_mean"])
            std = 100 * max(c["accuracy_std"], by[other]["accuracy_std"])
            lines.append(f"{'PASS' if gap > std else 'MISS'}  CH-SNN - {other} = {gap:+.2f} "
                         f"points, more than one std ({std:.2f})")
    if c.get("sop_ratio"):
        lines.append(f"{'PASS' if c['sop_ratio'] >= 50 else 'MISS'}  dense / CH-SNN synaptic "
                     f"operations = {c['sop_ratio']:.1f}x (target >= 50x)")
    lines.append(f"{'PASS' if c['live_mean'] <= 0.34 else 'MISS'}  CH-SNN live hidden neurons "
                 f"= {100 * c['live_mean']:.1f}% (paper: about a third or fewer)")
    return lines


def plot_curves(result: dict, path) -> Path:
    """Per-epoch validation accuracy (mean over seeds, ± std shaded), one panel per method,
    one line per option set."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from chsnn.plots import save_figure

    methods = list(dict.fromkeys(r["method"] for r in result["rows"] if r.get("val_curve")))
    ncols = min(5, max(1, len(methods)))
    nrows = max(1, math.ceil(len(methods) / ncols))
    fig = Figure(figsize=(3.4 * ncols, 2.8 * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, method in zip(axes.flat, methods, strict=False):
        for r in (r for r in result["rows"] if r["method"] == method and r.get("val_curve")):
            mean = [100 * m for m, _ in r["val_curve"]]
            std = [100 * s for _, s in r["val_curve"]]
            ep = list(range(1, len(mean) + 1))
            line, = ax.plot(ep, mean, lw=1.2, label=r["tag"])
            if r["n"] > 1:
                ax.fill_between(ep, [m - s for m, s in zip(mean, std, strict=True)],
                                [m + s for m, s in zip(mean, std, strict=True)],
                                color=line.get_color(), alpha=0.2)
        ax.set(title=method, xlabel="epoch", ylabel="val accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(methods):]:
        ax.set_visible(False)
    return save_figure(fig, path)


def _split_source(item) -> tuple[Path, set | None]:
    """``PATH`` or ``PATH:method,method`` (only those methods take their choice from PATH)."""
    text = str(item)
    head, sep, tail = text.rpartition(":")
    if sep and head and "/" not in tail:
        return Path(head), {TrainConfig(method=m.strip()).method for m in tail.split(",")
                            if m.strip()}
    return Path(text), None


def _load_best(paths, methods, inherit: str | None) -> dict:
    """The options each method runs at: of every option set the tuning studies ``paths``
    chose for it, the one with the best validation accuracy (e.g. a second stage tuning the
    update interval next to the first's learning rate; studies of one dataset share its
    validation split); else ``inherit``'s. ``PATH:m1,m2`` takes only those methods' choices
    from PATH (a study whose other choices rest on other seeds)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    best: dict = {}
    for item in paths:
        path, only = _split_source(item)
        for method, choice in json.loads(path.read_text())["best"].items():
            if only is not None and method not in only:
                continue
            if method in best:
                vals = (choice.get("val_accuracy_mean"), best[method].get("val_accuracy_mean"))
                if None in vals:
                    raise ConfigError(f"{path} and another study both chose options for "
                                      f"{method!r}, but without validation accuracies to "
                                      "compare (a study saved before they were recorded)")
                if vals[0] <= vals[1]:
                    continue
            best[method] = choice
    path = ", ".join(str(p) for p in paths)
    fixed = {}
    for m in methods:
        name = TrainConfig(method=m).method
        source = name if name in best else inherit
        if source not in best:
            raise ConfigError(f"{path} holds no tuned options for {name!r} (nor --inherit)")
        fixed[name] = dict(best[source]["options"])
    return fixed


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="root of the run directories")
    p.add_argument("--name", required=True, help="the study: OUT/NAME.json, .md, _curves.png")
    p.add_argument("--methods", default="dense,static,set,rigl,cht,chsnn")
    p.add_argument("--seeds", default="0")
    p.add_argument("--grid", action="append", default=[], metavar="OPTION=V1,V2",
                   help="a TrainConfig field and its values (repeatable: the product is run)")
    p.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                   help="a TrainConfig field shared by every run (repeatable)")
    p.add_argument("--best-from", action="append", default=None,
                   help="a tuning study's JSON: each method runs at the options chosen there "
                   "(repeatable: the choice with the best validation accuracy of them all; "
                   "PATH:m1,m2 takes only those methods' choices from PATH)")
    p.add_argument("--inherit", default=None, help="with --best-from: the method whose choice "
                   "methods without their own take (e.g. chsnn for its ablations)")
    p.add_argument("--tuning", action="store_true", help="a tuning stage even with one option "
                   "set per method: the table shows validation accuracy only")
    p.add_argument("--workers", type=int, default=2, help="parallel processes (default 2)")
    p.add_argument("--table", default=None, help="also write the Markdown table here")
    p.add_argument("--status", action="store_true", help="list the runs and their state; "
                   "train nothing")
    p.add_argument("--no-run", action="store_true", help="write the tables from the finished "
                   "runs only; train nothing (while the study runs elsewhere)")
    return p


def _study_from_args(args) -> Study:
    methods = tuple(TrainConfig(method=m.strip()).method
                    for m in args.methods.split(",") if m.strip())
    seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    base = {}
    for item in args.set:
        key, _, value = item.partition("=")
        base[key.strip()] = _parse_value(key.strip(), value)
    grid = {}
    for item in args.grid:
        key, _, values = item.partition("=")
        grid[key.strip()] = [_parse_value(key.strip(), v) for v in values.split(",") if v.strip()]
    fixed = _load_best(args.best_from, methods, args.inherit) if args.best_from else {}
    return Study(args.name, base, methods, seeds, grid, fixed, tuning=args.tuning)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        study = _study_from_args(args)
        runs = plan(study)
    except (ConfigError, ValueError, OSError, KeyError) as exc:
        print(f"study: error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    command = "python benchmarks/study.py " + " ".join(  # the command that trains (or reuses)
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
        if a not in ("--no-run", "--status"))
    if args.status:
        states = [(rel, run_status(out / rel, cfg)) for cfg, _, rel in runs]
        for rel, state in states:
            print(f"{state:9s} {rel}")
        print({s: sum(1 for _, x in states if x == s)
               for s in ("finished", "partial", "missing", "conflict")})
        return 0
    t0 = time.perf_counter()
    if args.no_run:
        done = [(opt, json.loads((out / rel / REPORT).read_text())) for cfg, opt, rel in runs
                if run_status(out / rel, cfg) == "finished"]
        failed = []
    else:
        try:
            done, failed = run_study(study, out, workers=args.workers)
        except ConfigError as exc:
            print(f"study: error: {exc}", file=sys.stderr)
            return 2
    if not done:
        print("study: no finished run yet", file=sys.stderr)
        return 1
    result = summarize_study(study, done)
    result["failed"] = failed
    result["minutes"] = (time.perf_counter() - t0) / 60
    result["command"] = command
    missing = [str(rel) for cfg, _, rel in runs if run_status(out / rel, cfg) != "finished"]
    md = study_markdown(result, command, missing)
    atomic.write_json(out / f"{args.name}.json", result)
    atomic.write_text(out / f"{args.name}.md", md)
    if any(r.get("val_curve") for r in result["rows"]):
        plot_curves(result, out / f"{args.name}_curves.png")
    if args.table:
        atomic.write_text(Path(args.table), md)
    print(md)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
