"""``/pypi/dd``, ``/pypi/dw``, ``/pypi/dm``: recent downloads (shields'
``pypi-downloads.service.js``); pypip.in's ``/d/`` and ``/download/``.

Counts come from pypistats.org's ``recent`` (PyPI stopped counting downloads in 2016).
shields shows a metric count per interval, coloured by count; pypip.in showed
``intword`` counts per ``period`` (month by default, and for unknown periods), always
brightgreen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from pypins.badges.core import (
    Badge,
    BadgeKind,
    Param,
    Params,
    example,
    pypip_in,
    stats_renderer,
)
from pypins.badges.facts import DownloadFacts
from pypins.badges.formatting import download_count_color, intword, metric

__all__ = [
    "DJANGO_DOWNLOADS",
    "KINDS",
    "LEGACY",
    "PERIOD",
    "YARG_DOWNLOADS",
    "downloads_badge",
    "legacy_downloads_badge",
]

LABEL: Final = "downloads"
#: shields' segments and the interval each counts over.
_INTERVALS: Final = {"dd": "day", "dw": "week", "dm": "month"}
_PERIODS: Final = ("day", "week", "month")

PERIOD: Final = Param(
    "period",
    {"type": "string", "enum": list(_PERIODS), "default": "month"},
    "The period the downloads are counted over.",
)

#: Download counts of a large project and of a small one.
DJANGO_DOWNLOADS: Final = DownloadFacts(day=1234567, week=8456789, month=36123456)
YARG_DOWNLOADS: Final = DownloadFacts(day=950, week=7021, month=30456)


def downloads_badge(interval: str) -> Callable[[DownloadFacts, Params, datetime], Badge]:
    """The renderer of the downloads over ``interval`` (``day``, ``week``, ``month``)."""

    def render(facts: DownloadFacts, params: Params, now: datetime) -> Badge:
        count: int = getattr(facts, interval)
        return Badge(LABEL, f"{metric(count)}/{interval}", download_count_color(count))

    render.__doc__ = f"``<count>/{interval}``, e.g. ``1.3k/{interval}``, coloured by count."
    return render


def legacy_downloads_badge(facts: DownloadFacts, params: Params, now: datetime) -> Badge:
    """``<count>/<period>`` (``period`` day, week or month; month by default), brightgreen."""
    period = params.get(PERIOD.name, "month")
    if period not in _PERIODS:
        period = "month"
    count: int = getattr(facts, period)
    return Badge(LABEL, f"{intword(count)}/{period}", "brightgreen")


def _kind(segment: str, interval: str) -> BadgeKind:
    return BadgeKind(
        segment=segment,
        title=f"PyPI - Downloads ({interval}ly)".replace("dayly", "daily"),
        default_label=LABEL,
        category="downloads",
        source="stats",
        description=(
            f"Downloads in the last {interval} from pypistats.org, as a metric count "
            f"(``1.3k/{interval}``), coloured by count."
        ),
        renderer=stats_renderer(downloads_badge(interval)),
        accepts_version=False,
        not_found_message="package not found",
        examples=(
            example(
                "django",
                DJANGO_DOWNLOADS,
                LABEL,
                f"{metric(getattr(DJANGO_DOWNLOADS, interval))}/{interval}",
                "brightgreen",
            ),
        ),
    )


KINDS: Final = tuple(_kind(segment, interval) for segment, interval in _INTERVALS.items())

#: pypip.in counted a month unless told otherwise: the alias of ``dm``.
LEGACY: Final = pypip_in(
    KINDS[-1],
    "d",
    "download",
    title="pypip.in - Downloads",
    description=(
        "Downloads in the last ``period`` (day, week or month; month by default) from "
        "pypistats.org, in pypip.in's format (``1.2M/month``)."
    ),
    renderer=stats_renderer(legacy_downloads_badge),
    parameters=(PERIOD,),
    examples=(
        example("django", DJANGO_DOWNLOADS, LABEL, "36.1M/month", "brightgreen"),
        example("yarg", YARG_DOWNLOADS, LABEL, "950/day", "brightgreen", ("period", "day")),
    ),
)
