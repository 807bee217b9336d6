"""Atomic file writes: a killed run never leaves a half-written report, plot or checkpoint.

Every writer writes a temporary file in the target's directory, flushes it to disk and renames
it over the target (``os.replace`` is atomic on POSIX and Windows), so a reader sees the old
file or the new one, never a mix.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> write_json(os.path.join(d, "r.json"), {"a": 1})
>>> open(os.path.join(d, "r.json")).read()
'{\\n  "a": 1\\n}\\n'
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_bytes", "write_text", "write_json"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on a normal exit it replaces ``path``.

    For writers that want a file name (``torch.save``, ``savefig``, ``np.savez``). If the block
    raises, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write(path, writer: Callable[[Path], None]) -> None:
    with atomic_path(path) as tmp:
        writer(tmp)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    _write(path, lambda p: p.write_bytes(data))


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    _write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON (NaN and infinity refused) to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")
