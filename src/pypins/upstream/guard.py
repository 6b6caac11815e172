"""One guard per upstream: bounded retries with jitter, a circuit breaker, back-pressure.

:meth:`UpstreamGuard.call` runs one logical upstream request. Transient failures
(timeouts, resets, 5xx, 429 without a long ``Retry-After``) are retried at most
``retries`` times after a random delay between 0 and ``base * 2**attempt`` seconds
("full jitter"), all within one time budget, so a request never waits longer than the
configured timeout. Failures feed the upstream's :class:`CircuitBreaker`; while it is
open no request is sent, and with a shared store the opening is published so that the
other workers stop too: a failing upstream gets fewer requests, not more.

Requests in flight are capped per process by :class:`Slots`; past the cap they wait in
a bounded queue, and past the queue they fail at once with ``UpstreamBusyError``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from pypins.cache.store import SharedStore
from pypins.errors import (
    CircuitOpenError,
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    UpstreamBusyError,
    UpstreamUnavailableError,
)
from pypins.upstream.breaker import CircuitBreaker

R = TypeVar("R")

#: HTTP statuses worth another try: the upstream or a proxy in front of it hiccupped.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Observer(Protocol):
    """What the guard reports (the metrics implement it)."""

    def upstream_started(self, upstream: str) -> None: ...

    def upstream_finished(self, upstream: str, outcome: str, seconds: float) -> None: ...

    def upstream_retried(self, upstream: str) -> None: ...

    def breaker_changed(self, upstream: str, *, is_open: bool) -> None: ...


class NullObserver:
    """Reports nowhere."""

    def upstream_started(self, upstream: str) -> None:
        """Ignore."""

    def upstream_finished(self, upstream: str, outcome: str, seconds: float) -> None:
        """Ignore."""

    def upstream_retried(self, upstream: str) -> None:
        """Ignore."""

    def breaker_changed(self, upstream: str, *, is_open: bool) -> None:
        """Ignore."""


def classify(error: BaseException | None) -> str:
    """The outcome label of an upstream request that raised ``error`` (None: ``ok``)."""
    if error is None:
        return "ok"
    if isinstance(error, CircuitOpenError):
        return "breaker_open"
    if isinstance(error, UpstreamBusyError):
        return "busy"
    if isinstance(error, HTTPError):
        if error.status_code == 404:
            return "not_found"
        if error.status_code == 429:
            return "rate_limited"
        if error.status_code >= 500:
            return "server_error"
        return "client_error"
    if isinstance(error, UpstreamUnavailableError):
        cause = error.__cause__
        if isinstance(cause, TimeoutError) or "in time" in str(error):
            return "timeout"
        return "unreachable"
    if isinstance(error, InvalidResponseError):
        return "invalid"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return "error"


def _is_failure(error: BaseException) -> bool:
    """Whether ``error`` says the upstream is unwell (as opposed to "no such package")."""
    if isinstance(error, HTTPError):
        return error.status_code >= 500 or error.status_code == 429
    if isinstance(error, InvalidNameError):
        return False
    return isinstance(error, UpstreamUnavailableError | InvalidResponseError)


def _is_retryable(error: BaseException) -> bool:
    if isinstance(error, HTTPError):
        return error.status_code in RETRY_STATUSES
    return isinstance(error, UpstreamUnavailableError) and not isinstance(
        error, CircuitOpenError | UpstreamBusyError
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried."""

    retries: int = 2
    #: The first retry waits up to this many seconds; each further one twice as long.
    base: float = 0.25
    #: No single wait is longer than this.
    cap: float = 2.0
    #: Seconds one call may take in all, attempts and waits together.
    budget: float = 10.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """A random wait before retry ``attempt`` (1-based): full jitter."""
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))


class Slots:
    """At most ``limit`` upstream requests at once in this process; at most
    ``max_waiting`` more wait (each at most ``max_wait`` seconds); the rest are busy."""

    def __init__(self, limit: int, max_waiting: int, max_wait: float) -> None:
        self.limit = limit
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self._semaphore = asyncio.Semaphore(limit)
        self.in_flight = 0
        self.waiting = 0

    def admit(self) -> None:
        """Raise ``UpstreamBusyError`` now if a request would find the queue full."""
        if self._semaphore.locked() and self.waiting >= self.max_waiting:
            raise UpstreamBusyError(
                f"{self.in_flight} upstream requests in flight and {self.waiting} waiting"
            )

    @asynccontextmanager
    async def hold(self, deadline: float | None = None) -> AsyncIterator[None]:
        """Hold one slot for the duration of a request; wait for one at most
        ``max_wait`` seconds and not past ``deadline`` (event-loop time)."""
        if self._semaphore.locked():
            self.admit()
            self.waiting += 1
            wait = self.max_wait
            if deadline is not None:
                wait = min(wait, deadline - asyncio.get_running_loop().time())
            try:
                await asyncio.wait_for(self._semaphore.acquire(), max(wait, 0.0))
            except TimeoutError:
                raise UpstreamBusyError(
                    f"no upstream slot became free within {max(wait, 0.0):.3g} s"
                ) from None
            finally:
                self.waiting -= 1
        else:
            await self._semaphore.acquire()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._semaphore.release()


