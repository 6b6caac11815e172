"""``/pypi/format``: the release's best file format (shields' ``pypi-format.service.js``);
pypip.in's ``/format/``, which says the same."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer, pypip_in
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "LEGACY", "format_badge"]

LABEL: Final = "format"


def format_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``wheel`` (brightgreen), else ``egg`` (red), else ``source`` (yellow)."""
    if facts.has_wheel:
        return Badge(LABEL, "wheel", "brightgreen")
    if facts.has_egg:
        return Badge(LABEL, "egg", "red")
    return Badge(LABEL, "source", "yellow")


KIND: Final = BadgeKind(
    segment="format",
    title="PyPI - Format",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description="The release's best file format: wheel, else egg, else source.",
    renderer=pypi_renderer(format_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "wheel", "brightgreen"),
        example("docopt", samples.DOCOPT, LABEL, "source", "yellow"),
        example("pypins-egg-only", samples.EGG_ONLY, LABEL, "egg", "red"),
    ),
)

#: pypip.in and shields agree: the same renderer and examples.
LEGACY: Final = pypip_in(
    KIND,
    "format",
    description="The latest release's best format: wheel, else egg, else source.",
)
