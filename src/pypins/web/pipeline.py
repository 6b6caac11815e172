"""A badge from its route: route -> record -> badge -> render -> prepared response.

:class:`BadgePipeline` validates the query and the package name (no upstream request
for a name that cannot exist), asks :class:`~pypins.web.sources.FactSources` for the
record the kind reads, asks the kind for (label, message, colour), renders the format
asked for and prepares the response with its caching headers, once per record: a
rendered badge is kept by its canonical key until its record changes. Errors become
error badges. Static badges take the same rendering path without a record.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from packaging.utils import canonicalize_name

from pypins.badges import (
    KINDS,
    LEGACY_KINDS,
    Badge,
    BadgeKind,
    error_badge,
    parse_static_path,
    static_from_query,
)
from pypins.cache.lru import LRUCache
from pypins.client import NO_REGISTRIES, RegistryPolicy
from pypins.config import ServiceConfig
from pypins.errors import (
    HTTPError,
    InvalidParameterError,
    PypinsError,
    UpstreamBusyError,
    UpstreamPendingError,
)
from pypins.metrics import Metrics, ResponseTag
from pypins.pypi import validate_name, validate_version
from pypins.render import STYLES, normalize_color, render_json, render_png, render_svg
from pypins.routes import BadgeRoute, StaticRoute
from pypins.stats import UsageRecorder
from pypins.stats.keys import usage_kind
from pypins.web.http import (
    CONTENT_TYPES,
    SVG_SECURITY_HEADERS,
    PreparedResponse,
    cache_control,
    lifetime,
    prepare,
)
from pypins.web.responses import ServedResponse
from pypins.web.sources import FactSources

__all__ = ["BadgePipeline", "CommonParams", "common_params", "parse_query", "render_badge"]

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

_COMMON_ALIASES = {"colorB": "color", "colorA": "labelColor", "maxAge": "cacheSeconds"}


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


@functools.lru_cache(maxsize=256)
def _metrics_label(family: str, segment: str) -> str:
    """The metrics label of a badge kind (one shared string per kind)."""
    return f"{family}/{segment}"


class BadgePipeline:
    """Package and static badges, from route to prepared response."""

    def __init__(
        self,
        config: ServiceConfig,
        sources: FactSources,
        metrics: Metrics,
        usage: UsageRecorder,
        *,
        registries: RegistryPolicy,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.sources = sources
        self.metrics = metrics
        self.usage = usage
        self.registries = registries
        self.clock = clock
        self.rendered: LRUCache[tuple[object, ...], ServedResponse] = LRUCache(
            RENDERED_ENTRIES, max_bytes=RENDERED_BYTES, sizeof=lambda served: served.response.size
        )

    async def badge(self, route: BadgeRoute, query: bytes) -> ServedResponse | None:
        """A package badge, or None for a kind or shape that does not exist (404)."""
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
            return self.error(kind, error, route.fmt, CommonParams(), label=label)
        params = {name: values[name] for name in kind.params if name in values}
        if route.framework is not None:
            params[kind.path_params[0]] = route.framework
        try:
            validate_name(route.package)
            if route.version is not None:
                validate_version(route.version)
        except PypinsError as error:
            return self.error(kind, error, route.fmt, common, label=label)
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
            found = await self.sources.for_kind(kind, name, route.version, common.registry, params)
        except PypinsError as error:
            return self.error(kind, error, route.fmt, common, label=label, package=name)
        self.metrics.count_cache("records", found.state)
        self.usage.count_cache(found.state)
        entry = found.entry
        if entry.value is None:
            return self.error(
                kind, HTTPError(404, "Not Found"), route.fmt, common, label=label, package=name
            )
        served_before = self.rendered.get(key)
        if served_before is not None and served_before.fetched_at == entry.fetched_at:
            served = served_before
        else:
            try:
                badge = kind.render(entry.value, params, now=datetime.now(UTC))
            except PypinsError as error:
                return self.error(kind, error, route.fmt, common, label=label, package=name)
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

    def static(self, route: StaticRoute, query: bytes) -> ServedResponse:
        """A static badge: ``/badge/<label>-<message>-<color>`` or ``/static/v1?...``."""
        try:
            values = parse_query(query)
            common = common_params(values)
            if route.spec is None:
                badge = static_from_query(values)
            else:
                badge, _ = parse_static_path(route.spec)
        except PypinsError as error:
            return self.error(None, error, route.fmt, CommonParams(), label="static")
        max_age = lifetime("static", common.cache_seconds)
        response = render_badge(
            badge, route.fmt, common, cache_control(max_age, shared_max_age=max_age)
        )
        tag = ResponseTag("static", route.fmt, "ok")
        return ServedResponse(response, self.clock() + max_age, tag)

    def error(
        self,
        kind: BadgeKind | None,
        error: BaseException,
        fmt: str,
        common: CommonParams,
        *,
        label: str,
        package: str | None = None,
    ) -> ServedResponse:
        """The error badge for ``error`` (displayable by image proxies: HTTP 200, short
        lifetime; not kept at all when the upstream was only busy or the answer queued)."""
        badge = error_badge(error, kind)
        if isinstance(error, UpstreamBusyError):
            # Not worth keeping anywhere: the next request may well find a free slot.
            response = render_badge(badge, fmt, common, b"no-store", package, retry_after=b"1")
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "busy", package or ""))
        if isinstance(error, UpstreamPendingError):
            # Queued behind a rate limit: the answer comes in seconds, so caches keep this
            # badge briefly and pypins never does (the next request waits for it again).
            max_age = lifetime("pending")
            cache = cache_control(max_age, shared_max_age=max_age)
            response = render_badge(
                badge, fmt, common, cache, package, retry_after=str(max_age).encode()
            )
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "pending", package or ""))
        max_age = lifetime("error")
        cache = cache_control(max_age, shared_max_age=max_age)
        response = render_badge(badge, fmt, common, cache, package)
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
            return await asyncio.to_thread(render_badge, badge, fmt, common, cache, package)
        return render_badge(badge, fmt, common, cache, package)


def render_badge(
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
