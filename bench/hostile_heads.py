"""Hostile clients: endless and unfinished request heads, connection floods (issue 20).

Starts the loopback PyPI stand-in and ``pypins serve --workers 1``, warms one cached
badge, then plays four attacks on 127.0.0.1, each bounded in time and count:

1. **Endless header.** For ``--duration`` seconds, one connection at a time streams
   ``X-Big: aaaa...`` (``--chunk-kib`` a write, at most ``--endless-mib`` MiB, then the
   next connection), while a paced wrk probe asks for the cached badge; the same probe
   ran alone first, as the reference. One connection alone comes first: how many bytes
   the worker read from it, and what it answered. It prints what the connections were
   answered, the worker's resident memory growth, and the probe's p50 and p99 alone and
   under attack.
2. **Complete header.** One head with a ``--complete-mib`` MiB header, and what the
   worker answers.
3. **Unfinished heads.** ``--half-heads`` connections send half a head and stop,
   ``--trickle`` more send one byte a second (slowloris); after ``--wait`` seconds, how
   many of each the worker still keeps open.
4. **Connection flood.** A second ``pypins serve`` under ``prlimit --nofile=N:N``
   (``--flood-nofile``): ``--flood`` connections that send nothing, then as many that
   send half a head (``--flood-head-kib`` long). For each: how many the worker kept
   open, its descriptors and resident memory, whether a plain client is answered during
   the flood and after it, and the worker's log lines about running out of file
   descriptors (``EMFILE``, "Too many open files").

The targets: every endless or complete header answered 431; the worker reading at most
1 MiB of a lone endless header (``rchar`` of ``/proc/<worker>/io``); the probe's p99
under attack under ``--target-ms`` (25 ms); no unfinished head open after ``--wait``;
the worker's file descriptors never all taken and a plain client answered during and
after each flood. The exit status is 0 when all are met.

    .venv/bin/python bench/hostile_heads.py                   # every attack, ~1.5 min
    .venv/bin/python bench/hostile_heads.py --only endless,complete --duration 5

Everything runs on 127.0.0.1; every connection is closed and every process started is
stopped by its PID when the script ends, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import resource
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import httpx

from tests.support.service import PYPINS, Service
from tests.support.upstream import Upstream

#: The cached badge the probe asks for again and again.
CACHED = h.BADGE_PATH
#: The start of every hostile head: a request line and a ``Host`` header.
REQUEST_LINE = f"GET {CACHED} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
ATTACKS = ("endless", "complete", "unfinished", "flood")
#: What a worker's log says when it runs out of file descriptors.
EMFILE = re.compile(r"EMFILE|Too many open files", re.IGNORECASE)


# -- one connection at a time -----------------------------------------------------------


@dataclass
class Streamed:
    """What one endless-header connection saw."""

    sent: int
    answer: str


def status_line(sock: socket.socket, timeout: float) -> str:
    """The first line the peer wrote, ``closed`` if it closed without one, ``nothing``
    if it wrote nothing within ``timeout`` seconds."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        return "nothing" if not data else data.decode("latin-1")
    except OSError:
        pass
    if not data:
        return "closed"
    return data.partition(b"\r\n")[0].decode("latin-1")


def stream_endless_header(port: int, *, limit: int, chunk: int, until: float) -> Streamed:
    """Stream one endless header until the worker answers or closes, ``limit`` bytes
    were sent, or the time is ``until``."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(REQUEST_LINE + b"X-Big: ")
        block = b"a" * chunk
        sent = len(REQUEST_LINE) + 7
        while sent < limit and time.monotonic() < until:
            if select.select([sock], [], [], 0)[0]:
                break  # answered, or closed
            try:
                sock.sendall(block)
            except OSError:
                break
            sent += chunk
        return Streamed(sent, status_line(sock, timeout=5.0))


def complete_header(port: int, size: int) -> str:
    """Send one complete head with a ``size``-byte header; what the worker answered."""
    head = REQUEST_LINE + b"X-Big: " + b"a" * size + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        writer = threading.Thread(target=_send_quietly, args=(sock, head), daemon=True)
        writer.start()
        answer = status_line(sock, timeout=60.0)
        writer.join(timeout=60)
        return answer


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    """``sendall``, stopping quietly when the peer closes."""
    with contextlib.suppress(OSError):
        sock.sendall(data)


def is_open(sock: socket.socket) -> bool:
    """Whether the peer has not closed ``sock`` (what it wrote is read and dropped)."""
    sock.setblocking(False)
    try:
        while True:
            if not sock.recv(65536):
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def plain_request(port: int) -> str:
    """One plain GET of the cached badge on a new connection: its status, or the error."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(REQUEST_LINE + b"\r\n")
            return status_line(sock, timeout=5.0)
    except OSError as error:
        return f"error: {errno.errorcode.get(error.errno or 0, error)}"


