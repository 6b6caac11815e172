"""Text and colour formatters, ported case by case from shields' formatter specs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pypins.badges.formatting import (
    addv,
    age_color,
    download_count_color,
    elapsed_days,
    floor_count_color,
    intword,
    metric,
    pep440_version_color,
    relative_age,
)

# shields' text-formatters.spec.js, metric().
METRIC_CASES = [
    (0, "0"),
    (999, "999"),
    (1000, "1k"),
    (1100, "1.1k"),
    (10100, "10k"),
    (999499, "999k"),
    (999500, "1M"),
    (1100000, "1.1M"),
    (1578896212, "1.6G"),
    (20000000000, "20G"),
    (15788962120, "16G"),
    (9949999999999, "9.9T"),
    (9950000000001, "10T"),
    (4000000000000001, "4P"),
    (4200000000000001, "4.2P"),
    (7100700010058000200, "7.1E"),
    (71007000100580002000, "71E"),
    (1000000000000000000000, "1Z"),
    (1100000000000000000000, "1.1Z"),
    (2222222222222222222222222, "2.2Y"),
    (22222222222222222222222222, "22Y"),
]


@pytest.mark.parametrize(("count", "expected"), METRIC_CASES)
def test_metric_matches_shields(count: int, expected: str) -> None:
    """Positive counts format exactly as shields' spec states."""
    assert metric(count) == expected


@pytest.mark.parametrize(("count", "expected"), [(-n, f"-{m}") for n, m in METRIC_CASES if n])
def test_metric_of_negative_counts(count: int, expected: str) -> None:
    """Negative counts mirror the positive ones with a minus sign."""
    assert metric(count) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1049, "1k"),
        (1050, "1.1k"),
        (1250, "1.3k"),
        (1350, "1.4k"),
        (9949, "9.9k"),
        (9950, "9.9k"),  # 9.95 is 9.9499... as a double; JavaScript gives 9.9 too
        (9951, "10k"),
        (10499, "10k"),
        (10500, "11k"),
        (999_999, "1M"),
        (1_000_000, "1M"),
        (1_050_000, "1.1M"),
        (1_250_000, "1.3M"),
        (10**27, "1000Y"),
        (2.5, "2.5"),
        (3.0, "3"),
    ],
)
def test_metric_boundaries_round_halves_up(count: float, expected: str) -> None:
    """Exact halves round up (JavaScript's ``toFixed``/``Math.round``), not to even."""
    assert metric(count) == expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("9", "v9"),
        ("0.1", "v0.1"),
        ("1.0.0", "v1.0.0"),
        ("v0.6", "v0.6"),
        ("hello", "hello"),
        ("2017-05-05-Release-2.3.17", "2017-05-05-Release-2.3.17"),
        ("", "v"),
    ],
)
def test_addv_matches_shields(version: str, expected: str) -> None:
    """``v`` is added unless the version starts with v or a non-digit, or holds a date."""
    assert addv(version) == expected


@pytest.mark.parametrize(
    "version", ["1.0.1", "v2.1.6", "1.0.1+abcd", "1.0", "v1", "9", "1.0.post1", "0"]
)
def test_pep440_stable_versions_are_blue(version: str) -> None:
    """Final releases from 1 on are blue (shields' pep440VersionColor spec)."""
    assert pep440_version_color(version) == "blue"


@pytest.mark.parametrize(
    "version",
    [
        "1.0.1-rc1",
        "1.0.1rc1",
        "1.0.0-Beta",
        "1.0.0Beta",
        "1.1.0-alpha",
        "1.1.0alpha",
        "1.0.1-dev",
        "1.0.1dev",
        "2.1.6-b1",
        "2.1.6b1",
        "0.1.0",
        "v0.1.0",
        "v2.1.6-b1",
        "0.1.0+abcd",
        "2.1.6-b1+abcd",
        "0.0.0",
        "0.1",
        "0.9",
    ],
)
def test_pep440_prereleases_and_zero_versions_are_orange(version: str) -> None:
    """Pre-releases, dev releases and 0.x are orange (shields' spec)."""
    assert pep440_version_color(version) == "orange"


