"""Counting badge requests in web-server access logs, streaming, in constant memory.

```python
scan = scan_logs(["/var/log/nginx/access.log", "/var/log/nginx/access.log.2.gz"], days=7)
report = scan.report(limit=20)
```

Each line is read once and forgotten: memory holds the counter of distinct
(package, kind) rows and bounded caches, whatever the size of the logs. Lines are
auto-detected one by one: nginx's ``combined`` (and ``common``) format, or the JSON
lines of pypins' own access log (:mod:`pypins.web.accesslog`). Files starting with
gzip's magic number are decompressed on the fly; ``"-"`` is standard input. A request
counts when it is a ``GET`` answered ``2xx`` or ``304`` whose path is a package badge
(:func:`pypins.stats.keys.badge_usage`); other requests are skipped, and lines that are
neither format are counted as unparseable, never fatal. Times are converted to UTC
dates, for the ``days`` window and the report's first and last day.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Final, Protocol
from urllib.parse import unquote

import orjson

from pypins.stats.keys import badge_usage
from pypins.stats.report import CACHE_RESULTS, UsageReport, rank, utc_day, window

__all__ = ["LogScan", "ScanProgress", "parse_nginx_time", "scan_logs"]

#: ``$remote_addr - $remote_user [$time_local] "$request" $status ...`` (combined and
#: common formats); nginx escapes ``"`` inside the request line, so it has none. The
#: request may be anything (``-``, a TLS handshake sent to the HTTP port...).
_NGINX: Final = re.compile(
    rb"\S+ \S+ .*?\[(\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "
    rb'"([^"]*)" (\d{3}) ',
    re.ASCII,
)
_MONTHS: Final = {
    name.encode(): number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_GZIP_MAGIC: Final = b"\x1f\x8b"
_ONE_DAY: Final = timedelta(days=1)
#: Request targets whose (package, kind) are remembered; the cache is emptied when full.
_TARGET_CACHE: Final = 65_536
#: Minutes (with their UTC offset) whose UTC date is remembered; emptied when full.
_MINUTE_CACHE: Final = 65_536
#: Lines between two progress updates.
_PROGRESS_EVERY: Final = 16_384
#: Characters of the first unparseable line kept for the report.
_SAMPLE: Final = 200
_NOT_A_BADGE: Final = ("", "")
#: The access log's ``cache`` for a badge answered from the hot index (prepared bytes):
#: a hit, as the usage store counts it.
HOT_HIT: Final = "hot"


class ScanProgress(Protocol):
    """Told how far the scan is in each file (e.g. to draw a progress bar)."""

    def start(self, name: str, total: int | None) -> None:
        """A file begins; ``total`` is its size in bytes, if known."""

    def update(self, position: int) -> None:
        """Bytes of the current file read so far (compressed bytes for gzip)."""

    def finish(self) -> None:
        """The current file is done."""


def parse_nginx_time(text: bytes) -> date | None:
    """The UTC date of nginx's ``$time_local`` (``10/Oct/2000:13:55:36 -0700``), or None."""
    if len(text) != 26 or text[21:22] not in (b"+", b"-") or text[20:21] != b" ":
        return None
    try:
        local = date(int(text[7:11]), _MONTHS[text[3:6]], int(text[0:2]))
        minutes = int(text[12:14]) * 60 + int(text[15:17])
        offset = int(text[22:24]) * 60 + int(text[24:26])
    except (KeyError, ValueError):
        return None
    # The UTC time is the local time minus the offset: at most a day before or after.
    utc = minutes - offset if text[21:22] == b"+" else minutes + offset
    if utc < 0:
        return local - _ONE_DAY
    if utc >= 1440:
        return local + _ONE_DAY
    return local


def _iso_day(text: str) -> date | None:
    """The UTC date of an ISO 8601 time (pypins writes ``...Z``), or None."""
    try:
        if text.endswith("Z"):
            return date.fromisoformat(text[:10])
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def _path_of(target: str) -> str:
    """The percent-decoded path of a request target (origin or absolute form)."""
    if not target.startswith("/"):
        scheme, separator, rest = target.partition("://")
        if not separator or not scheme.isalpha():
            return ""
        target = "/" + rest.partition("/")[2]
    path = target.partition("?")[0]
    return unquote(path) if "%" in path else path


