"""How much host memory a new allocation can take, and byte counts for messages (no torch
here): one place for the engine's and ``chsnn``'s memory checks."""

from __future__ import annotations

import os

__all__ = ["available_memory", "format_bytes"]


def available_memory() -> int | None:
    """Bytes of host memory a new allocation can take: ``MemAvailable`` of ``/proc/meminfo``,
    else the free physical pages; ``None`` when neither is known.

    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest unit that keeps it at least 1 (decimal units, 3 digits).

    >>> format_bytes(8.6e9), format_bytes(512), format_bytes(1.234e6)
    ('8.6 GB', '512 bytes', '1.23 MB')
    """
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.3g} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
