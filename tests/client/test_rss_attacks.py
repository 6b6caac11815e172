"""Hostile RSS feeds, read by the clients and the service's release poller, are
refused or harmless, and no URL in them is ever contacted.

Every URL a feed holds points at a canary server that must receive nothing; the feed
readers themselves are attacked inside every fixture shape in
``tests/pypi/test_feed_attacks.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from packaging.utils import canonicalize_name

from pypins.client import AsyncPyPIClient, FeedEntry, PyPIClient
from pypins.config import ServiceConfig
from pypins.errors import InvalidResponseError
from pypins.pypi import parse_latest_updates
from pypins.web.poller import ReleasePoller
from pypins.web.service import BadgeService
from tests.pypi.test_feed_attacks import LAUGHS
from tests.security.support import Canary
from tests.support.upstream import Upstream

#: Seconds the clients wait for the loopback upstream.
TIMEOUT = 2.0

ITEM = (
    "<item><title>{title}</title><link>https://pypi.org/project/pkg/</link>"
    "<pubDate>Sat, 21 Nov 2026 13:52:18 GMT</pubDate>{extra}</item>"
)


def feed(prologue: str = "", title: str = "pkg 1.0", extra: str = "") -> str:
    """An RSS 2.0 document of one item, with ``prologue`` before the root element."""
    item = ITEM.format(title=title, extra=extra)
    return f'<?xml version="1.0"?>\n{prologue}\n<rss version="2.0"><channel>{item}</channel></rss>'


def billion_laughs(_: str) -> str:
    """Ten levels of ten references: 10**9 copies of "lol" if expanded."""
    return feed(f"<!DOCTYPE rss [{LAUGHS}]>", title="&lol9; 1.0")


def quadratic_blowup(_: str) -> str:
    """One 50 kB entity referenced 2,000 times: 100 MB if expanded."""
    return feed(
        f'<!DOCTYPE rss [<!ENTITY a "{"x" * 50_000}">]>',
        extra=f"<description>{'&a;' * 2000}</description>",
    )


def external_file_entity(_: str) -> str:
    """An entity that would read a local file."""
    return feed('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', title="&xxe; 1")


def external_http_entity(canary: str) -> str:
    """An entity that would fetch the canary."""
    return feed(f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{canary}/entity">]>', title="&xxe; 1")


def parameter_entity(canary: str) -> str:
    """A parameter entity that would pull more declarations from the canary."""
    return feed(f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{canary}/x.dtd"> %remote;]>')


def unparsed_entity(canary: str) -> str:
    """An unparsed (NDATA) entity pointing at the canary."""
    return feed(
        f'<!DOCTYPE rss [<!NOTATION png SYSTEM "image/png">'
        f'<!ENTITY logo SYSTEM "{canary}/logo.png" NDATA png>]>'
    )


def entity_of_an_external_dtd(canary: str) -> str:
    """An entity only the canary's DTD could declare: reading it would be a request."""
    return feed(f'<!DOCTYPE rss SYSTEM "{canary}/rss.dtd">', title="&eacute; 1.0")


REFUSED = [
    billion_laughs,
    quadratic_blowup,
    external_file_entity,
    external_http_entity,
    parameter_entity,
    unparsed_entity,
    entity_of_an_external_dtd,
]


def external_dtd(canary: str) -> str:
    """A DTD on the canary, named by a system id: accepted, never fetched."""
    return feed(f'<!DOCTYPE rss SYSTEM "{canary}/rss.dtd">')


def public_dtd(canary: str) -> str:
    """A public DTD with a system URL on the canary, as PyPI's old feeds: never fetched."""
    return feed(f'<!DOCTYPE rss PUBLIC "-//Evil//DTD RSS//EN" "{canary}/public.dtd">')


def xinclude(canary: str) -> str:
    """An XInclude element, which ElementTree leaves unprocessed."""
    return feed(
        extra=(
            '<description><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            f'href="{canary}/include.txt" parse="text"/></description>'
        )
    )


def stylesheet(canary: str) -> str:
    """A stylesheet processing instruction, which is never followed."""
    return feed(f'<?xml-stylesheet type="text/xsl" href="{canary}/style.xsl"?>')


def schema_location(canary: str) -> str:
    """A schema location attribute, which is never fetched."""
    return feed(
        extra=(
            '<description xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="urn:x {canary}/schema.xsd">d</description>'
        )
    )


def deep_nesting(_: str) -> str:
    """Ten thousand nested elements inside a description."""
    return feed(extra=f"<description>{'<x>' * 10_000}{'</x>' * 10_000}</description>")


HARMLESS = [external_dtd, public_dtd, xinclude, stylesheet, schema_location, deep_nesting]

