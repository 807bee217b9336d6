"""A named stack of sparse layers with optional weights, and the checks behind every writer."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..graph import BipartiteLayer, as_layer

__all__ = ["LayerStack", "as_layer_stack", "node_name", "parse_node_name"]


def node_name(layer: int, index: int) -> str:
    """The stable name of neuron ``index`` of neuron layer ``layer``: ``"L{layer}:{index}"``.

    Neuron layer 0 is the input of the first sparse layer; sparse layer ``i`` joins neuron
    layers ``i`` and ``i + 1``.

    >>> node_name(0, 3), node_name(2, 0)
    ('L0:3', 'L2:0')
    """
    return f"L{int(layer)}:{int(index)}"


def parse_node_name(name: str) -> tuple[int, int]:
    """The ``(layer, index)`` pair of a name made by :func:`node_name`.

    >>> parse_node_name("L1:7")
    (1, 7)
    """
    text = str(name)
    head, sep, tail = text.partition(":")
    if not (sep and head[:1] == "L" and head[1:].isdigit() and tail.isdigit()):
        raise ValueError(f"{name!r} is not a node name of the form 'L<layer>:<index>'")
    return int(head[1:]), int(tail)


@dataclass
class LayerStack:
    """Sparse layers read from or written to a file, with their names and optional weights.

    Attributes
    ----------
    layers : list of BipartiteLayer
        The link patterns, each ``n_in x n_out`` (rows = inputs).
    names : list of str
        One name per layer (e.g. ``"fc1"``).
    weights : list of (numpy.ndarray or None)
        One entry per layer: ``float32`` values aligned with the layer's canonical CSR
        (``layer.csr.indices``), or None for a layer stored without weights.

    Examples
    --------
    >>> import numpy as np
    >>> stack = LayerStack([BipartiteLayer(np.eye(2))], ["fc1"], [None])
    >>> len(stack), stack.is_chain, stack.has_weights
    (1, True, False)
    """

    layers: list[BipartiteLayer]
    names: list[str] = field(default_factory=list)
    weights: list[np.ndarray | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.layers = [as_layer(layer) for layer in self.layers]
        n = len(self.layers)
        if not self.names:
            self.names = default_names(n)
        if not self.weights:
            self.weights = [None] * n
        if len(self.names) != n or len(self.weights) != n:
            raise ValueError(
                f"{n} layer(s) need as many names and weight entries, got {len(self.names)} "
                f"name(s) and {len(self.weights)} weight entries"
            )

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def is_chain(self) -> bool:
        """True when each layer's outputs are the next layer's inputs (equal sizes)."""
        pairs = zip(self.layers, self.layers[1:], strict=False)
        return all(a.shape[1] == b.shape[0] for a, b in pairs)

    @property
    def has_weights(self) -> bool:
        """True when at least one layer carries weights."""
        return any(w is not None for w in self.weights)

    def sizes(self) -> list[int]:
        """Neuron-layer sizes of a chain: ``[n_in of layer 0, n_out of each layer]``."""
        if not self.is_chain:
            raise ValueError(
                "the layers do not form a chain (a layer's n_out differs from the next "
                f"layer's n_in): shapes {[layer.shape for layer in self.layers]}"
            )
        if not self.layers:
            return []
        return [self.layers[0].shape[0]] + [layer.shape[1] for layer in self.layers]

    def dense_weights(self, i: int) -> np.ndarray:
        """The weights of layer ``i`` as a dense ``n_in x n_out`` float32 array (0 off links)."""
        layer, w = self.layers[i], self.weights[i]
        values = np.ones(layer.n_links, np.float32) if w is None else w
        csr = layer.csr
        return sp.csr_array((values, csr.indices, csr.indptr), shape=layer.shape).toarray()


def default_names(n: int) -> list[str]:
    """Names used when none are given: ``layer0``, ``layer1``, ..."""
    return [f"layer{i}" for i in range(n)]


def is_layer_sequence(obj) -> bool:
    """True for a list or tuple of layers (BipartiteLayer, 2-D ndarray or scipy sparse)."""
    if not isinstance(obj, (list, tuple)):
        return False
    return all(
        isinstance(x, BipartiteLayer) or sp.issparse(x)
        or (isinstance(x, np.ndarray) and x.ndim == 2)
        for x in obj
    )


def as_layer_stack(obj, weights=None, names=None) -> LayerStack:
    """Coerce a layer, a sequence of layers or a :class:`LayerStack` (+ weights, names).

    For one layer, ``weights`` is one array; for a sequence, one entry per layer. Given
    ``weights``/``names`` replace those of a :class:`LayerStack`.
    """
    if isinstance(obj, LayerStack):
        layers = obj.layers
        weights = obj.weights if weights is None else weights
        names = obj.names if names is None else names
        single = False
    elif is_layer_sequence(obj):
        layers, single = [as_layer(x) for x in obj], False
    else:
        try:
            layers, single = [as_layer(obj)], True
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "expected a BipartiteLayer, a list of layers or a LayerStack "
                f"({exc})"
            ) from None
    n = len(layers)
    if names is None:
        names = default_names(n)
    elif isinstance(names, str):
        names = [names]
    names = [_check_name(x) for x in names]
    if len(names) != n:
        raise ValueError(f"got {len(names)} name(s) for {n} layer(s)")
    if weights is None:
        weights = [None] * n
    elif single:
        weights = [weights]
    elif not isinstance(weights, (list, tuple)):
        raise TypeError("weights of several layers must be a list with one entry per layer")
    if len(weights) != n:
        raise ValueError(f"got {len(weights)} weight entries for {n} layer(s)")
    aligned = [
        None if w is None else aligned_weights(layer, w, f"weights of layer {i} ({names[i]})")
        for i, (layer, w) in enumerate(zip(layers, weights, strict=True))
    ]
    return LayerStack(list(layers), names, aligned)


def _check_name(name) -> str:
    if not isinstance(name, str) or not name or "\n" in name:
        raise ValueError(f"a layer name must be a non-empty one-line string, got {name!r}")
    return name


def aligned_weights(layer: BipartiteLayer, weights, what: str = "weights") -> np.ndarray:
    """Weights of ``layer``'s links as a float32 vector aligned with its canonical CSR.

    ``weights`` is a dense ``n_in x n_out`` array (values off the links are ignored), a scipy
    sparse matrix of that shape (missing links read 0) or a vector of ``n_links`` values in
    CSR order. Transpose torch's ``(out, in)`` weights first.
    """
    rows, cols = layer.links()
    if sp.issparse(weights):
        if weights.shape != layer.shape:
            raise ValueError(_shape_message(what, weights.shape, layer.shape))
        values = sp.csr_array(weights)[rows, cols]
        return _float32(np.asarray(values).ravel(), what)
    arr = np.asarray(weights)
    if arr.ndim == 1:
        if arr.size != layer.n_links:
            raise ValueError(
                f"{what}: a weight vector needs one value per link ({layer.n_links}), "
                f"got {arr.size}"
            )
        return _float32(arr, what)
    if arr.ndim == 2:
        if arr.shape != layer.shape:
            raise ValueError(_shape_message(what, arr.shape, layer.shape))
        return _float32(arr[rows, cols], what)
    raise ValueError(f"{what} must be a 1-D vector or a 2-D array, got shape {arr.shape}")


def _shape_message(what, got, expected) -> str:
    hint = " (torch stores (out, in): transpose it)" if tuple(got) == tuple(expected)[::-1] else ""
    return f"{what} have shape {tuple(got)}, the layer is {tuple(expected)}{hint}"


def _float32(values: np.ndarray, what: str) -> np.ndarray:
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_):
        raise TypeError(f"{what} must be numbers, got dtype {values.dtype}")
    if np.iscomplexobj(values):
        raise TypeError(f"{what} must be real, got dtype {values.dtype}")
    return np.ascontiguousarray(values, dtype=np.float32)


def layer_from_pairs(rows, cols, shape, weights=None, what: str = "the edges"):
    """A layer and its CSR-aligned float32 weights from ``(input, output)`` pairs.

    Duplicate pairs are an error (they would need two weights for one link).
    """
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    n_in, n_out = shape
    if rows.size and (rows.min() < 0 or cols.min() < 0 or rows.max() >= n_in
                      or cols.max() >= n_out):
        raise ValueError(f"{what}: an index is outside the layer's shape {tuple(shape)}")
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    if rows.size > 1:
        dup = (np.diff(rows) == 0) & (np.diff(cols) == 0)
        if dup.any():
            k = int(np.flatnonzero(dup)[0])
            raise ValueError(f"{what}: the link ({rows[k]}, {cols[k]}) appears twice")
    layer = BipartiteLayer.from_edges(np.stack([rows, cols], axis=1), shape=(n_in, n_out))
    if weights is None:
        return layer, None
    return layer, _float32(np.asarray(weights)[order], what)
