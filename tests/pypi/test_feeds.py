"""PyPI's RSS feeds, in every shape PyPI has served, parse into feed entries.

The fixtures (``tests/fixtures/rss/``, written by ``scripts/derive_feeds.py`` from the
recorded JSON documents) are warehouse's RSS 2.0 of today, warehouse's RSS 0.91 with a
DOCTYPE (2018 to May 2020) and legacy PyPI's RSS 0.91 with another DOCTYPE. Hostile
documents are in ``test_feed_attacks.py`` (and, read by the clients, in
``tests/client/test_rss_attacks.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pypins.errors import InvalidResponseError
from pypins.pypi import (
    FeedEntry,
    parse_latest_updates,
    parse_newest_packages,
    parse_project_releases,
)

Parse = Callable[[bytes], list[FeedEntry]]

#: Every fixture, the parser of its feed and its number of items.
FIXTURES: list[tuple[str, Parse, int]] = [
    ("rss/updates.xml", parse_latest_updates, 100),
    ("rss/doctype/updates.xml", parse_latest_updates, 24),
    ("rss/pypi-legacy/updates.xml", parse_latest_updates, 24),
    ("rss/packages.xml", parse_newest_packages, 32),
    ("rss/doctype/packages.xml", parse_newest_packages, 32),
    ("rss/pypi-legacy/packages.xml", parse_newest_packages, 32),
    ("rss/project-requests-releases.xml", parse_project_releases, 40),
]
PARSERS = {path: parse for path, parse, _ in FIXTURES}

AWS = "The AWS SDK for Python (Boto3)"
BOTO3 = datetime(2026, 11, 17, 20, 24, 21, tzinfo=UTC)
TOMLI = datetime(2021, 5, 27, 22, 30, 12, tzinfo=UTC)
OTEL = "Instrumentation Tools & Auto Instrumentation for OpenTelemetry Python"
OTEL_RELEASED = datetime(2026, 10, 29, 17, 37, 6, tzinfo=UTC)
DJANGO = "A high-level Python web framework that encourages rapid development and clean, pragmatic design."  # noqa: E501
DJANGO_RELEASED = datetime(2026, 11, 3, 15, 21, 19, tzinfo=UTC)

#: Entries expected in a fixture: the first one, then those the tests below rely on.
EXPECTED: list[tuple[str, FeedEntry]] = [
    # The newest release first; boto3 gives no author email.
    *[
        (path, FeedEntry("boto3", "1.44.5", "https://pypi.org/project/boto3/1.44.5/", AWS, BOTO3))
        for path in ("rss/updates.xml", "rss/doctype/updates.xml")
    ],
    (
        "rss/pypi-legacy/updates.xml",
        FeedEntry("boto3", "1.44.5", "http://pypi.python.org/pypi/boto3/1.44.5", AWS, BOTO3),
    ),
    # A display name whose link is normalised by warehouse, not by legacy PyPI.
    *[
        (
            path,
            FeedEntry(
                "Django",
                "6.1.3",
                "https://pypi.org/project/django/6.1.3/",
                DJANGO,
                DJANGO_RELEASED,
                "foundation@djangoproject.com",
            ),
        )
        for path in ("rss/updates.xml", "rss/doctype/updates.xml")
    ],
    (
        "rss/pypi-legacy/updates.xml",
        FeedEntry(
            "Django", "6.1.3", "http://pypi.python.org/pypi/Django/6.1.3", DJANGO, DJANGO_RELEASED
        ),
    ),
    # A prerelease; an escaped "&" in the summary.
    *[
        (
            path,
            FeedEntry(
                "opentelemetry-instrumentation",
                "0.66b2",
                "https://pypi.org/project/opentelemetry-instrumentation/0.66b2/",
                OTEL,
                OTEL_RELEASED,
                "cncf-opentelemetry-contributors@lists.cncf.io",
            ),
        )
        for path in ("rss/updates.xml", "rss/doctype/updates.xml")
    ],
    (
        "rss/pypi-legacy/updates.xml",
        FeedEntry(
            "opentelemetry-instrumentation",
            "0.66b2",
            "http://pypi.python.org/pypi/opentelemetry-instrumentation/0.66b2",
            OTEL,
            OTEL_RELEASED,
        ),
    ),
    # Dots in a name: kept in the title, normalised in warehouse's link.
    (
        "rss/updates.xml",
        FeedEntry(
            "zope.interface",
            "8.7",
            "https://pypi.org/project/zope-interface/8.7/",
            "Interfaces for Python",
            datetime(2026, 10, 15, 7, 23, 45, tzinfo=UTC),
            "zope-dev@zope.dev",
        ),
    ),
    # The newest project first; "'" escaped as &#39; by warehouse, left as is by legacy.
    *[
        (
            path,
            FeedEntry(
                "tomli",
                None,
                "https://pypi.org/project/tomli/",
                "A lil' TOML parser",
                TOMLI,
                "hukkin@users.noreply.github.com",
            ),
        )
        for path in ("rss/packages.xml", "rss/doctype/packages.xml")
    ],
    (
        "rss/pypi-legacy/packages.xml",
        FeedEntry("tomli", None, "http://pypi.python.org/pypi/tomli", "A lil' TOML parser", TOMLI),
    ),
    # Two authors, comma separated; a quoted display name with commas, dropped.
    *[
        (
            path,
            FeedEntry(
                "PythonSLM",
                None,
                "https://pypi.org/project/pythonslm/",
                "Python Package for Additive Manufacturing and 3D Printing Development",
                datetime(2020, 5, 8, 17, 48, 30, tzinfo=UTC),
                "dev@lukeparry.uk, contact@luktug.co.uk",
            ),
        )
        for path in ("rss/packages.xml", "rss/doctype/packages.xml")
    ],
    (
        "rss/packages.xml",
        FeedEntry(
            "typing-extensions",
            None,
            "https://pypi.org/project/typing-extensions/",
            "Backported and Experimental Type Hints for Python 3.9+",
            datetime(2017, 9, 17, 12, 25, 17, tzinfo=UTC),
            "levkivskyi@gmail.com",
        ),
    ),
    (
        "rss/pypi-legacy/packages.xml",
        FeedEntry(
            "zope.interface",
            None,
            "http://pypi.python.org/pypi/zope.interface",
            "Interfaces for Python",
            datetime(2007, 1, 3, 16, 19, 54, tzinfo=UTC),
        ),
    ),
    # An empty author email gives no author.
    (
        "rss/packages.xml",
        FeedEntry(
            "sklearn",
            None,
            "https://pypi.org/project/sklearn/",
            "deprecated sklearn package, use scikit-learn instead",
            datetime(2015, 7, 15, 14, 17, 46, tzinfo=UTC),
        ),
    ),
    # The project's feed: the name from the channel, the version from the item.
    (
        "rss/project-requests-releases.xml",
        FeedEntry(
            "requests",
            "2.34.2",
            "https://pypi.org/project/requests/2.34.2/",
            "Python HTTP for Humans.",
            datetime(2026, 5, 14, 19, 25, 26, tzinfo=UTC),
            "me@kennethreitz.org",
        ),
    ),
]


def _feed(*items: str, root: str = "rss", title: str = "PyPI recent updates") -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        f'<?xml version="1.0"?><{root} version="2.0"><channel><title>{title}</title>'
        f"{body}</channel></{root}>"
    ).encode()


DATE = "<pubDate>Sat, 21 Nov 2026 13:52:18 GMT</pubDate>"
ITEM = f"<title>x 1</title><link>u</link>{DATE}"


@pytest.mark.parametrize(("path", "parse", "count"), FIXTURES)
def test_every_fixture_parses(
    fixture_bytes: Callable[[str], bytes], path: str, parse: Parse, count: int
) -> None:
    """Each fixture gives all its items, newest first, with aware dates and a link."""
    entries = parse(fixture_bytes(path))
    assert len(entries) == count
    assert all(entry.date.utcoffset() == timedelta(0) for entry in entries)
    assert [entry.date for entry in entries] == sorted((e.date for e in entries), reverse=True)
    assert all(
        entry.url.startswith(("https://pypi.org/", "http://pypi.python.org/")) for entry in entries
    )
    assert all(entry.description for entry in entries)


@pytest.mark.parametrize(("path", "expected"), EXPECTED)
def test_fixture_entries(
    fixture_bytes: Callable[[str], bytes], path: str, expected: FeedEntry
) -> None:
    """Names, versions, links, summaries, dates and authors come out as PyPI wrote them."""
    entries = PARSERS[path](fixture_bytes(path))
    assert expected in entries


@pytest.mark.parametrize(
    ("current", "older"),
    [
        ("rss/updates.xml", "rss/doctype/updates.xml"),
        ("rss/updates.xml", "rss/pypi-legacy/updates.xml"),
        ("rss/packages.xml", "rss/doctype/packages.xml"),
        ("rss/packages.xml", "rss/pypi-legacy/packages.xml"),
    ],
)
def test_shapes_agree(fixture_bytes: Callable[[str], bytes], current: str, older: str) -> None:
    """The older shapes of the same data give the same names, versions and dates."""
    parse = PARSERS[current]
    newer = [(e.name, e.version, e.date) for e in parse(fixture_bytes(current))]
    older_entries = [(e.name, e.version, e.date) for e in parse(fixture_bytes(older))]
    assert older_entries == newer[: len(older_entries)]


def test_legacy_feeds_name_no_author(fixture_bytes: Callable[[str], bytes]) -> None:
    """Legacy PyPI's feeds carried no ``<author>``."""
    for path in ("rss/pypi-legacy/updates.xml", "rss/pypi-legacy/packages.xml"):
        assert all(entry.author is None for entry in PARSERS[path](fixture_bytes(path)))


