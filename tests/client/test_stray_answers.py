"""An answer must answer the question: a stray response on a kept-alive connection.

An upstream (or something between) that writes one response too many on a kept-alive
connection gets it read as the answer to the next request on that connection, by
aiohttp and httpx alike. Only the document can tell: every client must
refuse an answer that describes another package, never return it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pypins.client import AsyncPyPIClient, PyPIClient, client_session
from pypins.errors import InvalidResponseError
from tests.client.conftest import RawSite, ServeRaw

#: Back-to-back requests, each for another package.
NAMES = [f"package-{number}" for number in range(20)]


def document(name: str) -> dict[str, Any]:
    """A minimal JSON API document of ``name``."""
    return {"info": {"name": name, "version": "1.0"}, "urls": [], "releases": {"1.0": []}}


def response(body: dict[str, Any]) -> bytes:
    """A complete keep-alive HTTP/1.1 response carrying ``body`` as JSON."""
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return head.encode() + b"\r\n" + data


async def stray_server(serve_raw: ServeRaw) -> RawSite:
    """A server that, on a connection kept alive, writes a stray answer (for a package
    nobody asked for) before it answers each request after the first: the client reads
    it as the answer to the request it just sent, then the right one as the next's."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = site.heads[-1]
        stray = b""
        while True:
            name = head.split(b" ", 2)[1].decode().split("/")[2]
            writer.write(stray + response(document(name)))
            await writer.drain()
            stray = response(document("intruder"))
            head = await reader.readuntil(b"\r\n\r\n")
            site.heads.append(head)

    site = await serve_raw(answer)
    return site


def check(outcomes: list[object]) -> None:
    """Every request got its own document or was refused, none another's; and the stray
    answers were read as answers (the client library did not notice them itself)."""
    for name, outcome in zip(NAMES, outcomes, strict=True):
        if isinstance(outcome, InvalidResponseError):
            assert "asked for" in str(outcome)
            continue
        assert outcome == name
    assert any(isinstance(outcome, InvalidResponseError) for outcome in outcomes)


async def test_the_async_client_refuses_a_stray_answer(serve_raw: ServeRaw) -> None:
    """aiohttp's pool reads the stray answer; no request returns it as its answer."""
    site = await stray_server(serve_raw)
    session = client_session(timeout=5.0)
    outcomes: list[object] = []
    try:
        async with AsyncPyPIClient(f"{site.url}/pypi", session=session) as pypi:
            for name in NAMES:
                try:
                    fetched = await pypi.get_json(name)
                except InvalidResponseError as error:
                    outcomes.append(error)
                    continue
                assert fetched.data is not None
                outcomes.append(fetched.data["info"]["name"])
    finally:
        await session.close()
    check(outcomes)


async def test_the_blocking_client_refuses_a_stray_answer(serve_raw: ServeRaw) -> None:
    """httpx's pool reads the stray answer too; the blocking client refuses it."""
    site = await stray_server(serve_raw)

    def fetch_all() -> list[object]:
        outcomes: list[object] = []
        with PyPIClient(f"{site.url}/pypi", timeout=5.0) as pypi:
            for name in NAMES:
                try:
                    outcomes.append(pypi.get(name).name)
                except InvalidResponseError as error:
                    outcomes.append(error)
        return outcomes

    check(await asyncio.to_thread(fetch_all))
