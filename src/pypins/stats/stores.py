"""Where request counts are kept: daily buckets in Redis, or in an embedded SQLite file.

Both stores keep, per UTC day, the requests of each (package, badge kind) and a few
totals (``requests``, the cache results ``hit``/``stale``/``miss``, and
``upstream:<name>`` per upstream), add to them (several worker processes and hosts
share one store), sum any window of days, and forget days older than ``MAX_DAYS``.

**Redis.** Day ``D`` is a sorted set ``<prefix>usage:D`` with members
``<package>\\t<kind>`` and a hash ``<prefix>usage-totals:D``, both expiring
``MAX_DAYS`` days after their last write. Scores are *negated* request counts, so that
Redis's own order (score ascending, then member ascending) is the report's order: most
requested first, ties by package then kind. A flush is one ``MULTI`` of ``ZINCRBY``
and ``HINCRBY`` (all or nothing, so a failed flush can be retried without counting
twice). A window is one ``MULTI`` too: ``ZUNIONSTORE`` of its days into a temporary
key, ``ZRANGE 0 limit-1`` of it, ``DEL``, and the days' ``HGETALL``. Summing on the
server sends only ``limit`` rows back, however many packages were requested, where
summing ``ZRANGE`` results client-side would move every member of every day.

**SQLite.** Two ``WITHOUT ROWID`` tables keyed by day, written by upserts that add, in
WAL mode with a busy timeout so that several processes can share the file; every call
runs in a thread (``asyncio.to_thread``), one at a time per store.

A store that cannot be reached raises :class:`UsageStoreError`; the recorder keeps the
counts for the next flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar, runtime_checkable

from redis.asyncio import Redis

from pypins.cache.redis_store import UNAVAILABLE, RedisStore
from pypins.stats.report import MAX_DAYS, UsageRow

__all__ = [
    "RedisUsageStore",
    "SQLiteUsageStore",
    "UsageStore",
    "UsageStoreError",
    "WindowCounts",
]

R = TypeVar("R")

Counts = Mapping[tuple[str, str], int]

#: Seconds a SQLite writer waits for another process's write to finish.
SQLITE_BUSY_TIMEOUT: Final = 5.0
#: Seconds between two tries to switch a locked file to WAL.
WAL_RETRY_PAUSE: Final = 0.01
#: Seconds the temporary key of a window query may outlive a failed ``DEL``.
WINDOW_KEY_TTL: Final = 60
#: Keys deleted per ``UNLINK`` by a reset.
RESET_BATCH: Final = 1000

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS usage (
    day TEXT NOT NULL,
    package TEXT NOT NULL,
    kind TEXT NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (day, package, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_totals (
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, name)
) WITHOUT ROWID;
"""
_ADD_USAGE: Final = """
INSERT INTO usage (day, package, kind, requests) VALUES (?, ?, ?, ?)
ON CONFLICT (day, package, kind) DO UPDATE SET requests = requests + excluded.requests
"""
_ADD_TOTAL: Final = """
INSERT INTO usage_totals (day, name, count) VALUES (?, ?, ?)
ON CONFLICT (day, name) DO UPDATE SET count = count + excluded.count
"""
_TOP: Final = """
SELECT package, kind, SUM(requests) AS total FROM usage WHERE day BETWEEN ? AND ?
GROUP BY package, kind ORDER BY total DESC, package, kind LIMIT ?
"""
_DISTINCT: Final = """
SELECT COUNT(*) FROM (SELECT 1 FROM usage WHERE day BETWEEN ? AND ? GROUP BY package, kind)
"""
_TOTALS: Final = """
SELECT name, SUM(count) FROM usage_totals WHERE day BETWEEN ? AND ? GROUP BY name
"""


class UsageStoreError(Exception):
    """The store could not be read or written (the message says why)."""


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """A window's most requested rows, its number of distinct rows, and its totals."""

    rows: tuple[UsageRow, ...]
    distinct: int
    totals: Mapping[str, int]


