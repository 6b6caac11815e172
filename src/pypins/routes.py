"""The service's route table: every URL pypins answers, declared once. Pure.

The badge forms (:data:`BADGE_FORMS`, parsed by :func:`parse`):

* shields.io style: ``/pypi/<kind>/<package>[/<version>][.svg|.png|.json]`` and
  ``/pypi/frameworkversions/<framework>/<package>[/<version>][.ext]``;
  ``/pypi/djversions/<package>`` redirects permanently to the Django framework badge.
* pypip.in style: ``/<kind>/<package>/badge.<svg|png|json>``.
* Static badges: ``/badge/<label>-<message>-<color>[.ext]`` and ``/static/v1[.ext]``.

The other routes (:data:`ENDPOINTS`: pages, documents, metrics, statistics, admin), each
with the name of the handler that answers it and what the OpenAPI document says of it.
The service dispatches by this table (:func:`find_endpoint`), the OpenAPI document and
the docs' URL list are built from (or checked against) it: adding a route is one
declaration here.

Parsing never raises: an unknown shape is ``None`` (a plain 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

FORMATS = ("svg", "png", "json")
#: Each format's name as one shared string (routes are kept with cached responses).
_FORMAT_NAMES = {fmt: fmt for fmt in FORMATS}
DEFAULT_FORMAT = "svg"

#: Longest path accepted; longer requests get 414 before any parsing.
MAX_PATH_LENGTH = 2048
#: Longest query string accepted (room for a ``logo`` data URI of ``LOGO_BYTES``,
#: base64-encoded); longer requests get 414 before any parsing.
MAX_QUERY_LENGTH = 48 * 1024


@dataclass(frozen=True, slots=True)
class BadgeRoute:
    """A request for a package badge (``family`` is ``"pypi"`` or ``"legacy"``)."""

    family: str
    kind: str
    package: str
    version: str | None
    fmt: str
    framework: str | None = None


@dataclass(frozen=True, slots=True)
class StaticRoute:
    """A request for a static badge: ``spec`` is the ``/badge/`` segment, or None for v1."""

    spec: str | None
    fmt: str


@dataclass(frozen=True, slots=True)
class RedirectRoute:
    """A permanent redirect to ``location`` (the query string is kept by the app)."""

    location: str


Route = BadgeRoute | StaticRoute | RedirectRoute


def split_format(segment: str) -> tuple[str, str]:
    """Split a known extension, in any case, off the last path segment: ``"a.svg"`` and
    ``"a.SVG"`` -> ``("a", "svg")``."""
    stem, dot, ext = segment.rpartition(".")
    fmt = _FORMAT_NAMES.get(ext) or _FORMAT_NAMES.get(ext.lower())
    if dot and fmt is not None and stem:
        return stem, fmt
    return segment, DEFAULT_FORMAT


#: The first path segments of shields.io-style and static badge URLs.
BADGE_PREFIXES: Final = frozenset({"pypi", "badge", "static"})


def not_found_format(path: str) -> str | None:
    """The format of the "404 | badge not found" badge for ``path``, or None when
    ``path`` is not under a badge prefix (a plain 404).

    Under a badge prefix are ``/pypi``, ``/badge`` and ``/static`` and everything below
    them, and pypip.in's shape: three or more segments, the last ``badge`` or
    ``badge.<ext>``. The format is the last segment's extension, in any case; SVG when it
    has none pypins knows.
    """
    parts = path[1:].split("/")
    last = parts[-1]
    if parts[0] not in BADGE_PREFIXES and not (
        len(parts) >= 3 and last.partition(".")[0] == "badge"
    ):
        return None
    return split_format(last)[1]


def parse(path: str) -> Route | None:
    """The route for ``path`` (already percent-decoded), or None when nothing matches."""
    if not path.startswith("/") or len(path) > MAX_PATH_LENGTH:
        return None
    parts = path[1:].split("/")
    head = parts[0]
    if head == "pypi":
        return _parse_pypi(parts[1:])
    if head == "badge" and len(parts) == 2 and parts[1]:
        spec, fmt = split_format(parts[1])
        return StaticRoute(spec=spec, fmt=fmt)
    if head == "static" and len(parts) == 2:
        stem, fmt = split_format(parts[1])
        return StaticRoute(spec=None, fmt=fmt) if stem == "v1" else None
    if len(parts) == 3 and head and parts[1]:
        stem, dot, ext = parts[2].partition(".")
        legacy_fmt = _FORMAT_NAMES.get(ext) or _FORMAT_NAMES.get(ext.lower())
        if stem == "badge" and dot and legacy_fmt is not None:
            return BadgeRoute(
                family="legacy", kind=head, package=parts[1], version=None, fmt=legacy_fmt
            )
    return None


def _parse_pypi(parts: list[str]) -> Route | None:
    """Parse what follows ``/pypi/``."""
    if not parts or not all(parts):
        return None
    kind, rest = parts[0], parts[1:]
    framework = None
    if kind == "djversions":
        if len(rest) not in (1, 2):
            return None
        return RedirectRoute(location="/pypi/frameworkversions/django/" + "/".join(rest))
    if kind == "frameworkversions":
        if len(rest) < 2:
            return None
        framework, rest = rest[0], rest[1:]
    if len(rest) not in (1, 2):
        return None
    last, fmt = split_format(rest[-1])
    package = last if len(rest) == 1 else rest[0]
    version = last if len(rest) == 2 else None
    return BadgeRoute(
        family="pypi", kind=kind, package=package, version=version, fmt=fmt, framework=framework
    )


# -- the badge forms ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadgeForm:
    """One shape of badge URL, as the docs and the OpenAPI document show it."""

    name: str
    #: The URL pattern, ``[...]`` marking what may be left out.
    pattern: str
    description: str


#: Every shape of badge URL :func:`parse` reads, in the order the docs list them.
BADGE_FORMS: Final[tuple[BadgeForm, ...]] = (
    BadgeForm(
        "shields-style",
        "/pypi/<badge>/<package>[/<version>][.svg|.png|.json]",
        "shields.io's PyPI badges, and pypins' own",
    ),
    BadgeForm(
        "frameworks",
        "/pypi/frameworkversions/<framework>/<package>[/<version>][.svg|.png|.json]",
        "a framework's versions from its classifiers",
    ),
    BadgeForm(
        "pypip.in (legacy)",
        "/<badge>/<package>/badge.<svg|png|json>",
        "pypip.in's badge URLs, kept working",
    ),
    BadgeForm(
        "static",
        "/badge/<label>-<message>-<color>[.svg|.png|.json]",
        "a badge of the caller's own text",
    ),
    BadgeForm(
        "static (query)",
        "/static/v1[.svg|.png|.json]?label=&message=&color=",
        "a badge of the caller's own text, from the query",
    ),
)


# -- the badge query parameters ---------------------------------------------------------

#: The badge styles (``pypins.render.STYLES``, which a test holds equal).
STYLE_NAMES: Final = ("flat", "flat-square", "plastic", "for-the-badge", "social")
#: The PNG scales (``pypins.render.SCALES``).
PNG_SCALES: Final = (1, 2, 3)
#: Decoded bytes of a data URI logo at most (``pypins.render.MAX_LOGO_BYTES``).
LOGO_BYTES: Final = 32 * 1024
#: Widest ``logoWidth`` taken (``pypins.render.MAX_LOGO_WIDTH``).
LOGO_WIDTH: Final = 128
#: ``link`` values read at most: the label's and the message's.
MAX_LINKS: Final = 2
#: Longest ``link`` value read; a longer one is left out (the renderer's bound).
MAX_LINK_LENGTH: Final = 2048
#: Longest ``label`` a query may set (the renderer cuts longer texts too).
MAX_QUERY_TEXT: Final = 256
#: Longest ``cacheSeconds`` asked for (the service caps what it grants lower).
MAX_CACHE_SECONDS: Final = 999_999_999


@dataclass(frozen=True, slots=True)
class QueryParam:
    """A query parameter every badge takes, as the parser, the OpenAPI document, the
    builder and docs/badges.md read it.

    ``values`` and ``effect`` are Markdown (inline code and text only); ``shields`` says
    how shields.io's parameter of the same name compares (``same``, or what differs);
    ``schema`` is the JSON Schema of one value; ``repeat`` is how many values are read
    (the first ones); ``only`` names the badges it applies to, when not all of them.
    """

    name: str
    values: str
    effect: str
    shields: str
    schema: dict[str, object]
    aliases: tuple[str, ...] = ()
    repeat: int = 1
    only: str | None = None


_COLOR_SCHEMA: Final[dict[str, object]] = {
    "type": "string",
    "examples": ["brightgreen", "4c1", "#4c1", "rgb(68,204,17)"],
}
_COLOR_VALUES: Final = (
    "a shields name (`brightgreen`, `blue`, ...) or alias (`success`, ...), hex (`4c1`, "
    "`#4c1`), `rgb()`/`rgba()`/`hsl()`/`hsla()` or a CSS colour name"
)

#: Every query parameter every badge takes, in the order the docs list them.
QUERY_PARAMS: Final[tuple[QueryParam, ...]] = (
    QueryParam(
        "style",
        ", ".join(f"`{name}`" for name in STYLE_NAMES) + " (default `flat`)",
        "the badge's look",
        "same: an unknown style, shields' old `popout` ones included, is `flat`",
        {"type": "string", "enum": list(STYLE_NAMES), "default": "flat"},
    ),
    QueryParam(
        "label",
        f"text, up to {MAX_QUERY_TEXT} characters",
        "replaces the label (also on error badges); an empty value removes it",
        "same",
        {"type": "string", "maxLength": MAX_QUERY_TEXT},
    ),
    QueryParam(
        "color",
        _COLOR_VALUES,
        "replaces the message colour (not on error badges); a value that is no colour is ignored",
        "same",
        _COLOR_SCHEMA,
        aliases=("colorB",),
    ),
    QueryParam(
        "labelColor",
        _COLOR_VALUES,
        "the label's colour (not on error badges); a value that is no colour is ignored (grey)",
        "same",
        _COLOR_SCHEMA,
        aliases=("colorA",),
    ),
    QueryParam(
        "logo",
        "a [Simple Icons](https://simpleicons.org) slug (`python`, `pypi`, ...), or a "
        f"`data:image/svg+xml;base64,...` or `data:image/png;base64,...` URI of at most "
        f"{LOGO_BYTES // 1024} KiB decoded",
        "a logo left of the label; an unknown slug or a logo that cannot be read is "
        "ignored, and an SVG logo is stripped of anything active (scripts, event handlers, "
        "`foreignObject`, external references)",
        "same; the icons are Simple Icons 16, bundled (nothing is fetched)",
        {"type": "string", "examples": ["python", "pypi", "github"]},
    ),
    QueryParam(
        "logoColor",
        _COLOR_VALUES,
        "the colour of a named logo (by default its brand colour, `whitesmoke` for dark "
        "brands but on `social`); a value that is no colour is ignored",
        "same",
        _COLOR_SCHEMA,
    ),
    QueryParam(
        "logoSize",
        "`auto`",
        "`auto` widens a named logo to its own aspect ratio instead of a 14 px square; "
        "other values are ignored",
        "same",
        {"type": "string", "enum": ["auto"]},
    ),
    QueryParam(
        "logoWidth",
        f"a number above 0, up to {LOGO_WIDTH}",
        "the logo's width in pixels; other values are ignored",
        "same (deprecated by shields, still drawn)",
        {"type": "number", "exclusiveMinimum": 0, "maximum": LOGO_WIDTH},
    ),
    QueryParam(
        "link",
        f"an absolute `http`/`https` URL, up to {MAX_LINK_LENGTH} characters; given once or twice",
        "one link makes the whole badge a link, two link the label and the message (an "
        "SVG shown as an `<object>`; `<img>` ignores links); other URLs are left out",
        "same",
        {"type": "string", "format": "uri", "maxLength": MAX_LINK_LENGTH},
        repeat=MAX_LINKS,
    ),
    QueryParam(
        "cacheSeconds",
        "whole seconds",
        "how long clients and proxies may keep the badge; it can only lengthen the "
        "badge's default lifetime, never shorten it",
        "same: shields also only lengthens its default",
        {"type": "integer", "minimum": 0, "maximum": MAX_CACHE_SECONDS},
        aliases=("maxAge",),
    ),
    QueryParam(
        "scale",
        ", ".join(f"`{scale}`" for scale in PNG_SCALES),
        "a PNG drawn at 2x or 3x for high-density screens; other values draw 1x, and "
        "SVG and JSON badges ignore it",
        "pypins only: shields has no such parameter",
        {"type": "integer", "enum": list(PNG_SCALES), "default": 1},
        only="png",
    ),
    QueryParam(
        "pypiBaseUrl",
        "a registry's JSON API root (`https://example.org/pypi`)",
        "read another registry instead of pypi.org: only registries the operator allows "
        "with `--allowed-registry` are accepted, others are an `invalid query parameter: "
        "pypiBaseUrl` badge. Its Simple and Integrity APIs are read next to it "
        "(`<root>/simple`, `<root>/integrity` for `<root>/pypi`), so the badges that need "
        "them work when the operator allows `<root>/`",
        "differs: shields reads any registry; pypins only those the operator allows, "
        "and only on package badges",
        {"type": "string", "format": "uri"},
        only="package",
    ),
)

#: Each alias's parameter (``colorB`` -> ``color``).
QUERY_ALIASES: Final = {alias: param.name for param in QUERY_PARAMS for alias in param.aliases}


# -- the other routes --------------------------------------------------------------------

#: What an endpoint answers with, as the OpenAPI document names the media types.
Media = Literal["html", "text", "json", "openapi", "metrics"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A route that is not a badge.

    ``path`` is exact, or ends with a ``{name}`` segment that :func:`find_endpoint`
    captures; ``handler`` names the method of :class:`pypins.web.endpoints.Endpoints`
    that answers it; the rest is what the OpenAPI document says: ``headers`` names the
    headers every 200 carries, an ``optional`` route may be turned off by the operator
    (then a 404), ``errors`` are answers of its own as (status, description, media).
    """

    path: str
    handler: str
    summary: str
    description: str
    media: Media
    method: str = "GET"
    headers: tuple[str, ...] = ("Cache-Control", "ETag")
    optional: bool = False
    errors: tuple[tuple[int, str, Media], ...] = ()

    @property
    def operation_id(self) -> str:
        """The OpenAPI operation id: the handler's name, with dashes."""
        return self.handler.replace("_", "-")

    @property
    def parameter(self) -> str | None:
        """The name of the captured last segment (``{package}``), if any."""
        last = self.path.rsplit("/", 1)[-1]
        return last[1:-1] if last.startswith("{") and last.endswith("}") else None


