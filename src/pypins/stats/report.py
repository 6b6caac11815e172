"""``UsageReport``: the most-requested badges of a window of days, as plain data.

Both sources of counts, the service's own store (:mod:`pypins.stats.recorder`) and
web-server access logs (:mod:`pypins.stats.logs`), end in the same report, which the
``pypins top`` command prints and the ``/stats`` pages render. Days are UTC dates; a
window of ``days`` days ends today and includes it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

__all__ = [
    "CACHE_RESULTS",
    "DEFAULT_DAYS",
    "DEFAULT_LIMIT",
    "MAX_DAYS",
    "MAX_LIMIT",
    "UsageReport",
    "UsageRow",
    "rank",
    "utc_day",
    "window",
]

#: Days a report covers unless asked otherwise (today and the 29 days before).
DEFAULT_DAYS: Final = 30
#: Longest window: counts are kept this many days, then expire.
MAX_DAYS: Final = 400
#: Rows a report has unless asked otherwise.
DEFAULT_LIMIT: Final = 20
#: Most rows a report may have.
MAX_LIMIT: Final = 1000
#: What the record cache answered for a request, in the order reports show them.
CACHE_RESULTS: Final = ("hit", "stale", "miss")


def utc_day(timestamp: float) -> date:
    """The UTC date of a Unix ``timestamp``."""
    return datetime.fromtimestamp(timestamp, UTC).date()


def window(last: date, days: int) -> tuple[date, date]:
    """The first and last day of the ``days`` days ending with ``last`` (inclusive)."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    return last - timedelta(days=days - 1), last


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Requests of one badge kind of one package in the window."""

    package: str
    kind: str
    requests: int


def rank(counts: Iterable[tuple[tuple[str, str], int]], limit: int) -> tuple[UsageRow, ...]:
    """The ``limit`` largest ``((package, kind), requests)`` pairs, most requested first.

    Ties are ordered by package, then kind, so that a report is deterministic.
    """
    best = heapq.nsmallest(limit, counts, key=lambda item: (-item[1], item[0]))
    return tuple(UsageRow(package, kind, requests) for (package, kind), requests in best)


@dataclass(frozen=True, slots=True)
class UsageReport:
    """The most-requested badges of ``first``..``last`` and the totals of those days.

    ``source`` names where the counts come from (``"redis"``, ``"sqlite"``, ``"logs"``,
    ``"off"``); ``error`` says why the counts are missing or incomplete, if they are.
    ``cache`` maps ``hit``/``stale``/``miss`` to requests, ``upstream`` an upstream's name
    to the requests pypins sent it; either may be empty when the source does not know.
    ``skipped`` counts the entries of the store left out as junk (what pypins never
    writes there: a count that is not a whole number, a key of another type...).
    """

    first: date
    last: date
    rows: tuple[UsageRow, ...]
    total: int
    distinct: int
    source: str
    cache: Mapping[str, int] = field(default_factory=dict)
    upstream: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    skipped: int = 0

    @property
    def days(self) -> int:
        """Days in the window."""
        return (self.last - self.first).days + 1

    @property
    def hit_ratio(self) -> float | None:
        """hits / (hits + stale + misses), or None when no lookup was counted."""
        lookups = sum(self.cache.get(result, 0) for result in CACHE_RESULTS)
        return self.cache.get("hit", 0) / lookups if lookups else None

    @property
    def upstream_requests(self) -> int:
        """Requests sent to every upstream together."""
        return sum(self.upstream.values())

    @classmethod
    def empty(cls, last: date, days: int, source: str, error: str | None = None) -> UsageReport:
        """A report with no counts (counting off, or the store unavailable)."""
        first, last = window(last, days)
        return cls(first, last, (), 0, 0, source, error=error)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "days": self.days,
            "source": self.source,
            "total": self.total,
            "distinct": self.distinct,
            "top": [
                {
                    "rank": position,
                    "package": row.package,
                    "kind": row.kind,
                    "requests": row.requests,
                }
                for position, row in enumerate(self.rows, 1)
            ],
            "cache": {result: self.cache.get(result, 0) for result in CACHE_RESULTS},
            "hit_ratio": self.hit_ratio,
            "upstream": dict(sorted(self.upstream.items())),
            "upstream_requests": self.upstream_requests,
            "error": self.error,
            "skipped": self.skipped,
        }
