"""pypip.in's kinds, with its labels, wording and colours."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pypins.badges import LEGACY_KINDS, Badge, DownloadFacts, PackageFacts, facts_from_json
from pypins.badges.legacy import legacy_license, legacy_status
from tests.badges.support import NOW, make_document, sdist, wheel

BARE = PackageFacts(name="demo", normalized_name="demo", version="1.0")
COUNTS = DownloadFacts(day=950, week=12345, month=1_234_567)


def render(segment: str, facts: Any, **params: str) -> Badge:
    """The badge of ``LEGACY_KINDS[segment]`` at ``NOW``."""
    return LEGACY_KINDS[segment].render(facts, params, now=NOW)


@pytest.mark.parametrize("segment", ["d", "download"])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "1.2M/month"),
        ({"period": "day"}, "950/day"),
        ({"period": "week"}, "12.3k/week"),
        ({"period": "month"}, "1.2M/month"),
        ({"period": "year"}, "1.2M/month"),
    ],
)
def test_downloads(segment: str, params: dict[str, str], message: str) -> None:
    """``<intword>/<period>``, month by default and for unknown periods, brightgreen."""
    assert render(segment, COUNTS, **params) == Badge("downloads", message, "brightgreen")


@pytest.mark.parametrize("segment", ["v", "version"])
@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({}, "pypi"),
        ({"text": "version"}, "version"),
        ({"text": "pypi"}, "pypi"),
        ({"text": "x"}, "pypi"),
    ],
)
def test_version(segment: str, params: dict[str, str], label: str) -> None:
    """The bare version, brightgreen; ``text`` picks the label."""
    facts = replace(BARE, version="2.0b1")
    assert render(segment, facts, **params) == Badge(label, "2.0b1", "brightgreen")


@pytest.mark.parametrize(
    ("urls", "wheel_badge", "egg_badge", "format_badge"),
    [
        (
            [sdist(), wheel("x-1-py3-none-any.whl")],
            ("yes", "brightgreen"),
            ("no", "brightgreen"),
            ("wheel", "brightgreen"),
        ),
        ([sdist()], ("no", "red"), ("no", "brightgreen"), ("source", "yellow")),
        (
            [{"packagetype": "bdist_egg", "filename": "x.egg"}],
            ("no", "red"),
            ("yes", "red"),
            ("egg", "red"),
        ),
    ],
)
def test_file_badges(
    urls: list[Any],
    wheel_badge: tuple[str, str],
    egg_badge: tuple[str, str],
    format_badge: tuple[str, str],
) -> None:
    """wheel, egg and format read the latest release's files like pypip.in."""
    facts = facts_from_json(make_document(urls=urls))
    assert render("wheel", facts) == Badge("wheel", *wheel_badge)
    assert render("egg", facts) == Badge("egg", *egg_badge)
    assert render("format", facts) == Badge("format", *format_badge)


@pytest.mark.parametrize(
    ("changes", "message", "color"),
    [
        (
            {"license_expression": "MIT OR Apache-2.0", "license": "MIT"},
            "MIT OR Apache-2.0",
            "blue",
        ),
        ({"license": "BSD"}, "BSD", "blue"),
        (
            {"license_classifiers": ("OSI Approved :: BSD License", "Public Domain")},
            "BSD License",
            "blue",
        ),
        ({"license_classifiers": ("OSI Approved",)}, "OSI Approved", "blue"),
        ({}, "unknown", "red"),
    ],
)
def test_license(changes: dict[str, Any], message: str, color: str) -> None:
    """Expression, short field, first classifier's last part, else unknown in red."""
    facts = replace(BARE, **changes)
    assert render("license", facts) == Badge("license", message, color)
    assert legacy_license(facts) == message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"python_versions": ("2", "2.7", "3", "3.4")}, "2.7, 3.4"),
        ({"python_versions": ("3",), "requires_python": ">=3.14"}, "3.14, 3.15"),
        ({"requires_python": ">=3.14"}, "3.14, 3.15"),
        ({"python_only_majors": ("3",)}, "none found"),
        ({}, "none found"),
    ],
)
def test_py_versions(changes: dict[str, Any], message: str) -> None:
    """``X.Y`` classifiers joined by ``, ``; derived without them; never an assumed 2.7."""
    facts = replace(BARE, **changes)
    assert render("py_versions", facts) == Badge("python", message, "blue")


@pytest.mark.parametrize(
    ("implementations", "message"),
    [((), "cpython"), (("PyPy", "CPython"), "pypy, cpython")],
)
def test_implementation(implementations: tuple[str, ...], message: str) -> None:
    """Lower case, in classifier order, joined by ``, ``; cpython by default."""
    facts = replace(BARE, implementations=implementations)
    assert render("implementation", facts) == Badge("implementation", message, "blue")


@pytest.mark.parametrize(
    ("statuses", "message", "color"),
    [
        (("1 - Planning",), "planning", "red"),
        (("2 - Pre-Alpha",), "pre-alpha", "red"),
        (("3 - Alpha",), "alpha", "red"),
        (("4 - Beta",), "beta", "yellow"),
        (("5 - Production/Stable",), "stable", "brightgreen"),
        (("6 - Mature",), "mature", "brightgreen"),
        (("7 - Inactive",), "inactive", "red"),
        (("3 - Alpha", "5 - Production/Stable"), "alpha", "red"),
        (("Odd",), "odd", "lightgrey"),
        ((), "unknown", "red"),
    ],
)
def test_status(statuses: tuple[str, ...], message: str, color: str) -> None:
    """The first status classifier's word and pypip.in's colour for its number."""
    facts = replace(BARE, development_statuses=statuses)
    assert render("status", facts) == Badge("status", message, color)
    assert legacy_status(statuses)[1] == message
