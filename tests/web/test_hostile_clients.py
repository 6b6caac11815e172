"""Hostile clients against a real ``pypins serve`` on loopback (issue 20): endless and
unfinished request heads, and more connections than a worker keeps.

Each attack is raw sockets to one worker, bounded in bytes and count. The tests wait
for events (an answer, the server closing) with generous timeouts and never assert how
long anything took; ``bench/hostile_heads.py`` measures the figures.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import sys
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.service import PYPINS, Service, worker_pids
from tests.support.upstream import Upstream

#: The cached badge.
BADGE = "/pypi/v/requests.svg"
#: A request line and a header: the start of every head sent here.
START = f"GET {BADGE} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
#: Half a head: the start, and a header that never ends.
HALF = START + b"X-Half: "
#: Seconds the module's worker gives a head.
HEAD_TIMEOUT = 1
#: Seconds a test waits for an answer or for the server to close, at most.
WAIT = 30.0


def serve(upstream: Upstream, command: list[str] | None = None, **env: str) -> Service:
    """A ``pypins serve`` with one worker on the loopback PyPI (``PYPINS_*`` from ``env``)."""
    return Service(
        *("--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url),
        *("--workers", "1", "--log-level", "warning"),
        command=command,
        env={"PYPINS_POLL_INTERVAL": "0", "PYPINS_USAGE_DB": "off", **env},
        start_timeout=30,
    )


@pytest.fixture(scope="module")
def service(upstream_server: Upstream) -> Iterator[Service]:
    """One worker giving heads :data:`HEAD_TIMEOUT` s, its badge :data:`BADGE` cached."""
    with serve(upstream_server, PYPINS_HEAD_TIMEOUT=str(HEAD_TIMEOUT)) as running:
        with httpx.Client(base_url=running.url, trust_env=False, timeout=WAIT) as client:
            client.get(BADGE).raise_for_status()
        yield running


def connect(port: int) -> socket.socket:
    """A connection to the worker."""
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT)


def read_to_end(sock: socket.socket) -> bytes:
    """Everything the server writes until it closes (within :data:`WAIT` seconds)."""
    sock.settimeout(WAIT)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def status(data: bytes) -> bytes:
    """The status line of the response in ``data``."""
    return data.partition(b"\r\n")[0]


def stream_endless_header(port: int, stop: threading.Event | None = None) -> tuple[int, bytes]:
    """Stream an endless header until the server answers or closes (64 MiB at most);
    the bytes sent, and everything the server wrote."""
    with connect(port) as sock:
        sock.sendall(START + b"X-Big: ")
        sent, block = 0, b"a" * 65536
        selector = selectors.DefaultSelector()
        selector.register(sock, selectors.EVENT_READ)
        with selector:
            while sent < 64 * 1024 * 1024 and not selector.select(0):
                if stop is not None and stop.is_set():
                    break
                try:
                    sock.sendall(block)
                except OSError:  # closed by the server, unread bytes reset
                    break
                sent += len(block)
        return sent, read_to_end(sock)


def test_an_endless_header_is_answered_431(service: Service) -> None:
    """An endless header is answered 431 long before 64 MiB, and the connection closed."""
    sent, answer = stream_endless_header(service.port)
    assert status(answer) == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert b"\r\nconnection: close\r\n" in answer
    assert sent < 64 * 1024 * 1024


def test_a_complete_20_mb_header_is_answered_431(service: Service) -> None:
    """A complete head with a 20 MB header gets 431, not the badge."""
    with connect(service.port) as sock:
        writer = threading.Thread(
            target=_send_quietly,
            args=(sock, START + b"X-Big: " + b"a" * 20_000_000 + b"\r\n\r\n"),
            daemon=True,
        )
        writer.start()
        answer = read_to_end(sock)
        writer.join(timeout=WAIT)
    assert status(answer) == b"HTTP/1.1 431 Request Header Fields Too Large"


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)


def test_a_long_url_is_answered_414(service: Service) -> None:
    """A URL longer than the head's bound gets 414."""
    with connect(service.port) as sock:
        _send_quietly(sock, b"GET /" + b"u" * 64 * 1024 + b" HTTP/1.1\r\n\r\n")
        assert status(read_to_end(sock)) == b"HTTP/1.1 414 Request-URI Too Long"


def test_cached_badges_are_answered_during_endless_headers(service: Service) -> None:
    """While endless headers stream in, one connection after another, the cached badge
    is answered on another connection, every time."""
    stop = threading.Event()
    answers: list[bytes] = []

    def attack() -> None:
        while not stop.is_set():
            answer = status(stream_endless_header(service.port, stop)[1])
            if not stop.is_set():  # a stream cut short is answered 408
                answers.append(answer)

    attacker = threading.Thread(target=attack, daemon=True)
    attacker.start()
    try:
        with httpx.Client(base_url=service.url, trust_env=False, timeout=WAIT) as client:
            for _ in range(200):
                assert client.get(BADGE).status_code == 200
    finally:
        stop.set()
        attacker.join(timeout=WAIT)
    assert answers
    assert set(answers) == {b"HTTP/1.1 431 Request Header Fields Too Large"}


