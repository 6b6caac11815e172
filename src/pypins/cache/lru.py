"""A bounded least-recently-used mapping, capped in entries and in bytes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """An LRU mapping that never holds more than ``max_entries`` or ``max_bytes``.

    ``sizeof`` tells the bytes an entry costs; without it only entries are counted.
    ``get`` is the hot path: one dictionary lookup and a move to the end.
    """

    __slots__ = ("_data", "_max_bytes", "_max_entries", "_sizeof", "_sizes", "bytes")

    def __init__(
        self,
        max_entries: int,
        *,
        max_bytes: int | None = None,
        sizeof: Callable[[V], int] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._data: OrderedDict[K, V] = OrderedDict()
        self._sizes: dict[K, int] = {}
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._sizeof = sizeof
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: K) -> V | None:
        """The value for ``key``, marked as recently used, or None."""
        data = self._data
        value = data.get(key)
        if value is not None:
            data.move_to_end(key)
        return value

    def peek(self, key: K) -> V | None:
        """The value for ``key`` without touching its recency."""
        return self._data.get(key)

    def set(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entries past the bounds."""
        size = self._sizeof(value) if self._sizeof is not None else 0
        if self._max_bytes is not None and size > self._max_bytes:
            self.pop(key)
            return
        # Forget the old size even when the new value costs nothing.
        self.bytes -= self._sizes.pop(key, 0)
        self._data[key] = value
        self._data.move_to_end(key)
        if size:
            self._sizes[key] = size
            self.bytes += size
        while len(self._data) > self._max_entries or (
            self._max_bytes is not None and self.bytes > self._max_bytes
        ):
            old_key, _ = self._data.popitem(last=False)
            self.bytes -= self._sizes.pop(old_key, 0)

    def pop(self, key: K) -> V | None:
        """Remove ``key`` and return its value, or None."""
        value = self._data.pop(key, None)
        self.bytes -= self._sizes.pop(key, 0)
        return value

    def clear(self) -> None:
        """Forget everything."""
        self._data.clear()
        self._sizes.clear()
        self.bytes = 0
