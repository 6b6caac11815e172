"""Release-aware freshness: PyPI's updates feed marks just-released packages stale.

Every ``interval`` seconds one process of the deployment (the one that wins
``should_poll``, a short lock in the shared store, or the only process when embedded)
reads PyPI's RSS feed of new releases. Each item names a package and when it was
released; a cached record of that package fetched before that moment is marked stale,
so the next badge is served from it once more while one refresh fetches the new
release. A version badge thus changes within about a minute of a release, whatever
``--cache-ttl`` is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from packaging.utils import canonicalize_name

from pypins.client import AsyncPyPIClient, FeedEntry
from pypins.errors import PypinsError
from pypins.upstream import UpstreamGuard

log = logging.getLogger(__name__)

#: Seconds between two reads of the feed.
DEFAULT_INTERVAL = 60.0
#: Seconds between two summaries of a feed that keeps failing (its first failure is
#: logged at once, the next ones only in these summaries).
SUMMARY_SECONDS = 3600.0
#: What turns polling off, named in the logs of a failing feed.
_OFF_HINT = "PYPINS_POLL_INTERVAL=0 turns polling off"


class ReleasePoller:
    """Reads the updates feed periodically and reports releases to ``on_release``."""

    def __init__(
        self,
        client: AsyncPyPIClient,
        on_release: Callable[[str, float], Awaitable[bool]],
        *,
        guard: UpstreamGuard | None = None,
        should_poll: Callable[[], Awaitable[bool]] | None = None,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self.client = client
        self.on_release = on_release
        #: Retries and the circuit breaker of the feed's upstream, when given.
        self.guard = guard
        self.should_poll = should_poll
        self.interval = interval
        #: Rounds completed by the background task, and feed reads made.
        self.rounds = 0
        self.polls = 0
        self.failures = 0
        self.invalidated = 0
        #: Failures in a row, since the last read that worked.
        self.failing = 0
        self._task: asyncio.Task[None] | None = None

    async def poll_once(self) -> int:
        """Read the feed once; the number of cached records marked stale."""
        if self.should_poll is not None and not await self.should_poll():
            return 0
        self.polls += 1
        try:
            fetch = self.client.latest_updated_packages
            entries = await (fetch() if self.guard is None else self.guard.call(fetch))
        except PypinsError as error:
            self._failed(error)
            return 0
        if self.failing:
            log.warning("the updates feed is read again, after %d failures in a row", self.failing)
            self.failing = 0
        return await self.apply(entries)

    def _failed(self, error: PypinsError) -> None:
        """Log a failing feed once, then once per ``SUMMARY_SECONDS``, not every round."""
        self.failures += 1
        self.failing += 1
        every = max(1, round(SUMMARY_SECONDS / self.interval)) if self.interval > 0 else 1
        if self.failing == 1:
            log.warning(
                "reading the updates feed failed: %s (retried every %g s, failures summed up "
                "hourly; %s)",
                error,
                self.interval,
                _OFF_HINT,
            )
        elif self.failing % every == 0:
            log.warning(
                "the updates feed has failed %d times in a row, last: %s (%s)",
                self.failing,
                error,
                _OFF_HINT,
            )

    async def apply(self, entries: list[FeedEntry]) -> int:
        """Report each release once per package (its newest date); count invalidations."""
        newest: dict[str, float] = {}
        for entry in entries:
            name: str = canonicalize_name(entry.name)
            moment = entry.date.timestamp()
            if moment > newest.get(name, float("-inf")):
                newest[name] = moment
        count = 0
        for name, moment in newest.items():
            if await self.on_release(name, moment):
                count += 1
        self.invalidated += count
        return count

    def start(self) -> None:
        """Run ``poll_once`` every ``interval`` seconds in the background."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop polling."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except Exception:  # the poller must outlive any surprise
                log.exception("release poller failed")
            self.rounds += 1
            await asyncio.sleep(self.interval)
