"""The routes that are not badges: an unexpected exception is a proper 503, never a 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from pypins.config import ServiceConfig
from pypins.web import endpoints
from pypins.web.asgi import PypinsApp

TOKEN = "a-token-of-sufficient-length"


async def broken(*args: object) -> None:
    """A handler, or a part of one, that fails as no part of pypins documents."""
    raise KeyError("odd")


def unexpected(app: PypinsApp, handler: str) -> float:
    """``pypins_unexpected_errors_total`` of an endpoint's ``handler``."""
    value = app.service.metrics.registry.get_sample_value(
        "pypins_unexpected_errors_total", {"stage": "endpoint", "kind": handler}
    )
    return value or 0.0


@pytest.mark.parametrize(
    ("path", "handler", "content_type"),
    [
        ("/stats", "stats", "text/plain; charset=utf-8"),
        ("/stats.json", "stats_json", "application/json"),
        ("/openapi.json", "openapi", "application/json"),
        ("/healthz", "healthz", "text/plain; charset=utf-8"),
        ("/metrics", "metrics", "text/plain; charset=utf-8"),
        ("/?package=requests", "index", "text/plain; charset=utf-8"),
    ],
)
async def test_an_endpoint_that_raises_is_a_503(
    *,
    app: PypinsApp,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
    handler: str,
    content_type: str,
) -> None:
    """503 with Retry-After in the endpoint's format, never kept, counted, logged with its
    traceback; the next request, the fault gone, is answered."""
    with monkeypatch.context() as patch:
        patch.setattr(app.service.endpoints, handler, broken)
        with caplog.at_level(logging.ERROR, logger="pypins.web.pipeline"):
            answer = await client.get(path)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == content_type
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["retry-after"] == endpoints.RETRY_AFTER.decode()
    if content_type == "application/json":
        assert "error" in json.loads(answer.content)
    assert unexpected(app, handler) == 1
    assert any(record.exc_info for record in caplog.records)
    assert (await client.get(path)).status_code == 200


async def test_an_admin_endpoint_that_raises_is_a_503(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The admin reset failing unexpectedly is a JSON 503, like the store failing."""
    app = make_app(config.replace(admin_token=TOKEN))
    monkeypatch.setattr(app.service.usage, "reset", broken)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post(
            "/admin/stats/reset", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert answer.status_code == 503
    assert "error" in answer.json()
    assert unexpected(app, "admin_stats_reset") == 1


async def test_a_store_report_that_raises_is_a_503(
    app: PypinsApp, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only the handler: anything under it (the store's report) is caught too."""
    monkeypatch.setattr(app.service.usage, "report", broken)
    assert (await client.get("/stats.json")).status_code == 503
    assert unexpected(app, "stats_json") == 1
