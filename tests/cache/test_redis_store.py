"""``RedisStore`` beyond the contract: namespacing, and Redis failing in every way."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from pypins import settings
from pypins.badges.facts import PackageFacts
from pypins.cache.codec import decode_entry
from pypins.cache.redis_store import LATE_LOOP_TURNS, RedisStore, lag_tolerant, within
from pypins.cache.store import MemoryStore
from tests.support.clock import FakeClock
from tests.support.redis import PATIENT_TIMEOUT, RedisServer

pytestmark = pytest.mark.redis

BREAKER = 5.0
#: Seconds after which a test that should long be over has hung: it fails, not waits.
HUNG = 30


@pytest.fixture
async def faulty(
    private_redis: RedisServer, clock: FakeClock
) -> AsyncIterator[tuple[RedisServer, RedisStore]]:
    """A store with a fake clock (for the breaker) over a redis-server we may stop."""
    store = RedisStore.from_url(private_redis.url, breaker_seconds=BREAKER, clock=clock)
    yield private_redis, store
    await store.aclose()


async def test_keys_are_namespaced(redis_server: RedisServer, redis_store: RedisStore) -> None:
    """Values live under ``pypins:v1:``, locks under ``pypins:v1:lock:``."""
    await redis_store.set("package:s1:numpy", b"v", 60)
    token = await redis_store.acquire("package:s1:numpy", 60)
    assert token
    assert redis_server.execute("GET", "pypins:v1:package:s1:numpy") == b"$1\r\nv\r\n"
    assert redis_server.execute("GET", "pypins:v1:lock:package:s1:numpy") == (
        b"$32\r\n" + token.encode() + b"\r\n"
    )
    assert redis_server.execute("PTTL", "pypins:v1:package:s1:numpy").startswith(b":")


async def test_prefix_is_configurable(redis_server: RedisServer) -> None:
    """Two prefixes are two separate stores on one Redis."""
    client = Redis.from_url(redis_server.url)
    blue = RedisStore(client, prefix="blue:", owns_client=False)
    green = RedisStore(client, prefix="green:", owns_client=False)
    await blue.set("k", b"blue", 60)
    assert await green.get("k") is None
    assert redis_server.execute("EXISTS", "blue:k") == b":1\r\n"
    await blue.aclose()  # not its client: still usable
    assert await green.acquire("k", 1)
    await client.aclose()


async def test_foreign_bytes_are_returned_and_decode_as_a_miss(
    redis_server: RedisServer, redis_store: RedisStore
) -> None:
    """A value someone else wrote at our key is just bytes the codec refuses."""
    redis_server.set_raw("pypins:v1:k", b"\x80\x04not-ours")
    data = await redis_store.get("k")
    assert data == b"\x80\x04not-ours"
    assert decode_entry(data, PackageFacts) is None
    assert redis_store.errors == 0


async def test_a_key_of_another_type_is_a_counted_miss(
    redis_server: RedisServer, redis_store: RedisStore
) -> None:
    """WRONGTYPE is a miss and an error, but Redis stays in use (no breaker)."""
    redis_server.execute("LPUSH", "pypins:v1:k", "x")
    assert await redis_store.get("k") is None
    assert await redis_store.wait_for("k", 1) is None
    assert redis_store.errors == 2
    assert redis_store.last_error is not None
    assert "WRONGTYPE" in redis_store.last_error
    assert redis_store.available


@pytest.mark.parametrize("operation", ["get", "wait_for"])
async def test_replies_that_are_not_bytes_are_counted_misses(
    redis_server: RedisServer, operation: str
) -> None:
    """A client decoding replies to str (misconfigured) gives misses, not str values."""
    store = RedisStore(Redis.from_url(redis_server.url, decode_responses=True))
    await store.set("k", b"v", 60)
    if operation == "get":
        assert await store.get("k") is None
    else:
        assert await store.wait_for("k", 1) is None
    assert store.errors == 1
    assert store.last_error == f"{operation.replace('_for', '')}: unexpected reply of type str"
    await store.aclose()


async def test_flushall_mid_flight_is_a_plain_miss(
    redis_server: RedisServer, redis_store: RedisStore
) -> None:
    """Values and locks vanishing (FLUSHALL) are misses and free locks, not errors."""
    await redis_store.set("k", b"v", 60)
    token = await redis_store.acquire("lock", 60)
    assert token
    redis_server.flushall()
    assert await redis_store.get("k") is None
    await redis_store.release("lock", token)
    assert await redis_store.acquire("lock", 60)
    assert redis_store.errors == 0


async def test_redis_down_never_raises_and_recovers(
    faulty: tuple[RedisServer, RedisStore], clock: FakeClock
) -> None:
    """With Redis stopped every call answers a miss; after a restart and the breaker, all works."""
    server, store = faulty
    await store.set("k", b"v", 60)
    token = await store.acquire("redis-lock", 60)
    assert token
    server.stop()

    assert await store.get("k") is None
    assert store.errors == 1
    assert not store.available
    assert store.last_error is not None
    assert store.last_error.startswith("get: ")
    # The breaker is open: nothing is sent, nothing more is counted as an error.
    await store.set("k", b"v", 60)
    await store.delete("k")
    await store.release("redis-lock", token)
    assert await store.wait_for("k", 1) is None
    assert (store.errors, store.skipped) == (1, 4)

    # Locks fall back to this process's table.
    local = await store.acquire("lock", 60)
    assert local
    assert local.startswith("local:")
    assert await store.acquire("lock", 60) is None
    await store.release("lock", local)
    assert await store.acquire("lock", 60)

    server.start()  # same port, empty
    assert await store.get("k") is None  # still within the breaker's time: skipped
    assert not store.available
    clock.advance(BREAKER)
    await store.set("k", b"back", 60)
    assert store.available
    assert await store.get("k") == b"back"
    # The release script is loaded again into the new server.
    token = await store.acquire("redis-lock", 60)
    assert token
    assert not token.startswith("local:")
    await store.release("redis-lock", token)
    assert server.execute("EXISTS", "pypins:v1:lock:redis-lock") == b":0\r\n"
    assert store.errors == 1


async def test_a_failed_probe_keeps_the_breaker_open(
    faulty: tuple[RedisServer, RedisStore], clock: FakeClock
) -> None:
    """After the breaker's time one call probes Redis; if it fails, skipping resumes."""
    server, store = faulty
    server.stop()
    assert await store.get("k") is None
    clock.advance(BREAKER)
    assert await store.get("k") is None  # the probe
    assert store.errors == 2
    assert await store.get("k") is None
    assert store.errors == 2
    assert store.skipped == 1


