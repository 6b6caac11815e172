"""Memory: resident size of one worker holding 10,000 packages and 50,000 badges (issue 8).

Starts the loopback PyPI stand-in and ``pypins serve --workers 1``, then fills the
worker over HTTP in phases and reads its resident memory (``VmRSS`` in
``/proc/<worker>/status``) after each:

1. start-up, idle;
2. warm-up: every badge kind x style x format of one package (code paths, fonts and
   width tables loaded; the baseline of the figures below);
3. records: one JSON version badge for each of ``--packages`` distinct packages
   (``synthetic-<template>-<n>`` names, eight real PyPI documents as templates), so
   the worker holds that many package records;
4. badges: ``--badges`` distinct badges in all (phase 3's included) over those packages,
   spread evenly over the badge kinds and styles, in three sub-phases: SVG, PNG, JSON.

Bytes per badge come from each sub-phase's growth; bytes per record from phase 3's
growth less its JSON badges. The target is a worker under 200 MB at the end.

    .venv/bin/python bench/memory.py                          # 10,000 and 50,000
    .venv/bin/python bench/memory.py --packages 1000 --badges 5000   # quicker
    .venv/bin/python bench/memory.py --breakdown     # where a badge's bytes go

``--breakdown`` runs the app in-process instead (no server) and lists, per format, the
lines whose allocations stay alive with each new badge (tracemalloc).

Everything runs on 127.0.0.1, bounded in count and time; the service is stopped by its
PID, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx
import loadgen

from pypins.badges import KINDS
from pypins.render import STYLES
from tests.support.service import Service
from tests.support.upstream import Upstream

#: Real PyPI documents the synthetic packages copy (from 14 KB to 230 KB of JSON).
TEMPLATES = ("requests", "six", "attrs", "click", "flask", "docopt", "yarg", "httpx")
FORMATS = ("svg", "png", "json")
#: Badge kinds read from the package record alone (download counts are another record).
RECORD_KINDS = tuple(
    sorted(
        segment
        for segment, kind in KINDS.items()
        if kind.source == "pypi" and not kind.path_params and segment != "djversions"
    )
)
TARGET_MB = 200
#: ``PYPINS_MEMORY_BUDGET`` of the measured worker: large enough that nothing is evicted,
#: so that the figures are per entry kept (``bench/flood.py`` measures the default's
#: bound).
BUDGET_MB = 1024
MB = 1024 * 1024


@dataclass
class Phase:
    """One phase: what it asked for and the worker's resident memory after it."""

    name: str
    requests: int
    rss: int
    seconds: float


def package_names(count: int) -> list[str]:
    """``count`` distinct package names served by the stand-in from the templates."""
    return [f"synthetic-{TEMPLATES[i % len(TEMPLATES)]}-{i}" for i in range(count)]


