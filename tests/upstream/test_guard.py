"""The upstream guard: bounded retries with jitter, the breaker, back-pressure, reporting."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from pypins.cache.store import MemoryStore
from pypins.errors import (
    CircuitOpenError,
    HTTPError,
    InvalidNameError,
    InvalidResponseError,
    UpstreamBusyError,
    UpstreamUnavailableError,
)
from pypins.upstream import CircuitBreaker, RetryPolicy, Slots, UpstreamGuard, classify
from tests.support.clock import FakeClock


class Recorder:
    """An observer that remembers every event."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def upstream_started(self, upstream: str) -> None:
        self.events.append(("started", upstream))

    def upstream_finished(self, upstream: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("finished", upstream, outcome))

    def upstream_retried(self, upstream: str) -> None:
        self.events.append(("retried", upstream))

    def breaker_changed(self, upstream: str, *, is_open: bool) -> None:
        self.events.append(("breaker", upstream, "open" if is_open else "closed"))

    def outcomes(self) -> list[str]:
        return [event[2] for event in self.events if event[0] == "finished"]


class Script:
    """An upstream call that raises or returns the scripted results in turn."""

    def __init__(self, *results: object) -> None:
        self.results = list(results)
        self.calls = 0

    async def __call__(self) -> object:
        self.calls += 1
        result = self.results.pop(0) if len(self.results) > 1 else self.results[0]
        if isinstance(result, BaseException):
            raise result
        return result


@pytest.fixture
def clock() -> FakeClock:
    """Monotonic time for the breaker, moved by the guard's sleeps."""
    return FakeClock(0.0)


@pytest.fixture
def recorder() -> Recorder:
    """Remembers what the guard reported."""
    return Recorder()


