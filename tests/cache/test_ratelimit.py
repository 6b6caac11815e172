"""Rate limiters: the fixed-window emulator, the local limiter (fake clock), the Redis one."""

from __future__ import annotations

import asyncio
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pypins import settings as pypins_settings
from pypins.cache.ratelimit import (
    DEFAULT_LIMITS,
    DEFAULT_MARGIN,
    MAX_PAUSE,
    Limit,
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)
from pypins.cache.redis_store import RedisStore
from tests.support.clock import FakeClock
from tests.support.fixed_window import PYPISTATS_LIMITS, FixedWindowLimits
from tests.support.redis import PATIENT_TIMEOUT, RedisServer

T = TypeVar("T")

#: Seconds from 0 of the 40 grants 40 simultaneous requests get with the defaults.
FORTY = [0.0] * 5 + [1.1] * 5 + [2.2] * 5 + [3.3] * 5 + [4.4] * 5 + [5.5] * 5
FORTY += [60.1] * 5 + [61.2] * 5


def limiter_on(clock: FakeClock, *limits: Limit, margin: float = DEFAULT_MARGIN) -> Any:
    """A local limiter on the fake clock, sleeping by moving it."""
    return LocalRateLimiter(limits or DEFAULT_LIMITS, margin=margin, clock=clock, sleep=clock.sleep)


def at_once(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (a local pause), without a loop."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coroutine.close()
    raise AssertionError("the coroutine suspended")


# The emulator of pypistats.org's limits (tests/support/fixed_window.py)


def test_emulator_defaults_are_pypistats_limits() -> None:
    """The emulator's defaults are pypistats.org's: 5 per second, 30 per minute."""
    assert FixedWindowLimits().limits == PYPISTATS_LIMITS == ((5, 1.0), (30, 60.0))


@pytest.mark.parametrize(
    ("limits", "moments", "answers"),
    [
        # The window opens at the first hit and closes exactly one window later.
        (((2, 1.0),), [10, 10.5, 10.99, 11.0, 11.0, 11.5], [1, 1, 0, 1, 1, 0]),
        # After an idle spell, the next window opens at the next hit, not on a grid.
        (((1, 1.0),), [0, 5.7, 6.6, 6.7], [1, 1, 0, 1]),
        # A hit refused by the first limit is not counted by the second...
        (((1, 1.0), (2, 10.0)), [0, 0.5, 1.0, 2.0], [1, 0, 1, 0]),
        # ...but a hit refused by the second was counted by the first.
        (((2, 1.0), (1, 0.5)), [0, 0.1, 0.6], [1, 0, 0]),
        # pypistats.org: 5 in a second, then 30 in the minute.
        (PYPISTATS_LIMITS, [0] * 6 + [1.0] * 5 + [59.9], [1] * 5 + [0] + [1] * 5 + [1]),
    ],
)
def test_emulator_counts_like_flask_limiter(
    limits: Sequence[tuple[int, float]], moments: list[float], answers: list[int]
) -> None:
    """Windows open at the first hit after expiry, every hit counts, the first refusal stops."""
    clock = FakeClock(0.0)
    emulator = FixedWindowLimits(limits, clock)
    seen = []
    for moment in moments:
        clock.now = moment
        seen.append(int(emulator.hit()))
    assert seen == answers
    assert emulator.rejected == answers.count(0)
    assert emulator.hits == len(moments)


def test_emulator_refuses_the_31st_request_of_a_minute() -> None:
    """Five a second for six seconds pass; the 31st in the minute is a 429."""
    clock = FakeClock(0.0)
    emulator = FixedWindowLimits(clock=clock)
    for second in range(6):
        clock.now = float(second)
        assert all(emulator.hit() for _ in range(5))
    clock.now = 59.0
    assert not emulator.hit()
    clock.now = 60.0
    assert emulator.hit()


def test_emulator_is_thread_safe() -> None:
    """Concurrent hits from many threads are each counted once."""
    emulator = FixedWindowLimits(((5, 1.0),), FakeClock(0.0))
    accepted: list[bool] = []

    def hammer() -> None:
        accepted.extend(emulator.hit() for _ in range(200))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (accepted.count(True), emulator.rejected, emulator.hits) == (5, 1595, 1600)


@pytest.mark.parametrize("limits", [(), ((0, 1.0),), ((1, 0.0),)])
def test_emulator_refuses_bad_limits(limits: Sequence[tuple[int, float]]) -> None:
    """No limits, a count below 1 or a window of 0 is a ValueError."""
    with pytest.raises(ValueError, match="limits must be"):
        FixedWindowLimits(limits)


# The local limiter


def test_defaults_are_pypistats_limits() -> None:
    """The defaults are pypistats.org's limits, from settings, with a 0.1 s margin."""
    limiter = LocalRateLimiter()
    assert isinstance(limiter, RateLimiter)
    assert limiter.limits == DEFAULT_LIMITS == (Limit(5, 1.0), Limit(30, 60.0))
    assert pypins_settings.DEFAULT_STATS_RATE_PER_MINUTE == 30
    assert limiter.margin == DEFAULT_MARGIN == 0.1
    assert limiter.paused_until == -math.inf


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Limit(0, 1.0), ValueError, "count must be at least 1"),
        (lambda: Limit(-3, 1.0), ValueError, "count must be at least 1"),
        (lambda: Limit(1, 0.0), ValueError, "window must be positive"),
        (lambda: Limit(1, -1.0), ValueError, "window must be positive"),
        (lambda: Limit(1, math.nan), ValueError, "window must be positive"),
        (lambda: Limit(1, math.inf), ValueError, "window must be positive"),
        (lambda: Limit(2.5, 1.0), TypeError, "count must be an int"),  # type: ignore[arg-type]
        (lambda: Limit(True, 1.0), TypeError, "count must be an int"),
        (lambda: LocalRateLimiter(()), ValueError, "at least one Limit"),
        (lambda: LocalRateLimiter([(5, 1.0)]), TypeError, "Limit objects"),  # type: ignore[list-item]
        (lambda: LocalRateLimiter(margin=-0.1), ValueError, "margin must be non-negative"),
        (lambda: LocalRateLimiter(margin=math.nan), ValueError, "margin must be non-negative"),
    ],
)
def test_bad_arguments_are_refused(build: Any, error: type[Exception], message: str) -> None:
    """Non-positive counts or windows, no limits, or a negative margin raise clearly."""
    with pytest.raises(error, match=message):
        build()