@contextlib.contextmanager
def connections(port: int, count: int, first: bytes) -> Iterator[list[socket.socket]]:
    """``count`` connections that each sent ``first`` (nothing if empty); all closed
    afterwards. A connection that could not be made is left out."""
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(5)
            try:
                sock.connect(("127.0.0.1", port))
                if first:
                    sock.sendall(first)
            except OSError:
                sock.close()
                continue
            opened.append(sock)
        yield opened
    finally:
        for sock in opened:
            sock.close()


# -- measurements -----------------------------------------------------------------------


def probe(url: str, script: Path, *, connections: int, duration: int) -> subprocess.Popen[str]:
    """Start the paced wrk probe of the cached badge (its output read by :func:`finish`)."""
    command = h.wrk_command(
        url + CACHED, connections=connections, duration=duration, script=script, wrk=h.find_wrk()
    )
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def bytes_read(pid: int) -> int:
    """Bytes process ``pid`` has read so far, sockets included (``rchar``)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise h.BenchError(f"no rchar for process {pid}")


def open_fds(pid: int) -> int:
    """File descriptors process ``pid`` has open now."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


# -- the attacks ------------------------------------------------------------------------


@dataclass
class Report:
    """Lines to print, and whether every target was met."""

    lines: list[str] = field(default_factory=list)
    met: bool = True

    def add(self, line: str, *, ok: bool = True) -> None:
        self.lines.append(line + ("" if ok else "   <- NOT met"))
        self.met = self.met and ok
        print(self.lines[-1], flush=True)


def endless(
    service: Service, worker: int, args: argparse.Namespace, tmp: Path, report: Report
) -> None:
    """Attack 1: endless headers, one connection after the other, under the probe."""
    limit = args.endless_mib * 1024 * 1024
    chunk = args.chunk_kib * 1024
    before = bytes_read(worker)
    lone = stream_endless_header(
        service.port, limit=limit, chunk=chunk, until=time.monotonic() + args.duration
    )
    read = bytes_read(worker) - before
    report.add(
        f"endless header, one connection alone: the worker read {read:,} bytes, the client"
        f" sent {lone.sent:,} (socket buffers included) before {lone.answer!r}",
        ok=lone.answer.startswith("HTTP/1.1 431 ") and read <= 1024 * 1024,
    )
    script = tmp / "probe.lua"
    script.write_text(h.paced_probe_script(CACHED, args.pause_ms, "bench/hostile_heads.py"))
    alone = h.parse_wrk(
        h.wait_wrk(
            probe(service.url, script, connections=args.probe_connections, duration=args.duration),
            args.duration,
        )
    )
    streamed: list[Streamed] = []
    with h.PeakRSS(worker) as rss:
        during = probe(
            service.url, script, connections=args.probe_connections, duration=args.duration
        )
        until = time.monotonic() + args.duration
        while time.monotonic() < until and during.poll() is None:
            streamed.append(
                stream_endless_header(service.port, limit=limit, chunk=chunk, until=until)
            )
        attacked = h.parse_wrk(h.wait_wrk(during, args.duration))
    answers = sorted({s.answer for s in streamed})
    report.add(
        f"endless header: {len(streamed)} connections one after the other in"
        f" {args.duration} s; their answers {answers}",
        ok=all(s.answer.startswith("HTTP/1.1 431 ") for s in streamed),
    )
    report.add(f"endless header: worker RSS growth {rss.growth_mb:.1f} MB (peak over start)")
    report.add(
        f"endless header: cached badge alone p50 {alone.p50_ms:.2f} ms p99 {alone.p99_ms:.2f} ms;"
        f" under attack p50 {attacked.p50_ms:.2f} ms p99 {attacked.p99_ms:.2f} ms"
        f" ({attacked.requests} requests, {attacked.non_2xx} non-2xx,"
        f" {attacked.socket_errors} socket errors)",
        ok=attacked.p99_ms < args.target_ms,
    )


def complete(service: Service, worker: int, args: argparse.Namespace, report: Report) -> None:
    """Attack 2: one complete head with a huge header."""
    before = h.rss_bytes(worker)
    answer = complete_header(service.port, args.complete_mib * 1024 * 1024)
    growth = (h.rss_bytes(worker) - before) / 1e6
    report.add(
        f"complete {args.complete_mib} MiB header: {answer!r}; worker RSS {growth:+.1f} MB",
        ok=answer.startswith("HTTP/1.1 431 "),
    )


