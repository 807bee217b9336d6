"""Log-log plots of degree distributions (matplotlib, Agg canvas: no display needed)."""

from __future__ import annotations

import os
from pathlib import Path

from ..graph import BipartiteLayer, as_layer
from .degrees import degree_distribution

__all__ = ["plot_degree_distributions"]


def plot_degree_distributions(layers, path, *, labels=None, title: str | None = None) -> Path:
    """Write a PNG of the degree distributions of layers: log-log CCDF per side and layer.

    Two panels: the input nodes' degrees (fan-out) and the output nodes' degrees (fan-in), one
    curve per layer, ``P(K >= k)`` against ``k`` on logarithmic axes (degree-0 nodes cannot be
    drawn there; the legend gives their share). A power-law tail with exponent ``alpha`` is a
    straight line of slope ``1 - alpha``. The figure is drawn on a matplotlib Agg canvas,
    without pyplot, so no display and no global state are involved.

    Parameters
    ----------
    layers : layer or sequence of layers
        BipartiteLayer objects or anything :func:`chgraph.as_layer` accepts; their shapes need
        not chain.
    path : str or os.PathLike
        Where to write the PNG (parent directories must exist).
    labels : sequence of str, optional
        Legend names of the layers (default ``layer 0``, ``layer 1``, ...).
    title : str, optional

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> rng = np.random.default_rng(0)
    >>> layers = [rng.random((50, 40)) < 0.1, rng.random((40, 10)) < 0.2]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = plot_degree_distributions(layers, os.path.join(tmp, "degrees.png"))
    ...     out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if isinstance(layers, BipartiteLayer) or (hasattr(layers, "ndim") and layers.ndim == 2):
        layers = [layers]
    chain = [as_layer(layer) for layer in layers]
    if not chain:
        raise ValueError("no layers to plot")
    if labels is None:
        labels = [f"layer {l}" for l in range(len(chain))]
    labels = list(labels)
    if len(labels) != len(chain):
        raise ValueError(f"labels has {len(labels)} entries for {len(chain)} layers")
    path = Path(os.fspath(path))
    fig = Figure(figsize=(9.0, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    panels = fig.subplots(1, 2, sharey=True)
    for ax, side, name in zip(panels, ("in", "out"), ("inputs (fan-out)", "outputs (fan-in)"),
                              strict=True):
        for layer, label in zip(chain, labels, strict=True):
            dist = degree_distribution(layer, side=side)
            ccdf = dist.ccdf()
            pos = dist.degrees > 0
            zero = 1.0 - (ccdf[pos][0] if pos.any() else 0.0)
            legend = f"{label} ({100 * zero:.0f}% isolated)" if zero > 0 else label
            if pos.any():
                ax.loglog(dist.degrees[pos], ccdf[pos], marker="o", markersize=3, label=legend)
        ax.set_xlabel("degree k")
        ax.set_title(name)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    panels[0].set_ylabel("P(K >= k)")
    if title:
        fig.suptitle(title)
    fig.savefig(path, format="png", dpi=120)
    return path
