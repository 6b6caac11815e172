"""Release-aware freshness: a release in PyPI's feed refreshes that package's badges."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from pypins.client import AsyncPyPIClient, FeedEntry
from pypins.web.asgi import PypinsApp
from pypins.web.poller import ReleasePoller
from scripts import derive_feeds
from tests.support.clock import FakeClock
from tests.support.upstream import Upstream


def feed(*items: tuple[str, str, float], shape: str = "current") -> str:
    """PyPI's updates feed with (name, version, timestamp) items, in the shape warehouse
    renders today (``current``) or did until 2020 (``doctype``: RSS 0.91 with a DOCTYPE),
    by the renderers that write the fixtures (``scripts/derive_feeds.py``)."""
    created = [datetime.fromtimestamp(moment, UTC) for _, _, moment in items]
    releases = [
        derive_feeds.Release(derive_feeds.Project(name, "A summary.", None, at), version, at)
        for (name, version, _), at in zip(items, created, strict=True)
    ]
    render = derive_feeds.render_doctype if shape == "doctype" else derive_feeds.render_current
    title, description = derive_feeds.UPDATES
    return render(title, description, "https://pypi.org/", derive_feeds.release_items(releases))


async def version_of(client: httpx.AsyncClient, name: str) -> str:
    """The message of a package's version badge."""
    response = await client.get(f"/pypi/v/{name}.json")
    message: str = json.loads(response.content)["message"]
    return message


async def test_a_release_in_the_feed_changes_the_next_badges(
    client: httpx.AsyncClient,
    app: PypinsApp,
    upstream: Upstream,
    clock: FakeClock,
    pypi_document: Callable[[str], dict[str, Any]],
) -> None:
    """A new feed entry marks the record stale: the badge changes without waiting for the TTL."""
    assert await version_of(client, "requests") == "v2.34.2"
    document = pypi_document("requests")
    document["info"]["version"] = "9.9.9"
    upstream.set_json("/pypi/requests/json", document)
    clock.advance(5)  # well within the 600 s TTL
    upstream.set_feed(
        "updates", feed(("requests", "9.9.9", clock.now - 1), ("six", "2.0", clock.now))
    )
    poller = ReleasePoller(app.service.upstreams.client(), app.service.sources.release_seen)
    assert await poller.poll_once() == 1  # six is not cached: nothing to mark
    assert upstream.count("/rss/updates.xml") == 1
    assert await version_of(client, "requests") == "v2.34.2"  # stale, once, while refreshing
    await app.service.sources.facts.drain()
    clock.advance(2)
    assert await version_of(client, "requests") == "v9.9.9"


async def test_older_releases_do_not_invalidate(
    client: httpx.AsyncClient, app: PypinsApp, upstream: Upstream, clock: FakeClock
) -> None:
    """A feed entry older than the record's fetch changes nothing."""
    await version_of(client, "requests")
    upstream.set_feed("updates", feed(("requests", "2.34.2", clock.now - 100)))
    poller = ReleasePoller(app.service.upstreams.client(), app.service.sources.release_seen)
    assert await poller.poll_once() == 0
    assert upstream.count("/pypi/requests/json") == 1


async def test_poller_survives_feed_failures(app: PypinsApp, upstream: Upstream) -> None:
    """A failing or hostile feed is counted and skipped."""
    poller = ReleasePoller(app.service.upstreams.client(), app.service.sources.release_seen)
    upstream.inject("/rss/updates.xml", status=503)
    assert await poller.poll_once() == 0
    upstream.clear_faults()
    upstream.set_feed("updates", '<!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>')
    assert await poller.poll_once() == 0
    assert poller.failures == 2


