"""Rate limits for an upstream that asks for them (pypistats.org: ~5/s and 30/min per client).

```python
limiter = RedisTokenBucket(store, "pypistats")   # or LocalTokenBucket()
if not await limiter.acquire(timeout=0.5):
    ...serve stale, or answer "rate limited"
```

Two limits hold together, and a request is granted only when both allow it:

* a token bucket of ``burst`` tokens refilled at ``rate_per_second``: bursts are short
  and the pace is smooth ("burst-ish": a one-second span may see up to
  ``burst + rate_per_second`` grants);
* a sliding window: never more than ``per_minute`` grants in any ``window`` (60) seconds,
  exactly.

``acquire(timeout)`` reserves the earliest moment both allow, first come first served,
and sleeps until then; when that moment is more than ``timeout`` away it takes nothing
and answers False at once. A reservation whose caller is cancelled stays spent (the
limiter errs on the side of the upstream).

``RedisTokenBucket`` keeps one limiter for every worker and host, updated atomically by
a Lua script timed by the Redis server's clock. When Redis is unavailable it falls back
to a per-process ``LocalTokenBucket`` (then each process has the full allowance).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final, Protocol, runtime_checkable

from pypins import settings
from pypins.cache.redis_store import UNAVAILABLE, RedisStore
from pypins.cache.store import new_token

__all__ = ["LocalTokenBucket", "RateLimiter", "RedisTokenBucket"]

#: Seconds of the per-minute window.
MINUTE: Final = 60.0


@runtime_checkable
class RateLimiter(Protocol):
    """Grants permission to send one request."""

    async def acquire(self, timeout: float) -> bool:
        """True once a request may be sent (waiting up to ``timeout`` s), else False at once."""
        ...


def _check(rate_per_second: float, burst: int, per_minute: int, window: float) -> None:
    if not rate_per_second > 0:
        raise ValueError("rate_per_second must be positive")
    if burst < 1 or per_minute < 1:
        raise ValueError("burst and per_minute must be at least 1")
    if not window > 0:
        raise ValueError("window must be positive")


class LocalTokenBucket:
    """A ``RateLimiter`` for this process (one event loop); ``clock`` and ``sleep`` injectable."""

    def __init__(
        self,
        rate_per_second: float = settings.DEFAULT_STATS_RATE_PER_SECOND,
        burst: int = settings.DEFAULT_STATS_BURST,
        per_minute: int = settings.DEFAULT_STATS_RATE_PER_MINUTE,
        *,
        window: float = MINUTE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        _check(rate_per_second, burst, per_minute, window)
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self.sleep = sleep
        #: Requests refused so far.
        self.refused = 0
        self._tokens = float(burst)
        self._updated = clock()
        self._grants: deque[float] = deque()

    def reserve(self, timeout: float) -> float | None:
        """Take the next grant if it comes within ``timeout`` s: the seconds to wait, or None."""
        now = self.clock()
        tokens = min(
            float(self.burst),
            self._tokens + max(0.0, now - self._updated) * self.rate_per_second,
        )
        self._tokens, self._updated = tokens, now
        grants = self._grants
        while grants and grants[0] <= now - self.window:
            grants.popleft()
        at = now
        if tokens < 1:
            at = now + (1 - tokens) / self.rate_per_second
        if len(grants) >= self.per_minute:
            at = max(at, grants[-self.per_minute] + self.window)
        if grants:
            at = max(at, grants[-1])  # first come, first served
        wait = at - now
        if wait > max(timeout, 0.0):
            self.refused += 1
            return None
        self._tokens = tokens - 1
        grants.append(at)
        return wait

    async def acquire(self, timeout: float) -> bool:
        """True once a request may be sent (waiting up to ``timeout`` s), else False at once."""
        wait = self.reserve(timeout)
        if wait is None:
            return False
        if wait > 0:
            await self.sleep(wait)
        return True


#: KEYS: the bucket's hash, the window's sorted set. ARGV: rate, burst, per_minute,
#: window, longest wait, a unique member. Returns the seconds to wait, or "-1" (refused).
BUCKET_SCRIPT: Final = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local longest = tonumber(ARGV[5])
local time = redis.call("TIME")
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call("HMGET", KEYS[1], "tokens", "updated")
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
    tokens = burst
    updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", string.format("%.6f", now - window))
local at = now
if tokens < 1 then
    at = now + (1 - tokens) / rate
end
local count = redis.call("ZCARD", KEYS[2])
if count >= limit then
    local nth = redis.call("ZRANGE", KEYS[2], count - limit, count - limit, "WITHSCORES")
    at = math.max(at, tonumber(nth[2]) + window)
end
if count > 0 then
    local last = redis.call("ZRANGE", KEYS[2], -1, -1, "WITHSCORES")
    at = math.max(at, tonumber(last[2]))
end
local wait = at - now
if wait > longest then
    return "-1"
end
redis.call("HSET", KEYS[1], "tokens", string.format("%.9f", tokens - 1),
    "updated", string.format("%.6f", now))
redis.call("ZADD", KEYS[2], string.format("%.6f", at), ARGV[6])
local ttl = math.ceil((window + wait + 1) * 1000)
redis.call("PEXPIRE", KEYS[1], ttl)
redis.call("PEXPIRE", KEYS[2], ttl)
return string.format("%.6f", wait)
"""


class RedisTokenBucket:
    """One ``RateLimiter`` shared by every process using ``store``'s Redis, named ``name``."""

    def __init__(
        self,
        store: RedisStore,
        name: str,
        rate_per_second: float = settings.DEFAULT_STATS_RATE_PER_SECOND,
        burst: int = settings.DEFAULT_STATS_BURST,
        per_minute: int = settings.DEFAULT_STATS_RATE_PER_MINUTE,
        *,
        window: float = MINUTE,
        fallback: RateLimiter | None = None,
    ) -> None:
        _check(rate_per_second, burst, per_minute, window)
        self.store = store
        self.name = name
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.per_minute = per_minute
        self.window = window
        #: Used while Redis is unavailable.
        self.fallback: RateLimiter = fallback or LocalTokenBucket(
            rate_per_second, burst, per_minute, window=window
        )
        #: Requests refused so far (by Redis; the fallback counts its own).
        self.refused = 0
        # One hash slot for both keys (Redis Cluster).
        base = store.key(f"ratelimit:{{{name}}}")
        self.keys = [base, base + ":window"]
        self._script = store.client.register_script(BUCKET_SCRIPT)

    async def acquire(self, timeout: float) -> bool:
        """True once a request may be sent (waiting up to ``timeout`` s), else False at once."""
        args: list[str | int] = [
            repr(float(self.rate_per_second)),
            self.burst,
            self.per_minute,
            repr(float(self.window)),
            repr(max(float(timeout), 0.0)),
            new_token(),
        ]
        reply = await self.store.call(
            "rate limit", lambda client: self._script(keys=self.keys, args=args, client=client)
        )
        if reply is UNAVAILABLE:
            return await self.fallback.acquire(timeout)
        try:
            wait = float(reply.decode() if isinstance(reply, bytes) else reply)
        except (TypeError, ValueError):
            self.store.errors += 1
            self.store.last_error = f"rate limit: unexpected reply {reply!r:.50}"
            return await self.fallback.acquire(timeout)
        if wait < 0:
            self.refused += 1
            return False
        if wait > 0:
            await asyncio.sleep(wait)
        return True
