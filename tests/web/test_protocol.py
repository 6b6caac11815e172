"""``PypinsProtocol``: cached badges answered in the parser callback, the rest by uvicorn.

Each test drives the protocol over a fake transport on the test's event loop, as
uvicorn's server would: ``connection_made``, then ``data_received`` with raw request
bytes. A hot answer is written before ``data_received`` returns, with no ASGI task; every
other request is answered by a task running the app.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from pypins import settings
from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp, Receive, Scope, Send
from pypins.web.protocol import (
    REFUSAL_TAGS,
    ConnectionLimits,
    PypinsProtocol,
    connection_cap,
    find_app,
)
from pypins.web.service import ServedResponse
from tests.support.clock import FakeClock
from tests.support.upstream import Upstream

#: uvicorn's default header lines, as its server sets them each second.
DATE = (b"date", b"Sat, 21 Nov 2026 00:00:00 GMT")
#: A badge of a package in tests/fixtures/pypi.
BADGE = "/pypi/v/requests.svg"
#: Another package's badge, not yet fetched when a test starts.
OTHER = "/pypi/v/six.svg"
#: Seconds a test waits for the ASGI path to answer.
SETTLE_TIMEOUT = 5.0


class FakeTransport:
    """The transport side uvicorn's protocol uses, recording what is written to it.

    Like asyncio's, a closed transport drops later writes and tells its protocol the
    connection is lost on the next turn of the loop.
    """

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.dropped: list[bytes] = []
        self.closed = False
        self.reading = True
        self.protocol: asyncio.BaseProtocol | None = None

    def write(self, data: bytes) -> None:
        """Record one write (as dropped once closed)."""
        (self.dropped if self.closed else self.written).append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """A plain TCP connection from a loopback client."""
        info = {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 54321)}
        return info.get(name, default)

    def is_closing(self) -> bool:
        """Whether ``close`` was called."""
        return self.closed

    def close(self) -> None:
        """Close, then report the connection lost (once)."""
        if not self.closed:
            self.closed = True
            if self.protocol is not None:
                asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)

    def pause_reading(self) -> None:
        """Stop reading (uvicorn's flow control)."""
        self.reading = False

    def resume_reading(self) -> None:
        """Read again."""
        self.reading = True

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        """Hand the connection to another protocol (an upgrade)."""
        self.protocol = protocol


@dataclass
class Response:
    """One HTTP/1.1 response as written to the transport."""

    status: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower-case), if any."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def same_as(self, other: Response) -> bool:
        """Same status line, same header lines (in any order), same body."""
        return (self.status, sorted(self.headers), self.body) == (
            other.status,
            sorted(other.headers),
            other.body,
        )


def parse_responses(data: bytes, methods: Sequence[str]) -> list[Response]:
    """The responses in ``data``, one per request method in ``methods``; nothing left over."""
    responses = []
    for method in methods:
        head, separator, data = data.partition(b"\r\n\r\n")
        assert separator, "an incomplete response head"
        status, *lines = head.split(b"\r\n")
        headers = []
        for line in lines:
            name, _, value = line.partition(b": ")
            headers.append((name, value))
        response = Response(status, headers, b"")
        if method != "HEAD" and not status.startswith(b"HTTP/1.1 304 "):
            length = int(response.header(b"content-length") or b"0")
            response.body, data = data[:length], data[length:]
            assert len(response.body) == length, "a truncated body"
        responses.append(response)
    assert data == b"", f"unexpected bytes after the responses: {data[:80]!r}"
    return responses


def request(
    target: str = BADGE,
    *headers: str,
    method: str = "GET",
    version: str = "1.1",
    body: bytes = b"",
) -> bytes:
    """A request's bytes, with ``Host`` and the given header lines."""
    lines = [f"{method} {target} HTTP/{version}", "Host: pypins.test", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One client connection to a :class:`PypinsProtocol` (or uvicorn's own protocol), as
    uvicorn's server makes it."""

    def __init__(
        self,
        app: object,
        protocol: type[HttpToolsProtocol] | None = None,
        state: ServerState | None = None,
        **options: Any,
    ) -> None:
        protocol = PypinsProtocol if protocol is None else protocol
        options = {"proxy_headers": False, "server_header": False, **options}
        config = uvicorn.Config(
            app=app, http=protocol, ws="none", lifespan="off", log_config=None, **options
        )
        if state is None:
            state = ServerState()
            state.default_headers = [DATE]
        self.state = state
        self.protocol = protocol(config, self.state, {}, _loop=asyncio.get_running_loop())
        self.transport = FakeTransport()
        self.transport.set_protocol(self.protocol)
        self.protocol.connection_made(self.transport)  # type: ignore[arg-type]

    def take(self) -> bytes:
        """Everything written since the last call."""
        data = b"".join(self.transport.written)
        self.transport.written.clear()
        return data

    async def settle(self) -> None:
        """Wait until every ASGI task of the connection (pipelined ones too) is done."""
        async with asyncio.timeout(SETTLE_TIMEOUT):
            while self.state.tasks:
                await asyncio.wait(set(self.state.tasks))

    def hot(self, data: bytes, methods: Sequence[str] = ("GET",)) -> list[Response]:
        """Send ``data``, checked to be answered at once: written, no ASGI task started."""
        tasks = len(self.state.tasks)
        self.protocol.data_received(data)
        assert len(self.state.tasks) == tasks, "an ASGI task was started"
        assert not self.protocol.pipeline
        assert len(self.transport.written) == len(methods), "not one write per answer"
        return parse_responses(self.take(), methods)

    async def asgi(self, data: bytes, methods: Sequence[str] = ("GET",)) -> list[Response]:
        """Send ``data``, checked to go uvicorn's ASGI way: nothing written before a task
        ran; the responses once the tasks are done."""
        self.protocol.data_received(data)
        assert self.transport.written == [], "answered in the parser callback"
        assert self.state.tasks, "no ASGI task was started"
        await self.settle()
        return parse_responses(self.take(), methods)

    def close(self) -> None:
        """End the connection as the event loop does, once."""
        for task in self.state.tasks:
            task.cancel()
        if self.protocol.parser is not None:
            self.protocol.connection_lost(None)


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Connection]]:
    """Open connections to an app; they are closed afterwards."""
    connections: list[Connection] = []

    def open_connection(app: object, **options: Any) -> Connection:
        connection = Connection(app, **options)
        connections.append(connection)
        return connection

    yield open_connection
    for connection in connections:
        connection.close()


