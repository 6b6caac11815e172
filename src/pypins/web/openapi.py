"""The OpenAPI 3.1 description of the service, published at ``/openapi.json``.

The document is derived from the badge kinds themselves (``KINDS``, ``LEGACY_KINDS``:
their segments, parameters, path parameters, whether they take a pinned version, cache
categories and descriptions) and from the route parser, which tells a badge route from
a redirect; the routes that are not badges (the index, health, the description itself,
statistics, metrics, admin) are read from the route table (``routes.ENDPOINTS``). A new
badge kind, parameter or route is therefore described without editing this module. The document is
serialised with sorted keys, so its bytes (and its ETag) are the same on every start
and in every worker.
"""

from __future__ import annotations

import json
from typing import Any, Final

from pypins._version import __version__
from pypins.badges import KINDS, LEGACY_KINDS, BadgeKind, Param
from pypins.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from pypins.pypi import MAX_NAME_LENGTH, MAX_VERSION_LENGTH
from pypins.render import LOGO_SIZES, MAX_LOGO_WIDTH, MAX_TEXT_LENGTH, STYLES
from pypins.routes import (
    ENDPOINTS,
    FORMATS,
    MAX_PATH_LENGTH,
    MAX_QUERY_LENGTH,
    QUERY_PARAMS,
    BadgeRoute,
    Endpoint,
    QueryParam,
    RedirectRoute,
    Route,
    parse,
)
from pypins.web.http import DEFAULT_LIFETIMES, SVG_SECURITY_HEADERS

__all__ = [
    "OPENAPI_VERSION",
    "PACKAGE_PATTERN",
    "VERSION_PATTERN",
    "build",
    "document",
]

#: The OpenAPI version the document follows.
OPENAPI_VERSION: Final = "3.1.0"

#: JSON Schema patterns of what the service accepts before asking an upstream (PEP 508
#: names and the versions PyPI serves, ASCII only); other values get an error badge.
PACKAGE_PATTERN: Final = "^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$"
VERSION_PATTERN: Final = "^[A-Za-z0-9]([A-Za-z0-9._+!-]*[A-Za-z0-9])?$"

_REF: Final = "$ref"
_PARAMETERS: Final = "#/components/parameters/"
_RESPONSES: Final = "#/components/responses/"
_HEADERS: Final = "#/components/headers/"
_SCHEMAS: Final = "#/components/schemas/"

_TEXT: Final = {"text/plain": {"schema": {"type": "string"}}}
_HTML: Final = {"text/html": {"schema": {"type": "string"}}}
_JSON_OBJECT: Final = {"application/json": {"schema": {"type": "object"}}}
_OPENAPI_JSON: Final = {
    "application/json": {
        "schema": {"type": "object", "required": ["openapi", "info", "paths"]},
    }
}
#: The Prometheus text exposition format, in the version prometheus-client writes.
_METRICS: Final = {METRICS_CONTENT_TYPE.decode("ascii"): {"schema": {"type": "string"}}}

_INFO_DESCRIPTION: Final = (
    "Badges for PyPI packages as SVG, PNG and JSON (shields.io's endpoint schema), with "
    "shields.io's URLs and pypip.in's. Every route answers GET and HEAD; other methods "
    f"get 405, and a path longer than {MAX_PATH_LENGTH} characters or a query longer than "
    f"{MAX_QUERY_LENGTH} gets 414. "
    "A badge that cannot be made (unknown package, upstream unavailable, bad parameter) "
    "is an error badge with status 200 and a short lifetime, so image proxies keep "
    "showing it. Responses carry a strong ETag: `If-None-Match` gives 304."
)


#: The schemas of each media type an endpoint answers with.
_MEDIA: Final[dict[str, dict[str, Any]]] = {
    "html": _HTML,
    "text": _TEXT,
    "json": _JSON_OBJECT,
    "openapi": _OPENAPI_JSON,
    "metrics": _METRICS,
}


