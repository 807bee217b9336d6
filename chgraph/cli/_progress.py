"""A small progress bar on stderr for the long-running commands (``score``, ``evaluate``)."""

from __future__ import annotations

import sys
import time

__all__ = ["ProgressBar"]


class ProgressBar:
    """``bar(done, total)`` redraws ``label [#####.....]  45%  12.3 s`` on one line of
    ``stream`` (stderr), at most every ``interval`` seconds; :meth:`close` ends the line.

    Drawn only when ``stream`` is a terminal, unless ``enabled`` says otherwise, so that
    captured or piped output stays clean.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar("scoring", stream=out, enabled=True, interval=0.0, width=10)
    >>> bar(5, 10); bar(10, 10); bar.close()
    >>> out.getvalue().split("\\r")[-1].startswith("scoring [##########] 100%")
    True
    """

    def __init__(self, label: str, *, stream=None, enabled: bool | None = None,
                 interval: float = 0.2, width: int = 30) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.interval = interval
        self.width = width
        self.start = time.perf_counter()
        self._last = -float("inf")
        self._drawn = False

    def __call__(self, done: float, total: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last < self.interval and done < total:
            return
        self._last = now
        frac = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        filled = int(round(frac * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {frac:4.0%}  {now - self.start:6.1f} s")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