@pytest.fixture
async def connection(app: PypinsApp, connect: Callable[..., Connection]) -> Connection:
    """A connection to the app under test."""
    return connect(app)


async def warm(connection: Connection, target: str = BADGE) -> Response:
    """Request ``target`` once (a miss, the ASGI way), so that it is in the hot index."""
    (response,) = await connection.asgi(request(target))
    assert response.status == b"HTTP/1.1 200 OK"
    return response


def entry(app: PypinsApp, target: str = BADGE) -> ServedResponse:
    """The hot index's entry for ``target``."""
    path, _, query = target.encode().partition(b"?")
    served = app.hot.get((path, query))
    assert served is not None
    return served


# -- the hot answer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", [BADGE, "/pypi/v/requests.json?style=flat", "/badge/a%20b-c-green.svg"]
)
async def test_a_hit_is_answered_like_the_asgi_path(
    connection: Connection, app: PypinsApp, target: str
) -> None:
    """The hot answer has the ASGI answer's status line, header lines and body, written
    at once, and is counted as a hot hit and under the badge's tag."""
    first = await warm(connection, target)
    assert first.header(b"date") == DATE[1]
    tag = entry(app, target).tag
    hits, tallied = app.hot_hits, app.tally.get(tag, 0)
    requests = connection.state.total_requests
    (second,) = connection.hot(request(target))
    assert second.same_as(first)
    assert second.header(b"content-length") == str(len(second.body)).encode()
    assert (app.hot_hits, app.tally[tag]) == (hits + 1, tallied + 1)
    assert connection.state.total_requests == requests + 1
    # The keep-alive timer is armed again, as after an ASGI response.
    assert connection.protocol.timeout_keep_alive_task is not None


async def test_hits_repeat_on_one_connection(connection: Connection, app: PypinsApp) -> None:
    """Several hits, one at a time or several in one segment, each answered at once."""
    first = await warm(connection)
    for _ in range(3):
        assert connection.hot(request())[0].same_as(first)
    answers = connection.hot(request() * 3, ["GET"] * 3)
    assert all(answer.same_as(first) for answer in answers)
    assert app.hot_hits == 6


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ("W/{etag}", 304),
        ('"other", {etag}', 304),
        ("*", 304),
        ('"other"', 200),
        ("", 200),
    ],
)
async def test_if_none_match(
    connection: Connection, app: PypinsApp, if_none_match: str, status: int
) -> None:
    """A matching ``If-None-Match`` gets the ASGI path's 304: no body, no content type
    or length, counted under the 304's tag; another gets the 200."""
    first = await warm(connection)
    etag = first.header(b"etag")
    assert etag is not None
    header = "If-None-Match: " + if_none_match.format(etag=etag.decode())
    served = entry(app)
    tag = served.tag.not_modified if status == 304 else served.tag
    tallied = app.tally.get(tag, 0)
    (hot,) = connection.hot(request(BADGE, header))
    assert hot.status.startswith(b"HTTP/1.1 %d " % status)
    assert app.tally[tag] == tallied + 1
    # The same request in absolute form goes the ASGI way (same index entry).
    (asgi,) = await connection.asgi(request("http://pypins.test" + BADGE, header))
    assert hot.same_as(asgi)
    if status == 304:
        assert hot.body == b""
        assert hot.header(b"content-type") is None
        assert hot.header(b"content-length") is None
        assert (hot.header(b"etag"), hot.header(b"date")) == (etag, DATE[1])
        assert hot.header(b"cache-control") == first.header(b"cache-control")
    else:
        assert hot.same_as(first)
    # The connection goes on.
    assert connection.hot(request())[0].same_as(first)


async def test_head(connection: Connection) -> None:
    """HEAD gets the GET's head (its content length too) and no body, like the ASGI path."""
    first = await warm(connection)
    (head,) = connection.hot(request(method="HEAD"), ["HEAD"])
    assert head.body == b""
    assert (head.status, sorted(head.headers)) == (first.status, sorted(first.headers))
    (asgi,) = await connection.asgi(request("http://pypins.test" + BADGE, method="HEAD"), ["HEAD"])
    assert head.same_as(asgi)
    assert connection.hot(request())[0].same_as(first)


