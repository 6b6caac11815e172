"""HTTP semantics of badge responses as data: lifetimes, validators, headers.

Pure functions, tested as such; the ASGI app only sends what these build. Lifetimes
come from the badge's cache category, ``?cacheSeconds=`` may only lengthen them (as on
shields.io), and error badges live briefly so a fixed upstream shows quickly.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus

Headers = list[tuple[bytes, bytes]]

CONTENT_TYPES: dict[str, bytes] = {
    "svg": b"image/svg+xml;charset=utf-8",
    "png": b"image/png",
    "json": b"application/json",
    "html": b"text/html; charset=utf-8",
    "text": b"text/plain; charset=utf-8",
}

#: Browser lifetime (``max-age``) per badge category, in seconds.
DEFAULT_LIFETIMES: dict[str, int] = {
    "version": 300,
    "metadata": 3600,
    "downloads": 4 * 3600,
    "static": 24 * 3600,
    # Short, so that a reload asks again: an error may be over in seconds.
    "error": 30,
    # A count queued behind pypistats' rate limit usually arrives within seconds.
    "pending": 10,
}

#: The longest lifetime ``?cacheSeconds=`` may ask for (shields.io allows a day too).
MAX_LIFETIME = 24 * 3600

#: Sent with every image: nothing in a badge may load or run anything.
SVG_SECURITY_HEADERS: Headers = [
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'"),
    (b"x-content-type-options", b"nosniff"),
]


def lifetime(category: str, requested: int | None = None) -> int:
    """Seconds a badge of ``category`` may be reused; ``requested`` may only raise it."""
    base = DEFAULT_LIFETIMES.get(category, DEFAULT_LIFETIMES["metadata"])
    if requested is None or requested <= base:
        return base
    return min(requested, MAX_LIFETIME)


@functools.lru_cache(maxsize=256)
def cache_control(max_age: int, *, shared_max_age: int | None = None, grace: int = 0) -> bytes:
    """A ``Cache-Control`` value for a public badge.

    ``shared_max_age`` (``s-maxage``) lets Varnish, nginx or a CDN keep the badge as long
    as pypins keeps its record; ``grace`` allows them to serve it stale while they
    revalidate or while pypins is unreachable.
    """
    parts = ["public", f"max-age={max_age}"]
    if shared_max_age is not None:
        parts.append(f"s-maxage={shared_max_age}")
    if grace > 0:
        parts.append(f"stale-while-revalidate={grace}")
        parts.append(f"stale-if-error={grace}")
    return ", ".join(parts).encode("ascii")


def strong_etag(body: bytes) -> bytes:
    """A strong ``ETag`` of the exact body bytes."""
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode("ascii") + b'"'


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` header value matches ``etag`` (``*`` matches all)."""
    value = if_none_match.strip()
    if value == b"*":
        return True
    for part in value.split(b","):
        candidate = part.strip()
        if candidate.removeprefix(b"W/") == etag:
            return True
    return False


@dataclass(frozen=True, slots=True, eq=False)
class PreparedResponse:
    """A complete response built once and sent many times.

    Tens of thousands are kept, so each holds only what differs from the others: the
    header tuples every response has alike (content type, length, cache policy) are
    shared, and the ASGI messages are made when sending (building them costs little
    next to the send; keeping them would cost every cached response several hundred
    bytes: ``bench/memory.py --breakdown`` counts it). The 304
    form, and the HTTP/1.1 heads :mod:`pypins.web.protocol` writes, are built on first
    use: most cached responses are never revalidated, nor served twice.
    """

    status: int
    headers: Headers
    body: bytes
    etag: bytes | None
    #: Approximate bytes this response holds in memory (fixed once built).
    size: int
    _not_modified: dict[str, object] | None = None
    _head: bytes | None = None
    _not_modified_head: bytes | None = None

    def start_message(self) -> dict[str, object]:
        """The ``http.response.start`` message."""
        return {"type": "http.response.start", "status": self.status, "headers": self.headers}

    def body_message(self) -> dict[str, object]:
        """The ``http.response.body`` message."""
        return {"type": "http.response.body", "body": self.body}

    def not_modified_message(self) -> dict[str, object]:
        """The start message of the 304 answering a matching ``If-None-Match``."""
        message = self._not_modified
        if message is None:
            message = {
                "type": "http.response.start",
                "status": 304,
                "headers": self._not_modified_headers(),
            }
            object.__setattr__(self, "_not_modified", message)
        return message

    def head(self) -> bytes:
        """The HTTP/1.1 status line and header lines, without the blank line ending them."""
        head = self._head
        if head is None:
            head = http1_head(self.status, self.headers)
            object.__setattr__(self, "_head", head)
        return head

    def not_modified_head(self) -> bytes:
        """:meth:`head` of the 304 (:meth:`not_modified_message`)."""
        head = self._not_modified_head
        if head is None:
            head = http1_head(304, self._not_modified_headers())
            object.__setattr__(self, "_not_modified_head", head)
        return head

    def _not_modified_headers(self) -> Headers:
        """The same header tuples as the 200's, less those describing the body."""
        return [item for item in self.headers if item[0] not in _ENTITY_HEADERS]


def http1_head(status: int, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """An HTTP/1.1 status line and header lines (each ending in CR LF)."""
    try:
        reason = HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        reason = b""
    return b"HTTP/1.1 %d %s\r\n" % (status, reason) + header_lines(headers)


def header_lines(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """HTTP/1.1 header lines, each ending in CR LF."""
    return b"".join(name + b": " + value + b"\r\n" for name, value in headers)


#: Headers a 304 leaves out (they describe the body it does not send).
_ENTITY_HEADERS = frozenset({b"content-type", b"content-length"})


@functools.lru_cache(maxsize=64)
def _content_type(value: bytes) -> tuple[bytes, bytes]:
    return (b"content-type", value)


@functools.lru_cache(maxsize=4096)
def _content_length(length: int) -> tuple[bytes, bytes]:
    return (b"content-length", str(length).encode("ascii"))


@functools.lru_cache(maxsize=256)
def _cache_control(value: bytes) -> tuple[bytes, bytes]:
    return (b"cache-control", value)


def prepare(
    status: int,
    body: bytes,
    content_type: bytes,
    *,
    cache: bytes | None = None,
    extra_headers: Iterable[tuple[bytes, bytes]] = (),
    with_etag: bool = True,
) -> PreparedResponse:
    """Build a response once; header tuples common to many responses are shared."""
    etag = strong_etag(body) if with_etag else None
    headers: Headers = [_content_type(content_type), _content_length(len(body))]
    if cache is not None:
        headers.append(_cache_control(cache))
    if etag is not None:
        headers.append((b"etag", etag))
    headers.extend(extra_headers)
    header_bytes = sum(len(name) + len(value) for name, value in headers)
    return PreparedResponse(
        status=status,
        headers=headers,
        body=body,
        etag=etag,
        # The header tuples, and their HTTP/1.1 form once the response is served twice.
        size=len(body) + 2 * header_bytes + 200,
    )


def not_modified(headers: Sequence[tuple[bytes, bytes]], etag: bytes) -> bool:
    """Whether the request's ``If-None-Match`` (its first) matches ``etag``."""
    value = header(headers, b"if-none-match")
    return value is not None and etag_matches(value, etag)


def header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower-case) in ASGI ``headers``."""
    for key, value in headers:
        if key == name:
            return value
    return None
