"""``/pypi/v`` (ports of shields' tests) and pypip.in's ``/v/`` and ``/version/``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import Badge, BadgeKind, facts_from_json
from pypins.badges.kinds import version
from pypins.errors import InvalidParameterError
from tests.badges.kinds.common import BARE, render
from tests.badges.support import make_document, make_facts, sdist


@pytest.mark.parametrize(
    ("number", "message", "color"),
    [
        ("1.2.3", "v1.2.3", "blue"),  # shields' "no trove classifiers" tester case
        ("2.7.3.2", "v2.7.3.2", "blue"),
        ("2.0rc1", "v2.0rc1", "orange"),
        ("0.1.30b10", "v0.1.30b10", "orange"),
        ("v1.0", "v1.0", "blue"),
        ("2017-05-05", "2017-05-05", "lightgrey"),
    ],
)
def test_version(number: str, message: str, color: str) -> None:
    """``v`` + the version, coloured by PEP 440 (shields' pypi/v)."""
    assert render(version.KIND, make_facts(version=number)) == Badge("pypi", message, color)


@pytest.mark.parametrize(
    ("flag", "message"),
    [("", "v2.0b1"), ("true", "v2.0b1"), ("1", "v2.0b1"), ("false", "v1.0"), ("0", "v1.0")],
)
def test_version_include_prereleases(flag: str, message: str) -> None:
    """``include_prereleases`` shows the highest non-yanked release."""
    document = make_document(releases={"1.0": [sdist()], "2.0b1": [sdist()]})
    badge = render(version.KIND, facts_from_json(document), include_prereleases=flag)
    assert badge.message == message


def test_version_include_prereleases_without_releases_keeps_the_version() -> None:
    """A per-version document (no releases) shows its own version."""
    facts = replace(BARE, version="1.5")
    assert render(version.KIND, facts, include_prereleases="").message == "v1.5"


def test_version_rejects_a_bad_flag() -> None:
    """An unreadable flag is an invalid query parameter."""
    with pytest.raises(InvalidParameterError) as raised:
        render(version.KIND, BARE, include_prereleases="maybe")
    assert raised.value.parameter == "include_prereleases"


@pytest.mark.parametrize("kind", version.LEGACY, ids=lambda kind: kind.segment)
@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({}, "pypi"),
        ({"text": "version"}, "version"),
        ({"text": "pypi"}, "pypi"),
        ({"text": "x"}, "pypi"),
    ],
)
def test_legacy_version(kind: BadgeKind, params: dict[str, str], label: str) -> None:
    """pypip.in: the bare version, brightgreen; ``text`` picks the label."""
    facts = replace(BARE, version="2.0b1")
    assert render(kind, facts, **params) == Badge(label, "2.0b1", "brightgreen")
