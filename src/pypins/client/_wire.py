"""A lean HTTP/1.1 GET client for the service's own upstream requests.

A cache miss spends more of the worker's CPU in its HTTP client than anywhere else:
aiohttp's ``get`` and ``read`` of a 13 KB answer cost about 165 µs on loopback, this
client about 55 µs (``bench/clients.py``). Under load that difference is about a
fifth of a miss, and misses set how long each turn of the event loop lasts, so the
tail latency of every request falls with it (``docs/performance.md``).

It does only what the service's PyPI requests need, over asyncio's transports (uvloop's
in the service) and httptools' parser, both already dependencies of the server:

* ``GET`` on keep-alive connections kept per origin (at most ``connections`` in use
  and as many idle, each idle one dropped after ``keepalive`` seconds);
* TLS with the given context, verifying the host name;
* bodies delimited by ``Content-Length``, chunked or by the end of the connection;
* ``gzip`` and ``deflate`` bodies, inflated within the size bound;
* a bound on the header block and on the body, raw and inflated;
* one new attempt when a reused connection turns out closed before any answer.

Everything else - proxies, user info, names outside ASCII, custom registries whose
addresses a guarded resolver checks - stays with aiohttp: :meth:`WirePool.accepts`
says which URLs this client takes. Timeouts are the caller's (``asyncio.timeout``
around :meth:`WirePool.get`): a cancelled exchange closes its connection.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections import deque
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import urlsplit

import httptools
from multidict import CIMultiDict, CIMultiDictProxy

from pypins.client import _http
from pypins.errors import InvalidResponseError, UpstreamUnavailableError

#: Connections in use at once, all origins together (as aiohttp's pool limit).
DEFAULT_CONNECTIONS = 100
#: Seconds an idle connection is kept for reuse (aiohttp's default too).
DEFAULT_KEEPALIVE = 15.0
#: The largest response head read (status line and headers).
MAX_HEAD_BYTES = 64 * 1024
#: Origins whose parsed form is remembered.
MAX_ORIGINS = 64
#: What every request asks for; the answer is inflated here.
ACCEPT_ENCODING = "gzip, deflate"

#: Characters that never appear in a request target sent by this client.
_UNSAFE_TARGET = frozenset(" \t\r\n\x00#")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a URL's requests go: the socket address, TLS, and the ``Host`` header."""

    host: str
    port: int
    tls: bool
    host_header: bytes


#: Where :meth:`WirePool.split` sends a URL: its origin and its request target.
Route: TypeAlias = tuple[Origin, str]


@dataclass(frozen=True, slots=True)
class WireAnswer:
    """A whole response: status, reason, headers (case-insensitive) and inflated body."""

    status: int
    reason: str
    headers: CIMultiDictProxy[str]
    body: bytes


class _DroppedError(Exception):
    """The connection ended before the whole answer came."""


class _UnreadableError(Exception):
    """The answer is not HTTP/1.1 as httptools reads it."""


def parse_origin(origin: str) -> Origin | None:
    """The :class:`Origin` of ``scheme://host[:port]``, or None when this client does
    not take it (another scheme, user info, a host outside ASCII, a bad port)."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or not host.isascii():
        return None
    if parts.username is not None or parts.password is not None:
        return None
    tls = parts.scheme == "https"
    netloc = parts.netloc.lower()
    return Origin(host, port or (443 if tls else 80), tls, netloc.encode("ascii"))


def request_head(origin: Origin, target: str, headers: dict[str, str]) -> bytes:
    """The bytes of a GET request for ``target`` with ``headers``."""
    lines = [b"GET ", target.encode("ascii"), b" HTTP/1.1\r\nHost: ", origin.host_header]
    lines.append(b"\r\nAccept-Encoding: " + ACCEPT_ENCODING.encode("ascii"))
    for name, value in headers.items():
        if not value.isprintable():
            raise ValueError(f"header {name!r} holds a control character")
        lines.append(b"\r\n" + name.encode("ascii") + b": " + value.encode("utf-8"))
    lines.append(b"\r\n\r\n")
    return b"".join(lines)


def _decoder(encoding: str, url: str) -> zlib._Decompress | None:
    """The inflater of a ``Content-Encoding`` (None: the body is sent as is)."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    raise _undecodable(url, f"content encoding {coding[:40]!r} was not asked for")


def _undecodable(url: str, reason: str) -> InvalidResponseError:
    return InvalidResponseError(f"{url} sent a body that cannot be decoded ({reason})")


