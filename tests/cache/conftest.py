"""Fixtures of the cache tests: a fake clock, real redis-servers, and stores over them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pypins.cache.redis_store import RedisStore
from tests.support.clock import FakeClock
from tests.support.redis import PATIENT_TIMEOUT, RedisServer

START = 1_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at ``START``."""
    return FakeClock(START)


@pytest.fixture
async def redis_store(redis_server: RedisServer) -> AsyncIterator[RedisStore]:
    """A ``RedisStore`` over the session's redis-server."""
    store = RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT)
    yield store
    await store.aclose()
