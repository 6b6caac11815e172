"""The circuit breaker: closed, open for a cool-down, one trial, then closed or longer open."""

from __future__ import annotations

import pytest

from pypins.upstream import CircuitBreaker
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test advances by hand."""
    return FakeClock(0.0)


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    """Opens after 3 failures for 10 s, at most 40 s."""
    return CircuitBreaker(threshold=3, cooldown=10.0, max_cooldown=40.0, clock=clock)


def test_closed_until_the_threshold(breaker: CircuitBreaker) -> None:
    """Failures below the threshold leave requests flowing."""
    assert breaker.failure() is False
    assert breaker.failure() is False
    assert breaker.state == "closed"
    assert breaker.allow()


def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    """Only consecutive failures count."""
    breaker.failure()
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert breaker.state == "closed"


def test_opens_at_the_threshold_and_refuses(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """The third failure opens it; nothing is allowed for the cool-down."""
    breaker.failure()
    breaker.failure()
    assert breaker.failure() is True
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.remaining() == 10.0
    clock.advance(9.9)
    assert not breaker.allow()


def test_half_open_lets_exactly_one_trial(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """After the cool-down one request may go; the others wait for its result."""
    for _ in range(3):
        breaker.failure()
    clock.advance(10)
    assert breaker.state == "half-open"
    assert breaker.allow()
    assert not breaker.allow()


def test_a_successful_trial_closes(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """The trial's success closes the breaker and resets the cool-down."""
    for _ in range(3):
        breaker.failure()
    clock.advance(10)
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed"
    assert breaker.remaining() == 0.0


def test_failed_trials_double_the_cool_down_up_to_the_cap(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    """10 s, then 20, 40, and no more than 40."""
    for _ in range(3):
        breaker.failure()
    waits = []
    for _ in range(4):
        waits.append(breaker.remaining())
        clock.advance(breaker.remaining())
        assert breaker.allow()
        assert breaker.failure() is True
    assert waits == [10.0, 20.0, 40.0, 40.0]


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [(25.0, 25.0), (1.0, 1.0), (0.5, 0.5), (3600.0, 40.0), (float("inf"), 40.0)],
)
def test_retry_after_opens_at_once_for_that_long(
    breaker: CircuitBreaker, retry_after: float, seconds: float
) -> None:
    """An upstream's Retry-After opens the breaker on the first failure for exactly that
    long, shorter than the cool-down too, and never longer than the cap."""
    assert breaker.failure(retry_after=retry_after) is True
    assert breaker.state == "open"
    assert breaker.remaining() == seconds


@pytest.mark.parametrize("retry_after", [0.0, -5.0, float("nan")])
def test_a_retry_after_that_says_nothing_is_an_ordinary_failure(
    breaker: CircuitBreaker, retry_after: float
) -> None:
    """A Retry-After of no time (or not a number) counts as a failure like any other."""
    assert breaker.failure(retry_after=retry_after) is False
    assert breaker.state == "closed"


def test_after_a_retry_after_one_trial_goes(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """Once the asked-for time has passed, one trial request may go; its success closes."""
    breaker.failure(retry_after=2.0)
    clock.advance(1.0)
    assert not breaker.allow()
    clock.advance(1.0)
    assert breaker.allow()
    assert not breaker.allow()
    breaker.success()
    assert breaker.state == "closed"


def test_an_abandoned_trial_lets_another_go(breaker: CircuitBreaker, clock: FakeClock) -> None:
    """A cancelled trial does not block the breaker half-open forever."""
    for _ in range(3):
        breaker.failure()
    clock.advance(10)
    assert breaker.allow()
    breaker.abandon()
    assert breaker.allow()


def test_open_for_extends_but_never_shortens(breaker: CircuitBreaker) -> None:
    """An opening learnt from another worker keeps the later deadline."""
    breaker.open_for(30)
    breaker.open_for(5)
    assert breaker.remaining() == 30.0
    assert breaker.state == "open"


def test_failures_in_flight_at_the_opening_do_not_extend_it(breaker: CircuitBreaker) -> None:
    """A burst of failures opens the breaker once, for the first cool-down only."""
    for _ in range(3):
        breaker.failure()
    assert breaker.failure() is False
    assert breaker.failure() is False
    assert breaker.remaining() == 10.0
