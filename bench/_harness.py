"""What the serving benchmarks share: wrk, a static-file nginx, processes and tables.

``bench/serving.py``, ``bench/servers.py`` and ``bench/memory.py`` drive real servers on
127.0.0.1 with Debian's ``wrk`` (one load thread, ``--latency``) and compare them with
nginx serving the very same bytes as a static file, measured in the same run. Every
server is started here or through ``tests.support`` in a session of its own and stopped
by its PID (also on Ctrl-C, SIGTERM or an exception: :func:`stop_on_sigterm` turns
SIGTERM into ``KeyboardInterrupt`` so that the ``with`` blocks unwind).

The module also holds :func:`constant_app`, the raw ASGI app returning constant bytes
that ``bench/servers.py`` serves as the ceiling of a Python app under each server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.process import LoggedProcess  # noqa: E402
from tests.support.service import free_port  # noqa: E402
from tests.support.service import worker_pids as pypins_workers  # noqa: E402

#: The badge every "cached badge" figure serves (the ``requests`` fixture).
BADGE_PATH = "/pypi/v/requests.svg"

#: Response headers of a pypins badge that nginx repeats, so both send alike headers.
COPIED_HEADERS = (
    "cache-control",
    "content-security-policy",
    "x-content-type-options",
    "x-pypins-package",
)

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


# -- wrk ----------------------------------------------------------------------------------


class BenchError(RuntimeError):
    """A benchmark could not run (missing program, failed server, unreadable output)."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured: throughput, latency percentiles (ms) and failures."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: float
    socket_errors: int = 0
    non_2xx: int = 0

    @property
    def failures(self) -> int:
        """Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers."""
        return self.socket_errors + self.non_2xx


def parse_wrk(output: str) -> WrkResult:
    """The figures of ``wrk --latency`` output; ``BenchError`` if they are not there."""
    rate = _RATE.search(output)
    total = _TOTAL.search(output)
    latencies = {int(p): float(v) * _UNITS_MS[unit] for p, v, unit in _LATENCY.findall(output)}
    if rate is None or total is None or not {50, 99} <= latencies.keys():
        raise BenchError(f"unexpected wrk output:\n{output}")
    errors = _SOCKET_ERRORS.search(output)
    non_2xx = _NON_2XX.search(output)
    return WrkResult(
        requests_per_second=float(rate[1]),
        p50_ms=latencies[50],
        p99_ms=latencies[99],
        requests=int(total[1]),
        seconds=float(total[2]) * _UNITS_MS[total[3]] / 1000.0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
    )


def find_wrk() -> str:
    """The path of wrk; ``BenchError`` with the install command if it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is not installed: apt-get install -y wrk")
    return found


def wrk_command(
    url: str,
    *,
    connections: int,
    duration: float,
    threads: int = 1,
    script: Path | None = None,
    wrk: str = "wrk",
) -> list[str]:
    """The wrk command line: ``threads`` load threads, latency percentiles recorded.

    wrk takes whole seconds: ``duration`` is rounded, to one second at least.
    """
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        "--latency",
    ]
    if script is not None:
        command.append(f"--script={script}")
    return [*command, url]


def run_wrk(
    url: str,
    *,
    connections: int,
    duration: float,
    threads: int = 1,
    script: Path | None = None,
) -> WrkResult:
    """Run wrk against ``url`` (bounded by a timeout) and parse what it printed."""
    command = wrk_command(
        url,
        connections=connections,
        duration=duration,
        threads=threads,
        script=script,
        wrk=find_wrk(),
    )
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed:\n{completed.stdout}{completed.stderr}")
    return parse_wrk(completed.stdout)


def miss_mix_script(
    hit: str, miss_template: str, *, every: int, offset: int, pause_ms: float = 0.0
) -> str:
    """A wrk Lua script: every ``every``-th request is a miss, the others ``hit``.

    Miss ``n`` asks for ``miss_template % (offset + n)``, so each miss names a package
    the service has not seen; ``offset`` keeps the names of separate runs apart. With
    ``pause_ms``, each connection waits that long before each request (wrk's
    ``delay()``), which paces the load below what the server could take.
    """
    pause = f"\nfunction delay()\n  return {pause_ms:g}\nend\n" if pause_ms > 0 else ""
    return f"""\
