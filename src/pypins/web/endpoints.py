"""The routes that are not badges: pages, documents, metrics, statistics, admin.

One method per :data:`pypins.routes.ENDPOINTS` entry, named by its ``handler``;
:meth:`Endpoints.answer` dispatches by the table. Whether a route is served at all
(``/metrics`` on another listener, admin endpoints without a token, their
authorisation) is the caller's decision: it knows the request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from pypins.cache.budget import ENTRY_OVERHEAD, MemoryBudget, key_size
from pypins.cache.tinylfu import TinyLFUCache
from pypins.config import ServiceConfig
from pypins.errors import InvalidParameterError, PypinsError
from pypins.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from pypins.metrics import Metrics, ResponseTag
from pypins.pypi import normalize_name
from pypins.routes import Endpoint
from pypins.stats import UsageRecorder
from pypins.stats.report import DEFAULT_DAYS, DEFAULT_LIMIT, MAX_DAYS
from pypins.stats.stores import UsageStoreError
from pypins.web import openapi as openapi_module
from pypins.web import pages, stats_pages
from pypins.web.http import CONTENT_TYPES, cache_control, prepare
from pypins.web.pipeline import UnexpectedErrors, parse_query
from pypins.web.responses import (
    HEALTH_TAG,
    JSON_HEADERS,
    METRICS_TAG,
    PAGE_HEADERS,
    STATS_HEADERS,
    STATS_TAG,
    ServedResponse,
    page,
)
from pypins.web.sources import FactSources

__all__ = ["ADMIN_TAG", "Endpoints"]

#: Seconds the stats page and data are reused.
STATS_LIFETIME = 10
#: Tag of the admin endpoints' answers.
ADMIN_TAG = ResponseTag("admin", "json", "ok")
#: Tag of an endpoint's answer to an unexpected exception, and when to ask again.
UNAVAILABLE_TAG = ResponseTag("none", "-", "unavailable")
RETRY_AFTER = b"5"
#: Seconds browsers and caches in front may reuse a builder page.
PAGE_LIFETIME = 300
#: A typical builder page's bytes (what sizes the page cache's frequency sketch).
PAGE_BYTES = 100_000
#: Seconds a builder page for a project PyPI does not know may be reused: short, as
#: the project may be published any minute.
MISSING_PAGE_LIFETIME = 60

Handler = Callable[[bytes, dict[str, str]], Awaitable[ServedResponse]]


class Endpoints:
    """The answers of the routes that are not badges."""

    def __init__(
        self,
        config: ServiceConfig,
        sources: FactSources,
        metrics: Metrics,
        usage: UsageRecorder,
        *,
        clock: Callable[[], float],
        fold_metrics: Callable[[], None],
    ) -> None:
        self.config = config
        self.sources = sources
        self.registry = metrics
        self.usage = usage
        self.clock = clock
        self.fold_metrics = fold_metrics
        #: Counts and logs the exceptions no part of pypins documents.
        self.unexpected = UnexpectedErrors(metrics)
        self.index_page = page(pages.index_page(), "html")
        #: Builder pages by (package, style), within their share of the memory budget.
        self.pages: TinyLFUCache[tuple[str | None, str], ServedResponse] = TinyLFUCache(
            MemoryBudget.megabytes(config.memory_budget).share("pages"),
            _page_size,
            entry_bytes=PAGE_BYTES,
        )
        self.openapi_document = page(openapi_module.document(), "json")
        self.health = page(b"ok\n", "text", cache=b"no-store")

    async def answer(
        self, endpoint: Endpoint, query: bytes, args: dict[str, str]
    ) -> ServedResponse:
        """The answer of ``endpoint`` (``args``: its captured path segment).

        An exception no part of pypins documents is counted, logged with its traceback
        and answered 503 with ``Retry-After`` in the endpoint's format, never kept.
        """
        handler: Handler = getattr(self, endpoint.handler)
        try:
            return await handler(query, args)
        except Exception as error:
            self.unexpected.report("endpoint", endpoint.handler, error, endpoint.path)
            return _unavailable(endpoint)

    async def index(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """The badge builder at ``/``: the index, or a package's badges for ``?package=``.

        A page is kept by what it shows (:func:`pages.builder_key`: package and style),
        never by query string, and never in the hot index: a query with other
        parameters added is answered from the same page and makes no new entry.
        """
        if not query:
            return self.index_page
        try:
            values = parse_query(query)
        except InvalidParameterError:
            values = {}
        key = pages.builder_key(values)
        if key is not None:
            kept = self.pages.get(key)
            if kept is not None:
                return kept
            if key[0] is not None and await self._is_missing(key[0]):
                return self._missing_page(values)
        response = prepare(
            200,
            pages.builder_page(values, public_url=self.config.public_url),
            CONTENT_TYPES["html"],
            cache=cache_control(PAGE_LIFETIME),
            extra_headers=PAGE_HEADERS,
        )
        # Expired at once for the hot index, which is keyed by the raw query.
        served = ServedResponse(response, 0.0)
        if key is not None:
            self.pages.set(key, served)
        return served

    async def _is_missing(self, package: str) -> bool:
        """Whether PyPI says ``package`` does not exist: the record the badges read (so
        the badges' first load finds it cached); an upstream that cannot tell, or a
        registry error, says nothing is missing and the badges tell their own story."""
        try:
            found = await self.sources.package(normalize_name(package), None, None)
        except PypinsError:
            return False
        return not found.entry.found

    def _missing_page(self, values: dict[str, str]) -> ServedResponse:
        """The builder's 404: the form and a "not found on PyPI" notice, no badges; never
        kept, so that a project published since is shown at once."""
        response = prepare(
            404,
            pages.builder_page(values, public_url=self.config.public_url, missing=True),
            CONTENT_TYPES["html"],
            cache=cache_control(MISSING_PAGE_LIFETIME),
            extra_headers=PAGE_HEADERS,
        )
        return ServedResponse(response, 0.0)

    async def healthz(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """``ok``, never kept."""
        return ServedResponse(self.health.response, 0.0, HEALTH_TAG)

    async def openapi(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """The OpenAPI document, built once."""
        return self.openapi_document

    async def metrics(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """The Prometheus text exposition (every worker's, summed)."""
        self.fold_metrics()
        body = self.registry.exposition()
        response = prepare(200, body, METRICS_CONTENT_TYPE, cache=b"no-store", with_etag=False)
        return ServedResponse(response, 0.0, METRICS_TAG)

    async def stats(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """The most requested badges of the last ``?days=`` days, as a page."""
        days = _days(query)
        body = stats_pages.stats_html(await self.usage.report(days, DEFAULT_LIMIT), days)
        return self._stats(body, "html", STATS_HEADERS)

    async def stats_json(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """The figures of ``/stats`` as JSON."""
        days = _days(query)
        body = stats_pages.stats_json(await self.usage.report(days, DEFAULT_LIMIT), days)
        return self._stats(body, "json", JSON_HEADERS)

    def _stats(self, body: bytes, kind: str, headers: list[tuple[bytes, bytes]]) -> ServedResponse:
        response = prepare(
            200,
            body,
            CONTENT_TYPES[kind],
            cache=cache_control(STATS_LIFETIME),
            extra_headers=headers,
        )
        return ServedResponse(response, self.clock() + STATS_LIFETIME, STATS_TAG)

    async def admin_purge(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """Mark a package's records stale in every tier."""
        try:
            name, changed = await self.sources.purge(args["package"])
        except ValueError as error:
            return _admin(400, {"error": str(error)})
        return _admin(200, {"purged": name, "records_marked_stale": changed})

    async def admin_stats_reset(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """Forget the request counts."""
        try:
            await self.usage.reset()
        except UsageStoreError as error:
            return _admin(503, {"error": f"the request counts could not be reset: {error}"})
        return _admin(200, {"reset": True})


def _page_size(key: tuple[str | None, str], served: ServedResponse) -> int:
    """Bytes a kept builder page costs: its key, the response and the slots."""
    return key_size(key) + served.response.size + ENTRY_OVERHEAD


def _days(query: bytes) -> int:
    """``?days=`` within 1 and ``MAX_DAYS`` (the default for anything else)."""
    try:
        raw = parse_query(query).get("days", "")
    except InvalidParameterError:
        raw = ""
    days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else DEFAULT_DAYS
    return min(max(days, 1), MAX_DAYS)


def _unavailable(endpoint: Endpoint) -> ServedResponse:
    """503 for an endpoint that failed unexpectedly, in its format: JSON or text."""
    message = "this answer could not be made; try again shortly"
    if endpoint.media in {"json", "openapi"}:
        body = json.dumps({"error": message}).encode() + b"\n"
        content_type = CONTENT_TYPES["json"]
    else:
        body = f"Service Unavailable: {message}\n".encode()
        content_type = CONTENT_TYPES["text"]
    response = prepare(
        503,
        body,
        content_type,
        cache=b"no-store",
        extra_headers=[(b"retry-after", RETRY_AFTER)],
        with_etag=False,
    )
    return ServedResponse(response, 0.0, UNAVAILABLE_TAG)


def _admin(status: int, data: object) -> ServedResponse:
    body = json.dumps(data, sort_keys=True).encode() + b"\n"
    response = prepare(status, body, CONTENT_TYPES["json"], cache=b"no-store", with_etag=False)
    return ServedResponse(response, 0.0, ADMIN_TAG)
