"""Atomic file writes: write a temporary file next to the target, then rename it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write"]

# the process umask, read once (os.umask can only be read by setting it)
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s directory; on success it replaces ``path``.

    For writers that want a file name (``torch.save``, ``savefig``, ``np.savez``). The
    temporary file keeps ``path``'s suffix, is flushed to disk and gets the usual permissions
    before :func:`os.replace` (atomic on POSIX and Windows) puts it in place, so readers never
    see a half-written file. On an error it is removed and ``path`` is left as it was.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> open(target).read(), os.listdir(os.path.dirname(target))
    ('done', ['a.txt'])
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.",
                               suffix=".tmp" + os.path.splitext(name)[1])
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb"):
    """Open a temporary file in ``path``'s directory; on success it replaces ``path``
    (see :func:`atomic_path`). Text modes write UTF-8."""
    with atomic_path(path) as tmp, open(
            tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        yield f
