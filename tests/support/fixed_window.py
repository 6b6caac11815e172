"""``FixedWindowLimits``: pypistats.org's rate limits, as its server counts them.

::

    limits = FixedWindowLimits(clock=clock)   # 5 per second, 30 per minute
    if not limits.hit():
        ...answer 429 (no Retry-After)

It follows psf/pypistats.org ``pypistats/run.py``, ``Limiter(get_remote_address,
default_limits=["5 per second", "30 per minute"])``, with flask-limiter's default
strategy, the ``limits`` library's fixed window (``FixedWindowRateLimiter`` over
``MemoryStorage``):

* each limit has a counter whose window starts at the first hit after the previous
  window expired (``incr`` sets the expiry only when the count goes from 0), and
  expires ``window`` seconds later (a hit at exactly that moment opens a new window);
* every hit increments the counter, even over the limit (rejected hits count too);
* limits are evaluated in order, and evaluation stops at the first one exceeded (the
  later ones are not incremented).

Thread-safe (one lock), for a threaded HTTP stand-in. Importable without pytest.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence

__all__ = ["PYPISTATS_LIMITS", "FixedWindowLimits"]

#: ``(count, window seconds)`` of pypistats.org: "5 per second", "30 per minute".
PYPISTATS_LIMITS: tuple[tuple[int, float], ...] = ((5, 1.0), (30, 60.0))


class FixedWindowLimits:
    """Fixed-window counters, one per ``(count, window)`` limit, on ``clock``."""

    def __init__(
        self,
        limits: Sequence[tuple[int, float]] = PYPISTATS_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = tuple((int(count), float(window)) for count, window in limits)
        if not self.limits or any(c < 1 or not w > 0 for c, w in self.limits):
            raise ValueError("limits must be (count >= 1, window > 0) pairs, at least one")
        self.clock = clock
        #: Hits answered False (a 429).
        self.rejected = 0
        #: Hits so far, accepted or not.
        self.hits = 0
        self._counts = [0] * len(self.limits)
        self._expires = [-math.inf] * len(self.limits)
        self._lock = threading.Lock()

    def hit(self) -> bool:
        """Count one request now: True if it is within every limit, False for a 429."""
        with self._lock:
            now = self.clock()
            self.hits += 1
            for index, (count, window) in enumerate(self.limits):
                if self._expires[index] <= now:  # expired: the next hit opens a window
                    self._counts[index] = 0
                    self._expires[index] = now + window
                self._counts[index] += 1
                if self._counts[index] > count:
                    self.rejected += 1
                    return False
            return True
