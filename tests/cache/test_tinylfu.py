"""``TinyLFUCache`` and its ``FrequencySketch``: W-TinyLFU admission within a byte bound.

Deterministic: no clock, no sleep; the only randomness is the cache's seeded generator
(the 1-in-128 admission of frequent candidates). Keys are strings, whose hashes differ
from run to run, so each property is asserted with wide margins.
"""

from __future__ import annotations

import random

import pytest

from pypins.cache.lru import LRUCache
from pypins.cache.tinylfu import (
    MAX_WIDTH,
    MIN_WIDTH,
    READ_BUFFER,
    FrequencySketch,
    TinyLFUCache,
)

#: Every entry of these tests weighs this much, so a cache of ``n * SIZE`` holds ``n``.
SIZE = 100


def _sized(key: str, value: str) -> int:
    return len(value)


def _cache(entries: int, *, seed: int = 0) -> TinyLFUCache[str, str]:
    """A cache of ``entries`` entries of ``SIZE`` bytes."""
    return TinyLFUCache(entries * SIZE, lambda key, value: SIZE, entry_bytes=SIZE, seed=seed)


def _ask(cache: TinyLFUCache[str, str] | LRUCache[str, str], key: str) -> bool:
    """Read ``key`` as the service does: a hit, or a miss followed by a store."""
    if cache.get(key) is not None:
        return True
    cache.set(key, "v" * SIZE)
    return False


def _flood_trace(working_set: int, one_offs_per_round: int, rounds: int) -> list[str]:
    """Rounds of the working set, each of its keys followed by fresh one-off keys."""
    trace = []
    fresh = 0
    for _ in range(rounds):
        for index in range(working_set):
            trace.append(f"hot-{index}")
            trace.extend(f"once-{fresh + n}" for n in range(one_offs_per_round))
            fresh += one_offs_per_round
    return trace


# -- the sketch ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "width"),
    [(0, MIN_WIDTH), (1, MIN_WIDTH), (100, 128), (1024, 1024), (10**9, MAX_WIDTH)],
)
def test_sketch_width_is_a_bounded_power_of_two(asked: int, width: int) -> None:
    """A row has a power of two of counters, at least ``MIN_WIDTH``, at most ``MAX_WIDTH``."""
    sketch = FrequencySketch(asked)
    assert sketch.width == width
    assert sketch.sample_size == 10 * width


@pytest.mark.parametrize("sightings", [1, 2, 5, 15])
def test_sketch_counts_sightings(sightings: int) -> None:
    """The first sighting is the doorkeeper's, the next ones the counters'."""
    sketch = FrequencySketch(1024)
    for _ in range(sightings):
        sketch.increment("key")
    assert sketch.frequency("key") == sightings
    assert sketch.frequency("other") == 0


def test_sketch_counts_in_one_call_as_in_many() -> None:
    """``increment(key, n)`` records what ``n`` increments would."""
    one, many = FrequencySketch(1024), FrequencySketch(1024)
    one.increment("key", 7)
    for _ in range(7):
        many.increment("key")
    assert one.frequency("key") == many.frequency("key") == 7
    assert one.additions == many.additions == 7


def test_sketch_counters_saturate() -> None:
    """A counter stops at 15 (four bits, as in Caffeine), the doorkeeper adds one."""
    sketch = FrequencySketch(1024)
    sketch.increment("key", 1000)
    assert sketch.frequency("key") == 16


def test_sketch_halves_after_its_sample() -> None:
    """After ``sample_size`` sightings every counter halves and the doorkeeper empties."""
    sketch = FrequencySketch(MIN_WIDTH)
    resets: list[int] = []
    sketch.on_reset = lambda: resets.append(sketch.resets)
    sketch.increment("popular", 11)
    assert sketch.frequency("popular") == 11
    sketch.record(sketch.sample_size - sketch.additions - 1)
    assert sketch.resets == 0
    sketch.record(1)
    assert resets == [1]
    # Ten counted sightings halve to five; the doorkeeper's one is forgotten.
    assert sketch.frequency("popular") == 5
    assert sketch.additions == sketch.sample_size // 2


def test_sketch_widens_for_more_entries() -> None:
    """More entries than counters in a row widen the sketch (starting afresh)."""
    sketch = FrequencySketch(MIN_WIDTH)
    sketch.increment("key", 3)
    sketch.ensure_width(MIN_WIDTH)
    assert sketch.width == MIN_WIDTH
    sketch.ensure_width(MIN_WIDTH + 1)
    assert sketch.width == 4 * MIN_WIDTH
    assert sketch.frequency("key") == 0


# -- the cache ----------------------------------------------------------------------------


@pytest.mark.parametrize("max_bytes", [0, -1])
def test_needs_a_byte(max_bytes: int) -> None:
    """A cache that could hold nothing is refused."""
    with pytest.raises(ValueError, match="max_bytes"):
        TinyLFUCache(max_bytes, _sized)


def test_reads_and_writes() -> None:
    """``get``, ``peek``, ``in``, ``len``, ``items`` and ``pop`` as on a mapping."""
    cache: TinyLFUCache[str, str] = TinyLFUCache(1000, _sized)
    assert cache.get("a") is None
    assert cache.peek("a") is None
    assert cache.set("a", "aaa")
    assert cache.set("b", "bb")
    assert "a" in cache
    assert len(cache) == 2
    assert cache.get("a") == "aaa"
    assert cache.peek("b") == "bb"
    assert sorted(cache.items()) == [("a", "aaa"), ("b", "bb")]
    assert cache.bytes == 5
    assert cache.pop("a") == "aaa"
    assert cache.pop("a") is None
    assert "a" not in cache
    assert cache.bytes == 2


