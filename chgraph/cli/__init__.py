"""The ``chgraph`` command: link prediction, evaluation, topology analysis and file conversion.

Usage::

    chgraph score karate.graphml --method CH3-L3 --top 10
    chgraph score runs/chsnn-mnist/topology.npz --layer fc2 --top 50 --out fc2-links.csv
    chgraph evaluate davis.graphml --repeats 5 --out davis-eval.json
    chgraph evaluate net.npz --layer fc1 --methods CH3-L3 RA-L3 random --negatives 100000
    chgraph analyze runs/chsnn-mnist                  # tables + runs/chsnn-mnist/analysis/
    chgraph analyze karate.graphml --null 10 --out karate-analysis
    chgraph export runs/chsnn-mnist net.graphml       # a run directory means its topology.npz
    chgraph export net.graphml net.edgelist --no-weights
    python -m chgraph.cli --help

Subcommands (``chgraph COMMAND --help`` lists every option):

``score GRAPH``
    The best candidate links (non-links) of a layer or a graph by a link predictor
    (:func:`chgraph.top_k_links`): a table ``rank u v score``; ``--out`` writes CSV/TSV.
``evaluate GRAPH``
    Repeated hold-out link-prediction evaluation (:func:`chgraph.evaluation.compare_bipartite`
    or :func:`~chgraph.evaluation.compare_unipartite`): precision, AUPR, AUROC, NDCG (mean
    ± std); ``--out`` writes JSON.
``analyze TARGET``
    Topology measures per layer (:func:`chgraph.analysis.summary`,
    :func:`~chgraph.analysis.analyze_layers`), power-law fits, and for a ``chsnn train`` run
    directory the live-neuron fraction and link turnover per epoch; writes plots and
    ``analysis.json``.
``export SRC DST``
    Convert between ``.npz``, ``.graphml``, ``.gml`` and edge lists (by extension).

GRAPH, TARGET and SRC are files :func:`chgraph.io.read_graph` reads (``.npz``, ``.graphml``,
``.gml``, ``.edgelist``/``.edges``/``.txt``/``.tsv``) or a run directory of ``chsnn train``
(its ``topology.npz``). Bad input (a missing or corrupt file, an unsupported extension, an
unknown method, an option out of range) prints one line ``chgraph: error: ...`` on stderr and
exits with status 2.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from chgraph.io import save_layers
>>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
>>> save_layers(path, [np.array([[1, 1, 0], [0, 1, 1]])], names=["fc1"])
>>> main(["score", path, "--top", "2"])  # doctest: +NORMALIZE_WHITESPACE
# CH3-L3 scores of layer 'fc1' (2 x 3, 4 links): top 2 of 2 candidate links
rank  u  v     score
----  -  -  --------
   1  0  2  1.000000
   2  1  0  1.000000
0
>>> main(["score", path, "--method", "nope"])  # the message goes to stderr
2
"""

from __future__ import annotations

import argparse
import sys

from ._common import CLIError, error_message

__all__ = ["main", "build_parser", "CLIError"]


class _UsageError(Exception):
    """A command-line syntax error reported by argparse."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``chgraph: error: ...``), not usage text."""

    def error(self, message):  # noqa: D102 - argparse API
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``chgraph`` command and its subcommands.

    >>> build_parser().parse_args(["score", "g.npz", "--top", "5"]).top
    5
    """
    from . import analyze, evaluate, export, score

    parser = _Parser(
        prog="chgraph",
        description="Cannistraci-Hebb link prediction, evaluation and topology analysis of "
        "sparse layers and graphs (chgraph).",
        epilog="Run 'chgraph COMMAND --help' for the options of a command.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"chgraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (score, evaluate, analyze, export):
        sub = module.add_parser(commands)
        sub.set_defaults(func=module.run)
    return parser


def main(argv=None) -> int:
    """Run the ``chgraph`` command with ``argv`` (default ``sys.argv[1:]``); the exit status.

    0 on success, 2 on bad input (one line on stderr: ``chgraph: error: <problem>``).

    >>> main(["export", "missing.npz", "out.graphml"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        return _fail(str(exc))
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    try:
        return int(args.func(args) or 0)
    except (CLIError, ValueError, TypeError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):
            return _broken_pipe()
        return _fail(error_message(exc))
    except KeyboardInterrupt:
        print("chgraph: interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    message = " ".join(str(message).split()) or "unknown error"
    print(f"chgraph: error: {message}", file=sys.stderr)
    return 2


def _broken_pipe() -> int:
    """The reader of stdout went away (``chgraph score ... | head``): stop quietly."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 1
