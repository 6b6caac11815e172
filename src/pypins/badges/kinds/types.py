"""``/pypi/types``: whether the package ships types (shields' ``pypi-types.service.js``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "TYPES_REQUESTS", "types_badge"]

LABEL: Final = "types"

#: A stubs-only package (``Typing :: Stubs Only``).
TYPES_REQUESTS: Final = PackageFacts(
    name="types-requests",
    normalized_name="types-requests",
    version="2.32.4.20250913",
    highest_version="2.32.4.20250913",
    license_expression="Apache-2.0",
    stubs_only=True,
    requires_python=">=3.9",
    file_kinds=("source", "wheel"),
    wheel_pythons=("py3-none",),
    wheel_platforms=("any",),
    upload_time=datetime(2025, 9, 13, 2, 40, tzinfo=UTC),
)


def types_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``typed`` or ``stubs`` (brightgreen), else ``untyped`` (red)."""
    if facts.typed:
        return Badge(LABEL, "typed", "brightgreen")
    if facts.stubs_only:
        return Badge(LABEL, "stubs", "brightgreen")
    return Badge(LABEL, "untyped", "red")


KIND: Final = BadgeKind(
    segment="types",
    title="PyPI - Types",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "``typed`` with ``Typing :: Typed``, ``stubs`` with ``Typing :: Stubs Only``, "
        "else ``untyped``."
    ),
    renderer=pypi_renderer(types_badge),
    examples=(
        example("numpy", samples.NUMPY, LABEL, "typed", "brightgreen"),
        example("types-requests", TYPES_REQUESTS, LABEL, "stubs", "brightgreen"),
        example("six", samples.SIX, LABEL, "untyped", "red"),
    ),
)