async def test_only_one_call_probes_at_a_time(
    faulty: tuple[RedisServer, RedisStore], clock: FakeClock
) -> None:
    """While the probe is under way, the other calls skip Redis instead of piling on."""
    server, store = faulty
    server.stop()
    await store.get("k")
    clock.advance(BREAKER)
    server.start()
    results = await asyncio.gather(*(store.get("k") for _ in range(5)))
    assert results == [None] * 5
    assert store.skipped == 4
    assert store.available


async def test_a_hung_redis_costs_one_short_timeout(
    faulty: tuple[RedisServer, RedisStore],
) -> None:
    """A frozen Redis times out once (0.25 s, not a hang), then the breaker answers at once."""
    server, store = faulty
    options = store.client.connection_pool.connection_kwargs
    assert options["socket_timeout"] == settings.DEFAULT_REDIS_TIMEOUT
    await store.set("k", b"v", 60)  # a pooled connection exists
    server.pause()
    try:
        async with asyncio.timeout(HUNG):
            assert await store.get("k") is None
            assert store.errors == 1
            assert store.last_error is not None
            assert "Timeout" in store.last_error
            for _ in range(100):
                assert await store.get("k") is None
        # Nothing more was sent to Redis: no second timeout to wait for.
        assert (store.errors, store.skipped) == (1, 100)
    finally:
        server.resume()


async def _late_loop(server: RedisServer, get: Callable[[], Awaitable[object]]) -> object:
    """``get()``'s reply, which the loop comes back to only after the store's timeout:
    ``get`` is sent to a paused ``server``; then, blocking the loop, ``server`` resumes and
    answers, and the time allowed for that answer passes."""
    calls = _calls(server, "get")
    server.pause()
    try:
        read = asyncio.create_task(get())
        await asyncio.sleep(0.001)  # the loop runs ``read`` until it waits for the reply
        assert not read.done()
    finally:
        server.resume()
    deadline = time.monotonic() + HUNG
    while _calls(server, "get") == calls:  # its reply is on its way once the GET is counted
        assert time.monotonic() < deadline, "redis-server did not answer the GET"
        time.sleep(0.001)
    time.sleep(settings.DEFAULT_REDIS_TIMEOUT)  # blocking, like a request doing too much
    async with asyncio.timeout(HUNG):
        return await read


