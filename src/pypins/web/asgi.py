"""The ASGI application: a hand-written hot path in front of :class:`BadgeService`.

A cached badge costs one dictionary lookup on the raw path and query, a freshness
check and two ``send`` calls of messages built when the badge was rendered. Everything
else (routing, query parsing, fetching, rendering) happens only on a miss, in
:mod:`pypins.web.service`. No middleware sits on the hot path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pypins.cache.lru import LRUCache
from pypins.config import ServiceConfig
from pypins.web.http import CONTENT_TYPES, PreparedResponse, etag_matches, prepare
from pypins.web.routes import MAX_PATH_LENGTH
from pypins.web.service import BadgeService, ServedResponse

log = logging.getLogger("pypins")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Responses remembered by raw (path, query): an index in front of the service's own
#: caches, bounded so that random query strings cannot grow it without limit.
HOT_ENTRIES = 50_000
HOT_BYTES = 256 * 1024 * 1024


def _plain(status: int, text: str, *, cache: bytes = b"no-store") -> PreparedResponse:
    return prepare(status, text.encode(), CONTENT_TYPES["text"], cache=cache, with_etag=False)


NOT_FOUND = _plain(404, "Not Found\n", cache=b"public, max-age=3600")
METHOD_NOT_ALLOWED = prepare(
    405,
    b"Method Not Allowed\n",
    CONTENT_TYPES["text"],
    cache=b"no-store",
    extra_headers=[(b"allow", b"GET, HEAD")],
    with_etag=False,
)
_READ_METHODS = frozenset({"GET", "HEAD"})
URI_TOO_LONG = _plain(414, "URI Too Long\n")
INTERNAL_ERROR = _plain(500, "Internal Server Error\n")


class PypinsApp:
    """The pypins ASGI application."""

    def __init__(self, service: BadgeService) -> None:
        self.service = service
        self.hot: LRUCache[tuple[str, bytes], ServedResponse] = LRUCache(
            HOT_ENTRIES, max_bytes=HOT_BYTES, sizeof=lambda served: served.response.size
        )
        self.clock = time.time
        # A release seen in PyPI's feed drops the hot index: its entries are re-derived
        # from the (now stale) records on the next request, which starts the refresh.
        service.on_invalidate = self.hot.clear

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["method"] not in _READ_METHODS:
                # Refused before any lookup: a POST must not fetch or render anything.
                await send(METHOD_NOT_ALLOWED.start_message)
                await send(METHOD_NOT_ALLOWED.body_message)
                return
            key = (scope["path"], scope["query_string"])
            served = self.hot.get(key)
            if served is None or self.clock() >= served.expires:
                served = await self._miss(scope, key)
            await self._send(scope, send, served.response)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _send(self, scope: Scope, send: Send, response: PreparedResponse) -> None:
        if response.not_modified_message is not None:
            for name, value in scope["headers"]:
                if name == b"if-none-match":
                    if response.etag is not None and etag_matches(value, response.etag):
                        await send(response.not_modified_message)
                        await send(EMPTY_BODY)
                        return
                    break
        await send(response.start_message)
        await send(EMPTY_BODY if scope["method"] == "HEAD" else response.body_message)

    async def _miss(self, scope: Scope, key: tuple[str, bytes]) -> ServedResponse:
        path: str = scope["path"]
        if len(path) + len(scope["query_string"]) > MAX_PATH_LENGTH:
            return ServedResponse(URI_TOO_LONG, 0.0)
        try:
            served = await self.service.respond(path, scope["query_string"])
        except Exception:
            log.exception("unexpected error for %s", path)
            return ServedResponse(INTERNAL_ERROR, 0.0)
        if served is None:
            return ServedResponse(NOT_FOUND, 0.0)
        if served.expires > self.clock():
            self.hot.set(key, served)
        return served

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.service.start()
                except Exception as error:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.service.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


EMPTY_BODY: dict[str, object] = {"type": "http.response.body", "body": b""}


def create_app(config: ServiceConfig | None = None) -> PypinsApp:
    """The application for ``config`` (by default read from ``PYPINS_*`` variables)."""
    config = ServiceConfig.from_env() if config is None else config
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # One line per upstream request is noise at "info"; pypins logs what matters itself.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    return PypinsApp(BadgeService(config))
