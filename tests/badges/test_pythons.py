"""Python version sorting and derivation (classifiers, wheel tags, Requires-Python)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from pypins.badges import PackageFacts
from pypins.badges.pythons import (
    cpython_releases,
    parse_int_prefix,
    python_support,
    python_version_key,
    released_cpython_versions,
    sort_framework_versions,
    sort_python_versions,
    versions_from_requires_python,
    versions_from_wheels,
)
from tests.badges.support import NOW

BARE = PackageFacts(name="demo", normalized_name="demo", version="1.0")


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        # shields' pypi-python-versions.spec.js
        (["3", "3.4", "3.5", "3.6", "2", "2.7"], ("2.7", "3.4", "3.5", "3.6")),
        (["2", "3"], ("2", "3")),
        (["3.10", "3.9", "3.8", "3.7", "3.6"], ("3.6", "3.7", "3.8", "3.9", "3.10")),
        (["3", "3.9"], ("3.9",)),
        ([], ()),
        # pypins: duplicates and patch versions
        (["3.9", "3.9", "3.10.1", "3.10"], ("3.9", "3.10", "3.10.1")),
    ],
)
def test_sort_python_versions(versions: list[str], expected: tuple[str, ...]) -> None:
    """Unique, numeric order, bare majors hidden behind their minors."""
    assert sort_python_versions(versions) == expected


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        # shields' pypi-helpers.spec.js, sortPypiVersions
        (["2.0", "1.9", "10", "1.11", "2.1", "2.11"], ("1.9", "1.11", "2.0", "2.1", "2.11", "10")),
        (["2", "1.9", "10", "1.11", "2.1", "2.11"], ("1.9", "1.11", "2", "2.1", "2.11", "10")),
        (
            ["2.0rc1", "10", "1.9", "1.11", "2.1", "2.11"],
            ("1.9", "1.11", "2.0rc1", "2.1", "2.11", "10"),
        ),
    ],
)
def test_sort_framework_versions(versions: list[str], expected: tuple[str, ...]) -> None:
    """Framework versions sort on their leading major and minor integers."""
    assert sort_framework_versions(versions) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    # shields' parsePypiVersionString cases, one part at a time
    [("1", 1), ("0", 0), ("7", 7), ("2derpderp", 2), ("foo", 0), ("", 0), (" -3x", -3)],
)
def test_parse_int_prefix_is_javascript_parseint(text: str, expected: int) -> None:
    """``parseInt(text) || 0``: the leading integer, else 0."""
    assert parse_int_prefix(text) == expected


@pytest.mark.parametrize(
    ("version", "key"),
    [("3", (3, 0, 0)), ("3.10", (3, 10, 0)), ("2.7.18", (2, 7, 18)), ("x", (0, 0, 0))],
)
def test_python_version_key_coerces(version: str, key: tuple[int, int, int]) -> None:
    """Versions coerce like semver's ``coerce``."""
    assert python_version_key(version) == key


def test_cpython_table_is_ordered_and_complete() -> None:
    """The table lists 2.0 to 3.15 in version order with their release dates."""
    releases = cpython_releases()
    versions = [release.version for release in releases]
    assert versions[0] == "2.0"
    assert versions[-1] == "3.15"
    assert "2.7" in versions
    assert [f"3.{minor}" for minor in range(16)] == [v for v in versions if v.startswith("3.")]
    assert releases[-2].released == date(2025, 10, 7)


@pytest.mark.parametrize(
    ("now", "newest"),
    [
        (datetime(2025, 10, 6, 23, 0, tzinfo=UTC), "3.13"),
        (datetime(2025, 10, 7, 0, 0, tzinfo=UTC), "3.14"),
        (datetime(2026, 9, 30, tzinfo=UTC), "3.14"),
        (datetime(2026, 10, 1, tzinfo=UTC), "3.15"),
        (datetime(2026, 11, 21), "3.15"),
    ],
)
def test_released_versions_follow_now(now: datetime, newest: str) -> None:
    """Only versions released on or before ``now``'s day are listed."""
    assert released_cpython_versions(now)[-1] == newest


