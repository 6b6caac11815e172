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
twice). A window is one Lua script (``WINDOW_SCRIPT``, atomic as a ``MULTI``):
``ZUNIONSTORE`` of its days into a temporary key, the ``limit`` best rows of it read
with ``ZRANGEBYSCORE``, ``DEL``, and the days' ``HGETALL``. Summing on the server sends
only ``limit`` rows back, however many packages were requested, where summing ``ZRANGE``
results client-side would move every member of every day.

**Junk.** Anything else may have written to those keys (another tool, an operator, a
bug), so a window reads only what a flush writes and skips the rest, counted in
``WindowCounts.skipped``: a day's key of another type (``WRONGTYPE`` would fail the
whole union), a score that is not a whole count between 1 and ``MAX_COUNT`` (``inf``,
``-inf``, a positive or fractional score), a member longer than ``MAX_MEMBER`` bytes,
without its tab or not UTF-8, a total that is not such a count, or a total's name
that is too long or not UTF-8. The script filters on the server, so a huge member is
never sent; it counts every bad score, and the bad members among those it reads. In
SQLite the same rules are ``WHERE`` clauses (its columns take any type).

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
from collections.abc import Callable, Mapping, Sequence
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
#: Largest request count a report believes (2**53: a double's whole numbers, Redis's score).
MAX_COUNT: Final = 2**53
#: Longest member (``<package>\\t<kind>``) or total name read, in bytes.
MAX_MEMBER: Final = 512
#: Bad members read past, at most, on the way to a window's ``limit`` good rows.
MAX_JUNK_READ: Final = 1000
#: Totals read from one day's hash, at most (a flush writes fewer than ten).
MAX_TOTALS: Final = 256

