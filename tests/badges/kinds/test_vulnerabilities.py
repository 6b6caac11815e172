"""``/pypi/vulnerabilities``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import vulnerabilities
from tests.badges.kinds.common import BARE, render


@pytest.mark.parametrize(("count", "color"), [(0, "brightgreen"), (1, "red"), (12, "red")])
def test_vulnerabilities(count: int, color: str) -> None:
    """The count of vulnerabilities, green only at zero."""
    facts = replace(BARE, vulnerabilities=count)
    assert render(vulnerabilities.KIND, facts) == Badge("vulnerabilities", str(count), color)
