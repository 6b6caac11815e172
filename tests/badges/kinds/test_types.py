"""``/pypi/types`` (ports of shields' tests)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import types
from tests.badges.kinds.common import BARE, render


@pytest.mark.parametrize(
    ("typed", "stubs", "message", "color"),
    [
        (True, False, "typed", "brightgreen"),
        (True, True, "typed", "brightgreen"),
        (False, True, "stubs", "brightgreen"),
        (False, False, "untyped", "red"),
    ],
)
def test_types(typed: bool, stubs: bool, message: str, color: str) -> None:
    """``Typing :: Typed`` or ``Typing :: Stubs Only`` (shields' pypi/types)."""
    facts = replace(BARE, typed=typed, stubs_only=stubs)
    assert render(types.KIND, facts) == Badge("types", message, color)