def document() -> bytes:
    """The OpenAPI 3.1 document describing every route pypins serves, as JSON bytes."""
    text = json.dumps(build(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


def build() -> dict[str, Any]:
    """The OpenAPI 3.1 document as a JSON-ready mapping."""
    paths: dict[str, Any] = {}
    for kind in KINDS.values():
        for pinned in (False, True) if kind.accepts_version else (False,):
            operation = _shields_operation(kind, pinned=pinned)
            if operation is not None:
                paths[_shields_template(kind, pinned=pinned)] = {"get": operation}
    for kind in LEGACY_KINDS.values():
        if isinstance(_probe(kind, pinned=False)[1], BadgeRoute):
            paths[f"/{kind.segment}/{{package}}/badge.{{format}}"] = {
                "get": _legacy_operation(kind)
            }
    paths["/badge/{spec}.{format}"] = {"get": _static_path_operation()}
    paths["/static/v1.{format}"] = {"get": _static_query_operation()}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _service_operation(endpoint)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "pypins",
            "version": __version__,
            "summary": "A self-hostable badge service for PyPI packages.",
            "description": _INFO_DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [
            {"name": "shields", "description": "shields.io's PyPI badges, and pypins' own."},
            {"name": "pypip.in", "description": "pypip.in's badge URLs, kept working."},
            {"name": "static", "description": "Badges of the caller's own text."},
            {"name": "service", "description": "Pages and endpoints of the service itself."},
        ],
        "paths": paths,
        "components": {
            "parameters": _common_parameters(),
            "headers": _headers(),
            "responses": _responses(),
            "schemas": {"Endpoint": _endpoint_schema()},
        },
    }


# -- badge operations ------------------------------------------------------------------


def _probe(kind: BadgeKind, *, pinned: bool) -> tuple[str, Route | None]:
    """A sample URL of ``kind`` and what the route parser makes of it."""
    package = kind.examples[0].package if kind.examples else "requests"
    args = {param.name: _sample(param) for param in _kind_parameters(kind, "path")}
    url = kind.path(package, "1.0" if pinned else None, args) + ".svg"
    return url, parse(url)


def _shields_operation(kind: BadgeKind, *, pinned: bool) -> dict[str, Any] | None:
    """The operation of a ``/pypi/<segment>/...`` kind (None if no route reaches it)."""
    url, route = _probe(kind, pinned=pinned)
    parameters: list[dict[str, Any]] = [
        *map(_kind_parameter, _kind_parameters(kind, "path")),
        _package_parameter(kind),
    ]
    if pinned:
        parameters.append(_version_parameter())
    parameters.append(_format_parameter())
    description = _markdown(kind.description)
    if pinned:
        description += " Pinned: describes the given release."
    if isinstance(route, RedirectRoute):
        description += (
            " Moved permanently to the badge at `Location`, the query kept: "
            f"`{url}` to `{route.location}`."
        )
        responses = _badge_refs(301, 404, 405, 414)
    elif isinstance(route, BadgeRoute):
        parameters += [
            *map(_kind_parameter, _kind_parameters(kind, "query")),
            *_common_refs(registry=True),
        ]
        description += _category_note(kind)
        responses = _badge_refs(200, 304, 404, 405, 414)
    else:
        return None
    return {
        "operationId": f"pypi-{kind.segment}" + ("-pinned" if pinned else ""),
        "tags": ["shields"],
        "summary": kind.title + (" (pinned release)" if pinned else ""),
        "description": description,
        "parameters": parameters,
        "responses": responses,
    }


def _shields_template(kind: BadgeKind, *, pinned: bool) -> str:
    """``/pypi/<segment>/[{<path param>}/]{package}[/{version}].{format}``."""
    params = "".join(f"/{{{name}}}" for name in kind.path_params)
    tail = "{package}/{version}.{format}" if pinned else "{package}.{format}"
    return f"/pypi/{kind.segment}{params}/{tail}"


def _legacy_operation(kind: BadgeKind) -> dict[str, Any]:
    """The operation of a pypip.in ``/<segment>/<package>/badge.<format>`` kind."""
    return {
        "operationId": f"legacy-{kind.segment}",
        "tags": ["pypip.in"],
        "summary": kind.title + f" (`/{kind.segment}/`)",
        "description": _markdown(kind.description) + _category_note(kind),
        "parameters": [
            _package_parameter(kind),
            _format_parameter(extensionless=False),
            *map(_kind_parameter, _kind_parameters(kind, "query")),
            *_common_refs(registry=True),
        ],
        "responses": _badge_refs(200, 304, 404, 405, 414),
    }


def _static_path_operation() -> dict[str, Any]:
    """The operation of shields.io's ``/badge/<spec>``."""
    return {
        "operationId": "static-badge",
        "tags": ["static"],
        "summary": "A static badge from its path",
        "description": (
            "`<label>-<message>-<color>` or `<message>-<color>`: `--` is a dash, `__` an "
            "underscore, `_` a space; parts are percent-decoded. Without `.{format}` the "
            "badge is an SVG. A spec of another form is an error badge."
        ),
        "parameters": [
            {
                "name": "spec",
                "in": "path",
                "required": True,
                "description": "`<label>-<message>-<color>`, or `<message>-<color>`.",
                "schema": {"type": "string", "minLength": 1},
                "example": "build-passing-brightgreen",
            },
            _format_parameter(),
            *_common_refs(registry=False),
        ],
        "responses": _badge_refs(200, 304, 404, 405, 414),
    }


def _static_query_operation() -> dict[str, Any]:
    """The operation of shields.io's ``/static/v1?label=&message=&color=``."""
    return {
        "operationId": "static-v1",
        "tags": ["static"],
        "summary": "A static badge from its query",
        "description": (
            "shields.io's `/static/v1`: `label`, `message` and `color` in the query. "
            "Without `.{format}` the badge is an SVG; without a message it is an error badge."
        ),
        "parameters": [
            _format_parameter(),
            {
                "name": "message",
                "in": "query",
                "required": True,
                "description": (
                    f"The message (right-hand text), cut to {MAX_TEXT_LENGTH} characters."
                ),
                "schema": {"type": "string", "minLength": 1},
                "example": "passing",
            },
            *_common_refs(registry=False),
        ],
        "responses": _badge_refs(200, 304, 404, 405, 414),
    }


def _service_operation(endpoint: Endpoint) -> dict[str, Any]:
    """The operation of an endpoint of the route table (``routes.ENDPOINTS``)."""
    ok: dict[str, Any] = {"description": endpoint.summary + ".", "content": _MEDIA[endpoint.media]}
    if endpoint.headers:
        ok["headers"] = {name: {_REF: _HEADERS + name} for name in endpoint.headers}
    responses: dict[str, Any] = {"200": ok, **_refs(304)}
    if endpoint.optional:
        responses["404"] = {
            "description": "Not served here: turned off by the operator, or on another listener.",
            "content": _TEXT,
        }
    for status, description, media in endpoint.errors:
        responses[str(status)] = {"description": description, "content": _MEDIA[media]}
    responses.update(_refs(405, 414))
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "tags": ["service"],
        "summary": endpoint.summary,
        "description": endpoint.description,
        "responses": responses,
    }
    if endpoint.parameter is not None:
        operation["parameters"] = [
            {
                "name": endpoint.parameter,
                "in": "path",
                "required": True,
                "description": "The project name in any spelling.",
                "schema": {"type": "string", "maxLength": MAX_NAME_LENGTH},
            }
        ]
    return operation