RELEASED = released_cpython_versions(NOW)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=3.12", ("3.12", "3.13", "3.14", "3.15")),
        (">=3.9,<3.11", ("3.9", "3.10")),
        (">=3.9.2", ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")),
        ("<3.9.2,>=3.9", ("3.9",)),
        ("~=3.13.0", ("3.13",)),
        ("==3.11.*", ("3.11",)),
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, <3.5", ("2.7", "3.3", "3.4")),
        (">=2.6,<3", ("2.6", "2.7")),
        ("not a specifier", ()),
        ("===foo", ()),
    ],
)
def test_versions_from_requires_python(spec: str, expected: tuple[str, ...]) -> None:
    """A minor counts when any of its patch releases satisfies the specifier."""
    assert versions_from_requires_python(spec, RELEASED) == expected


@pytest.mark.parametrize(
    ("pythons", "minors", "majors"),
    [
        (("cp312-cp312", "cp313-cp313", "cp313-cp313t"), ("3.12", "3.13"), ()),
        (("cp312-abi3",), ("3.12", "3.13", "3.14", "3.15"), ()),
        (("cp312-abi3", "cp314-abi3", "cp310-cp310"), ("3.10", "3.12", "3.13", "3.14", "3.15"), ()),
        (("py3-none",), (), ("3",)),
        (("py2-none", "py3-none"), (), ("2", "3")),
        (("py312-none",), ("3.12",), ()),
        (("pp310-pypy310_pp73", "graalpy311-graalpy311"), (), ()),
    ],
)
def test_versions_from_wheels(
    pythons: tuple[str, ...], minors: tuple[str, ...], majors: tuple[str, ...]
) -> None:
    """``cpXY`` names a minor, ``cpXY-abi3`` a floor, ``pyX`` a major; PyPy adds nothing."""
    assert versions_from_wheels(pythons, RELEASED) == (minors, majors)


@pytest.mark.parametrize(
    ("changes", "versions", "source"),
    [
        ({"python_versions": ("3", "3.12", "3.11")}, ("3.11", "3.12"), "classifiers"),
        ({"python_versions": ("2", "3")}, ("2", "3"), "classifiers"),
        ({"python_only_majors": ("3",)}, ("3",), "classifiers"),
        (
            {"python_versions": ("3",), "python_only_majors": ("3",), "requires_python": ">=3.13"},
            ("3",),
            "classifiers",
        ),
        (
            {"wheel_pythons": ("cp313-cp313", "cp314-cp314"), "requires_python": ">=3.9"},
            ("3.13", "3.14"),
            "wheels",
        ),
        (
            {"wheel_pythons": ("cp312-abi3",), "requires_python": ">=3.12,<3.14"},
            ("3.12", "3.13"),
            "wheels",
        ),
        (
            {"wheel_pythons": ("cp312-abi3",), "requires_python": "not a specifier"},
            ("3.12", "3.13", "3.14", "3.15"),
            "wheels",
        ),
        (
            {"wheel_pythons": ("py3-none",), "requires_python": ">=3.13"},
            ("3.13", "3.14", "3.15"),
            "requires-python",
        ),
        ({"requires_python": ">=3.13"}, ("3.13", "3.14", "3.15"), "requires-python"),
        ({"wheel_pythons": ("py2-none", "py3-none")}, ("2", "3"), "wheels"),
        ({"wheel_pythons": ("py3-none",), "requires_python": "<1"}, ("3",), "wheels"),
        ({}, (), "none"),
    ],
)
def test_python_support_precedence(
    changes: dict[str, object], versions: tuple[str, ...], source: str
) -> None:
    """Classifiers, then CPython wheels, then Requires-Python, then generic wheels."""
    support = python_support(replace(BARE, **changes), NOW)  # type: ignore[arg-type]
    assert (support.versions, support.source) == (versions, source)


def test_python_support_without_classifier_majors() -> None:
    """pypip.in's rule reads only ``X.Y`` classifiers, then derives."""
    facts = replace(BARE, python_versions=("3",), requires_python=">=3.14")
    support = python_support(facts, NOW, classifier_majors=False)
    assert support.versions == ("3.14", "3.15")
    facts = replace(BARE, python_versions=("3", "3.9"))
    assert python_support(facts, NOW, classifier_majors=False).versions == ("3.9",)
