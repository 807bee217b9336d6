"""The files a finished run leaves for people and programs: report.json, report.md, plots,
the final topology (``.npz`` and GraphML). Every file is written atomically.

``report.json`` fields (all runs): ``method``, ``model``, ``dataset``, ``seed``, ``epochs``,
``test_accuracy`` (0..1, after the last epoch; with a validation split the only time the
test set is read), ``val_accuracy`` / ``best_val_accuracy`` (the last and the best epoch on
the validation split; None without one), ``sparsity_linear`` (fraction of absent links
over the sparse layers; for a dense run, the fraction of zero weights over its linear layers),
``sparsity_all`` (over all parameters), ``live_neuron_fraction``, ``sops_per_sample``,
``dense_sops_per_sample`` (the same spikes through full masks), ``macs_per_sample``,
``energy_uj_per_sample`` and ``dense_energy_uj_per_sample`` (0.9 pJ/SOP, 4.6 pJ/MAC),
``sop_reduction`` (dense / sparse SOPs), ``sparse_layers`` and their percolation ``chains``,
``train_seconds``, ``world_size`` (training processes, see :mod:`chsnn.ddp`), ``history``
(one entry per epoch: losses, accuracies, links, live neurons, turnover, evolution
statistics, ``world_size``), ``energy`` (per
layer), ``config``, ``environment`` and ``files``.
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import torch

from chgraph import BipartiteLayer

from . import atomic
from .plots import plot_degrees, plot_topology_dynamics, plot_training_curves

__all__ = ["write_report", "write_topology_snapshot", "REQUIRED_FIELDS", "report_markdown"]

REQUIRED_FIELDS = (
    "method", "model", "dataset", "seed", "epochs", "test_accuracy", "sparsity_linear",
    "sparsity_all", "live_neuron_fraction", "sops_per_sample", "dense_sops_per_sample",
    "energy_uj_per_sample", "train_seconds", "history",
)


def _layers(run) -> tuple[list[str], list[BipartiteLayer], list[np.ndarray]]:
    names, masks = run.layer_masks()
    return names, [BipartiteLayer(m) for m in masks], run.layer_weights()


def write_topology_snapshot(out: Path, run, epoch: int) -> Path:
    """``out/topology/epoch_XXX.npz``: the sparse layers after ``epoch`` (0 = initial)."""
    from chgraph.io import save_layers

    names, layers, weights = _layers(run)
    path = Path(out) / "topology" / f"epoch_{epoch:03d}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_layers(path, layers, names=names, weights=weights)
    return path


def _environment(run) -> dict:
    from . import __version__

    return {"chsnn": __version__, "torch": torch.__version__, "python": platform.python_version(),
            "device": str(run.device), "threads": torch.get_num_threads()}


def write_report(out: Path, run, final: dict, *, plots: bool = True) -> dict:
    """Write every end-of-run file of ``out`` and return the report."""
    out = Path(out)
    cfg, energy = run.cfg, final["energy"]
    last = run.history[-1]
    val = "val_accuracy" in last
    report = {
        "method": cfg.method, "model": cfg.model, "dataset": run.data.name, "seed": cfg.seed,
        "execution": run.execution,
        # the processes of the last session (torchrun); each epoch's entry has its own
        "world_size": run.world.size,
        "epochs": cfg.epochs, "test_accuracy": final["test_accuracy"],
        "test_loss": final["test_loss"],
        "val_accuracy": last["val_accuracy"] if val else None,
        "best_val_accuracy": max(e["val_accuracy"] for e in run.history) if val else None,
        "train_accuracy": last["train_accuracy"],
        # the best epoch on the test set exists only when every epoch was tested (no val split)
        "best_test_accuracy": None if val else max(e["test_accuracy"] for e in run.history),
        "sparsity_linear": final["sparsity_linear"], "sparsity_all": final["sparsity_all"],
        "target_sparsity": cfg.sparsity if run.sparsifier is not None else 0.0,
        "live_neuron_fraction": final["live_neuron_fraction"],
        "sops_per_sample": energy.sops, "dense_sops_per_sample": energy.dense_sops,
        "macs_per_sample": energy.macs, "dense_macs_per_sample": energy.dense_macs,
        "energy_uj_per_sample": energy.energy_uj(),
        "dense_energy_uj_per_sample": energy.dense_energy_uj(),
        "sop_reduction": energy.dense_sops / energy.sops if energy.sops else None,
        "energy_samples": energy.n_samples,
        "parameters": final["parameters"],
        "links": last.get("links"),
        "sparse_layers": [] if run.sparsifier is None else run.sparsifier.layer_names,
        "chains": [] if run.sparsifier is None else run.sparsifier.chains,
        "train_seconds": run.train_seconds,
        "calibration_seconds": run.calibration_seconds,
        # SSCTI / SSWI as applied: first layer, input rates, the rule (None: no calibration)
        "calibration": None if run.sparsifier is None else run.sparsifier.calibration,
        "n_train": len(run.y_train), "n_test": len(run.y_test),
        "n_val": len(run.y_val) if run.has_val else 0,
        "dataset_source": run.data.source,
        "history": run.history,
        "energy": energy.as_dict(),
        "config": cfg.to_dict(),
        "environment": _environment(run),
    }
    files = {"report_md": "report.md", "checkpoint": "checkpoint.pt"}
    plot_dir = out / "plots"
    if plots:
        files["plot_training"] = str(plot_training_curves(run.history, plot_dir / "training.png")
                                     .relative_to(out))
    if run.sparsifier is not None:
        names, layers, weights = _layers(run)
        from chgraph.io import save_layers, write_graphml

        save_layers(out / "topology.npz", layers, names=names, weights=weights)
        files["topology_npz"] = "topology.npz"
        # GraphML holds one multipartite network per chain of layers
        chains = run.chains()
        graphml = []
        for chain in chains:
            fname = ("topology.graphml" if len(chains) == 1
                     else f"topology-{names[chain[0]]}.graphml")
            write_graphml(out / fname, [layers[i] for i in chain],
                          weights=[weights[i] for i in chain], names=[names[i] for i in chain])
            graphml.append(fname)
        files["topology_graphml"] = graphml
        files["topology_epochs"] = "topology/"
        if plots:
            files["plot_topology"] = str(plot_topology_dynamics(
                run.history, plot_dir / "topology.png").relative_to(out))
            files["plot_degrees"] = str(plot_degrees(layers, names, plot_dir / "degrees.png")
                                        .relative_to(out))
    report["files"] = files
    atomic.write_json(out / "report.json", report)
    atomic.write_text(out / "report.md", report_markdown(report))
    return report


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def report_markdown(r: dict) -> str:
    """The report for people: the numbers, the per-epoch table and the plots."""
    red = r.get("sop_reduction")
    val = r.get("val_accuracy") is not None
    split = "val" if val else "test"
    best = ([f"| validation accuracy (last epoch) | {_pct(r['val_accuracy'])} |",
             f"| best validation accuracy | {_pct(r['best_val_accuracy'])} |"] if val else
            [f"| best test accuracy | {_pct(r['best_test_accuracy'])} |"])
    lines = [
        f"# {r['method']} · {r['model']} · {r['dataset']} · seed {r['seed']}", "",
        "| measure | value |", "|---|---|",
        f"| test accuracy (last epoch) | {_pct(r['test_accuracy'])} |",
        *best,
        f"| sparsity of the sparse layers | {_pct(r['sparsity_linear'])} |",
        f"| sparsity over all parameters | {_pct(r['sparsity_all'])} |",
        f"| links in the sparse layers | {r['links'] if r['links'] is not None else 'dense'} |",
        f"| live hidden neurons | {_pct(r['live_neuron_fraction'])} |",
        f"| synaptic operations / sample | {r['sops_per_sample']:.4g} "
        f"(same spikes, full masks: {r['dense_sops_per_sample']:.4g}"
        + (f"; {red:.1f}x fewer" if red else "") + ") |",
        f"| multiply-accumulates / sample | {r['macs_per_sample']:.4g} |",
        f"| energy / sample | {r['energy_uj_per_sample']:.4g} uJ "
        f"(full masks: {r['dense_energy_uj_per_sample']:.4g} uJ) |",
        f"| training time | {r['train_seconds']:.1f} s on {r['environment']['device']} |",
        f"| data | {r['n_train']} train / {r.get('n_val', 0)} validation / {r['n_test']} test "
        f"({r['dataset_source']}) |",
        "", "Energy model: 0.9 pJ per synaptic operation, 4.6 pJ per multiply-accumulate "
        "(45 nm); see `chsnn.energy`.", "",
        "## Per epoch", "",
        f"| epoch | loss | train acc | {split} acc | links | live | turnover | regrown | "
        "filled at random | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in r["history"]:
        evo = e.get("evolution") or []
        regrown = sum(x["regrown"] for x in evo)
        filled = sum(x["filled_random"] for x in evo)
        lines.append(
            f"| {e['epoch']} | {e['train_loss']:.4f} | {_pct(e['train_accuracy'])} | "
            f"{_pct(e[split + '_accuracy'])} | {e['links'] if e['links'] is not None else '-'} | "
            f"{_pct(e['live_neuron_fraction'])} | {_pct(e['turnover'])} | {regrown} | "
            f"{filled} | {e['seconds']:.1f} |")
    lines += ["", "## Plots", ""]
    for key, title in (("plot_training", "Accuracy and loss"),
                       ("plot_topology", "Live neurons and link turnover"),
                       ("plot_degrees", "Degree distributions of the final layers")):
        if key in r["files"]:
            lines += [f"### {title}", "", f"![{title}]({r['files'][key]})", ""]
    lines += ["## Layers (synaptic operations per sample)", "",
              "| layer | kind | synapses | SOPs | MACs |", "|---|---|---|---|---|"]
    for name, lo in r["energy"]["layers"].items():
        lines.append(f"| {name} | {lo['kind']} | {lo['synapses']}/{lo['dense_synapses']} | "
                     f"{lo['sops']:.4g} | {lo['macs']:.4g} |")
    return "\n".join(lines) + "\n"
