"""``/pypi/project-status``."""

from __future__ import annotations

import pytest

from pypins.badges import PROJECT_STATUSES, Badge, IndexFacts
from pypins.badges.kinds import project_status
from tests.badges.kinds.common import render


@pytest.mark.parametrize(
    ("status", "color"),
    [
        ("active", "brightgreen"),
        ("archived", "orange"),
        ("deprecated", "orange"),
        ("quarantined", "red"),
    ],
)
def test_project_status(status: str, color: str) -> None:
    """PEP 792's status: active green, archived and deprecated orange, quarantined red."""
    facts = IndexFacts(status=status)
    assert render(project_status.KIND, facts) == Badge("status", status, color)


def test_every_status_has_a_colour_of_its_own() -> None:
    """No status PyPI may publish falls back to lightgrey."""
    for status in PROJECT_STATUSES:
        assert render(project_status.KIND, IndexFacts(status=status)).color != "lightgrey"
