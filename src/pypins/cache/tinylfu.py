"""A byte-bounded cache that a scan of one-off keys cannot flush: W-TinyLFU.

The policy is Caffeine's (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient
Cache Admission Policy", and Caffeine's design page):

* a new entry enters a small **window** LRU (1% of the bytes), so a burst of new keys
  is held briefly without disturbing anything else;
* an entry leaving the window is a **candidate** for the **main** space, a segmented
  LRU: *probation* (entries seen once there) and *protected* (80% of main: entries read
  again while on probation);
* the candidate is admitted only if the **frequency sketch** says it was asked for more
  often than the **victim** (probation's least recently used entry); otherwise the
  candidate goes. A flood of keys asked for once loses every comparison with the badges
  asked for again and again;
* the sketch is a count-min sketch of 4-bit counters (four rows) behind a
  **doorkeeper** (a Bloom filter that takes each key's first sighting, so one-offs
  never reach the counters); after ten times its width in recorded accesses it is
  **reset**: every counter halves and the doorkeeper empties, so that old popularity
  fades.

Entries are weighed in bytes by ``sizeof`` once, when stored, and the cache never
holds more than ``max_bytes``. Reads are the hot path: one dictionary lookup and an
append to a read buffer. The buffer is replayed every ``READ_BUFFER`` reads and before
every write, as Caffeine batches reads: the reads are counted in a dictionary beside
the sketch (which takes a key's count when its entry leaves), and each distinct key
moves once to the end of its segment. A badge read again and again thus costs an
append and a share of one count, not a sketch update per read. Caffeine's adaptive
window size (hill climbing) is left out: the window stays at 1%.
"""

from __future__ import annotations

import random
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["READ_BUFFER", "FrequencySketch", "TinyLFUCache"]

K = TypeVar("K")
V = TypeVar("V")

#: Reads buffered before they are replayed into the sketch and the LRU orders.
READ_BUFFER = 128
#: The window's share of the bytes, and the protected segment's share of the main space.
WINDOW_SHARE = 0.01
PROTECTED_SHARE = 0.80
#: A candidate this frequent may win against a victim as frequent, once in 128 tries:
#: an attacker who made a victim artificially hot cannot keep it in forever (Caffeine).
ADMIT_HASHDOS_THRESHOLD = 6

_MAX_COUNT = 15
#: ``bytes.translate`` table halving every counter at once (the reset).
_HALVE = bytes(count >> 1 for count in range(256))
#: Widths of the sketch: at least this many counters per row, at most that many.
MIN_WIDTH = 16
MAX_WIDTH = 1 << 18


def _hashes(key: object) -> tuple[int, int]:
    """Two 32-bit hashes of ``key``, taken from its 64-bit ``hash``: the keys here are
    strings, bytes and tuples of them, whose hashes (SipHash, and xxHash's mixing for
    tuples) are already spread over all 64 bits and randomised per process."""
    h = hash(key)
    return h & 0xFFFFFFFF, ((h >> 32) & 0xFFFFFFFF) | 1


def _power_of_two(value: int) -> int:
    return 1 << max(0, value - 1).bit_length()


