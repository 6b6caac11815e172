"""A badge from its route: route -> record -> badge -> render -> prepared response.

:class:`BadgePipeline` validates the query and the package name (no upstream request
for a name that cannot exist), asks :class:`~pypins.web.sources.FactSources` for the
record the kind reads, asks the kind for (label, message, colour), renders the format
asked for and prepares the response with its caching headers, once per record: a
rendered badge is kept by its canonical key until its record changes. Static badges
take the same rendering path without a record.

Errors become error badges, in the format asked for. A documented error
(``PypinsError``) says what went wrong; any other exception, at any stage, is
unexpected: counted (``pypins_unexpected_errors_total``), logged with its traceback
(:class:`UnexpectedErrors`) and answered with an error badge all the same, never a 500
and never kept as a good badge, so the next request asks again. PNG badges are drawn
off the event loop by :class:`PNGRenderer`, one at a time, with a bounded queue.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import struct
import sys
import time
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
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
from pypins.cache.budget import ENTRY_OVERHEAD, MemoryBudget, key_size
from pypins.cache.tinylfu import TinyLFUCache
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
from pypins.render import (
    LOGO_SIZES,
    MAX_LOGO_WIDTH,
    SCALES,
    STYLES,
    normalize_color,
    render_json,
    render_png,
    render_svg,
)
from pypins.routes import (
    MAX_LINK_LENGTH,
    MAX_LINKS,
    MAX_QUERY_TEXT,
    QUERY_ALIASES,
    BadgeRoute,
    StaticRoute,
)
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

__all__ = [
    "BadgePipeline",
    "CommonParams",
    "PNGRenderer",
    "QueryValues",
    "UnexpectedErrors",
    "common_params",
    "not_found_badge",
    "parse_query",
    "render_badge",
]

log = logging.getLogger(__name__)

#: Seconds an error badge stays in the hot index before the service is asked again.
ERROR_RECHECK = 5.0
#: Seconds a badge rendered from a stale record stays in the hot index.
STALE_RECHECK = 1.0
#: A typical rendered badge's bytes (what sizes the cache's frequency sketch).
RENDERED_ENTRY_BYTES = 2500
#: Most query fields parsed; more is an invalid query.
MAX_QUERY_FIELDS = 64
#: PNG badges drawn at once per worker. resvg holds the GIL while it draws (about 2 ms a
#: badge), so a render in a thread still stops the event loop for as long: a second
#: thread draws no more badges a second, it only makes the loop wait longer. Under a
#: flood of new PNG badges a cached badge's p99 was 2.3 ms with one render thread, 5 ms
#: with two and 15 ms with four (bench/png_flood.py; 86 ms drawn on the loop itself).
PNG_RENDERS = 1
#: PNG badges waiting for their turn at most; past that, the busy badge at once.
MAX_PNG_WAITING = 64
#: Busy PNG badges (one per label and style) kept once drawn.
MAX_BUSY_BADGES = 1024
#: Seconds between two tracebacks logged for one stage, kind and exception type.
UNEXPECTED_LOG_INTERVAL = 60.0
#: (stage, kind, exception type) triples whose last log line is remembered, at most.
MAX_UNEXPECTED_KEYS = 1024

#: Characters of a ``logoWidth`` read at most (``128``, ``12.5``).
_MAX_WIDTH_TEXT = 8


@dataclass(frozen=True, slots=True)
class CommonParams:
    """The query parameters every badge accepts (``pypins.routes.QUERY_PARAMS``),
    validated: colours normalised, and what the renderer would ignore already None."""

    style: str = "flat"
    label: str | None = None
    color: str | None = None
    label_color: str | None = None
    cache_seconds: int | None = None
    registry: str | None = None
    logo: str | None = None
    logo_color: str | None = None
    logo_size: str | None = None
    logo_width: float | None = None
    links: tuple[str, ...] = ()
    scale: int = 1

    def key(self) -> tuple[object, ...]:
        """What of these parameters changes the response (the common keys are shared)."""
        key = (
            self.style,
            self.label,
            self.color,
            self.label_color,
            self.cache_seconds,
            self.registry,
            self.logo,
            self.logo_color,
            self.logo_size,
            self.logo_width,
            self.links,
            self.scale,
        )
        return _STYLE_KEYS.get(key, key)


#: The key of each style without other parameters, kept once for all badges.
_STYLE_KEYS: dict[tuple[object, ...], tuple[object, ...]] = {}
_STYLE_KEYS.update((key, key) for key in (CommonParams(style).key() for style in STYLES))


class QueryValues(dict[str, str]):
    """A query string as a mapping (the first of repeated keys wins), and the first
    ``MAX_LINKS`` values of ``link``, which may repeat."""

    __slots__ = ("links",)

    def __init__(self) -> None:
        super().__init__()
        self.links: tuple[str, ...] = ()


def parse_query(query: bytes) -> dict[str, str]:
    """The query string as a mapping; the first of repeated keys wins. A
    :class:`QueryValues`: ``link`` keeps its first ``MAX_LINKS`` values in ``links``.

    More than ``MAX_QUERY_FIELDS`` fields is an ``InvalidParameterError``.
    """
    params = QueryValues()
    text = query.decode("latin-1")
    try:
        fields = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise InvalidParameterError("query", "too many fields") from None
    links: list[str] = []
    for key, value in fields:
        params.setdefault(key, value)
        if key == "link" and len(links) < MAX_LINKS:
            links.append(value)
    params.links = tuple(links)
    return params


def common_params(
    query: Mapping[str, str], registries: RegistryPolicy = NO_REGISTRIES
) -> CommonParams:
    """Validate the parameters every badge takes (``style``, ``label``, ``color``...).

    As shields.io does, a style, colour, logo, logo size or width, link or scale the
    badge cannot use is ignored (an unknown style is ``flat``); a label longer than
    ``MAX_QUERY_TEXT`` or a ``cacheSeconds`` that is no number is an
    ``InvalidParameterError``. ``pypiBaseUrl``
    must lie under a registry of ``registries`` (none by default); it is kept in its
    canonical spelling.
    """
    values = dict(query)
    for alias, name in QUERY_ALIASES.items():
        if alias in values and name not in values:
            values[name] = values[alias]
    style = values.get("style") or "flat"
    if style not in STYLES:
        # shields' old popout styles are its flat ones, and it draws any other as flat.
        style = "flat"
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
    if isinstance(query, QueryValues):
        raw_links = query.links
    else:
        raw_links = (query["link"],) if "link" in query else ()
    return CommonParams(
        style,
        label,
        color,
        label_color,
        cache_seconds,
        registry,
        logo=values.get("logo") or None,
        logo_color=_color(values, "logoColor"),
        logo_size=_choice(values.get("logoSize"), LOGO_SIZES),
        logo_width=_logo_width(values.get("logoWidth")),
        links=tuple(link for link in raw_links if link and len(link) <= MAX_LINK_LENGTH),
        scale=_scale(values.get("scale")),
    )


def _color(values: Mapping[str, str], name: str) -> str | None:
    """The colour ``name`` in its normal form; None when unset or no colour (a typo
    keeps the badge's own colour, as on shields.io)."""
    raw = values.get(name)
    return normalize_color(raw) if raw else None


def _choice(raw: str | None, choices: tuple[str, ...]) -> str | None:
    """``raw`` when it is one of ``choices``, else None."""
    return raw if raw in choices else None


def _logo_width(raw: str | None) -> float | None:
    """``logoWidth`` as a number above 0 and up to ``MAX_LOGO_WIDTH``, else None."""
    if not raw or len(raw) > _MAX_WIDTH_TEXT or not raw.replace(".", "", 1).isdecimal():
        return None
    if not raw.isascii():
        return None
    width = float(raw)
    if not 0 < width <= MAX_LOGO_WIDTH:
        return None
    return int(width) if width.is_integer() else width


def _scale(raw: str | None) -> int:
    """``scale`` as one of ``SCALES``; any other value is 1."""
    if raw is None or len(raw) != 1 or not raw.isdigit() or not raw.isascii():
        return 1
    scale = int(raw)
    return scale if scale in SCALES else 1


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
        #: Draws PNG badges off the event loop.
        self.png = PNGRenderer()
        #: Counts and logs the exceptions no part of pypins documents.
        self.unexpected = UnexpectedErrors(metrics)
        #: Rendered badges by canonical key, within their share of the memory budget.
        self.rendered: TinyLFUCache[tuple[object, ...], ServedResponse] = TinyLFUCache(
            MemoryBudget.megabytes(config.memory_budget).share("rendered"),
            rendered_size,
            entry_bytes=RENDERED_ENTRY_BYTES,
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
            return await self._badge(kind, route, query, label)
        except Exception as error:  # raised outside the stages below: still a badge
            return await self.error(kind, error, route.fmt, CommonParams(), label=label)

    async def _badge(
        self, kind: BadgeKind, route: BadgeRoute, query: bytes, label: str
    ) -> ServedResponse:
        """:meth:`badge`, each stage's exceptions answered by an error badge."""
        try:
            values = parse_query(query)
            common = common_params(values, self.registries)
        except Exception as error:
            return await self.error(
                kind, error, route.fmt, CommonParams(), label=label, stage="query"
            )
        params = {name: values[name] for name in kind.params if name in values}
        if route.framework is not None:
            params[kind.path_params[0]] = route.framework
        try:
            validate_name(route.package)
            if route.version is not None:
                validate_version(route.version)
        except Exception as error:
            return await self.error(kind, error, route.fmt, common, label=label, stage="query")
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
        except Exception as error:
            return await self.error(
                kind, error, route.fmt, common, label=label, package=name, stage="record"
            )
        self.metrics.count_cache("records", found.state)
        self.usage.count_cache(found.state)
        entry = found.entry
        if entry.value is None:
            return await self.error(
                kind, HTTPError(404, "Not Found"), route.fmt, common, label=label, package=name
            )
        served_before = self.rendered.get(key)
        if served_before is not None and served_before.fetched_at == entry.fetched_at:
            served = served_before
        else:
            try:
                badge = kind.render(entry.value, params, now=datetime.now(UTC))
            except Exception as error:
                return await self.error(
                    kind, error, route.fmt, common, label=label, package=name, stage="badge"
                )
            try:
                cache = self._cache_header(kind, common, is_error=badge.is_error)
                response = await self._draw(badge, route.fmt, common, cache, name)
            except Exception as error:
                return await self.error(
                    kind, error, route.fmt, common, label=label, package=name, stage="render"
                )
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

    async def static(self, route: StaticRoute, query: bytes) -> ServedResponse:
        """A static badge: ``/badge/<label>-<message>-<color>`` or ``/static/v1?...``."""
        try:
            return await self._static(route, query)
        except Exception as error:  # raised outside the stages below: still a badge
            return await self.error(None, error, route.fmt, CommonParams(), label="static")

    async def _static(self, route: StaticRoute, query: bytes) -> ServedResponse:
        try:
            values = parse_query(query)
            common = common_params(values)
            if route.spec is None:
                badge = static_from_query(values)
            else:
                badge, _ = parse_static_path(route.spec)
        except Exception as error:
            return await self.error(
                None, error, route.fmt, CommonParams(), label="static", stage="query"
            )
        max_age = lifetime("static", common.cache_seconds)
        cache = cache_control(max_age, shared_max_age=max_age)
        try:
            response = await self._draw(badge, route.fmt, common, cache)
        except Exception as error:
            return await self.error(None, error, route.fmt, common, label="static", stage="render")
        tag = ResponseTag("static", route.fmt, "ok")
        return ServedResponse(response, self.clock() + max_age, tag)

    async def error(
        self,
        kind: BadgeKind | None,
        error: BaseException,
        fmt: str,
        common: CommonParams,
        *,
        label: str,
        package: str | None = None,
        stage: str = "pipeline",
    ) -> ServedResponse:
        """The error badge for ``error`` (displayable by image proxies: HTTP 200, short
        lifetime; not kept at all when the upstream was only busy or the answer queued).

        An ``error`` that is not a ``PypinsError`` is unexpected: counted and logged as
        raised at ``stage`` of the ``label`` badge. A PNG error badge that finds the
        render queue full is the busy badge; one that cannot be drawn at all is the
        fixed fallback badge, well-formed whatever the renderer does.
        """
        subject = f"{package or '-'} ({fmt})"
        if not isinstance(error, PypinsError):
            self.unexpected.report(stage, label, error, subject)
        try:
            try:
                return await self._error(kind, error, fmt, common, label=label, package=package)
            except UpstreamBusyError as busy:  # no turn to draw this PNG error badge
                return await self._error(kind, busy, fmt, common, label=label, package=package)
        except Exception as failure:
            self.unexpected.report("error badge", label, failure, subject)
            max_age = lifetime("error")
            cache = cache_control(max_age, shared_max_age=max_age)
            response = badge_response(fallback_body(fmt), fmt, cache, package)
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "error", package or ""))

    async def _error(
        self,
        kind: BadgeKind | None,
        error: BaseException,
        fmt: str,
        common: CommonParams,
        *,
        label: str,
        package: str | None,
    ) -> ServedResponse:
        badge = error_badge(error, kind)
        if isinstance(error, UpstreamBusyError):
            # Not worth keeping anywhere: the next request may well find a free slot.
            response = await self._draw(
                badge, fmt, common, b"no-store", package, retry_after=b"1", busy=True
            )
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "busy", package or ""))
        if isinstance(error, UpstreamPendingError):
            # Queued behind a rate limit: the answer comes in seconds, so caches keep this
            # badge briefly and pypins never does (the next request waits for it again).
            max_age = lifetime("pending")
            cache = cache_control(max_age, shared_max_age=max_age)
            response = await self._draw(
                badge, fmt, common, cache, package, retry_after=str(max_age).encode()
            )
            return ServedResponse(response, 0.0, ResponseTag(label, fmt, "pending", package or ""))
        max_age = lifetime("error")
        cache = cache_control(max_age, shared_max_age=max_age)
        response = await self._draw(badge, fmt, common, cache, package)
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

    async def _draw(
        self,
        badge: Badge,
        fmt: str,
        common: CommonParams,
        cache: bytes,
        package: str | None = None,
        *,
        retry_after: bytes | None = None,
        busy: bool = False,
    ) -> PreparedResponse:
        """:func:`render_badge`, a PNG drawn off the event loop in its turn (a ``busy``
        badge ahead of those waiting, drawn once per label and style and kept).

        Raises ``UpstreamBusyError`` when ``MAX_PNG_WAITING`` PNG badges already wait.
        """
        if fmt != "png":
            return render_badge(badge, fmt, common, cache, package, retry_after=retry_after)
        if busy:
            body = await self.png.draw_busy(badge, common.style)
        else:
            body = await self.png.draw(badge, common)
        return badge_response(body, fmt, cache, package, retry_after=retry_after)

    def close(self) -> None:
        """Let the PNG render thread end (the renders under way finish)."""
        self.png.close()


