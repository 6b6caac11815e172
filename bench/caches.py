"""The hot index's read: ``TinyLFUCache.get`` against an ``OrderedDict`` LRU (issue 20).

The hot path of a cached badge is one read of the hot index. This times that read,
in-process, for the cache pypins uses (``TinyLFUCache``: W-TinyLFU, reads buffered and
replayed in batches), the LRU it replaced (``LRUCache``: one ``OrderedDict`` lookup and
a move to the end) and a bare ``dict.get`` (the floor), over two traces of 200,000
reads of hot-index keys (``(raw path, query)`` tuples, made afresh per read as the
protocol makes them) of 2,000 badges: Zipf-like (a few badges take most reads) and
uniform (every read likely another badge: the most reordering). With ``theine``
installed (not a dependency: ``pip install theine``), its W-TinyLFU ``Cache.get`` is
timed too. Best of ``--repeat`` passes; all in one process, so the ratios hold on a
busy machine better than the absolute figures.

With ``--served``, the read is measured end to end instead: two ``pypins serve``
workers on 127.0.0.1, one from this tree and one from a copy of it whose hot index is
the ``LRUCache`` (entries and bytes bounded as before the memory budget), both serving
one cached badge to wrk (``--connections``, ``--seconds`` per run), in alternating
order for ``--rounds`` rounds; the medians of requests a second and of the worker's CPU
time a request (steadier than the rate on a shared machine) are printed, with ratios.

    .venv/bin/python bench/caches.py
    .venv/bin/python bench/caches.py --served     # about a minute
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx

from pypins.cache.lru import LRUCache
from pypins.cache.tinylfu import TinyLFUCache
from tests.support.service import Service
from tests.support.upstream import Upstream

BADGES = 2000
READS = 200_000
ENTRY_BYTES = 2500


def traces(seed: int) -> dict[str, list[tuple[bytes, bytes]]]:
    """The two traces of hot-index keys, each key a fresh tuple of fresh bytes."""
    rng = random.Random(seed)
    zipf = [min(int(rng.paretovariate(1.1)), BADGES) - 1 for _ in range(READS)]
    uniform = [rng.randrange(BADGES) for _ in range(READS)]
    return {
        name: [(b"/pypi/v/package-%d.svg" % n, b"") for n in indexes]
        for name, indexes in (("zipf", zipf), ("uniform", uniform))
    }


def best_ns(get: Callable[[Any], object], trace: list[tuple[bytes, bytes]], repeat: int) -> float:
    """Nanoseconds per read, best of ``repeat`` passes over ``trace``."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for key in trace:
            get(key)
        best = min(best, time.perf_counter() - started)
    return best / len(trace) * 1e9


def candidates() -> dict[str, Callable[[Any], object]]:
    """Each cache's read, every badge stored first (and read once, to settle)."""
    keys = [(b"/pypi/v/package-%d.svg" % n, b"") for n in range(BADGES)]
    lru: LRUCache[tuple[bytes, bytes], str] = LRUCache(
        BADGES * 2, max_bytes=BADGES * 2 * ENTRY_BYTES, sizeof=lambda value: ENTRY_BYTES
    )
    tinylfu: TinyLFUCache[tuple[bytes, bytes], str] = TinyLFUCache(
        BADGES * 2 * ENTRY_BYTES, lambda key, value: ENTRY_BYTES, entry_bytes=ENTRY_BYTES
    )
    plain: dict[tuple[bytes, bytes], str] = {}
    for key in keys:
        for cache in (lru, tinylfu):
            cache.set(key, "response")
            cache.get(key)
        plain[key] = "response"
    found: dict[str, Callable[[Any], object]] = {
        "dict.get (the floor)": plain.get,
        "LRUCache.get (OrderedDict)": lru.get,
        "TinyLFUCache.get (pypins)": tinylfu.get,
    }
    try:
        from theine import Cache  # type: ignore[import-not-found]
    except ImportError:
        return found
    theine = Cache(BADGES * 2, nolock=True)
    for key in keys:
        theine.set(key, "response")
    found["theine Cache.get (nolock)"] = theine.get
    return found


#: The hot index in ``pypins/web/asgi.py``, and what the LRU copy has instead.
HOT_INDEX = """\
        self.hot: TinyLFUCache[tuple[bytes, bytes], ServedResponse] = TinyLFUCache(
            MemoryBudget.megabytes(service.config.memory_budget).share("hot"),
            hot_entry_size,
            entry_bytes=HOT_ENTRY_BYTES,
        )
"""
LRU_HOT_INDEX = """\
        from pypins.cache.lru import LRUCache

        self.hot = LRUCache(50_000, max_bytes=256 << 20, sizeof=lambda s: s.response.size)
"""


