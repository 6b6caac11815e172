"""``/pypi/dd``, ``dw``, ``dm`` (ports of shields' tests) and pypip.in's ``/d/``, ``/download/``."""

from __future__ import annotations

import pytest

from pypins.badges import KINDS, Badge, BadgeKind, DownloadFacts
from pypins.badges.kinds import downloads
from tests.badges.kinds.common import render

COUNTS = DownloadFacts(day=950, week=12345, month=1_234_567)


@pytest.mark.parametrize(
    ("segment", "message", "color"),
    [("dd", "0/day", "red"), ("dw", "99/week", "yellowgreen"), ("dm", "1.3k/month", "brightgreen")],
)
def test_downloads(segment: str, message: str, color: str) -> None:
    """``<metric>/<interval>`` coloured by count (shields' pypi/dd, dw, dm)."""
    facts = DownloadFacts(day=0, week=99, month=1250)
    assert render(KINDS[segment], facts) == Badge("downloads", message, color)


def test_the_unit_holds_the_three_intervals() -> None:
    """``dd``, ``dw`` and ``dm`` share this unit, in that order."""
    assert [kind.segment for kind in downloads.KINDS] == ["dd", "dw", "dm"]


@pytest.mark.parametrize("kind", downloads.LEGACY, ids=lambda kind: kind.segment)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "1.2M/month"),
        ({"period": "day"}, "950/day"),
        ({"period": "week"}, "12.3k/week"),
        ({"period": "month"}, "1.2M/month"),
        ({"period": "year"}, "1.2M/month"),
    ],
)
def test_legacy_downloads(kind: BadgeKind, params: dict[str, str], message: str) -> None:
    """pypip.in: ``<intword>/<period>``, month by default and for unknown periods, brightgreen."""
    assert render(kind, COUNTS, **params) == Badge("downloads", message, "brightgreen")
