"""The asyncio client against real HTTP servers on 127.0.0.1.

Well-behaved answers come from ``aiohttp.web`` servers (``serve``), misbehaviour (no
answer, a garbage status line, a body cut short, a reset) from raw asyncio servers
(``serve_raw``), whole recorded documents from the loopback upstream. The blocking
client's shared handling is checked once, over ``httpx.MockTransport``.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import socket
import ssl
import struct
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from pypins.client import AsyncPyPIClient, JSONDocument, PyPIClient, _async, _http
from pypins.client._async import (
    DEFAULT_CONNECTIONS,
    MAX_PROXY_HOSTS,
    PARSE_IN_THREAD_BYTES,
    client_session,
    environment_proxy,
    mapped_errors,
)
from pypins.client._http import REDIRECT_STATUSES, redirect_target, ssl_context
from pypins.errors import (
    HTTPError,
    InvalidParameterError,
    InvalidResponseError,
    UpstreamUnavailableError,
)
from pypins.pypi import parse_latest_updates, parse_newest_packages
from pypins.settings import DEFAULT_TIMEOUT, user_agent
from tests.support.upstream import Upstream

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tests.client.conftest import Handler, RawAnswer, Serve, ServeRaw

DOCUMENT = {"info": {"name": "demo", "version": "1.0"}, "urls": [], "releases": {"1.0": []}}
BODY = json.dumps(DOCUMENT).encode()
BODY_SIZE = len(BODY)
STATS = {"data": {"last_day": 1, "last_week": 2, "last_month": 3}, "package": "demo-pkg"}


def _client(base: str, **options: Any) -> AsyncPyPIClient:
    """A client whose every upstream is the loopback server at ``base``."""
    options.setdefault("timeout", 5.0)
    return AsyncPyPIClient(
        f"{base}/pypi",
        stats_url=base,
        newest_packages_url=f"{base}/rss/packages.xml",
        latest_updates_url=f"{base}/rss/updates.xml",
        project_releases_url=base + "/rss/project/{name}/releases.xml",
        simple_url=f"{base}/simple",
        integrity_url=f"{base}/integrity",
        **options,
    )


def _json(body: object = DOCUMENT, headers: Mapping[str, str] | None = None) -> Handler:
    """Answers every request with ``body`` as JSON (and ``headers``)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=json.dumps(body).encode(),
            content_type="application/json",
            headers=headers,
        )

    return handler


def _redirect(status: int, location: str) -> Handler:
    """Redirects the project URL of ``demo`` to ``location``; answers the rest with DOCUMENT."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path == "/pypi/demo/json":
            return web.Response(status=status, headers={"Location": location})
        return await _json()(request)

    return handler


def _send(data: bytes, *, linger: bool = False) -> RawAnswer:
    """Writes ``data`` raw, then hangs up (or, with ``linger``, waits for the client to)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()
        if linger:
            await reader.read()

    return answer