Attack = Callable[[str], str]
FEEDS = ["packages", "updates"]


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A loopback server that no feed may make pypins contact."""
    with Canary() as server:
        yield server


def serve_feed(upstream: Upstream, which: str, attack: Attack, canary: Canary) -> None:
    """Serve ``attack`` (aimed at the canary) as the ``which`` feed."""
    upstream.set_feed(which, attack(canary.url))


async def read_async(upstream: Upstream, which: str) -> list[FeedEntry]:
    """Read a feed with the async client."""
    async with AsyncPyPIClient(
        newest_packages_url=upstream.newest_packages_url,
        latest_updates_url=upstream.latest_updates_url,
        timeout=TIMEOUT,
    ) as client:
        if which == "packages":
            return await client.newest_packages()
        return await client.latest_updated_packages()


def read_sync(upstream: Upstream, which: str) -> list[FeedEntry]:
    """Read a feed with the sync client."""
    with PyPIClient(
        newest_packages_url=upstream.newest_packages_url,
        latest_updates_url=upstream.latest_updates_url,
        timeout=TIMEOUT,
    ) as client:
        if which == "packages":
            return client.newest_packages()
        return client.latest_updated_packages()


@pytest.mark.parametrize("which", FEEDS)
@pytest.mark.parametrize("attack", REFUSED)
async def test_async_client_refuses_hostile_feeds(
    upstream: Upstream, canary: Canary, attack: Attack, which: str
) -> None:
    """The async client raises InvalidResponseError; the canary hears nothing."""
    serve_feed(upstream, which, attack, canary)
    with pytest.raises(InvalidResponseError, match="feed refused"):
        await read_async(upstream, which)
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize("which", FEEDS)
@pytest.mark.parametrize("attack", REFUSED)
def test_sync_client_refuses_hostile_feeds(
    upstream: Upstream, canary: Canary, attack: Attack, which: str
) -> None:
    """The sync client raises InvalidResponseError; the canary hears nothing."""
    serve_feed(upstream, which, attack, canary)
    with pytest.raises(InvalidResponseError, match="feed refused"):
        read_sync(upstream, which)
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize("which", FEEDS)
@pytest.mark.parametrize("attack", HARMLESS)
async def test_inert_constructs_are_ignored(
    upstream: Upstream, canary: Canary, attack: Attack, which: str
) -> None:
    """External DTDs, XInclude, stylesheets, schema locations and deep nesting change nothing."""
    serve_feed(upstream, which, attack, canary)
    (entry,) = await read_async(upstream, which)
    assert entry.name == "pkg"
    assert entry.description in {None, "d"}
    assert canary.settle() == (0, 0)


@pytest.fixture
async def poller_service(upstream: Upstream) -> AsyncIterator[BadgeService]:
    """A service reading its updates feed from the loopback upstream."""
    service = BadgeService(
        ServiceConfig(
            pypi_url=upstream.pypi_url,
            stats_url=upstream.stats_url,
            updates_url=upstream.latest_updates_url,
            poll_interval=0,
            usage_db="off",
        )
    )
    yield service
    await service.stop()


@pytest.mark.parametrize("attack", REFUSED)
async def test_release_poller_survives_hostile_feeds(
    upstream: Upstream, canary: Canary, poller_service: BadgeService, attack: Attack
) -> None:
    """The poller counts a failed round, marks nothing stale and contacts nothing."""
    serve_feed(upstream, "updates", attack, canary)
    poller = ReleasePoller(poller_service.upstreams.client(), poller_service.sources.release_seen)
    assert await poller.poll_once() == 0
    assert (poller.polls, poller.failures) == (1, 1)
    assert upstream.count("/rss/updates.xml") == 1
    assert canary.settle() == (0, 0)


@pytest.mark.parametrize(
    "path", ["rss/updates.xml", "rss/doctype/updates.xml", "rss/pypi-legacy/updates.xml"]
)
async def test_release_poller_reads_every_shape(
    upstream: Upstream,
    poller_service: BadgeService,
    fixture_bytes: Callable[[str], bytes],
    path: str,
) -> None:
    """The poller reports the releases of each updates feed PyPI has served, DOCTYPE or not."""
    content = fixture_bytes(path)
    upstream.set_feed("updates", content)
    seen: dict[str, float] = {}

    async def record(name: str, moment: float) -> bool:
        seen[name] = moment
        return False

    poller = ReleasePoller(poller_service.upstreams.client(), record)
    assert await poller.poll_once() == 0
    assert poller.failures == 0
    entries = parse_latest_updates(content)
    assert "django" in seen
    assert len(seen) == len({canonicalize_name(entry.name) for entry in entries})
    assert seen["boto3"] == entries[0].date.timestamp()
