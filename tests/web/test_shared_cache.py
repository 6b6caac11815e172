"""The Redis tier seen from the service: one fetch across workers, Redis faults are misses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from pypins import settings
from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from tests.support.clock import FakeClock
from tests.support.redis import PATIENT_TIMEOUT, RedisServer
from tests.support.service import Service
from tests.support.upstream import Upstream

pytestmark = pytest.mark.redis

KINDS = ("v", "l", "pyversions", "wheel", "format", "status", "implementation", "types")


@pytest.fixture
def shared(config: ServiceConfig, redis_server: RedisServer) -> ServiceConfig:
    """``config`` with the session's Redis, patient with it (see ``PATIENT_TIMEOUT``)."""
    return config.replace(redis_url=redis_server.url, redis_timeout=PATIENT_TIMEOUT)


def http(app: PypinsApp) -> httpx.AsyncClient:
    """An in-process client of ``app``."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pypins.test")


def message(response: httpx.Response) -> str:
    """The message of a JSON badge."""
    assert response.status_code == 200
    text: str = json.loads(response.content)["message"]
    return text


async def test_two_workers_share_one_fetch(
    make_app: Callable[[ServiceConfig], PypinsApp], shared: ServiceConfig, upstream: Upstream
) -> None:
    """Concurrent misses in two processes' worth of services cost one upstream request."""
    first, second = make_app(shared), make_app(shared)
    upstream.inject("/pypi/requests/json", delay=0.3)
    async with http(first) as a, http(second) as b:
        requests = [
            client.get(f"/pypi/{kind}/requests.json") for kind in KINDS for client in (a, b)
        ]
        answers = await asyncio.gather(*requests)
    assert all(not message(r).startswith(("invalid", "inaccessible")) for r in answers)
    assert upstream.count("/pypi/requests/json") == 1


@pytest.mark.parametrize(
    ("url", "path", "expected"),
    [
        (
            "/pypi/attestations/sampleproject.json",
            "/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance",
            "github pypa/sampleproject",
        ),
        ("/pypi/project-status/django.json", "/simple/django/", "active"),
    ],
)
async def test_two_workers_share_the_simple_and_integrity_records(
    *,
    make_app: Callable[[ServiceConfig], PypinsApp],
    shared: ServiceConfig,
    upstream: Upstream,
    url: str,
    path: str,
    expected: str,
) -> None:
    """The Simple API's and the Integrity API's records are one fetch across workers."""
    first, second = make_app(shared), make_app(shared)
    upstream.inject(path, delay=0.3)
    async with http(first) as a, http(second) as b:
        answers = await asyncio.gather(*(client.get(url) for client in (a, b, a, b)))
    assert {message(answer) for answer in answers} == {expected}
    assert upstream.count(path) == 1


async def test_a_record_from_another_worker_is_used(
    make_app: Callable[[ServiceConfig], PypinsApp], shared: ServiceConfig, upstream: Upstream
) -> None:
    """A worker finds the record another worker published, without fetching."""
    async with http(make_app(shared)) as a:
        assert message(await a.get("/pypi/v/six.json")).startswith("v")
    async with http(make_app(shared)) as b:
        assert message(await b.get("/pypi/l/six.json"))
    assert upstream.count("/pypi/six/json") == 1


async def test_foreign_values_in_redis_are_misses(
    make_app: Callable[[ServiceConfig], PypinsApp],
    shared: ServiceConfig,
    redis_server: RedisServer,
    upstream: Upstream,
) -> None:
    """A corrupted or foreign record in Redis is ignored and replaced."""
    app = make_app(shared)
    key = app.service.sources.facts.shared_key("|requests|")
    redis_server.set_raw("pypins:v1:" + key, b"\x00not a record")
    async with http(app) as client:
        assert message(await client.get("/pypi/v/requests.json")).startswith("v")
    assert upstream.count("/pypi/requests/json") == 1
    assert redis_server.execute("GET", "pypins:v1:" + key).startswith(b"$")


async def test_redis_down_mid_flight_is_never_an_error(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    private_redis: RedisServer,
    clock: FakeClock,
) -> None:
    """With Redis stopped, badges come from memory or upstream; Redis failures are counted."""
    app = make_app(config.replace(redis_url=private_redis.url))
    async with http(app) as client:
        assert message(await client.get("/pypi/v/requests.json")).startswith("v")
        private_redis.stop()
        clock.advance(10)  # past the local re-check: the shared tier is asked again
        assert message(await client.get("/pypi/v/requests.json?style=flat-square")).startswith("v")
        assert message(await client.get("/pypi/v/django.json")).startswith("v")
        assert app.service.shared is not None
        assert app.service.shared.errors >= 1
        private_redis.start()
        assert message(await client.get("/pypi/l/flask.json"))


async def test_release_invalidation_reaches_the_shared_tier(
    make_app: Callable[[ServiceConfig], PypinsApp], shared: ServiceConfig, clock: FakeClock
) -> None:
    """A release marks the Redis record stale too, so other workers refresh it."""
    first, second = make_app(shared), make_app(shared)
    async with http(first) as a:
        await a.get("/pypi/v/requests.json")
    clock.advance(1)
    assert await first.service.sources.release_seen("requests", clock.now - 0.5)
    await asyncio.sleep(0)
    async with http(second) as b:
        await b.get("/pypi/v/requests.json")
    entry = second.service.sources.facts.memory.peek("|requests|")
    assert entry is not None
    assert entry.fresh_until <= clock.now


def test_two_worker_processes_fetch_once(redis_server: RedisServer, upstream: Upstream) -> None:
    """``pypins serve --workers 2 --redis-url``: concurrent misses make one upstream request."""
    upstream.inject("/pypi/flask/json", delay=0.5)
    args = (
        "--workers",
        "2",
        "--redis-url",
        redis_server.url,
        "--pypi-url",
        upstream.pypi_url,
        "--stats-url",
        upstream.stats_url,
    )
    env = {"PYPINS_POLL_INTERVAL": "0", "PYPINS_REDIS_TIMEOUT": str(PATIENT_TIMEOUT)}
    with Service(*args, env=env) as service:
        service.wait_healthy()

        async def burst() -> list[httpx.Response]:
            # A generous timeout: only a hang fails here; what counts is the fetch count.
            limits = httpx.Limits(max_connections=32)
            async with httpx.AsyncClient(base_url=service.url, limits=limits, timeout=60) as c:
                return await asyncio.gather(
                    *(c.get(f"/pypi/{kind}/flask.json?n={n}") for kind in KINDS for n in range(4))
                )

        answers = asyncio.run(burst())
    assert [r.status_code for r in answers] == [200] * len(answers)
    assert upstream.count("/pypi/flask/json") == 1


@pytest.mark.parametrize("seconds", [None, 0.5])
async def test_the_redis_timeout_is_a_setting(
    make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig, seconds: float | None
) -> None:
    """``PYPINS_REDIS_TIMEOUT`` bounds each Redis command and connection (0.25 s unset)."""
    changes = {} if seconds is None else {"redis_timeout": seconds}
    app = make_app(config.replace(redis_url="redis://127.0.0.1:6379/0", **changes))
    assert app.service.shared is not None
    pool = app.service.shared.client.connection_pool
    expected = settings.DEFAULT_REDIS_TIMEOUT if seconds is None else seconds
    assert pool.connection_kwargs["socket_timeout"] == expected
    assert pool.connection_kwargs["socket_connect_timeout"] == expected
    # Counted so that a worker's late event loop is not taken for a slow Redis.
    assert pool.connection_class.__name__ == "LagTolerantConnection"
