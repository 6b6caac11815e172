"""What a badge request counts as: a (package, kind) pair, from its route or its path.

The service and the log reader use the same two functions, so that ``pypins top``
gives the same rows from the service's counts as from its access logs. The package is
the PEP 503 name (``Django`` and ``django`` are one package); the kind is the route's
badge segment (``v``, ``pyversions``, ``frameworkversions``...), with pypip.in's legacy
URLs kept apart as ``pypip.in/<segment>`` (``/v/requests/badge.svg`` is ``pypip.in/v``).
Unknown kinds and names that cannot be PyPI names count as nothing.
"""

from __future__ import annotations

import functools
from typing import Final

from packaging.utils import canonicalize_name

from pypins.badges import KINDS, LEGACY_KINDS
from pypins.errors import InvalidNameError
from pypins.pypi import validate_name
from pypins.routes import BadgeRoute, parse

__all__ = ["LEGACY_PREFIX", "badge_usage", "usage_kind"]

#: Prefix of the kinds of pypip.in's URLs.
LEGACY_PREFIX: Final = "pypip.in/"


def usage_kind(route: BadgeRoute) -> str:
    """The kind a request for ``route`` counts as (one shared string per kind)."""
    return _usage_kind(route.family, route.kind)


@functools.lru_cache(maxsize=256)
def _usage_kind(family: str, kind: str) -> str:
    return kind if family == "pypi" else LEGACY_PREFIX + kind


def badge_usage(path: str) -> tuple[str, str] | None:
    """``(package, kind)`` for the percent-decoded ``path`` of a package badge, else None."""
    route = parse(path)
    if not isinstance(route, BadgeRoute):
        return None
    kind = (KINDS if route.family == "pypi" else LEGACY_KINDS).get(route.kind)
    if kind is None or (route.version is not None and not kind.accepts_version):
        return None
    try:
        validate_name(route.package)
    except InvalidNameError:
        return None
    return canonicalize_name(route.package), usage_kind(route)
