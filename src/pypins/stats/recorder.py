"""``UsageRecorder``: counts badge requests in memory and moves them to a store in batches.

```python
recorder = UsageRecorder.from_config(config, shared=redis_store_or_none)
recorder.count("requests", "v")          # on every badge request: one dict increment
recorder.count_cache("hit")              # what the record cache answered
recorder.count_upstream("pypi")          # a request sent upstream
await recorder.flush()                   # every few seconds, and at shutdown
report = await recorder.report(days=7, limit=20)
```

The counting methods only add to dictionaries; :meth:`UsageRecorder.flush` adds what
was counted since the previous flush to the store under today's UTC date. A store that
fails keeps nothing from the request path: the counts stay pending for the next flush
(up to ``max_pending`` distinct rows, beyond which they are dropped and counted in
``dropped``), and the failure is counted and logged at most once a minute.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Final

from pypins import settings
from pypins.cache.redis_store import RedisStore
from pypins.config import ServiceConfig
from pypins.stats.report import (
    CACHE_RESULTS,
    DEFAULT_DAYS,
    DEFAULT_LIMIT,
    MAX_DAYS,
    MAX_LIMIT,
    UsageReport,
    utc_day,
    window,
)
from pypins.stats.stores import RedisUsageStore, SQLiteUsageStore, UsageStore, UsageStoreError

__all__ = ["USAGE_OFF", "UsageRecorder"]

log = logging.getLogger(__name__)

#: The ``usage_db`` setting that turns counting off.
USAGE_OFF: Final = "off"
#: Seconds a report is reused before the store is asked again (the page is public).
REPORT_TTL: Final = 10.0
#: Distinct (package, kind) rows kept pending while the store fails; beyond, dropped.
MAX_PENDING: Final = 100_000
#: Seconds between two log lines about a failing store.
LOG_INTERVAL: Final = 60.0
#: Reports remembered at once (one per distinct (days, limit) asked).
_MAX_REPORTS: Final = 32
_UPSTREAM: Final = "upstream:"


class UsageRecorder:
    """Request counts of one process, flushed to a shared ``UsageStore`` (or to nothing)."""

    def __init__(
        self,
        store: UsageStore | None,
        *,
        clock: Callable[[], float] = time.time,
        report_ttl: float = REPORT_TTL,
        max_pending: int = MAX_PENDING,
        log_interval: float = LOG_INTERVAL,
    ) -> None:
        self.store = store
        self.clock = clock
        self.report_ttl = report_ttl
        self.max_pending = max_pending
        self.log_interval = log_interval
        #: Store failures so far.
        self.errors = 0
        #: The latest failure's message.
        self.last_error: str | None = None
        #: Requests counted but lost because the store failed too long.
        self.dropped = 0
        self._counts: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._totals: defaultdict[str, int] = defaultdict(int)
        self._reports: dict[tuple[int, int], tuple[float, UsageReport]] = {}
        self._logged_at = -math.inf

    @classmethod
    def from_config(
        cls,
        config: ServiceConfig,
        shared: RedisStore | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> UsageRecorder:
        """Counts in Redis through ``shared`` if given, else in the SQLite file of
        ``config.usage_db`` (by default ``settings.default_usage_db()``); ``usage_db="off"``
        keeps no counts, with or without Redis."""
        store: UsageStore | None
        if config.usage_db == USAGE_OFF:
            store = None
        elif shared is not None:
            store = RedisUsageStore(shared)
        else:
            store = SQLiteUsageStore(config.usage_db or settings.default_usage_db())
        return cls(store, clock=clock)

    @property
    def source(self) -> str:
        """Where the counts go: ``"redis"``, ``"sqlite"`` or ``"off"``."""
        return USAGE_OFF if self.store is None else self.store.name

    @property
    def pending(self) -> int:
        """Requests counted and not yet flushed."""
        return sum(self._counts.values())

    # The request path: nothing but dictionary increments.

    def count(self, package: str, kind: str, times: int = 1) -> None:
        """Count requests for the ``kind`` badge of ``package`` (its PEP 503 name)."""
        self._counts[package, kind] += times

    def count_cache(self, result: str, times: int = 1) -> None:
        """Count what the caches answered: ``"hit"``, ``"stale"`` or ``"miss"``."""
        self._totals[result] += times

    def count_upstream(self, upstream: str, times: int = 1) -> None:
        """Count requests sent to ``upstream`` (e.g. ``"pypi"``, ``"pypistats"``)."""
        self._totals[_UPSTREAM + upstream] += times

    # Off the request path.

    async def flush(self) -> bool:
        """Add the pending counts to the store under today's date; False if it failed."""
        counts, totals = self._counts, self._totals
        if not counts and not totals:
            return True
        self._counts, self._totals = defaultdict(int), defaultdict(int)
        if self.store is None:
            return True
        batch = dict(totals)
        requests = sum(counts.values())
        if requests:
            batch["requests"] = requests
        try:
            await self.store.add(utc_day(self.clock()), counts, batch)
        except UsageStoreError as error:
            self._failed("flush", error)
            self._keep(counts, totals)
            return False
        self._reports.clear()
        return True

    def _keep(self, counts: dict[tuple[str, str], int], totals: dict[str, int]) -> None:
        """Put counts that could not be stored back in front of those counted since."""
        for name, count in totals.items():
            self._totals[name] += count
        if len(self._counts) + len(counts) > self.max_pending:
            self.dropped += sum(counts.values())
            return
        for key, count in counts.items():
            self._counts[key] += count

    def _failed(self, what: str, error: UsageStoreError) -> None:
        self.errors += 1
        self.last_error = f"{what}: {error}"
        now = time.monotonic()
        if now - self._logged_at >= self.log_interval:
            self._logged_at = now
            log.warning(
                "request counts: %s store %s failed (%d failures, %d requests dropped): %s",
                self.source,
                what,
                self.errors,
                self.dropped,
                error,
            )

    async def report(self, days: int = DEFAULT_DAYS, limit: int = DEFAULT_LIMIT) -> UsageReport:
        """The ``limit`` most requested badges of the last ``days`` days, today included.

        Pending counts are flushed first. A report is reused for ``report_ttl`` seconds
        (or until the next flush that stored something). A failing store gives an empty
        report whose ``error`` says why.
        """
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}, not {days}")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        now = self.clock()
        remembered = self._reports.get((days, limit))
        if remembered is not None and now < remembered[0]:
            return remembered[1]
        await self.flush()
        today = utc_day(now)
        if self.store is None:
            return UsageReport.empty(today, days, USAGE_OFF)
        first, last = window(today, days)
        try:
            counts = await self.store.window(first, last, limit)
        except UsageStoreError as error:
            self._failed("report", error)
            return UsageReport.empty(today, days, self.store.name, error=str(error))
        totals = counts.totals
        report = UsageReport(
            first=first,
            last=last,
            rows=counts.rows,
            total=totals.get("requests", 0),
            distinct=counts.distinct,
            source=self.store.name,
            cache={result: totals.get(result, 0) for result in CACHE_RESULTS},
            upstream={
                name.removeprefix(_UPSTREAM): count
                for name, count in sorted(totals.items())
                if name.startswith(_UPSTREAM)
            },
            skipped=counts.skipped,
        )
        if self.report_ttl > 0:
            if len(self._reports) >= _MAX_REPORTS:
                self._reports.clear()
            self._reports[days, limit] = (now + self.report_ttl, report)
        return report

    async def reset(self) -> None:
        """Forget every count, pending and stored (raises ``UsageStoreError`` on failure)."""
        self._counts.clear()
        self._totals.clear()
        self._reports.clear()
        if self.store is not None:
            await self.store.reset()

    async def aclose(self) -> None:
        """Flush what is pending, then close the store."""
        await self.flush()
        if self.store is not None:
            await self.store.aclose()
