"""Run ``pypins serve`` as a real subprocess on a free loopback port, for end-to-end tests.

::

    with Service("--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url) as svc:
        httpx.get(svc.url + "/pypi/v/requests.json")

The server is stopped by its PID: SIGTERM, then, if it lingers, SIGKILL to the session
(process group) it was started in, which holds only it and its uvicorn workers; the
group is signalled only while the server is not yet reaped, so it cannot be anyone
else's. Under coverage the server is measured too (coverage's ``.pth`` start-up hook,
``COVERAGE_PROCESS_START``), its data files landing next to the test run's for
pytest-cov to combine.

Importable without pytest.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from pypins.config import ServiceConfig
from tests.support.process import LoggedProcess
from tests.support.upstream import Upstream

#: The ``pypins`` console script of the running interpreter's environment.
PYPINS = Path(sys.executable).parent / "pypins"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def worker_pids(pid: int) -> set[int]:
    """The live worker processes of the ``pypins serve`` running as ``pid``.

    uvicorn starts them with multiprocessing's ``spawn``: children whose command line
    runs ``spawn_main`` (multiprocessing's resource tracker, a child too, does not).
    """
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
            command = Path("/proc", entry, "cmdline").read_bytes()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after its last ")".
        fields = stat.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[1]) == pid and b"spawn_main" in command:
            found.add(int(entry))
    return found


def coverage_env() -> dict[str, str]:
    """Variables that make a Python subprocess measure coverage like this process, if it does."""
    try:
        import coverage
    except ImportError:  # pragma: no cover - coverage is a test dependency
        return {}
    current = coverage.Coverage.current()
    if current is None or not current.config.config_file:
        return {}
    return {
        "COVERAGE_PROCESS_START": os.path.abspath(current.config.config_file),
        "COVERAGE_FILE": os.path.abspath(current.config.data_file),
    }


class ServiceError(RuntimeError):
    """The service did not start, or did not become healthy in time."""


class Service(LoggedProcess):
    """One ``pypins serve`` subprocess: ``start``, ``wait_healthy``, ``stop``."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        command: Sequence[str] | None = None,
        start_timeout: float = 15.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.args = args
        self.env = dict(env or {})
        self.host = host
        self.port = free_port(host) if port is None else port
        self.command = list(command) if command is not None else [str(PYPINS), "serve"]
        self.start_timeout = start_timeout
        super().__init__()
        # Generous: a stopping worker gives the requests in flight up to pypins serve's
        # GRACEFUL_SHUTDOWN (15 s).
        self.stop_timeout = stop_timeout

    @property
    def url(self) -> str:
        """``http://<host>:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The process id of the server, once started."""
        return None if self.process is None else self.process.pid

    def start(self) -> Service:
        """Start the server (not waiting for it); returns self."""
        if self.process is not None:
            raise ServiceError("already started")
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PYPINS_")}
        environ.update(coverage_env())
        environ["PYTHONUNBUFFERED"] = "1"
        # The request counts of earlier tests must not make a server warm anything.
        environ["PYPINS_WARM_DOWNLOADS"] = "0"
        environ.update(self.env)
        self._spawn(
            [*self.command, "--host", self.host, "--port", str(self.port), *self.args], environ
        )
        return self

    def wait_healthy(self, timeout: float | None = None) -> Service:
        """Wait until ``/healthz`` answers 200; raise ServiceError (with the log) if not."""
        if self.process is None:
            raise ServiceError("not started")
        deadline = time.monotonic() + (self.start_timeout if timeout is None else timeout)
        with httpx.Client(base_url=self.url, timeout=1.0, trust_env=False) as client:
            while True:
                code = self.process.poll()
                if code is not None:
                    raise ServiceError(f"pypins serve exited with {code}:\n{self.output()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/healthz").status_code == 200:
                        return self
                if time.monotonic() > deadline:
                    raise ServiceError(f"pypins serve was not healthy in time:\n{self.output()}")
                time.sleep(0.05)

    def stop(self) -> int | None:
        """Terminate the server (then kill its process group if it lingers); its exit code.

        ``process`` stays set, so its return code can still be read.
        """
        return self._terminate()

    def __enter__(self) -> Service:
        self.start()
        try:
            return self.wait_healthy()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def loopback_config(upstream: Upstream, **changes: Any) -> ServiceConfig:
    """An in-process service's configuration with every upstream on the loopback server
    (its PyPI the one allowed registry), a 2 s timeout and no feed polling."""
    return ServiceConfig(
        pypi_url=upstream.pypi_url,
        simple_url=upstream.simple_url,
        integrity_url=upstream.integrity_url,
        stats_url=upstream.stats_url,
        updates_url=upstream.latest_updates_url,
        warm_downloads=0,
        cache_ttl=600,
        grace=3600,
        negative_ttl=60,
        timeout=2.0,
        poll_interval=0,
        allowed_registries=(upstream.pypi_url + "/",),
        **changes,
    )
