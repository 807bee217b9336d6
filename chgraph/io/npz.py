"""The ``.npz`` format of a stack of sparse layers (``format = "chgraph-layers"``, version 1).

Keys of the archive (``numpy.savez``; no pickled objects):

===================  ==============================================================
``format``           ``np.str_("chgraph-layers")``
``version``          ``np.int64(1)``
``names``            1-D array of str, one name per layer (e.g. ``"fc1"``)
``layer{i}.shape``   int64 ``[n_in, n_out]`` of layer ``i`` (rows = inputs)
``layer{i}.indptr``  canonical CSR row pointers of the ``n_in x n_out`` mask (int32 or int64)
``layer{i}.indices`` CSR column indices: sorted and distinct within each row (int32 or int64)
``layer{i}.weight``  optional: float32 weights aligned with ``indices``
===================  ==============================================================

Other keys are ignored, except ``layer{j}.*`` keys of a layer that ``names`` does not list.
The layers need not form a chain.
"""

from __future__ import annotations

import os
import re

import numpy as np
import scipy.sparse as sp

from ..graph import BipartiteLayer
from ._atomic import atomic_write
from ._stack import LayerStack, as_layer_stack
from .errors import PASS_THROUGH, reason

__all__ = ["save_layers", "load_layers", "FORMAT_TAG", "FORMAT_VERSION"]

FORMAT_TAG = "chgraph-layers"
FORMAT_VERSION = 1
_LAYER_KEY = re.compile(r"layer(\d+)\.(\w+)$")


def save_layers(path, layers, *, names=None, weights=None) -> None:
    """Write layers (and optionally their weights) to a ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file; written exactly there (no extension added), through a temporary file in
        the same directory renamed over ``path`` at the end.
    layers : BipartiteLayer, list of layers or LayerStack
    names : list of str, optional
        One per layer (default ``layer0``, ``layer1``, ...; a LayerStack's own names).
    weights : list, optional
        One entry per layer: a dense ``n_in x n_out`` array, a CSR-aligned vector, or None.
        Stored as float32.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> save_layers(path, [np.eye(3), np.ones((3, 2))], names=["fc1", "fc2"],
    ...             weights=[None, np.full((3, 2), 0.5)])
    >>> stack = load_layers(path)
    >>> stack.names, [layer.shape for layer in stack.layers], stack.weights[1].tolist()
    (['fc1', 'fc2'], [(3, 3), (3, 2)], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    """
    stack = as_layer_stack(layers, weights, names)
    arrays = {
        "format": np.str_(FORMAT_TAG),
        "version": np.int64(FORMAT_VERSION),
        "names": np.array(stack.names, dtype=str).reshape(len(stack)),
    }
    for i, (layer, w) in enumerate(zip(stack.layers, stack.weights, strict=True)):
        csr = layer.csr
        arrays[f"layer{i}.shape"] = np.array(layer.shape, dtype=np.int64)
        arrays[f"layer{i}.indptr"] = csr.indptr
        arrays[f"layer{i}.indices"] = csr.indices
        if w is not None:
            arrays[f"layer{i}.weight"] = np.asarray(w, dtype=np.float32)
    with atomic_write(path, "wb") as f:
        np.savez_compressed(f, **arrays)


def load_layers(path) -> LayerStack:
    """Read a ``.npz`` file written by :func:`save_layers` (or any writer of the format).

    Returns
    -------
    LayerStack
        ``.names``, ``.layers`` (BipartiteLayer) and ``.weights`` (per layer a float32 vector
        aligned with the layer's CSR, or None).

    Raises
    ------
    ValueError
        Naming the file and the problem: not an ``.npz`` archive, wrong ``format`` tag or
        ``version``, a missing key, an inconsistent CSR, weights of the wrong length.
    OSError
        If the file cannot be opened (missing, a directory, no permission).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "bad.npz")
    >>> np.savez(path, format=np.str_("something-else"))
    >>> load_layers(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ...bad.npz: not a chgraph layers file (format tag 'something-else', ...); write ...
    """
    name = os.fspath(path)
    if os.path.isfile(name) and not _looks_like_npy_or_zip(name):
        raise ValueError(f"{name}: not an .npz archive (an .npz is a zip of .npy arrays; this "
                         "file is neither a zip archive nor a .npy array)")
    try:
        archive = np.load(name, allow_pickle=False)
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to parse is a bad file
        raise ValueError(f"{name}: not a readable .npz archive ({reason(exc)})") from None
    if not hasattr(archive, "files"):
        raise ValueError(f"{name}: a single .npy array, not an .npz archive of layers")
    try:
        with archive:
            arrays = {key: archive[key] for key in archive.files}
    except Exception as exc:  # noqa: BLE001 - a damaged member of the archive
        raise ValueError(f"{name}: corrupt .npz archive ({reason(exc)})") from None
    try:
        return stack_from_arrays(arrays)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _looks_like_npy_or_zip(name: str) -> bool:
    """Whether the file starts like a .npy array or is a zip archive (what np.load reads
    without pickles); anything else would reach numpy's message about pickled data."""
    import zipfile

    with open(name, "rb") as f:
        head = f.read(6)
    return head == b"\x93NUMPY" or zipfile.is_zipfile(name)


