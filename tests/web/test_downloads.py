"""Download badges behind pypistats' rate limit: a fair queue, no 429s, counts kept.

The stand-in enforces pypistats' limits as flask-limiter does (fixed windows,
``tests/support/fixed_window.py``), scaled down (5 per 0.5 s, 10 per 3 s) so that a
test sees several windows pass; the service's limiter is given the same limits, with a
margin wide enough for a busy machine. No assertion reads a clock: counts, messages
and headers only.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from pypins.cache.ratelimit import Limit, LocalRateLimiter
from pypins.config import ServiceConfig
from pypins.settings import DEFAULT_STATS_PAUSE
from pypins.web.asgi import PypinsApp
from tests.support.clock import FakeClock
from tests.support.fixed_window import FixedWindowLimits
from tests.support.upstream import Upstream

#: pypistats' two limits, scaled down: (count, window seconds).
SCALED = ((5, 0.5), (10, 3.0))
#: Cold download badges on one page.
PAGE = [f"/pypi/dm/synthetic-requests-{number}.json" for number in range(20)]


@pytest.fixture
async def limited(
    upstream: Upstream,
    config: ServiceConfig,
    make_app: Callable[[ServiceConfig], PypinsApp],
) -> AsyncIterator[tuple[httpx.AsyncClient, PypinsApp]]:
    """A client of an app whose pypistats limits match the stand-in's, which enforces
    them (429 beyond)."""
    upstream.stats_limits = FixedWindowLimits(SCALED)
    app = make_app(config.replace(stats_max_wait=0.3))
    app.service.upstreams.stats_limiter = LocalRateLimiter(
        tuple(Limit(count, window) for count, window in SCALED), margin=0.3
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pypins.test") as client:
        yield client, app


async def load(client: httpx.AsyncClient, urls: list[str]) -> list[httpx.Response]:
    """Every URL at once, as a browser loads a page's images."""
    return list(await asyncio.gather(*(client.get(url) for url in urls)))


def messages(responses: list[httpx.Response]) -> list[str]:
    return [json.loads(response.content)["message"] for response in responses]


async def test_a_cold_page_then_a_reload(
    limited: tuple[httpx.AsyncClient, PypinsApp], upstream: Upstream
) -> None:
    """A cold page of 20 gets numbers for those whose turn came in time and "queued" for
    the rest, whose requests keep their places; the reload shows all 20; pypistats never
    answers 429."""
    client, app = limited
    first = await load(client, PAGE)
    numbers = [message for message in messages(first) if message.endswith("/month")]
    queued = [response for response in first if b"queued" in response.content]
    assert len(numbers) >= 5
    assert len(numbers) + len(queued) == len(PAGE)
    for response in queued:
        assert response.headers["cache-control"] == "public, max-age=10, s-maxage=10"
        assert response.headers["retry-after"] == "10"
    await app.service.sources.downloads.drain()  # the queued requests, answered in turn
    app.hot.clear()
    assert all(message.endswith("/month") for message in messages(await load(client, PAGE)))
    assert upstream.stats_limits is not None
    assert upstream.stats_limits.rejected == 0
    assert sum(upstream.count(f"/api/packages/synthetic-requests-{n}/recent") for n in range(20))


async def test_a_badge_whose_turn_came_waits_for_the_answer(
    limited: tuple[httpx.AsyncClient, PypinsApp], upstream: Upstream
) -> None:
    """The wait bounds the queue, not pypistats' answer: a slow answer to a request
    whose turn came in time still makes the badge."""
    client, _ = limited
    upstream.inject("/api/packages/six/recent", delay=0.6, times=1)  # twice the wait
    message = json.loads((await client.get("/pypi/dm/six.json")).content)["message"]
    assert message.endswith("/month")


@pytest.mark.parametrize(
    ("headers", "paused"), [({}, DEFAULT_STATS_PAUSE), ({"Retry-After": "7"}, 7)]
)
async def test_a_429_pauses_the_queue(
    limited: tuple[httpx.AsyncClient, PypinsApp],
    upstream: Upstream,
    headers: dict[str, str],
    paused: float,
) -> None:
    """A 429 (pypistats sends no Retry-After: a minute, else as long as it says) pauses
    every request to pypistats; the badge says "rate limited"."""
    client, app = limited
    upstream.inject("/api/packages/six/recent", status=429, headers=headers, times=1)
    limiter = app.service.upstreams.stats_limiter
    assert isinstance(limiter, LocalRateLimiter)
    before = limiter.clock()
    response = await client.get("/pypi/dd/six.json")
    assert json.loads(response.content)["message"] == "rate limited by upstream service"
    assert response.headers["cache-control"] == "public, max-age=30, s-maxage=30"
    assert limiter.paused_until >= before + paused
    assert upstream.count("/api/packages/six/recent") == 1  # no retry outside the queue


