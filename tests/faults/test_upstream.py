"""Upstream faults: pypins keeps answering, serves what it had, and asks a failing PyPI less.

Each scenario below makes the loopback PyPI misbehave in one way for two seconds while
eight connections ask for badges of cached packages (stale by then, within grace) and
of packages never seen before. Every answer must be a well-formed badge within the
timeout (2 s) plus a margin; cached packages get their last good badge; the fault is
counted in ``/metrics`` under its outcome; the upstream gets fewer requests than
pypins answers, and a bounded number (the breaker); and once the fault ends, pypins
serves the new release of every cached package and the badge of a new package without
a restart.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.faults.conftest import (
    BREAKER_COOLDOWN,
    BREAKER_THRESHOLD,
    CONNECTIONS,
    FAULT_MESSAGES,
    FAULT_SECONDS,
    RECOVERY_LIMIT,
    RETRIES,
    Figures,
    client_for,
    drive,
    fetch,
    new_package,
    outcome_delta,
    package_of,
    release,
    scrape,
    service_env,
    upstream_args,
    version_badge,
    wait_until,
    warm,
)
from tests.support.redis import RedisServer
from tests.support.service import Service
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

#: Upstream requests a fault may cost at most: every connection's first miss with its
#: retries while the breaker is still closed, the failures that open it, and one trial
#: per cool-down (0.5 s, 1 s, 2 s...) with its retries.
UPSTREAM_BOUND = CONNECTIONS * (1 + RETRIES) + BREAKER_THRESHOLD + 4 * (1 + RETRIES)


@dataclass(frozen=True)
class UpstreamFault:
    """One way for PyPI to misbehave: the faults injected, and how pypins must count it."""

    faults: tuple[tuple[str, dict[str, Any]], ...]
    #: Outcomes of ``pypins_upstream_requests_total`` that must grow.
    outcomes: frozenset[str]
    #: Messages a badge of a package never seen before may have during the fault.
    messages: frozenset[str] = FAULT_MESSAGES
    #: Requests the upstream sees per request pypins sends (redirects followed).
    hops: int = 1
    #: Whether requests refused by the open breaker show: not when every attempt takes
    #: the whole 2 s budget, longer than the test's 0.5 s cool-down (one trial at a
    #: time goes instead, and the request bound below still holds).
    refusals_observable: bool = True
    notes: tuple[str, ...] = field(default=())


SCENARIOS: dict[str, UpstreamFault] = {
    "5xx": UpstreamFault(
        (("/pypi/*", {"status": 503, "body": b"<h1>Service Unavailable</h1>"}),),
        frozenset({"server_error"}),
    ),
    "429-retry-after": UpstreamFault(
        (("/pypi/*", {"status": 429, "headers": {"Retry-After": "2"}}),),
        frozenset({"rate_limited"}),
    ),
    "timeout": UpstreamFault(
        (("/pypi/*", {"hang": True}),), frozenset({"timeout"}), refusals_observable=False
    ),
    "slow-10s": UpstreamFault(
        (("/pypi/*", {"delay": 10.0}),), frozenset({"timeout"}), refusals_observable=False
    ),
    "connection-reset": UpstreamFault((("/pypi/*", {"reset": True}),), frozenset({"unreachable"})),
    "closed-mid-body": UpstreamFault(
        (("/pypi/*", {"disconnect_after": 100}),), frozenset({"unreachable"})
    ),
    "truncated-json": UpstreamFault((("/pypi/*", {"truncate": 200}),), frozenset({"invalid"})),
    "invalid-json": UpstreamFault(
        (("/pypi/*", {"body": b"<html>Whoops, not JSON</html>"}),), frozenset({"invalid"})
    ),
    "wrong-shape-json": UpstreamFault(
        (("/pypi/*", {"body": b'{"info": 42, "releases": ["x"], "urls": {}}'}),),
        frozenset({"invalid"}),
    ),
    "50mb-body": UpstreamFault(
        (("/pypi/*", {"huge": 50 * 1024 * 1024}),),
        frozenset({"invalid"}),
        notes=("refused past PYPINS_MAX_RESPONSE_BYTES (4 MiB in this suite)",),
    ),
    "redirect-loop": UpstreamFault(
        (
            ("/pypi/*", {"status": 301, "headers": {"Location": "/loop/a"}}),
            ("/loop/a", {"status": 302, "headers": {"Location": "/loop/b"}}),
            ("/loop/b", {"status": 307, "headers": {"Location": "/loop/a"}}),
        ),
        frozenset({"invalid"}),
        hops=4,
        notes=("every request pypins sends costs four: three redirects are followed",),
    ),
}


def scenario_params() -> list[Any]:
    """The scenarios as pytest parameters."""
    return [pytest.param(scenario, id=name) for name, scenario in SCENARIOS.items()]


@dataclass
class StalePool:
    """Packages whose badges were fetched at the start of the module: stale by now."""

    messages: dict[str, str]
    stale_from: float

    async def take(self, count: int) -> dict[str, str]:
        """``count`` packages never asked for since, with their badges' messages."""
        await asyncio.sleep(max(0.0, self.stale_from - time.monotonic()))
        names = list(self.messages)[:count]
        return {name: self.messages.pop(name) for name in names}


