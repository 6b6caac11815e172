"""URL shapes pypins answers, parsed by pure functions.

* shields.io style: ``/pypi/<kind>/<package>[/<version>][.svg|.png|.json]`` and
  ``/pypi/frameworkversions/<framework>/<package>[/<version>][.ext]``;
  ``/pypi/djversions/<package>`` redirects permanently to the Django framework badge.
* pypip.in style: ``/<kind>/<package>/badge.<svg|png|json>``.
* Static badges: ``/badge/<label>-<message>-<color>[.ext]`` and ``/static/v1[.ext]``.

Parsing never raises: an unknown shape is ``None`` (a plain 404).
"""

from __future__ import annotations

from dataclasses import dataclass

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
