"""The one place that converts between torch's ``(out, in)`` weights and the engine's links.

The engine (:mod:`chgraph`) sees a layer as an ``n_in x n_out`` biadjacency and names a link
by its flat index ``i * n_out + o`` (input ``i``, output ``o``); torch stores ``weight`` as
``(out, in)`` with flat index ``o * n_in + i``. Everything that crosses between the two
layouts goes through these functions.

>>> import torch
>>> mask = torch.tensor([[True, False, True], [False, True, False]])   # (out=2, in=3)
>>> links = mask_to_links(mask)
>>> links.tolist()
[0, 3, 4]
>>> links_to_mask(links, (3, 2)).tolist() == mask.tolist()
True
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["mask_to_links", "links_to_mask", "torch_flat_index", "engine_index", "links_to_dense",
           "engine_array", "CSRStructure"]


def mask_to_links(mask: torch.Tensor) -> np.ndarray:
    """Engine flat links (ascending int64 numpy) of a boolean ``(out, in)`` mask (a Conv1d
    mask's trailing kernel axis of size 1 is ignored)."""
    m = mask.reshape(mask.shape[0], -1)
    idx = torch.nonzero(m.reshape(-1)).flatten()
    flat = engine_index(idx, (m.shape[1], m.shape[0])).cpu().numpy().astype(np.int64)
    flat.sort()
    return flat


def torch_flat_index(links, shape: tuple[int, int], device=None) -> torch.Tensor:
    """Flat indices into the ``(out, in)`` weight of the engine links of a layer of
    ``shape = (n_in, n_out)``."""
    n_in, n_out = shape
    i, o = np.divmod(np.asarray(links, dtype=np.int64), n_out)
    return torch.from_numpy(o * n_in + i).to(device)


def engine_index(torch_flat: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Engine flat links of flat indices into the ``(out, in)`` weight (on their device)."""
    n_in, n_out = shape
    return (torch_flat % n_in) * n_out + torch_flat // n_in


def links_to_mask(links, shape: tuple[int, int], device=None) -> torch.Tensor:
    """The boolean ``(out, in)`` mask of engine links of a layer of ``shape = (n_in, n_out)``."""
    n_in, n_out = shape
    mask = torch.zeros(n_out * n_in, dtype=torch.bool, device=device)
    mask[torch_flat_index(links, shape, device)] = True
    return mask.view(n_out, n_in)


def links_to_dense(links, values: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """The dense ``(out, in)`` weight holding ``values`` at the engine links (0 elsewhere),
    on the values' device and dtype."""
    n_in, n_out = shape
    w = torch.zeros(n_out * n_in, dtype=values.dtype, device=values.device)
    w[torch_flat_index(links, shape, values.device)] = values.detach()
    return w.view(n_out, n_in)


def engine_array(weight_2d: torch.Tensor) -> np.ndarray:
    """A dense ``(out, in)`` tensor as the engine's ``n_in x n_out`` numpy array (a copy)."""
    return weight_2d.detach().T.cpu().numpy().copy()


class CSRStructure:
    """Both CSR orders of a link list of a layer of ``shape = (n_in, n_out)``.

    ``indptr_in`` / ``cols``: by inputs (the engine order of the links themselves);
    ``indptr_out`` / ``rows`` / ``perm``: by outputs, ``perm[k]`` being the position in the
    engine order of the ``k``-th link by outputs. Arrays are int64 numpy (for the CPU
    kernels); :meth:`tensors` gives them as torch tensors on a device.

    >>> s = CSRStructure(np.array([0, 3, 4]), (3, 2))
    >>> s.indptr_in.tolist(), s.cols.tolist(), s.indptr_out.tolist(), s.rows.tolist()
    ([0, 1, 2, 3], [0, 1, 0], [0, 2, 3], [0, 2, 1])
    """

    def __init__(self, links: np.ndarray, shape: tuple[int, int]) -> None:
        n_in, n_out = shape
        links = np.asarray(links, dtype=np.int64)
        i, o = np.divmod(links, n_out)
        self.shape = (int(n_in), int(n_out))
        self.indptr_in = np.zeros(n_in + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n_in), out=self.indptr_in[1:])
        self.cols = o
        self.perm = np.argsort(o * n_in + i, kind="stable").astype(np.int64)
        self.rows = i[self.perm]
        self.indptr_out = np.zeros(n_out + 1, dtype=np.int64)
        np.cumsum(np.bincount(o, minlength=n_out), out=self.indptr_out[1:])
        self.identity = np.arange(links.size, dtype=np.int64)
        self._tensors: dict = {}

    def tensors(self, device) -> dict[str, torch.Tensor]:
        """The arrays as int64 tensors on ``device`` (made once per device)."""
        key = str(torch.device(device))
        if key not in self._tensors:
            self._tensors[key] = {name: torch.from_numpy(getattr(self, name)).to(device)
                                  for name in ("indptr_in", "cols", "indptr_out", "rows",
                                               "perm")}
        return self._tensors[key]
