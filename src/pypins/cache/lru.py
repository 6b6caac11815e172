"""A bounded least-recently-used mapping, capped in entries and in bytes, and what
every bounded in-process cache offers (:class:`BoundedCache`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")
_K_contra = TypeVar("_K_contra", contravariant=True)


class BoundedCache(Protocol[_K_contra, V]):
    """What :class:`LRUCache` and :class:`~pypins.cache.tinylfu.TinyLFUCache` offer."""

    def __len__(self) -> int: ...

    def __contains__(self, key: object) -> bool: ...

    def get(self, key: _K_contra) -> V | None:
        """The value for ``key``, its read recorded, or None."""

    def peek(self, key: _K_contra) -> V | None:
        """The value for ``key`` without recording a read."""

    def set(self, key: _K_contra, value: V) -> object:
        """Store ``value``, evicting what the bounds require."""

    def pop(self, key: _K_contra) -> V | None:
        """Remove ``key`` and return its value, or None."""

    def clear(self) -> None:
        """Forget every entry."""


class LRUCache(Generic[K, V]):
    """An LRU mapping that never holds more than ``max_entries`` or ``max_bytes``.

    ``sizeof`` tells the bytes an entry costs, and must tell the same for a value every
    time it is asked (the size is taken again, not stored, when the entry leaves);
    without it only entries are counted. ``get`` is the hot path: one dictionary
    lookup and a move to the end.
    """

    __slots__ = ("_data", "_max_bytes", "_max_entries", "_sizeof", "bytes")

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

    def _size(self, value: V | None) -> int:
        return 0 if value is None or self._sizeof is None else self._sizeof(value)

    def set(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entries past the bounds."""
        size = self._size(value)
        if self._max_bytes is not None and size > self._max_bytes:
            self.pop(key)
            return
        data = self._data
        self.bytes += size - self._size(data.get(key))
        data[key] = value
        data.move_to_end(key)
        while len(data) > self._max_entries or (
            self._max_bytes is not None and self.bytes > self._max_bytes
        ):
            _, old = data.popitem(last=False)
            self.bytes -= self._size(old)

    def pop(self, key: K) -> V | None:
        """Remove ``key`` and return its value, or None."""
        value = self._data.pop(key, None)
        self.bytes -= self._size(value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        self._data.clear()
        self.bytes = 0
