"""pypip.in's ``/egg/``, which shields does not have."""

from __future__ import annotations

from typing import Any

import pytest

from pypins.badges import Badge, facts_from_json
from pypins.badges.kinds import egg
from tests.badges.kinds.common import render
from tests.badges.support import make_document, sdist, wheel

(LEGACY,) = egg.LEGACY


@pytest.mark.parametrize(
    ("urls", "message", "color"),
    [
        ([sdist(), wheel("x-1-py3-none-any.whl")], "no", "brightgreen"),
        ([sdist()], "no", "brightgreen"),
        ([{"packagetype": "bdist_egg", "filename": "x.egg"}], "yes", "red"),
    ],
)
def test_legacy_egg(urls: list[Any], message: str, color: str) -> None:
    """pypip.in's egg reads the latest release's files: an egg is red."""
    facts = facts_from_json(make_document(urls=urls))
    assert render(LEGACY, facts) == Badge("egg", message, color)