class Connection(asyncio.Protocol):
    """One keep-alive connection: one exchange at a time, parsed by httptools."""

    def __init__(self, pool: WirePool, origin: Origin) -> None:
        self.pool = pool
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[WireAnswer] | None = None
        self._url = ""
        self._limit = 0
        self._received = False
        self._head_bytes = 0
        self._reason = b""
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self._headers: CIMultiDictProxy[str] | None = None
        self._until_close = False
        self._inflater: zlib._Decompress | None = None
        self._raw_size = 0
        self._size = 0
        self._chunks: list[bytes] = []

    # -- the exchange ------------------------------------------------------------------

    def exchange(self, request: bytes, url: str, limit: int) -> asyncio.Future[WireAnswer]:
        """Send ``request``; the future gets the whole answer (bodies over ``limit``
        bytes are refused) or fails with :class:`_DroppedError` or a pypins error."""
        assert self.transport is not None
        assert self._waiter is None
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        self._url = url
        self._limit = limit
        self._received = False
        self._head_bytes = 0
        self._reason = b""
        self._raw_headers = []
        self._headers = None
        self._until_close = False
        self._inflater = None
        self._raw_size = self._size = 0
        self._chunks = []
        self.transport.write(request)
        return waiter

    @property
    def dropped_unanswered(self) -> bool:
        """True when the connection ended before a single byte of the answer."""
        return self.closed and not self._received

    def close(self) -> None:
        """Close the connection (whatever it was doing)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        self.close()

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # bytes nobody asked for: the connection is not reusable
            self.close()
            return
        self._received = True
        try:
            self._parser.feed_data(data)
        except Exception as error:  # httptools' errors, whatever their class
            # A callback's own error is the context of httptools' callback error. (Its
            # classes are matched by what they carry, not by identity: a second import
            # of httptools' error module, as under coverage, makes other classes.)
            cause = error.__context__
            if isinstance(cause, InvalidResponseError | _DroppedError):
                self._fail(cause)
            else:
                self._fail(_UnreadableError(str(error)))

    def eof_received(self) -> bool:
        return False  # close the transport: connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        if self._waiter is None:
            return
        if self._headers is not None and self._until_close:
            self.on_message_complete()  # the end of the connection ends this body
            return
        self._fail(_DroppedError(str(exc) if exc else "the server closed the connection"))

    # -- httptools callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._waiter is None:  # a second answer in the same bytes: end the connection
            raise _DroppedError("an answer nobody asked for")

    def on_status(self, reason: bytes) -> None:
        self._reason += reason
        self._count_head(len(reason))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        self._raw_headers.append((name, value))

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            raise InvalidResponseError(
                f"response from {self._url} has a head over {MAX_HEAD_BYTES} bytes; refused"
            )

    def on_headers_complete(self) -> None:
        headers: CIMultiDict[str] = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in self._raw_headers
        )
        declared = headers.get("Content-Length", "")
        _http.check_content_length(declared, self._url, self._limit)
        status = self._parser.get_status_code()
        chunked = headers.get("Transfer-Encoding", "").lower().endswith("chunked")
        self._until_close = not declared and not chunked and status not in (204, 304)
        self._inflater = _decoder(headers.get("Content-Encoding", ""), self._url)
        self._headers = CIMultiDictProxy(headers)

    def on_body(self, chunk: bytes) -> None:
        self._raw_size += len(chunk)
        if self._raw_size > self._limit:
            raise _http.too_large(self._url, self._limit)
        if self._inflater is not None:
            try:
                chunk = self._inflater.decompress(chunk, self._limit - self._size + 1)
            except zlib.error as error:
                raise _undecodable(self._url, str(error)) from None
        self._size += len(chunk)
        if self._size > self._limit:
            raise _http.too_large(self._url, self._limit)
        self._chunks.append(chunk)

    def on_message_complete(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done() or self._headers is None:
            return
        try:
            body = self._body()
        except InvalidResponseError as error:
            waiter.set_exception(error)
            self.close()
            return
        if not self._parser.should_keep_alive() or self._until_close:
            self.close()
        answer = WireAnswer(
            self._parser.get_status_code(), self._reason.decode("latin-1"), self._headers, body
        )
        waiter.set_result(answer)

    def _body(self) -> bytes:
        """The whole inflated body; raises when a compressed one is cut short."""
        inflater = self._inflater
        if inflater is not None:
            try:
                self._take_tail(inflater.flush())
            except zlib.error as error:
                raise _undecodable(self._url, str(error)) from None
            if not inflater.eof:
                raise _undecodable(self._url, "the compressed stream is cut short")
        return b"".join(self._chunks)

    def _take_tail(self, tail: bytes) -> None:
        """Take the inflater's last output, within the bound."""
        self._size += len(tail)
        if self._size > self._limit:
            raise _http.too_large(self._url, self._limit)
        self._chunks.append(tail)