def _proxy_environment(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    """HTTP_PROXY names ``proxy``; no other proxy variable is set."""
    for name in ("http_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Resets the connection (an RST, not a FIN) instead of answering."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# Requests


async def test_requests_go_to_the_documented_urls(serve: Serve) -> None:
    """Project, version and stats URLs, with the User-Agent and Accept headers."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return await _json(body=STATS if request.path.startswith("/api/") else DOCUMENT)(request)

    site = await serve(handler)
    async with _client(site.url) as pypi:
        await pypi.get("Demo")
        await pypi.get("Demo", "1.0")
        downloads = await pypi.downloads("Demo_Pkg")
    assert downloads == (1, 2, 3)
    assert site.targets == [
        "/pypi/Demo/json",
        "/pypi/Demo/1.0/json",
        "/api/packages/demo-pkg/recent",
    ]
    assert all(seen.headers["User-Agent"] == user_agent() for seen in site.seen)
    assert all(seen.headers["Accept"] == "application/json" for seen in site.seen)
    assert "If-None-Match" not in site.seen[0].headers
    assert "If-Modified-Since" not in site.seen[0].headers


async def test_feeds_are_fetched_as_rss(
    serve: Serve, fixture_bytes: Callable[[str], bytes]
) -> None:
    """Both feeds are asked for as RSS and parsed as the recorded ones are."""

    async def feed(request: web.Request) -> web.StreamResponse:
        body = fixture_bytes(f"rss/{request.path.rsplit('/', 1)[-1]}")
        return web.Response(body=body, content_type="application/rss+xml")

    site = await serve(feed)
    async with _client(site.url) as pypi:
        newest = await pypi.newest_packages()
        latest = await pypi.latest_updated_packages()
    assert newest == parse_newest_packages(fixture_bytes("rss/packages.xml"))
    assert latest == parse_latest_updates(fixture_bytes("rss/updates.xml"))
    assert newest
    assert latest
    assert site.targets == ["/rss/packages.xml", "/rss/updates.xml"]
    assert all(seen.headers["Accept"] == _http.RSS_ACCEPT for seen in site.seen)


async def test_custom_user_agent_and_conditional_headers(serve: Serve) -> None:
    """A given User-Agent is sent, and so are the conditional headers; a 304 is no error."""

    async def not_modified(request: web.Request) -> web.StreamResponse:
        return web.Response(status=304, headers={"ETag": '"e"', "X-PyPI-Last-Serial": "9"})

    site = await serve(not_modified)
    when = datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)
    async with _client(site.url, user_agent="bench/1") as pypi:
        document = await pypi.get_json("demo", if_none_match='"e"', if_modified_since=when)
    assert document.not_modified
    assert document.data is None
    assert document.validators.etag == '"e"'
    assert document.validators.last_serial == 9
    headers = site.seen[0].headers
    assert headers["User-Agent"] == "bench/1"
    assert headers["If-None-Match"] == '"e"'
    assert headers["If-Modified-Since"] == "Sat, 21 Nov 2026 13:52:18 GMT"


# Bounded bodies


async def test_declared_length_over_the_bound_is_refused_unread(serve_raw: ServeRaw) -> None:
    """A Content-Length over the bound is refused at once: the rest never comes, so
    reading it would end in a timeout instead."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n{}"
    site = await serve_raw(_send(head, linger=True))
    async with _client(site.url, max_response_bytes=1000, timeout=2.0) as pypi:
        with pytest.raises(InvalidResponseError, match="larger than 1000 bytes"):
            await pypi.get("demo")


async def test_bound_applies_to_decompressed_bodies(serve: Serve) -> None:
    """A small gzip body that inflates past the bound is refused."""
    bomb = gzip.compress(b" " * 2_000_000)

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    site = await serve(handler)
    async with _client(site.url, max_response_bytes=100_000) as pypi:
        with pytest.raises(InvalidResponseError, match="larger than 100000 bytes"):
            await pypi.get("demo")


async def test_gzip_bodies_are_decompressed(serve: Serve) -> None:
    """A gzip body within the bound is inflated before it is decoded."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=gzip.compress(BODY), headers={"Content-Encoding": "gzip"})

    site = await serve(handler)
    async with _client(site.url) as pypi:
        document = await pypi.get_json("demo")
    assert document.content == BODY
    assert "gzip" in site.seen[0].headers["Accept-Encoding"]


async def test_undecodable_body(serve: Serve) -> None:
    """A body that claims gzip but is not raises InvalidResponseError."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"not gzip", headers={"Content-Encoding": "gzip"})

    site = await serve(handler)
    async with _client(site.url) as pypi:
        with pytest.raises(InvalidResponseError, match="cannot be decoded") as caught:
            await pypi.get("demo")
    assert isinstance(caught.value.__cause__, aiohttp.ClientPayloadError)


# Transport errors

_CUT_SHORT = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + BODY[:10]


@pytest.mark.parametrize(
    ("answer", "message", "cause", "requests"),
    [
        pytest.param(
            _send(b"garbage\r\n\r\n"),
            "could not be reached",
            aiohttp.ClientResponseError,
            1,
            id="garbage-status-line",
        ),
        pytest.param(
            _send(_CUT_SHORT), "could not be reached", aiohttp.ClientPayloadError, 1, id="cut-short"
        ),
        pytest.param(_send(b"", linger=True), "did not answer in time", None, 1, id="no-answer"),
        pytest.param(
            _send(_CUT_SHORT, linger=True), "did not answer in time", None, 1, id="stalled-body"
        ),
        # aiohttp sends a GET once more when the connection drops before the answer.
        pytest.param(
            _send(b""), "could not be reached", aiohttp.ServerDisconnectedError, 2, id="hung-up"
        ),
        pytest.param(_reset, "could not be reached", aiohttp.ClientOSError, 2, id="reset"),
    ],
)
async def test_transport_errors(
    serve_raw: ServeRaw,
    answer: RawAnswer,
    message: str,
    cause: type[Exception] | None,
    requests: int,
) -> None:
    """Protocol errors, hang-ups, resets and slow answers become UpstreamUnavailableError."""
    site = await serve_raw(answer)
    # Short only where the answer is slow: on a busy machine, a reset and aiohttp's
    # second try could otherwise outlast a short timeout.
    timeout = 0.2 if "in time" in message else 10.0
    async with _client(site.url, timeout=timeout) as pypi:
        with pytest.raises(UpstreamUnavailableError, match=message) as caught:
            await pypi.get("demo")
    if cause is None:
        assert caught.value.__cause__ is None
    else:
        assert isinstance(caught.value.__cause__, cause)
    assert len(site.heads) == requests


async def test_refused_connection() -> None:
    """A port nobody listens on is an unreachable upstream."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with _client(f"http://127.0.0.1:{port}") as pypi:
        with pytest.raises(UpstreamUnavailableError, match="could not be reached") as caught:
            await pypi.get("demo")
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)


@pytest.mark.parametrize("base", ["http://127.0.0.1:99999", "http://[::1"])
async def test_invalid_url(base: str) -> None:
    """A URL aiohttp cannot request is an invalid response, not an unreachable upstream."""
    async with _client(base) as pypi:
        with pytest.raises(InvalidResponseError, match="led to an invalid URL") as caught:
            await pypi.get("demo")
    assert isinstance(caught.value.__cause__, aiohttp.InvalidURL)


@pytest.mark.parametrize(
    ("exception", "error", "message"),
    [
        (aiohttp.ServerTimeoutError("slow"), UpstreamUnavailableError, "did not answer in time"),
        (aiohttp.ConnectionTimeoutError(), UpstreamUnavailableError, "did not answer in time"),
        (TimeoutError(), UpstreamUnavailableError, "did not answer in time"),
        (aiohttp.InvalidURL("http://[::1"), InvalidResponseError, "led to an invalid URL"),
        (
            aiohttp.ClientPayloadError("400, message:\n  Can not decode content-encoding: br"),
            InvalidResponseError,
            "sent a body that cannot be decoded",
        ),
        (
            aiohttp.ClientPayloadError("Response payload is not completed"),
            UpstreamUnavailableError,
            "could not be reached",
        ),
        (aiohttp.ServerDisconnectedError(), UpstreamUnavailableError, "could not be reached"),
        (aiohttp.ClientConnectionError(), UpstreamUnavailableError, "could not be reached"),
        (ConnectionResetError(104, "reset"), UpstreamUnavailableError, "could not be reached"),
        (
            ValueError("Forbidden control character detected in headers."),
            InvalidResponseError,
            "could not be asked",
        ),
    ],
)
def test_mapped_errors(exception: Exception, error: type[Exception], message: str) -> None:
    """Each aiohttp or OS error maps to pypins' error, naming the URL, the cause kept."""
    url = "https://pypi.example/pypi/demo/json"
    with pytest.raises(error, match=message) as caught, mapped_errors(url):
        raise exception
    assert str(caught.value).startswith(f"{url} ")
    assert caught.value.__cause__ is exception


@pytest.mark.parametrize(
    "exception",
    [InvalidParameterError("pypiBaseUrl"), InvalidResponseError("bad"), RuntimeError("bad")],
)
def test_mapped_errors_pass_other_exceptions(exception: Exception) -> None:
    """pypins' own errors (a ``ValueError`` among them) and exceptions that are neither
    a transport error nor a value refused go through unchanged."""
    with pytest.raises(type(exception)) as caught, mapped_errors("https://pypi.example/"):
        raise exception
    assert caught.value is exception


# Statuses and documents


@pytest.mark.parametrize(
    ("status_line", "status", "reason"),
    [
        (b"HTTP/1.1 404 ", 404, "Not Found"),
        (b"HTTP/1.1 503", 503, "Service Unavailable"),
        (b"HTTP/1.1 599 ", 599, "Unknown Status"),
        (b"HTTP/1.1 404 Gone Fishing", 404, "Gone Fishing"),
    ],
)
async def test_status_without_reason_phrase(
    serve_raw: ServeRaw, status_line: bytes, status: int, reason: str
) -> None:
    """Without a reason phrase, the standard one is used; a sent one is kept."""
    site = await serve_raw(_send(status_line + b"\r\nContent-Length: 0\r\n\r\n"))
    async with _client(site.url) as pypi:
        with pytest.raises(HTTPError) as caught:
            await pypi.get("demo")
    assert (caught.value.status_code, caught.value.reason) == (status, reason)
    assert caught.value.url == f"{site.url}/pypi/demo/json"


@pytest.mark.parametrize(
    ("serial", "body", "last_serial"),
    [
        ("42", DOCUMENT, 42),
        ("soon", DOCUMENT, None),
        ("42", {**DOCUMENT, "last_serial": 7}, 7),
    ],
)
async def test_last_serial_from_the_header(
    serve: Serve, serial: str, body: object, last_serial: int | None
) -> None:
    """Without ``last_serial`` in the body, a numeric X-PyPI-Last-Serial fills it in."""
    site = await serve(_json(body=body, headers={"X-PyPI-Last-Serial": serial}))
    async with _client(site.url) as pypi:
        package = await pypi.get("demo")
    assert package.last_serial == last_serial


async def test_json_document_of_a_non_object(serve: Serve) -> None:
    """get_json insists on a JSON object."""
    site = await serve(_json(body=[1, 2]))
    async with _client(site.url) as pypi:
        with pytest.raises(InvalidResponseError, match="expected an object, got array"):
            await pypi.get_json("demo")


async def test_downloads_refuse_bad_answers(serve: Serve) -> None:
    """A stats answer of the wrong shape raises InvalidResponseError."""
    site = await serve(_json(body={"data": None, "package": "demo"}))
    async with _client(site.url) as pypi:
        with pytest.raises(InvalidResponseError, match="data: expected an object"):
            await pypi.downloads("demo")


# Sessions


async def test_injected_session_is_left_open(serve: Serve) -> None:
    """aclose() leaves a given session open, for the next client to use."""
    site = await serve(_json())
    session = client_session()
    try:
        for _ in range(2):
            async with _client(site.url, session=session) as pypi:
                await pypi.get("demo")
            assert not session.closed
    finally:
        await session.close()
    assert len(site.seen) == 2


async def test_own_session_is_made_on_first_use_and_closed(serve: Serve) -> None:
    """Without a session, one is made at the first request and closed by aclose()."""
    site = await serve(_json())
    pypi = _client(site.url, timeout=3.0)
    before = pypi._session
    assert before is None
    await pypi.get("demo")
    session = pypi._session
    assert session is not None
    assert session.timeout.total == 3.0
    open_before = not session.closed
    await pypi.aclose()
    assert (open_before, session.closed, pypi._session) == (True, True, None)
    await pypi.aclose()


def test_sync_client_with_a_mock_transport() -> None:
    """The sync client shares the same handling (declared size bound here)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "5000"}, content=b"{}")

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with (
        PyPIClient(http_client=http, max_response_bytes=10) as pypi,
        pytest.raises(InvalidResponseError, match="larger than 10 bytes"),
    ):
        pypi.get("demo")


# Decoding off the loop, within the deadline


@pytest.fixture
def decoding_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the threads that decode JSON documents, in order."""
    threads: list[int] = []
    decode = _http.json_document

    def recording(head: _http.ResponseHead, content: bytes | None) -> JSONDocument:
        threads.append(threading.get_ident())
        return decode(head, content)

    monkeypatch.setattr(_http, "json_document", recording)
    return threads


@pytest.mark.parametrize(
    ("threshold", "in_thread"),
    [(None, False), (BODY_SIZE + 1, False), (BODY_SIZE, True), (0, True)],
)
async def test_large_bodies_are_decoded_in_a_worker_thread(
    serve: Serve, threshold: int | None, in_thread: bool, decoding_threads: list[int]
) -> None:
    """Bodies of ``parse_in_thread_bytes`` or more are decoded off the loop, to the same."""
    site = await serve(_json())
    async with _client(site.url, parse_in_thread_bytes=threshold) as pypi:
        document = await pypi.get_json("demo")
    assert document.data == DOCUMENT
    assert len(document.content) == BODY_SIZE
    assert len(decoding_threads) == 1
    assert (decoding_threads != [threading.get_ident()]) is in_thread


async def test_numpy_is_decoded_off_the_loop(
    upstream: Upstream, decoding_threads: list[int]
) -> None:
    """numpy's 3.4 MB document, from the loopback PyPI, is decoded in a worker thread."""
    async with AsyncPyPIClient(upstream.pypi_url) as pypi:
        document = await pypi.get_json("numpy")
    assert document.data is not None
    assert document.data["info"]["name"] == "numpy"
    assert len(document.content) > PARSE_IN_THREAD_BYTES
    assert decoding_threads
    assert threading.get_ident() not in decoding_threads


@pytest.fixture
def stuck_decoder(monkeypatch: pytest.MonkeyPatch) -> dict[str, threading.Event]:
    """Decodes that wait for ``release``, telling when they are ``running``, ``finished``."""
    events = {name: threading.Event() for name in ("release", "running", "finished")}
    decode = _http.json_document

    def stuck(head: _http.ResponseHead, content: bytes | None) -> JSONDocument:
        events["running"].set()
        events["release"].wait(5)
        events["finished"].set()
        return decode(head, content)

    monkeypatch.setattr(_http, "json_document", stuck)
    return events


async def _decode_by(budget: float) -> None:
    """Decode DOCUMENT in a worker thread with ``budget`` seconds left of the deadline."""
    head = _http.ResponseHead(200, "OK", "https://pypi.example/pypi/demo/json", {})
    async with AsyncPyPIClient(parse_in_thread_bytes=0) as pypi:
        await pypi._document(head, BODY, time.monotonic() + budget)


async def test_decoding_is_bounded_by_the_deadline(
    stuck_decoder: dict[str, threading.Event],
) -> None:
    """A decode still running at the deadline raises; its thread finishes in the background."""
    with pytest.raises(InvalidResponseError, match="demo/json was not decoded in time"):
        await _decode_by(0.05)
    assert await asyncio.to_thread(stuck_decoder["running"].wait, 5)
    assert not stuck_decoder["finished"].is_set()
    stuck_decoder["release"].set()
    assert await asyncio.to_thread(stuck_decoder["finished"].wait, 5)


async def test_no_decode_starts_past_the_deadline(
    stuck_decoder: dict[str, threading.Event],
) -> None:
    """With the deadline already past, the body is refused and no thread decodes it."""
    with pytest.raises(InvalidResponseError, match="was not decoded in time"):
        await _decode_by(-1.0)
    await asyncio.sleep(0.01)
    assert not stuck_decoder["running"].is_set()


# Redirects


@pytest.mark.parametrize("status", sorted(REDIRECT_STATUSES))
@pytest.mark.parametrize(
    ("location", "final"),
    [
        ("../Demo/json", "/pypi/Demo/json"),
        ("/moved/demo/json", "/moved/demo/json"),
        ("{origin}/moved/demo/json", "/moved/demo/json"),
    ],
    ids=["relative", "root-relative", "absolute"],
)
async def test_redirects_are_followed_hop_by_hop(
    serve: Serve, status: int, location: str, final: str
) -> None:
    """Each redirect status is followed to its Location on the same origin, with the
    same headers."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path == "/pypi/demo/json":
            target = location.format(origin=request.url.origin())
            return web.Response(status=status, headers={"Location": target})
        return await _json()(request)

    site = await serve(handler)
    async with _client(site.url, user_agent="bench/1") as pypi:
        document = await pypi.get_json("demo", if_none_match='"e"')
    assert document.url == site.url + final
    assert document.data == DOCUMENT
    assert site.targets == ["/pypi/demo/json", final]
    for seen in site.seen:
        assert seen.headers["User-Agent"] == "bench/1"
        assert seen.headers["If-None-Match"] == '"e"'


@pytest.mark.parametrize("status", sorted(REDIRECT_STATUSES))
@pytest.mark.parametrize(
    "location",
    [
        "{mirror}/pypi/demo/json",
        "//{mirror_authority}/pypi/demo/json",
        "{localhost}/pypi/demo/json",
    ],
    ids=["another-port", "scheme-relative", "another-host-name"],
)
async def test_redirects_off_the_origin_are_refused(
    serve: Serve, status: int, location: str
) -> None:
    """Without ``check_url``, a redirect to another origin (another port, or another
    name for the address) is invalid data; its target is never asked."""
    mirror = await serve(_json())
    target = location.format(
        mirror=mirror.url,
        mirror_authority=mirror.url.removeprefix("http://"),
        localhost=mirror.url.replace("127.0.0.1", "localhost"),
    )
    site = await serve(_redirect(status, target))
    async with _client(site.url) as pypi:
        with pytest.raises(InvalidResponseError, match="redirected to another origin"):
            await pypi.get_json("demo")
    assert site.targets == ["/pypi/demo/json"]
    assert mirror.seen == []


@pytest.mark.parametrize(
    ("max_redirects", "hops"),
    [(0, 0), (0, 1), (2, 2), (2, 3), (5, 5), (5, 50)],
)
async def test_redirect_chains_are_bounded(serve: Serve, max_redirects: int, hops: int) -> None:
    """Up to ``max_redirects`` hops are followed; one more is refused, unrequested."""

    async def chain(request: web.Request) -> web.StreamResponse:
        step = int(request.path.rsplit("/", 1)[1]) if request.path.startswith("/hop/") else 0
        if step < hops:
            return web.Response(status=302, headers={"Location": f"/hop/{step + 1}"})
        return await _json()(request)

    site = await serve(chain)
    async with _client(site.url, max_redirects=max_redirects) as pypi:
        if hops <= max_redirects:
            document = await pypi.get_json("demo")
            assert document.data == DOCUMENT
        else:
            with pytest.raises(InvalidResponseError, match="redirected too many times"):
                await pypi.get_json("demo")
    requests = min(hops, max_redirects) + 1
    assert site.targets == ["/pypi/demo/json", *(f"/hop/{n}" for n in range(1, requests))]


@pytest.mark.parametrize(
    ("status", "headers"),
    [(302, {}), (300, {"Location": "/elsewhere"}), (304, {"Location": "/elsewhere"})],
    ids=["without-location", "multiple-choices", "unconditional-304"],
)
async def test_answers_that_are_not_followed(
    serve: Serve, status: int, headers: dict[str, str]
) -> None:
    """A redirect without Location, or another 3xx, is an HTTPError, not a redirect."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers=headers)

    site = await serve(handler)
    async with _client(site.url) as pypi:
        with pytest.raises(HTTPError) as caught:
            await pypi.get("demo")
    assert caught.value.status_code == status
    assert site.targets == ["/pypi/demo/json"]


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("ftp://127.0.0.1/demo/json", "redirected to 'ftp://127.0.0.1/demo/json'; refused"),
        ("file:///etc/passwd", "redirected to 'file:///etc/passwd'; refused"),
        ("javascript:alert(1)", "redirected to 'javascript:alert(1)'; refused"),
        ("https:///demo/json", "redirected to 'https:///demo/json'; refused"),
        ("http://[::1", "redirected to an invalid URL"),
        ("http://127.0.0.1:99999/", "redirected to an invalid URL"),
    ],
)
async def test_refused_redirect_targets(serve: Serve, location: str, message: str) -> None:
    """A Location that is no http(s) URL with a host, or no URL at all, is refused."""
    site = await serve(_redirect(302, location))
    async with _client(site.url) as pypi:
        with pytest.raises(InvalidResponseError, match=re.escape(message)):
            await pypi.get("demo")
    assert site.targets == ["/pypi/demo/json"]


