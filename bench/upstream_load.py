"""How much upstream traffic a badge workload costs: the caching guarantee, measured.

Runs ``pypins serve --workers 2 --redis-url ...`` (a private redis-server) against the
loopback PyPI / pypistats stand-in, which counts requests, and sends a Zipf-distributed
workload: badge requests over N packages x every badge kind x 3 styles x svg/png/json,
from 64 concurrent connections. Prints badge requests, upstream requests, upstream
requests per distinct package (target 1.00, the PyPI JSON API and the download-stats
API counted separately) and badge requests per upstream request.

Phase 2 waits until the records are stale, switches the upstream to failing (503) and
replays requests for the packages already cached: within grace every one must still be
a real badge (0 error badges), and the upstream sees only the few retries of the back-off.

    .venv/bin/python bench/upstream_load.py                 # 50,000 requests, 500 packages
    .venv/bin/python bench/upstream_load.py --requests 5000 --packages 100   # quicker

Everything runs on 127.0.0.1, bounded in count and time, and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen

from pypins.badges import KINDS
from tests.support.redis import RedisServer, find_redis_server
from tests.support.service import Service
from tests.support.upstream import Upstream

TEMPLATES = ("requests", "django", "six", "flask", "attrs", "click", "pillow", "httpx")
STYLES = ("flat", "flat-square", "for-the-badge")
FORMATS = ("svg", "png", "json")
PYPI_JSON = re.compile(r"^/pypi/[^/]+/json$")
STATS = re.compile(r"^/api/packages/[^/]+/recent$")


@dataclass
class Phase:
    """What one phase of the workload saw."""

    requests: int = 0
    errors: int = 0  # error badges (or non-200 answers) for package badges
    examples: list[str] | None = None  # a few of them, for the report
    statuses: Counter[int] | None = None
    seconds: float = 0.0


def badge_paths() -> list[tuple[str, str]]:
    """(path template, source) for every badge kind; ``{}`` stands for the package."""
    paths = []
    for segment, kind in sorted(KINDS.items()):
        if segment == "djversions":
            continue
        prefix = f"/pypi/{segment}/django/" if kind.path_params else f"/pypi/{segment}/"
        paths.append((prefix + "{}", kind.source))
    return paths


def workload(count: int, packages: list[str], seed: int) -> list[tuple[str, str, str]]:
    """``count`` (url, package, source) triples; packages Zipf-distributed (s = 1.1)."""
    rng = random.Random(seed)
    weights = [1 / (rank**1.1) for rank in range(1, len(packages) + 1)]
    chosen = rng.choices(packages, weights=weights, k=count)
    kinds = badge_paths()
    items = []
    for package in chosen:
        template, source = rng.choice(kinds)
        style, fmt = rng.choice(STYLES), rng.choice(FORMATS)
        items.append((f"{template.format(package)}.{fmt}?style={style}", package, source))
    return items


async def run(base_url: str, items: list[tuple[str, str, str]], connections: int) -> Phase:
    """Send ``items`` over ``connections`` concurrent connections; count error badges."""
    phase = Phase(statuses=Counter(), examples=[])

    def check(target: str, reply: loadgen.Reply) -> None:
        assert phase.statuses is not None
        assert phase.examples is not None
        phase.statuses[reply.status] += 1
        # Package badges carry X-Pypins-Package; error badges do not.
        if reply.status != 200 or "x-pypins-package" not in reply.headers:
            phase.errors += 1
            if len(phase.examples) < 5:
                phase.examples.append(f"{reply.status} {target} {reply.body[:120]!r}")

    result = await loadgen.run(base_url, [url for url, _, _ in items], connections, check)
    phase.requests = result.replies
    phase.seconds = result.seconds
    return phase


def upstream_counts(upstream: Upstream) -> tuple[int, int, int]:
    """(PyPI JSON requests, download-stats requests, all requests) so far."""
    counts = upstream.counts()
    pypi = sum(n for path, n in counts.items() if PYPI_JSON.match(path))
    stats = sum(n for path, n in counts.items() if STATS.match(path))
    return pypi, stats, sum(counts.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--packages", type=int, default=500)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache-ttl", type=int, default=300, help="freshness window (s)")
    parser.add_argument("--replay", type=int, default=5_000, help="phase 2 requests")
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()

    redis_binary = find_redis_server()
    if redis_binary is None:
        print("redis-server is not installed: run scripts/system-deps.sh as root")
        return 2
    packages = [f"synthetic-{TEMPLATES[i % len(TEMPLATES)]}-{i}" for i in range(args.packages)]
    items = workload(args.requests, packages, args.seed)
    with Upstream() as upstream, RedisServer(redis_binary) as redis:
        for name in packages:
            upstream.set_downloads(name, 10, 70, 300)
        service_args = (
            "--workers",
            str(args.workers),
            "--redis-url",
            redis.url,
            "--pypi-url",
            upstream.pypi_url,
            "--stats-url",
            upstream.stats_url,
            "--cache-ttl",
            str(args.cache_ttl),
            "--log-level",
            "warning",
        )
        env = {
            "PYPINS_POLL_INTERVAL": "0",
            # The loopback stand-in has no rate limit; pypistats' real one stays the default.
            "PYPINS_STATS_RATE_PER_SECOND": "100000",
            "PYPINS_STATS_RATE_PER_MINUTE": "1000000",
        }
        with Service(*service_args, env=env, start_timeout=30) as service:
            service.wait_healthy()
            upstream.reset_counts()
            one = asyncio.run(run(service.url, items, args.connections))
            pypi, stats, total = upstream_counts(upstream)
            distinct = {package for _, package, _ in items}
            distinct_stats = {package for _, package, source in items if source == "stats"}
            distinct_pypi = {p for _, p, s in items if s == "pypi"}
            print(
                f"phase 1: {one.requests} badge requests in {one.seconds:.1f} s "
                f"({one.requests / one.seconds:,.0f}/s), statuses {dict(one.statuses or {})}, "
                f"error badges {one.errors}"
            )
            print(f"  distinct packages requested: {len(distinct)}")
            print(f"  upstream requests: {total} (PyPI JSON {pypi}, download stats {stats})")
            print(f"  PyPI JSON requests per distinct package: {pypi / len(distinct_pypi):.2f}")
            if distinct_stats:
                print(
                    f"  download-stats requests per distinct package: "
                    f"{stats / len(distinct_stats):.2f}"
                )
            print(f"  badge requests per upstream request: {one.requests / max(total, 1):.1f}")

            # Phase 2: stale records, failing upstream, grace must hold.
            wait = args.cache_ttl + 2 - one.seconds
            if wait > 0:
                print(f"phase 2: waiting {wait:.0f} s for the records to go stale")
                time.sleep(wait)
            upstream.inject("*", status=503)
            before = upstream_counts(upstream)[2]
            # Only what phase 1 cached: badges of (package, upstream) records it fetched.
            replay = random.Random(args.seed + 1).choices(items, k=args.replay)
            two = asyncio.run(run(service.url, replay, args.connections))
            during = upstream_counts(upstream)[2] - before
            print(
                f"phase 2 (upstream failing, records stale): {two.requests} badge requests, "
                f"error badges {two.errors}, upstream requests during the fault {during}"
            )
            for example in (one.examples or []) + (two.examples or []):
                print(f"  error badge: {example}")
    ok = pypi <= len(distinct_pypi) and two.errors == 0 and one.errors == 0
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
