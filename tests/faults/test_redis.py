"""Redis faults: the shared tier is a cache, never a dependency.

Two workers share a private redis-server. While eight connections ask for cached and
new packages, Redis is stopped and restarted, flushed, or found holding values pypins
did not write. Every answer must be a well-formed badge within the timeout plus a
margin, cached packages keep their badge without a request to PyPI per worker, Redis
failures are counted in ``/metrics``, and records are published in Redis again once
it is back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from pypins.badges import PackageFacts
from pypins.cache.codec import decode_entry, record_key
from pypins.cache.redis_store import DEFAULT_PREFIX
from tests.faults.conftest import (
    RECOVERY_LIMIT,
    Answer,
    Figures,
    client_for,
    drive,
    fetch,
    new_package,
    package_of,
    scrape,
    service_env,
    upstream_args,
    version_badge,
    wait_until,
    warm,
)
from tests.support.binaries import require_binary
from tests.support.redis import RedisServer
from tests.support.service import Service
from tests.support.upstream import Upstream

pytestmark = [pytest.mark.redis, pytest.mark.slow]

WORKERS = 2
#: How long each scenario's load lasts, seconds.
LOAD_SECONDS = 3.0


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[RedisServer]:
    """A redis-server of this module's own, free to stop, flush and fill with junk."""
    with RedisServer(require_binary("redis-server")) as server:
        yield server


@pytest.fixture(scope="module")
def redis_service(upstream_server: Upstream, shared_redis: RedisServer) -> Iterator[Service]:
    """``pypins serve --workers 2 --redis-url ...``; records fresh for a minute."""
    args = (*upstream_args(upstream_server), "--workers", str(WORKERS))
    args += ("--redis-url", shared_redis.url)
    env = service_env(PYPINS_CACHE_TTL="60")
    with Service(*args, env=env, start_timeout=30) as service:
        yield service


@pytest.fixture
def redis(shared_redis: RedisServer) -> RedisServer:
    """The module's redis-server, running (whatever the previous test did)."""
    shared_redis.start()
    return shared_redis


def redis_key(name: str) -> str:
    """The Redis key of ``name``'s package record."""
    return DEFAULT_PREFIX + record_key(PackageFacts, f"|{name}|")


def stored_record(redis: RedisServer, name: str) -> bool:
    """Whether Redis holds a record of ``name`` that pypins can read."""
    try:
        reply = redis.execute("GET", redis_key(name))
    except OSError:
        return False
    if not reply.startswith(b"$") or reply.startswith(b"$-1"):
        return False
    header, _, rest = reply.partition(b"\r\n")
    data = rest[: int(header[1:])]
    return decode_entry(data, PackageFacts) is not None


def cached_requests(upstream: Upstream, names: list[str]) -> int:
    """Requests the upstream received for ``names``' project documents."""
    counts = upstream.counts()
    return sum(counts.get(f"/pypi/{name}/json", 0) for name in names)


