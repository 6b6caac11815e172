"""What the security tests attack with and listen on, importable without pytest.

* :class:`Canary` - a loopback server that must never be reached: it counts every
  connection and request. Tests point attacks at it (a ``pypiBaseUrl``, a redirect's
  ``Location``, a DNS answer, an XML external entity) and then assert it saw nothing.
  ``settle()`` makes that exact rather than timing-dependent: it connects a probe from
  a port announced beforehand and waits until the accepting thread has taken it
  (connections are accepted in order, so any earlier one is counted by then) and
  every answering thread has finished.
* :class:`FakeDNS` - a resolver answering from a table, for the registry guard.
* :class:`TLSRegistry` - an HTTPS server under a self-signed :class:`Certificate`,
  recording the SNI names clients send.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

_REQUEST_LINE = re.compile(rb"[A-Z]+ \S+ HTTP/\d(?:\.\d)?\r?\n")
_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n"
    b"Connection: close\r\n\r\ncanary\n"
)


class Canary:
    """A TCP server on 127.0.0.1 counting connections and HTTP request lines."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port: int = self._listener.getsockname()[1]
        self._changed = threading.Condition()
        self._connections = 0
        self._requests = 0
        self._answering = 0
        self._probe_ports: set[int] = set()
        self._probed: set[int] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Canary:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting; answering threads end on their own within their timeout."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Canary:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def settle(self, timeout: float = 5.0) -> tuple[int, int]:
        """``(connections, requests)`` once everything sent so far has arrived."""
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            with self._changed:
                self._probe_ports.add(port)
            probe.connect(("127.0.0.1", self.port))
            deadline = time.monotonic() + timeout
            with self._changed:
                while port not in self._probed or self._answering:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("the canary did not settle")
                    self._changed.wait(left)
                return self._connections, self._requests
        finally:
            probe.close()

    def touched(self) -> int:
        """Connections plus requests received, settled."""
        return sum(self.settle())

    def _accept(self) -> None:
        while True:
            try:
                connection, (_, port) = self._listener.accept()
            except OSError:
                return
            with self._changed:
                if port in self._probe_ports:
                    self._probed.add(port)
                    self._changed.notify_all()
                    connection.close()
                    continue
                self._connections += 1
                self._answering += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(1.0)
            head = connection.recv(65536)
            if _REQUEST_LINE.match(head):
                with self._changed:
                    self._requests += 1
            connection.sendall(_ANSWER)
        except OSError:
            pass
        finally:
            connection.close()
            with self._changed:
                self._answering -= 1
                self._changed.notify_all()


@dataclass
class FakeDNS:
    """A resolver answering from ``records``; any other name does not exist."""

    records: dict[str, list[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        try:
            return self.records[host]
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for ``name`` and its key."""

    name: str
    cert: Path
    key: Path


class TLSRegistry:
    """An HTTPS server on 127.0.0.1 answering every GET with one JSON document.

    ``server_names`` lists the SNI names clients asked for, in order.
    """

    def __init__(self, certificate: Certificate, body: bytes) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate.cert, certificate.key)
        context.sni_callback = self._record_name
        self.certificate = certificate
        self.body = body
        self.server_names: list[str | None] = []
        self.requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _RegistryHandler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.registry = self  # type: ignore[attr-defined]
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _record_name(self, _: ssl.SSLObject, name: str | None, __: ssl.SSLContext) -> None:
        self.server_names.append(name)

    def __enter__(self) -> TLSRegistry:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _RegistryHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        registry: TLSRegistry = self.server.registry  # type: ignore[attr-defined]
        registry.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(registry.body)))
        self.end_headers()
        self.wfile.write(registry.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""
