"""A clock that moves only when a test says so."""

from __future__ import annotations


class FakeClock:
    """Seconds that move only on ``advance`` (or an injected ``sleep``)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """An injectable ``asyncio.sleep`` that only moves the clock."""
        self.slept.append(seconds)
        self.now += seconds
