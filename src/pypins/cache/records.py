"""Fresh, stale and grace, Varnish-style, over a fetch function, with single flight.

A record is *fresh* for ``ttl`` seconds after its fetch, then *stale* for ``grace``
seconds more. A fresh record is served as is. A stale one is served at once while one
background refresh runs (stale-while-revalidate); if that refresh fails the stale
record keeps being served until grace runs out (stale-if-error), and the next attempt
waits a growing back-off, so a failing upstream gets fewer requests, not more. Past
grace (or with no record), the caller waits for the fetch. However many requests ask
at once, one fetch per key runs in this process: the first caller runs it itself, in
its own task (nothing to start, nothing to hand back through), and the others wait for
its result. A waiting caller may be cancelled without harm; if the caller running the
fetch is cancelled, the fetch stops and one of the waiting callers runs it anew.

"Not found" answers are records too (``value is None``), kept ``negative_ttl`` seconds.

A caller may bound its wait (``get(..., wait=3.5)``): the fetch then runs in a task of
its own, and a caller whose wait runs out gets ``UpstreamPendingError`` while the fetch
goes on, so that the record is there when the client asks again. The download counts
use it: their fetch may queue for a minute behind pypistats' rate limit.

With a shared store (Redis), records live in two tiers. The in-process tier answers
alone for ``local_ttl`` seconds at a time, then looks at the shared tier again, so a
record refreshed or invalidated by another worker or host shows within seconds. A
miss takes a short lock in the shared store before fetching: the one process that
gets it fetches and publishes the record; the others wait for that record (or, if the
holder dies, fetch after ``lock_ttl``). A failing shared store is a miss, never an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Generic, Literal, TypeVar

from pypins.cache.lru import BoundedCache, LRUCache
from pypins.cache.store import SharedStore
from pypins.client import Validators
from pypins.errors import (
    CircuitOpenError,
    HTTPError,
    UpstreamBusyError,
    UpstreamPendingError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

CacheState = Literal["hit", "stale", "miss"]

#: Seconds to wait before retrying an upstream that just failed; doubles per failure.
FAILURE_BACKOFF = 5.0
MAX_FAILURE_BACKOFF = 300.0
#: Seconds the in-process tier answers alone before looking at the shared tier again.
LOCAL_TTL = 5.0
#: Seconds a cross-process fetch lock is held at most (longer than an upstream timeout).
LOCK_TTL = 15.0
#: Seconds between two looks at the shared tier while another process fetches.
SHARED_POLL = (0.01, 0.2)

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


class _AbandonedError(Exception):
    """The caller running a fetch was cancelled: a waiting caller takes the fetch over."""


class _Flight(Generic[T]):
    """A fetch under way for one key, and the callers waiting for its entry."""

    __slots__ = ("waiters",)

    def __init__(self) -> None:
        self.waiters: list[asyncio.Future[Entry[T]]] = []

    def wait(self) -> asyncio.Future[Entry[T]]:
        """A future of the fetch's entry (cancelling it leaves the fetch alone)."""
        waiter: asyncio.Future[Entry[T]] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return waiter

    def land(self, entry: Entry[T] | None, error: BaseException | None) -> None:
        """Give every waiter still waiting the fetch's entry, or its error."""
        for waiter in self.waiters:
            if waiter.done():  # its caller was cancelled
                continue
            if error is not None:
                waiter.set_exception(error)
            else:
                assert entry is not None
                waiter.set_result(entry)
        self.waiters.clear()