class UpstreamGuard:
    """Retries, circuit breaker and back-pressure for one upstream (``name``)."""

    def __init__(
        self,
        name: str,
        *,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
        slots: Slots,
        observer: Observer | None = None,
        shared: SharedStore | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.breaker = breaker
        self.retry = retry
        self.slots = slots
        self.observer: Observer = observer if observer is not None else NullObserver()
        self.shared = shared
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()  # noqa: S311 (jitter, not secrets)
        self._wall_clock = wall_clock

    @property
    def shared_key(self) -> str:
        """The shared-store key announcing that this upstream's breaker is open."""
        return f"breaker:{self.name}"

    async def call(self, request: Callable[[], Awaitable[R]]) -> R:
        """Run ``request`` under the guard; raise its last error when it keeps failing.

        Attempts and the waits between them share one budget: each attempt gets what is
        left of it, and an attempt that runs out is a timeout, counted as a failure.
        """
        await self._learn_shared_opening()
        deadline = asyncio.get_running_loop().time() + self.retry.budget
        attempt = 0
        while True:
            if not self.breaker.allow():
                self.observer.upstream_finished(self.name, "breaker_open", 0.0)
                raise CircuitOpenError(
                    f"{self.name} failed repeatedly; not asking it for another "
                    f"{self.breaker.remaining():.0f} s"
                )
            try:
                result = await self._attempt(request, deadline)
            except asyncio.CancelledError:
                self.breaker.abandon()
                raise
            except UpstreamBusyError:
                self.breaker.abandon()
                raise
            except Exception as error:
                if not _is_failure(error):
                    self._succeeded()
                    raise
                await self._failed(error)
                if (
                    attempt >= self.retry.retries
                    or not _is_retryable(error)
                    or self.breaker.state != "closed"
                ):
                    raise
                attempt += 1
                pause = self.retry.delay(attempt, self._rng)
                if asyncio.get_running_loop().time() + pause >= deadline:
                    raise  # no time left for another attempt
                self.observer.upstream_retried(self.name)
                await self._sleep(pause)
                continue
            self._succeeded()
            return result

    async def _attempt(self, request: Callable[[], Awaitable[R]], deadline: float) -> R:
        try:
            async with self.slots.hold(deadline):
                self.observer.upstream_started(self.name)
                started = time.perf_counter()
                try:
                    try:
                        async with asyncio.timeout_at(deadline):
                            result = await request()
                    except TimeoutError:
                        raise UpstreamUnavailableError(
                            f"{self.name} did not answer in time "
                            f"({self.retry.budget:g} s, retries included)"
                        ) from None
                except BaseException as error:
                    elapsed = time.perf_counter() - started
                    self.observer.upstream_finished(self.name, classify(error), elapsed)
                    raise
                self.observer.upstream_finished(self.name, "ok", time.perf_counter() - started)
                return result
        except UpstreamBusyError:
            self.observer.upstream_finished(self.name, "busy", 0.0)
            raise

    def _succeeded(self) -> None:
        was_open = self.breaker.state != "closed"
        self.breaker.success()
        if was_open:
            self.observer.breaker_changed(self.name, is_open=False)

    async def _failed(self, error: BaseException) -> None:
        retry_after = error.retry_after if isinstance(error, HTTPError) else None
        if self.breaker.failure(retry_after):
            self.observer.breaker_changed(self.name, is_open=True)
            if self.shared is not None:
                seconds = self.breaker.remaining()
                until = self._wall_clock() + seconds
                await self.shared.set(self.shared_key, repr(until).encode(), seconds)

    async def _learn_shared_opening(self) -> None:
        """Open the local breaker if another worker published an opening."""
        if self.shared is None or self.breaker.state != "closed":
            return
        data = await self.shared.get(self.shared_key)
        if data is None:
            return
        try:
            until = float(data)
        except ValueError:
            return  # a foreign value: ignore it, it expires by itself
        remaining = until - self._wall_clock()
        if 0 < remaining <= self.breaker.max_cooldown:
            self.breaker.open_for(remaining)
            self.observer.breaker_changed(self.name, is_open=True)