# -- parameters --------------------------------------------------------------------------


def _package_parameter(kind: BadgeKind) -> dict[str, Any]:
    """The ``{package}`` path parameter, with the kind's first example as its example."""
    example = kind.examples[0].package if kind.examples else "requests"
    return {
        "name": "package",
        "in": "path",
        "required": True,
        "description": (
            "The project name in any spelling (`Django`, `zope.interface`); PyPI "
            "normalises it. A name that cannot exist is an error badge."
        ),
        "schema": {"type": "string", "pattern": PACKAGE_PATTERN, "maxLength": MAX_NAME_LENGTH},
        "example": example,
    }


def _version_parameter() -> dict[str, Any]:
    """The ``{version}`` path parameter of pinned badges."""
    return {
        "name": "version",
        "in": "path",
        "required": True,
        "description": "A release of the project, as PyPI lists it.",
        "schema": {"type": "string", "pattern": VERSION_PATTERN, "maxLength": MAX_VERSION_LENGTH},
        "example": "1.0",
    }


def _format_parameter(*, extensionless: bool = True) -> dict[str, Any]:
    """The ``{format}`` path parameter (the extension may be left out, but for pypip.in's)."""
    note = " Without the extension the badge is an SVG." if extensionless else ""
    return {
        "name": "format",
        "in": "path",
        "required": True,
        "description": "SVG, PNG, or JSON in shields.io's endpoint schema." + note,
        "schema": {"type": "string", "enum": list(FORMATS)},
    }


