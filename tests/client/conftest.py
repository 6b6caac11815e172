"""Loopback HTTP servers for the client tests, answering as each test says.

``serve`` starts an ``aiohttp.web`` server on 127.0.0.1 whose one handler answers every
GET path and whose requests are recorded; ``serve_raw`` starts a bare asyncio server
that writes whatever bytes a test gives it (no answer, a garbage status line, a body
cut short, a reset), for the misbehaviour a real HTTP server would not produce. Both
are closed, with their connections, when the test ends.

``clients`` runs each call on a fresh sync or async client pointed at the loopback
upstream (``tests/support/upstream.py``), so that one test covers both.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import pytest
from aiohttp import web
from multidict import CIMultiDict

from pypins.client import (
    AsyncPyPIClient,
    Downloads,
    FeedEntry,
    JSONDocument,
    Package,
    Provenance,
    PyPIClient,
    SimpleProject,
)
from tests.support.upstream import Upstream

#: Answers one request of a ``serve`` server.
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Answers one connection of a ``serve_raw`` server, once the request head was read.
RawAnswer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Seen(NamedTuple):
    """One request a loopback server received."""

    #: The request target as sent (absolute-form when sent to a proxy).
    target: str
    headers: CIMultiDict[str]


@dataclass
class Site:
    """A running ``aiohttp.web`` server and the requests it received, in order."""

    url: str
    seen: list[Seen] = field(default_factory=list)

    @property
    def targets(self) -> list[str]:
        """The request targets received, in order."""
        return [request.target for request in self.seen]


@dataclass
class RawSite:
    """A running raw server and the request heads it received, in order."""

    url: str
    heads: list[bytes] = field(default_factory=list)


T = TypeVar("T")

Serve = Callable[[Handler], Awaitable[Site]]
ServeRaw = Callable[[RawAnswer], Awaitable[RawSite]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Starts ``aiohttp.web`` servers on 127.0.0.1 answering every GET with a handler."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> Site:
        site = Site("")

        async def recording(request: web.Request) -> web.StreamResponse:
            site.seen.append(Seen(request.raw_path, request.headers.copy()))
            return await handler(request)

        app = web.Application()
        app.router.add_get("/{path:.*}", recording, allow_head=False)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        site.url = f"http://{host}:{port}"
        return site

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def serve_raw() -> AsyncIterator[ServeRaw]:
    """Starts bare asyncio servers on 127.0.0.1 that read a request head, then answer."""
    servers: list[asyncio.Server] = []
    connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}

    async def start(answer: RawAnswer) -> RawSite:
        site = RawSite("")

        async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections[task] = writer
            try:
                site.heads.append(await reader.readuntil(b"\r\n\r\n"))
                await answer(reader, writer)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass  # the client left first
            finally:
                writer.close()

        server = await asyncio.start_server(connected, "127.0.0.1", 0)
        servers.append(server)
        host, port = server.sockets[0].getsockname()[:2]
        site.url = f"http://{host}:{port}"
        return site

    yield start
    for server in servers:
        server.close()
    # Connections first: from Python 3.12 on, wait_closed() waits for them too.
    for task, writer in connections.items():
        writer.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for server in servers:
        await server.wait_closed()


# Both clients, sync and async, against the loopback upstream


@dataclass
class Clients:
    """Runs one call on a fresh sync or async client, so each test covers both."""

    kind: str
    upstream: Upstream
    options: dict[str, Any]

    def _run(self, call: Callable[[Any], T | Awaitable[T]], **options: Any) -> T:
        settings = {
            "stats_url": self.upstream.stats_url,
            "newest_packages_url": self.upstream.newest_packages_url,
            "latest_updates_url": self.upstream.latest_updates_url,
            "project_releases_url": self.upstream.project_releases_url,
            "simple_url": self.upstream.simple_url,
            "integrity_url": self.upstream.integrity_url,
            "timeout": 5.0,
            **self.options,
            **options,
        }
        base = settings.pop("pypi_url", self.upstream.pypi_url)
        if self.kind == "sync":
            with PyPIClient(base, **settings) as client:
                result = call(client)
                assert not isinstance(result, Awaitable)
                return result

        async def main() -> T:
            async with AsyncPyPIClient(base, **settings) as client:
                result = call(client)
                assert isinstance(result, Awaitable)
                return await result

        return asyncio.run(main())

    def get(self, name: str, version: str | None = None, **options: Any) -> Package:
        return self._run(lambda c: c.get(name, version), **options)

    def get_json(self, name: str, version: str | None = None, **kw: Any) -> JSONDocument:
        return self._run(lambda c: c.get_json(name, version, **kw))

    def downloads(self, name: str) -> Downloads:
        return self._run(lambda c: c.downloads(name))

    def newest_packages(self) -> list[FeedEntry]:
        return self._run(lambda c: c.newest_packages())

    def latest_updated_packages(self) -> list[FeedEntry]:
        return self._run(lambda c: c.latest_updated_packages())

    def project_releases(self, name: str) -> list[FeedEntry]:
        return self._run(lambda c: c.project_releases(name))

    def simple(self, name: str) -> SimpleProject:
        return self._run(lambda c: c.simple(name))

    def provenance(self, name: str, version: str, filename: str) -> Provenance | None:
        return self._run(lambda c: c.provenance(name, version, filename))


@pytest.fixture(params=["sync", "async"])
def clients(request: pytest.FixtureRequest, upstream: Upstream) -> Clients:
    """A factory of sync or async clients pointed at the loopback upstream."""
    return Clients(request.param, upstream, {})