@pytest.fixture(scope="module")
def stale_pool(fault_service: Service) -> StalePool:
    """Three cached packages for each scenario, fetched at once (one wait to go stale)."""
    names = [new_package() for _ in range(3 * len(SCENARIOS))]
    messages = asyncio.run(warm(fault_service.url, names))
    # PYPINS_CACHE_TTL=1: stale a second later, within the hour of grace.
    return StalePool(messages, time.monotonic() + 1.2)


async def recovered(base_url: str, releases: dict[str, str]) -> bool:
    """Whether every package shows its new release and a new package gets its badge."""
    async with client_for(base_url) as client:
        targets = [version_badge(name, "recovery") for name in releases]
        answers = await asyncio.gather(*(fetch(client, t) for t in targets))
        fresh = await fetch(client, version_badge(new_package()))
    shown = {a.message for a in answers} == {f"v{v}" for v in releases.values()}
    return shown and fresh.well_formed and str(fresh.message).startswith("v")


@pytest.mark.parametrize("scenario", scenario_params())
async def test_upstream_fault(
    scenario: UpstreamFault,
    fault_service: Service,
    stale_pool: StalePool,
    upstream: Upstream,
    figures: Figures,
) -> None:
    """pypins answers every request through an upstream fault and recovers by itself."""
    url = fault_service.url
    last_good = await stale_pool.take(3)
    cached = list(last_good)
    before = await scrape(url)
    upstream_before = upstream.total()
    for pattern, kwargs in scenario.faults:
        upstream.inject(pattern, **kwargs)

    def target(i: int) -> str:
        if i % 2:
            return version_badge(new_package())
        return version_badge(cached[i // 2 % len(cached)], f"r={i}")

    answers = await drive(url, target, seconds=FAULT_SECONDS)
    during = upstream.total() - upstream_before
    at_end = await scrape(url)
    releases = {name: f"99.0.{n}" for n, name in enumerate(cached)}
    for name, version in releases.items():
        release(upstream, name, version)
    upstream.clear_faults()
    recovery = await wait_until(lambda: recovered(url, releases), timeout=RECOVERY_LIMIT)
    after = await scrape(url)

    stale = [a for a in answers if "?r=" in a.target]
    fresh = [a for a in answers if "?r=" not in a.target]
    figures.count(answers)
    figures.stale_served = sum(a.message == last_good[package_of(a.target)] for a in stale)
    figures.upstream_requests = during
    figures.recovery_seconds = None if recovery is None else round(recovery, 2)
    figures.metrics = outcome_delta(before, at_end, "pypi")
    figures.notes.extend(scenario.notes)

    assert [a for a in answers if not a.well_formed] == []
    assert figures.stale_served == len(stale) > 0
    assert {a.message for a in fresh} <= scenario.messages
    assert recovery is not None, "no fresh badges within the recovery limit"
    assert set(figures.metrics) & scenario.outcomes, figures.metrics
    if scenario.refusals_observable:
        assert figures.metrics.get("breaker_open", 0) > 0
    assert at_end.value("pypins_circuit_open", upstream="pypi") == 1
    assert after.value("pypins_circuit_open", upstream="pypi") == 0
    assert during < len(answers)
    assert during <= UPSTREAM_BOUND * scenario.hops


async def test_retry_after_opens_the_breaker_at_once(
    fault_service: Service, upstream: Upstream
) -> None:
    """A 429 with Retry-After costs one upstream request, and none until it has passed."""
    upstream.inject("/pypi/*", status=429, headers={"Retry-After": "3"})
    async with client_for(fault_service.url) as client:
        first = await fetch(client, version_badge(new_package()))
        assert first.message == "rate limited by upstream service"
        assert upstream.total() == 1
        later = await asyncio.gather(
            *(fetch(client, version_badge(new_package())) for _ in range(10))
        )
    assert all(a.well_formed for a in later)
    assert upstream.total() == 1
    upstream.clear_faults()
    # Leave the breaker closed for the next test: a new package once the 3 s are over.
    async with client_for(fault_service.url) as client:

        async def answered() -> bool:
            answer = await fetch(client, version_badge(new_package()))
            return str(answer.message).startswith("v")

        assert await wait_until(answered, timeout=RECOVERY_LIMIT) is not None


async def test_a_burst_of_failures_does_not_escalate_the_cool_down(
    fault_service: Service, upstream: Upstream
) -> None:
    """After a burst of concurrent failures, PyPI is asked again after one cool-down."""
    upstream.inject("/pypi/*", status=503)
    async with client_for(fault_service.url, connections=16) as client:
        burst = await asyncio.gather(
            *(fetch(client, version_badge(new_package())) for _ in range(16))
        )
        assert {a.message for a in burst} == {"inaccessible"}
        upstream.clear_faults()

        async def answered() -> bool:
            answer = await fetch(client, version_badge(new_package()))
            return str(answer.message).startswith("v")

        seconds = await wait_until(answered, timeout=RECOVERY_LIMIT, interval=0.05)
    assert seconds is not None
    assert seconds <= BREAKER_COOLDOWN + 1.0


@pytest.mark.redis
async def test_dns_failure_of_the_upstream_host(
    redis_server: RedisServer,
    upstream: Upstream,
    figures: Figures,
) -> None:
    """With PyPI's host name unresolvable, cached badges are served and lookups are few.

    ``.invalid`` never resolves (RFC 2606); ``RES_OPTIONS=attempts:0`` makes the
    service's resolver give up without sending a query, so no packet leaves the machine.
    The records were published in Redis by a first service that could reach PyPI.
    """
    shared = ("--redis-url", redis_server.url)
    env = service_env()
    with Service(*upstream_args(upstream), *shared, env=env, start_timeout=30) as healthy:
        cached = [new_package() for _ in range(3)]
        last_good = await warm(healthy.url, cached)
    counted = new_package()
    upstream.set_downloads(counted, 10, 70, 300)
    args = ("--pypi-url", "http://pypi.invalid/pypi", "--stats-url", upstream.stats_url)
    env = service_env(RES_OPTIONS="attempts:0")
    with Service(*args, *shared, env=env, start_timeout=30) as service:
        await asyncio.sleep(1.2)  # the published records are stale now, within grace
        before = await scrape(service.url)

        def target(i: int) -> str:
            if i % 2:
                return version_badge(new_package())
            return version_badge(cached[i // 2 % len(cached)], f"r={i}")

        answers = await drive(service.url, target, seconds=FAULT_SECONDS)
        async with client_for(service.url) as client:
            downloads = await fetch(client, f"/pypi/dm/{counted}.json")
        after = await scrape(service.url)

    stale = [a for a in answers if "?r=" in a.target]
    fresh = [a for a in answers if "?r=" not in a.target]
    delta = outcome_delta(before, after, "pypi")
    attempts = int(sum(n for outcome, n in delta.items() if outcome != "breaker_open"))
    figures.count(answers)
    figures.stale_served = sum(a.message == last_good[package_of(a.target)] for a in stale)
    figures.upstream_requests = attempts
    figures.metrics = delta
    figures.notes.append(
        "upstream requests: name lookups attempted (from the metrics); recovery: not "
        "applicable, a .invalid name never resolves; download badges (another upstream "
        "host) kept working"
    )

    assert [a for a in answers if not a.well_formed] == []
    assert figures.stale_served == len(stale) > 0
    assert {a.message for a in fresh} == {"inaccessible"}
    assert downloads.message == "300/month"
    assert delta.get("unreachable", 0) > 0
    assert delta.get("breaker_open", 0) > 0
    assert attempts < len(answers)
    assert attempts <= UPSTREAM_BOUND