def test_forty_simultaneous_requests_follow_the_schedule(clock: FakeClock) -> None:
    """Forty requests at once get 5 grants each 1.1 s up to 30, then wait for 60.1 s."""
    limiter = limiter_on(clock)
    assert [limiter.reserve(100) for _ in range(40)] == pytest.approx(FORTY)
    assert limiter.refused == 0


async def test_acquire_sleeps_until_the_reserved_instant(clock: FakeClock) -> None:
    """Five pass at once; the sixth sleeps exactly until its instant, 1.1 s later."""
    limiter = limiter_on(clock)
    assert [await limiter.acquire(0) for _ in range(5)] == [True] * 5
    assert clock.slept == []
    assert await limiter.acquire(2)
    assert clock.slept == [pytest.approx(1.1)]


@pytest.mark.parametrize(
    ("timeout", "granted"),
    [(1.11, True), (1.09, False), (0, False), (-1, False), (math.nan, False)],
)
def test_refusal_beyond_the_timeout(clock: FakeClock, timeout: float, granted: bool) -> None:
    """A grant further away than the timeout (NaN or negative: none) is refused at once."""
    limiter = limiter_on(clock)
    for _ in range(5):
        assert limiter.reserve(0) == 0
    wait = limiter.reserve(timeout)
    assert (wait is not None, limiter.refused) == (granted, 0 if granted else 1)


async def test_a_refusal_takes_nothing(clock: FakeClock) -> None:
    """A refused request neither sleeps nor spends the instant the next one gets."""
    limiter = limiter_on(clock)
    for _ in range(5):
        await limiter.acquire(0)
    assert not await limiter.acquire(1.0)
    assert clock.slept == []
    assert [limiter.reserve(10) for _ in range(6)] == pytest.approx([1.1] * 5 + [2.2])


def test_grants_are_first_come_first_served(clock: FakeClock) -> None:
    """Queued requests keep their order: a later one never gets an earlier instant."""
    limiter = limiter_on(clock, Limit(2, 1.0), Limit(3, 10.0), margin=0)
    assert [limiter.reserve(20) for _ in range(4)] == pytest.approx([0, 0, 1, 10])
    clock.advance(2)  # a per-second slot is free now, but the queue holds instant 10
    assert limiter.reserve(5) is None
    assert limiter.reserve(20) == pytest.approx(8)


