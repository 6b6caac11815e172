"""schemathesis against ``/openapi.json``: every operation, generated inputs, documented answers.

schemathesis loads the description from the app (on the loopback upstream), and drives
the app in-process through its ASGI client, on a thread and event loop of its own. The
operations are parametrised here, one test each, and each draws from schemathesis'
strategies: its pytest plugin names every test of a schema alike under pytest 9, and its
``from_fixture`` loader sets ``Function._nodeid``, which pytest 9 no longer has.
Generated inputs are schema-valid ones: the invalid ones are the other modules' work.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pypins.web import openapi
from pypins.web.asgi import PypinsApp
from pypins.web.service import BadgeService
from tests.fuzz.conftest import EXAMPLES, InputCounts, loopback_config
from tests.support.upstream import Upstream

#: Cases per operation: its documented examples and inputs generated from its schema.
CASES_PER_OPERATION = max(5, EXAMPLES // 10)
#: Every operation of the description, by path and method.
OPERATIONS = [
    pytest.param(path, method.upper(), id=f"{method.upper()} {path}")
    for path, item in openapi.build()["paths"].items()
    for method in item
]

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def conformance_app(upstream_server: Upstream) -> Iterator[PypinsApp]:
    """An app on the loopback upstream; its lifespan is started by schemathesis' client."""
    yield PypinsApp(BadgeService(loopback_config(upstream_server)))
    shutdown_lifespans()


@pytest.fixture(scope="module")
def api_schema(conformance_app: PypinsApp) -> BaseSchema:
    """The description the app publishes at ``/openapi.json``, as schemathesis loads it."""
    return schemathesis.openapi.from_asgi("/openapi.json", conformance_app)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_answers_conform_to_the_description(
    api_schema: BaseSchema, conformance_app: PypinsApp, counts: InputCounts, path: str, method: str
) -> None:
    """For the operation's documented examples and generated inputs: no 5xx, and every
    status, content type, header and JSON body is the documented one."""
    operation = api_schema[path][method]
    cases = st.one_of(operation.as_strategy(), *operation.get_strategies_from_examples())

    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=cases)
    def conforms(case: Case) -> None:
        response = case.call_and_validate(app=conformance_app, checks=CHECKS)
        counts.add("schemathesis", response.status_code)

    conforms()


def test_the_description_tested_is_the_one_served(conformance_app: PypinsApp) -> None:
    """``/openapi.json`` is ``openapi.document()``, served as JSON."""
    with schemathesis.python.asgi.get_client(conformance_app) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == openapi.document()
