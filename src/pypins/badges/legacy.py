"""pypip.in's badges (``/<kind>/<package>/badge.<ext>``), kept working for old READMEs.

Labels, wording and colours follow pypip.in's last ``shields/shields.py``; its data
rules that have aged are replaced: downloads come from pypistats (PyPI no longer counts
them), licences start with the PEP 639 expression, and ``py_versions`` no longer
assumes ``2.7`` but derives versions as ``pyversions`` does. Like pypip.in, unknown
``period`` and ``text`` values fall back to the default instead of failing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeExample, BadgeKind, Params, pypi_renderer, stats_renderer
from pypins.badges.facts import DownloadFacts, PackageFacts
from pypins.badges.formatting import intword
from pypins.badges.pythons import python_support
from pypins.badges.shields import format_badge, wheel_badge

__all__ = ["LEGACY_KINDS", "legacy_license", "legacy_status"]

_PERIODS: Final = ("day", "week", "month")
_LABELS: Final = ("pypi", "version")
_STATUS_COLORS: Final = {
    "1": "red",
    "2": "red",
    "3": "red",
    "4": "yellow",
    "5": "brightgreen",
    "6": "brightgreen",
    "7": "red",
}


def _downloads(facts: DownloadFacts, params: Params, now: datetime) -> Badge:
    """``<count>/<period>`` (``period`` day, week or month; month by default), brightgreen."""
    period = params.get("period", "month")
    if period not in _PERIODS:
        period = "month"
    count: int = getattr(facts, period)
    return Badge("downloads", f"{intword(count)}/{period}", "brightgreen")


def _version(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The version as is, brightgreen; ``text=version`` changes the label from ``pypi``."""
    label = params.get("text", "pypi")
    return Badge(label if label in _LABELS else "pypi", facts.version, "brightgreen")


