"""shields.io-compatible PyPI badges (``/pypi/<segment>/...``) and pypins' own additions.

Labels, messages, colours and error wording follow shields' ``services/pypi/*``; where
pypins differs (derived Python versions, PEP 639 expressions, ``include_prereleases``)
the docstrings and ``docs/badges.md`` say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import (
    Badge,
    BadgeExample,
    BadgeKind,
    Facts,
    Params,
    attestation_renderer,
    index_renderer,
    parse_flag,
    pypi_renderer,
    stats_renderer,
)
from pypins.badges.facts import AttestationFacts, DownloadFacts, IndexFacts, PackageFacts
from pypins.badges.formatting import (
    addv,
    age_color,
    download_count_color,
    elapsed_days,
    metric,
    pep440_version_color,
    relative_age,
)
from pypins.badges.licenses import badge_licenses, license_color, license_source
from pypins.badges.pythons import python_support, sort_framework_versions
from pypins.errors import InvalidParameterError

__all__ = [
    "FRAMEWORKS",
    "KINDS",
    "Framework",
    "attestations_badge",
    "format_badge",
    "free_threaded_versions",
    "platform_families",
    "project_status_badge",
    "shields_status",
    "wheel_badge",
]

_STATUS_CLASSIFIER: Final = re.compile(r"\d - \S+")
_STATUS_COLORS: Final = {
    "planning": "red",
    "pre-alpha": "red",
    "alpha": "red",
    "beta": "yellow",
    "stable": "brightgreen",
    "mature": "brightgreen",
    "inactive": "red",
    "unknown": "lightgrey",
}
_FREE_THREADED_ABI: Final = re.compile(r"cp(\d)(\d+)t")
_PLATFORM_ORDER: Final = ("linux", "musllinux", "macos", "windows", "android", "ios", "wasm")
_PLATFORM_PREFIXES: Final = (
    ("manylinux", "linux"),
    ("linux_", "linux"),
    ("musllinux_", "musllinux"),
    ("macosx_", "macos"),
    ("win32", "windows"),
    ("win_", "windows"),
    ("android_", "android"),
    ("ios_", "ios"),
    ("emscripten_", "wasm"),
    ("pyodide_", "wasm"),
    ("wasi_", "wasm"),
)


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
_FRAMEWORK_ALIASES: Final = {"awscdk": "aws-cdk", "djangocms": "django-cms"}


# ---------------------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------------------


def _version(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``v1.2.3`` in shields' PEP 440 colour; ``include_prereleases`` picks the highest."""
    version = facts.version
    if parse_flag(params, "include_prereleases") and facts.highest_version:
        version = facts.highest_version
    return Badge("pypi", addv(version), pep440_version_color(version))


