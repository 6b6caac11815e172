"""The service: everything a worker needs, built once from its configuration.

:class:`BadgeService` is the composition root. From a :class:`ServiceConfig` it builds
the process's :class:`~pypins.web.upstreams.Upstreams` (pools, clients, guards, limits),
its :class:`~pypins.web.sources.FactSources` (the records badges read), the
:class:`~pypins.web.pipeline.BadgePipeline` (route -> record -> badge -> render ->
prepared response) and the :class:`~pypins.web.endpoints.Endpoints` (pages, documents,
metrics, statistics, admin), and :meth:`BadgeService.respond` dispatches a request by
the route table (:mod:`pypins.routes`). The ASGI app asks it on a miss of its hot
index, and listens to it through :class:`ServiceListener`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import quote, quote_from_bytes

import aiohttp

from pypins.cache.redis_store import RedisStore
from pypins.config import ServiceConfig
from pypins.metrics import Metrics
from pypins.routes import (
    BadgeRoute,
    RedirectRoute,
    StaticRoute,
    find_endpoint,
    parse,
    split_format,
)
from pypins.stats import UsageRecorder
from pypins.web.accesslog import AccessLog
from pypins.web.endpoints import Endpoints
from pypins.web.http import CONTENT_TYPES, cache_control, lifetime, prepare
from pypins.web.pipeline import BadgePipeline, CommonParams, common_params, parse_query
from pypins.web.poller import ReleasePoller
from pypins.web.responses import REDIRECT_TAG, ServedResponse
from pypins.web.sources import FactSources
from pypins.web.upstreams import Upstreams

log = logging.getLogger(__name__)

#: Characters of a query string kept as they are in a redirect (the rest is encoded).
QUERY_SAFE = "/?:@!$&'()*+,;=%"
#: Seconds between two writes of the request counts to their store.
USAGE_FLUSH_SECONDS = 5


class ServiceListener(Protocol):
    """What the service tells the app in front of it."""

    def records_invalidated(self) -> None:
        """Records were marked stale: responses rendered from them must go."""

    def before_fold(self) -> None:
        """The metrics are about to be folded: report what the app counted."""


class BadgeService:
    """Builds a worker's parts from ``config`` and answers what the hot index misses."""

    def __init__(
        self,
        config: ServiceConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.config = config
        self.metrics = Metrics() if metrics is None else metrics
        self.clock = time.time if clock is None else clock
        #: The shared tier (Redis) when configured; None when embedded.
        self.shared: RedisStore | None = None
        if config.redis_url is not None:
            self.shared = RedisStore.from_url(config.redis_url, timeout=config.redis_timeout)
        #: Requests per (package, kind), hit ratio and upstream requests, by day.
        self.usage = UsageRecorder.from_config(config, self.shared)
        #: One JSON line per request, when configured (written by the app).
        self.access_log = AccessLog.from_config(config)
        self.upstreams = Upstreams(config, self.metrics, self.usage, self.shared, session=session)
        self.sources = FactSources(
            config,
            self.upstreams,
            self.usage,
            clock=self.clock,
            shared=self.shared,
            on_invalidate=self._records_invalidated,
        )
        self.pipeline = BadgePipeline(
            config,
            self.sources,
            self.metrics,
            self.usage,
            registries=self.upstreams.registries,
            clock=self.clock,
        )
        self.endpoints = Endpoints(
            config,
            self.sources,
            self.metrics,
            self.usage,
            clock=self.clock,
            fold_metrics=self.fold_metrics,
        )
        self.poller: ReleasePoller | None = None
        self._listeners: list[ServiceListener] = []
        self._redis_errors_seen = 0

    def listen(self, listener: ServiceListener) -> None:
        """Tell ``listener`` of invalidated records and of each fold of the metrics."""
        self._listeners.append(listener)

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the upstream connection pool, start the release poller and the warming
        of the most requested download counts."""
        self.upstreams.pool()
        self.sources.start()
        if self.config.poll_interval > 0 and self.poller is None:
            self.poller = ReleasePoller(
                self.upstreams.client(),
                self.sources.release_seen,
                guard=self.upstreams.guard("rss"),
                should_poll=self._may_poll,
                interval=self.config.poll_interval,
            )
            self.poller.start()

    async def stop(self) -> None:
        """Stop polling and warming, wait for the refreshes under way, close the pools."""
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        await self.sources.aclose()
        await self.usage.aclose()
        if self.access_log is not None:
            self.access_log.close()
        if self.shared is not None:
            await self.shared.aclose()
        await self.upstreams.aclose()
        self.pipeline.close()

    async def _may_poll(self) -> bool:
        """Whether this process reads the updates feed this round (one per deployment)."""
        if self.shared is None:
            return True
        interval = self.config.poll_interval
        return await self.shared.acquire("release-poller", max(1.0, interval * 0.9)) is not None

    def _records_invalidated(self) -> None:
        for listener in self._listeners:
            listener.records_invalidated()

    # -- requests -------------------------------------------------------------------------

    async def respond(
        self, path: str, query: bytes, raw_path: bytes | None = None
    ) -> ServedResponse | None:
        """The response to a GET of ``path`` and ``query``, or None for an unknown route
        (404).

        ``raw_path`` is the path as sent, still percent-encoded: a static badge's spec is
        split on its dashes before it is decoded (``%2D`` is a literal dash), once.
        """
        if raw_path is not None and raw_path.startswith(b"/badge/"):
            tail = raw_path[len(b"/badge/") :].decode("utf-8", "replace")
            if not tail or "/" in tail:
                return None
            spec, fmt = split_format(tail)
            return await self.pipeline.static(StaticRoute(spec=spec, fmt=fmt), query)
        route = parse(path)
        if isinstance(route, BadgeRoute):
            return await self.pipeline.badge(route, query)
        if isinstance(route, StaticRoute):
            return await self.pipeline.static(route, query)
        if isinstance(route, RedirectRoute):
            return self._redirect(route, query)
        found = find_endpoint("GET", path)
        if found is None:
            return None
        endpoint, args = found
        if endpoint.handler == "metrics" and self.config.metrics_bind:
            return None  # served on a listener of its own
        return await self.endpoints.answer(endpoint, query, args)

    def _redirect(self, route: RedirectRoute, query: bytes) -> ServedResponse:
        # Re-encoded: the route holds decoded text, which must not put line breaks,
        # spaces or a "?" of its own into the header.
        location = quote(route.location, safe="/").encode("ascii")
        if query:
            location += b"?" + quote_from_bytes(query, safe=QUERY_SAFE).encode("ascii")
        response = prepare(
            301,
            b"",
            CONTENT_TYPES["text"],
            cache=cache_control(lifetime("static")),
            extra_headers=[(b"location", location)],
            with_etag=False,
        )
        return ServedResponse(response, self.clock() + lifetime("static"), REDIRECT_TAG)

    # -- bookkeeping ----------------------------------------------------------------------

    async def tick(self, seconds: int) -> None:
        """Once a second: fold the metrics and the request counts, write the access log;
        every few seconds, store the request counts."""
        self.fold_metrics()
        if self.access_log is not None:
            self.access_log.flush()
        if seconds % USAGE_FLUSH_SECONDS == 0:
            await self.usage.flush()

    def fold_metrics(self) -> None:
        """Move the hot-path tallies into the metrics (every second, and on a scrape)."""
        for listener in self._listeners:
            listener.before_fold()
        tally = self.metrics.take_tally()
        usage = self.usage
        for tag, count in tally.items():
            if tag.usage is not None:
                usage.count(*tag.usage, count)
        self.metrics.fold(tally, [("rendered", len(self.pipeline.rendered)), *self.sources.sizes()])
        if self.shared is not None:
            errors = self.shared.errors
            if errors > self._redis_errors_seen:
                self.metrics.redis_errors.inc(errors - self._redis_errors_seen)
                self._redis_errors_seen = errors


__all__ = [
    "BadgeService",
    "CommonParams",
    "ServedResponse",
    "ServiceListener",
    "common_params",
    "parse_query",
]
