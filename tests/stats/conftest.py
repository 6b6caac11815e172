"""Fixtures of the request-count tests: a fake clock, and every store over a real backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest

from pypins.cache.redis_store import RedisStore
from pypins.stats import RedisUsageStore, SQLiteUsageStore, UsageStore
from tests.support.clock import FakeClock
from tests.support.redis import PATIENT_TIMEOUT, RedisServer

#: 2027-01-15 08:00:00 UTC.
NOW = 1_800_000_000.0
TODAY = date(2027, 1, 15)
DAY = 86_400.0


@pytest.fixture
def clock() -> FakeClock:
    """A wall clock at ``NOW`` (08:00 UTC on ``TODAY``) that moves only when told."""
    return FakeClock(NOW)


@pytest.fixture
def usage_db(tmp_path: Path) -> Path:
    """Where a SQLite store's file goes (its directory does not exist yet)."""
    return tmp_path / "state" / "pypins" / "usage.sqlite3"


@pytest.fixture
async def shared(redis_server: RedisServer) -> AsyncIterator[RedisStore]:
    """A ``RedisStore`` over the session's (emptied) redis-server."""
    store = RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT)
    yield store
    await store.aclose()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def make_store(
    request: pytest.FixtureRequest, usage_db: Path
) -> AsyncIterator[Callable[[], UsageStore]]:
    """A factory of stores over one backend: each call is another process's view of it."""
    made: list[UsageStore] = []
    shared_stores: list[RedisStore] = []
    server: RedisServer | None = None
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")

    def make() -> UsageStore:
        store: UsageStore
        if server is None:
            store = SQLiteUsageStore(usage_db)
        else:
            redis_store = RedisStore.from_url(server.url, timeout=PATIENT_TIMEOUT)
            shared_stores.append(redis_store)
            store = RedisUsageStore(redis_store)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()
    for redis_store in shared_stores:
        await redis_store.aclose()