@runtime_checkable
class UsageStore(Protocol):
    """Daily request counts that many processes add to."""

    #: ``"redis"`` or ``"sqlite"``, shown in reports.
    name: str

    async def add(self, day: date, counts: Counts, totals: Mapping[str, int]) -> None:
        """Add ``counts`` and ``totals`` to ``day``'s, all or nothing."""

    async def window(self, first: date, last: date, limit: int) -> WindowCounts:
        """The counts of ``first``..``last`` (inclusive), summed over the days."""

    async def reset(self) -> None:
        """Forget every count."""

    async def aclose(self) -> None:
        """Release connections."""


def _days(first: date, last: date) -> list[str]:
    """Every day of ``first``..``last`` in ISO form."""
    return [
        (first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)
    ]


def _text(value: bytes | str) -> str:
    """A Redis reply as text (the client may or may not decode replies itself)."""
    return value.decode() if isinstance(value, bytes) else value


class RedisUsageStore:
    """Daily sorted sets and hashes in Redis, through the service's ``RedisStore``."""

    name = "redis"

    def __init__(self, shared: RedisStore, *, retention_days: int = MAX_DAYS) -> None:
        self.shared = shared
        self.retention_seconds = retention_days * 86_400

    def usage_key(self, day: str) -> str:
        """The sorted set of ``day`` (``YYYY-MM-DD``)."""
        return self.shared.key(f"usage:{day}")

    def totals_key(self, day: str) -> str:
        """The hash of totals of ``day``."""
        return self.shared.key(f"usage-totals:{day}")

    async def _call(self, what: str, operation: Callable[[Redis], Any]) -> Any:
        reply = await self.shared.call(what, operation)
        if reply is UNAVAILABLE:
            raise UsageStoreError(self.shared.last_error or "redis is unavailable")
        return reply

    async def add(self, day: date, counts: Counts, totals: Mapping[str, int]) -> None:
        """One ``MULTI``: ``ZINCRBY`` (negated) and ``HINCRBY`` per count, then ``EXPIRE``."""
        usage_key, totals_key = self.usage_key(day.isoformat()), self.totals_key(day.isoformat())

        async def write(client: Redis) -> list[Any]:
            async with client.pipeline(transaction=True) as pipe:
                for (package, kind), requests in counts.items():
                    pipe.zincrby(usage_key, -requests, f"{package}\t{kind}")
                for name, count in totals.items():
                    pipe.hincrby(totals_key, name, count)
                pipe.expire(usage_key, self.retention_seconds)
                pipe.expire(totals_key, self.retention_seconds)
                return await pipe.execute()

        await self._call("usage add", write)

    async def window(self, first: date, last: date, limit: int) -> WindowCounts:
        """One ``MULTI``: ``ZUNIONSTORE`` into a temporary key, ``ZRANGE``, ``DEL``, ``HGETALL``."""
        days = _days(first, last)
        temporary = self.shared.key(f"usage-window:{uuid.uuid4().hex}")

        async def read(client: Redis) -> list[Any]:
            async with client.pipeline(transaction=True) as pipe:
                pipe.zunionstore(temporary, [self.usage_key(day) for day in days])
                pipe.expire(temporary, WINDOW_KEY_TTL)
                pipe.zrange(temporary, 0, limit - 1, withscores=True)
                pipe.delete(temporary)
                for day in days:
                    pipe.hgetall(self.totals_key(day))
                return await pipe.execute()

        reply = await self._call("usage window", read)
        distinct, _, members, _, *hashes = reply
        rows: list[UsageRow] = []
        for member, score in members:
            package, _, kind = _text(member).partition("\t")
            rows.append(UsageRow(package, kind, -int(score)))
        totals: dict[str, int] = {}
        for fields in hashes:
            for name, count in fields.items():
                key = _text(name)
                totals[key] = totals.get(key, 0) + int(count)
        return WindowCounts(tuple(rows), int(distinct), totals)

    async def reset(self) -> None:
        """Delete every ``usage*`` key under the prefix (``SCAN``, then ``UNLINK`` in batches)."""
        pattern = re.sub(r"([\\*?\[\]])", r"\\\1", self.shared.prefix) + "usage*"

        async def delete(client: Redis) -> int:
            deleted = 0
            batch: list[bytes] = []
            async for key in client.scan_iter(match=pattern, count=RESET_BATCH):
                batch.append(key)
                if len(batch) >= RESET_BATCH:
                    deleted += await client.unlink(*batch)
                    batch.clear()
            if batch:
                deleted += await client.unlink(*batch)
            return deleted

        await self._call("usage reset", delete)

    async def aclose(self) -> None:
        """Nothing to do: the ``RedisStore`` belongs to its creator."""