def start_load(url: str, cached: list[str]) -> asyncio.Task[list[Answer]]:
    """Start the load: half cached packages (new query strings), half new packages."""

    def target(i: int) -> str:
        if i % 2:
            return version_badge(new_package())
        return version_badge(cached[i // 2 % len(cached)], f"r={i}")

    return asyncio.create_task(drive(url, target, seconds=LOAD_SECONDS))


def check_answers(answers: list[Answer], last_good: dict[str, str], figures: Figures) -> None:
    """Every answer a real badge in time; cached packages with their last good badge."""
    cached = [a for a in answers if "?r=" in a.target]
    figures.count(answers)
    figures.stale_served = sum(a.message == last_good[package_of(a.target)] for a in cached)
    assert [a for a in answers if not a.well_formed] == []
    assert figures.stale_served == len(cached) > 0
    assert all(str(a.message).startswith("v") for a in answers)


async def publishing(url: str, redis: RedisServer) -> bool:
    """Whether a new package's record reaches Redis (pypins uses it again)."""
    name = new_package()
    async with client_for(url) as client:
        answer = await fetch(client, version_badge(name))
    assert answer.well_formed
    stored = await wait_until(lambda: asyncio.to_thread(stored_record, redis, name), timeout=0.5)
    return stored is not None


async def test_redis_stopped_mid_load_and_restarted(
    redis_service: Service, redis: RedisServer, upstream: Upstream, figures: Figures
) -> None:
    """Redis going away under load costs nothing visible; pypins uses it again on return."""
    url = redis_service.url
    last_good = await warm(url, [new_package() for _ in range(3)])
    cached = list(last_good)
    before = await scrape(url)
    upstream_before = cached_requests(upstream, cached)
    load = start_load(url, cached)
    await asyncio.sleep(0.7)
    await asyncio.to_thread(redis.stop)
    await asyncio.sleep(1.5)
    await asyncio.to_thread(redis.start)
    restarted = time.monotonic()
    answers = await load
    during = cached_requests(upstream, cached) - upstream_before
    recovery = await wait_until(lambda: publishing(url, redis), timeout=RECOVERY_LIMIT)
    recovered_at = time.monotonic()
    after = await scrape(url)

    errors = after.value("pypins_redis_errors_total") - before.value("pypins_redis_errors_total")
    figures.upstream_requests = during
    figures.recovery_seconds = None if recovery is None else round(recovered_at - restarted, 2)
    figures.metrics = {"redis_errors": errors}
    figures.notes.append(
        "upstream requests: for the cached packages (each worker may fetch what it does "
        "not hold in memory); recovery: from the restart until records are published again"
    )
    check_answers(answers, last_good, figures)
    assert recovery is not None
    assert errors > 0
    assert during <= WORKERS * len(cached)


async def test_redis_flushed_mid_load(
    redis_service: Service, redis: RedisServer, upstream: Upstream, figures: Figures
) -> None:
    """A FLUSHALL under load is a cache miss, not an error; records are published again."""
    url = redis_service.url
    last_good = await warm(url, [new_package() for _ in range(3)])
    cached = list(last_good)
    before = await scrape(url)
    upstream_before = cached_requests(upstream, cached)
    load = start_load(url, cached)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(redis.flushall)
    flushed = time.monotonic()
    recovery = await wait_until(lambda: publishing(url, redis), timeout=RECOVERY_LIMIT)
    recovered_at = time.monotonic()
    answers = await load
    during = cached_requests(upstream, cached) - upstream_before
    after = await scrape(url)

    errors = after.value("pypins_redis_errors_total") - before.value("pypins_redis_errors_total")
    misses = after.value("pypins_cache_requests_total", tier="records", result="miss")
    misses -= before.value("pypins_cache_requests_total", tier="records", result="miss")
    figures.upstream_requests = during
    figures.recovery_seconds = None if recovery is None else round(recovered_at - flushed, 2)
    figures.metrics = {"redis_errors": errors, "records_misses": misses}
    figures.notes.append("a flush is no error: it shows as record misses, re-fetched once")
    check_answers(answers, last_good, figures)
    assert recovery is not None
    assert errors == 0
    assert misses > 0
    assert during <= WORKERS * len(cached)


async def test_redis_returning_foreign_values(
    redis_service: Service, redis: RedisServer, upstream: Upstream, figures: Figures
) -> None:
    """Values pypins did not write (junk bytes, other types) are misses, counted, replaced."""
    url = redis_service.url
    last_good = await warm(url, [new_package() for _ in range(3)])
    seeded = [new_package() for _ in range(4)]
    # Junk where records are (cached and never-seen packages), other types, a junk
    # breaker announcement: what another program sharing the database might leave.
    await asyncio.to_thread(redis.set_raw, redis_key(next(iter(last_good))), b"\x00junk")
    await asyncio.to_thread(redis.set_raw, redis_key(seeded[0]), b"\x80\x04not-a-record")
    await asyncio.to_thread(redis.set_raw, redis_key(seeded[1]), b"")
    for key, command in (
        (redis_key(list(last_good)[1]), ("HSET", "field", "value")),
        (redis_key(seeded[2]), ("RPUSH", "an", "item")),
        (redis_key(seeded[3]), ("SADD", "member")),
    ):
        await asyncio.to_thread(redis.execute, "DEL", key)
        await asyncio.to_thread(redis.execute, command[0], key, *command[1:])
    await asyncio.to_thread(redis.set_raw, DEFAULT_PREFIX + "breaker:pypi", b"soon-ish")
    before = await scrape(url)
    upstream_before = upstream.total()
    pool = [*last_good, *seeded]

    def target(i: int) -> str:
        return version_badge(pool[i % len(pool)], f"r={i}")

    started = time.monotonic()
    answers = await drive(url, target, seconds=LOAD_SECONDS)
    during = upstream.total() - upstream_before
    after = await scrape(url)

    def replaced() -> bool:
        return all(stored_record(redis, name) for name in seeded)

    async def all_replaced() -> bool:
        return await asyncio.to_thread(replaced)

    recovery = await wait_until(all_replaced, timeout=RECOVERY_LIMIT)
    errors = after.value("pypins_redis_errors_total") - before.value("pypins_redis_errors_total")
    figures.upstream_requests = during
    figures.recovery_seconds = (
        None if recovery is None else round(time.monotonic() - started - LOAD_SECONDS, 2)
    )
    figures.metrics = {"redis_errors": errors}
    figures.notes.append(
        "foreign values: 3 junk strings, a hash, a list, a set at record keys, junk at the "
        "breaker key; upstream requests: each seeded package fetched once per worker at most"
    )
    figures.count(answers)
    cached = [a for a in answers if package_of(a.target) in last_good]
    figures.stale_served = sum(a.message == last_good[package_of(a.target)] for a in cached)
    assert [a for a in answers if not a.well_formed] == []
    assert all(str(a.message).startswith("v") for a in answers)
    assert figures.stale_served == len(cached) > 0
    assert recovery is not None
    assert errors > 0
    assert during <= WORKERS * len(pool)


async def test_a_stranded_fetch_lock_holds_no_request_past_the_timeout(
    redis_service: Service, redis: RedisServer, upstream: Upstream
) -> None:
    """The fetch lock of a worker that died mid-fetch delays a badge by the timeout at
    most: the badge is answered, fetched once, while the lock is still held."""
    name = new_package()
    lock = f"{DEFAULT_PREFIX}lock:fetch:{record_key(PackageFacts, f'|{name}|')}"
    # As a worker killed while fetching leaves it, but held for 10 minutes: an answer
    # while it is still held did not wait for it to expire.
    await asyncio.to_thread(redis.execute, "SET", lock, "a-dead-workers-token", "PX", "600000")
    async with client_for(redis_service.url) as client:
        answer = await fetch(client, version_badge(name))
    assert answer.well_formed, answer
    assert str(answer.message).startswith("v")
    assert b"a-dead-workers-token" in await asyncio.to_thread(redis.execute, "GET", lock)
    assert upstream.count(f"/pypi/{name}/json") == 1