class FrequencySketch:
    """How often keys were seen lately: a count-min sketch behind a doorkeeper.

    Four rows of ``width`` counters (a power of two), each a byte capped at 15; a key's
    estimate is its smallest counter, plus one if the doorkeeper has seen it. The
    doorkeeper is a Bloom filter of ``32 * width`` bits and two hashes. After
    ``sample_size`` recorded sightings (ten times the width) the counters halve and the
    doorkeeper empties.
    """

    __slots__ = (
        "_door_mask",
        "_doorkeeper",
        "_mask",
        "_table",
        "additions",
        "on_reset",
        "resets",
        "width",
    )

    def __init__(self, width: int) -> None:
        self._allocate(width)
        #: Resets so far.
        self.resets = 0
        #: Called after each reset (the cache halves the counts it keeps aside too).
        self.on_reset: Callable[[], None] | None = None

    def _allocate(self, width: int) -> None:
        width = min(max(_power_of_two(width), MIN_WIDTH), MAX_WIDTH)
        self.width = width
        self._mask = width - 1
        self._table = bytearray(4 * width)
        self._doorkeeper = bytearray(4 * width)
        self._door_mask = 32 * width - 1
        #: Sightings recorded since the last reset.
        self.additions = 0

    @property
    def sample_size(self) -> int:
        """Sightings after which every counter halves."""
        return 10 * self.width

    def ensure_width(self, entries: int) -> None:
        """Widen the sketch (starting afresh) when the cache holds more entries than a
        row has counters (Caffeine sizes it to the cache's entries likewise)."""
        if entries > self.width and self.width < MAX_WIDTH:
            self._allocate(2 * entries)

    def increment(self, key: object, count: int = 1) -> None:
        """Record ``count`` sightings of ``key``."""
        first, step = _hashes(key)
        door = self._doorkeeper
        door_mask = self._door_mask
        bit_a = (first + 4 * step) & door_mask
        bit_b = (first + 5 * step) & door_mask
        counted = count
        if not (door[bit_a >> 3] >> (bit_a & 7)) & 1 or not (door[bit_b >> 3] >> (bit_b & 7)) & 1:
            # A first sighting goes to the doorkeeper only.
            door[bit_a >> 3] |= 1 << (bit_a & 7)
            door[bit_b >> 3] |= 1 << (bit_b & 7)
            counted -= 1
        if counted > 0:
            table = self._table
            mask = self._mask
            width = self.width
            # The four rows, unrolled (each counter saturates at 15).
            index = first & mask
            value = table[index] + counted
            table[index] = value if value < _MAX_COUNT else _MAX_COUNT
            index = width + ((first + step) & mask)
            value = table[index] + counted
            table[index] = value if value < _MAX_COUNT else _MAX_COUNT
            index = 2 * width + ((first + 2 * step) & mask)
            value = table[index] + counted
            table[index] = value if value < _MAX_COUNT else _MAX_COUNT
            index = 3 * width + ((first + 3 * step) & mask)
            value = table[index] + counted
            table[index] = value if value < _MAX_COUNT else _MAX_COUNT
        self.record(count)

    def record(self, sightings: int) -> None:
        """Count ``sightings`` towards the sample; past it, :meth:`reset`."""
        self.additions += sightings
        if self.additions >= self.sample_size:
            self.reset()

    def frequency(self, key: object) -> int:
        """The estimated sightings of ``key`` since about the last reset (0 to 16)."""
        first, step = _hashes(key)
        table = self._table
        mask = self._mask
        width = self.width
        estimate = min(
            table[first & mask],
            table[width + ((first + step) & mask)],
            table[2 * width + ((first + 2 * step) & mask)],
            table[3 * width + ((first + 3 * step) & mask)],
        )
        door = self._doorkeeper
        door_mask = self._door_mask
        bit_a = (first + 4 * step) & door_mask
        bit_b = (first + 5 * step) & door_mask
        if (door[bit_a >> 3] >> (bit_a & 7)) & 1 and (door[bit_b >> 3] >> (bit_b & 7)) & 1:
            estimate += 1
        return estimate

    def reset(self) -> None:
        """Halve every counter and empty the doorkeeper: old popularity fades."""
        self._table = self._table.translate(_HALVE)
        self._doorkeeper = bytearray(len(self._doorkeeper))
        self.additions //= 2
        self.resets += 1
        if self.on_reset is not None:
            self.on_reset()


