"""Which Python versions a release supports: classifiers first, then derived facts.

shields.io reads only the ``Programming Language :: Python :: X.Y`` classifiers (and
``X :: Only``) and says ``missing`` without them. pypins falls back, in this order, to
CPython wheels' tags (``cp312``, ``cp39-abi3``), to ``Requires-Python`` and to generic
wheel tags (``py3``), using the table of CPython feature releases in
``data/cpython_versions.json``; a derived list only holds versions released by ``now``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from importlib.resources import files
from typing import Final, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pypins.badges.facts import PackageFacts

__all__ = [
    "CPythonRelease",
    "PythonSupport",
    "cpython_releases",
    "parse_int_prefix",
    "python_support",
    "python_version_key",
    "released_cpython_versions",
    "sort_framework_versions",
    "sort_python_versions",
    "versions_from_requires_python",
    "versions_from_wheels",
]

_COERCE: Final = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_INT_PREFIX: Final = re.compile(r"\s*([+-]?\d+)")
_CPYTHON_TAG: Final = re.compile(r"cp(\d)(\d+)")
_GENERIC_TAG: Final = re.compile(r"py(\d)(\d*)")
_PATCH: Final = re.compile(r"(\d+)\.(\d+)\.(\d+)")

#: Where a badge's Python versions came from.
Source = Literal["classifiers", "wheels", "requires-python", "none"]


@dataclass(frozen=True, slots=True)
class CPythonRelease:
    """A CPython feature release and the date of its ``x.y.0``."""

    version: str
    released: date


@dataclass(frozen=True, slots=True)
class PythonSupport:
    """Supported Python versions, sorted, and where they were read from."""

    versions: tuple[str, ...]
    source: Source


@cache
def cpython_releases() -> tuple[CPythonRelease, ...]:
    """Every CPython feature release pypins knows of, oldest first (read once)."""
    text = (files("pypins.badges") / "data" / "cpython_versions.json").read_text("utf-8")
    releases = [
        CPythonRelease(item["version"], date.fromisoformat(item["released"]))
        for item in json.loads(text)["releases"]
    ]
    return tuple(sorted(releases, key=lambda release: python_version_key(release.version)))


def released_cpython_versions(now: datetime) -> tuple[str, ...]:
    """``X.Y`` of the CPython feature releases out on ``now``'s (UTC) day, oldest first."""
    today = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC).date()
    return tuple(release.version for release in cpython_releases() if release.released <= today)


def python_version_key(version: str) -> tuple[int, int, int]:
    """Sort key of a version as semver's ``coerce`` reads it: ``3.10`` is ``(3, 10, 0)``."""
    match = _COERCE.search(version)
    if match is None:
        return (0, 0, 0)
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return (major, minor, patch)


def sort_python_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """shields' pyversions list: unique, numeric order, ``X`` hidden when an ``X.Y`` is listed."""
    unique = dict.fromkeys(versions)
    minors_of = {version.split(".", 1)[0] for version in unique if "." in version}
    kept = [version for version in unique if "." in version or version not in minors_of]
    return tuple(sorted(kept, key=python_version_key))


def parse_int_prefix(text: str) -> int:
    """JavaScript's ``parseInt(text) || 0``: the leading integer, or 0."""
    match = _INT_PREFIX.match(text)
    return int(match.group(1)) if match else 0


def sort_framework_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """shields' ``sortPypiVersions``: stable sort on the leading major and minor integers."""

    def key(version: str) -> tuple[int, int]:
        parts = version.split(".")
        return (parse_int_prefix(parts[0]), parse_int_prefix(parts[1]) if len(parts) > 1 else 0)

    return tuple(sorted(versions, key=key))


@lru_cache(maxsize=1024)
def versions_from_requires_python(
    requires_python: str, candidates: tuple[str, ...]
) -> tuple[str, ...]:
    """The ``X.Y`` among ``candidates`` that some ``X.Y.z`` satisfying ``requires_python`` has.

    An unparseable specifier allows nothing (the caller falls back further).
    """
    try:
        specifiers = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return ()
    pinned_patches: dict[tuple[int, int], set[int]] = {}
    for specifier in specifiers:
        if match := _PATCH.match(specifier.version):
            major, minor, patch = (int(group) for group in match.groups())
            pinned_patches.setdefault((major, minor), set()).update(
                {max(patch - 1, 0), patch, patch + 1}
            )
    allowed: list[str] = []
    for candidate in candidates:
        major, minor, _ = python_version_key(candidate)
        patches = {0, 999} | pinned_patches.get((major, minor), set())
        if any(specifiers.contains(f"{major}.{minor}.{patch}") for patch in sorted(patches)):
            allowed.append(candidate)
    return tuple(allowed)


def versions_from_wheels(
    wheel_pythons: Iterable[str], released: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(minors, majors)`` from wheel tags: ``cp312`` → 3.12, ``cp39-abi3`` → 3.9 and later
    releases of 3, ``py3`` → major 3 (``py312`` → 3.12)."""
    minors: set[str] = set()
    majors: set[str] = set()
    abi3_floors: dict[int, tuple[int, int, int]] = {}
    for pair in wheel_pythons:
        interpreter, _, abi = pair.partition("-")
        if match := _CPYTHON_TAG.fullmatch(interpreter):
            version = f"{match.group(1)}.{int(match.group(2))}"
            if abi == "abi3":
                major = int(match.group(1))
                floor = python_version_key(version)
                abi3_floors[major] = min(abi3_floors.get(major, floor), floor)
            else:
                minors.add(version)
        elif match := _GENERIC_TAG.fullmatch(interpreter):
            if match.group(2):
                minors.add(f"{match.group(1)}.{int(match.group(2))}")
            else:
                majors.add(match.group(1))
    for candidate in released:
        key = python_version_key(candidate)
        lowest = abi3_floors.get(key[0])
        if lowest is not None and key >= lowest:
            minors.add(candidate)
    return sort_python_versions(minors), sort_python_versions(majors)


def python_support(
    facts: PackageFacts, now: datetime, *, classifier_majors: bool = True
) -> PythonSupport:
    """The Python versions a release supports, by the first source that names any.

    1. classifiers (``X.Y``; with ``classifier_majors``, shields' fallbacks to bare ``X``
       and ``X :: Only`` when no ``X.Y`` is listed);
    2. CPython wheels (``cpXY``; ``cpXY-abi3`` up to the newest release, within
       ``Requires-Python`` when it is set);
    3. ``Requires-Python``;
    4. generic wheels (``py3`` → ``3``).
    """
    if classifier_majors:
        listed = sort_python_versions(facts.python_versions or facts.python_only_majors)
    else:
        listed = sort_python_versions(v for v in facts.python_versions if "." in v)
    if listed:
        return PythonSupport(listed, "classifiers")
    released = released_cpython_versions(now)
    in_range = released
    if facts.requires_python:
        in_range = versions_from_requires_python(facts.requires_python, released) or released
    minors, majors = versions_from_wheels(facts.wheel_pythons, in_range)
    if minors:
        return PythonSupport(minors, "wheels")
    if facts.requires_python:
        allowed = versions_from_requires_python(facts.requires_python, released)
        if allowed:
            return PythonSupport(allowed, "requires-python")
    if majors:
        return PythonSupport(majors, "wheels")
    return PythonSupport((), "none")
