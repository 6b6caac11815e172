"""Reading access logs: formats, gzip, windows of days, garbage, failures, progress."""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pypins.stats import UsageRow, scan_logs
from pypins.stats import logs as logs_module
from pypins.stats.logs import _iso_day, _path_of, parse_nginx_time
from tests.stats.conftest import TODAY
from tests.stats.logfiles import BADGES, GARBAGE, NOISE, json_line, nginx_line, write_log

#: 08:00 UTC today, as in the other stats tests.
MOMENT = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


class RecordingProgress:
    """A ``ScanProgress`` that remembers what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, name: str, total: int | None) -> None:
        self.events.append(("start", (Path(name).name, total)))

    def update(self, position: int) -> None:
        self.events.append(("update", position))

    def finish(self) -> None:
        self.events.append(("finish", None))


@pytest.mark.parametrize(
    ("text", "day"),
    [
        (b"15/Jan/2027:08:00:00 +0000", date(2027, 1, 15)),
        (b"15/Jan/2027:20:00:00 -0700", date(2027, 1, 16)),
        (b"01/Jan/2027:01:30:00 +0200", date(2026, 12, 31)),
        (b"29/Feb/2028:12:00:00 +0530", date(2028, 2, 29)),
        (b"15/Foo/2027:08:00:00 +0000", None),
        (b"31/Feb/2027:08:00:00 +0000", None),
        (b"15/Jan/2027:08:00:00", None),
        (b"15/Jan/2027:08:00:00 00000", None),
        (b"15/Jan/2027:08:00:00 +00x0", None),
    ],
)
def test_parse_nginx_time(text: bytes, day: date | None) -> None:
    """``$time_local`` becomes a UTC date; anything else is None."""
    assert parse_nginx_time(text) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2027-01-15T08:00:00.123Z", date(2027, 1, 15)),
        ("2027-01-15T23:30:00-02:00", date(2027, 1, 16)),
        ("2027-01-15T08:00:00", date(2027, 1, 15)),
        ("yesterday", None),
        ("2027-13-01T00:00:00Z", None),
    ],
)
def test_iso_day(text: str, day: date | None) -> None:
    """ISO 8601 times become UTC dates (a time without offset is taken as UTC)."""
    assert _iso_day(text) == day


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/pypi/v/requests.svg?style=flat", "/pypi/v/requests.svg"),
        ("/pypi/l/python%2Ddateutil.svg", "/pypi/l/python-dateutil.svg"),
        ("https://badges.example/pypi/v/x.svg?a=b", "/pypi/v/x.svg"),
        ("https://badges.example", "/"),
        ("*", ""),
        ("1+2://host/x", ""),
    ],
)
def test_path_of(target: str, path: str) -> None:
    """The path of a request target, without query, percent-decoded."""
    assert _path_of(target) == path


@pytest.fixture
def mixed_logs(tmp_path: Path) -> list[Path]:
    """An nginx log and a gzip-compressed JSON log, with every badge, noise and garbage."""
    east = MOMENT.astimezone(timezone(timedelta(hours=9)))
    nginx = [nginx_line(target, east) for target, _ in BADGES]
    nginx += [
        nginx_line(target, MOMENT, method=method, status=status) for method, target, status in NOISE
    ]
    nginx += [line + "\n" for line in GARBAGE] + ["\n"]
    nginx.append(nginx_line("/pypi/v/requests.svg", MOMENT, status=304))
    json = [json_line(target, MOMENT, cache="miss") for target, _ in BADGES]
    json += [
        json_line(target, MOMENT, method=method, status=status) for method, target, status in NOISE
    ]
    json.append(json_line("/pypi/v/requests.svg", MOMENT - timedelta(days=3), cache="stale"))
    return [write_log(tmp_path / "access.log", nginx), write_log(tmp_path / "pypins.json.gz", json)]


def _expected(
    times: int, extra: dict[tuple[str, str], int] | None = None
) -> Counter[tuple[str, str]]:
    expected: Counter[tuple[str, str]] = Counter()
    for _, row in BADGES:
        expected[row] += times
    expected.update(extra or {})
    return expected


def test_every_format_is_counted(mixed_logs: list[Path]) -> None:
    """nginx and JSON lines, plain and gzip, count the same; noise and garbage do not."""
    scan = scan_logs(mixed_logs, today=TODAY)
    assert scan.counts == _expected(2, {("requests", "v"): 2})
    assert scan.counted == 2 * len(BADGES) + 2
    assert scan.files == 2
    assert scan.lines == 2 * len(BADGES) + 2 * len(NOISE) + len(GARBAGE) + 2
    assert scan.skipped == 2 * len(NOISE)
    assert scan.unparseable == len(GARBAGE)
    assert scan.first_unparseable == (str(mixed_logs[0]), len(BADGES) + len(NOISE) + 1, "garbage")
    assert scan.cache == Counter({"miss": len(BADGES), "stale": 1})
    assert (scan.earliest, scan.latest) == (TODAY - timedelta(days=3), TODAY)
    assert scan.failures == []


def test_hot_index_answers_count_as_hits(tmp_path: Path) -> None:
    """pypins' access log says ``hot`` for a prepared answer: a hit, as /stats counts it."""
    lines = [
        json_line("/pypi/v/requests.svg", MOMENT, cache=cache)
        for cache in ("miss", "hot", "hot", "hit", "stale", None)
    ]
    scan = scan_logs([write_log(tmp_path / "access.log", lines)], today=TODAY)
    assert scan.cache == Counter({"hit": 3, "miss": 1, "stale": 1})


