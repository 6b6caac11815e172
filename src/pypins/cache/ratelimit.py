"""Rate limits for an upstream that enforces them (pypistats.org: 5/s and 30/min per client).

```python
limiter = RedisRateLimiter(store, "pypistats")   # or LocalRateLimiter()
if not await limiter.acquire(timeout=2.0):
    ...serve stale, or answer "rate limited"
response = await fetch()
if response.status_code == 429:
    await limiter.pause(retry_after or 60.0)
```

pypistats.org counts requests in fixed windows (flask-limiter's default strategy): a
window opens at the first request after the previous one closed, so we cannot know
where its windows start. A limiter that keeps ``count`` per ``window`` on average, or
in windows of its own alignment, can still put ``count + 1`` requests in one of theirs.

So each grant is a reserved instant, and an instant is reserved only when fewer than
``count`` grants lie in the ``window + margin`` seconds up to it, for every limit. Then
any span shorter than ``window + margin`` holds at most ``count`` grants, and no fixed
window, wherever it starts, sees more. ``margin`` absorbs the jitter between the moment
we send and the moment the upstream counts the request: half of it for the network,
whose latency varies, half for the event loop, which can wake a sleeper late; a request
woken later than that gives its slot up and queues again.

``acquire(timeout)`` reserves the earliest such instant, first come first served, and
sleeps until then; when it is more than ``timeout`` away it takes nothing and answers
False at once. A reservation whose caller is cancelled stays spent (the limiter errs on
the side of the upstream). ``pause(seconds)`` grants nothing until ``seconds`` from now,
after a 429; a reservation that wakes into a pause reserves again, within its timeout.

``RedisRateLimiter`` keeps one schedule for every worker and host, updated atomically
by a Lua script timed by the Redis server's clock. When Redis is unavailable it falls
back to a per-process ``LocalRateLimiter`` (then each process has the full allowance).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

from pypins import settings
from pypins.cache.redis_store import UNAVAILABLE, RedisStore
from pypins.cache.store import new_token

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MARGIN",
    "MAX_PAUSE",
    "Limit",
    "LocalRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
]

#: Seconds added to every window: the jitter between a reserved instant and the moment
#: the upstream counts the request (half for network latency, half for a busy event
#: loop waking a sleeper late).
DEFAULT_MARGIN: Final = 0.1
#: The longest pause, in seconds (a day), whatever an upstream asks for.
MAX_PAUSE: Final = 86400.0
#: The longest wait a Redis script is asked to consider, in seconds (a year).
_MAX_WAIT: Final = 365 * 86400.0


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` requests in any ``window`` seconds."""

    count: int
    window: float

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int):
            raise TypeError(f"Limit count must be an int, not {type(self.count).__name__}")
        if self.count < 1:
            raise ValueError(f"Limit count must be at least 1, got {self.count}")
        if not 0 < self.window < math.inf:
            raise ValueError(f"Limit window must be positive seconds, got {self.window}")


#: pypistats.org's limits (flask-limiter's defaults in its ``pypistats/run.py``).
DEFAULT_LIMITS: Final[tuple[Limit, ...]] = (
    Limit(settings.DEFAULT_STATS_RATE_PER_SECOND, 1.0),
    Limit(settings.DEFAULT_STATS_RATE_PER_MINUTE, 60.0),
)


