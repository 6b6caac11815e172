"""PyPI's RSS feeds parse into feed entries; hostile XML is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pypins.client._rss import parse_latest_updates, parse_newest_packages
from pypins.errors import InvalidResponseError


def _feed(*items: str, root: str = "rss") -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return f'<?xml version="1.0"?><{root} version="2.0"><channel>{body}</channel></{root}>'.encode()


DATE = "<pubDate>Sat, 21 Nov 2026 13:52:18 GMT</pubDate>"


def test_latest_updates_fixture(fixture_bytes: Callable[[str], bytes]) -> None:
    """Update titles split into name and version, as yarg does."""
    entries = parse_latest_updates(fixture_bytes("rss/updates.xml"))
    assert len(entries) == 8
    first = entries[0]
    assert (first.name, first.version) == ("django-filter", "26.2")
    assert first.url == "https://pypi.org/project/django-filter/26.2/"
    assert first.description
    assert first.description.startswith("Django-filter")
    assert first.author == "carlton.gibson@noumenal.es"
    assert first.date == datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)
    assert entries[2].description == (
        "Instrumentation Tools & Auto Instrumentation for OpenTelemetry Python"
    )
    assert entries[2].author is None
    no_description = next(e for e in entries if e.name == "pypins-placeholder")
    assert no_description.description is None
    assert no_description.version == "0.0.1.dev3"


def test_newest_packages_fixture(fixture_bytes: Callable[[str], bytes]) -> None:
    """Newest-package titles give the name; there is no version."""
    entries = parse_newest_packages(fixture_bytes("rss/packages.xml"))
    assert [e.name for e in entries] == [
        "pypins-example",
        "yarg-ng",
        "fastbadge",
        "Hello_World.Plugin",
        "cheese-shop",
    ]
    assert all(e.version is None for e in entries)
    assert entries[0].url == "https://pypi.org/project/pypins-example/"
    assert entries[2].description == "Badges <b>fast</b> & cheap."
    assert all(e.date.tzinfo is not None for e in entries)


def test_empty_channel() -> None:
    """A channel without items gives no entries."""
    assert parse_latest_updates(_feed()) == []


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 21 Nov 2026 13:52:18 GMT", datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)),
        (
            "Sat, 21 Nov 2026 15:52:18 +0200",
            datetime(2026, 11, 21, 15, 52, 18, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("Sat, 21 Nov 2026 13:52:18 -0000", datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)),
    ],
)
def test_dates_are_timezone_aware(date: str, expected: datetime) -> None:
    """RFC 822 dates become aware datetimes (``-0000`` means UTC)."""
    (entry,) = parse_latest_updates(
        _feed(f"<title>x 1</title><link>u</link><pubDate>{date}</pubDate>")
    )
    assert entry.date == expected
    assert entry.date.utcoffset() is not None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><item><title>&lol3; 1</title></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe; 1</title></item></channel></rss>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:1/rss.dtd">
<rss version="2.0"><channel></channel></rss>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd"> %remote;]>
<rss version="2.0"><channel></channel></rss>"""


@pytest.mark.parametrize(
    "content", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY]
)
@pytest.mark.parametrize("parse", [parse_latest_updates, parse_newest_packages])
def test_hostile_xml_is_refused(content: bytes, parse: Callable[[bytes], list[object]]) -> None:
    """DTDs, entity expansion and external entities raise InvalidResponseError."""
    with pytest.raises(InvalidResponseError, match="feed refused"):
        parse(content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not well-formed"),
        (b"<rss><channel>", "not well-formed"),
        (b"\xff\xfe<rss/>", "not well-formed"),
        (b'{"json": true}', "not well-formed"),
        (b"<rss version='2.0'/>", "without <channel>"),
        (_feed(root="feed"), "root <feed>"),
        (_feed(f"<link>u</link>{DATE}"), r"item\[0\].title: missing"),
        (_feed(f"<title>  </title><link>u</link>{DATE}"), r"item\[0\].title: missing"),
        (_feed(f"<title>x 1</title>{DATE}"), r"item\[0\].link: missing"),
        (_feed("<title>x 1</title><link>u</link>"), r"item\[0\].pubDate: missing"),
        (
            _feed("<title>x 1</title><link>u</link><pubDate>yesterday</pubDate>"),
            "not an RFC 822 date",
        ),
        (
            _feed(
                f"<title>x 1</title><link>u</link>{DATE}", f"<title>y</title><link>u</link>{DATE}"
            ),
            r"item\[1\].title: expected 'name version'",
        ),
    ],
)
def test_malformed_feeds(content: bytes, message: str) -> None:
    """Feeds that are not PyPI's RSS 2.0 raise InvalidResponseError naming the problem."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_latest_updates(content)


def test_newest_titles_need_only_a_name() -> None:
    """A newest-packages title of a single word is the name."""
    (entry,) = parse_newest_packages(_feed(f"<title>solo</title><link>u</link>{DATE}"))
    assert entry.name == "solo"
