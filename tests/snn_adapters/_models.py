"""Tiny plain-torch spiking models and deterministic data for the adapter tests."""

from __future__ import annotations

import torch
from torch import nn

from snn_adapters.neurons import LIF

N_IN, HIDDEN, N_OUT, T, BATCH = 20, 32, 4, 4, 8


class TinySNN(nn.Module):
    """fc1 -> LIF -> fc2 -> LIF -> fc3 (classifier), output averaged over time.

    Accepts multi-step spikes ``[T, B, N_IN]`` or single-step analog input ``[B, N_IN]``
    (repeated over ``T`` time steps, direct encoding).
    """

    def __init__(self, hidden: int = HIDDEN, t: int = T) -> None:
        super().__init__()
        self.t = t
        self.fc1 = nn.Linear(N_IN, hidden)
        self.lif1 = LIF()
        self.fc2 = nn.Linear(hidden, hidden)
        self.lif2 = LIF()
        self.fc3 = nn.Linear(hidden, N_OUT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.t, *x.shape)
        h = self.lif1(self.fc1(x))
        h = self.lif2(self.fc2(h))
        return self.fc3(h).mean(0)


def batch(step: int, rate: float = 0.3) -> tuple[torch.Tensor, torch.Tensor]:
    """Deterministic Bernoulli spikes ``[T, B, N_IN]`` and labels for training step ``step``."""
    g = torch.Generator().manual_seed(1000 + step)
    x = (torch.rand(T, BATCH, N_IN, generator=g) < rate).float()
    y = torch.randint(0, N_OUT, (BATCH,), generator=g)
    return x, y


def make_optimizer(kind: str, params):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=0.05, momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam(params, lr=1e-2)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=1e-2, weight_decay=0.01)
    if kind == "sgd-nesterov-wd":
        return torch.optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    if kind == "adam-amsgrad-wd":
        return torch.optim.Adam(params, lr=1e-2, amsgrad=True, weight_decay=1e-3)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=1e-3, momentum=0.5, centered=True)
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=1e-2)
    raise ValueError(kind)


def train_step(model, optimizer, sparsifier, step: int):
    x, y = batch(step)
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return sparsifier.step()
