"""The ``UsageStore`` contract, against SQLite and a real Redis, then each store's own traits."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from pypins.cache.redis_store import RedisStore
from pypins.stats import (
    RedisUsageStore,
    SQLiteUsageStore,
    UsageRow,
    UsageStore,
    UsageStoreError,
    WindowCounts,
    stores,
)
from tests.stats.conftest import TODAY
from tests.support.redis import RedisServer

MakeStore = Callable[[], UsageStore]
YESTERDAY = TODAY - timedelta(days=1)


async def test_is_a_usage_store(make_store: MakeStore) -> None:
    """Both stores satisfy the runtime-checkable protocol and have a name."""
    store = make_store()
    assert isinstance(store, UsageStore)
    assert store.name in {"sqlite", "redis"}


async def test_an_empty_store_has_an_empty_window(make_store: MakeStore) -> None:
    """Nothing counted: no rows, no distinct badges, no totals."""
    assert await make_store().window(TODAY, TODAY, 10) == WindowCounts((), 0, {})


async def test_counts_come_back_most_requested_first(make_store: MakeStore) -> None:
    """Rows are ordered by requests, ties by package then kind; limit cuts the tail."""
    store = make_store()
    counts = {
        ("requests", "v"): 5,
        ("numpy", "pyversions"): 7,
        ("django", "v"): 3,
        ("django", "l"): 3,
        ("attrs", "v"): 3,
        ("zope", "wheel"): 1,
    }
    await store.add(TODAY, counts, {"requests": 22})
    found = await store.window(TODAY, TODAY, 5)
    assert found.rows == (
        UsageRow("numpy", "pyversions", 7),
        UsageRow("requests", "v", 5),
        UsageRow("attrs", "v", 3),
        UsageRow("django", "l", 3),
        UsageRow("django", "v", 3),
    )
    assert found.distinct == 6
    assert found.totals == {"requests": 22}


async def test_adding_adds(make_store: MakeStore) -> None:
    """Two flushes, from one process or two, add up."""
    first, second = make_store(), make_store()
    await first.add(TODAY, {("requests", "v"): 2}, {"requests": 2, "hit": 1})
    await second.add(TODAY, {("requests", "v"): 3, ("six", "l"): 1}, {"requests": 4, "hit": 2})
    found = await first.window(TODAY, TODAY, 10)
    assert found.rows == (UsageRow("requests", "v", 5), UsageRow("six", "l", 1))
    assert found.totals == {"requests": 6, "hit": 3}


async def test_concurrent_adds_all_count(make_store: MakeStore) -> None:
    """Many flushes at once (several workers) lose nothing."""
    stores = [make_store() for _ in range(4)]
    await asyncio.gather(
        *(
            store.add(TODAY, {("requests", "v"): 1}, {"requests": 1})
            for store in stores
            for _ in range(5)
        )
    )
    found = await stores[0].window(TODAY, TODAY, 10)
    assert found.rows == (UsageRow("requests", "v", 20),)
    assert found.totals == {"requests": 20}


@pytest.mark.parametrize(
    ("first", "last", "expected", "requests"),
    [
        (TODAY, TODAY, {("requests", "v"): 1, ("numpy", "v"): 4}, 5),
        (YESTERDAY, TODAY, {("requests", "v"): 3, ("numpy", "v"): 4}, 7),
        (TODAY - timedelta(days=9), TODAY, {("requests", "v"): 13, ("numpy", "v"): 4}, 17),
        (TODAY - timedelta(days=30), TODAY - timedelta(days=10), {}, 0),
    ],
    ids=["today", "two days", "ten days", "before"],
)
async def test_a_window_sums_its_days(
    make_store: MakeStore,
    first: date,
    last: date,
    expected: dict[tuple[str, str], int],
    requests: int,
) -> None:
    """A window sums the days inside it and nothing outside."""
    store = make_store()
    await store.add(TODAY, {("requests", "v"): 1, ("numpy", "v"): 4}, {"requests": 5, "miss": 1})
    await store.add(YESTERDAY, {("requests", "v"): 2}, {"requests": 2})
    await store.add(TODAY - timedelta(days=9), {("requests", "v"): 10}, {"requests": 10})
    await store.add(TODAY + timedelta(days=1), {("later", "v"): 1}, {"requests": 1})
    found = await store.window(first, last, 10)
    assert {(row.package, row.kind): row.requests for row in found.rows} == expected
    assert found.distinct == len(expected)
    assert found.totals.get("requests", 0) == requests


async def test_totals_are_summed_by_name(make_store: MakeStore) -> None:
    """Cache results and upstream requests add up per name over the days."""
    store = make_store()
    await store.add(TODAY, {}, {"hit": 3, "miss": 1, "upstream:pypi": 1})
    await store.add(YESTERDAY, {}, {"hit": 1, "stale": 2, "upstream:pypi": 2, "upstream:x": 1})
    found = await store.window(YESTERDAY, TODAY, 10)
    assert found.rows == ()
    assert dict(found.totals) == {
        "hit": 4,
        "miss": 1,
        "stale": 2,
        "upstream:pypi": 3,
        "upstream:x": 1,
    }


async def test_reset_forgets_everything(make_store: MakeStore) -> None:
    """After a reset, every day is empty; counting starts again from zero."""
    store = make_store()
    await store.add(TODAY, {("requests", "v"): 2}, {"requests": 2})
    await store.add(TODAY - timedelta(days=100), {("old", "v"): 2}, {"requests": 2})
    await store.reset()
    assert await store.window(TODAY - timedelta(days=399), TODAY, 10) == WindowCounts((), 0, {})
    await store.add(TODAY, {("requests", "v"): 1}, {"requests": 1})
    assert (await store.window(TODAY, TODAY, 10)).rows == (UsageRow("requests", "v", 1),)


async def test_names_with_unusual_characters_round_trip(make_store: MakeStore) -> None:
    """Packages and kinds are kept as given, whatever their characters."""
    store = make_store()
    await store.add(TODAY, {("zope-interface", "pypip.in/v"): 1, ("é", "x y"): 1}, {})
    rows = (await store.window(TODAY, TODAY, 10)).rows
    assert rows == (UsageRow("zope-interface", "pypip.in/v", 1), UsageRow("é", "x y", 1))


# SQLite


async def test_sqlite_survives_a_restart(usage_db: Path) -> None:
    """Counts written by one store are read by a new store on the same file."""
    store = SQLiteUsageStore(usage_db)
    await store.add(TODAY, {("requests", "v"): 4}, {"requests": 4})
    await store.aclose()
    reopened = SQLiteUsageStore(usage_db)
    assert (await reopened.window(TODAY, TODAY, 10)).rows == (UsageRow("requests", "v", 4),)
    await reopened.aclose()


async def test_sqlite_makes_its_directory_and_uses_wal(usage_db: Path) -> None:
    """The file's directory is created; the database is in WAL mode."""
    store = SQLiteUsageStore(usage_db)
    await store.add(TODAY, {("a", "v"): 1}, {})
    await store.aclose()
    connection = sqlite3.connect(usage_db)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


