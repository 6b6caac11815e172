"""``LRUCache``: bounds in entries and bytes, recency, and byte accounting."""

from __future__ import annotations

import pytest

from pypins.cache.lru import LRUCache


def _sized(max_entries: int = 10, max_bytes: int | None = None) -> LRUCache[str, str]:
    return LRUCache(max_entries, max_bytes=max_bytes, sizeof=len)


@pytest.mark.parametrize("max_entries", [0, -1])
def test_needs_one_entry(max_entries: int) -> None:
    """A cache that could hold nothing is refused."""
    with pytest.raises(ValueError, match="max_entries"):
        LRUCache(max_entries)


def test_get_missing_is_none() -> None:
    """An absent key reads as None and is not contained."""
    cache: LRUCache[str, int] = LRUCache(2)
    assert cache.get("a") is None
    assert cache.peek("a") is None
    assert "a" not in cache
    assert len(cache) == 0


@pytest.mark.parametrize("max_entries", [1, 2, 5])
def test_bounded_by_entries(max_entries: int) -> None:
    """The oldest entries go once more than ``max_entries`` are stored."""
    cache: LRUCache[int, int] = LRUCache(max_entries)
    for key in range(max_entries + 3):
        cache.set(key, key)
    assert len(cache) == max_entries
    assert [key in cache for key in range(max_entries + 3)] == [False] * 3 + [True] * max_entries
    assert cache.bytes == 0


def test_get_refreshes_recency() -> None:
    """A read entry survives the eviction that takes the least recently used one."""
    cache: LRUCache[str, int] = LRUCache(2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    cache.set("c", 3)
    assert "a" in cache
    assert "b" not in cache


def test_peek_keeps_recency() -> None:
    """A peeked entry is still the first to go."""
    cache: LRUCache[str, int] = LRUCache(2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.peek("a") == 1
    cache.set("c", 3)
    assert "a" not in cache
    assert cache.peek("b") == 2


def test_set_again_refreshes_recency() -> None:
    """Replacing a value makes its key the most recently used."""
    cache: LRUCache[str, int] = LRUCache(2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("a", 10)
    cache.set("c", 3)
    assert cache.get("a") == 10
    assert "b" not in cache


@pytest.mark.parametrize(
    ("values", "max_bytes", "kept", "expected_bytes"),
    [
        (["aaaa", "bbbb"], 10, ["0", "1"], 8),
        (["aaaa", "bbbb", "cccc"], 10, ["1", "2"], 8),
        (["aaaaaaaa", "bb", "c"], 10, ["1", "2"], 3),
        (["aa", "bb", "cccccccccc"], 10, ["2"], 10),
        (["", "", ""], 10, ["0", "1", "2"], 0),
    ],
)
def test_bounded_by_bytes(
    values: list[str], max_bytes: int, kept: list[str], expected_bytes: int
) -> None:
    """The oldest entries go until the sizes fit ``max_bytes``."""
    cache = _sized(max_bytes=max_bytes)
    for index, value in enumerate(values):
        cache.set(str(index), value)
    assert [str(index) for index in range(len(values)) if str(index) in cache] == kept
    assert cache.bytes == expected_bytes


def test_oversize_value_is_not_stored() -> None:
    """A value larger than ``max_bytes`` is dropped, with the key's old value."""
    cache = _sized(max_bytes=4)
    cache.set("a", "aaa")
    cache.set("b", "b")
    cache.set("a", "too large")
    assert "a" not in cache
    assert cache.get("b") == "b"
    assert cache.bytes == 1


def test_oversize_new_key_leaves_others() -> None:
    """An oversize value for a new key evicts nothing."""
    cache = _sized(max_bytes=4)
    cache.set("a", "aaaa")
    cache.set("b", "12345")
    assert cache.get("a") == "aaaa"
    assert cache.bytes == 4


@pytest.mark.parametrize(
    ("first", "second"),
    [("aaaa", "bb"), ("bb", "aaaa"), ("aaaa", ""), ("", "aaaa"), ("", "")],
)
def test_bytes_follow_replacement(first: str, second: str) -> None:
    """Replacing a value counts the new size only, down to zero after a pop."""
    cache = _sized(max_bytes=100)
    cache.set("k", first)
    cache.set("other", "xyz")
    cache.set("k", second)
    assert cache.bytes == len(second) + 3
    assert cache.pop("k") == second
    assert cache.bytes == 3
    assert cache.pop("other") == "xyz"
    assert cache.bytes == 0


def test_bytes_without_max_bytes() -> None:
    """With ``sizeof`` but no byte bound, sizes are counted and only entries bind."""
    cache = _sized(max_entries=2)
    cache.set("a", "a" * 1000)
    cache.set("b", "bb")
    assert cache.bytes == 1002
    cache.set("c", "ccc")
    assert "a" not in cache
    assert cache.bytes == 5


def test_pop() -> None:
    """``pop`` returns and forgets a value, and None for an absent key."""
    cache = _sized()
    cache.set("a", "aa")
    assert cache.pop("a") == "aa"
    assert cache.pop("a") is None
    assert "a" not in cache
    assert cache.bytes == 0


def test_clear() -> None:
    """``clear`` forgets every entry and every byte."""
    cache = _sized()
    for key in "abc":
        cache.set(key, key * 3)
    assert cache.bytes == 9
    cache.clear()
    assert len(cache) == 0
    assert cache.bytes == 0
    cache.set("a", "a")
    assert cache.bytes == 1