#: how to make a file that :func:`load_layers` reads, for the message that refuses one
HOW_TO_WRITE = ("write one with chgraph.io.save_layers(path, [matrix, ...]) or convert a graph "
                "file with 'chgraph export SRC DST.npz'")
_SCIPY_FORMATS = ("csr", "csc", "coo", "bsr", "dia", "dok", "lil")


def stack_from_arrays(arrays: dict) -> LayerStack:
    """Validate the arrays of a ``chgraph-layers`` archive and build the stack."""
    tag = arrays.get("format")
    if tag is None or tag.dtype.kind not in "US" or tag.size != 1 or str(tag.ravel()[0]) != (
        FORMAT_TAG
    ):
        shown = "missing" if tag is None else repr(_text(tag)) if tag.size else "empty"
        how = HOW_TO_WRITE
        if tag is not None and tag.size == 1 and _text(tag) in _SCIPY_FORMATS:
            how = ("this is a scipy.sparse.save_npz matrix: convert it with chgraph.io."
                   "save_layers(out, [scipy.sparse.load_npz(path)])")
        raise ValueError(
            f"not a chgraph layers file (format tag {shown}, expected {FORMAT_TAG!r}); {how}"
        )
    version = arrays.get("version")
    if version is None or version.size != 1 or version.dtype.kind not in "iu":
        raise ValueError("missing or non-integer 'version'")
    if int(version.ravel()[0]) != FORMAT_VERSION:
        raise ValueError(
            f"unsupported format version {int(version.ravel()[0])} (this chgraph reads "
            f"version {FORMAT_VERSION})"
        )
    names = arrays.get("names")
    if names is None:
        raise ValueError("missing key 'names'")
    if names.ndim != 1 or (names.size and names.dtype.kind not in "US"):
        raise ValueError(f"'names' must be a 1-D array of str, got {names.dtype} {names.shape}")
    n = names.size
    for key in arrays:
        match = _LAYER_KEY.match(key)
        if match and int(match.group(1)) >= n:
            raise ValueError(f"key {key!r} belongs to no layer: 'names' lists {n} layer(s)")
    layers, weights = [], []
    for i in range(n):
        layer, w = _layer_from_arrays(arrays, i)
        layers.append(layer)
        weights.append(w)
    return LayerStack(layers, [str(x) for x in names], weights)


def _get(arrays: dict, key: str, kinds: str, ndim: int) -> np.ndarray:
    if key not in arrays:
        raise ValueError(f"missing key {key!r}")
    arr = arrays[key]
    if arr.ndim != ndim or (arr.size and arr.dtype.kind not in kinds):
        raise ValueError(f"{key!r} has dtype {arr.dtype} and shape {arr.shape}, expected a "
                         f"{ndim}-D array of {'integers' if kinds == 'iu' else 'floats'}")
    return arr


def _layer_from_arrays(arrays: dict, i: int):
    p = f"layer{i}."
    shape = _get(arrays, p + "shape", "iu", 1)
    if shape.size != 2 or np.any(shape < 0):
        raise ValueError(f"{p}shape must be two non-negative integers, got {shape.tolist()}")
    n_in, n_out = (int(s) for s in shape)
    indptr = _get(arrays, p + "indptr", "iu", 1).astype(np.int64)
    indices = _get(arrays, p + "indices", "iu", 1).astype(np.int64)
    if indptr.size != n_in + 1:
        raise ValueError(f"{p}indptr has {indptr.size} entries, expected n_in + 1 = {n_in + 1}")
    if indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0):
        raise ValueError(
            f"{p}indptr is not a valid CSR row pointer for {indices.size} indices (it must "
            "start at 0, never decrease and end at len(indices))"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= n_out):
        raise ValueError(f"{p}indices has a column outside [0, {n_out})")
    steps = np.diff(indices)
    same_row = np.ones(steps.size, dtype=bool)
    starts = indptr[1:-1]
    starts = starts[(starts > 0) & (starts < indices.size)]
    same_row[starts - 1] = False
    if np.any(steps[same_row] <= 0):
        raise ValueError(f"{p}indices is not canonical: unsorted or repeated within a row")
    pattern = sp.csr_array(
        (np.ones(indices.size, np.int8), indices, indptr), shape=(n_in, n_out)
    )
    layer = BipartiteLayer(pattern)
    w = None
    if p + "weight" in arrays:
        w = _get(arrays, p + "weight", "fiub", 1)
        if w.size != indices.size:
            raise ValueError(f"{p}weight has {w.size} values for {indices.size} links")
        w = w.astype(np.float32)
    return layer, w


def _text(tag: np.ndarray) -> str:
    value = tag.ravel()[0]
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