@runtime_checkable
class RateLimiter(Protocol):
    """Grants permission to send one request, and holds back after the upstream's 429."""

    async def acquire(self, timeout: float) -> bool:
        """True once a request may be sent (waiting up to ``timeout`` s), else False at once."""
        ...

    async def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` from now (never shortens a longer pause)."""
        ...


def _checked(limits: Sequence[Limit], margin: float) -> tuple[Limit, ...]:
    limits = tuple(limits)
    if not limits:
        raise ValueError("limits must hold at least one Limit")
    for limit in limits:
        if not isinstance(limit, Limit):
            raise TypeError(f"limits must be Limit objects, not {type(limit).__name__}")
    if not 0 <= margin < math.inf:
        raise ValueError(f"margin must be non-negative seconds, got {margin}")
    return limits


def _longest(timeout: float) -> float:
    """The longest wait ``timeout`` allows: 0 for a negative or NaN timeout."""
    return timeout if timeout > 0 else 0.0


def _late(lateness: float, margin: float) -> bool:
    """Whether a request woken ``lateness`` seconds after its instant is too late to send:
    half the margin is for the event loop, the other half for the network."""
    return lateness > margin / 2


def _pause_seconds(seconds: float) -> float:
    """``seconds`` within 0 and ``MAX_PAUSE`` (NaN is 0)."""
    return min(seconds, MAX_PAUSE) if seconds > 0 else 0.0


class LocalRateLimiter:
    """A ``RateLimiter`` for this process (one event loop); ``clock`` and ``sleep`` injectable."""

    def __init__(
        self,
        limits: Sequence[Limit] = DEFAULT_LIMITS,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limits = _checked(limits, margin)
        self.margin = margin
        self.clock = clock
        self.sleep = sleep
        #: Requests refused so far.
        self.refused = 0
        self._spans = [(limit.count, limit.window + margin) for limit in self.limits]
        self._widest = max(span for _, span in self._spans)
        # The latest reserved instants, oldest first: as many as the largest count.
        self._grants: deque[float] = deque(maxlen=max(limit.count for limit in self.limits))
        self._paused_until = -math.inf

    @property
    def paused_until(self) -> float:
        """The ``clock`` time before which nothing is granted (``-inf`` if never paused)."""
        return self._paused_until

    def reserve(self, timeout: float) -> float | None:
        """Take the next grant if it comes within ``timeout`` s: the seconds to wait, or None."""
        now = self.clock()
        grants = self._grants
        while grants and grants[0] <= now - self._widest:
            grants.popleft()  # outside every span: it constrains nothing any more
        at = max(now, self._paused_until)
        if grants:
            at = max(at, grants[-1])  # first come, first served
        for count, span in self._spans:
            if len(grants) >= count:
                at = max(at, grants[-count] + span)
        wait = at - now
        if wait > _longest(timeout):
            self.refused += 1
            return None
        grants.append(at)
        return wait

    async def acquire(self, timeout: float) -> bool:
        """True once a request may be sent (waiting up to ``timeout`` s), else False at once."""
        started = self.clock()
        wait = self.reserve(timeout)
        while wait is not None:
            if wait <= 0:
                return True
            at = self._grants[-1]
            await self.sleep(wait)
            # Woken late (a busy event loop), the request could come closer to the next
            # grants than the windows allow; or a pause was set meanwhile that outlasts
            # our instant. Either way this slot stays spent, and we queue again with
            # what is left of the timeout.
            if not _late(self.clock() - at, self.margin) and self._paused_until <= at:
                return True
            wait = self.reserve(timeout - (self.clock() - started))
        return False

    async def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` (at most ``MAX_PAUSE``) from now; never shortens."""
        until = self.clock() + _pause_seconds(seconds)
        self._paused_until = max(self._paused_until, until)


#: KEYS: the grants (a sorted set of reserved instants), the pause's end (a string).
#: ARGV: the longest wait, a unique member, then count and span (window + margin) of
#: each limit. Returns {seconds to wait, reserved instant}, or {"-1", "-1"} (refused:
#: nothing is taken). Instants are the Redis server's clock, in seconds.
RESERVE_SCRIPT: Final = """
local time = redis.call("TIME")
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local at = math.max(now, tonumber(redis.call("GET", KEYS[2])) or now)
local widest, most = 0, 0
for i = 3, #ARGV, 2 do
    most = math.max(most, tonumber(ARGV[i]))
    widest = math.max(widest, tonumber(ARGV[i + 1]))
end
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", string.format("%.17g", now - widest))
local held = redis.call("ZCARD", KEYS[1])
if held > 0 then
    at = math.max(at, tonumber(redis.call("ZRANGE", KEYS[1], -1, -1, "WITHSCORES")[2]))
end
for i = 3, #ARGV, 2 do
    local count = tonumber(ARGV[i])
    if held >= count then
        local nth = redis.call("ZRANGE", KEYS[1], held - count, held - count, "WITHSCORES")
        at = math.max(at, tonumber(nth[2]) + tonumber(ARGV[i + 1]))
    end
end
local wait = at - now
if wait > tonumber(ARGV[1]) then
    return {"-1", "-1"}
end
redis.call("ZADD", KEYS[1], string.format("%.17g", at), ARGV[2])
if held >= most then
    redis.call("ZREMRANGEBYRANK", KEYS[1], 0, held - most)
