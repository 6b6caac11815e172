"""Pure helpers reading facts out of Trove classifiers.

Shared by the client's ``Package`` model and the badge semantics, so that both read a
classifier list the same way. No I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATOR = " :: "
_PYTHON_PREFIX = "Programming Language :: Python :: "
_IMPLEMENTATION_PREFIX = "Programming Language :: Python :: Implementation :: "
_PYTHON_MINOR_VERSION = re.compile(r"^\d+\.\d+$")
_PYTHON_MAJOR_VERSION = re.compile(r"^\d+$")


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
    for rest in _suffixes(classifiers, "Development Status :: "):
        _, _, text = rest.partition(" - ")
        status = (text or rest).strip() or status
    return status
