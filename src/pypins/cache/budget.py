"""One byte budget for every in-process cache of a worker, and what an entry weighs.

A worker keeps four kinds of thing in memory: its hot index (responses by raw path and
query), rendered badges (by canonical key), records (one per package and upstream) and
builder pages. :class:`MemoryBudget` splits one figure (``PYPINS_MEMORY_BUDGET``) into
fixed shares, one per cache, each a :class:`~pypins.cache.tinylfu.TinyLFUCache` that
never holds more than its share. Fixed shares keep each cache's behaviour its own: a
flood of one kind of key can fill its own share, never another's.

Entries are weighed by what they hold: :func:`deep_size` for records (every object
reachable from the entry, counted once), and, for responses, their body, headers and
key plus :data:`ENTRY_OVERHEAD`. A response kept by both the hot index and the
rendered badges is counted in each, so the shares bound memory from above.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Mapping
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Final

__all__ = ["ENTRY_OVERHEAD", "SHARES", "MemoryBudget", "deep_size", "key_size"]

MB: Final = 1024 * 1024

#: Each cache's share of the budget. The hot index and the rendered badges hold
#: responses (about 2 to 3 KB each); records about 1.5 KB per package; a builder page
#: about 100 KB.
SHARES: Final[Mapping[str, float]] = {
    "hot": 0.40,
    "rendered": 0.25,
    "records": 0.20,
    "downloads": 0.03,
    "index": 0.03,
    "attestations": 0.02,
    "pages": 0.07,
}

#: Bytes an entry costs beyond its key's and its value's own data: the cache's
#: dictionary and LRU slots, its count, the key tuple, the ``ServedResponse`` and the
#: ``PreparedResponse`` objects (measured with tracemalloc: about 550 B for a badge).
ENTRY_OVERHEAD: Final = 600

#: Objects every record shares, never counted.
_SHARED_TYPES: Final = (type, ModuleType, FunctionType, BuiltinFunctionType)
#: Types whose objects reach no other object.
_LEAVES: Final = frozenset({str, bytes, int, float, bool, type(None)})


class MemoryBudget:
    """``total`` bytes split into the caches' :data:`SHARES`."""

    __slots__ = ("total",)

    def __init__(self, total: int) -> None:
        if total < len(SHARES):
            raise ValueError("a memory budget needs at least one byte per cache")
        #: Bytes in all.
        self.total = total

    @classmethod
    def megabytes(cls, megabytes: float) -> MemoryBudget:
        """The budget of ``megabytes`` MiB."""
        return cls(int(megabytes * MB))

    def share(self, cache: str) -> int:
        """The bytes ``cache`` (a key of :data:`SHARES`) may hold."""
        return max(1, int(self.total * SHARES[cache]))


def deep_size(value: object) -> int:
    """Bytes of ``value`` and of every object it reaches, each counted once (types,
    modules and functions, which every instance shares, left out).

    Strings that several values share (interned names) are counted in each: an upper
    bound.
    """
    getsizeof = sys.getsizeof
    referents = gc.get_referents
    seen: set[int] = set()
    pending = [value]
    total = 0
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        kind = type(item)
        if kind in _LEAVES:
            total += getsizeof(item)
        elif not issubclass(kind, _SHARED_TYPES):
            total += getsizeof(item)
            pending.extend(referents(item))
    return total


def key_size(key: object) -> int:
    """Bytes of a cache key made of tuples, strings, bytes and small values."""
    if isinstance(key, (str, bytes)):
        return len(key)
    if isinstance(key, tuple):
        return 8 * len(key) + sum(key_size(part) for part in key)
    return 8