def badge_urls(packages: list[str], count: int, fmt: str) -> list[str]:
    """``count`` distinct ``fmt`` badges of ``packages``, kinds and styles spread evenly.

    Badge ``n`` is package ``a = n % len(packages)`` with (kind, style) pair number
    ``(n // len(packages) + a)``, so no URL repeats and neighbours differ in kind and
    style. JSON badges leave out the flat version badge that phase 3 already asked for.
    """
    pairs = [
        pair
        for pair in itertools.product(RECORD_KINDS, STYLES)
        if fmt != "json" or pair != ("v", "flat")
    ]
    if count > len(packages) * len(pairs):
        raise h.BenchError(f"only {len(packages) * len(pairs)} distinct {fmt} badges exist")
    urls = []
    for n in range(count):
        package = n % len(packages)
        kind, style = pairs[(n // len(packages) + package) % len(pairs)]
        urls.append(f"/pypi/{kind}/{packages[package]}.{fmt}?style={style}")
    return urls


async def fill(base_url: str, urls: list[str], connections: int) -> Counter[str]:
    """Request every URL once; count the answers by outcome."""
    outcomes: Counter[str] = Counter()

    def check(target: str, reply: loadgen.Reply) -> None:
        ok = reply.status == 200 and "x-pypins-package" in reply.headers
        outcomes["badge" if ok else f"other ({reply.status})"] += 1

    await loadgen.run(base_url, urls, connections, check)
    return outcomes


def cache_entries(base_url: str) -> dict[str, str]:
    """The worker's ``pypins_cache_entries`` gauges from ``/metrics``, where served."""
    reply = httpx.get(base_url + "/metrics", timeout=10.0, trust_env=False)
    if reply.status_code != 200:
        return {}
    found = {}
    for line in reply.text.splitlines():
        if line.startswith("pypins_cache_entries{"):
            labels, _, value = line.partition("} ")
            found[labels.removeprefix("pypins_cache_entries{")] = value
    return found


async def breakdown(packages: int, badges: int, top: int) -> None:
    """Where a cached badge's bytes go: tracemalloc over the in-process app, per format.

    The app is built as the tests build it (no server), fed ``packages`` records, then
    ``badges`` new badges of each format; the lines that allocated what stays alive are
    listed with their bytes and objects per badge.
    """
    from pypins.config import ServiceConfig
    from pypins.web.asgi import create_app

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    with tempfile.TemporaryDirectory(prefix="pypins-bench-memory-") as tmp, Upstream() as upstream:
        env = h.serving_env(upstream.pypi_url, upstream.stats_url, Path(tmp))
        env["PYPINS_MEMORY_BUDGET"] = str(BUDGET_MB)
        app = create_app(ServiceConfig.from_env(env))

        async def get(url: str) -> None:
            path, _, query = url.partition("?")
            scope = {
                "type": "http",
                "method": "GET",
                "path": path,
                "query_string": query.encode(),
                "headers": [(b"host", b"127.0.0.1")],
            }
            await app(scope, receive, send)

        names = package_names(packages)
        for name in names:
            await get(f"/pypi/v/{name}.json")
        for fmt in FORMATS:
            urls = badge_urls(names, packages + badges, fmt)
            for url in urls[:packages]:  # warm every code path of the format first
                await get(url)
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.take_snapshot()
            for url in urls[packages:]:
                await get(url)
            gc.collect()
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            stats = after.compare_to(before, "lineno")
            total = sum(stat.size_diff for stat in stats)
            print(f"\n{fmt.upper()}: {total / badges:,.0f} B of live Python objects per badge")
            rows = []
            for stat in stats[:top]:
                frame = stat.traceback[0]
                where = frame.filename.rpartition("/src/")[2] or frame.filename
                rows.append(
                    [
                        f"{where.rpartition('site-packages/')[2]}:{frame.lineno}",
                        f"{stat.size_diff / badges:,.0f}",
                        f"{stat.count_diff / badges:.2f}",
                    ]
                )
            print(h.table(["allocated at", "B per badge", "objects per badge"], rows))
        await app.service.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=10_000, help="distinct records")
    parser.add_argument("--badges", type=int, default=50_000, help="distinct badges in all")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="instead: where a badge's bytes go (in-process, tracemalloc)",
    )
    args = parser.parse_args()
    h.stop_on_sigterm()
    if args.breakdown:
        asyncio.run(breakdown(packages=300, badges=2_000, top=16))
        return 0
    if args.badges < args.packages:
        parser.error("--badges must be at least --packages (one badge per record)")
    packages = package_names(args.packages)
    extra = args.badges - args.packages
    # Phase 4's badges, a third per format.
    per_format = {fmt: extra // 3 + (1 if i < extra % 3 else 0) for i, fmt in enumerate(FORMATS)}
    phases: list[Phase] = []
    outcomes: Counter[str] = Counter()
    print(f"load average at start: {h.load_average():.2f}")
    with (
        tempfile.TemporaryDirectory(prefix="pypins-bench-memory-") as tmp,
        Upstream() as upstream,
        Service(
            "--workers",
            "1",
            env={
                **h.serving_env(upstream.pypi_url, upstream.stats_url, Path(tmp)),
                "PYPINS_MEMORY_BUDGET": str(BUDGET_MB),
            },
            start_timeout=60,
        ) as service,
    ):
        assert service.pid is not None
        (worker,) = h.worker_pids(service.pid, 1)

        def phase(name: str, urls: list[str]) -> None:
            started = time.monotonic()
            if urls:
                outcomes.update(asyncio.run(fill(service.url, urls, args.connections)))
            seconds = time.monotonic() - started
            phases.append(Phase(name, len(urls), h.rss_bytes(worker), seconds))
            print(
                f"{name:<44} {len(urls):>7,} requests {seconds:6.1f} s   "
                f"RSS {phases[-1].rss / MB:7.1f} MB",
                flush=True,
            )

        phase("1. started, idle", [])
        warmup = [
            f"/pypi/{kind}/requests.{fmt}?style={style}"
            for kind, style, fmt in itertools.product(RECORD_KINDS, STYLES, FORMATS)
        ]
        phase("2. warm-up (one package, every badge)", warmup)
        phase(
            f"3. records: {args.packages:,} packages",
            [f"/pypi/v/{package}.json" for package in packages],
        )
        for fmt in FORMATS:
            phase(
                f"4. badges: {per_format[fmt]:,} more {fmt.upper()}",
                badge_urls(packages, per_format[fmt], fmt),
            )
        entries = cache_entries(service.url)
        main_rss = h.rss_bytes(service.pid)
    print(f"load average at end: {h.load_average():.2f}")
    return report(
        args, phases, per_format=per_format, outcomes=outcomes, entries=entries, main_rss=main_rss
    )


def report(
    args: argparse.Namespace,
    phases: list[Phase],
    *,
    per_format: dict[str, int],
    outcomes: Counter[str],
    entries: dict[str, str],
    main_rss: int,
) -> int:
    """Per-entry figures from the phases, and the target."""
    print(f"\nanswers: {dict(outcomes)}")
    if entries:
        print(
            "cache entries reported by the worker: "
            + ", ".join(f"{k} {v}" for k, v in entries.items())
        )
    by_name = {phase.name[:2]: phase for phase in phases}
    baseline = by_name["2."].rss
    after_records = by_name["3."].rss
    growth = {fmt: phases[3 + i].rss - phases[2 + i].rss for i, fmt in enumerate(FORMATS)}
    per_badge = {fmt: growth[fmt] / max(per_format[fmt], 1) for fmt in FORMATS}
    per_record = (after_records - baseline - args.packages * per_badge["json"]) / args.packages
    final = phases[-1].rss
    badges = args.packages + sum(per_format.values())
    rows = [
        ["worker at start-up", f"{phases[0].rss / MB:.1f} MB", ""],
        ["worker after warm-up (baseline)", f"{baseline / MB:.1f} MB", ""],
        [
            f"worker with {args.packages:,} records and {badges:,} badges",
            f"{final / MB:.1f} MB",
            f"< {TARGET_MB} MB",
        ],
        ["growth over the baseline", f"{(final - baseline) / MB:.1f} MB", ""],
        ["per package record (with its JSON version badge removed)", f"{per_record:,.0f} B", ""],
        *([f"per {fmt.upper()} badge", f"{per_badge[fmt]:,.0f} B", ""] for fmt in FORMATS),
        ["uvicorn's supervisor process (not a worker)", f"{main_rss / MB:.1f} MB", ""],
    ]
    print()
    print(h.table(["figure", "measured", "wanted"], rows))
    failed = sum(n for outcome, n in outcomes.items() if outcome != "badge")
    met = final < TARGET_MB * MB and failed == 0
    print(
        "target met"
        if met
        else "TARGET MISSED" + (f" ({failed} answers were not badges)" if failed else "")
    )
    return 0 if met else 1


if __name__ == "__main__":
    h.run_main(main)
