"""``/pypi/project-status``: the project's PEP 792 status (pypins), from PyPI's Simple API
(its JSON API does not carry it)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges.core import Badge, BadgeKind, Params, example, index_renderer
from pypins.badges.facts import IndexFacts

__all__ = ["ACTIVE", "KIND", "project_status_badge"]

LABEL: Final = "status"
_COLORS: Final = {
    "active": "brightgreen",
    "archived": "orange",
    "deprecated": "orange",
    "quarantined": "red",
}

#: Django's Simple API page's facts.
ACTIVE: Final = IndexFacts(highest_version="6.0rc1", status="active")


def project_status_badge(facts: IndexFacts, params: Params, now: datetime) -> Badge:
    """PEP 792's status: ``active`` green, ``archived``/``deprecated`` orange,
    ``quarantined`` red."""
    return Badge(LABEL, facts.status, _COLORS.get(facts.status, "lightgrey"))


KIND: Final = BadgeKind(
    segment="project-status",
    title="PyPI - Project Status",
    default_label=LABEL,
    category="metadata",
    source="simple",
    description=(
        "The project's PEP 792 status from PyPI's Simple API: ``active`` in "
        "brightgreen, ``archived`` and ``deprecated`` in orange, ``quarantined`` in red "
        "(pypins)."
    ),
    renderer=index_renderer(project_status_badge),
    accepts_version=False,
    not_found_message="package not found",
    examples=(example("django", ACTIVE, LABEL, "active", "brightgreen"),),
)
