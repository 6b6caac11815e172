"""``/pypi/status``: the development status (shields' ``pypi-status.service.js``);
pypip.in's ``/status/``.

shields takes the highest-numbered ``Development Status`` classifier; pypip.in took the
first one, and coloured by its number.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer, pypip_in
from pypins.badges.facts import PackageFacts

__all__ = [
    "KIND",
    "LEGACY",
    "legacy_status",
    "legacy_status_badge",
    "shields_status",
    "status_badge",
]

LABEL: Final = "status"
_STATUS_CLASSIFIER: Final = re.compile(r"\d - \S+")
#: shields' colours, by status word.
_COLORS: Final = {
    "planning": "red",
    "pre-alpha": "red",
    "alpha": "red",
    "beta": "yellow",
    "stable": "brightgreen",
    "mature": "brightgreen",
    "inactive": "red",
    "unknown": "lightgrey",
}
#: pypip.in's colours, by the status classifier's number.
_LEGACY_COLORS: Final = {
    "1": "red",
    "2": "red",
    "3": "red",
    "4": "yellow",
    "5": "brightgreen",
    "6": "brightgreen",
    "7": "red",
}


def shields_status(development_statuses: tuple[str, ...]) -> str:
    """shields' status word: the highest-numbered ``N - Word`` status, lower case."""
    statuses = sorted(s.lower() for s in development_statuses if _STATUS_CLASSIFIER.fullmatch(s))
    if not statuses:
        return "unknown"
    word = statuses[-1].split(" - ")[-1]
    return word.replace("production/stable", "stable", 1)


def status_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The development status word, red to brightgreen; ``unknown`` in lightgrey."""
    status = shields_status(facts.development_statuses)
    return Badge(LABEL, status, _COLORS.get(status, "lightgrey"))


def legacy_status(development_statuses: tuple[str, ...]) -> tuple[str, str]:
    """pypip.in's ``(code, word)`` of the first status classifier, or ``("1", "unknown")``."""
    if not development_statuses:
        return "1", "unknown"
    code, _, word = development_statuses[0].partition(" - ")
    word = (word or code).strip().lower()
    return code.strip(), "stable" if word == "production/stable" else word


def legacy_status_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """The first status word; red, yellow (beta) or brightgreen (stable, mature)."""
    code, word = legacy_status(facts.development_statuses)
    return Badge(LABEL, word, _LEGACY_COLORS.get(code, "lightgrey"))


KIND: Final = BadgeKind(
    segment="status",
    title="PyPI - Status",
    default_label=LABEL,
    category="metadata",
    source="pypi",
    description=(
        "The ``Development Status`` classifier's word: planning, pre-alpha, alpha "
        "(red), beta (yellow), stable, mature (brightgreen), inactive (red), or unknown."
    ),
    renderer=pypi_renderer(status_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "stable", "brightgreen"),
        example("yarg", samples.YARG, LABEL, "beta", "yellow"),
        example("sklearn", samples.SKLEARN, LABEL, "unknown", "lightgrey"),
    ),
)

LEGACY: Final = pypip_in(
    KIND,
    "status",
    description=(
        "The first ``Development Status`` classifier's word: red for planning to alpha "
        "and inactive, yellow for beta, brightgreen for stable and mature."
    ),
    renderer=pypi_renderer(legacy_status_badge),
    examples=(
        example("django", samples.DJANGO, LABEL, "stable", "brightgreen"),
        example("yarg", samples.YARG, LABEL, "beta", "yellow"),
        example("sklearn", samples.SKLEARN, LABEL, "unknown", "red"),
    ),
)