def test_memory_is_bounded_by_the_largest_count(clock: FakeClock) -> None:
    """The limiter keeps the largest count's latest instants, and forgets old ones."""
    limiter = limiter_on(clock)
    for _ in range(100):
        limiter.reserve(math.inf)
    assert len(limiter._grants) == 30
    clock.advance(10_000)
    limiter.reserve(0)
    assert len(limiter._grants) == 1


async def test_a_cancelled_reservation_stays_spent(clock: FakeClock) -> None:
    """A request cancelled while it waits keeps its instant: the next one queues after it."""
    never = asyncio.Event()

    async def sleep(_: float) -> None:
        await never.wait()

    limiter = LocalRateLimiter(margin=0.1, clock=clock, sleep=sleep)
    for _ in range(5):
        assert await limiter.acquire(0)
    waiting = asyncio.create_task(limiter.acquire(5))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert [limiter.reserve(5) for _ in range(5)] == pytest.approx([1.1] * 4 + [2.2])


@pytest.mark.parametrize(("lateness", "slots"), [(0.0, 1), (0.04, 1), (0.06, 2), (0.5, 2)])
async def test_a_late_sleeper_gives_its_slot_up(
    clock: FakeClock, lateness: float, slots: int
) -> None:
    """Woken more than half the margin after its instant, a request queues again (its
    slot stays spent), so that it never comes closer to the next grants than allowed."""
    woken: list[float] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds + (lateness if not woken else 0.0))
        woken.append(seconds)

    limiter = LocalRateLimiter((Limit(1, 1.0),), margin=0.1, clock=clock, sleep=sleep)
    assert await limiter.acquire(0)
    assert await limiter.acquire(10)
    assert len(woken) == slots
    assert len(limiter._grants) == 1  # the largest count: only the latest is kept


# Pauses (after a 429)


@pytest.mark.parametrize("seconds", [0.5, 3.0, 60.0])
async def test_pause_delays_later_grants(clock: FakeClock, seconds: float) -> None:
    """After ``pause(s)``, the next grants come ``s`` later, and the limits still hold."""
    limiter = limiter_on(clock)
    await limiter.pause(seconds)
    assert limiter.paused_until == clock.now + seconds
    assert limiter.reserve(seconds - 0.01) is None
    assert [limiter.reserve(100) for _ in range(6)] == pytest.approx(
        [seconds] * 5 + [seconds + 1.1]
    )


async def test_pause_is_never_shortened(clock: FakeClock) -> None:
    """A shorter pause leaves a longer one alone; a longer one extends it."""
    limiter = limiter_on(clock)
    await limiter.pause(10)
    clock.advance(1)
    await limiter.pause(2)
    assert limiter.paused_until == clock.now + 9
    await limiter.pause(20)
    assert limiter.paused_until == clock.now + 20


@pytest.mark.parametrize(
    ("seconds", "paused_for"),
    [(-5.0, 0.0), (math.nan, 0.0), (0.0, 0.0), (1e9, MAX_PAUSE), (math.inf, MAX_PAUSE)],
)
async def test_pause_is_bounded(clock: FakeClock, seconds: float, paused_for: float) -> None:
    """A negative or NaN pause is none, and no pause lasts more than a day."""
    limiter = limiter_on(clock)
    await limiter.pause(seconds)
    assert limiter.paused_until == clock.now + paused_for
    assert MAX_PAUSE == 86400


@pytest.mark.parametrize(
    ("pause", "timeout", "granted", "slept"),
    [
        (0.5, 5.0, True, [1.1]),  # the pause was over when it woke
        (2.0, 2.5, True, [1.1, 0.9]),  # woken at 1.1 into the pause: queued again for 2.0
        (2.0, 1.5, False, [1.1]),  # 2.0 is beyond the timeout (from the first call)
    ],
)
async def test_a_reservation_woken_into_a_pause_reserves_again(
    clock: FakeClock, pause: float, timeout: float, granted: bool, slept: list[float]
) -> None:
    """A pause set while a request sleeps sends it back to the queue, within its timeout."""

    async def sleep(seconds: float) -> None:
        if not clock.slept:
            await limiter.pause(pause)  # the upstream said 429 meanwhile
        await clock.sleep(seconds)

    start = clock.now
    limiter = LocalRateLimiter(clock=clock, sleep=sleep)
    for _ in range(5):
        assert await limiter.acquire(0)
    assert await limiter.acquire(timeout) is granted
    assert clock.slept == pytest.approx(slept)
    assert limiter.refused == (0 if granted else 1)
    if not granted:  # the slot at 1.1 stays spent: at 2.2, four more pass at once
        waits = [limiter.reserve(10) for _ in range(5)]
        assert [clock.now + wait - start for wait in waits] == pytest.approx([2.0] * 4 + [2.2])


