"""``/pypi/implementation``: Python implementations (shields'
``pypi-implementation.service.js``); pypip.in's ``/implementation/``.

Both read the ``Programming Language :: Python :: Implementation`` classifiers, lower
case, and assume ``cpython`` without them; shields sorts them and joins with `` | ``,
pypip.in kept classifier order and joined with ``, ``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer, pypip_in
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "LEGACY", "implementation_badge", "legacy_implementation_badge"]

LABEL: Final = "implementation"
#: The implementation a package without implementation classifiers is taken to support.
_DEFAULT: Final = "cpython"


def implementation_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Implementation classifiers, lower case, sorted, joined by `` | ``; cpython by default."""
    names = sorted(name.lower() for name in facts.implementations) or [_DEFAULT]
    return Badge(LABEL, " | ".join(names), "blue")


def legacy_implementation_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Implementations in classifier order, lower case, joined by ``, ``; ``cpython`` by default."""
    names = [name.lower() for name in facts.implementations] or [_DEFAULT]
    return Badge(LABEL, ", ".join(names), "blue")


KIND: Final = BadgeKind(
    segment="implementation",
    title="PyPI - Implementation",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description="Python implementations from classifiers; ``cpython`` when none is listed.",
    renderer=pypi_renderer(implementation_badge),
    examples=(
        example("yarg", samples.YARG, LABEL, "cpython | pypy", "blue"),
        example("django", samples.DJANGO, LABEL, "cpython", "blue"),
    ),
)

LEGACY: Final = pypip_in(
    KIND,
    "implementation",
    description=(
        "Implementation classifiers, lower case, joined by ``, ``; ``cpython`` by default."
    ),
    renderer=pypi_renderer(legacy_implementation_badge),
    examples=(
        example("yarg", samples.YARG, LABEL, "cpython, pypy", "blue"),
        example("six", samples.SIX, LABEL, "cpython", "blue"),
    ),
)