async def test_sqlite_forgets_days_past_retention(usage_db: Path) -> None:
    """The first flush of a day deletes days older than the retention."""
    store = SQLiteUsageStore(usage_db, retention_days=10)
    old = TODAY - timedelta(days=11)
    await store.add(old, {("old", "v"): 1}, {"requests": 1})
    await store.add(TODAY - timedelta(days=10), {("kept", "v"): 1}, {"requests": 1})
    await store.add(TODAY, {("new", "v"): 1}, {"requests": 1})
    found = await store.window(old, TODAY, 10)
    assert [row.package for row in found.rows] == ["kept", "new"]
    assert found.totals == {"requests": 2}
    await store.aclose()


async def test_sqlite_failure_is_a_usage_store_error(tmp_path: Path) -> None:
    """A path that cannot be a database raises ``UsageStoreError`` naming it."""
    (tmp_path / "dir.sqlite3").mkdir()
    store = SQLiteUsageStore(tmp_path / "dir.sqlite3")
    with pytest.raises(UsageStoreError, match=r"dir\.sqlite3"):
        await store.add(TODAY, {("a", "v"): 1}, {})
    with pytest.raises(UsageStoreError):
        await store.window(TODAY, TODAY, 1)
    await store.aclose()


_FAILING_TOTALS = """
CREATE TRIGGER fail BEFORE INSERT ON usage_totals BEGIN SELECT RAISE(ABORT, 'injected'); END
"""


