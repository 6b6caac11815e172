"""The memory budget's shares, and what entries weigh."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from pypins.cache.budget import MB, SHARES, MemoryBudget, deep_size, key_size


def test_the_shares_make_the_whole() -> None:
    """The caches' shares add up to the budget, none empty."""
    assert sum(SHARES.values()) == pytest.approx(1.0)
    assert all(share > 0 for share in SHARES.values())
    budget = MemoryBudget.megabytes(128)
    assert budget.total == 128 * MB
    assert sum(budget.share(cache) for cache in SHARES) <= budget.total


@pytest.mark.parametrize(("cache", "share"), sorted(SHARES.items()))
def test_a_share(cache: str, share: float) -> None:
    """Each cache gets its fraction of the total, in whole bytes."""
    assert MemoryBudget(1000 * MB).share(cache) == int(1000 * MB * share)


def test_a_budget_needs_a_byte_per_cache() -> None:
    """A budget too small to give each cache a byte is refused."""
    with pytest.raises(ValueError, match="budget"):
        MemoryBudget(len(SHARES) - 1)


@dataclass(frozen=True, slots=True)
class _Record:
    name: str
    tags: tuple[str, ...]


def test_deep_size_counts_what_a_record_holds() -> None:
    """Every object reachable from a record counts, each once; the type does not."""
    tag = "x" * 100
    record = _Record("name", (tag, tag, "y" * 50))
    expected = (
        sys.getsizeof(record)
        + sys.getsizeof("name")
        + sys.getsizeof(record.tags)
        + sys.getsizeof(tag)
        + sys.getsizeof("y" * 50)
    )
    assert deep_size(record) == expected
    assert deep_size(_Record("name", (tag,) * 1000)) > deep_size(record)


@pytest.mark.parametrize(
    ("key", "size"),
    [
        ("abc", 3),
        (b"abcd", 4),
        ((b"/pypi/v/six.svg", b""), 16 + 15),
        (("pypi", "v", "six", None, "svg", (), ("flat", None)), 56 + 11 + 8 + (16 + 4 + 8)),
    ],
)
def test_key_size(key: object, size: int) -> None:
    """A key weighs its strings and bytes, and eight bytes per slot of its tuples."""
    assert key_size(key) == size
