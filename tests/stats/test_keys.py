"""What a request counts as: (PEP 503 name, badge kind), or nothing."""

from __future__ import annotations

import pytest

from pypins.routes import BadgeRoute
from pypins.stats import badge_usage, usage_kind


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/pypi/v/requests.svg", ("requests", "v")),
        ("/pypi/v/Requests", ("requests", "v")),
        ("/pypi/v/zope.interface/5.0.png", ("zope-interface", "v")),
        ("/pypi/pyversions/Django.json", ("django", "pyversions")),
        ("/pypi/frameworkversions/django/wagtail.svg", ("wagtail", "frameworkversions")),
        ("/pypi/dm/py_spy.svg", ("py-spy", "dm")),
        ("/v/requests/badge.svg", ("requests", "pypip.in/v")),
        ("/download/requests/badge.png", ("requests", "pypip.in/download")),
        ("/py_versions/requests/badge.svg", ("requests", "pypip.in/py_versions")),
    ],
)
def test_badges_count(path: str, expected: tuple[str, str]) -> None:
    """Package badges count under the canonical name and the route's kind."""
    assert badge_usage(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/stats",
        "/badge/build-passing-green",
        "/static/v1.svg",
        "/pypi/djversions/wagtail",
        "/pypi/nosuchkind/requests.svg",
        "/nosuchkind/requests/badge.svg",
        "/pypi/frameworkversions/wagtail.svg",
        "/pypi/v/-bad-.svg",
        "/pypi/v/" + "a" * 201 + ".svg",
        "/pypi/dm/requests/2.0.svg",
        "/pypi/v/requests/2.0/extra.svg",
        "",
    ],
)
def test_other_paths_count_as_nothing(path: str) -> None:
    """Static badges, pages, redirects, unknown kinds and impossible names are not counted."""
    assert badge_usage(path) is None


@pytest.mark.parametrize(
    ("family", "kind", "expected"), [("pypi", "v", "v"), ("legacy", "v", "pypip.in/v")]
)
def test_usage_kind(family: str, kind: str, expected: str) -> None:
    """shields.io routes keep their segment; pypip.in's are prefixed to stay apart."""
    route = BadgeRoute(family=family, kind=kind, package="requests", version=None, fmt="svg")
    assert usage_kind(route) == expected
