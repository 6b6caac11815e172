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
        example("digipathai", samples.DIGIPATHAI_0_1_3, LABEL, "egg", "red", version="0.1.3"),
    ),
)

#: pypip.in and shields agree: the same renderer; pypip.in's URL names no release, and no
#: project's latest release is found on PyPI with eggs and no wheel, so no egg example.
LEGACY: Final = pypip_in(
    KIND,
    "format",
    description="The latest release's best format: wheel, else egg, else source.",
    examples=KIND.examples[:2],
)
