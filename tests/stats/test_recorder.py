"""``UsageRecorder``: counting, flushing, reports over windows of days, failures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

import pytest

from pypins import settings
from pypins.cache.redis_store import RedisStore
from pypins.config import ServiceConfig
from pypins.stats import (
    RedisUsageStore,
    SQLiteUsageStore,
    UsageRecorder,
    UsageReport,
    UsageRow,
    UsageStore,
    UsageStoreError,
    WindowCounts,
)
from tests.stats.conftest import DAY, TODAY
from tests.support.clock import FakeClock

MakeStore = Callable[[], UsageStore]


class FailingStore:
    """A store that is down until ``up`` is set, recording what reached it."""

    name = "failing"

    def __init__(self) -> None:
        self.up = False
        self.added: list[tuple[date, dict[tuple[str, str], int], dict[str, int]]] = []

    async def add(
        self, day: date, counts: Mapping[tuple[str, str], int], totals: Mapping[str, int]
    ) -> None:
        if not self.up:
            raise UsageStoreError("down")
        self.added.append((day, dict(counts), dict(totals)))

    async def window(self, first: date, last: date, limit: int) -> WindowCounts:
        if not self.up:
            raise UsageStoreError("down")
        return WindowCounts((), 0, {})

    async def reset(self) -> None:
        if not self.up:
            raise UsageStoreError("down")

    async def aclose(self) -> None:
        """Nothing to close."""


def _count(recorder: UsageRecorder, requests: Mapping[tuple[str, str], int]) -> None:
    for (package, kind), times in requests.items():
        for _ in range(times):
            recorder.count(package, kind)


async def test_counts_reach_the_report(make_store: MakeStore, clock: FakeClock) -> None:
    """Requests, cache results and upstream requests counted in memory end in the report."""
    recorder = UsageRecorder(make_store(), clock=clock)
    _count(recorder, {("requests", "v"): 3, ("numpy", "pyversions"): 5})
    for result in ("hit", "hit", "hit", "stale", "miss"):
        recorder.count_cache(result)
    recorder.count_upstream("pypi")
    recorder.count_upstream("pypi")
    recorder.count_upstream("pypistats")
    assert recorder.pending == 8
    report = await recorder.report(days=1, limit=10)
    assert recorder.pending == 0
    assert report.rows == (UsageRow("numpy", "pyversions", 5), UsageRow("requests", "v", 3))
    assert (report.first, report.last, report.days) == (TODAY, TODAY, 1)
    assert report.total == 8
    assert report.distinct == 2
    assert report.cache == {"hit": 3, "stale": 1, "miss": 1}
    assert report.hit_ratio == pytest.approx(0.6)
    assert report.upstream == {"pypi": 2, "pypistats": 1}
    assert report.upstream_requests == 3
    assert report.source in {"sqlite", "redis"}
    assert report.error is None
    await recorder.aclose()


@pytest.mark.parametrize(("days", "expected"), [(1, 1), (2, 3), (7, 7), (8, 15), (30, 15)])
async def test_a_window_sums_the_days_it_covers(
    make_store: MakeStore, clock: FakeClock, days: int, expected: int
) -> None:
    """Counts flushed on several days are summed over the last ``days`` days, today included."""
    recorder = UsageRecorder(make_store(), clock=clock, report_ttl=0)
    clock.advance(-7 * DAY)  # a week ago: 8 requests
    _count(recorder, {("requests", "v"): 8})
    await recorder.flush()
    clock.advance(5 * DAY)  # two days ago: 4
    _count(recorder, {("requests", "v"): 4})
    await recorder.flush()
    clock.advance(DAY)  # yesterday: 2
    _count(recorder, {("requests", "v"): 2})
    await recorder.flush()
    clock.advance(DAY)  # today: 1
    _count(recorder, {("requests", "v"): 1})
    report = await recorder.report(days=days, limit=10)
    assert report.rows == (UsageRow("requests", "v", expected),)
    assert report.total == expected
    assert report.first == TODAY - timedelta(days=days - 1)
    await recorder.aclose()


async def test_a_new_recorder_on_the_same_file_sees_the_old_counts(
    usage_db: Path, clock: FakeClock
) -> None:
    """Counts survive a restart: a new process reads what the previous one flushed."""
    config = ServiceConfig(usage_db=str(usage_db))
    first = UsageRecorder.from_config(config, None, clock=clock)
    _count(first, {("requests", "v"): 2})
    await first.aclose()  # flushes
    second = UsageRecorder.from_config(config, None, clock=clock)
    _count(second, {("requests", "v"): 1})
    assert (await second.report(1, 10)).rows == (UsageRow("requests", "v", 3),)
    await second.aclose()


@pytest.mark.parametrize(
    ("usage_db", "with_redis", "expected"),
    [
        (None, False, "sqlite"),
        ("custom", False, "sqlite"),
        (None, True, "redis"),
        ("custom", True, "redis"),
        ("off", False, "off"),
        ("off", True, "off"),
    ],
)
async def test_from_config_picks_the_store(
    tmp_path: Path, usage_db: str | None, with_redis: bool, expected: str
) -> None:
    """Redis when shared, else SQLite (the setting or the default file); "off" wins."""
    path = str(tmp_path / "usage.sqlite3") if usage_db == "custom" else usage_db
    shared = RedisStore.from_url("redis://127.0.0.1:1/0") if with_redis else None
    recorder = UsageRecorder.from_config(ServiceConfig(usage_db=path), shared)
    assert recorder.source == expected
    if expected == "redis":
        assert isinstance(recorder.store, RedisUsageStore)
        assert recorder.store.shared is shared
    elif expected == "sqlite":
        assert isinstance(recorder.store, SQLiteUsageStore)
        assert recorder.store.path == Path(path or settings.default_usage_db())
    else:
        assert recorder.store is None
    if shared is not None:
        await shared.aclose()


async def test_off_keeps_nothing(clock: FakeClock) -> None:
    """Without a store, counts are dropped at flush and reports are empty and say so."""
    recorder = UsageRecorder(None, clock=clock)
    recorder.count("requests", "v")
    recorder.count_cache("hit")
    assert await recorder.flush()
    assert recorder.pending == 0
    report = await recorder.report(7, 20)
    assert report == UsageReport.empty(TODAY, 7, "off")
    assert report.hit_ratio is None
    await recorder.reset()
    await recorder.aclose()


async def test_a_failing_store_keeps_the_counts_for_later(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed flush keeps its counts pending, logs once, and the next flush stores them."""
    store = FailingStore()
    recorder = UsageRecorder(store, clock=clock)
    _count(recorder, {("requests", "v"): 2})
    recorder.count_cache("miss")
    with caplog.at_level(logging.WARNING, logger="pypins.stats.recorder"):
        assert not await recorder.flush()
        recorder.count("requests", "v")
        assert not await recorder.flush()
    assert len(caplog.records) == 1
    assert "down" in caplog.records[0].getMessage()
    assert recorder.errors == 2
    assert recorder.last_error == "flush: down"
    assert recorder.pending == 3
    store.up = True
    assert await recorder.flush()
    assert store.added == [(TODAY, {("requests", "v"): 3}, {"miss": 1, "requests": 3})]
    assert recorder.dropped == 0


