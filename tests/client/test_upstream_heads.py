"""Both clients against upstream heads a well-behaved server would not send: validators
no request can carry back, interim (1xx) answers before the answer, and redirects off
the origin. Raw loopback servers write the bytes; each test runs the blocking client
(in a thread) and the asyncio client alike."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest

from pypins.client import AsyncPyPIClient, JSONDocument, PyPIClient
from pypins.errors import InvalidResponseError, PypinsError, UpstreamUnavailableError
from tests.support.trap import Trap
from tests.support.upstream import Upstream

if TYPE_CHECKING:
    from tests.client.conftest import Clients, RawAnswer, RawSite, ServeRaw

DOCUMENT = {"info": {"name": "demo", "version": "1.0"}, "urls": [], "releases": {"1.0": []}}
BODY = json.dumps(DOCUMENT).encode()


def answer(*heads: bytes, status: bytes = b"200 OK", headers: bytes = b"") -> RawAnswer:
    """Writes ``heads`` (interim answers), then the document with ``headers``, for every
    request of the connection."""
    final = (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: application/json\r\n"
        + headers
        + b"Content-Length: %d\r\n\r\n" % len(BODY)
        + BODY
    )

    async def respond(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            writer.write(b"".join(heads) + final)
            await writer.drain()
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return

    return respond


async def get_json(kind: str, site: RawSite, **options: Any) -> JSONDocument:
    """The document ``demo`` fetched from ``site`` by a fresh client of ``kind``."""
    base = f"{site.url}/pypi"
    if kind == "sync":

        def fetch() -> JSONDocument:
            with PyPIClient(base, timeout=5.0) as client:
                return client.get_json("demo", **options)

        return await asyncio.to_thread(fetch)
    async with AsyncPyPIClient(base, timeout=5.0, trust_env=False) as client:
        return await client.get_json("demo", **options)


def heads_sent(site: RawSite) -> list[bytes]:
    """The request heads ``site`` received, lower-cased."""
    return [head.lower() for head in site.heads]


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which client a test runs."""
    param: str = request.param
    return param


# Validators


@pytest.mark.parametrize(
    "value",
    [b'"a\tb"', b'"a\x7fb"', b'"a\x01b"', b'"a\xe9b"', b'"\xc3\xa9"'],
    ids=["tab", "delete", "control", "latin-1", "utf-8"],
)
async def test_an_unsendable_validator_is_dropped(
    serve_raw: ServeRaw, kind: str, value: bytes
) -> None:
    """An ETag or Last-Modified no request can carry back is not kept: the document is
    read, its validators are None, and the next request asks without them."""
    site = await serve_raw(
        answer(headers=b"ETag: " + value + b"\r\nLast-Modified: " + value + b"\r\n")
    )
    first = await get_json(kind, site)
    assert first.data == DOCUMENT
    assert (first.validators.etag, first.validators.last_modified) == (None, None)
    again = await get_json(
        kind,
        site,
        if_none_match=first.validators.etag,
        if_modified_since=first.validators.last_modified,
    )
    assert again.data == DOCUMENT
    assert all(b"if-none-match" not in head for head in heads_sent(site))


@pytest.mark.parametrize("value", ['"a\tb"', '"a\x7fb"', '"\udce9"', '"é"'])
async def test_an_unsendable_validator_given_is_left_out(
    serve_raw: ServeRaw, kind: str, value: str
) -> None:
    """Given such a validator anyway (a record kept from before), the request is made
    without it, and a 304 to it would not be taken for an answer."""
    site = await serve_raw(answer())
    document = await get_json(kind, site, if_none_match=value, if_modified_since=value)
    assert document.data == DOCUMENT
    assert b"if-none-match" not in heads_sent(site)[0]
    assert b"if-modified-since" not in heads_sent(site)[0]


async def test_a_sendable_validator_is_sent_back(serve_raw: ServeRaw, kind: str) -> None:
    """A validator of visible ASCII goes back as the upstream wrote it."""
    site = await serve_raw(answer(headers=b'ETag: W/"a b"\r\n'))
    first = await get_json(kind, site)
    assert first.validators.etag == 'W/"a b"'
    await get_json(kind, site, if_none_match=first.validators.etag)
    assert b'if-none-match: w/"a b"' in heads_sent(site)[1]


# Interim answers


@pytest.mark.parametrize(
    "heads",
    [
        [b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"],
        [b"HTTP/1.1 100 Continue\r\n\r\n"],
        [b"HTTP/1.1 102 Processing\r\n\r\n"],
        [
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\n",
            b"HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\n\r\n",
        ],
    ],
    ids=["early-hints", "continue", "processing", "several"],
)
async def test_interim_answers_are_skipped(
    serve_raw: ServeRaw, kind: str, heads: list[bytes]
) -> None:
    """Interim answers before the final one are read past: the final answer is the
    document, on a connection still fit for the next request."""
    site = await serve_raw(answer(*heads, headers=b'ETag: "final"\r\n'))
    document = await get_json(kind, site)
    assert document.data == DOCUMENT
    assert document.validators.etag == '"final"'


async def test_an_interim_answer_alone_is_no_answer(serve_raw: ServeRaw, kind: str) -> None:
    """An upstream that sends an interim answer, then hangs up, gave no answer: an
    upstream error, never a document."""

    async def interim_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n")
        await writer.drain()

    site = await serve_raw(interim_only)
    with pytest.raises((UpstreamUnavailableError, InvalidResponseError)):
        await get_json(kind, site)


# Redirects off the origin


@pytest.mark.parametrize(
    "path",
    [
        "/pypi/six/json",
        "/simple/six/",
        "/api/packages/six/recent",
        "/rss/updates.xml",
        "/integrity/six/1.17.0/six-1.17.0.tar.gz/provenance",
    ],
)
def test_every_upstream_keeps_its_redirects_on_its_origin(
    clients: Clients, upstream: Upstream, trap: Trap, path: str
) -> None:
    """A redirect from any configured upstream (JSON API, Simple API, pypistats, feeds,
    Integrity API) to another port of the same host is refused as invalid data, and the
    port is never dialled."""
    upstream.inject(path, status=302, headers={"Location": f"http://127.0.0.1:{trap.port}/x"})
    calls = {
        "/pypi/six/json": lambda: clients.get("six"),
        "/simple/six/": lambda: clients.simple("six"),
        "/api/packages/six/recent": lambda: clients.downloads("six"),
        "/rss/updates.xml": clients.latest_updated_packages,
        "/integrity/six/1.17.0/six-1.17.0.tar.gz/provenance": lambda: clients.provenance(
            "six", "1.17.0", "six-1.17.0.tar.gz"
        ),
    }
    with pytest.raises(InvalidResponseError, match="redirected to another origin"):
        calls[path]()
    assert upstream.count(path) == 1
    assert trap.connections == 0


def test_same_origin_redirects_still_work(clients: Clients, upstream: Upstream) -> None:
    """PyPI's own redirect of a name in another spelling stays on its origin: followed."""
    assert clients.get("SIX").name == "six"
    assert upstream.count("/pypi/SIX/json") == 1


def test_only_documented_errors(clients: Clients, upstream: Upstream) -> None:
    """Whatever the Location, the answer is a document or one of pypins' errors."""
    for location in ("http://[::1", "ftp://x/", "//127.0.0.1:1/", "http://127.0.0.1:99999/"):
        upstream.inject("/pypi/six/json", status=301, headers={"Location": location}, times=1)
        with pytest.raises(PypinsError):
            clients.get("six")
