"""``/pypi/last-release``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pypins.badges import Badge
from pypins.badges.kinds import last_release
from tests.badges.kinds.common import BARE, render
from tests.badges.support import NOW


@pytest.mark.parametrize(
    ("age", "message", "color"),
    [
        (timedelta(hours=3), "3 hours ago", "brightgreen"),
        (timedelta(days=3), "3 days ago", "brightgreen"),
        (timedelta(days=10), "10 days ago", "green"),
        (timedelta(days=61), "2 months ago", "yellowgreen"),
        (timedelta(days=200), "7 months ago", "yellow"),
        (timedelta(days=400), "a year ago", "orange"),
        (timedelta(days=1000), "3 years ago", "red"),
    ],
)
def test_last_release(age: timedelta, message: str, color: str) -> None:
    """The release's age in words, coloured by days."""
    facts = replace(BARE, upload_time=NOW - age)
    assert render(last_release.KIND, facts) == Badge("last release", message, color)


def test_last_release_without_files() -> None:
    """A release without files has no known age."""
    assert render(last_release.KIND, BARE) == Badge("last release", "unknown", "lightgrey")


def test_future_upload_times() -> None:
    """An upload time after ``now`` (clock skew) reads as just now."""
    facts = replace(BARE, upload_time=NOW + timedelta(hours=2))
    assert render(last_release.KIND, facts).message == "a few seconds ago"
