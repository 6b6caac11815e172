"""``RecordCache``: fresh, stale and grace, back-off, negative entries and single flight."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

import pytest

from pypins.cache import records
from pypins.cache.records import NOT_MODIFIED, Entry, Fetched, RecordCache
from pypins.client import Validators
from pypins.errors import HTTPError, UpstreamPendingError, UpstreamUnavailableError
from tests.support.clock import FakeClock

TTL = 10.0
GRACE = 1000.0
NEGATIVE_TTL = 5.0
START = 1_000_000.0


@dataclass
class Fetch:
    """A fetch function that answers from a script and counts its calls.

    Each call takes the next item of ``script`` (the last one repeats): a value, an
    exception to raise, or ``NOT_MODIFIED``. While ``gate`` is set, calls wait for it.
    """

    script: list[object]
    calls: list[Entry[str] | None] = field(default_factory=list)
    gate: asyncio.Event | None = None
    validators: Validators = field(default_factory=Validators)

    async def __call__(self, entry: Entry[str] | None) -> Fetched[str] | object:
        self.calls.append(entry)
        answer = self.script[min(len(self.calls), len(self.script)) - 1]
        if self.gate is not None:
            await self.gate.wait()
        if isinstance(answer, BaseException):
            raise answer
        if answer is NOT_MODIFIED:
            return NOT_MODIFIED
        assert isinstance(answer, str)
        return Fetched(answer, self.validators)

    @property
    def count(self) -> int:
        return len(self.calls)


@pytest.fixture
def clock() -> FakeClock:
    """A fake wall clock."""
    return FakeClock(START)


@pytest.fixture
def cache(clock: FakeClock) -> RecordCache[str]:
    """A record cache on the fake clock."""
    return RecordCache(ttl=TTL, grace=GRACE, negative_ttl=NEGATIVE_TTL, clock=clock)


def _failure() -> Exception:
    return UpstreamUnavailableError("PyPI is down")


async def _settle() -> None:
    """Let the tasks ready to run take a few steps."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_miss_then_hit(cache: RecordCache[str], clock: FakeClock) -> None:
    """A record is fetched once and served as a hit until its ttl ends."""
    fetch = Fetch(["v1"])
    first = await cache.get("k", fetch)
    assert first.state == "miss"
    assert first.entry.value == "v1"
    assert first.entry.found
    assert first.entry.fetched_at == START
    assert first.entry.fresh_until == START + TTL
    assert first.entry.stale_until == START + TTL + GRACE
    assert fetch.calls == [None]
    clock.advance(TTL - 0.001)
    second = await cache.get("k", fetch)
    assert second.state == "hit"
    assert second.entry is first.entry
    assert fetch.count == 1


