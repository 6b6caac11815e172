"""``UsageReport`` and its helpers: windows of days, ranking, ratios, JSON data."""

from __future__ import annotations

from datetime import date

import pytest

from pypins.stats import UsageReport, UsageRow
from pypins.stats.report import rank, utc_day, window
from tests.stats.conftest import NOW, TODAY


@pytest.mark.parametrize(
    ("days", "first"),
    [
        (1, date(2027, 1, 15)),
        (2, date(2027, 1, 14)),
        (15, date(2027, 1, 1)),
        (16, date(2026, 12, 31)),
    ],
)
def test_window_ends_today_and_includes_it(days: int, first: date) -> None:
    """A window of ``days`` days is ``days`` dates long and ends on the given day."""
    assert window(TODAY, days) == (first, TODAY)


def test_window_of_no_days_is_refused() -> None:
    """Zero days is not a window."""
    with pytest.raises(ValueError, match="at least 1"):
        window(TODAY, 0)


@pytest.mark.parametrize(
    ("timestamp", "day"),
    [(NOW, TODAY), (NOW - 8 * 3600, TODAY), (NOW - 8 * 3600 - 0.001, date(2027, 1, 14))],
)
def test_utc_day(timestamp: float, day: date) -> None:
    """Days change at midnight UTC, whatever the local time zone."""
    assert utc_day(timestamp) == day


def test_rank_orders_by_requests_then_names() -> None:
    """Most requested first; ties by package, then kind; cut at ``limit``."""
    counts = [(("b", "v"), 2), (("a", "v"), 2), (("a", "l"), 2), (("c", "v"), 9), (("d", "v"), 1)]
    assert rank(counts, 4) == (
        UsageRow("c", "v", 9),
        UsageRow("a", "l", 2),
        UsageRow("a", "v", 2),
        UsageRow("b", "v", 2),
    )


@pytest.mark.parametrize(
    ("cache", "ratio"),
    [({}, None), ({"hit": 3, "stale": 1}, 0.75), ({"miss": 2}, 0.0), ({"hit": 1, "other": 5}, 1.0)],
)
def test_hit_ratio(cache: dict[str, int], ratio: float | None) -> None:
    """hits / (hits + stale + misses), None when nothing was looked up."""
    report = UsageReport(TODAY, TODAY, (), 0, 0, "sqlite", cache=cache)
    assert report.hit_ratio == ratio


def test_to_dict() -> None:
    """The JSON form has the window, the ranked rows, totals, ratio and upstreams."""
    report = UsageReport(
        first=date(2027, 1, 9),
        last=TODAY,
        rows=(UsageRow("requests", "v", 5), UsageRow("numpy", "l", 2)),
        total=9,
        distinct=3,
        source="redis",
        cache={"hit": 1, "miss": 1},
        upstream={"pypistats": 1, "pypi": 2},
    )
    assert report.to_dict() == {
        "from": "2027-01-09",
        "to": "2027-01-15",
        "days": 7,
        "source": "redis",
        "total": 9,
        "distinct": 3,
        "top": [
            {"rank": 1, "package": "requests", "kind": "v", "requests": 5},
            {"rank": 2, "package": "numpy", "kind": "l", "requests": 2},
        ],
        "cache": {"hit": 1, "stale": 0, "miss": 1},
        "hit_ratio": 0.5,
        "upstream": {"pypi": 2, "pypistats": 1},
        "upstream_requests": 3,
        "error": None,
        "skipped": 0,
    }


def test_empty_report() -> None:
    """An empty report covers its window and carries the reason."""
    report = UsageReport.empty(TODAY, 3, "redis", error="down")
    assert (report.first, report.last, report.days) == (date(2027, 1, 13), TODAY, 3)
    assert (report.rows, report.total, report.error) == ((), 0, "down")
