"""URL parsing: every shape pypins answers, and everything else as None."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from pypins.routes import (
    BADGE_FORMS,
    ENDPOINTS,
    MAX_PATH_LENGTH,
    BadgeForm,
    BadgeRoute,
    RedirectRoute,
    StaticRoute,
    find_endpoint,
    parse,
    split_format,
)
from pypins.web.endpoints import Endpoints


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


_PLACEHOLDERS = {
    "<badge>": "v",
    "<package>": "requests",
    "<version>": "2.0",
    "<framework>": "django",
    "<label>": "build",
    "<message>": "passing",
    "<color>": "green",
    "<svg|png|json>": "png",
}


def _examples(pattern: str) -> list[str]:
    """Paths of ``pattern`` (its query left off): optional parts left out, then kept."""
    path = pattern.partition("?")[0]
    for placeholder, value in _PLACEHOLDERS.items():
        path = path.replace(placeholder, value)
    shortest = re.sub(r"\[[^\]]*\]", "", path)
    longest = re.sub(r"\[([^\]|]*)(\|[^\]]*)?\]", r"\1", path)
    return [shortest, longest]


@pytest.mark.parametrize("form", BADGE_FORMS, ids=lambda form: form.name)
def test_every_badge_form_parses(form: BadgeForm) -> None:
    """Each declared form, filled in, is a route (so the table cannot drift from parse)."""
    for path in _examples(form.pattern):
        assert "<" not in path
        assert isinstance(parse(path), BadgeRoute | StaticRoute), path


def test_docs_list_the_badge_forms() -> None:
    """docs/badges.md's URL table is the route table's, row for row."""
    docs = (Path(__file__).parents[1] / "docs" / "badges.md").read_text(encoding="utf-8")
    section = docs.split("\n## URLs\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    expected = [
        f"| {form.name} | `{form.pattern.replace('|', chr(92) + '|')}` |" for form in BADGE_FORMS
    ]
    assert rows == expected


@pytest.mark.parametrize(
    ("method", "path", "handler", "args"),
    [
        ("GET", "/", "index", {}),
        ("GET", "/healthz", "healthz", {}),
        ("GET", "/openapi.json", "openapi", {}),
        ("GET", "/stats.json", "stats_json", {}),
        ("POST", "/admin/purge/Django", "admin_purge", {"package": "Django"}),
        ("POST", "/admin/stats/reset", "admin_stats_reset", {}),
    ],
)
def test_find_endpoint(method: str, path: str, handler: str, args: dict[str, str]) -> None:
    found = find_endpoint(method, path)
    assert found is not None
    assert (found[0].handler, found[1]) == (handler, args)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/healthz"),
        ("GET", "/admin/purge/django"),
        ("POST", "/admin/purge/"),
        ("POST", "/admin/purge/a/b"),
        ("GET", "/healthz/"),
        ("GET", "/stats.json.gz"),
    ],
)
def test_find_endpoint_refuses(method: str, path: str) -> None:
    assert find_endpoint(method, path) is None


def test_every_endpoint_has_a_handler() -> None:
    """Each declared handler is a coroutine method of the endpoints, and no path repeats."""
    for endpoint in ENDPOINTS:
        assert inspect.iscoroutinefunction(getattr(Endpoints, endpoint.handler)), endpoint
    assert len({(e.method, e.path) for e in ENDPOINTS}) == len(ENDPOINTS)
