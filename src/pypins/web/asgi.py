"""The ASGI application: a hand-written hot path in front of :class:`BadgeService`.

A cached badge costs one dictionary lookup on the raw path and query, a freshness
check and two ``send`` calls of the headers and body prepared when the badge was
rendered. Everything else (routing, query parsing, fetching, rendering) happens only
on a miss, in :mod:`pypins.web.service`. No middleware sits on the hot path.

Under ``pypins serve`` a cached badge does not even reach ``__call__``: the HTTP
protocol (:mod:`pypins.web.protocol`) answers it from :meth:`PypinsApp.lookup`, the
same index, tallies and access log.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pypins.cache.budget import ENTRY_OVERHEAD, MemoryBudget
from pypins.cache.tinylfu import TinyLFUCache
from pypins.config import ServiceConfig
from pypins.metrics import ResponseTag
from pypins.routes import MAX_PATH_LENGTH, MAX_QUERY_LENGTH, find_endpoint, not_found_format
from pypins.web.endpoints import ADMIN_TAG
from pypins.web.heap import HeapKeeper
from pypins.web.http import CONTENT_TYPES, PreparedResponse, not_modified, prepare
from pypins.web.pipeline import not_found_badge
from pypins.web.responses import NOT_FOUND_TAG, REFUSED_TAG, ServedResponse
from pypins.web.service import BadgeService

log = logging.getLogger("pypins")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: A typical hot entry's bytes (what sizes the index's frequency sketch).
HOT_ENTRY_BYTES = 2500


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
UNAUTHORIZED = prepare(
    401,
    b"Unauthorized\n",
    CONTENT_TYPES["text"],
    cache=b"no-store",
    extra_headers=[(b"www-authenticate", b'Bearer realm="pypins admin"')],
    with_etag=False,
)
ERROR_TAG = ResponseTag("none", "-", "internal_error")

#: Seconds between two folds of the hot-path tallies into the metrics.
FOLD_INTERVAL = 1.0


class PypinsApp:
    """The pypins ASGI application."""

    def __init__(self, service: BadgeService, *, heap: HeapKeeper | None = None) -> None:
        self.service = service
        #: Freezes long-lived objects out of the collector's way (``create_app`` sets it).
        self.heap = heap
        #: Responses by raw (path, query): an index in front of the service's own caches,
        #: within its share of the memory budget; random query strings cannot flush it.
        self.hot: TinyLFUCache[tuple[bytes, bytes], ServedResponse] = TinyLFUCache(
            MemoryBudget.megabytes(service.config.memory_budget).share("hot"),
            hot_entry_size,
            entry_bytes=HOT_ENTRY_BYTES,
        )
        self.clock = time.time
        self.metrics = service.metrics
        #: The metrics' request tally, incremented in place on the hot path.
        self.tally = service.metrics.tally
        self.hot_hits = 0
        self.hot_misses = 0
        self._folded_hits = 0
        self._folded_misses = 0
        #: The JSON access log, or None (then nothing is timed or written).
        self.access_log = service.access_log
        self._housekeeping: asyncio.Task[None] | None = None
        service.listen(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method = scope["method"]
            if method not in _READ_METHODS:
                # Refused before any lookup: a POST must not fetch or render anything.
                if method == "POST" and scope["path"].startswith("/admin/"):
                    await self._admin(scope, send)
                    return
                await send(METHOD_NOT_ALLOWED.start_message())
                await send(METHOD_NOT_ALLOWED.body_message())
                self.count(REFUSED_TAG)
                return
            started = time.perf_counter() if self.access_log is not None else 0.0
            # Keyed by the path as sent: two spellings that decode alike may differ
            # (a static badge's "%2D" is a literal dash, "-" a separator).
            raw_path = scope.get("raw_path") or scope["path"].encode()
            served = self.lookup(raw_path, scope["query_string"])
            if served is None:
                served = await self._miss(scope, (raw_path, scope["query_string"]))
                cache = served.cache
            else:
                cache = "hot"
            response = served.response
            etag = response.etag
            if etag is not None and not_modified(scope["headers"], etag):
                await send(response.not_modified_message())
                await send(EMPTY_BODY)
                tag = served.tag.not_modified
            else:
                # PreparedResponse.start_message() and body_message(), inlined: made here
                # rather than kept with each cached response (bench/memory.py --breakdown
                # counts what keeping them costs); two dict displays cost far less than
                # the sends.
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status,
                        "headers": response.headers,
                    }
                )
                if method == "HEAD":
                    await send(EMPTY_BODY)
                else:
                    await send({"type": "http.response.body", "body": response.body})
                tag = served.tag
            self.count(tag)
            if self.access_log is not None:
                self.log(
                    method,
                    scope["path"],
                    scope["query_string"],
                    served=served,
                    tag=tag,
                    cache=cache,
                    took=time.perf_counter() - started,
                )
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    def lookup(self, raw_path: bytes, query: bytes) -> ServedResponse | None:
        """The hot index's fresh response to ``raw_path`` and ``query``, counted as a
        hit; None on a miss (nothing counted: the miss path counts it)."""
        served = self.hot.get((raw_path, query))
        if served is None or self.clock() >= served.expires:
            return None
        self.hot_hits += 1
        return served

    def log(
        self,
        method: str,
        path: str,
        query: bytes,
        *,
        served: ServedResponse,
        tag: ResponseTag,
        cache: str | None,
        took: float,
    ) -> None:
        """Write one access-log line (only called when the log is on)."""
        assert self.access_log is not None
        status = 304 if tag.status == "not_modified" else served.response.status
        self.access_log.write(
            method, path, tag.kind, tag.package or None, status, cache, took, query=query
        )

    def count(self, tag: ResponseTag) -> None:
        """Tally one answered request under ``tag`` (folded into the metrics each second)."""
        self.tally[tag] = self.tally.get(tag, 0) + 1

    async def _miss(self, scope: Scope, key: tuple[bytes, bytes]) -> ServedResponse:
        self.hot_misses += 1
        path: str = scope["path"]
        if len(path) > MAX_PATH_LENGTH or len(scope["query_string"]) > MAX_QUERY_LENGTH:
            return ServedResponse(URI_TOO_LONG, 0.0, REFUSED_TAG)
        try:
            served = await self.service.respond(path, scope["query_string"], key[0])
        except Exception:
            log.exception("unexpected error for %s", path)
            return ServedResponse(INTERNAL_ERROR, 0.0, ERROR_TAG)
        if served is None:
            # Under a badge prefix a 404 is still an image, so a README shows it.
            fmt = not_found_format(path)
            response = NOT_FOUND if fmt is None else not_found_badge(fmt)
            return ServedResponse(response, 0.0, NOT_FOUND_TAG)
        if served.expires > self.clock():
            self.hot.set(key, served)
        return served

    # -- admin ------------------------------------------------------------------------

    async def _admin(self, scope: Scope, send: Send) -> None:
        """``POST /admin/purge/<package>``: refresh a package's records on next request;
        ``POST /admin/stats/reset``: forget the request counts.

        Needs ``Authorization: Bearer <admin token>``; without a configured token the
        admin endpoints do not exist (404).
        """
        token = self.service.config.admin_token
        found = find_endpoint("POST", scope["path"])
        response: PreparedResponse
        if token is None or found is None:
            response = NOT_FOUND
        elif not _authorized(scope, token):
            response = UNAUTHORIZED
        else:
            endpoint, args = found
            response = (await self.service.endpoints.answer(endpoint, b"", args)).response
        await send(response.start_message())
        await send(response.body_message())
        self.count(ADMIN_TAG)

    # -- housekeeping -------------------------------------------------------------------

    def records_invalidated(self) -> None:
        """Records were marked stale (a release in PyPI's feed, a purge): the hot index
        goes, its entries re-derived from the stale records on the next request, which
        starts the refresh."""
        self.hot.clear()

    def before_fold(self) -> None:
        """Report the hot index's hits, misses and size (before each fold of the metrics)."""
        hits, misses = self.hot_hits, self.hot_misses
        self.metrics.count_cache("hot", "hit", hits - self._folded_hits)
        self.service.usage.count_cache("hit", hits - self._folded_hits)
        self.metrics.count_cache("hot", "miss", misses - self._folded_misses)
        self._folded_hits, self._folded_misses = hits, misses
        self.metrics.cache_entries.labels("hot").set(len(self.hot))
        self.metrics.cache_entries.labels("pages").set(len(self.service.endpoints.pages))

    async def _fold_periodically(self) -> None:
        seconds = 0
        while True:
            await asyncio.sleep(FOLD_INTERVAL)
            seconds += 1
            try:
                await self.service.tick(seconds)
                if self.heap is not None:
                    self.heap.tick()
            except Exception:  # never let bookkeeping end the loop
                log.exception("periodic bookkeeping failed")

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
                self.metrics.worker_starts.inc()
                self._housekeeping = asyncio.create_task(self._fold_periodically())
                if self.heap is not None:
                    self.heap.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._housekeeping is not None:
                    self._housekeeping.cancel()
                    self._housekeeping = None
                # Counted requests go to the usage store before it is closed.
                self.service.fold_metrics()
                await self.service.stop()
                if self.heap is not None:
                    self.heap.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


EMPTY_BODY: dict[str, object] = {"type": "http.response.body", "body": b""}


def hot_entry_size(key: tuple[bytes, bytes], served: ServedResponse) -> int:
    """Bytes a hot entry costs: its raw path and query, the response and the slots."""
    return len(key[0]) + len(key[1]) + served.response.size + ENTRY_OVERHEAD


def _authorized(scope: Scope, token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (constant time)."""
    expected = b"Bearer " + token.encode("utf-8")
    for name, value in scope["headers"]:
        if name == b"authorization":
            return hmac.compare_digest(value, expected)
    return False


def create_app(config: ServiceConfig | None = None) -> PypinsApp:
    """The application for ``config`` (by default read from ``PYPINS_*`` variables)."""
    config = ServiceConfig.from_env() if config is None else config
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiohttp's client logs little; pypins logs what matters about upstreams itself.
    logging.getLogger("aiohttp").setLevel(max(logging.WARNING, logging.getLogger().level))
    return PypinsApp(BadgeService(config), heap=HeapKeeper())