def test_a_window_of_days_skips_older_lines(mixed_logs: list[Path]) -> None:
    """With ``days``, lines before the window are skipped, not counted."""
    scan = scan_logs(mixed_logs, days=3, today=TODAY)
    assert scan.counts == _expected(2, {("requests", "v"): 1})
    assert scan.skipped == 2 * len(NOISE) + 1
    report = scan.report(limit=3)
    assert (report.first, report.last) == (TODAY - timedelta(days=2), TODAY)
    assert scan_logs(mixed_logs, days=4, today=TODAY).counts == _expected(2, {("requests", "v"): 2})


def test_the_report_ranks_the_counts(mixed_logs: list[Path]) -> None:
    """The scan's report is ranked, spans the days seen, and carries the cache results."""
    report = scan_logs(mixed_logs, today=TODAY).report(limit=2)
    assert report.rows == (UsageRow("requests", "v", 6), UsageRow("numpy", "pyversions", 4))
    assert (report.first, report.last, report.source) == (TODAY - timedelta(days=3), TODAY, "logs")
    assert (report.total, report.distinct) == (2 * len(BADGES) + 2, len(BADGES) - 2)
    assert report.cache == {"miss": len(BADGES), "stale": 1}
    assert report.error is None


def test_an_empty_scan_reports_today(tmp_path: Path) -> None:
    """No counted line: the report spans today only."""
    report = scan_logs([write_log(tmp_path / "empty.log", [])], today=TODAY).report(5)
    assert (report.first, report.last, report.rows, report.total) == (TODAY, TODAY, (), 0)


def test_a_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    """A cut .gz is a failure of that file; its lines before the cut count."""
    lines = [nginx_line("/pypi/v/requests.svg", MOMENT)] * 2000
    data = gzip.compress("".join(lines).encode())
    (tmp_path / "cut.log.gz").write_bytes(data[: len(data) // 2])
    other = write_log(tmp_path / "other.log", [nginx_line("/pypi/l/six.svg", MOMENT)])
    scan = scan_logs([tmp_path / "cut.log.gz", other], today=TODAY)
    assert 0 < scan.counts["requests", "v"] < 2000
    assert scan.counts["six", "l"] == 1
    assert len(scan.failures) == 1
    assert scan.failures[0].startswith(f"{tmp_path / 'cut.log.gz'}: after line ")
    assert scan.report(1).error == scan.failures[0]


def test_a_missing_file_is_a_failure(tmp_path: Path) -> None:
    """A file that cannot be opened is noted; the others are read."""
    other = write_log(tmp_path / "other.log", [nginx_line("/pypi/l/six.svg", MOMENT)])
    scan = scan_logs([tmp_path / "missing.log", other], today=TODAY)
    assert scan.failures == [f"{tmp_path / 'missing.log'}: No such file or directory"]
    assert scan.counts == Counter({("six", "l"): 1})


@pytest.mark.parametrize("compressed", [False, True])
def test_standard_input(monkeypatch: pytest.MonkeyPatch, compressed: bool) -> None:
    """``-`` reads standard input (here a pipe), compressed or not, and leaves it open."""
    data = nginx_line("/pypi/v/requests.svg", MOMENT).encode() * 3
    reading, writing = os.pipe()
    os.write(writing, gzip.compress(data) if compressed else data)
    os.close(writing)
    with open(reading, "rb") as stream:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
        progress = RecordingProgress()
        scan = scan_logs(["-"], today=TODAY, progress=progress)
        assert not stream.closed
    assert scan.counts == Counter({("requests", "v"): 3})
    # A pipe has no size and cannot tell its position.
    assert progress.events == [("start", ("-", None)), ("update", 0), ("finish", None)]


def test_progress_follows_the_bytes_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress starts each file with its size, moves forward, and ends at the end."""
    monkeypatch.setattr(logs_module, "_PROGRESS_EVERY", 100)
    lines = [nginx_line("/pypi/v/requests.svg", MOMENT)] * 1000
    plain = write_log(tmp_path / "a.log", lines)
    packed = write_log(tmp_path / "b.log.gz", lines)
    progress = RecordingProgress()
    scan_logs([plain, packed], today=TODAY, progress=progress)
    starts = [event for event in progress.events if event[0] == "start"]
    assert starts == [
        ("start", ("a.log", plain.stat().st_size)),
        ("start", ("b.log.gz", packed.stat().st_size)),
    ]
    first = progress.events[1 : progress.events.index(("finish", None))]
    positions = [position for _, position in first]
    assert len(positions) == 11
    assert positions == sorted(positions)
    assert positions[-1] == plain.stat().st_size
    assert progress.events[-2] == ("update", packed.stat().st_size)
    assert progress.events[-1] == ("finish", None)


def test_the_target_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many distinct targets empty the cache now and then; the counts stay exact."""
    monkeypatch.setattr(logs_module, "_TARGET_CACHE", 3)
    lines = [nginx_line(f"/pypi/v/package-{n % 10}.svg", MOMENT) for n in range(100)]
    scan = scan_logs([write_log(tmp_path / "a.log", lines)], today=TODAY)
    assert scan.counts == Counter({(f"package-{n}", "v"): 10 for n in range(10)})
