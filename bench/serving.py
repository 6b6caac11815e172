"""Serving speed: pypins against nginx serving the very same badge bytes (issue 8).

Starts the loopback PyPI stand-in, nginx with the badge as a static file (the
reference), and ``pypins serve`` three times, then measures each with wrk on 127.0.0.1,
one load thread, for every connection count, alternating the targets round after round:

* (a) nginx, the badge as a static file with pypins' own headers (the reference);
* (b) ``pypins serve --workers 1``, a cached badge;
* (r) with ``--reference REV``: the same as (b), with the service as it was at git
  revision ``REV`` (its ``src/`` exported to a temporary directory), so that a change is
  measured against what it changes in one run;
* (c) ``pypins serve --workers 2``, the same cached badge;
* (d) ``pypins serve --workers 1``, a cold mix: 1 request in 20 names a package the
  service has never seen, fetched from the upstream with 20 ms added latency;
* (e) the same cold mix paced below saturation: each connection pauses between
  requests so that about ``--paced-rate`` requests per second are offered in all
  (latency without the queueing of a saturated worker; not one of the targets).

It prints req/s, p50 and p99 of every run, then the medians over the rounds, each
target's throughput as a ratio to nginx measured in the same round (not for the paced
(e)), and the targets:
(b)/(a) >= 0.6 and p99 of (b) under 10 ms at 64 connections, p99 of (d) under the
upstream latency + 10 ms. The exit status is 0 when all are met.

The upstream of (d) and (e) is the lean replay of the stand-in's answers
(``bench/_standin.py``, one asyncio process), so that the upstream takes as little of
the worker's CPU as it can; ``--standin threaded`` uses the test suite's stand-in
instead (a thread per connection, dearer per answer). Each cold run prints the fetches
the upstream counted against the misses wrk sent (so the misses are real), the
worker's and the upstream's CPU, and pypins' own mean fetch time.

    .venv/bin/python bench/serving.py                       # 3 rounds x 64, 256 x 10 s
    .venv/bin/python bench/serving.py --duration 2 --rounds 1 --connections 64
    .venv/bin/python bench/serving.py --reference HEAD~3 --connections 64
    .venv/bin/python bench/serving.py --profile /tmp/pypins-profile

``--profile DIR`` measures nothing else: it samples the worker of (b), then of (d),
with py-spy while wrk loads it, writes flame graphs (``*.svg``) and collapsed stacks
(``*.txt``) to DIR and prints the busiest frames; it splits the CPU time per request
of (a) and (b), by thread of the server's worker (user and system, from ``/proc``) and
for wrk, which shares the machine; then it times one cached hit of the pypins app
in-process, against the raw constant app, with no server in between.
Everything runs on 127.0.0.1, bounded in time, and every process started is stopped by
its PID, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx
from _standin import LeanUpstream, lean_upstream

from tests.support.service import Service
from tests.support.upstream import Upstream

#: Misses name fresh packages served from the smallest realistic fixture (docopt).
MISS_TEMPLATE = "/pypi/v/synthetic-docopt-%d.svg"
MISS_FETCH = re.compile(r"^/pypi/synthetic-docopt-\d+/json$")
#: The upstream document of the cached badge (``h.BADGE_PATH``).
HIT_DOCUMENT = "/pypi/requests/json"

#: Request headers of the in-process timing: what wrk sends, and what a browser sends
#: for an ``<img>`` on another site.
REQUEST_HEADERS: dict[str, list[tuple[bytes, bytes]]] = {
    "wrk, 1 header": [(b"host", b"127.0.0.1:8000")],
    "browser, 10 headers": [
        (b"host", b"badges.example.org"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
        (b"accept", b"image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"),
        (b"accept-language", b"en-GB,en;q=0.5"),
        (b"accept-encoding", b"gzip, deflate, br, zstd"),
        (b"referer", b"https://github.com/"),
        (b"connection", b"keep-alive"),
        (b"sec-fetch-dest", b"image"),
        (b"sec-fetch-mode", b"no-cors"),
        (b"sec-fetch-site", b"cross-site"),
    ],
}


@dataclass(frozen=True, slots=True)
class Target:
    """One thing wrk is pointed at."""

    key: str
    title: str
    url: str
    script: Path | None = None
    on_done: Callable[[h.WrkResult], str] | None = None
    #: Requests per second offered in all (each connection pauses between requests).
    paced_rate: float | None = None


class ColdWatch:
    """What a cold-mix run cost: upstream fetches, the worker's CPU, pypins' fetch latency.

    The stand-in counts the fetches of miss packages (so the misses are known to be
    real); ``/proc`` gives the worker's CPU time; pypins' own
    ``pypins_upstream_latency_seconds`` gives how long its fetches took, as it saw them.
    """

    def __init__(
        self, fetched: Callable[[], int], upstream_pid: int, every: int, service: Service
    ) -> None:
        self.fetched = fetched
        self.upstream_pid = upstream_pid
        self.every = every
        self.service = service
        assert service.pid is not None
        (self.worker,) = h.worker_pids(service.pid, 1)
        self.before: tuple[float, ...] = ()

    def _latency(self) -> tuple[float, float]:
        text = httpx.get(self.service.url + "/metrics", timeout=10.0, trust_env=False).text
        return (
            h.metric_sum(text, "pypins_upstream_latency_seconds_sum"),
            h.metric_sum(text, "pypins_upstream_latency_seconds_count"),
        )

    def _snapshot(self) -> tuple[float, ...]:
        return (
            self.fetched(),
            time.monotonic(),
            h.cpu_seconds(self.worker),
            h.cpu_seconds(self.worker, self.worker),
            h.cpu_seconds(self.upstream_pid),
            *self._latency(),
        )

    def start(self) -> None:
        """Remember the counters before a run."""
        self.before = self._snapshot()

    def describe(self, result: h.WrkResult) -> str:
        """Fetches against misses, the worker's CPU and the mean fetch latency of the run."""
        after = self._snapshot()
        fetches, seconds, cpu, main, upstream_cpu, latency, count = (
            a - b for a, b in zip(after, self.before, strict=True)
        )
        mean = f"{1000 * latency / count:.0f} ms" if count else "-"
        return (
            f"upstream fetches {fetches:,.0f} for {result.requests // self.every:,} misses, "
            f"worker CPU {100 * cpu / seconds:.0f}% of a core "
            f"(main thread {100 * main / seconds:.0f}%), mean fetch {mean}, "
            f"upstream CPU {100 * upstream_cpu / seconds:.0f}%"
        )