async def test_counts_beyond_max_pending_are_dropped(clock: FakeClock) -> None:
    """While the store is down, a failed batch that would pass ``max_pending`` rows is dropped."""
    store = FailingStore()
    recorder = UsageRecorder(store, clock=clock, max_pending=2)
    _count(recorder, {("a", "v"): 1, ("b", "v"): 1})
    await recorder.flush()
    assert (recorder.pending, recorder.dropped) == (2, 0)
    _count(recorder, {("c", "v"): 5})
    await recorder.flush()
    assert (recorder.pending, recorder.dropped) == (0, 7)


async def test_a_failing_store_gives_an_empty_report_with_the_error(clock: FakeClock) -> None:
    """A report the store cannot give is empty, with the reason."""
    recorder = UsageRecorder(FailingStore(), clock=clock)
    report = await recorder.report(7, 20)
    assert report.rows == ()
    assert report.source == "failing"
    assert report.error == "down"
    with pytest.raises(UsageStoreError):
        await recorder.reset()


async def test_reports_are_reused_until_the_next_flush_or_their_ttl(
    make_store: MakeStore, clock: FakeClock
) -> None:
    """A report is reused for ``report_ttl`` seconds; a flush that stored counts ends that."""
    recorder = UsageRecorder(make_store(), clock=clock, report_ttl=10)
    recorder.count("a", "v")
    first = await recorder.report(1, 10)
    recorder.count("a", "v")
    assert await recorder.report(1, 10) is first  # the count is still pending
    clock.advance(11)
    assert (await recorder.report(1, 10)).total == 2
    recorder.count("a", "v")
    await recorder.flush()
    assert (await recorder.report(1, 10)).total == 3
    await recorder.aclose()


async def test_the_report_cache_is_bounded(clock: FakeClock) -> None:
    """Asking for many different windows does not grow the remembered reports without end."""
    store = FailingStore()
    store.up = True
    recorder = UsageRecorder(store, clock=clock)
    for days in range(1, 100):
        await recorder.report(days, 1)
    assert len(recorder._reports) <= 32


async def test_reset_forgets_pending_and_stored_counts(
    make_store: MakeStore, clock: FakeClock
) -> None:
    """After a reset nothing is counted, pending or stored."""
    recorder = UsageRecorder(make_store(), clock=clock)
    recorder.count("a", "v")
    await recorder.flush()
    recorder.count("b", "v")
    recorder.count_upstream("pypi")
    await recorder.reset()
    report = await recorder.report(30, 10)
    assert (report.rows, report.total, report.upstream) == ((), 0, {})
    await recorder.aclose()


@pytest.mark.parametrize(("days", "limit"), [(0, 10), (401, 10), (7, 0), (7, 1001)])
async def test_report_refuses_out_of_range_windows(clock: FakeClock, days: int, limit: int) -> None:
    """Days beyond 1..400 and limits beyond 1..1000 are refused."""
    with pytest.raises(ValueError, match="must be between"):
        await UsageRecorder(None, clock=clock).report(days, limit)


async def test_flush_with_nothing_pending_does_nothing(clock: FakeClock) -> None:
    """An idle flush does not touch the store."""
    store = FailingStore()
    assert await UsageRecorder(store, clock=clock).flush()
    assert store.added == []
