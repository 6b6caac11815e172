"""The defaults every upstream URL and bound comes from."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from pypins import __version__, settings


@pytest.mark.parametrize(
    "url",
    [
        settings.DEFAULT_PYPI_URL,
        settings.DEFAULT_NEWEST_PACKAGES_URL,
        settings.DEFAULT_LATEST_UPDATES_URL,
        settings.DEFAULT_STATS_URL,
        settings.DEFAULT_CONTACT_URL,
    ],
)
def test_default_urls_are_https_without_trailing_slash(url: str) -> None:
    """Every default URL is absolute HTTPS, ready to join paths to."""
    parts = urlsplit(url)
    assert parts.scheme == "https"
    assert parts.netloc
    assert not url.endswith("/")


def test_pypi_defaults() -> None:
    """The defaults point at PyPI's JSON API, its two feeds and pypistats.org."""
    assert settings.DEFAULT_PYPI_URL == "https://pypi.org/pypi"
    assert settings.DEFAULT_NEWEST_PACKAGES_URL.endswith("/rss/packages.xml")
    assert settings.DEFAULT_LATEST_UPDATES_URL.endswith("/rss/updates.xml")
    assert settings.DEFAULT_STATS_URL == "https://pypistats.org"


def test_bounds_are_sane() -> None:
    """The timeout is positive and the size bound fits numpy's document."""
    assert 0 < settings.DEFAULT_TIMEOUT <= 60
    assert settings.DEFAULT_MAX_RESPONSE_BYTES >= 8 * 1024 * 1024


def test_user_agent_names_pypins_its_version_and_a_contact() -> None:
    """The User-Agent says who we are and where to reach us."""
    assert settings.user_agent() == f"pypins/{__version__} (+{settings.DEFAULT_CONTACT_URL})"
    assert settings.user_agent("https://example.org/ops") == (
        f"pypins/{__version__} (+https://example.org/ops)"
    )
    assert re.fullmatch(r"pypins/\S+ \(\+\S+\)", settings.user_agent())


def test_int_defaults_are_positive() -> None:
    """Every other integer default is a positive number (seconds or bytes)."""
    for name in dir(settings):
        value = getattr(settings, name)
        if name.startswith("DEFAULT_") and isinstance(value, int | float):
            assert value > 0, name
