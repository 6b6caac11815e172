"""/metrics after known traffic, the upstream guard inside the service, busy answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pypins.config import ServiceConfig
from pypins.web.asgi import PypinsApp
from tests.support.upstream import Upstream

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    """Every sample of ``/metrics``, by name and sorted labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    found: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def badge_count(found: Samples, kind: str, fmt: str, status: str) -> float:
    labels = (("format", fmt), ("kind", kind), ("status", status))
    return found.get(("pypins_badge_requests_total", labels), 0.0)


def upstream_count(found: Samples, upstream: str, outcome: str) -> float:
    labels = (("outcome", outcome), ("upstream", upstream))
    return found.get(("pypins_upstream_requests_total", labels), 0.0)


def cache_count(found: Samples, tier: str, result: str) -> float:
    return found.get(("pypins_cache_requests_total", (("result", result), ("tier", tier))), 0.0)


async def test_metrics_after_known_traffic(client: httpx.AsyncClient, upstream: Upstream) -> None:
    """Three version badges, one 304, two error badges, a static badge, a 404 and a 405."""
    first = await client.get("/pypi/v/requests.svg")
    await client.get("/pypi/v/requests.svg")
    await client.get("/pypi/v/requests.svg")
    not_modified = await client.get(
        "/pypi/v/requests.svg", headers={"If-None-Match": first.headers["etag"]}
    )
    assert not_modified.status_code == 304
    await client.get("/pypi/v/requests.json")
    await client.get("/pypi/v/no-such-package-here.svg")
    await client.get("/pypi/v/requests.svg?cacheSeconds=soon")
    await client.get("/badge/a-b-green.svg")
    await client.get("/no/such/route")
    await client.post("/pypi/v/requests.svg")
    found = await scrape(client)
    assert badge_count(found, "pypi/v", "svg", "ok") == 3
    assert badge_count(found, "pypi/v", "svg", "not_modified") == 1
    assert badge_count(found, "pypi/v", "json", "ok") == 1
    assert badge_count(found, "pypi/v", "svg", "error") == 2
    assert badge_count(found, "static", "svg", "ok") == 1
    assert badge_count(found, "none", "-", "not_found") == 1
    assert badge_count(found, "none", "-", "refused") == 1
    # requests and the unknown package: one upstream request each, a hit for the rest.
    assert upstream_count(found, "pypi", "ok") == 1
    assert upstream_count(found, "pypi", "not_found") == 1
    assert upstream.count("/pypi/requests/json") == 1
    assert cache_count(found, "records", "miss") == 2
    assert cache_count(found, "records", "hit") == 1  # the JSON format, same record
    assert cache_count(found, "hot", "hit") == 3  # two repeats and the 304
    assert found[("pypins_upstream_latency_seconds_count", (("upstream", "pypi"),))] == 2
    assert found[("pypins_cache_entries", (("cache", "records"),))] == 2
    assert found[("pypins_cache_entries", (("cache", "hot"),))] >= 2


async def test_failing_upstream_is_retried_then_left_alone(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    upstream: Upstream,
) -> None:
    """503s: each miss tries 1 + retries times until the breaker opens; then none."""
    app = make_app(config.replace(retries=1, breaker_threshold=4, breaker_cooldown=60))
    upstream.inject("/pypi/*", status=503)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for index in range(10):
            response = await client.get(f"/pypi/v/pkg-{index}.svg")
            assert response.status_code == 200
            assert "inaccessible" in response.text
        found = await scrape(client)
    assert upstream.total() == 4  # two misses x two attempts, then the breaker is open
    assert upstream_count(found, "pypi", "server_error") == 4
    assert upstream_count(found, "pypi", "breaker_open") == 8
    assert found[("pypins_upstream_retries_total", (("upstream", "pypi"),))] == 2
    assert found[("pypins_circuit_open", (("upstream", "pypi"),))] == 1


async def test_busy_answer_past_the_queue(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    upstream: Upstream,
) -> None:
    """One slot, no queue: a second concurrent miss is answered "busy" at once."""
    app = make_app(config.replace(max_upstream_concurrency=1, max_queued=0))
    upstream.inject("/pypi/slow-one/json", delay=0.5)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        slow = asyncio.ensure_future(client.get("/pypi/v/slow-one.svg"))
        await asyncio.sleep(0.1)
        busy = await client.get("/pypi/v/requests.svg")
        assert busy.status_code == 200
        assert "busy" in busy.text
        assert busy.headers["cache-control"] == "no-store"
        assert busy.headers["retry-after"] == "1"
        assert (await slow).status_code == 200
        again = await client.get("/pypi/v/requests.svg")
        assert "busy" not in again.text
        found = await scrape(client)
    assert badge_count(found, "pypi/v", "svg", "busy") == 1
    assert upstream_count(found, "pypi", "busy") == 1


async def test_metrics_on_a_separate_bind_are_not_on_the_main_port(
    make_app: Callable[[ServiceConfig], PypinsApp], config: ServiceConfig
) -> None:
    """With ``metrics_bind`` set, the main port has no /metrics."""
    app = make_app(config.replace(metrics_bind="127.0.0.1:9999"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/metrics")).status_code == 404


@pytest.mark.parametrize("token", [None, "a-token-of-sufficient-length"])
async def test_admin_endpoints_need_the_token(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    token: str | None,
) -> None:
    """No token configured: 404; configured: 401 without or with a wrong bearer token."""
    app = make_app(config.replace(admin_token=token))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        bare = await client.post("/admin/purge/requests")
        wrong = await client.post(
            "/admin/purge/requests", headers={"Authorization": "Bearer wrong-token-wrong-token"}
        )
    if token is None:
        assert bare.status_code == wrong.status_code == 404
    else:
        assert bare.status_code == wrong.status_code == 401
        assert bare.headers["www-authenticate"].startswith("Bearer")


async def test_admin_purge_refreshes_a_package(
    make_app: Callable[[ServiceConfig], PypinsApp],
    config: ServiceConfig,
    upstream: Upstream,
) -> None:
    """A purge marks the records stale: the next request serves them and refetches."""
    token = "a-token-of-sufficient-length"
    app = make_app(config.replace(admin_token=token))
    auth = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get("/pypi/v/requests.svg")
        await client.get("/pypi/dm/requests.svg")
        purged = await client.post("/admin/purge/Requests", headers=auth)
        assert purged.status_code == 200
        assert purged.json() == {"purged": "requests", "records_marked_stale": True}
        await client.get("/pypi/v/requests.svg")
        await app.service.sources.facts.drain()
        assert upstream.count("/pypi/requests/json") == 2
        uncached = await client.post("/admin/purge/flask", headers=auth)
        assert uncached.json() == {"purged": "flask", "records_marked_stale": False}
        invalid = await client.post("/admin/purge/not%20a%20name!", headers=auth)
        assert invalid.status_code == 400
        unknown = await client.post("/admin/nothing-here", headers=auth)
        assert unknown.status_code == 404
