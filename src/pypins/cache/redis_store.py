"""``RedisStore``: the shared store in Redis, for many workers and hosts.

```python
store = RedisStore.from_url("redis://127.0.0.1:6379/0")
await store.set("package:s1:numpy", data, ttl_seconds=600)
await store.aclose()
```

Keys are namespaced (``pypins:v1:<key>``, locks ``pypins:v1:lock:<key>``). Values are
written with ``SET key value PX ttl``; locks are ``SET NX PX`` with a random token and
are released by a Lua compare-and-delete, so a lock that lapsed and was retaken by
someone else is left alone.

Redis is a cache here, never a dependency: when it is down, slow, flushed or answers
nonsense, every operation answers as a miss (locks are granted from a per-process
table), the failure is counted (``errors``, ``last_error``) and logged at most once per
``log_interval`` seconds. Timeouts are short, and after a connection failure a circuit
breaker skips Redis for ``breaker_seconds`` (then one probe request tries it again), so
a dead Redis costs next to nothing per request.

A timeout is Redis's fault, not the event loop's: the clock of a read or a connection
runs on the event loop, and a loop busy with other requests (or blocked a moment) may
come back to a reply that arrived long ago only after the deadline. Past its deadline,
a read or a connection made by ``from_url``'s client is given ``LATE_LOOP_TURNS`` more
turns of the loop (each one reads the sockets) before it counts as timed out, so only
a Redis that did not answer in time is counted as an error and left alone.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, Literal, TypeVar

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from pypins import settings
from pypins.cache.store import POLL_INITIAL, POLL_MAX, MemoryStore, new_token

__all__ = ["DEFAULT_PREFIX", "LATE_LOOP_TURNS", "RedisStore", "lag_tolerant", "within"]

log = logging.getLogger(__name__)

R = TypeVar("R")

#: Prefix of every key pypins writes; the ``v1`` is this module's key layout.
DEFAULT_PREFIX: Final = "pypins:v1:"
#: Seconds allowed for one Redis command, and for connecting.
DEFAULT_TIMEOUT: Final = settings.DEFAULT_REDIS_TIMEOUT
#: Seconds Redis is skipped after a connection failure or timeout.
DEFAULT_BREAKER_SECONDS: Final = 5.0
#: Seconds between two log lines about Redis failures.
DEFAULT_LOG_INTERVAL: Final = 60.0
#: An idle pooled connection is PINGed before use after this many seconds.
DEFAULT_HEALTH_CHECK_INTERVAL: Final = 30
#: Turns of the event loop (each one reads the sockets) a read or connection still gets
#: once its timeout is up: a reply that came while the loop was busy elsewhere is read
#: in one or two, a connection made in four or so; a Redis that sent nothing gets
#: nothing more out of them.
LATE_LOOP_TURNS: Final = 10

#: Deletes KEYS[1] only if it still holds ARGV[1].
RELEASE_SCRIPT: Final = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
end
return 0
"""

_LOCAL = "local:"
#: Failures that say Redis is unreachable or too slow: they open the breaker.
_OUTAGES: Final = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)


class Unavailable(enum.Enum):
    """What ``RedisStore.call`` returns when Redis did not answer."""

    UNAVAILABLE = "unavailable"


UNAVAILABLE: Final = Unavailable.UNAVAILABLE