class Runner:
    """Runs wrk; writes each cold-mix run a script naming packages not seen before."""

    def __init__(self, every: int, misses: ColdWatch) -> None:
        self.every = every
        self.misses = misses
        self.runs = 0

    def run(self, target: Target, connections: int, duration: float) -> h.WrkResult:
        """One wrk run against ``target``."""
        if target.script is not None:
            self.runs += 1
            pause = 0.0 if target.paced_rate is None else connections * 1000 / target.paced_rate
            script = h.miss_mix_script(
                h.BADGE_PATH,
                MISS_TEMPLATE,
                every=self.every,
                offset=self.runs * 10**8,
                pause_ms=pause,
            )
            target.script.write_text(script, encoding="utf-8")
            self.misses.start()
        return h.run_wrk(
            target.url, connections=connections, duration=duration, script=target.script
        )


def threaded_fetches(upstream: Upstream) -> int:
    """Fetches of miss packages the test suite's stand-in has answered so far."""
    return sum(n for path, n in upstream.counts().items() if MISS_FETCH.match(path))


def lean_fetches(lean: LeanUpstream) -> int:
    """Fetches of miss packages the lean upstream has answered so far."""
    return lean.counts().get("synthetic", 0)


@dataclass
class Setup:
    """The running servers and the targets pointed at them, (a) first."""

    upstream: Upstream
    services: dict[str, Service]
    targets: list[Target]
    runner: Runner
    state: Path
    #: nginx's master process (its one worker is the only child).
    nginx_pid: int


