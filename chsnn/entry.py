"""The ``chsnn`` command's entry point: process-wide settings made before torch loads.

On a GPU run, the CH-SNN topology update runs on the CPU between training steps, in Numba's
OpenMP threads. With OpenMP's default wait policy, threads that finished a parallel region
keep spinning for a while and crowd the cores that the next region and CUDA's own threads
need: on an H100 machine (16 cores) an update took 33 to 75 ms instead of 11 to 19 ms.
``OMP_WAIT_POLICY=PASSIVE`` (threads sleep at once) removes that. It must be set before the
OpenMP runtime loads, that is before ``import torch``, so this module sets it (unless the
environment already says otherwise) when the run will use CUDA: ``--device cuda[:N]``, or
``--device auto`` (the default) on a machine with an NVIDIA driver. CPU runs keep OpenMP's
default, which suits torch's many small CPU kernels. ``chsnn.cli`` does the rest.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main", "uses_cuda"]


def uses_cuda(argv: list[str], nvidia_present: bool | None = None) -> bool:
    """Whether a ``chsnn`` command line will train on CUDA (judged without importing torch).

    >>> uses_cuda(["train", "--device", "cuda"]), uses_cuda(["train", "--device=cpu"])
    (True, False)
    >>> uses_cuda(["train"], nvidia_present=True), uses_cuda(["methods"], nvidia_present=True)
    (True, False)
    """
    if not argv or argv[0] not in ("train", "compare"):
        return False
    device = "auto"
    for i, arg in enumerate(argv):
        if arg == "--device" and i + 1 < len(argv):
            device = argv[i + 1]
        elif arg.startswith("--device="):
            device = arg.split("=", 1)[1]
    if device.startswith("cuda"):
        return True
    if device != "auto":
        return False
    if nvidia_present is None:
        nvidia_present = os.path.exists("/dev/nvidiactl")
    return nvidia_present


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chsnn`` command (see :mod:`chsnn.cli`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if "torch" not in sys.modules and uses_cuda(argv):
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