# -- what goes the ASGI way ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "closes"),
    [
        pytest.param(request(version="1.0"), True, id="http-1.0"),
        pytest.param(request(BADGE, "Connection: close"), True, id="connection-close"),
        pytest.param(request(BADGE, "Connection: keep-alive, close"), True, id="close-listed"),
        pytest.param(request("http://pypins.test" + BADGE), False, id="absolute-form"),
        pytest.param(request(BADGE + "#fragment"), False, id="fragment"),
        pytest.param(
            request(BADGE, "Connection: Upgrade", "Upgrade: websocket"), False, id="upgrade"
        ),
    ],
)
async def test_requests_the_asgi_path_answers(
    connection: Connection, app: PypinsApp, data: bytes, closes: bool
) -> None:
    """A hot badge asked for over HTTP/1.0, with ``Connection: close``, in absolute form,
    with a fragment or as an upgrade goes the ASGI way; its answer is the same badge."""
    first = await warm(connection)
    hits = app.hot_hits
    (answer,) = await connection.asgi(data)
    assert answer.status == first.status
    assert answer.body == first.body
    assert app.hot_hits == hits + 1  # the ASGI path found it in the hot index
    assert connection.transport.closed is closes
    if closes:
        assert answer.header(b"connection") == b"close"
        assert sorted(answer.headers) == sorted([*first.headers, (b"connection", b"close")])
    else:
        assert answer.same_as(first)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
async def test_other_methods_go_the_asgi_way(
    connection: Connection, app: PypinsApp, method: str
) -> None:
    """Only GET and HEAD are answered from the hot index; others get the app's 405."""
    await warm(connection)
    hits = app.hot_hits
    (answer,) = await connection.asgi(request(method=method))
    assert answer.status == b"HTTP/1.1 405 Method Not Allowed"
    assert app.hot_hits == hits


async def test_a_stale_entry_goes_the_asgi_way(
    connection: Connection, app: PypinsApp, clock: FakeClock
) -> None:
    """An entry whose time is up (to the second) is not answered in the callback."""
    first = await warm(connection)
    served = entry(app)
    clock.advance(served.expires - clock() - 1)
    assert connection.hot(request())[0].same_as(first)
    clock.advance(1)
    (answer,) = await connection.asgi(request())
    assert answer.status == first.status
    assert answer.header(b"content-type") == first.header(b"content-type")


async def test_a_miss_goes_the_asgi_way(connection: Connection, app: PypinsApp) -> None:
    """A badge not in the hot index is fetched and rendered the ASGI way, then is hot."""
    misses = app.hot_misses
    first = await warm(connection, OTHER)
    assert app.hot_misses == misses + 1
    assert connection.hot(request(OTHER))[0].same_as(first)


async def test_a_paused_writer_goes_the_asgi_way(connection: Connection) -> None:
    """While the client does not read, a hit waits for the socket to drain like any
    response (uvicorn's ASGI path), and is written once it does."""
    first = await warm(connection)
    connection.protocol.pause_writing()
    connection.protocol.data_received(request())
    assert connection.state.tasks
    for _ in range(5):
        await asyncio.sleep(0)
    assert connection.transport.written == []
    connection.protocol.resume_writing()
    await connection.settle()
    (answer,) = parse_responses(connection.take(), ["GET"])
    assert answer.same_as(first)
    # Writable again: the next hit is answered at once.
    assert connection.hot(request())[0].same_as(first)


async def test_a_hit_pipelined_behind_a_miss_waits_its_turn(
    connection: Connection, app: PypinsApp
) -> None:
    """A hit sent behind a request still being answered is queued the ASGI way, and the
    answers come in the order of the requests."""
    hot = await warm(connection)
    connection.protocol.data_received(request(OTHER) + request() + request(OTHER))
    assert connection.transport.written == []
    assert len(connection.protocol.pipeline) == 2
    await connection.settle()
    other, again, other_again = parse_responses(connection.take(), ["GET"] * 3)
    assert again.same_as(hot)
    assert other.status == b"HTTP/1.1 200 OK"
    assert other.body != hot.body
    assert other_again.same_as(other)
    # The pipeline drained: hits are answered at once again.
    assert connection.hot(request())[0].same_as(hot)
    assert connection.hot(request(OTHER))[0].same_as(other)


async def test_a_miss_pipelined_behind_a_hit(connection: Connection) -> None:
    """A hit answered at once does not hold up a miss sent behind it in the same segment."""
    hot = await warm(connection)
    connection.protocol.data_received(request() + request(OTHER))
    assert len(connection.transport.written) == 1  # the hit, at once
    assert len(connection.state.tasks) == 1  # the miss
    await connection.settle()
    first, second = parse_responses(connection.take(), ["GET", "GET"])
    assert first.same_as(hot)
    assert second.status == b"HTTP/1.1 200 OK"
    assert second.body != hot.body


# -- the ASGI scope of what goes the ASGI way ---------------------------------------------