def test_project_releases_fixture(fixture_bytes: Callable[[str], bytes]) -> None:
    """Every entry of a project's feed is named after the channel's project."""
    entries = parse_project_releases(fixture_bytes("rss/project-requests-releases.xml"))
    assert {entry.name for entry in entries} == {"requests"}
    assert [entry.version for entry in entries[:3]] == ["2.34.2", "2.34.1", "2.34.0"]
    assert all(entry.url.endswith(f"/requests/{entry.version}/") for entry in entries)


@pytest.mark.parametrize("name", ["requests", "Requests", "REQUESTS"])
def test_project_releases_of_the_named_project(
    fixture_bytes: Callable[[str], bytes], name: str
) -> None:
    """A feed of the project asked for, by any spelling of its name, is accepted."""
    content = fixture_bytes("rss/project-requests-releases.xml")
    assert parse_project_releases(content, name) == parse_project_releases(content)


def test_empty_channel() -> None:
    """A channel without items gives no entries."""
    assert parse_latest_updates(_feed()) == []


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 21 Nov 2026 13:52:18 GMT", datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)),
        ("21 Nov 2026 13:52:18 GMT", datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)),
        ("09 Aug 2014 06:57:42 GMT", datetime(2014, 8, 9, 6, 57, 42, tzinfo=UTC)),
        (
            "Sat, 21 Nov 2026 15:52:18 +0200",
            datetime(2026, 11, 21, 15, 52, 18, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("Sat, 21 Nov 2026 13:52:18 -0000", datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)),
    ],
)
def test_dates_are_timezone_aware(date: str, expected: datetime) -> None:
    """RFC 822 dates, with or without the weekday, become aware datetimes (-0000 is UTC)."""
    (entry,) = parse_latest_updates(
        _feed(f"<title>x 1</title><link>u</link><pubDate>{date}</pubDate>")
    )
    assert entry.date == expected
    assert entry.date.utcoffset() is not None