def _execute(path: Path, statement: str) -> None:
    """Run one statement on ``path`` from another connection (another process's view)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    """A file of something else is a ``UsageStoreError``, and is left as it was."""
    path = tmp_path / "usage.sqlite3"
    path.write_bytes(b"not a database" * 100)
    store = SQLiteUsageStore(path)
    with pytest.raises(UsageStoreError, match="not a database"):
        await store.window(TODAY, TODAY, 1)
    assert path.read_bytes() == b"not a database" * 100
    await store.aclose()


async def test_sqlite_rolls_back_a_failed_flush(usage_db: Path) -> None:
    """A flush that fails halfway leaves nothing behind (it can be retried whole)."""
    store = SQLiteUsageStore(usage_db)
    await store.add(TODAY, {("a", "v"): 1}, {"requests": 1})
    _execute(usage_db, _FAILING_TOTALS)
    with pytest.raises(UsageStoreError, match="injected"):
        await store.add(TODAY, {("a", "v"): 1}, {"requests": 2})
    _execute(usage_db, "DROP TRIGGER fail")
    found = await store.window(TODAY, TODAY, 10)
    assert found.rows == (UsageRow("a", "v", 1),)
    assert found.totals == {"requests": 1}
    await store.add(TODAY, {("a", "v"): 1}, {"requests": 1})
    assert (await store.window(TODAY, TODAY, 10)).totals == {"requests": 2}
    await store.aclose()


async def test_sqlite_reopens_after_aclose(usage_db: Path) -> None:
    """A closed store opens its file again when used (and closing twice is harmless)."""
    store = SQLiteUsageStore(usage_db)
    await store.aclose()
    await store.add(TODAY, {("a", "v"): 1}, {})
    await store.aclose()
    await store.aclose()
    assert usage_db.is_file()


# Redis


@pytest.mark.redis
async def test_redis_layout(redis_server: RedisServer, shared: RedisStore) -> None:
    """A day is a sorted set of negated counts and a hash of totals, both expiring."""
    store = RedisUsageStore(shared)
    await store.add(TODAY, {("requests", "v"): 3}, {"hit": 2})
    key = "pypins:v1:usage:2027-01-15"
    assert redis_server.execute("ZSCORE", key, "requests\tv") == b"$2\r\n-3\r\n"
    assert redis_server.execute("HGET", "pypins:v1:usage-totals:2027-01-15", "hit") == (
        b"$1\r\n2\r\n"
    )
    ttl = int(redis_server.execute("TTL", key)[1:].strip())
    assert 399 * 86_400 < ttl <= 400 * 86_400
    await store.window(TODAY, TODAY, 1)
    assert redis_server.execute("KEYS", "pypins:v1:usage-window:*") == b"*0\r\n"


@pytest.mark.redis
async def test_redis_reset_leaves_other_keys(
    redis_server: RedisServer, shared: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reset deletes the counts only (in batches), not the cache's keys."""
    monkeypatch.setattr(stores, "RESET_BATCH", 4)
    await shared.set("package:s1:numpy", b"record", 60)
    store = RedisUsageStore(shared)
    for offset in range(3):
        await store.add(TODAY - timedelta(days=offset), {("a", "v"): 1}, {"requests": 1})
    await store.reset()
    assert redis_server.execute("KEYS", "pypins:v1:usage*") == b"*0\r\n"
    assert await shared.get("package:s1:numpy") == b"record"


@pytest.mark.redis
async def test_redis_down_is_a_usage_store_error(private_redis: RedisServer) -> None:
    """With Redis stopped, every operation raises ``UsageStoreError``."""
    shared = RedisStore.from_url(private_redis.url, breaker_seconds=0.0)
    store = RedisUsageStore(shared)
    private_redis.stop()
    with pytest.raises(UsageStoreError):
        await store.add(TODAY, {("a", "v"): 1}, {})
    with pytest.raises(UsageStoreError):
        await store.window(TODAY, TODAY, 1)
    with pytest.raises(UsageStoreError):
        await store.reset()
    await store.aclose()
    await shared.aclose()