def _calls(server: RedisServer, command: str) -> int:
    """How many ``command`` commands ``server`` has executed (INFO commandstats)."""
    reply = server.execute("INFO", "commandstats").decode()
    for line in reply.splitlines():
        if line.startswith(f"cmdstat_{command}:calls="):
            return int(line.split("=", 1)[1].split(",", 1)[0])
    return 0


async def test_a_late_event_loop_is_not_a_slow_redis(
    faulty: tuple[RedisServer, RedisStore],
) -> None:
    """Redis answers in time but the loop comes back to the reply after the timeout (a
    blocking task): the reply is read; no error, Redis stays in use."""
    server, store = faulty
    await store.set("k", b"v", 60)  # a pooled connection exists
    assert await _late_loop(server, lambda: store.get("k")) == b"v"
    assert (store.errors, store.last_error, store.available) == (0, None, True)


def redis_py_alone(store: RedisStore) -> RedisStore:
    """``store`` with redis-py's own timeouts (its client not ``lag_tolerant``)."""
    store.client.connection_pool.connection_class = Connection
    return store


async def test_a_late_event_loop_fails_redis_py_alone(redis_server: RedisServer) -> None:
    """What ``RedisStore`` guards against: redis-py's own timeout, in the same scene, takes
    the late loop for a slow Redis (so the scene above does test a late loop)."""
    store = redis_py_alone(RedisStore.from_url(redis_server.url))
    await store.set("k", b"v", 60)
    assert await _late_loop(redis_server, lambda: store.get("k")) is None
    assert store.last_error is not None
    assert "Timeout reading" in store.last_error
    await store.aclose()


async def test_a_paused_redis_on_a_late_event_loop_is_still_slow(
    faulty: tuple[RedisServer, RedisStore],
) -> None:
    """A frozen Redis that the loop comes back to late has still not answered: an error,
    and Redis is left alone."""
    server, store = faulty
    await store.set("k", b"v", 60)
    server.pause()
    try:
        read = asyncio.create_task(store.get("k"))
        await asyncio.sleep(0.001)  # the loop runs ``read`` until it waits for the reply
        time.sleep(settings.DEFAULT_REDIS_TIMEOUT)  # blocking: the deadline passes
        async with asyncio.timeout(HUNG):
            assert await read is None
    finally:
        server.resume()
    assert store.errors == 1
    assert store.last_error is not None
    assert "Timeout" in store.last_error
    assert not store.available


@pytest.mark.parametrize("tolerant", [True, False])
async def test_a_late_event_loop_while_connecting(
    redis_server: RedisServer, *, tolerant: bool
) -> None:
    """A new connection the loop comes back to late is made, not timed out (redis-py
    alone times it out)."""
    store = RedisStore.from_url(redis_server.url)
    if not tolerant:
        redis_py_alone(store)
    redis_server.set_raw("pypins:v1:k", b"v")
    read = asyncio.create_task(store.get("k"))
    await asyncio.sleep(0)  # ``read`` starts connecting, and waits for the socket
    assert not read.done()
    time.sleep(settings.DEFAULT_REDIS_TIMEOUT)  # blocking: the connection's deadline passes
    async with asyncio.timeout(HUNG):
        value = await read
    if tolerant:
        assert (value, store.errors) == (b"v", 0)
    else:
        assert (value, store.errors) == (None, 1)
        assert store.last_error is not None
        assert "Timeout connecting" in store.last_error
    await store.aclose()


async def test_within_gives_a_late_loop_its_turns() -> None:
    """Past the deadline, ``within`` still lets the loop turn ``LATE_LOOP_TURNS`` times."""

    async def turns(count: int) -> int:
        for _ in range(count):
            await asyncio.sleep(0)
        return count

    async with asyncio.timeout(HUNG):
        assert await within(turns(LATE_LOOP_TURNS), 0) == LATE_LOOP_TURNS
        with pytest.raises(TimeoutError):
            await within(turns(LATE_LOOP_TURNS * 3), 0)
        with pytest.raises(TimeoutError):
            await within(asyncio.Event().wait(), 0.01)
        assert await within(turns(1000), HUNG) == 1000


