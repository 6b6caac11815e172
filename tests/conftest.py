"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.support.binaries import require_binary
from tests.support.redis import RedisServer
from tests.support.trap import Trap
from tests.support.upstream import FIXTURES, Upstream


def pytest_configure(config: pytest.Config) -> None:
    """Keep state files (request counts) out of the developer's home directory."""
    del config
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="pypins-state-")


# Hypothesis times nothing: its per-example deadline and "too slow" check are wall-clock
# judgements that a busy machine fails; examples stay bounded by their counts. Its
# database is off so that a run never depends on an earlier one (derandomized in CI).
settings.register_profile(
    "pypins",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("pypins")


# The loopback upstream (tests/support/upstream.py)


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[Upstream]:
    """One loopback PyPI/pypistats stand-in for the whole session."""
    with Upstream() as server:
        yield server


@pytest.fixture
def upstream(upstream_server: Upstream) -> Iterator[Upstream]:
    """The loopback upstream with zeroed counts and no faults or run-time documents."""
    upstream_server.reset()
    yield upstream_server
    upstream_server.reset()


# Recorded documents (tests/fixtures/)


@cache
def _fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


@pytest.fixture(scope="session")
def fixture_bytes() -> Callable[[str], bytes]:
    """The raw bytes of a file under ``tests/fixtures/``, e.g. ``pypi/requests.json``."""
    return _fixture_bytes


@pytest.fixture(scope="session")
def pypi_document() -> Callable[[str], dict[str, Any]]:
    """A fresh copy of a recorded JSON API document, by PEP 503 name."""

    def load(name: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(_fixture_bytes(f"pypi/{name}.json"))
        return document

    return load


# Real redis-servers (tests/support/redis.py)


@pytest.fixture(scope="session")
def redis_session_server() -> Iterator[RedisServer]:
    """One redis-server for the session (skipped, or failed in CI, without the binary)."""
    binary = require_binary("redis-server")
    with RedisServer(binary) as server:
        yield server


@pytest.fixture
def redis_server(redis_session_server: RedisServer) -> RedisServer:
    """The session's redis-server, running and empty."""
    redis_session_server.start()  # in case a test stopped it
    redis_session_server.flushall()
    return redis_session_server


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, free to stop and restart."""
    binary = require_binary("redis-server")
    with RedisServer(binary) as server:
        yield server


@pytest.fixture
def trap() -> Iterator[Trap]:
    """A loopback port no request may reach (a Redis next to PyPI, say): count its
    connections."""
    listener = Trap()
    yield listener
    listener.close()
