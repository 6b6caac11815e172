"""``/pypi/wheel``: whether the release has a wheel (shields' ``pypi-wheel.service.js``);
pypip.in's ``/wheel/``, which says the same."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer, pypip_in
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "LEGACY", "wheel_badge"]

LABEL: Final = "wheel"


def wheel_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``yes`` (brightgreen) or ``no`` (red)."""
    if facts.has_wheel:
        return Badge(LABEL, "yes", "brightgreen")
    return Badge(LABEL, "no", "red")


KIND: Final = BadgeKind(
    segment="wheel",
    title="PyPI - Wheel",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description="Whether the release has a wheel.",
    renderer=pypi_renderer(wheel_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "yes", "brightgreen"),
        example("docopt", samples.DOCOPT, LABEL, "no", "red"),
    ),
)

#: pypip.in and shields agree: the same renderer and examples.
LEGACY: Final = pypip_in(KIND, "wheel", description="Whether the latest release has a wheel.")
