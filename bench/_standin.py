"""A lean upstream for the cold-mix runs: the loopback stand-in's answers, replayed.

The cold mix of ``bench/serving.py`` sends about a thousand misses a second upstream.
The test suite's stand-in (``tests/support/upstream.py``: ``http.server``, a thread per
connection, a document built per name) spends hundreds of microseconds of CPU on each,
taken from the cores the worker under test runs on (each cold run of
``bench/serving.py`` prints the upstream's CPU; ``--standin threaded`` selects that
stand-in). Upstream CPU is not pypins' cost (PyPI does not run on the badge server),
so the benchmark uses this one:

* it captures the answers it needs from the real stand-in once, at start-up: the
  cached badge's document and the template of the miss packages;
* it serves them from one asyncio process: ``/pypi/synthetic-<template>-<n>/json`` is
  the template's answer renamed (the stand-in's own rule: the name replaced in
  ``info.name`` and the project URLs; the ETag recomputed as the stand-in computes
  it), sent ``delay`` seconds after the request arrived, without a thread;
* captured paths are answered at once, ``If-None-Match`` with 304, anything else 404;
* ``GET /__counts`` gives the requests seen, as JSON.

:func:`lean_upstream` checks, before any measurement, that a renamed answer is the
very answer the real stand-in gives (body and ETag), so the two serve the same bytes.

    python bench/_standin.py ANSWERS.json DELAY_MS    # run by lean_upstream
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx

#: The name the template answer is captured under; replaced by each miss's name.
CAPTURED_NAME = "synthetic-docopt-0"
SYNTHETIC = re.compile(rb"^/pypi/(synthetic-docopt-\d+)/json$")
NOT_FOUND = b'{"message": "Not Found"}'
#: Headers replayed from the captured answers (the rest are per response or left out).
REPLAYED = ("content-type", "last-modified", "cache-control", "x-pypi-last-serial")


@dataclass(frozen=True)
class LeanUpstream:
    """A running lean upstream: its URL (for ``PYPINS_PYPI_URL``) and its counts."""

    url: str
    pid: int

    @property
    def pypi_url(self) -> str:
        """The base URL of its JSON API."""
        return self.url + "/pypi"

    def counts(self) -> dict[str, int]:
        """Requests seen so far: ``synthetic``, ``captured``, ``unknown``."""
        reply = _get(self.url + "/__counts")
        return {str(k): int(v) for k, v in reply.json().items()}


def capture(pypi_url: str, path: str) -> dict[str, object]:
    """One answer of the real stand-in: status, replayed headers, body (base64)."""
    reply = _get(pypi_url.removesuffix("/pypi") + path)
    if reply.status_code != 200:
        raise RuntimeError(f"the stand-in answered {path} with {reply.status_code}")
    headers = [(name, reply.headers[name]) for name in REPLAYED if name in reply.headers]
    return {"headers": headers, "body": base64.b64encode(reply.content).decode("ascii")}


@contextlib.contextmanager
def lean_upstream(source_pypi_url: str, paths: list[str], delay: float) -> Iterator[LeanUpstream]:
    """Start a lean upstream replaying ``paths`` of the stand-in at ``source_pypi_url``
    and its miss template with ``delay`` seconds added; stop it (by PID) afterwards."""
    answers = {path: capture(source_pypi_url, path) for path in paths}
    answers["template"] = capture(source_pypi_url, f"/pypi/{CAPTURED_NAME}/json")
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as file:
        json.dump(answers, file)
        file.flush()
        process = subprocess.Popen(
            [sys.executable, __file__, file.name, str(delay * 1000)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = _first_line(process, timeout=30.0)
            if not line.startswith("port "):
                raise RuntimeError(f"the lean upstream did not start: {line!r}")
            lean = LeanUpstream(f"http://127.0.0.1:{int(line.split()[1])}", process.pid)
            _check_same_answer(source_pypi_url, lean)
            yield lean
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    return lines[0].strip() if lines else ""


def _check_same_answer(source_pypi_url: str, lean: LeanUpstream) -> None:
    """Both upstreams give a never-seen miss package the same body and ETag."""
    path = "/pypi/synthetic-docopt-987654321/json"
    real = _get(source_pypi_url.removesuffix("/pypi") + path)
    replayed = _get(lean.url + path)
    if (real.content, real.headers.get("etag")) != (
        replayed.content,
        replayed.headers.get("etag"),
    ):
        raise RuntimeError("the lean upstream's answer differs from the stand-in's")


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10.0, trust_env=False)


# -- the server process ---------------------------------------------------------------


class Answers:
    """The captured answers as ready bytes, and the counts."""

    def __init__(self, captured: dict[str, dict[str, object]], delay: float) -> None:
        self.delay = delay
        self.counts: collections.Counter[str] = collections.Counter()
        template = captured.pop("template")
        self.template_body = base64.b64decode(str(template["body"]))
        self.template_headers = _header_lines(template["headers"])
        self.captured: dict[bytes, tuple[bytes, bytes, bytes]] = {}
        for path, answer in captured.items():
            body = base64.b64decode(str(answer["body"]))
            etag = _etag(body)
            self.captured[path.encode()] = (
                _response(_header_lines(answer["headers"]), etag, body),
                _not_modified(etag),
                etag,
            )

    def answer(self, target: bytes, if_none_match: bytes | None) -> tuple[bytes, float]:
        """The response bytes for ``target`` and the seconds to wait before sending them."""
        path = target.partition(b"?")[0]
        if match := SYNTHETIC.fullmatch(path):
            self.counts["synthetic"] += 1
            body = self.template_body.replace(CAPTURED_NAME.encode(), match[1])
            etag = _etag(body)
            if if_none_match == etag:
                return _not_modified(etag), self.delay
            return _response(self.template_headers, etag, body), self.delay
        found = self.captured.get(path)
        if found is not None:
            self.counts["captured"] += 1
            full, not_modified, etag = found
            return (not_modified if if_none_match == etag else full), 0.0
        if path == b"/__counts":
            body = json.dumps(dict(self.counts)).encode()
            return _response(b"content-type: application/json\r\n", None, body), 0.0
        self.counts["unknown"] += 1
        head = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
        return head + b"content-length: %d\r\n\r\n" % len(NOT_FOUND) + NOT_FOUND, 0.0


def _header_lines(headers: object) -> bytes:
    assert isinstance(headers, list)
    return b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)


def _etag(body: bytes) -> bytes:
    """The real stand-in's ETag of ``body``."""
    return b'"' + hashlib.sha256(body).hexdigest()[:32].encode("ascii") + b'"'


