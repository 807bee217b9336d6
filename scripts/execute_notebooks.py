"""Execute the notebooks at full size and save them with their outputs (figures included).

    .venv/bin/python scripts/execute_notebooks.py                 # all of notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py 02_link_prediction.ipynb

Each notebook runs top to bottom in ``notebooks/`` with the full settings of its ``parameters``
cell (``CHSNN_NOTEBOOK_SMALL`` unset), in a kernel that runs this interpreter, so the project
and its dependencies are the ones of this environment; the executed copy replaces the
notebook (written atomically, only when every cell succeeded). The first notebook's run
directory goes to a temporary directory (``CHSNN_NOTEBOOK_RUNS``), not into the repository,
unless ``CHSNN_NOTEBOOK_RUNS`` is set. ``tests/test_notebooks.py`` checks that the committed
notebooks are executed at full size and executes them again with the small settings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "chsnn-notebook-execute"


def _kernel_env(root: Path) -> None:
    """A kernel spec for this interpreter under ``root``; the notebooks' environment."""
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chsnn", "language": "python"}))
    os.environ["JUPYTER_PATH"] = str(root)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(root / "runtime")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ.pop("CHSNN_NOTEBOOK_SMALL", None)
    os.environ.setdefault("CHSNN_NOTEBOOK_RUNS", str(root / "runs"))
    if os.environ.get("NUMBA_CACHE_DIR"):  # the kernel runs in notebooks/
        os.environ["NUMBA_CACHE_DIR"] = os.path.abspath(os.environ["NUMBA_CACHE_DIR"])


def execute(path: Path, timeout: int) -> float:
    """Run ``path`` in ``notebooks/`` and save it with its outputs; returns the seconds."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    kernelspec = nb.metadata.get("kernelspec")  # kept: the reader's own "python3" kernel
    t0 = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=KERNEL,
                                     record_timing=False,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError (with the traceback) when a cell fails
    if kernelspec is None:
        nb.metadata.pop("kernelspec", None)
    else:
        nb.metadata["kernelspec"] = kernelspec
    nbformat.validate(nb)
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="notebooks in notebooks/ (default: all)")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    args = p.parse_args(argv)
    paths = [NOTEBOOKS / n for n in args.names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = [str(q) for q in paths if not q.is_file()]
    if missing:
        print(f"execute_notebooks: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    cache = NOTEBOOKS / ".hypothesis"  # what the testing notebook's hypothesis leaves
    had_cache = cache.exists()
    try:
        with tempfile.TemporaryDirectory(prefix="chsnn-notebooks-") as tmp:
            _kernel_env(Path(tmp))
            for path in paths:
                print(f"{path.name}: executing at full size ...", flush=True)
                print(f"{path.name}: saved with outputs in {execute(path, args.timeout):.0f} s",
                      flush=True)
    finally:
        if not had_cache and cache.is_dir():
            shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
