"""Pure helpers reading facts out of Trove classifiers: the one place classifiers are read.

The ``Package`` record's properties (``python_versions``, ``python_implementations``,
``license_from_classifiers``) read them through the list helpers below; the badge facts
read every family in one pass through ``classifier_facts``. Where the two say different
things (``Package.python_versions`` is ``X.Y`` only, the badges' keeps ``X`` too), each
function documents its own rule. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "ClassifierFacts",
    "classifier_facts",
    "development_status",
    "license_names",
    "python_implementations",
    "python_major_versions",
    "python_versions",
]

_SEPARATOR = " :: "
_PYTHON_PREFIX = "Programming Language :: Python :: "
_IMPLEMENTATION = "Implementation :: "
_IMPLEMENTATION_PREFIX = _PYTHON_PREFIX + _IMPLEMENTATION
_LICENSE_PREFIX = "License :: "
_STATUS_PREFIX = "Development Status :: "
_FRAMEWORK_PREFIX = "Framework :: "
_TYPED = "Typing :: Typed"
_STUBS_ONLY = "Typing :: Stubs Only"
_PYTHON_MINOR_VERSION = re.compile(r"^\d+\.\d+$")
_PYTHON_MAJOR_VERSION = re.compile(r"^\d+$")
# The one-pass reading's patterns (``classifier_facts``).
_PYTHON_VERSION = re.compile(r"[\d.]+")
_ONLY_MAJOR = re.compile(r"(\d+) :: Only")
_NO_SPACE = re.compile(r"\S+")
_FRAMEWORK_VERSION = re.compile(r"(.+) :: ([\d.]+)")


def _suffixes(classifiers: Iterable[str], prefix: str) -> list[str]:
    """The part after ``prefix`` of each classifier that starts with it, without repeats."""
    seen: dict[str, None] = {}
    for classifier in classifiers:
        if classifier.startswith(prefix):
            rest = classifier[len(prefix) :].strip()
            if rest:
                seen.setdefault(rest, None)
    return list(seen)


def python_versions(classifiers: Iterable[str]) -> list[str]:
    """``X.Y`` versions from ``Programming Language :: Python :: X.Y``, in listed order."""
    return [v for v in _suffixes(classifiers, _PYTHON_PREFIX) if _PYTHON_MINOR_VERSION.match(v)]


def python_major_versions(classifiers: Iterable[str]) -> list[str]:
    """Major versions from ``Programming Language :: Python :: X`` (and ``X :: Only``)."""
    majors: dict[str, None] = {}
    for rest in _suffixes(classifiers, _PYTHON_PREFIX):
        head = rest.split(_SEPARATOR, 1)[0]
        if _PYTHON_MAJOR_VERSION.match(head):
            majors.setdefault(head, None)
    return list(majors)


def python_implementations(classifiers: Iterable[str]) -> list[str]:
    """Names from ``Programming Language :: Python :: Implementation :: X``, in listed order."""
    return _suffixes(classifiers, _IMPLEMENTATION_PREFIX)


def license_names(classifiers: Iterable[str]) -> list[str]:
    """Licence names from ``License ::`` classifiers, most specific segment, in listed order.

    ``License :: OSI Approved :: MIT License`` gives ``MIT License``; the bare
    ``License :: OSI Approved`` says nothing about which licence and is skipped.
    """
    names: dict[str, None] = {}
    for classifier in classifiers:
        parts = [part.strip() for part in classifier.split(_SEPARATOR)]
        if len(parts) < 2 or parts[0] != "License" or not parts[-1]:
            continue
        if parts[1:] == ["OSI Approved"]:
            continue
        names.setdefault(parts[-1], None)
    return list(names)


def development_status(classifiers: Iterable[str]) -> str | None:
    """The text of the last ``Development Status :: N - Text`` classifier, e.g. ``Stable``."""
    status: str | None = None
    for rest in _suffixes(classifiers, _STATUS_PREFIX):
        _, _, text = rest.partition(" - ")
        status = (text or rest).strip() or status
    return status


class ClassifierFacts(NamedTuple):
    """What the badges read of a classifier list, each family in listed order, once."""

    #: ``X`` and ``X.Y`` from ``Programming Language :: Python :: <digits and dots>``.
    python_versions: tuple[str, ...] = ()
    #: ``X`` from ``Programming Language :: Python :: X :: Only``.
    python_only_majors: tuple[str, ...] = ()
    #: Names without spaces from ``Programming Language :: Python :: Implementation :: <name>``.
    implementations: tuple[str, ...] = ()
    #: What follows ``License :: `` in each licence classifier.
    license_classifiers: tuple[str, ...] = ()
    #: What follows ``Development Status :: ``, e.g. ``4 - Beta``.
    development_statuses: tuple[str, ...] = ()
    #: ``(framework, version)`` from ``Framework :: <framework> :: <digits and dots>``.
    framework_versions: tuple[tuple[str, str], ...] = ()
    #: ``Typing :: Typed`` is present.
    typed: bool = False
    #: ``Typing :: Stubs Only`` is present.
    stubs_only: bool = False


def classifier_facts(classifiers: Iterable[str]) -> ClassifierFacts:
    """Every family the badges read, in one pass over the classifiers, as listed.

    Classifiers are matched as written, not stripped (unlike the list helpers above).
    """
    versions: list[str] = []
    only: list[str] = []
    implementations: list[str] = []
    licenses: list[str] = []
    statuses: list[str] = []
    frameworks: list[tuple[str, str]] = []
    typed = stubs_only = False
    for classifier in classifiers:
        if classifier.startswith(_PYTHON_PREFIX):
            rest = classifier[len(_PYTHON_PREFIX) :]
            if _PYTHON_VERSION.fullmatch(rest):
                versions.append(rest)
            elif match := _ONLY_MAJOR.fullmatch(rest):
                only.append(match.group(1))
            elif rest.startswith(_IMPLEMENTATION):
                implementation = rest[len(_IMPLEMENTATION) :]
                if _NO_SPACE.fullmatch(implementation):
                    implementations.append(implementation)
        elif classifier.startswith(_LICENSE_PREFIX):
            licenses.append(classifier[len(_LICENSE_PREFIX) :])
        elif classifier.startswith(_STATUS_PREFIX):
            statuses.append(classifier[len(_STATUS_PREFIX) :])
        elif classifier.startswith(_FRAMEWORK_PREFIX):
            if match := _FRAMEWORK_VERSION.fullmatch(classifier[len(_FRAMEWORK_PREFIX) :]):
                frameworks.append((match.group(1), match.group(2)))
        elif classifier == _TYPED:
            typed = True
        elif classifier == _STUBS_ONLY:
            stubs_only = True
    return ClassifierFacts(
        python_versions=tuple(dict.fromkeys(versions)),
        python_only_majors=tuple(dict.fromkeys(only)),
        implementations=tuple(dict.fromkeys(implementations)),
        license_classifiers=tuple(dict.fromkeys(licenses)),
        development_statuses=tuple(dict.fromkeys(statuses)),
        framework_versions=tuple(dict.fromkeys(frameworks)),
        typed=typed,
        stubs_only=stubs_only,
    )
