"""Plots of a run (PNG, written atomically). Figures are drawn on matplotlib's Agg canvas
without pyplot, so importing this module changes no global backend (inline figures in a
notebook keep working)."""

from __future__ import annotations

from pathlib import Path

from . import atomic

__all__ = ["plot_training_curves", "plot_topology_dynamics", "plot_degrees", "save_figure",
           "training_figure", "topology_figure"]


def _subplots(ncols: int, figsize: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols)


def _epoch_axis(ax, epochs: list[int]) -> None:
    """Integer epoch ticks (at most about ten), the axis spanning the epochs with half an
    epoch to spare on each side (a one-epoch run gets one tick, not 0.96 .. 1.04)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True, min_n_ticks=1))
    if epochs:
        ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    ax.set_xlabel("epoch")


def _percent_axis(ax, values: list[float], *, top: float = 100.0) -> None:
    """A per-cent axis from 0 (or a little below the smallest value, when all are high) to
    ``top`` with a margin, so curves near 100 % are neither clipped nor squashed."""
    finite = [v for v in values if v == v]
    low = min(finite, default=0.0)
    bottom = 0.0 if low < 50 else max(0.0, 10 * (low // 10) - 10)
    ax.set_ylim(bottom, top + 0.02 * (top - bottom))


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` to ``path`` atomically."""
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format=path.suffix.lstrip(".") or "png")
    return path


def plot_training_curves(history: list[dict], path: str | Path) -> Path:
    """Accuracy (train, and validation or test) and loss per epoch (:func:`training_figure`).

    >>> import tempfile, os
    >>> h = [{"epoch": 1, "train_loss": 1.0, "test_loss": 0.9, "train_accuracy": 0.5,
    ...       "test_accuracy": 0.6}]
    >>> p = plot_training_curves(h, os.path.join(tempfile.mkdtemp(), "t.png"))
    >>> p.stat().st_size > 0
    True
    """
    return save_figure(training_figure(history), path)


def training_figure(history: list[dict]):
    """The figure of :func:`plot_training_curves`: accuracy in per cent and loss against the
    epoch, integer epoch ticks.

    >>> h = [{"epoch": 1, "train_loss": 1.0, "val_loss": 0.9, "train_accuracy": 0.5,
    ...       "val_accuracy": 0.6}]
    >>> acc, loss = training_figure(h).axes
    >>> lo, hi = acc.get_xlim()
    >>> [float(t) for t in acc.get_xticks() if lo <= t <= hi], (float(lo), float(hi))
    ([1.0], (0.5, 1.5))
    >>> bool(acc.get_ylim()[1] >= 100), float(loss.get_ylim()[0])
    (True, 0.0)
    """
    ep = [e["epoch"] for e in history]
    split, label = ("val", "validation") if "val_accuracy" in history[0] else ("test", "test")
    fig, (a1, a2) = _subplots(2, (9, 3.4))
    train_acc = [100 * e["train_accuracy"] for e in history]
    eval_acc = [100 * e[f"{split}_accuracy"] for e in history]
    a1.plot(ep, train_acc, "o-", label="train")
    a1.plot(ep, eval_acc, "s-", label=label)
    a1.set(ylabel="accuracy (%)", title="Accuracy")
    _percent_axis(a1, train_acc + eval_acc)
    a1.legend(loc="lower right")
    a2.plot(ep, [e["train_loss"] for e in history], "o-", label="train")
    a2.plot(ep, [e[f"{split}_loss"] for e in history], "s-", label=label)
    a2.set(ylabel="cross-entropy (nats per sample)", title="Loss")
    a2.set_ylim(bottom=0)
    a2.legend(loc="upper right")
    for a in (a1, a2):
        _epoch_axis(a, ep)
        a.grid(alpha=0.3)
    return fig


def plot_topology_dynamics(history: list[dict], path: str | Path) -> Path:
    """Live hidden neurons and link turnover (fraction of links replaced) per epoch
    (:func:`topology_figure`)."""
    return save_figure(topology_figure(history), path)


def topology_figure(history: list[dict]):
    """The figure of :func:`plot_topology_dynamics`.

    >>> h = [{"epoch": e, "live_neuron_fraction": 0.9, "turnover": 0.1} for e in range(1, 31)]
    >>> live, turnover = topology_figure(h).axes
    >>> ticks = live.get_xticks()
    >>> bool((ticks == ticks.round()).all()) and len(ticks) <= 12, float(turnover.get_ylim()[0])
    (True, 0.0)
    """
    ep = [e["epoch"] for e in history]
    fig, (a1, a2) = _subplots(2, (9, 3.4))
    live = [100 * e["live_neuron_fraction"] for e in history]
    a1.plot(ep, live, "o-", color="C2")
    a1.set(ylabel="live hidden neurons (%)", title="Percolation")
    _percent_axis(a1, live)
    turnover = [100 * e["turnover"] for e in history]
    a2.bar(ep, turnover, width=0.6, color="C3")
    a2.set(ylabel="links replaced in the epoch (%)", title="Link turnover")
    a2.set_ylim(0, max(1.0, 1.1 * max(turnover, default=0.0)))
    for a in (a1, a2):
        _epoch_axis(a, ep)
        a.grid(alpha=0.3)
    return fig


def plot_degrees(layers, names, path: str | Path) -> Path:
    """Degree distributions (log-log CCDF, both sides) of the final sparse layers, written
    atomically with :func:`chgraph.analysis.plot_degree_distributions`."""
    from chgraph.analysis import plot_degree_distributions

    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        plot_degree_distributions(layers, tmp, labels=list(names),
                                  title="Degree distributions of the final sparse layers")
    return path
