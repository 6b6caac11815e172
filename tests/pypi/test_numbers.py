"""Numbers no ``int()`` takes, and other values past what a reader expects, in every
upstream document: the readers raise ``InvalidResponseError`` for a required field and
leave an optional one out, never ``ValueError`` or ``OverflowError``.

``HUGE`` has more digits than Python's default int-string limit (4,300), the bound
``max_number_digits()`` reads when the interpreter sets none.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Any

import pytest

from pypins.errors import InvalidResponseError
from pypins.pypi import (
    ProjectDocument,
    _parse,
    check_project_answer,
    highest_version,
    holds_huge_number,
    max_number_digits,
    parse_latest_updates,
    parse_package,
    parse_simple_project,
    parse_stats,
    releases_from_simple,
)

HUGE = "9" * 5000
Loader = Callable[[str], dict[str, Any]]

LIMIT = max_number_digits()


@pytest.mark.parametrize(
    ("text", "huge"),
    [
        ("1.0", False),
        ("9" * LIMIT, False),
        ("9" * (LIMIT + 1), True),
        ("3." + HUGE, True),
        (("1." * 400) + "0", False),
        ("x" * 10_000, False),
        ("\u0661" * (LIMIT + 1), True),
    ],
    ids=["short", "at-bound", "past-bound", "huge", "many-short", "no-digits", "other-script"],
)
def test_holds_huge_number(text: str, huge: bool) -> None:
    """Only a run of digits (any script's, as ``int()`` reads them) past the bound."""
    assert holds_huge_number(text) is huge


@pytest.mark.parametrize(("setting", "limit"), [(640, 640), (10_000, 10_000), (0, 4300)])
def test_the_bound_is_the_interpreters_int_limit(setting: int, limit: int) -> None:
    """The bound follows ``sys.set_int_max_str_digits``; with the limit off, Python's
    default (past it, ``int()`` takes time quadratic in the digits)."""
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(setting)
    try:
        assert max_number_digits() == limit
        assert holds_huge_number("9" * (limit + 1))
        assert not holds_huge_number("9" * limit)
    finally:
        sys.set_int_max_str_digits(before)


def with_info(document: dict[str, Any], **info: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["info"].update(info)
    return changed


def test_a_release_past_the_bound_is_invalid(pypi_document: Loader) -> None:
    """``info.version`` is required: a number past the bound makes the document invalid,
    for the client and for the check of what was asked alike."""
    document = with_info(pypi_document("six"), version="1." + HUGE)
    with pytest.raises(InvalidResponseError, match=r"info\.version: a number of more than"):
        parse_package(document)
    with pytest.raises(InvalidResponseError, match=r"info\.version"):
        check_project_answer(document, "six", "1.0")


def test_requires_python_past_the_bound_is_left_out(pypi_document: Loader) -> None:
    """``requires_python`` (the project's and each file's) is optional: left out."""
    document = with_info(pypi_document("six"), requires_python=">=3." + HUGE)
    for file in document["urls"]:
        file["requires_python"] = "!=3." + HUGE
    package = parse_package(document)
    assert package.requires_python is None
    assert {file.requires_python for file in package.latest_release} == {None}


def test_release_keys_past_the_bound_are_never_the_highest(pypi_document: Loader) -> None:
    """A release whose key is no version ``int()`` takes is kept as the text it is, and
    is never the highest release."""
    document = copy.deepcopy(pypi_document("six"))
    document["releases"]["1." + HUGE] = copy.deepcopy(document["urls"])
    assert "1." + HUGE in parse_package(document).releases
    assert ProjectDocument(document).highest_live_release() == "1.17.0"
    assert highest_version(["1.0", "1." + HUGE, "2." + HUGE + "rc1"]) == "1.0"


@pytest.mark.parametrize(
    "moment",
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9" * 5000, "2026-13-01"],
)
def test_upload_times_past_what_a_datetime_holds_are_invalid(
    pypi_document: Loader, moment: str
) -> None:
    """An upload time no UTC datetime holds is invalid data, not an OverflowError."""
    document = copy.deepcopy(pypi_document("six"))
    document["urls"][0]["upload_time_iso_8601"] = moment
    with pytest.raises(InvalidResponseError, match="upload_time"):
        parse_package(document)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"info": {"name": "six", "version": "1.0"}, "last_serial": ' + HUGE.encode() + b"}",
        b'{"info": {"name": "six", "version": "1.0"}, "last_serial": 1e400}',
        b'{"info": {"name": "six", "version": "1.0"}, "last_serial": 18446744073709551616}',
        b'{"info": {"name": "six", "version": "1.0"}, "last_serial": -1e30}',
        b'{"info": {"name": "six", "version": "1.0"}, "urls": [{"size": 1e400}]}',
    ],
    ids=["huge-integer", "overflowing-float", "past-64-bits", "negative-float", "huge-size"],
)
def test_numbers_json_cannot_hold_are_invalid(raw: bytes) -> None:
    """Integers past 64 bits and numbers past a double are refused by the reader."""
    with pytest.raises(InvalidResponseError):
        parse_package(raw)