#: A window of days in one atomic step, skipping and counting what a flush never writes.
#: KEYS: the temporary key, then the days' sorted sets, then their totals hashes.
#: ARGV: days, limit, the temporary key's TTL, MAX_MEMBER, -MAX_COUNT, MAX_JUNK_READ,
#: MAX_TOTALS. Returns {distinct, skipped, {member, score, ...}, {name, count, ...}}.
WINDOW_SCRIPT: Final = r"""
local days, limit, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local longest, lowest = tonumber(ARGV[4]), ARGV[5]
local most_junk, most_totals = tonumber(ARGV[6]), tonumber(ARGV[7])

local function is_utf8(text)
  local i, n = 1, #text
  while i <= n do
    local c = string.byte(text, i)
    local extra
    if c < 0x80 then extra = 0
    elseif c >= 0xC2 and c <= 0xDF then extra = 1
    elseif c >= 0xE0 and c <= 0xEF then extra = 2
    elseif c >= 0xF0 and c <= 0xF4 then extra = 3
    else return false end
    for j = i + 1, i + extra do
      local d = string.byte(text, j)
      if d == nil or d < 0x80 or d > 0xBF then return false end
    end
    i = i + extra + 1
  end
  return true
end

local skipped = 0
local sets = {}
for i = 2, days + 1 do
  local found = redis.call("TYPE", KEYS[i])["ok"]
  if found == "zset" then
    sets[#sets + 1] = KEYS[i]
  elseif found ~= "none" then
    skipped = skipped + 1
  end
end

local distinct, rows = 0, {}
if #sets > 0 then
  local all = redis.call("ZUNIONSTORE", KEYS[1], #sets, unpack(sets))
  redis.call("EXPIRE", KEYS[1], ttl)
  -- Counts are negated: a good score lies in [-MAX_COUNT, -1].
  distinct = redis.call("ZCOUNT", KEYS[1], lowest, -1)
  skipped = skipped + all - distinct
  local found, offset, junk = 0, 0, 0
  while found < limit and offset < distinct and junk < most_junk do
    local page = redis.call(
      "ZRANGEBYSCORE", KEYS[1], lowest, -1, "WITHSCORES", "LIMIT", offset, limit)
    if #page == 0 then break end
    offset = offset + #page / 2
    for i = 1, #page, 2 do
      local member, score = page[i], tonumber(page[i + 1])
      if #member <= longest and score % 1 == 0 and string.find(member, "	", 1, true)
          and is_utf8(member) then
        if found < limit then
          rows[#rows + 1] = member
          rows[#rows + 1] = page[i + 1]
          found = found + 1
        end
      else
        junk = junk + 1
      end
    end
  end
  skipped = skipped + junk
  distinct = distinct - junk
  redis.call("DEL", KEYS[1])
end

local totals = {}
for i = days + 2, 2 * days + 1 do
  local found = redis.call("TYPE", KEYS[i])["ok"]
  if found == "hash" then
    local fields = redis.call("HGETALL", KEYS[i])
    local kept = 0
    for j = 1, #fields, 2 do
      local name, count = fields[j], fields[j + 1]
      if kept < most_totals and #name <= longest and is_utf8(name) and #count <= 16
          and string.match(count, "^%d+$") and tonumber(count) <= -tonumber(lowest) then
        totals[#totals + 1] = name
        totals[#totals + 1] = count
        kept = kept + 1
      else
        skipped = skipped + 1
      end
    end
  elseif found ~= "none" then
    skipped = skipped + 1
  end
end
return {distinct, skipped, rows, totals}
"""

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
# A window's queries read only what a flush writes (SQLite's columns take any type):
# text of at most :longest bytes, whole counts of at most :highest, also once summed
# (by TOTAL, a float that never overflows, exact up to :highest); the rest is counted
# as junk. Text is read as bytes: a value that is not UTF-8 is skipped, not an exception.
_TOP: Final = """
SELECT CAST(package AS BLOB), CAST(kind AS BLOB), TOTAL(requests) AS total FROM usage
WHERE day BETWEEN :first AND :last
AND typeof(package) = 'text' AND typeof(kind) = 'text'
AND length(CAST(package AS BLOB)) + length(CAST(kind AS BLOB)) < :longest
AND typeof(requests) = 'integer' AND requests BETWEEN 1 AND :highest
GROUP BY package, kind HAVING total <= :highest
ORDER BY total DESC, package, kind LIMIT :limit
"""
_ROW_COUNTS: Final = """
WITH days AS (
    SELECT package, kind, requests, (
        typeof(package) = 'text' AND typeof(kind) = 'text'
        AND length(CAST(package AS BLOB)) + length(CAST(kind AS BLOB)) < :longest
        AND typeof(requests) = 'integer' AND requests BETWEEN 1 AND :highest
    ) AS good
    FROM usage WHERE day BETWEEN :first AND :last
), summed AS (
    SELECT TOTAL(requests) AS total FROM days WHERE good GROUP BY package, kind
)
SELECT (SELECT COUNT(*) FROM summed WHERE total <= :highest),
       (SELECT COUNT(*) FROM days WHERE NOT good)
       + (SELECT COUNT(*) FROM summed WHERE total > :highest)
"""
_TOTALS: Final = """
SELECT CAST(name AS BLOB), TOTAL(count) FROM usage_totals
WHERE day BETWEEN :first AND :last
AND typeof(name) = 'text' AND length(CAST(name AS BLOB)) <= :longest
AND typeof(count) = 'integer' AND count BETWEEN 0 AND :highest
GROUP BY name
"""
_TOTALS_JUNK: Final = """
SELECT COUNT(*) FROM usage_totals
WHERE day BETWEEN :first AND :last AND NOT (
    typeof(name) = 'text' AND length(CAST(name AS BLOB)) <= :longest
    AND typeof(count) = 'integer' AND count BETWEEN 0 AND :highest
)
"""


class UsageStoreError(Exception):
    """The store could not be read or written (the message says why)."""


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """A window's most requested rows, its number of distinct rows, and its totals.

    ``skipped`` counts the entries of the store read past as junk (what no flush
    writes: see the module's docstring).
    """

    rows: tuple[UsageRow, ...]
    distinct: int
    totals: Mapping[str, int]
    skipped: int = 0


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


def _text(value: bytes | str) -> str | None:
    """A reply as text (a client may decode replies itself), or None if it is not UTF-8."""
    if isinstance(value, str):
        return value
    try:
        return value.decode()
    except UnicodeDecodeError:
        return None


