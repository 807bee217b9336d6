"""``chgraph analyze TARGET``: topology measures of layers, graphs and ``chsnn train`` runs.

TARGET is a graph file or a run directory of ``chsnn train`` (``topology.npz``,
``topology/epoch_NNN.npz``, ``report.json``).

* Layers: :func:`chgraph.analysis.analyze_layers` per chain of layers (for a run, its chains
  as ``report.json`` records them; for a file, consecutive layers whose shapes chain, ``n_out``
  = next ``n_in``: files do not record the chains, so independent layers of matching shapes
  count as one chain), printed with one column per layer, and the power-law fits of each
  side's degrees (:func:`chgraph.analysis.powerlaw_fit`, from the summaries); the live
  fraction of hidden neurons (:func:`chgraph.analysis.live_fraction`, averaged over the
  chains, weighted by their hidden neurons). With ``--dense-after`` (always for a run: chsnn's
  sparse layers feed dense classifiers or other dense consumers) the outputs of each chain's
  last layer count as hidden neurons, live when they have an incoming link: the same count as
  the run's own ``live_neuron_fraction``.
* A unipartite graph: :func:`chgraph.analysis.summary`.
* A run directory, in addition: per epoch snapshot the number of links, the live fraction and
  the link turnover from the previous snapshot (:func:`chgraph.analysis.link_turnover` per
  layer; the table's ``turnover`` is the removed fraction over all layers, ``sum n_removed /
  sum n_before``, and the per-layer removed fractions when there are at most four layers).

Written to ``--out`` (default ``TARGET/analysis`` for a run directory, else
``./<stem>-analysis``): ``degrees.png`` (:func:`chgraph.analysis.plot_degree_distributions`),
for a run ``dynamics.png`` (live fraction and turnover per epoch), and ``analysis.json``
(strict JSON: undefined values are ``null``).

Usage::

    chgraph analyze runs/mnist-chsnn
    chgraph analyze net.npz --sources 0 --null 5 --out net-analysis
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ._common import (
    CLIError,
    add_edgelist_options,
    edgelist_options,
    finite_or_nan,
    is_run_dir,
    non_negative_int,
    resolve_source,
    run_snapshots,
    strict_json,
    write_json,
)
from ._dynamics import chain_indices, epoch_dynamics, split_chains
from ._plots import plot_dynamics, plot_graph_degrees

__all__ = ["add_parser", "run"]

#: Units of work (layers + snapshots) from which a progress bar is shown.
PROGRESS_MIN = 4
#: Measures shown in the per-layer table (all of them go to analysis.json).
LAYER_MEASURES = (
    "n_in", "n_out", "n_nodes", "n_links", "density", "mean_degree_in", "mean_degree_out",
    "mean_degree", "max_degree_in", "max_degree_out", "max_degree", "isolated_fraction_in",
    "isolated_fraction_out", "isolated_fraction", "average_clustering", "degree_assortativity",
    "modularity", "n_communities", "characteristic_path_length", "global_efficiency",
    "lcc_fraction", "path_sources", "small_world_sigma", "live_in_fraction", "live_out_fraction",
)
POWERLAW = ("alpha", "xmin", "sigma", "D", "R", "p")
RUN_KEYS = ("method", "model", "dataset", "seed", "epochs", "test_accuracy",
            "live_neuron_fraction", "sparsity_linear", "chains")


def add_parser(commands):
    p = commands.add_parser(
        "analyze", help="topology measures, power-law fits, turnover of a run",
        description="Topology measures per layer (or of a graph), power-law fits of the "
        "degrees, and for a chsnn run directory the live-neuron fraction and link turnover "
        "per epoch; writes degree plots and analysis.json.",
    )
    p.add_argument("target", metavar="TARGET",
                   help="graph file (.npz, .graphml, .gml, edge list) or chsnn run directory")
    p.add_argument("--out", metavar="DIR",
                   help="output directory (default TARGET/analysis for a run directory, "
                   "else ./<stem>-analysis)")
    p.add_argument("--sources", type=non_negative_int, default=500, metavar="N",
                   help="sampled BFS sources of the path lengths (default 500; 0 = exact)")
    p.add_argument("--null", type=non_negative_int, default=0, metavar="N",
                   help="degree-preserving null networks for the small-world sigma "
                   "(default 0 = skip)")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="S",
                   help="seed of every random choice (default 0)")
    p.add_argument("--dense-after", action="store_true",
                   help="the outputs of each chain's last layer feed a dense layer that the "
                   "file does not hold (a dense classifier): count them as hidden neurons "
                   "(always so for a chsnn run directory)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_edgelist_options(p)
    return p


def _progress(total: int, quiet: bool, desc: str):
    from tqdm.auto import tqdm

    disable = quiet or total < PROGRESS_MIN or not sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=False,
                disable=disable)


def _layer_rows(stack, args, progress, chains, dense_after: bool) -> list[dict]:
    from ..analysis import analyze_layers

    rows = []
    n_sources = args.sources or None
    for chain in chains:
        found = analyze_layers([stack.layers[i] for i in chain], n_sources=n_sources,
                               n_null=args.null, rng=args.seed, dense_after=dense_after)
        for i, row in zip(chain, found, strict=True):
            row["layer"] = i
            rows.append({"name": stack.names[i], **row})
        progress.update(len(chain))
    return rows


def _measure_table(rows: list[dict], digits: int = 4) -> str:
    """Measures as rows, one column per layer (or the graph)."""
    from ..evaluation import format_table

    names = [row["name"] for row in rows]
    if len(set(names)) != len(names):  # distinct column titles
        names = [f"{row['layer']}:{row['name']}" for row in rows]
    table = []
    for key in LAYER_MEASURES:
        if any(key in row for row in rows):
            entry = {"measure": key}
            entry.update({n: finite_or_nan(row.get(key)) for n, row in zip(names, rows,
                                                                            strict=True)})
            table.append(entry)
    return format_table(table, ["measure", *names], digits=digits)


def _powerlaw_rows(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        sides = (("in", "_in"), ("out", "_out")) if row["kind"] == "layer" else (("all", ""),)
        for side, suffix in sides:
            entry = {"name": row["name"], "side": side}
            entry.update({p: row.get(f"powerlaw_{p}{suffix}") for p in POWERLAW})
            out.append(entry)
    return out


def _epoch_table(entries: list[dict], names: list[str], digits: int = 4) -> str:
    from ..evaluation import format_table

    per_layer = len(names) <= 4 and len(names) > 1
    columns = ["epoch", "links", "live_fraction", "removed", "added", "turnover", "jaccard"]
    table = []
    for e in entries:
        row = {"epoch": e["epoch"], "links": e["n_links"],
               "live_fraction": finite_or_nan(e["live_fraction"]),
               "removed": e["n_removed"] if e["n_removed"] is not None else "-",
               "added": e["n_added"] if e["n_added"] is not None else "-",
               "turnover": finite_or_nan(e["turnover"]), "jaccard": finite_or_nan(e["jaccard"])}
        if per_layer:
            for name in names:
                t = (e["layers"] or {}).get(name)
                row[f"turnover:{name}"] = float("nan") if t is None else t["removed_fraction"]
        table.append(row)
    if per_layer:
        columns += [f"turnover:{name}" for name in names]
    return format_table(table, columns, digits=digits)


def _read_report(run_dir: str) -> dict | None:
    path = os.path.join(run_dir, "report.json")
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CLIError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(report, dict):
        raise CLIError(f"{path}: not a JSON object")
    chains = report.get("chains")
    if chains is not None and not (
            isinstance(chains, list) and all(isinstance(c, list) and c and all(
                isinstance(n, str) for n in c) for c in chains)):
        raise CLIError(f"{path}: 'chains' must be a list of lists of layer names")
    return {key: report[key] for key in RUN_KEYS if key in report}


def run(args) -> int:
    from ..analysis import live_fraction, plot_degree_distributions, summary
    from ..evaluation import format_table
    from ..io import LayerStack, load_layers, read_graph

    target = os.fspath(args.target)
    source = resolve_source(target)  # a missing target or an empty directory fails here
    run_dir = is_run_dir(target)
    report = _read_report(target) if run_dir else None
    snapshots = run_snapshots(target) if run_dir else []
    obj = read_graph(source, **edgelist_options(args))
    if run_dir and not isinstance(obj, LayerStack):
        raise CLIError(f"{source}: holds a unipartite graph, not the layers of a run")
    out = Path(args.out) if args.out else (
        Path(target) / "analysis" if run_dir else Path(f"{Path(target).stem}-analysis"))
    if out.exists() and not out.is_dir():
        raise CLIError(f"{out}: exists and is not a directory")
    n_layers = len(obj) if isinstance(obj, LayerStack) else 1
    files, result = {}, {"target": target, "source": source,
                         "settings": {"n_sources": args.sources or None, "n_null": args.null,
                                      "seed": args.seed}}
    run_chains = (report or {}).get("chains") or None  # names; absent in older runs
    dense_after = bool(args.dense_after or run_dir)
    result["settings"]["dense_after"] = dense_after
    with _progress(n_layers + len(snapshots), args.quiet, "analyze") as progress:
        # one snapshot in memory at a time (besides the previous one)
        stream = ((epoch, load_layers(path)) for epoch, path in snapshots)
        entries = epoch_dynamics(stream, progress, chains=run_chains, dense_after=dense_after)
        if isinstance(obj, LayerStack):
            kind = "run" if run_dir else "layers"
            chains = (split_chains(obj.layers) if run_chains is None
                      else chain_indices(run_chains, obj.names, source))
            rows = _layer_rows(obj, args, progress, chains, dense_after)
            result["live_fraction"] = live_fraction(obj.layers, dense_after=dense_after,
                                                    chains=chains)
            result["chains"] = [[obj.names[i] for i in c] for c in chains]
        else:
            kind = "graph"
            row = summary(obj, n_sources=args.sources or None, n_null=args.null, rng=args.seed)
            rows = [{"name": Path(source).stem, **row}]
            progress.update(1)
    result["kind"] = kind
    if report is not None:
        result["run"] = report
    result["layers"] = rows
    result["powerlaw"] = _powerlaw_rows(rows)
    if run_dir:
        result["epochs"] = entries

    out.mkdir(parents=True, exist_ok=True)
    title = Path(target).name or target
    if isinstance(obj, LayerStack):
        if len(obj):
            files["degrees"] = plot_degree_distributions(
                obj.layers, out / "degrees.png", labels=obj.names,
                title=f"degree distributions: {title}").name
    else:
        files["degrees"] = plot_graph_degrees(obj, out / "degrees.png",
                                               f"degree distribution: {title}").name
    if entries:
        files["dynamics"] = plot_dynamics(entries, obj.names, out / "dynamics.png",
                                           f"topology dynamics: {title}").name
    files["analysis"] = "analysis.json"
    result["files"] = files
    write_json(out / "analysis.json", result)

    # -- report ----------------------------------------------------------------------------
    if report is not None:
        parts = [f"{k} {report[k]}" for k in ("method", "model", "dataset", "epochs")
                 if k in report]
        if isinstance(report.get("test_accuracy"), (int, float)):
            parts.append(f"test accuracy {report['test_accuracy']:.4f}")
        print(f"# chsnn run {target}: " + ", ".join(parts))
    what = {"run": "final layers", "layers": "layers", "graph": "graph"}[kind]
    print(f"# topology of the {what} ({source})")
    print(_measure_table(rows))
    print()
    print("# power-law fits of the degrees (powerlaw; R > 0 favours a power law over a "
          "lognormal)")
    print(format_table([{k: finite_or_nan(v) for k, v in r.items()} for r in result["powerlaw"]],
                       ["name", "side", *POWERLAW], digits=4))
    if kind != "graph":
        live = strict_json(result["live_fraction"])
        print()
        where = (" (the outputs of each chain's last layer, which feed a dense layer, "
                 "included)" if dense_after else "")
        print("# live hidden neurons: " + ("none (no hidden layer; see --dense-after)"
                                            if live is None else f"{live:.4f}{where}"))
        reported = (report or {}).get("live_neuron_fraction")
        if isinstance(reported, (int, float)) and (live is None or abs(reported - live) > 1e-9):
            print(f"# the run's report.json says {reported:.4f}")
    if run_dir:
        print()
        if entries:
            print("# per epoch: links, live hidden neurons, turnover from the previous snapshot")
            print(_epoch_table(entries, list(obj.names)))
        else:
            print("# no topology/epoch_NNN.npz snapshots: no per-epoch dynamics")
    print()
    print(f"# wrote {', '.join(files.values())} to {out}")
    return 0