@dataclass(frozen=True, slots=True)
class CacheResult(Generic[T]):
    """An entry and how it was obtained."""

    entry: Entry[T]
    state: CacheState
    #: Until when this answer may be reused without asking the cache again.
    valid_until: float = float("inf")


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
        shared: SharedStore | None = None,
        encode: Callable[[Entry[T]], bytes] | None = None,
        decode: Callable[[bytes], Entry[T] | None] | None = None,
        shared_key: Callable[[str], str] = str,
        local_ttl: float = LOCAL_TTL,
        lock_ttl: float = LOCK_TTL,
        max_wait: float | None = None,
        admit: Callable[[], None] | None = None,
        memory: BoundedCache[str, Entry[T]] | None = None,
    ) -> None:
        if shared is not None and (encode is None or decode is None):
            raise ValueError("a shared store needs encode and decode")
        self.shared = shared
        self._encode = encode
        self._decode = decode
        self.shared_key = shared_key
        self.local_ttl = local_ttl
        self.lock_ttl = lock_ttl
        #: Seconds a request waits for another process's fetch before fetching itself
        #: (at most ``lock_ttl``; the service passes its upstream timeout).
        self.max_wait = lock_ttl if max_wait is None else min(max_wait, lock_ttl)
        #: Called before a fetch starts; raises (e.g. "busy") to refuse it at once,
        #: before any shared-store round trip.
        self.admit = admit
        self._recheck: LRUCache[str, float] = LRUCache(max_entries)
        self.ttl = ttl
        self.grace = grace
        self.negative_ttl = negative_ttl
        self.clock = clock
        #: The in-process tier (by default an LRU of ``max_entries``; the service gives
        #: each kind of record its share of the memory budget).
        self.memory: BoundedCache[str, Entry[T]] = (
            LRUCache(max_entries) if memory is None else memory
        )
        self._inflight: dict[str, _Flight[T]] = {}
        self._failures: dict[str, tuple[float, float]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.upstream_failures = 0

    async def get(
        self, key: str, fetch: FetchFn[T], *, wait: float | None = None
    ) -> CacheResult[T]:
        """The record for ``key``, fetching it through ``fetch`` when needed.

        Raises what ``fetch`` raises when there is nothing servable (no record, or one
        past grace); a 404 ``HTTPError`` becomes a negative record instead. With
        ``wait``, a caller that must wait for a fetch waits that many seconds at most,
        then gets ``UpstreamPendingError`` while the fetch goes on in its own task.
        """
        now = self.clock()
        entry = self.memory.get(key)
        recheck = float("inf")
        if self.shared is not None:
            recheck = self._recheck.peek(key) or 0.0
            if entry is None or now >= recheck:
                entry = await self._read_shared(key, entry)
                recheck = now + self.local_ttl
        if entry is not None:
            if now < entry.fresh_until:
                return CacheResult(entry, "hit", min(entry.fresh_until, recheck))
            if now < entry.stale_until:
                if not self._backing_off(key, now):
                    self._refresh_in_background(key, fetch, entry)
                return CacheResult(entry, "stale", now)
        if wait is None:
            entry = await self._fetch_once(key, fetch, entry)
        else:
            entry = await self._fetch_detached(key, fetch, entry, wait)
        return CacheResult(entry, "miss", min(entry.fresh_until, self.clock() + self.local_ttl))

    def invalidate(self, key: str) -> None:
        """Mark ``key`` stale now: the next request serves it and refreshes it."""
        entry = self.memory.peek(key)
        if entry is not None:
            self.memory.set(key, _stale(entry, self.clock()))

    async def invalidate_before(self, key: str, moment: float) -> bool:
        """Mark ``key`` stale in both tiers if it was fetched before ``moment``.

        Used when the upstream announces a change (a release): the next request serves
        the record once more while one refresh fetches the new one. Whether a record was
        marked stale.
        """
        now = self.clock()
        changed = False
        entry = self.memory.peek(key)
        if entry is not None and entry.fetched_at < moment and now < entry.fresh_until:
            self.memory.set(key, _stale(entry, now))
            changed = True
        if self.shared is not None and self._decode is not None and self._encode is not None:
            data = await self.shared.get(self.shared_key(key))
            found = self._decode(data) if data is not None else None
            if found is not None and found.fetched_at < moment and now < found.fresh_until:
                stale = _stale(found, now)
                await self.shared.set(self.shared_key(key), self._encode(stale), _keep(stale, now))
                changed = True
        return changed

    async def _read_shared(self, key: str, held: Entry[T] | None) -> Entry[T] | None:
        """The shared tier's record when it is newer than (or as new as) ``held``."""
        assert self.shared is not None
        assert self._decode is not None
        self._recheck.set(key, self.clock() + self.local_ttl)
        data = await self.shared.get(self.shared_key(key))
        found = self._decode(data) if data is not None else None
        if found is None or (held is not None and found.fetched_at < held.fetched_at):
            return held
        self.memory.set(key, found)
        return found

    async def _await_other_fetch(self, key: str, held: Entry[T] | None) -> Entry[T] | None:
        """Wait (up to ``max_wait``) for another process to publish a newer record."""
        assert self.shared is not None
        assert self._decode is not None
        deadline = time.monotonic() + self.max_wait
        pause, longest = SHARED_POLL
        while time.monotonic() < deadline and self.shared.available:
            await asyncio.sleep(pause)
            pause = min(pause * 2, longest)
            data = await self.shared.get(self.shared_key(key))
            found = self._decode(data) if data is not None else None
            if found is not None and (held is None or found.fetched_at > held.fetched_at):
                self.memory.set(key, found)
                return found
        return None

    async def drain(self) -> None:
        """Wait for the background fetches under way (tests and shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop the background fetches under way (shutdown: a fetch queued behind a rate
        limit may otherwise wait for minutes)."""
        while self._background:
            tasks = list(self._background)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _backing_off(self, key: str, now: float) -> bool:
        failure = self._failures.get(key)
        return failure is not None and now < failure[0]

    def _refresh_in_background(self, key: str, fetch: FetchFn[T], entry: Entry[T]) -> None:
        if key in self._inflight:
            return
        self._start_flight(key, lambda flight: self._quiet_refresh(key, flight, fetch, entry))

    def _start_flight(
        self, key: str, run: Callable[[_Flight[T]], Coroutine[object, object, None]]
    ) -> _Flight[T]:
        """Register a fetch of ``key`` and run it (``run(flight)``) in a task of its own.

        It is registered at once, so that the other callers of this loop turn find it
        under way instead of each starting one.
        """
        flight: _Flight[T] = _Flight()
        self._inflight[key] = flight
        task = asyncio.get_running_loop().create_task(run(flight))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        # A task cancelled before its first step never runs the fetch: let a waiter run it.
        task.add_done_callback(lambda _: self._land(key, flight, None, _AbandonedError()))
        return flight

    async def _fetch_detached(
        self, key: str, fetch: FetchFn[T], entry: Entry[T] | None, wait: float
    ) -> Entry[T]:
        """The entry of the fetch of ``key`` under way (started in a task of its own if
        none is), waited for ``wait`` seconds at most."""
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            flight = self._inflight.get(key)
            if flight is None:
                flight = self._start_flight(
                    key, lambda flight: self._detached_run(key, flight, fetch, entry)
                )
            try:
                async with asyncio.timeout_at(deadline):
                    return await flight.wait()
            except _AbandonedError:
                continue  # its runner was cancelled: run it (or wait for who does)
            except TimeoutError:
                raise UpstreamPendingError(
                    f"{key}: the answer is queued; not here within {wait:g} s"
                ) from None

    async def _detached_run(
        self, key: str, flight: _Flight[T], fetch: FetchFn[T], entry: Entry[T] | None
    ) -> None:
        """Run a fetch for callers who may stop waiting; its outcome goes to the flight."""
        try:
            await self._run_flight(key, flight, fetch, entry)
        except Exception as error:  # given to the waiters by _run_flight
            log.debug("fetch of %s failed: %s", key, error)

    async def _quiet_refresh(
        self, key: str, flight: _Flight[T], fetch: FetchFn[T], entry: Entry[T]
    ) -> None:
        try:
            await self._run_flight(key, flight, fetch, entry)
        except (CircuitOpenError, UpstreamBusyError) as error:  # nothing was asked
            log.debug("background refresh of %s not started: %s", key, error)
        except Exception as error:  # stale-if-error: the stale entry stays
            log.warning("background refresh of %s failed: %s", key, error)

    async def _fetch_once(self, key: str, fetch: FetchFn[T], entry: Entry[T] | None) -> Entry[T]:
        """The entry of the one fetch of ``key`` under way here, run by this caller if none is.

        The caller that finds no fetch under way runs it in its own task: no task to
        start and no result to hand back, each of which would cost a turn of the loop.
        """
        while (flight := self._inflight.get(key)) is not None:
            try:
                return await flight.wait()
            except _AbandonedError:
                continue  # its runner was cancelled: run it (or wait for who does)
        flight = _Flight()
        self._inflight[key] = flight
        return await self._run_flight(key, flight, fetch, entry)

    async def _run_flight(
        self, key: str, flight: _Flight[T], fetch: FetchFn[T], entry: Entry[T] | None
    ) -> Entry[T]:
        """Run the fetch registered as ``flight``, then give its waiters the outcome."""
        try:
            new = await self._fetch(key, fetch, entry)
        except Exception as error:
            self._land(key, flight, None, error)
            raise
        except BaseException:  # cancelled (client gone, shutdown): a waiter takes over
            self._land(key, flight, None, _AbandonedError())
            raise
        self._land(key, flight, new, None)
        return new

    def _land(
        self, key: str, flight: _Flight[T], entry: Entry[T] | None, error: BaseException | None
    ) -> None:
        """End ``flight`` (if still under way) with its entry or its error."""
        if self._inflight.get(key) is flight:
            del self._inflight[key]
        flight.land(entry, error)

    async def _fetch(self, key: str, fetch: FetchFn[T], entry: Entry[T] | None) -> Entry[T]:
        if self.admit is not None:
            self.admit()
        if self.shared is None:
            return await self._fetch_upstream(key, fetch, entry)
        lock = "fetch:" + self.shared_key(key)
        token = await self.shared.acquire(lock, self.lock_ttl)
        if token is None:
            published = await self._await_other_fetch(key, entry)
            if published is not None:
                return published
            # The holder died or is slow: fetch ourselves rather than fail.
            return await self._fetch_upstream(key, fetch, entry)
        try:
            # Another process may have published between our look and our lock.
            latest = await self._read_shared(key, entry)
            if latest is not None and latest is not entry and self.clock() < latest.fresh_until:
                return latest
            return await self._fetch_upstream(key, fetch, entry)
        finally:
            await self.shared.release(lock, token)

    async def _fetch_upstream(
        self, key: str, fetch: FetchFn[T], entry: Entry[T] | None
    ) -> Entry[T]:
        """Fetch ``key`` and keep the outcome; any exception is a failure, backed off.

        After a failure the next fetch sends no validators: whatever made the last one
        fail (a validator the upstream or a proxy refuses), the record is asked for
        anew, in full, rather than kept from ever being refreshed.
        """
        if entry is not None and key in self._failures:
            entry = replace(entry, validators=Validators())
        try:
            new = self._entry_for(await fetch(entry), entry)
        except HTTPError as error:
            if error.status_code != 404:
                self._record_failure(key)
                raise
            new = self.make_entry(Fetched(None), self.clock())
        except (CircuitOpenError, UpstreamBusyError):
            raise  # nothing was asked: no reason to wait longer before asking again
        except Exception:
            self._record_failure(key)
            raise
        self._failures.pop(key, None)
        self.memory.set(key, new)
        await self._publish(key, new)
        return new

    def _entry_for(self, result: Fetched[T] | object, held: Entry[T] | None) -> Entry[T]:
        """The entry for a fetch's ``result`` (``NOT_MODIFIED`` renews ``held``)."""
        now = self.clock()
        if result is NOT_MODIFIED:
            if held is None:
                raise TypeError("a fetch answered 'not modified' without a record to renew")
            # The same lifetimes as a new answer (negative_ttl for a negative entry).
            return self.make_entry(Fetched(held.value, held.validators), now)
        if not isinstance(result, Fetched):
            raise TypeError(f"a fetch returned {type(result).__name__}, not Fetched")
        return self.make_entry(result, now)

    async def _publish(self, key: str, entry: Entry[T]) -> None:
        """Write ``entry`` to the shared tier; a record that cannot be encoded stays in
        this process only (the shared tier never fails a request)."""
        if self.shared is None or self._encode is None:
            return
        try:
            data = self._encode(entry)
        except Exception:
            log.exception("the record of %s cannot be shared; kept in this process", key)
            return
        await self.shared.set(self.shared_key(key), data, _keep(entry, entry.fetched_at))

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


def _stale(entry: Entry[T], now: float) -> Entry[T]:
    """``entry`` made stale at ``now`` (its grace kept)."""
    fresh = min(entry.fresh_until, now)
    return replace(entry, fresh_until=fresh, stale_until=max(entry.stale_until, fresh))


def _keep(entry: Entry[T], now: float) -> float:
    """Seconds the shared tier keeps ``entry``: until its grace ends (at least one)."""
    return max(1.0, entry.stale_until - now)