def _egg(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``yes`` (red: eggs are deprecated) or ``no`` (brightgreen)."""
    return Badge("egg", "yes", "red") if facts.has_egg else Badge("egg", "no", "brightgreen")


def legacy_license(facts: PackageFacts) -> str:
    """pypip.in's licence: expression, short field, first classifier's last part, ``unknown``."""
    if facts.license_expression:
        return facts.license_expression
    if facts.license:
        return facts.license
    if facts.license_classifiers:
        return facts.license_classifiers[0].split(" :: ")[-1]
    return "unknown"


def _license(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The licence name in blue; ``unknown`` in red."""
    name = legacy_license(facts)
    return Badge("license", name, "red" if name == "unknown" else "blue")


def _py_versions(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``X.Y`` versions joined by ``, ``, blue; derived like ``pyversions``; else ``none found``."""
    support = python_support(facts, now, classifier_majors=False)
    message = ", ".join(support.versions) if support.versions else "none found"
    return Badge("python", message, "blue")


def _implementation(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Implementations in classifier order, lower case, joined by ``, ``; ``cpython`` by default."""
    names = [name.lower() for name in facts.implementations] or ["cpython"]
    return Badge("implementation", ", ".join(names), "blue")


def legacy_status(development_statuses: tuple[str, ...]) -> tuple[str, str]:
    """pypip.in's ``(code, word)`` of the first status classifier, or ``("1", "unknown")``."""
    if not development_statuses:
        return "1", "unknown"
    code, _, word = development_statuses[0].partition(" - ")
    word = (word or code).strip().lower()
    return code.strip(), "stable" if word == "production/stable" else word


def _status(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The first status word; red, yellow (beta) or brightgreen (stable, mature)."""
    code, word = legacy_status(facts.development_statuses)
    return Badge("status", word, _STATUS_COLORS.get(code, "lightgrey"))


def _ex(
    package: str,
    facts: PackageFacts | DownloadFacts,
    label: str,
    message: str,
    color: str,
    *params: tuple[str, str],
) -> BadgeExample:
    return BadgeExample(package, facts, Badge(label, message, color), tuple(params))


def _downloads_kind(segment: str) -> BadgeKind:
    return BadgeKind(
        segment=segment,
        title="pypip.in - Downloads",
        default_label="downloads",
        category="downloads",
        source="stats",
        description=(
            "Downloads in the last ``period`` (day, week or month; month by default) from "
            "pypistats.org, in pypip.in's format (``1.2M/month``)."
        ),
        renderer=stats_renderer(_downloads),
        accepts_version=False,
        legacy=True,
        params=("period",),
        not_found_message="package not found",
        examples=(
            _ex("django", samples.DJANGO_DOWNLOADS, "downloads", "36.1M/month", "brightgreen"),
            _ex(
                "yarg",
                samples.YARG_DOWNLOADS,
                "downloads",
                "950/day",
                "brightgreen",
                ("period", "day"),
            ),
        ),
    )


def _version_kind(segment: str) -> BadgeKind:
    return BadgeKind(
        segment=segment,
        title="pypip.in - Version",
        default_label="pypi",
        category="version",
        source="pypi",
        description=(
            "The latest version as is, brightgreen; ``text=version`` sets the label to "
            "``version`` instead of ``pypi``."
        ),
        renderer=pypi_renderer(_version),
        accepts_version=False,
        legacy=True,
        params=("text",),
        examples=(
            _ex("django", samples.DJANGO, "pypi", "5.2.8", "brightgreen"),
            _ex("django", samples.DJANGO, "version", "5.2.8", "brightgreen", ("text", "version")),
        ),
    )


#: pypip.in's kinds, by route segment: ``/<segment>/<package>/badge.<ext>``.
LEGACY_KINDS: Final[dict[str, BadgeKind]] = {
    "d": _downloads_kind("d"),
    "download": _downloads_kind("download"),
    "v": _version_kind("v"),
    "version": _version_kind("version"),
    "wheel": BadgeKind(
        segment="wheel",
        title="pypip.in - Wheel",
        default_label="wheel",
        category="metadata",
        source="pypi",
        description="Whether the latest release has a wheel.",
        renderer=pypi_renderer(wheel_badge),  # pypip.in and shields agree
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("django", samples.DJANGO, "wheel", "yes", "brightgreen"),
            _ex("docopt", samples.DOCOPT, "wheel", "no", "red"),
        ),
    ),
    "egg": BadgeKind(
        segment="egg",
        title="pypip.in - Egg",
        default_label="egg",
        category="metadata",
        source="pypi",
        description="Whether the latest release has an egg (red: eggs are deprecated).",
        renderer=pypi_renderer(_egg),
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("django", samples.DJANGO, "egg", "no", "brightgreen"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "egg", "yes", "red"),
        ),
    ),
    "format": BadgeKind(
        segment="format",
        title="pypip.in - Format",
        default_label="format",
        category="metadata",
        source="pypi",
        description="The latest release's best format: wheel, else egg, else source.",
        renderer=pypi_renderer(format_badge),  # pypip.in and shields agree
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("django", samples.DJANGO, "format", "wheel", "brightgreen"),
            _ex("docopt", samples.DOCOPT, "format", "source", "yellow"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "format", "egg", "red"),
        ),
    ),
    "license": BadgeKind(
        segment="license",
        title="pypip.in - License",
        default_label="license",
        category="metadata",
        source="pypi",
        description=(
            "The licence expression, else a short ``License`` field, else the first "
            "licence classifier's last part; ``unknown`` in red."
        ),
        renderer=pypi_renderer(_license),
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("six", samples.SIX, "license", "MIT", "blue"),
            _ex("django-filter", samples.DJANGO_FILTER, "license", "BSD License", "blue"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "license", "unknown", "red"),
        ),
    ),
    "py_versions": BadgeKind(
        segment="py_versions",
        title="pypip.in - Python Versions",
        default_label="python",
        category="metadata",
        source="pypi",
        description=(
            "``X.Y`` versions from classifiers joined by ``, ``; without them, derived as "
            "``pyversions`` derives them (pypip.in assumed 2.7)."
        ),
        renderer=pypi_renderer(_py_versions),
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("yarg", samples.YARG, "python", "2.7, 3.3, 3.4, 3.5, 3.6", "blue"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "python", "none found", "blue"),
        ),
    ),
    "implementation": BadgeKind(
        segment="implementation",
        title="pypip.in - Implementation",
        default_label="implementation",
        category="metadata",
        source="pypi",
        description=(
            "Implementation classifiers, lower case, joined by ``, ``; ``cpython`` by default."
        ),
        renderer=pypi_renderer(_implementation),
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("yarg", samples.YARG, "implementation", "cpython, pypy", "blue"),
            _ex("six", samples.SIX, "implementation", "cpython", "blue"),
        ),
    ),
    "status": BadgeKind(
        segment="status",
        title="pypip.in - Status",
        default_label="status",
        category="metadata",
        source="pypi",
        description=(
            "The first ``Development Status`` classifier's word: red for planning to alpha "
            "and inactive, yellow for beta, brightgreen for stable and mature."
        ),
        renderer=pypi_renderer(_status),
        accepts_version=False,
        legacy=True,
        examples=(
            _ex("django", samples.DJANGO, "status", "stable", "brightgreen"),
            _ex("yarg", samples.YARG, "status", "beta", "yellow"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "status", "unknown", "red"),
        ),
    ),
}
