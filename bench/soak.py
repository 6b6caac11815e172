"""A bounded soak of pypins: a steady mixed load, memory over time, and back-pressure.

Starts the loopback PyPI stand-in, a private redis-server (when installed) and
``pypins serve --workers N``, then:

1. **Warm-up.** Every distinct URL of the workload, pass after pass (shuffled, so that
   each worker sees it) until the workers' caches stop growing, then ``--warmup``
   seconds of the steady mix: the memory figures start with full caches.
2. **Steady mix** for ``--duration`` seconds over ``--connections`` keep-alive
   connections: 90% badges of a working set (``--working-set`` packages x 5 kinds x
   SVG/JSON), 8% badges of a larger pool of rarely asked packages (``--cold``; records
   live 20 s, so each such request finds a stale or missing record and costs an
   upstream request), 2% requests whose answer is an error badge (unknown packages, a
   bad ``cacheSeconds``). Every answer is checked: an *error response* is anything but a 2xx
   or 3xx with a well-formed badge, or no answer at all. The resident memory (VmRSS)
   of every pypins process is sampled every ``--sample`` seconds.
3. **Back-pressure.** PyPI answers after 2 s and ``--burst`` requests for packages
   never seen before arrive at once, more than the workers may send or queue
   (``--max-upstream`` in flight and ``--max-queued`` waiting per worker): the excess
   must get the "busy, retry shortly" badge (``Retry-After: 1``, ``no-store``) sooner
   than PyPI would answer, no answer may wait past the timeout (plus the burst's own
   processing), and ``pypins_inflight_upstream`` must stay within the cap.

Prints the figures and writes them as JSON (``--report``); exits 0 when the targets
hold: no error responses, memory growth under ``--max-growth`` percent, busy answers
fast, upstream requests in flight within the cap.

    .venv/bin/python bench/soak.py --duration 600                 # the full soak
    .venv/bin/python bench/soak.py --duration 20 --warmup 3       # a quick look

Everything runs on 127.0.0.1, bounded in count and time, and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT), str(ROOT / "bench")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import httpx  # noqa: E402
import loadgen  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from tests.support.redis import RedisServer, find_redis_server  # noqa: E402
from tests.support.service import Service, worker_pids  # noqa: E402
from tests.support.upstream import Upstream  # noqa: E402

KINDS = ("v", "l", "pyversions", "wheel", "status")
FORMATS = ("svg", "json")
TEMPLATES = ("requests", "django", "six", "flask", "attrs", "click", "numpy", "httpx")
BUSY_MESSAGE = "busy, retry shortly"
#: Words of error badges' messages (the package badges of the mix never contain them).
ERROR_WORDS = (b"inaccessible", b"invalid", b"not found", b"rate limited")
#: Shares of the steady mix: working set, rarely asked packages, error badges.
SHARES = (0.90, 0.08, 0.02)
#: Passes over every URL, at most, to fill every worker's caches before measuring.
WARM_PASSES = 8
#: Seconds a record stays fresh in the soak (rarely asked packages outlive it).
CACHE_TTL = 20
#: Seconds PyPI takes to answer during the back-pressure phase.
BURST_DELAY = 2.0
#: Seconds any answer of the back-pressure phase may take beyond ``--timeout`` (a
#: queued request waits at most that long in all): the burst's own processing and PyPI's
#: delay on a loaded machine.
BURST_MARGIN = BURST_DELAY + 3.0
#: Seconds a request may take before the load generator counts it as unanswered.
CLIENT_TIMEOUT = 30.0


@dataclass
class Options:
    """What to run; the command-line flags."""

    duration: float = 600.0
    #: ``PYPINS_TIMEOUT`` of the service: an upstream call, queue wait and retries included.
    timeout: float = 5.0
    warmup: float = 30.0
    workers: int = 2
    connections: int = 32
    working_set: int = 200
    cold: int = 5000
    burst: int = 400
    max_upstream: int = 16
    max_queued: int = 64
    sample: float = 5.0
    max_growth: float = 10.0
    seed: int = 2014
    redis: bool = True
    report: Path | None = ROOT / "test-artifacts" / "soak.json"


@dataclass
class Tally:
    """What a phase of load saw."""

    requests: int = 0
    #: Anything but a well-formed badge with a 2xx/3xx status, or no answer.
    error_responses: int = 0
    #: Error badges where the mix asks for them (unknown packages, bad parameters).
    error_badges: int = 0
    #: Error badges where the mix asks for a package's real badge.
    unexpected_error_badges: int = 0
    busy: int = 0
    latencies: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def add(self, category: str, target: str, reply: loadgen.Reply | None, seconds: float) -> None:
        """Count one answer (None: no answer) to a request of ``category``."""
        self.requests += 1
        self.latencies.append(seconds)
        problem, _ = judge(reply, target)
        if problem is None and reply is not None:
            if BUSY_MESSAGE.encode() in reply.body:
                self.busy += 1
                return
            is_error_badge = any(word in reply.body for word in ERROR_WORDS)
            if category == "error" and is_error_badge:
                self.error_badges += 1
                return
            if category != "error" and not is_error_badge:
                return
            problem = "an error badge" if is_error_badge else "not an error badge"
            self.unexpected_error_badges += 1
        else:
            self.error_responses += 1
        if len(self.examples) < 5:
            self.examples.append(f"{target}: {problem}")


@dataclass
class Report:
    """Every figure of a soak run."""

    duration: float
    workers: int
    connections: int
    redis: bool
    requests: int = 0
    requests_per_second: float = 0.0
    error_responses: int = 0
    error_badges: int = 0
    unexpected_answers: int = 0
    busy_in_steady_mix: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    rss_max_mib: float = 0.0
    rss_growth_percent: float = 0.0
    rss_samples: list[tuple[float, float]] = field(default_factory=list)
    cache: dict[str, float] = field(default_factory=dict)
    #: ``pypins_cache_entries`` (all workers) when the steady mix starts and ends.
    cache_entries_start: dict[str, float] = field(default_factory=dict)
    cache_entries_end: dict[str, float] = field(default_factory=dict)
    upstream_requests: int = 0
    burst_requests: int = 0
    burst_busy: int = 0
    burst_busy_p50_ms: float = 0.0
    burst_busy_p99_ms: float = 0.0
    burst_busy_after_queueing: int = 0
    burst_other_max_ms: float = 0.0
    burst_error_responses: int = 0
    burst_inflight_max: float = 0.0
    inflight_cap: int = 0
    #: Requests the workers may hold at once (in flight or queued); the rest are busy.
    queue_cap: int = 0
    examples: list[str] = field(default_factory=list)
    targets_met: bool = False


def judge(reply: loadgen.Reply | None, target: str) -> tuple[str | None, str | None]:
    """(problem, message) of an answer: a problem unless it is a well-formed badge."""
    if reply is None:
        return "no answer", None
    if not 200 <= reply.status < 400:
        return f"status {reply.status}", None
    if reply.status != 200:
        return None, None
    path = urlsplit(target).path
    if path.endswith(".svg"):
        body = reply.body.strip()
        if not (body.startswith(b"<svg") and body.endswith(b"</svg>")):
            return "malformed SVG", None
        return None, None
    try:
        badge = json.loads(reply.body)
    except ValueError:
        return "malformed JSON", None
    if not isinstance(badge, dict) or not isinstance(badge.get("message"), str):
        return "not a JSON badge", None
    return None, str(badge["message"])


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank; 0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the workload ----------------------------------------------------------------------


@dataclass
class Workload:
    """The steady mix's URLs, by category."""

    hot: list[str]
    cold: list[str]
    errors: list[str]

    def every(self) -> list[tuple[str, str]]:
        """Every distinct (category, URL) once."""
        return [
            *(("hot", t) for t in self.hot),
            *(("cold", t) for t in self.cold),
            *(("error", t) for t in self.errors),
        ]

    def picker(self, rng: random.Random) -> Callable[[], tuple[str, str]]:
        """A function drawing (category, URL) by the mix's shares."""
        hot_share, cold_share, _ = SHARES

        def pick() -> tuple[str, str]:
            draw = rng.random()
            if draw < hot_share:
                return "hot", rng.choice(self.hot)
            if draw < hot_share + cold_share:
                return "cold", rng.choice(self.cold)
            return "error", rng.choice(self.errors)

        return pick