@pytest.mark.parametrize(("first", "second"), [("aaaa", "bb"), ("bb", "aaaa"), ("a", "a")])
def test_replacing_a_value_counts_its_new_size(first: str, second: str) -> None:
    """A key stored again holds the new value and weighs its new size."""
    cache: TinyLFUCache[str, str] = TinyLFUCache(1000, _sized)
    cache.set("k", first)
    cache.set("other", "xyz")
    for _ in range(3):  # through the window, probation and protected
        cache.set("k", second)
        assert cache.get("k") == second
        assert cache.bytes == len(second) + 3


def test_an_oversize_value_is_not_stored() -> None:
    """A value larger than the whole cache is dropped, with the key's old value."""
    cache: TinyLFUCache[str, str] = TinyLFUCache(10, _sized)
    cache.set("a", "aaa")
    cache.set("b", "b")
    assert not cache.set("a", "x" * 11)
    assert "a" not in cache
    assert cache.get("b") == "b"
    assert cache.bytes == 1


def test_clear_forgets_entries_not_frequencies() -> None:
    """``clear`` empties the cache; how often keys were asked for is kept (halved)."""
    cache = _cache(10)
    cache.set("popular", "v")
    for _ in range(2 * READ_BUFFER):
        cache.get("popular")
    cache.clear()
    assert len(cache) == 0
    assert cache.bytes == 0
    assert cache.frequency("popular") > 5
    assert cache.frequency("never") == 0


def test_reads_reach_the_sketch_in_batches() -> None:
    """Reads are counted in batches of ``READ_BUFFER``, each read once."""
    cache = _cache(10)
    cache.set("key", "v")
    for _ in range(4):
        cache.get("key")
    assert cache.frequency("key") == 5  # the write and four reads
    cache.set("other", "v")
    assert cache.frequency("key") == 5


def test_an_evicted_key_keeps_its_frequency() -> None:
    """Reads counted aside go into the sketch when their entry leaves."""
    cache = _cache(10)
    cache.set("key", "v")
    for _ in range(6):
        cache.get("key")
    cache.pop("key")
    assert cache.frequency("key") == 7


@pytest.mark.parametrize("seed", range(5))
def test_the_bound_holds_whatever_the_keys(seed: int) -> None:
    """Random writes, reads and removals of keys of random sizes: the cache never holds
    more than its bound, and ``bytes`` is the sum of what it holds."""
    rng = random.Random(seed)
    cache: TinyLFUCache[str, str] = TinyLFUCache(5000, _sized, entry_bytes=100, seed=seed)
    for _ in range(5000):
        key = f"k{int(rng.paretovariate(0.7)) % 2000}"
        action = rng.random()
        if action < 0.5:
            cache.set(key, "x" * rng.randrange(0, 800))
        elif action < 0.95:
            cache.get(key)
        else:
            cache.pop(key)
        assert cache.bytes <= cache.max_bytes
    assert cache.bytes == sum(len(value) for _, value in cache.items())


@pytest.mark.parametrize(
    ("working_set", "one_offs_per_round"),
    [(10, 4), (20, 3), (50, 2)],
)
def test_a_flood_of_one_offs_keeps_the_working_set(
    working_set: int, one_offs_per_round: int
) -> None:
    """Keys asked for again and again stay while keys asked for once flood a cache of
    twice the working set; an LRU of the same size loses the working set."""
    entries = 2 * working_set
    trace = _flood_trace(working_set, one_offs_per_round, rounds=60)
    cache = _cache(entries)
    lru: LRUCache[str, str] = LRUCache(entries)
    hits = {"tinylfu": 0, "lru": 0}
    for position, key in enumerate(trace):
        hit, lru_hit = _ask(cache, key), _ask(lru, key)
        assert cache.bytes <= cache.max_bytes
        if key.startswith("hot-") and position > len(trace) // 2:
            hits["tinylfu"] += hit
            hits["lru"] += lru_hit
    asked = sum(1 for key in trace[len(trace) // 2 + 1 :] if key.startswith("hot-"))
    assert hits["tinylfu"] == asked
    assert hits["lru"] == 0
    assert all(f"hot-{index}" in cache for index in range(working_set))
    assert cache.rejected > len(trace) // 2
    assert cache.sketch.resets > 0


def test_a_new_favourite_gets_in() -> None:
    """A key asked for more often than what is held is admitted into a full cache; asked
    for once, it is not."""
    cache = _cache(100)
    for _ in range(4):
        for index in range(100):
            _ask(cache, f"old-{index}")
    assert len(cache) == 100
    asks = 0
    while "new" not in cache:
        _ask(cache, "new")
        _ask(cache, f"once-{asks}")
        asks += 1
        assert asks <= 15
    assert asks > 1
    assert len(cache) == 100


def test_frequent_rivals_sometimes_change_places() -> None:
    """A frequent candidate against a victim as frequent wins about once in 128 tries
    (Caffeine's defence against a victim kept artificially hot)."""
    cache = _cache(2, seed=7)
    for key in ("victim", "candidate"):
        cache.sketch.increment(key, 10)
    wins = sum(cache._admits("candidate", "victim") for _ in range(128 * 20))
    assert 5 <= wins <= 60
    cache.sketch.increment("rare", 2)
    assert not any(cache._admits("rare", "victim") for _ in range(1000))
