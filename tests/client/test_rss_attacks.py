"""Hostile RSS feeds are refused or harmless; a DOCTYPE's DTD is never read.

PyPI's feeds have carried a DOCTYPE naming an external DTD, so such a DOCTYPE is
accepted; an internal subset (where entities are declared, expanded or pulled from
elsewhere) and references to entities nothing declares are refused with
``InvalidResponseError``. The parser is attacked directly, inside every fixture shape;
then through the async client, the sync client and the service's release poller, with
every URL pointing at a canary server that must receive nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from pypins.client import AsyncPyPIClient, FeedEntry, PyPIClient
from pypins.client._rss import parse_latest_updates, parse_newest_packages, parse_project_releases
from pypins.config import ServiceConfig
from pypins.errors import InvalidResponseError
from pypins.web.poller import ReleasePoller
from pypins.web.service import BadgeService
from tests.security.support import Canary
from tests.support.upstream import Upstream

Parse = Callable[[bytes], list[FeedEntry]]

#: Every fixture shape and its parser.
SHAPES: list[tuple[str, Parse]] = [
    ("rss/updates.xml", parse_latest_updates),
    ("rss/doctype/updates.xml", parse_latest_updates),
    ("rss/pypi-legacy/updates.xml", parse_latest_updates),
    ("rss/packages.xml", parse_newest_packages),
    ("rss/doctype/packages.xml", parse_newest_packages),
    ("rss/pypi-legacy/packages.xml", parse_newest_packages),
    ("rss/project-requests-releases.xml", parse_project_releases),
]

RSSBOARD = '"-//Netscape Communications//DTD RSS 0.91//EN" "http://www.rssboard.org/rss-0.91.dtd"'
LAUGHS = "".join(
    ['<!ENTITY lol0 "lol">']
    + [f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)]
)

#: Hostile DOCTYPEs, and the reference each puts in the feed's titles.
DOCTYPE_ATTACKS = [
    pytest.param("<!DOCTYPE rss []>", "", id="empty internal subset"),
    pytest.param("<!DOCTYPE rss [<!ELEMENT rss ANY>]>", "", id="element declaration"),
    pytest.param('<!DOCTYPE rss [<!ENTITY eacute "&#233;">]>', "&eacute;", id="entity declaration"),
    pytest.param(
        f'<!DOCTYPE rss PUBLIC {RSSBOARD} [<!ENTITY eacute "&#233;">]>',
        "&eacute;",
        id="internal subset after the real public id",
    ),
    pytest.param(f"<!DOCTYPE rss [{LAUGHS}]>", "&lol9;", id="billion laughs"),
    pytest.param(
        f'<!DOCTYPE rss [<!ENTITY a "{"x" * 50_000}">]>', "&a;" * 2000, id="quadratic blowup"
    ),
    pytest.param(
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "&xxe;",
        id="external file entity",
    ),
    pytest.param(
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>',
        "&xxe;",
        id="external http entity",
    ),
    pytest.param(
        '<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd"> %remote;]>',
        "",
        id="external parameter entity",
    ),
    pytest.param(
        '<!DOCTYPE rss [<!NOTATION png SYSTEM "image/png">'
        '<!ENTITY logo SYSTEM "http://127.0.0.1:1/logo.png" NDATA png>]>',
        "",
        id="unparsed entity",
    ),
]


def spliced(fixture: bytes, doctype: str | None, reference: str) -> bytes:
    """``fixture`` after ``doctype`` (None: its own prologue), ``reference`` in two titles."""
    start = fixture.index(b"<rss")
    prologue = (
        fixture[:start] if doctype is None else f"<?xml version='1.0'?>\n{doctype}\n".encode()
    )
    return prologue + fixture[start:].replace(b"</title>", f"{reference}</title>".encode(), 2)


@pytest.mark.parametrize(("path", "parse"), SHAPES)
@pytest.mark.parametrize(("doctype", "reference"), DOCTYPE_ATTACKS)
def test_internal_subsets_are_refused_in_every_shape(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse, doctype: str, reference: str
) -> None:
    """A DOCTYPE with an internal subset is refused before any declaration is read."""
    with pytest.raises(InvalidResponseError, match="feed refused: DTDForbidden"):
        parse(spliced(fixture_bytes(path), doctype, reference))


@pytest.mark.parametrize(("path", "parse"), SHAPES)
@pytest.mark.parametrize("reference", ["&eacute;", "&nbsp;", "&copy;", "&lol;"])
def test_undeclared_entities_are_refused_in_every_shape(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse, reference: str
) -> None:
    """A reference to an entity nothing declared (RSS 0.91's DTD would) is an error, not lost."""
    fixture = fixture_bytes(path)
    # Without a DOCTYPE expat itself calls it ill-formed; with one it asks pypins.
    message = "feed refused: UndeclaredEntity" if b"<!DOCTYPE" in fixture else "undefined entity"
    with pytest.raises(InvalidResponseError, match=message):
        parse(spliced(fixture, None, reference))


@pytest.mark.parametrize(("path", "parse"), SHAPES)
def test_fixtures_parse_unspliced(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse
) -> None:
    """The splicing alone (no DOCTYPE, no reference) leaves a feed that parses."""
    assert parse(spliced(fixture_bytes(path), "", ""))


def local_dtd_feed(system_id: str, reference: str = "") -> bytes:
    """A one-item feed whose DOCTYPE names ``system_id``."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "{system_id}">\n'
        '<rss version="0.91"><channel><item><title>pkg 1.0</title><link>u</link>'
        f"<description>d{reference}</description>"
        "<pubDate>09 Aug 2014 06:57:42 GMT</pubDate></item></channel></rss>"
    ).encode()


@pytest.fixture
def dtd_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local ``rss.dtd``, also reachable relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "rss.dtd"


def system_ids(dtd: Path) -> list[str]:
    """Ways a SYSTEM id can name ``dtd``."""
    return [dtd.as_uri(), str(dtd), dtd.name]


def test_a_local_dtd_is_never_read(dtd_path: Path) -> None:
    """A DOCTYPE naming a local file that is no DTD parses: the file is never read."""
    dtd_path.write_text("<<< not a DTD: reading this would be a syntax error\n")
    for system_id in system_ids(dtd_path):
        (entry,) = parse_latest_updates(local_dtd_feed(system_id))
        assert (entry.name, entry.description) == ("pkg", "d")


def test_entities_of_a_local_dtd_stay_undeclared(dtd_path: Path) -> None:
    """An entity declared only in the DOCTYPE's local DTD is refused as undeclared."""
    dtd_path.write_text('<!ENTITY leak "LEAKED">\n')
    for system_id in system_ids(dtd_path):
        with pytest.raises(InvalidResponseError, match="feed refused: UndeclaredEntity"):
            parse_latest_updates(local_dtd_feed(system_id, "&leak;"))


@pytest.mark.parametrize(
    "system_id",
    ["http://www.rssboard.org/rss-0.91.dtd", "https://pypi.org/rss.dtd", "ftp://example.org/x"],
)
def test_a_remote_dtd_is_never_fetched(system_id: str) -> None:
    """A remote DTD is not fetched (pytest-socket refuses any such connection)."""
    (entry,) = parse_latest_updates(local_dtd_feed(system_id))
    assert entry.name == "pkg"


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
    poller = ReleasePoller(poller_service.client(), poller_service.release_seen)
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

    poller = ReleasePoller(poller_service.client(), record)
    assert await poller.poll_once() == 0
    assert poller.failures == 0
    entries = parse_latest_updates(content)
    assert "django" in seen
    assert len(seen) == len({canonicalize_name(entry.name) for entry in entries})
    assert seen["boto3"] == entries[0].date.timestamp()