def unfinished(service: Service, args: argparse.Namespace, report: Report) -> None:
    """Attack 3: half heads, and heads trickled one byte a second."""
    half = REQUEST_LINE + b"X-Half: "
    with (
        connections(service.port, args.half_heads, half) as halves,
        connections(service.port, args.trickle, b"G") as trickles,
    ):
        started = time.monotonic()
        slow = iter((b"ET " + CACHED.encode() + b" HTTP/1.1\r\nX-Slow: ") + b"a" * 10_000)
        while time.monotonic() - started < args.wait:
            time.sleep(1.0)
            byte = bytes([next(slow)])
            for sock in trickles:
                with contextlib.suppress(OSError):
                    sock.send(byte)
        open_halves = sum(is_open(sock) for sock in halves)
        open_trickles = sum(is_open(sock) for sock in trickles)
    report.add(
        f"unfinished heads: after {args.wait} s, {open_halves} of {len(halves)} half heads"
        f" and {open_trickles} of {len(trickles)} one-byte-a-second heads still open",
        ok=open_halves == 0 and open_trickles == 0,
    )
    report.add(f"unfinished heads: then a plain client gets {plain_request(service.port)!r}")


def flood(upstream: Upstream, args: argparse.Namespace, tmp: Path, report: Report) -> None:
    """Attack 4: more connections than the worker has file descriptors."""
    nofile = args.flood_nofile
    command = ["prlimit", f"--nofile={nofile}:{nofile}", str(PYPINS), "serve"]
    env = h.serving_env(upstream.pypi_url, upstream.stats_url, tmp / "flood")
    with Service("--workers", "1", command=command, env=env, start_timeout=60) as service:
        assert service.pid is not None
        (worker,) = h.worker_pids(service.pid, 1)
        plain_request(service.port)  # warm the badge
        report.add(f"flood: worker resident before, {h.rss_bytes(worker) / 1e6:.0f} MB")
        half = REQUEST_LINE + b"X-Half: "
        half += b"a" * max(0, args.flood_head_kib * 1024 - len(half))
        for name, first in (("idle", b""), (f"half-head ({len(half):,} bytes)", half)):
            peak = 0
            with connections(service.port, args.flood, first) as flooded:
                time.sleep(1.0)
                peak = open_fds(worker)
                resident = h.rss_bytes(worker) / 1e6
                exhausted = peak >= nofile
                during = plain_request(service.port)
                kept = sum(is_open(sock) for sock in flooded)
            time.sleep(1.0)
            after = plain_request(service.port)
            emfile = len(EMFILE.findall(service.output()))
            report.add(
                f"flood of {len(flooded)} {name} connections (nofile {nofile}): worker kept"
                f" {kept} open, {peak} fds, {resident:.0f} MB resident; plain client during"
                f" {during!r}, after {after!r};"
                f" {emfile} EMFILE log lines so far",
                ok=emfile == 0
                and not exhausted
                and during.startswith("HTTP/1.1 200 ")
                and after.startswith("HTTP/1.1 200 "),
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(ATTACKS), help="comma-separated attacks")
    parser.add_argument("--duration", type=int, default=10, help="seconds of endless headers")
    parser.add_argument("--endless-mib", type=int, default=64, help="most one connection sends")
    parser.add_argument("--chunk-kib", type=int, default=64, help="bytes per write, in KiB")
    parser.add_argument("--complete-mib", type=int, default=20)
    parser.add_argument("--probe-connections", type=int, default=4)
    parser.add_argument("--pause-ms", type=float, default=10.0, help="probe pause per request")
    parser.add_argument("--target-ms", type=float, default=25.0, help="p99 under attack under this")
    parser.add_argument("--half-heads", type=int, default=300)
    parser.add_argument("--trickle", type=int, default=50)
    parser.add_argument("--wait", type=int, default=15, help="seconds before counting heads")
    parser.add_argument("--flood", type=int, default=3000, help="connections per flood")
    parser.add_argument("--flood-nofile", type=int, default=1024)
    parser.add_argument(
        "--flood-head-kib", type=int, default=0, help="half heads of the flood padded to this"
    )
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name]
    unknown = set(chosen) - set(ATTACKS)
    if unknown:
        parser.error(f"unknown attacks: {', '.join(sorted(unknown))}")
    h.stop_on_sigterm()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the flood's own sockets
    print(f"load average at start: {h.load_average():.2f}")
    report = Report()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pypins-hostile-")))
        upstream = stack.enter_context(Upstream())
        if set(chosen) - {"flood"}:
            service = stack.enter_context(
                Service(
                    "--workers",
                    "1",
                    env=h.serving_env(upstream.pypi_url, upstream.stats_url, tmp),
                    start_timeout=60,
                )
            )
            assert service.pid is not None
            (worker,) = h.worker_pids(service.pid, 1)
            with httpx.Client(base_url=service.url, trust_env=False, timeout=30) as client:
                client.get(CACHED).raise_for_status()
            if "endless" in chosen:
                endless(service, worker, args, tmp, report)
            if "complete" in chosen:
                complete(service, worker, args, report)
            if "unfinished" in chosen:
                unfinished(service, args, report)
        if "flood" in chosen:
            flood(upstream, args, tmp, report)
    print(f"load average at end: {h.load_average():.2f}")
    print("targets:", "met" if report.met else "NOT met")
    return 0 if report.met else 1


if __name__ == "__main__":
    h.run_main(main)