def test_unfinished_heads_are_answered_408_and_closed(service: Service) -> None:
    """300 connections that send half a head each get 408 and are closed after the
    deadline; a plain request is answered meanwhile and afterwards."""
    sockets = [connect(service.port) for _ in range(300)]
    try:
        for sock in sockets:
            sock.sendall(HALF)
        with httpx.Client(base_url=service.url, trust_env=False, timeout=WAIT) as client:
            assert client.get(BADGE).status_code == 200
            answers = {status(read_to_end(sock)) for sock in sockets}
            assert answers == {b"HTTP/1.1 408 Request Timeout"}
            assert client.get(BADGE).status_code == 200
    finally:
        for sock in sockets:
            sock.close()


def test_a_trickled_head_is_answered_408(service: Service) -> None:
    """A head sent a byte at a time, each within the deadline, still gets 408: the
    deadline runs from its first byte."""
    stop = threading.Event()
    with connect(service.port) as sock:

        def trickle() -> None:
            for byte in HALF + b"a" * 100_000:
                if stop.wait(HEAD_TIMEOUT / 4):
                    return
                with contextlib.suppress(OSError):
                    sock.send(bytes([byte]))

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        try:
            assert status(read_to_end(sock)) == b"HTTP/1.1 408 Request Timeout"
        finally:
            stop.set()
            sender.join(timeout=WAIT)


# -- connections past the cap --------------------------------------------------------------


def test_past_the_cap_new_connections_are_refused_cleanly(upstream: Upstream) -> None:
    """With every place taken by a request being answered, a new connection is closed
    at once without a byte; once the answers are out, a client is served again."""
    cap = 8
    packages = [f"synthetic-requests-{n}" for n in range(cap)]
    with serve(upstream, PYPINS_MAX_CONNECTIONS=str(cap)) as running:
        upstream.inject("/pypi/synthetic-*", hang=True)
        busy = [connect(running.port) for _ in packages]
        try:
            for sock, package in zip(busy, packages, strict=True):
                sock.sendall(f"GET /pypi/v/{package}.svg HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            _wait_for(lambda: all(upstream.count(f"/pypi/{p}/json") for p in packages))
            with connect(running.port) as refused:
                assert read_to_end(refused) == b""
            upstream.clear_faults()
            for sock in busy:
                sock.settimeout(WAIT)
                assert status(sock.recv(65536)) == b"HTTP/1.1 200 OK"
            with httpx.Client(base_url=running.url, trust_env=False, timeout=WAIT) as client:
                assert client.get(BADGE).status_code == 200
        finally:
            upstream.clear_faults()
            for sock in busy:
                sock.close()


def test_past_the_cap_idle_connections_make_room(upstream: Upstream) -> None:
    """Past the cap of idle connections, each new one closes the oldest idle one: a
    client is served at once."""
    cap = 8
    with serve(upstream, PYPINS_MAX_CONNECTIONS=str(cap)) as running:
        idle = [connect(running.port) for _ in range(cap)]
        try:
            with httpx.Client(base_url=running.url, trust_env=False, timeout=WAIT) as client:
                assert client.get(BADGE).status_code == 200
            assert read_to_end(idle[0]) == b""
        finally:
            for sock in idle:
                sock.close()


#: Runs its arguments as a command under an open-files limit of ``argv[1]``.
LIMITED = (
    "import os, resource, sys; n = int(sys.argv[1]);"
    " resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)


@pytest.mark.parametrize("first", [b"", HALF], ids=["idle", "half-heads"])
def test_a_connection_flood_never_exhausts_file_descriptors(
    upstream: Upstream, first: bytes
) -> None:
    """Under an open-files limit of 256 (the cap derived from it: 128), 600 connections
    leave the worker with free descriptors: it logs no EMFILE and answers a client
    during the flood and after it."""
    nofile = 256
    command = [sys.executable, "-c", LIMITED, str(nofile), str(PYPINS), "serve"]
    with serve(upstream, command) as running:
        assert running.pid is not None
        (worker,) = _workers(running.pid)
        flood: list[socket.socket] = []
        try:
            for _ in range(600):
                sock = connect(running.port)
                flood.append(sock)
                if first:
                    sock.sendall(first)
            with httpx.Client(base_url=running.url, trust_env=False, timeout=WAIT) as client:
                assert client.get(BADGE).status_code == 200
                assert len(os.listdir(f"/proc/{worker}/fd")) < nofile
                kept = sum(_is_open(sock) for sock in flood)
                assert kept <= 128
                for sock in flood:
                    sock.close()
                flood.clear()
                assert client.get(BADGE).status_code == 200
        finally:
            for sock in flood:
                sock.close()
        output = running.output()
    assert "EMFILE" not in output
    assert "Too many open files" not in output


def _workers(pid: int) -> set[int]:
    """The worker processes of the server ``pid``, once started."""
    found: set[int] = set()

    def started() -> bool:
        found.update(worker_pids(pid))
        return bool(found)

    _wait_for(started)
    return found


def _is_open(sock: socket.socket) -> bool:
    """Whether the server has not closed ``sock``."""
    sock.setblocking(False)
    try:
        while True:
            if not sock.recv(65536):
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def _wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds (at most :data:`WAIT` seconds)."""
    event = threading.Event()
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return
        event.wait(0.02)
    raise AssertionError("the condition did not hold in time")
