"""Shared pieces of the ``chgraph`` command: inputs, run directories, option types, output."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import numpy as np

from ..analysis._common import plain

__all__ = [
    "CLIError",
    "error_message",
    "resolve_source",
    "is_run_dir",
    "run_snapshots",
    "read_input",
    "add_edgelist_options",
    "edgelist_options",
    "select_network",
    "node_labels",
    "describe",
    "check_output",
    "strict_json",
    "write_json",
    "positive_int",
    "non_negative_int",
    "open_fraction",
]

#: ``topology/epoch_NNN.npz`` snapshots of a ``chsnn train`` run directory.
SNAPSHOT = re.compile(r"epoch_(\d+)\.npz$")


class CLIError(ValueError):
    """Bad input found by the command itself (reported as ``chgraph: error: ...``)."""


def error_message(exc: BaseException) -> str:
    """One line describing ``exc``; file-system errors as ``<file>: <reason>``.

    >>> error_message(FileNotFoundError(2, "No such file or directory", "g.npz"))
    'g.npz: No such file or directory'
    >>> error_message(ValueError("bad\\n  thing"))
    'bad thing'
    """
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
def _exists(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)


def is_run_dir(path) -> bool:
    """True for a directory (read as a ``chsnn train`` run directory)."""
    return os.path.isdir(os.fspath(path))


def run_snapshots(run_dir) -> list[tuple[int, Path]]:
    """``(epoch, path)`` of the ``topology/epoch_NNN.npz`` snapshots of a run, by epoch."""
    folder = Path(run_dir) / "topology"
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = SNAPSHOT.fullmatch(entry.name)
        if match and entry.is_file():
            found.append((int(match.group(1)), entry))
    return sorted(found)


def resolve_source(path) -> str:
    """The graph file behind ``path``: the file itself, or a run directory's ``topology.npz``
    (its last ``topology/epoch_NNN.npz`` snapshot when there is no ``topology.npz``)."""
    path = os.fspath(path)
    _exists(path)
    if not is_run_dir(path):
        return path
    final = os.path.join(path, "topology.npz")
    if os.path.isfile(final):
        return final
    snapshots = run_snapshots(path)
    if snapshots:
        return os.fspath(snapshots[-1][1])
    method = _run_method(path)
    if method == "dense":
        raise CLIError(f"{path}: a chsnn run of the dense method, which has no sparse topology "
                       "to read (only the sparse methods write topology.npz)")
    if method is not None:
        raise CLIError(f"{path}: a chsnn run ({method}) that has not written its topology yet "
                       "(topology/epoch_000.npz is written when training starts)")
    raise CLIError(f"{path}: a directory but not a chsnn run directory (no topology.npz and "
                   "no topology/epoch_NNN.npz)")


def _run_method(path: str) -> str | None:
    """The ``method`` of a chsnn run directory's report.json or config.json (None: neither)."""
    for name in ("report.json", "config.json"):
        try:
            with open(os.path.join(path, name), encoding="utf-8") as f:
                method = json.load(f).get("method")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(method, str):
            return method
    return None


def add_edgelist_options(p: argparse.ArgumentParser) -> None:
    """``--delimiter`` and ``--extra-fields``: how a plain edge list splits its lines."""
    p.add_argument("--delimiter", metavar="SEP", type=_delimiter,
                   help="field separator of a plain edge list (default: a tab for .tsv, else "
                   "any whitespace; 'tab', 'comma', 'space' or the character itself)")
    p.add_argument("--extra-fields", choices=("refuse", "ignore"), default="refuse",
                   help="a plain edge-list line with more than 'u v': refuse it (default) or "
                   "drop the fields after the second")


def _delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "space": " ", "semicolon": ";"}
    value = named.get(text.lower(), text)
    if not value:
        raise argparse.ArgumentTypeError("the delimiter must not be empty")
    return value


