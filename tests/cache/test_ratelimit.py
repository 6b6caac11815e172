"""Rate limiters: the local token bucket and window (fake clock), and the shared Redis one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pypins import settings as pypins_settings
from pypins.cache.ratelimit import LocalTokenBucket, RateLimiter, RedisTokenBucket
from pypins.cache.redis_store import RedisStore
from tests.support.clock import FakeClock
from tests.support.redis import PATIENT_TIMEOUT, RedisServer


def bucket(clock: FakeClock, rate: float = 5, burst: int = 5, per_minute: int = 30) -> Any:
    """A local bucket on the fake clock, sleeping by moving it."""
    return LocalTokenBucket(rate, burst, per_minute, clock=clock, sleep=clock.sleep)


def test_defaults_are_pypistats_limits() -> None:
    """The defaults are the documented pypistats limits, from settings."""
    limiter = LocalTokenBucket()
    assert isinstance(limiter, RateLimiter)
    assert (limiter.rate_per_second, limiter.burst, limiter.per_minute) == (5, 5, 30)
    assert pypins_settings.DEFAULT_STATS_RATE_PER_MINUTE == 30


@pytest.mark.parametrize(
    ("rate", "burst", "per_minute", "window"),
    [(0, 1, 1, 60), (-1, 1, 1, 60), (1, 0, 1, 60), (1, 1, 0, 60), (1, 1, 1, 0)],
)
def test_bad_limits_are_refused(rate: float, burst: int, per_minute: int, window: float) -> None:
    """Non-positive rates, capacities or windows are a ValueError."""
    with pytest.raises(ValueError, match="must be"):
        LocalTokenBucket(rate, burst, per_minute, window=window)


async def test_burst_then_refusal(clock: FakeClock) -> None:
    """``burst`` requests pass at once; the next is refused without waiting."""
    limiter = bucket(clock)
    assert [await limiter.acquire(0) for _ in range(6)] == [True] * 5 + [False]
    assert limiter.refused == 1
    assert clock.slept == []


@pytest.mark.parametrize("elapsed", [0.2, 0.39, 0.4, 1.0, 100.0])
async def test_tokens_refill_at_the_rate_up_to_the_burst(clock: FakeClock, elapsed: float) -> None:
    """After ``elapsed`` seconds, ``elapsed * rate`` more requests pass, at most ``burst``."""
    limiter = bucket(clock, per_minute=1000)
    for _ in range(5):
        assert await limiter.acquire(0)
    clock.advance(elapsed)
    granted = 0
    while await limiter.acquire(0):
        granted += 1
    assert granted == min(5, int(elapsed * 5 + 1e-9))


async def test_acquire_waits_for_the_next_token_within_the_timeout(clock: FakeClock) -> None:
    """With a timeout, acquire sleeps exactly until its token is due."""
    limiter = bucket(clock)
    for _ in range(5):
        await limiter.acquire(0)
    assert await limiter.acquire(0.2)
    assert clock.slept == [pytest.approx(0.2)]
    assert not await limiter.acquire(0.19)


def test_reservations_are_served_in_order(clock: FakeClock) -> None:
    """Waiting requests queue: each reserves the next free moment."""
    limiter = bucket(clock)
    waits = [limiter.reserve(10) for _ in range(8)]
    assert waits == pytest.approx([0, 0, 0, 0, 0, 0.2, 0.4, 0.6])


@pytest.mark.parametrize("timeout", [-1.0, 0.0])
def test_a_negative_timeout_is_no_wait(clock: FakeClock, timeout: float) -> None:
    """A timeout <= 0 grants only what is free now."""
    limiter = bucket(clock, burst=1)
    assert limiter.reserve(timeout) == 0
    assert limiter.reserve(timeout) is None


async def test_per_minute_limit_is_a_sliding_window(clock: FakeClock) -> None:
    """``per_minute`` grants in any 60 s; the next waits for the oldest to leave the window."""
    limiter = bucket(clock, rate=1000, burst=1000)
    for _ in range(30):
        assert await limiter.acquire(0)
        clock.advance(1)
    assert not await limiter.acquire(0)  # t=30: 30 grants in (-30, 30]
    assert limiter.reserve(29.9) is None
    assert limiter.reserve(30) == pytest.approx(30)  # at t=60, when t=0 leaves the window
    clock.advance(31)
    assert limiter.reserve(0) == 0  # t=61: t=1 left
    assert limiter.reserve(0) is None


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 3), st.floats(-1, 5)),
        min_size=1,
        max_size=120,
    )
)
def test_grants_never_exceed_either_limit(steps: list[tuple[float, float]]) -> None:
    """Whatever the pace and timeouts, no window sees more grants than allowed."""
    clock = FakeClock()
    limiter = LocalTokenBucket(5, 3, 10, window=20, clock=clock)
    grants: list[float] = []
    for pause, timeout in steps:
        clock.advance(pause)
        wait = limiter.reserve(timeout)
        if wait is not None:
            assert 0 <= wait <= max(timeout, 0) + 1e-9
            grants.append(clock.now + wait)
    assert grants == sorted(grants)
    for start in grants:
        in_window = [t for t in grants if start <= t < start + 20 - 1e-9]
        assert len(in_window) <= 10
        for span in (0.5, 1.0, 2.0):
            in_span = [t for t in grants if start <= t <= start + span]
            assert len(in_span) <= 3 + 5 * span + 1e-9


# The Redis bucket: one limiter for every process.


@pytest.fixture
async def stores(redis_server: RedisServer) -> AsyncIterator[list[RedisStore]]:
    """Two stores with their own clients (two processes) on one Redis."""
    both = [RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT) for _ in range(2)]
    yield both
    for store in both:
        await store.aclose()


@pytest.mark.redis
async def test_redis_bucket_burst_is_shared(stores: list[RedisStore]) -> None:
    """Two processes together get ``burst`` immediate grants, not twice as many."""
    limiters = [RedisTokenBucket(store, "stats", 1, 3, 100) for store in stores]
    assert isinstance(limiters[0], RateLimiter)
    results = await asyncio.gather(*(limiters[i % 2].acquire(0) for i in range(12)))
    assert results.count(True) == 3
    assert limiters[0].refused + limiters[1].refused == 9
    assert [store.errors for store in stores] == [0, 0]


@pytest.mark.redis
async def test_redis_bucket_paces_and_caps_the_window(stores: list[RedisStore]) -> None:
    """Waiters are paced at the rate, and the window's cap holds across processes."""
    limiters = [RedisTokenBucket(store, "stats", 20, 2, 5, window=1.0) for store in stores]
    started = time.monotonic()
    moments: list[float] = []

    async def one(limiter: RedisTokenBucket) -> bool:
        granted = await limiter.acquire(0.6)
        if granted:
            moments.append(time.monotonic() - started)
        return granted

    results = await asyncio.gather(*(one(limiters[i % 2]) for i in range(8)))
    assert results.count(True) == 5  # the window's cap; the 6th would wait ~1 s
    assert time.monotonic() - started < 0.6
    moments.sort()
    assert moments[-1] >= 0.15 - 0.02  # two at once, then one per 50 ms
    assert [store.errors for store in stores] == [0, 0]