# The guarantee: whatever the arrivals, no fixed window of pypistats.org's sees too many.


def earliest(grants: list[float], base: float, spans: list[tuple[int, float]]) -> float:
    """By brute force: the first instant >= base with fewer than count grants in each span."""
    candidates = sorted({base, *(g + span for g in grants for _, span in spans)})
    for t in candidates:
        if t >= base and all(
            bisect_right(grants, t) - bisect_right(grants, t - span) < count
            for count, span in spans
        ):
            return t
    raise AssertionError("no instant found")


CONFIGURATIONS = [
    (DEFAULT_LIMITS, DEFAULT_MARGIN),
    ((Limit(2, 0.5), Limit(5, 3.0)), 0.05),
    ((Limit(1, 0.25),), 0.01),
    ((Limit(3, 1.0), Limit(4, 2.0), Limit(6, 5.0)), 0.2),
]


@settings(max_examples=150, deadline=None)
@given(
    configuration=st.sampled_from(CONFIGURATIONS),
    steps=st.lists(
        st.tuples(
            st.floats(0, 2),  # seconds since the previous request
            st.floats(-1, 8),  # its timeout
            st.none() | st.floats(-1, 4),  # a pause (429) before it, sometimes
        ),
        max_size=60,
    ),
    offset=st.floats(0, 1),
)
def test_grants_never_trip_any_fixed_window(
    configuration: tuple[tuple[Limit, ...], float],
    steps: list[tuple[float, float, float | None]],
    offset: float,
) -> None:
    """Granted instants replayed into pypistats.org's fixed windows, of any alignment, pass."""
    limits, margin = configuration
    spans = [(limit.count, limit.window + margin) for limit in limits]
    clock = FakeClock(1000.0)
    limiter = limiter_on(clock, *limits, margin=margin)
    grants: list[float] = []
    for gap, timeout, pause in steps:
        clock.advance(gap)
        if pause is not None:
            at_once(limiter.pause(pause))
        base = max(clock.now, limiter.paused_until, *grants[-1:])
        expected = earliest(grants, base, spans)  # the earliest admissible instant
        wait = limiter.reserve(timeout)
        if wait is None:
            assert expected - clock.now > max(timeout, 0)
        else:
            assert clock.now + wait == pytest.approx(expected, abs=1e-9)
            assert wait <= max(timeout, 0)
            grants.append(limiter._grants[-1])  # the instant it reserved
    assert grants == sorted(grants)  # first come, first served
    replay = FakeClock()
    emulator = FixedWindowLimits([(limit.count, limit.window) for limit in limits], replay)
    for grant in grants:
        replay.now = grant
        assert emulator.hit()
    for limit in limits:
        for grant in grants:  # a window starting at any grant covers every alignment
            inside = bisect_left(grants, grant + limit.window) - bisect_left(grants, grant)
            assert inside <= limit.count
        windows = [math.floor((g - offset * limit.window) / limit.window) for g in grants]
        assert all(windows.count(window) <= limit.count for window in set(windows))


# The Redis limiter: one schedule and one pause for every process.


@pytest.fixture
async def stores(redis_server: RedisServer) -> AsyncIterator[list[RedisStore]]:
    """Two stores with their own clients (two processes) on one Redis."""
    both = [RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT) for _ in range(2)]
    yield both
    for store in both:
        await store.aclose()


async def scores(store: RedisStore, key: str) -> list[float]:
    """The reserved instants in a limiter's sorted set, in order."""
    return [score for _, score in await store.client.zrange(key, 0, -1, withscores=True)]


async def reserved_after(store: RedisStore, key: str, instant: float) -> float:
    """The first instant reserved at ``key`` after ``instant`` (polling for it; a
    reservation that does not show within 30 s is a hang)."""
    for _ in range(int(30 / 0.005)):
        latest = (await scores(store, key))[-1]
        if latest > instant:
            return latest
        await asyncio.sleep(0.005)
    raise AssertionError(f"no reservation after {instant} showed at {key}")