@pytest.mark.parametrize("attempt", range(30))
def test_workers_opening_a_new_file_together_all_get_wal(tmp_path: Path, attempt: int) -> None:
    """Six stores opening one new file at the same moment (workers starting together) all
    switch it to WAL: SQLite refuses concurrent journal-mode changes at once, without its
    busy handler, so the store waits and tries again."""
    path = tmp_path / f"usage-{attempt}.sqlite3"
    store = SQLiteUsageStore(path)
    connections = [sqlite3.connect(path, check_same_thread=False) for _ in range(6)]
    barrier = threading.Barrier(len(connections))
    errors: list[BaseException] = []

    def switch(connection: sqlite3.Connection) -> None:
        connection.execute(f"PRAGMA busy_timeout = {int(store.busy_timeout * 1000)}")
        barrier.wait()
        try:
            store._use_wal(connection)
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=switch, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for connection in connections:
        connection.close()
    assert errors == []
    with contextlib.closing(sqlite3.connect(path)) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_file_locked_past_the_busy_timeout_is_an_error(tmp_path: Path) -> None:
    """A lock held longer than the busy timeout still ends in a clear store error."""
    path = tmp_path / "usage.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    store = SQLiteUsageStore(path, busy_timeout=0.1)
    try:
        with pytest.raises(UsageStoreError, match="locked"):
            await store.add(TODAY, {("requests", "v"): 1}, {"requests": 1})
    finally:
        await store.aclose()
        holder.execute("ROLLBACK")
        holder.close()


# Junk: entries no flush writes are skipped and counted, never an exception

GOOD_COUNTS = {("requests", "v"): 5, ("six", "l"): 2}
GOOD_TOTALS = {"requests": 7, "hit": 3}
GOOD_WINDOW = WindowCounts(
    (UsageRow("requests", "v", 5), UsageRow("six", "l", 2)), 2, GOOD_TOTALS, skipped=1
)
USAGE = "pypins:v1:usage:2027-01-15"
TOTALS = "pypins:v1:usage-totals:2027-01-15"
USAGE_BEFORE = "pypins:v1:usage:2027-01-14"
TOTALS_BEFORE = "pypins:v1:usage-totals:2027-01-14"


@pytest.mark.redis
@pytest.mark.parametrize(
    "junk",
    [
        ("ZADD", USAGE, "inf", "junk\tv"),
        ("ZADD", USAGE, "-inf", "junk\tv"),
        ("ZADD", USAGE, "3", "junk\tv"),
        ("ZADD", USAGE, "0", "junk\tv"),
        ("ZADD", USAGE, "-2.5", "junk\tv"),
        ("ZADD", USAGE, "-1e300", "junk\tv"),
        ("ZADD", USAGE, "-9", "no tab"),
        ("ZADD", USAGE, "-9", b"\xff\xfe\tv"),
        ("ZADD", USAGE, "-9", b"\xed\xa0\x80\tv"),
        ("ZADD", USAGE, "-9", b"x" * 100_000 + b"\tv"),
        ("HSET", TOTALS, "junk", "nan"),
        ("HSET", TOTALS, "junk", "abc"),
        ("HSET", TOTALS, "junk", "1e400"),
        ("HSET", TOTALS, "junk", "-5"),
        ("HSET", TOTALS, "junk", "9" * 30),
        ("HSET", TOTALS, b"\xff", "5"),
        ("HSET", TOTALS, "x" * 100_000, "5"),
        ("SET", USAGE_BEFORE, "not a sorted set"),
        ("HSET", USAGE_BEFORE, "requests\tv", "-5"),
        ("LPUSH", TOTALS_BEFORE, "not a hash"),
        ("ZADD", TOTALS_BEFORE, "1", "requests"),
    ],
    ids=lambda junk: " ".join(
        part[:12].decode("latin-1") if isinstance(part, bytes) else part[:12] for part in junk
    ),
)
async def test_redis_junk_is_skipped_and_counted(
    redis_server: RedisServer, shared: RedisStore, junk: tuple[str | bytes, ...]
) -> None:
    """What another writer left in the usage keys (scores past a count, members pypins
    never writes, totals that are no count, keys of another type) is left out of the
    window and counted; the real counts come back whole."""
    store = RedisUsageStore(shared)
    await store.add(TODAY, GOOD_COUNTS, GOOD_TOTALS)
    redis_server.execute(*junk)
    assert await store.window(YESTERDAY, TODAY, 10) == GOOD_WINDOW


