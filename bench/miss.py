"""What a cache miss costs, step by step: upstream wait, JSON parse, facts, rendering.

For each document (numpy's 3.4 MB answer, the largest PyPI sends for a popular project;
boto3's, with 2,000 releases; requests', a typical one) it measures in one run:

1. the upstream wait: request to last body byte through ``AsyncPyPIClient`` from the
   loopback PyPI stand-in with 20 ms of added latency (and the loopback transfer alone);
2. decoding the body: the standard library's ``json.loads`` against ``load_json``
   (orjson), with their ratio;
3. reducing the document to ``PackageFacts`` (``facts_from_json``);
4. the version badge and its SVG;
5. the whole request to response of ``/pypi/v/<package>.svg`` through the in-process
   ASGI app (``PypinsApp`` and ``BadgeService``, as the tests build them) for a package
   it has never seen, and so the share of a miss that is not the upstream's;
6. the longest stall of the event loop during such a miss (a 0.5 ms ticker runs beside
   it), with bodies over ``PARSE_IN_THREAD_BYTES`` decoded in a worker thread and with
   every body decoded on the loop.

The stand-in runs in a child process (its own interpreter, so its threads do not take
this process's GIL); every package name of step 5 is new to pypins and answered from a
document the stand-in rendered in advance. Medians of ``--repeat`` runs; all traffic is
on 127.0.0.1 and the run stops by itself.

    .venv/bin/python bench/miss.py                     # about a minute
    .venv/bin/python bench/miss.py --repeat 31 --latency 0.05

glibc hands the temporary buffer in which orjson decodes a large document back to the
system after every decode (some 1,500 page faults for numpy's). To see the decode with
that memory kept, run with ``MALLOC_MMAP_THRESHOLD_=67108864
MALLOC_TRIM_THRESHOLD_=268435456`` in the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx

from pypins.badges import KINDS, facts_from_json
from pypins.client import AsyncPyPIClient, _http
from pypins.client._async import PARSE_IN_THREAD_BYTES
from pypins.config import ServiceConfig
from pypins.pypi import load_json
from pypins.render import render_svg
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.support.upstream import FIXTURES, Upstream

DOCUMENTS = ("requests", "boto3", "numpy")
NOW = datetime(2026, 11, 21, tzinfo=UTC)
TICK = 0.0005


@dataclass
class Figures:
    """The medians measured for one document (milliseconds, apart from ``size``)."""

    size: int = 0
    upstream: float = 0.0
    transfer: float = 0.0
    stdlib_json: float = 0.0
    orjson: float = 0.0
    facts: float = 0.0
    render: float = 0.0
    miss: float = 0.0
    stall_threaded: float = 0.0
    stall_on_loop: float = 0.0
    version: str = ""


def serve_upstream(
    templates: tuple[str, ...], count: int, latency: float, ready: Any, stop: Event
) -> None:
    """The child process: the loopback PyPI with ``slow-*`` (delayed) and ``fast-*`` names.

    ``slow-<template>-<n>`` and ``fast-<template>-<n>`` serve the ``<template>`` fixture
    under that name; ``slow-*`` answers after ``latency`` seconds. The answers of every
    name the benchmark asks for are rendered before it starts.
    """
    with Upstream() as upstream:
        for template in templates:
            upstream.add_rule(rf"(slow|fast)-{template}-\d+", template)
        upstream.inject("/pypi/slow-*", delay=latency)
        for template in templates:
            for n in range(count + 3):
                upstream.answer(f"/pypi/slow-{template}-{n}/json")
            upstream.answer(f"/pypi/fast-{template}-0/json")
        ready.put(upstream.port)
        stop.wait(900)


def median_ms(samples: list[float]) -> float:
    """The median of ``samples`` (seconds), in milliseconds."""
    return statistics.median(samples) * 1000


def time_call(function: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``function()``; what it returns is freed outside the timing."""
    samples = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - start)
        del result
    return median_ms(samples)


async def time_await(function: Callable[[], Awaitable[object]], repeat: int) -> float:
    """Median milliseconds of ``await function()``."""
    samples = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        await function()
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