class PNGRenderer:
    """PNG badges drawn in a thread of their own, ``renders`` at a time.

    resvg holds the GIL while it draws, so the bound on renders under way is what keeps
    the event loop's turns short; at most ``max_waiting`` more wait for their turn, and
    past that :meth:`draw` raises ``UpstreamBusyError`` at once: a flood of new PNG
    badges lengthens neither the queue nor the wait. The busy badge itself is drawn by
    :meth:`draw_busy` ahead of those waiting (behind the drawings under way only), once
    per label and style.
    """

    def __init__(self, renders: int = PNG_RENDERS, max_waiting: int = MAX_PNG_WAITING) -> None:
        self.renders = renders
        self.max_waiting = max_waiting
        #: Draws waiting for their turn now.
        self.waiting = 0
        self._turns = asyncio.Semaphore(renders)
        self._executor: ThreadPoolExecutor | None = None
        self._busy: dict[tuple[str, str, str, str], asyncio.Future[bytes]] = {}

    def _submit(self, badge: Badge, common: CommonParams) -> asyncio.Future[bytes]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.renders, thread_name_prefix="pypins-png")
        return asyncio.wrap_future(self._executor.submit(draw_badge, badge, "png", common))

    async def draw(self, badge: Badge, common: CommonParams) -> bytes:
        """``badge`` as PNG with the common overrides, drawn in its turn."""
        if self._turns.locked() and self.waiting >= self.max_waiting:
            raise UpstreamBusyError(f"{self.waiting} PNG badges are waiting to be drawn")
        self.waiting += 1
        try:
            await self._turns.acquire()
        finally:
            self.waiting -= 1
        try:
            drawn = self._submit(badge, common)
        except BaseException:
            self._turns.release()
            raise
        # The turn ends when the drawing does, even if this request is gone meanwhile.
        drawn.add_done_callback(lambda _: self._turns.release())
        return await asyncio.shield(drawn)

    async def draw_busy(self, badge: Badge, style: str) -> bytes:
        """The busy ``badge`` as PNG in ``style`` (no other override): drawn once, kept."""
        key = (badge.label, badge.message, badge.color, style)
        drawn = self._busy.get(key)
        if drawn is None:
            if len(self._busy) >= MAX_BUSY_BADGES:
                self._busy.clear()
            drawn = self._busy[key] = self._submit(badge, CommonParams(style=style))
        try:
            return await asyncio.shield(drawn)
        except Exception:
            if self._busy.get(key) is drawn:
                del self._busy[key]
            raise

    def close(self) -> None:
        """Stop taking renders; the thread ends once the renders under way are drawn."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


class UnexpectedErrors:
    """Exceptions no part of pypins documents: each counted in the metrics, by stage and
    badge kind (or endpoint), and logged with its traceback, at most once per
    ``log_interval`` seconds for each stage, kind and exception type (a flood of one-off
    URLs over one odd record would otherwise write a traceback per request); the lines
    left out are counted in the next one.
    """

    def __init__(self, metrics: Metrics, *, log_interval: float = UNEXPECTED_LOG_INTERVAL) -> None:
        self.metrics = metrics
        self.log_interval = log_interval
        self._logged: dict[tuple[str, str, str], tuple[float, int]] = {}

    def report(self, stage: str, kind: str, error: BaseException, subject: str) -> None:
        """Count ``error``, raised at ``stage`` of ``kind`` for ``subject``, and log it."""
        self.metrics.count_unexpected(stage, kind)
        key = (stage, kind, type(error).__name__)
        now = time.monotonic()
        logged_at, left_out = self._logged.get(key, (-math.inf, 0))
        if now - logged_at < self.log_interval:
            self._logged[key] = (logged_at, left_out + 1)
            return
        if len(self._logged) >= MAX_UNEXPECTED_KEYS:
            self._logged.clear()
        self._logged[key] = (now, 0)
        log.error(
            "unexpected %s at stage %s of %s for %s, answered with an error%s",
            type(error).__name__,
            stage,
            kind,
            subject,
            f" ({left_out} more since the last report)" if left_out else "",
            exc_info=error,
        )


def rendered_size(key: tuple[object, ...], served: ServedResponse) -> int:
    """Bytes a rendered badge costs: its canonical key, the response and the slots."""
    return key_size(key) + served.response.size + ENTRY_OVERHEAD


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
    body = draw_badge(badge, fmt, common)
    return badge_response(body, fmt, cache, package, retry_after=retry_after)


def draw_badge(badge: Badge, fmt: str, common: CommonParams) -> bytes:
    """The body of ``badge`` in ``fmt`` with the common overrides."""
    label = badge.label if common.label is None else common.label
    # As on shields.io, an error badge keeps its own colours.
    color = badge.color if badge.is_error or common.color is None else common.color
    label_color = None if badge.is_error else common.label_color
    style = common.style
    if fmt == "json":
        # shields' endpoint schema carries a named logo and its colour, size and width;
        # it has no links and no scale.
        return render_json(
            label,
            badge.message,
            color,
            label_color=label_color,
            style=None if style == "flat" else style,
            logo=common.logo,
            logo_color=common.logo_color,
            logo_size=common.logo_size,
            logo_width=common.logo_width,
        ).encode()
    if fmt == "png":
        return render_png(
            label,
            badge.message,
            color,
            label_color=label_color,
            style=style,
            scale=common.scale,
            logo=common.logo,
            logo_color=common.logo_color,
            logo_size=common.logo_size,
            logo_width=common.logo_width,
            links=common.links,
        )
    return render_svg(
        label,
        badge.message,
        color,
        label_color=label_color,
        style=style,
        logo=common.logo,
        logo_color=common.logo_color,
        logo_size=common.logo_size,
        logo_width=common.logo_width,
        links=common.links,
    ).encode()


#: The badge of a URL under a badge prefix that names no badge, as shields.io draws it.
NOT_FOUND_BADGE = Badge("404", "badge not found", "red", is_error=True)


@functools.cache
def not_found_badge(fmt: str) -> PreparedResponse:
    """The "404 | badge not found" answer in ``fmt`` (status 404, an error badge's short
    lifetime), rendered once per format."""
    max_age = lifetime("error")
    body = draw_badge(NOT_FOUND_BADGE, fmt, CommonParams())
    return badge_response(body, fmt, cache_control(max_age, shared_max_age=max_age), status=404)


def badge_response(
    body: bytes,
    fmt: str,
    cache: bytes,
    package: str | None = None,
    *,
    retry_after: bytes | None = None,
    status: int = 200,
) -> PreparedResponse:
    """A badge's ``body`` in ``fmt`` with its headers, as a prepared response."""
    headers = SVG_SECURITY_HEADERS if fmt == "svg" else [(b"x-content-type-options", b"nosniff")]
    if fmt == "json":
        headers = [*headers, (b"access-control-allow-origin", b"*")]
    if package is not None:
        headers = [*headers, (b"x-pypins-package", package.encode("ascii"))]
    if retry_after is not None:
        headers = [*headers, (b"retry-after", retry_after)]
    return prepare(status, body, CONTENT_TYPES[fmt], cache=cache, extra_headers=headers)


#: The fixed error badge of :func:`fallback_body`: "error" on red, no label.
FALLBACK_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="37" height="20" role="img" '
    b'aria-label="error"><title>error</title><rect width="37" height="20" rx="3" '
    b'fill="#dd4343"/><text x="18.5" y="14" fill="#fff" text-anchor="middle" '
    b'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">error</text></svg>'
)
FALLBACK_JSON = b'{"schemaVersion":1,"label":"","message":"error","color":"red"}'


def fallback_body(fmt: str) -> bytes:
    """An error badge in ``fmt`` made without the renderer, for when drawing fails."""
    if fmt == "png":
        return _fallback_png()
    return FALLBACK_JSON if fmt == "json" else FALLBACK_SVG


@functools.cache
def _fallback_png() -> bytes:
    """A 37 x 20 PNG of the error badge's red, written byte by byte (no renderer)."""
    width, height = 37, 20

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = (b"\x00" + b"\xe0\x5d\x44" * width) * height  # filter byte, then pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