@pytest.mark.parametrize(
    "prologue",
    [
        "",
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://www.rssboard.org/rss-0.91.dtd">',
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">',
        '<!DOCTYPE rss SYSTEM "http://www.rssboard.org/rss-0.91.dtd">',
        '<!DOCTYPE rss SYSTEM "rss-0.91.dtd">',
        "<!DOCTYPE rss>",
        '<!-- a comment --><!DOCTYPE rss SYSTEM "rss.dtd"><?pi data?>',
    ],
)
@pytest.mark.parametrize("version", ["0.91", "2.0"])
def test_doctypes_without_internal_subset_are_accepted(prologue: str, version: str) -> None:
    """A DOCTYPE naming only an external DTD (never read) is accepted, in RSS 0.91 and 2.0."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prologue}\n<rss version="{version}">'
        f"<channel><item>{ITEM}<description>d &amp; &#233;</description></item></channel></rss>"
    ).encode()
    (entry,) = parse_latest_updates(content)
    assert (entry.name, entry.version, entry.description) == ("x", "1", "d & \u00e9")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not well-formed"),
        (b"<rss><channel>", "not well-formed"),
        (b"\xff\xfe<rss/>", "not well-formed"),
        (b'{"json": true}', "not well-formed"),
        (b"<rss version='2.0'/>", r"expected <rss> \(version 0.91 or 2.0\) with a <channel>"),
        (b"<rss version='2.0'/>", "got <rss> without <channel>"),
        (_feed(root="feed"), "got root <feed>"),
        (b'<rdf:RDF xmlns:rdf="urn:r"/>', "got root <{urn:r}RDF>"),
        (_feed(f"<link>u</link>{DATE}"), r"item\[0\].title: missing"),
        (_feed(f"<title>  </title><link>u</link>{DATE}"), r"item\[0\].title: missing"),
        (_feed(f"<title>x 1</title>{DATE}"), r"item\[0\].link: missing"),
        (_feed("<title>x 1</title><link>u</link>"), r"item\[0\].pubDate: missing"),
        (
            _feed("<title>x 1</title><link>u</link><pubDate>yesterday</pubDate>"),
            "not an RFC 822 date: 'yesterday'",
        ),
        (
            _feed(ITEM, f"<title>y</title><link>u</link>{DATE}"),
            r"item\[1\].title: expected 'name version', got 'y'",
        ),
    ],
)
def test_malformed_feeds(content: bytes, message: str) -> None:
    """Feeds that are not PyPI's RSS raise InvalidResponseError naming the problem."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_latest_updates(content)