class RedisStore:
    """A ``SharedStore`` in Redis that never raises for Redis's failures."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        breaker_seconds: float = DEFAULT_BREAKER_SECONDS,
        log_interval: float = DEFAULT_LOG_INTERVAL,
        owns_client: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.breaker_seconds = breaker_seconds
        self.log_interval = log_interval
        self.owns_client = owns_client
        self.clock = clock
        #: Redis failures so far (each answered as a miss).
        self.errors = 0
        #: Operations not sent because the breaker was open.
        self.skipped = 0
        #: The latest failure, as ``"<operation>: <error>"``.
        self.last_error: str | None = None
        self._open_until: float | None = None
        self._probing = False
        self._logged_at = -math.inf
        self._unlogged = 0
        self._local_locks = MemoryStore(clock=clock)
        self._release = client.register_script(RELEASE_SCRIPT)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        health_check_interval: int = DEFAULT_HEALTH_CHECK_INTERVAL,
        **options: Any,
    ) -> RedisStore:
        """A store with its own client for ``url`` (``redis://``, ``rediss://``, ``unix://``).

        One immediate retry on a broken connection (a restarted Redis), none on timeouts.
        Its timeouts are told from a late event loop (``lag_tolerant``).
        """
        client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout if connect_timeout is None else connect_timeout,
            health_check_interval=health_check_interval,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        lag_tolerant(client)
        return cls(client, **options)

    @property
    def available(self) -> bool:
        """Whether Redis is being used (the breaker is closed)."""
        return self._open_until is None

    def key(self, key: str) -> str:
        """The Redis key of ``key``."""
        return self.prefix + key

    def lock_key(self, lock_key: str) -> str:
        """The Redis key of lock ``lock_key``."""
        return f"{self.prefix}lock:{lock_key}"

    async def call(
        self, what: str, operation: Callable[[Redis], Awaitable[R]]
    ) -> R | Literal[Unavailable.UNAVAILABLE]:
        """``operation(client)``'s result, or ``UNAVAILABLE``; never raises Redis's errors."""
        if self._open_until is not None:
            if self._probing or self.clock() < self._open_until:
                self.skipped += 1
                return UNAVAILABLE
            self._probing = True  # this call probes; the others keep skipping
        try:
            result = await operation(self.client)
        except _OUTAGES as error:
            self._failed(what, error, outage=True)
            return UNAVAILABLE
        except RedisError as error:  # Redis answered, with an error (WRONGTYPE, OOM...)
            self._failed(what, error, outage=False)
            return UNAVAILABLE
        finally:
            self._probing = False
        if self._open_until is not None:
            self._open_until = None
            log.warning("redis is available again (errors so far: %d)", self.errors)
        return result

    def _failed(self, what: str, error: BaseException, *, outage: bool) -> None:
        self.errors += 1
        self.last_error = f"{what}: {type(error).__name__}: {error}"
        now = self.clock()
        if outage:
            self._open_until = now + self.breaker_seconds
        if now - self._logged_at >= self.log_interval:
            suffix = f" ({self._unlogged} more failures since the last report)"
            log.warning(
                "redis %s failed, serving from memory%s: %s",
                what,
                suffix if self._unlogged else "",
                self.last_error,
            )
            self._logged_at = now
            self._unlogged = 0
        else:
            self._unlogged += 1

    def _foreign(self, what: str, reply: object) -> None:
        self.errors += 1
        self.last_error = f"{what}: unexpected reply of type {type(reply).__name__}"

    async def get(self, key: str) -> bytes | None:
        """The value at ``key``, or ``None`` (absent, or Redis unavailable)."""
        reply = await self.call("get", lambda client: client.get(self.key(key)))
        if reply is UNAVAILABLE or reply is None:
            return None
        if not isinstance(reply, bytes):
            self._foreign("get", reply)
            return None
        return reply

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """``SET key value PX ttl``; a ttl <= 0 deletes ``key``."""
        if not ttl_seconds > 0:
            await self.delete(key)
            return
        milliseconds = _milliseconds(ttl_seconds)
        await self.call("set", lambda client: client.set(self.key(key), value, px=milliseconds))

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        await self.call("delete", lambda client: client.delete(self.key(key)))

    async def acquire(self, lock_key: str, ttl_seconds: float) -> str | None:
        """``SET NX PX`` with a new token; a per-process lock when Redis is unavailable."""
        token = new_token()
        milliseconds = _milliseconds(ttl_seconds)
        reply = await self.call(
            "acquire",
            lambda client: client.set(self.lock_key(lock_key), token, nx=True, px=milliseconds),
        )
        if reply is UNAVAILABLE:
            local = await self._local_locks.acquire(lock_key, ttl_seconds)
            return None if local is None else _LOCAL + local
        return token if reply else None

    async def release(self, lock_key: str, token: str) -> None:
        """Release the lock if ``token`` still holds it (a Lua compare-and-delete)."""
        if token.startswith(_LOCAL):
            await self._local_locks.release(lock_key, token.removeprefix(_LOCAL))
            return
        keys = [self.lock_key(lock_key)]
        await self.call(
            "release", lambda client: self._release(keys=keys, args=[token], client=client)
        )

    async def wait_for(self, key: str, timeout: float) -> bytes | None:
        """Poll ``key`` (every 10 ms, backing off to 50 ms) until it has a value or time is up.

        ``None`` at once when Redis becomes unavailable: the caller had better fetch.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = POLL_INITIAL
        while True:
            reply = await self.call("wait", lambda client: client.get(self.key(key)))
            if reply is UNAVAILABLE:
                return None
            if reply is not None:
                if isinstance(reply, bytes):
                    return reply
                self._foreign("wait", reply)
                return None
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, POLL_MAX)

    async def aclose(self) -> None:
        """Close the client's connections, if this store made the client."""
        if self.owns_client:
            await self.client.aclose()


