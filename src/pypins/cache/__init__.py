"""Caching that protects PyPI: records of upstream facts and rendered responses.

* :mod:`pypins.cache.lru` - a bounded in-process LRU (entries and bytes).
* :mod:`pypins.cache.records` - fresh / stale / grace logic with single flight over a
  fetch function; one upstream fetch per key per freshness window.
"""

from pypins.cache.lru import LRUCache
from pypins.cache.records import NOT_MODIFIED, CacheResult, Entry, Fetched, RecordCache

__all__ = ["NOT_MODIFIED", "CacheResult", "Entry", "Fetched", "LRUCache", "RecordCache"]
