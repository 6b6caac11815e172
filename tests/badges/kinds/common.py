"""What the badge units' tests share: bare facts and rendering at the tests' ``now``."""

from __future__ import annotations

from typing import Any

from pypins.badges import Badge, BadgeKind, PackageFacts
from tests.badges.support import NOW

#: Facts of a release that says nothing but its name and version.
BARE = PackageFacts(name="demo", normalized_name="demo", version="1.0")


def render(kind: BadgeKind, facts: Any, **params: str) -> Badge:
    """The badge of ``kind`` for these facts and parameters, at ``NOW``."""
    return kind.render(facts, params, now=NOW)