-- Generated by bench/_harness.py: 1 request in {every} is a cache miss.
local counter = 0
local hit_request = nil

function init(args)
  hit_request = wrk.format("GET", "{hit}")
end

function request()
  counter = counter + 1
  if counter % {every} == 0 then
    return wrk.format("GET", string.format("{miss_template}", {offset} + counter))
  end
  return hit_request
end
{pause}"""


# -- servers -------------------------------------------------------------------------------

NGINX_CONF = """\
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    types {{
        image/svg+xml svg;
    }}
    default_type application/octet-stream;
    charset_types image/svg+xml;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 10000000;
    open_file_cache max=64 inactive=60s;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {prefix}/root;
        location / {{
{headers}        }}
    }}
}}
"""


class StaticNginx(LoggedProcess):
    """nginx serving files from a private root, the reference of every figure.

    One worker process, no access log, ``sendfile`` and an open-file cache, keep-alive
    without a request limit: nginx at its best for a small static file. ``headers`` are
    added to every answer (``add_header``), so that it sends what pypins sends.
    """

    def __init__(
        self,
        files: Mapping[str, bytes],
        *,
        headers: Sequence[tuple[str, str]] = (),
        nginx: str = "/usr/sbin/nginx",
        start_timeout: float = 15.0,
    ) -> None:
        super().__init__()
        if not os.access(nginx, os.X_OK):
            raise BenchError(f"{nginx} is not installed: apt-get install -y nginx-light")
        self.nginx = nginx
        self.start_timeout = start_timeout
        self.port = free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="pypins-bench-nginx-")
        self.prefix = Path(self._tmp.name)
        (self.prefix / "temp").mkdir()
        root = self.prefix / "root"
        root.mkdir()
        for name, body in files.items():
            target = root / name.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        lines = "".join(
            f"            add_header {name} {_nginx_quote(value)} always;\n"
            for name, value in headers
        )
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(
            NGINX_CONF.format(
                user="user root;\n" if os.geteuid() == 0 else "",
                prefix=self.prefix,
                port=self.port,
                headers=lines,
            ),
            encoding="utf-8",
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pids(self) -> list[int]:
        """The master process and its worker."""
        return [] if self.process is None else [self.process.pid, *children(self.process.pid)]

    def __enter__(self) -> StaticNginx:
        command = [self.nginx, "-p", str(self.prefix), "-c", str(self.conf), "-e", "stderr"]
        self._spawn([*command, "-g", "daemon off;"])
        try:
            wait_until_serving(self.url + "/", self.process, self.output, self.start_timeout)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop nginx by its PID and remove its prefix."""
        try:
            self._terminate()
        finally:
            self.process = None
            self._tmp.cleanup()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _nginx_quote(value: str) -> str:
    """``value`` as one double-quoted nginx argument."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wait_until_serving(
    url: str,
    process: subprocess.Popen[bytes] | None,
    output: Callable[[], str],
    timeout: float,
) -> None:
    """Wait (bounded) until ``url`` answers anything over HTTP; the process must live."""
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0, trust_env=False) as client:
        while True:
            if process is None or process.poll() is not None:
                raise BenchError(f"server exited:\n{output()}")
            with contextlib.suppress(httpx.TransportError):
                client.get(url)
                return
            if time.monotonic() > deadline:
                raise BenchError(f"server did not answer in time:\n{output()}")
            time.sleep(0.05)


def children(pid: int) -> list[int]:
    """The PIDs of the direct children of ``pid`` (from ``/proc``), sorted."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.extend(int(n) for n in (task / "children").read_text().split())
    return sorted(found)


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (``VmRSS`` in ``/proc/<pid>/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise BenchError(f"no VmRSS for process {pid}")


class PeakRSS:
    """The largest resident size of process ``pid`` while in the ``with`` block, sampled
    every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.start = rss_bytes(pid)
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(OSError, BenchError):
                self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def growth_mb(self) -> float:
        """Peak minus start, in MB."""
        return (self.peak - self.start) / 1e6


def wait_wrk(process: subprocess.Popen[str], duration: float) -> str:
    """Wait (bounded) for a wrk started in the background; its output."""
    try:
        output, _ = process.communicate(timeout=duration + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise BenchError("wrk did not end in time") from None
    if process.returncode != 0:
        raise BenchError(f"wrk failed:\n{output}")
    return output


def paced_probe_script(path: str, pause_ms: float, by: str) -> str:
    """A wrk script asking for ``path`` again and again, ``pause_ms`` between requests
    on each connection (``by`` names the benchmark that wrote it)."""
    return PACED_PROBE.format(by=by, path=path, pause_ms=pause_ms)


PACED_PROBE = """\
-- Generated by {by}: the cached badge, paced.
local probe = nil
function init(args)
  probe = wrk.format("GET", "{path}")
end
function request()
  return probe
end
function delay()
  return {pause_ms:g}
end
"""


def _stat_times(path: Path) -> tuple[str, float, float]:
    """The name, user and system CPU seconds of a ``/proc`` ``stat`` file."""
    text = path.read_text()
    head, _, tail = text.rpartition(")")
    fields = tail.split()
    tick = os.sysconf("SC_CLK_TCK")
    return head.partition("(")[2], int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """CPU time (user + system) of process ``pid``, or of one of its threads, so far."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    _, user, system = _stat_times(Path(path))
    return user + system


def thread_times(pid: int) -> dict[int, tuple[str, float, float]]:
    """Each thread of process ``pid`` by thread ID: its name and its user and system CPU
    seconds so far (``/proc/<pid>/task/<tid>/stat``); threads gone meanwhile are left out."""
    found: dict[int, tuple[str, float, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found[int(task.name)] = _stat_times(task / "stat")
    return found


def metric_sum(exposition: str, name: str) -> float:
    """The sum of every sample of metric ``name`` in a Prometheus text exposition."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith((name + " ", name + "{")):
            total += float(line.rpartition(" ")[2])
    return total


def worker_pids(pid: int, expected: int, timeout: float = 15.0) -> list[int]:
    """The ``expected`` worker processes of the ``pypins serve`` started as ``pid``."""
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(pypins_workers(pid))
        if len(found) >= expected:
            return found
        if time.monotonic() > deadline:
            raise BenchError(f"process {pid} has {len(found)} workers, expected {expected}")
        time.sleep(0.05)


def serving_env(pypi_url: str, stats_url: str, state: Path) -> dict[str, str]:
    """``PYPINS_*`` settings of a benchmarked service: the loopback upstream, no polling.

    Polling PyPI's feed is off (a release in the stand-in's feed would drop the hot
    index mid-run), the stats rate limit is lifted for the stand-in, and the request
    counts go to a private file instead of the user's state directory.
    """
    return {
        "PYPINS_PYPI_URL": pypi_url,
        "PYPINS_STATS_URL": stats_url,
        "PYPINS_POLL_INTERVAL": "0",
        "PYPINS_LOG_LEVEL": "warning",
        "PYPINS_STATS_RATE_PER_SECOND": "100000",
        "PYPINS_STATS_RATE_PER_MINUTE": "1000000",
        "PYPINS_USAGE_DB": str(state / "usage.sqlite3"),
        "XDG_STATE_HOME": str(state),
    }


def export_source(revision: str, into: Path) -> Path:
    """``src/`` of git ``revision``, written under ``into``: the directory to put on
    ``PYTHONPATH`` to run the service as it was at that revision."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def run_main(main: Callable[[], int]) -> NoReturn:
    """Exit with ``main()``'s status, or with 130 on Ctrl-C (and on SIGTERM, after
    :func:`stop_on_sigterm`) once every ``with`` block has stopped its process."""
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("interrupted; every process started was stopped", file=sys.stderr)
        raise SystemExit(130) from None


def add_wrk_arguments(parser: argparse.ArgumentParser, each: str) -> None:
    """The wrk settings of a benchmark that alternates servers (``each`` names one)."""
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--rounds", type=int, default=3, help="alternations")
    parser.add_argument("--warmup", type=int, default=2, help=f"seconds per {each}, once")


@contextlib.contextmanager
def upstream_process(target: Callable[..., None], *args: object) -> Iterator[int]:
    """Run ``target(*args, ready, stop)`` in a spawned process and yield its port.

    ``target`` puts the port it serves on on ``ready`` and serves until ``stop`` is set;
    afterwards the process is joined, and terminated by its PID if it does not end.
    """
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    stop = context.Event()
    child = context.Process(target=target, args=(*args, ready, stop), daemon=True)
    child.start()
    try:
        yield ready.get(timeout=300)
    finally:
        stop.set()
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)


def stop_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so every ``with`` block stops its server."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def py_spy(pid: int, output: Path, *, duration: float, rate: int = 250) -> Iterator[Path]:
    """Sample ``pid`` with py-spy for ``duration`` seconds into ``output`` (SVG or raw).

    The format follows the suffix: ``.svg`` is a flame graph, ``.txt`` collapsed stacks.
    py-spy stops by itself after ``duration``; on an exception it is terminated by PID.
    """
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        raise BenchError("py-spy is not installed: pip install py-spy")
    fmt = "flamegraph" if output.suffix == ".svg" else "raw"
    command = [
        str(spy),
        "record",
        f"--pid={pid}",
        f"--duration={max(1, round(duration))}",
        f"--rate={rate}",
        f"--format={fmt}",
        f"--output={output}",
        "--nonblocking",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield output
        process.wait(timeout=duration + 30)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


# -- figures -------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        parts = [row[0].ljust(widths[0])]
        parts.extend(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def load_average() -> float:
    """The one-minute load average of the machine."""
    return os.getloadavg()[0]


# -- a raw ASGI app ------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

_CONSTANT_BODY_FILE = "PYPINS_BENCH_CONSTANT_BODY"
_CONSTANT: dict[str, dict[str, object]] = {}


def _constant_messages() -> dict[str, dict[str, object]]:
    """The two messages of the constant app, built once from the body file it is given."""
    if not _CONSTANT:
        body = Path(os.environ[_CONSTANT_BODY_FILE]).read_bytes()
        headers = [
            (b"content-type", b"image/svg+xml;charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        _CONSTANT["start"] = {"type": "http.response.start", "status": 200, "headers": headers}
        _CONSTANT["body"] = {"type": "http.response.body", "body": body}
    return _CONSTANT


async def constant_app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """A raw ASGI app answering every request with the same bytes: the server's ceiling.

    The body is read once from the file named by ``PYPINS_BENCH_CONSTANT_BODY``.
    """
    if scope["type"] == "http":
        messages = _constant_messages()
        await send(messages["start"])
        await send(messages["body"])
    elif scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return


def constant_app_env(body: bytes, directory: Path) -> dict[str, str]:
    """The environment a server needs to import and run :func:`constant_app`."""
    path = directory / "constant-body"
    path.write_bytes(body)
    return {_CONSTANT_BODY_FILE: str(path), "PYTHONPATH": str(ROOT)}


class ConstantRSGIApp:
    """The constant app over granian's own interface, RSGI: one call sends the answer."""

    def __init__(self) -> None:
        self._answer: tuple[list[tuple[str, str]], bytes] | None = None

    def __rsgi_init__(self, loop: object) -> None:
        body = Path(os.environ[_CONSTANT_BODY_FILE]).read_bytes()
        headers = [("content-type", "image/svg+xml;charset=utf-8")]
        self._answer = (headers, body)

    def __rsgi_del__(self, loop: object) -> None:
        self._answer = None

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        assert self._answer is not None
        headers, body = self._answer
        protocol.response_bytes(200, headers, body)


constant_rsgi_app = ConstantRSGIApp()


class PypinsRSGIApp:
    """A prototype: pypins' app served over RSGI, to measure what that interface gains.

    A fresh hit of the hot index (GET, no ``If-None-Match``) is answered with one
    ``protocol.response_bytes`` call, its headers converted to ``str`` once per prepared
    response; everything else goes to the unchanged ASGI app through a small shim. The
    ASGI lifespan runs in ``__rsgi_init__`` and ``__rsgi_del__``.

    RSGI gives the path percent-decoded, with no raw form: the hot index, keyed by the
    raw path, is found only for paths without escapes (the benchmark's badge is one),
    and the shim cannot tell a static badge's ``%2D`` from ``-``. A real adapter would
    need granian to pass the raw path.
    """

    def __init__(self) -> None:
        from pypins.web.asgi import create_app

        self.app = create_app()
        self._headers: dict[int, tuple[object, list[tuple[str, str]]]] = {}
        self._lifespan: asyncio.Task[None] | None = None
        self._messages: asyncio.Queue[dict[str, str]] | None = None

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._messages = asyncio.Queue()
        started: asyncio.Future[None] = loop.create_future()

        async def receive() -> dict[str, str]:
            assert self._messages is not None
            return await self._messages.get()

        async def send(message: Message) -> None:
            if message["type"].startswith("lifespan.startup") and not started.done():
                started.set_result(None)

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan = loop.create_task(self.app(scope, receive, send))
        self._messages.put_nowait({"type": "lifespan.startup"})
        loop.run_until_complete(started)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._lifespan is not None and self._messages is not None:
            self._messages.put_nowait({"type": "lifespan.shutdown"})
            loop.run_until_complete(self._lifespan)

    def _str_headers(self, response: Any) -> list[tuple[str, str]]:
        cached = self._headers.get(id(response))
        if cached is None or cached[0] is not response:
            if len(self._headers) > 100_000:
                self._headers.clear()
            headers = [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in response.headers
                if name != b"content-length"  # granian sets it
            ]
            cached = (response, headers)
            self._headers[id(response)] = cached
        return cached[1]

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        app = self.app
        if scope.method == "GET" and "if-none-match" not in scope.headers:
            key = (scope.path.encode("utf-8"), scope.query_string.encode("latin-1"))
            served = app.hot.get(key)
            if served is not None and app.clock() < served.expires:
                response = served.response
                protocol.response_bytes(response.status, self._str_headers(response), response.body)
                app.hot_hits += 1
                tally = app.tally
                tally[served.tag] = tally.get(served.tag, 0) + 1
                return
        await self._asgi(scope, protocol)

    async def _asgi(self, scope: Any, protocol: Any) -> None:
        """Any other request: the ASGI app, its messages collected into one answer."""
        sent: list[Message] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": await protocol(), "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        asgi_scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": scope.http_version,
            "method": scope.method,
            "scheme": scope.scheme,
            "path": scope.path,
            "raw_path": scope.path.encode("utf-8"),
            "query_string": scope.query_string.encode("latin-1"),
            "root_path": "",
            "headers": [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in scope.headers.items()
            ],
            "client": None,
            "server": None,
        }
        await self.app(asgi_scope, receive, send)
        start = sent[0]
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in start["headers"]
            if name != b"content-length"
        ]
        body = b"".join(message.get("body", b"") for message in sent[1:])
        protocol.response_bytes(start["status"], headers, body)


def pypins_rsgi_app() -> PypinsRSGIApp:
    """The RSGI prototype, configured from ``PYPINS_*`` variables (a granian factory)."""
    return PypinsRSGIApp()
