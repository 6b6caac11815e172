"""Keeps the garbage collector's pauses short in a worker whose caches keep growing.

CPython's full (generation 2) collection walks every object it tracks, holding the
event loop the whole time. A worker that has just started tracks some 60,000 objects
(modules, tables, the app); every cached package and badge adds about a dozen more.
While caches fill, a full collection comes every few seconds, each longer than the
last, and every request in flight waits for it (``bench/serving.py``, target (d),
shows it in the tail).

:class:`HeapKeeper` freezes (:func:`gc.freeze`) what is alive once the worker has
started, and then, once a second, what has survived since: a collection of the
objects made since the last freeze (short, because frozen objects are never
scanned) followed by a freeze. Objects still die of their reference count as
before; only a reference cycle among frozen objects would outlive its last
reference, so every ``sweep_seconds`` everything is unfrozen, collected in full and
frozen again: one full pause per sweep instead of one every few seconds.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: Seconds between two full collections (everything unfrozen, collected, refrozen).
SWEEP_SECONDS = 600.0


class HeapKeeper:
    """Freezes long-lived objects out of the collector's way; sweeps them now and then.

    ```python
    keeper = HeapKeeper()
    keeper.start()  # once the app is ready
    keeper.tick()  # from the housekeeping loop, about once a second
    ```
    """

    def __init__(
        self,
        sweep_seconds: float = SWEEP_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sweep_seconds = sweep_seconds
        self.clock = clock
        #: Full sweeps done so far.
        self.sweeps = 0
        self._last_sweep = clock()

    def start(self) -> None:
        """Collect once in full, then freeze everything alive."""
        self._sweep()

    def tick(self) -> None:
        """Collect the objects made since the last freeze and freeze the survivors; a
        full sweep instead when ``sweep_seconds`` have passed since the last one."""
        if self.clock() - self._last_sweep >= self.sweep_seconds:
            self._sweep()
            return
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Give the frozen objects back to the collector."""
        gc.unfreeze()

    def _sweep(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.sweeps += 1
        self._last_sweep = self.clock()