end
redis.call("PEXPIRE", KEYS[1], math.ceil((wait + widest) * 1000) + 1000)
return {string.format("%.17g", wait), string.format("%.17g", at)}
"""

#: KEYS: the pause's end. ARGV: seconds of pause from now. Extends the pause to now +
#: seconds unless it already lasts longer; returns the seconds left of it.
PAUSE_SCRIPT: Final = """
local time = redis.call("TIME")
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local seconds = tonumber(ARGV[1])
local ending = tonumber(redis.call("GET", KEYS[1])) or now
if now + seconds > ending then
    ending = now + seconds
    redis.call("SET", KEYS[1], string.format("%.17g", ending),
        "PX", math.ceil(seconds * 1000) + 1000)
end
return string.format("%.17g", math.max(0, ending - now))
"""


def _number(part: object) -> float | None:
    """A finite number from a Redis reply's bulk string, or None."""
    if not isinstance(part, bytes | str | int | float):
        return None
    try:
        number = float(part.decode() if isinstance(part, bytes) else part)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class RedisRateLimiter:
    """One ``RateLimiter`` shared by every process using ``store``'s Redis, named ``name``."""

    def __init__(
        self,
        store: RedisStore,
        name: str,
        limits: Sequence[Limit] = DEFAULT_LIMITS,
        *,
        margin: float = DEFAULT_MARGIN,
        fallback: RateLimiter | None = None,
    ) -> None:
        self.limits = _checked(limits, margin)
        self.margin = margin
        self.store = store
        self.name = name
        #: Used while Redis is unavailable.
        self.fallback: RateLimiter = fallback or LocalRateLimiter(self.limits, margin=margin)
        #: Requests refused so far (by Redis; the fallback counts its own).
        self.refused = 0
        #: How ``acquire`` waits for its reserved instant (replaceable in tests).
        self.sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
        # One hash slot for both keys (Redis Cluster).
        base = store.key(f"ratelimit:{{{name}}}")
        self.keys = [base + ":grants", base + ":paused"]
        self._limit_args = [
            str(part)
            for limit in self.limits
            for part in (limit.count, repr(float(limit.window + margin)))
        ]
        self._script = store.client.register_script(RESERVE_SCRIPT)
        self._pause_script = store.client.register_script(PAUSE_SCRIPT)

    def _unexpected(self, what: str, reply: object) -> None:
        self.store.errors += 1
        self.store.last_error = f"{what}: unexpected reply {reply!r:.50}"

    async def _reserve(self, timeout: float) -> tuple[float, float] | None:
        """Redis's (seconds to wait, reserved instant), (-1, -1) if refused, or None."""
        args = [repr(min(_longest(timeout), _MAX_WAIT)), new_token(), *self._limit_args]
        reply = await self.store.call(
            "rate limit", lambda client: self._script(keys=self.keys, args=args, client=client)
        )
        if reply is UNAVAILABLE:
            return None
        if isinstance(reply, list | tuple) and len(reply) == 2:
            wait, at = _number(reply[0]), _number(reply[1])
            if wait is not None and at is not None:
                return wait, at
        self._unexpected("rate limit", reply)
        return None

    async def _paused_after(self, at: float) -> bool:
        """Whether a pause in Redis lasts beyond ``at`` (False if Redis is unavailable)."""
        reply = await self.store.call("rate limit", lambda client: client.get(self.keys[1]))
        if reply is UNAVAILABLE or reply is None:
            return False
        ending = _number(reply)
        return ending is not None and ending > at

    async def acquire(self, timeout: float) -> bool:
        """True once a request may be sent (waiting up to ``timeout`` s), else False at once."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        left = timeout
        while True:
            asked = loop.time()
            reserved = await self._reserve(left)
            if reserved is None:
                return await self.fallback.acquire(left)
            wait, at = reserved
            if wait < 0:
                self.refused += 1
                return False
            if wait == 0:
                return True
            await self.sleep(wait)
            # Woken late (a busy event loop: measured from before the script ran, so
            # never less than the truth), or into a pause set meanwhile by any process
            # that outlasts our instant: this slot stays spent, and we queue again with
            # what is left of the timeout.
            late = _late(loop.time() - (asked + wait), self.margin)
            if not late and not await self._paused_after(at):
                return True
            left = timeout - (loop.time() - started)

    async def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` (at most ``MAX_PAUSE``) from now, in every process."""
        seconds = _pause_seconds(seconds)
        args = [repr(seconds)]
        reply = await self.store.call(
            "rate limit pause",
            lambda client: self._pause_script(keys=self.keys[1:], args=args, client=client),
        )
        if reply is not UNAVAILABLE and _number(reply) is None:
            self._unexpected("rate limit pause", reply)
        await self.fallback.pause(seconds)  # should Redis go away meanwhile