def fetch_badge(url: str) -> tuple[bytes, list[tuple[str, str]]]:
    """The badge's body and the pypins headers nginx should repeat."""
    reply = httpx.get(url, timeout=10.0, trust_env=False)
    if reply.status_code != 200 or "x-pypins-package" not in reply.headers:
        raise h.BenchError(f"{url} gave {reply.status_code}: {reply.text[:200]}")
    headers = [(name, reply.headers[name]) for name in h.COPIED_HEADERS if name in reply.headers]
    return reply.content, headers


@contextlib.contextmanager
def running(args: argparse.Namespace) -> Iterator[Setup]:
    """Start the stand-in, nginx and the three services; stop them all afterwards."""
    with contextlib.ExitStack() as stack:
        state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pypins-bench-")))
        upstream = stack.enter_context(Upstream())
        fetched: Callable[[], int]
        if args.standin == "lean":
            lean = stack.enter_context(
                lean_upstream(upstream.pypi_url, [HIT_DOCUMENT], args.delay_ms / 1000)
            )
            pypi_url = lean.pypi_url
            fetched = partial(lean_fetches, lean)
            upstream_pid = lean.pid
        else:
            # Only misses wait: the hit's record is fetched once, before the measurements.
            upstream.inject("/pypi/synthetic-*", delay=args.delay_ms / 1000)
            pypi_url = upstream.pypi_url
            fetched = partial(threaded_fetches, upstream)
            upstream_pid = os.getpid()  # the stand-in's threads run in this process
        env = h.serving_env(pypi_url, upstream.stats_url, state)
        flags = ("--log-level", "warning", "--workers")
        services = {
            "b": Service(*flags, "1", env=env, start_timeout=60),
            "c": Service(*flags, "2", env=env, start_timeout=60),
            "d": Service(*flags, "1", env=env, start_timeout=60),
        }
        if args.reference:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pypins-ref-")))
            source = h.export_source(args.reference, scratch)
            services["r"] = Service(
                *flags, "1", env={**env, "PYTHONPATH": str(source)}, start_timeout=60
            )
        for service in services.values():
            stack.enter_context(service)
        body, headers = fetch_badge(services["b"].url + h.BADGE_PATH)
        nginx = stack.enter_context(h.StaticNginx({h.BADGE_PATH: body}, headers=headers))
        reference = httpx.get(nginx.url + h.BADGE_PATH, timeout=10.0, trust_env=False)
        if reference.content != body:
            raise h.BenchError("nginx does not serve the badge's bytes")
        every = round(100 / args.miss_percent)
        misses = ColdWatch(fetched, upstream_pid, every, services["d"])
        targets = [
            Target("a", "nginx, static file (reference)", nginx.url + h.BADGE_PATH),
            Target("b", "pypins, 1 worker, cached", services["b"].url + h.BADGE_PATH),
            *(
                [
                    Target(
                        "r", f"pypins at {args.reference}, as (b)", services["r"].url + h.BADGE_PATH
                    )
                ]
                if args.reference
                else []
            ),
            Target("c", "pypins, 2 workers, cached", services["c"].url + h.BADGE_PATH),
            Target(
                "d",
                f"pypins, 1 worker, {args.miss_percent:g}% misses",
                services["d"].url + h.BADGE_PATH,
                script=state / "mix.lua",
                on_done=misses.describe,
            ),
            Target(
                "e",
                f"pypins, as (d), paced at {args.paced_rate:,.0f}/s",
                services["d"].url + h.BADGE_PATH,
                script=state / "paced.lua",
                on_done=misses.describe,
                paced_rate=args.paced_rate,
            ),
        ]
        assert nginx.process is not None
        runner = Runner(every, misses)
        yield Setup(upstream, services, targets, runner, state, nginx.process.pid)


