"""``/pypi/wheel`` (ports of shields' tests) and pypip.in's ``/wheel/``, which agrees."""

from __future__ import annotations

from typing import Any

import pytest

from pypins.badges import Badge, facts_from_json
from pypins.badges.kinds import wheel as wheel_unit
from tests.badges.kinds.common import render
from tests.badges.support import make_document, sdist, wheel

(LEGACY,) = wheel_unit.LEGACY


@pytest.mark.parametrize(
    ("packagetypes", "message", "color"),
    [
        # shields' getPackageFormats spec cases
        (["bdist_wheel", "sdist"], "yes", "brightgreen"),
        (["sdist"], "no", "red"),
        (["bdist_egg", "bdist_egg", "sdist"], "no", "red"),
        (["wheel"], "yes", "brightgreen"),
        (["egg"], "no", "red"),
        ([], "no", "red"),
    ],
)
def test_wheel(packagetypes: list[str], message: str, color: str) -> None:
    """The release's files decide ``wheel`` (shields' pypi/wheel)."""
    urls = [{"packagetype": packagetype, "filename": "x"} for packagetype in packagetypes]
    facts = facts_from_json(make_document(urls=urls))
    assert render(wheel_unit.KIND, facts) == Badge("wheel", message, color)


@pytest.mark.parametrize(
    ("urls", "message", "color"),
    [
        ([sdist(), wheel("x-1-py3-none-any.whl")], "yes", "brightgreen"),
        ([sdist()], "no", "red"),
        ([{"packagetype": "bdist_egg", "filename": "x.egg"}], "no", "red"),
    ],
)
def test_legacy_wheel(urls: list[Any], message: str, color: str) -> None:
    """pypip.in's wheel reads the latest release's files like shields'."""
    facts = facts_from_json(make_document(urls=urls))
    assert render(LEGACY, facts) == Badge("wheel", message, color)


def test_legacy_wheel_is_shields_wheel() -> None:
    """pypip.in and shields agree: the alias renders with the same function."""
    assert LEGACY.renderer is wheel_unit.KIND.renderer
    assert LEGACY.examples == wheel_unit.KIND.examples
