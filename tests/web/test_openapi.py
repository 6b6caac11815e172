"""The OpenAPI description: valid, complete (derived from the kinds), byte-stable, served."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis

from pypins import routes
from pypins.badges import EXAMPLE_NOW, FRAMEWORKS, KINDS, LEGACY_KINDS, BadgeKind
from pypins.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from pypins.render import STYLES, render_json
from pypins.routes import BadgeRoute, RedirectRoute, StaticRoute, parse
from pypins.web import openapi, pipeline
from pypins.web.http import SVG_SECURITY_HEADERS

SPEC: dict[str, Any] = json.loads(openapi.document())
PATHS: dict[str, Any] = SPEC["paths"]
OPERATIONS = [
    (path, method, operation) for path, item in PATHS.items() for method, operation in item.items()
]
OPERATION_PARAMS = [
    pytest.param(path, operation, id=f"{method.upper()} {path}")
    for path, method, operation in OPERATIONS
]
BADGE_OPERATION_PARAMS = [
    param
    for param in OPERATION_PARAMS
    if "200" in param.values[1]["responses"] and str(param.values[0]).endswith(".{format}")
]
BADGE_MEDIA_TYPES = {"image/svg+xml", "image/png", "application/json"}

#: A value per path parameter that the route parser and the upstream accept.
SAMPLES = {"package": "requests", "version": "2.31.0", "format": "svg", "framework": "django"}


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its ``$ref`` points at."""
    while "$ref" in node:
        ref: str = node["$ref"]
        assert ref.startswith("#/"), ref
        node = SPEC
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def parameters(operation: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """An operation's parameters in ``where`` (path, query), references resolved."""
    found = [resolve(parameter) for parameter in operation.get("parameters", [])]
    return {parameter["name"]: parameter for parameter in found if parameter["in"] == where}


def instantiate(template: str, **values: str) -> str:
    """``template`` with its ``{name}`` placeholders filled from ``SAMPLES`` and ``values``."""
    return re.sub(r"\{(\w+)\}", lambda match: {**SAMPLES, **values}[match[1]], template)


def test_document_is_valid_openapi_3_1() -> None:
    """schemathesis loads the document and validates it against the OpenAPI 3.1 schema."""
    assert SPEC["openapi"] == "3.1.0"
    loaded = schemathesis.openapi.from_dict(json.loads(openapi.document()))
    loaded.validate()
    assert len(list(loaded.get_all_operations())) == len(OPERATIONS)


def test_every_reference_resolves() -> None:
    """Each ``$ref`` names a component that exists."""
    refs = re.findall(r'"\$ref":"([^"]+)"', openapi.document().decode())
    assert refs
    for ref in set(refs):
        resolve({"$ref": ref})


def test_operation_ids_are_unique() -> None:
    """Every operation has an id of its own."""
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("segment", sorted(KINDS))
def test_every_shields_kind_is_described(segment: str) -> None:
    """Each shields-style kind has its route, a pinned one when it takes a version, and
    its own parameters (path ones before the package)."""
    kind = KINDS[segment]
    prefix = "/pypi/" + segment + "".join(f"/{{{name}}}" for name in kind.path_params)
    assert prefix + "/{package}.{format}" in PATHS
    assert (prefix + "/{package}/{version}.{format}" in PATHS) == kind.accepts_version
    operation = PATHS[prefix + "/{package}.{format}"]["get"]
    assert set(kind.path_params) | {"package", "format"} == set(parameters(operation, "path"))
    if "301" not in operation["responses"]:
        assert set(kind.params) <= set(parameters(operation, "query"))


@pytest.mark.parametrize("segment", sorted(LEGACY_KINDS))
def test_every_legacy_kind_is_described(segment: str) -> None:
    """Each pypip.in route is described with its own parameters."""
    operation = PATHS[f"/{segment}/{{package}}/badge.{{format}}"]["get"]
    assert set(LEGACY_KINDS[segment].params) <= set(parameters(operation, "query"))
    assert operation["tags"] == ["pypip.in"]


def test_nothing_but_the_kinds_and_the_service_routes_is_described() -> None:
    """The paths are exactly the kinds' routes, the static badges and the service routes."""
    expected = {"/badge/{spec}.{format}", "/static/v1.{format}"}
    expected |= {endpoint.path for endpoint in routes.ENDPOINTS}
    expected |= {f"/{segment}/{{package}}/badge.{{format}}" for segment in LEGACY_KINDS}
    for segment, kind in KINDS.items():
        prefix = "/pypi/" + segment + "".join(f"/{{{name}}}" for name in kind.path_params)
        expected.add(prefix + "/{package}.{format}")
        if kind.accepts_version:
            expected.add(prefix + "/{package}/{version}.{format}")
    assert set(PATHS) == expected


@pytest.mark.parametrize(("template", "operation"), OPERATION_PARAMS)
def test_each_template_reaches_its_route(template: str, operation: dict[str, Any]) -> None:
    """Filled with sample values, each badge template parses to the route it describes."""
    route = parse(instantiate(template, spec="a-b-c"))
    if template.startswith("/pypi/"):
        segment = template.split("/")[2]
        if "301" in operation["responses"]:
            assert isinstance(route, RedirectRoute)
        else:
            assert isinstance(route, BadgeRoute)
            assert (route.family, route.kind) == ("pypi", segment)
    elif template.startswith(("/badge/", "/static/")):
        assert isinstance(route, StaticRoute)
    elif template.endswith("/badge.{format}"):
        assert isinstance(route, BadgeRoute)
        assert route.family == "legacy"
    else:
        assert route is None  # a service route, answered before the badge routes


@pytest.mark.parametrize(("template", "operation"), BADGE_OPERATION_PARAMS)
def test_badge_answers_are_described(template: str, operation: dict[str, Any]) -> None:
    """A badge operation answers 200 as SVG, PNG or JSON, and 304, 404, 405 and 414."""
    assert template.endswith(".{format}")
    responses = operation["responses"]
    assert {"200", "304", "404", "405", "414"} <= set(responses)
    badge = resolve(responses["200"])
    assert set(badge["content"]) == BADGE_MEDIA_TYPES
    assert {"Cache-Control", "ETag", "Content-Security-Policy", "X-Content-Type-Options"} <= set(
        badge["headers"]
    )
    assert "X-Pypins-Package" in badge["headers"]
    not_found = resolve(responses["404"])
    assert set(not_found["content"]) == BADGE_MEDIA_TYPES
    assert {"Cache-Control", "ETag", "X-Content-Type-Options"} <= set(not_found["headers"])


def test_redirects_are_described_with_their_location() -> None:
    """The Django badge route is a permanent redirect with a ``Location``."""
    for template in (
        "/pypi/djversions/{package}.{format}",
        "/pypi/djversions/{package}/{version}.{format}",
    ):
        responses = PATHS[template]["get"]["responses"]
        assert "200" not in responses
        assert "Location" in resolve(responses["301"])["headers"]


def test_security_headers_are_the_ones_sent() -> None:
    """The documented CSP and nosniff values are the service's own."""
    headers = SPEC["components"]["headers"]
    sent = {name.decode(): value.decode() for name, value in SVG_SECURITY_HEADERS}
    assert headers["Content-Security-Policy"]["schema"]["const"] == sent["content-security-policy"]
    assert headers["X-Content-Type-Options"]["schema"]["const"] == sent["x-content-type-options"]


def test_common_parameters_match_the_service() -> None:
    """Styles, the label's limit and every alias are the ones the service applies."""
    common = SPEC["components"]["parameters"]
    assert common["style"]["schema"]["enum"] == list(STYLES)
    assert common["label"]["schema"]["maxLength"] == pipeline.MAX_QUERY_TEXT
    for alias in routes.QUERY_ALIASES:
        assert common[alias]["deprecated"] is True
    assert {"color", "labelColor", "cacheSeconds", "pypiBaseUrl"} <= set(common)


@pytest.mark.parametrize("param", routes.QUERY_PARAMS, ids=lambda param: param.name)
def test_common_parameters_are_the_declared_ones(param: routes.QueryParam) -> None:
    """Each declared query parameter, and each alias, is described with its schema."""
    common = SPEC["components"]["parameters"]
    described = common[param.name]
    assert described["in"] == "query"
    assert param.effect[1:] in described["description"]
    assert param.shields in described["description"]
    schema = described["schema"]
    if param.repeat > 1:
        assert schema == {"type": "array", "items": param.schema, "maxItems": param.repeat}
    else:
        assert schema == param.schema
    for alias in param.aliases:
        assert common[alias]["schema"] == schema


def test_only_declared_common_parameters_are_described() -> None:
    """Nothing but the declaration's names and aliases is a common parameter."""
    names = {param.name for param in routes.QUERY_PARAMS} | set(routes.QUERY_ALIASES)
    assert set(SPEC["components"]["parameters"]) == names


def test_json_badges_with_logos_match_the_endpoint_schema() -> None:
    """A JSON badge with a named logo, its colour, size and width is valid too."""
    validator = jsonschema_rs.validator_for(SPEC["components"]["schemas"]["Endpoint"])
    rendered = render_json(
        "pypi", "1.0", "blue", logo="python", logo_color="white", logo_size="auto", logo_width=20
    )
    document = json.loads(rendered)
    assert document["namedLogo"] == "python"
    validator.validate(document)


@pytest.mark.parametrize(
    "kind",
    [*KINDS.values(), *LEGACY_KINDS.values()],
    ids=lambda kind: ("legacy-" if kind.legacy else "") + kind.segment,
)
def test_kind_parameters_are_described_as_their_kinds_declare(kind: BadgeKind) -> None:
    """Each badge parameter has the schema and description its kind declares."""
    if kind.legacy:
        template = f"/{kind.segment}/{{package}}/badge.{{format}}"
    else:
        path_params = "".join(f"/{{{name}}}" for name in kind.path_params)
        template = f"/pypi/{kind.segment}{path_params}/{{package}}.{{format}}"
    operation = PATHS[template]["get"]
    for param in kind.parameters:
        described = parameters(operation, param.location)[param.name]
        assert described["schema"] == param.schema
        assert described["description"] == param.description
        assert described["required"] == (param.location == "path")
        assert described.get("allowEmptyValue", False) == ("" in param.schema.get("enum", ()))


def test_the_framework_parameter_names_every_framework() -> None:
    """``{framework}`` is one of the frameworks the badge knows."""
    operation = PATHS["/pypi/frameworkversions/{framework}/{package}.{format}"]["get"]
    assert parameters(operation, "path")["framework"]["schema"]["enum"] == sorted(FRAMEWORKS)


@pytest.mark.parametrize("segment", sorted(KINDS))
def test_json_badges_match_the_endpoint_schema(segment: str) -> None:
    """Every example badge, in every style, is valid under the documented JSON schema."""
    validator = jsonschema_rs.validator_for(SPEC["components"]["schemas"]["Endpoint"])
    for example in KINDS[segment].examples:
        badge = KINDS[segment].render(example.facts, dict(example.params), now=EXAMPLE_NOW)
        for style in (None, *STYLES[1:]):
            rendered = render_json(badge.label, badge.message, badge.color, style=style)
            validator.validate(json.loads(rendered))


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/stats", "text/html"), ("/stats.json", "application/json"), ("/metrics", "text/plain")],
)
def test_statistics_and_metrics_are_described(path: str, media_type: str) -> None:
    """``/stats``, ``/stats.json`` and ``/metrics`` are documented, 404 where turned off."""
    responses = PATHS[path]["get"]["responses"]
    assert [key.split(";")[0] for key in responses["200"]["content"]] == [media_type]
    assert "404" in responses


