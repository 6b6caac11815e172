"""A cold page of download badges against pypistats' rate limit: numbers, 429s, reload.

pypistats.org allows each client 5 requests a second and 30 a minute, in fixed windows
(flask-limiter's defaults in psf/pypistats.org), and answers 429 beyond. This runs the
page a README full of download badges makes, on 127.0.0.1:

1. the loopback stand-in (``tests/support/upstream.py``) enforces those limits exactly
   as flask-limiter counts them (``tests/support/fixed_window.py``), and counts its 429s;
2. a real ``pypins serve`` (one worker, in-process cache, default settings) gets the
   ``--page`` different download badges all at once, as a browser or an image proxy
   asks for a page's images, with nothing cached;
3. ``--reload`` seconds after the first load began, the same page again.

It prints, for the first load and the reload, the badges that show a number, those
that do not (by message) with their lifetime, the slowest answer, and the 429s the
stand-in sent. With ``--reference REV`` the same run is made first with the service as
it was at git revision ``REV`` (its ``src/`` exported to a temporary directory), each
against a fresh stand-in, and the table gives both side by side.

    .venv/bin/python bench/downloads.py                       # about 70 s
    .venv/bin/python bench/downloads.py --reference e87ed34   # about 140 s

Everything stops by itself; every process is stopped by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx

from tests.support.fixed_window import FixedWindowLimits
from tests.support.service import Service
from tests.support.upstream import Upstream


@dataclass(frozen=True)
class Load:
    """What one load of the page showed."""

    numbers: int
    others: Counter[str]
    lifetimes: Counter[str]
    slowest: float


@dataclass(frozen=True)
class Run:
    """A first load, a reload, and the stand-in's 429s."""

    first: Load
    reload: Load
    rejected: int
    stats_requests: int


async def load_page(url: str, page: list[str]) -> Load:
    """Every badge of ``page`` at once; what came back."""
    limits = httpx.Limits(max_connections=len(page), max_keepalive_connections=len(page))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0) as client:

        async def one(path: str) -> tuple[httpx.Response, float]:
            started = time.perf_counter()
            response = await client.get(path)
            return response, time.perf_counter() - started

        answers = await asyncio.gather(*(one(path) for path in page))
    numbers = 0
    others: Counter[str] = Counter()
    lifetimes: Counter[str] = Counter()
    for response, _ in answers:
        message = json.loads(response.content)["message"]
        if message.endswith("/month"):
            numbers += 1
            continue
        others[message] += 1
        lifetimes[response.headers.get("cache-control", "-")] += 1
    return Load(numbers, others, lifetimes, max(seconds for _, seconds in answers))


def run(label: str, src: Path | None, page_size: int, reload_after: float) -> Run:
    """One service (``src`` None: this tree's) against a fresh stand-in."""
    page = [f"/pypi/dm/synthetic-requests-{n}.json" for n in range(page_size)]
    with tempfile.TemporaryDirectory(prefix="pypins-bench-") as state, Upstream() as upstream:
        limits = FixedWindowLimits()
        upstream.stats_limits = limits
        env = {
            "PYPINS_PYPI_URL": upstream.pypi_url,
            "PYPINS_STATS_URL": upstream.stats_url,
            "PYPINS_POLL_INTERVAL": "0",
            "PYPINS_LOG_LEVEL": "warning",
            "PYPINS_USAGE_DB": str(Path(state) / "usage.sqlite3"),
            "XDG_STATE_HOME": state,
        }
        if src is not None:
            env["PYTHONPATH"] = str(src)
        with Service(env=env, start_timeout=60) as service:
            print(f"{label}: first load of {page_size} badges", file=sys.stderr)
            started = time.monotonic()
            first = asyncio.run(load_page(service.url, page))
            time.sleep(max(0.0, started + reload_after - time.monotonic()))
            print(f"{label}: reload after {reload_after:g} s", file=sys.stderr)
            reload = asyncio.run(load_page(service.url, page))
        stats = sum(count for path, count in upstream.counts().items() if "/api/" in path)
        return Run(first, reload, limits.rejected, stats)


def describe(load: Load) -> str:
    others = ", ".join(f"{count} {message!r}" for message, count in load.others.most_common())
    return others or "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=int, default=40, help="different badges on the page")
    parser.add_argument("--reload", type=float, default=65.0, help="seconds to the reload")
    parser.add_argument("--reference", help="a git revision to measure first, as reference")
    args = parser.parse_args()
    h.stop_on_sigterm()
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="pypins-reference-") as scratch:
        if args.reference:
            src = h.export_source(args.reference, Path(scratch))
            runs[args.reference] = run(args.reference, src, args.page, args.reload)
        runs["this tree"] = run("this tree", None, args.page, args.reload)
    rows = []
    for label, result in runs.items():
        rows.append(
            [
                label,
                f"{result.first.numbers}/{args.page}",
                f"{result.reload.numbers}/{args.page}",
                result.rejected,
                result.stats_requests,
                f"{result.first.slowest:.2f} s",
            ]
        )
    print(
        h.table(
            ["service", "numbers, 1st load", "numbers, reload", "429s", "requests", "slowest"],
            rows,
        )
    )
    for label, result in runs.items():
        print(f"\n{label}, 1st load without a number: {describe(result.first)}")
        for header, count in result.first.lifetimes.most_common():
            print(f"  {count} with Cache-Control: {header}")
        print(f"{label}, reload without a number: {describe(result.reload)}")
    if args.reference:
        ours, theirs = runs["this tree"], runs[args.reference]
        print(
            f"\nnumbers on the first load: {ours.first.numbers} against "
            f"{theirs.first.numbers} ({ours.first.numbers / max(theirs.first.numbers, 1):.1f}x); "
            f"on the reload: {ours.reload.numbers} against {theirs.reload.numbers}"
        )
    return 0


if __name__ == "__main__":
    h.run_main(main)