class TinyLFUCache(Generic[K, V]):
    """A mapping that never holds more than ``max_bytes``, admitting by frequency.

    ``sizeof(key, value)`` gives the bytes an entry costs (its key, its value and what
    keeping it costs); it is asked once, when the entry is stored. ``entry_bytes`` is
    the size of a typical entry, which sizes the sketch (it widens if more entries
    come). A value is never None (None reads as a miss). ``seed`` makes the 1-in-128
    admission of frequent candidates repeatable (by default it is not).

    Reads are counted exactly in a dictionary beside the sketch, which takes a key's
    count when its entry leaves: a key read again and again costs a share of one count
    per batch of reads, not a sketch update. A key's frequency is the sketch's estimate
    plus its count, at most 15 as in the sketch; a reset halves both.
    """

    __slots__ = (
        "_counts",
        "_probation",
        "_protected",
        "_protected_bytes",
        "_protected_max",
        "_random",
        "_reads",
        "_sizeof",
        "_values",
        "_window",
        "_window_bytes",
        "_window_max",
        "bytes",
        "max_bytes",
        "rejected",
        "sketch",
    )

    def __init__(
        self,
        max_bytes: int,
        sizeof: Callable[[K, V], int],
        *,
        entry_bytes: int = 2048,
        seed: int | None = None,
    ) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._values: dict[K, V] = {}
        # Each segment maps its keys, least recently used first, to their sizes.
        self._window: OrderedDict[K, int] = OrderedDict()
        self._probation: OrderedDict[K, int] = OrderedDict()
        self._protected: OrderedDict[K, int] = OrderedDict()
        self._window_max = max(1, int(max_bytes * WINDOW_SHARE))
        self._protected_max = int((max_bytes - self._window_max) * PROTECTED_SHARE)
        self._window_bytes = 0
        self._protected_bytes = 0
        #: Reads not yet replayed (the hot path only appends).
        self._reads: list[K] = []
        #: Reads replayed but not yet in the sketch, by key.
        self._counts: Counter[K] = Counter()
        # A tie-break an attacker cannot foresee; tests pass a seed.
        self._random = random.Random(seed)  # noqa: S311 - not a secret
        self.sketch = FrequencySketch(max_bytes // max(1, entry_bytes))
        self.sketch.on_reset = self._halve_counts
        #: Bytes held (the sum of the entries' sizes).
        self.bytes = 0
        #: Candidates that lost the admission comparison and went.
        self.rejected = 0

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def get(self, key: K) -> V | None:
        """The value for ``key``, its read recorded, or None."""
        value = self._values.get(key)
        if value is not None:
            reads = self._reads
            reads.append(key)
            if len(reads) >= READ_BUFFER:
                self._drain_reads()
        return value

    def peek(self, key: K) -> V | None:
        """The value for ``key`` without recording a read."""
        return self._values.get(key)

    def items(self) -> list[tuple[K, V]]:
        """Every entry (in no particular order)."""
        return list(self._values.items())

    def frequency(self, key: K) -> int:
        """How often ``key`` was seen lately, as admission compares it (0 to 15)."""
        self._drain_reads()
        return min(self.sketch.frequency(key) + self._counts[key], _MAX_COUNT)

    def set(self, key: K, value: V) -> bool:
        """Store ``value`` (a write counts as a sighting of ``key``) and evict by the
        policy until the entries fit. Whether ``key`` is held afterwards: a value
        larger than the whole cache is not stored (and the key's old value goes)."""
        self._drain_reads()
        size = self._sizeof(key, value)
        if size > self.max_bytes:
            self.pop(key)
            return False
        values = self._values
        if key in values:
            values[key] = value
            self._count(key, 1)
            self._resize(key, size)
            self._touch(key)
        else:
            self.sketch.increment(key)
            values[key] = value
            self._window[key] = size
            self._window_bytes += size
            self.bytes += size
            self.sketch.ensure_width(len(values))
        self._evict()
        return key in values

    def pop(self, key: K) -> V | None:
        """Remove ``key`` and return its value, or None."""
        value = self._values.pop(key, None)
        if value is None:
            return None
        size = self._window.pop(key, None)
        if size is not None:
            self._window_bytes -= size
        else:
            size = self._probation.pop(key, None)
            if size is None:
                size = self._protected.pop(key)
                self._protected_bytes -= size
        self.bytes -= size
        # What was counted aside goes into the sketch: the key may come back.
        count = self._counts.pop(key, 0)
        if count:
            self.sketch.increment(key, count)
        return value

    def clear(self) -> None:
        """Forget every entry. How often keys were seen is kept (halved, as by a
        reset): the entries asked for again come back first."""
        self._values.clear()
        self._window.clear()
        self._probation.clear()
        self._protected.clear()
        self._reads.clear()
        self._window_bytes = self._protected_bytes = self.bytes = 0
        # Kept aside for keys that come back, without a sketch update per key.
        self._halve_counts()

    # -- the policy -------------------------------------------------------------------

    def _count(self, key: K, count: int) -> None:
        self._counts[key] += count
        self.sketch.record(count)

    def _halve_counts(self) -> None:
        """Halve the counts kept aside (with the sketch's reset)."""
        self._counts = Counter(
            {key: count >> 1 for key, count in self._counts.items() if count > 1}
        )

    def _drain_reads(self) -> None:
        """Replay the buffered reads: counted (in C, by ``Counter.update``), then each
        distinct key made the most recently used of its segment once."""
        reads = self._reads
        if not reads:
            return
        self._counts.update(reads)
        read = len(reads)
        distinct = dict.fromkeys(reads)
        reads.clear()
        move_protected = self._protected.move_to_end
        window = self._window
        probation = self._probation
        for key in distinct:
            try:
                move_protected(key)  # most reads are of protected entries
                continue
            except KeyError:
                pass
            if key in window:
                window.move_to_end(key)
                continue
            size = probation.pop(key, None)
            if size is not None:  # None: evicted since it was read
                self._promote(key, size)
        self.sketch.record(read)

    def _touch(self, key: K) -> None:
        """A write of ``key`` (held): most recently used in its segment; a second
        chance on probation is a promotion to protected."""
        if key in self._window:
            self._window.move_to_end(key)
            return
        size = self._probation.pop(key, None)
        if size is None:
            self._protected.move_to_end(key)
        else:
            self._promote(key, size)

    def _promote(self, key: K, size: int) -> None:
        """Move ``key`` from probation to protected, whose overflow goes back to
        probation, least recently used first."""
        protected = self._protected
        protected[key] = size
        self._protected_bytes += size
        while self._protected_bytes > self._protected_max and len(protected) > 1:
            demoted, demoted_size = protected.popitem(last=False)
            self._protected_bytes -= demoted_size
            self._probation[demoted] = demoted_size

    def _resize(self, key: K, size: int) -> None:
        """Give ``key`` (held) its new size."""
        if key in self._window:
            self._window_bytes += size - self._window[key]
            segment = self._window
        elif key in self._probation:
            segment = self._probation
        else:
            self._protected_bytes += size - self._protected[key]
            segment = self._protected
        self.bytes += size - segment[key]
        segment[key] = size

    def _evict(self) -> None:
        """Move the window's overflow to probation as candidates, then, while the
        entries do not fit, evict the candidate or the victim, whichever is rarer."""
        window = self._window
        probation = self._probation
        candidates: list[K] = []
        while self._window_bytes > self._window_max and window:
            key, size = window.popitem(last=False)
            self._window_bytes -= size
            probation[key] = size
            candidates.append(key)
        taken = 0
        while self.bytes > self.max_bytes:
            if taken == len(candidates) and window:
                # No candidate left: the window's oldest entry competes too.
                key, size = window.popitem(last=False)
                self._window_bytes -= size
                probation[key] = size
                candidates.append(key)
            victim = next(iter(probation), None)
            if victim is None:
                # Window and probation are empty: the protected go, oldest first.
                self.pop(next(iter(self._protected)))
                continue
            if taken == len(candidates) or candidates[taken] == victim:
                # No candidate, or every older entry of probation is gone already.
                taken += taken < len(candidates)
                self.pop(victim)
                continue
            candidate = candidates[taken]
            taken += 1
            if self._admits(candidate, victim):
                self.pop(victim)
            else:
                self.rejected += 1
                self.pop(candidate)

    def _admits(self, candidate: K, victim: K) -> bool:
        """Whether ``candidate`` was seen more often than ``victim`` (or, when both are
        frequent, by a 1-in-128 chance)."""
        candidate_frequency = self.frequency(candidate)
        if candidate_frequency > self.frequency(victim):
            return True
        if candidate_frequency >= ADMIT_HASHDOS_THRESHOLD:
            return self._random.getrandbits(7) == 0
        return False
