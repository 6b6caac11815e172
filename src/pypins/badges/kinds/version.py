"""``/pypi/v``: the version (shields' ``pypi-version.service.js``); pypip.in's ``/v/``.

shields prefixes ``v`` and colours by PEP 440; pypins adds ``include_prereleases``
(the highest non-yanked release). pypip.in showed the version as is, in brightgreen,
under ``pypi`` or, with ``text=version``, ``version``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import (
    Badge,
    BadgeKind,
    Param,
    Params,
    example,
    parse_flag,
    pypi_renderer,
    pypip_in,
)
from pypins.badges.facts import PackageFacts
from pypins.badges.formatting import addv, pep440_version_color
from pypins.errors import InvalidParameterError

__all__ = [
    "INCLUDE_PRERELEASES",
    "KIND",
    "LEGACY",
    "TEXT",
    "WAGTAIL",
    "legacy_version_badge",
    "version_badge",
]

LABEL: Final = "pypi"
#: pypip.in's labels, chosen by ``text``.
_LEGACY_LABELS: Final = ("pypi", "version")

INCLUDE_PRERELEASES: Final = Param(
    "include_prereleases",
    {"type": "string", "enum": ["", "1", "true", "yes", "on", "0", "false", "no", "off"]},
    "Show the highest non-yanked release, pre-releases included; present without a "
    "value, or a true-like word, turns it on.",
)
#: A release candidate above the latest version, for ``include_prereleases``.
WAGTAIL: Final = PackageFacts(
    name="wagtail",
    normalized_name="wagtail",
    version="8.0.1",
    highest_version="8.1rc1",
    python_versions=("3", "3.10", "3.11", "3.12", "3.13", "3.14"),
    license_expression="BSD-3-Clause",
    development_statuses=("5 - Production/Stable",),
    framework_versions=(("Django", "5.2"), ("Django", "6.0"), ("Django", "6.1")),
    requires_python=">=3.10",
    file_kinds=("source", "wheel"),
    wheel_pythons=("py3-none",),
    wheel_platforms=("any",),
    upload_time=datetime(2026, 10, 20, 14, 32, tzinfo=UTC),
)
TEXT: Final = Param(
    "text",
    {"type": "string", "enum": ["pypi", "version"], "default": "pypi"},
    "The label: `pypi` or `version`.",
)


def version_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """``v1.2.3`` in shields' PEP 440 colour; ``include_prereleases`` picks the highest."""
    version = facts.version
    if parse_flag(params, INCLUDE_PRERELEASES.name) and facts.highest_version:
        version = facts.highest_version
    return Badge(LABEL, addv(version), pep440_version_color(version))


def legacy_version_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The version as is, brightgreen; ``text=version`` changes the label from ``pypi``."""
    label = params.get(TEXT.name, LABEL)
    return Badge(label if label in _LEGACY_LABELS else LABEL, facts.version, "brightgreen")


def _wants_prereleases(params: Params) -> bool:
    """Whether ``include_prereleases`` is on (a malformed value: ``render`` says so)."""
    try:
        return parse_flag(params, INCLUDE_PRERELEASES.name)
    except InvalidParameterError:
        return False


KIND: Final = BadgeKind(
    segment="v",
    title="PyPI - Version",
    default_label=LABEL,
    category="version",
    source="pypi",
    description=(
        "The latest (or pinned) version with a ``v`` prefix; orange for pre-releases and "
        "0.x, blue otherwise, lightgrey for a version that is not PEP 440. "
        "``include_prereleases`` shows the highest non-yanked release instead."
    ),
    renderer=pypi_renderer(version_badge),
    parameters=(INCLUDE_PRERELEASES,),
    needs_release_list=_wants_prereleases,
    examples=(
        example("django", samples.DJANGO, "pypi", "v5.2.8", "blue"),
        example("wagtail", WAGTAIL, "pypi", "v8.1rc1", "orange", ("include_prereleases", "")),
        example("yarg", samples.YARG, "pypi", "v0.1.10", "orange"),
    ),
)

LEGACY: Final = pypip_in(
    KIND,
    "v",
    "version",
    description=(
        "The latest version as is, brightgreen; ``text=version`` sets the label to "
        "``version`` instead of ``pypi``."
    ),
    renderer=pypi_renderer(legacy_version_badge),
    parameters=(TEXT,),
    examples=(
        example("django", samples.DJANGO, "pypi", "5.2.8", "brightgreen"),
        example("django", samples.DJANGO, "version", "5.2.8", "brightgreen", ("text", "version")),
    ),
)