def _kind_parameters(kind: BadgeKind, where: str) -> tuple[Param, ...]:
    """A kind's own parameters in the path or the query, in the order it declares them."""
    return tuple(param for param in kind.parameters if param.location == where)


def _kind_parameter(param: Param) -> dict[str, Any]:
    """A badge-specific parameter, with the schema and description its kind declares."""
    parameter: dict[str, Any] = {
        "name": param.name,
        "in": param.location,
        "required": param.location == "path",
        "description": param.description,
        "schema": dict(param.schema),
    }
    if param.location == "query" and "" in param.schema.get("enum", ()):
        parameter["allowEmptyValue"] = True
    return parameter


def _common_refs(*, registry: bool) -> list[dict[str, str]]:
    """References to the parameters every badge takes (static ones read no registry)."""
    package_only = {param.name for param in QUERY_PARAMS if param.only == "package"}
    package_only |= {
        alias for param in QUERY_PARAMS if param.only == "package" for alias in param.aliases
    }
    names = [name for name in _common_parameters() if registry or name not in package_only]
    return [{_REF: _PARAMETERS + name} for name in names]


def _common_parameters() -> dict[str, Any]:
    """The query parameters every badge takes and their aliases, from ``QUERY_PARAMS``."""
    parameters: dict[str, Any] = {}
    for param in QUERY_PARAMS:
        parameters[param.name] = _query_parameter(param, param.name, _describe(param))
    for param in QUERY_PARAMS:
        for alias in param.aliases:
            described = f"Alias of `{param.name}`."
            parameters[alias] = _query_parameter(param, alias, described, deprecated=True)
    return parameters


def _query_parameter(param: QueryParam, name: str, description: str, **extra: Any) -> Any:
    """One query parameter: a list of up to ``param.repeat`` values when it repeats."""
    schema: dict[str, Any] = dict(param.schema)
    if param.repeat > 1:
        schema = {"type": "array", "items": schema, "maxItems": param.repeat}
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _describe(param: QueryParam) -> str:
    """A parameter's description: its effect, values and how shields.io's compares."""
    effect = param.effect[0].upper() + param.effect[1:]
    return f"{effect}. Values: {param.values}. shields.io: {param.shields}."


# -- responses ---------------------------------------------------------------------------


def _badge_refs(*codes: int) -> dict[str, Any]:
    """:func:`_refs` for a badge operation, whose 404 is a badge too."""
    responses = _refs(*codes)
    if "404" in responses:
        responses["404"] = {_REF: _RESPONSES + "BadgeNotFound"}
    return responses


def _refs(*codes: int) -> dict[str, Any]:
    """References to the shared responses with these status codes."""
    names = {
        200: "Badge",
        301: "Redirect",
        304: "NotModified",
        404: "NotFound",
        405: "MethodNotAllowed",
        414: "URITooLong",
    }
    return {str(code): {_REF: _RESPONSES + names[code]} for code in codes}


def _responses() -> dict[str, Any]:
    """The responses operations share, by name."""

    def header_refs(*names: str) -> dict[str, Any]:
        return {name: {_REF: _HEADERS + name} for name in names}

    return {
        "Badge": {
            "description": (
                "The badge; an error badge (same status) when it cannot be made, e.g. for "
                "an unknown package, an unavailable upstream or a bad parameter."
            ),
            "headers": header_refs(
                "Cache-Control",
                "ETag",
                "Content-Security-Policy",
                "X-Content-Type-Options",
                "X-Pypins-Package",
                "Access-Control-Allow-Origin",
            ),
            "content": {
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                "application/json": {"schema": {_REF: _SCHEMAS + "Endpoint"}},
            },
        },
        "Redirect": {
            "description": "Moved permanently: the same badge at its current URL.",
            "headers": header_refs("Cache-Control", "Location"),
        },
        "NotModified": {
            "description": "The `If-None-Match` validator matches the current ETag.",
            "headers": header_refs("Cache-Control", "ETag"),
        },
        "NotFound": {
            "description": "The path names nothing pypins serves.",
            "content": _TEXT,
        },
        "BadgeNotFound": {
            "description": (
                "The path, under a badge prefix, names no badge (an unknown kind, a "
                "missing or extra segment): the `404 | badge not found` badge in the "
                "format of the path's extension (SVG without one), kept "
                f"{DEFAULT_LIFETIMES['error']} s."
            ),
            "headers": header_refs("Cache-Control", "ETag", "X-Content-Type-Options"),
            "content": {
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                "application/json": {"schema": {_REF: _SCHEMAS + "Endpoint"}},
            },
        },
        "MethodNotAllowed": {
            "description": "Any method but GET and HEAD, on any path.",
            "headers": header_refs("Allow"),
            "content": _TEXT,
        },
        "URITooLong": {
            "description": (
                f"The path is longer than {MAX_PATH_LENGTH} characters, or the query "
                f"longer than {MAX_QUERY_LENGTH}."
            ),
            "content": _TEXT,
        },
    }