def test_metrics_use_the_prometheus_text_format() -> None:
    """``/metrics`` is described with the content type the metrics are served with."""
    content = PATHS["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == [METRICS_CONTENT_TYPE.decode()]
    assert METRICS_CONTENT_TYPE.startswith(b"text/plain; version=")


def test_endpoints_may_add_methods_and_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint declared in the route table appears with its method and extra answers."""
    extra = routes.Endpoint(
        "/admin/example/{package}",
        "admin_example",
        "An example",
        "Does nothing.",
        "json",
        method="POST",
        headers=(),
        errors=((401, "No or a wrong admin token.", "text"),),
    )
    monkeypatch.setattr(openapi, "ENDPOINTS", (*routes.ENDPOINTS, extra))
    operation = openapi.build()["paths"]["/admin/example/{package}"]["post"]
    assert operation["operationId"] == "admin-example"
    assert {"200", "401", "405", "414"} <= set(operation["responses"])
    assert operation["parameters"][0]["name"] == "package"


def test_bytes_are_stable() -> None:
    """The document is the same bytes on every call."""
    assert openapi.document() == openapi.document()


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_bytes_are_stable_across_processes(seed: str) -> None:
    """Another interpreter, with another hash seed, builds the very same bytes."""
    code = "import sys; from pypins.web import openapi; sys.stdout.buffer.write(openapi.document())"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, env=env, timeout=60
    )
    assert result.stdout == openapi.document()


async def test_served_as_json(client: httpx.AsyncClient) -> None:
    """``/openapi.json`` is the document, as ``application/json``, with an ETag that works."""
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == openapi.document()
    again = await client.get("/openapi.json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