async def test_stale_counts_are_served_while_the_refresh_waits(
    limited: tuple[httpx.AsyncClient, PypinsApp], clock: FakeClock, upstream: Upstream
) -> None:
    """Past their freshness, the last counts are served at once while one refresh
    waits for its turn (here: behind a pause)."""
    client, app = limited
    fresh = json.loads((await client.get("/pypi/dw/six.json")).content)["message"]
    assert fresh.endswith("/week")
    await app.service.upstreams.stats_limiter.pause(60)
    clock.advance(app.service.config.downloads_ttl + 1)
    app.hot.clear()
    for _ in range(3):
        stale = await client.get("/pypi/dw/six.json")
        assert json.loads(stale.content)["message"] == fresh
    assert upstream.count("/api/packages/six/recent") == 1
    assert "six" in app.service.sources.downloads._inflight  # one refresh, waiting its turn
    await app.service.sources.downloads.aclose()


async def test_warming_fetches_the_most_requested_counts(
    upstream: Upstream,
    config: ServiceConfig,
    make_app: Callable[[ServiceConfig], PypinsApp],
    tmp_path: Path,
) -> None:
    """At start-up the most requested download badges' counts are fetched when no tier
    holds them, the most requested first, at most ``warm_downloads``."""
    warmed = config.replace(usage_db=str(tmp_path / "usage.sqlite3"), warm_downloads=2)
    first = make_app(warmed)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="http://pypins.test"
    ) as client:
        for url, times in (("/pypi/dm/six", 3), ("/d/flask/badge.svg", 2), ("/pypi/dw/yarg", 1)):
            for _ in range(times):
                await client.get(url)
                first.service.fold_metrics()
        await first.service.usage.flush()
    upstream.reset_counts()
    second = make_app(warmed)
    assert await second.service.sources.warm_downloads(pace=0) == 2
    assert upstream.counts() == {
        "/api/packages/six/recent": 1,
        "/api/packages/flask/recent": 1,
    }
    assert await second.service.sources.warm_downloads(pace=0) == 0  # held now: nothing to fetch


async def test_no_warming_without_a_way_to_choose_one_worker(
    config: ServiceConfig, make_app: Callable[[ServiceConfig], PypinsApp]
) -> None:
    """Several workers without Redis would each warm: none does; nor with 0."""
    assert (
        await make_app(config.replace(workers=2, warm_downloads=5)).service.sources.warm_downloads()
        == 0
    )
    assert await make_app(config.replace(warm_downloads=0)).service.sources.warm_downloads() == 0


@pytest.mark.parametrize(("workers", "shares"), [(1, (5, 30)), (2, (2, 15)), (8, (1, 3))])
def test_workers_without_redis_share_the_allowance(
    config: ServiceConfig,
    make_app: Callable[[ServiceConfig], PypinsApp],
    workers: int,
    shares: tuple[int, int],
) -> None:
    """Without Redis each worker queues on its own, with its share of pypistats' limits."""
    limiter = make_app(config.replace(workers=workers)).service.upstreams.stats_limiter
    assert isinstance(limiter, LocalRateLimiter)
    assert tuple(limit.count for limit in limiter.limits) == shares


async def test_warming_runs_in_the_background_and_skips_failures(
    upstream: Upstream,
    config: ServiceConfig,
    make_app: Callable[[ServiceConfig], PypinsApp],
    tmp_path: Path,
) -> None:
    """``start`` warms in a task of its own; a package whose counts cannot be read is
    skipped, and ``aclose`` stops a warming under way."""
    warmed = config.replace(
        usage_db=str(tmp_path / "usage.sqlite3"), warm_downloads=5, stats_rate_per_minute=6000
    )
    first = make_app(warmed)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="http://pypins.test"
    ) as client:
        for url in ("/pypi/dm/flask", "/pypi/dm/flask", "/pypi/dm/six"):
            await client.get(url)
            first.service.fold_metrics()
        await first.service.usage.flush()
    upstream.set_raw("/api/packages/flask/recent", b"<html>busy</html>", "text/html")
    upstream.reset_counts()

    second = make_app(warmed)
    second.service.sources.start()
    warming = second.service.sources._warming
    assert warming is not None
    assert await warming == 1  # six; flask's answer was not counts
    assert upstream.count("/api/packages/flask/recent") == 1
    await second.service.sources.aclose()

    third = make_app(warmed)
    third.service.sources.start()
    await third.service.sources.aclose()  # cancelled before its first fetch
    assert third.service.sources._warming is None