async def test_check_url_vets_every_hop(serve: Serve) -> None:
    """``check_url`` sees the first URL and each redirect, in order, before it is requested."""
    checked: list[str] = []
    mirror = await serve(_json())
    first = await serve(_redirect(307, f"{mirror.url}/pypi/demo/json"))
    site = await serve(_redirect(301, f"{first.url}/pypi/demo/json"))
    async with _client(site.url, check_url=checked.append) as pypi:
        await pypi.get("demo")
    assert checked == [f"{server.url}/pypi/demo/json" for server in (site, first, mirror)]


async def test_check_url_refuses_a_redirect_before_it_is_requested(serve: Serve) -> None:
    """A redirect ``check_url`` refuses raises its error; the server never sees it."""
    checked: list[str] = []

    def check(url: str) -> None:
        checked.append(url)
        if "/private/" in url:
            raise InvalidParameterError("pypiBaseUrl", "not an allowed registry")

    site = await serve(_redirect(302, "/private/demo/json"))
    async with _client(site.url, check_url=check) as pypi:
        with pytest.raises(InvalidParameterError, match="not an allowed registry"):
            await pypi.get("demo")
    assert checked == [f"{site.url}/pypi/demo/json", f"{site.url}/private/demo/json"]
    assert site.targets == ["/pypi/demo/json"]


