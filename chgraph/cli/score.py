"""``chgraph score GRAPH``: the best candidate links of a layer or a graph.

The candidates are the non-links (pairs ``(input, output)`` of a layer without a link, pairs
``u < v`` of a graph that are not adjacent), ranked by :func:`chgraph.top_k_links` with the
deterministic tie-break ``ties="index"``: score descending, then ``(u, v)`` ascending by index.
When fewer than ``--top`` candidates have a positive score, zero-score candidates fill the
ranking in index order. ``u`` and ``v`` are the file's node ids (a layer's input and output
labels, a graph's node labels) or, where the file has none (``.npz``, chgraph GraphML/edge
lists), the input and output indices of the layer.

A progress bar (on a terminal) follows the seed nodes of a graph; a graph of a million links
takes about a minute on two cores (see the README).

Usage::

    chgraph score karate.graphml --top 10
    chgraph score topology.npz --layer fc2 --method CH2-L3 --top 100 --out fc2.csv
"""

from __future__ import annotations

import csv
import io

import numpy as np

from ._common import (
    CLIError,
    add_edgelist_options,
    check_output,
    describe,
    node_labels,
    read_input,
    select_network,
)
from ._common import non_negative_int as _non_negative_int
from ._progress import ProgressBar

__all__ = ["add_parser", "run", "ranked_links", "OUTPUTS"]

#: Extensions of ``--out``: comma- or tab-separated values.
OUTPUTS = {".csv": ",", ".tsv": "\t"}


def add_parser(commands):
    from ..linkpred import available_predictors

    p = commands.add_parser(
        "score", help="rank the candidate links of a layer or graph",
        description="Print the best candidate links (non-links) of a layer or graph by a "
        "link predictor, as a table 'rank u v score' (ties: by u, then v).",
    )
    p.add_argument("graph", metavar="GRAPH",
                   help="graph file (.npz, .graphml, .gml, edge list) or chsnn run directory")
    p.add_argument("--method", default="CH3-L3",
                   help="link predictor (default CH3-L3); one of: "
                   + ", ".join(available_predictors()))
    p.add_argument("--top", type=_non_negative_int, default=20, metavar="K",
                   help="number of links to list (default 20; 0 = every candidate)")
    p.add_argument("--layer", metavar="NAME|INDEX",
                   help="the layer of a multi-layer file (its name or index)")
    p.add_argument("--out", metavar="FILE",
                   help="also write the ranking to FILE (.csv or .tsv), atomically")
    add_edgelist_options(p)
    return p


def ranked_links(net, bipartite: bool, method: str = "CH3-L3", top: int = 20, progress=None):
    """``(rows, cols, scores, n_candidates)``: the ``top`` best candidates (0 = all).

    ``progress(done, total)`` is called after each block of seed nodes (rows of a layer); on
    a graph, and on a large layer with few links, the work follows the L3 (or L2) paths and
    memory stays ``O(n + m)`` per thread plus ``O(top)``.

    >>> import numpy as np
    >>> from chgraph import BipartiteLayer
    >>> rows, cols, scores, n = ranked_links(BipartiteLayer(np.eye(2)), True, top=1)
    >>> rows.tolist(), cols.tolist(), n
    ([0], [1], 2)
    """
    from ..linkpred import CandidateLinks

    cands = CandidateLinks(net, method, bipartite=bipartite)  # an unknown method fails here
    n_candidates = cands.n_candidates
    k = n_candidates if top == 0 else min(top, n_candidates)
    flat, scores = cands.top_k(k, ties="index", progress=progress)
    rows, cols = np.divmod(flat, cands.n_cols)
    return rows, cols, scores, n_candidates


def run(args) -> int:
    from ..evaluation import format_table

    out = check_output(args.out, OUTPUTS) if args.out else None
    source, obj = read_input(args.graph, args)
    name, net, bipartite = select_network(obj, args.layer, source)
    bar = ProgressBar(f"scoring {describe(net, bipartite)}")
    try:
        rows, cols, scores, n_candidates = ranked_links(net, bipartite, args.method, args.top,
                                                        progress=bar)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    finally:
        bar.close()
    row_labels, col_labels = node_labels(net, bipartite)
    u = rows.tolist() if row_labels is None else [row_labels[i] for i in rows.tolist()]
    v = cols.tolist() if col_labels is None else [col_labels[j] for j in cols.tolist()]
    table = [{"rank": r + 1, "u": a, "v": b, "score": float(s)}
             for r, (a, b, s) in enumerate(zip(u, v, scores.tolist(), strict=True))]
    what = f"layer {name!r}" if bipartite else f"graph {name!r}"
    print(f"# {args.method} scores of {what} ({describe(net, bipartite)}): top {len(table)} "
          f"of {n_candidates} candidate links")
    print(format_table(table, ["rank", "u", "v", "score"], digits=6))
    if out is not None:
        _write_table(out, table)
    return 0


def _write_table(path: str, table: list[dict]) -> None:
    """Write the ranking as CSV/TSV (full float precision), atomically."""
    import os

    from ..io import atomic_write

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=OUTPUTS[os.path.splitext(path)[1].lower()],
                        lineterminator="\n")
    writer.writerow(["rank", "u", "v", "score"])
    for row in table:
        writer.writerow([row["rank"], row["u"], row["v"], repr(row["score"])])
    with atomic_write(path, "w") as f:
        f.write(buffer.getvalue())
