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

It also says in one line what the command needs and does not have: PyTorch (``chsnn`` and
``snn_adapters`` need it, the engine ``chgraph`` does not; a missing or too old torch is one
line on stderr naming what to install, exit status 2), and it prints a dataset's
:class:`chsnn.data.DatasetWarning` (a split without some class) as one line, ``chsnn:
warning: ...``; ``chsnn train --method dense --sparsity S`` notes that the sparsity is ignored.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["main", "uses_cuda", "torch_problem", "option_value", "TORCH_MIN", "TORCH_HINT"]

#: the oldest torch ``chsnn`` and ``snn_adapters`` are meant for (the ``torch`` extra says so)
TORCH_MIN = (2, 1)
#: how to get torch: the build first (CPU or CUDA, the user's choice), then the project's extra
TORCH_HINT = ("install the PyTorch build you want first (CPU: pip install torch --index-url "
              "https://download.pytorch.org/whl/cpu; CUDA: see https://pytorch.org/get-started/"
              "locally/), then pip install 'chsnn[torch]' (or .[torch] in this repository); the "
              "graph engine chgraph works without it")


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


def option_value(argv: list[str], option: str) -> str | None:
    """The value of ``option`` on a command line (``--opt V`` or ``--opt=V``; the last wins),
    or None when it is not there.

    >>> option_value(["train", "--method", "dense", "--sparsity=0.5"], "--sparsity")
    '0.5'
    >>> option_value(["train"], "--method") is None
    True
    """
    value = None
    for i, arg in enumerate(argv):
        if arg == option and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(option + "="):
            value = arg.split("=", 1)[1]
    return value


def torch_problem() -> str | None:
    """Why torch cannot serve ``chsnn`` here (not installed, older than :data:`TORCH_MIN`), in
    one sentence with what to install; None when it can. Judged without importing torch (its
    version from the installed package's metadata), so the OpenMP setting above still comes
    first."""
    import importlib.metadata
    import importlib.util

    needs = f"the chsnn command needs PyTorch >= {'.'.join(map(str, TORCH_MIN))}"
    loaded = sys.modules.get("torch")
    if loaded is not None:
        version = getattr(loaded, "__version__", None)
    else:
        try:
            spec = importlib.util.find_spec("torch")
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            return f"{needs}, which is not installed: {TORCH_HINT}"
        try:
            version = importlib.metadata.version("torch")
        except importlib.metadata.PackageNotFoundError:  # a source tree on the path: trust it
            version = None
    if version is None:
        return None
    parts = tuple(int(p) if p.isdigit() else 0 for p in str(version).split("+")[0].split(".")[:2])
    if parts < TORCH_MIN:
        return f"{needs}, found {version}: {TORCH_HINT}"
    return None


def _show_dataset_warnings() -> None:
    """Print :class:`chsnn.data.DatasetWarning` as one line; other warnings as before."""
    from .data import DatasetWarning  # numpy only

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(category, type) and issubclass(category, DatasetWarning):
            if _first_process():
                print(f"chsnn: warning: {' '.join(str(message).split())}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def _first_process() -> bool:
    """Whether this process speaks: always, except the ranks > 0 of a ``torchrun`` launch."""
    return os.environ.get("RANK", "0") in ("", "0")


def _notes(argv: list[str]) -> None:
    """One-line notes on options that a command line gives but that do nothing."""
    if not _first_process():
        return
    method = option_value(argv, "--method")
    if argv[:1] == ["train"] and method is not None and method.strip().lower() == "dense" \
            and option_value(argv, "--sparsity") is not None:
        print("chsnn: note: --sparsity is ignored by --method dense (every weight is trained; "
              "report.json's target_sparsity is 0)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chsnn`` command (see :mod:`chsnn.cli`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if "torch" not in sys.modules and uses_cuda(argv):
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    problem = torch_problem()
    if problem is not None:
        print(f"chsnn: error: {problem}", file=sys.stderr)
        return 2
    _notes(argv)
    with warnings.catch_warnings():
        _show_dataset_warnings()
        try:
            from .cli import main as cli_main
        except ImportError as exc:  # torch is there but does not load (a broken build)
            if "torch" not in f"{exc.name} {exc}":
                raise
            print(f"chsnn: error: the chsnn command needs PyTorch, which cannot be imported "
                  f"({' '.join(str(exc).split())}): {TORCH_HINT}", file=sys.stderr)
            return 2
        return cli_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