def read_input(path, args=None):
    """``(source file, LayerStack or Graph)`` read with :func:`chgraph.io.read_graph`, an edge
    list split as ``args.delimiter`` / ``args.extra_fields`` say (see
    :func:`add_edgelist_options`)."""
    from ..io import read_graph

    source = resolve_source(path)
    return source, read_graph(source, **edgelist_options(args))


def edgelist_options(args) -> dict:
    """The keyword arguments of :func:`chgraph.io.read_graph` that ``args`` sets."""
    return {"delimiter": getattr(args, "delimiter", None),
            "extra": getattr(args, "extra_fields", None) or "refuse"}


def select_network(obj, layer, source: str):
    """``(name, BipartiteLayer or Graph, bipartite)``: the layer ``layer`` (a name or an index,
    required when the file has several layers) of a LayerStack, or the Graph itself."""
    from ..io import LayerStack

    if not isinstance(obj, LayerStack):
        if layer is not None:
            raise CLIError(f"{source} holds a unipartite graph; --layer applies to layer files")
        return Path(source).stem, obj, False
    names = list(obj.names)
    if not names:
        raise CLIError(f"{source} holds no layers")
    if layer is None:
        if len(names) > 1:
            raise CLIError(f"{source} holds {len(names)} layers ({', '.join(names)}); choose one "
                           "with --layer NAME or --layer INDEX")
        return names[0], obj.layers[0], True
    if layer in names:
        i = names.index(layer)
    elif re.fullmatch(r"-?\d+", layer) and -len(names) <= int(layer) < len(names):
        i = int(layer) % len(names)
    else:
        raise CLIError(f"{source} has no layer {layer!r}; layers: "
                       + ", ".join(f"{j}={n}" for j, n in enumerate(names)))
    return names[i], obj.layers[i], True


def node_labels(net, bipartite: bool):
    """``(row labels, column labels)``: the file's node ids, or None for plain indices."""
    if bipartite:
        return net.row_labels, net.col_labels
    return net.labels, net.labels


def describe(net, bipartite: bool) -> str:
    """``"18 x 14, 89 links"`` for a layer, ``"34 nodes, 78 links"`` for a graph."""
    if bipartite:
        return f"{net.shape[0]} x {net.shape[1]}, {net.n_links} links"
    return f"{net.n_nodes} nodes, {net.n_links} links"


# ------------------------------------------------------------------------------------------
# outputs
# ------------------------------------------------------------------------------------------
def check_output(path, extensions, what: str = "output file") -> str:
    """Check an output path before any work: a known extension and an existing directory."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in extensions:
        raise CLIError(f"unsupported {what} extension {ext or '(none)'!r} of {path}; "
                       f"supported: {', '.join(extensions)}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CLIError(f"{path}: the directory {parent} does not exist")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a directory")
    return path


def strict_json(value):
    """``value`` with plain Python types only and NaN/inf as None (``allow_nan=False`` safe).

    >>> strict_json({"a": np.float32(0.5), "b": [float("nan"), np.int64(3)], 1: (True,)})
    {'a': 0.5, 'b': [None, 3], '1': [True]}
    """
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return strict_json(value.tolist())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return plain(value)


def write_json(path, value) -> None:
    """Write ``value`` as strict JSON (no NaN), atomically."""
    from ..io import atomic_write

    text = json.dumps(strict_json(value), indent=2, allow_nan=False)
    with atomic_write(path, "w") as f:
        f.write(text + "\n")


def finite_or_nan(value):
    """A table cell: None (undefined) shows as ``nan`` in a numeric column."""
    return float("nan") if value is None else value


# ------------------------------------------------------------------------------------------
# option types
# ------------------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    """An integer >= 1 (argparse type)."""
    return _int(text, 1)


def non_negative_int(text: str) -> int:
    """An integer >= 0 (argparse type)."""
    return _int(text, 0)


def _int(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def open_fraction(text: str) -> float:
    """A number in the open interval (0, 1) (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value
