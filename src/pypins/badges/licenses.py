"""Licence names from PyPI metadata and their badge colours, after shields.io.

Precedence (``badge_licenses``): the PEP 639 ``License-Expression``, then a short
``License`` field (under 40 characters, one line, not ``UNKNOWN``), then the
``License ::`` classifiers read as shields' ``getLicenses`` reads them. The colour
comes from ``data/licenses.json`` (shields' ``licenses.js``): public domain
(``7cd958``) beats permissive (green) beats copyleft (orange) beats unknown (lightgrey).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Final, Literal

from pypins.badges.facts import PackageFacts

__all__ = [
    "LicenseColor",
    "badge_licenses",
    "classifier_licenses",
    "expression_ids",
    "license_color",
    "license_source",
]

_PARENTHESISED: Final = re.compile(r"\(([^)]+)\)")
_BARE_ACRONYM: Final = re.compile(r"[a-z0-9]+")
_EXPRESSION_SEPARATOR: Final = re.compile(r"[()\s]+")
_EXPRESSION_OPERATORS: Final = frozenset({"and", "or", "with"})

LicenseSource = Literal["expression", "license", "classifiers", "none"]


@dataclass(frozen=True, slots=True)
class LicenseColor:
    """A licence kind's colour and priority (higher wins)."""

    color: str
    priority: int


@dataclass(frozen=True, slots=True)
class _Tables:
    colors: dict[str, LicenseColor]
    classifier_aliases: dict[str, str]


@cache
def _tables() -> _Tables:
    text = (files("pypins.badges") / "data" / "licenses.json").read_text("utf-8")
    raw = json.loads(text)
    colors: dict[str, LicenseColor] = {}
    for kind in raw["kinds"].values():
        entry = LicenseColor(kind["color"], int(kind["priority"]))
        for name in [*kind["ids"], *kind["aliases"]]:
            colors[name] = entry
    return _Tables(colors, dict(raw["classifier_aliases"]))


def classifier_licenses(license_classifiers: Iterable[str]) -> tuple[str, ...]:
    """shields' licence names from what follows ``License :: `` in each classifier.

    ``OSI Approved :: MIT License`` gives ``MIT``, ``... (GPL)`` gives ``GPL``, a few
    classifiers map to SPDX ids, and ``DFSG approved`` is dropped when not alone.
    """
    aliases = _tables().classifier_aliases
    names: list[str] = []
    for classifier in license_classifiers:
        name = aliases.get(classifier, classifier).split(" :: ")[-1]
        name = name.replace(" License", "", 1)
        if match := _PARENTHESISED.search(name):
            name = match.group(1).upper()
        if _BARE_ACRONYM.fullmatch(name):
            name = name.upper()
        names.append(name)
    if len(names) > 1:
        names = [name for name in names if name != "DFSG approved"]
    return tuple(names)


def license_source(facts: PackageFacts) -> LicenseSource:
    """Which metadata field ``badge_licenses`` reads for this release."""
    if facts.license_expression:
        return "expression"
    if facts.license:
        return "license"
    if facts.license_classifiers:
        return "classifiers"
    return "none"


def badge_licenses(facts: PackageFacts) -> tuple[str, ...]:
    """The licence names a badge shows, by the precedence above; empty when none."""
    if facts.license_expression:
        return (facts.license_expression,)
    if facts.license:
        return (facts.license,)
    return classifier_licenses(facts.license_classifiers)


def expression_ids(expression: str) -> tuple[str, ...]:
    """The licence ids of an SPDX expression, operators and parentheses removed."""
    return tuple(
        part
        for part in _EXPRESSION_SEPARATOR.split(expression)
        if part and part.lower() not in _EXPRESSION_OPERATORS
    )


def license_color(licenses: Iterable[str], *, expressions: bool = False) -> str:
    """The colour of the highest-priority known licence among ``licenses``; else lightgrey.

    With ``expressions``, a name that is not in the table is read as an SPDX expression
    and its ids are looked up, so ``MIT OR Apache-2.0`` is green (shields only knows
    whole names).
    """
    colors = _tables().colors
    best = LicenseColor("lightgrey", 0)
    for name in licenses:
        candidates = [colors[name]] if name in colors else []
        if not candidates and expressions:
            candidates = [colors[part] for part in expression_ids(name) if part in colors]
        for candidate in candidates:
            if candidate.priority > best.priority:
                best = candidate
    return best.color
