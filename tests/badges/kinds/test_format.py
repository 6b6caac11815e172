"""``/pypi/format`` (ports of shields' tests) and pypip.in's ``/format/``, which agrees."""

from __future__ import annotations

from typing import Any

import pytest

from pypins.badges import Badge, facts_from_json
from pypins.badges.kinds import format as format_unit
from tests.badges.kinds.common import render
from tests.badges.support import make_document, sdist, wheel

(LEGACY,) = format_unit.LEGACY


@pytest.mark.parametrize(
    ("packagetypes", "message", "color"),
    [
        # shields' getPackageFormats spec cases
        (["bdist_wheel", "sdist"], "wheel", "brightgreen"),
        (["sdist"], "source", "yellow"),
        (["bdist_egg", "bdist_egg", "sdist"], "egg", "red"),
        (["wheel"], "wheel", "brightgreen"),
        (["egg"], "egg", "red"),
        ([], "source", "yellow"),
    ],
)
def test_format(packagetypes: list[str], message: str, color: str) -> None:
    """The release's files decide ``format`` (shields' pypi/format)."""
    urls = [{"packagetype": packagetype, "filename": "x"} for packagetype in packagetypes]
    facts = facts_from_json(make_document(urls=urls))
    assert render(format_unit.KIND, facts) == Badge("format", message, color)


@pytest.mark.parametrize(
    ("urls", "message", "color"),
    [
        ([sdist(), wheel("x-1-py3-none-any.whl")], "wheel", "brightgreen"),
        ([sdist()], "source", "yellow"),
        ([{"packagetype": "bdist_egg", "filename": "x.egg"}], "egg", "red"),
    ],
)
def test_legacy_format(urls: list[Any], message: str, color: str) -> None:
    """pypip.in's format reads the latest release's files like shields'."""
    facts = facts_from_json(make_document(urls=urls))
    assert render(LEGACY, facts) == Badge("format", message, color)


def test_legacy_format_is_shields_format() -> None:
    """pypip.in and shields agree: the alias renders with the same function, and shows
    shields' examples but the one of a pinned release (pypip.in's URL names none)."""
    assert LEGACY.renderer is format_unit.KIND.renderer
    unpinned = [example for example in format_unit.KIND.examples if example.version is None]
    assert list(LEGACY.examples) == unpinned
