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
    """Split a known extension off the last path segment: ``"a.svg"`` -> ``("a", "svg")``."""
    stem, dot, ext = segment.rpartition(".")
    fmt = _FORMAT_NAMES.get(ext)
    if dot and fmt is not None and stem:
        return stem, fmt
    return segment, DEFAULT_FORMAT


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
        legacy_fmt = _FORMAT_NAMES.get(ext)
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