async def test_check_url_refuses_the_first_url(serve: Serve) -> None:
    """A first URL ``check_url`` refuses is never requested."""

    def refuse(url: str) -> None:
        raise InvalidParameterError("pypiBaseUrl", "not an allowed registry")

    site = await serve(_json())
    async with _client(site.url, check_url=refuse) as pypi:
        with pytest.raises(InvalidParameterError):
            await pypi.get("demo")
    assert site.seen == []


BASE = "https://pypi.org/pypi/Demo/json"


@pytest.mark.parametrize(
    ("location", "target"),
    [
        ("/pypi/demo/json", "https://pypi.org/pypi/demo/json"),
        ("../demo/json", "https://pypi.org/pypi/demo/json"),
        ("1.0/json", "https://pypi.org/pypi/Demo/1.0/json"),
        ("?page=2", "https://pypi.org/pypi/Demo/json?page=2"),
        ("//mirror.example/pypi/demo/json", "https://mirror.example/pypi/demo/json"),
        ("http://mirror.example:8080/x", "http://mirror.example:8080/x"),
        ("HTTPS://Mirror.Example/x", "https://mirror.example/x"),
        ("https://[::1]/x", "https://[::1]/x"),
    ],
)
def test_redirect_target(location: str, target: str) -> None:
    """A Location is resolved against the URL that sent it."""
    assert redirect_target(BASE, location) == target


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("ftp://mirror.example/x", "redirected to 'ftp://mirror.example/x'; refused"),
        ("file:///etc/passwd", "refused"),
        ("javascript:alert(1)", "refused"),
        ("data:text/plain,hi", "refused"),
        ("mailto:admin@pypi.org", "refused"),
        ("http:///x", "redirected to 'http:///x'; refused"),
        ("http:", "redirected to 'http://'; refused"),
        ("http://[::1", "redirected to an invalid URL"),
        ("https://mirror.example:99999/", "invalid URL"),
        ("http://:80/x", "invalid URL"),
    ],
)
def test_redirect_target_refusals(location: str, message: str) -> None:
    """A Location that is no absolute http(s) URL with a host raises InvalidResponseError."""
    with pytest.raises(InvalidResponseError, match=re.escape(message)) as caught:
        redirect_target(BASE, location)
    assert str(caught.value).startswith(f"{BASE} redirected to ")