@pytest.mark.parametrize("version", ["6.0.0-SNAPSHOT", "2.1.6-prerelease", "cheese", "true", ""])
def test_pep440_invalid_versions_are_lightgrey(version: str) -> None:
    """Versions that are not PEP 440 are lightgrey (shields' spec)."""
    assert pep440_version_color(version) == "lightgrey"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (-1, "red"),
        (0, "red"),
        (1, "yellow"),
        (9, "yellow"),
        (10, "yellowgreen"),
        (99, "yellowgreen"),
        (100, "green"),
        (999, "green"),
        (1000, "brightgreen"),
        (10**9, "brightgreen"),
    ],
)
def test_download_count_colours(count: int, expected: str) -> None:
    """shields' ``downloadCount``: floors at 10, 100 and 1000."""
    assert download_count_color(count) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "red"),
        (0, "red"),
        (0.5, "yellow"),
        (1, "yellow"),
        (50, "yellow"),
        (80, "yellowgreen"),
        (85, "yellowgreen"),
        (90, "green"),
        (100, "brightgreen"),
        (101, "brightgreen"),
    ],
)
def test_floor_count_colours_match_shields(value: float, expected: str) -> None:
    """``floorCount`` with coverage floors, as shields' colorScale parity spec."""
    assert floor_count_color(value, 80, 90, 100) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-3, "brightgreen"),
        (3, "brightgreen"),
        (6, "brightgreen"),
        (7, "green"),
        (10, "green"),
        (29, "green"),
        (30, "yellowgreen"),
        (60, "yellowgreen"),
        (180, "yellow"),
        (250, "yellow"),
        (365, "orange"),
        (400, "orange"),
        (730, "red"),
        (800, "red"),
    ],
)
def test_age_colours_match_shields(days: int, expected: str) -> None:
    """shields' reversed colour scale on 7, 30, 180, 365 and 730 days."""
    assert age_color(days) == expected


NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (timedelta(0), "a few seconds ago"),
        (timedelta(seconds=44), "a few seconds ago"),
        (timedelta(seconds=45), "a minute ago"),
        (timedelta(seconds=89), "a minute ago"),
        (timedelta(seconds=90), "2 minutes ago"),
        (timedelta(minutes=44), "44 minutes ago"),
        (timedelta(minutes=45), "an hour ago"),
        (timedelta(minutes=89), "an hour ago"),
        (timedelta(minutes=90), "2 hours ago"),
        (timedelta(hours=21), "21 hours ago"),
        (timedelta(hours=22), "a day ago"),
        (timedelta(hours=35), "a day ago"),
        (timedelta(hours=36), "2 days ago"),
        (timedelta(days=25), "25 days ago"),
        (timedelta(days=26), "a month ago"),
        (timedelta(days=45), "a month ago"),
        (timedelta(days=46), "2 months ago"),
        (timedelta(days=319), "10 months ago"),
        (timedelta(days=320), "a year ago"),
        (timedelta(days=547), "a year ago"),
        (timedelta(days=548), "2 years ago"),
        (timedelta(days=3650), "10 years ago"),
        (timedelta(days=-2), "a few seconds ago"),
    ],
)
def test_relative_age_uses_moment_thresholds(elapsed: timedelta, expected: str) -> None:
    """Ages read like moment's ``fromNow`` (shields' ``formatRelativeDate``)."""
    assert relative_age(NOW - elapsed, NOW) == expected


def test_relative_age_reads_naive_datetimes_as_utc() -> None:
    """Naive datetimes are taken to be UTC."""
    then = datetime(2018, 10, 1)
    now = datetime(2018, 10, 29)
    assert relative_age(then, now) == "a month ago"
    assert elapsed_days(then, now) == 28


@pytest.mark.parametrize(
    ("elapsed", "days"),
    [(timedelta(hours=23), 0), (timedelta(hours=25), 1), (timedelta(days=-1.5), -1)],
)
def test_elapsed_days_truncate(elapsed: timedelta, days: int) -> None:
    """Whole days are truncated towards zero."""
    assert elapsed_days(NOW - elapsed, NOW) == days


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1k"),
        (1200, "1.2k"),
        (12345, "12.3k"),
        (999_949, "999.9k"),
        (999_950, "1M"),
        (1_234_567, "1.2M"),
        (36_123_456, "36.1M"),
        (999_950_000, "1B"),
        (4_500_000_000, "4.5B"),
        (5_000_000_000_000, "5000B"),
    ],
)
def test_intword_is_pypipins_format(count: int, expected: str) -> None:
    """pypip.in's counts: k, M and B with one decimal, ``.0`` dropped."""
    assert intword(count) == expected
