"""``/pypi/frameworkversions/<framework>`` (shields' ``pypi-framework-versions.service.js``)
and shields' old ``/pypi/djversions``, which is the same badge for Django.

A framework's versions come from ``Framework :: <classifier> :: <version>``
classifiers, under the label ``<framework> versions``; a package without any is
shields' error badge ``<Framework> versions are missing for <package>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Param, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts
from pypins.badges.pythons import sort_framework_versions
from pypins.errors import InvalidParameterError

__all__ = [
    "DJVERSIONS",
    "FRAMEWORK",
    "FRAMEWORKS",
    "FRAMEWORKVERSIONS",
    "KINDS",
    "Framework",
    "djversions_badge",
    "frameworkversions_badge",
]

LABEL: Final = "versions"


@dataclass(frozen=True, slots=True)
class Framework:
    """A framework of the ``frameworkversions`` badge: its display name and classifier."""

    name: str
    classifier: str


#: shields' frameworks, by route name: ``Framework :: <classifier> :: <version>``.
FRAMEWORKS: Final = {
    "aws-cdk": Framework("AWS CDK", "AWS CDK"),
    "django": Framework("Django", "Django"),
    "django-cms": Framework("Django CMS", "Django CMS"),
    "jupyterlab": Framework("JupyterLab", "Jupyter :: JupyterLab"),
    "odoo": Framework("Odoo", "Odoo"),
    "plone": Framework("Plone", "Plone"),
    "wagtail": Framework("Wagtail", "Wagtail"),
    "zope": Framework("Zope", "Zope"),
}
#: Route names shields once used for the same frameworks.
_ALIASES: Final = {"awscdk": "aws-cdk", "djangocms": "django-cms"}

FRAMEWORK: Final = Param(
    "framework",
    {"type": "string", "enum": sorted(FRAMEWORKS)},
    "The framework whose `Framework :: <name> :: <version>` classifiers are read.",
    location="path",
)


def _framework(params: Params) -> Framework:
    raw = params.get(FRAMEWORK.name)
    if raw is None:
        raise InvalidParameterError(FRAMEWORK.name, "a framework is required")
    name = raw.strip().lower()
    framework = FRAMEWORKS.get(_ALIASES.get(name, name))
    if framework is None:
        raise InvalidParameterError(FRAMEWORK.name, f"{raw!r} is not one of {sorted(FRAMEWORKS)}")
    return framework


def _framework_badge(facts: PackageFacts, framework: Framework) -> Badge:
    versions = [
        version
        for classifier, version in facts.framework_versions
        if classifier == framework.classifier
    ]
    if not versions:
        message = f"{framework.name} versions are missing for {facts.name}"
        return Badge(LABEL, message, "lightgrey", is_error=True)
    label = f"{framework.name.lower()} {LABEL}"
    return Badge(label, " | ".join(sort_framework_versions(versions)), "blue")


def frameworkversions_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """A framework's versions joined by `` | `` under ``<framework> versions``, blue."""
    return _framework_badge(facts, _framework(params))


def djversions_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``frameworkversions`` for Django (shields redirects ``djversions`` there)."""
    return _framework_badge(facts, FRAMEWORKS["django"])


FRAMEWORKVERSIONS: Final = BadgeKind(
    segment="frameworkversions",
    title="PyPI - Versions from Framework Classifiers",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "A framework's versions from ``Framework :: <name> :: <version>`` classifiers; "
        "the framework is a path segment: aws-cdk, django, django-cms, jupyterlab, "
        "odoo, plone, wagtail or zope."
    ),
    renderer=pypi_renderer(frameworkversions_badge),
    parameters=(FRAMEWORK,),
    examples=(
        example(
            "django-filter",
            samples.DJANGO_FILTER,
            "django versions",
            "4.2 | 5.2 | 6.0",
            "blue",
            ("framework", "django"),
        ),
        example(
            "six",
            samples.SIX,
            LABEL,
            "Plone versions are missing for six",
            "lightgrey",
            ("framework", "plone"),
            is_error=True,
        ),
    ),
)

DJVERSIONS: Final = BadgeKind(
    segment="djversions",
    title="PyPI - Django Version",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "shields' old Django badge: a permanent redirect (301) to "
        "``/pypi/frameworkversions/django/<package>[/<version>]``, the query kept, as "
        "shields does; the example is the badge it leads to."
    ),
    renderer=pypi_renderer(djversions_badge),
    examples=(
        example(
            "django-filter", samples.DJANGO_FILTER, "django versions", "4.2 | 5.2 | 6.0", "blue"
        ),
    ),
)

KINDS: Final = (FRAMEWORKVERSIONS, DJVERSIONS)
