"""Fresh, stale and grace, Varnish-style, over a fetch function, with single flight.

A record is *fresh* for ``ttl`` seconds after its fetch, then *stale* for ``grace``
seconds more. A fresh record is served as is. A stale one is served at once while one
background refresh runs (stale-while-revalidate); if that refresh fails the stale
record keeps being served until grace runs out (stale-if-error), and the next attempt
waits a growing back-off, so a failing upstream gets fewer requests, not more. Past
grace (or with no record), the caller waits for the fetch. However many requests ask
at once, one fetch per key runs in this process (a shared future).

"Not found" answers are records too (``value is None``), kept ``negative_ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Generic, Literal, TypeVar

from pypins.cache.lru import LRUCache
from pypins.client import Validators
from pypins.errors import HTTPError

log = logging.getLogger(__name__)

T = TypeVar("T")

CacheState = Literal["hit", "stale", "miss"]

#: Seconds to wait before retrying an upstream that just failed; doubles per failure.
FAILURE_BACKOFF = 5.0
MAX_FAILURE_BACKOFF = 300.0
#: Keys whose failures are remembered at most (a bound, not a working size).
MAX_TRACKED_FAILURES = 100_000


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A new upstream answer, reduced to ``value``; ``None`` means "not found"."""

    value: T | None
    validators: Validators = field(default_factory=Validators)


#: Returned by a fetch function when the upstream answered 304 Not Modified.
NOT_MODIFIED = object()

FetchFn = Callable[["Entry[T] | None"], Awaitable["Fetched[T] | object"]]


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    """A cached record and its lifetimes (wall-clock seconds, shareable across hosts)."""

    value: T | None
    fetched_at: float
    fresh_until: float
    stale_until: float
    validators: Validators = field(default_factory=Validators)

    @property
    def found(self) -> bool:
        """Whether the upstream had the thing (a negative entry has no value)."""
        return self.value is not None


@dataclass(frozen=True, slots=True)
class CacheResult(Generic[T]):
    """An entry and how it was obtained."""

    entry: Entry[T]
    state: CacheState


class RecordCache(Generic[T]):
    """Records of one kind (package facts, download counts...) keyed by string."""

    def __init__(
        self,
        *,
        ttl: float,
        grace: float,
        negative_ttl: float,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl = ttl
        self.grace = grace
        self.negative_ttl = negative_ttl
        self.clock = clock
        self.memory: LRUCache[str, Entry[T]] = LRUCache(max_entries)
        self._inflight: dict[str, asyncio.Future[Entry[T]]] = {}
        self._failures: dict[str, tuple[float, float]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.upstream_failures = 0

    async def get(self, key: str, fetch: FetchFn[T]) -> CacheResult[T]:
        """The record for ``key``, fetching it through ``fetch`` when needed.

        Raises what ``fetch`` raises when there is nothing servable (no record, or one
        past grace); a 404 ``HTTPError`` becomes a negative record instead.
        """
        now = self.clock()
        entry = self.memory.get(key)
        if entry is not None:
            if now < entry.fresh_until:
                return CacheResult(entry, "hit")
            if now < entry.stale_until:
                if not self._backing_off(key, now):
                    self._refresh_in_background(key, fetch, entry)
                return CacheResult(entry, "stale")
        return CacheResult(await self._fetch_once(key, fetch, entry), "miss")

    def invalidate(self, key: str) -> None:
        """Mark ``key`` stale now: the next request serves it and refreshes it."""
        entry = self.memory.peek(key)
        if entry is not None:
            now = self.clock()
            fresh = min(entry.fresh_until, now)
            self.memory.set(
                key, replace(entry, fresh_until=fresh, stale_until=max(entry.stale_until, fresh))
            )

    async def drain(self) -> None:
        """Wait for the background refreshes under way (tests and shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    def _backing_off(self, key: str, now: float) -> bool:
        failure = self._failures.get(key)
        return failure is not None and now < failure[0]

    def _refresh_in_background(self, key: str, fetch: FetchFn[T], entry: Entry[T]) -> None:
        if key in self._inflight:
            return
        # Register the shared fetch now, so that the other stale callers of this loop turn
        # find it in flight instead of each starting a background task.
        pending = self._fetch_once(key, fetch, entry)
        task = asyncio.get_running_loop().create_task(self._quiet_refresh(key, pending))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _quiet_refresh(self, key: str, pending: Awaitable[Entry[T]]) -> None:
        try:
            await pending
        except Exception as error:  # stale-if-error: the stale entry stays
            log.warning("background refresh of %s failed: %s", key, error)

    def _fetch_once(
        self, key: str, fetch: FetchFn[T], entry: Entry[T] | None
    ) -> asyncio.Future[Entry[T]]:
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._fetch(key, fetch, entry))
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        # Callers may be cancelled (client gone); the shared fetch goes on for the others.
        return asyncio.shield(future)

    async def _fetch(self, key: str, fetch: FetchFn[T], entry: Entry[T] | None) -> Entry[T]:
        try:
            result = await fetch(entry)
        except HTTPError as error:
            if error.status_code != 404:
                self._record_failure(key)
                raise
            result = Fetched(None)
        except Exception:
            self._record_failure(key)
            raise
        self._failures.pop(key, None)
        now = self.clock()
        if result is NOT_MODIFIED and entry is not None:
            # The same lifetimes as a new answer (negative_ttl for a negative entry).
            new = self.make_entry(Fetched(entry.value, entry.validators), now)
        else:
            assert isinstance(result, Fetched)
            new = self.make_entry(result, now)
        self.memory.set(key, new)
        return new

    def make_entry(self, result: Fetched[T], now: float) -> Entry[T]:
        """An entry for a fresh fetch result, with its lifetimes."""
        if result.value is None:
            return Entry(
                None, now, now + self.negative_ttl, now + self.negative_ttl, result.validators
            )
        return Entry(
            result.value, now, now + self.ttl, now + self.ttl + self.grace, result.validators
        )

    def _record_failure(self, key: str) -> None:
        self.upstream_failures += 1
        now = self.clock()
        previous = self._failures.get(key)
        backoff = FAILURE_BACKOFF if previous is None else min(previous[1] * 2, MAX_FAILURE_BACKOFF)
        self._failures[key] = (now + backoff, backoff)
        if len(self._failures) > MAX_TRACKED_FAILURES:
            self._failures.clear()
