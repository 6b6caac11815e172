"""The ``/stats`` page and ``/stats.json``, rendered from reports."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from pypins.stats import UsageReport, UsageRow
from pypins.web.stats_pages import WINDOWS, content_security_policy, stats_html, stats_json

TODAY = date(2027, 1, 15)


@pytest.fixture
def report() -> UsageReport:
    """Seven days with two rows, cache results and upstream requests."""
    return UsageReport(
        first=date(2027, 1, 9),
        last=TODAY,
        rows=(UsageRow("requests", "v", 12_345), UsageRow("numpy", "pypip.in/v", 7)),
        total=20_000,
        distinct=40,
        source="redis",
        cache={"hit": 900, "stale": 50, "miss": 50},
        upstream={"pypi": 49, "pypistats": 1},
    )


class _Collector(HTMLParser):
    """The text of the page, its tags with attributes, and its inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def _parse(page: bytes) -> _Collector:
    collector = _Collector()
    collector.feed(page.decode())
    return collector


def _text(page: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(_parse(page).text))


def test_the_page_shows_the_ranked_rows_and_totals(report: UsageReport) -> None:
    """Rank, package, kind and requests per row; totals, hit ratio and upstreams above."""
    text = _text(stats_html(report, 7))
    assert "The 2 most-requested badges of the last 7 days (2027-01-09 to 2027-01-15, UTC)" in text
    assert "1 requests v 12,345" in text
    assert "2 numpy pypip.in/ v 7" in text  # a <wbr> after the slash
    assert "20,000 badge requests for 40 different badges" in text
    assert "cache hit ratio 90.0% (hit 900, stale 50, miss 50)" in text
    assert "50 upstream requests (pypi 49, pypistats 1)" in text


def test_the_page_is_accessible(report: UsageReport) -> None:
    """Language, title, a caption, column headers with scope, the current window marked."""
    page = stats_html(report, 7)
    parsed = _parse(page)
    tags = [tag for tag, _ in parsed.tags]
    assert page.startswith(b"<!doctype html>")
    assert ("html", {"lang": "en"}) in parsed.tags
    assert {"title", "main", "caption", "thead", "tbody"} <= set(tags)
    headers = [attrs for tag, attrs in parsed.tags if tag == "th"]
    assert len(headers) == 4
    assert all(attrs.get("scope") == "col" for attrs in headers)
    links = {attrs.get("href"): attrs for tag, attrs in parsed.tags if tag == "a"}
    assert [f"?days={days}" in links for days in WINDOWS] == [True] * len(WINDOWS)
    assert "aria-current" in links["?days=7"]
    assert "aria-current" not in links["?days=30"]
    assert "/stats.json?days=7" in links


@pytest.mark.parametrize("days", [1, 7, 30])
def test_the_window_is_named(report: UsageReport, days: int) -> None:
    """One day is "today"; more is "the last N days"."""
    text = _text(stats_html(report, days))
    assert ("of today" if days == 1 else f"of the last {days} days") in text


def test_every_value_is_escaped() -> None:
    """Names and errors from the store cannot inject markup."""
    hostile = "<script>alert(1)</script>"
    report = UsageReport(
        TODAY, TODAY, (UsageRow(hostile, hostile, 1),), 1, 1, "redis", error=hostile
    )
    page = stats_html(report, 1).decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (UsageReport.empty(TODAY, 7, "off"), "Request counting is off here."),
        (UsageReport.empty(TODAY, 7, "redis", error="redis down"), "could not be read: redis down"),
        (UsageReport.empty(TODAY, 7, "sqlite"), "No badge requests counted in the last 7 days"),
    ],
    ids=["off", "error", "empty"],
)
def test_empty_reports_say_why(report: UsageReport, message: str) -> None:
    """Counting off, a failing store and an empty window each explain themselves."""
    page = stats_html(report, 7)
    assert message in _text(page)
    assert b"<table" not in page
    assert b"hit ratio" not in page


def test_the_content_security_policy_allows_exactly_the_page_styles(report: UsageReport) -> None:
    """The page's ``<meta>`` policy lists the hash of each inline stylesheet, and no script."""
    parsed = _parse(stats_html(report, 7))
    metas = [attrs for tag, attrs in parsed.tags if tag == "meta" and "http-equiv" in attrs]
    assert metas[0]["content"] == content_security_policy()
    for style in parsed.styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in content_security_policy()
    assert len(parsed.styles) == 2
    assert "script-src" not in content_security_policy()
    assert all(tag != "script" for tag, _ in parsed.tags)


def test_json_is_the_report_data(report: UsageReport) -> None:
    """``/stats.json`` is ``UsageReport.to_dict`` with the window asked for."""
    data = json.loads(stats_json(report, 7))
    assert data == {**report.to_dict(), "days": 7}
    assert data["top"][0] == {"rank": 1, "package": "requests", "kind": "v", "requests": 12_345}
    assert data["hit_ratio"] == 0.9


@pytest.mark.parametrize(
    ("skipped", "message"), [(1, "1 unreadable entry"), (1234, "1,234 unreadable entries")]
)
def test_skipped_entries_are_said(report: UsageReport, skipped: int, message: str) -> None:
    """Junk left out of the store's counts is said on the page, beside the real table,
    and given in the JSON."""
    counted = dataclasses.replace(report, skipped=skipped)
    page = stats_html(counted, 7)
    assert message in _text(page)
    assert b"<table" in page
    assert json.loads(stats_json(counted, 7))["skipped"] == skipped
    assert "unreadable" not in _text(stats_html(report, 7))
