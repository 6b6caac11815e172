"""``RecordCache`` never lets an exception stop a record from being refreshed: whatever
a fetch (or the reduction of its answer) raises, the single flight ends, the failure
backs off as failures do, the next attempt after the back-off fetches again, and it
asks without the validators of the record it holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from pypins.cache import records
from pypins.cache.records import NOT_MODIFIED, Entry, Fetched, RecordCache
from pypins.cache.store import MemoryStore
from pypins.client import Validators
from pypins.errors import HTTPError, InvalidResponseError, UpstreamUnavailableError
from tests.support.clock import FakeClock

TTL = 10.0
GRACE = 1000.0
START = 1_000_000.0
HELD = Validators('"v1"', "Sat, 21 Nov 2026 13:52:18 GMT", 7)

#: What a fetch (or the reduction of its answer) may raise, expected or not.
FAILURES: dict[str, Callable[[], BaseException]] = {
    "unavailable": lambda: UpstreamUnavailableError("PyPI is down"),
    "server-error": lambda: HTTPError(503, "Service Unavailable"),
    "refused-validator": lambda: HTTPError(400, "Bad Request"),
    "invalid-data": lambda: InvalidResponseError("info.version: expected a string"),
    "value-error": lambda: ValueError("Forbidden control character detected in headers."),
    "overflow": lambda: OverflowError("date value out of range"),
    "key-error": lambda: KeyError("info"),
    "type-error": lambda: TypeError("'NoneType' object is not subscriptable"),
    "recursion": lambda: RecursionError("maximum recursion depth exceeded"),
}


@dataclass
class Upstream:
    """A fetch function: fails with ``error`` while ``failing``; else answers ``value``
    (304 when asked with the validators of the record it holds). Records what it was
    given."""

    error: Callable[[], BaseException]
    failing: bool = False
    value: str = "v2"
    given: list[Validators | None] = field(default_factory=list)

    async def __call__(self, entry: Entry[str] | None) -> Fetched[str] | object:
        self.given.append(None if entry is None else entry.validators)
        await asyncio.sleep(0)
        if self.failing:
            raise self.error()
        if entry is not None and entry.validators.etag is not None:
            return NOT_MODIFIED
        return Fetched(self.value, HELD)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def cache(clock: FakeClock) -> RecordCache[str]:
    return RecordCache(ttl=TTL, grace=GRACE, negative_ttl=5.0, clock=clock)


async def held_record(cache: RecordCache[str], upstream: Upstream) -> None:
    """Fetch the record once, with validators."""
    upstream.failing = False
    upstream.value = "v1"
    first = await cache.get("k", upstream)
    assert first.entry.validators == HELD
    upstream.given.clear()


@pytest.mark.parametrize("error", FAILURES.values(), ids=FAILURES.keys())
async def test_a_failed_refresh_backs_off_then_fetches_anew(
    cache: RecordCache[str], clock: FakeClock, error: Callable[[], BaseException]
) -> None:
    """A refresh that raises anything leaves the stale record served, ends its flight,
    backs off, and the refresh after the back-off asks without validators."""
    upstream = Upstream(error)
    await held_record(cache, upstream)
    clock.advance(TTL)
    upstream.failing = True
    assert (await cache.get("k", upstream)).state == "stale"
    await cache.drain()
    assert cache._inflight == {}
    assert upstream.given == [HELD]
    # Within the back-off, no request.
    assert (await cache.get("k", upstream)).entry.value == "v1"
    await cache.drain()
    assert len(upstream.given) == 1
    # After it, the next one, without the validators that may have caused the failure.
    clock.advance(records.FAILURE_BACKOFF)
    upstream.failing = False
    upstream.value = "v2"
    assert (await cache.get("k", upstream)).state == "stale"
    await cache.drain()
    assert upstream.given == [HELD, Validators()]
    found = await cache.get("k", upstream)
    assert (found.state, found.entry.value, found.entry.validators) == ("hit", "v2", HELD)


@pytest.mark.parametrize("error", FAILURES.values(), ids=FAILURES.keys())
async def test_past_grace_a_failure_is_raised_and_the_next_request_fetches(
    cache: RecordCache[str], clock: FakeClock, error: Callable[[], BaseException]
) -> None:
    """With nothing servable, every waiting caller gets the failure; the flight ends, so
    the next request fetches again (without validators), and succeeds."""
    upstream = Upstream(error)
    await held_record(cache, upstream)
    clock.advance(TTL + GRACE)
    upstream.failing = True
    results = await asyncio.gather(
        *(cache.get("k", upstream) for _ in range(5)), return_exceptions=True
    )
    assert all(type(result) is type(error()) for result in results)
    assert len(upstream.given) == 1
    assert cache._inflight == {}
    upstream.failing = False
    upstream.value = "v2"
    found = await cache.get("k", upstream)
    assert (found.state, found.entry.value) == ("miss", "v2")
    assert upstream.given == [HELD, Validators()]


async def test_a_conditional_refresh_refused_forever_still_refreshes(
    cache: RecordCache[str], clock: FakeClock
) -> None:
    """An upstream (or a proxy) that refuses every conditional request cannot freeze a
    record: the attempt after a failure is unconditional."""

    async def refuses_validators(entry: Entry[str] | None) -> Fetched[str] | object:
        if entry is not None and entry.validators.etag is not None:
            raise HTTPError(400, "Bad Request")
        return Fetched(f"v{clock.now}", HELD)

    await cache.get("k", refuses_validators)
    for _ in range(3):
        clock.advance(TTL)
        await cache.get("k", refuses_validators)
        await cache.drain()
        clock.advance(records.MAX_FAILURE_BACKOFF)
        await cache.get("k", refuses_validators)
        await cache.drain()
        found = await cache.get("k", refuses_validators)
        assert found.state == "hit"
        assert found.entry.fetched_at == clock.now


@pytest.mark.parametrize(
    "answer",
    [NOT_MODIFIED, object(), "not a Fetched"],
    ids=["not-modified-without-a-record", "foreign-object", "string"],
)
async def test_a_fetch_that_answers_nonsense_is_a_failure(
    cache: RecordCache[str], answer: object
) -> None:
    """A fetch function's answer that makes no record is a failure, backed off."""

    async def nonsense(entry: Entry[str] | None) -> object:
        return answer

    with pytest.raises(TypeError):
        await cache.get("k", nonsense)
    assert cache._inflight == {}
    assert "k" in cache._failures
    assert cache.upstream_failures == 1


async def test_a_record_that_cannot_be_shared_is_still_served(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A record the shared tier cannot take (its encoding fails) is kept in the process
    and served; the failure is logged, not raised."""

    def encode(entry: Entry[str]) -> bytes:
        return str(entry.value).encode("ascii")  # refuses what is not ASCII

    def decode(data: bytes) -> Entry[str] | None:
        return None

    cache: RecordCache[str] = RecordCache(
        ttl=TTL,
        grace=GRACE,
        negative_ttl=5.0,
        clock=clock,
        shared=MemoryStore(clock=clock),
        encode=encode,
        decode=decode,
    )

    async def answer(entry: Entry[str] | None) -> Fetched[str]:
        return Fetched("\udce9")

    found = await cache.get("k", answer)
    assert found.entry.value == "\udce9"
    assert "cannot be shared" in caplog.text
    assert (await cache.get("k", answer)).state == "hit"
