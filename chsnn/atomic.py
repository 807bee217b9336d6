"""Atomic file writes for run directories: a killed run never leaves a half-written report,
plot or checkpoint.

Built on :func:`chgraph.io.atomic_path` (a temporary file next to the target, flushed, then
renamed over it); these helpers also create the parent directory.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> write_json(os.path.join(d, "sub", "r.json"), {"a": 1})
>>> open(os.path.join(d, "sub", "r.json")).read()
'{\\n  "a": 1\\n}\\n'
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from chgraph.io import atomic_path as _atomic_path

__all__ = ["atomic_path", "write_text", "write_json", "write_torch"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """:func:`chgraph.io.atomic_path`, creating ``path``'s directory first."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with _atomic_path(path) as tmp:
        yield tmp


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON (NaN and infinity refused) to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def write_torch(path: str | os.PathLike, obj) -> None:
    """``torch.save(obj)`` to ``path`` atomically; a failed write raises a one-line ``OSError``.

    torch reports a write that fails half-way (a full disk, a file-size limit) as a
    ``RuntimeError`` from its C++ zip writer ("unexpected pos 12672 vs 12564"); it becomes an
    ``OSError`` naming the file. The temporary file is removed and an earlier ``path`` is left
    as it was.

    >>> import tempfile, os, torch
    >>> target = os.path.join(tempfile.mkdtemp(), "c.pt")
    >>> write_torch(target, {"w": torch.ones(2)})
    >>> torch.load(target)["w"].tolist()
    [1.0, 1.0]
    """
    import torch

    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            torch.save(obj, tmp)
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())
        kept = (f"; the earlier {path.name} is unchanged" if path.exists() else "")
        raise OSError(f"could not write {path} (torch: {reason}): is the disk full or the "
                      f"file too large for it?{kept}") from None