def measure(args: argparse.Namespace) -> int:
    """Alternate the four targets for every round and connection count; print figures."""
    print(f"load average at start: {h.load_average():.2f}")
    results: dict[tuple[str, int], list[h.WrkResult]] = defaultdict(list)
    ratios: dict[tuple[str, int], list[float]] = defaultdict(list)
    with running(args) as setup:
        if args.warmup > 0:
            for target in setup.targets:
                setup.runner.run(target, max(args.connections), args.warmup)
        for round_number in range(1, args.rounds + 1):
            for connections in args.connections:
                print(f"\nround {round_number}/{args.rounds}, {connections} connections")
                reference = 0.0
                for target in setup.targets:
                    result = setup.runner.run(target, connections, args.duration)
                    results[target.key, connections].append(result)
                    if target.key == "a":
                        reference = result.requests_per_second
                    ratio = result.requests_per_second / reference
                    ratios[target.key, connections].append(ratio)
                    extra = f", {target.on_done(result)}" if target.on_done else ""
                    print(
                        f"  ({target.key}) {target.title:<32} "
                        f"{result.requests_per_second:>9,.0f} req/s  x{ratio:.2f}  "
                        f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                        f"failures {result.failures}{extra}",
                        flush=True,
                    )
        targets = setup.targets
    print(f"\nload average at end: {h.load_average():.2f}")
    return report(args, targets, results, ratios)


def report(
    args: argparse.Namespace,
    targets: list[Target],
    results: dict[tuple[str, int], list[h.WrkResult]],
    ratios: dict[tuple[str, int], list[float]],
) -> int:
    """The medians over the rounds, the ratios to nginx and the targets."""
    rows = []
    for connections in args.connections:
        for target in targets:
            runs = results[target.key, connections]
            rows.append(
                [
                    f"({target.key}) {target.title}",
                    connections,
                    f"{h.median([r.requests_per_second for r in runs]):,.0f}",
                    "-"
                    if target.paced_rate
                    else f"{h.median(ratios[target.key, connections]):.2f}",
                    f"{h.median([r.p50_ms for r in runs]):.2f}",
                    f"{h.median([r.p99_ms for r in runs]):.2f}",
                    sum(r.failures for r in runs),
                ]
            )
    print(f"\nmedians over {args.rounds} round(s), wrk -t1 --latency, {args.duration:g} s per run:")
    header = ["target", "conns", "req/s", "x nginx", "p50 ms", "p99 ms", "failures"]
    print(h.table(header, rows))
    first = args.connections[0]
    ratio_b = h.median(ratios["b", first])
    p99_b = h.median([r.p99_ms for r in results["b", first]])
    p99_d = h.median([r.p99_ms for r in results["d", first]])
    checks = [
        (f"(b)/(a) at {first} connections", f"{ratio_b:.3f}", ">= 0.600", ratio_b >= 0.6),
        (f"p99 of (b) at {first} connections", f"{p99_b:.2f} ms", "< 10 ms", p99_b < 10),
        (
            f"p99 of (d) at {first} connections",
            f"{p99_d:.2f} ms",
            f"< {args.delay_ms + 10:g} ms",
            p99_d < args.delay_ms + 10,
        ),
    ]
    print()
    print(
        h.table(
            ["target", "measured", "wanted", "met"],
            [[name, got, wanted, "yes" if ok else "NO"] for name, got, wanted, ok in checks],
        )
    )
    if args.reference:
        ratio_r = h.median(ratios["r", first])
        print(
            f"(b) against (r), {args.reference} as it was: {ratio_b:.3f} against {ratio_r:.3f} "
            f"x nginx ({ratio_b / ratio_r:.2f}x)"
        )
    met = all(ok for *_, ok in checks)
    p99_e = h.median([r.p99_ms for r in results["e", first]])
    print(
        f"(not a target) p99 of (e), the cold mix paced at {args.paced_rate:,.0f} req/s: "
        f"{p99_e:.2f} ms"
    )
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


# -- --profile ------------------------------------------------------------------------------


