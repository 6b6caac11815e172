"""From a request path to a finished badge response: fetch, transform, render.

:class:`BadgeService` is what the ASGI app calls on a miss of its hot index. It parses
the route and the query, gets the package's facts through the record caches (one
upstream fetch per package per freshness window, shared by every badge kind, style
and format), asks the badge kind for (label, message, colour), renders the format
asked for and prepares the response with its caching headers, once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, TypeVar, cast
from urllib.parse import parse_qsl, quote, quote_from_bytes

import aiohttp
from packaging.utils import canonicalize_name

from pypins import settings
from pypins.badges import (
    KINDS,
    LEGACY_KINDS,
    AttestationFacts,
    Badge,
    BadgeKind,
    DownloadFacts,
    IndexFacts,
    PackageFacts,
    Params,
    error_badge,
    facts_from_json,
    index_facts,
    parse_static_path,
    static_from_query,
)
from pypins.cache.codec import decode_entry, encode_entry, record_key
from pypins.cache.lru import LRUCache
from pypins.cache.ratelimit import Limit, LocalRateLimiter, RateLimiter, RedisRateLimiter
from pypins.cache.records import (
    LOCK_TTL,
    NOT_MODIFIED,
    CacheResult,
    Entry,
    Fetched,
    RecordCache,
)
from pypins.cache.redis_store import RedisStore
from pypins.client import AsyncPyPIClient
from pypins.client._async import client_session
from pypins.client._guard import (
    MAX_REDIRECTS,
    NO_REGISTRIES,
    RegistryGuard,
    RegistryPolicy,
    guarded_session,
)
from pypins.client._http import URLCheck
from pypins.client._names import validate_name, validate_version
from pypins.client._parse import parse_simple_project
from pypins.config import ServiceConfig
from pypins.errors import (
    HTTPError,
    InvalidParameterError,
    PypinsError,
    UpstreamBusyError,
    UpstreamPendingError,
)
from pypins.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from pypins.metrics import Metrics, ResponseTag
from pypins.render import STYLES, normalize_color, render_json, render_png, render_svg
from pypins.settings import user_agent
from pypins.stats import UsageRecorder
from pypins.stats.keys import LEGACY_PREFIX, usage_kind
from pypins.stats.report import DEFAULT_DAYS, DEFAULT_LIMIT, MAX_DAYS, MAX_LIMIT
from pypins.upstream import CircuitBreaker, RetryPolicy, Slots, UpstreamGuard
from pypins.web import openapi, pages, stats_pages
from pypins.web.accesslog import AccessLog
from pypins.web.http import (
    CONTENT_TYPES,
    SVG_SECURITY_HEADERS,
    PreparedResponse,
    cache_control,
    lifetime,
    prepare,
)
from pypins.web.poller import ReleasePoller
from pypins.web.routes import BadgeRoute, RedirectRoute, StaticRoute, parse, split_format

log = logging.getLogger(__name__)

#: Seconds an error badge stays in the hot index before the service is asked again.
ERROR_RECHECK = 5.0
#: Seconds a badge rendered from a stale record stays in the hot index.
STALE_RECHECK = 1.0
#: Rendered badges remembered by their canonical key.
RENDERED_ENTRIES = 100_000
RENDERED_BYTES = 256 * 1024 * 1024
#: Longest label or message a query may set (the renderer cuts longer texts too).
MAX_QUERY_TEXT = 256
#: Most query fields parsed; more is an invalid query.
MAX_QUERY_FIELDS = 64

#: Days of request counts the start-up warming ranks download badges by.
WARM_DAYS = 7
#: Seconds one process holds the right to warm (other workers and hosts skip it).
WARM_LEASE_SECONDS = 3600.0
#: The kinds whose records are download counts, as the request counts name them.
_DOWNLOAD_KINDS: Final = frozenset(
    [segment for segment, kind in KINDS.items() if kind.source == "stats"]
    + [LEGACY_PREFIX + segment for segment, kind in LEGACY_KINDS.items() if kind.source == "stats"]
)

T = TypeVar("T", PackageFacts, DownloadFacts, IndexFacts, AttestationFacts)
V = TypeVar("V", PackageFacts, IndexFacts, AttestationFacts)
#: What a badge kind reads: one record, or two read together.
FactsResult = (
    CacheResult[PackageFacts]
    | CacheResult[DownloadFacts]
    | CacheResult[IndexFacts]
    | CacheResult[AttestationFacts]
)

_COMMON_ALIASES = {"colorB": "color", "colorA": "labelColor", "maxAge": "cacheSeconds"}


#: Characters of a query string kept as they are in a redirect (the rest is encoded).
QUERY_SAFE = "/?:@!$&'()*+,;=%"

#: Seconds the stats page and data are reused.
STATS_LIFETIME = 10
#: Seconds between two writes of the request counts to their store.
USAGE_FLUSH_SECONDS = 5

#: Tags of the responses that are not badges.
PAGE_TAG = ResponseTag("page", "html", "ok")
HEALTH_TAG = ResponseTag("health", "text", "ok")
REDIRECT_TAG = ResponseTag("redirect", "-", "redirect")
NOT_FOUND_TAG = ResponseTag("none", "-", "not_found")
REFUSED_TAG = ResponseTag("none", "-", "refused")
METRICS_TAG = ResponseTag("metrics", "text", "ok")
STATS_TAG = ResponseTag("stats", "-", "ok")


@dataclass(frozen=True, slots=True)
class ServedResponse:
    """A prepared response, the wall-clock time until which it may be reused, and what
    it counts as in the metrics."""

    response: PreparedResponse
    expires: float
    tag: ResponseTag = PAGE_TAG
    #: How the record behind it was found (``hit``, ``stale``, ``miss``), for the log.
    cache: str | None = None
    #: When the record it was rendered from was fetched (0: not from a record).
    fetched_at: float = 0.0


@dataclass(frozen=True, slots=True)
class CommonParams:
    """The query parameters every badge accepts, validated."""

    style: str = "flat"
    label: str | None = None
    color: str | None = None
    label_color: str | None = None
    cache_seconds: int | None = None
    registry: str | None = None

    def key(self) -> tuple[object, ...]:
        """What of these parameters changes the response (the common keys are shared)."""
        key = (
            self.style,
            self.label,
            self.color,
            self.label_color,
            self.cache_seconds,
            self.registry,
        )
        return _STYLE_KEYS.get(key, key)


#: The key of each style without other parameters, kept once for all badges.
_STYLE_KEYS: dict[tuple[object, ...], tuple[object, ...]] = {
    key: key for key in ((style, None, None, None, None, None) for style in STYLES)
}


@functools.lru_cache(maxsize=256)
def _metrics_label(family: str, segment: str) -> str:
    """The metrics label of a badge kind (one shared string per kind)."""
    return f"{family}/{segment}"


def parse_query(query: bytes) -> dict[str, str]:
    """The query string as a mapping; the first of repeated keys wins.

    More than ``MAX_QUERY_FIELDS`` fields is an ``InvalidParameterError``.
    """
    params: dict[str, str] = {}
    text = query.decode("latin-1")
    try:
        fields = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise InvalidParameterError("query", "too many fields") from None
    for key, value in fields:
        params.setdefault(key, value)
    return params


def common_params(
    query: Mapping[str, str], registries: RegistryPolicy = NO_REGISTRIES
) -> CommonParams:
    """Validate the parameters every badge takes (``style``, ``label``, ``color``...).

    ``pypiBaseUrl`` must lie under a registry of ``registries`` (none by default); it
    is kept in its canonical spelling.
    """
    values = dict(query)
    for alias, name in _COMMON_ALIASES.items():
        if alias in values and name not in values:
            values[name] = values[alias]
    style = values.get("style") or "flat"
    if style not in STYLES:
        raise InvalidParameterError("style")
    label = values.get("label")
    if label is not None and len(label) > MAX_QUERY_TEXT:
        raise InvalidParameterError("label")
    color = _color(values, "color")
    label_color = _color(values, "labelColor")
    cache_seconds = None
    raw_seconds = values.get("cacheSeconds")
    if raw_seconds:
        if not raw_seconds.isascii() or not raw_seconds.isdigit() or len(raw_seconds) > 9:
            raise InvalidParameterError("cacheSeconds")
        cache_seconds = int(raw_seconds)
    registry = values.get("pypiBaseUrl") or None
    if registry is not None:
        registry = registries.check(registry)
    return CommonParams(style, label, color, label_color, cache_seconds, registry)


def _color(values: Mapping[str, str], name: str) -> str | None:
    raw = values.get(name)
    if not raw:
        return None
    color = normalize_color(raw)
    if color is None:
        raise InvalidParameterError(name)
    return color


class BadgeService:
    """Answers badge requests; owns the upstream clients and the record caches."""

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
        #: The base URLs allowed as ``pypiBaseUrl``.
        self.registries = RegistryPolicy.from_urls(config.allowed_registries)
        self._session = session
        #: The pool of custom registries: addresses checked, DNS-pinned (made on first use).
        self._registry_session: aiohttp.ClientSession | None = None
        self._registry_guard = RegistryGuard(self.registries, config.allow_private_registries)
        self._default_client: AsyncPyPIClient | None = None
        #: The shared tier (Redis) when configured; None when embedded.
        self.shared: RedisStore | None = None
        if config.redis_url is not None:
            self.shared = RedisStore.from_url(config.redis_url, timeout=config.redis_timeout)
        # One cap on upstream requests for the whole process, one guard per upstream.
        self.slots = Slots(config.max_upstream_concurrency, config.max_queued, config.timeout)
        self.facts = self._records(PackageFacts, "pypi", config.cache_ttl)
        #: Simple API pages, fetched only for the badges that need them.
        self.index = self._records(IndexFacts, "simple", config.cache_ttl)
        #: One file's provenance per release, fetched only for the attestations badge.
        self.attestations = self._records(AttestationFacts, "integrity", config.cache_ttl)
        # A download-count fetch may queue behind pypistats' limit for minutes: its
        # cross-process lock lasts as long, so that no other process asks meanwhile.
        stats_lock = settings.DEFAULT_STATS_BACKLOG + config.timeout
        self.downloads = self._records(
            DownloadFacts,
            "pypistats",
            config.downloads_ttl,
            lock_ttl=stats_lock,
            max_wait=stats_lock,
        )
        # pypistats.org allows 5 requests a second and 30 a minute per client: one
        # first-come, first-served queue for the whole deployment when workers share a
        # Redis.
        limits = (
            Limit(config.stats_rate_per_second, 1.0),
            Limit(config.stats_rate_per_minute, 60.0),
        )
        # Without Redis (or while it is down) each worker keeps its own queue: each gets
        # its share of the allowance (at least one request per window).
        local_limiter = LocalRateLimiter(
            tuple(Limit(max(1, limit.count // config.workers), limit.window) for limit in limits)
        )
        if self.shared is None and config.workers > min(limit.count for limit in limits):
            log.warning(
                "%d workers without Redis may ask pypistats.org more often than it allows "
                "(each needs at least one request a second); set PYPINS_REDIS_URL",
                config.workers,
            )
        self.stats_limiter: RateLimiter = local_limiter
        if self.shared is not None:
            self.stats_limiter = RedisRateLimiter(
                self.shared, "pypistats", limits, fallback=local_limiter
            )
        #: The start-up task fetching the most requested download counts, while it runs.
        self._warming: asyncio.Task[int] | None = None
        #: Packages whose counts pypistats is being asked for (their turn came).
        self._asking_pypistats: set[str] = set()
        #: Requests per (package, kind), hit ratio and upstream requests, by day.
        self.usage = UsageRecorder.from_config(config, self.shared)
        #: One JSON line per request, when configured (written by the app).
        self.access_log = AccessLog.from_config(config)
        self.guards: dict[str, UpstreamGuard] = {}
        self.poller: ReleasePoller | None = None
        #: Called after the poller marked records stale (the app drops its hot index).
        self.on_invalidate: Callable[[], None] | None = None
        self.rendered: LRUCache[tuple[object, ...], ServedResponse] = LRUCache(
            RENDERED_ENTRIES, max_bytes=RENDERED_BYTES, sizeof=lambda served: served.response.size
        )
        self._redis_errors_seen = 0
        #: Called before each fold of the metrics (the app reports its hot index).
        self.fold_hooks: list[Callable[[], None]] = []
        self.index_page = _page(pages.index_page(), "html")
        self.openapi = _page(openapi.document(), "json")
        self.health = _page(b"ok\n", "text", cache=b"no-store")

    def _records(
        self,
        kind: type[T],
        upstream: str,
        ttl: int,
        *,
        lock_ttl: float | None = None,
        max_wait: float | None = None,
    ) -> RecordCache[T]:
        """The two-tier cache of one kind of record, counted as ``upstream``'s fetches."""
        config = self.config
        return RecordCache(
            ttl=ttl,
            grace=config.grace,
            negative_ttl=config.negative_ttl,
            clock=self.clock,
            shared=self.shared,
            encode=partial(encode_entry, kind=kind),
            decode=_decoder(kind),
            shared_key=partial(record_key, kind),
            lock_ttl=LOCK_TTL if lock_ttl is None else lock_ttl,
            max_wait=config.timeout if max_wait is None else max_wait,
            admit=partial(self._admit, upstream),
        )

    async def start(self) -> None:
        """Open the upstream connection pool, start the release poller and the warming
        of the most requested download counts."""
        self._pool()
        if self.config.warm_downloads > 0 and self._warming is None:
            self._warming = asyncio.get_running_loop().create_task(self._warm_quietly())
        if self.config.poll_interval > 0 and self.poller is None:
            self.poller = ReleasePoller(
                self.client(),
                self.release_seen,
                guard=self.guard("rss"),
                should_poll=self._may_poll,
                interval=self.config.poll_interval,
            )
            self.poller.start()

    async def stop(self) -> None:
        """Stop polling, wait for background refreshes, close the pools."""
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
            self._warming = None
        for records in (self.facts, self.index, self.attestations):
            await records.drain()
        # Download counts may be queued behind pypistats' limit for minutes: stopped.
        await self.downloads.aclose()
        await self.usage.aclose()
        if self.access_log is not None:
            self.access_log.close()
        if self.shared is not None:
            await self.shared.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._registry_session is not None:
            await self._registry_session.close()
            self._registry_session = None
        self._default_client = None

    def _pool(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = client_session(timeout=self.config.timeout)
        return self._session

    def _admit(self, upstream: str) -> None:
        """Refuse a fetch at once when the upstream queue is full (counted as busy)."""
        try:
            self.slots.admit()
        except UpstreamBusyError:
            self.metrics.upstream_finished(upstream, "busy", 0.0)
            raise

    def guard(self, upstream: str) -> UpstreamGuard:
        """The guard of ``upstream`` (``pypi``, ``pypistats``, ``rss``, ``registry:<url>``)."""
        guard = self.guards.get(upstream)
        if guard is None:
            config = self.config
            guard = UpstreamGuard(
                upstream,
                breaker=CircuitBreaker(
                    threshold=config.breaker_threshold, cooldown=config.breaker_cooldown
                ),
                # Each request to pypistats spends a place in its rate limit: a retry
                # would be one more request outside the queue. The record is fetched
                # again later instead (failure back-off).
                retry=RetryPolicy(
                    retries=0 if upstream == "pypistats" else config.retries,
                    budget=config.timeout,
                ),
                slots=self.slots,
                observer=_Observer(self.metrics, self.usage),
                shared=self.shared,
            )
            self.guards[upstream] = guard
        return guard

    def _registry_pool(self) -> aiohttp.ClientSession:
        if self._registry_session is None:
            self._registry_session = guarded_session(
                allow_private=self.config.allow_private_registries,
                timeout=self.config.timeout,
            )
        return self._registry_session

    def client(self, registry: str | None = None) -> AsyncPyPIClient:
        """The upstream client for ``registry`` (default: the configured PyPI).

        A custom registry, checked by ``common_params``, is reached only through the
        guarded pool. Its clients are made afresh, not remembered: any path under an
        allowed base is a registry of its own, and a client is only settings over the
        shared pool.
        """
        if registry is not None:
            return self._new_client(registry, self._registry_pool(), self._registry_guard)
        if self._default_client is None:
            self._default_client = self._new_client(self.config.pypi_url, self._pool())
        return self._default_client

    def _new_client(
        self,
        base: str,
        pool: aiohttp.ClientSession,
        check_url: URLCheck | None = None,
    ) -> AsyncPyPIClient:
        # A custom registry's Simple and Integrity APIs are next to its JSON API.
        default = check_url is None
        return AsyncPyPIClient(
            base,
            simple_url=self.config.simple_url if default else None,
            integrity_url=self.config.integrity_url if default else None,
            stats_url=self.config.stats_url,
            timeout=self.config.timeout,
            max_response_bytes=self.config.max_response_bytes,
            latest_updates_url=self.config.updates_url,
            user_agent=user_agent(self.config.contact_url),
            session=pool,
            check_url=check_url,
            # A registry's name is resolved and checked here, never by a proxy.
            trust_env=check_url is None,
            max_redirects=MAX_REDIRECTS,
        )

    async def respond(
        self, path: str, query: bytes, raw_path: bytes | None = None
    ) -> ServedResponse | None:
        """The response for ``path`` and ``query``, or None for an unknown route (404).

        ``raw_path`` is the path as sent, still percent-encoded: a static badge's spec is
        split on its dashes before it is decoded (``%2D`` is a literal dash), once.
        """
        if raw_path is not None and raw_path.startswith(b"/badge/"):
            tail = raw_path[len(b"/badge/") :].decode("utf-8", "replace")
            if not tail or "/" in tail:
                return None
            spec, fmt = split_format(tail)
            return self._static(StaticRoute(spec=spec, fmt=fmt), query)
        route = parse(path)
        if isinstance(route, BadgeRoute):
            return await self._badge(route, query)
        if isinstance(route, StaticRoute):
            return self._static(route, query)
        if isinstance(route, RedirectRoute):
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
        if path == "/":
            return self._builder(query)
        if path == "/openapi.json":
            return self.openapi
        if path == "/healthz":
            return ServedResponse(self.health.response, 0.0, HEALTH_TAG)
        if path == "/metrics" and not self.config.metrics_bind:
            return self.metrics_response()
        if path in {"/stats", "/stats.json"}:
            return await self._stats(path, query)
        return None

    async def _stats(self, path: str, query: bytes) -> ServedResponse:
        """The most requested badges of the last ``?days=`` days (page or JSON)."""
        try:
            raw = parse_query(query).get("days", "")
        except InvalidParameterError:
            raw = ""
        days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else DEFAULT_DAYS
        days = min(max(days, 1), MAX_DAYS)
        report = await self.usage.report(days, DEFAULT_LIMIT)
        if path == "/stats.json":
            body, kind, headers = stats_pages.stats_json(report, days), "json", JSON_HEADERS
        else:
            body, kind, headers = stats_pages.stats_html(report, days), "html", STATS_HEADERS
        response = prepare(
            200,
            body,
            CONTENT_TYPES[kind],
            cache=cache_control(STATS_LIFETIME),
            extra_headers=headers,
        )
        return ServedResponse(response, self.clock() + STATS_LIFETIME, STATS_TAG)

    async def reset_stats(self) -> None:
        """Forget the request counts (raises ``UsageStoreError`` when the store fails)."""
        await self.usage.reset()

    async def tick(self, seconds: int) -> None:
        """Once a second: fold the metrics and the request counts, write the access log;
        every few seconds, store the request counts."""
        self.fold_metrics()
        if self.access_log is not None:
            self.access_log.flush()
        if seconds % USAGE_FLUSH_SECONDS == 0:
            await self.usage.flush()

    def metrics_response(self) -> ServedResponse:
        """``/metrics``: the Prometheus text exposition (every worker's, summed)."""
        self.fold_metrics()
        body = self.metrics.exposition()
        response = prepare(200, body, METRICS_CONTENT_TYPE, cache=b"no-store", with_etag=False)
        return ServedResponse(response, 0.0, METRICS_TAG)

    def fold_metrics(self) -> None:
        """Move the hot-path tallies into the metrics (every second, and on a scrape)."""
        for hook in self.fold_hooks:
            hook()
        tally = self.metrics.take_tally()
        usage = self.usage
        for tag, count in tally.items():
            if tag.usage is not None:
                usage.count(*tag.usage, count)
        self.metrics.fold(
            tally,
            [
                ("rendered", len(self.rendered)),
                ("records", len(self.facts.memory)),
                ("downloads", len(self.downloads.memory)),
            ],
        )
        if self.shared is not None:
            errors = self.shared.errors
            if errors > self._redis_errors_seen:
                self.metrics.redis_errors.inc(errors - self._redis_errors_seen)
                self._redis_errors_seen = errors

    def _builder(self, query: bytes) -> ServedResponse:
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

    # -- package badges --------------------------------------------------------------

    async def _badge(self, route: BadgeRoute, query: bytes) -> ServedResponse | None:
        kinds = LEGACY_KINDS if route.family == "legacy" else KINDS
        kind = kinds.get(route.kind)
        if kind is None or (route.version is not None and not kind.accepts_version):
            return None
        if bool(route.framework) != bool(kind.path_params):
            return None
        label = _metrics_label(route.family, kind.segment)
        try:
            values = parse_query(query)
            common = common_params(values, self.registries)
        except InvalidParameterError as error:
            return self._error(kind, error, route.fmt, CommonParams(), label=label)
        params = {name: values[name] for name in kind.params if name in values}
        if route.framework is not None:
            params[kind.path_params[0]] = route.framework
        try:
            validate_name(route.package)
            if route.version is not None:
                validate_version(route.version)
        except PypinsError as error:
            return self._error(kind, error, route.fmt, common, label=label)
        # One string per package, shared by its record, its badges' keys and tags.
        name = sys.intern(canonicalize_name(route.package))
        key = (
            route.family,
            kind.segment,
            name,
            route.version,
            route.fmt,
            tuple(sorted(params.items())),
            common.key(),
        )
        try:
            found = await self._facts(kind, name, route.version, common.registry, params)
        except PypinsError as error:
            return self._error(kind, error, route.fmt, common, label=label, package=name)
        self.metrics.count_cache("records", found.state)
        self.usage.count_cache(found.state)
        entry = found.entry
        if entry.value is None:
            return self._error(
                kind, HTTPError(404, "Not Found"), route.fmt, common, label=label, package=name
            )
        served_before = self.rendered.get(key)
        if served_before is not None and served_before.fetched_at == entry.fetched_at:
            served = served_before
        else:
            try:
                badge = kind.render(entry.value, params, now=datetime.now(UTC))
            except PypinsError as error:
                return self._error(kind, error, route.fmt, common, label=label, package=name)
            cache = self._cache_header(kind, common, is_error=badge.is_error)
            response = await self._render(badge, route.fmt, common, cache, name)
            status = "error" if badge.is_error else "ok"
            tag = ResponseTag(label, route.fmt, status, name, usage=(name, usage_kind(route)))
            served = ServedResponse(response, entry.fresh_until, tag, found.state, entry.fetched_at)
            self.rendered.set(key, served)
        if found.state == "stale":
            return ServedResponse(
                served.response, self.clock() + STALE_RECHECK, served.tag, found.state
            )
        if found.valid_until < served.expires or found.state != served.cache:
            return ServedResponse(served.response, found.valid_until, served.tag, found.state)
        return served

    async def _facts(
        self,
        kind: BadgeKind,
        name: str,
        version: str | None,
        registry: str | None,
        params: Params,
    ) -> FactsResult:
        """The record a kind needs, from the caches or the upstreams.

        Most kinds read the JSON API's record alone. The project-status badge reads the
        Simple API's; a badge that needs the release list reads it there too when the
        JSON API left out ``releases``; the attestations badge reads the provenance of
        one file of the release the JSON record describes.
        """
        if kind.source == "stats":
            return await self._downloads(name)
        if kind.source == "simple":
            return await self._index(name, registry)
        found = await self._package(name, version, registry)
        facts = found.entry.value
        if facts is None:
            return found
        if kind.source == "integrity":
            if facts.provenance_file is None:  # a release without files attests nothing
                return _joined(found, None, AttestationFacts())
            attested = await self._attestations(
                name, facts.version, facts.provenance_file, registry
            )
            return _joined(found, attested, attested.entry.value or AttestationFacts())
        if version is None and not facts.has_release_list and kind.needs_release_list(params):
            listed = await self._index(name, registry)
            highest = None if listed.entry.value is None else listed.entry.value.highest_version
            return _joined(found, listed, replace(facts, highest_version=highest))
        return found

    async def _package(
        self, name: str, version: str | None, registry: str | None
    ) -> CacheResult[PackageFacts]:
        """The JSON API's record of a project (or one release)."""
        client = self.client(registry)

        async def fetch_facts(
            previous: Entry[PackageFacts] | None,
        ) -> Fetched[PackageFacts] | object:
            # Revalidate with the validators of the record we hold: a 304 refreshes it
            # without a body to read or parse.
            held = previous.validators if previous is not None and previous.found else None

            async def request() -> Fetched[PackageFacts] | object:
                document = await client.get_json(
                    name,
                    version,
                    if_none_match=held.etag if held else None,
                    if_modified_since=held.last_modified if held else None,
                )
                if document.data is None:
                    return NOT_MODIFIED
                # Inside the guard: a document of the wrong shape is a failed request.
                facts = facts_from_json(document.data, pinned=version is not None)
                return Fetched(facts, document.validators)

            return await self._upstream_guard("pypi", registry).call(request)

        return await self.facts.get(_facts_key(registry, name, version), fetch_facts)

    async def _downloads(
        self, name: str, *, wait: float | None = None
    ) -> CacheResult[DownloadFacts]:
        """pypistats' record of a project, asked for in turn behind its rate limit.

        Counts change once a day: a record stays fresh for hours, then is served stale
        while one refresh waits for its turn. Without a record, a badge waits ``wait``
        seconds (``stats_max_wait`` by default) for its turn, then for the answer if its
        turn came; its request stays queued after that, for the next load. A 429 pauses
        the queue of every process.
        """
        # Download counts come from pypistats.org whatever the registry (the record is
        # keyed by the name alone): through the default pool, not the guarded one.
        stats_client = self.client()
        limiter = self.stats_limiter
        asking = self._asking_pypistats

        async def fetch_downloads(_: Entry[DownloadFacts] | None) -> Fetched[DownloadFacts]:
            if not await limiter.acquire(settings.DEFAULT_STATS_BACKLOG):
                raise HTTPError(429, "Too Many Requests (pypins' queue for pypistats is full)")
            asking.add(name)
            try:
                counts = await self.guard("pypistats").call(partial(stats_client.downloads, name))
            except HTTPError as error:
                if error.status_code == 429:
                    await limiter.pause(error.retry_after or settings.DEFAULT_STATS_PAUSE)
                raise
            finally:
                asking.discard(name)
            return Fetched(DownloadFacts(counts.day, counts.week, counts.month))

        if wait is None:
            wait = self.config.stats_max_wait
        try:
            return await self.downloads.get(name, fetch_downloads, wait=wait)
        except UpstreamPendingError:
            if name not in asking:
                raise
        # Its turn came within the wait and its request is under way: the wait bounds
        # the queue, not pypistats' answer, which the timeout bounds.
        return await self.downloads.get(name, fetch_downloads, wait=self.config.timeout)

    async def warm_downloads(self, pace: float | None = None) -> int:
        """Fetch the download counts of the most requested download badges (of the last
        week, by the request counts) that no tier holds, at most ``warm_downloads`` of
        them, one every ``pace`` seconds: by default at a quarter of pypistats' allowance,
        so that visitors keep the rest. One process of a deployment does it. The number
        of records fetched."""
        limit = self.config.warm_downloads
        if limit <= 0:
            return 0
        if self.shared is None and self.config.workers > 1:
            return 0  # no way to choose one worker: none warms
        lease = self.shared is None or await self.shared.acquire(
            "warm-downloads", WARM_LEASE_SECONDS
        )
        if lease is None:
            return 0  # another process warms
        report = await self.usage.report(WARM_DAYS, MAX_LIMIT)
        names = list(
            dict.fromkeys(row.package for row in report.rows if row.kind in _DOWNLOAD_KINDS)
        )[:limit]
        if pace is None:
            pace = 4 * 60.0 / self.config.stats_rate_per_minute
        fetched = 0
        for name in names:
            try:
                found = await self._downloads(name, wait=settings.DEFAULT_STATS_BACKLOG)
            except PypinsError as error:
                log.info("warming the download counts of %s failed: %s", name, error)
                continue
            if found.state == "miss":
                fetched += 1
                await asyncio.sleep(pace)
        log.info("warmed the download counts of %d of %d packages", fetched, len(names))
        return fetched

    async def _index(self, name: str, registry: str | None) -> CacheResult[IndexFacts]:
        """The Simple API's record of a project (its release list and PEP 792 status)."""
        client = self.client(registry)

        async def fetch_index(previous: Entry[IndexFacts] | None) -> Fetched[IndexFacts] | object:
            held = previous.validators if previous is not None and previous.found else None

            async def request() -> Fetched[IndexFacts] | object:
                document = await client.get_simple_json(
                    name,
                    if_none_match=held.etag if held else None,
                    if_modified_since=held.last_modified if held else None,
                )
                if document.data is None:
                    return NOT_MODIFIED
                page = parse_simple_project(document.data, name)
                files = ((file.filename, file.yanked) for file in page.files)
                return Fetched(index_facts(page.status, page.versions, files), document.validators)

            return await self._upstream_guard("simple", registry).call(request)

        return await self.index.get(_facts_key(registry, name, None), fetch_index)

    async def _attestations(
        self, name: str, version: str, filename: str, registry: str | None
    ) -> CacheResult[AttestationFacts]:
        """The Integrity API's record of one file: who published it, if anyone attested."""
        client = self.client(registry)

        async def fetch_provenance(_: Entry[AttestationFacts] | None) -> Fetched[AttestationFacts]:
            async def request() -> Fetched[AttestationFacts]:
                provenance = await client.provenance(name, version, filename)
                publishers = () if provenance is None else provenance.publishers
                label = publishers[0].label if publishers else None
                return Fetched(AttestationFacts(sys.intern(label) if label else None))

            return await self._upstream_guard("integrity", registry).call(request)

        key = f"{_facts_key(registry, name, version)}|{filename}"
        return await self.attestations.get(key, fetch_provenance)

    def _upstream_guard(self, upstream: str, registry: str | None) -> UpstreamGuard:
        """The guard of one of PyPI's APIs, or of the custom registry's base."""
        if registry is None:
            return self.guard(upstream)
        # One guard per allowed base: the paths below a base are countless.
        return self.guard(f"registry:{self.registries.base(registry)}")

    async def _warm_quietly(self) -> int:
        try:
            return await self.warm_downloads()
        except Exception:  # warming is a nicety: it must not take the worker down
            log.exception("warming the download counts failed")
            return 0

    async def release_seen(self, name: str, released_at: float) -> bool:
        """A release of ``name`` at ``released_at``: mark older records of it stale."""
        key = _facts_key(None, name, None)
        changed = await self.facts.invalidate_before(key, released_at)
        # The Simple API's record lists the releases too (bitwise or: both are marked).
        changed = await self.index.invalidate_before(key, released_at) | changed
        if changed and self.on_invalidate is not None:
            self.on_invalidate()
        return changed

    async def purge(self, package: str) -> tuple[str, bool]:
        """Mark ``package``'s records stale in every tier: the next request serves them
        once more and fetches anew. Its canonical name and whether anything was cached;
        ``InvalidNameError`` (a ``ValueError``) for an impossible name."""
        validate_name(package)
        name = canonicalize_name(package)
        # Everything fetched up to and including this instant.
        now = math.nextafter(self.clock(), math.inf)
        changed = await self.release_seen(name, now)
        if await self.downloads.invalidate_before(name, now):
            changed = True
            if self.on_invalidate is not None:
                self.on_invalidate()
        return name, changed

    async def _may_poll(self) -> bool:
        """Whether this process reads the updates feed this round (one per deployment)."""
        if self.shared is None:
            return True
        interval = self.config.poll_interval
        return await self.shared.acquire("release-poller", max(1.0, interval * 0.9)) is not None

    # -- static badges ------------------------------------------------------------------

    def _static(self, route: StaticRoute, query: bytes) -> ServedResponse:
        try:
            values = parse_query(query)
            common = common_params(values)
            if route.spec is None:
                badge = static_from_query(values)
            else:
                badge, _ = parse_static_path(route.spec)
        except PypinsError as error:
            return self._error(None, error, route.fmt, CommonParams(), label="static")
        max_age = lifetime("static", common.cache_seconds)
        response = _render_sync(
            badge, route.fmt, common, cache_control(max_age, shared_max_age=max_age)
        )
        tag = ResponseTag("static", route.fmt, "ok")
        return ServedResponse(response, self.clock() + max_age, tag)

    # -- rendering ----------------------------------------------------------------------

    def _error(
        self,
        kind: BadgeKind | None,
        error: BaseException,
        fmt: str,
        common: CommonParams,
        *,
        label: str,
        package: str | None = None,
    ) -> ServedResponse:
        badge = error_badge(error, kind)
        if isinstance(error, UpstreamBusyError):
            # Not worth keeping anywhere: the next request may well find a free slot.
            response = _render_sync(badge, fmt, common, b"no-store", package, retry_after=b"1")
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "busy", package or ""))
        if isinstance(error, UpstreamPendingError):
            # Queued behind a rate limit: the answer comes in seconds, so caches keep this
            # badge briefly and pypins never does (the next request waits for it again).
            max_age = lifetime("pending")
            cache = cache_control(max_age, shared_max_age=max_age)
            response = _render_sync(
                badge, fmt, common, cache, package, retry_after=str(max_age).encode()
            )
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "pending", package or ""))
        max_age = lifetime("error")
        cache = cache_control(max_age, shared_max_age=max_age)
        response = _render_sync(badge, fmt, common, cache, package)
        tag = ResponseTag(label, fmt, "error", package or "")
        return ServedResponse(response, self.clock() + ERROR_RECHECK, tag)

    def _cache_header(self, kind: BadgeKind, common: CommonParams, *, is_error: bool) -> bytes:
        """Cache-Control for a package badge: browsers get the category's lifetime (or
        ``cacheSeconds``), shared caches the record's freshness, both the grace period."""
        if is_error:
            max_age = lifetime("error", common.cache_seconds)
            return cache_control(max_age, shared_max_age=max_age)
        max_age = lifetime(kind.category, common.cache_seconds)
        record_ttl = self.config.downloads_ttl if kind.source == "stats" else self.config.cache_ttl
        return cache_control(
            max_age, shared_max_age=max(record_ttl, max_age), grace=self.config.grace
        )

    async def _render(
        self, badge: Badge, fmt: str, common: CommonParams, cache: bytes, package: str
    ) -> PreparedResponse:
        if fmt == "png":
            return await asyncio.to_thread(_render_sync, badge, fmt, common, cache, package)
        return _render_sync(badge, fmt, common, cache, package)