class WirePool:
    """Keep-alive connections per origin, for :class:`~pypins.client.AsyncPyPIClient`.

    ```python
    pool = WirePool()
    async with AsyncPyPIClient(wire=pool) as client:
        await client.get("requests")
    await pool.aclose()
    ```
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        connections: int = DEFAULT_CONNECTIONS,
        keepalive: float = DEFAULT_KEEPALIVE,
    ) -> None:
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None
        self._slots = asyncio.Semaphore(connections)
        self._connections = connections
        self.keepalive = keepalive
        self._origins: dict[str, Origin | None] = {}
        self._idle: dict[Origin, deque[Connection]] = {}
        self._idle_count = 0
        self.closed = False

    def split(self, url: str) -> Route | None:
        """The origin and request target of ``url``, or None when this pool does not
        take it (closed; see :func:`parse_origin`; targets must be plain ASCII)."""
        key, target = _http.split_origin(url)
        if not target or self.closed:
            return None
        try:
            origin = self._origins[key]
        except KeyError:
            origin = parse_origin(key)
            if len(self._origins) >= MAX_ORIGINS:
                self._origins.clear()
            self._origins[key] = origin
        if origin is None or not target.isascii() or not _UNSAFE_TARGET.isdisjoint(target):
            return None
        return origin, target

    def accepts(self, url: str) -> bool:
        """True when :meth:`get` takes ``url``."""
        return self.split(url) is not None

    async def get(self, url: str, headers: dict[str, str], limit: int) -> WireAnswer:
        """GET ``url`` with ``headers``: the whole answer, its body at most ``limit`` bytes.

        Raises UpstreamUnavailableError when the server cannot be reached or drops the
        exchange, InvalidResponseError for an answer too large or undecodable.
        """
        route = self.split(url)
        if route is None:
            raise ValueError(f"not a URL for this pool: {url[:200]!r}")
        return await self.send(route, url, headers, limit)

    async def send(self, route: Route, url: str, headers: dict[str, str], limit: int) -> WireAnswer:
        """:meth:`get` for a ``route`` that :meth:`split` gave for ``url``."""
        origin, target = route
        request = request_head(origin, target, headers)
        async with self._slots:
            connection = self._take(origin) or await self._connect(origin, url)
            try:
                answer = await self._exchange(connection, request, url, limit)
            except _DroppedError:  # raised only for a reused connection, unanswered
                # A kept connection the server had closed meanwhile: once more, afresh.
                connection = await self._connect(origin, url)
                answer = await self._exchange(connection, request, url, limit)
        self._give_back(connection)
        return answer

    async def _exchange(
        self, connection: Connection, request: bytes, url: str, limit: int
    ) -> WireAnswer:
        try:
            return await connection.exchange(request, url, limit)
        except _DroppedError as error:
            if connection.reused and connection.dropped_unanswered:
                raise
            raise UpstreamUnavailableError(f"{url} could not be reached ({error})") from error
        except _UnreadableError as error:
            raise UpstreamUnavailableError(
                f"{url} could not be reached (an invalid HTTP answer: {error})"
            ) from error
        except BaseException:
            connection.close()  # cancelled or failed midway: the answer may still come
            raise

    def _take(self, origin: Origin) -> Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if not connection.closed and now - connection.idle_since < self.keepalive:
                connection.reused = True
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin, url: str) -> Connection:
        loop = asyncio.get_running_loop()
        context = None
        if origin.tls:
            if self._ssl is None:
                self._ssl = _http.ssl_context(self._verify)
            context = self._ssl
        try:
            _, connection = await loop.create_connection(
                lambda: Connection(self, origin),
                origin.host,
                origin.port,
                ssl=context,
                server_hostname=origin.host if context is not None else None,
            )
        except OSError as error:
            raise UpstreamUnavailableError(f"{url} could not be reached ({error!r})") from error
        return connection

    def _give_back(self, connection: Connection) -> None:
        if connection.closed:
            return
        if self.closed or self._idle_count >= self._connections:
            connection.close()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(connection.origin, deque()).append(connection)
        self._idle_count += 1

    def forget(self, connection: Connection) -> None:
        """Drop a closed connection from the idle ones (called by the connection)."""
        idle = self._idle.get(connection.origin)
        if idle is not None and connection in idle:
            idle.remove(connection)
            self._idle_count -= 1

    async def aclose(self) -> None:
        """Close the idle connections; those in use close when their exchange ends."""
        self.closed = True
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        self._idle.clear()
        self._idle_count = 0
