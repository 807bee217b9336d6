"""snn_adapters: thin torch adapters that connect SNN layers to the chgraph engine.

The entry point is :class:`CHSNN`::

    sparsifier = CHSNN(model, optimizer, sparsity=0.99, total_steps=epochs * len(loader))
    with sparsifier.calibrate():          # optional: SSCTI topology + SSWI weights
        for x, _ in calibration_batches:
            model(x)
    for x, y in loader:
        loss = criterion(model(x), y); optimizer.zero_grad(); loss.backward(); optimizer.step()
        sparsifier.step()

Modules: :mod:`~snn_adapters.sparsifier` (CHSNN), :mod:`~snn_adapters.layers` (finding
sparse layers, forward order), :mod:`~snn_adapters.masks` (mask buffers, optimiser state,
:func:`load_sparse_state_dict` for loading a trained sparse model into a plain one),
:mod:`~snn_adapters.calibration` (spike recording hooks), :mod:`~snn_adapters.sparse_linear`
(sparse execution: :class:`SparseLinear`, :func:`to_sparse` / :func:`to_masked`),
:mod:`~snn_adapters.storage` (writing topology into masked or sparse layers),
:mod:`~snn_adapters.links` (torch's ``(out, in)`` against the engine's links),
:mod:`~snn_adapters.neurons` (a plain-torch LIF neuron with a fused multi-step path),
:mod:`~snn_adapters.sparse_lif` (a sparse layer and the LIF neurons it feeds in one pass:
:func:`sparse_linear_lif`).
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "snn_adapters needs torch >= 2.1: install the PyTorch build you want first (CPU: pip "
        "install torch --index-url https://download.pytorch.org/whl/cpu), then pip install "
        "'chsnn[torch]'; see README.md"
    ) from exc

from .layers import find_linear_layers, normalize_name
from .masks import MASK_NAME, load_sparse_state_dict
from .neurons import LIF
from .sparse_lif import sparse_linear_lif
from .sparse_linear import SparseLinear, to_masked, to_sparse
from .sparsifier import CHSNN

__all__ = ["CHSNN", "LIF", "MASK_NAME", "SparseLinear", "find_linear_layers",
           "load_sparse_state_dict", "normalize_name", "sparse_linear_lif", "to_masked",
           "to_sparse"]
