"""The metric definitions, the hot-path tallies and the exposition."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

#: The ``Content-Type`` of ``/metrics``.
CONTENT_TYPE = CONTENT_TYPE_LATEST.encode("ascii")

#: The environment variable of prometheus-client's multiprocess mode.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Upstream latency buckets, seconds: loopback fast answers up to the 10 s timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_LIVE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


class ResponseTag:
    """What a served response counts as: badge kind, format, status and package.

    Made once per prepared response and kept with it, so that counting a request on
    the hot path is one dictionary increment keyed by the tag's identity.
    """

    __slots__ = ("_twin", "fmt", "kind", "package", "status", "usage")

    def __init__(
        self,
        kind: str,
        fmt: str,
        status: str,
        package: str = "",
        *,
        usage: tuple[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.fmt = fmt
        self.status = status
        self.package = package
        #: ``(package, kind)`` as counted among the most requested badges, if counted.
        self.usage = usage
        self._twin: ResponseTag | None = None

    @property
    def not_modified(self) -> ResponseTag:
        """The tag of the same response answered with 304 Not Modified (made on first
        use, then always the same object: most responses are never revalidated)."""
        twin = self._twin
        if twin is None:
            twin = ResponseTag(self.kind, self.fmt, "not_modified", self.package, usage=self.usage)
            twin._twin = twin
            self._twin = twin
        return twin

    def __repr__(self) -> str:
        return f"ResponseTag({self.kind!r}, {self.fmt!r}, {self.status!r}, {self.package!r})"


class Metrics:
    """The service's metrics; one instance per process (``registry`` for tests)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        r = self.registry
        self.badge_requests = Counter(
            "pypins_badge_requests",
            "Requests answered, by badge kind, format and result.",
            ["kind", "format", "status"],
            registry=r,
        )
        self.cache_requests = Counter(
            "pypins_cache_requests",
            "Cache lookups by tier (hot index, records, redis) and result.",
            ["tier", "result"],
            registry=r,
        )
        self.upstream_requests = Counter(
            "pypins_upstream_requests",
            "Requests to upstreams (or refused before sending) by outcome.",
            ["upstream", "outcome"],
            registry=r,
        )
        self.upstream_latency = Histogram(
            "pypins_upstream_latency_seconds",
            "Time from sending an upstream request to its answer or failure.",
            ["upstream"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_retries = Counter(
            "pypins_upstream_retries",
            "Upstream requests retried after a transient failure.",
            ["upstream"],
            registry=r,
        )
        self.inflight_upstream = Gauge(
            "pypins_inflight_upstream",
            "Upstream requests in flight now.",
            ["upstream"],
            multiprocess_mode="livesum",
            registry=r,
        )
        self.circuit_open = Gauge(
            "pypins_circuit_open",
            "1 while the upstream's circuit breaker is open (in any worker).",
            ["upstream"],
            multiprocess_mode="livemax",
            registry=r,
        )
        self.cache_entries = Gauge(
            "pypins_cache_entries",
            "Entries held by each in-process cache.",
            ["cache"],
            multiprocess_mode="livesum",
            registry=r,
        )
        self.redis_errors = Counter(
            "pypins_redis_errors",
            "Redis operations that failed or returned foreign data (each was a miss).",
            registry=r,
        )
        self.unexpected_errors = Counter(
            "pypins_unexpected_errors",
            "Exceptions no part of pypins documents, each answered with an error badge or an "
            "error response, by stage and badge kind or endpoint.",
            ["stage", "kind"],
            registry=r,
        )
        self.worker_starts = Counter(
            "pypins_worker_starts",
            "Worker processes started (a restart after a crash counts again).",
            registry=r,
        )
        self._upstreams: dict[str, tuple[Gauge, Histogram]] = {}
        self._requests: dict[tuple[str, str], Counter] = {}
        #: Hot-path tallies, folded by :meth:`fold`.
        self.tally: dict[ResponseTag, int] = {}
        self.cache_tally: dict[tuple[str, str], int] = {}

    # -- the guard's observer ----------------------------------------------------------

    def upstream_started(self, upstream: str) -> None:
        """An upstream request is being sent."""
        self._upstream(upstream)[0].inc()

    def upstream_finished(self, upstream: str, outcome: str, seconds: float) -> None:
        """An upstream request ended (or was refused before sending, ``seconds`` 0)."""
        key = (upstream, outcome)
        requests = self._requests.get(key)
        if requests is None:
            requests = self._requests[key] = self.upstream_requests.labels(upstream, outcome)
        requests.inc()
        if outcome not in {"breaker_open", "busy"}:
            inflight, latency = self._upstream(upstream)
            inflight.dec()
            latency.observe(seconds)

    def _upstream(self, upstream: str) -> tuple[Gauge, Histogram]:
        """The in-flight gauge and the latency histogram of ``upstream`` (looked up once:
        ``labels()`` took a lock and most of the time of these calls)."""
        children = self._upstreams.get(upstream)
        if children is None:
            children = self._upstreams[upstream] = (
                self.inflight_upstream.labels(upstream),
                self.upstream_latency.labels(upstream),
            )
        return children

    def upstream_retried(self, upstream: str) -> None:
        """A transient failure is being retried."""
        self.upstream_retries.labels(upstream).inc()

    def count_unexpected(self, stage: str, kind: str) -> None:
        """An exception no part of pypins documents was answered with an error (rare: not
        tallied, counted at once)."""
        self.unexpected_errors.labels(stage, kind).inc()

    def breaker_changed(self, upstream: str, *, is_open: bool) -> None:
        """The upstream's circuit breaker opened or closed."""
        self.circuit_open.labels(upstream).set(1 if is_open else 0)

    # -- folding and exposition ----------------------------------------------------------

    def count_cache(self, tier: str, result: str, count: int = 1) -> None:
        """Tally cache lookups (cheap; folded later)."""
        key = (tier, result)
        self.cache_tally[key] = self.cache_tally.get(key, 0) + count

    def take_tally(self) -> dict[ResponseTag, int]:
        """The request tally since the last call, emptied (for the usage counts too)."""
        # Emptied in place: the ASGI app holds a reference to this very dict.
        tally = dict(self.tally)
        self.tally.clear()
        return tally

    def fold(self, tally: dict[ResponseTag, int], entries: Iterable[tuple[str, int]] = ()) -> None:
        """Add a taken request tally and the cache tallies to the Prometheus metrics."""
        merged: dict[tuple[str, str, str], int] = {}
        for tag, count in tally.items():
            key = (tag.kind, tag.fmt, tag.status)
            merged[key] = merged.get(key, 0) + count
        for labels, count in merged.items():
            self.badge_requests.labels(*labels).inc(count)
        cache_tally, self.cache_tally = self.cache_tally, {}
        for labels2, count in cache_tally.items():
            self.cache_requests.labels(*labels2).inc(count)
        for name, size in entries:
            self.cache_entries.labels(name).set(size)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format (all workers in multiprocess mode)."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        forget_dead_workers(self.multiprocess_dir)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def forget_dead_workers(path: str) -> None:
    """Drop the live gauges of worker processes that have exited (crashed or replaced)."""
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        match = _LIVE_FILE.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if not _alive(pid):
            mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _WorkersCollector:
    """Every worker's values from the multiprocess directory, live gauges of exited
    workers dropped first."""

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterator[Metric]:
        forget_dead_workers(self.path)
        collector = MultiProcessCollector(None, path=self.path)  # type: ignore[no-untyped-call]
        yield from collector.collect()  # type: ignore[no-untyped-call]


def serve_exposition(bind: str, path: str) -> tuple[WSGIServer, threading.Thread]:
    """Serve ``/metrics`` of all workers on ``bind`` (``host:port``) from a thread.

    Runs in the ``pypins serve`` main process, which holds no metrics of its own; the
    workers write theirs to ``path`` (the multiprocess directory).
    """
    host, _, port = bind.rpartition(":")
    registry = CollectorRegistry()
    registry.register(_WorkersCollector(path))
    return start_http_server(int(port), addr=host.strip("[]"), registry=registry)