class Recorder:
    """An ASGI app that is not pypins: records each request's scope and body, and
    answers 200 with the body."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, Any], bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.requests.append(({k: v for k, v in scope.items() if k != "state"}, body))
        length = str(len(body)).encode()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", length)]}
        )
        await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param([request("/a/b%20c/d?x=1&y=%C3%A9", "X-One: 1", "X-One: 2")], id="get"),
        pytest.param([request(version="1.0")], id="http-1.0"),
        pytest.param([request("http://pypins.test/p?q")], id="absolute-form"),
        pytest.param([request("/p#frag")], id="fragment"),
        pytest.param([request("/p", "Content-Length: 3", method="POST", body=b"abc")], id="post"),
        pytest.param(
            [request(BADGE, "Expect: 100-continue", "Content-Length: 3", method="PUT"), b"abc"],
            id="expect-100",
        ),
        pytest.param(
            [b"GET /spl", b"it?q=1 HTTP/1.1\r\nHo", b"st: x\r\nX-A: b\r\n\r\n"], id="split"
        ),
        pytest.param(
            [request("/one", "X-Which: one") + request("/two", "X-Which: two", method="HEAD")],
            id="pipelined",
        ),
    ],
)
async def test_the_asgi_scope_is_uvicorns(
    connect: Callable[..., Connection], chunks: list[bytes]
) -> None:
    """A request going the ASGI way gets the scope, body and answer uvicorn's own
    protocol gives it (the scope is made once the headers are in)."""
    outcomes = []
    for protocol in (HttpToolsProtocol, PypinsProtocol):
        recorder = Recorder()
        connection = connect(recorder, protocol=protocol)
        for chunk in chunks:
            connection.protocol.data_received(chunk)
            for _ in range(5):  # let the task ask for the body (and say "100 Continue")
                await asyncio.sleep(0)
        await connection.settle()
        outcomes.append((recorder.requests, b"".join(connection.transport.written)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0]
    if b"Expect: 100-continue" in chunks[0]:
        assert outcomes[1][1].startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")


async def test_the_scope_after_a_hit_is_the_next_requests(
    app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """A request parsed right after a hot answer gets a scope of its own headers only."""
    scopes: list[Scope] = []
    connection = connect(Spy(app, scopes))
    assert connection.protocol.pypins is app
    await warm(connection)
    scopes.clear()
    connection.protocol.data_received(
        request(BADGE, "X-Which: hit") + request(OTHER, "X-Which: miss")
    )
    await connection.settle()
    (scope,) = scopes
    assert scope["path"] == OTHER
    assert [value for name, value in scope["headers"] if name == b"x-which"] == [b"miss"]
    assert len(parse_responses(connection.take(), ["GET", "GET"])) == 2


# -- the access log -----------------------------------------------------------------------


@pytest.fixture
def logged_app(
    make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig, tmp_path: Path
) -> PypinsApp:
    """The app with its access log in a file of the test."""
    return make_app(config.replace(access_log=str(tmp_path / "access.log")))


@pytest.fixture
async def logged(
    logged_app: PypinsApp, connect: Callable[..., Connection]
) -> tuple[PypinsApp, Connection]:
    """The app with an access log, and a connection to it."""
    return logged_app, connect(logged_app)


def log_lines(app: PypinsApp) -> list[dict[str, Any]]:
    """The app's access-log lines so far."""
    assert app.access_log is not None
    app.access_log.flush()
    path = Path(str(app.service.config.access_log))
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    ("target", "method", "headers", "path"),
    [
        (BADGE, "GET", (), BADGE),
        (BADGE, "HEAD", (), BADGE),
        (BADGE, "GET", ("If-None-Match: *",), BADGE),
        (
            "/pypi/v/requests.svg?style=flat&label=%C3%A9",
            "GET",
            (),
            "/pypi/v/requests.svg?style=flat&label=%C3%A9",
        ),
        ("/badge/caf%C3%A9%20x-ok-green.svg", "GET", (), "/badge/café x-ok-green.svg"),
    ],
)
async def test_the_access_log_line_of_a_hit(
    logged: tuple[PypinsApp, Connection],
    target: str,
    method: str,
    headers: tuple[str, ...],
    path: str,
) -> None:
    """A hot answer's line is the ASGI path's for the same request, with cache ``hot``
    (the path percent-decoded as in the ASGI scope, the query as sent)."""
    logged_app, connection = logged
    await warm(connection, target)
    data = request(target, *headers, method=method)
    connection.hot(data, [method])
    await connection.asgi(request("http://pypins.test" + target, *headers, method=method), [method])
    miss, hot, asgi = log_lines(logged_app)
    assert miss["cache"] != "hot"
    assert hot["cache"] == asgi["cache"] == "hot"
    for line in (hot, asgi):
        del line["time"], line["duration_ms"]
    assert hot == asgi
    assert (hot["method"], hot["path"]) == (method, path)
    assert hot["status"] == (304 if headers else 200)
    assert (hot["kind"], hot["package"]) == (miss["kind"], miss["package"])


async def test_no_access_log_no_line(connection: Connection, app: PypinsApp) -> None:
    """Without an access log, a hit writes none (and needs none)."""
    assert app.access_log is None
    await warm(connection)
    assert connection.hot(request())


# -- finding the app ----------------------------------------------------------------------


class Wrapper:
    """Middleware in the style of uvicorn's: the wrapped app is ``.app``."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)  # type: ignore[operator]


class Spy(Wrapper):
    """Middleware recording the scope of each request it passes on."""

    def __init__(self, app: object, scopes: list[Scope]) -> None:
        super().__init__(app)
        self.scopes = scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        await super().__call__(scope, receive, send)


async def plain_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that is not pypins: 200, ``plain``."""
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]}
    )
    await send({"type": "http.response.body", "body": b"plain"})


def test_find_app_through_wrappers(app: PypinsApp) -> None:
    """The pypins app under several layers of middleware is found."""
    assert find_app(app) is app
    assert find_app(Wrapper(app)) is app
    assert find_app(Wrapper(Wrapper(Wrapper(app)))) is app


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param(plain_app, id="plain"),
        pytest.param(Wrapper(plain_app), id="wrapped-plain"),
        pytest.param(None, id="none"),
    ],
)
def test_find_app_without_pypins(candidate: object) -> None:
    """Another ASGI app, wrapped or not, has no pypins app."""
    assert find_app(candidate) is None


def test_find_app_stops_on_a_loop() -> None:
    """A chain that loops back on itself ends the search rather than hanging."""
    looped = Wrapper(None)
    looped.app = looped
    assert find_app(looped) is None


