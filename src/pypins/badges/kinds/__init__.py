"""Every badge, one unit each, as shields keeps one file per service.

A unit (``version``, ``license``...) holds its badge's renderer, wording and colours,
its parameters with their schemas, its examples and, when pypip.in had the badge, its
pypip.in route declared by how it differs (``pypip_in``); a family sharing one renderer
shares a unit (``downloads``: ``dd``, ``dw``, ``dm``; ``frameworks``:
``frameworkversions``, ``djversions``). ``egg`` is pypip.in's alone. This module only
puts them in order: the order the docs, the index and the builder list them in.
"""

from __future__ import annotations

from typing import Final

from pypins.badges.core import BadgeKind
from pypins.badges.kinds import (
    attestations,
    downloads,
    egg,
    format,
    frameworks,
    free_threading,
    implementation,
    last_release,
    license,
    platforms,
    project_status,
    pyversions,
    requires_python,
    status,
    types,
    version,
    vulnerabilities,
    wheel,
)
from pypins.badges.kinds.frameworks import FRAMEWORKS, Framework

__all__ = ["FRAMEWORKS", "KINDS", "LEGACY_KINDS", "Framework"]


def _by_segment(*kinds: BadgeKind) -> dict[str, BadgeKind]:
    registry = {kind.segment: kind for kind in kinds}
    if len(registry) != len(kinds):
        raise ValueError("two kinds share a route segment")
    return registry


#: shields-style kinds, by route segment: ``/pypi/<segment>/<package>[/<version>]``.
KINDS: Final[dict[str, BadgeKind]] = _by_segment(
    version.KIND,
    pyversions.KIND,
    implementation.KIND,
    license.KIND,
    format.KIND,
    wheel.KIND,
    status.KIND,
    types.KIND,
    *frameworks.KINDS,
    *downloads.KINDS,
    requires_python.KIND,
    last_release.KIND,
    vulnerabilities.KIND,
    free_threading.KIND,
    platforms.KIND,
    attestations.KIND,
    project_status.KIND,
)

#: pypip.in's kinds, by route segment: ``/<segment>/<package>/badge.<ext>``.
LEGACY_KINDS: Final[dict[str, BadgeKind]] = _by_segment(
    *downloads.LEGACY,
    *version.LEGACY,
    *wheel.LEGACY,
    *egg.LEGACY,
    *format.LEGACY,
    *license.LEGACY,
    *pyversions.LEGACY,
    *implementation.LEGACY,
    *status.LEGACY,
)
