"""The routes that are not badges: pages, documents, metrics, statistics, admin.

One method per :data:`pypins.routes.ENDPOINTS` entry, named by its ``handler``;
:meth:`Endpoints.answer` dispatches by the table. Whether a route is served at all
(``/metrics`` on another listener, admin endpoints without a token, their
authorisation) is the caller's decision: it knows the request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from pypins.config import ServiceConfig
from pypins.errors import InvalidParameterError
from pypins.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from pypins.metrics import Metrics, ResponseTag
from pypins.routes import Endpoint
from pypins.stats import UsageRecorder
from pypins.stats.report import DEFAULT_DAYS, DEFAULT_LIMIT, MAX_DAYS
from pypins.stats.stores import UsageStoreError
from pypins.web import openapi as openapi_module
from pypins.web import pages, stats_pages
from pypins.web.http import CONTENT_TYPES, cache_control, prepare
from pypins.web.pipeline import parse_query
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
        self.index_page = page(pages.index_page(), "html")
        self.openapi_document = page(openapi_module.document(), "json")
        self.health = page(b"ok\n", "text", cache=b"no-store")

    async def answer(
        self, endpoint: Endpoint, query: bytes, args: dict[str, str]
    ) -> ServedResponse:
        """The answer of ``endpoint`` (``args``: its captured path segment)."""
        handler: Handler = getattr(self, endpoint.handler)
        return await handler(query, args)

    async def index(self, query: bytes, args: dict[str, str]) -> ServedResponse:
        """The badge builder at ``/``: the index, or a package's badges for ``?package=``."""
        if not query:
            return self.index_page
        try:
            values = parse_query(query)
        except InvalidParameterError:
            values = {}
        response = prepare(
            200,
            pages.builder_page(values, public_url=self.config.public_url),
            CONTENT_TYPES["html"],
            cache=cache_control(300),
            extra_headers=PAGE_HEADERS,
        )
        return ServedResponse(response, self.clock() + 300)

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


def _days(query: bytes) -> int:
    """``?days=`` within 1 and ``MAX_DAYS`` (the default for anything else)."""
    try:
        raw = parse_query(query).get("days", "")
    except InvalidParameterError:
        raw = ""
    days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else DEFAULT_DAYS
    return min(max(days, 1), MAX_DAYS)


def _admin(status: int, data: object) -> ServedResponse:
    body = json.dumps(data, sort_keys=True).encode() + b"\n"
    response = prepare(status, body, CONTENT_TYPES["json"], cache=b"no-store", with_etag=False)
    return ServedResponse(response, 0.0, ADMIN_TAG)
