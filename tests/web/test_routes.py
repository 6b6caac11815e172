"""URL parsing: every shape pypins answers, and everything else as None."""

from __future__ import annotations

import pytest

from pypins.web.routes import (
    MAX_PATH_LENGTH,
    BadgeRoute,
    RedirectRoute,
    StaticRoute,
    parse,
    split_format,
)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("requests.svg", ("requests", "svg")),
        ("requests.png", ("requests", "png")),
        ("requests.json", ("requests", "json")),
        ("requests", ("requests", "svg")),
        ("zope.interface", ("zope.interface", "svg")),
        ("zope.interface.json", ("zope.interface", "json")),
        ("1.2.3.svg", ("1.2.3", "svg")),
        (".svg", (".svg", "svg")),
        ("badge.gif", ("badge.gif", "svg")),
    ],
)
def test_split_format(segment: str, expected: tuple[str, str]) -> None:
    """A known extension is split off the last segment; anything else stays in the name."""
    assert split_format(segment) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/pypi/v/requests", BadgeRoute("pypi", "v", "requests", None, "svg")),
        ("/pypi/v/requests.png", BadgeRoute("pypi", "v", "requests", None, "png")),
        ("/pypi/v/requests/2.0.0.json", BadgeRoute("pypi", "v", "requests", "2.0.0", "json")),
        ("/pypi/dm/Django.svg", BadgeRoute("pypi", "dm", "Django", None, "svg")),
        (
            "/pypi/frameworkversions/django/django-filter",
            BadgeRoute("pypi", "frameworkversions", "django-filter", None, "svg", "django"),
        ),
        (
            "/pypi/frameworkversions/plone/plone.api/2.0.json",
            BadgeRoute("pypi", "frameworkversions", "plone.api", "2.0", "json", "plone"),
        ),
        (
            "/pypi/djversions/django-filter",
            RedirectRoute("/pypi/frameworkversions/django/django-filter"),
        ),
        (
            "/pypi/djversions/django-filter.json",
            RedirectRoute("/pypi/frameworkversions/django/django-filter.json"),
        ),
        ("/v/requests/badge.svg", BadgeRoute("legacy", "v", "requests", None, "svg")),
        ("/d/requests/badge.png", BadgeRoute("legacy", "d", "requests", None, "png")),
        ("/py_versions/six/badge.json", BadgeRoute("legacy", "py_versions", "six", None, "json")),
        ("/badge/build-passing-green", StaticRoute("build-passing-green", "svg")),
        ("/badge/build-passing-green.json", StaticRoute("build-passing-green", "json")),
        ("/static/v1", StaticRoute(None, "svg")),
        ("/static/v1.png", StaticRoute(None, "png")),
    ],
)
def test_parse_known_shapes(path: str, expected: object) -> None:
    """Each supported URL shape parses to its route."""
    assert parse(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "",
        "pypi/v/requests",
        "/",
        "/pypi",
        "/pypi/",
        "/pypi/v",
        "/pypi/v/",
        "/pypi//requests",
        "/pypi/v/requests/",
        "/pypi/v/requests/1.0/extra",
        "/pypi/frameworkversions/django",
        "/pypi/djversions/a/b/c",
        "/v/requests/badge",
        "/v/requests/badge.gif",
        "/v//badge.svg",
        "/v/requests/other.svg",
        "/badge/",
        "/badge/a/b",
        "/static/v2",
        "/favicon.ico",
        "/pypi/v/" + "a" * MAX_PATH_LENGTH,
    ],
)
def test_parse_unknown_shapes(path: str) -> None:
    """Anything else is None: a plain 404."""
    assert parse(path) is None