class SQLiteUsageStore:
    """Daily counts in a SQLite file (WAL mode), shared by the processes that open it."""

    name = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = SQLITE_BUSY_TIMEOUT,
        retention_days: int = MAX_DAYS,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.retention_days = retention_days
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pruned: date | None = None

    def _connect(self) -> sqlite3.Connection:
        """The connection, opened (directory, WAL mode and tables made) on first use."""
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,  # transactions are explicit
                check_same_thread=False,  # used from worker threads, one at a time
            )
            try:
                connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                self._use_wal(connection)
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.executescript(_SCHEMA)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        """Switch the file to WAL, waiting up to the busy timeout for other connections.

        SQLite answers a journal-mode change with "database is locked" at once, without
        its busy handler, while another connection holds a lock: workers opening a new
        file together would otherwise fail at start-up.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(WAL_RETRY_PAUSE)

    async def _run(self, operation: Callable[[sqlite3.Connection], R]) -> R:
        def locked() -> R:
            with self._lock:
                return operation(self._connect())

        try:
            return await asyncio.to_thread(locked)
        except (sqlite3.Error, OSError) as error:
            raise UsageStoreError(f"{self.path}: {type(error).__name__}: {error}") from error

    @staticmethod
    def _transaction(connection: sqlite3.Connection, begin: str, work: Callable[[], R]) -> R:
        connection.execute(begin)
        try:
            result = work()
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            raise
        return result

    async def add(self, day: date, counts: Counts, totals: Mapping[str, int]) -> None:
        """Upsert the counts in one write transaction; drop expired days once a day."""
        iso = day.isoformat()
        prune = self._pruned != day
        cutoff = (day - timedelta(days=self.retention_days)).isoformat()

        def write(connection: sqlite3.Connection) -> None:
            def work() -> None:
                connection.executemany(
                    _ADD_USAGE,
                    (
                        (iso, package, kind, requests)
                        for (package, kind), requests in counts.items()
                    ),
                )
                connection.executemany(_ADD_TOTAL, ((iso, name, n) for name, n in totals.items()))
                if prune:
                    connection.execute("DELETE FROM usage WHERE day < ?", (cutoff,))
                    connection.execute("DELETE FROM usage_totals WHERE day < ?", (cutoff,))

            self._transaction(connection, "BEGIN IMMEDIATE", work)

        await self._run(write)
        self._pruned = day

    async def window(self, first: date, last: date, limit: int) -> WindowCounts:
        """Sums over the days, in one read transaction (a consistent snapshot)."""
        span = (first.isoformat(), last.isoformat())

        def read(connection: sqlite3.Connection) -> WindowCounts:
            def work() -> WindowCounts:
                rows = tuple(
                    UsageRow(package, kind, int(total))
                    for package, kind, total in connection.execute(_TOP, (*span, limit))
                )
                (distinct,) = connection.execute(_DISTINCT, span).fetchone()
                totals = {name: int(count) for name, count in connection.execute(_TOTALS, span)}
                return WindowCounts(rows, int(distinct), totals)

            return self._transaction(connection, "BEGIN", work)

        return await self._run(read)

    async def reset(self) -> None:
        """Delete every count."""

        def clear(connection: sqlite3.Connection) -> None:
            def work() -> None:
                connection.execute("DELETE FROM usage")
                connection.execute("DELETE FROM usage_totals")

            self._transaction(connection, "BEGIN IMMEDIATE", work)

        await self._run(clear)

    async def aclose(self) -> None:
        """Close the connection (it is opened again if the store is used afterwards)."""

        def close() -> None:
            with self._lock:
                connection, self._connection = self._connection, None
                if connection is not None:
                    connection.close()

        await asyncio.to_thread(close)