@dataclass
class LogScan:
    """What :func:`scan_logs` found: the counts, and the lines read, skipped or not understood."""

    #: Today (UTC) when the scan was made; the window of ``days`` ends on it.
    today: date
    #: The window in days, or None for every line.
    days: int | None = None
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Cache results of counted requests, from JSON lines that have them.
    cache: Counter[str] = field(default_factory=Counter)
    files: int = 0
    lines: int = 0
    #: Badge requests counted.
    counted: int = 0
    #: Well-formed lines that were not counted (other paths, methods, statuses, days).
    skipped: int = 0
    unparseable: int = 0
    #: ``(file, line number, text)`` of the first unparseable line.
    first_unparseable: tuple[str, int, str] | None = None
    #: ``"file: error"`` for each file that could not be read to its end.
    failures: list[str] = field(default_factory=list)
    #: The earliest and latest UTC day of a counted request.
    earliest: date | None = None
    latest: date | None = None

    def report(self, limit: int) -> UsageReport:
        """The ``limit`` most requested badges, as the service's own reports are."""
        if self.days is not None:
            first, last = window(self.today, self.days)
        else:
            first = self.earliest or self.today
            last = self.latest or self.today
        return UsageReport(
            first=first,
            last=last,
            rows=rank(self.counts.items(), limit),
            total=self.counted,
            distinct=len(self.counts),
            source="logs",
            cache={result: self.cache[result] for result in CACHE_RESULTS if result in self.cache},
            error="; ".join(self.failures) or None,
        )