@pytest.mark.redis
async def test_redis_junk_ranked_first_does_not_crowd_out_the_rows(
    redis_server: RedisServer, shared: RedisStore
) -> None:
    """Junk members with the highest counts are read past: ``limit`` real rows come back."""
    store = RedisUsageStore(shared)
    await store.add(TODAY, GOOD_COUNTS, GOOD_TOTALS)
    for n in range(30):
        redis_server.execute("ZADD", USAGE, "-1000", f"junk-{n}-without-a-tab")
    found = await store.window(TODAY, TODAY, 2)
    assert found.rows == GOOD_WINDOW.rows
    assert (found.distinct, found.skipped) == (2, 30)


@pytest.mark.redis
async def test_redis_junk_read_is_bounded(
    redis_server: RedisServer, shared: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``MAX_JUNK_READ`` bad members the window stops reading: fewer rows, no hang."""
    monkeypatch.setattr(stores, "MAX_JUNK_READ", 5)
    store = RedisUsageStore(shared)
    await store.add(TODAY, GOOD_COUNTS, {})
    for n in range(20):
        redis_server.execute("ZADD", USAGE, "-1000", f"junk-{n}")
    found = await store.window(TODAY, TODAY, 2)
    assert found.rows == ()
    # The bad members read are counted; those never read count among the distinct.
    assert 5 <= found.skipped < 20
    assert found.distinct == 22 - found.skipped


def _sqlite_junk(path: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', 'v', 'abc')",
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', 'v', 2.5)",
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', 'v', -3)",
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', 'v', 0)",
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', 'v', 9e999)",
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', 'v', 9223372036854775807)",
        "INSERT INTO usage VALUES ('2027-01-15', X'FFFE', 'v', 9)",
        "INSERT INTO usage VALUES ('2027-01-15', CAST(X'FFFE' AS TEXT), 'v', 9)",
        "INSERT INTO usage VALUES ('2027-01-15', 'junk', X'76', 9)",
        "INSERT INTO usage VALUES ('2027-01-14', printf('%.100000c', 'x'), 'v', 9)",
        "INSERT INTO usage_totals VALUES ('2027-01-15', 'junk', 'nan')",
        "INSERT INTO usage_totals VALUES ('2027-01-15', 'junk', 1.5)",
        "INSERT INTO usage_totals VALUES ('2027-01-15', 'junk', -1)",
        "INSERT INTO usage_totals VALUES ('2027-01-15', 'junk', 9223372036854775807)",
        "INSERT INTO usage_totals VALUES ('2027-01-15', X'FF', 5)",
        "INSERT INTO usage_totals VALUES ('2027-01-15', CAST(X'FF' AS TEXT), 5)",
    ],
)
async def test_sqlite_junk_is_skipped_and_counted(usage_db: Path, statement: str) -> None:
    """SQLite's columns take any type: rows no flush writes are left out and counted."""
    store = SQLiteUsageStore(usage_db)
    await store.add(TODAY, GOOD_COUNTS, GOOD_TOTALS)
    _sqlite_junk(usage_db, statement)
    try:
        assert await store.window(YESTERDAY, TODAY, 10) == GOOD_WINDOW
    finally:
        await store.aclose()


@pytest.mark.parametrize(("rows", "each"), [(4, 2**52), (3000, 2**53)])
async def test_sqlite_sums_past_a_count_are_junk_not_an_overflow(
    usage_db: Path, rows: int, each: int
) -> None:
    """Counts each within bounds whose sum is past them (even past SQLite's integers,
    through days named oddly within the window) are one junk row, as in Redis."""
    store = SQLiteUsageStore(usage_db)
    await store.add(TODAY, GOOD_COUNTS, GOOD_TOTALS)
    with contextlib.closing(sqlite3.connect(usage_db)) as connection, connection:
        connection.executemany(
            "INSERT INTO usage VALUES (?, 'many', 'v', ?)",
            ((f"2027-01-14-{n}", each) for n in range(rows)),
        )
    try:
        found = await store.window(YESTERDAY, TODAY, 10)
    finally:
        await store.aclose()
    assert found == GOOD_WINDOW