@pytest.fixture
def make_guard(clock: FakeClock, recorder: Recorder) -> Callable[..., UpstreamGuard]:
    """Guards with a fake clock and sleep, a seeded jitter and a recorder."""

    def make(
        *,
        retries: int = 2,
        threshold: int = 5,
        shared: MemoryStore | None = None,
        slots: Slots | None = None,
        budget: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> UpstreamGuard:
        return UpstreamGuard(
            "pypi",
            breaker=CircuitBreaker(threshold=threshold, cooldown=30.0, clock=clock),
            retry=RetryPolicy(retries=retries, budget=budget),
            slots=slots or Slots(4, 4, 1.0),
            observer=recorder,
            shared=shared,
            sleep=clock.sleep if sleep is None else sleep,
            rng=random.Random(7),
            wall_clock=clock,
        )

    return make


SERVER_ERROR = HTTPError(503, "Service Unavailable")
RESET = UpstreamUnavailableError("pypi.example could not be reached (reset)")


async def test_success_passes_through(
    make_guard: Callable[..., UpstreamGuard], recorder: Recorder
) -> None:
    """A working upstream is asked once and its answer returned."""
    script = Script("document")
    assert await make_guard().call(script) == "document"
    assert script.calls == 1
    assert recorder.events == [("started", "pypi"), ("finished", "pypi", "ok")]


@pytest.mark.parametrize("error", [SERVER_ERROR, RESET, HTTPError(429, "Too Many Requests")])
async def test_transient_failures_are_retried(
    make_guard: Callable[..., UpstreamGuard],
    recorder: Recorder,
    clock: FakeClock,
    error: Exception,
) -> None:
    """5xx, resets and 429 without Retry-After get two more tries, then succeed."""
    script = Script(error, error, "document")
    assert await make_guard().call(script) == "document"
    assert script.calls == 3
    assert [e for e in recorder.events if e[0] == "retried"] == [("retried", "pypi")] * 2
    assert len(clock.slept) == 2


async def test_retries_are_bounded(make_guard: Callable[..., UpstreamGuard]) -> None:
    """A persistent failure is raised after 1 + retries attempts."""
    script = Script(SERVER_ERROR)
    with pytest.raises(HTTPError):
        await make_guard(retries=2).call(script)
    assert script.calls == 3


async def test_backoff_is_exponential_with_full_jitter(
    make_guard: Callable[..., UpstreamGuard], clock: FakeClock
) -> None:
    """Each wait lies between 0 and base·2^(n-1), capped."""
    script = Script(RESET)
    with pytest.raises(UpstreamUnavailableError):
        await make_guard(retries=4, threshold=10).call(script)
    bounds = [0.25, 0.5, 1.0, 2.0]
    assert len(clock.slept) == 4
    for wait, bound in zip(clock.slept, bounds, strict=True):
        assert 0.0 <= wait <= bound
    assert len(set(clock.slept)) == 4  # jittered, not a fixed schedule


def test_retry_delays_never_exceed_the_cap() -> None:
    """However many attempts, no single wait is longer than ``cap``."""
    policy = RetryPolicy(base=0.25, cap=2.0)
    rng = random.Random(1)
    assert max(policy.delay(attempt, rng) for attempt in range(1, 40) for _ in range(20)) <= 2.0


@pytest.mark.parametrize(
    "error",
    [
        HTTPError(404, "Not Found"),
        HTTPError(403, "Forbidden"),
        InvalidNameError("bad name"),
        InvalidResponseError("not JSON"),
    ],
)
async def test_permanent_answers_are_not_retried(
    make_guard: Callable[..., UpstreamGuard], error: Exception
) -> None:
    """Not found, client errors and malformed bodies are raised at once."""
    script = Script(error)
    with pytest.raises(type(error)):
        await make_guard().call(script)
    assert script.calls == 1


async def test_not_found_counts_as_a_working_upstream(
    make_guard: Callable[..., UpstreamGuard],
) -> None:
    """A 404 closes the failure streak (the upstream answered)."""
    guard = make_guard(threshold=2)
    with pytest.raises(HTTPError):
        await guard.call(Script(SERVER_ERROR, HTTPError(404, "Not Found")))
    assert guard.breaker.failures == 0


async def test_the_breaker_stops_requests(
    make_guard: Callable[..., UpstreamGuard], recorder: Recorder
) -> None:
    """After the threshold, calls fail at once without reaching the upstream."""
    guard = make_guard(retries=0, threshold=3)
    script = Script(SERVER_ERROR)
    for _ in range(3):
        with pytest.raises(HTTPError):
            await guard.call(script)
    assert ("breaker", "pypi", "open") in recorder.events
    for _ in range(10):
        with pytest.raises(CircuitOpenError):
            await guard.call(script)
    assert script.calls == 3
    assert recorder.outcomes().count("breaker_open") == 10


async def test_retries_stop_when_the_breaker_opens(
    make_guard: Callable[..., UpstreamGuard],
) -> None:
    """A failing upstream gets fewer requests: no retry once the breaker is open."""
    guard = make_guard(retries=5, threshold=2)
    script = Script(SERVER_ERROR)
    with pytest.raises(HTTPError):
        await guard.call(script)
    assert script.calls == 2


async def test_a_trial_after_the_cool_down_closes_the_breaker(
    make_guard: Callable[..., UpstreamGuard], clock: FakeClock, recorder: Recorder
) -> None:
    """When the upstream is back, the one trial succeeds and requests flow again."""
    guard = make_guard(retries=0, threshold=1)
    with pytest.raises(HTTPError):
        await guard.call(Script(SERVER_ERROR))
    clock.advance(30)
    assert await guard.call(Script("back")) == "back"
    assert guard.breaker.state == "closed"
    assert recorder.events[-1] == ("breaker", "pypi", "closed")


async def test_retry_after_opens_the_breaker_without_retrying(
    make_guard: Callable[..., UpstreamGuard],
) -> None:
    """A 429 with Retry-After is honoured: no retry, nothing sent until it has passed."""
    guard = make_guard()
    script = Script(HTTPError(429, "Too Many Requests", retry_after=120))
    with pytest.raises(HTTPError):
        await guard.call(script)
    assert script.calls == 1
    assert guard.breaker.remaining() == 120


async def test_an_opening_is_shared_with_other_workers(
    make_guard: Callable[..., UpstreamGuard], clock: FakeClock, recorder: Recorder
) -> None:
    """The breaker's opening goes to the shared store; another guard learns it."""
    store = MemoryStore(clock=clock)
    first = make_guard(retries=0, threshold=1, shared=store)
    with pytest.raises(HTTPError):
        await first.call(Script(SERVER_ERROR))
    assert await store.get("breaker:pypi") is not None
    second = make_guard(shared=store)
    script = Script("document")
    with pytest.raises(CircuitOpenError):
        await second.call(script)
    assert script.calls == 0
    clock.advance(31)
    assert await second.call(script) == "document"


@pytest.mark.parametrize("value", [b"not a number", b"-5", b"1e12"])
async def test_foreign_shared_values_are_ignored(
    make_guard: Callable[..., UpstreamGuard], clock: FakeClock, value: bytes
) -> None:
    """A foreign, expired or absurd shared value does not stop requests."""
    store = MemoryStore(clock=clock)
    await store.set("breaker:pypi", value, 60)
    assert await make_guard(shared=store).call(Script("document")) == "document"


async def test_the_whole_call_is_bounded_by_the_budget(
    make_guard: Callable[..., UpstreamGuard],
) -> None:
    """Attempts and waits together never exceed the budget (the configured timeout)."""

    async def hang() -> object:
        await asyncio.sleep(10)
        return "late"

    guard = make_guard(budget=0.05, sleep=asyncio.sleep)
    with pytest.raises(UpstreamUnavailableError, match="did not answer in time"):
        await guard.call(hang)


async def test_cancelling_a_trial_frees_the_breaker(
    make_guard: Callable[..., UpstreamGuard], clock: FakeClock
) -> None:
    """A cancelled trial request does not leave the breaker waiting forever."""
    guard = make_guard(retries=0, threshold=1, sleep=asyncio.sleep)
    with pytest.raises(HTTPError):
        await guard.call(Script(SERVER_ERROR))
    clock.advance(30)
    started = asyncio.Event()

    async def slow() -> object:
        started.set()
        await asyncio.sleep(10)
        return "late"

    task = asyncio.ensure_future(guard.call(slow))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert guard.breaker.allow()


async def test_slots_cap_in_flight_and_refuse_past_the_queue(
    make_guard: Callable[..., UpstreamGuard], recorder: Recorder
) -> None:
    """Two in flight, one waiting; the fourth is busy at once."""
    slots = Slots(2, 1, 5.0)
    guard = make_guard(slots=slots)
    release = asyncio.Event()

    async def held() -> object:
        await release.wait()
        return "done"

    tasks = [asyncio.ensure_future(guard.call(held)) for _ in range(3)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert (slots.in_flight, slots.waiting) == (2, 1)
    with pytest.raises(UpstreamBusyError):
        await guard.call(held)
    assert "busy" in recorder.outcomes()
    release.set()
    assert await asyncio.gather(*tasks) == ["done"] * 3
    assert (slots.in_flight, slots.waiting) == (0, 0)
    assert guard.breaker.failures == 0  # busy is our own limit, not the upstream's fault


async def test_waiting_for_a_slot_is_bounded_in_time() -> None:
    """A request that waits longer than ``max_wait`` for a slot is busy."""
    slots = Slots(1, 5, 0.01)
    async with slots.hold():
        with pytest.raises(UpstreamBusyError, match="within"):
            async with slots.hold():
                pass
    assert slots.waiting == 0


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (CircuitOpenError("open"), "breaker_open"),
        (UpstreamBusyError("busy"), "busy"),
        (HTTPError(404, "Not Found"), "not_found"),
        (HTTPError(429, "Too Many Requests"), "rate_limited"),
        (HTTPError(502, "Bad Gateway"), "server_error"),
        (HTTPError(410, "Gone"), "client_error"),
        (UpstreamUnavailableError("x did not answer in time"), "timeout"),
        (RESET, "unreachable"),
        (InvalidResponseError("bad"), "invalid"),
        (asyncio.CancelledError(), "cancelled"),
        (RuntimeError("boom"), "error"),
    ],
)
def test_classify(error: BaseException | None, outcome: str) -> None:
    """Each failure has its outcome label."""
    assert classify(error) == outcome


