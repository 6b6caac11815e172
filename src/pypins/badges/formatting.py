"""Text and colour formatters shared by the badge kinds, after shields.io's formatters.

``metric``, ``addv``, ``pep440_version_color``, ``download_count_color``, ``age_color``
and ``relative_age`` follow shields' ``text-formatters.js``/``color-formatters.js``
(and moment.js's ``fromNow`` wording); ``intword`` is pypip.in's download count format.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from packaging.version import InvalidVersion, Version

__all__ = [
    "addv",
    "age_color",
    "download_count_color",
    "elapsed_days",
    "floor_count_color",
    "intword",
    "metric",
    "pep440_version_color",
    "relative_age",
]

_METRIC_PREFIXES: Final = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_ADDV_IGNORED: Final = re.compile(r"^[^0-9]|[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AGE_STEPS: Final = (7, 30, 180, 365, 730)
_AGE_COLORS: Final = ("brightgreen", "green", "yellowgreen", "yellow", "orange", "red")
_ONE_DAY: Final = timedelta(days=1)


def _half_up(value: float, places: int) -> Decimal:
    """``value`` rounded half up on its exact binary value, as JS's toFixed/Math.round do."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def metric(n: float) -> str:
    """A count with an SI prefix as shields shows it: ``999``, ``1k``, ``1.1k``, ``10k``, ``1M``.

    Below 10 of a unit one decimal is kept unless it is 0; halves round up; a count that
    rounds to 1000 of a unit moves to the next unit (``999500`` is ``1M``).
    """
    absolute = abs(float(n))
    sign = "" if n > 0 else "-"
    for index in range(len(_METRIC_PREFIXES) - 1, -1, -1):
        limit = float(1000 ** (index + 1))
        if absolute < limit:
            continue
        scaled = absolute / limit
        prefix = _METRIC_PREFIXES[index]
        if scaled < 10:
            one_decimal = str(_half_up(scaled, 1))
            if not one_decimal.endswith("0"):
                return f"{sign}{one_decimal}{prefix}"
        rounded = int(_half_up(scaled, 0))
        if rounded < 1000 or index + 1 == len(_METRIC_PREFIXES):
            return f"{sign}{rounded}{prefix}"
        return f"{sign}1{_METRIC_PREFIXES[index + 1]}"
    if isinstance(n, float) and n.is_integer():
        return str(int(n))
    return str(n)


def addv(version: str) -> str:
    """``v`` + version, unless it starts with ``v`` or a non-digit, or holds a date."""
    if version.startswith("v") or _ADDV_IGNORED.search(version):
        return version
    return f"v{version}"


def pep440_version_color(version: str) -> str:
    """shields' PEP 440 version colour: orange for pre-releases and 0.x, blue, or lightgrey."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return "lightgrey"
    if parsed.is_prerelease or parsed.public.startswith("0."):
        return "orange"
    return "blue"


def floor_count_color(value: float, yellow: float, yellowgreen: float, green: float) -> str:
    """red at or below 0, then yellow, yellowgreen, green, brightgreen from each floor up."""
    if value <= 0:
        return "red"
    if value < yellow:
        return "yellow"
    if value < yellowgreen:
        return "yellowgreen"
    if value < green:
        return "green"
    return "brightgreen"


def download_count_color(downloads: float) -> str:
    """shields' download count colour: red (0), yellow (<10), yellowgreen (<100), green (<1000)."""
    return floor_count_color(downloads, 10, 100, 1000)


def age_color(days: float) -> str:
    """shields' age colour by days: brightgreen under 7, then green, yellowgreen, ..., red."""
    for step, color in zip(_AGE_STEPS, _AGE_COLORS, strict=False):
        if days < step:
            return color
    return _AGE_COLORS[-1]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def elapsed_days(then: datetime, now: datetime) -> int:
    """Whole days from ``then`` to ``now``, truncated (moment's ``diff(..., 'days')``)."""
    return math.trunc((_aware(now) - _aware(then)) / _ONE_DAY)


def relative_age(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was, in moment.js's words: ``3 days ago``, ``a month ago``.

    Thresholds are moment's: seconds up to 44, minutes under 45, hours under 22, days
    under 26, months under 11, then years; each unit is rounded. A ``then`` in the
    future (a clock skew) counts as now.
    """
    seconds_elapsed = max((_aware(now) - _aware(then)).total_seconds(), 0.0)
    seconds = _js_round(seconds_elapsed)
    minutes = _js_round(seconds_elapsed / 60)
    hours = _js_round(seconds_elapsed / 3600)
    days_float = seconds_elapsed / 86400
    days = _js_round(days_float)
    months_float = days_float * 4800 / 146097
    months = _js_round(months_float)
    years = _js_round(months_float / 12)
    if seconds <= 44:
        text = "a few seconds"
    elif minutes <= 1:
        text = "a minute"
    elif minutes < 45:
        text = f"{minutes} minutes"
    elif hours <= 1:
        text = "an hour"
    elif hours < 22:
        text = f"{hours} hours"
    elif days <= 1:
        text = "a day"
    elif days < 26:
        text = f"{days} days"
    elif months <= 1:
        text = "a month"
    elif months < 11:
        text = f"{months} months"
    elif years <= 1:
        text = "a year"
    else:
        text = f"{years} years"
    return f"{text} ago"


def _js_round(value: float) -> int:
    """``Math.round``: the nearest integer, halves towards +infinity."""
    return math.floor(value + 0.5)


def intword(value: int) -> str:
    """pypip.in's download count: ``999``, ``1k``, ``1.2k``, ``12.3M``, ``4.5B``.

    One decimal, a trailing ``.0`` dropped. pypip.in printed ``1000k`` for counts that
    round up to a thousand of a unit; here they move to the next unit (``1M``).
    """
    if value < 1000:
        return str(value)
    units = ((3, "k"), (6, "M"), (9, "B"))
    for position, (exponent, suffix) in enumerate(units):
        scaled = value / 10**exponent
        text = f"{scaled:.1f}"
        if float(text) < 1000 or position == len(units) - 1:
            return f"{text.removesuffix('.0')}{suffix}"
    raise AssertionError("unreachable")  # pragma: no cover
