"""The heap keeper: long-lived objects frozen out of the collector's way, swept now and then."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from pypins.web.asgi import PypinsApp, create_app
from pypins.web.heap import SWEEP_SECONDS, HeapKeeper
from tests.support.clock import FakeClock


class Node:
    """An object that can take part in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    """A two-node reference cycle with no outside reference: garbage for the collector."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def keeper(clock: FakeClock) -> Iterator[HeapKeeper]:
    keeper = HeapKeeper(clock=clock)
    yield keeper
    keeper.stop()
    gc.collect()


def test_start_freezes_what_is_alive(keeper: HeapKeeper) -> None:
    """After start, the objects alive are frozen, out of every later collection."""
    gc.unfreeze()
    keeper.start()
    assert gc.get_freeze_count() > 0
    assert keeper.sweeps == 1


def test_tick_collects_young_garbage_before_freezing(keeper: HeapKeeper) -> None:
    """A cycle that died since the last freeze is collected, not frozen."""
    keeper.start()
    dead = cycle()
    keeper.tick()
    assert dead() is None


def test_tick_freezes_survivors(keeper: HeapKeeper) -> None:
    """Objects alive at a tick join the frozen ones."""
    keeper.start()
    before = gc.get_freeze_count()
    kept = [Node() for _ in range(100)]
    keeper.tick()
    assert gc.get_freeze_count() >= before + len(kept)


def test_a_frozen_cycle_waits_for_the_sweep(keeper: HeapKeeper, clock: FakeClock) -> None:
    """A cycle that dies after it was frozen outlives ticks, and goes at the next sweep."""
    keeper.start()
    first, second = Node(), Node()
    first.other, second.other = second, first
    keeper.tick()
    frozen = weakref.ref(first)
    del first, second
    keeper.tick()
    assert frozen() is not None
    clock.advance(SWEEP_SECONDS)
    keeper.tick()
    assert frozen() is None
    assert keeper.sweeps == 2


def test_stop_unfreezes(keeper: HeapKeeper) -> None:
    """Stopping hands every frozen object back to the collector."""
    keeper.start()
    keeper.stop()
    assert gc.get_freeze_count() == 0


async def test_the_app_freezes_after_start_up_and_thaws_at_shutdown(
    app: PypinsApp, keeper: HeapKeeper
) -> None:
    """The lifespan starts the keeper once the app is ready and stops it at shutdown."""
    gc.unfreeze()
    app.heap = keeper
    frozen: list[int] = []
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, object]:
        return messages.pop(0)

    async def send(message: dict[str, object]) -> None:
        frozen.append(gc.get_freeze_count())

    await app({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
    assert frozen[0] > 0
    assert frozen[1] == 0


def test_the_served_app_has_a_keeper(monkeypatch: pytest.MonkeyPatch) -> None:
    """``create_app``, what ``pypins serve`` runs, keeps the heap; apps built in tests do not."""
    monkeypatch.setenv("PYPINS_USAGE_DB", "off")
    monkeypatch.setenv("PYPINS_POLL_INTERVAL", "0")
    assert isinstance(create_app().heap, HeapKeeper)