_STATES: Final = ("hit", "stale", "miss")


def _joined(
    first: CacheResult[PackageFacts], second: CacheResult[Any] | None, value: V
) -> CacheResult[V]:
    """One result for facts read from two records (``second`` None: from ``first``
    alone): fetched when the later was, fresh and valid while both are, a miss or
    stale if either is."""
    results: list[CacheResult[Any]] = [first] if second is None else [first, second]
    entry = Entry(
        value,
        max(result.entry.fetched_at for result in results),
        min(result.entry.fresh_until for result in results),
        min(result.entry.stale_until for result in results),
        first.entry.validators,
    )
    state = max((result.state for result in results), key=_STATES.index)
    return CacheResult(entry, state, min(result.valid_until for result in results))


def _facts_key(registry: str | None, name: str, version: str | None) -> str:
    """The record key of a package (or one release) on a registry (None: the default)."""
    return f"{registry or ''}|{name}|{version or ''}"


def _decoder(kind: type[T]) -> Callable[[bytes], Entry[T] | None]:
    """``decode_entry`` for one kind of facts."""

    def decode(data: bytes) -> Entry[T] | None:
        return cast("Entry[T] | None", decode_entry(data, kind))

    return decode


def _render_sync(
    badge: Badge,
    fmt: str,
    common: CommonParams,
    cache: bytes,
    package: str | None = None,
    *,
    retry_after: bytes | None = None,
) -> PreparedResponse:
    """Render ``badge`` with the common overrides as a prepared response.

    ``package`` (the PEP 503 name) is sent as ``X-Pypins-Package`` so that a cache in
    front can purge every badge of one package.
    """
    label = badge.label if common.label is None else common.label
    color = badge.color if badge.is_error or common.color is None else common.color
    style = common.style
    if fmt == "json":
        body = render_json(
            label,
            badge.message,
            color,
            label_color=common.label_color,
            style=None if style == "flat" else style,
        ).encode()
    elif fmt == "png":
        body = render_png(label, badge.message, color, label_color=common.label_color, style=style)
    else:
        body = render_svg(
            label, badge.message, color, label_color=common.label_color, style=style
        ).encode()
    headers = SVG_SECURITY_HEADERS if fmt == "svg" else [(b"x-content-type-options", b"nosniff")]
    if fmt == "json":
        headers = [*headers, (b"access-control-allow-origin", b"*")]
    if package is not None:
        headers = [*headers, (b"x-pypins-package", package.encode("ascii"))]
    if retry_after is not None:
        headers = [*headers, (b"retry-after", retry_after)]
    return prepare(200, body, CONTENT_TYPES[fmt], cache=cache, extra_headers=headers)


