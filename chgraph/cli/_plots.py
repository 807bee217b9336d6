"""The figures of ``chgraph analyze`` (matplotlib Agg canvas, no pyplot, no display)."""

from __future__ import annotations

from pathlib import Path

from ._common import finite_or_nan

__all__ = ["plot_graph_degrees", "plot_dynamics"]


def plot_graph_degrees(graph, path: Path, title: str) -> Path:
    """Log-log CCDF of a unipartite graph's degrees (one panel)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..analysis import degree_distribution

    dist = degree_distribution(graph)
    ccdf, pos = dist.ccdf(), dist.degrees > 0
    fig = Figure(figsize=(5.0, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    if pos.any():
        ax.loglog(dist.degrees[pos], ccdf[pos], marker="o", markersize=3)
    ax.set_xlabel("degree k")
    ax.set_ylabel("P(K >= k)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.savefig(path, format="png", dpi=120)
    return path


def plot_dynamics(entries: list[dict], names: list[str], path: Path, title: str) -> Path:
    """Live fraction and link turnover per epoch (two panels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    nan = float("nan")
    epochs = [e["epoch"] for e in entries]
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    live_ax, turn_ax = fig.subplots(1, 2, sharex=True)
    live_ax.plot(epochs, [finite_or_nan(e["live_fraction"]) for e in entries], marker="o",
                 markersize=3)
    live_ax.set_ylabel("live hidden neurons (fraction)")
    live_ax.set_ylim(-0.02, 1.02)
    turn_ax.plot(epochs, [finite_or_nan(e["turnover"]) for e in entries], marker="o",
                 markersize=3, color="black", label="all layers")
    if 1 < len(names) <= 8:
        for name in names:
            turn_ax.plot(epochs, [nan if e["layers"] is None else
                                  e["layers"][name]["removed_fraction"] for e in entries],
                         linewidth=1, alpha=0.7, label=name)
    turn_ax.set_ylabel("link turnover (removed fraction)")
    turn_ax.legend(fontsize="small")
    for ax in (live_ax, turn_ax):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.savefig(path, format="png", dpi=120)
    return path


