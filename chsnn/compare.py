"""Several methods and seeds on one model and dataset, side by side.

:func:`compare` trains (or reuses) one run per method and seed in ``out/<method>/seed<k>``,
then writes ``out/comparison.json`` and ``out/comparison.md``. A finished run whose
configuration matches is reused, an unfinished one is resumed from its checkpoint, so an
interrupted comparison continues where it stopped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from . import atomic
from .config import TrainConfig
from .methods import get_method
from .train import CHECKPOINT, CONFIG, REPORT, RunError, train

__all__ = ["compare", "run_or_reuse", "same_experiment", "summarize", "format_table",
           "comparison_markdown", "WHERE_FIELDS"]

#: options that say where and how a run was computed, not what it computes: a finished run that
#: differs from a requested one only in these is the same experiment (a dense run trained on a
#: GPU machine, with the data at another path, joins a study run on CPUs)
WHERE_FIELDS = ("device", "data_root", "execution")


def same_experiment(saved: dict, wanted: dict) -> bool:
    """Whether two configurations (``TrainConfig.to_dict()``) differ at most in
    :data:`WHERE_FIELDS`.

    >>> a = TrainConfig(device="cpu").to_dict()
    >>> same_experiment(a, TrainConfig(device="cuda").to_dict())
    True
    >>> same_experiment(a, TrainConfig(device="cpu", epochs=3).to_dict())
    False
    """
    keys = (set(saved) | set(wanted)) - set(WHERE_FIELDS)
    return all(saved.get(k) == wanted.get(k) for k in keys)


def _mean_std(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, std


def run_or_reuse(cfg: TrainConfig, run_dir: Path, progress: bool = False, plots: bool = True,
                 log: Callable[[str], None] | None = None) -> dict:
    """The report of the run ``cfg`` in ``run_dir``: reused when finished, resumed from its
    checkpoint when interrupted, trained otherwise. A directory that holds a run of another
    configuration is a :class:`RunError`; a finished run that differs only in where it ran
    (:data:`WHERE_FIELDS`) is reused."""
    run_dir = Path(run_dir)
    if (run_dir / CONFIG).is_file():
        try:
            saved = TrainConfig.from_dict(json.loads((run_dir / CONFIG).read_text())).to_dict()
        except (ValueError, TypeError):
            saved = None
        finished = (run_dir / REPORT).is_file()
        if finished and saved is not None and same_experiment(saved, cfg.to_dict()):
            if log:
                log(f"reusing the finished run {run_dir}")
            return json.loads((run_dir / REPORT).read_text())
        if saved != cfg.to_dict():
            raise RunError(f"{run_dir} holds a run with another configuration; remove it or "
                           f"choose another --out")
        if (run_dir / CHECKPOINT).is_file():
            return train(cfg, run_dir, resume=True, progress=progress, plots=plots, log=log)
        # a config without checkpoint: the run died before its first epoch; start again
        (run_dir / CONFIG).unlink()
    return train(cfg, run_dir, progress=progress, plots=plots, log=log)


def zeta_for(method: str, zeta: float | None) -> float | None:
    """``zeta`` for a method that evolves its topology, ``None`` for dense and static (a
    comparison's ``--zeta`` is meant for the dynamic methods).

    >>> zeta_for("set", 0.1), zeta_for("static", 0.1)
    (0.1, None)
    """
    try:
        return zeta if get_method(method).evolves else None
    except ValueError:  # an unknown name: TrainConfig reports it in one line
        return zeta


def compare(base: TrainConfig, methods: Sequence[str], seeds: Sequence[int], out,
            *, lr: float | None = None, zeta: float | None = None, progress: bool = True,
            plots: bool = True,
            log: Callable[[str], None] | None = print) -> dict:
    """Train every method with every seed (same model, data, epochs) and summarise.

    Every run takes ``base``'s options except the method, the seed and the learning rate:
    ``lr`` for every method when given, else each method's own default
    (:attr:`chsnn.methods.Method.lr`); ``zeta`` for the methods that evolve their topology
    (:func:`zeta_for`).

    Returns ``{"rows": [...one per method...], "runs": [...reports without history...]}``,
    also written to ``out/comparison.json`` (and a Markdown table to ``out/comparison.md``).
    """
    out = Path(out)
    configs = [base.replace(method=m, seed=int(s), lr=lr, zeta=zeta_for(m, zeta))
               for m in methods for s in seeds]
    reports = []
    for cfg in configs:
        run_dir = out / cfg.method / f"seed{cfg.seed}"
        reports.append(run_or_reuse(cfg, run_dir, progress, plots, log))
    rows = summarize(reports)
    result = {"model": base.model, "dataset": reports[0]["dataset"], "epochs": base.epochs,
              "sparsity": base.sparsity, "seeds": [int(s) for s in seeds], "rows": rows,
              "runs": [{k: v for k, v in r.items() if k not in ("history", "energy")}
                       for r in reports]}
    atomic.write_json(out / "comparison.json", result)
    atomic.write_text(out / "comparison.md", comparison_markdown(result))
    return result


def summarize(reports: list[dict]) -> list[dict]:
    """One row per method: mean and standard deviation over seeds, and ratios to dense.

    ``energy_ratio`` / ``sop_ratio`` divide the dense run's energy / SOPs per sample by the
    method's (present when a dense run is among the reports). ``val_accuracy_mean`` /
    ``_std`` summarise the last epoch's validation accuracy (None when a run had no
    validation split).

    >>> r = lambda m, a, s: {"method": m, "test_accuracy": a, "sparsity_linear": 0.99,
    ...     "sparsity_all": 0.9, "sops_per_sample": s, "energy_uj_per_sample": s / 1e6,
    ...     "live_neuron_fraction": 1.0, "train_seconds": 1.0, "seed": 0}
    >>> rows = summarize([r("dense", 0.9, 100.0), r("chsnn", 0.8, 2.0), r("chsnn", 0.9, 2.0)])
    >>> [(x["method"], x["n"], round(x["accuracy_mean"], 3), x["sop_ratio"]) for x in rows]
    [('dense', 1, 0.9, 1.0), ('chsnn', 2, 0.85, 50.0)]
    """
    by_method: dict[str, list[dict]] = {}
    for r in reports:
        by_method.setdefault(r["method"], []).append(r)
    dense = by_method.get("dense")
    dense_sops = _mean_std([r["sops_per_sample"] for r in dense])[0] if dense else None
    dense_energy = _mean_std([r["energy_uj_per_sample"] for r in dense])[0] if dense else None
    rows = []
    for method, rs in by_method.items():
        row = {"method": method, "n": len(rs), "seeds": [r["seed"] for r in rs]}
        for key, name in (("test_accuracy", "accuracy"), ("sparsity_linear", "sparsity_linear"),
                          ("sparsity_all", "sparsity_all"), ("sops_per_sample", "sops"),
                          ("energy_uj_per_sample", "energy_uj"),
                          ("live_neuron_fraction", "live"), ("train_seconds", "seconds")):
            row[f"{name}_mean"], row[f"{name}_std"] = _mean_std([float(r[key]) for r in rs])
        vals = [r.get("val_accuracy") for r in rs]
        row["val_accuracy_mean"], row["val_accuracy_std"] = (
            (None, None) if None in vals else _mean_std([float(v) for v in vals]))
        row["sop_ratio"] = dense_sops / row["sops_mean"] if dense and row["sops_mean"] else None
        row["energy_ratio"] = (dense_energy / row["energy_uj_mean"]
                               if dense and row["energy_uj_mean"] else None)
        rows.append(row)
    return rows


def format_table(rows: list[dict]) -> str:
    """The comparison as a plain-text table (accuracy as mean ± std over seeds)."""
    val = any(r.get("val_accuracy_mean") is not None for r in rows)
    head = ["method", "seeds", "test accuracy (%)", *(["val accuracy (%)"] if val else []),
            "sparsity (%)", "live (%)", "SOPs/sample", "dense/method SOPs", "energy (uJ)",
            "train (s)"]
    body = []
    for r in rows:
        body.append([
            r["method"], str(r["n"]),
            f"{100 * r['accuracy_mean']:.2f} ± {100 * r['accuracy_std']:.2f}",
            *([_val_cell(r)] if val else []),
            f"{100 * r['sparsity_linear_mean']:.2f}", f"{100 * r['live_mean']:.1f}",
            f"{r['sops_mean']:.4g}",
            "-" if r["sop_ratio"] is None else f"{r['sop_ratio']:.1f}x",
            f"{r['energy_uj_mean']:.4g}", f"{r['seconds_mean']:.0f}"])
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])


def _val_cell(r: dict) -> str:
    if r.get("val_accuracy_mean") is None:
        return "-"
    return f"{100 * r['val_accuracy_mean']:.2f} ± {100 * r['val_accuracy_std']:.2f}"


def comparison_markdown(result: dict) -> str:
    """``comparison.md``: the table, in Markdown (a validation column when the runs had a
    validation split)."""
    val = any(r.get("val_accuracy_mean") is not None for r in result["rows"])
    lines = [f"# {result['model']} on {result['dataset']}: {result['epochs']} epochs, "
             f"sparsity {100 * result['sparsity']:.0f}%, seeds {result['seeds']}", "",
             "| method | seeds | test accuracy (%) | " + ("val accuracy (%) | " if val else "")
             + "sparsity (%) | live neurons (%) | "
             "SOPs/sample | dense/method SOPs | energy (uJ/sample) | train (s) |",
             "|---|---|---|---|---|---|---|---|---|" + ("---|" if val else "")]
    for r in result["rows"]:
        ratio = "-" if r["sop_ratio"] is None else f"{r['sop_ratio']:.1f}x"
        lines.append(
            f"| {r['method']} | {r['n']} | {100 * r['accuracy_mean']:.2f} ± "
            f"{100 * r['accuracy_std']:.2f} | " + (f"{_val_cell(r)} | " if val else "")
            + f"{100 * r['sparsity_linear_mean']:.2f} | "
            f"{100 * r['live_mean']:.1f} | {r['sops_mean']:.4g} | {ratio} | "
            f"{r['energy_uj_mean']:.4g} | {r['seconds_mean']:.0f} |")
    return "\n".join(lines) + "\n"