# The connection pool


@pytest.mark.parametrize(
    ("options", "timeout", "limit"),
    [({}, DEFAULT_TIMEOUT, DEFAULT_CONNECTIONS), ({"timeout": 3.0, "connections": 7}, 3.0, 7)],
)
async def test_client_session_settings(options: dict[str, Any], timeout: float, limit: int) -> None:
    """The pool: its total timeout, connection limit, no environment, no cookies, inflation."""
    session = client_session(**options)
    try:
        assert session.timeout.total == timeout
        assert session.connector is not None
        assert session.connector.limit == limit
        assert not session.trust_env
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
        assert session.auto_decompress
    finally:
        await session.close()


async def test_client_session_keeps_no_cookies(serve: Serve) -> None:
    """A cookie an upstream sets is not sent back."""
    site = await serve(_json(headers={"Set-Cookie": "session=1; Path=/"}))
    session = client_session()
    try:
        async with _client(site.url, session=session) as pypi:
            await pypi.get("demo")
            await pypi.get("demo")
    finally:
        await session.close()
    assert [("Cookie" in seen.headers) for seen in site.seen] == [False, False]


@pytest.mark.parametrize("trust_env", [True, False])
async def test_the_environment_proxy_is_used_only_when_trusted(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, trust_env: bool
) -> None:
    """With trust_env, HTTP_PROXY is used; without it, the upstream is asked directly."""
    origin = await serve(_json())
    proxy = await serve(_json())
    _proxy_environment(monkeypatch, proxy.url)
    async with _client(origin.url, trust_env=trust_env) as pypi:
        await pypi.get("demo")
        await pypi.get("demo")
    assert proxy.targets == ([f"{origin.url}/pypi/demo/json"] * 2 if trust_env else [])
    assert origin.targets == ([] if trust_env else ["/pypi/demo/json"] * 2)


