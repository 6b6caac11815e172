"""Badge semantics: PyPI metadata in, (label, message, colour) out. Pure; no I/O.

The web layer fetches an upstream document, turns it into facts once
(``facts_from_json`` for PyPI's JSON API, ``download_facts_from_json`` for pypistats,
``index_facts`` for the Simple API, ``AttestationFacts`` for a file's provenance),
caches them (``to_dict``/``from_dict``), and asks a kind for the badge::

    kind = KINDS["v"]                                  # or LEGACY_KINDS["v"]
    facts = facts_from_json(document)                  # kind.source == "pypi"
    badge = kind.render(facts, query_params, now=now)  # Badge(label, message, color)

Each badge is one unit of ``pypins.badges.kinds`` (``kinds.version``, ``kinds.license``...):
its renderer, wording, colours, parameters with their schemas, examples, and its
pypip.in route if it has one; ``kinds`` assembles ``KINDS`` and ``LEGACY_KINDS``.

Errors on the way (upstream, parameters) become badges with ``error_badge``. Static
badges are ``parse_static_path`` and ``static_from_query``.
"""

from pypins.badges.core import (
    Badge,
    BadgeExample,
    BadgeKind,
    Category,
    Facts,
    Param,
    Params,
    Renderer,
    Source,
    parse_flag,
)
from pypins.badges.error_badges import error_badge
from pypins.badges.facts import (
    FACTS_SCHEMA_VERSION,
    PROJECT_STATUSES,
    AttestationFacts,
    DownloadFacts,
    IndexFacts,
    PackageFacts,
    download_facts_from_json,
    facts_from_json,
    index_facts,
)
from pypins.badges.formatting import (
    addv,
    age_color,
    download_count_color,
    intword,
    metric,
    pep440_version_color,
    relative_age,
)
from pypins.badges.kinds import FRAMEWORKS, KINDS, LEGACY_KINDS
from pypins.badges.licenses import badge_licenses, license_color
from pypins.badges.pythons import PythonSupport, python_support, sort_python_versions
from pypins.badges.samples import EXAMPLE_NOW
from pypins.badges.static import escape_format, parse_static_path, static_from_query

__all__ = [
    "EXAMPLE_NOW",
    "FACTS_SCHEMA_VERSION",
    "FRAMEWORKS",
    "KINDS",
    "LEGACY_KINDS",
    "PROJECT_STATUSES",
    "AttestationFacts",
    "Badge",
    "BadgeExample",
    "BadgeKind",
    "Category",
    "DownloadFacts",
    "Facts",
    "IndexFacts",
    "PackageFacts",
    "Param",
    "Params",
    "PythonSupport",
    "Renderer",
    "Source",
    "addv",
    "age_color",
    "badge_licenses",
    "download_count_color",
    "download_facts_from_json",
    "error_badge",
    "escape_format",
    "facts_from_json",
    "index_facts",
    "intword",
    "license_color",
    "metric",
    "parse_flag",
    "parse_static_path",
    "pep440_version_color",
    "python_support",
    "relative_age",
    "sort_python_versions",
    "static_from_query",
]
