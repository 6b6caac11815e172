"""Which server: granian against uvicorn (httptools + uvloop), measured with wrk.

Runs, side by side on 127.0.0.1 and each with one worker process:

* nginx serving the badge as a static file, the reference of every ratio;
* a raw ASGI app answering every request with the same badge bytes (the ceiling of
  any Python app behind that server's ASGI interface), under granian and under uvicorn;
* the pypins app serving that badge from its cache through ASGI, under granian and
  under uvicorn (its httptools protocol);
* pypins as ``pypins serve`` runs it: uvicorn with pypins' own protocol
  (``pypins.web.protocol``), a cached badge answered in the parser callback;
* granian's own interface, RSGI: the raw app, and pypins through a prototype adapter
  (``bench/_harness.py``: a hot-index hit is one ``response_bytes`` call, anything
  else goes to the unchanged ASGI app), to measure what that interface would gain;
* with ``--variants``, the pypins app under granian with other settings
  (``--task-impl rust``, ``--http 1``, ``--runtime-mode st``).

Each contender gets the same wrk settings (one load thread, every connection count,
``--duration`` seconds), alternating contenders round after round; the table gives
the medians over the rounds, throughput as a ratio to nginx measured in the same
round, and pypins' throughput as a share of the raw app's under the same server.

    .venv/bin/python bench/servers.py                    # 3 rounds x 64, 256 x 10 s
    .venv/bin/python bench/servers.py --duration 2 --rounds 1 --variants

Everything runs on 127.0.0.1, bounded in time; every process started is stopped by
its PID, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx

from tests.support.service import Service
from tests.support.upstream import Upstream

PYPINS_APP = "pypins.web.asgi:create_app"
CONSTANT_APP = "bench._harness:constant_app"
CONSTANT_RSGI_APP = "bench._harness:constant_rsgi_app"
PYPINS_RSGI_APP = "bench._harness:pypins_rsgi_app"
PYPINS_PROTOCOL = "pypins.web.protocol:PypinsProtocol"
#: granian set up as a badge server would run it (ASGI, one worker, no websockets).
GRANIAN = ("--interface", "asgi", "--workers", "1", "--no-ws", "--log-level", "warning")
UVICORN = (
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--workers",
    "1",
    "--no-access-log",
    "--log-level",
    "warning",
)
#: What ``pypins serve`` (``pypins.cli._serve.run``) sets that matters here, as flags.
UVICORN_AS_SERVED = (
    *(PYPINS_PROTOCOL if flag == "httptools" else flag for flag in UVICORN),
    "--ws",
    "none",
    "--no-server-header",
)
#: Other granian settings tried with ``--variants``.
VARIANTS = {
    "task-impl rust": ("--task-impl", "rust"),
    "http 1": ("--http", "1"),
    "runtime-mode st": ("--runtime-mode", "st"),
}


@dataclass(frozen=True, slots=True)
class Contender:
    """One server and app wrk is pointed at."""

    name: str
    server: str  # "nginx", "granian", "granian-rsgi" or "uvicorn"
    app: str  # "static", "constant" or "pypins"
    command: tuple[str, ...] = ()
    target: str = ""


def contenders(variants: bool) -> list[Contender]:
    """Every contender of this run, the reference first."""
    granian = (str(Path(sys.executable).parent / "granian"), *GRANIAN)
    rsgi = tuple("rsgi" if flag == "asgi" else flag for flag in granian)
    uvicorn = (sys.executable, "-m", "uvicorn", *UVICORN)
    found = [
        Contender("nginx, static file (reference)", "nginx", "static"),
        Contender("granian, raw constant app", "granian", "constant", granian, CONSTANT_APP),
        Contender("granian, pypins", "granian", "pypins", granian, PYPINS_APP),
        Contender(
            "granian, raw constant app, RSGI", "granian-rsgi", "constant", rsgi, CONSTANT_RSGI_APP
        ),
        Contender(
            "granian, pypins, RSGI prototype", "granian-rsgi", "pypins", rsgi, PYPINS_RSGI_APP
        ),
        Contender("uvicorn, raw constant app", "uvicorn", "constant", uvicorn, CONSTANT_APP),
        Contender("uvicorn, pypins", "uvicorn", "pypins", uvicorn, PYPINS_APP),
        Contender(
            "uvicorn, pypins protocol (as served)",
            "uvicorn",
            "pypins",
            (sys.executable, "-m", "uvicorn", *UVICORN_AS_SERVED),
            PYPINS_APP,
        ),
    ]
    if variants:
        found.extend(
            Contender(
                f"granian {name}, pypins", "granian", "pypins", (*granian, *flags), PYPINS_APP
            )
            for name, flags in VARIANTS.items()
        )
    return found


def start(contender: Contender, env: dict[str, str]) -> Service:
    """A (not yet started) server for ``contender``; ``env`` configures the app."""
    factory = ("--factory",) if contender.app == "pypins" else ()
    return Service(
        *factory, contender.target, env=env, command=list(contender.command), start_timeout=60
    )


@contextlib.contextmanager
def running(found: Sequence[Contender], tmp: Path) -> Iterator[dict[str, str]]:
    """Start every contender; yield the URL of the badge for each, by name."""
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(Upstream())
        env = h.serving_env(upstream.pypi_url, upstream.stats_url, tmp)
        urls: dict[str, str] = {}
        pypins_served = [c for c in found if c.app == "pypins"]
        first = stack.enter_context(start(pypins_served[0], env))
        reply = httpx.get(first.url + h.BADGE_PATH, timeout=10.0, trust_env=False)
        if reply.status_code != 200:
            raise h.BenchError(f"the badge gave {reply.status_code}: {reply.text[:200]}")
        urls[pypins_served[0].name] = first.url + h.BADGE_PATH
        body = reply.content
        constant_env = {**env, **h.constant_app_env(body, tmp)}
        for contender in found:
            if contender.name in urls:
                continue
            if contender.server == "nginx":
                headers = [(k, reply.headers[k]) for k in h.COPIED_HEADERS if k in reply.headers]
                nginx = stack.enter_context(h.StaticNginx({h.BADGE_PATH: body}, headers=headers))
                urls[contender.name] = nginx.url + h.BADGE_PATH
                continue
            app_env = constant_env if contender.app == "constant" else env
            if contender.target.startswith("bench."):
                app_env = {**app_env, "PYTHONPATH": str(h.ROOT)}
            service = stack.enter_context(start(contender, app_env))
            urls[contender.name] = service.url + h.BADGE_PATH
        for name, url in urls.items():
            check = httpx.get(url, timeout=10.0, trust_env=False)
            if check.status_code != 200 or check.content != body:
                raise h.BenchError(f"{name} does not serve the badge's bytes")
        yield urls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    h.add_wrk_arguments(parser, "contender")
    parser.add_argument("--variants", action="store_true", help="also other granian settings")
    args = parser.parse_args()
    h.stop_on_sigterm()
    h.find_wrk()
    found = contenders(args.variants)
    results: dict[tuple[str, int], list[h.WrkResult]] = defaultdict(list)
    ratios: dict[tuple[str, int], list[float]] = defaultdict(list)
    print(f"load average at start: {h.load_average():.2f}")
    with (
        tempfile.TemporaryDirectory(prefix="pypins-bench-servers-") as tmp,
        running(found, Path(tmp)) as urls,
    ):
        if args.warmup > 0:
            for contender in found:
                h.run_wrk(
                    urls[contender.name], connections=max(args.connections), duration=args.warmup
                )
        for round_number in range(1, args.rounds + 1):
            for connections in args.connections:
                print(f"\nround {round_number}/{args.rounds}, {connections} connections")
                reference = None
                for contender in found:
                    result = h.run_wrk(
                        urls[contender.name], connections=connections, duration=args.duration
                    )
                    results[contender.name, connections].append(result)
                    if reference is None:
                        reference = result.requests_per_second
                    ratio = result.requests_per_second / reference
                    ratios[contender.name, connections].append(ratio)
                    print(
                        f"  {contender.name:<36} {result.requests_per_second:>9,.0f} req/s  "
                        f"x{ratio:.2f}  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                        f"failures {result.failures}"
                    )
    print(f"\nload average at end: {h.load_average():.2f}")
    print(
        f"\nmedians over {args.rounds} round(s), wrk -t1 --latency, {args.duration:g} s per run, "
        "1 worker each:"
    )
    rows = []
    for connections in args.connections:
        raw = {
            c.server: h.median([r.requests_per_second for r in results[c.name, connections]])
            for c in found
            if c.app == "constant"
        }
        for contender in found:
            runs = results[contender.name, connections]
            rate = h.median([r.requests_per_second for r in runs])
            share = f"{rate / raw[contender.server]:.2f}" if contender.app == "pypins" else ""
            rows.append(
                [
                    contender.name,
                    connections,
                    f"{rate:,.0f}",
                    f"{h.median(ratios[contender.name, connections]):.2f}",
                    share,
                    f"{h.median([r.p50_ms for r in runs]):.2f}",
                    f"{h.median([r.p99_ms for r in runs]):.2f}",
                    sum(r.failures for r in runs),
                ]
            )
    header = ["contender", "conns", "req/s", "x nginx", "x raw app", "p50 ms", "p99 ms", "fail"]
    print(h.table(header, rows))
    return 0


if __name__ == "__main__":
    h.run_main(main)
