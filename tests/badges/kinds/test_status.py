"""``/pypi/status`` (ports of shields' tests) and pypip.in's ``/status/``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import status
from pypins.badges.kinds.status import legacy_status, shields_status
from tests.badges.kinds.common import BARE, render

(LEGACY,) = status.LEGACY


@pytest.mark.parametrize(
    ("statuses", "message", "color"),
    [
        (("1 - Planning",), "planning", "red"),
        (("2 - Pre-Alpha",), "pre-alpha", "red"),
        (("3 - Alpha",), "alpha", "red"),
        (("4 - Beta",), "beta", "yellow"),
        (("5 - Production/Stable",), "stable", "brightgreen"),
        (("6 - Mature",), "mature", "brightgreen"),
        (("7 - Inactive",), "inactive", "red"),
        (("4 - Beta", "3 - Alpha"), "beta", "yellow"),
        (("3 - Alpha", "5 - Production/Stable"), "stable", "brightgreen"),
        (("8 - Something Else",), "unknown", "lightgrey"),
        (("8 - Eternal",), "eternal", "lightgrey"),
        ((), "unknown", "lightgrey"),
    ],
)
def test_status(statuses: tuple[str, ...], message: str, color: str) -> None:
    """The highest-numbered status word, lower case, coloured (shields' pypi/status)."""
    facts = replace(BARE, development_statuses=statuses)
    assert render(status.KIND, facts) == Badge("status", message, color)
    assert shields_status(statuses) == message


@pytest.mark.parametrize(
    ("statuses", "message", "color"),
    [
        (("1 - Planning",), "planning", "red"),
        (("2 - Pre-Alpha",), "pre-alpha", "red"),
        (("3 - Alpha",), "alpha", "red"),
        (("4 - Beta",), "beta", "yellow"),
        (("5 - Production/Stable",), "stable", "brightgreen"),
        (("6 - Mature",), "mature", "brightgreen"),
        (("7 - Inactive",), "inactive", "red"),
        (("3 - Alpha", "5 - Production/Stable"), "alpha", "red"),
        (("Odd",), "odd", "lightgrey"),
        ((), "unknown", "red"),
    ],
)
def test_legacy_status(statuses: tuple[str, ...], message: str, color: str) -> None:
    """pypip.in: the first status classifier's word and pypip.in's colour for its number."""
    facts = replace(BARE, development_statuses=statuses)
    assert render(LEGACY, facts) == Badge("status", message, color)
    assert legacy_status(statuses)[1] == message