def _pyversions(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Python versions joined by `` | ``, blue; ``missing`` in red when none is known."""
    support = python_support(facts, now)
    if not support.versions:
        return Badge("python", "missing", "red")
    return Badge("python", " | ".join(support.versions), "blue")


def _implementation(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Implementation classifiers, lower case, sorted, joined by `` | ``; cpython by default."""
    names = sorted(name.lower() for name in facts.implementations) or ["cpython"]
    return Badge("implementation", " | ".join(names), "blue")


def _license(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Licence names joined by ``, ``, coloured by kind; ``missing`` in red."""
    licenses = badge_licenses(facts)
    if not licenses:
        return Badge("license", "missing", "red")
    color = license_color(licenses, expressions=license_source(facts) == "expression")
    return Badge("license", ", ".join(licenses), color)


def format_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``wheel`` (brightgreen), else ``egg`` (red), else ``source`` (yellow)."""
    if facts.has_wheel:
        return Badge("format", "wheel", "brightgreen")
    if facts.has_egg:
        return Badge("format", "egg", "red")
    return Badge("format", "source", "yellow")


def wheel_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``yes`` (brightgreen) or ``no`` (red)."""
    if facts.has_wheel:
        return Badge("wheel", "yes", "brightgreen")
    return Badge("wheel", "no", "red")


def shields_status(development_statuses: tuple[str, ...]) -> str:
    """shields' status word: the highest-numbered ``N - Word`` status, lower case."""
    statuses = sorted(s.lower() for s in development_statuses if _STATUS_CLASSIFIER.fullmatch(s))
    if not statuses:
        return "unknown"
    word = statuses[-1].split(" - ")[-1]
    return word.replace("production/stable", "stable", 1)


def _status(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The development status word, red to brightgreen; ``unknown`` in lightgrey."""
    status = shields_status(facts.development_statuses)
    return Badge("status", status, _STATUS_COLORS.get(status, "lightgrey"))


def _types(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``typed`` or ``stubs`` (brightgreen), else ``untyped`` (red)."""
    if facts.typed:
        return Badge("types", "typed", "brightgreen")
    if facts.stubs_only:
        return Badge("types", "stubs", "brightgreen")
    return Badge("types", "untyped", "red")


def _framework(params: Params) -> Framework:
    raw = params.get("framework")
    if raw is None:
        raise InvalidParameterError("framework", "a framework is required")
    name = raw.strip().lower()
    framework = FRAMEWORKS.get(_FRAMEWORK_ALIASES.get(name, name))
    if framework is None:
        raise InvalidParameterError("framework", f"{raw!r} is not one of {sorted(FRAMEWORKS)}")
    return framework


def _framework_badge(facts: PackageFacts, framework: Framework) -> Badge:
    versions = [
        version
        for classifier, version in facts.framework_versions
        if classifier == framework.classifier
    ]
    if not versions:
        message = f"{framework.name} versions are missing for {facts.name}"
        return Badge("versions", message, "lightgrey", is_error=True)
    label = f"{framework.name.lower()} versions"
    return Badge(label, " | ".join(sort_framework_versions(versions)), "blue")


def _frameworkversions(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """A framework's versions joined by `` | `` under ``<framework> versions``, blue."""
    return _framework_badge(facts, _framework(params))


def _djversions(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``frameworkversions`` for Django (shields redirects ``djversions`` there)."""
    return _framework_badge(facts, FRAMEWORKS["django"])


def _downloads(
    interval: str,
) -> tuple[str, Callable[[DownloadFacts, Params, datetime], Badge]]:
    def render(facts: DownloadFacts, params: Params, now: datetime) -> Badge:
        count: int = getattr(facts, interval)
        return Badge("downloads", f"{metric(count)}/{interval}", download_count_color(count))

    render.__doc__ = f"``<count>/{interval}``, e.g. ``1.3k/{interval}``, coloured by count."
    return interval, render


def _requires_python(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``Requires-Python`` as declared, blue; ``missing`` in red."""
    if facts.requires_python is None:
        return Badge("python", "missing", "red")
    return Badge("python", facts.requires_python, "blue")


def _last_release(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Age of the release's first upload, e.g. ``3 days ago``, coloured by age."""
    if facts.upload_time is None:
        return Badge("last release", "unknown", "lightgrey")
    days = elapsed_days(facts.upload_time, now)
    return Badge("last release", relative_age(facts.upload_time, now), age_color(days))


def _vulnerabilities(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Count of known, not withdrawn vulnerabilities: ``0`` brightgreen, else red."""
    count = facts.vulnerabilities
    return Badge("vulnerabilities", str(count), "brightgreen" if count == 0 else "red")


def free_threaded_versions(wheel_pythons: tuple[str, ...]) -> tuple[str, ...]:
    """``X.Yt`` for each free-threaded CPython ABI among the wheels (``cp313t``), sorted."""
    found: set[tuple[int, int]] = set()
    for pair in wheel_pythons:
        abi = pair.partition("-")[2]
        if match := _FREE_THREADED_ABI.fullmatch(abi):
            found.add((int(match.group(1)), int(match.group(2))))
    return tuple(f"{major}.{minor}t" for major, minor in sorted(found))


def _is_pure(facts: PackageFacts) -> bool:
    return "any" in facts.wheel_platforms


def _free_threading(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Free-threaded wheels' versions (brightgreen), ``pure`` (green), ``no`` or ``no wheels``."""
    versions = free_threaded_versions(facts.wheel_pythons)
    if versions:
        return Badge("free-threading", " | ".join(versions), "brightgreen")
    if _is_pure(facts):
        return Badge("free-threading", "pure", "green")
    if facts.has_wheel:
        return Badge("free-threading", "no", "red")
    return Badge("free-threading", "no wheels", "lightgrey")


def _platform_family(tag: str) -> str:
    for prefix, family in _PLATFORM_PREFIXES:
        if tag.startswith(prefix):
            return family
    return tag.split("_", 1)[0]


def platform_families(wheel_platforms: tuple[str, ...]) -> tuple[str, ...]:
    """Platform families of wheel platform tags (``any`` stays ``any``), in display order."""
    families = {_platform_family(tag) for tag in wheel_platforms}
    known = [family for family in _PLATFORM_ORDER if family in families]
    others = sorted(families - set(_PLATFORM_ORDER) - {"any"})
    return tuple(["any"] if "any" in families else []) + tuple(known) + tuple(others)


def _platforms(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``pure``, the wheels' platform families, ``source only`` or ``no wheels``."""
    if _is_pure(facts):
        return Badge("platforms", "pure", "brightgreen")
    families = platform_families(facts.wheel_platforms)
    if families:
        return Badge("platforms", " | ".join(families), "blue")
    if "source" in facts.file_kinds:
        return Badge("platforms", "source only", "yellow")
    return Badge("platforms", "no wheels", "red")


_PROJECT_STATUS_COLORS: Final = {
    "active": "brightgreen",
    "archived": "orange",
    "deprecated": "orange",
    "quarantined": "red",
}


def project_status_badge(facts: IndexFacts, params: Params, now: datetime) -> Badge:
    """PEP 792's status: ``active`` green, ``archived``/``deprecated`` orange,
    ``quarantined`` red."""
    return Badge("status", facts.status, _PROJECT_STATUS_COLORS.get(facts.status, "lightgrey"))


def attestations_badge(facts: AttestationFacts, params: Params, now: datetime) -> Badge:
    """The Trusted Publisher that attested the release (``github psf/requests``, green);
    ``none`` (lightgrey) without provenance."""
    if facts.publisher is None:
        return Badge("attestations", "none", "lightgrey")
    return Badge("attestations", facts.publisher, "green")


def _wants_prereleases(params: Params) -> bool:
    """Whether ``include_prereleases`` is on (a malformed value: ``render`` says so)."""
    try:
        return parse_flag(params, "include_prereleases")
    except InvalidParameterError:
        return False


# ---------------------------------------------------------------------------------------
# The kinds
# ---------------------------------------------------------------------------------------


def _ex(
    package: str,
    facts: Facts,
    label: str,
    message: str,
    color: str,
    *params: tuple[str, str],
    version: str | None = None,
    note: str = "",
    is_error: bool = False,
) -> BadgeExample:
    badge = Badge(label, message, color, is_error)
    return BadgeExample(package, facts, badge, tuple(params), version, note)


_DOWNLOAD_KINDS: Final = {
    segment: BadgeKind(
        segment=segment,
        title=f"PyPI - Downloads ({interval}ly)".replace("dayly", "daily"),
        default_label="downloads",
        category="downloads",
        source="stats",
        description=(
            f"Downloads in the last {interval} from pypistats.org, as a metric count "
            f"(``1.3k/{interval}``), coloured by count."
        ),
        renderer=stats_renderer(render),
        accepts_version=False,
        not_found_message="package not found",
        examples=(
            _ex(
                "django",
                samples.DJANGO_DOWNLOADS,
                "downloads",
                f"{metric(getattr(samples.DJANGO_DOWNLOADS, interval))}/{interval}",
                "brightgreen",
            ),
        ),
    )
    for segment, (interval, render) in {
        "dd": _downloads("day"),
        "dw": _downloads("week"),
        "dm": _downloads("month"),
    }.items()
}

#: shields-style kinds, by route segment: ``/pypi/<segment>/<package>[/<version>]``.
KINDS: Final[dict[str, BadgeKind]] = {
    "v": BadgeKind(
        segment="v",
        title="PyPI - Version",
        default_label="pypi",
        category="version",
        source="pypi",
        description=(
            "The latest (or pinned) version with a ``v`` prefix; orange for pre-releases and "
            "0.x, blue otherwise, lightgrey for a version that is not PEP 440. "
            "``include_prereleases`` shows the highest non-yanked release instead."
        ),
        renderer=pypi_renderer(_version),
        params=("include_prereleases",),
        needs_release_list=_wants_prereleases,
        examples=(
            _ex("django", samples.DJANGO, "pypi", "v5.2.8", "blue"),
            _ex(
                "django",
                samples.DJANGO,
                "pypi",
                "v6.0rc1",
                "orange",
                ("include_prereleases", ""),
            ),
            _ex("yarg", samples.YARG, "pypi", "v0.1.10", "orange"),
        ),
    ),
    "pyversions": BadgeKind(
        segment="pyversions",
        title="PyPI - Python Version",
        default_label="python",
        category="metadata",
        source="pypi",
        description=(
            "Python versions from the ``Programming Language :: Python`` classifiers; "
            "without them, derived from CPython wheel tags, then ``Requires-Python``."
        ),
        renderer=pypi_renderer(_pyversions),
        examples=(
            _ex("django", samples.DJANGO, "python", "3.10 | 3.11 | 3.12 | 3.13 | 3.14", "blue"),
            _ex(
                "playwright",
                samples.PLAYWRIGHT,
                "python",
                "3.9 | 3.10 | 3.11 | 3.12 | 3.13 | 3.14 | 3.15",
                "blue",
                note="no version classifiers: derived from Requires-Python >=3.9",
            ),
            _ex("pypins-egg-only", samples.EGG_ONLY, "python", "missing", "red"),
        ),
    ),
    "implementation": BadgeKind(
        segment="implementation",
        title="PyPI - Implementation",
        default_label="implementation",
        category="metadata",
        source="pypi",
        description="Python implementations from classifiers; ``cpython`` when none is listed.",
        renderer=pypi_renderer(_implementation),
        examples=(
            _ex("yarg", samples.YARG, "implementation", "cpython | pypy", "blue"),
            _ex("django", samples.DJANGO, "implementation", "cpython", "blue"),
        ),
    ),
    "l": BadgeKind(
        segment="l",
        title="PyPI - License",
        default_label="license",
        category="metadata",
        source="pypi",
        description=(
            "The PEP 639 licence expression, else a short ``License`` field, else the "
            "``License ::`` classifiers; coloured by kind (permissive green, copyleft "
            "orange, public domain light green, unknown lightgrey)."
        ),
        renderer=pypi_renderer(_license),
        examples=(
            _ex("django", samples.DJANGO, "license", "BSD-3-Clause", "green"),
            _ex("django-filter", samples.DJANGO_FILTER, "license", "BSD", "green"),
            _ex(
                "pycrypto",
                samples.PYCRYPTO,
                "license",
                "Public Domain, Python Software Foundation",
                "lightgrey",
            ),
            _ex("pypins-egg-only", samples.EGG_ONLY, "license", "missing", "red"),
        ),
    ),
    "format": BadgeKind(
        segment="format",
        title="PyPI - Format",
        default_label="format",
        category="metadata",
        source="pypi",
        description="The release's best file format: wheel, else egg, else source.",
        renderer=pypi_renderer(format_badge),
        examples=(
            _ex("django", samples.DJANGO, "format", "wheel", "brightgreen"),
            _ex("docopt", samples.DOCOPT, "format", "source", "yellow"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "format", "egg", "red"),
        ),
    ),
    "wheel": BadgeKind(
        segment="wheel",
        title="PyPI - Wheel",
        default_label="wheel",
        category="metadata",
        source="pypi",
        description="Whether the release has a wheel.",
        renderer=pypi_renderer(wheel_badge),
        examples=(
            _ex("django", samples.DJANGO, "wheel", "yes", "brightgreen"),
            _ex("docopt", samples.DOCOPT, "wheel", "no", "red"),
        ),
    ),
    "status": BadgeKind(
        segment="status",
        title="PyPI - Status",
        default_label="status",
        category="metadata",
        source="pypi",
        description=(
            "The ``Development Status`` classifier's word: planning, pre-alpha, alpha "
            "(red), beta (yellow), stable, mature (brightgreen), inactive (red), or unknown."
        ),
        renderer=pypi_renderer(_status),
        examples=(
            _ex("django", samples.DJANGO, "status", "stable", "brightgreen"),
            _ex("yarg", samples.YARG, "status", "beta", "yellow"),
            _ex("pypins-egg-only", samples.EGG_ONLY, "status", "unknown", "lightgrey"),
        ),
    ),
    "types": BadgeKind(
        segment="types",
        title="PyPI - Types",
        default_label="types",
        category="metadata",
        source="pypi",
        description=(
            "``typed`` with ``Typing :: Typed``, ``stubs`` with ``Typing :: Stubs Only``, "
            "else ``untyped``."
        ),
        renderer=pypi_renderer(_types),
        examples=(
            _ex("numpy", samples.NUMPY, "types", "typed", "brightgreen"),
            _ex("types-requests", samples.TYPES_REQUESTS, "types", "stubs", "brightgreen"),
            _ex("six", samples.SIX, "types", "untyped", "red"),
        ),
    ),
    "frameworkversions": BadgeKind(
        segment="frameworkversions",
        title="PyPI - Versions from Framework Classifiers",
        default_label="versions",
        category="metadata",
        source="pypi",
        description=(
            "A framework's versions from ``Framework :: <name> :: <version>`` classifiers; "
            "the framework is a path segment: aws-cdk, django, django-cms, jupyterlab, "
            "odoo, plone, wagtail or zope."
        ),
        renderer=pypi_renderer(_frameworkversions),
        path_params=("framework",),
        examples=(
            _ex(
                "django-filter",
                samples.DJANGO_FILTER,
                "django versions",
                "4.2 | 5.2 | 6.0",
                "blue",
                ("framework", "django"),
            ),
            _ex(
                "six",
                samples.SIX,
                "versions",
                "Plone versions are missing for six",
                "lightgrey",
                ("framework", "plone"),
                is_error=True,
            ),
        ),
    ),
    "djversions": BadgeKind(
        segment="djversions",
        title="PyPI - Django Version",
        default_label="versions",
        category="metadata",
        source="pypi",
        description="shields' old Django badge: the same as ``frameworkversions/django``.",
        renderer=pypi_renderer(_djversions),
        examples=(
            _ex(
                "django-filter", samples.DJANGO_FILTER, "django versions", "4.2 | 5.2 | 6.0", "blue"
            ),
        ),
    ),
    **_DOWNLOAD_KINDS,
    "requires-python": BadgeKind(
        segment="requires-python",
        title="PyPI - Requires-Python",
        default_label="python",
        category="metadata",
        source="pypi",
        description="The release's ``Requires-Python`` as declared (pypins).",
        renderer=pypi_renderer(_requires_python),
        examples=(
            _ex("django", samples.DJANGO, "python", ">=3.10", "blue"),
            _ex("yarg", samples.YARG, "python", "missing", "red"),
        ),
    ),
    "last-release": BadgeKind(
        segment="last-release",
        title="PyPI - Last Release",
        default_label="last release",
        category="version",
        source="pypi",
        description=(
            "How long ago the release's first file was uploaded, coloured like shields' "
            "age badges: brightgreen under a week, then green, yellowgreen (under 6 "
            "months), yellow (a year), orange (two years), red (pypins)."
        ),
        renderer=pypi_renderer(_last_release),
        examples=(
            _ex("numpy", samples.NUMPY, "last release", "5 days ago", "brightgreen"),
            _ex(
                "django-filter",
                samples.DJANGO_FILTER,
                "last release",
                "3 months ago",
                "yellowgreen",
            ),
            _ex("docopt", samples.DOCOPT, "last release", "12 years ago", "red"),
        ),
    ),
    "vulnerabilities": BadgeKind(
        segment="vulnerabilities",
        title="PyPI - Vulnerabilities",
        default_label="vulnerabilities",
        category="version",
        source="pypi",
        description=(
            "Known vulnerabilities of the release (PyPI's OSV data, withdrawn ones "
            "excluded): ``0`` in brightgreen, any other count in red (pypins)."
        ),
        renderer=pypi_renderer(_vulnerabilities),
        examples=(
            _ex("django", samples.DJANGO, "vulnerabilities", "0", "brightgreen"),
            _ex("pycrypto", samples.PYCRYPTO, "vulnerabilities", "2", "red"),
        ),
    ),
    "free-threading": BadgeKind(
        segment="free-threading",
        title="PyPI - Free-threading",
        default_label="free-threading",
        category="metadata",
        source="pypi",
        description=(
            "Free-threaded CPython wheels (``cp313t``): their versions in brightgreen; "
            "``pure`` (green) when a pure-Python wheel serves every interpreter; ``no`` "
            "(red) with only other binary wheels; ``no wheels`` (lightgrey) (pypins)."
        ),
        renderer=pypi_renderer(_free_threading),
        examples=(
            _ex("numpy", samples.NUMPY, "free-threading", "3.13t | 3.14t", "brightgreen"),
            _ex("django", samples.DJANGO, "free-threading", "pure", "green"),
            _ex("docopt", samples.DOCOPT, "free-threading", "no wheels", "lightgrey"),
        ),
    ),
    "platforms": BadgeKind(
        segment="platforms",
        title="PyPI - Platforms",
        default_label="platforms",
        category="metadata",
        source="pypi",
        description=(
            "Platforms the release's wheels cover: ``pure`` for a pure-Python wheel, else "
            "linux, musllinux, macos, windows, android, ios, wasm and others; ``source "
            "only`` without wheels (pypins)."
        ),
        renderer=pypi_renderer(_platforms),
        examples=(
            _ex("numpy", samples.NUMPY, "platforms", "linux | musllinux | macos | windows", "blue"),
            _ex("django", samples.DJANGO, "platforms", "pure", "brightgreen"),
            _ex("docopt", samples.DOCOPT, "platforms", "source only", "yellow"),
        ),
    ),
    "attestations": BadgeKind(
        segment="attestations",
        title="PyPI - Attestations",
        default_label="attestations",
        category="version",
        source="integrity",
        description=(
            "Whether the release's files carry PEP 740 attestations, and from which "
            "Trusted Publisher: ``github psf/requests`` in green, ``none`` in lightgrey. "
            "Read from PyPI's Integrity API for one file of the release (its sdist, else "
            "its first file), only when this badge is asked for (pypins)."
        ),
        renderer=attestation_renderer(attestations_badge),
        not_found_message="package or version not found",
        examples=(
            _ex(
                "sampleproject",
                samples.SAMPLEPROJECT_ATTESTED,
                "attestations",
                "github pypa/sampleproject",
                "green",
            ),
            _ex("docopt", samples.NOT_ATTESTED, "attestations", "none", "lightgrey"),
        ),
    ),
    "project-status": BadgeKind(
        segment="project-status",
        title="PyPI - Project Status",
        default_label="status",
        category="metadata",
        source="simple",
        description=(
            "The project's PEP 792 status from PyPI's Simple API: ``active`` in "
            "brightgreen, ``archived`` and ``deprecated`` in orange, ``quarantined`` in red "
            "(pypins)."
        ),
        renderer=index_renderer(project_status_badge),
        accepts_version=False,
        not_found_message="package not found",
        examples=(_ex("django", samples.ACTIVE, "status", "active", "brightgreen"),),
    ),
}
