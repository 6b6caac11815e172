"""``/pypi/requires-python``: the release's ``Requires-Python`` as declared (pypins)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts

__all__ = ["KIND", "requires_python_badge"]

LABEL: Final = "python"


def requires_python_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``Requires-Python`` as declared, blue; ``missing`` in red."""
    if facts.requires_python is None:
        return Badge(LABEL, "missing", "red")
    return Badge(LABEL, facts.requires_python, "blue")


KIND: Final = BadgeKind(
    segment="requires-python",
    title="PyPI - Requires-Python",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description="The release's ``Requires-Python`` as declared (pypins).",
    renderer=pypi_renderer(requires_python_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, ">=3.10", "blue"),
        example("yarg", samples.YARG, LABEL, "missing", "red"),
    ),
)