async def test_uvicorn_middleware_is_looked_through(
    app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """With uvicorn's proxy-headers middleware in front, hits are still answered at once."""
    connection = connect(app, proxy_headers=True)
    assert connection.protocol.app is not app
    assert connection.protocol.pypins is app
    first = await warm(connection)
    assert connection.hot(request())[0].same_as(first)


@pytest.mark.parametrize("app_under_test", [plain_app, Wrapper(plain_app)])
async def test_without_pypins_everything_goes_the_asgi_way(
    connect: Callable[..., Connection], app_under_test: object
) -> None:
    """Under another app the protocol is uvicorn's: every request makes an ASGI task."""
    connection = connect(app_under_test)
    assert connection.protocol.pypins is None
    for _ in range(2):
        (answer,) = await connection.asgi(request())
        assert (answer.status, answer.body) == (b"HTTP/1.1 200 OK", b"plain")
        assert answer.header(b"date") == DATE[1]


# -- uvicorn's header lines ---------------------------------------------------------------


async def test_the_date_line_follows_the_server_state(connection: Connection) -> None:
    """When uvicorn renews its default headers (a new list each second), hot answers
    carry the new lines."""
    first = await warm(connection)
    assert connection.hot(request())[0].header(b"date") == DATE[1]
    later = (b"date", b"Sat, 21 Nov 2026 00:00:01 GMT")
    connection.state.default_headers = [later, (b"server", b"uvicorn")]
    (answer,) = connection.hot(request())
    assert answer.header(b"date") == later[1]
    assert answer.header(b"server") == b"uvicorn"
    assert sorted(answer.headers) == sorted(
        [*(item for item in first.headers if item != DATE), later, (b"server", b"uvicorn")]
    )
    connection.state.default_headers = []
    (bare,) = connection.hot(request())
    assert bare.header(b"date") is None
    assert bare.body == first.body


# -- the connection after a hot answer -----------------------------------------------------


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param([request(BADGE, "Content-Length: 3", body=b"abc")], id="one-segment"),
        pytest.param([request(BADGE, "Content-Length: 3"), b"a", b"bc"], id="body-later"),
        pytest.param(
            [request(BADGE, "Transfer-Encoding: chunked", body=b"3\r\nabc\r\n0\r\n\r\n")],
            id="chunked",
        ),
        pytest.param(
            [request(BADGE, "Expect: 100-continue", "Content-Length: 3"), b"abc"], id="expect"
        ),
    ],
)
async def test_a_body_sent_with_a_hit_is_ignored(
    connection: Connection, chunks: list[bytes]
) -> None:
    """A body sent with a hot GET is read and dropped; the next request still works."""
    first = await warm(connection)
    (answer,) = connection.hot(chunks[0])
    assert answer.same_as(first)
    for chunk in chunks[1:]:
        connection.protocol.data_received(chunk)
        assert connection.transport.written == []  # no "100 Continue", nothing else
    assert connection.hot(request())[0].same_as(first)
    (miss,) = await connection.asgi(request(OTHER))
    assert miss.status == b"HTTP/1.1 200 OK"


@pytest.mark.parametrize("error", [None, ConnectionResetError("reset by peer")])
async def test_connection_lost_after_a_hit(connection: Connection, error: Exception | None) -> None:
    """The connection may end right after a hot answer (cleanly or not)."""
    await warm(connection)
    connection.hot(request())
    connection.protocol.connection_lost(error)
    assert connection.protocol not in connection.state.connections
    assert connection.transport.closed is (error is None)
    if error is None:
        assert connection.protocol.timeout_keep_alive_task is None


async def test_shutdown_after_a_hit_closes(connection: Connection) -> None:
    """A server shutting down closes a connection whose last answer was a hot one."""
    await warm(connection)
    connection.hot(request())
    connection.protocol.shutdown()
    assert connection.transport.closed


