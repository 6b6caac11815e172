"""``/pypi/last-release``: how long ago the release was uploaded (pypins), in the words
and colours of shields' age badges."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pypins.badges import samples
from pypins.badges.core import Badge, BadgeKind, Params, example, pypi_renderer
from pypins.badges.facts import PackageFacts
from pypins.badges.formatting import age_color, elapsed_days, relative_age

__all__ = ["KIND", "last_release_badge"]

LABEL: Final = "last release"


def last_release_badge(facts: PackageFacts, params: Params, now: datetime) -> Badge:
    """Age of the release's first upload, e.g. ``3 days ago``, coloured by age."""
    if facts.upload_time is None:
        return Badge(LABEL, "unknown", "lightgrey")
    days = elapsed_days(facts.upload_time, now)
    return Badge(LABEL, relative_age(facts.upload_time, now), age_color(days))


KIND: Final = BadgeKind(
    segment="last-release",
    title="PyPI - Last Release",
    default_label=LABEL,
    category="version",
    source="pypi",
    description=(
        "How long ago the release's first file was uploaded, coloured like shields' "
        "age badges: brightgreen under a week, then green, yellowgreen (under 6 "
        "months), yellow (a year), orange (two years), red (pypins)."
    ),
    renderer=pypi_renderer(last_release_badge),
    examples=(
        example("numpy", samples.NUMPY, LABEL, "5 days ago", "brightgreen"),
        example("django-filter", samples.DJANGO_FILTER, LABEL, "3 months ago", "yellowgreen"),
        example("docopt", samples.DOCOPT, LABEL, "12 years ago", "red"),
    ),
)
