"""The async client's details, with httpx.MockTransport where that is clearer."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from pypins.client import AsyncPyPIClient, JSONDocument, PyPIClient, _http
from pypins.client._async import PARSE_IN_THREAD_BYTES
from pypins.errors import HTTPError, InvalidResponseError, UpstreamUnavailableError
from pypins.settings import DEFAULT_PYPI_URL, DEFAULT_STATS_URL, user_agent
from tests.support.upstream import Upstream

Handler = Callable[[httpx.Request], httpx.Response]
DOCUMENT = {"info": {"name": "demo", "version": "1.0"}, "urls": []}
BODY_SIZE = len(json.dumps(DOCUMENT).encode())


def _mock(handler: Handler) -> AsyncPyPIClient:
    return AsyncPyPIClient(http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))


@pytest.fixture
def decoding_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the threads that decode JSON documents, in order."""
    threads: list[int] = []
    decode = _http.json_document

    def recording(response: httpx.Response, content: bytes | None) -> JSONDocument:
        threads.append(threading.get_ident())
        return decode(response, content)

    monkeypatch.setattr(_http, "json_document", recording)
    return threads


def _json(status: int = 200, body: object = DOCUMENT, **headers: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)

    return handler


async def test_requests_go_to_the_documented_urls() -> None:
    """Project, version and stats URLs, with the User-Agent and Accept headers."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "pypistats" in str(request.url):
            return httpx.Response(200, json={"data": {"last_day": 1}})
        return httpx.Response(200, json=DOCUMENT)

    async with _mock(handler) as pypi:
        await pypi.get("Demo")
        await pypi.get("Demo", "1.0")
        await pypi.downloads("Demo_Pkg")
    assert [str(r.url) for r in seen] == [
        f"{DEFAULT_PYPI_URL}/Demo/json",
        f"{DEFAULT_PYPI_URL}/Demo/1.0/json",
        f"{DEFAULT_STATS_URL}/api/packages/demo-pkg/recent",
    ]
    assert all(r.headers["User-Agent"] == user_agent() for r in seen)
    assert seen[0].headers["Accept"] == "application/json"
    assert "If-None-Match" not in seen[0].headers


async def test_custom_user_agent_and_conditional_headers() -> None:
    """A given User-Agent is sent, and so are the conditional headers."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304, headers={"ETag": '"e"', "X-PyPI-Last-Serial": "9"})

    pypi = AsyncPyPIClient(
        user_agent="bench/1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    when = datetime(2026, 11, 21, 13, 52, 18, tzinfo=UTC)
    document = await pypi.get_json("demo", if_none_match='"e"', if_modified_since=when)
    assert document.not_modified
    assert document.validators.last_serial == 9
    assert seen[0].headers["User-Agent"] == "bench/1"
    assert seen[0].headers["If-None-Match"] == '"e"'
    assert seen[0].headers["If-Modified-Since"] == "Sat, 21 Nov 2026 13:52:18 GMT"
    await pypi.aclose()


async def test_declared_length_over_the_bound_is_refused_unread() -> None:
    """A Content-Length over the bound is refused before the body is read."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "999999999"}, content=b"{}")

    pypi = _mock(handler)
    pypi.max_response_bytes = 1000
    with pytest.raises(InvalidResponseError, match="larger than 1000 bytes"):
        await pypi.get("demo")


async def test_bound_applies_to_decompressed_bodies() -> None:
    """A small gzip body that inflates past the bound is refused."""
    bomb = gzip.compress(b" " * 2_000_000)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=bomb)

    pypi = _mock(handler)
    pypi.max_response_bytes = 100_000
    with pytest.raises(InvalidResponseError, match="larger than 100000 bytes"):
        await pypi.get("demo")


async def test_undecodable_body() -> None:
    """A body that claims gzip but is not raises InvalidResponseError."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip")

    with pytest.raises(InvalidResponseError, match="cannot be decoded"):
        await _mock(handler).get("demo")