async def test_a_failing_feed_is_logged_once_then_summed_up(
    app: PypinsApp, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    """The first failure is a warning naming the setting that turns polling off; the next
    ones are summed up once an hour of rounds; a read that works again says so."""
    poller = ReleasePoller(
        app.service.upstreams.client(), app.service.sources.release_seen, interval=600
    )
    upstream.inject("/rss/updates.xml", status=503)
    with caplog.at_level(logging.WARNING, logger="pypins.web.poller"):
        for _ in range(13):
            await poller.poll_once()
        upstream.clear_faults()
        await poller.poll_once()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4, messages  # the first, after 6 and 12 rounds (an hour), again
    assert "PYPINS_POLL_INTERVAL=0" in messages[0]
    assert messages[1].startswith("the updates feed has failed 6 times in a row")
    assert messages[2].startswith("the updates feed has failed 12 times in a row")
    assert messages[3] == "the updates feed is read again, after 13 failures in a row"
    assert (poller.failures, poller.failing) == (13, 0)


async def test_poller_runs_in_the_background_and_honours_should_poll(
    app: PypinsApp, upstream: Upstream
) -> None:
    """``start`` polls periodically; ``should_poll`` False skips a round; ``stop`` ends it."""
    rounds: list[bool] = []

    async def only_first() -> bool:
        rounds.append(True)
        return len(rounds) == 1

    poller = ReleasePoller(
        app.service.upstreams.client(),
        app.service.sources.release_seen,
        should_poll=only_first,
        interval=0.01,
    )
    poller.start()
    poller.start()  # idempotent
    while len(rounds) < 3:
        await asyncio.sleep(0.01)
    await poller.stop()
    await poller.stop()
    assert poller.polls == 1
    assert upstream.count("/rss/updates.xml") == 1


async def test_apply_keeps_the_newest_date_per_package() -> None:
    """Several entries of one package report its newest release once."""
    seen: list[tuple[str, float]] = []

    async def record(name: str, moment: float) -> bool:
        seen.append((name, moment))
        return True

    entries = [
        FeedEntry("Foo_Bar", "1", "u", None, datetime.fromtimestamp(10, UTC)),
        FeedEntry("foo-bar", "2", "u", None, datetime.fromtimestamp(20, UTC)),
        FeedEntry("foo.bar", "0", "u", None, datetime.fromtimestamp(5, UTC)),
    ]
    async with AsyncPyPIClient() as client:
        poller = ReleasePoller(client, record)
        assert await poller.apply(entries) == 1
    assert seen == [("foo-bar", 20.0)]


@pytest.mark.parametrize("interval", [0.0])
async def test_service_starts_the_poller_when_configured(
    make_app: Callable[..., PypinsApp], config: Any, upstream: Upstream, interval: float
) -> None:
    """With a poll interval, the service starts one poller and stops it."""
    app = make_app(config.replace(poll_interval=3600))
    await app.service.start()
    poller = app.service.poller
    assert poller is not None
    while poller.rounds == 0:
        await asyncio.sleep(0.01)
    await app.service.stop()
    assert app.service.poller is None
    app = make_app(config.replace(poll_interval=interval))
    await app.service.start()
    assert app.service.poller is None
    await app.service.stop()


@pytest.mark.parametrize("shape", ["current", "doctype"])
async def test_a_release_reaches_the_badge_within_two_polls(
    *,
    make_app: Callable[..., PypinsApp],
    config: Any,
    upstream: Upstream,
    clock: FakeClock,
    pypi_document: Callable[[str], dict[str, Any]],
    shape: str,
) -> None:
    """With records fresh for an hour, a release in a PyPI-shaped updates feed shows on
    the version badge once the poller has read the feed, within two of its rounds."""
    app = make_app(config.replace(cache_ttl=3600, poll_interval=0.05))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pypins.test") as client:
        assert await version_of(client, "requests") == "v2.34.2"
        document = pypi_document("requests")
        document["info"]["version"] = "9.9.9"
        upstream.set_json("/pypi/requests/json", document)
        clock.advance(60)  # a minute into the hour
        upstream.set_feed("updates", feed(("requests", "9.9.9", clock.now), shape=shape))
        await app.service.start()
        poller = app.service.poller
        assert poller is not None
        async with asyncio.timeout(30):  # a bound for a stuck poller, not a measure
            while poller.rounds < 2:
                await asyncio.sleep(0.01)
        assert poller.failures == 0
        assert poller.invalidated == 1
        await version_of(client, "requests")  # stale, once, while one refresh runs
        await app.service.sources.facts.drain()
        clock.advance(2)  # past the second a stale badge is reused for
        assert await version_of(client, "requests") == "v9.9.9"
        await app.service.stop()
