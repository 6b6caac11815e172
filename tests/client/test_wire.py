"""The lean upstream client: what it takes, what it sends, how it reads and fails.

Every exchange runs against a real loopback server (``serve``: aiohttp.web; ``serve_raw``:
bytes as a test writes them; TLS with trustme's certificates), through the
AsyncPyPIClient that the service uses, so that errors come out as the service sees them.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
import zlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest
import trustme
from aiohttp import web

from pypins.client import AsyncPyPIClient
from pypins.client._wire import (
    MAX_HEAD_BYTES,
    Origin,
    WirePool,
    parse_origin,
    request_head,
)
from pypins.errors import InvalidResponseError, UpstreamUnavailableError
from tests.client.test_async import (
    BODY,
    _client,
    _json,
    _proxy_environment,
    _redirect,
    _reset,
    _send,
)

if TYPE_CHECKING:
    from tests.client.conftest import Serve, ServeRaw


@pytest.fixture
async def wire() -> AsyncIterator[WirePool]:
    pool = WirePool()
    yield pool
    await pool.aclose()


def _through(base: str, wire: WirePool, **options: Any) -> AsyncPyPIClient:
    return _client(base, wire=wire, **options)


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


# What the pool takes


@pytest.mark.parametrize(
    ("url", "taken"),
    [
        ("https://pypi.org/pypi/requests/json", True),
        ("http://127.0.0.1:8080/pypi/a/json?x=1", True),
        ("http://[::1]:8080/pypi/a/json", True),
        ("ftp://pypi.org/pypi/a/json", False),
        ("http://user:secret@pypi.org/pypi/a/json", False),
        ("http://pypï.org/pypi/a/json", False),
        ("http://pypi.org:99999/pypi/a/json", False),
        ("http://[::1/pypi/a/json", False),
        ("http://pypi.org", False),
        ("no-scheme/pypi/a/json", False),
        ("http://pypi.org/pypi/a b/json", False),
        ("http://pypi.org/pypi/é/json", False),
        ("http://pypi.org/pypi/a/json#top", False),
    ],
)
def test_urls_taken(url: str, taken: bool) -> None:
    assert WirePool().accepts(url) is taken


def test_origins_are_parsed_once_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = WirePool()
    monkeypatch.setattr("pypins.client._wire.MAX_ORIGINS", 2)
    for host in ("a.example", "b.example", "c.example"):
        assert pool.accepts(f"https://{host}/x")
    assert list(pool._origins) == ["https://c.example"]


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://PyPI.org", Origin("pypi.org", 443, True, b"pypi.org")),
        ("http://pypi.org", Origin("pypi.org", 80, False, b"pypi.org")),
        ("http://127.0.0.1:81", Origin("127.0.0.1", 81, False, b"127.0.0.1:81")),
    ],
)
def test_parse_origin(origin: str, expected: Origin) -> None:
    assert parse_origin(origin) == expected


def test_request_head() -> None:
    origin = Origin("pypi.org", 443, True, b"pypi.org")
    head = request_head(origin, "/pypi/a/json", {"User-Agent": "pypins/1 ✓", "Accept": "x"})
    assert head == (
        b"GET /pypi/a/json HTTP/1.1\r\nHost: pypi.org\r\nAccept-Encoding: gzip, deflate\r\n"
        b"User-Agent: pypins/1 \xe2\x9c\x93\r\nAccept: x\r\n\r\n"
    )


@pytest.mark.parametrize("value", ['"e"\r\nX-Injected: 1', "a\nb", "a\x00b"])
def test_request_head_refuses_control_characters(value: str) -> None:
    with pytest.raises(ValueError, match="control character"):
        request_head(Origin("h", 80, False, b"h"), "/", {"If-None-Match": value})


async def test_a_closed_pool_takes_nothing(wire: WirePool) -> None:
    await wire.aclose()
    assert not wire.accepts("http://127.0.0.1:1/x")
    with pytest.raises(ValueError, match="not a URL for this pool"):
        await wire.get("http://127.0.0.1:1/x", {}, 10)


# Exchanges


async def test_requests_keep_their_connection(serve: Serve, wire: WirePool) -> None:
    """Two requests, one connection; what the server receives."""
    peers: set[object] = set()

    async def handler(request: web.Request) -> web.StreamResponse:
        peers.add(request.transport)
        return await _json()(request)

    site = await serve(handler)
    async with _through(site.url, wire, user_agent="bench/1") as pypi:
        first = await pypi.get_json("demo")
        second = await pypi.get_json("demo", if_none_match='"e"')
    assert first.content == second.content == BODY
    assert len(peers) == 1
    assert wire._idle_count == 1
    seen = site.seen[1].headers
    assert seen["Host"] == site.url.removeprefix("http://")
    assert seen["User-Agent"] == "bench/1"
    assert seen["If-None-Match"] == '"e"'
    assert seen["Accept-Encoding"] == "gzip, deflate"


async def test_validators_and_reason_are_read(serve_raw: ServeRaw, wire: WirePool) -> None:
    extra = b'ETag: "abc"\r\nX-PyPI-Last-Serial: 42\r\n'
    site = await serve_raw(_send(b"HTTP/1.1 200 Fine\r\n" + extra + _ok(BODY)[17:]))
    async with _through(site.url, wire) as pypi:
        document = await pypi.get_json("demo")
    assert document.validators.etag == '"abc"'
    assert document.validators.last_serial == 42


async def test_not_modified(serve_raw: ServeRaw, wire: WirePool) -> None:
    site = await serve_raw(_send(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"))
    async with _through(site.url, wire) as pypi:
        document = await pypi.get_json("demo", if_none_match='"e"')
    assert document.not_modified


async def test_error_statuses_raise(serve_raw: ServeRaw, wire: WirePool) -> None:
    answer = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\nno"
    site = await serve_raw(_send(answer))
    async with _through(site.url, wire) as pypi:
        with pytest.raises(Exception, match="503") as caught:
            await pypi.get("demo")
    assert getattr(caught.value, "retry_after", None) == 7.0


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("x-gzip", gzip.compress), ("deflate", zlib.compress)],
)
async def test_compressed_bodies_are_inflated(
    serve: Serve, wire: WirePool, encoding: str, compress: Any
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=compress(BODY), headers={"Content-Encoding": encoding})

    site = await serve(handler)
    async with _through(site.url, wire) as pypi:
        assert (await pypi.get_json("demo")).content == BODY


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (b"not gzip", "gzip", "cannot be decoded"),
        (gzip.compress(BODY)[:-12], "gzip", "cut short"),
        (BODY, "br", "was not asked for"),
    ],
)
async def test_undecodable_bodies(
    serve_raw: ServeRaw, wire: WirePool, body: bytes, encoding: str, message: str
) -> None:
    site = await serve_raw(_send(_ok(body, b"Content-Encoding: %s\r\n" % encoding.encode())))
    async with _through(site.url, wire) as pypi:
        with pytest.raises(InvalidResponseError, match=message):
            await pypi.get("demo")


async def test_chunked_bodies(serve_raw: ServeRaw, wire: WirePool) -> None:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (BODY[:7], BODY[7:]))
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    site = await serve_raw(_send(answer, linger=True))
    async with _through(site.url, wire) as pypi:
        assert (await pypi.get_json("demo")).content == BODY
    assert wire._idle_count == 1


async def test_bodies_ended_by_the_connection(serve_raw: ServeRaw, wire: WirePool) -> None:
    site = await serve_raw(_send(b"HTTP/1.1 200 OK\r\n\r\n" + BODY))
    async with _through(site.url, wire) as pypi:
        assert (await pypi.get_json("demo")).content == BODY
    assert wire._idle_count == 0


async def test_connection_close_is_honoured(serve_raw: ServeRaw, wire: WirePool) -> None:
    site = await serve_raw(_send(_ok(BODY, b"Connection: close\r\n"), linger=True))
    async with _through(site.url, wire) as pypi:
        assert (await pypi.get_json("demo")).content == BODY
    assert wire._idle_count == 0


async def test_redirects_are_followed(serve: Serve, wire: WirePool) -> None:
    site = await serve(_redirect(301, "/pypi/other/json"))
    async with _through(site.url, wire) as pypi:
        await pypi.get("demo")
    assert site.targets == ["/pypi/demo/json", "/pypi/other/json"]


# Bounds


async def test_declared_length_over_the_bound(serve_raw: ServeRaw, wire: WirePool) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n{}"
    site = await serve_raw(_send(head, linger=True))
    async with _through(site.url, wire, max_response_bytes=1000, timeout=2.0) as pypi:
        with pytest.raises(InvalidResponseError, match="larger than 1000 bytes"):
            await pypi.get("demo")


@pytest.mark.parametrize("compressed", [False, True])
async def test_undeclared_bodies_over_the_bound(
    serve_raw: ServeRaw, wire: WirePool, compressed: bool
) -> None:
    body = gzip.compress(b" " * 200_000) if compressed else b" " * 200_000
    extra = b"Content-Encoding: gzip\r\n" if compressed else b""
    answer = b"HTTP/1.1 200 OK\r\n" + extra + b"\r\n" + body
    site = await serve_raw(_send(answer))
    async with _through(site.url, wire, max_response_bytes=100_000) as pypi:
        with pytest.raises(InvalidResponseError, match="larger than 100000 bytes"):
            await pypi.get("demo")


async def test_compressed_bytes_are_bounded_too(serve_raw: ServeRaw, wire: WirePool) -> None:
    """Bytes that inflate to little still count against the bound."""
    flushed = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = b"".join(
        flushed.compress(b" ") + flushed.flush(zlib.Z_SYNC_FLUSH) for _ in range(30_000)
    )
    assert len(body) > 100_000 > len(zlib.decompressobj(31).decompress(body))
    answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + body
    site = await serve_raw(_send(answer))
    async with _through(site.url, wire, max_response_bytes=100_000) as pypi:
        with pytest.raises(InvalidResponseError, match="larger than 100000 bytes"):
            await pypi.get("demo")


class HoldingInflater:
    """Gives nothing until ``flush`` (as an inflater with a window may); ``failing``
    makes that flush fail."""

    def __init__(self, failing: bool) -> None:
        self.inner = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.held = b""
        self.failing = failing

    def decompress(self, data: bytes, max_length: int) -> bytes:
        self.held += self.inner.decompress(data)
        return b""

    def flush(self) -> bytes:
        if self.failing:
            raise zlib.error("invalid stored block lengths")
        return self.held + self.inner.flush()

    @property
    def eof(self) -> bool:
        return self.inner.eof


@pytest.mark.parametrize(
    ("failing", "message"), [(False, "larger than"), (True, "invalid stored block lengths")]
)
async def test_the_final_inflate(
    serve_raw: ServeRaw,
    wire: WirePool,
    monkeypatch: pytest.MonkeyPatch,
    failing: bool,
    message: str,
) -> None:
    """What the inflater gives at the very end counts against the bound; its failure
    is an undecodable body."""
    padded = b'{"pad": "' + b"x" * 2000 + b'"}'
    site = await serve_raw(_send(_ok(gzip.compress(padded), b"Content-Encoding: gzip\r\n")))
    inflater = HoldingInflater(failing)
    monkeypatch.setattr("pypins.client._wire._decoder", lambda encoding, url: inflater)
    async with _through(site.url, wire, max_response_bytes=len(padded) - 1) as pypi:
        with pytest.raises(InvalidResponseError, match=message):
            await pypi.get("demo")


async def test_the_head_is_bounded(serve_raw: ServeRaw, wire: WirePool) -> None:
    huge = b"X-Filler: " + b"a" * MAX_HEAD_BYTES + b"\r\n"
    site = await serve_raw(_send(_ok(BODY, huge)))
    async with _through(site.url, wire) as pypi:
        with pytest.raises(InvalidResponseError, match="head over"):
            await pypi.get("demo")


# Failures


@pytest.mark.parametrize(
    ("answer", "message", "cause"),
    [
        pytest.param(
            _send(b"garbage\r\n\r\n"),
            "invalid HTTP answer",
            Exception,
            id="garbage-status-line",
        ),
        pytest.param(
            _send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY[:10]),
            "could not be reached",
            Exception,
            id="cut-short",
        ),
        pytest.param(_send(b""), "could not be reached", Exception, id="hung-up"),
        pytest.param(_reset, "could not be reached", Exception, id="reset"),
        pytest.param(_send(b"", linger=True), "did not answer in time", None, id="no-answer"),
    ],
)
async def test_transport_errors(
    serve_raw: ServeRaw,
    wire: WirePool,
    answer: Any,
    message: str,
    cause: type[Exception] | None,
) -> None:
    """Each failure is one request (a fresh connection is not tried again)."""
    site = await serve_raw(answer)
    async with _through(site.url, wire, timeout=0.3) as pypi:
        with pytest.raises(UpstreamUnavailableError, match=message) as caught:
            await pypi.get("demo")
    if cause is not None:
        assert isinstance(caught.value.__cause__, cause)
    assert len(site.heads) == 1
    assert wire._idle_count == 0


async def test_refused_connection(wire: WirePool) -> None:
    probe = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with _through(f"http://127.0.0.1:{port}", wire) as pypi:
        with pytest.raises(UpstreamUnavailableError, match="could not be reached") as caught:
            await pypi.get("demo")
    assert isinstance(caught.value.__cause__, OSError)


async def test_a_kept_connection_closed_meanwhile_is_replaced(
    serve_raw: ServeRaw, wire: WirePool
) -> None:
    """The server closes a kept connection as the next request comes: asked once more."""

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_ok(BODY))
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the next request: hang up unanswered

    site = await serve_raw(answer_once)
    async with _through(site.url, wire) as pypi:
        await pypi.get("demo")
        assert (await pypi.get_json("demo")).content == BODY
    assert len(site.heads) == 2  # two connections, each answering one request


async def test_bytes_after_the_answer_end_the_connection(
    serve_raw: ServeRaw, wire: WirePool
) -> None:
    site = await serve_raw(_send(_ok(BODY) + _ok(b"{}"), linger=True))
    async with _through(site.url, wire) as pypi:
        assert (await pypi.get_json("demo")).content == BODY
    assert wire._idle_count == 0


async def test_unasked_bytes_on_an_idle_connection_end_it(
    serve_raw: ServeRaw, wire: WirePool
) -> None:
    async def answer_then_chatter(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(_ok(BODY))
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        await reader.read()

    site = await serve_raw(answer_then_chatter)
    async with _through(site.url, wire) as pypi:
        await pypi.get("demo")
        await asyncio.sleep(0.2)
    assert wire._idle_count == 0


async def test_a_cancelled_exchange_closes_its_connection(
    serve_raw: ServeRaw, wire: WirePool
) -> None:
    site = await serve_raw(_send(b"", linger=True))
    async with _through(site.url, wire) as pypi:
        task = asyncio.create_task(pypi.get("demo"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert wire._idle_count == 0


async def test_idle_connections_expire(serve: Serve) -> None:
    peers: set[object] = set()

    async def handler(request: web.Request) -> web.StreamResponse:
        peers.add(request.transport)
        return await _json()(request)

    site = await serve(handler)
    pool = WirePool(keepalive=0.0)
    async with _through(site.url, pool) as pypi:
        await pypi.get("demo")
        await pypi.get("demo")
    await pool.aclose()
    assert len(peers) == 2


async def test_idle_connections_are_bounded(serve: Serve) -> None:
    site = await serve(_json())
    pool = WirePool(connections=1)
    async with _through(site.url, pool) as pypi:
        await asyncio.gather(pypi.get("demo"), pypi.get("demo"))
    assert pool._idle_count == 1
    await pool.aclose()


async def test_closing_the_pool_closes_connections_in_use(serve_raw: ServeRaw) -> None:
    pool = WirePool()
    gate = asyncio.Event()

    async def answer_late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await gate.wait()
        writer.write(_ok(BODY))
        await writer.drain()
        await reader.read()

    site = await serve_raw(answer_late)
    async with _through(site.url, pool) as pypi:
        task = asyncio.create_task(pypi.get_json("demo"))
        await asyncio.sleep(0.05)
        await pool.aclose()
        gate.set()
        assert (await task).content == BODY
    assert pool._idle_count == 0


# What the client sends elsewhere


async def test_proxied_requests_go_through_aiohttp(
    serve: Serve, wire: WirePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = await serve(_json())
    proxy = await serve(_json())
    _proxy_environment(monkeypatch, proxy.url)
    async with _through(origin.url, wire) as pypi:
        await pypi.get("demo")
    assert proxy.targets == [f"{origin.url}/pypi/demo/json"]
    assert wire._idle_count == 0


def test_checked_clients_never_use_the_pool() -> None:
    client = AsyncPyPIClient(wire=WirePool(), check_url=lambda url: None)
    assert client._wire is None


# TLS


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_serve(authority: trustme.CA) -> AsyncIterator[Any]:
    """Starts an aiohttp.web server over TLS for ``localhost`` (certified by ``authority``)."""
    runners: list[web.AppRunner] = []

    async def start() -> str:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("localhost").configure_cert(context)
        app = web.Application()
        app.router.add_get("/{path:.*}", _json())
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
        return f"https://localhost:{runner.addresses[0][1]}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_tls_with_a_trusted_certificate(tls_serve: Any, authority: trustme.CA) -> None:
    base = await tls_serve()
    context = ssl.create_default_context()
    authority.configure_trust(context)
    pool = WirePool(verify=context)
    async with _through(base, pool) as pypi:
        assert (await pypi.get_json("demo")).content == BODY
        assert (await pypi.get_json("demo")).content == BODY
    assert pool._idle_count == 1
    await pool.aclose()


async def test_tls_refuses_an_untrusted_certificate(tls_serve: Any) -> None:
    base = await tls_serve()
    pool = WirePool()
    async with _through(base, pool) as pypi:
        with pytest.raises(UpstreamUnavailableError, match="could not be reached") as caught:
            await pypi.get("demo")
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    await pool.aclose()
