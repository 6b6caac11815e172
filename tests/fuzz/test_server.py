"""Bad bytes on the wire: a real ``pypins serve`` answers malformed requests and stays up."""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Iterator

import pytest

from pypins.routes import MAX_QUERY_LENGTH
from tests.fuzz.conftest import DOCUMENTED_STATUSES, InputCounts
from tests.support.service import Service
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow

#: What the server itself may answer a request it cannot parse with (uvicorn's own
#: answers), besides the statuses the service documents.
SERVER_REFUSALS = frozenset({400, 413, 414, 431})
HOST = b"Host: 127.0.0.1\r\n"
CLOSE = b"Connection: close\r\n"
#: "requests" in fullwidth letters.
FULLWIDTH = "\uff52\uff45\uff51\uff55\uff45\uff53\uff54\uff53"


def _get(target: bytes, *headers: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\n" + HOST + CLOSE + b"".join(headers) + b"\r\n"


#: (name, bytes sent, statuses allowed); ``None`` among them: closing without an answer.
CASES: list[tuple[str, bytes, frozenset[int | None]]] = [
    ("garbage request line", b"GARBAGE\r\n\r\n", frozenset({400, None})),
    ("method only", b"GET\r\n\r\n", frozenset({400, None})),
    ("empty lines first", b"\r\n\r\n" + _get(b"/healthz"), frozenset({200, 400})),
    ("unknown HTTP version", b"GET /healthz HTTP/9.9\r\n" + HOST + b"\r\n", frozenset({400, None})),
    (
        "TLS hello on plain HTTP",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
        frozenset({400, None}),
    ),
    (
        "lower-case method",
        b"get /healthz HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n",
        frozenset({400, 405}),
    ),
    (
        "CONNECT",
        b"CONNECT 127.0.0.1:22 HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n",
        frozenset({400, 405}),
    ),
    (
        "POST with a body",
        b"POST /pypi/v/requests.svg HTTP/1.1\r\n"
        + HOST
        + CLOSE
        + b"Content-Length: 5\r\n\r\nhello",
        frozenset({405}),
    ),
    (
        "Content-Length and Transfer-Encoding",
        b"GET /healthz HTTP/1.1\r\n"
        + HOST
        + CLOSE
        + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        frozenset({200, 400}),
    ),
    ("raw non-UTF-8 path", _get(b"/pypi/v/\xff\xfe\xc0\xaf.svg"), frozenset({200, 400})),
    (
        "raw UTF-8 path",
        _get(f"/pypi/v/{FULLWIDTH}.svg".encode()),
        frozenset({200, 400}),
    ),
    ("percent-encoded NUL", _get(b"/pypi/v/requests%00.svg"), frozenset({200, 400})),
    ("raw NUL", _get(b"/pypi/v/requests\x00.svg"), frozenset({400, None})),
    ("invalid escapes", _get(b"/pypi/v/%ZZ%.svg?label=%G0"), frozenset({200, 400})),
    (
        "overlong UTF-8 dots",
        _get(b"/pypi/v/%c0%ae%c0%ae%2f%c0%ae%c0%ae.svg"),
        frozenset({200, 400, 404}),
    ),
    ("dot-dot traversal", _get(b"/../../../../etc/passwd"), frozenset({400, 404})),
    ("encoded traversal", _get(b"/pypi/v/..%2F..%2F..%2Fetc%2Fpasswd.svg"), frozenset({400, 404})),
    ("backslash traversal", _get(b"/..\\..\\etc\\passwd"), frozenset({400, 404})),
    ("absolute-form URI", _get(b"http://evil.example/pypi/v/requests.svg"), frozenset({200, 400})),
    ("absolute-form other scheme", _get(b"file:///etc/passwd"), frozenset({400, 404})),
    ("asterisk-form", _get(b"*"), frozenset({400, 404})),
    ("very long URL", _get(b"/pypi/v/" + b"a" * 9000 + b".svg"), SERVER_REFUSALS | {414}),
    (
        "very long query",
        _get(b"/pypi/v/requests.svg?label=" + b"b" * (MAX_QUERY_LENGTH + 1)),
        SERVER_REFUSALS | {414},
    ),
    (
        "overlong header",
        _get(b"/healthz", b"X-Big: " + b"a" * 200_000 + b"\r\n"),
        SERVER_REFUSALS | {200},
    ),
    (
        "many headers",
        _get(b"/healthz", *(b"X-%d: v\r\n" % n for n in range(2000))),
        SERVER_REFUSALS | {200},
    ),
    ("NUL in a header", _get(b"/healthz", b"X-A: a\x00b\r\n"), frozenset({200, 400})),
    ("header without colon", _get(b"/healthz", b"NoColonHere\r\n"), frozenset({400})),
    (
        "bare LF line ends",
        b"GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n",
        frozenset({200, 400}),
    ),
    (
        "random If-None-Match",
        _get(b"/pypi/v/requests.svg", b'If-None-Match: "\xff", W/*\r\n'),
        frozenset({200, 304, 400}),
    ),
]


def _exchange(port: int, payload: bytes, timeout: float = 30.0) -> bytes:
    """Send ``payload`` on a fresh connection; everything read until the server closes.

    ``timeout`` is only a backstop for a server that never closes: every payload asks to
    close, and a head left unfinished is closed at the server's head deadline (10 s), so
    a slow, busy machine makes this wait longer, never fail."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        with contextlib.suppress(OSError):  # the server may refuse before reading it all
            connection.sendall(payload)
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = connection.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def _status(answer: bytes) -> int | None:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(match[1]) if match else None


@pytest.fixture(scope="module")
def server(upstream_server: Upstream) -> Iterator[Service]:
    """One ``pypins serve`` on the loopback upstream for the module."""
    args = ("--pypi-url", upstream_server.pypi_url, "--stats-url", upstream_server.stats_url)
    with Service(*args, "--log-level", "warning", env={"PYPINS_POLL_INTERVAL": "0"}) as service:
        yield service


@pytest.mark.parametrize(("name", "payload", "allowed"), CASES, ids=[case[0] for case in CASES])
def test_malformed_requests(
    server: Service, counts: InputCounts, name: str, payload: bytes, allowed: frozenset[int | None]
) -> None:
    """The server answers bad bytes with a documented status or a 4xx of its own, leaks
    nothing, and still answers ``/healthz`` afterwards."""
    answer = _exchange(server.port, payload)
    status = _status(answer)
    counts.add("raw-requests", status)
    assert status in allowed, (name, answer[:300])
    assert status is None or status in DOCUMENTED_STATUSES | SERVER_REFUSALS, status
    assert len(re.findall(rb"(?:^|\r\n)HTTP/1\.[01] \d{3} ", answer)) <= 1, "two answers"
    assert b"root:" not in answer
    health = _exchange(server.port, _get(b"/healthz"))
    assert _status(health) == 200, server.output()
    assert server.process is not None
    assert server.process.poll() is None


def test_pipelined_requests_are_all_answered(server: Service, counts: InputCounts) -> None:
    """Two requests in one packet, the first malformed in its query, both get answers."""
    payload = b"GET /pypi/v/requests.svg?%%%=%ZZ HTTP/1.1\r\n" + HOST + b"\r\n" + _get(b"/healthz")
    answer = _exchange(server.port, payload)
    counts.add("raw-requests", _status(answer))
    assert [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)] == [200, 200]


def test_redirect_of_an_encoded_line_break(server: Service, counts: InputCounts) -> None:
    """``%0D%0A`` in a redirected path stays encoded in ``Location``: a 301, no new header."""
    answer = _exchange(server.port, _get(b"/pypi/djversions/a%0D%0ASet-Cookie:%20pwned=1.svg"))
    counts.add("raw-requests", _status(answer))
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"\r\nset-cookie:" not in head
    assert _status(answer) == 301, answer[:300]
