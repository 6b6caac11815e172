"""HTTP clients for the upstream: worker CPU per request, httpx and aiohttp.

Why the service's ``AsyncPyPIClient`` runs on aiohttp. The loopback PyPI stand-in runs
in a child process (its own interpreter, so its threads do not take this process's GIL)
and serves docopt's document under a new name for every request; this process, on
uvloop as a worker is, sends the same GETs through ``httpx.AsyncClient`` and
``aiohttp.ClientSession`` (each with one pool, as the service keeps one), one at a time
and 16 at a time, and measures the thread CPU time this process spends per request: the
cost a miss puts on a worker's event loop. The ratio of httpx to aiohttp is the figure;
best of ``--repeat`` passes of ``--requests`` requests each, the clients alternating pass
by pass.

    .venv/bin/python bench/clients.py            # about 20 seconds

All traffic is on 127.0.0.1, bounded in count; the child is stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import aiohttp
import httpx
import uvloop

from tests.support.upstream import Upstream

Fetch = Callable[[str], Awaitable[bytes]]


def serve_upstream(count: int, ready: Any, stop: Event) -> None:
    """The child process: the stand-in, every answer rendered before the run starts."""
    with Upstream() as upstream:
        for n in range(count):
            upstream.answer(f"/pypi/synthetic-docopt-{n}/json")
        ready.put(upstream.port)
        stop.wait(600)


async def cpu_per_request(fetch: Fetch, urls: list[str], concurrency: int) -> float:
    """Thread CPU seconds per request for ``urls``, ``concurrency`` at a time."""
    started = time.thread_time()
    for start in range(0, len(urls), concurrency):
        await asyncio.gather(*(fetch(url) for url in urls[start : start + concurrency]))
    return (time.thread_time() - started) / len(urls)


async def measure(base: str, requests: int, repeat: int) -> list[list[str]]:
    """Best CPU per request of each client, at each concurrency."""
    names = itertools.count()
    rows = []
    async with httpx.AsyncClient(trust_env=False) as http, aiohttp.ClientSession() as session:

        async def with_httpx(url: str) -> bytes:
            response = await http.get(url)
            response.raise_for_status()
            return response.content

        async def with_aiohttp(url: str) -> bytes:
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.read()

        clients: dict[str, Fetch] = {
            "httpx": with_httpx,
            "aiohttp": with_aiohttp,
        }
        for concurrency in (1, 16):
            best = dict.fromkeys(clients, float("inf"))
            for _ in range(repeat):
                for name, fetch in clients.items():
                    urls = [
                        f"{base}/pypi/synthetic-docopt-{next(names)}/json" for _ in range(requests)
                    ]
                    best[name] = min(best[name], await cpu_per_request(fetch, urls, concurrency))
            rows.append(
                [
                    str(concurrency),
                    f"{best['httpx'] * 1e6:,.0f}",
                    f"{best['aiohttp'] * 1e6:,.0f}",
                    f"{best['httpx'] / best['aiohttp']:.1f}x",
                ]
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per pass")
    parser.add_argument("--repeat", type=int, default=3, help="passes per client (best kept)")
    args = parser.parse_args()
    total = 2 * 2 * args.repeat * args.requests
    with h.upstream_process(serve_upstream, total) as port:
        rows = uvloop.run(measure(f"http://127.0.0.1:{port}", args.requests, args.repeat))
    print(f"worker CPU per upstream request (us), best of {args.repeat} x {args.requests}:")
    header = ["in flight", "httpx", "aiohttp", "httpx / aiohttp"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