@pytest.mark.parametrize(
    ("environment", "url", "proxy"),
    [
        ({}, "http://pypi.example/x", None),
        ({"HTTP_PROXY": "http://proxy:3128"}, "http://pypi.example/x", "http://proxy:3128"),
        ({"HTTP_PROXY": "http://proxy:3128"}, "https://pypi.example/x", None),
        ({"https_proxy": "http://tls:3128"}, "https://pypi.example/x", "http://tls:3128"),
        ({"ALL_PROXY": "http://any:3128"}, "https://pypi.example/x", "http://any:3128"),
        (
            {"HTTPS_PROXY": "http://tls:3128", "NO_PROXY": "pypi.example"},
            "https://pypi.example/x",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://tls:3128", "NO_PROXY": ".example"},
            "https://files.example/x",
            None,
        ),
    ],
)
def test_environment_proxy(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str, proxy: str | None
) -> None:
    """The proxy named for the URL's scheme (or ALL_PROXY), unless NO_PROXY exempts it."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert environment_proxy(url) == proxy


def test_proxies_are_looked_up_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client asks the environment once per scheme and host, and forgets past a bound."""
    asked: list[str] = []

    def lookup(url: str) -> str | None:
        asked.append(url)
        return None

    monkeypatch.setattr(_async, "environment_proxy", lookup)
    client = AsyncPyPIClient()
    for path in ("a", "a", "pypi/b/json"):
        assert client._proxy(f"https://pypi.example/{path}") is None
    assert client._proxy("https://pypi.example") is None  # no path: the origin itself
    assert asked == ["https://pypi.example/a"]
    for n in range(MAX_PROXY_HOSTS + 1):
        client._proxy(f"https://host{n}.example/")
    assert len(client._proxies) <= MAX_PROXY_HOSTS
    assert AsyncPyPIClient(trust_env=False)._proxy("https://pypi.example/a") is None