def _count(value: bytes | str | int | float) -> int | None:
    """A reply as a whole count within ``MAX_COUNT`` (negated scores too), or None."""
    if isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = _text(value)
        if text is None:
            return None
        try:
            number = int(text)
        except ValueError:
            return None
    return number if abs(number) <= MAX_COUNT else None


def _rows(members: Sequence[Any]) -> tuple[tuple[UsageRow, ...], int]:
    """The rows of a flat ``member, score, ...`` reply, and how many were junk."""
    rows: list[UsageRow] = []
    junk = 0
    for member, score in zip(members[::2], members[1::2], strict=True):
        text, count = _text(member), _count(score)
        if text is None or count is None or count >= 0 or "\t" not in text:
            junk += 1
            continue
        package, _, kind = text.partition("\t")
        rows.append(UsageRow(package, kind, -count))
    return tuple(rows), junk


def _totals(fields: Sequence[Any]) -> tuple[dict[str, int], int]:
    """The totals of a flat ``name, count, ...`` reply, summed by name, and the junk."""
    totals: dict[str, int] = {}
    junk = 0
    for raw_name, raw_count in zip(fields[::2], fields[1::2], strict=True):
        name, count = _text(raw_name), _count(raw_count)
        if name is None or count is None or count < 0:
            junk += 1
            continue
        totals[name] = totals.get(name, 0) + count
    return totals, junk


class RedisUsageStore:
    """Daily sorted sets and hashes in Redis, through the service's ``RedisStore``."""

    name = "redis"

    def __init__(self, shared: RedisStore, *, retention_days: int = MAX_DAYS) -> None:
        self.shared = shared
        self.retention_seconds = retention_days * 86_400
        self._window = shared.client.register_script(WINDOW_SCRIPT)

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
        """One script (``WINDOW_SCRIPT``): the days' union in a temporary key, its best
        ``limit`` rows, the days' totals; junk skipped and counted."""
        days = _days(first, last)
        temporary = self.shared.key(f"usage-window:{uuid.uuid4().hex}")
        keys = [
            temporary,
            *(self.usage_key(day) for day in days),
            *(self.totals_key(day) for day in days),
        ]
        args = [len(days), limit, WINDOW_KEY_TTL, MAX_MEMBER, -MAX_COUNT, MAX_JUNK_READ]
        args.append(MAX_TOTALS)

        async def read(client: Redis) -> Any:
            return await self._window(keys=keys, args=args, client=client)

        reply = await self._call("usage window", read)
        try:
            distinct, skipped, members, fields = reply
            rows, junk_rows = _rows(members)
            totals, junk_totals = _totals(fields)
            distinct, skipped = int(distinct), int(skipped)
        except (TypeError, ValueError) as error:  # not this script's reply shape
            raise UsageStoreError(f"usage window: unexpected reply: {error}") from None
        return WindowCounts(rows, distinct - junk_rows, totals, skipped + junk_rows + junk_totals)

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


def _sqlite_rows(found: Sequence[tuple[Any, ...]]) -> tuple[tuple[UsageRow, ...], int]:
    """The rows of ``_TOP``'s answer (package and kind as bytes), and how many were junk."""
    rows: list[UsageRow] = []
    junk = 0
    for raw_package, raw_kind, total in found:
        package, kind, count = _text(raw_package), _text(raw_kind), _count(total)
        if package is None or kind is None or count is None:
            junk += 1
            continue
        rows.append(UsageRow(package, kind, count))
    return tuple(rows), junk


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
        span = {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "longest": MAX_MEMBER,
            "highest": MAX_COUNT,
            "limit": limit,
        }

        def read(connection: sqlite3.Connection) -> WindowCounts:
            def work() -> WindowCounts:
                rows, junk_rows = _sqlite_rows(connection.execute(_TOP, span).fetchall())
                distinct, junk = connection.execute(_ROW_COUNTS, span).fetchone()
                found = connection.execute(_TOTALS, span).fetchall()
                totals, junk_totals = _totals([value for row in found for value in row])
                (junk_fields,) = connection.execute(_TOTALS_JUNK, span).fetchone()
                skipped = int(junk) + int(junk_fields) + junk_rows + junk_totals
                return WindowCounts(rows, int(distinct) - junk_rows, totals, skipped)

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
