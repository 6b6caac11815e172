"""The HTTP/1.1 protocol ``pypins serve`` runs: uvicorn's, answering cached badges itself.

:class:`PypinsProtocol` is uvicorn's httptools protocol (llhttp's parser on uvloop)
with one addition. When a request's headers are complete and it is a ``GET`` or
``HEAD`` for a fresh entry of the app's hot index (:meth:`PypinsApp.lookup`), the
protocol writes the prepared bytes at once, in one ``write``. No ASGI scope, task or
message is made for it. The tallies, metrics and access log are the same as on the
ASGI path.

Every other request goes the ASGI way unchanged: a miss, another method, HTTP/1.0, an
upgrade, a request pipelined behind one still being answered, and a client that does
not read what it was sent (uvicorn then waits for the socket to drain). Its ASGI scope
is made only then, once its headers are in.

Answered in the parser callback, a cached badge costs no ASGI scope, task or message,
which are most of its cost behind an ASGI server; ``bench/servers.py`` measures it
against uvicorn's and granian's ASGI paths.
It extends uvicorn's protocol class, which is not a public API, so ``pyproject.toml``
pins uvicorn's minor version, and ``tests/web/test_protocol.py`` tests both paths.

The protocol also bounds what a client controls (:class:`ConnectionLimits`, one per
worker), as nginx does with ``large_client_header_buffers``, ``client_header_timeout``
and ``worker_connections``:

- **Head size.** A request head (request line and headers) of more than
  ``PYPINS_MAX_HEAD_BYTES`` is answered 431 (414 while still in its URL) and the
  connection closed. The bytes are counted before they reach the parser, which is fed
  no more than the head may still take: httptools joins a header's pieces by
  concatenation, so an endless header would cost quadratic time and unbounded memory.
- **Head time.** A head must be complete ``PYPINS_HEAD_TIMEOUT`` seconds after its
  first byte, however slowly it trickles in; then 408 and close. A connection waiting
  for its next request, or for its first, is closed after uvicorn's keep-alive timeout.
- **Connections.** At ``PYPINS_MAX_CONNECTIONS`` open connections (by default derived
  from the open-files limit, well below it), a new connection makes room by closing
  the oldest idle one, else the oldest still sending its head; if every connection is
  answering a request, the new one is closed at once. The worker never runs out of
  file descriptors, so its accept loop never fails.

Refusals are counted in ``pypins_badge_requests_total{kind="connection"}`` and logged
at most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
import weakref
from collections import Counter
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from pypins import settings
from pypins.config import ServiceConfig
from pypins.metrics import ResponseTag
from pypins.web.asgi import PypinsApp
from pypins.web.http import header_lines, not_modified

__all__ = ["REFUSAL_TAGS", "ConnectionLimits", "PypinsProtocol", "connection_cap"]

log = logging.getLogger("pypins")

#: Request methods answered from the hot index, as httptools gives them.
_READ_METHODS = frozenset({b"GET", b"HEAD"})
#: The end of a request head (llhttp takes no other).
_BLANK_LINE = b"\r\n\r\n"
#: Head bytes beyond the URL while a request line is still being read: the method, a
#: space, blank lines before it, `` HTTP/1.1``. A head over its bound within them is a
#: URL too long (414) rather than headers too large (431).
_REQUEST_LINE_SLACK = 24
#: Seconds between two log lines about refused requests and connections, at least.
LOG_INTERVAL = 60.0

#: What the protocol refuses or closes, and how each is logged.
REASONS = {
    "head_too_large": "heads over the size bound answered 431",
    "uri_too_long": "URLs over the head's size bound answered 414",
    "head_timeout": "heads not complete in time answered 408",
    "closed_idle": "idle connections closed to make room",
    "closed_head": "connections closed mid-head to make room",
    "refused": "new connections closed at the cap",
}
#: Each reason's tag in the request counts (``kind="connection"``).
REFUSAL_TAGS = {reason: ResponseTag("connection", "-", reason) for reason in REASONS}


class _Answered:
    """What ``cycle`` holds after a request answered here.

    uvicorn's parser callbacks (a body arriving, the message ending, the connection
    lost, a shutdown) ask the current cycle whether its response is complete; this one
    always is, and nothing waits on its event.
    """

    response_complete = True
    keep_alive = True
    message_event = asyncio.Event()


_ANSWERED: Any = _Answered()


def connection_cap(configured: int, open_files: int) -> int:
    """The connections a worker keeps open at most.

    ``configured`` (0: :data:`~pypins.settings.CONNECTIONS_CEILING`), never more than
    the open-files limit ``open_files`` leaves once
    :data:`~pypins.settings.RESERVED_DESCRIPTORS` are set aside (half of it, when the
    limit is that low), so that upstream connections, Redis and files always find one.
    """
    wanted = configured or settings.CONNECTIONS_CEILING
    if open_files == resource.RLIM_INFINITY:
        return wanted
    room = max(open_files - settings.RESERVED_DESCRIPTORS, open_files // 2)
    return max(1, min(wanted, room))


class ConnectionLimits:
    """One worker's bounds on its clients' request heads and connections, and the
    connections to close first when every place is taken.

    Shared by every connection of a worker (one per uvicorn ``ServerState``).
    """

    def __init__(self, *, max_head_bytes: int, head_timeout: float, max_connections: int) -> None:
        self.max_head_bytes = max_head_bytes
        self.head_timeout = head_timeout
        self.max_connections = max_connections
        #: The connections counted against the cap.
        self.open: set[PypinsProtocol] = set()
        #: Connections waiting for a request, nothing of it received, oldest first.
        self.idle: dict[PypinsProtocol, None] = {}
        #: Connections whose request head is under way, oldest first.
        self.heading: dict[PypinsProtocol, None] = {}
        #: What was refused or closed, by reason (:data:`REASONS`), since the start.
        self.counts: Counter[str] = Counter()
        self._logged: Counter[str] = Counter()
        self._logged_at = float("-inf")

    @classmethod
    def from_config(cls, config: ServiceConfig | None) -> ConnectionLimits:
        """The limits ``config`` sets (the defaults without one), the cap derived from
        this process's open-files limit."""
        config = ServiceConfig() if config is None else config
        open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        cap = connection_cap(config.max_connections, open_files)
        if config.max_connections and cap < config.max_connections:
            log.warning(
                "PYPINS_MAX_CONNECTIONS=%d leaves too few of the %d open files allowed:"
                " at most %d connections per worker",
                config.max_connections,
                open_files,
                cap,
            )
        return cls(
            max_head_bytes=config.max_head_bytes,
            head_timeout=config.head_timeout,
            max_connections=cap,
        )

    def admit(self, connection: PypinsProtocol) -> str | None:
        """Count ``connection`` in, making room at the cap; what was done to make room
        (a reason of :data:`REASONS`), or None when there was room.

        At the cap the oldest idle connection is closed, else the oldest still sending
        its head; when every connection is answering a request, ``connection`` is not
        counted in (``"refused"``): the caller closes it.
        """
        reason = None
        if len(self.open) >= self.max_connections:
            if self.idle:
                victim, reason = next(iter(self.idle)), "closed_idle"
            elif self.heading:
                victim, reason = next(iter(self.heading)), "closed_head"
            else:
                return "refused"
            self.forget(victim)
            victim.close_for_room()
        self.open.add(connection)
        return reason

    def forget(self, connection: PypinsProtocol) -> None:
        """Stop counting ``connection`` (closed, or about to be)."""
        self.open.discard(connection)
        self.idle.pop(connection, None)
        self.heading.pop(connection, None)

    def note(self, reason: str) -> None:
        """Count one refusal; log what was counted, at most once per :data:`LOG_INTERVAL`."""
        self.counts[reason] += 1
        now = time.monotonic()
        if now - self._logged_at < LOG_INTERVAL:
            return
        new = self.counts - self._logged
        self._logged, self._logged_at = self.counts.copy(), now
        log.warning(
            "clients refused (at most %d connections, %d-byte heads, %g s per head): %s",
            self.max_connections,
            self.max_head_bytes,
            self.head_timeout,
            "; ".join(f"{count} {REASONS[name]}" for name, count in sorted(new.items())),
        )


