"""``/pypi/requires-python``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import requires_python
from tests.badges.kinds.common import BARE, render


@pytest.mark.parametrize(
    ("requires", "message", "color"),
    [
        (">=3.9", ">=3.9", "blue"),
        ("!=3.0.*,>=2.7", "!=3.0.*,>=2.7", "blue"),
        (None, "missing", "red"),
    ],
)
def test_requires_python(requires: str | None, message: str, color: str) -> None:
    """The declared ``Requires-Python``, or ``missing``."""
    facts = replace(BARE, requires_python=requires)
    assert render(requires_python.KIND, facts) == Badge("python", message, color)
