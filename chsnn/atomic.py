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

__all__ = ["atomic_path", "write_text", "write_json"]


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