def profile(args: argparse.Namespace) -> int:
    """py-spy the workers of (b) and (d) under wrk, then time the app in-process."""
    directory = Path(args.profile)
    directory.mkdir(parents=True, exist_ok=True)
    connections = args.connections[0]
    summaries = []
    with running(args) as setup:
        for key, name in (("b", "hot-path"), ("d", "cold-mix")):
            target = next(t for t in setup.targets if t.key == key)
            pid = setup.services[key].pid
            assert pid is not None
            (worker,) = h.worker_pids(pid, 1)
            setup.runner.run(target, connections, max(args.warmup, 1))
            for output in (directory / f"{name}.svg", directory / f"{name}.txt"):
                with h.py_spy(worker, output, duration=args.duration):
                    result = setup.runner.run(target, connections, args.duration)
                print(
                    f"{output}: ({key}) {result.requests_per_second:,.0f} req/s under py-spy, "
                    f"p99 {result.p99_ms:.2f} ms"
                )
            stacks = (directory / f"{name}.txt").read_text(encoding="utf-8")
            summaries.append(f"\n({key}) {target.title}: " + summarize_stacks(stacks, args.top))
            summaries.append(by_package(stacks))
        (nginx_worker,) = h.children(setup.nginx_pid)
        (pypins_worker,) = h.worker_pids(setup.services["b"].pid or 0, 1)
        split = [
            *cpu_split(setup, "a", nginx_worker, connections, args.duration),
            *cpu_split(setup, "b", pypins_worker, connections, args.duration),
        ]
        env = h.serving_env(setup.upstream.pypi_url, setup.upstream.stats_url, setup.state)
        body, _ = fetch_badge(setup.services["b"].url + h.BADGE_PATH)
        os.environ.update(h.constant_app_env(body, setup.state))
        costs = asyncio.run(app_costs(env))
    print("\n".join(summaries))
    print(
        f"\nCPU per request by thread, {connections} connections, {args.duration:g} s each "
        "(/proc; wrk from getrusage):"
    )
    print(h.table(["target", "thread", "user us", "system us", "% of a core"], split))
    print("\none cached hit in-process, no server (best of 25 x 10,000 calls, thread CPU time):")
    print(h.table(["app", "request headers", "us per request"], costs))
    return 0


def cpu_split(
    setup: Setup, key: str, pid: int, connections: int, duration: float
) -> list[list[object]]:
    """Rows of CPU time per request, user and system, of each busy thread of ``pid`` and
    of wrk, while wrk loads target ``key``: the machine's two cores are shared by both."""
    target = next(t for t in setup.targets if t.key == key)
    before = h.thread_times(pid)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = setup.runner.run(target, connections, duration)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = h.thread_times(pid)
    per = 1e6 / max(result.requests, 1)
    rows: list[list[object]] = []
    unseen = ("", 0.0, 0.0)  # a thread started during the run
    times = [
        (f"{name} ({tid})", user - before.get(tid, unseen)[1], system - before.get(tid, unseen)[2])
        for tid, (name, user, system) in after.items()
    ]
    times.append(
        ("wrk", wrk_after.ru_utime - wrk_before.ru_utime, wrk_after.ru_stime - wrk_before.ru_stime)
    )
    total_user = total_system = 0.0
    for thread, user, system in times:
        if user + system < 0.01 * result.seconds:
            continue  # idle threads
        total_user, total_system = total_user + user, total_system + system
        rows.append(
            [
                f"({key}) {result.requests_per_second:,.0f} req/s",
                thread,
                f"{user * per:.1f}",
                f"{system * per:.1f}",
                f"{100 * (user + system) / result.seconds:.0f}%",
            ]
        )
    rows.append(
        [
            f"({key})",
            "all of the above",
            f"{total_user * per:.1f}",
            f"{total_system * per:.1f}",
            f"{100 * (total_user + total_system) / result.seconds:.0f}%",
        ]
    )
    return rows


