"""A private, throwaway ``redis-server`` on a free loopback port, for tests and benchmarks.

::

    with RedisServer() as server:     # started, answering PING
        store = RedisStore.from_url(server.url)
        server.stop()                 # Redis goes away mid-test...
        server.start()                # ...and comes back on the same port, empty
        server.pause()                # Redis hangs (SIGSTOP) until server.resume()
        server.flushall()
        server.set_raw("pypins:v1:package:s1:numpy", b"\\x00 not ours")

No persistence (``--save ''``, no AOF), its files in a temporary directory. Stopped by
its PID: SIGTERM, then SIGKILL if it lingers. The sync helpers speak RESP over a plain
socket, so they never share a connection pool with the code under test.

Importable without pytest; ``python -m tests.support.redis`` runs one until Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support.service import free_port

__all__ = ["PATIENT_TIMEOUT", "RedisServer", "RedisServerError", "find_redis_server"]

#: Seconds per Redis command and connection in tests where Redis's speed is not what is
#: tested. The service allows 0.25 s. A late event loop no longer counts against it
#: (``RedisStore`` reads what Redis sent before timing a command out), but on a loaded
#: machine redis-server itself may wait that long for a core, and a timeout turns the
#: test's one shared fetch into two.
PATIENT_TIMEOUT = 5.0


class RedisServerError(RuntimeError):
    """redis-server did not start, or did not answer in time."""


def find_redis_server() -> str | None:
    """The path of ``redis-server``, or None."""
    return shutil.which("redis-server")


def _command(*parts: bytes | str) -> bytes:
    """One RESP command."""
    encoded = [part.encode() if isinstance(part, str) else part for part in parts]
    out = [b"*%d\r\n" % len(encoded)]
    for part in encoded:
        out.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(out)


class RedisServer:
    """One ``redis-server`` subprocess: ``start``, ``stop``, ``restart``, and raw helpers."""

    def __init__(
        self,
        binary: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        start_timeout: float = 10.0,
        stop_timeout: float = 5.0,
    ) -> None:
        found = binary or find_redis_server()
        if found is None:
            raise RedisServerError("redis-server is not installed")
        self.binary = found
        self.host = host
        self._port_chosen = port is None
        self.port = port or free_port(host)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._directory = tempfile.TemporaryDirectory(prefix="pypins-redis-")
        self.directory = Path(self._directory.name)
        self.log_path = self.directory / "redis.log"

    @property
    def url(self) -> str:
        """``redis://host:port/0``."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the subprocess is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the server on ``port`` and wait until it answers PING.

        A port we chose that someone else took meanwhile is replaced, at the first start.
        """
        for _ in range(3):
            try:
                self._start()
            except RedisServerError:
                if not self._port_chosen:
                    raise
                self.port = free_port(self.host)
            else:
                break
        else:
            raise RedisServerError(f"redis-server did not start: {self._log_tail()}")
        self._port_chosen = False  # restarts keep this port

    def _arguments(self) -> list[str]:
        options = {
            "port": str(self.port),
            "bind": self.host,
            "save": "",
            "appendonly": "no",
            "daemonize": "no",
            "dir": str(self.directory),
        }
        return [part for name, value in options.items() for part in (f"--{name}", value)]

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def _start(self) -> None:
        if self.running:
            return
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, *self._arguments()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise RedisServerError(f"redis-server exited at start: {self._log_tail()}")
            try:
                if self.execute("PING", timeout=0.5) == b"+PONG\r\n":
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RedisServerError(f"redis-server did not answer in {self.start_timeout}s")
            time.sleep(0.01)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections open, nothing answers, until ``resume``."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server go on (SIGCONT)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL); the port stays ours to reuse."""
        self.resume()
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop, then start again on the same port (empty: nothing is persisted)."""
        self.stop()
        self.start()

    def execute(self, *parts: bytes | str, timeout: float = 2.0) -> bytes:
        """Send one command on a new connection; the raw RESP reply (one read)."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as connection:
            connection.sendall(_command(*parts))
            reply = connection.recv(65536)
        if not reply:
            raise OSError("redis-server closed the connection")
        return reply

    def flushall(self) -> None:
        """Forget every key (what an operator's ``FLUSHALL`` does mid-flight)."""
        if self.execute("FLUSHALL") != b"+OK\r\n":
            raise RedisServerError("FLUSHALL failed")

    def set_raw(self, key: str, value: bytes) -> None:
        """Write ``value`` at the raw Redis ``key`` (no prefix added), e.g. a foreign value."""
        if self.execute("SET", key, value) != b"+OK\r\n":
            raise RedisServerError(f"SET {key} failed")

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        self._directory.cleanup()

    def __enter__(self) -> RedisServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


if __name__ == "__main__":  # pragma: no cover - a manual tool
    with RedisServer() as server:
        print(server.url, flush=True)  # noqa: T201
        try:
            while server.running:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
