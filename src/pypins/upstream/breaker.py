"""A circuit breaker per upstream: closed, open for a cool-down, then one trial request.

After ``threshold`` consecutive failures the breaker opens: no request is sent for
``cooldown`` seconds. A failure whose answer said how long to stay away (the
``Retry-After`` of a 429 or a 5xx) opens it at once for exactly that long, shorter than
the cool-down too, and at most ``max_cooldown``: the upstream knows when it will answer
again, and a badge without a record should wait no longer than that. Then one trial
request may go (half-open); its success closes the breaker, its failure opens it again
for twice as long, up to ``max_cooldown``. The clock is injectable; the breaker itself
does no I/O (the guard publishes openings to other workers).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Counts consecutive failures of one upstream and decides whether to ask it."""

    def __init__(
        self,
        *,
        threshold: int,
        cooldown: float,
        max_cooldown: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.max_cooldown = max_cooldown if max_cooldown is not None else cooldown * 8
        self.clock = clock
        self.failures = 0
        self.open_until = 0.0
        self._next_cooldown = cooldown
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        """``closed`` (requests flow), ``open`` (none do) or ``half-open`` (one trial)."""
        if self.failures < self.threshold and self.open_until == 0.0:
            return "closed"
        if self.clock() < self.open_until:
            return "open"
        return "half-open"

    def allow(self) -> bool:
        """Whether a request may be sent now (in half-open state: the one trial)."""
        state = self.state
        if state == "closed":
            return True
        if state == "open" or self._trial_running:
            return False
        self._trial_running = True
        return True

    def success(self) -> None:
        """The upstream answered: close the breaker."""
        self.failures = 0
        self.open_until = 0.0
        self._next_cooldown = self.cooldown
        self._trial_running = False

    def failure(self, retry_after: float | None = None) -> bool:
        """The upstream failed; whether this failure opened the breaker."""
        was_closed = self.state == "closed"
        self.failures += 1
        trial = self._trial_running
        self._trial_running = False
        if retry_after is not None and retry_after > 0:  # NaN is not
            # The upstream said how long to stay away: honour it, at once, bounded.
            self.open_for(min(retry_after, self.max_cooldown))
            return True
        # Failures of requests already in flight when it opened do not open it again
        # (nor double the cool-down): only the threshold, or a failed trial, does.
        if trial or (was_closed and self.failures >= self.threshold):
            self.open_for(self._next_cooldown)
            self._next_cooldown = min(self._next_cooldown * 2, self.max_cooldown)
            return True
        return False

    def open_for(self, seconds: float) -> None:
        """Stop asking for ``seconds`` (also when another worker reports the opening)."""
        self.failures = max(self.failures, self.threshold)
        self.open_until = max(self.open_until, self.clock() + seconds)

    def remaining(self) -> float:
        """Seconds until the next trial may go (0 when not open)."""
        return max(0.0, self.open_until - self.clock())

    def abandon(self) -> None:
        """The trial request was abandoned (cancelled, or never sent): allow another."""
        self._trial_running = False
