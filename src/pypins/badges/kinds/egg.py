"""pypip.in's ``/egg/``: whether the latest release has an egg. shields has no such
badge (``/pypi/format`` says ``egg``), so this unit declares a pypip.in kind only."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts

__all__ = ["LEGACY", "egg_badge"]

LABEL: Final = "egg"


def egg_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``yes`` (red: eggs are deprecated) or ``no`` (brightgreen)."""
    return Badge(LABEL, "yes", "red") if facts.has_egg else Badge(LABEL, "no", "brightgreen")


LEGACY: Final = (
    BadgeKind(
        segment="egg",
        title="pypip.in - Egg",
        default_label=LABEL,
        category="metadata",
        source="pypi",
        description="Whether the latest release has an egg (red: eggs are deprecated).",
        renderer=pypi_renderer(egg_badge),
        accepts_version=False,
        legacy=True,
        examples=(
            example("django", samples.DJANGO, LABEL, "no", "brightgreen"),
            example("pygetpapers", samples.PYGETPAPERS, LABEL, "yes", "red"),
        ),
    ),
)
