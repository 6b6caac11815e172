"""URL parsing: every shape pypins answers, and everything else as None."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from pypins import render, routes
from pypins.render import _svg
from pypins.routes import (
    BADGE_FORMS,
    ENDPOINTS,
    MAX_PATH_LENGTH,
    QUERY_PARAMS,
    BadgeForm,
    BadgeRoute,
    QueryParam,
    RedirectRoute,
    StaticRoute,
    find_endpoint,
    not_found_format,
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
        ("requests.SVG", ("requests", "svg")),
        ("requests.Png", ("requests", "png")),
        ("requests.JSON", ("requests", "json")),
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


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/pypi/v/requests.SVG", BadgeRoute("pypi", "v", "requests", None, "svg")),
        ("/pypi/v/requests/2.0.Png", BadgeRoute("pypi", "v", "requests", "2.0", "png")),
        ("/v/requests/badge.SVG", BadgeRoute("legacy", "v", "requests", None, "svg")),
        ("/v/requests/badge.Json", BadgeRoute("legacy", "v", "requests", None, "json")),
        ("/badge/a-b-red.PNG", StaticRoute("a-b-red", "png")),
        ("/static/v1.Json", StaticRoute(None, "json")),
    ],
)
def test_extensions_match_in_any_case(path: str, route: BadgeRoute | StaticRoute) -> None:
    assert parse(path) == route


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("/pypi/nosuchkind/requests.svg", "svg"),
        ("/pypi/dm/requests/2.0.svg", "svg"),
        ("/pypi/v/requests/", "svg"),
        ("/pypi/v/requests/1/2/3.png", "png"),
        ("/pypi/v.JSON", "json"),
        ("/pypi", "svg"),
        ("/badge/a/b.png", "png"),
        ("/badge", "svg"),
        ("/static/v2.json", "json"),
        ("/nosuchkind/requests/badge.png", "png"),
        ("/v/requests/badge", "svg"),
        ("/v/requests/badge.gif", "svg"),
        ("/v/requests/1.0/badge.Json", "json"),
        ("/favicon.ico", None),
        ("/nope", None),
        ("/", None),
        ("/v/badge.svg", None),
        ("/a/b/notbadge.svg", None),
        ("/pypins/v/requests.svg", None),
    ],
)
def test_not_found_format(path: str, fmt: str | None) -> None:
    """Under a badge prefix a 404 is a badge in the format of the extension, else None."""
    assert not_found_format(path) == fmt


def test_declared_values_are_the_renderers() -> None:
    """The declaration's styles, scales and logo bounds are the renderer's own."""
    assert routes.STYLE_NAMES == render.STYLES
    assert routes.PNG_SCALES == render.SCALES
    assert routes.LOGO_BYTES == render.MAX_LOGO_BYTES
    assert routes.LOGO_WIDTH == render.MAX_LOGO_WIDTH
    assert routes.MAX_LINK_LENGTH == _svg.MAX_LINK_LENGTH
    schemas = {param.name: param.schema for param in QUERY_PARAMS}
    assert schemas["logoSize"]["enum"] == list(render.LOGO_SIZES)


def test_query_parameter_names_are_unique() -> None:
    names = [name for param in QUERY_PARAMS for name in (param.name, *param.aliases)]
    assert len(names) == len(set(names))


def _names(param: QueryParam) -> str:
    return ", ".join(f"`{name}`" for name in (param.name, *param.aliases))


def _table(section: str) -> list[str]:
    """The rows of the first table in ``section`` of docs/badges.md, header left out."""
    docs = (Path(__file__).parents[1] / "docs" / "badges.md").read_text(encoding="utf-8")
    text = "\n" + docs.split(f"\n{section}\n", 1)[1]
    lines = text.split("\n\n| ", 1)[1].split("\n\n", 1)[0].splitlines()
    return lines[2:]


def test_docs_list_the_query_parameters() -> None:
    """docs/badges.md's parameter table is ``routes.QUERY_PARAMS``, row for row."""
    expected = [
        f"| {_names(p)} | {p.values} | {p.effect[0].upper()}{p.effect[1:]}. |" for p in QUERY_PARAMS
    ]
    assert _table("## Query parameters every badge takes") == expected


def test_docs_compare_the_query_parameters_with_shields() -> None:
    """docs/badges.md's compatibility table is the declaration's, row for row."""
    expected = [f"| {_names(p)} | {p.shields} |" for p in QUERY_PARAMS]
    assert _table("### shields.io compatibility") == expected