#: Each worker's limits, by the uvicorn server state its connections share.
_LIMITS: weakref.WeakKeyDictionary[ServerState, ConnectionLimits] = weakref.WeakKeyDictionary()


def limits_of(server_state: ServerState, app: PypinsApp | None) -> ConnectionLimits:
    """The limits of the worker whose server state is ``server_state`` (made on first use
    from ``app``'s configuration)."""
    limits = _LIMITS.get(server_state)
    if limits is None:
        config = None if app is None else app.service.config
        limits = _LIMITS[server_state] = ConnectionLimits.from_config(config)
    return limits


class PypinsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with cached badges answered in the parser callback
    and what clients control bounded."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.pypins = find_app(self.app)
        self.limits = limits_of(server_state, self.pypins)
        self.url = b""
        self.headers = []
        self._defaults: list[tuple[bytes, bytes]] | None = None
        self._default_lines = b""
        #: Whether the next bytes parsed belong to a request head (between two requests
        #: too), rather than to a body.
        self._reading_head = True
        #: Bytes of the request head under way (0: none begun).
        self._head_bytes = 0
        #: Heads completed, and body bytes parsed since the last of them, in the piece of
        #: data being parsed.
        self._heads_done = 0
        self._piece_body = 0
        #: The head's deadline, armed while a head is under way.
        self._head_timer: asyncio.TimerHandle | None = None
        #: The last bytes of data that ended within a head.
        self._tail = b""
        #: Refused, or closed to make room: what else it sends is not parsed.
        self._refused = False
        #: The status of a refusal written once the responses under way are (0: none).
        self._refusal = 0

    # -- the connection -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Count the connection in (making room at the cap, or closing it), and start
        its idle timer: a connection waits for its first request as for any other."""
        super().connection_made(transport)
        done = self.limits.admit(self)
        if done is not None:
            self._count(done)
        if done == "refused":
            self._refused = True
            transport.close()
            return
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )
        self.limits.idle[self] = None

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop counting the connection, then uvicorn's ending of it."""
        self.limits.forget(self)
        self._stop_head_clock()
        super().connection_lost(exc)

    def close_for_room(self) -> None:
        """Close this connection to make room for a new one (the limits no longer count it)."""
        self._refused = True
        self._stop_head_clock()
        self._unset_keepalive_if_required()
        self.transport.close()

    def _unset_keepalive_if_required(self) -> None:
        """uvicorn's: stop the idle timer; the connection is no longer idle."""
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
            self.limits.idle.pop(self, None)

    def on_response_complete(self) -> None:
        """uvicorn's: the next pipelined request is started, or the connection waits
        for one, idle; a refusal waiting for the responses before it is written then."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        elif self._refusal:
            self._write_refusal(self._refusal)
        else:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )
            if not self._head_bytes:
                self.limits.idle[self] = None

    # -- parsing, within bounds -----------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        """Parse ``data`` as uvicorn does, never feeding a head far past its size bound.

        The parser gets ``data`` in pieces of at most the bound, and while a head is under
        way, of at most what the head may still take: a head is refused (431, or 414)
        once it reaches the bound unfinished, unparsed beyond it. Its size is the bytes
        fed since it began, found from where the last head or body ended in the piece
        it began in (:meth:`_head_begun_in`).
        """
        self._unset_keepalive_if_required()
        if self._refused:
            return
        limit = self.limits.max_head_bytes
        end = len(data)
        try:
            if self._reading_head and not self._head_bytes and end <= limit:
                # The usual: data beginning a head, within the bound, fed whole.
                self._heads_done = self._piece_body = 0
                self.parser.feed_data(data)
                if (
                    self._reading_head
                    and not (
                        self._heads_done and not self._piece_body and data.endswith(_BLANK_LINE)
                    )
                    and self._measured(data, 0, end, True)
                ):
                    self._watch_head(data)
                return
            start = 0
            while start < end:
                room = limit - self._head_bytes if self._reading_head else limit
                stop = min(end, start + room)
                in_head = self._reading_head
                self._heads_done = self._piece_body = 0
                self.parser.feed_data(memoryview(data)[start:stop])
                if not self._measured(data, start, stop, in_head):
                    return
                start = stop
            self._watch_head(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def _measured(self, data: bytes, start: int, stop: int, in_head: bool) -> bool:
        """Count the bytes of the head under way once ``data[start:stop]`` is parsed
        (``in_head``: a head was under way, or about to begin, before it); refuse a head
        that reached the bound. Whether the connection goes on."""
        if not self._reading_head:
            return True
        if self._heads_done and not self._piece_body and data.endswith(_BLANK_LINE, start, stop):
            self._head_bytes = 0  # whole requests: none under way
        elif self._heads_done or not in_head:
            self._head_bytes = self._head_begun_in(data, start, stop)
        else:
            self._head_bytes += stop - start
        if self._head_bytes < self.limits.max_head_bytes:
            return True
        self._refuse_head()
        return False

    def _watch_head(self, data: bytes) -> None:
        """With a head under way at the end of ``data``, keep its last bytes (its blank
        line may end in the next data) and start its clock."""
        if self._head_bytes:
            self._tail = data[-3:]
            if self._head_timer is None:
                self._start_head_clock()

    def _head_begun_in(self, data: bytes, start: int, stop: int) -> int:
        """The bytes of the head under way at the end of ``data[start:stop]``, begun in it
        after a head or a body ended there.

        It begins after the last blank line (the end of a head, or of a chunked body)
        and after the body bytes that followed the last head, or began the piece. This
        is exact but for a body holding a blank line of its own, or a chunked one: the
        count is then smaller, by no more than the piece, so a head is never fed more
        than twice the bound.
        """
        blank = data.rfind(_BLANK_LINE, start, stop)
        if blank >= 0:
            after_blank = blank + len(_BLANK_LINE)
        elif self._heads_done:
            # The last head's blank line began before the piece and ends in its first
            # three bytes.
            before = data[max(0, start - 3) : start] if start else self._tail
            found = (before + data[start : start + 3]).find(_BLANK_LINE)
            after_blank = start + found + len(_BLANK_LINE) - len(before) if found >= 0 else start
        else:
            after_blank = start
        if self._heads_done:
            begun = after_blank + self._piece_body
        else:
            begun = max(after_blank, start + self._piece_body)
        return max(0, stop - begun)

    def on_message_begin(self) -> None:
        """Start a request: its URL and headers; the ASGI scope is made only if needed."""
        self.url = b""
        self.headers = []
        self.expect_100_continue = False

    def on_body(self, body: bytes) -> None:
        """uvicorn's, the bytes counted (a head may follow in the same piece)."""
        self._piece_body += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        """uvicorn's (a body's end for the ASGI path); the next bytes begin a head."""
        self._reading_head = True
        cycle = self.cycle
        if cycle.response_complete or (self.parser.should_upgrade() and self._should_upgrade()):
            return
        cycle.more_body = False
        cycle.message_event.set()

    def on_headers_complete(self) -> None:
        """Answer a cached badge here, or hand the request to uvicorn's ASGI path."""
        self._reading_head = False
        self._head_bytes = 0
        self._heads_done += 1
        self._piece_body = 0
        if self._head_timer is not None:
            self._stop_head_clock()
        if self._answer_cached():
            return
        # A hot answer just before, in the same packet, armed the keep-alive timer: no
        # timer may run while this request is answered.
        self._unset_keepalive_if_required()
        # uvicorn's own start of a request (the scope), with what was parsed since.
        url, headers, expect = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.expect_100_continue = url, expect
        self.headers = self.scope["headers"] = headers
        super().on_headers_complete()

    def _answer_cached(self) -> bool:
        """Write the hot index's answer to the request just parsed; whether it had one."""
        app = self.pypins
        parser = self.parser
        method = parser.get_method()
        if (
            app is None
            or method not in _READ_METHODS
            or parser.get_http_version() != "1.1"
            or not parser.should_keep_alive()
            or parser.should_upgrade()
            or (self.cycle is not None and not self.cycle.response_complete)
            or self.flow.write_paused
        ):
            return False
        url = self.url
        if url[:1] != b"/" or b"#" in url:
            return False  # absolute-form, or a fragment: uvicorn's URL parser decides
        started = time.perf_counter() if app.access_log is not None else 0.0
        raw_path, _, query = url.partition(b"?")
        served = app.lookup(raw_path, query)
        if served is None:
            return False
        response = served.response
        etag = response.etag
        if etag is not None and not_modified(self.headers, etag):
            head = response.not_modified_head()
            body = b""
            tag = served.tag.not_modified
        else:
            head = response.head()
            body = b"" if method == b"HEAD" else response.body
            tag = served.tag
        self.transport.write(b"".join((head, self._server_lines(), b"\r\n", body)))
        app.count(tag)
        if app.access_log is not None:
            app.log(
                method.decode("ascii"),
                _decoded_path(raw_path),
                query,
                served=served,
                tag=tag,
                cache="hot",
                took=time.perf_counter() - started,
            )
        self.cycle = _ANSWERED
        self.on_response_complete()
        return True

    # -- refusals -------------------------------------------------------------------------

    def _start_head_clock(self) -> None:
        """Give the head under way ``head_timeout`` seconds from now (its first byte)."""
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_timed_out)
        self.limits.idle.pop(self, None)
        self.limits.heading[self] = None

    def _stop_head_clock(self) -> None:
        """The head is complete, or the connection closing: no deadline."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
            self.limits.heading.pop(self, None)

    def _head_timed_out(self) -> None:
        """The head is not complete in time: 408 and close."""
        self._head_timer = None
        self.limits.heading.pop(self, None)
        if self.transport.is_closing():
            return
        if self._answering():
            # Reading pauses while a response is under way: the head is given its time
            # again rather than blamed for the wait.
            self._start_head_clock()
            return
        self._refuse(408, "head_timeout")

    def _refuse_head(self) -> None:
        """The head is over its bound: 414 while still in its URL, else 431; then close."""
        in_url = not self.headers and self._head_bytes - len(self.url) <= _REQUEST_LINE_SLACK
        self._refuse(414 if in_url else 431, "uri_too_long" if in_url else "head_too_large")

    def _answering(self) -> bool:
        """Whether a response is under way (or requests wait for theirs)."""
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def _refuse(self, status: int, reason: str) -> None:
        """Answer ``status`` and close; with responses under way, once they are written."""
        self._refused = True
        self._stop_head_clock()
        self._count(reason)
        if self._answering():
            self.flow.pause_reading()
            self._refusal = status
            return
        self._write_refusal(status)

    def _write_refusal(self, status: int) -> None:
        """Write the plain-text answer ``status``, and close."""
        body = HTTPStatus(status).phrase.encode("ascii") + b"\n"
        self.transport.write(
            b"".join(
                (
                    STATUS_LINE[status],
                    self._server_lines(),
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: %d\r\n" % len(body),
                    b"connection: close\r\n\r\n",
                    body,
                )
            )
        )
        self.transport.close()

    def _count(self, reason: str) -> None:
        """Count and (at most once a minute) log a refusal, in the request counts too."""
        self.limits.note(reason)
        if self.pypins is not None:
            self.pypins.count(REFUSAL_TAGS[reason])

    def _server_lines(self) -> bytes:
        """uvicorn's default header lines (``date``), rebuilt when uvicorn renews them."""
        defaults = self.server_state.default_headers
        if defaults is not self._defaults:
            self._defaults = defaults
            self._default_lines = header_lines(defaults)
        return self._default_lines


def find_app(app: object) -> PypinsApp | None:
    """The :class:`PypinsApp` under uvicorn's middleware (``app.app`` chains), if any."""
    for _ in range(8):
        if isinstance(app, PypinsApp):
            return app
        app = getattr(app, "app", None)
        if app is None:
            break
    return None


def _decoded_path(raw_path: bytes) -> str:
    """The path as uvicorn puts it in the ASGI scope (percent-decoded)."""
    return unquote(raw_path.decode("latin-1"))
