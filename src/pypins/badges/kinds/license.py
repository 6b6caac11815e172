"""``/pypi/l``: the licence (shields' ``pypi-license.service.js``); pypip.in's ``/license/``.

shields joins the licences of the ``License`` field or the classifiers, coloured by
kind; pypins starts with the PEP 639 expression. pypip.in showed one name in blue
(``unknown`` in red): the expression here too, else the short field, else the first
licence classifier's last part.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer, pypip_in
from pypins.badges.facts import PackageFacts
from pypins.badges.licenses import badge_licenses, license_color, license_source

__all__ = ["KIND", "LEGACY", "legacy_license", "legacy_license_badge", "license_badge"]

LABEL: Final = "license"


def license_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Licence names joined by ``, ``, coloured by kind; ``missing`` in red."""
    licenses = badge_licenses(facts)
    if not licenses:
        return Badge(LABEL, "missing", "red")
    color = license_color(licenses, expressions=license_source(facts) == "expression")
    return Badge(LABEL, ", ".join(licenses), color)


def legacy_license(facts: PackageFacts) -> str:
    """pypip.in's licence: expression, short field, first classifier's last part, ``unknown``."""
    if facts.license_expression:
        return facts.license_expression
    if facts.license:
        return facts.license
    if facts.license_classifiers:
        return facts.license_classifiers[0].split(" :: ")[-1]
    return "unknown"


def legacy_license_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The licence name in blue; ``unknown`` in red."""
    name = legacy_license(facts)
    return Badge(LABEL, name, "red" if name == "unknown" else "blue")


KIND: Final = BadgeKind(
    segment="l",
    title="PyPI - License",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "The PEP 639 licence expression, else a short ``License`` field, else the "
        "``License ::`` classifiers; coloured by kind (permissive green, copyleft "
        "orange, public domain light green, unknown lightgrey)."
    ),
    renderer=pypi_renderer(license_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "BSD-3-Clause", "green"),
        example("django-filter", samples.DJANGO_FILTER, LABEL, "BSD", "green"),
        example(
            "pycrypto",
            samples.PYCRYPTO,
            LABEL,
            "Public Domain, Python Software Foundation",
            "lightgrey",
        ),
        example("sklearn", samples.SKLEARN, LABEL, "missing", "red"),
    ),
)

LEGACY: Final = pypip_in(
    KIND,
    "license",
    description=(
        "The licence expression, else a short ``License`` field, else the first "
        "licence classifier's last part; ``unknown`` in red."
    ),
    renderer=pypi_renderer(legacy_license_badge),
    examples=(
        example("six", samples.SIX, LABEL, "MIT", "blue"),
        example("django-filter", samples.DJANGO_FILTER, LABEL, "BSD License", "blue"),
        example("sklearn", samples.SKLEARN, LABEL, "unknown", "red"),
    ),
)