class Ticker:
    """Measures the longest time the event loop did not run a 0.5 ms sleeper."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._since = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self._since = time.perf_counter()
            await asyncio.sleep(TICK)
            self.longest = max(self.longest, time.perf_counter() - self._since - TICK)

    def start(self) -> None:
        self.longest = 0.0
        self._since = time.perf_counter()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> float:
        """Stop ticking; the longest stall seen, in milliseconds.

        The sleep in progress counts too: a stall just before ``stop`` (a decode on the
        loop, with no ``await`` after it) would otherwise go unseen.
        """
        assert self._task is not None
        self.longest = max(self.longest, time.perf_counter() - self._since - TICK)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.longest * 1000


async def measure(base: str, repeat: int) -> dict[str, Figures]:
    """Every figure of every document."""
    async with AsyncPyPIClient(f"{base}/pypi") as client:
        results = {name: await measure_steps(client, base, name, repeat) for name in DOCUMENTS}
    for name, figures in results.items():
        await measure_misses(base, name, figures, repeat)
    return results


async def measure_steps(client: AsyncPyPIClient, base: str, name: str, repeat: int) -> Figures:
    """Steps 1 to 4 for one document."""
    figures = Figures()
    headers = _http.request_headers(None)
    fast, slow = f"{base}/pypi/fast-{name}-0/json", f"{base}/pypi/slow-{name}-0/json"
    _, body = await client._fetch(fast, headers)
    assert body is not None
    figures.size = len(body)
    figures.transfer = await time_await(lambda: client._fetch(fast, headers), repeat)
    figures.upstream = await time_await(lambda: client._fetch(slow, headers), repeat)
    figures.stdlib_json = time_call(lambda: json.loads(body), repeat)
    figures.orjson = time_call(lambda: load_json(body), repeat)
    document = load_json(body)
    figures.facts = time_call(lambda: facts_from_json(document), repeat)
    facts = facts_from_json(document)
    figures.version = facts.version
    kind = KINDS["v"]

    def render() -> bytes:
        badge = kind.render(facts, {}, now=NOW)
        return render_svg(badge.label, badge.message, badge.color).encode()

    figures.render = time_call(render, repeat)
    return figures


async def measure_misses(base: str, name: str, figures: Figures, repeat: int) -> None:
    """Whole misses through the ASGI app, and the loop stalls with and without a thread."""
    config = ServiceConfig(
        pypi_url=f"{base}/pypi",
        stats_url=base,
        updates_url=f"{base}/rss/updates.xml",
        poll_interval=0,
        usage_db="off",
    )
    service = BadgeService(config)
    app = PypinsApp(service)
    ticker = Ticker()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://pypins.bench") as http:
            numbers = iter(range(1, 3 * repeat + 3))

            async def miss() -> None:
                response = await http.get(f"/pypi/v/slow-{name}-{next(numbers)}.svg")
                assert response.status_code == 200, response.status_code
                assert f"v{figures.version}" in response.text, response.text[:200]

            await miss()  # imports, first renders, the connection pool
            figures.miss = await time_await(miss, repeat)
            upstream_client = service.upstreams.client()
            for threshold in (PARSE_IN_THREAD_BYTES, None):
                upstream_client.parse_in_thread_bytes = threshold
                stalls = []
                for _ in range(repeat // 2 + 1):
                    gc.collect()
                    ticker.start()
                    await miss()
                    stalls.append(await ticker.stop())
                stall = statistics.median(stalls)
                if threshold is None:
                    figures.stall_on_loop = stall
                else:
                    figures.stall_threaded = stall
    finally:
        await service.stop()


def recorded_documents(repeat: int) -> tuple[float, float, int]:
    """Total decode time of every recorded project document, stdlib and orjson (ms)."""
    bodies = [path.read_bytes() for path in sorted((FIXTURES / "pypi").glob("*.json"))]
    stdlib = sum(time_call(lambda body=body: json.loads(body), repeat) for body in bodies)
    fast = sum(time_call(lambda body=body: load_json(body), repeat) for body in bodies)
    return stdlib, fast, len(bodies)


def report(results: dict[str, Figures], latency: float, repeat: int) -> None:
    """Print the table."""
    print(f"A miss of /pypi/v/<package>.svg, medians of {repeat} runs (ms unless said), ", end="")
    print(f"upstream latency {latency * 1000:.0f} ms, Python {sys.version.split()[0]}, ", end="")
    print(f"load average {os.getloadavg()[0]:.1f}")
    names = list(results)
    print(f"{'':54}" + "".join(f"{name:>10}" for name in names))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:54}" + "".join(f"{value:>10}" for value in values))

    def numbers(label: str, pick: Callable[[Figures], float], digits: int = 2) -> None:
        row(label, [f"{pick(results[name]):.{digits}f}" for name in names])

    row("document size (KiB)", [f"{results[name].size / 1024:,.0f}" for name in names])
    numbers("1. upstream wait (latency + transfer)", lambda f: f.upstream)
    numbers("   of which the loopback transfer alone", lambda f: f.transfer)
    numbers("2. JSON decode, stdlib json.loads", lambda f: f.stdlib_json)
    numbers("   JSON decode, orjson (load_json)", lambda f: f.orjson)
    row(
        "   stdlib / orjson",
        [f"{results[n].stdlib_json / results[n].orjson:.1f}x" for n in names],
    )
    numbers("3. facts_from_json", lambda f: f.facts)
    numbers("4. version badge + SVG", lambda f: f.render, 3)
    numbers("   2 + 3 + 4 (orjson)", lambda f: f.orjson + f.facts + f.render)
    numbers("5. whole miss through the ASGI app", lambda f: f.miss)
    numbers("   not upstream (5 - 1)", lambda f: f.miss - f.upstream)
    row(
        "   not upstream, share of the miss",
        [f"{(results[n].miss - results[n].upstream) / results[n].miss:.0%}" for n in names],
    )
    threaded = f"6. loop stall, bodies >= {PARSE_IN_THREAD_BYTES // 1024} KiB in a thread"
    numbers(threaded, lambda f: f.stall_threaded)
    numbers("   loop stall, every body decoded on the loop", lambda f: f.stall_on_loop)


def main() -> int:
    """Start the stand-in, measure, print, stop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per figure (median kept)")
    parser.add_argument("--latency", type=float, default=0.02, help="added upstream latency (s)")
    args = parser.parse_args()
    with h.upstream_process(serve_upstream, DOCUMENTS, 3 * args.repeat + 3, args.latency) as port:
        results = asyncio.run(measure(f"http://127.0.0.1:{port}", args.repeat))
    report(results, args.latency, args.repeat)
    stdlib, fast, count = recorded_documents(args.repeat)
    print(
        f"all {count} recorded project documents, decode time summed: stdlib {stdlib:.1f} ms, "
        f"orjson {fast:.1f} ms ({stdlib / fast:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