def lru_source(into: Path) -> Path:
    """A copy of ``src/`` whose hot index is an ``LRUCache``: the directory to put on
    ``PYTHONPATH``."""
    source = into / "src"
    shutil.copytree(h.ROOT / "src", source)
    asgi = source / "pypins" / "web" / "asgi.py"
    text = asgi.read_text()
    if text.count(HOT_INDEX) != 1:
        raise h.BenchError("the hot index in pypins/web/asgi.py is not where it was")
    asgi.write_text(text.replace(HOT_INDEX, LRU_HOT_INDEX))
    return source


def served(args: argparse.Namespace) -> int:
    """Both hot indexes end to end: one cached badge, wrk, alternating."""
    rates: dict[str, list[float]] = {"TinyLFUCache": [], "LRUCache": []}
    # The worker's CPU time per request: what other processes on the machine change
    # least (they take the cores, not the work a request needs).
    cpu_us: dict[str, list[float]] = {"TinyLFUCache": [], "LRUCache": []}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pypins-caches-")))
        upstream = stack.enter_context(Upstream())
        env = h.serving_env(upstream.pypi_url, upstream.stats_url, tmp)
        lru_env = {**env, "PYTHONPATH": str(lru_source(tmp))}
        services = {
            "TinyLFUCache": stack.enter_context(
                Service("--workers", "1", env=env, start_timeout=60)
            ),
            "LRUCache": stack.enter_context(
                Service("--workers", "1", env=lru_env, start_timeout=60)
            ),
        }
        workers = {
            name: h.worker_pids(service.pid or 0, 1)[0] for name, service in services.items()
        }
        for service in services.values():
            for _ in range(3):
                url = service.url + h.BADGE_PATH
                httpx.get(url, trust_env=False, timeout=30).raise_for_status()
        for round_ in range(args.rounds):
            order = list(services.items())
            if round_ % 2:
                order.reverse()
            for name, service in order:
                cpu_before = h.cpu_seconds(workers[name])
                result = h.run_wrk(
                    service.url + h.BADGE_PATH,
                    connections=args.connections,
                    duration=args.seconds,
                )
                cpu = (h.cpu_seconds(workers[name]) - cpu_before) / result.requests * 1e6
                rates[name].append(result.requests_per_second)
                cpu_us[name].append(cpu)
                print(
                    f"round {round_ + 1}: {name:<12} {result.requests_per_second:>9,.0f} req/s"
                    f"  p99 {result.p99_ms:6.2f} ms  worker CPU {cpu:5.1f} us/request",
                    flush=True,
                )
    tinylfu, lru = h.median(rates["TinyLFUCache"]), h.median(rates["LRUCache"])
    tinylfu_cpu, lru_cpu = h.median(cpu_us["TinyLFUCache"]), h.median(cpu_us["LRUCache"])
    print(
        f"\nmedians of {args.rounds}: TinyLFUCache {tinylfu:,.0f} req/s, {tinylfu_cpu:.1f} us"
        f" of worker CPU a request; LRUCache {lru:,.0f} req/s, {lru_cpu:.1f} us"
        f"\nTinyLFUCache against LRUCache: {tinylfu / lru:.3f}x the requests a second,"
        f" {tinylfu_cpu / lru_cpu:.3f}x the CPU a request"
    )
    print(f"load average at end: {h.load_average():.2f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--served", action="store_true", help="end to end, against wrk")
    parser.add_argument("--rounds", type=int, default=6, help="with --served")
    parser.add_argument("--connections", type=int, default=64, help="with --served")
    parser.add_argument("--seconds", type=int, default=5, help="with --served: per run")
    args = parser.parse_args()
    print(f"load average at start: {h.load_average():.2f}")
    if args.served:
        h.stop_on_sigterm()
        return served(args)
    runs = traces(args.seed)
    reads = candidates()
    rows = []
    figures: dict[str, dict[str, float]] = {}
    for name, get in reads.items():
        figures[name] = {trace: best_ns(get, keys, args.repeat) for trace, keys in runs.items()}
    lru = figures["LRUCache.get (OrderedDict)"]
    for name, measured in figures.items():
        rows.append(
            [name]
            + [f"{measured[trace]:.0f} ns ({measured[trace] / lru[trace]:.2f}x)" for trace in runs]
        )
    print(h.table(["read", *(f"{trace} (x LRUCache)" for trace in runs)], rows))
    return 0


if __name__ == "__main__":
    h.run_main(main)