# The Simple API


def simple_page(**changes: Any) -> dict[str, Any]:
    page: dict[str, Any] = {
        "meta": {"api-version": "1.4", "_last-serial": 1},
        "name": "demo",
        "versions": ["1.0"],
        "files": [
            {
                "filename": "demo-1.0.tar.gz",
                "url": "https://files.example/demo-1.0.tar.gz",
                "hashes": {},
                "requires-python": ">=3.9",
                "size": 10,
                "upload-time": "2026-01-01T00:00:00Z",
            }
        ],
    }
    page.update(changes)
    return page


def test_a_simple_page_with_numbers_past_the_bound() -> None:
    """Versions, file names and specifiers past the bound are kept as text or left out;
    the page is read and its releases rebuilt without an exception."""
    file = dict(simple_page()["files"][0])
    file.update(filename=f"demo-1.{HUGE}.tar.gz", **{"requires-python": ">=3." + HUGE})
    page = simple_page(versions=["1.0", "1." + HUGE], files=[*simple_page()["files"], file])
    project = parse_simple_project(page, "demo")
    assert project.files[1].requires_python is None
    releases = releases_from_simple(project)
    assert [file.filename for file in releases["1." + HUGE]] == [f"demo-1.{HUGE}.tar.gz"]
    assert highest_version(project.versions) == "1.0"


@pytest.mark.parametrize(
    ("meta", "refusal"),
    [
        ('{"api-version": "1.4", "_last-serial": ' + HUGE + "}", "not valid JSON"),
        ('{"api-version": "1.4", "_last-serial": 1e400}', "not valid JSON"),
        ('{"api-version": "1.' + HUGE + '"}', None),
        ('{"api-version": "' + HUGE + '"}', "is not 1.x"),
    ],
    ids=["huge-serial", "overflowing-serial", "huge-minor-version", "huge-major-version"],
)
def test_simple_pages_with_odd_numbers(meta: str, refusal: str | None) -> None:
    """A serial JSON cannot hold is refused; an API version is compared as text."""
    raw = ('{"meta": ' + meta + ', "name": "demo"}').encode()
    if refusal is None:
        assert parse_simple_project(raw, "demo").name == "demo"
    else:
        with pytest.raises(InvalidResponseError, match=refusal):
            parse_simple_project(raw, "demo")


# pypistats


@pytest.mark.parametrize(
    "count",
    [HUGE, "1e400", "18446744073709551616", "1.5", '"12"', "true", "null"],
)
def test_download_counts_that_are_no_count(count: str) -> None:
    """Counts past 64 bits, past a double, fractional or of another type are refused
    (null reads as unknown)."""
    raw = (
        '{"data": {"last_day": ' + count + ', "last_week": 1, "last_month": 1}, '
        '"package": "demo", "type": "recent_downloads"}'
    ).encode()
    if count == "null":
        assert parse_stats(raw, "demo").day == -1
        return
    with pytest.raises(InvalidResponseError):
        parse_stats(raw, "demo")


# Feeds


@pytest.mark.parametrize(
    "date",
    [
        "Sat, 21 Nov 2026 13:52:18 " + "9" * 400,
        "Sat, 21 Nov " + HUGE + " 13:52:18 GMT",
        "Sat, 21 Nov 99999 13:52:18 GMT",
        "Sat, 21 Nov 2026 99:99:99 GMT",
    ],
    ids=["huge-offset", "huge-year", "year-past-9999", "hour-past-23"],
)
def test_feed_dates_past_what_a_datetime_holds(date: str) -> None:
    """A publication date no datetime holds is invalid data, not an OverflowError."""
    feed = (
        "<rss version='2.0'><channel><item><title>demo 1.0</title>"
        f"<link>https://pypi.org/project/demo/1.0/</link><pubDate>{date}</pubDate>"
        "</item></channel></rss>"
    ).encode()
    with pytest.raises(InvalidResponseError, match="pubDate"):
        parse_latest_updates(feed)


def test_a_feed_version_past_the_bound_is_kept_as_text() -> None:
    """A feed's versions are texts: nothing reads them as numbers."""
    feed = (
        f"<rss version='2.0'><channel><item><title>demo 1.{HUGE}</title>"
        "<link>https://pypi.org/project/demo/</link>"
        "<pubDate>Sat, 21 Nov 2026 13:52:18 GMT</pubDate></item></channel></rss>"
    ).encode()
    assert parse_latest_updates(feed)[0].version == "1." + HUGE


def test_the_release_string_cache_keeps_no_long_keys() -> None:
    """Long release strings are parsed without being remembered: the cache holds its
    keys, and an upstream's keys are as long as it likes."""
    _parse._remembered_version.cache_clear()
    highest_version(["1.0", "1.0." + "0" * _parse.VERSION_CACHE_KEY_LENGTH])
    assert _parse._remembered_version.cache_info().currsize == 1