async def test_stale_serves_at_once_with_one_refresh(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """Many callers of a stale record get it at once while exactly one refresh runs."""
    fetch = Fetch(["v1", "v2"])
    old = (await cache.get("k", fetch)).entry
    clock.advance(TTL)
    fetch.gate = asyncio.Event()
    results = await asyncio.gather(*(cache.get("k", fetch) for _ in range(30)))
    assert {result.state for result in results} == {"stale"}
    assert all(result.entry is old for result in results)
    await _settle()
    assert fetch.count == 2
    assert fetch.calls[1] is old
    assert len(cache._background) == 1
    fetch.gate.set()
    await cache.drain()
    assert fetch.count == 2
    after = await cache.get("k", fetch)
    assert after.state == "hit"
    assert after.entry.value == "v2"
    assert after.entry.fresh_until == clock.now + TTL


@pytest.mark.parametrize("late", [0.0, 1.0, 500.0])
async def test_past_grace_waits_for_fetch(
    cache: RecordCache[str], clock: FakeClock, late: float
) -> None:
    """Past grace the caller waits for a new fetch, which is given the old entry."""
    fetch = Fetch(["v1", "v2"])
    old = (await cache.get("k", fetch)).entry
    clock.advance(TTL + GRACE + late)
    result = await cache.get("k", fetch)
    assert result.state == "miss"
    assert result.entry.value == "v2"
    assert fetch.calls == [None, old]


async def test_past_grace_failure_raises(cache: RecordCache[str], clock: FakeClock) -> None:
    """Past grace a failing fetch raises, as nothing is servable."""
    error = _failure()
    fetch = Fetch(["v1", error])
    await cache.get("k", fetch)
    clock.advance(TTL + GRACE)
    with pytest.raises(UpstreamUnavailableError) as raised:
        await cache.get("k", fetch)
    assert raised.value is error


async def test_stale_if_error_for_the_whole_grace(
    cache: RecordCache[str], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing refresh never raises: the stale record is served until grace ends."""
    fetch = Fetch(["v1", _failure()])
    old = (await cache.get("k", fetch)).entry
    clock.advance(TTL)
    with caplog.at_level(logging.WARNING, logger="pypins.cache.records"):
        while clock.now < old.stale_until:
            result = await cache.get("k", fetch)
            assert result.state == "stale"
            assert result.entry is old
            await cache.drain()
            clock.advance(37.0)
    assert fetch.count > 2
    assert cache.upstream_failures == fetch.count - 1
    assert "background refresh of k failed: PyPI is down" in caplog.text
    assert (await cache.get("k", Fetch(["v2"]))).state == "miss"


async def test_backoff_doubles_up_to_its_max(
    cache: RecordCache[str], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each failure the stale path waits a doubling back-off, capped."""
    monkeypatch.setattr(records, "FAILURE_BACKOFF", 2.0)
    monkeypatch.setattr(records, "MAX_FAILURE_BACKOFF", 20.0)
    fetch = Fetch(["v1", _failure()])
    await cache.get("k", fetch)
    clock.advance(TTL)
    await cache.get("k", fetch)
    await cache.drain()
    assert fetch.count == 2
    for backoff in (2.0, 4.0, 8.0, 16.0, 20.0, 20.0):
        calls = fetch.count
        clock.advance(backoff - 0.01)
        assert (await cache.get("k", fetch)).state == "stale"
        await cache.drain()
        assert fetch.count == calls, f"refetched before the {backoff}s back-off"
        clock.advance(0.01)
        assert (await cache.get("k", fetch)).state == "stale"
        await cache.drain()
        assert fetch.count == calls + 1, f"no refetch after the {backoff}s back-off"


async def test_success_resets_backoff(cache: RecordCache[str], clock: FakeClock) -> None:
    """A successful refresh forgets the failures: the next back-off starts over."""
    fetch = Fetch(["v1", _failure(), _failure(), "v2", _failure()])
    await cache.get("k", fetch)
    for _ in range(2):  # two failures: the back-off is now 10 s
        clock.advance(TTL + records.FAILURE_BACKOFF * 2)
        await cache.get("k", fetch)
        await cache.drain()
    clock.advance(records.FAILURE_BACKOFF * 2)
    await cache.get("k", fetch)  # succeeds
    await cache.drain()
    assert (await cache.get("k", fetch)).entry.value == "v2"
    clock.advance(TTL)
    await cache.get("k", fetch)  # fails again
    await cache.drain()
    calls = fetch.count
    clock.advance(records.FAILURE_BACKOFF)
    await cache.get("k", fetch)
    await cache.drain()
    assert fetch.count == calls + 1


async def test_cold_failure_caches_nothing(cache: RecordCache[str]) -> None:
    """With no record a failing fetch raises, leaves no entry, and the next call refetches."""
    error = _failure()
    fetch = Fetch([error, error, "v1"])
    for expected_calls in (1, 2):
        with pytest.raises(UpstreamUnavailableError) as raised:
            await cache.get("k", fetch)
        assert raised.value is error
        assert "k" not in cache.memory
        assert fetch.count == expected_calls
    assert cache.upstream_failures == 2
    result = await cache.get("k", fetch)
    assert (result.state, result.entry.value) == ("miss", "v1")


@pytest.mark.parametrize("status", [400, 403, 429, 500, 503])
async def test_http_errors_other_than_404_raise(cache: RecordCache[str], status: int) -> None:
    """An upstream error status other than 404 is a failure, not a record."""
    fetch = Fetch([HTTPError(status, "Nope")])
    with pytest.raises(HTTPError) as raised:
        await cache.get("k", fetch)
    assert raised.value.status_code == status
    assert "k" not in cache.memory
    assert cache.upstream_failures == 1


async def test_404_is_a_negative_entry(cache: RecordCache[str], clock: FakeClock) -> None:
    """A 404 becomes a negative entry kept ``negative_ttl`` seconds, without grace."""
    fetch = Fetch([HTTPError(404, "Not Found"), "v1"])
    first = await cache.get("k", fetch)
    assert first.state == "miss"
    assert first.entry.found is False
    assert first.entry.value is None
    assert first.entry.fresh_until == first.entry.stale_until == START + NEGATIVE_TTL
    assert cache.upstream_failures == 0
    clock.advance(NEGATIVE_TTL - 0.001)
    hit = await cache.get("k", fetch)
    assert (hit.state, hit.entry.found) == ("hit", False)
    assert fetch.count == 1
    clock.advance(0.001)
    again = await cache.get("k", fetch)
    assert (again.state, again.entry.value) == ("miss", "v1")
    assert fetch.calls == [None, first.entry]


async def test_fetched_none_is_negative(cache: RecordCache[str]) -> None:
    """A fetch that answers ``Fetched(None)`` makes a negative entry too."""

    async def fetch(entry: Entry[str] | None) -> Fetched[str]:
        return Fetched(None)

    result = await cache.get("k", fetch)
    assert result.entry.found is False
    assert result.entry.fresh_until == START + NEGATIVE_TTL


async def test_single_flight_on_cold_key(cache: RecordCache[str]) -> None:
    """Fifty concurrent misses of one key share one fetch."""
    fetch = Fetch(["v1"], gate=asyncio.Event())
    tasks = [asyncio.ensure_future(cache.get("k", fetch)) for _ in range(50)]
    await _settle()
    assert fetch.count == 1
    fetch.gate.set()  # type: ignore[union-attr]
    results = await asyncio.gather(*tasks)
    assert {result.state for result in results} == {"miss"}
    assert len({id(result.entry) for result in results}) == 1
    assert fetch.count == 1
    assert cache._inflight == {}


async def test_single_flight_shares_a_failure(cache: RecordCache[str]) -> None:
    """Concurrent misses of a failing key share one fetch and all see its error."""
    fetch = Fetch([_failure()], gate=asyncio.Event())
    tasks = [asyncio.ensure_future(cache.get("k", fetch)) for _ in range(10)]
    await _settle()
    fetch.gate.set()  # type: ignore[union-attr]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, UpstreamUnavailableError) for result in results)
    assert fetch.count == 1
    assert cache.upstream_failures == 1


async def test_keys_fetch_independently(cache: RecordCache[str]) -> None:
    """Single flight is per key: different keys fetch concurrently."""
    fetch = Fetch(["v"], gate=asyncio.Event())
    tasks = [asyncio.ensure_future(cache.get(key, fetch)) for key in ("a", "b", "c")]
    await _settle()
    assert fetch.count == 3
    fetch.gate.set()  # type: ignore[union-attr]
    assert len(await asyncio.gather(*tasks)) == 3


@pytest.mark.parametrize("others", [0, 1, 5])
async def test_cancelled_waiter_does_not_cancel_the_fetch(
    cache: RecordCache[str], others: int
) -> None:
    """A waiting caller that is cancelled leaves the fetch running for the rest and the cache."""
    fetch = Fetch(["v1"], gate=asyncio.Event())
    runner = asyncio.ensure_future(cache.get("k", fetch))
    await _settle()
    doomed = asyncio.ensure_future(cache.get("k", fetch))
    waiters = [asyncio.ensure_future(cache.get("k", fetch)) for _ in range(others)]
    await _settle()
    doomed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await doomed
    fetch.gate.set()  # type: ignore[union-attr]
    results = await asyncio.gather(runner, *waiters)
    assert {result.entry.value for result in results} == {"v1"}
    assert len({id(result.entry) for result in results}) == 1
    assert (await cache.get("k", fetch)).state == "hit"
    assert fetch.count == 1
    assert cache._inflight == {}


@pytest.mark.parametrize("others", [1, 5])
async def test_cancelled_runner_hands_the_fetch_over(cache: RecordCache[str], others: int) -> None:
    """The caller running the fetch is cancelled: one waiting caller runs it anew, the
    others wait for that one, and all get its entry."""
    fetch = Fetch(["v1"], gate=asyncio.Event())
    runner = asyncio.ensure_future(cache.get("k", fetch))
    await _settle()
    waiters = [asyncio.ensure_future(cache.get("k", fetch)) for _ in range(others)]
    await _settle()
    assert fetch.count == 1
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    await _settle()
    assert fetch.count == 2  # the fetch was taken over once, not once per waiter
    fetch.gate.set()  # type: ignore[union-attr]
    results = await asyncio.gather(*waiters)
    assert {result.entry.value for result in results} == {"v1"}
    assert len({id(result.entry) for result in results}) == 1
    assert fetch.count == 2
    assert cache._inflight == {}
    assert cache.upstream_failures == 0


async def test_cancelled_runner_alone_leaves_nothing_behind(cache: RecordCache[str]) -> None:
    """A cancelled fetch nobody waits for keeps no record and no flight: the next
    request fetches; a cancellation is not an upstream failure."""
    fetch = Fetch(["v1"], gate=asyncio.Event())
    runner = asyncio.ensure_future(cache.get("k", fetch))
    await _settle()
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert cache._inflight == {}
    assert cache.memory.peek("k") is None
    assert cache.upstream_failures == 0
    fetch.gate.set()  # type: ignore[union-attr]
    result = await cache.get("k", fetch)
    assert (result.state, result.entry.value, fetch.count) == ("miss", "v1", 2)


async def test_cancelled_waiter_of_failing_fetch(cache: RecordCache[str]) -> None:
    """A failure is counted once and reaches the callers still waiting; a cancelled
    waiter is skipped (no "exception never retrieved")."""
    fetch = Fetch([_failure()], gate=asyncio.Event())
    runner = asyncio.ensure_future(cache.get("k", fetch))
    await _settle()
    doomed = asyncio.ensure_future(cache.get("k", fetch))
    waiter = asyncio.ensure_future(cache.get("k", fetch))
    await _settle()
    doomed.cancel()
    fetch.gate.set()  # type: ignore[union-attr]
    with pytest.raises(asyncio.CancelledError):
        await doomed
    for caller in (runner, waiter):
        with pytest.raises(UpstreamUnavailableError):
            await caller
    assert cache.upstream_failures == 1
    assert fetch.count == 1
    assert cache._inflight == {}


async def test_refresh_cancelled_before_it_starts_is_taken_over(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """A background refresh whose task is cancelled before its first step never fetches:
    a caller waiting for it (its record past grace) fetches instead."""
    fetch = Fetch(["v1", "v2"])
    await cache.get("k", fetch)
    clock.advance(TTL + 1)
    assert (await cache.get("k", fetch)).state == "stale"  # schedules the refresh
    (refresh,) = cache._background
    clock.advance(GRACE)  # past grace: the next caller must wait for a fetch
    waiter = asyncio.ensure_future(cache.get("k", fetch))
    refresh.cancel()
    result = await waiter
    assert (result.state, result.entry.value) == ("miss", "v2")
    assert fetch.count == 2
    await cache.drain()
    assert cache._inflight == {}


async def test_not_modified_keeps_value_and_extends(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """``NOT_MODIFIED`` renews the lifetimes and keeps the value and its validators."""
    validators = Validators(etag='"abc"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    fetch = Fetch(["v1", NOT_MODIFIED], validators=validators)
    old = (await cache.get("k", fetch)).entry
    clock.advance(TTL + 1)
    await cache.get("k", fetch)
    await cache.drain()
    assert fetch.calls == [None, old]
    renewed = (await cache.get("k", fetch)).entry
    assert renewed.value is old.value
    assert renewed.validators == validators
    assert renewed.fetched_at == clock.now
    assert renewed.fresh_until == clock.now + TTL
    assert renewed.stale_until == clock.now + TTL + GRACE


async def test_not_modified_past_grace(cache: RecordCache[str], clock: FakeClock) -> None:
    """Past grace a ``NOT_MODIFIED`` answer is a miss that returns the old value."""
    fetch = Fetch(["v1", NOT_MODIFIED])
    old = (await cache.get("k", fetch)).entry
    clock.advance(TTL + GRACE)
    result = await cache.get("k", fetch)
    assert (result.state, result.entry.value) == ("miss", "v1")
    assert result.entry.fresh_until == clock.now + TTL
    assert result.entry is not old


async def test_not_modified_negative_keeps_negative_ttl(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """A negative entry renewed by ``NOT_MODIFIED`` stays negative for ``negative_ttl``."""
    fetch = Fetch([HTTPError(404, "Not Found"), NOT_MODIFIED])
    await cache.get("k", fetch)
    clock.advance(NEGATIVE_TTL)
    result = await cache.get("k", fetch)
    assert result.entry.found is False
    assert result.entry.fresh_until == result.entry.stale_until == clock.now + NEGATIVE_TTL


async def test_invalidate_serves_stale_and_refreshes(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """After ``invalidate`` the next get serves the old record and refreshes it once."""
    fetch = Fetch(["v1", "v2"])
    old = (await cache.get("k", fetch)).entry
    clock.advance(1.0)
    cache.invalidate("k")
    results = await asyncio.gather(*(cache.get("k", fetch) for _ in range(5)))
    assert {(result.state, result.entry.value) for result in results} == {("stale", "v1")}
    await cache.drain()
    assert fetch.count == 2
    assert fetch.calls[1] == replace(old, fresh_until=clock.now)
    after = await cache.get("k", fetch)
    assert (after.state, after.entry.value) == ("hit", "v2")


async def test_invalidate_negative_entry(cache: RecordCache[str], clock: FakeClock) -> None:
    """An invalidated negative entry is served stale until its end while it refreshes."""
    fetch = Fetch([HTTPError(404, "Not Found"), "v1"])
    await cache.get("k", fetch)
    cache.invalidate("k")
    result = await cache.get("k", fetch)
    assert (result.state, result.entry.found) == ("stale", False)
    await cache.drain()
    assert (await cache.get("k", fetch)).entry.value == "v1"


async def test_invalidate_absent_or_expired(cache: RecordCache[str], clock: FakeClock) -> None:
    """Invalidating an absent key does nothing; an expired record stays a miss."""
    cache.invalidate("absent")
    assert "absent" not in cache.memory
    fetch = Fetch(["v1", "v2"])
    await cache.get("k", fetch)
    clock.advance(TTL + GRACE + 1)
    cache.invalidate("k")
    assert (await cache.get("k", fetch)).state == "miss"


async def test_drain_waits_for_background_refreshes(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """``drain`` returns only once the background refreshes are done."""
    await cache.drain()  # nothing under way
    fetch = Fetch(["v1", "v2"])
    await cache.get("k", fetch)
    clock.advance(TTL)
    fetch.gate = asyncio.Event()
    await cache.get("k", fetch)
    draining = asyncio.ensure_future(cache.drain())
    await _settle()
    assert not draining.done()
    fetch.gate.set()
    await asyncio.wait_for(draining, timeout=5)
    assert not cache._background
    assert cache.memory.peek("k").value == "v2"  # type: ignore[union-attr]


async def test_stale_caller_joins_a_running_miss(cache: RecordCache[str], clock: FakeClock) -> None:
    """A stale read while a fetch of that key is in flight starts no second fetch."""
    fetch = Fetch(["v1", "v2"])
    await cache.get("k", fetch)
    clock.advance(TTL + GRACE)
    fetch.gate = asyncio.Event()
    waiting = asyncio.ensure_future(cache.get("k", fetch))
    await _settle()
    assert fetch.count == 2
    # A stale record (e.g. just invalidated) whose refresh is already in flight.
    cache.memory.set("k", Entry("v1", clock.now, clock.now, clock.now + 10))
    assert (await cache.get("k", fetch)).state == "stale"
    assert not cache._background
    fetch.gate.set()
    assert (await waiting).entry.value == "v2"
    assert fetch.count == 2


async def test_failure_memory_is_bounded(
    cache: RecordCache[str], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``MAX_TRACKED_FAILURES`` failing keys the back-offs are forgotten."""
    monkeypatch.setattr(records, "MAX_TRACKED_FAILURES", 2)
    fetch = Fetch(["v1", _failure()])
    await cache.get("k", fetch)
    clock.advance(TTL)
    await cache.get("k", fetch)
    await cache.drain()
    assert fetch.count == 2
    for key in ("a", "b"):
        with pytest.raises(UpstreamUnavailableError):
            await cache.get(key, Fetch([_failure()]))
    await cache.get("k", fetch)  # no back-off left for "k"
    await cache.drain()
    assert fetch.count == 3


def test_fetched_and_entry_defaults() -> None:
    """``Fetched`` and ``Entry`` default to empty validators."""
    assert Fetched("v").validators == Validators()
    entry = Entry("v", 1.0, 2.0, 3.0)
    assert entry.validators == Validators()
    assert entry.found
    assert not Entry(None, 1.0, 2.0, 2.0).found


@pytest.mark.parametrize(
    ("value", "fresh", "stale"),
    [("v", START + TTL, START + TTL + GRACE), (None, START + NEGATIVE_TTL, START + NEGATIVE_TTL)],
)
def test_make_entry(cache: RecordCache[str], value: str | None, fresh: float, stale: float) -> None:
    """``make_entry`` gives positive records ttl and grace, negative ones negative_ttl."""
    validators = Validators(last_serial=7)
    entry = cache.make_entry(Fetched(value, validators), START)
    assert (entry.value, entry.fetched_at, entry.fresh_until, entry.stale_until) == (
        value,
        START,
        fresh,
        stale,
    )
    assert entry.validators is validators


# A bounded wait for a fetch that goes on


async def test_a_bounded_wait_leaves_the_fetch_running(cache: RecordCache[str]) -> None:
    """Past ``wait`` a caller gets UpstreamPendingError; the fetch goes on in its own task,
    shared by the callers that come meanwhile, and its record is there afterwards."""
    fetch = Fetch(["v1"], gate=asyncio.Event())
    for _ in range(3):
        with pytest.raises(UpstreamPendingError, match="queued"):
            await cache.get("k", fetch, wait=0.01)
    assert fetch.count == 1
    assert fetch.gate is not None
    fetch.gate.set()
    await cache.drain()
    found = await cache.get("k", fetch, wait=0.01)
    assert (found.state, found.entry.value, fetch.count) == ("hit", "v1", 1)


async def test_a_bounded_wait_gets_the_answer_in_time(cache: RecordCache[str]) -> None:
    """A fetch that answers within the wait is a plain miss; its errors reach the caller."""
    found = await cache.get("k", Fetch(["v1"]), wait=5)
    assert (found.state, found.entry.value) == ("miss", "v1")
    with pytest.raises(UpstreamUnavailableError):
        await cache.get("other", Fetch([UpstreamUnavailableError("down")]), wait=5)


async def test_aclose_stops_the_fetches_under_way(cache: RecordCache[str]) -> None:
    """``aclose`` cancels the fetches nobody waits for any more (shutdown)."""
    fetch = Fetch(["v1"], gate=asyncio.Event())
    with pytest.raises(UpstreamPendingError):
        await cache.get("k", fetch, wait=0.01)
    await cache.aclose()
    assert not cache._background
    assert cache.memory.peek("k") is None