@pytest.mark.parametrize(
    ("exception", "message"),
    [
        (httpx.ConnectError("refused"), "could not be reached"),
        (httpx.ConnectTimeout("slow"), "did not answer in time"),
        (httpx.ReadTimeout("slow"), "did not answer in time"),
        (httpx.RemoteProtocolError("bad"), "could not be reached"),
        (httpx.ReadError("reset"), "could not be reached"),
    ],
)
async def test_transport_errors(exception: Exception, message: str) -> None:
    """httpx transport errors (DNS, refused, reset, timeouts) become UpstreamUnavailableError."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    with pytest.raises(UpstreamUnavailableError, match=message) as caught:
        await _mock(handler).get("demo")
    assert caught.value.__cause__ is exception


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, "Not Found"), (503, "Service Unavailable"), (599, "Unknown Status")],
)
async def test_status_without_reason_phrase(status: int, reason: str) -> None:
    """Without a reason phrase (HTTP/2), the standard one is used."""
    with pytest.raises(HTTPError) as caught:
        await _mock(_json(status)).get("demo")
    assert (caught.value.status_code, caught.value.reason) == (status, reason)
    assert caught.value.url == f"{DEFAULT_PYPI_URL}/demo/json"


async def test_last_serial_from_the_header() -> None:
    """Without ``last_serial`` in the body, X-PyPI-Last-Serial fills it in."""
    package = await _mock(_json(**{"X-PyPI-Last-Serial": "42"})).get("demo")
    assert package.last_serial == 42
    package = await _mock(_json(**{"X-PyPI-Last-Serial": "soon"})).get("demo")
    assert package.last_serial is None
    body = {**DOCUMENT, "last_serial": 7}
    package = await _mock(_json(body=body, **{"X-PyPI-Last-Serial": "42"})).get("demo")
    assert package.last_serial == 7


async def test_json_document_of_a_non_object() -> None:
    """get_json insists on a JSON object."""
    with pytest.raises(InvalidResponseError, match="expected an object, got array"):
        await _mock(_json(body=[1, 2])).get_json("demo")


async def test_downloads_refuse_bad_answers() -> None:
    """A stats answer of the wrong shape raises InvalidResponseError."""
    with pytest.raises(InvalidResponseError, match="data: expected an object"):
        await _mock(_json(body={"data": None})).downloads("demo")


async def test_injected_client_is_left_open() -> None:
    """aclose() does not close an injected http_client; the own pool is closed."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(_json()))
    async with AsyncPyPIClient(http_client=http) as pypi:
        await pypi.get("demo")
    assert not http.is_closed
    await http.aclose()
    own = AsyncPyPIClient()
    await own.aclose()
    assert own._client.is_closed


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


@pytest.mark.parametrize(
    ("threshold", "in_thread"),
    [(None, False), (BODY_SIZE + 1, False), (BODY_SIZE, True), (0, True)],
)
async def test_large_bodies_are_decoded_in_a_worker_thread(
    threshold: int | None, in_thread: bool, decoding_threads: list[int]
) -> None:
    """Bodies of ``parse_in_thread_bytes`` or more are decoded off the loop, to the same."""
    transport = httpx.MockTransport(_json())
    pypi = AsyncPyPIClient(
        http_client=httpx.AsyncClient(transport=transport), parse_in_thread_bytes=threshold
    )
    document = await pypi.get_json("demo")
    assert document.data == DOCUMENT
    assert len(document.content) == BODY_SIZE
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

    def stuck(response: httpx.Response, content: bytes | None) -> JSONDocument:
        events["running"].set()
        events["release"].wait(5)
        events["finished"].set()
        return decode(response, content)

    monkeypatch.setattr(_http, "json_document", stuck)
    return events


async def _decode_by(budget: float) -> None:
    """Decode DOCUMENT in a worker thread with ``budget`` seconds left of the deadline."""
    body = json.dumps(DOCUMENT).encode()
    request = httpx.Request("GET", f"{DEFAULT_PYPI_URL}/demo/json")
    response = httpx.Response(200, content=body, request=request)
    async with AsyncPyPIClient(parse_in_thread_bytes=0) as pypi:
        await pypi._document(response, body, time.monotonic() + budget)


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