_UNAUTHORIZED: Final = (401, "No or a wrong bearer token.", "text")

#: Every route that is not a badge, declared here and only here.
ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    Endpoint(
        "/",
        "index",
        "The index page",
        "Every badge with its URL and an example, and a badge builder.",
        "html",
        errors=(
            (
                404,
                "The project named by `?package=` is not on PyPI: the builder's form and a "
                "notice, no badges.",
                "html",
            ),
        ),
    ),
    Endpoint(
        "/healthz",
        "healthz",
        "Health check",
        "`ok` while the process serves requests; never cached.",
        "text",
    ),
    Endpoint(
        "/openapi.json",
        "openapi",
        "This document",
        "The OpenAPI 3.1 description of the service.",
        "openapi",
    ),
    Endpoint(
        "/stats",
        "stats",
        "Usage statistics",
        "The most requested badges over a window of days (UTC), with their cache results.",
        "html",
        headers=(),
        optional=True,
    ),
    Endpoint(
        "/stats.json",
        "stats_json",
        "Usage statistics as JSON",
        "The figures of `/stats` as a JSON document.",
        "json",
        headers=(),
        optional=True,
    ),
    Endpoint(
        "/metrics",
        "metrics",
        "Prometheus metrics",
        "Counters and histograms in the Prometheus text exposition format; served here "
        "unless the operator moves them to a listener of their own.",
        "metrics",
        headers=(),
        optional=True,
    ),
    Endpoint(
        "/admin/purge/{package}",
        "admin_purge",
        "Refresh a package",
        "Marks the package's records stale in every tier: the next request serves them "
        "once more and fetches anew. Needs `Authorization: Bearer <PYPINS_ADMIN_TOKEN>`; "
        "without a configured token the endpoint does not exist.",
        "json",
        method="POST",
        headers=(),
        optional=True,
        errors=((400, "A name that cannot be a PyPI project.", "json"), _UNAUTHORIZED),
    ),
    Endpoint(
        "/admin/stats/reset",
        "admin_stats_reset",
        "Forget the request counts",
        "Empties the most-requested-badges counts. Needs the admin bearer token.",
        "json",
        method="POST",
        headers=(),
        optional=True,
        errors=(_UNAUTHORIZED, (503, "The counts' store failed.", "json")),
    ),
)

_EXACT: Final = {(e.method, e.path): e for e in ENDPOINTS if e.parameter is None}
_CAPTURING: Final = tuple(
    (e.method, e.path.rsplit("/", 1)[0] + "/", e) for e in ENDPOINTS if e.parameter is not None
)


def find_endpoint(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint ``method`` and ``path`` (percent-decoded) name, with the captured
    segment, or None when none does."""
    endpoint = _EXACT.get((method, path))
    if endpoint is not None:
        return endpoint, {}
    for endpoint_method, prefix, endpoint in _CAPTURING:
        if method == endpoint_method and path.startswith(prefix):
            value = path[len(prefix) :]
            if value and "/" not in value:
                assert endpoint.parameter is not None
                return endpoint, {endpoint.parameter: value}
    return None
