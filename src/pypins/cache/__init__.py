"""Caching that protects PyPI: records of upstream facts and rendered responses.

* :mod:`pypins.cache.tinylfu` - a byte-bounded in-process cache with W-TinyLFU
  admission: keys asked for once cannot flush the ones asked for again and again.
* :mod:`pypins.cache.budget` - one memory budget split across a worker's caches, and
  what an entry weighs.
* :mod:`pypins.cache.lru` - a bounded in-process LRU (entries and bytes).
* :mod:`pypins.cache.records` - fresh / stale / grace logic with single flight over a
  fetch function; one upstream fetch per key per freshness window.
"""

from pypins.cache.budget import MemoryBudget
from pypins.cache.lru import LRUCache
from pypins.cache.records import NOT_MODIFIED, CacheResult, Entry, Fetched, RecordCache
from pypins.cache.tinylfu import TinyLFUCache

__all__ = [
    "NOT_MODIFIED",
    "CacheResult",
    "Entry",
    "Fetched",
    "LRUCache",
    "MemoryBudget",
    "RecordCache",
    "TinyLFUCache",
]
