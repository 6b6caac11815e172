"""Fixtures for the deployment tests: pypins, a counting relay, and a proxy in front.

Request path in these tests::

    client -> varnishd | nginx -> Relay -> pypins serve -> loopback PyPI (upstream)

The relay counts what reaches pypins, which is what these tests are about: pypins
itself coalesces and caches its PyPI fetches, so the loopback PyPI's counts cannot tell
whether the proxy sent one request or ten. The relay forwards every request unchanged,
with one test-only option: ``shared_max_age`` rewrites the ``s-maxage`` of pypins'
answers. pypins never sends an ``s-maxage`` below the badge's browser lifetime (300 s
for a version badge), whatever ``--cache-ttl`` is, so the expiry tests shorten it here
to see the proxy's handling of ``s-maxage`` within seconds. When pypins is stopped the
relay closes each connection without an answer, as a dead backend would.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import pytest

from tests.support.binaries import require_binary
from tests.support.nginx import Nginx
from tests.support.service import Service
from tests.support.upstream import Upstream
from tests.support.varnish import Varnish

#: What pypins is started with: records fresh for 2 s, served stale for an hour.
PYPINS_ARGS = ("--cache-ttl", "2", "--grace", "3600", "--log-level", "warning")

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}
_S_MAXAGE = re.compile(r"s-maxage=\d+")


@dataclass(frozen=True)
class Seen:
    """One request that reached the relay, and what pypins answered (0: no answer)."""

    method: str
    path: str
    if_none_match: str | None
    status: int


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RelayServer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def _forward(self) -> None:
        relay = self.server.relay
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        connection = http.client.HTTPConnection(relay.target_host, relay.target_port, timeout=10)
        try:
            connection.request(self.command, self.path, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        except OSError:
            relay.record(Seen(self.command, self.path, self.headers.get("If-None-Match"), 0))
            self.close_connection = True  # like a dead backend: no answer at all
            return
        finally:
            connection.close()
        relay.record(
            Seen(self.command, self.path, self.headers.get("If-None-Match"), answer.status)
        )
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() in _HOP_BY_HOP:
                continue
            if name.lower() == "cache-control" and relay.shared_max_age is not None:
                self.send_header(name, _S_MAXAGE.sub(f"s-maxage={relay.shared_max_age}", value))
            else:
                self.send_header(name, value)
        if self.command == "HEAD":
            length = answer.getheader("Content-Length")
            if length is not None:
                self.send_header("Content-Length", length)
        elif answer.status not in {204, 304}:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and answer.status not in {204, 304}:
            self.wfile.write(body)


class _RelayServer(ThreadingHTTPServer):
    daemon_threads = True
    relay: Relay


class Relay:
    """A counting HTTP relay on a free loopback port, in front of ``target_port``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.shared_max_age: int | None = None
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._server = _RelayServer(("127.0.0.1", 0), _Handler)
        self._server.relay = self
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def record(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)

    def seen(self, path: str | None = None) -> list[Seen]:
        """Requests that reached the relay (those for ``path``, with its query, if given)."""
        with self._lock:
            return [s for s in self._seen if path is None or s.path == path]

    def count(self, path: str) -> int:
        """How many requests for ``path`` (with its query) the proxy sent to pypins."""
        return len(self.seen(path))

    def counts(self) -> Counter[str]:
        """Requests per path, the probe's ``/healthz`` included."""
        return Counter(s.path for s in self.seen())

    def __enter__(self) -> Relay:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def pypins(upstream: Upstream) -> Iterator[Service]:
    """A real ``pypins serve`` on the loopback PyPI (tests may stop it early)."""
    with Service(
        "--pypi-url",
        upstream.pypi_url,
        "--stats-url",
        upstream.stats_url,
        "--updates-url",
        upstream.latest_updates_url,
        *PYPINS_ARGS,
    ) as service:
        yield service


@pytest.fixture
def relay(pypins: Service) -> Iterator[Relay]:
    """The counting relay between the proxy and pypins."""
    with Relay(pypins.port) as server:
        yield server


@pytest.fixture(scope="session")
def varnishd() -> str:
    """The varnishd program (skips locally, fails in CI, when missing)."""
    require_binary("varnishadm", "/usr/bin/varnishadm")
    return require_binary("varnishd", "/usr/sbin/varnishd")


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """The nginx program (skips locally, fails in CI, when missing)."""
    return require_binary("nginx", "/usr/sbin/nginx")


@pytest.fixture
def varnish(varnishd: str, relay: Relay) -> Iterator[Varnish]:
    """A real varnishd running deploy/varnish/pypins.vcl in front of the relay."""
    with Varnish(backend_port=relay.port, varnishd=varnishd) as proxy:
        yield proxy


@pytest.fixture
def nginx(nginx_binary: str, relay: Relay) -> Iterator[Nginx]:
    """A real nginx running deploy/nginx/pypins.conf in front of the relay."""
    with Nginx(backend_port=relay.port, nginx=nginx_binary) as proxy:
        yield proxy