def _html_headers(policy: str) -> list[tuple[bytes, bytes]]:
    """Headers of an HTML page with Content-Security-Policy ``policy``, never framed."""
    return [
        (b"content-security-policy", (policy + "; frame-ancestors 'none'").encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]


#: Sent with the builder and the stats page: their own script and style only.
PAGE_HEADERS = _html_headers(pages.content_security_policy())
STATS_HEADERS = _html_headers(stats_pages.content_security_policy())
JSON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"access-control-allow-origin", b"*")]


class _Observer:
    """What the upstream guards report, to the metrics and to the request counts."""

    def __init__(self, metrics: Metrics, usage: UsageRecorder) -> None:
        self.metrics = metrics
        self.usage = usage

    def upstream_started(self, upstream: str) -> None:
        self.metrics.upstream_started(upstream)
        self.usage.count_upstream(upstream)

    def upstream_finished(self, upstream: str, outcome: str, seconds: float) -> None:
        self.metrics.upstream_finished(upstream, outcome, seconds)

    def upstream_retried(self, upstream: str) -> None:
        self.metrics.upstream_retried(upstream)

    def breaker_changed(self, upstream: str, *, is_open: bool) -> None:
        self.metrics.breaker_changed(upstream, is_open=is_open)


def _page(body: bytes, kind: str, *, cache: bytes | None = None) -> ServedResponse:
    headers = PAGE_HEADERS if kind == "html" else [(b"x-content-type-options", b"nosniff")]
    response = prepare(
        200, body, CONTENT_TYPES[kind], cache=cache or cache_control(300), extra_headers=headers
    )
    return ServedResponse(response, float("inf"), PAGE_TAG)


__all__ = ["BadgeService", "CommonParams", "ServedResponse", "common_params", "parse_query"]
