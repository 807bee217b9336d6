"""Each numba kernel of the adapters in two builds: serial and parallel (no torch here).

With one thread the serial build runs: no OpenMP pool is started, so nothing spins next to
torch's own OpenMP threads (two pools spinning on two cores slowed a training step several
times). With more threads the parallel build runs on ``threads`` of them. The two builds are
compiled from the same Python function and cached apart (distinct qualified names).
"""

from __future__ import annotations

import types

import numba

__all__ = ["Kernel"]


class Kernel:
    """``Kernel(fn, **njit_options)``; call ``kernel(threads, *args)``."""

    def __init__(self, fn, **options) -> None:
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        serial = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial",
                                    fn.__defaults__, fn.__closure__)
        serial.__qualname__ = fn.__qualname__ + "_serial"
        self.serial = numba.njit(parallel=False, **options)(serial)
        self.parallel = numba.njit(parallel=True, **options)(fn)

    def __call__(self, threads: int, *args):
        if threads <= 1:
            return self.serial(*args)
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
        return self.parallel(*args)


def kernel(**options):
    """Decorator: a :class:`Kernel` with these ``numba.njit`` options."""
    return lambda fn: Kernel(fn, **options)