def test_proxy_of_an_invalid_url_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL urlsplit refuses has no proxy (aiohttp then refuses it as invalid)."""
    monkeypatch.setenv("all_proxy", "http://proxy.example:3128")
    assert AsyncPyPIClient()._proxy("http://[::1/x") is None
    assert AsyncPyPIClient()._proxy("no-scheme") == "http://proxy.example:3128"


class LoopbackResolver(AbstractResolver):
    """Resolves every host name to 127.0.0.1, recording the names asked for."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.hosts.append(host)
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        """Nothing to release."""


async def test_client_session_uses_the_given_resolver(serve: Serve) -> None:
    """Host names are resolved by the pool's resolver."""
    site = await serve(_json())
    port = URL(site.url).port
    resolver = LoopbackResolver()
    session = client_session(resolver=resolver)
    try:
        async with _client(f"http://pypi.test:{port}", session=session) as pypi:
            await pypi.get("demo")
    finally:
        await session.close()
    assert resolver.hosts == ["pypi.test"]
    assert site.seen[0].headers["Host"] == f"pypi.test:{port}"


@pytest.mark.parametrize(
    ("verify", "mode", "check_hostname"),
    [(True, ssl.CERT_REQUIRED, True), (False, ssl.CERT_NONE, False)],
)
def test_ssl_context(verify: bool, mode: ssl.VerifyMode, check_hostname: bool) -> None:
    """Certificates are verified unless ``verify`` is false."""
    context = ssl_context(verify)
    assert context.verify_mode == mode
    assert context.check_hostname is check_hostname


def test_ssl_context_given() -> None:
    """A given SSL context is used as it is."""
    context = ssl.create_default_context()
    assert ssl_context(context) is context