PROJECT_TITLE = "PyPI recent updates for requests"
VERSION_ITEM = f"<title>2.34.2</title><link>u</link>{DATE}"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (_feed(VERSION_ITEM, title="PyPI recent updates"), None, "channel.title: expected"),
        (_feed(VERSION_ITEM, title="PyPI recent updates for "), None, "channel.title"),
        (_feed(VERSION_ITEM, title="PyPI recent updates for a b"), None, "channel.title"),
        (_feed(VERSION_ITEM, title="PyPI recent updates for -x-"), None, "channel.title"),
        (_feed(VERSION_ITEM, title="Recent updates for requests"), None, "channel.title"),
        (_feed(VERSION_ITEM, title=""), None, "got ''"),
        (_feed(VERSION_ITEM, title=PROJECT_TITLE), "six", "feed is for project 'requests'"),
        (
            _feed(f"<title>requests 2.34.2</title><link>u</link>{DATE}", title=PROJECT_TITLE),
            None,
            r"item\[0\].title: expected a version, got 'requests 2.34.2'",
        ),
        (_feed(f"<link>u</link>{DATE}", title=PROJECT_TITLE), None, r"item\[0\].title: missing"),
    ],
)
def test_malformed_project_feeds(content: bytes, name: str | None, message: str) -> None:
    """A project feed needs its channel title, the project asked for and version titles."""
    with pytest.raises(InvalidResponseError, match=message):
        parse_project_releases(content, name)


def test_project_feed_with_a_normalised_spelling() -> None:
    """The channel's spelling of the name is kept; the one asked for may differ."""
    content = _feed(VERSION_ITEM, title="PyPI recent updates for zope.interface")
    (entry,) = parse_project_releases(content, "Zope_Interface")
    assert (entry.name, entry.version) == ("zope.interface", "2.34.2")


def test_newest_titles_need_only_a_name() -> None:
    """A newest-packages title of a single word is the name."""
    (entry,) = parse_newest_packages(_feed(f"<title>solo</title><link>u</link>{DATE}"))
    assert entry.name == "solo"


def test_long_values_are_cut_in_messages() -> None:
    """An error message quotes at most 60 characters of a bad value."""
    with pytest.raises(InvalidResponseError) as caught:
        parse_latest_updates(_feed(f"<title>{'x' * 1000}</title><link>u</link>{DATE}"))
    assert len(str(caught.value)) < 150
