"""Plots of a run (PNG, written atomically). Figures are drawn on matplotlib's Agg canvas
without pyplot, so importing this module changes no global backend (inline figures in a
notebook keep working)."""

from __future__ import annotations

from pathlib import Path

from . import atomic

__all__ = ["plot_training_curves", "plot_topology_dynamics", "plot_degrees", "save_figure"]


def _subplots(ncols: int, figsize: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols)


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` to ``path`` atomically."""
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format=path.suffix.lstrip(".") or "png")
    return path


def plot_training_curves(history: list[dict], path: str | Path) -> Path:
    """Accuracy (train, and validation or test) and loss per epoch.

    >>> import tempfile, os
    >>> h = [{"epoch": 1, "train_loss": 1.0, "test_loss": 0.9, "train_accuracy": 0.5,
    ...       "test_accuracy": 0.6}]
    >>> p = plot_training_curves(h, os.path.join(tempfile.mkdtemp(), "t.png"))
    >>> p.stat().st_size > 0
    True
    """
    ep = [e["epoch"] for e in history]
    split, label = ("val", "validation") if "val_accuracy" in history[0] else ("test", "test")
    fig, (a1, a2) = _subplots(2, (9, 3.4))
    a1.plot(ep, [100 * e["train_accuracy"] for e in history], "o-", label="train")
    a1.plot(ep, [100 * e[f"{split}_accuracy"] for e in history], "s-", label=label)
    a1.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    a1.legend()
    a2.plot(ep, [e["train_loss"] for e in history], "o-", label="train")
    a2.plot(ep, [e[f"{split}_loss"] for e in history], "s-", label=label)
    a2.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    a2.legend()
    for a in (a1, a2):
        a.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_topology_dynamics(history: list[dict], path: str | Path) -> Path:
    """Live hidden neurons and link turnover (fraction of links replaced) per epoch."""
    ep = [e["epoch"] for e in history]
    fig, (a1, a2) = _subplots(2, (9, 3.4))
    a1.plot(ep, [100 * e["live_neuron_fraction"] for e in history], "o-", color="C2")
    a1.set(xlabel="epoch", ylabel="live hidden neurons (%)", title="Percolation")
    a2.bar(ep, [100 * e["turnover"] for e in history], color="C3")
    a2.set(xlabel="epoch", ylabel="links replaced (%)", title="Link turnover")
    for a in (a1, a2):
        a.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_degrees(layers, names, path: str | Path) -> Path:
    """Degree distributions (log-log CCDF, both sides) of the final sparse layers, written
    atomically with :func:`chgraph.analysis.plot_degree_distributions`."""
    from chgraph.analysis import plot_degree_distributions

    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        plot_degree_distributions(layers, tmp, labels=list(names),
                                  title="Degree distributions of the final sparse layers")
    return path