def _response(header_lines: bytes, etag: bytes | None, body: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\n" + header_lines
    if etag is not None:
        head += b"etag: " + etag + b"\r\n"
    return head + b"content-length: %d\r\n\r\n" % len(body) + body


def _not_modified(etag: bytes) -> bytes:
    return b"HTTP/1.1 304 Not Modified\r\netag: " + etag + b"\r\n\r\n"


class Connection(asyncio.Protocol):
    """One keep-alive connection: requests parsed as they come, answered in order."""

    def __init__(self, answers: Answers) -> None:
        self.answers = answers
        self.loop = asyncio.get_running_loop()
        self.buffer = b""
        self.outbox: collections.deque[tuple[float, bytes]] = collections.deque()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                self._close()
                return
            if_none_match = None
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"if-none-match":
                    if_none_match = value.strip()
            response, delay = self.answers.answer(parts[1], if_none_match)
            # Answers leave in request order: a later one never overtakes a delayed one.
            due = self.loop.time() + delay
            if self.outbox:
                due = max(due, self.outbox[-1][0])
            self.outbox.append((due, response))
            if len(self.outbox) == 1:
                self.loop.call_at(due, self._flush)

    def _flush(self) -> None:
        now = self.loop.time()
        while self.outbox and self.outbox[0][0] <= now:
            _, response = self.outbox.popleft()
            if self.transport is not None and not self.transport.is_closing():
                self.transport.write(response)
        if self.outbox:
            self.loop.call_at(self.outbox[0][0], self._flush)

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(answers_file: str, delay_ms: float) -> None:
    """Serve on a free loopback port; print it; run until terminated."""
    captured = json.loads(Path(answers_file).read_text(encoding="utf-8"))
    answers = Answers(captured, delay_ms / 1000)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(answers), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"port {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        asyncio.run(serve(sys.argv[1], float(sys.argv[2])))
    else:
        uvloop.run(serve(sys.argv[1], float(sys.argv[2])))