async def test_lag_tolerance_keeps_redis_py_semantics(redis_server: RedisServer) -> None:
    """Without timeouts nothing is timed; an explicit read timeout is redis-py's; a client
    is made tolerant once; every connection class (here a Unix socket's) can be."""
    client = lag_tolerant(lag_tolerant(Redis.from_url(redis_server.url)))
    pool = client.connection_pool
    assert pool.connection_class.__name__ == "LagTolerantConnection"
    assert pool.connection_class.__mro__[2].__name__ == "Connection"
    await client.set("k", b"v")
    assert await client.get("k") == b"v"
    connection = await pool.get_connection()
    try:
        assert await connection.read_response(timeout=0.01) is None  # nothing was asked
    finally:
        await pool.release(connection)
    await client.aclose()
    unix = lag_tolerant(Redis.from_url("unix:///nonexistent/redis.sock"))
    assert unix.connection_pool.connection_class.__name__ == "LagTolerantUnixDomainSocketConnection"
    await unix.aclose()


async def test_failures_are_logged_at_most_once_per_interval(
    faulty: tuple[RedisServer, RedisStore], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Many failures make one warning per ``log_interval``, which counts the unlogged ones."""
    server, store = faulty
    store.breaker_seconds = 0  # every call tries Redis, and fails
    server.stop()
    with caplog.at_level(logging.WARNING, logger="pypins.cache.redis_store"):
        for _ in range(10):
            await store.get("k")
        clock.advance(store.log_interval)
        await store.get("k")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "redis get failed" in messages[0]
    assert "(9 more failures since the last report)" in messages[1]
    assert store.errors == 11


async def test_recovery_is_logged(
    faulty: tuple[RedisServer, RedisStore], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The breaker closing says so once."""
    server, store = faulty
    server.stop()
    await store.get("k")
    server.start()
    clock.advance(BREAKER)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pypins.cache.redis_store"):
        await store.get("k")
        await store.get("k")
    assert [record.getMessage() for record in caplog.records] == [
        "redis is available again (errors so far: 1)"
    ]


async def test_redis_never_started_is_a_miss() -> None:
    """An unreachable URL (nothing listening) gives misses and local locks: one refused
    connection, then the breaker answers without trying again."""
    from tests.support.service import free_port

    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0")
    async with asyncio.timeout(HUNG):
        assert await store.get("k") is None
        assert await store.acquire("lock", 1)
    assert (store.errors, store.skipped) == (1, 1)
    assert store.last_error is not None
    assert store.last_error.startswith("get: ConnectionError")
    await store.aclose()


async def test_lock_excludes_across_two_clients_and_expires(redis_server: RedisServer) -> None:
    """Two stores (two processes) exclude each other; an expired lock passes on."""
    first, second = (
        RedisStore.from_url(redis_server.url, timeout=PATIENT_TIMEOUT) for _ in range(2)
    )
    token = await first.acquire("lock", 0.1)
    assert token
    assert await second.acquire("lock", 0.1) is None
    await asyncio.sleep(0.15)
    taken = await second.acquire("lock", 10)
    assert taken
    await first.release("lock", token)  # too late: not ours any more
    assert redis_server.execute("GET", "pypins:v1:lock:lock") == (
        b"$32\r\n" + taken.encode() + b"\r\n"
    )
    await first.aclose()
    await second.aclose()


async def test_a_lock_with_no_time_to_live_still_lapses(redis_store: RedisStore) -> None:
    """A ttl <= 0 becomes Redis's shortest (1 ms): granted, and soon free again."""
    assert await redis_store.acquire("lock", 0)
    await asyncio.sleep(0.01)
    assert await redis_store.acquire("lock", -1)


def test_the_local_lock_table_uses_the_store_clock(clock: FakeClock) -> None:
    """The fallback locks lapse by the store's clock."""
    store = RedisStore(Redis.from_url("redis://127.0.0.1:1/0"), clock=clock)
    assert isinstance(store._local_locks, MemoryStore)
    assert store._local_locks.clock is clock