def test_classify_reads_the_cause_of_a_timeout() -> None:
    """A timeout behind an unavailable error is a timeout (aiohttp's are TimeoutErrors)."""
    error = UpstreamUnavailableError("pypi.example failed")
    error.__cause__ = aiohttp.ServerTimeoutError("slow")
    assert classify(error) == "timeout"


async def test_a_hanging_upstream_is_a_timeout_and_a_failure(
    make_guard: Callable[..., UpstreamGuard], recorder: Recorder
) -> None:
    """An attempt that outlives the budget counts as a timeout and feeds the breaker."""

    async def hang() -> object:
        await asyncio.sleep(10)
        return "late"

    guard = make_guard(budget=0.05, threshold=1, sleep=asyncio.sleep)
    with pytest.raises(UpstreamUnavailableError, match="did not answer in time"):
        await guard.call(hang)
    assert recorder.outcomes() == ["timeout"]
    assert guard.breaker.state == "open"


async def test_no_retry_without_time_left(
    make_guard: Callable[..., UpstreamGuard], recorder: Recorder
) -> None:
    """A retry whose wait would pass the budget is not made."""
    guard = make_guard(budget=0.0001, retries=5, threshold=10, sleep=asyncio.sleep)
    script = Script(SERVER_ERROR)
    with pytest.raises(HTTPError):
        await guard.call(script)
    assert script.calls == 1
    assert ("retried", "pypi") not in recorder.events