def workload(options: Options) -> Workload:
    """The URLs of the steady mix."""
    hot = [
        f"/pypi/{kind}/{package(n)}.{fmt}"
        for n in range(options.working_set)
        for kind in KINDS
        for fmt in FORMATS
    ]
    first_cold = options.working_set
    cold = [f"/pypi/v/{package(n)}.svg" for n in range(first_cold, first_cold + options.cold)]
    errors = [f"/pypi/v/soak-unknown-{n}.json" for n in range(200)]
    errors += [f"/pypi/v/{package(n)}.json?cacheSeconds=soon{n}" for n in range(100)]
    return Workload(hot, cold, errors)


def package(n: int) -> str:
    """The ``n``-th synthetic package of the soak."""
    return f"synthetic-{TEMPLATES[n % len(TEMPLATES)]}-{n}"


async def steady(
    base_url: str,
    pick: Callable[[], tuple[str, str]],
    *,
    seconds: float,
    connections: int,
    tally: Tally,
) -> None:
    """The steady mix for ``seconds`` over ``connections`` keep-alive connections."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        connection = loadgen.Connection(host, port)
        try:
            while time.monotonic() < deadline:
                category, target = pick()
                started = time.perf_counter()
                try:
                    reply: loadgen.Reply | None = await connection.get(target, CLIENT_TIMEOUT)
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                    reply = None
                    await connection.close()
                tally.add(category, target, reply, time.perf_counter() - started)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


async def once_each(base_url: str, targets: list[tuple[str, str]], connections: int) -> Tally:
    """Every target once (the warm-up pass)."""
    queue = iter(targets)
    tally = Tally()
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def worker() -> None:
        connection = loadgen.Connection(host, port)
        try:
            for category, target in queue:
                started = time.perf_counter()
                try:
                    reply: loadgen.Reply | None = await connection.get(target, CLIENT_TIMEOUT)
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                    reply = None
                    await connection.close()
                tally.add(category, target, reply, time.perf_counter() - started)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return tally


# -- processes and metrics ----------------------------------------------------------------


def pypins_pids(pid: int) -> list[int]:
    """``pid`` and its live uvicorn workers."""
    return [pid, *sorted(worker_pids(pid))]


def rss_mib(pids: Sequence[int]) -> float:
    """The summed VmRSS of ``pids``, MiB."""
    total_kib = 0
    for pid in pids:
        try:
            status = Path("/proc", str(pid), "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


async def sample_rss(pid: int, every: float, into: list[tuple[float, float]]) -> None:
    """Append (seconds since start, RSS MiB of every pypins process) every ``every`` s."""
    started = time.monotonic()
    while True:
        into.append((round(time.monotonic() - started, 1), round(rss_mib(pypins_pids(pid)), 2)))
        await asyncio.sleep(every)


async def metric_values(base_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``/metrics`` as {(sample name, sorted labels): value}."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10, trust_env=False) as client:
        text = (await client.get("/metrics")).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(
    values: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(
        value
        for (sample, found), value in values.items()
        if sample == name and all((k, v) in found for k, v in labels.items())
    )


def entries(values: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    """``pypins_cache_entries`` by cache."""
    found: dict[str, float] = {}
    for (sample, labels), value in values.items():
        if sample == "pypins_cache_entries":
            cache = dict(labels).get("cache", "")
            found[cache] = found.get(cache, 0.0) + value
    return found


# -- back-pressure ----------------------------------------------------------------------


async def burst(base_url: str, upstream: Upstream, options: Options, report: Report) -> None:
    """PyPI slow, ``options.burst`` new packages at once: the excess must be busy, fast."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    upstream.inject("/pypi/*", delay=BURST_DELAY)
    first = options.working_set + options.cold + 1_000_000
    busy: list[float] = []
    other: list[float] = []
    problems = 0

    async def one(n: int) -> None:
        nonlocal problems
        connection = loadgen.Connection(host, port)
        target = f"/pypi/v/{package(first + n)}.json"
        started = time.perf_counter()
        try:
            reply: loadgen.Reply | None = await connection.get(target, CLIENT_TIMEOUT)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            reply = None
        finally:
            await connection.close()
        seconds = time.perf_counter() - started
        problem, message = judge(reply, target)
        if problem is not None:
            problems += 1
        elif message == BUSY_MESSAGE and reply is not None:
            if reply.headers.get("retry-after") != "1" or "no-store" not in reply.headers.get(
                "cache-control", ""
            ):
                problems += 1
            busy.append(seconds)
        else:
            other.append(seconds)

    async def watch_inflight() -> float:
        highest = 0.0
        for _ in range(int(BURST_DELAY / 0.25) + 4):
            await asyncio.sleep(0.25)
            values = await metric_values(base_url)
            highest = max(highest, total(values, "pypins_inflight_upstream"))
        return highest

    try:
        watcher = asyncio.create_task(watch_inflight())
        await asyncio.gather(*(one(n) for n in range(options.burst)))
        report.burst_inflight_max = await watcher
    finally:
        upstream.clear_faults()
    report.burst_requests = options.burst
    report.burst_busy = len(busy)
    # The requests beyond what a worker can hold are refused at admission, at once;
    # requests that were queued and found no slot before their deadline (the timeout)
    # are busy too, but only after that wait: they are counted apart.
    refused = [seconds for seconds in busy if seconds < options.timeout]
    report.burst_busy_after_queueing = len(busy) - len(refused)
    report.burst_busy_p50_ms = round(percentile(refused, 0.50) * 1000, 2)
    report.burst_busy_p99_ms = round(percentile(refused, 0.99) * 1000, 2)
    report.burst_other_max_ms = round(max(other, default=0.0) * 1000, 1)
    report.burst_error_responses = problems


# -- the run ----------------------------------------------------------------------------


async def soak(service: Service, upstream: Upstream, options: Options, report: Report) -> None:
    """Warm-up, the steady mix with memory samples, then the back-pressure phase."""
    assert service.pid is not None
    load = workload(options)
    rng = random.Random(options.seed)
    connections = options.connections
    # Every URL once, then again (shuffled, so it lands on other workers) until the
    # workers' caches stop growing: the memory figures start with full caches.
    warm = await once_each(service.url, load.every(), connections)
    held = sum(entries(await metric_values(service.url)).values())
    for _ in range(WARM_PASSES):
        targets = load.every()
        rng.shuffle(targets)
        passed = await once_each(service.url, targets, connections)
        warm.error_responses += passed.error_responses
        warm.examples.extend(passed.examples)
        now_held = sum(entries(await metric_values(service.url)).values())
        if now_held <= held * 1.005:
            break
        held = now_held
    await steady(
        service.url, load.picker(rng), seconds=options.warmup, connections=connections, tally=warm
    )
    before = await metric_values(service.url)
    upstream_before = upstream.total()
    samples: list[tuple[float, float]] = []
    sampler = asyncio.create_task(sample_rss(service.pid, options.sample, samples))
    tally = Tally()
    started = time.monotonic()
    try:
        await steady(
            service.url,
            load.picker(rng),
            seconds=options.duration,
            connections=connections,
            tally=tally,
        )
    finally:
        elapsed = time.monotonic() - started
        samples.append((round(elapsed, 1), round(rss_mib(pypins_pids(service.pid)), 2)))
        sampler.cancel()
    after = await metric_values(service.url)
    report.upstream_requests = upstream.total() - upstream_before
    report.requests = tally.requests
    report.requests_per_second = round(tally.requests / elapsed, 1)
    report.error_responses = tally.error_responses
    report.error_badges = tally.error_badges
    report.unexpected_answers = tally.unexpected_error_badges
    report.busy_in_steady_mix = tally.busy
    report.p50_ms = round(percentile(tally.latencies, 0.50) * 1000, 2)
    report.p99_ms = round(percentile(tally.latencies, 0.99) * 1000, 2)
    report.max_ms = round(max(tally.latencies, default=0.0) * 1000, 1)
    report.rss_samples = samples
    report.rss_start_mib = samples[0][1]
    report.rss_end_mib = samples[-1][1]
    report.rss_max_mib = max(rss for _, rss in samples)
    report.rss_growth_percent = round(
        (report.rss_end_mib - report.rss_start_mib) / report.rss_start_mib * 100, 2
    )
    for tier, result in (
        ("hot", "hit"),
        ("hot", "miss"),
        ("records", "hit"),
        ("records", "stale"),
        ("records", "miss"),
    ):
        name = "pypins_cache_requests_total"
        grown = total(after, name, tier=tier, result=result) - total(
            before, name, tier=tier, result=result
        )
        report.cache[f"{tier}_{result}"] = grown
    report.cache_entries_start = entries(before)
    report.cache_entries_end = entries(after)
    report.examples = [*warm.examples, *tally.examples]
    await burst(service.url, upstream, options, report)
    report.inflight_cap = options.workers * options.max_upstream
    report.queue_cap = options.workers * (options.max_upstream + options.max_queued)


def targets_met(report: Report, options: Options) -> bool:
    """Whether the run met every target (see the module docstring)."""
    return (
        report.error_responses == 0
        and report.unexpected_answers == 0
        and report.busy_in_steady_mix == 0
        and report.rss_growth_percent < options.max_growth
        and report.burst_error_responses == 0
        and report.burst_busy >= options.burst - report.queue_cap
        and report.burst_busy_p99_ms < BURST_DELAY * 1000
        and report.burst_other_max_ms < (options.timeout + BURST_MARGIN) * 1000
        and report.burst_inflight_max <= report.inflight_cap
    )


def run(options: Options) -> Report:
    """Start everything, soak, stop everything; the figures."""
    redis_binary = find_redis_server() if options.redis else None
    report = Report(
        options.duration, options.workers, options.connections, redis_binary is not None
    )
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(Upstream())
        args = ["--workers", str(options.workers), "--cache-ttl", str(CACHE_TTL)]
        args += ["--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url]
        args += ["--log-level", "warning"]
        if redis_binary is not None:
            redis = stack.enter_context(RedisServer(redis_binary))
            args += ["--redis-url", redis.url]
        state = stack.enter_context(tempfile.TemporaryDirectory(prefix="pypins-soak-"))
        env = {
            "PYPINS_POLL_INTERVAL": "0",
            "PYPINS_GRACE": "3600",
            "PYPINS_NEGATIVE_TTL": "60",
            "PYPINS_TIMEOUT": str(options.timeout),
            "PYPINS_MAX_UPSTREAM_CONCURRENCY": str(options.max_upstream),
            "PYPINS_MAX_QUEUED": str(options.max_queued),
            "PYPINS_USAGE_DB": str(Path(state) / "usage.sqlite"),
        }
        service = stack.enter_context(Service(*args, env=env, start_timeout=60))
        asyncio.run(soak(service, upstream, options, report))
    report.targets_met = targets_met(report, options)
    return report


def print_report(report: Report, options: Options) -> None:
    """The figures, readable."""
    print(
        f"soak: {report.duration:.0f} s, {report.workers} workers, "
        f"{report.connections} connections, redis {'on' if report.redis else 'off'}"
    )
    print(f"  requests served        {report.requests} ({report.requests_per_second}/s)")
    print(f"  error responses        {report.error_responses} (target 0)")
    print(f"  error badges (wanted)  {report.error_badges}")
    print(f"  unexpected answers     {report.unexpected_answers} (target 0)")
    print(f"  busy in the steady mix {report.busy_in_steady_mix}")
    print(f"  latency p50 / p99 / max  {report.p50_ms} / {report.p99_ms} / {report.max_ms} ms")
    print(
        f"  RSS start / end / max  {report.rss_start_mib} / {report.rss_end_mib} / "
        f"{report.rss_max_mib} MiB, growth {report.rss_growth_percent}% "
        f"(target < {options.max_growth}%)"
    )
    print(f"  cache lookups          {report.cache}")
    print(f"  cache entries start    {report.cache_entries_start}")
    print(f"  cache entries end      {report.cache_entries_end}")
    print(f"  upstream requests      {report.upstream_requests}")
    print(
        f"back-pressure: {report.burst_requests} new packages at once, PyPI answering in "
        f"{BURST_DELAY:g} s; cap {options.max_upstream} in flight + {options.max_queued} "
        f"queued per worker"
    )
    print(
        f"  busy answers           {report.burst_busy}, p50 {report.burst_busy_p50_ms} ms, "
        f"p99 {report.burst_busy_p99_ms} ms (refused at once; "
        f"{report.burst_busy_after_queueing} more after waiting the timeout in the queue)"
    )
    print(f"  slowest other answer   {report.burst_other_max_ms} ms")
    print(f"  upstream in flight     max {report.burst_inflight_max:g} (cap {report.inflight_cap})")
    print(
        f"  held at once (cap)     {options.burst - report.burst_busy} "
        f"({report.queue_cap}: in flight + queued, all workers)"
    )
    print(f"  error responses        {report.burst_error_responses}")
    for example in report.examples:
        print(f"  example: {example}")
    print("targets met" if report.targets_met else "TARGETS MISSED")


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """The options from the command line."""
    defaults = Options()
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds")
    parser.add_argument("--timeout", type=float, default=defaults.timeout, help="seconds")
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--working-set", type=int, default=defaults.working_set)
    parser.add_argument("--cold", type=int, default=defaults.cold)
    parser.add_argument("--burst", type=int, default=defaults.burst)
    parser.add_argument("--max-upstream", type=int, default=defaults.max_upstream)
    parser.add_argument("--max-queued", type=int, default=defaults.max_queued)
    parser.add_argument("--sample", type=float, default=defaults.sample, help="seconds")
    parser.add_argument("--max-growth", type=float, default=defaults.max_growth, help="%%")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--no-redis", dest="redis", action="store_false")
    parser.add_argument("--report", type=Path, default=defaults.report)
    values = vars(parser.parse_args(argv))
    return Options(**values)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak from the command line; 0 when the targets are met."""
    options = parse_options(argv)
    report = run(options)
    print_report(report, options)
    if options.report is not None:
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(json.dumps(asdict(report), indent=2) + "\n")
    return 0 if report.targets_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