async def within(awaitable: Awaitable[R], seconds: float) -> R:
    """``await awaitable``, or ``TimeoutError`` once ``seconds`` are up on the loop's clock
    *and* the loop has turned ``LATE_LOOP_TURNS`` more times without it finishing.

    A loop that comes back late (busy with other tasks, or blocked) reads the sockets
    in those turns, so what arrived before the deadline is not lost to it.
    """
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(None) as scope:
        handle: asyncio.Handle

        def turn(left: int) -> None:
            nonlocal handle
            if left > 0:
                handle = loop.call_soon(turn, left - 1)
            else:
                scope.reschedule(loop.time())  # now: cancel the awaitable

        handle = loop.call_at(loop.time() + seconds, turn, LATE_LOOP_TURNS)
        try:
            return await awaitable
        finally:
            handle.cancel()


class _LagTolerant(AbstractConnection):
    """A connection whose reads and connects time out by ``within``, not by redis-py's timer.

    Mixed into the client's connection class (``lag_tolerant``); redis-py's own timer
    fires in the same turn of the loop that reads a late reply, and wins.
    """

    async def read_response(
        self,
        disable_decoding: bool = False,
        timeout: float | None = None,
        *,
        disconnect_on_error: bool = True,
        push_request: bool | None = False,
    ) -> Any:
        """Read a reply; a ``socket_timeout`` (no ``timeout`` given) as ``within`` counts it."""
        seconds = self.socket_timeout
        if timeout is not None or seconds is None:
            return await super().read_response(
                disable_decoding,
                timeout,
                disconnect_on_error=disconnect_on_error,
                push_request=push_request,
            )
        reading = super().read_response(
            disable_decoding,
            math.inf,  # redis-py's "no timeout"
            disconnect_on_error=disconnect_on_error,
            push_request=push_request,
        )
        try:
            return await within(reading, seconds)
        except TimeoutError:  # cancelled mid-read: redis-py closed the connection
            raise RedisTimeoutError(f"Timeout reading from {self._host_error()}") from None

    async def _connect(self) -> None:
        """Connect within ``socket_connect_timeout`` as ``within`` counts it."""
        seconds = self.socket_connect_timeout
        if seconds is None:
            await super()._connect()  # type: ignore[no-untyped-call,safe-super]
            return
        self.socket_connect_timeout = None  # redis-py's own timer off while connecting
        try:
            await within(super()._connect(), seconds)  # type: ignore[no-untyped-call,safe-super]
        finally:
            self.socket_connect_timeout = seconds


_TOLERANT_CLASSES: dict[type[AbstractConnection], type[AbstractConnection]] = {}


def lag_tolerant(client: Redis) -> Redis:
    """Make the connections ``client`` opens from now on time out by ``within``.

    Works for every connection class redis-py picks by URL (TCP, TLS, Unix socket).
    """
    pool = client.connection_pool
    base: type[AbstractConnection] = pool.connection_class
    if not issubclass(base, _LagTolerant):
        tolerant = _TOLERANT_CLASSES.get(base)
        if tolerant is None:
            tolerant = type(f"LagTolerant{base.__name__}", (_LagTolerant, base), {})
            _TOLERANT_CLASSES[base] = tolerant
        pool.connection_class = tolerant
    return client


def _milliseconds(seconds: float) -> int:
    """``seconds`` as a positive whole number of milliseconds, rounded up."""
    if not seconds > 0:
        return 1
    return max(1, math.ceil(seconds * 1000))