class _Scanner:
    """Feeds lines into a ``LogScan``, with the caches that keep it fast."""

    def __init__(self, scan: LogScan) -> None:
        self.scan = scan
        self.since = window(scan.today, scan.days)[0] if scan.days is not None else None
        self.targets: dict[bytes | str, tuple[str, str]] = {}
        self.last_time: bytes | str = b""
        self.last_day: date | None = None
        self.minutes: dict[bytes, date | None] = {}

    def usage(self, target: bytes | str) -> tuple[str, str]:
        """``(package, kind)`` of a request target, or ``_NOT_A_BADGE``; cached."""
        found = self.targets.get(target)
        if found is None:
            text = target.decode("utf-8", "replace") if isinstance(target, bytes) else target
            found = badge_usage(_path_of(text)) or _NOT_A_BADGE
            if len(self.targets) >= _TARGET_CACHE:
                self.targets.clear()
            self.targets[target] = found
        return found

    def nginx_day(self, text: bytes) -> date | None:
        """``parse_nginx_time``, remembered per minute and offset (the seconds cannot
        change the date)."""
        key = text[:17] + text[20:]
        try:
            return self.minutes[key]
        except KeyError:
            pass
        day = parse_nginx_time(text)
        if len(self.minutes) >= _MINUTE_CACHE:
            self.minutes.clear()
        self.minutes[key] = day
        return day

    def feed(self, line: bytes, name: str, number: int) -> None:
        """Count one line (cheap checks first: method, status, then the path, then the time)."""
        scan = self.scan
        scan.lines += 1
        if line[:1] == b"{":
            self.feed_json(line, name, number)
            return
        match = _NGINX.match(line)
        if match is None:
            if line.strip():
                self.unparseable(line, name, number)
            else:
                scan.lines -= 1  # a blank line is no line
            return
        raw_time, request, status = match.groups()
        method, _, rest = request.partition(b" ")
        if method != b"GET" or not (status[:1] == b"2" or status == b"304"):
            scan.skipped += 1
            return
        target = rest.partition(b" ")[0]
        usage = self.usage(target)
        if usage is _NOT_A_BADGE:
            scan.skipped += 1
            return
        if raw_time != self.last_time:
            self.last_time, self.last_day = raw_time, self.nginx_day(raw_time)
        if not self.add(usage, self.last_day, None):
            self.unparseable(line, name, number)

    def feed_json(self, line: bytes, name: str, number: int) -> None:
        """Count one line of pypins' JSON access log."""
        try:
            record = orjson.loads(line)
            target, when = record["path"], record["time"]
            if not (isinstance(target, str) and isinstance(when, str)):
                raise TypeError(target)
            status = int(record["status"])
            method = record["method"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            self.unparseable(line, name, number)
            return
        if method != "GET" or not (200 <= status < 300 or status == 304):
            self.scan.skipped += 1
            return
        usage = self.usage(target)
        if usage is _NOT_A_BADGE:
            self.scan.skipped += 1
            return
        if when != self.last_time:
            self.last_time, self.last_day = when, _iso_day(when)
        if not self.add(usage, self.last_day, record.get("cache")):
            self.unparseable(line, name, number)

    def add(self, usage: tuple[str, str], day: date | None, cache: object) -> bool:
        """Count a badge request of ``day``; False if ``day`` is None (not a time)."""
        if day is None:
            return False
        scan = self.scan
        if self.since is not None and day < self.since:
            scan.skipped += 1
            return True
        scan.counts[usage] += 1
        scan.counted += 1
        if cache in CACHE_RESULTS:
            scan.cache[str(cache)] += 1
        elif cache == HOT_HIT:
            scan.cache["hit"] += 1
        if scan.earliest is None or day < scan.earliest:
            scan.earliest = day
        if scan.latest is None or day > scan.latest:
            scan.latest = day
        return True

    def unparseable(self, line: bytes, name: str, number: int) -> None:
        scan = self.scan
        scan.unparseable += 1
        if scan.first_unparseable is None:
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            scan.first_unparseable = (name, number, text[:_SAMPLE])


@dataclass
class _Source:
    """A file being scanned: its lines, the bytes under them, its size, whether we opened it."""

    lines: IO[bytes] | gzip.GzipFile
    raw: IO[bytes]
    size: int | None
    owned: bool

    def position(self) -> int:
        """Bytes read from ``raw`` (compressed bytes for gzip), or 0 if it cannot tell."""
        try:
            return self.raw.tell()
        except OSError:
            return 0

    def close(self) -> None:
        if self.owned:
            self.lines.close()
            self.raw.close()


def _open(path: str | Path) -> _Source:
    """Open ``path`` (``"-"``: standard input), decompressing it if it starts like gzip."""
    raw: IO[bytes]
    if str(path) == "-":
        raw, size, owned = sys.stdin.buffer, None, False
    else:
        raw = open(path, "rb")  # noqa: SIM115 - closed by _Source.close
        size, owned = os.fstat(raw.fileno()).st_size, True
    peek = getattr(raw, "peek", None)
    if peek is not None and peek(2)[:2] == _GZIP_MAGIC:
        return _Source(gzip.GzipFile(fileobj=raw, mode="rb"), raw, size, owned)
    return _Source(raw, raw, size, owned)


def scan_logs(
    paths: Iterable[str | Path],
    *,
    days: int | None = None,
    today: date | None = None,
    progress: ScanProgress | None = None,
) -> LogScan:
    """Count the badge requests of every line of every file in ``paths``, in order.

    ``days`` keeps only the lines of the last ``days`` UTC days, ``today`` included
    (``today`` defaults to the current UTC date). A file that cannot be opened or read
    to its end (a truncated ``.gz``) is noted in ``failures``; what it had is counted.
    """
    scan = LogScan(today=today or utc_day(time.time()), days=days)
    scanner = _Scanner(scan)
    for path in paths:
        name = str(path)
        scan.files += 1
        number = 0
        try:
            source = _open(path)
        except OSError as error:
            scan.failures.append(f"{name}: {error.strerror or error}")
            continue
        if progress is not None:
            progress.start(name, source.size)
        try:
            for number, line in enumerate(source.lines, 1):
                scanner.feed(line, name, number)
                if progress is not None and not number % _PROGRESS_EVERY:
                    progress.update(source.position())
        except (OSError, EOFError, zlib.error) as error:
            scan.failures.append(f"{name}: after line {number}: {error}")
        finally:
            if progress is not None:
                progress.update(source.position())
                progress.finish()
            source.close()
    return scan