async def test_the_keep_alive_timeout_after_a_hit(
    app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """An idle connection after a hot answer is closed at uvicorn's keep-alive timeout."""
    connection = connect(app, timeout_keep_alive=0.01)
    await warm(connection)
    connection.hot(request())
    async with asyncio.timeout(SETTLE_TIMEOUT):
        while not connection.transport.closed:
            await asyncio.sleep(0.01)


async def test_a_bad_request_after_a_hit(connection: Connection) -> None:
    """Garbage after a hot answer gets uvicorn's 400, and the connection is closed."""
    await warm(connection)
    connection.hot(request())
    connection.protocol.data_received(b"NOT HTTP AT ALL\r\n\r\n")
    assert connection.take().startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert connection.transport.closed


async def test_the_keep_alive_timer_spares_a_request_behind_a_hit(
    app: PypinsApp, connect: Callable[..., Connection], upstream: Upstream
) -> None:
    """A slow miss sent in the same segment as a hit, behind it, gets its answer: the
    keep-alive timer is not running while a request is being answered (as in uvicorn,
    where it is armed only when no response is pending)."""
    connection = connect(app, timeout_keep_alive=0.1)
    hot = await warm(connection)
    upstream.inject("/pypi/six/json", delay=0.3)
    connection.protocol.data_received(request() + request(OTHER))
    assert connection.state.tasks  # the miss is being answered
    assert connection.protocol.timeout_keep_alive_task is None
    await connection.settle()
    first, second = parse_responses(connection.take(), ["GET", "GET"])
    assert first.same_as(hot)
    assert second.status == b"HTTP/1.1 200 OK"


# -- what a client sends, bounded ----------------------------------------------------------

#: The head bound of the bounded app (the smallest allowed).
LIMIT = 4096
#: The head deadline of the hurried app, in seconds.
DEADLINE = 0.05
#: An unfinished head: a request line and headers, the last one endless.
ENDLESS = b"GET " + BADGE.encode() + b" HTTP/1.1\r\nHost: pypins.test\r\nX-Big: "


class FedParser:
    """A connection's parser, counting the bytes fed to it."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.fed = 0

    def feed_data(self, data: bytes | memoryview) -> None:
        """Count, then parse."""
        self.fed += len(data)
        self.parser.feed_data(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.parser, name)


def counted(connection: Connection) -> FedParser:
    """Count the bytes ``connection`` feeds to its parser from now on."""
    spy = FedParser(connection.protocol.parser)
    connection.protocol.parser = spy  # type: ignore[assignment]
    return spy


def padded(size: int, target: str = BADGE, method: str = "GET", *headers: str) -> bytes:
    """A request for ``target`` whose head is ``size`` bytes (an ``X-Pad`` header)."""
    bare = len(request(target, *headers, "X-Pad: ", method=method))
    assert size >= bare
    return request(target, *headers, "X-Pad: " + "p" * (size - bare), method=method)


@pytest.fixture
def bounded_app(make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig) -> PypinsApp:
    """The app with heads bounded to :data:`LIMIT` bytes."""
    return make_app(config.replace(max_head_bytes=LIMIT))


@pytest.fixture
def hurried_app(make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig) -> PypinsApp:
    """The app with heads given :data:`DEADLINE` seconds."""
    return make_app(config.replace(head_timeout=DEADLINE))


async def until_closed(connection: Connection) -> None:
    """Wait (generously bounded) until the server closed ``connection``."""
    async with asyncio.timeout(SETTLE_TIMEOUT):
        while not connection.transport.closed:
            await asyncio.sleep(0.005)


def refusal(data: bytes, status: bytes) -> Response:
    """The response in ``data``, checked to be a refusal with ``status`` that closes."""
    (answer,) = parse_responses(data, ["GET"])
    assert answer.status == status
    assert answer.header(b"connection") == b"close"
    assert answer.header(b"content-type") == b"text/plain; charset=utf-8"
    assert answer.header(b"date") == DATE[1]
    return answer


@pytest.mark.parametrize("chunk", [1, 7, 1000, LIMIT, 64 * 1024])
async def test_an_endless_header_is_refused_at_the_bound(
    bounded_app: PypinsApp, connect: Callable[..., Connection], chunk: int
) -> None:
    """An endless header gets 431 and the connection is closed once the head reaches
    the bound: the parser is fed no byte past it, whatever the size of the pieces."""
    connection = connect(bounded_app)
    spy = counted(connection)
    connection.protocol.data_received(ENDLESS)
    sent = len(ENDLESS)
    while not connection.transport.closed and sent < 1024 * 1024:
        connection.protocol.data_received(b"a" * chunk)
        sent += chunk
    assert connection.transport.closed
    assert sent < LIMIT + chunk
    assert spy.fed == LIMIT
    answer = refusal(connection.take(), b"HTTP/1.1 431 Request Header Fields Too Large")
    assert answer.body == b"Request Header Fields Too Large\n"
    assert bounded_app.tally[REFUSAL_TAGS["head_too_large"]] == 1
    assert connection.protocol.limits.counts["head_too_large"] == 1
    # What the client sends afterwards is dropped unparsed.
    connection.protocol.data_received(b"a" * chunk)
    assert spy.fed == LIMIT


async def test_a_complete_huge_header_is_refused(
    app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """A complete head with a 20 MB header, in one piece, gets 431 rather than the
    badge (the default bound, 16 KiB); the parser sees only the bound's worth."""
    await warm(connect(app))
    connection = connect(app)
    spy = counted(connection)
    connection.protocol.data_received(ENDLESS + b"a" * 20_000_000 + b"\r\n\r\n")
    refusal(connection.take(), b"HTTP/1.1 431 Request Header Fields Too Large")
    assert connection.transport.closed
    assert spy.fed == settings.DEFAULT_MAX_HEAD_BYTES


@pytest.mark.parametrize("pieces", [1, 2, 100])
async def test_a_url_too_long_is_414(
    bounded_app: PypinsApp, connect: Callable[..., Connection], pieces: int
) -> None:
    """A URL that alone takes the bound gets 414 (the app's 414 covers shorter ones)."""
    connection = connect(bounded_app)
    data = b"GET /" + b"u" * 2 * LIMIT
    size = -(-len(data) // pieces)
    for offset in range(0, len(data), size):
        connection.protocol.data_received(data[offset : offset + size])
    refusal(connection.take(), b"HTTP/1.1 414 Request-URI Too Long")
    assert bounded_app.tally[REFUSAL_TAGS["uri_too_long"]] == 1


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    """``data`` cut at the offsets ``cuts`` (negative ones from the end)."""
    offsets = sorted({cut % len(data) for cut in cuts} - {0})
    return [data[a:b] for a, b in zip([0, *offsets], [*offsets, len(data)], strict=True)]


#: Ways to send a head: where its bytes are cut, and what comes before it.
SENDINGS = {
    "whole": (b"", ()),
    "two-pieces": (b"", (LIMIT // 2,)),
    "blank-line-split-1": (b"", (-1,)),
    "blank-line-split-2": (b"", (-2,)),
    "blank-line-split-3": (b"", (-3,)),
    "behind-a-hit": (request(), ()),
    "behind-a-hit-split": (request(), (40,)),
    "behind-a-hit-its-blank-line-split": (request(), (len(request()) - 1, len(request()) + 5)),
    "behind-a-post": (request(BADGE, "Content-Length: 5", method="POST", body=b"a\r\n\r\n"), ()),
    "behind-a-post-split": (
        request(BADGE, "Content-Length: 9", method="POST", body=b"abcdefghi"),
        (len(request(BADGE, "Content-Length: 9", method="POST")) + 4,),
    ),
    "behind-a-chunked-post": (
        request(BADGE, "Transfer-Encoding: chunked", method="POST", body=b"3\r\nabc\r\n0\r\n\r\n"),
        (),
    ),
}


@pytest.mark.parametrize(("before", "cuts"), SENDINGS.values(), ids=list(SENDINGS))
@pytest.mark.parametrize("size", [LIMIT, LIMIT + 1])
async def test_the_bound_is_exact(
    bounded_app: PypinsApp,
    connect: Callable[..., Connection],
    before: bytes,
    cuts: tuple[int, ...],
    size: int,
) -> None:
    """A head of exactly the bound is answered, one byte more is refused, however it
    is cut and whatever comes before it in the same pieces."""
    connection = connect(bounded_app)
    first = await warm(connection)
    methods = [before.partition(b" ")[0].decode()] if before else []
    for piece in split(before + padded(size), (*cuts, len(before)) if before else cuts):
        connection.protocol.data_received(piece)
    await connection.settle()
    if size == LIMIT:
        *_, answer = parse_responses(connection.take(), [*methods, "GET"])
        assert answer.same_as(first)
        assert not connection.transport.closed
    else:
        data = connection.take()
        assert data.endswith(b"\r\n\r\nRequest Header Fields Too Large\n")
        assert connection.transport.closed


@pytest.mark.parametrize("seed", range(20))
async def test_pipelines_within_the_bound_are_answered(
    bounded_app: PypinsApp, connect: Callable[..., Connection], seed: int
) -> None:
    """Pipelined requests with heads up to the bound, some with bodies, cut anywhere,
    are each answered: the head bound never refuses a head within it."""
    rng = random.Random(seed)
    connection = connect(bounded_app)
    first = await warm(connection)
    requests, methods = [], []
    for _ in range(rng.randint(2, 6)):
        if rng.random() < 0.25:
            body = rng.choice([b"x" * rng.randint(1, 3 * LIMIT), b"\r\n\r\n" * 3])
            headers = (f"Content-Length: {len(body)}",)
            requests.append(padded(rng.randint(200, LIMIT), BADGE, "POST", *headers) + body)
            methods.append("POST")
        else:
            requests.append(padded(rng.randint(100, LIMIT)))
            methods.append("GET")
    data = b"".join(requests)
    cuts = [rng.randrange(1, len(data)) for _ in range(rng.randint(0, 12))]
    for piece in split(data, cuts):
        connection.protocol.data_received(piece)
        await connection.settle()
    answers = parse_responses(connection.take(), methods)
    for method, answer in zip(methods, answers, strict=True):
        if method == "GET":
            assert answer.same_as(first)
        else:
            assert answer.status == b"HTTP/1.1 405 Method Not Allowed"
    assert not connection.transport.closed


async def test_a_head_over_the_bound_behind_a_response_closes_after_it(
    bounded_app: PypinsApp, connect: Callable[..., Connection], upstream: Upstream
) -> None:
    """A head over the bound that arrives while a response is being answered gets its
    431 once that response is written (not in the middle of it)."""
    connection = connect(bounded_app)
    upstream.inject("/pypi/six/json", delay=0.2)
    spy = counted(connection)
    connection.protocol.data_received(request(OTHER) + ENDLESS + b"a" * LIMIT)
    assert spy.fed == len(request(OTHER)) + LIMIT
    await connection.settle()
    answer, refused = parse_responses(connection.take(), ["GET", "GET"])
    assert answer.status == b"HTTP/1.1 200 OK"
    assert answer.header(b"connection") is None
    assert refused.status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert connection.transport.closed


# -- heads bounded in time -----------------------------------------------------------------


async def test_an_unfinished_head_is_answered_408(
    hurried_app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """Half a head, then nothing: 408 and the connection closed at the deadline."""
    connection = connect(hurried_app)
    connection.protocol.data_received(ENDLESS)
    assert hurried_app in [connection.protocol.pypins]
    assert connection.protocol in connection.protocol.limits.heading
    await until_closed(connection)
    refusal(connection.take(), b"HTTP/1.1 408 Request Timeout")
    assert hurried_app.tally[REFUSAL_TAGS["head_timeout"]] == 1
    assert connection.protocol not in connection.protocol.limits.heading


async def test_a_trickled_head_gets_no_more_time(
    hurried_app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """A head sent a byte at a time is held to the deadline from its first byte: each
    byte does not start the clock again (slowloris)."""
    connection = connect(hurried_app)
    head = iter(ENDLESS + b"a" * 10_000)
    # Each byte waits a fifth of the deadline: ten thousand of them could take 2000
    # deadlines, so the connection ends long before the bytes do.
    for byte in head:
        connection.protocol.data_received(bytes([byte]))
        await asyncio.sleep(DEADLINE / 5)
        if connection.transport.closed:
            break
    assert connection.transport.closed
    assert next(head, None) is not None
    refusal(connection.take(), b"HTTP/1.1 408 Request Timeout")


async def test_idle_connections_are_not_held_to_the_head_deadline(
    hurried_app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """A connection waiting for its first request, or its next, is idle, not late: it
    stays open well past the head deadline (until the keep-alive timeout)."""
    fresh = connect(hurried_app)
    used = connect(hurried_app)
    first = await warm(used)
    used.hot(request())
    assert fresh.protocol in fresh.protocol.limits.idle
    assert used.protocol in used.protocol.limits.idle
    await asyncio.sleep(DEADLINE * 10)
    assert not fresh.transport.closed
    assert not used.transport.closed
    assert used.hot(request())[0].same_as(first)
    assert fresh.hot(request())[0].same_as(first)


async def test_a_connection_that_sends_nothing_is_closed_at_the_keep_alive_timeout(
    app: PypinsApp, connect: Callable[..., Connection]
) -> None:
    """A connection that never sends a byte is closed like an idle keep-alive one."""
    connection = connect(app, timeout_keep_alive=0.01)
    await until_closed(connection)
    assert connection.take() == b""


async def test_a_head_waiting_behind_a_response_is_given_its_time(
    hurried_app: PypinsApp, connect: Callable[..., Connection], upstream: Upstream
) -> None:
    """Half a head sent behind a request being answered for longer than the deadline
    waits for that answer, which is written whole; then its own time runs out."""
    connection = connect(hurried_app)
    upstream.inject("/pypi/six/json", delay=DEADLINE * 4)
    connection.protocol.data_received(request(OTHER) + ENDLESS)
    await connection.settle()
    await until_closed(connection)
    answer, late = parse_responses(connection.take(), ["GET", "GET"])
    assert answer.status == b"HTTP/1.1 200 OK"
    assert answer.header(b"connection") is None
    assert late.status == b"HTTP/1.1 408 Request Timeout"


# -- connections bounded in number ---------------------------------------------------------


@pytest.fixture
def crowded(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    connect: Callable[..., Connection],
) -> Callable[[], Connection]:
    """Open connections to one worker (one server state) that keeps three at most."""
    app = make_app(config.replace(max_connections=3))
    state = ServerState()
    state.default_headers = [DATE]
    return lambda: connect(app, state=state)


async def test_at_the_cap_the_oldest_idle_connection_makes_room(
    crowded: Callable[[], Connection],
) -> None:
    """A new connection at the cap closes the oldest idle one, then the next oldest."""
    first, second, third = crowded(), crowded(), crowded()
    first.protocol.data_received(ENDLESS)  # under way: not idle
    fourth = crowded()
    assert second.transport.closed
    assert not any(c.transport.closed for c in (first, third, fourth))
    fifth = crowded()
    assert third.transport.closed
    assert second.take() == third.take() == b""
    assert fifth.protocol.limits.counts["closed_idle"] == 2
    assert len(fifth.protocol.limits.open) == 3


async def test_at_the_cap_without_idle_connections_the_oldest_head_makes_room(
    crowded: Callable[[], Connection],
) -> None:
    """With no idle connection, the one sending its head for the longest is closed."""
    connections = [crowded() for _ in range(3)]
    for connection in connections:
        connection.protocol.data_received(ENDLESS)
    newest = crowded()
    assert connections[0].transport.closed
    assert connections[0].take() == b""
    assert not any(c.transport.closed for c in [*connections[1:], newest])
    assert newest.protocol.limits.counts["closed_head"] == 1


async def test_at_the_cap_with_every_connection_answering_a_new_one_is_refused(
    crowded: Callable[[], Connection], upstream: Upstream
) -> None:
    """When every connection is being answered, a new one is closed at once, nothing
    written; the others are answered, and a connection is taken once one is free."""
    upstream.inject("/pypi/six/json", delay=0.2)
    busy = [crowded() for _ in range(3)]
    for connection in busy:
        connection.protocol.data_received(request(OTHER))
    refused = crowded()
    assert refused.transport.closed
    assert refused.protocol not in refused.protocol.limits.open
    refused.protocol.data_received(request())
    assert refused.take() == b""
    assert refused.protocol.limits.counts["refused"] == 1
    for connection in busy:
        await connection.settle()
        (answer,) = parse_responses(connection.take(), ["GET"])
        assert answer.status == b"HTTP/1.1 200 OK"
    busy[0].close()
    await asyncio.sleep(0)
    later = crowded()
    assert not later.transport.closed
    assert later.hot(request(OTHER))[0].status == b"HTTP/1.1 200 OK"


@pytest.mark.parametrize(
    ("configured", "open_files", "cap"),
    [
        (0, 1024, 512),
        (0, 20_000, settings.CONNECTIONS_CEILING),
        (0, 256, 128),
        (0, 1, 1),
        (100, 1024, 100),
        (10_000, 1024, 512),
        (10_000, 65_536, 10_000),
        (0, resource.RLIM_INFINITY, settings.CONNECTIONS_CEILING),
        (5, resource.RLIM_INFINITY, 5),
    ],
)
def test_connection_cap(configured: int, open_files: int, cap: int) -> None:
    """The cap is the setting, or the ceiling, never more than the open-files limit
    leaves for upstreams, Redis and files."""
    assert connection_cap(configured, open_files) == cap


def test_a_cap_the_open_files_limit_cannot_hold_is_lowered(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A configured cap above what the open-files limit allows is lowered, and said so."""
    monkeypatch.setattr(resource, "getrlimit", lambda which: (1024, 4096))
    limits = ConnectionLimits.from_config(ServiceConfig(max_connections=2000))
    assert limits.max_connections == 512
    assert "PYPINS_MAX_CONNECTIONS=2000" in caplog.text
    assert ConnectionLimits.from_config(None).max_connections == 512


def test_refusals_are_logged_at_most_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    """A flood of refusals makes one log line (then one a minute), every one counted."""
    limits = ConnectionLimits(max_head_bytes=LIMIT, head_timeout=1.0, max_connections=3)
    for _ in range(1000):
        limits.note("refused")
    limits.note("head_too_large")
    (record,) = caplog.records
    assert "1 new connections closed at the cap" in record.getMessage()
    assert limits.counts == {"refused": 1000, "head_too_large": 1}
