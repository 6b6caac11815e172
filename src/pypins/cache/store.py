"""A byte store shared by the workers and hosts of a deployment, behind one small protocol.

```python
value = await store.get(key)
if value is None:
    token = await store.acquire("lock:" + key, ttl_seconds=10)
    if token is None:                      # another process is fetching
        value = await store.wait_for(key, timeout=5)
    else:
        try:
            ...fetch, then await store.set(key, data, ttl_seconds=...)
        finally:
            await store.release("lock:" + key, token)
```

Stores never raise for their own failures: a store that cannot answer answers as if it
held nothing (a miss), grants locks, and counts the failure in ``errors``.

* ``MemoryStore`` - in this process (the embedded default, and tests).
* ``NullStore`` - stores nothing and grants every lock.
* ``pypins.cache.redis_store.RedisStore`` - Redis, shared by processes and hosts.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["MemoryStore", "NullStore", "SharedStore", "new_token"]

#: Seconds between two polls of ``wait_for``: the first, and the most.
POLL_INITIAL = 0.01
POLL_MAX = 0.05


def new_token() -> str:
    """A random lock token, unique to its holder."""
    return secrets.token_hex(16)


@runtime_checkable
class SharedStore(Protocol):
    """Bytes with a time to live, and short locks for single flight across processes."""

    @property
    def errors(self) -> int:
        """Failures of the store itself so far (each answered as a miss)."""
        ...

    @property
    def last_error(self) -> str | None:
        """A description of the latest failure, if any."""
        ...

    @property
    def available(self) -> bool:
        """Whether the store is in use now (False while it is failing and being skipped)."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The value at ``key``, or ``None`` (absent, expired, or store unavailable)."""
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Keep ``value`` at ``key`` for ``ttl_seconds``; a ttl <= 0 deletes ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        ...

    async def acquire(self, lock_key: str, ttl_seconds: float) -> str | None:
        """Take the lock without waiting: a token to release it with, or ``None`` if held.

        The lock lapses after ``ttl_seconds`` even if never released.
        """
        ...

    async def release(self, lock_key: str, token: str) -> None:
        """Release the lock if ``token`` still holds it (not after it lapsed and was retaken)."""
        ...

    async def wait_for(self, key: str, timeout: float) -> bytes | None:
        """The value at ``key`` as soon as there is one, or ``None`` after ``timeout`` seconds."""
        ...

    async def aclose(self) -> None:
        """Release the store's resources (connections)."""
        ...


class MemoryStore:
    """A ``SharedStore`` in this process's memory; locks are per event loop.

    Time to live is measured with ``clock`` (injectable for tests). At most
    ``max_entries`` values are kept; past that the oldest writes go first.
    """

    def __init__(
        self, *, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.clock = clock
        self.errors = 0
        self.last_error: str | None = None
        self._values: dict[str, tuple[bytes, float]] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._waiters: dict[str, tuple[asyncio.Event, int]] = {}

    def __len__(self) -> int:
        return len(self._values)

    @property
    def available(self) -> bool:
        """Always True."""
        return True

    async def get(self, key: str) -> bytes | None:
        """The value at ``key``, or ``None``."""
        return self._get(key)

    def _get(self, key: str) -> bytes | None:
        item = self._values.get(key)
        if item is None:
            return None
        if self.clock() >= item[1]:
            del self._values[key]
            return None
        return item[0]

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Keep ``value`` at ``key`` for ``ttl_seconds``; a ttl <= 0 deletes ``key``."""
        self._values.pop(key, None)  # re-inserted last: the newest write
        if not ttl_seconds > 0:
            return
        self._values[key] = (bytes(value), self.clock() + ttl_seconds)
        while len(self._values) > self.max_entries:
            del self._values[next(iter(self._values))]
        waiting = self._waiters.pop(key, None)
        if waiting is not None:
            waiting[0].set()

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._values.pop(key, None)

    async def acquire(self, lock_key: str, ttl_seconds: float) -> str | None:
        """A token if the lock was free (or lapsed), else ``None``."""
        now = self.clock()
        held = self._locks.get(lock_key)
        if held is not None and now < held[1]:
            return None
        token = new_token()
        self._locks[lock_key] = (token, now + ttl_seconds)
        if len(self._locks) > self.max_entries:
            self._locks = {k: v for k, v in self._locks.items() if now < v[1]}
        return token

    async def release(self, lock_key: str, token: str) -> None:
        """Release the lock if ``token`` still holds it."""
        held = self._locks.get(lock_key)
        if held is not None and held[0] == token:
            del self._locks[lock_key]

    async def wait_for(self, key: str, timeout: float) -> bytes | None:
        """The value at ``key`` once set, or ``None`` after ``timeout`` seconds."""
        value = self._get(key)
        if value is not None or not timeout > 0:
            return value
        waiter, count = self._waiters.get(key, (None, 0))
        if waiter is None:
            waiter = asyncio.Event()
        self._waiters[key] = (waiter, count + 1)
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except TimeoutError:
            return None
        finally:
            current = self._waiters.get(key)
            if current is not None and current[0] is waiter:
                if current[1] <= 1:
                    del self._waiters[key]
                else:
                    self._waiters[key] = (waiter, current[1] - 1)
        return self._get(key)

    async def aclose(self) -> None:
        """Forget everything."""
        self._values.clear()
        self._locks.clear()


class NullStore:
    """A ``SharedStore`` that keeps nothing and grants every lock (no sharing at all)."""

    def __init__(self) -> None:
        self.errors = 0
        self.last_error: str | None = None

    @property
    def available(self) -> bool:
        """Always True."""
        return True

    async def get(self, key: str) -> bytes | None:
        """Always ``None``."""
        return None

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Keep nothing."""

    async def delete(self, key: str) -> None:
        """Nothing to forget."""

    async def acquire(self, lock_key: str, ttl_seconds: float) -> str:
        """A new token: every lock is granted."""
        return new_token()

    async def release(self, lock_key: str, token: str) -> None:
        """Nothing to release."""

    async def wait_for(self, key: str, timeout: float) -> bytes | None:
        """``None`` at once: nothing will ever appear."""
        return None

    async def aclose(self) -> None:
        """Nothing to close."""
