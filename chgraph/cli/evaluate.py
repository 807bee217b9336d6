"""``chgraph evaluate GRAPH``: repeated hold-out link-prediction evaluation.

A layer is evaluated with :func:`chgraph.evaluation.compare_bipartite` (default methods
:data:`~chgraph.evaluation.BIPARTITE_METHODS`), a unipartite graph with
:func:`~chgraph.evaluation.compare_unipartite` (:data:`~chgraph.evaluation.UNIPARTITE_METHODS`,
networkx's L2 baselines included). Every repeat holds out ``--fraction`` of the links with seed
``--seed + repeat`` (the same split for every method) and ranks the held-out links against the
non-links (all of them, or ``--negatives`` sampled ones). The table gives mean ± sample std over
the repeats of precision (at k = held-out links), AUPR, AUROC and NDCG.

A progress bar (on a terminal) counts the (repeat, method) steps. On a graph the CH scores of
the candidate pairs are computed seed by seed in ``O(n + m)`` memory per thread; for a graph of
a million links sample the negatives (``--negatives``), as the README shows.

Usage::

    chgraph evaluate davis.graphml --repeats 5
    chgraph evaluate topology.npz --layer fc1 --methods CH3-L3 RA-L3 random --out eval.json
"""

from __future__ import annotations

from ._common import (
    CLIError,
    add_edgelist_options,
    check_output,
    describe,
    non_negative_int,
    open_fraction,
    positive_int,
    read_input,
    select_network,
    write_json,
)
from ._progress import ProgressBar

__all__ = ["add_parser", "run", "summary_table"]

METRIC_NAMES = {"precision": "precision", "aupr": "AUPR", "auroc": "AUROC", "ndcg": "NDCG"}


def add_parser(commands):
    p = commands.add_parser(
        "evaluate", help="evaluate link predictors by repeated hold-out",
        description="Hold out a fraction of the links repeatedly and rank them against the "
        "non-links: precision, AUPR, AUROC and NDCG (mean ± std) per method.",
    )
    p.add_argument("graph", metavar="GRAPH",
                   help="graph file (.npz, .graphml, .gml, edge list) or chsnn run directory")
    p.add_argument("--methods", nargs="+", metavar="METHOD",
                   help="methods (space- or comma-separated): link predictors, nx.* baselines, "
                   "random (default: the ready comparison set for layers or for graphs)")
    p.add_argument("--fraction", type=open_fraction, default=0.1,
                   help="fraction of links held out per repeat, in (0, 1) (default 0.1)")
    p.add_argument("--repeats", type=positive_int, default=10,
                   help="number of hold-out splits (default 10)")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="seed of the first split (default 0)")
    p.add_argument("--negatives", type=positive_int, metavar="N",
                   help="sample N non-links per repeat instead of using all (large graphs)")
    p.add_argument("--layer", metavar="NAME|INDEX",
                   help="the layer of a multi-layer file (its name or index)")
    p.add_argument("--out", metavar="FILE.json", help="write the full results as JSON")
    add_edgelist_options(p)
    return p


def _methods(values):
    if values is None:
        return None
    names = [name for value in values for name in value.split(",") if name.strip()]
    return [name.strip() for name in names]


def summary_table(summary: list[dict], digits: int = 3) -> str:
    """The per-method summary as ``mean ± std`` columns.

    >>> print(summary_table([{"method": "CH3-L3", "n_repeats": 2, "precision_mean": 0.5,
    ...     "precision_std": 0.1, "aupr_mean": 0.4, "aupr_std": 0.0, "auroc_mean": 0.9,
    ...     "auroc_std": 0.05, "ndcg_mean": 0.6, "ndcg_std": 0.02}]))
    method  repeats  precision      AUPR           AUROC          NDCG
    ------  -------  -------------  -------------  -------------  -------------
    CH3-L3        2  0.500 ± 0.100  0.400 ± 0.000  0.900 ± 0.050  0.600 ± 0.020
    """
    from ..evaluation import format_table

    def cell(mean, std):
        if mean is None or mean != mean:
            return "nan"
        return f"{mean:.{digits}f} ± {std:.{digits}f}"

    rows = []
    for entry in summary:
        row = {"method": entry["method"], "repeats": entry["n_repeats"]}
        for key, title in METRIC_NAMES.items():
            row[title] = cell(entry[f"{key}_mean"], entry[f"{key}_std"])
        rows.append(row)
    return format_table(rows, ["method", "repeats", *METRIC_NAMES.values()], digits=digits)


def run(args) -> int:
    from ..evaluation import check_methods, compare_bipartite, compare_unipartite

    out = check_output(args.out, {".json"}) if args.out else None
    source, obj = read_input(args.graph, args)
    name, net, bipartite = select_network(obj, args.layer, source)
    methods = _methods(args.methods)
    if methods is not None:
        check_methods(methods, bipartite)  # before any work
    if net.n_links < 2:
        raise CLIError(f"{source}: {net.n_links} link(s); at least 2 are needed to hold some out")
    compare = compare_bipartite if bipartite else compare_unipartite
    kwargs = {} if methods is None else {"methods": methods}
    bar = ProgressBar(f"evaluating {describe(net, bipartite)}")
    try:
        result = compare(net, fraction=args.fraction, n_repeats=args.repeats, seed=args.seed,
                         n_negatives=args.negatives, progress=bar, **kwargs)
    finally:
        bar.close()
    what = f"layer {name!r}" if bipartite else f"graph {name!r}"
    scored = result.settings["negatives_scored"]
    if args.negatives is None:
        negatives = f"all {scored} non-links"
    elif scored == args.negatives:
        negatives = f"{scored} sampled non-links"
    else:  # asked for more than there are: every non-link is scored
        negatives = f"all {scored} non-links (--negatives {args.negatives} exceeds them)"
    print(f"# link prediction on {what} ({describe(net, bipartite)}): {args.repeats} repeat(s), "
          f"{args.fraction:g} held out, seed {args.seed}, {negatives}")
    print(summary_table(result.summary))
    print(f"# best: AUPR {result.best('aupr')}, AUROC {result.best('auroc')}, "
          f"precision {result.best('precision')}")
    if out is not None:
        write_json(out, {
            "graph": source,
            "layer": name if bipartite else None,
            "kind": "layer" if bipartite else "graph",
            "shape": list(net.shape),
            "n_links": net.n_links,
            "settings": result.settings,
            "summary": result.summary,
            "rows": result.rows,
        })
    return 0
