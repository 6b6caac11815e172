"""Request counts: which badges of which packages are requested most.

The service counts every badge request with :class:`UsageRecorder` (in memory, flushed
in batches to Redis or to an embedded SQLite file, per UTC day); ``pypins top`` and the
``/stats`` pages read them back as a :class:`UsageReport`. :func:`scan_logs` makes the
same report from web-server access logs. :func:`badge_usage` and :func:`usage_kind` say
what a request counts as, the same for both.
"""

from __future__ import annotations

from pypins.stats.keys import LEGACY_PREFIX, badge_usage, usage_kind
from pypins.stats.logs import LogScan, ScanProgress, scan_logs
from pypins.stats.recorder import USAGE_OFF, UsageRecorder
from pypins.stats.report import (
    CACHE_RESULTS,
    DEFAULT_DAYS,
    DEFAULT_LIMIT,
    MAX_DAYS,
    MAX_LIMIT,
    UsageReport,
    UsageRow,
)
from pypins.stats.stores import (
    RedisUsageStore,
    SQLiteUsageStore,
    UsageStore,
    UsageStoreError,
    WindowCounts,
)

__all__ = [
    "CACHE_RESULTS",
    "DEFAULT_DAYS",
    "DEFAULT_LIMIT",
    "LEGACY_PREFIX",
    "MAX_DAYS",
    "MAX_LIMIT",
    "USAGE_OFF",
    "LogScan",
    "RedisUsageStore",
    "SQLiteUsageStore",
    "ScanProgress",
    "UsageRecorder",
    "UsageReport",
    "UsageRow",
    "UsageStore",
    "UsageStoreError",
    "WindowCounts",
    "badge_usage",
    "scan_logs",
    "usage_kind",
]
