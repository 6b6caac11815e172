"""The ``SharedStore`` contract, run against every store (Memory, Redis; Null where it applies)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from pypins.cache.redis_store import RedisStore
from pypins.cache.store import MemoryStore, NullStore, SharedStore
from tests.support.clock import FakeClock
from tests.support.redis import PATIENT_TIMEOUT, RedisServer

#: Short enough for a fast suite, long enough for Redis's millisecond expiry.
TTL = 0.05
#: A wait that no test lasts: a waiter that returns has seen a value, not its timeout.
LONG_WAIT = 600.0
#: Seconds after which a test that should long be over has hung: it fails, not waits.
HUNG = 30


@dataclass
class Backend:
    """Two stores over one backend (two processes' view), and a way to let time pass."""

    store: SharedStore
    other: SharedStore
    advance: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[Backend]:
    """A store and a second view of its backend; time is fake for Memory, real for Redis."""
    if request.param == "memory":
        store = MemoryStore(clock=clock)

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        yield Backend(store, store, advance)
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    # Patient (see PATIENT_TIMEOUT): Redis's speed is not what the contract is about.
    first, second = (RedisStore.from_url(server.url, timeout=PATIENT_TIMEOUT) for _ in range(2))
    yield Backend(first, second, asyncio.sleep)
    await first.aclose()
    await second.aclose()


async def test_is_a_shared_store(backend: Backend) -> None:
    """The store satisfies the runtime-checkable protocol and starts healthy."""
    assert isinstance(backend.store, SharedStore)
    assert backend.store.errors == 0
    assert backend.store.last_error is None
    assert backend.store.available


async def test_get_of_a_missing_key_is_none(backend: Backend) -> None:
    """An unknown key is a miss."""
    assert await backend.store.get("missing") is None


@pytest.mark.parametrize("value", [b"", b"x", bytes(range(256)), b"\x00" * 100_000])
async def test_set_then_get_from_either_view(backend: Backend, value: bytes) -> None:
    """Bytes come back as written, to the writer and to the other view."""
    await backend.store.set("k", value, ttl_seconds=60)
    assert await backend.store.get("k") == value
    assert await backend.other.get("k") == value


async def test_set_overwrites(backend: Backend) -> None:
    """The latest write wins."""
    await backend.store.set("k", b"one", 60)
    await backend.other.set("k", b"two", 60)
    assert await backend.store.get("k") == b"two"


@pytest.mark.parametrize("ttl", [0, -1.0])
async def test_set_with_no_time_to_live_deletes(backend: Backend, ttl: float) -> None:
    """Writing with a ttl <= 0 leaves nothing at the key."""
    await backend.store.set("k", b"old", 60)
    await backend.store.set("k", b"new", ttl)
    assert await backend.store.get("k") is None


async def test_delete(backend: Backend) -> None:
    """A deleted key is a miss; deleting a missing key is fine."""
    await backend.store.set("k", b"v", 60)
    await backend.other.delete("k")
    await backend.other.delete("never-set")
    assert await backend.store.get("k") is None


async def test_values_expire(backend: Backend) -> None:
    """A value is gone once its time to live has passed."""
    await backend.store.set("k", b"v", TTL)
    await backend.store.set("long", b"v", 60)
    await backend.advance(TTL * 2)
    assert await backend.store.get("k") is None
    assert await backend.store.get("long") == b"v"


async def test_lock_is_exclusive_until_released(backend: Backend) -> None:
    """A held lock is refused to everyone, then granted again after release."""
    token = await backend.store.acquire("lock", 10)
    assert token
    assert await backend.other.acquire("lock", 10) is None
    assert await backend.store.acquire("lock", 10) is None
    await backend.store.release("lock", token)
    again = await backend.other.acquire("lock", 10)
    assert again
    assert again != token


async def test_release_with_a_foreign_token_keeps_the_lock(backend: Backend) -> None:
    """Only the holder's token releases a lock."""
    token = await backend.store.acquire("lock", 10)
    assert token
    await backend.other.release("lock", "not-the-token")
    assert await backend.other.acquire("lock", 10) is None


async def test_lock_lapses_and_the_old_holder_cannot_release_the_new_one(
    backend: Backend,
) -> None:
    """An expired lock is granted again; the late release of the old token is a no-op."""
    old = await backend.store.acquire("lock", TTL)
    assert old
    await backend.advance(TTL * 2)
    new = await backend.other.acquire("lock", 10)
    assert new
    await backend.store.release("lock", old)
    assert await backend.store.acquire("lock", 10) is None


async def test_locks_and_values_do_not_collide(backend: Backend) -> None:
    """A lock named like a key neither creates nor hides the key's value."""
    assert await backend.store.acquire("k", 10)
    assert await backend.store.get("k") is None
    await backend.store.set("k", b"v", 60)
    assert await backend.store.get("k") == b"v"
    assert await backend.store.acquire("k", 10) is None


async def test_concurrent_acquires_grant_exactly_one(backend: Backend) -> None:
    """Of many simultaneous acquirers over both views, one gets the lock."""
    stores = [backend.store, backend.other] * 10
    tokens = await asyncio.gather(*(store.acquire("lock", 10) for store in stores))
    assert len([token for token in tokens if token]) == 1


async def test_wait_for_an_existing_value_returns_at_once(backend: Backend) -> None:
    """A value already there is returned without waiting."""
    await backend.store.set("k", b"v", 60)
    assert await backend.other.wait_for("k", timeout=5) == b"v"


async def test_wait_for_sees_a_value_written_by_the_other_view(backend: Backend) -> None:
    """A waiter gets the value another process writes while it waits, promptly: long
    before its own timeout."""
    waiter = asyncio.create_task(backend.store.wait_for("k", timeout=LONG_WAIT))
    await asyncio.sleep(0.03)
    assert not waiter.done()
    await backend.other.set("k", b"v", 60)
    async with asyncio.timeout(HUNG):
        assert await waiter == b"v"


@pytest.mark.parametrize("timeout", [0, 0.05])
async def test_wait_for_times_out(backend: Backend, timeout: float) -> None:
    """Nothing written: None once ``timeout`` is up (not a hang, not an error)."""
    async with asyncio.timeout(HUNG):
        assert await backend.store.wait_for("k", timeout=timeout) is None
    assert backend.store.errors == 0


# NullStore: the parts of the contract that apply to a store that keeps nothing.


async def test_null_store_keeps_nothing_and_grants_every_lock() -> None:
    """NullStore misses every read, grants every lock, and never waits."""
    store = NullStore()
    assert isinstance(store, SharedStore)
    await store.set("k", b"v", 60)
    assert await store.get("k") is None
    await store.delete("k")
    first, second = await store.acquire("lock", 10), await store.acquire("lock", 10)
    assert first
    assert second
    assert first != second
    await store.release("lock", first)
    waiting = store.wait_for("k", timeout=LONG_WAIT)
    with pytest.raises(StopIteration) as returned:  # at once: it never gives up control
        waiting.send(None)
    assert returned.value.value is None
    assert (store.errors, store.last_error, store.available) == (0, None, True)
    await store.aclose()


# MemoryStore: its bounds and its waiters.


def test_memory_store_needs_room_for_one_entry() -> None:
    """``max_entries`` below 1 is refused."""
    with pytest.raises(ValueError, match="at least 1"):
        MemoryStore(max_entries=0)


async def test_memory_store_drops_the_oldest_writes_past_its_bound(clock: FakeClock) -> None:
    """Past ``max_entries`` the least recently written values go first."""
    store = MemoryStore(max_entries=2, clock=clock)
    await store.set("a", b"1", 60)
    await store.set("b", b"2", 60)
    await store.set("a", b"3", 60)  # rewritten: now the newest
    await store.set("c", b"4", 60)
    assert len(store) == 2
    assert [await store.get(key) for key in "abc"] == [b"3", None, b"4"]


async def test_memory_store_forgets_lapsed_locks_past_its_bound(clock: FakeClock) -> None:
    """The lock table sheds lapsed locks once it outgrows ``max_entries``."""
    store = MemoryStore(max_entries=2, clock=clock)
    await store.acquire("a", 1)
    await store.acquire("b", 1)
    clock.advance(2)
    await store.acquire("c", 1)
    assert list(store._locks) == ["c"]


async def test_memory_store_wakes_every_waiter_even_after_one_timed_out() -> None:
    """A waiter timing out does not leave the others unwoken."""
    store = MemoryStore()
    patient = [asyncio.create_task(store.wait_for("k", timeout=LONG_WAIT)) for _ in range(2)]
    assert await store.wait_for("k", timeout=0.01) is None
    await store.set("k", b"v", 60)
    async with asyncio.timeout(HUNG):
        assert await asyncio.gather(*patient) == [b"v", b"v"]
    assert store._waiters == {}


async def test_memory_store_aclose_forgets_everything() -> None:
    """Closing empties values and locks."""
    store = MemoryStore()
    await store.set("k", b"v", 60)
    await store.acquire("lock", 60)
    await store.aclose()
    assert await store.get("k") is None
    assert await store.acquire("lock", 60)