@pytest.mark.redis
@pytest.mark.parametrize(
    ("limits", "granted"),
    [(DEFAULT_LIMITS, 5), ((Limit(3, 10.0),), 3), ((Limit(4, 0.2), Limit(2, 60.0)), 2)],
)
async def test_redis_limiters_share_one_allowance(
    stores: list[RedisStore], limits: tuple[Limit, ...], granted: int
) -> None:
    """Two processes together get the allowance once, not twice."""
    limiters = [RedisRateLimiter(store, "stats", limits) for store in stores]
    assert isinstance(limiters[0], RateLimiter)
    results = await asyncio.gather(*(limiters[i % 2].acquire(0) for i in range(12)))
    assert results.count(True) == granted
    assert limiters[0].refused + limiters[1].refused == 12 - granted
    assert [store.errors for store in stores] == [0, 0]


@pytest.mark.redis
async def test_redis_reserves_the_same_schedule(stores: list[RedisStore]) -> None:
    """Forty requests from two processes get instants 1.1 s per 5 and 60.1 s per 30 apart."""
    limiters = [RedisRateLimiter(store, "stats") for store in stores]
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    for limiter in limiters:
        limiter.sleep = record  # no real waiting: the schedule is what is checked
    for i in range(40):
        assert await limiters[i % 2].acquire(100)
    assert len(waits) == 35
    instants = await scores(stores[0], limiters[0].keys[0])
    assert len(instants) == 30  # the 11th to the 40th: what the largest window needs
    # Each grant comes 1.1 s after the fifth before it, and the 31st to the 35th come
    # 60.1 s after the first five (54.6 s after the 26th to the 30th).
    apart = [b - a for a, b in zip(instants, instants[5:], strict=False)]
    assert apart == pytest.approx([1.1] * 15 + [54.6] * 5 + [1.1] * 5, abs=1e-5)


@pytest.mark.redis
async def test_redis_reservations_queue_across_processes(stores: list[RedisStore]) -> None:
    """A request queued in one process holds its instant against the others, even cancelled."""
    first, second = (
        RedisRateLimiter(store, "stats", [Limit(1, 10.0)], margin=0) for store in stores
    )
    assert await first.acquire(0)
    granted = (await scores(stores[1], first.keys[0]))[-1]
    waiting = asyncio.create_task(first.acquire(15))
    queued = await reserved_after(stores[1], first.keys[0], granted)
    assert queued - granted == pytest.approx(10.0)
    assert not await second.acquire(12)  # its turn would come after the queued one's, at 20 s
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not await second.acquire(12)  # the cancelled reservation stays spent
    assert await scores(stores[0], first.keys[0]) == [queued]  # one: all a count of 1 needs
    assert (first.refused, second.refused) == (0, 2)


@pytest.mark.redis
async def test_redis_pause_is_shared_and_never_shortened(
    stores: list[RedisStore], clock: FakeClock
) -> None:
    """A pause from one process holds every process back, and a shorter one changes nothing."""
    fallback = LocalRateLimiter(clock=clock)
    first = RedisRateLimiter(stores[0], "stats", fallback=fallback)
    second = RedisRateLimiter(stores[1], "stats")
    assert await second.acquire(0)
    # Ten minutes: far longer than the test, so that its own duration never matters.
    await first.pause(600)
    await first.pause(1)
    assert not await second.acquire(20)
    assert not await first.acquire(0)
    assert await stores[0].client.pttl(first.keys[1]) > 500_000  # not cut to 1 s (2,000)
    assert second.refused == 1
    # Each process's fallback knows the pause it was told of, should Redis go away.
    assert fallback.paused_until == clock.now + 600


@pytest.mark.redis
@pytest.mark.parametrize(
    ("pause", "timeout", "granted", "sleeps"),
    [(0.2, PATIENT_TIMEOUT, True, 2), (30, 2.0, False, 1)],
)
async def test_redis_reservation_woken_into_a_pause_reserves_again(
    stores: list[RedisStore], pause: float, timeout: float, granted: bool, sleeps: int
) -> None:
    """A pause set by another process while a request sleeps queues it again, or refuses it."""
    # A wide margin: half of it is how late a sleeper may wake on a busy machine.
    first, second = (
        RedisRateLimiter(store, "stats", [Limit(1, 0.1)], margin=1.0) for store in stores
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)
        if not slept:
            await first.pause(pause)  # the upstream said 429 while this one slept
        slept.append(seconds)

    second.sleep = sleep
    assert await first.acquire(0)
    assert await second.acquire(timeout) is granted
    assert len(slept) == sleeps
    assert second.refused == (0 if granted else 1)


