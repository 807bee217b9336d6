"""Conversions of a layer to and from a scipy sparse matrix of weights."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..graph import BipartiteLayer, as_layer
from ._stack import aligned_weights

__all__ = ["to_scipy", "from_scipy"]


def to_scipy(layer, weights=None) -> sp.csr_array:
    """The layer as a ``scipy.sparse.csr_array`` of float32 weights (1 where none are given).

    Every link is stored, even one of weight 0 (an explicit zero), so :func:`from_scipy` gets
    the same pattern back.

    Examples
    --------
    >>> import numpy as np
    >>> to_scipy(np.array([[1, 0], [1, 1]]), weights=[0.5, 0.0, 2.0]).toarray().tolist()
    [[0.5, 0.0], [0.0, 2.0]]
    """
    layer = as_layer(layer)
    if weights is None:
        values = np.ones(layer.n_links, np.float32)
    else:
        values = aligned_weights(layer, weights)
    csr = layer.csr
    return sp.csr_array((values, csr.indices.copy(), csr.indptr.copy()), shape=layer.shape)


def from_scipy(matrix) -> tuple[BipartiteLayer, np.ndarray | None]:
    """A layer and its float32 weights from a scipy sparse matrix (any format).

    Every stored entry is a link, explicit zeros included (as :func:`to_scipy` writes them);
    duplicate entries are summed. Boolean matrices give no weights (None).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> layer, w = from_scipy(sp.csr_array([[0.0, -1.5], [2.0, 0.0]]))
    >>> layer.to_dense().tolist(), w.tolist()
    ([[0, 1], [1, 0]], [-1.5, 2.0])
    """
    if not sp.issparse(matrix):
        raise TypeError(f"expected a scipy sparse matrix, got {type(matrix).__name__}")
    if matrix.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got {matrix.ndim} dimensions")
    csr = sp.csr_array(matrix, copy=True)
    csr.sum_duplicates()
    data = np.asarray(csr.data)
    pattern = sp.csr_array(
        (np.ones(csr.indices.size, np.int8), csr.indices, csr.indptr), shape=csr.shape
    )
    layer = BipartiteLayer(pattern)
    if data.dtype == np.bool_:
        return layer, None
    if not np.issubdtype(data.dtype, np.number) or np.iscomplexobj(data):
        raise TypeError(f"the matrix must hold real numbers, got dtype {data.dtype}")
    return layer, data.astype(np.float32)