def _headers() -> dict[str, Any]:
    """The response headers, by name; the security headers' values are the ones sent."""
    security = {name.decode().title(): value.decode() for name, value in SVG_SECURITY_HEADERS}

    def header(description: str, schema: dict[str, Any], *, required: bool = False) -> Any:
        return {"description": description, "required": required, "schema": schema}

    return {
        "Cache-Control": header(
            "Public lifetimes: `max-age` by the badge's cache category (error badges: "
            f"{DEFAULT_LIFETIMES['error']} s), `s-maxage` for shared caches, and "
            "`stale-while-revalidate`/`stale-if-error` for the grace period.",
            {"type": "string"},
            required=True,
        ),
        "ETag": header(
            "A strong validator of the exact body.",
            {"type": "string", "pattern": '^"[0-9a-f]+"$'},
            required=True,
        ),
        "Content-Security-Policy": header(
            "Sent with SVG badges: nothing in a badge may load or run anything.",
            {"type": "string", "const": security["Content-Security-Policy"]},
        ),
        "X-Content-Type-Options": header(
            "Sent with every badge.",
            {"type": "string", "const": security["X-Content-Type-Options"]},
            required=True,
        ),
        "X-Pypins-Package": header(
            "The PEP 503 name of the package a badge describes, for purging a cache in front.",
            {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"},
        ),
        "Access-Control-Allow-Origin": header(
            "`*` on JSON badges, so pages anywhere may read them.", {"type": "string", "const": "*"}
        ),
        "Location": header("The badge's current URL.", {"type": "string"}, required=True),
        "Allow": header("The methods every route answers.", {"type": "string"}, required=True),
    }


def _endpoint_schema() -> dict[str, Any]:
    """shields.io's endpoint schema, as far as pypins writes it."""
    text = {"type": "string", "maxLength": MAX_TEXT_LENGTH}
    return {
        "type": "object",
        "description": "A badge in shields.io's endpoint schema (`schemaVersion` 1).",
        "required": ["schemaVersion", "label", "message", "color"],
        "properties": {
            "schemaVersion": {"const": 1},
            "label": text,
            "message": text,
            "color": {"type": "string"},
            "labelColor": {"type": "string"},
            "style": {"type": "string", "enum": [s for s in STYLES if s != "flat"]},
            "namedLogo": {"type": "string"},
            "logoColor": {"type": "string"},
            "logoSize": {"type": "string", "enum": list(LOGO_SIZES)},
            "logoWidth": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_LOGO_WIDTH},
        },
        "additionalProperties": False,
    }


# -- text --------------------------------------------------------------------------------


def _markdown(text: str) -> str:
    """A kind's reStructuredText description as CommonMark (double backticks to single)."""
    return text.replace("``", "`")


def _category_note(kind: BadgeKind) -> str:
    seconds = DEFAULT_LIFETIMES.get(kind.category, DEFAULT_LIFETIMES["metadata"])
    return (
        f" Cache category `{kind.category}`: browsers may keep it {seconds} s "
        "(`cacheSeconds` may lengthen that)."
    )


def _sample(param: Param) -> str:
    """A value of a path parameter the route parser accepts (its first documented one)."""
    return str(param.schema.get("enum", ["x"])[0])
