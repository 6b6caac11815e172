"""A small, fast HTTP/1.1 load generator for the benchmarks (loopback only).

A general-purpose client's connection pool (httpx's) costs more per request than the
badge service under test, so the run would measure the client. Each worker here keeps
one keep-alive connection, writes a GET and reads the status line, the headers and a
``Content-Length`` body: enough for pypins, nginx and Varnish.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One response: status, lower-cased headers and body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Result:
    """What a run saw."""

    replies: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)


class Connection:
    """One keep-alive HTTP/1.1 connection to ``host:port``."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, timeout: float = 30.0) -> Reply:
        """GET ``target`` (path and query), reconnecting once if the peer closed."""
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await asyncio.wait_for(self._exchange(target), timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, target: str) -> Reply:
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await self.reader.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Reply(status, headers, body)

    async def close(self) -> None:
        """Close the connection."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def run(
    base_url: str,
    targets: Sequence[str],
    connections: int,
    on_reply: Callable[[str, Reply], None] | None = None,
) -> Result:
    """GET every target once, over ``connections`` concurrent keep-alive connections."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = Result()
    queue = iter(targets)

    async def worker() -> None:
        connection = Connection(host, port)
        try:
            for target in queue:
                started = time.perf_counter()
                reply = await connection.get(target)
                result.latencies.append(time.perf_counter() - started)
                result.replies += 1
                if on_reply is not None:
                    on_reply(target, reply)
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.monotonic() - started
    return result