@pytest.mark.redis
async def test_redis_bucket_names_are_separate(stores: list[RedisStore]) -> None:
    """Buckets of different names do not share tokens."""
    first = RedisTokenBucket(stores[0], "one", 1, 1, 10)
    second = RedisTokenBucket(stores[0], "two", 1, 1, 10)
    assert await first.acquire(0)
    assert await second.acquire(0)
    assert not await first.acquire(0)


class Recorder:
    """A fallback limiter that records its calls."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def acquire(self, timeout: float) -> bool:
        self.calls.append(timeout)
        return True


@pytest.mark.redis
async def test_redis_down_falls_back_to_the_local_bucket(private_redis: RedisServer) -> None:
    """With Redis stopped, the fallback decides (and the default fallback is a local bucket)."""
    store = RedisStore.from_url(private_redis.url)
    recorder = Recorder()
    limiter = RedisTokenBucket(store, "stats", 5, 2, 30, fallback=recorder)
    default = RedisTokenBucket(store, "stats", 5, 2, 30)
    assert isinstance(default.fallback, LocalTokenBucket)
    private_redis.stop()
    assert await limiter.acquire(0.5)
    assert recorder.calls == [0.5]
    assert [await default.acquire(0) for _ in range(3)] == [True, True, False]
    assert store.errors >= 1
    await store.aclose()


@pytest.mark.redis
async def test_a_foreign_key_type_falls_back(
    redis_server: RedisServer, stores: list[RedisStore]
) -> None:
    """A bucket key holding something else (WRONGTYPE) is a counted error and a fallback."""
    recorder = Recorder()
    limiter = RedisTokenBucket(stores[0], "stats", fallback=recorder)
    redis_server.set_raw(limiter.keys[0], b"not a hash")
    assert await limiter.acquire(0)
    assert recorder.calls == [0]
    assert stores[0].errors == 1


@pytest.mark.redis
@pytest.mark.parametrize("reply", [b"nonsense", None, [1, 2]])
async def test_an_unexpected_script_reply_falls_back(stores: list[RedisStore], reply: Any) -> None:
    """A reply that is not a number is a counted error and a fallback."""
    recorder = Recorder()
    limiter = RedisTokenBucket(stores[0], "stats", fallback=recorder)

    async def script(**_: Any) -> Any:
        return reply

    limiter._script = script  # type: ignore[assignment]
    assert await limiter.acquire(0.1)
    assert recorder.calls == [0.1]
    assert stores[0].errors == 1
    assert stores[0].last_error is not None
    assert stores[0].last_error.startswith("rate limit: unexpected reply")