@pytest.mark.redis
async def test_redis_keys_share_a_slot_and_expire(stores: list[RedisStore]) -> None:
    """Both keys carry the ``{name}`` hash tag and expire on their own."""
    limiter = RedisRateLimiter(stores[0], "stats")
    assert all("{stats}" in key for key in limiter.keys)
    assert await limiter.acquire(0)
    await limiter.pause(5)
    ttls = [await stores[0].client.pttl(key) for key in limiter.keys]
    assert all(ttl > 0 for ttl in ttls)


@pytest.mark.redis
async def test_redis_limiter_names_are_separate(stores: list[RedisStore]) -> None:
    """Limiters of different names share neither grants nor pauses."""
    first = RedisRateLimiter(stores[0], "one", [Limit(1, 10.0)])
    second = RedisRateLimiter(stores[0], "two", [Limit(1, 10.0)])
    await second.pause(30)
    assert await first.acquire(0)
    assert not await first.acquire(0)
    assert not await second.acquire(0)


class Recorder:
    """A fallback limiter that records its calls."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.pauses: list[float] = []

    async def acquire(self, timeout: float) -> bool:
        self.calls.append(timeout)
        return True

    async def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.mark.redis
async def test_redis_down_falls_back_to_the_local_limiter(private_redis: RedisServer) -> None:
    """With Redis stopped, the fallback decides (and the default fallback is a local limiter)."""
    store = RedisStore.from_url(private_redis.url)
    recorder = Recorder()
    assert isinstance(recorder, RateLimiter)
    limiter = RedisRateLimiter(store, "stats", fallback=recorder)
    default = RedisRateLimiter(store, "stats")
    assert isinstance(default.fallback, LocalRateLimiter)
    assert default.fallback.limits == default.limits
    private_redis.stop()
    assert await limiter.acquire(0.5)
    await limiter.pause(3)
    assert (recorder.calls, recorder.pauses) == ([0.5], [3])
    assert [await default.acquire(0) for _ in range(6)] == [True] * 5 + [False]
    assert store.errors >= 1
    await store.aclose()


@pytest.mark.redis
@pytest.mark.parametrize(("index", "command"), [(0, ("SET", "x")), (1, ("HSET", "f", "v"))])
async def test_a_foreign_key_type_falls_back(
    redis_server: RedisServer, stores: list[RedisStore], index: int, command: tuple[str, ...]
) -> None:
    """A limiter key holding another type (WRONGTYPE) is a counted error and a fallback."""
    recorder = Recorder()
    limiter = RedisRateLimiter(stores[0], "stats", fallback=recorder)
    verb, *rest = command
    redis_server.execute(verb, limiter.keys[index], *rest)
    assert await limiter.acquire(0)
    assert recorder.calls == [0]
    assert stores[0].errors == 1


@pytest.mark.redis
@pytest.mark.parametrize(
    "reply",
    [b"nonsense", None, b"1", [b"1"], [b"x", b"1"], [b"inf", b"1"], [b"1", b"nan"], [[1], b"1"]],
)
async def test_an_unexpected_script_reply_falls_back(stores: list[RedisStore], reply: Any) -> None:
    """A reply that is not two finite numbers is a counted error and a fallback."""
    recorder = Recorder()
    limiter = RedisRateLimiter(stores[0], "stats", fallback=recorder)

    async def script(**_: Any) -> Any:
        return reply

    limiter._script = script  # type: ignore[assignment]
    assert await limiter.acquire(0.1)
    assert recorder.calls == [0.1]
    assert stores[0].errors == 1
    assert stores[0].last_error is not None
    assert stores[0].last_error.startswith("rate limit: unexpected reply")


@pytest.mark.redis
@pytest.mark.parametrize("reply", [b"nonsense", None, [b"1"]])
async def test_an_unexpected_pause_reply_is_counted(stores: list[RedisStore], reply: Any) -> None:
    """A pause script answering nonsense is a counted error; the fallback is paused anyway."""
    recorder = Recorder()
    limiter = RedisRateLimiter(stores[0], "stats", fallback=recorder)

    async def script(**_: Any) -> Any:
        return reply

    limiter._pause_script = script  # type: ignore[assignment]
    await limiter.pause(2)
    assert recorder.pauses == [2]
    assert stores[0].errors == 1
    assert stores[0].last_error is not None
    assert stores[0].last_error.startswith("rate limit pause: unexpected reply")