def summarize_stacks(collapsed: str, top: int) -> str:
    """Self and inclusive shares of the busiest frames in py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for stack, count in _samples(collapsed):
        frames = [_short(frame) for frame in stack]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return "no samples"
    # The worker's start-up chain (multiprocessing, uvicorn, asyncio) is in every stack of
    # the main thread: leave those frames out unless they run code of their own.
    chain = max(inclusive.values())
    busiest = [frame for frame, n in inclusive.most_common() if own[frame] or n < chain]
    rows = [
        [frame, f"{100 * own[frame] / total:.1f}%", f"{100 * inclusive[frame] / total:.1f}%"]
        for frame in busiest[:top]
    ]
    return f"{total} samples\n" + h.table(["frame", "self", "inclusive"], rows)


def by_package(collapsed: str) -> str:
    """Shares of samples by the library whose code ran: each sample goes to the package
    of its innermost frame outside the standard library (``pypins.<module>`` for
    pypins), so a socket call made by httpcore counts for httpcore."""
    shares: Counter[str] = Counter()
    total = 0
    for frames, count in _samples(collapsed):
        total += count
        # The innermost frame is the one that runs the loop: the loop's own native code.
        if frames[-1].startswith("Runner.run"):
            shares["(event loop and uvicorn's I/O, native)"] += count
            continue
        shares[next((p for p in map(_package, reversed(frames)) if p), "(standard library)")] += (
            count
        )
    rows = [[name, f"{100 * n / total:.1f}%"] for name, n in shares.most_common()]
    return h.table(["package", "share"], rows)


def _samples(collapsed: str) -> Iterator[tuple[list[str], int]]:
    """Each stack of py-spy's collapsed output (its frames, outermost first) and its
    sample count; lines that are not ``<frames> <count>`` are skipped."""
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            yield stack.split(";"), int(count_text)


def _package(frame: str) -> str | None:
    """The package a frame's file belongs to; None for the standard library.

    py-spy names files relative to their ``sys.path`` entry: ``httpx/_client.py``,
    ``pypins/web/asgi.py``, ``asyncio/events.py``, ``<frozen importlib._bootstrap>``.
    """
    where = frame.partition(" (")[2].rpartition(":")[0]
    top, _, rest = where.partition("/")
    top = top.removesuffix(".py")
    if not where or where.startswith("<") or top in sys.stdlib_module_names:
        return None
    if top == "pypins":
        return "pypins." + rest.split("/")[0].removesuffix(".py")
    return top


def _short(frame: str) -> str:
    """``function (path/to/module.py:12)`` as ``function (module.py)``."""
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.split(':')[0]).name})" if where else name


async def app_costs(env: dict[str, str], rounds: int = 25, calls: int = 10_000) -> list[list[str]]:
    """Microseconds of thread CPU time per cached hit: pypins' app and the constant app."""
    from pypins.config import ServiceConfig
    from pypins.web.asgi import create_app

    app = create_app(ServiceConfig.from_env(env))

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    def scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": "GET",
            "root_path": "",
            "path": h.BADGE_PATH,
            "raw_path": h.BADGE_PATH.encode(),
            "query_string": b"",
            "headers": headers,
        }

    apps: dict[str, Any] = {"pypins (hot index hit)": app, "raw constant app": h.constant_app}
    rows: list[list[str]] = []
    try:
        await app(scope(REQUEST_HEADERS["wrk, 1 header"]), receive, send)  # the miss
        gc.disable()
        for label, headers in REQUEST_HEADERS.items():
            template = scope(headers)
            best = dict.fromkeys(apps, float("inf"))
            for _ in range(rounds):
                for name, callable_app in apps.items():
                    started = time.thread_time()
                    for _ in range(calls):
                        await callable_app(template.copy(), receive, send)
                    best[name] = min(best[name], (time.thread_time() - started) / calls)
            rows.extend([name, label, f"{best[name] * 1e6:.2f}"] for name in apps)
    finally:
        gc.enable()
        await app.service.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    h.add_wrk_arguments(parser, "target")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="upstream latency")
    parser.add_argument(
        "--standin",
        choices=("lean", "threaded"),
        default="lean",
        help="upstream of (d) and (e): the lean replay (bench/_standin.py) or the "
        "test suite's threaded stand-in",
    )
    parser.add_argument("--miss-percent", type=float, default=5.0, help="share of misses")
    parser.add_argument(
        "--paced-rate", type=float, default=1000.0, help="requests/s offered to (e)"
    )
    parser.add_argument("--reference", help="a git revision measured as (r), beside (b)")
    parser.add_argument("--profile", metavar="DIR", help="py-spy (b) and (d) instead")
    parser.add_argument("--top", type=int, default=25, help="frames listed by --profile")
    args = parser.parse_args()
    h.stop_on_sigterm()
    h.find_wrk()
    return profile(args) if args.profile else measure(args)


if __name__ == "__main__":
    h.run_main(main)
