"""Metrics: tags, folding the hot-path tallies, exposition, dead workers, the directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from pypins.metrics import Metrics, ResponseTag
from pypins.metrics._metrics import MULTIPROC_ENV, forget_dead_workers


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_a_tag_knows_its_not_modified_twin() -> None:
    """The 304 tag shares kind, format and package, and is made once."""
    tag = ResponseTag("pypi/v", "svg", "ok", "requests")
    twin = tag.not_modified
    assert (twin.kind, twin.fmt, twin.status, twin.package) == (
        "pypi/v",
        "svg",
        "not_modified",
        "requests",
    )
    assert twin.not_modified is twin
    assert "requests" in repr(tag)


def test_fold_sums_tallies_by_labels() -> None:
    """Two tags with the same labels add up; the tally is emptied in place."""
    metrics = Metrics()
    first = ResponseTag("pypi/v", "svg", "ok", "a")
    second = ResponseTag("pypi/v", "svg", "ok", "b")
    tally = metrics.tally
    tally[first] = 3
    tally[second] = 4
    metrics.count_cache("hot", "hit", 5)
    metrics.count_cache("hot", "hit")
    taken = metrics.take_tally()
    assert metrics.tally is tally
    assert tally == {}
    metrics.fold(taken, [("rendered", 12)])
    found = samples(metrics.exposition())
    key = (("format", "svg"), ("kind", "pypi/v"), ("status", "ok"))
    assert found[("pypins_badge_requests_total", key)] == 7
    assert found[("pypins_cache_requests_total", (("result", "hit"), ("tier", "hot")))] == 6
    assert found[("pypins_cache_entries", (("cache", "rendered"),))] == 12


def test_upstream_events() -> None:
    """Requests, outcomes, latency, retries, in-flight and breaker state are recorded."""
    metrics = Metrics()
    metrics.upstream_started("pypi")
    metrics.upstream_started("pypi")
    metrics.upstream_finished("pypi", "ok", 0.02)
    metrics.upstream_finished("pypi", "busy", 0.0)
    metrics.upstream_retried("pypi")
    metrics.breaker_changed("pypi", is_open=True)
    found = samples(metrics.exposition())
    pypi = (("upstream", "pypi"),)
    assert found[("pypins_upstream_requests_total", (("outcome", "ok"), *pypi))] == 1
    assert found[("pypins_upstream_requests_total", (("outcome", "busy"), *pypi))] == 1
    assert found[("pypins_upstream_latency_seconds_count", pypi)] == 1
    assert found[("pypins_upstream_retries_total", pypi)] == 1
    assert found[("pypins_inflight_upstream", pypi)] == 1  # the busy one never started
    assert found[("pypins_circuit_open", pypi)] == 1
    metrics.breaker_changed("pypi", is_open=False)
    assert samples(metrics.exposition())[("pypins_circuit_open", pypi)] == 0


def test_forget_dead_workers_keeps_the_living(tmp_path: Path) -> None:
    """Live gauges of exited processes are removed; the others stay."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    live = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    gone = tmp_path / f"gauge_livesum_{dead_pid}.db"
    counter = tmp_path / f"counter_{dead_pid}.db"
    for path in (live, gone, counter):
        path.write_bytes(b"")
    forget_dead_workers(str(tmp_path))
    assert live.exists()
    assert not gone.exists()
    assert counter.exists()  # counts of dead workers still add up
    forget_dead_workers(str(tmp_path / "missing"))


def test_multiprocess_exposition_sums_workers(tmp_path: Path) -> None:
    """Two processes count into one directory; the exposition shows the sum."""
    script = (
        "from pypins.metrics import Metrics, ResponseTag\n"
        "m = Metrics()\n"
        "m.fold({ResponseTag('pypi/v', 'svg', 'ok'): 2})\n"
        "m.upstream_started('pypi')\n"
    )
    env = {**os.environ, MULTIPROC_ENV: str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True)
    reader = (
        "import sys\n"
        "from pypins.metrics import Metrics\n"
        "sys.stdout.buffer.write(Metrics().exposition())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", reader], env=env, check=True, capture_output=True
    ).stdout
    found = samples(out)
    key = (("format", "svg"), ("kind", "pypi/v"), ("status", "ok"))
    assert found[("pypins_badge_requests_total", key)] == 4
    # Both writers have exited: their in-flight gauges are forgotten.
    assert ("pypins_inflight_upstream", (("upstream", "pypi"),)) not in found


def test_the_twin_is_made_once() -> None:
    """Every 304 of a response counts under the one same twin tag."""
    tag = ResponseTag("pypi/v", "svg", "ok", "requests", usage=("requests", "v"))
    assert tag.not_modified is tag.not_modified
    assert tag.not_modified.usage == ("requests", "v")
